//! The user's features, labels and optional soft labels: loading (.npy or CSV) and validation.
//!
//! | input     | .npy                                   | CSV                                        |
//! |-----------|----------------------------------------|--------------------------------------------|
//! | features  | 2-D, float64 or float32                | one row per item, numbers; optional header  |
//! | labels    | 1-D, any integer type (or integral floats) | one integer per line; optional header  |
//! | soft      | 2-D (items x classes), float64/float32 | one row per item; optional header          |
//!
//! Every check names the file and the row (data row for .npy, line for CSV) and the value:
//! differing item counts, a single class, NaN or infinite features, labels that are not
//! integers, soft rows that do not sum to 1 (within [`SOFT_TOL`]) or hold negative values.

use crate::error::{Error, Result};
use ndarray::{Array1, Array2};
use std::path::{Path, PathBuf};

/// Tolerance on soft-label row sums.
pub const SOFT_TOL: f64 = 1e-3;

/// A validated dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Features, items x D.
    pub x: Array2<f64>,
    /// Class index of each item, 0..C.
    pub y: Vec<usize>,
    /// The original label value of each class index.
    pub labels: Vec<i64>,
    /// Soft labels, items x C (columns in the order of `labels`), when given.
    pub soft: Option<Array2<f64>>,
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    pub fn classes(&self) -> usize {
        self.labels.len()
    }

    pub fn features(&self) -> usize {
        self.x.ncols()
    }
}

/// Where a value sits: "row r" of an .npy array, "line l" of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Npy,
    /// CSV with `header` lines before the first item.
    Csv {
        header: u64,
    },
}

impl Origin {
    /// The error for item `i` (0-based).
    fn err(self, path: &Path, i: usize, message: String) -> Error {
        match self {
            Origin::Npy => Error::file(path, format!("row {i} (0-based): {message}")),
            Origin::Csv { header } => Error::Row {
                path: path.to_path_buf(),
                line: header + i as u64 + 1,
                message,
            },
        }
    }
}

fn is_npy(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// CSV cells as rows of strings; the header line (if the first row is not all numbers) dropped.
fn csv_cells(path: &Path) -> Result<(Vec<Vec<String>>, u64)> {
    let text = read_text(path)?;
    let mut rows = Vec::new();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| Error::Row {
            path: path.to_path_buf(),
            line: i as u64 + 1,
            message: e.to_string(),
        })?;
        rows.push(rec.iter().map(str::to_string).collect::<Vec<_>>());
    }
    let header = rows
        .first()
        .is_some_and(|r| r.iter().any(|c| c.parse::<f64>().is_err()));
    if header {
        rows.remove(0);
    }
    if rows.is_empty() {
        return Err(Error::file(path, "no data rows"));
    }
    Ok((rows, u64::from(header)))
}

fn npy_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::file(path, format!("cannot read as .npy: {e}"))
}

/// A 2-D float matrix from .npy (float64 or float32) or CSV.
fn read_matrix(path: &Path, what: &str) -> Result<(Array2<f64>, Origin)> {
    if is_npy(path) {
        let a: Result<Array2<f64>> = ndarray_npy::read_npy(path).map_err(|e| npy_err(path, e));
        let a = a.or_else(|first| {
            ndarray_npy::read_npy::<_, Array2<f32>>(path)
                .map(|a| a.mapv(f64::from))
                .map_err(|_| first)
        })?;
        return Ok((a, Origin::Npy));
    }
    let (rows, header) = csv_cells(path)?;
    let origin = Origin::Csv { header };
    let width = rows[0].len();
    let mut data = Vec::with_capacity(rows.len() * width);
    for (i, r) in rows.iter().enumerate() {
        if r.len() != width {
            return Err(origin.err(
                path,
                i,
                format!("{} values where the first row has {width}", r.len()),
            ));
        }
        for (j, c) in r.iter().enumerate() {
            // "nan" and "inf" parse: they are caught by the finiteness check with the row
            let v: f64 = c.parse().map_err(|_| {
                origin.err(
                    path,
                    i,
                    format!("{what} column {} = `{c}` is not a number", j + 1),
                )
            })?;
            data.push(v);
        }
    }
    let a = Array2::from_shape_vec((rows.len(), width), data)
        .map_err(|e| Error::file(path, e.to_string()))?;
    Ok((a, origin))
}

