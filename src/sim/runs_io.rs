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
        // without records serde writes no header: write it, so that a shard without runs is
        // still a runs file that `merge` and `fit` read
        Format::Csv | Format::Table if records.is_empty() => Ok(csv_header().into_bytes()),
        Format::Csv | Format::Table => crate::io::csv_bytes(records),
    }
}

/// The header line of a runs CSV: `run` and the columns of [`crate::surrogate::runs::COLUMNS`],
/// in [`RunRecord`]'s field order.
pub fn csv_header() -> String {
    format!("run,{}\n", crate::surrogate::runs::COLUMNS.join(","))
}

/// Read a runs CSV with its `run` column (a shard or a merged sweep), validating every row as
/// `fit` does ([`crate::surrogate::runs::parse_runs`]). A file with a header and no rows is a
/// valid empty shard; a file without a header is not.
///
/// # Errors
/// The file cannot be read, is empty, lacks the `run` column or another column of a runs file,
/// or a row does not parse or holds a value `simulate` cannot write (file, line, column, value
/// and accepted range named).
pub fn read_csv(path: &Path) -> Result<Vec<RunRecord>> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::file(
            path,
            "empty file: a runs file (or a shard without runs) starts with a header line \
             `run,signal,n,...`",
        ));
    }
    let header = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice())
        .headers()
        .map(|h| h.iter().any(|c| c == "run"))
        .unwrap_or(true);
    if !header {
        return Err(Error::Row {
            path: path.to_path_buf(),
            line: 1,
            message: "missing column `run` (the run's position in its sweep, which `simulate` \
                      writes and `merge` orders by)"
                .into(),
        });
    }
    crate::surrogate::runs::parse_runs(&bytes, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_of_no_runs_is_the_header_of_some() {
        let text = "run,signal,n,classes,dims,features,rep_dims,nuisance,noise,latent,\
                    soft_annotators,pool,seed,cka,transfer,cka_floor,transfer_floor,tau,evals,\
                    seconds\n7,hard,100,10,16,64,16,4,0.2,gaussian,0,0,0,0.2,0.3,0.07,0.2,1.5,40,\
                    0.01\n";
        let runs = crate::surrogate::runs::parse_runs(text.as_bytes(), Path::new("r.csv")).unwrap();
        let some = String::from_utf8(to_bytes(&runs, Format::Csv).unwrap()).unwrap();
        let none = String::from_utf8(to_bytes(&[], Format::Csv).unwrap()).unwrap();
        assert_eq!(some.lines().next().unwrap(), none.trim_end());
        assert_eq!(none, csv_header());
    }
}
