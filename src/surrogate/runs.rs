//! Reading a sweep's `runs.csv` into [`RunRecord`]s, with errors that name line and column.

use crate::error::{Error, Result};
use crate::sim::RunRecord;
use std::path::Path;

/// Columns a runs file must have (all of [`RunRecord`]'s fields).
pub const COLUMNS: [&str; 19] = [
    "signal",
    "n",
    "classes",
    "dims",
    "features",
    "rep_dims",
    "nuisance",
    "noise",
    "latent",
    "soft_annotators",
    "pool",
    "seed",
    "cka",
    "transfer",
    "cka_floor",
    "transfer_floor",
    "tau",
    "evals",
    "seconds",
];

/// Columns of whole numbers (`run` is the position of a run in its sweep, in shards and merged
/// files).
const INTEGER_COLUMNS: [&str; 10] = [
    "run",
    "n",
    "classes",
    "dims",
    "features",
    "rep_dims",
    "soft_annotators",
    "pool",
    "seed",
    "evals",
];

/// Read a runs file.
///
/// # Errors
/// The file cannot be read; its header lacks columns (all missing ones are named); a row does
/// not parse or holds a non-finite number (line and column named); the file has no rows.
pub fn read_runs(path: &Path) -> Result<Vec<RunRecord>> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let runs = parse_runs(&bytes, path)?;
    if runs.is_empty() {
        return Err(Error::file(
            path,
            "no runs: the file has a header but no rows",
        ));
    }
    Ok(runs)
}

/// Parse runs from bytes; `path` only labels errors.
pub fn parse_runs(bytes: &[u8], path: &Path) -> Result<Vec<RunRecord>> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let row_err = |line: u64, message: String| Error::Row {
        path: path.to_path_buf(),
        line,
        message,
    };
    let headers = rdr
        .headers()
        .map_err(|e| row_err(1, format!("unreadable header: {e}")))?
        .clone();
    crate::io::distinct_columns(&headers, path)?;
    let missing: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .filter(|c| !headers.iter().any(|h| h == *c))
        .collect();
    if !missing.is_empty() {
        return Err(row_err(
            1,
            format!(
                "missing column(s) {}; a runs file needs {}",
                missing.join(", "),
                COLUMNS.join(",")
            ),
        ));
    }
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            row_err(line, e.to_string())
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let run: RunRecord = rec
            .deserialize(Some(&headers))
            .map_err(|e| match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => {
                    let column = err
                        .field()
                        .and_then(|i| headers.get(i as usize))
                        .unwrap_or_else(|| enum_column(&headers, &rec));
                    let value = headers
                        .iter()
                        .position(|h| h == column)
                        .and_then(|i| rec.get(i))
                        .unwrap_or("");
                    let expected = if INTEGER_COLUMNS.contains(&column) {
                        format!("; expected a whole number from 0 to {}", u64::MAX)
                    } else {
                        String::new()
                    };
                    row_err(
                        line,
                        format!("column `{column}`: {value:?}: {}{expected}", err.kind()),
                    )
                }
                _ => row_err(line, e.to_string()),
            })?;
        check_row(&run).map_err(|m| row_err(line, m))?;
        out.push(run);
    }
    Ok(out)
}