/// Labels as integers from .npy (integer types, or floats holding integers) or CSV.
fn read_labels(path: &Path) -> Result<(Vec<i64>, Origin)> {
    if is_npy(path) {
        macro_rules! try_int {
            ($($t:ty),*) => {$(
                if let Ok(a) = ndarray_npy::read_npy::<_, Array1<$t>>(path) {
                    return Ok((a.iter().map(|&v| v as i64).collect(), Origin::Npy));
                }
            )*};
        }
        try_int!(i64, i32, i16, i8, u8, u16, u32, u64);
        let a: Array1<f64> = ndarray_npy::read_npy(path)
            .or_else(|_| ndarray_npy::read_npy::<_, Array1<f32>>(path).map(|a| a.mapv(f64::from)))
            .map_err(|e| {
                npy_err(
                    path,
                    format!("{e} (labels must be a 1-D array of integers)"),
                )
            })?;
        let mut out = Vec::with_capacity(a.len());
        for (i, &v) in a.iter().enumerate() {
            if !(v.is_finite() && v.fract() == 0.0) {
                return Err(Origin::Npy.err(path, i, format!("label {v} is not an integer")));
            }
            out.push(v as i64);
        }
        return Ok((out, Origin::Npy));
    }
    let (rows, header) = csv_cells(path)?;
    let origin = Origin::Csv { header };
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        if r.len() != 1 {
            return Err(origin.err(
                path,
                i,
                format!("{} values; a label file has one per line", r.len()),
            ));
        }
        let c = &r[0];
        let v: i64 = c
            .parse()
            .map_err(|_| origin.err(path, i, format!("label `{c}` is not an integer")))?;
        out.push(v);
    }
    Ok((out, origin))
}

/// Paths of the inputs, for messages.
#[derive(Debug, Clone)]
pub struct Sources {
    pub features: PathBuf,
    pub labels: PathBuf,
    pub soft: Option<PathBuf>,
}

/// Load and validate a dataset.
///
/// # Errors
/// See the module docs: every failed check names the file, the row and the value.
pub fn load(src: &Sources) -> Result<Dataset> {
    let (x, xo) = read_matrix(&src.features, "feature")?;
    let (raw, _) = read_labels(&src.labels)?;
    let soft = match &src.soft {
        Some(p) => Some((read_matrix(p, "soft label")?, p.as_path())),
        None => None,
    };
    validate(x, xo, &src.features, &raw, &src.labels, soft)
}

