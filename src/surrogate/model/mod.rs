//! A fitted surrogate as shipped in `models/*.toml`: per signal a learning-curve family, its
//! parameters, their bootstrap replicates and a residual-spread model, plus the scenario range
//! it was fitted on and where it came from.
//!
//! | file | what |
//! |------|------|
//! | `mod.rs` | the model, loading and saving |
//! | `predict.rs` | predicting: the central value, its spread, intervals, [`QualityModel`](crate::surrogate::QualityModel) |
//! | `format.rs` | format versions and reading older files |
//! | `range.rs` | the scenarios and counts a model was fitted on ([`Range`]) |
//! | `spread.rs` | the spread of a run around the curve and its quantile tables ([`Residual`]) |
//! | `check.rs` | the checks of every number a file carries, and the lookup tables built on loading |
//! | [`calibration`] | the user's dataset and measured points behind a calibrated model |

pub mod calibration;
mod check;
mod format;
mod predict;
mod range;
mod spread;
mod table;
#[cfg(test)]
mod tests;

pub use calibration::{Calibration, MeasuredPoint};
pub use check::{MAX_RESIDUAL_QUANTILE, MAX_RESIDUAL_SD};
pub use format::{FORMAT_VERSION, OLDEST_READABLE_FORMAT};
pub use predict::Assessment;
pub use range::{RANGE_MARGIN, Range};
pub use spread::{
    CLASS_EDGES, N_CLASS_BANDS, N_POSITION_BINS, N_QUANTILES, POSITION_EDGES, POSITION_RAMP,
    PositionQuantiles, QUANTILE_PROBS, Residual, band_of_classes, class_band, normal_quantile,
    stretch_of,
};
pub use table::{QuantileTable, reach_prob};

use super::covariate::{self, BitsModel, Covariate, FloorModel, Metric};
use super::curve::{N_PARAMS, Params};
use super::families::Family;
use crate::error::{Error, Result};
use crate::signal::Signal;
use format::{not_a_model, upgrade_format2};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The model compiled into the binary (`models/default.toml`).
pub const EMBEDDED_DEFAULT: &str = include_str!("../../../models/default.toml");

/// How a model written by `calibrate` starts its `sweep_hash` (the hash of the user's files).
pub const CALIBRATED_SOURCE: &str = "calibrate:";

/// Fit diagnostics kept with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diagnostics {
    /// Runs the signal was fitted on.
    pub runs: usize,
    /// Root mean square residual on the fitted runs.
    pub rmse: f64,
    /// Held-out mean absolute error of each candidate family (grouped cross-validation).
    pub family_cv_mae: Vec<(Family, f64)>,
    /// Why the optimiser stopped on the full data.
    pub termination: String,
    /// The scenario terms the curve was fitted with, in `fit --terms` syntax: those asked for
    /// (or the defaults for the fit's number of scenarios) that vary over its runs. Absent in
    /// files written before it was recorded and in calibrated models, whose curves ignore the
    /// scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms: Option<String>,
}

/// One signal's fitted curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalModel {
    pub signal: Signal,
    pub family: Family,
    pub params: Params,
    /// Bootstrap standard deviation of each parameter.
    pub spread: Params,
    pub residual: Residual,
    /// The bits-per-annotation approximation, with the `bits` covariate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bits: Option<BitsModel>,
    pub diagnostics: Diagnostics,
    /// Bootstrap replicates (natural-scale parameters in the order of `curve::PARAM_NAMES`).
    pub bootstrap: Vec<[f64; N_PARAMS]>,
}

/// A fitted surrogate. See the module docs and `curve` for the formula.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub format_version: u32,
    /// labelbudget version that fitted the model.
    pub crate_version: String,
    pub metric: Metric,
    pub covariate: Covariate,
    /// The plain power-law baseline (no floor, cap or scenario terms), for comparisons only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub baseline: bool,
    /// Nominal coverage of prediction intervals.
    pub level: f64,
    /// Fitted with every annotation count given the same total weight (`fit --weigh-counts`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub weigh_counts: bool,
    /// Hash of the runs file the model was fitted on.
    pub sweep_hash: String,
    pub runs: usize,
    /// The pair curve's share of the latent directions beyond the class subspace in its cap
    /// (`covariate::cap`): [`covariate::PAIR_SPILL`] in files this build fits, 0 (the class
    /// cap) in files written before it was measured, which so predict as they did.
    #[serde(default)]
    pub pair_spill: f64,
    pub range: Range,
    pub floor: FloorModel,
    pub signals: Vec<SignalModel>,
    /// Signals whose curve is a table of quantiles (a calibration from real curves) instead of
    /// a fitted family.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<QuantileTable>,
    /// The user's dataset and measured points, in a model written by `calibrate` (absent in
    /// `fit` models and in calibrated models written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
    #[serde(skip)]
    cache: Cache,
}

/// Derived at load time so that predictions allocate nothing.
#[derive(Debug, Clone, Default, PartialEq)]
struct Cache {
    index: [Option<usize>; 4],
    /// Index of each signal's entry in `tables`.
    table_index: [Option<usize>; 4],
    replicates: Vec<Vec<Params>>,
    /// Normal quantiles of the lower and upper ends of the `level` interval.
    z_level: (f64, f64),
}

fn signal_slot(s: Signal) -> usize {
    match s {
        Signal::Hard => 0,
        Signal::Soft => 1,
        Signal::Triplet => 2,
        Signal::Pair => 3,
    }
}

