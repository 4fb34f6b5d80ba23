//! File output that is never half-written, and small text-table rendering.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Output format chosen on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Human-readable aligned table.
    #[default]
    Table,
    Json,
    Csv,
}

impl std::str::FromStr for Format {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            _ => Err(Error::invalid("format", s, "table, json or csv")),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Csv => "csv",
        })
    }
}

impl Format {
    /// The format implied by a file name's extension, if any.
    pub fn from_extension(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "txt" => Some(Format::Table),
            _ => None,
        }
    }
}

fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    path.with_file_name(format!(".{name}.tmp{}", std::process::id()))
}

/// Whether `path` exists and is neither a regular file nor a folder: a device or a pipe,
/// which is written in place, not replaced.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// An error naming `path` when the folder it would be written in does not exist.
fn folder_exists(path: &Path) -> Result<()> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) if !dir.is_dir() => Err(Error::file(
            path,
            format!(
                "cannot be written: the folder {} does not exist (create it first, or write \
                 elsewhere)",
                dir.display()
            ),
        )),
        _ => Ok(()),
    }
}

/// Check, before long work starts, that `path` can be written: its folder exists and is writable.
///
/// # Errors
/// A missing folder, one we may not create files in, or a path that is itself a folder.
pub fn check_writable(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(Error::file(
            path,
            "is a folder; give the name of a file to write",
        ));
    }
    folder_exists(path)?;
    if is_special(path) {
        // a device or a pipe is not opened ahead: closing a named pipe's only writer would
        // end its reader's stream before the output is written
        return Ok(());
    }
    let tmp = temp_name(path);
    std::fs::File::create(&tmp)
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
        .map(|_| ())?;
    std::fs::remove_file(&tmp).map_err(|source| Error::Io {
        path: tmp.clone(),
        source,
    })
}

/// Write `bytes` to `path` through a temporary file in the same folder, then rename it into
/// place, so readers never see a partial file and a failure leaves no file behind.
///
/// # Errors
/// The folder does not exist or is not writable.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Like [`write_atomic`], streaming through a writer.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    folder_exists(path)?;
    let io_err = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    if is_special(path) {
        // a device or a pipe (/dev/null, /dev/stdout) is written in place: renaming a file
        // over it would replace it
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io_err)?;
        let mut w = std::io::BufWriter::new(file);
        return fill(&mut w).and_then(|_| w.flush()).map_err(io_err);
    }
    let tmp = temp_name(path);
    let file = std::fs::File::create(&tmp).map_err(io_err)?;
    let mut w = std::io::BufWriter::new(file);
    let result = fill(&mut w)
        .and_then(|_| w.flush())
        .and_then(|_| w.get_ref().sync_all());
    drop(w);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io_err(e)
    })
}

/// Check that a CSV header names each column once.
///
/// # Errors
/// The first repeated name, with both of its (1-based) columns, as an error on line 1 of `path`.
pub fn distinct_columns(headers: &csv::StringRecord, path: &Path) -> Result<()> {
    for (j, h) in headers.iter().enumerate() {
        if let Some(k) = headers.iter().take(j).position(|g| g == h) {
            return Err(Error::Row {
                path: path.to_path_buf(),
                line: 1,
                message: format!(
                    "column `{h}` appears twice (columns {} and {}): each column once",
                    k + 1,
                    j + 1
                ),
            });
        }
    }
    Ok(())
}

/// Records as CSV with a header taken from their fields (serde), in memory.
///
/// # Errors
/// A record that does not serialise to one flat row (a nested list, for instance).
pub fn csv_bytes<'a, T: serde::Serialize + 'a>(
    records: impl IntoIterator<Item = &'a T>,
) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in records {
        w.serialize(r)
            .map_err(|e| Error::numerical("csv output", e))?;
    }
    w.into_inner()
        .map_err(|e| Error::numerical("csv output", e.error()))
}

/// Render rows as an aligned plain-text table. Numeric-looking cells are right-aligned.
/// A probability as a percentage with as few decimals as it needs (0.9 -> "90%", 0.999 ->
/// "99.9%", at most 3 decimals), so that 0.999 is never printed as a certain "100%".
pub fn percent(p: f64) -> String {
    let v = 100.0 * p;
    for d in 0..3 {
        let s = format!("{v:.d$}");
        if s.parse::<f64>().is_ok_and(|x| (x - v).abs() < 1e-9) {
            return format!("{s}%");
        }
    }
    format!("{v:.3}%")
}

pub fn render_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cols = header.len();
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in width.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let numeric = |s: &str| {
        s.trim_start_matches(['-', '+', '~', '<', '>'])
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    };
    let line = |cells: Vec<&str>| -> String {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate().take(cols) {
            let pad = width[i].saturating_sub(cell.chars().count());
            if i > 0 {
                out.push_str("  ");
            }
            if numeric(cell) {
                out.push_str(&" ".repeat(pad));
                out.push_str(cell);
            } else {
                out.push_str(cell);
                if i + 1 < cols {
                    out.push_str(&" ".repeat(pad));
                }
            }
        }
        out.trim_end().to_string()
    };
    let mut out = line(header.to_vec());
    out.push('\n');
    out.push_str(&line(
        width
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    ));
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_keep_the_decimals_they_need() {
        assert_eq!(percent(0.9), "90%");
        assert_eq!(percent(0.95), "95%");
        assert_eq!(percent(0.999), "99.9%");
        assert_eq!(percent(0.9999), "99.99%");
        assert_eq!(percent(0.123456), "12.346%");
        assert_eq!(percent(1.0), "100%");
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// A pipe (as /dev/null or /dev/stdout, a device) is written in place: a temporary file
    /// renamed over it would replace it with a regular file. A named pipe in a temporary folder
    /// stands in for the device, so a failure harms nothing outside the test.
    #[cfg(unix)]
    #[test]
    fn a_pipe_is_written_in_place_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&p).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("no mkfifo here: skipped");
            return;
        }
        let reader = {
            let p = p.clone();
            std::thread::spawn(move || std::fs::read_to_string(p).unwrap())
        };
        // the early check must not open the pipe (its reader would see the stream end)
        check_writable(&p).unwrap();
        write_atomic(&p, b"through the pipe").unwrap();
        // (checked before the reader is joined: a replaced pipe would leave it waiting)
        let kind = std::fs::metadata(&p).unwrap().file_type();
        assert!(kind.is_fifo(), "{kind:?}");
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failing_writer_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.txt");
        let r = write_atomic_with(&p, |_| Err(std::io::Error::other("boom")));
        assert!(r.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn missing_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope").join("c.txt");
        assert!(write_atomic(&p, b"x").is_err());
        assert!(check_writable(&p).is_err());
        let msg = check_writable(dir.path()).unwrap_err().to_string();
        assert!(msg.contains("is a folder"), "{msg}");
    }

    #[test]
    fn table_aligns_numbers_right() {
        let t = render_table(
            &["name", "value"],
            &[
                vec!["a".into(), "1.5".into()],
                vec!["bb".into(), "10.25".into()],
            ],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[2], "a       1.5");
        assert_eq!(lines[3], "bb    10.25");
    }
}