/// The checks of [`load`] on data already in memory.
///
/// # Errors
/// See the module docs.
pub fn validate(
    x: Array2<f64>,
    xo: Origin,
    xpath: &Path,
    raw: &[i64],
    ypath: &Path,
    soft: Option<((Array2<f64>, Origin), &Path)>,
) -> Result<Dataset> {
    if x.nrows() != raw.len() {
        return Err(Error::file(
            ypath,
            format!(
                "{} labels but {} has {} feature rows: one label per item is needed",
                raw.len(),
                xpath.display(),
                x.nrows()
            ),
        ));
    }
    if x.ncols() == 0 {
        return Err(Error::file(xpath, "no feature columns"));
    }
    for (i, row) in x.rows().into_iter().enumerate() {
        if let Some(j) = row.iter().position(|v| !v.is_finite()) {
            return Err(xo.err(
                xpath,
                i,
                format!(
                    "feature column {} is {} (features must be finite)",
                    j + 1,
                    row[j]
                ),
            ));
        }
    }
    let mut labels: Vec<i64> = raw.to_vec();
    labels.sort_unstable();
    labels.dedup();
    if labels.len() < 2 {
        return Err(Error::file(
            ypath,
            format!(
                "only one class ({}) among {} labels: a learning curve needs at least 2",
                labels.first().map_or("none".into(), |l| l.to_string()),
                raw.len()
            ),
        ));
    }
    let y: Vec<usize> = raw
        .iter()
        .map(|v| labels.binary_search(v).expect("label present"))
        .collect();
    let soft = match soft {
        None => None,
        Some(((p, po), ppath)) => {
            if p.nrows() != y.len() {
                return Err(Error::file(
                    ppath,
                    format!("{} soft-label rows but {} items", p.nrows(), y.len()),
                ));
            }
            if p.ncols() != labels.len() {
                return Err(Error::file(
                    ppath,
                    format!(
                        "{} soft-label columns but the labels have {} classes",
                        p.ncols(),
                        labels.len()
                    ),
                ));
            }
            for (i, row) in p.rows().into_iter().enumerate() {
                let s: f64 = row.sum();
                if row.iter().any(|v| !v.is_finite() || *v < 0.0) || (s - 1.0).abs() > SOFT_TOL {
                    return Err(po.err(
                        ppath,
                        i,
                        format!(
                            "soft label sums to {s} (each row must be probabilities >= 0 summing to 1, within {SOFT_TOL})"
                        ),
                    ));
                }
            }
            Some(p)
        }
    };
    Ok(Dataset { x, y, labels, soft })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn p(s: &str) -> &Path {
        Path::new(s)
    }

    #[test]
    fn checks_name_file_row_and_value() {
        let x = array![[1.0, 2.0], [3.0, f64::NAN], [0.0, 1.0]];
        let e = validate(
            x,
            Origin::Csv { header: 1 },
            p("x.csv"),
            &[0, 1, 0],
            p("y.csv"),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("x.csv") && e.contains("line 3") && e.contains("NaN"),
            "{e}"
        );
        let x = array![[1.0], [2.0]];
        let e = validate(
            x.clone(),
            Origin::Npy,
            p("x.npy"),
            &[0, 1, 1],
            p("y.npy"),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("3 labels") && e.contains("2 feature rows"),
            "{e}"
        );
        let e = validate(
            x.clone(),
            Origin::Npy,
            p("x.npy"),
            &[4, 4],
            p("y.npy"),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("only one class (4)"), "{e}");
        let soft = array![[0.5, 0.5], [0.7, 0.7]];
        let e = validate(
            x.clone(),
            Origin::Npy,
            p("x.npy"),
            &[0, 1],
            p("y.npy"),
            Some(((soft, Origin::Npy), p("p.npy"))),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("p.npy") && e.contains("row 1") && e.contains("1.4"),
            "{e}"
        );
        let d = validate(x, Origin::Npy, p("x.npy"), &[7, -2], p("y.npy"), None).unwrap();
        assert_eq!(d.y, vec![1, 0]);
        assert_eq!(d.labels, vec![-2, 7]);
    }

    #[test]
    fn npy_and_csv_load() {
        let dir = tempfile::tempdir().unwrap();
        let xp = dir.path().join("x.npy");
        ndarray_npy::write_npy(&xp, &array![[1.0f32, 2.0], [3.0, 4.0]]).unwrap();
        let yp = dir.path().join("y.npy");
        ndarray_npy::write_npy(&yp, &array![1i64, 0]).unwrap();
        let d = load(&Sources {
            features: xp,
            labels: yp.clone(),
            soft: None,
        })
        .unwrap();
        assert_eq!(d.x[[1, 0]], 3.0);
        let xc = dir.path().join("x.csv");
        std::fs::write(&xc, "a,b\n1,2\n3,x\n").unwrap();
        let e = load(&Sources {
            features: xc,
            labels: yp.clone(),
            soft: None,
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 3") && e.contains("`x`"), "{e}");
        let yc = dir.path().join("y.csv");
        std::fs::write(&yc, "label\n1\n0.5\n").unwrap();
        let xp = dir.path().join("x.npy");
        let e = load(&Sources {
            features: xp,
            labels: yc,
            soft: None,
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("y.csv") && e.contains("line 3") && e.contains("0.5"),
            "{e}"
        );
    }
}
