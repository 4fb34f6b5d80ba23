//! The inputs of `labelbudget scenario`, read with the calibration's readers
//! (`calibrate::data`) and the annotation-log reader (`info::item_labels`), and checked against
//! each other: one label per feature row, more items than classes, and every item of the log a
//! row of the features.

use super::Data;
use crate::calibrate::data::{self, Sources};
use crate::error::{Error, Result};
use crate::info::item_labels::{self, ItemLabels};
use crate::info::logs::LabelSpace;
use ndarray::Array2;
use std::path::{Path, PathBuf};

/// Paths of the inputs.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    pub features: PathBuf,
    pub labels: Option<PathBuf>,
    pub soft: Option<PathBuf>,
    pub annotations: Option<PathBuf>,
}

/// The inputs, read and checked.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub x: Array2<f64>,
    /// Class index of every item and the number of classes (from labels, or soft labels).
    pub labels: Option<(Vec<usize>, usize)>,
    pub soft: Option<Array2<f64>>,
    pub log: Option<ItemLabels>,
}

impl Loaded {
    /// The data to estimate from.
    pub fn data(&self) -> Data<'_> {
        Data {
            x: self.x.view(),
            labels: self.labels.as_ref().map(|(y, c)| (y.as_slice(), *c)),
            soft: self.soft.as_ref().map(Array2::view),
            log: self.log.as_ref(),
        }
    }
}

/// Read and check every input.
///
/// # Errors
/// Any reader's error (naming the file, row and value); fewer items than classes (named by the
/// features file, with the classes' source); constant features; a log item that is not a row
/// of the features (named by the log's line).
pub fn load(paths: &Paths) -> Result<Loaded> {
    let (x, labels, soft) = match (&paths.labels, &paths.soft) {
        (Some(l), soft) => {
            let d = data::load(&Sources {
                features: paths.features.clone(),
                labels: l.clone(),
                soft: soft.clone(),
            })?;
            let c = d.classes();
            (d.x, Some((d.y, c)), d.soft)
        }
        (None, Some(p)) => {
            let d = data::load_soft(&paths.features, p)?;
            let c = d.classes();
            (d.x, Some((d.y, c)), d.soft)
        }
        (None, None) => (data::load_features(&paths.features)?, None, None),
    };
    if super::varying_columns(x.view()).is_empty() {
        return Err(Error::file(
            &paths.features,
            format!(
                "every one of the {} feature columns is constant (column 1 is {} in every row): \
                 the latent dimension is read from how features vary between items",
                x.ncols(),
                x[[0, 0]]
            ),
        ));
    }
    let log = match &paths.annotations {
        Some(p) => Some(read_log(p, &paths.features, x.nrows())?),
        None => None,
    };
    if let Some(log) = &log {
        let c = log.classes.len();
        if x.nrows() <= c {
            return Err(Error::file(
                &paths.features,
                format!(
                    "{} items, not more than the {c} classes (distinct labels) of {}: a \
                     scenario needs more items than classes",
                    x.nrows(),
                    paths
                        .annotations
                        .as_deref()
                        .map_or("".into(), |p| p.display().to_string())
                ),
            ));
        }
    }
    Ok(Loaded {
        x,
        labels,
        soft,
        log,
    })
}

/// The log's label counts per item, every item a 0-based row number of the features.
fn read_log(path: &Path, features: &Path, rows: usize) -> Result<ItemLabels> {
    let log = item_labels::read(path, &LabelSpace::Discover)?;
    for (id, line) in &log.items {
        let ok = id.parse::<usize>().is_ok_and(|i| i < rows);
        if !ok {
            return Err(Error::Row {
                path: path.to_path_buf(),
                line: *line,
                message: format!(
                    "item `{id}` is not a row of {}: items are the features' 0-based row \
                     numbers, 0 to {}",
                    features.display(),
                    rows - 1
                ),
            });
        }
    }
    Ok(log)
}
