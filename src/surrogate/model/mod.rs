//! A fitted surrogate as shipped in `models/*.toml`: per signal a learning-curve family, its
//! parameters, their bootstrap replicates and a residual-spread model, plus the scenario range
//! it was fitted on and where it came from.
//!
//! | file | what |
//! |------|------|
//! | `mod.rs` | the model, loading, saving and predicting |
//! | `format.rs` | format versions and reading older files |
//! | `range.rs` | the scenarios and counts a model was fitted on ([`Range`]) |
//! | `spread.rs` | the spread of a run around the curve and its quantile tables ([`Residual`]) |
//! | `check.rs` | the checks of every number a file carries |
//! | [`calibration`] | the user's dataset and measured points behind a calibrated model |

pub mod calibration;
mod check;
mod format;
mod range;
mod spread;
mod table;
#[cfg(test)]
mod tests;

pub use calibration::{Calibration, MeasuredPoint};
pub use check::{MAX_RESIDUAL_QUANTILE, MAX_RESIDUAL_SD};
pub use format::{FORMAT_VERSION, OLDEST_READABLE_FORMAT};
pub use range::{RANGE_MARGIN, Range};
pub use spread::{
    CLASS_EDGES, N_CLASS_BANDS, N_POSITION_BINS, N_QUANTILES, POSITION_EDGES, POSITION_RAMP,
    PositionQuantiles, QUANTILE_PROBS, Residual, band_of_classes, class_band, normal_quantile,
    stretch_of,
};
pub use table::{QuantileTable, reach_prob};

