//! A fitted surrogate as shipped in `models/*.toml`: per signal a learning-curve family, its
//! parameters, their bootstrap replicates and a residual-spread model, plus the scenario range
//! it was fitted on and where it came from.

use super::covariate::{self, BitsModel, Covariate, FloorModel, Metric};
use super::curve::{Inputs, MAX_COEF, N_PARAMS, Params};
use super::families::Family;
use super::{Prediction, QualityModel};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::signal::Signal;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The model-file format this build writes. Format 3 stores the curve's scenario coefficients
/// as arrays `beta` (12 scale terms, `curve::SCALE_TERMS`), `delta` (shape) and `gamma`
/// (ceiling): 31 parameters per signal. Format 2 had the first 10 scale terms (29 parameters)
/// and is still read, its two missing terms (`CD`, `dD`) set to 0, which predicts exactly as
/// before. Format 1 had 11 named parameters and is refused with a message naming its version:
/// refit it with `labelbudget fit`.
pub const FORMAT_VERSION: u32 = 3;

/// The oldest model-file format this build reads (see [`FORMAT_VERSION`]).
pub const OLDEST_READABLE_FORMAT: u32 = 2;

/// Scale terms in a format-2 file: the first 10 of `curve::SCALE_TERMS`.
const FORMAT2_NZ: usize = 10;

/// The error of a model file (`text`) that does not parse as one: key, line and column where
/// the parser knows them.
fn not_a_model(text: &str, e: &toml::de::Error) -> Error {
    crate::error::toml_error(
        text,
        e,
        "model",
        "a model written by `labelbudget fit` or `labelbudget calibrate`",
    )
}

/// Rewrite a format-2 model table as format 3: `beta` of `params` and `spread` and every
/// bootstrap replicate get the two scale terms format 3 added, at 0. Arrays of another length
/// are left alone, for the typed parse to name.
fn upgrade_format2(table: &mut toml::Table) {
    use super::curve::{BETA0, NZ};
    const _: () = assert!(
        FORMAT_VERSION == 3,
        "upgrade format 3 to the new format too"
    );
    table.insert(
        "format_version".into(),
        toml::Value::Integer(i64::from(FORMAT_VERSION)),
    );
    let Some(toml::Value::Array(signals)) = table.get_mut("signals") else {
        return;
    };
    let zeros = || std::iter::repeat_n(toml::Value::Float(0.0), NZ - FORMAT2_NZ);
    for signal in signals.iter_mut().filter_map(toml::Value::as_table_mut) {
        for key in ["params", "spread"] {
            if let Some(toml::Value::Array(beta)) = signal
                .get_mut(key)
                .and_then(toml::Value::as_table_mut)
                .and_then(|t| t.get_mut("beta"))
                && beta.len() == FORMAT2_NZ
            {
                beta.extend(zeros());
            }
        }
        if let Some(toml::Value::Array(reps)) = signal.get_mut("bootstrap") {
            for rep in reps.iter_mut().filter_map(toml::Value::as_array_mut) {
                if rep.len() == N_PARAMS - (NZ - FORMAT2_NZ) {
                    let at = BETA0 + FORMAT2_NZ;
                    rep.splice(at..at, zeros());
                }
            }
        }
    }
}

/// The model compiled into the binary (`models/default.toml`).
pub const EMBEDDED_DEFAULT: &str = include_str!("../../models/default.toml");

/// The range of scenarios and counts a model was fitted on (inclusive bounds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    pub classes: [usize; 2],
    pub dims: [usize; 2],
    pub features: [usize; 2],
    pub noise: [f64; 2],
    pub nuisance: [f64; 2],
    pub n: [u64; 2],
}

/// Share of a parameter's fitted span tolerated beyond its ends before a scenario counts as
/// outside the range: a space-filling design never lands exactly on the ends (the default
/// sweep's smallest noise is 0.005, and noise 0 should not be an extrapolation).
pub const RANGE_MARGIN: f64 = 0.05;

impl Range {
    /// (key, value, lo, hi) of every scenario parameter outside the range widened by
    /// [`RANGE_MARGIN`] of its span on each side.
    pub fn outside(&self, sc: &Scenario) -> Vec<(&'static str, f64, f64, f64)> {
        let f = |r: [usize; 2]| [r[0] as f64, r[1] as f64];
        [
            ("classes", sc.classes as f64, f(self.classes)),
            ("dims", sc.dims as f64, f(self.dims)),
            ("features", sc.features as f64, f(self.features)),
            ("noise", sc.noise, self.noise),
            ("nuisance", sc.nuisance, self.nuisance),
        ]
        .into_iter()
        .filter(|&(_, v, [lo, hi])| {
            let m = RANGE_MARGIN * (hi - lo) + 1e-12;
            v < lo - m || v > hi + m
        })
        .map(|(k, v, [lo, hi])| (k, v, lo, hi))
        .collect()
    }

