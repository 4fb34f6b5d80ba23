//! Annotation logs to a cost file: annotator time per annotation of each signal.
//!
//! The log is CSV with a header holding at least `signal` and `seconds` (one row per
//! annotation; other columns such as annotator or item ids are ignored). Per signal the median
//! time is the price (`seconds` in the cost file, converted with the wage), and the quartiles
//! and count are written beside it as comments. Medians, not means: logs hold idle time (an
//! annotator who left the tab open), which drags a mean but barely moves a median.
//!
//! Accepted values: each logged time in [`SECONDS_RANGE`] (1 ms to 10^6 s, about 11.6 days:
//! longer idle times are plausible in a log, anything beyond is a unit or export error); the
//! wage in [`WAGE_RANGE`] money per hour; and the resulting price per annotation (median
//! seconds x wage / 3600) in [`PRICE_RANGE`], the range cost files are read with.

use crate::cost::{Costs, DEFAULT_WAGE_PER_HOUR, PRICE_RANGE, SECONDS_RANGE, WAGE_RANGE};
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

/// Check `--wage` lies in [`WAGE_RANGE`].
///
/// # Errors
/// NaN, infinite, or out of range.
pub fn check_wage(wage_per_hour: f64) -> Result<f64> {
    let (lo, hi) = WAGE_RANGE;
    if (lo..=hi).contains(&wage_per_hour) {
        Ok(wage_per_hour)
    } else {
        Err(Error::invalid(
            "wage",
            num(wage_per_hour),
            format!("money per annotator hour in [{lo:e}, {hi:e}]"),
        ))
    }
}

/// A number for a message: plain when of ordinary size, else in scientific notation.
fn num(v: f64) -> String {
    if v == 0.0 || (1e-4..1e9).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// A number as a TOML float (never an integer literal, which cannot hold 1e20).
fn toml_float(v: f64) -> String {
    toml::Value::Float(v).to_string()
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
    let (mut rdr, headers) = super::csv_with_header(text, path, "signal,seconds")?;
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
        let (lo, hi) = SECONDS_RANGE;
        let secs: f64 = t
            .parse()
            .ok()
            .filter(|v: &f64| (lo..=hi).contains(v))
            .ok_or_else(|| {
                row_err(
                    line,
                    format!(
                        "seconds = `{t}` is not a time per annotation in [{lo:e}, {hi:e}] seconds"
                    ),
                )
            })?;
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
/// A wage outside [`WAGE_RANGE`], or a price per annotation outside [`PRICE_RANGE`].
pub fn cost_file(
    stats: &[TimeStats],
    wage_per_hour: f64,
    unit: &str,
    source: &str,
) -> Result<String> {
    check_wage(wage_per_hour)?;
    let (lo, hi) = PRICE_RANGE;
    for signal in Signal::ALL {
        let (secs, whose) = match stats.iter().find(|s| s.signal == signal) {
            Some(s) => (s.median, format!("the median of {source}")),
            None => (
                crate::cost::default_seconds(signal),
                "labelbudget's default, as the signal is not in the log".to_string(),
            ),
        };
        let price = secs * wage_per_hour / 3600.0;
        if !(lo..=hi).contains(&price) {
            return Err(Error::invalid(
                "wage",
                num(wage_per_hour),
                format!(
                    "with {} s per {signal} annotation ({whose}), this wage prices an annotation \
                     at {price:.3e} {unit}; accepted prices are [{lo:e}, {hi:e}] per annotation \
                     (check the wage, its unit, and the log's time unit)",
                    num(secs),
                ),
            ));
        }
    }
    // a comment line cannot hold a line break: the source is shown with escapes
    let mut out = format!(
        "# Cost file measured by `labelbudget calibrate --annotations {}`.\n\
         # seconds = median annotator time per annotation; quartiles and counts for reference.\n\
         unit = {}\nwage_per_hour = {}\n",
        source.escape_default(),
        toml::Value::String(unit.to_string()),
        toml_float(wage_per_hour)
    );
    for s in stats {
        out.push_str(&format!(
            "\n[{}]\n# {} annotations; quartiles {:.3} s, {:.3} s\nseconds = {}\n",
            s.signal,
            s.count,
            s.q1,
            s.q3,
            toml_float(s.median)
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
    Costs::from_toml(&out).map_err(|e| {
        Error::numerical(
            "cost file",
            format!("labelbudget wrote a cost file it cannot read back ({e}); please report this"),
        )
    })?;
    Ok(out)
}

/// The default wage, re-exported for the command's help.
pub const WAGE: f64 = DEFAULT_WAGE_PER_HOUR;

#[cfg(test)]
mod tests {
    use super::*;

    /// The error of parsing `text` as log.csv.
    fn log_err(text: &str) -> String {
        parse_log(text, Path::new("log.csv"))
            .unwrap_err()
            .to_string()
    }

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
    fn numbers_are_written_as_toml_floats_and_absurd_values_refused() {
        // an f64 printed with `{}` as `100000000000000000000` is a TOML integer that overflows
        for v in [1e20, 12.0, 1e-3, 4.5, 1e300] {
            let t = format!("x = {}", toml_float(v));
            let back: toml::Table = toml::from_str(&t).unwrap();
            assert_eq!(back["x"].as_float(), Some(v), "{t}");
        }
        let st = |median: f64| {
            vec![TimeStats {
                signal: Signal::Hard,
                count: 1,
                q1: median,
                median,
                q3: median,
            }]
        };
        // the largest accepted values still give a file `plan` reads
        let text = cost_file(&st(1e5), 1e7, "ab\"c", "log.csv").unwrap();
        let c = Costs::from_toml(&text).unwrap();
        assert_eq!(c.wage_per_hour, 1e7);
        assert_eq!(c.unit, "ab\"c");
        for w in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e300, 1e8] {
            let e = cost_file(&st(4.0), w, "USD", "log.csv")
                .unwrap_err()
                .to_string();
            assert!(e.contains("`wage`") && e.contains("[1e-3, 1e7]"), "{e}");
        }
        // in range, but the price per annotation is not
        let e = cost_file(&st(1e6), 1e7, "USD", "log.csv")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("1000000 s per hard") && e.contains("log.csv") && e.contains("[1e-6, 1e9]"),
            "{e}"
        );
        let e = log_err("signal,seconds\nhard,2\nhard,1e20\n");
        assert!(
            e.contains("log.csv, line 3") && e.contains("1e20") && e.contains("[1e-3, 1e6]"),
            "{e}"
        );
        let e = log_err("signal,seconds,seconds\nhard,2,3\n");
        assert!(
            e.contains("line 1") && e.contains("`seconds` appears twice"),
            "{e}"
        );
    }

    #[test]
    fn bad_rows_are_named() {
        let e = log_err("signal,seconds\nhard,2\nhard,-1\n");
        assert!(
            e.contains("log.csv") && e.contains("line 3") && e.contains("-1"),
            "{e}"
        );
        let e = log_err("signal,time\nhard,2\n");
        assert!(e.contains("seconds"), "{e}");
    }
}
