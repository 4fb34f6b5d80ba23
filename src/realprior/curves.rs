//! Collections of measured learning curves: the input the real-curve prior is learned from and
//! the protocol of [`super::protocol`] scores on.
//!
//! A curves file is CSV (optionally gzipped: a name ending in `.gz`) with a header and the
//! columns of the Learning Curve Database (LCDB 1.0): `dataset,classes,learner,n,seed,accuracy`
//! (`quality` is accepted for `accuracy`; other columns are ignored). One curve is one
//! (dataset, learner); its rows are measurements of a quality in [0, 1] after `n` training
//! examples, one per `seed` (a train/test split). `classes` is the number of classes, 0 where
//! unknown.

use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// One measurement of a curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub n: f64,
    pub seed: u32,
    pub y: f64,
}

/// One learning curve: a learner on a dataset, every measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub dataset: String,
    pub learner: String,
    /// Number of classes (0: unknown).
    pub classes: u32,
    /// Measurements sorted by n, then seed.
    pub points: Vec<Point>,
}

/// The mean of a curve at each distinct n.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanCurve {
    pub n: Vec<f64>,
    pub y: Vec<f64>,
}

impl Curve {
    /// The mean over seeds at each distinct n, in increasing n.
    pub fn mean_curve(&self) -> MeanCurve {
        let mut n = Vec::new();
        let mut y: Vec<f64> = Vec::new();
        let mut k = 0usize;
        for p in &self.points {
            if n.last() != Some(&p.n) {
                if let Some(last) = y.last_mut() {
                    *last /= k as f64;
                }
                n.push(p.n);
                y.push(0.0);
                k = 0;
            }
            *y.last_mut().expect("pushed above") += p.y;
            k += 1;
        }
        if let Some(last) = y.last_mut() {
            *last /= k.max(1) as f64;
        }
        MeanCurve { n, y }
    }

    /// The chance level of a classifier on `classes` balanced classes (0 when unknown).
    pub fn chance(&self) -> f64 {
        if self.classes >= 2 {
            1.0 / f64::from(self.classes)
        } else {
            0.0
        }
    }
}

impl MeanCurve {
    /// The mean curve at `n`, linear in ln n between measured counts; `None` outside them.
    pub fn at(&self, n: f64) -> Option<f64> {
        let (first, last) = (*self.n.first()?, *self.n.last()?);
        if !(first..=last).contains(&n) {
            return None;
        }
        let k = self.n.partition_point(|&m| m < n);
        if self.n[k] == n {
            return Some(self.y[k]);
        }
        let (a, b) = (self.n[k - 1].ln(), self.n[k].ln());
        let t = (n.ln() - a) / (b - a);
        Some(self.y[k - 1] + t * (self.y[k] - self.y[k - 1]))
    }

    /// The first n at which the curve reaches `target`, interpolated in ln n between measured
    /// counts (the first count when it starts at or above it); `None` when it never does.
    pub fn first_crossing(&self, target: f64) -> Option<f64> {
        if *self.y.first()? >= target {
            return Some(self.n[0]);
        }
        for i in 0..self.n.len() - 1 {
            let (a, b) = (self.y[i], self.y[i + 1]);
            if a < target && target <= b {
                let t = (target - a) / (b - a);
                let (la, lb) = (self.n[i].ln(), self.n[i + 1].ln());
                return Some((la + t * (lb - la)).exp());
            }
        }
        None
    }
}

/// Read a curves file (CSV, or gzipped CSV when the name ends in `.gz`).
///
/// # Errors
/// An unreadable file, a missing column, a row whose `n` is not a positive count, whose seed is
/// not a whole number, whose quality is not in [0, 1] or whose `classes` disagrees with an
/// earlier row of the same curve (each naming the line and value), or no rows at all.
pub fn read(path: &Path) -> Result<Vec<Curve>> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io)?;
    let text = if path.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .map_err(|e| Error::file(path, format!("not a readable gzip file of CSV text: {e}")))?;
        s
    } else {
        String::from_utf8(bytes)
            .map_err(|_| Error::file(path, "not UTF-8 text (a curves file is CSV)"))?
    };
    parse(&text, path)
}