    /// Check that every range is ordered (lower <= upper) and finite.
    ///
    /// # Errors
    /// The first range that is not, named `range.KEY`.
    pub fn validate(&self) -> Result<()> {
        let f = |r: [usize; 2]| [r[0] as f64, r[1] as f64];
        let ranges = [
            ("classes", f(self.classes)),
            ("dims", f(self.dims)),
            ("features", f(self.features)),
            ("noise", self.noise),
            ("nuisance", self.nuisance),
            ("n", [self.n[0] as f64, self.n[1] as f64]),
        ];
        for (key, [lo, hi]) in ranges {
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err(Error::invalid(
                    format!("range.{key}"),
                    format!("[{lo}, {hi}]"),
                    "[lower, upper]: two finite numbers, lower <= upper",
                ));
            }
        }
        Ok(())
    }

    /// Warnings, one per scenario parameter outside the range (empty when inside).
    pub fn check(&self, sc: &Scenario) -> Vec<String> {
        self.outside(sc)
            .into_iter()
            .map(|(key, v, lo, hi)| {
                format!("{key} = {v} lies outside the fitted range [{lo}, {hi}]: the prediction extrapolates")
            })
            .collect()
    }

    /// A warning when n lies outside the fitted counts.
    pub fn check_n(&self, n: f64) -> Option<String> {
        (n < self.n[0] as f64 || n > self.n[1] as f64).then(|| {
            format!(
                "n = {n} lies outside the fitted counts [{}, {}]: the prediction extrapolates",
                self.n[0], self.n[1]
            )
        })
    }
}

/// Spread of a single run around the curve (see [`super::residual`]):
/// `sd^2 = exp(2 (c0 + c1 ln x)) + (slope * dQ/dln x)^2`, with ln x held inside the fitted range
/// `ln_x` so the spread does not run away when n extrapolates; and the shape of the
/// distribution of a run around the curve in units of sd.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Residual {
    pub c0: f64,
    pub c1: f64,
    /// Horizontal error in ln x (0: the vertical term alone).
    #[serde(default)]
    pub slope: f64,
    pub ln_x: [f64; 2],
    /// Quantiles of the held-out residuals in units of sd at the probabilities
    /// [`QUANTILE_PROBS`] (absent: the normal quantiles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantiles: Option<[f64; N_QUANTILES]>,
    /// The same quantiles for the residuals of each stretch of the curve ([`POSITION_EDGES`]);
    /// within [`POSITION_RAMP`] of an edge the two stretches' quantiles are blended linearly in
    /// the position, so that a quantile moves continuously along the curve (absent: `quantiles`
    /// everywhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_position: Option<[PositionQuantiles; N_POSITION_BINS]>,
    /// The same tables by position, once per band of class counts ([`CLASS_EDGES`]): on the
    /// default sweep, runs with few classes stray further below their curve, relative to their
    /// spread, than runs with many (worlds with few classes differ most in where they level
    /// off). A band with too few residuals in a stretch keeps `by_position`'s table there
    /// (absent: `by_position` for every class count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_classes: Option<[[PositionQuantiles; N_POSITION_BINS]; N_CLASS_BANDS]>,
}

/// Quantiles of r / sd over one stretch of the curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionQuantiles {
    /// Where on the curve the stretch starts (it ends where the next one starts, or at 1): a
    /// position is the share of the rise from floor to ceiling, `(Q - floor) / (ceiling - floor)`.
    pub from: f64,
    pub quantiles: [f64; N_QUANTILES],
}

/// Stretches of the curve with their own residual quantiles: the rise (position below 0.6),
/// the shoulder (0.6 to 0.95) and the plateau (above 0.95). On the default sweep the held-out
/// residuals' lower tail is about 1.5 times longer on the shoulder than on the rise, relative
/// to their spread: some worlds level off below the curve the scenario predicts, and quality
/// targets usually lie there (notes/surrogate.md).
pub const POSITION_EDGES: [f64; N_POSITION_BINS - 1] = [0.6, 0.95];
/// Number of stretches in [`POSITION_EDGES`].
pub const N_POSITION_BINS: usize = 3;
/// Half-width of the blend between two stretches' quantiles around their common edge.
pub const POSITION_RAMP: f64 = 0.02;

/// Class counts at which a band of residual tables ends ([`Residual::by_classes`]): 2 to 5
/// classes, 6 to 10, and more than 10. On the default sweep the held-out hard-label runs on the
/// shoulder of the curve fell below the quality said to be exceeded with probability 0.9 in
/// 15% of cases with 3 to 5 classes, 10% with 6 to 10 and 6% with 11 to 30 (notes/surrogate.md).
pub const CLASS_EDGES: [f64; N_CLASS_BANDS - 1] = [5.5, 10.5];
/// Number of class bands.
pub const N_CLASS_BANDS: usize = 3;

/// The band of [`CLASS_EDGES`] a scenario of `classes` classes falls in.
#[inline]
pub fn band_of_classes(classes: usize) -> usize {
    class_band((classes as f64 / 10.0).ln())
}