use super::covariate::{self, BitsModel, Covariate, FloorModel, Metric};
use super::curve::{Inputs, N_PARAMS, Params};
use super::families::Family;
use super::{Prediction, QualityModel};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::signal::Signal;
use check::{check_signal_numbers, finite, num};
use format::{not_a_model, upgrade_format2};
use serde::{Deserialize, Serialize};
use spread::ordered;
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

    /// Check the contents and build the lookup tables.
    ///
    /// # Errors
    /// An unknown format version, a covariate this build cannot compute, duplicated signals,
    /// non-finite or out-of-range parameters, a level outside (0, 1).
    fn prepare(&mut self) -> Result<()> {
        if self.format_version != FORMAT_VERSION {
            return Err(Error::invalid(
                "format_version",
                self.format_version,
                format!(
                    "{FORMAT_VERSION} (this labelbudget reads model format {FORMAT_VERSION}; refit with `labelbudget fit`)"
                ),
            ));
        }
        if !(0.0..=1.0).contains(&self.pair_spill) {
            return Err(Error::invalid(
                "pair_spill",
                self.pair_spill,
                "a share between 0 and 1 of the latent directions beyond the class subspace the pair curve's cap admits",
            ));
        }
        if self.covariate == Covariate::Bits
            && let Some(s) = self.signals.iter().find(|s| s.bits.is_none())
        {
            return Err(Error::invalid(
                format!("signals.{}.bits", s.signal),
                "missing",
                "a bits approximation for every signal with covariate = \"bits\"",
            ));
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::invalid("level", self.level, "a coverage in (0, 1)"));
        }
        self.range.validate()?;
        if let Some(c) = &self.calibration {
            c.validate()?;
        }
        for (key, v) in [
            ("floor.intercept", self.floor.intercept),
            ("floor.slope", self.floor.slope),
        ] {
            finite(key, v)?;
        }
        let mut index = [None; 4];
        let mut replicates = Vec::with_capacity(self.signals.len());
        for (i, s) in self.signals.iter().enumerate() {
            let slot = &mut index[signal_slot(s.signal)];
            if slot.is_some() {
                return Err(Error::invalid(
                    "signals",
                    s.signal,
                    "each signal at most once",
                ));
            }
            *slot = Some(i);
            check_signal_numbers(s)?;
            if let Some(q) = &s.residual.quantiles
                && !ordered(q)
            {
                return Err(Error::invalid(
                    format!("signals.{}.residual.quantiles", s.signal),
                    format!("{q:?}"),
                    "finite quantiles in non-decreasing order",
                ));
            }
            let bands = s.residual.by_classes.iter().flatten().enumerate();
            let tables = s.residual.by_position.iter().map(|t| (None, t));
            for (band, tables) in tables.chain(bands.map(|(k, t)| (Some(k), t))) {
                let edges_ok = tables[0].from == 0.0
                    && tables.iter().all(|t| (0.0..1.0).contains(&t.from))
                    && tables
                        .windows(2)
                        .all(|w| w[1].from - w[0].from > 2.0 * POSITION_RAMP);
                if !(edges_ok && tables.iter().all(|t| ordered(&t.quantiles))) {
                    let field = match band {
                        None => "by_position".to_string(),
                        Some(k) => format!("by_classes[{k}]"),
                    };
                    let value = match tables.iter().position(|t| !ordered(&t.quantiles)) {
                        Some(i) if edges_ok => {
                            format!("table {i} has quantiles {:?}", tables[i].quantiles)
                        }
                        _ => format!("stretches from {:?}", tables.map(|t| t.from)),
                    };
                    return Err(Error::invalid(
                        format!("signals.{}.residual.{field}", s.signal),
                        value,
                        format!(
                            "{N_POSITION_BINS} tables whose stretches start at 0 and then at \
                             increasing positions below 1, more than {} apart, with finite \
                             quantiles in non-decreasing order",
                            2.0 * POSITION_RAMP
                        ),
                    ));
                }
            }
            let reps: Vec<Params> = s.bootstrap.iter().map(Params::from_array).collect();
            for (k, r) in reps.iter().enumerate() {
                if let Err((name, v, expected)) = r.check() {
                    return Err(Error::invalid(
                        format!("signals.{}.bootstrap[{k}] ({name})", s.signal),
                        num(v),
                        expected,
                    ));
                }
            }
            replicates.push(reps);
        }
        let mut table_index = [None; 4];
        for (i, t) in self.tables.iter().enumerate() {
            let slot = signal_slot(t.signal);
            if index[slot].is_some() || table_index[slot].is_some() {
                return Err(Error::invalid(
                    "tables",
                    t.signal,
                    "each signal at most once, in `signals` or in `tables`",
                ));
            }
            t.check()?;
            table_index[slot] = Some(i);
        }
        self.cache = Cache {
            index,
            table_index,
            replicates,
            z_level: (
                normal_quantile(0.5 - self.level / 2.0),
                normal_quantile(0.5 + self.level / 2.0),
            ),
        };
        Ok(())
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

    /// Warnings for a scenario outside the fitted range (empty when inside).
    pub fn range_warnings(&self, sc: &Scenario) -> Vec<String> {
        self.range.check(sc)
    }

    /// Inputs of the curve for (scenario, signal, n).
    #[inline]
    pub fn inputs(&self, sc: &Scenario, signal: Signal, n: f64) -> Inputs {
        let bits = self.signal(signal).and_then(|s| s.bits.as_ref());
        self.inputs_with(sc, signal, bits, n)
    }

    #[inline]
    fn inputs_with(
        &self,
        sc: &Scenario,
        signal: Signal,
        bits: Option<&BitsModel>,
        n: f64,
    ) -> Inputs {
        covariate::inputs(
            sc,
            signal,
            n,
            covariate::Spec {
                metric: self.metric,
                covariate: self.covariate,
                baseline: self.baseline,
                pair_spill: self.pair_spill,
            },
            bits,
            &self.floor,
        )
    }

    /// Central prediction and standard deviation (bootstrap spread of the curve and residual
    /// spread of a single run, added in quadrature). `None` for a signal the model lacks.
    #[inline]
    pub fn mean_sd(&self, sc: &Scenario, signal: Signal, n: f64) -> Option<(f64, f64)> {
        self.spot(sc, signal, n).map(|s| (s.mean, s.sd))
    }

    /// Where (scenario, signal, n) lies on the signal's curve: the share of the rise from floor
    /// to ceiling its central prediction reaches, in [0, 1]. `None` for a signal the model lacks.
    pub fn position(&self, sc: &Scenario, signal: Signal, n: f64) -> Option<f64> {
        self.spot(sc, signal, n).map(|s| s.position)
    }

    /// [`Model::mean_sd`] with the signal's index in the model and the position on the curve.
    #[inline]
    fn spot(&self, sc: &Scenario, signal: Signal, n: f64) -> Option<Spot> {
        let i = self.cache.index[signal_slot(signal)]?;
        let s = &self.signals[i];
        let inp = self.inputs_with(sc, signal, s.bits.as_ref(), n);
        let place = s.params.predict_place(s.family, &inp);
        let reps = &self.cache.replicates[i];
        let var_boot = if reps.len() > 1 {
            let (mut a, mut b) = (0.0, 0.0);
            for r in reps {
                let q = r.predict(s.family, &inp);
                a += q;
                b += q * q;
            }
            let k = reps.len() as f64;
            ((b - a * a / k) / (k - 1.0)).max(0.0)
        } else {
            0.0
        };
        let sd_res = s.residual.sd(inp.ln_x.max(f64::MIN), place.slope);
        Some(Spot {
            index: i,
            mean: place.q,
            sd: (var_boot + sd_res * sd_res).sqrt(),
            position: place.position,
            ln_c: inp.z[0],
        })
    }
}

