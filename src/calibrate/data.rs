//! The user's features, labels and optional soft labels: loading (.npy or CSV) and validation.
//!
//! | input     | .npy                                                  | CSV                                       |
//! |-----------|-------------------------------------------------------|-------------------------------------------|
//! | features  | 2-D (items x D); float64, float32 or an integer type  | one row per item, numbers; optional header |
//! | labels    | 1-D (n,) or (n, 1); an integer type, or whole floats  | one integer per line; optional header     |
//! | soft      | 2-D (items x classes); as features                    | one row per item; optional header         |
//!
//! Integer types are int8 to int64 and uint8 to uint64 (see [`super::npy`]). Labels are any
//! integers from -2^63 to 2^63 - 1 (floats: whole numbers up to 2^53 in magnitude); they need
//! not be contiguous, since they are only compared and remapped to classes 0..C in sorted
//! order, so a label's size costs no memory. Every class needs at least [`MIN_PER_CLASS`] items.
//!
//! Every check names the file and the row (data row for .npy, line for CSV) and the value:
//! differing item counts, a single class, a class with too few items, NaN or infinite
//! features, labels that are not integers, soft entries outside [0, 1] (named by column) and
//! soft rows that do not sum to 1 (within [`SOFT_TOL`]).

use super::npy;
use crate::error::{Error, Result};
use ndarray::Array2;
use std::path::{Path, PathBuf};

/// Fewest items of a class: the stratified split holds one out and keeps one to learn from.
/// (`--metric transfer` needs more in the classes it transfers to; see `curves`.)
pub const MIN_PER_CLASS: usize = 2;

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

/// The header of the .npy file `path`, checked for a numeric data type and a shape `shape_ok`
/// accepts; an error gives the data type and shape found and `want`.
fn npy_header(path: &Path, shape_ok: impl Fn(&[usize]) -> bool, want: &str) -> Result<npy::Header> {
    let h = npy::header(path)?;
    if h.numeric().is_none() {
        return Err(Error::file(
            path,
            format!(
                "data type {} of shape {}: {want}",
                h.dtype_name(),
                h.shape_text()
            ),
        ));
    }
    if !shape_ok(&h.shape) {
        return Err(Error::file(
            path,
            format!(
                "shape {} ({}-D) of {}: {want}",
                h.shape_text(),
                h.shape.len(),
                h.dtype_name()
            ),
        ));
    }
    Ok(h)
}

/// A 2-D .npy array as f64 (see [`super::npy`] for the accepted data types).
fn read_npy_matrix(path: &Path, what: &str) -> Result<Array2<f64>> {
    let want = format!(
        "{what}s must be a 2-D array (items x {}) of float64, float32 or an integer type",
        if what == "feature" { "D" } else { "classes" }
    );
    let h = npy_header(path, |s| s.len() == 2, &want)?;
    let (rows, cols) = (h.shape[0], h.shape[1]);
    let data = npy::read_f64(path, &h)?;
    Array2::from_shape_vec((rows, cols), data).map_err(|e| Error::file(path, e.to_string()))
}

