//! Reading and writing runs files (CSV or JSON lists of [`RunRecord`]).

use super::record::RunRecord;
use crate::error::{Error, Result};
use crate::io::Format;
use std::path::Path;

/// Serialise records as CSV (with header) or JSON.
pub fn to_bytes(records: &[RunRecord], format: Format) -> Result<Vec<u8>> {
    match format {
        Format::Json => {
            serde_json::to_vec_pretty(records).map_err(|e| Error::numerical("json output", e))
        }
        Format::Csv | Format::Table => crate::io::csv_bytes(records),
    }
}

/// Read a runs CSV. Errors name the file, the line and the offending field.
pub fn read_csv(path: &Path) -> Result<Vec<RunRecord>> {
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut rdr = csv::Reader::from_reader(std::io::BufReader::new(file));
    let mut out = Vec::new();
    for (i, rec) in rdr.deserialize::<RunRecord>().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(|e| Error::Row {
            path: path.to_path_buf(),
            line: e.position().map(|p| p.line()).unwrap_or(line),
            message: e.to_string(),
        })?;
        for (name, v) in [
            ("cka", rec.cka),
            ("transfer", rec.transfer),
            ("noise", rec.noise),
            ("nuisance", rec.nuisance),
        ] {
            if !v.is_finite() {
                return Err(Error::Row {
                    path: path.to_path_buf(),
                    line,
                    message: format!("`{name}` is {v}; expected a finite number"),
                });
            }
        }
        out.push(rec);
    }
    Ok(out)
}