/// Check one run's values against what `simulate` can write: its scenario as a scenario file
/// accepts it ([`Scenario::validate`](crate::scenario::Scenario::validate)), n >= 1, CKA values
/// in [0, 1], transfer values, tau and seconds finite and >= 0.
///
/// # Errors
/// The first offending column, its value and the accepted range.
pub fn check_row(run: &RunRecord) -> std::result::Result<(), String> {
    if let Err(Error::Invalid {
        key,
        value,
        expected,
    }) = run.scenario().validate()
    {
        return Err(format!("column `{key}`: {value}; expected {expected}"));
    }
    if run.n == 0 {
        return Err("column `n`: 0; expected an annotation count >= 1".into());
    }
    // CKA values and the noise rate lie in [0, 1] (with 1e-9 to spare: a perfect encoder's CKA
    // may round a hair above 1); the rest need only be finite and >= 0
    let numbers = [
        ("nuisance", run.nuisance, None),
        ("noise", run.noise, Some(1.0)),
        ("cka", run.cka, Some(1.0)),
        ("cka_floor", run.cka_floor, Some(1.0)),
        ("transfer", run.transfer, None),
        ("transfer_floor", run.transfer_floor, None),
        ("tau", run.tau, None),
        ("seconds", run.seconds, None),
    ];
    for (col, v, hi) in numbers {
        let below = hi.is_none_or(|hi| v <= hi + 1e-9);
        if !(v.is_finite() && v >= 0.0 && below) {
            let expected = if hi.is_some() {
                "a number in [0, 1]"
            } else {
                "a finite number >= 0"
            };
            return Err(format!("column `{col}`: {v}; expected {expected}"));
        }
    }
    Ok(())
}

/// The enum column whose value does not parse (serde does not report the field of an enum).
fn enum_column<'h>(headers: &'h csv::StringRecord, rec: &csv::StringRecord) -> &'h str {
    let value = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| rec.get(i))
    };
    if value("signal").is_some_and(|v| v.parse::<crate::signal::Signal>().is_err()) {
        return "signal";
    }
    if value("latent").is_some_and(|v| v.parse::<crate::scenario::Latent>().is_err()) {
        return "latent";
    }
    "?"
}

/// A stable 64-bit FNV-1a hash of a file's bytes, written as 16 hex digits with its name.
pub fn hash_bytes(bytes: &[u8]) -> String {
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    });
    format!("fnv1a64:{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "signal,n,classes,dims,features,rep_dims,nuisance,noise,latent,soft_annotators,pool,seed,cka,transfer,cka_floor,transfer_floor,tau,evals,seconds\n";
    const ROW: &str = "hard,100,10,16,64,16,4,0.2,gaussian,0,0,0,0.2,0.3,0.07,0.2,1.5,40,0.01\n";

    fn parse(s: &str) -> Result<Vec<RunRecord>> {
        parse_runs(s.as_bytes(), Path::new("runs.csv"))
    }

    #[test]
    fn reads_a_good_file() {
        let runs = parse(&format!("{HEADER}{ROW}{ROW}")).unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].n, 100);
    }

    #[test]
    fn names_missing_columns() {
        let head = HEADER.replace(",cka_floor", "").replace("tau,", "");
        let msg = parse(&head).unwrap_err().to_string();
        assert!(
            msg.contains("cka_floor") && msg.contains("tau") && msg.contains("line 1"),
            "{msg}"
        );
    }

    #[test]
    fn names_line_and_column_of_bad_values() {
        let bad = ROW.replace("0.2,0.3", "NaN,0.3");
        let msg = parse(&format!("{HEADER}{ROW}{bad}"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("line 3") && msg.contains("`cka`"), "{msg}");
        let bad = ROW.replace("hard", "quad");
        let msg = parse(&format!("{HEADER}{bad}")).unwrap_err().to_string();
        assert!(msg.contains("line 2") && msg.contains("`signal`"), "{msg}");
        let bad = ROW.replace(",0.2,0.3,", ",1.5,0.3,");
        let msg = parse(&format!("{HEADER}{bad}")).unwrap_err().to_string();
        assert!(
            msg.contains("`cka`: 1.5") && msg.contains("[0, 1]"),
            "{msg}"
        );
        let dup = HEADER.replace("tau", "cka");
        let msg = parse(&format!("{dup}{ROW}")).unwrap_err().to_string();
        assert!(msg.contains("`cka` appears twice"), "{msg}");
        let bad = ROW.replace(",100,", ",abc,");
        let msg = parse(&format!("{HEADER}{bad}")).unwrap_err().to_string();
        assert!(msg.contains("line 2") && msg.contains("`n`"), "{msg}");
    }
}