impl Model {
    /// Assemble a model from its parts and validate it.
    ///
    /// # Errors
    /// A failed check of the contents, as for [`Model::from_toml_str`].
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        metric: Metric,
        covariate: Covariate,
        baseline: bool,
        level: f64,
        sweep_hash: String,
        runs: usize,
        range: Range,
        floor: FloorModel,
        signals: Vec<SignalModel>,
    ) -> Result<Model> {
        let mut m = Model {
            format_version: FORMAT_VERSION,
            crate_version: env!("CARGO_PKG_VERSION").into(),
            metric,
            covariate,
            baseline,
            level,
            weigh_counts: false,
            sweep_hash,
            runs,
            range,
            floor,
            pair_spill: covariate::PAIR_SPILL,
            signals,
            tables: Vec::new(),
            calibration: None,
            cache: Cache::default(),
        };
        m.prepare()?;
        Ok(m)
    }

    /// The model with the `[calibration]` section `c`, checked.
    ///
    /// # Errors
    /// A value of `c` out of range ([`Calibration::validate`]).
    pub fn with_calibration(mut self, c: Calibration) -> Result<Model> {
        c.validate()?;
        self.calibration = Some(c);
        Ok(self)
    }

    /// Whether the model was written by `calibrate` (from the user's data, one dataset, no
    /// scenario terms) rather than fitted to simulations by `fit`.
    pub fn is_calibrated(&self) -> bool {
        self.calibration.is_some() || self.sweep_hash.starts_with(CALIBRATED_SOURCE)
    }

    /// Parse and validate a model from TOML text.
    ///
    /// # Errors
    /// Malformed TOML, unknown keys or family names, or a failed check of the contents: format
    /// version, covariate, duplicated signals, parameter ranges, residual tables, level.
    pub fn from_toml_str(text: &str) -> Result<Model> {
        // read the version first, so an old or future file gets the clearer message
        #[derive(Deserialize)]
        struct Version {
            format_version: Option<toml::Value>,
        }
        if let Ok(v) = toml::from_str::<Version>(text) {
            match v.format_version {
                None => {
                    return Err(Error::invalid(
                        "model",
                        "not a labelbudget model file (no `format_version`)",
                        format!(
                            "a model written by `labelbudget fit` or `labelbudget calibrate`, \
                             which starts with `format_version = {FORMAT_VERSION}`"
                        ),
                    ));
                }
                Some(toml::Value::Integer(k))
                    if !(i64::from(OLDEST_READABLE_FORMAT)..=i64::from(FORMAT_VERSION))
                        .contains(&k) =>
                {
                    return Err(Error::invalid(
                        "format_version",
                        k,
                        format!(
                            "{FORMAT_VERSION} (this labelbudget reads model formats {OLDEST_READABLE_FORMAT}-{FORMAT_VERSION}; refit with `labelbudget fit`)"
                        ),
                    ));
                }
                Some(toml::Value::Integer(2)) => {
                    let mut table: toml::Table =
                        toml::from_str(text).map_err(|e| not_a_model(text, &e))?;
                    upgrade_format2(&mut table);
                    let mut m: Model = toml::Value::Table(table)
                        .try_into()
                        .map_err(|e| not_a_model(text, &e))?;
                    m.prepare()?;
                    return Ok(m);
                }
                _ => {}
            }
        }
        let mut m: Model = toml::from_str(text).map_err(|e| not_a_model(text, &e))?;
        m.prepare()?;
        Ok(m)
    }

    /// Read a model file.
    ///
    /// # Errors
    /// The file cannot be read or does not parse (the message names the file).
    pub fn from_file(path: &Path) -> Result<Model> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Model::from_toml_str(&text).map_err(|e| e.in_file(path))
    }

    /// The calibrated model compiled into the binary.
    ///
    /// # Panics
    /// Never in a released build: a test checks that the embedded file parses.
    pub fn embedded_default() -> Model {
        Model::from_toml_str(EMBEDDED_DEFAULT).expect("embedded models/default.toml is valid")
    }

    /// TOML text of the model.
    pub fn to_toml_string(&self) -> Result<String> {
        toml::to_string(self).map_err(|e| Error::numerical("model serialisation", e))
    }

    /// Write the model atomically.
    ///
    /// # Errors
    /// The folder is missing or not writable.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::io::write_atomic(path, self.to_toml_string()?.as_bytes())
    }

    /// The signals the model can predict, fitted curves first, then tables.
    pub fn signals(&self) -> impl Iterator<Item = Signal> + '_ {
        self.signals
            .iter()
            .map(|s| s.signal)
            .chain(self.tables.iter().map(|t| t.signal))
    }

    /// Whether the model predicts `signal` (by a fitted curve or a table).
    pub fn has(&self, signal: Signal) -> bool {
        let slot = signal_slot(signal);
        self.cache.index[slot].is_some() || self.cache.table_index[slot].is_some()
    }

    /// The quantile table of `signal`, if the model gives its curve as one.
    pub fn table(&self, signal: Signal) -> Option<&QuantileTable> {
        self.cache.table_index[signal_slot(signal)].map(|i| &self.tables[i])
    }

    /// Attach quantile tables (a calibration from real curves) and check them.
    ///
    /// # Errors
    /// A table fails its check, or names a signal the model already has.
    pub fn with_tables(mut self, tables: Vec<QuantileTable>) -> Result<Model> {
        self.tables = tables;
        self.prepare()?;
        Ok(self)
    }

    /// The fitted curve of `signal`, if the model has one.
    pub fn signal(&self, signal: Signal) -> Option<&SignalModel> {
        self.cache.index[signal_slot(signal)].map(|i| &self.signals[i])
    }
}