/// The band of [`CLASS_EDGES`] a scenario with scale feature `ln_c` = ln(C / 10) falls in (the
/// middle band when the feature is 0, as in a model without scenario terms; 0 for NaN).
#[inline]
pub fn class_band(ln_c: f64) -> usize {
    CLASS_EDGES_LN.iter().filter(|&&e| ln_c >= e).count()
}

/// [`CLASS_EDGES`] as the class feature ln(C / 10), computed once (a prediction reads the band
/// for each end of its interval and for each quantile).
static CLASS_EDGES_LN: std::sync::LazyLock<[f64; N_CLASS_BANDS - 1]> =
    std::sync::LazyLock::new(|| CLASS_EDGES.map(|e| (e / 10.0).ln()));

/// Which of the stretches of the curve separated by `edges` (increasing) a position falls in:
/// 0 below the first edge, `edges.len()` at or above the last (0 for NaN).
#[inline]
pub fn stretch_of(edges: &[f64], position: f64) -> usize {
    edges.iter().filter(|&&e| position >= e).count()
}

/// Number of stored residual quantiles.
pub const N_QUANTILES: usize = 15;
/// Probabilities of the stored residual quantiles.
pub const QUANTILE_PROBS: [f64; N_QUANTILES] = [
    0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.975, 0.99,
];

/// Normal quantiles of [`QUANTILE_PROBS`], computed once.
static QUANTILE_Z: std::sync::LazyLock<[f64; N_QUANTILES]> =
    std::sync::LazyLock::new(|| QUANTILE_PROBS.map(normal_quantile));

impl Residual {
    /// The spread at covariate ln x where the curve rises by `dq_dlnx` per unit of ln x.
    #[inline]
    pub fn sd(&self, ln_x: f64, dq_dlnx: f64) -> f64 {
        let v = (self.c0 + self.c1 * ln_x.clamp(self.ln_x[0], self.ln_x[1])).exp();
        if self.slope == 0.0 {
            return v;
        }
        v.hypot(self.slope * dq_dlnx)
    }

    /// The quantile of a run around the curve at probability `p`, in units of sd: the stored
    /// quantiles interpolated linearly against the normal quantile of p (beyond the table, the
    /// end quantile scaled as the normal's); the normal quantile without a table.
    ///
    /// `position` is where on the curve the run lies (share of the rise from floor to ceiling,
    /// see [`PositionQuantiles`]); it matters only for a model with tables by position. `ln_c`
    /// is the scenario's class feature ln(C / 10) (`Inputs::z[0]`); it matters only for a model
    /// with tables by class band.
    pub fn z(&self, p: f64, position: f64, ln_c: f64) -> f64 {
        self.z_normal(normal_quantile(p), position, ln_c)
    }

    /// [`Residual::z`] given the normal quantile `zp` of the probability.
    #[inline]
    pub fn z_normal(&self, zp: f64, position: f64, ln_c: f64) -> f64 {
        let tables = match &self.by_classes {
            Some(bands) => Some(&bands[class_band(ln_c)]),
            None => self.by_position.as_ref(),
        };
        if let Some(tables) = tables {
            let (k, t) = bracket(&tables.map(|t| t.from), position);
            let lo = table_z(&tables[k].quantiles, zp);
            if t == 0.0 {
                return lo;
            }
            return lo + t * (table_z(&tables[k + 1].quantiles, zp) - lo);
        }
        match &self.quantiles {
            Some(q) => table_z(q, zp),
            None => zp,
        }
    }
}

/// Whether a quantile table is finite and in non-decreasing order.
fn ordered(q: &[f64; N_QUANTILES]) -> bool {
    q.iter().all(|v| v.is_finite()) && q.windows(2).all(|w| w[0] <= w[1])
}

/// The stored quantiles `q` read at the normal quantile `zp`: linear interpolation against the
/// normal quantiles of [`QUANTILE_PROBS`], the end quantile scaled as the normal's beyond them.
fn table_z(q: &[f64; N_QUANTILES], zp: f64) -> f64 {
    let zs = &*QUANTILE_Z;
    if zp <= zs[0] {
        return q[0] * zp / zs[0];
    }
    if zp >= zs[N_QUANTILES - 1] {
        return q[N_QUANTILES - 1] * zp / zs[N_QUANTILES - 1];
    }
    let k = zs.iter().position(|&z| z > zp).unwrap_or(N_QUANTILES - 1);
    let t = (zp - zs[k - 1]) / (zs[k] - zs[k - 1]);
    q[k - 1] + t * (q[k] - q[k - 1])
}