/// Parse curves CSV text; `path` names the file in errors.
///
/// # Errors
/// As [`read`].
pub fn parse(text: &str, path: &Path) -> Result<Vec<Curve>> {
    let row_err = |line: u64, message: String| Error::Row {
        path: path.to_path_buf(),
        line,
        message,
    };
    let (mut rdr, headers) =
        crate::calibrate::csv_with_header(text, path, "dataset,classes,learner,n,seed,accuracy")?;
    let col = |name: &str| headers.iter().position(|h| h == name);
    let quality = col("accuracy").or_else(|| col("quality"));
    let (Some(cd), Some(cc), Some(cl), Some(cn), Some(cs), Some(cq)) = (
        col("dataset"),
        col("classes"),
        col("learner"),
        col("n"),
        col("seed"),
        quality,
    ) else {
        return Err(row_err(
            1,
            format!(
                "header `{}` lacks a column of dataset,classes,learner,n,seed,accuracy",
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    };
    let mut by_key: BTreeMap<(String, String), Curve> = BTreeMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(|e| row_err(line, e.to_string()))?;
        let get = |c: usize| rec.get(c).unwrap_or("");
        let n: f64 = get(cn)
            .parse()
            .ok()
            .filter(|n: &f64| *n >= 1.0 && n.is_finite())
            .ok_or_else(|| row_err(line, format!("n = `{}` is not a count >= 1", get(cn))))?;
        let seed: u32 = get(cs).parse().map_err(|_| {
            row_err(
                line,
                format!(
                    "seed = `{}` is not a whole number in [0, {}]",
                    get(cs),
                    u32::MAX
                ),
            )
        })?;
        let y: f64 = get(cq)
            .parse()
            .ok()
            .filter(|q: &f64| (0.0..=1.0).contains(q))
            .ok_or_else(|| {
                row_err(
                    line,
                    format!(
                        "{} = `{}` is not a quality in [0, 1]",
                        &headers[cq],
                        get(cq)
                    ),
                )
            })?;
        let classes: u32 = get(cc).parse().map_err(|_| {
            row_err(
                line,
                format!(
                    "classes = `{}` is not a whole number (0 where unknown)",
                    get(cc)
                ),
            )
        })?;
        let key = (get(cd).to_string(), get(cl).to_string());
        let curve = by_key.entry(key.clone()).or_insert_with(|| Curve {
            dataset: key.0.clone(),
            learner: key.1.clone(),
            classes,
            points: Vec::new(),
        });
        if curve.classes != classes {
            return Err(row_err(
                line,
                format!(
                    "classes = {classes} for dataset `{}`, learner `{}`, which earlier rows give {}: one number of classes per curve",
                    key.0, key.1, curve.classes
                ),
            ));
        }
        curve.points.push(Point { n, seed, y });
    }
    if by_key.is_empty() {
        return Err(Error::file(
            path,
            "no curve rows (expected dataset,classes,learner,n,seed,accuracy)",
        ));
    }
    let mut curves: Vec<Curve> = by_key.into_values().collect();
    for c in &mut curves {
        c.points
            .sort_by(|a, b| a.n.total_cmp(&b.n).then(a.seed.cmp(&b.seed)));
    }
    // numeric dataset ids in numeric order (LCDB's OpenML ids), others after them
    curves.sort_by(|a, b| {
        let key = |c: &Curve| {
            (
                c.dataset.parse::<u64>().unwrap_or(u64::MAX),
                c.dataset.clone(),
                c.learner.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    Ok(curves)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "dataset,classes,learner,n,seed,accuracy\n\
        6,26,A,16,0,0.10\n6,26,A,16,1,0.20\n6,26,A,32,0,0.30\n6,26,A,32,1,0.50\n\
        6,26,A,64,0,0.60\n12,2,B,16,0,0.9\n";

    #[test]
    fn curves_group_by_dataset_and_learner_with_means_by_n() {
        let c = parse(TEXT, Path::new("c.csv")).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].dataset.as_str(), c[0].learner.as_str()), ("6", "A"));
        let m = c[0].mean_curve();
        assert_eq!(m.n, vec![16.0, 32.0, 64.0]);
        assert!((m.y[0] - 0.15).abs() < 1e-12 && (m.y[1] - 0.4).abs() < 1e-12);
        assert!((c[0].chance() - 1.0 / 26.0).abs() < 1e-15);
        // halfway in ln n between 16 and 64 is 32; a crossing interpolates in ln n
        assert!((m.at(32.0).unwrap() - 0.4).abs() < 1e-12);
        assert!(m.at(8.0).is_none() && m.at(65.0).is_none());
        let x = m.first_crossing(0.5).unwrap();
        assert!(
            (x.ln() - (32f64.ln() + 0.5 * 2f64.ln())).abs() < 1e-12,
            "{x}"
        );
        assert_eq!(m.first_crossing(0.1), Some(16.0));
        assert_eq!(m.first_crossing(0.7), None);
    }

    #[test]
    fn bad_rows_are_named() {
        let err = |t: &str| parse(t, Path::new("c.csv")).unwrap_err().to_string();
        let h = "dataset,classes,learner,n,seed,accuracy\n";
        let e = err(&format!("{h}6,2,A,16,0,1.5\n"));
        assert!(
            e.contains("c.csv, line 2") && e.contains("accuracy = `1.5`"),
            "{e}"
        );
        let e = err(&format!("{h}6,2,A,0,0,0.5\n"));
        assert!(e.contains("n = `0`"), "{e}");
        let e = err(&format!("{h}6,2,A,16,x,0.5\n"));
        assert!(e.contains("seed = `x`"), "{e}");
        let e = err(&format!("{h}6,2,A,16,0,0.5\n6,3,A,32,0,0.5\n"));
        assert!(
            e.contains("line 3") && e.contains("one number of classes"),
            "{e}"
        );
        let e = err("dataset,learner,n,seed,accuracy\n6,A,16,0,0.5\n");
        assert!(e.contains("lacks a column"), "{e}");
        let e = err(h);
        assert!(e.contains("no curve rows"), "{e}");
    }

    #[test]
    fn gzipped_files_read_as_the_plain_text() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let gz = dir.path().join("c.csv.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(TEXT.as_bytes()).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        assert_eq!(read(&gz).unwrap(), parse(TEXT, Path::new("x")).unwrap());
        std::fs::write(&gz, b"not gzip").unwrap();
        let e = read(&gz).unwrap_err().to_string();
        assert!(e.contains("c.csv.gz") && e.contains("gzip"), "{e}");
    }
}
