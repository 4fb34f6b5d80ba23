//! Reading the log: the header's columns, each row checked, and labels mapped to classes.

use super::LabelSpace;
use crate::error::{Error, Result};
use crate::scenario::MAX_CLASSES;
use std::collections::HashMap;
use std::path::Path;

/// Column positions in the header.
#[derive(Debug, Clone, Copy)]
pub(in crate::info) struct Columns {
    item: usize,
    annotator: usize,
    label: usize,
    seconds: Option<usize>,
    gold: Option<usize>,
    width: usize,
}

pub(in crate::info) fn row_err(path: &Path, line: u64, message: impl Into<String>) -> Error {
    Error::Row {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

pub(in crate::info) fn open(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(file))
}

pub(in crate::info) fn columns(path: &Path, header: &csv::ByteRecord) -> Result<Columns> {
    let names: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, f)| {
            std::str::from_utf8(f)
                .map(|s| s.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
                .map_err(|_| {
                    row_err(
                        path,
                        1,
                        format!(
                            "header column {} is not UTF-8: {:?}",
                            i + 1,
                            String::from_utf8_lossy(f)
                        ),
                    )
                })
        })
        .collect::<Result<_>>()?;
    let find = |name: &str| names.iter().position(|n| n == name);
    let need = |name: &str| {
        find(name).ok_or_else(|| {
            Error::file(
                path,
                format!(
                    "missing column `{name}` (header has: {}; need item, annotator, label, \
                     optionally seconds and gold)",
                    names.join(", ")
                ),
            )
        })
    };
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(row_err(path, 1, format!("duplicate column `{n}`")));
        }
    }
    Ok(Columns {
        item: need("item")?,
        annotator: need("annotator")?,
        label: need("label")?,
        seconds: find("seconds"),
        gold: find("gold"),
        width: names.len(),
    })
}

/// Maps label bytes to class indices under a [`LabelSpace`].
pub(in crate::info) struct Labels {
    space: LabelSpace,
    index: HashMap<Vec<u8>, u32>,
    pub(in crate::info) names: Vec<String>,
}

impl Labels {
    pub(in crate::info) fn new(space: &LabelSpace) -> Labels {
        let mut l = Labels {
            space: space.clone(),
            index: HashMap::new(),
            names: Vec::new(),
        };
        let names: Vec<String> = match space {
            LabelSpace::Discover => Vec::new(),
            LabelSpace::Count(c) => (0..*c).map(|i| i.to_string()).collect(),
            LabelSpace::Names(n) => n.clone(),
        };
        for n in names {
            l.index.insert(n.as_bytes().to_vec(), l.names.len() as u32);
            l.names.push(n);
        }
        l
    }

    /// The class index of `raw`, or a message saying why it is not a class.
    fn get(&mut self, raw: &[u8]) -> std::result::Result<u32, String> {
        let s = std::str::from_utf8(raw)
            .map_err(|_| format!("not UTF-8: {:?}", String::from_utf8_lossy(raw)))?
            .trim();
        if s.is_empty() {
            return Err("empty".into());
        }
        if let Some(&i) = self.index.get(s.as_bytes()) {
            return Ok(i);
        }
        match &self.space {
            LabelSpace::Discover if self.names.len() >= MAX_CLASSES => Err(format!(
                "{s:?} would be distinct label number {}; a log may have at most {MAX_CLASSES} \
                 classes (the cap on `classes` everywhere)",
                MAX_CLASSES + 1
            )),
            LabelSpace::Discover => {
                let i = self.names.len() as u32;
                self.index.insert(s.as_bytes().to_vec(), i);
                self.names.push(s.to_string());
                Ok(i)
            }
            LabelSpace::Count(c) => Err(format!(
                "{s:?} is not one of the declared classes 0..{} (--classes {c})",
                c - 1
            )),
            LabelSpace::Names(n) => Err(format!(
                "{s:?} is not one of the declared labels ({})",
                if n.len() <= 12 {
                    n.join(", ")
                } else {
                    format!("{} labels", n.len())
                }
            )),
        }
    }
}

/// A validated row.
pub(in crate::info) struct Row<'a> {
    pub(in crate::info) item: &'a [u8],
    pub(super) annotator: &'a [u8],
    pub(in crate::info) label: u32,
    pub(super) seconds: Option<f64>,
    pub(super) gold: Option<u32>,
}

fn field<'a>(
    path: &Path,
    line: u64,
    rec: &'a csv::ByteRecord,
    i: usize,
    name: &str,
) -> Result<&'a [u8]> {
    let raw = rec.get(i).unwrap_or(b"");
    let s = std::str::from_utf8(raw).map_err(|_| {
        row_err(
            path,
            line,
            format!(
                "column `{name}` is not UTF-8: {:?}",
                String::from_utf8_lossy(raw)
            ),
        )
    })?;
    Ok(s.trim().as_bytes())
}

pub(in crate::info) fn parse_row<'a>(
    path: &Path,
    cols: &Columns,
    labels: &mut Labels,
    rec: &'a csv::ByteRecord,
) -> Result<Row<'a>> {
    let line = rec.position().map_or(0, |p| p.line());
    if rec.len() != cols.width {
        return Err(row_err(
            path,
            line,
            format!(
                "ragged row: {} fields where the header has {}",
                rec.len(),
                cols.width
            ),
        ));
    }
    let item = field(path, line, rec, cols.item, "item")?;
    let annotator = field(path, line, rec, cols.annotator, "annotator")?;
    for (v, name) in [(item, "item"), (annotator, "annotator")] {
        if v.is_empty() {
            return Err(row_err(path, line, format!("empty `{name}`")));
        }
    }
    let label = labels
        .get(rec.get(cols.label).unwrap_or(b""))
        .map_err(|m| row_err(path, line, format!("label {m}")))?;
    let seconds = match cols.seconds {
        None => None,
        Some(i) => {
            let raw = field(path, line, rec, i, "seconds")?;
            if raw.is_empty() {
                None
            } else {
                let s = std::str::from_utf8(raw).unwrap_or("");
                match s.parse::<f64>() {
                    Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
                    _ => {
                        return Err(row_err(
                            path,
                            line,
                            format!("seconds {s:?} is not a finite number >= 0"),
                        ));
                    }
                }
            }
        }
    };
    let gold = match cols.gold {
        None => None,
        Some(i) => {
            let raw = rec.get(i).unwrap_or(b"");
            if raw.iter().all(u8::is_ascii_whitespace) {
                None
            } else {
                Some(
                    labels
                        .get(raw)
                        .map_err(|m| row_err(path, line, format!("gold {m}")))?,
                )
            }
        }
    };
    Ok(Row {
        item,
        annotator,
        label,
        seconds,
        gold,
    })
}