/// The stretch of `position` among stretches starting at `from`, and the weight of the next
/// stretch: `(k, t)` with the blended value `(1 - t) v[k] + t v[k + 1]`, t rising from 0 to 1
/// over [`POSITION_RAMP`] either side of an edge and 0 elsewhere.
#[inline]
fn bracket(from: &[f64; N_POSITION_BINS], position: f64) -> (usize, f64) {
    if position.is_nan() {
        return (0, 0.0);
    }
    for k in 0..N_POSITION_BINS - 1 {
        let edge = from[k + 1];
        if position < edge + POSITION_RAMP {
            let t = (position - (edge - POSITION_RAMP)) / (2.0 * POSITION_RAMP);
            return (k, t.max(0.0));
        }
    }
    (N_POSITION_BINS - 1, 0.0)
}

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
    pub range: Range,
    pub floor: FloorModel,
    pub signals: Vec<SignalModel>,
    #[serde(skip)]
    cache: Cache,
}

/// Derived at load time so that predictions allocate nothing.
#[derive(Debug, Clone, Default, PartialEq)]
struct Cache {
    index: [Option<usize>; 4],
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

/// A number for a message: exponent notation when very large or very small, so that 1e300
/// does not print as 301 digits.
fn num(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-6..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// An error unless `v` is finite.
fn finite(key: impl Into<String>, v: f64) -> Result<()> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(Error::invalid(key, num(v), "a finite number"))
    }
}

/// An error unless `v` is finite and in [lo, hi].
fn within(key: impl Into<String>, v: f64, lo: f64, hi: f64) -> Result<()> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        let expected = if hi == f64::MAX {
            format!("a finite number >= {lo}")
        } else if hi.abs() >= 1e6 {
            format!("a finite number in [{lo}, {hi:e}]")
        } else {
            format!("a finite number in [{lo}, {hi}]")
        };
        Err(Error::invalid(key, num(v), expected))
    }
}

/// Largest residual spread `exp(c0 + c1 ln x)` accepted at either end of `ln_x`, and largest
/// horizontal error `slope`: beyond them the variance of a prediction would overflow.
pub const MAX_RESIDUAL_SD: f64 = 1e100;

/// Largest magnitude of a stored residual quantile (in units of the spread; a normal's 0.01
/// quantile is -2.33).
pub const MAX_RESIDUAL_QUANTILE: f64 = 1000.0;

/// Every number of one signal's entry that predictions rely on: finite parameters in range,
/// spreads >= 0, a residual model with an increasing `ln_x` range and a finite spread over it,
/// and a finite bits approximation. Names the field path, the value and the accepted range.
fn check_signal_numbers(s: &SignalModel) -> Result<()> {
    let sig = s.signal;
    if let Err((name, v, expected)) = s.params.check() {
        return Err(Error::invalid(
            format!("signals.{sig}.params.{}", field_of(&name)),
            num(v),
            expected,
        ));
    }
    for (i, &v) in s.spread.to_array().iter().enumerate() {
        let name = super::curve::param_name(i);
        if !(v.is_finite() && v >= 0.0) {
            return Err(Error::invalid(
                format!("signals.{sig}.spread.{}", field_of(&name)),
                num(v),
                "a finite standard deviation >= 0",
            ));
        }
    }
    let r = &s.residual;
    let key = |f: &str| format!("signals.{sig}.residual.{f}");
    finite(key("c0"), r.c0)?;
    finite(key("c1"), r.c1)?;
    within(key("slope"), r.slope, 0.0, MAX_RESIDUAL_SD)?;
    let [lo, hi] = r.ln_x;
    if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
        return Err(Error::invalid(
            key("ln_x"),
            format!("[{}, {}]", num(lo), num(hi)),
            "[lower, upper]: two finite logs of the covariate, lower <= upper",
        ));
    }
    for end in [lo, hi] {
        let sd = (r.c0 + r.c1 * end).exp();
        if sd.is_nan() || sd > MAX_RESIDUAL_SD {
            return Err(Error::invalid(
                format!("signals.{sig}.residual (c0, c1)"),
                format!(
                    "({}, {}): spread exp(c0 + c1 * {end}) = {}",
                    num(r.c0),
                    num(r.c1),
                    num(sd)
                ),
                format!("a spread of at most {MAX_RESIDUAL_SD:e} over ln_x"),
            ));
        }
    }
    let tables = r
        .quantiles
        .iter()
        .map(|q| (key("quantiles"), q))
        .chain(
            r.by_position
                .iter()
                .flatten()
                .enumerate()
                .map(|(k, t)| (key(&format!("by_position[{k}].quantiles")), &t.quantiles)),
        )
        .chain(
            r.by_classes
                .iter()
                .flatten()
                .enumerate()
                .flat_map(|(b, ts)| {
                    ts.iter().enumerate().map(move |(k, t)| {
                        (
                            format!("signals.{sig}.residual.by_classes[{b}][{k}].quantiles"),
                            &t.quantiles,
                        )
                    })
                }),
        );
    for (key, q) in tables {
        if let Some(&v) = q
            .iter()
            .find(|v| v.is_nan() || v.abs() > MAX_RESIDUAL_QUANTILE)
        {
            return Err(Error::invalid(
                key,
                num(v),
                format!(
                    "finite quantiles in [-{MAX_RESIDUAL_QUANTILE}, {MAX_RESIDUAL_QUANTILE}], \
                     in non-decreasing order"
                ),
            ));
        }
    }
    if let Some(b) = &s.bits {
        for (i, &v) in b.coef.iter().enumerate() {
            within(
                format!("signals.{sig}.bits.coef[{i}]"),
                v,
                -MAX_COEF,
                MAX_COEF,
            )?;
        }
        within(
            format!("signals.{sig}.bits.max_rel_err"),
            b.max_rel_err,
            0.0,
            f64::MAX,
        )?;
    }
    let d = &s.diagnostics;
    within(
        format!("signals.{sig}.diagnostics.rmse"),
        d.rmse,
        0.0,
        f64::MAX,
    )?;
    for (family, mae) in &d.family_cv_mae {
        within(
            format!("signals.{sig}.diagnostics.family_cv_mae ({family})"),
            *mae,
            0.0,
            f64::MAX,
        )?;
    }
    Ok(())
}