/// A prediction's centre, spread and place on the curve, with the signal's index in the model.
struct Spot {
    index: usize,
    mean: f64,
    sd: f64,
    position: f64,
    /// The scenario's class feature ln(C / 10), which picks the residual tables' class band.
    ln_c: f64,
}

/// What [`Model::assess`] says of one (scenario, signal, n).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assessment {
    /// As [`QualityModel::predict`].
    pub prediction: Prediction,
    /// As [`QualityModel::quantile`] at the probability asked.
    pub exceeded: f64,
    /// As [`Model::position`].
    pub position: f64,
    /// The spread of a single run there (residual and bootstrap terms): the unit of the
    /// residual quantiles.
    pub sd: f64,
}

impl Model {
    /// The interval, the quality exceeded with probability `prob` and the position on the curve
    /// of (scenario, signal, n), from one evaluation of the curve and its replicates (a
    /// held-out check needs all three). `None` for a signal the model lacks.
    pub fn assess(&self, sc: &Scenario, signal: Signal, n: f64, prob: f64) -> Option<Assessment> {
        self.spot(sc, signal, n).map(|s| Assessment {
            prediction: self.interval(&s),
            exceeded: self.exceeded(&s, prob),
            position: s.position,
            sd: s.sd,
        })
    }

    /// The `level` interval at a spot: the residual quantiles read at its position.
    fn interval(&self, s: &Spot) -> Prediction {
        let r = &self.signals[s.index].residual;
        let (z_lo, z_hi) = (
            r.z_normal(self.cache.z_level.0, s.position, s.ln_c),
            r.z_normal(self.cache.z_level.1, s.position, s.ln_c),
        );
        Prediction {
            mean: s.mean,
            lo: (s.mean + z_lo * s.sd).clamp(0.0, 1.0),
            hi: (s.mean + z_hi * s.sd).clamp(0.0, 1.0),
            level: self.level,
        }
    }

    /// The quality exceeded with probability `prob` at a spot.
    fn exceeded(&self, s: &Spot, prob: f64) -> f64 {
        let z = self.signals[s.index]
            .residual
            .z(1.0 - prob, s.position, s.ln_c);
        (s.mean + z * s.sd).clamp(0.0, 1.0)
    }
}

impl QualityModel for Model {
    /// For a signal missing from the model: the floor, with the whole [0, 1] as interval.
    fn predict(&self, scenario: &Scenario, signal: Signal, n: f64) -> Prediction {
        if let Some(t) = self.table(signal) {
            return Prediction {
                mean: t.quantile(n, 0.5),
                lo: t.quantile(n, 0.5 - self.level / 2.0),
                hi: t.quantile(n, 0.5 + self.level / 2.0),
                level: self.level,
            };
        }
        match self.spot(scenario, signal, n) {
            Some(s) => self.interval(&s),
            None => Prediction {
                mean: self.floor(scenario),
                lo: 0.0,
                hi: 1.0,
                level: self.level,
            },
        }
    }

    fn quantile(&self, scenario: &Scenario, signal: Signal, n: f64, prob: f64) -> f64 {
        if let Some(t) = self.table(signal) {
            return t.quantile(n, reach_prob(&t.reach, prob));
        }
        self.spot(scenario, signal, n)
            .map_or(0.0, |s| self.exceeded(&s, prob))
    }

    fn ceiling(&self, scenario: &Scenario, signal: Signal) -> f64 {
        if let Some(t) = self.table(signal) {
            return t.ceiling();
        }
        self.signal(signal).map_or(1.0, |s| {
            s.params
                .bounds(&self.inputs_with(scenario, signal, s.bits.as_ref(), 1.0))
                .1
        })
    }

    fn floor(&self, scenario: &Scenario) -> f64 {
        self.floor.floor(scenario)
    }

    fn metric(&self) -> Metric {
        self.metric
    }

    fn has_curve(&self, signal: Signal) -> bool {
        self.has(signal)
    }

    fn measured_from(&self, signal: Signal) -> Option<f64> {
        self.table(signal).map(|t| t.ln_n[0].exp())
    }

    fn supported_to(&self, signal: Signal) -> Option<f64> {
        self.table(signal).map(|t| t.supported_to.exp())
    }

    fn is_calibrated(&self) -> bool {
        Model::is_calibrated(self)
    }

    /// An error naming the first scenario parameter outside the fitted range (see
    /// [`RANGE_MARGIN`]).
    fn check_range(&self, scenario: &Scenario) -> Result<()> {
        match self.range.outside(scenario).first() {
            None => Ok(()),
            Some(&(key, v, lo, hi)) => Err(Error::invalid(
                format!("dataset.{key}"),
                v,
                format!(
                    "a value in the model's fitted range {lo} to {hi}; outside it the \
                     prediction would be an extrapolation"
                ),
            )),
        }
    }
}