/// A 2-D float matrix from .npy or CSV.
fn read_matrix(path: &Path, what: &str) -> Result<(Array2<f64>, Origin)> {
    if is_npy(path) {
        return Ok((read_npy_matrix(path, what)?, Origin::Npy));
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

/// Largest magnitude of a label stored as a float: floats hold every integer up to 2^53.
pub const FLOAT_LABEL_MAX: f64 = 9_007_199_254_740_992.0;

/// Labels from .npy: 1-D (n,) or a column (n, 1), integers, or floats holding integers.
fn read_npy_labels(path: &Path) -> Result<Vec<i64>> {
    let h = npy_header(
        path,
        |s| matches!(s, [_] | [_, 1]),
        "labels must be a 1-D array (n,) or a column (n, 1) of an integer type \
         (int8 to int64, uint8 to uint64), or of float64/float32 holding whole numbers",
    )?;
    if let Some(v) = npy::read_i64(path, &h)? {
        return Ok(v);
    }
    let a = npy::read_f64(path, &h)?;
    let mut out = Vec::with_capacity(a.len());
    for (i, &v) in a.iter().enumerate() {
        if !(v.is_finite() && v.fract() == 0.0 && v.abs() <= FLOAT_LABEL_MAX) {
            return Err(Origin::Npy.err(
                path,
                i,
                format!(
                    "label {v} is not an integer (float labels must be whole numbers \
                     of magnitude at most 2^53 = {FLOAT_LABEL_MAX})"
                ),
            ));
        }
        out.push(v as i64);
    }
    Ok(out)
}

/// Labels as integers from .npy (integer types, or floats holding integers) or CSV.
fn read_labels(path: &Path) -> Result<(Vec<i64>, Origin)> {
    if is_npy(path) {
        return Ok((read_npy_labels(path)?, Origin::Npy));
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
        let v: i64 = c.parse().map_err(|_| {
            origin.err(
                path,
                i,
                if c.trim().parse::<f64>().is_ok() {
                    format!("label `{c}` is not an integer (class labels are whole numbers within 64 bits)")
                } else {
                    format!(
                        "label `{c}` is not an integer: labels are class numbers (e.g. 0 to C - 1); \
                         map class names such as `{c}` to numbers first"
                    )
                },
            )
        })?;
        out.push(v);
    }
    Ok((out, origin))
}

/// At least one feature column, every feature finite.
fn check_features(x: &Array2<f64>, xo: Origin, xpath: &Path) -> Result<()> {
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
    Ok(())
}

/// Features alone, with the checks of [`load`] (for estimating a scenario without labels).
///
/// # Errors
/// As [`load`] for the features file.
pub fn load_features(path: &Path) -> Result<Array2<f64>> {
    let (x, xo) = read_matrix(path, "feature")?;
    check_features(&x, xo, path)?;
    Ok(x)
}

/// Features and soft labels without hard labels: each item's class is the largest entry of its
/// soft label, and every check of [`load`] applies.
///
/// # Errors
/// As [`load`]; also fewer items than soft-label columns (classes), or a class that is no
/// item's largest entry.
pub fn load_soft(features: &Path, soft: &Path) -> Result<Dataset> {
    let (x, xo) = read_matrix(features, "feature")?;
    let (p, po) = read_matrix(soft, "soft label")?;
    if p.nrows() != x.nrows() {
        return Err(Error::file(
            soft,
            format!(
                "{} soft-label rows but {} has {} feature rows: one soft label per item is needed",
                p.nrows(),
                features.display(),
                x.nrows()
            ),
        ));
    }
    if x.nrows() <= p.ncols() {
        return Err(Error::file(
            features,
            format!(
                "{} items, not more than the {} classes (columns) of {}: at least {MIN_PER_CLASS} \
                 items per class are needed",
                x.nrows(),
                p.ncols(),
                soft.display()
            ),
        ));
    }
    let raw: Vec<i64> = p
        .rows()
        .into_iter()
        .map(|r| (0..r.len()).fold(0, |best, j| if r[j] > r[best] { j } else { best }) as i64)
        .collect();
    let mut seen = vec![false; p.ncols()];
    raw.iter().for_each(|&k| seen[k as usize] = true);
    if let Some(j) = seen.iter().position(|s| !s) {
        return Err(Error::file(
            soft,
            format!(
                "class column {} is no item's largest entry: without --labels each item's class \
                 is its soft label's largest entry, so every class needs at least {MIN_PER_CLASS} \
                 such items (or give --labels)",
                j + 1
            ),
        ));
    }
    validate(x, xo, features, &raw, soft, Some(((p, po), soft)))
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
    check_features(&x, xo, xpath)?;
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
    let mut counts = vec![0usize; labels.len()];
    for &k in &y {
        counts[k] += 1;
    }
    if let Some(k) = counts.iter().position(|&c| c < MIN_PER_CLASS) {
        return Err(Error::file(
            ypath,
            format!(
                "class {} has {} item(s); every class needs at least {MIN_PER_CLASS} \
                 (one held out for testing, one to learn from): drop the class or label more items",
                labels[k], counts[k]
            ),
        ));
    }
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
                // entries first: a negative entry can hide in a row that sums to 1
                if let Some(j) = row.iter().position(|v| !(0.0..=1.0).contains(v)) {
                    return Err(po.err(
                        ppath,
                        i,
                        format!(
                            "soft label column {} is {} (each entry must be a probability in [0, 1])",
                            j + 1,
                            row[j]
                        ),
                    ));
                }
                let s: f64 = row.sum();
                if (s - 1.0).abs() > SOFT_TOL {
                    return Err(po.err(
                        ppath,
                        i,
                        format!(
                            "soft label sums to {s} (each row must be probabilities summing to 1, within {SOFT_TOL})"
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

    const NPY: bool = false;
    const CSV: bool = true;

    /// The error of validating `x`, `labels` and `soft` read from x, y and p files of one
    /// format (CSV files with a header line).
    fn fails(x: Array2<f64>, csv: bool, labels: &[i64], soft: Option<Array2<f64>>) -> String {
        let (origin, ext) = if csv {
            (Origin::Csv { header: 1 }, "csv")
        } else {
            (Origin::Npy, "npy")
        };
        let (xp, yp, pp) = (format!("x.{ext}"), format!("y.{ext}"), format!("p.{ext}"));
        validate(
            x,
            origin,
            p(&xp),
            labels,
            p(&yp),
            soft.map(|s| ((s, origin), p(&pp))),
        )
        .unwrap_err()
        .to_string()
    }

    #[test]
    fn checks_name_file_row_and_value() {
        let x = array![[1.0, 2.0], [3.0, f64::NAN], [0.0, 1.0]];
        let e = fails(x, CSV, &[0, 1, 0], None);
        assert!(
            e.contains("x.csv") && e.contains("line 3") && e.contains("NaN"),
            "{e}"
        );
        let x = array![[1.0], [2.0]];
        let e = fails(x.clone(), NPY, &[0, 1, 1], None);
        assert!(
            e.contains("3 labels") && e.contains("2 feature rows"),
            "{e}"
        );
        let e = fails(x.clone(), NPY, &[4, 4], None);
        assert!(e.contains("only one class (4)"), "{e}");
        let x4 = array![[1.0], [2.0], [3.0], [4.0]];
        let soft = array![[0.5, 0.5], [0.7, 0.7], [1.0, 0.0], [0.0, 1.0]];
        let e = fails(x4.clone(), NPY, &[0, 1, 0, 1], Some(soft));
        assert!(
            e.contains("p.npy") && e.contains("row 1") && e.contains("1.4"),
            "{e}"
        );
        // a negative entry is named even when its row sums to 1
        let soft = array![[0.5, 0.5], [1.5, -0.5], [1.0, 0.0], [0.0, 1.0]];
        let e = fails(x4.clone(), CSV, &[0, 1, 0, 1], Some(soft));
        assert!(
            e.contains("p.csv, line 3") && e.contains("column 1 is 1.5") && e.contains("[0, 1]"),
            "{e}"
        );
        // labels are only compared: negative and huge labels are remapped in sorted order
        let big = 1i64 << 62;
        let d = validate(
            x4.clone(),
            Origin::Npy,
            p("x.npy"),
            &[big, -1, big, -1],
            p("y.npy"),
            None,
        )
        .unwrap();
        assert_eq!(d.y, vec![1, 0, 1, 0]);
        assert_eq!(d.labels, vec![-1, big]);
        // a class with one item cannot be split: named with its label and count
        let e = fails(x4, NPY, &[7, -2, 7, 7], None);
        assert!(
            e.contains("y.npy") && e.contains("class -2 has 1 item") && e.contains("at least 2"),
            "{e}"
        );
    }

    #[test]
    fn npy_and_csv_load() {
        let dir = tempfile::tempdir().unwrap();
        let xp = dir.path().join("x.npy");
        ndarray_npy::write_npy(
            &xp,
            &array![[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]],
        )
        .unwrap();
        let yp = dir.path().join("y.npy");
        ndarray_npy::write_npy(&yp, &array![1i64, 0, 1, 0]).unwrap();
        let d = load(&Sources {
            features: xp,
            labels: yp.clone(),
            soft: None,
        })
        .unwrap();
        assert_eq!(d.x[[1, 0]], 3.0);
        let xc = dir.path().join("x.csv");
        std::fs::write(&xc, "a,b\n1,2\n3,x\n5,6\n7,8\n").unwrap();
        let e = load(&Sources {
            features: xc,
            labels: yp.clone(),
            soft: None,
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 3") && e.contains("`x`"), "{e}");
        let yc = dir.path().join("y.csv");
        std::fs::write(&yc, "label\n1\n0.5\n1\n0\n").unwrap();
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

    /// .npy errors name the file, the shape and data type found, and what is accepted.
    #[test]
    fn npy_shapes_and_types_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let load_xy = |x: &Path, y: &Path| {
            load(&Sources {
                features: x.to_path_buf(),
                labels: y.to_path_buf(),
                soft: None,
            })
        };
        let x2 = dir.path().join("x2.npy");
        ndarray_npy::write_npy(&x2, &array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
            .unwrap();
        let y1 = dir.path().join("y1.npy");
        ndarray_npy::write_npy(&y1, &array![1u8, 0, 1, 0]).unwrap();
        // features: 1-D float64
        let x1 = dir.path().join("x1.npy");
        ndarray_npy::write_npy(&x1, &array![1.0, 2.0, 3.0, 4.0]).unwrap();
        let e = load_xy(&x1, &y1).unwrap_err().to_string();
        assert!(
            e.contains("x1.npy")
                && e.contains("shape (4,)")
                && e.contains("float64")
                && e.contains("2-D"),
            "{e}"
        );
        // features: int64 is read
        let xi = dir.path().join("xi.npy");
        ndarray_npy::write_npy(&xi, &array![[1i64, 2], [3, 4], [5, 6], [7, 8]]).unwrap();
        assert_eq!(load_xy(&xi, &y1).unwrap().x[[2, 1]], 6.0);
        // labels: a column (n, 1) is read; (n, 2) is named as a shape, not a data type
        let yc = dir.path().join("yc.npy");
        ndarray_npy::write_npy(&yc, &array![[1i64], [0], [1], [0]]).unwrap();
        assert_eq!(load_xy(&x2, &yc).unwrap().y, vec![1, 0, 1, 0]);
        let y2 = dir.path().join("y2.npy");
        ndarray_npy::write_npy(&y2, &array![[1i64, 0], [0, 1], [1, 0], [0, 1]]).unwrap();
        let e = load_xy(&x2, &y2).unwrap_err().to_string();
        assert!(
            e.contains("y2.npy") && e.contains("shape (4, 2)") && e.contains("1-D"),
            "{e}"
        );
        // labels: floats beyond 2^53 are not exact integers
        let yf = dir.path().join("yf.npy");
        ndarray_npy::write_npy(&yf, &array![1.0, 0.0, 1e30, 0.0]).unwrap();
        let e = load_xy(&x2, &yf).unwrap_err().to_string();
        assert!(e.contains("row 2") && e.contains("2^53"), "{e}");
    }
}