/// The model-file field of a parameter named by `curve::param_name` (`beta_C` is `beta[0]`).
fn field_of(name: &str) -> String {
    use super::curve::{CEILING_TERMS, SCALE_TERMS};
    let index = |prefix: &str, terms: &[&str]| {
        name.strip_prefix(prefix)
            .and_then(|t| terms.iter().position(|x| *x == t))
    };
    if let Some(i) = index("beta_", &SCALE_TERMS) {
        return format!("beta[{i}]");
    }
    if let Some(i) = index("delta_", &SCALE_TERMS) {
        return format!("delta[{i}]");
    }
    if let Some(i) = index("gamma_", &CEILING_TERMS) {
        return format!("gamma[{i}]");
    }
    name.to_string()
}

/// Standard normal quantile (statrs), with p clamped away from 0 and 1.
pub fn normal_quantile(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(p.clamp(1e-12, 1.0 - 1e-12))
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
            signals,
            cache: Cache::default(),
        };
        m.prepare()?;
        Ok(m)
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
        self.cache = Cache {
            index,
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

    /// The signals the model can predict.
    pub fn signals(&self) -> impl Iterator<Item = Signal> + '_ {
        self.signals.iter().map(|s| s.signal)
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
        self.spot(scenario, signal, n)
            .map_or(0.0, |s| self.exceeded(&s, prob))
    }

    fn ceiling(&self, scenario: &Scenario, signal: Signal) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_parses_and_predicts_sensibly() {
        let m = Model::embedded_default();
        let sc = Scenario::default();
        for s in Signal::ALL {
            assert!(m.signal(s).is_some(), "{s} missing");
            let p = m.predict(&sc, s, 1000.0);
            assert!(p.lo <= p.mean && p.mean <= p.hi, "{s}: {p:?}");
            assert!((0.0..=1.0).contains(&p.mean));
        }
        assert!(m.range_warnings(&sc).is_empty());
        assert!(QualityModel::check_range(&m, &sc).is_ok());
    }

    #[test]
    fn toml_round_trips() {
        let m = Model::embedded_default();
        let back = Model::from_toml_str(&m.to_toml_string().unwrap()).unwrap();
        assert_eq!(m, back);
    }

    #[test]
    fn unknown_version_and_family_are_named() {
        let current = format!("format_version = {FORMAT_VERSION}");
        let text = EMBEDDED_DEFAULT.replacen(&current, "format_version = 7", 1);
        let msg = Model::from_toml_str(&text).unwrap_err().to_string();
        assert!(msg.contains("format_version") && msg.contains('7'), "{msg}");
        // a format-1 file (11 named parameters) is refused by its version, not by a field
        let text = EMBEDDED_DEFAULT.replacen(&current, "format_version = 1", 1);
        let msg = Model::from_toml_str(&text).unwrap_err().to_string();
        assert!(
            msg.contains("format_version") && msg.contains('1') && msg.contains("refit"),
            "{msg}"
        );
        let fam = m_family(EMBEDDED_DEFAULT);
        let text =
            EMBEDDED_DEFAULT.replacen(&format!("family = \"{fam}\""), "family = \"gompertz\"", 1);
        let msg = Model::from_toml_str(&text).unwrap_err().to_string();
        assert!(msg.contains("gompertz") && msg.contains("mmf"), "{msg}");
    }

    /// A format-2 file (10 scale terms, 29 parameters) reads as the same model with the two
    /// scale terms format 3 added at 0: built here by writing the embedded model, with those
    /// terms zeroed, in the old layout.
    #[test]
    fn format2_files_read_with_the_new_terms_at_zero() {
        use crate::surrogate::curve::{BETA0, NZ};
        let mut m = Model::embedded_default();
        for s in &mut m.signals {
            for p in [&mut s.params, &mut s.spread] {
                p.beta[FORMAT2_NZ..].fill(0.0);
            }
            for rep in &mut s.bootstrap {
                rep[BETA0 + FORMAT2_NZ..BETA0 + NZ].fill(0.0);
            }
        }
        let mut table: toml::Table = toml::from_str(&m.to_toml_string().unwrap()).unwrap();
        table.insert("format_version".into(), toml::Value::Integer(2));
        let signals = table.get_mut("signals").unwrap().as_array_mut().unwrap();
        for s in signals.iter_mut().map(|s| s.as_table_mut().unwrap()) {
            for key in ["params", "spread"] {
                let p = s.get_mut(key).unwrap().as_table_mut().unwrap();
                p.get_mut("beta")
                    .unwrap()
                    .as_array_mut()
                    .unwrap()
                    .truncate(FORMAT2_NZ);
            }
            let reps = s.get_mut("bootstrap").unwrap().as_array_mut().unwrap();
            for row in reps.iter_mut().map(|r| r.as_array_mut().unwrap()) {
                row.drain(BETA0 + FORMAT2_NZ..BETA0 + NZ);
            }
        }
        let old = toml::to_string(&table).unwrap();
        assert!(old.contains("format_version = 2"));
        let back = Model::from_toml_str(&old).unwrap();
        assert_eq!(back.format_version, FORMAT_VERSION);
        assert_eq!(back.signals, m.signals);
        // a format-2 array of another length is named, not padded
        let bad = old.replacen("beta = [", "beta = [0.5, ", 1);
        let msg = Model::from_toml_str(&bad).unwrap_err().to_string();
        assert!(msg.contains("model"), "{msg}");
    }

    fn m_family(text: &str) -> String {
        Model::from_toml_str(text).unwrap().signals[0]
            .family
            .to_string()
    }

    #[test]
    fn residual_quantiles_interpolate_and_default_to_the_normal() {
        let mut r = Residual {
            c0: -4.0,
            c1: 0.0,
            slope: 0.0,
            ln_x: [0.0, 10.0],
            quantiles: None,
            by_position: None,
            by_classes: None,
        };
        for p in [0.001, 0.05, 0.1, 0.5, 0.83, 0.999] {
            assert_eq!(r.z(p, 0.5, 0.0), normal_quantile(p));
        }
        // a table of twice the normal quantiles gives twice the normal quantile everywhere,
        // between the stored probabilities (interpolation is linear in the normal quantile) and
        // beyond them
        r.quantiles = Some(QUANTILE_PROBS.map(|p| 2.0 * normal_quantile(p)));
        for p in [0.001, 0.01, 0.07, 0.1, 0.33, 0.5, 0.9, 0.97, 0.999] {
            let z = normal_quantile(p);
            assert!(
                (r.z(p, 0.5, 0.0) - 2.0 * z).abs() <= 1e-9 * (1.0 + z.abs()),
                "{p}: {}",
                r.z(p, 0.5, 0.0)
            );
        }
    }

    #[test]
    fn quantiles_by_position_hold_within_a_stretch_and_blend_across_its_edges() {
        // tables of 1, 2 and 3 times the normal quantiles on the rise, shoulder and plateau
        let table = |k: f64| QUANTILE_PROBS.map(|p| k * normal_quantile(p));
        let mut r = Residual {
            c0: -4.0,
            c1: 0.0,
            slope: 0.0,
            ln_x: [0.0, 10.0],
            quantiles: Some(table(1.0)),
            by_position: None,
            by_classes: None,
        };
        let from = [0.0, POSITION_EDGES[0], POSITION_EDGES[1]];
        r.by_position = Some([0, 1, 2].map(|k| PositionQuantiles {
            from: from[k],
            quantiles: table(k as f64 + 1.0),
        }));
        let z = normal_quantile(0.1);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9;
        // inside each stretch (away from the edges) its own table
        assert!(close(r.z(0.1, 0.0, 0.0), z));
        assert!(close(r.z(0.1, 0.4, 0.0), z));
        assert!(close(r.z(0.1, 0.75, 0.0), 2.0 * z));
        assert!(close(r.z(0.1, 0.99, 0.0), 3.0 * z));
        // halfway at an edge, and continuous across it
        assert!(close(r.z(0.1, POSITION_EDGES[0], 0.0), 1.5 * z));
        assert!(close(r.z(0.1, POSITION_EDGES[1], 0.0), 2.5 * z));
        let mut last = r.z(0.1, 0.0, 0.0);
        for i in 1..=1000 {
            let v = r.z(0.1, i as f64 / 1000.0, 0.0);
            assert!(v <= last && last - v < 0.05, "jump at {}: {last} -> {v}", i);
            last = v;
        }
        // a model's interval and quantiles read these tables at the prediction's position,
        // from the rise to the plateau
        let mut m = Model::embedded_default();
        m.signals[0].residual = r;
        let m = Model::from_toml_str(&m.to_toml_string().unwrap()).unwrap();
        let sc = Scenario::default();
        let mut stretches = [false; N_POSITION_BINS];
        for n in [10.0, 100.0, 300.0, 1000.0, 3000.0, 30000.0, 1e6] {
            let (mean, sd) = m.mean_sd(&sc, Signal::Hard, n).unwrap();
            let pos = m.position(&sc, Signal::Hard, n).unwrap();
            stretches[stretch_of(&POSITION_EDGES, pos)] = true;
            let p = m.predict(&sc, Signal::Hard, n);
            let at = |q: f64| (mean + r.z(q, pos, 0.0) * sd).clamp(0.0, 1.0);
            assert!(close(p.lo, at(0.05)) && close(p.hi, at(0.95)), "n = {n}");
            assert!(
                close(m.quantile(&sc, Signal::Hard, n, 0.9), at(0.1)),
                "n = {n}"
            );
        }
        assert_eq!(stretches, [true; N_POSITION_BINS]);
    }

    /// The error of reading `m` back from its own file text.
    fn reload_error(m: &Model) -> String {
        Model::from_toml_str(&m.to_toml_string().unwrap())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn bad_residual_quantiles_are_named() {
        let mut m = Model::embedded_default();
        let mut q = m.signals[0]
            .residual
            .quantiles
            .expect("the default has a table");
        q.swap(0, 5);
        m.signals[0].residual.quantiles = Some(q);
        let msg = reload_error(&m);
        assert!(
            msg.contains("residual.quantiles") && msg.contains("non-decreasing"),
            "{msg}"
        );
    }

    /// Every number a prediction relies on is checked on loading: the error names the field
    /// path, the value and what is accepted (each of these panicked in `f64::clamp` or
    /// printed NaN before).
    #[test]
    fn non_finite_and_reversed_numbers_are_named() {
        type Edit = fn(&mut Model);
        let cases: [(Edit, &[&str]); 11] = [
            (
                |m| m.signals[0].residual.ln_x[0] = f64::NAN,
                &["signals.hard.residual.ln_x", "NaN", "lower <= upper"],
            ),
            (
                |m| m.signals[0].residual.ln_x.reverse(),
                &["signals.hard.residual.ln_x", "11.51", "lower <= upper"],
            ),
            (
                |m| m.signals[0].residual.slope = f64::NAN,
                &["signals.hard.residual.slope", "NaN", "finite"],
            ),
            (
                |m| m.signals[0].residual.c0 = f64::INFINITY,
                &["signals.hard.residual.c0", "inf", "finite"],
            ),
            (
                |m| m.signals[0].residual.c0 = 1e6,
                &["signals.hard.residual (c0, c1)", "at most 1e100"],
            ),
            (
                |m| m.floor.slope = f64::NAN,
                &["floor.slope", "NaN", "finite"],
            ),
            (
                |m| m.signals[1].spread.beta[2] = -1.0,
                &["signals.soft.spread.beta[2]", "-1", ">= 0"],
            ),
            (
                |m| m.signals[0].params.gamma[1] = 1e300,
                &["signals.hard.params.gamma[1]", "1000"],
            ),
            (
                |m| m.range.noise = [0.4, 0.1],
                &["range.noise", "[0.4, 0.1]", "lower <= upper"],
            ),
            (|m| m.range.classes = [20, 2], &["range.classes", "[20, 2]"]),
            (
                |m| {
                    let q = m.signals[0].residual.quantiles.as_mut().unwrap();
                    q[14] = 1e300;
                },
                &["signals.hard.residual.quantiles", "1000"],
            ),
        ];
        for (edit, words) in cases {
            let mut m = Model::embedded_default();
            edit(&mut m);
            let msg = reload_error(&m);
            for w in words {
                assert!(msg.contains(w), "{w:?} not in {msg}");
            }
        }
        // a bootstrap replicate names its index and parameter
        let mut m = Model::embedded_default();
        m.signals[2].bootstrap[3][0] = f64::NAN;
        let msg = reload_error(&m);
        assert!(
            msg.contains("signals.triplet.bootstrap[3] (log_x0)") && msg.contains("NaN"),
            "{msg}"
        );
    }

    #[test]
    fn a_file_without_format_version_is_not_a_model() {
        let msg = Model::from_toml_str("classes = 4\nnoise = 0.1\n")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("not") && msg.contains("model") && msg.contains("format_version"),
            "{msg}"
        );
        assert!(!msg.contains("missing (3)"), "{msg}");
    }

    #[test]
    fn parse_errors_give_line_and_column() {
        let msg = Model::from_toml_str("format_version = 3\nlevel = [\n")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("line 2, column"), "{msg}");
        let msg = Model::from_toml_str("format_version = 3\nbogus = 1\n")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("line 2, column 1") && msg.contains("unknown field `bogus`"),
            "{msg}"
        );
    }

    #[test]
    fn bad_quantiles_by_position_are_named() {
        let good = Model::embedded_default();
        let tables = good.signals[0]
            .residual
            .by_position
            .expect("the default has tables by position");
        let mut unordered = tables;
        unordered[1].quantiles.swap(0, 5);
        let mut misplaced = tables;
        misplaced[2].from = misplaced[1].from;
        let mut not_from_zero = tables;
        not_from_zero[0].from = 0.1;
        for bad in [unordered, misplaced, not_from_zero] {
            let mut m = good.clone();
            m.signals[0].residual.by_position = Some(bad);
            let msg = reload_error(&m);
            assert!(
                msg.contains("signals.hard.residual.by_position") && msg.contains("start at 0"),
                "{msg}"
            );
        }
    }

    #[test]
    fn bad_quantiles_by_class_band_are_named() {
        let good = Model::embedded_default();
        let bands = good.signals[0]
            .residual
            .by_classes
            .expect("the default has tables by class band");
        let mut bad = bands;
        bad[2][0].quantiles.swap(0, 5);
        let mut m = good.clone();
        m.signals[0].residual.by_classes = Some(bad);
        let msg = reload_error(&m);
        assert!(
            msg.contains("signals.hard.residual.by_classes[2]") && msg.contains("non-decreasing"),
            "{msg}"
        );
    }

    #[test]
    fn class_bands_split_at_5_and_10_classes() {
        let band = |c: u32| class_band((f64::from(c) / 10.0).ln());
        assert_eq!([2, 5, 6, 10, 11, 100].map(band), [0, 0, 1, 1, 2, 2]);
        // a model without scenario terms has ln_c = 0: the middle band
        assert_eq!(class_band(0.0), 1);
        assert_eq!([3, 8, 30].map(band_of_classes), [0, 1, 2]);
    }

    #[test]
    fn quantiles_by_class_band_follow_the_scenarios_classes() {
        // band k: tables of k + 1 times the normal quantiles in every stretch; the pooled
        // tables by position, 5 times, must not be read
        let table = |k: f64| QUANTILE_PROBS.map(|p| k * normal_quantile(p));
        let from = [0.0, POSITION_EDGES[0], POSITION_EDGES[1]];
        let tables = |k: f64| {
            [0, 1, 2].map(|i| PositionQuantiles {
                from: from[i],
                quantiles: table(k),
            })
        };
        let r = Residual {
            c0: -4.0,
            c1: 0.0,
            slope: 0.0,
            ln_x: [0.0, 10.0],
            quantiles: Some(table(5.0)),
            by_position: Some(tables(5.0)),
            by_classes: Some([tables(1.0), tables(2.0), tables(3.0)]),
        };
        let mut m = Model::embedded_default();
        m.signals[0].residual = r;
        let m = Model::from_toml_str(&m.to_toml_string().unwrap()).unwrap();
        let z = normal_quantile(0.1);
        for (classes, k) in [(4, 1.0), (10, 2.0), (20, 3.0)] {
            let sc = Scenario {
                classes,
                ..Scenario::default()
            };
            for n in [30.0, 1000.0, 30000.0] {
                let (mean, sd) = m.mean_sd(&sc, Signal::Hard, n).unwrap();
                let want = (mean + k * z * sd).clamp(0.0, 1.0);
                let got = m.quantile(&sc, Signal::Hard, n, 0.9);
                assert!(
                    (got - want).abs() <= 1e-9,
                    "C {classes}, n {n}: {got} {want}"
                );
            }
        }
    }

    #[test]
    fn range_warning_names_the_range() {
        let m = Model::embedded_default();
        let sc = Scenario {
            classes: 500,
            ..Scenario::default()
        };
        let e = QualityModel::check_range(&m, &sc).unwrap_err().to_string();
        assert!(e.contains("classes") && e.contains("500"), "{e}");
        let w = m.range_warnings(&sc);
        assert_eq!(w.len(), 1);
        assert!(
            w[0].contains("classes = 500") && w[0].contains(&format!("{}", m.range.classes[1])),
            "{}",
            w[0]
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Monotone in n, inside [base, ceiling] (base <= floor: see `curve`), interval around the mean.
        #[test]
        fn predictions_are_monotone_and_bounded(
            classes in 4usize..=20, dims in 8usize..=24, extra in 0usize..=104, noise in 0.1f64..0.4, k in 0usize..4
        ) {
            let m = Model::embedded_default();
            let sc = Scenario { classes, dims, features: (dims + extra).clamp(48, 128), noise, ..Scenario::default() };
            let s = Signal::ALL[k];
            let sm = m.signal(s).unwrap();
            let (base, ceil) = sm.params.bounds(&m.inputs(&sc, s, 1.0));
            prop_assert!(base <= m.floor(&sc) + 1e-12);
            prop_assert!((m.ceiling(&sc, s) - ceil).abs() < 1e-12);
            let mut last = f64::NEG_INFINITY;
            for i in 0..60 {
                let n = 10f64.powf(i as f64 / 10.0);
                let p = m.predict(&sc, s, n);
                prop_assert!(p.mean >= last - 1e-12, "n = {n}: {} < {last}", p.mean);
                prop_assert!(p.mean >= base - 1e-12 && p.mean <= ceil + 1e-12);
                prop_assert!(p.lo <= p.mean && p.mean <= p.hi);
                let q = m.quantile(&sc, s, n, 0.9);
                prop_assert!(q <= p.mean + 1e-12);
                last = p.mean;
            }
        }
    }
}
