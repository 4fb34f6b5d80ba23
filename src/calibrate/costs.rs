//! Annotation logs to a cost file: annotator time per annotation of each signal.
//!
//! The log is CSV with a header holding at least `signal` and `seconds` (one row per
//! annotation; other columns such as annotator or item ids are ignored). Per signal the median
//! time is the price (`seconds` in the cost file, converted with the wage), and the quartiles
//! and count are written beside it as comments. Medians, not means: logs hold idle time (an
//! annotator who left the tab open), which drags a mean but barely moves a median.

use crate::cost::{Costs, DEFAULT_WAGE_PER_HOUR};
use crate::error::{Error, Result};
use crate::signal::Signal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Time statistics of one signal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TimeStats {
    pub signal: Signal,
    pub count: usize,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
}

/// Quantile of sorted data by linear interpolation (type 7, as R and NumPy default).
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Parse a log's text; `path` names the file in errors.
///
/// # Errors
/// No `signal` or `seconds` column; an unknown signal or a time that is not a positive finite
/// number (naming the line and value); an empty log.
pub fn parse_log(text: &str, path: &Path) -> Result<Vec<TimeStats>> {
    let row_err = |line: u64, message: String| Error::Row {
        path: path.to_path_buf(),
        line,
        message,
    };
    let (mut rdr, headers) = super::csv_with_header(text, path)?;
    let (Some(cs), Some(ct)) = (
        headers.iter().position(|h| h == "signal"),
        headers.iter().position(|h| h == "seconds"),
    ) else {
        return Err(row_err(
            1,
            "an annotation log needs columns `signal` and `seconds`".into(),
        ));
    };
    let mut by: BTreeMap<Signal, Vec<f64>> = BTreeMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(|e| row_err(line, e.to_string()))?;
        let s = rec.get(cs).unwrap_or("");
        let signal: Signal = s.parse().map_err(|_| {
            row_err(
                line,
                format!("unknown signal `{s}` (hard, soft, triplet or pair)"),
            )
        })?;
        let t = rec.get(ct).unwrap_or("");
        let secs: f64 = t
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v > 0.0)
            .ok_or_else(|| row_err(line, format!("seconds = `{t}` is not a positive number")))?;
        by.entry(signal).or_default().push(secs);
    }
    if by.is_empty() {
        return Err(Error::file(path, "the log has no annotations"));
    }
    Ok(by
        .into_iter()
        .map(|(signal, mut v)| {
            v.sort_by(f64::total_cmp);
            TimeStats {
                signal,
                count: v.len(),
                q1: quantile(&v, 0.25),
                median: quantile(&v, 0.5),
                q3: quantile(&v, 0.75),
            }
        })
        .collect())
}

/// Read an annotation log.
///
/// # Errors
/// See [`parse_log`]; an unreadable file.
pub fn read_log(path: &Path) -> Result<Vec<TimeStats>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_log(&text, path)
}

/// The cost file text: median seconds per signal, quartiles as comments. Signals absent from
/// the log keep labelbudget's defaults (said in a comment).
///
/// # Errors
/// A wage that is not positive.
pub fn cost_file(
    stats: &[TimeStats],
    wage_per_hour: f64,
    unit: &str,
    source: &str,
) -> Result<String> {
    if !(wage_per_hour.is_finite() && wage_per_hour > 0.0) {
        return Err(Error::invalid("wage", wage_per_hour, "money per hour > 0"));
    }
    let mut out = format!(
        "# Cost file measured by `labelbudget calibrate --annotations {source}`.\n\
         # seconds = median annotator time per annotation; quartiles and counts for reference.\n\
         unit = {unit:?}\nwage_per_hour = {wage_per_hour}\n"
    );
    for s in stats {
        out.push_str(&format!(
            "\n[{}]\n# {} annotations; quartiles {:.3} s, {:.3} s\nseconds = {}\n",
            s.signal, s.count, s.q1, s.q3, s.median
        ));
    }
    let missing: Vec<&str> = Signal::ALL
        .iter()
        .filter(|a| !stats.iter().any(|s| s.signal == **a))
        .map(|s| s.name())
        .collect();
    if !missing.is_empty() {
        out.push_str(&format!(
            "\n# not in the log, so labelbudget's defaults apply: {}\n",
            missing.join(", ")
        ));
    }
    // the file must be one `plan` reads
    Costs::from_toml(&out)?;
    Ok(out)
}

/// The default wage, re-exported for the command's help.
pub const WAGE: f64 = DEFAULT_WAGE_PER_HOUR;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_quartiles_and_a_readable_cost_file() {
        let log =
            "annotator,signal,seconds\na,hard,2\nb,hard,4\na,hard,3\nb,hard,100\na,pair,1.5\n";
        let st = parse_log(log, Path::new("log.csv")).unwrap();
        assert_eq!(st[0].signal, Signal::Hard);
        assert_eq!(st[0].count, 4);
        assert!((st[0].median - 3.5).abs() < 1e-12);
        assert!((st[0].q1 - 2.75).abs() < 1e-12);
        let text = cost_file(&st, 36.0, "USD", "log.csv").unwrap();
        let c = Costs::from_toml(&text).unwrap();
        assert!((c.of(Signal::Hard).per_annotation - 3.5 * 36.0 / 3600.0).abs() < 1e-12);
        assert_eq!(c.of(Signal::Pair).seconds, Some(1.5));
        assert_eq!(
            c.of(Signal::Soft).seconds,
            Some(crate::cost::default_seconds(Signal::Soft))
        );
    }

    #[test]
    fn bad_rows_are_named() {
        let e = parse_log("signal,seconds\nhard,2\nhard,-1\n", Path::new("log.csv"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("log.csv") && e.contains("line 3") && e.contains("-1"),
            "{e}"
        );
        let e = parse_log("signal,time\nhard,2\n", Path::new("log.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("seconds"), "{e}");
    }
}
