//! Calibrating the planner on the user's own data (docs/method.md, "Calibration on your data").
//! Three sources, one output each:
//!
//! | source                         | module      | output                                   |
//! |--------------------------------|-------------|------------------------------------------|
//! | pilot learning-curve points    | [`pilot`]   | a model file (`surrogate::Model` TOML)   |
//! | features and labels            | [`data`], [`curves`] | a model file, from curves labelbudget measures |
//! | annotation logs (`seconds`)    | [`costs`]   | a cost file (`cost::Costs` TOML)         |
//!
//! Curves are fitted by [`fit`] under the simulation-learned [`prior`]. The model file is the
//! surrogate's own format, with no scenario terms (the user's data is one scenario), a constant
//! floor (the metric's chance or untrained value) and no ceiling cap, so `plan`, `predict`,
//! `frontier` and `chart` read it in place of the default.

pub mod costs;
pub mod curves;
pub mod data;
pub mod extrapolate;
pub mod fit;
pub mod npy;
pub mod pilot;
pub mod prior;
pub mod probe;
pub mod select;
pub mod synthetic;

use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::signal::Signal;
use crate::surrogate::bootstrap::spread;
use crate::surrogate::covariate::FloorModel;
use crate::surrogate::model::{Diagnostics, Range, Residual, SignalModel};
use crate::surrogate::{Covariate, Metric, Model, QualityModel};
use fit::CurveFit;
use serde::Serialize;

/// Nominal coverage of the intervals of a calibrated model.
pub const LEVEL: f64 = 0.9;
/// Largest annotation count searched for a target.
pub const N_SEARCH_MAX: f64 = 1e9;

/// Assemble a model file from fitted curves.
///
/// # Errors
/// A fitted parameter out of range (see `Model::new`).
pub fn build_model(
    metric: Metric,
    floor: f64,
    source: String,
    fits: &[(Signal, CurveFit)],
    n_range: [u64; 2],
) -> Result<Model> {
    let runs = fits.iter().map(|(_, f)| f.points).sum();
    let signals = fits
        .iter()
        .map(|(signal, f)| SignalModel {
            signal: *signal,
            family: f.family,
            params: f.params,
            spread: spread(&f.replicates),
            bits: None,
            // sigma up to the largest fitted n, then sigma (n / top_n)^growth (`select`) up to
            // growth_until
            residual: Residual {
                c0: f.sigma.max(1e-9).ln() - f.growth * f.top_n.max(1.0).ln(),
                c1: f.growth,
                slope: 0.0,
                quantiles: None,
                by_position: None,
                by_classes: None,
                ln_x: [
                    f.top_n.max(1.0).ln(),
                    N_SEARCH_MAX
                        .min(f.growth_until)
                        .ln()
                        .max(f.top_n.max(1.0).ln()),
                ],
            },
            diagnostics: Diagnostics {
                runs: f.points,
                rmse: f.rmse,
                family_cv_mae: Vec::new(),
                termination: f.termination.clone(),
                terms: None,
            },
            bootstrap: f.replicates.iter().map(|p| p.to_array()).collect(),
        })
        .collect();
    calibrated_model(metric, floor, source, runs, n_range, signals)
}

/// A model of one dataset's curves: no scenario terms (any scenario lies in range), the counts
/// `n_range` measured, a constant `floor`, `runs` measured points and the fitted `signals`
/// (empty for curves given as quantile tables, `Model::with_tables`).
///
/// # Errors
/// As `Model::new`.
pub fn calibrated_model(
    metric: Metric,
    floor: f64,
    source: String,
    runs: usize,
    n_range: [u64; 2],
    signals: Vec<SignalModel>,
) -> Result<Model> {
    let range = Range {
        classes: [2, 1_000_000],
        dims: [1, 1_000_000],
        features: [1, 1_000_000],
        noise: [0.0, 1.0],
        nuisance: [0.0, 1e6],
        n: n_range,
    };
    Model::new(
        metric,
        Covariate::N,
        false,
        LEVEL,
        source,
        runs,
        range,
        FloorModel {
            intercept: floor,
            slope: 0.0,
        },
        signals,
    )
}

/// Annotations needed for the prediction at quantile `prob` (0.5: the central curve) to reach
/// `target` (at least the smallest measured count of a calibrated curve,
/// `QualityModel::measured_from`); `None` when the curve's ceiling lies below the target.
pub fn n_for_target(model: &Model, signal: Signal, target: f64, prob: f64) -> Option<f64> {
    let sc = Scenario::default();
    let from = model.measured_from(signal).unwrap_or(0.0);
    n_reaching(
        |n: f64| {
            if prob == 0.5 {
                model.predict(&sc, signal, n).mean
            } else {
                model.quantile(&sc, signal, n, prob)
            }
        },
        target,
    )
    .map(|n| n.max(from))
}

/// The n where a rising quality curve `q` first reaches `target` on [1, N_SEARCH_MAX]
/// (bisection in ln n); `None` when it stays below.
pub fn n_reaching(q: impl Fn(f64) -> f64, target: f64) -> Option<f64> {
    let (mut lo, mut hi) = (0.0f64, N_SEARCH_MAX.ln());
    if q(hi.exp()) < target {
        return None;
    }
    if q(1.0) >= target {
        return Some(1.0);
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if q(mid.exp()) >= target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi.exp())
}

/// One row of a calibration report: the fitted curve of a signal at one n.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurveRow {
    pub signal: Signal,
    pub n: f64,
    /// Measured mean at this n, when it was measured.
    pub measured: Option<f64>,
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

/// What a target needs, per signal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetRow {
    pub signal: Signal,
    pub target: f64,
    /// Largest n measured.
    pub measured_n: f64,
    /// n where the central curve reaches the target (None: above the ceiling).
    pub n_central: Option<f64>,
    /// n where the pessimistic bound (exceeded with probability `LEVEL`) reaches it.
    pub n_safe: Option<f64>,
    /// More annotations than measured, central and safe.
    pub more_central: Option<f64>,
    pub more_safe: Option<f64>,
    pub ceiling: f64,
}

/// Rows of the fitted curve at the measured counts and at 2, 4 and 10 times the largest.
pub fn curve_rows(model: &Model, signal: Signal, measured: &[(f64, f64)]) -> Vec<CurveRow> {
    let sc = Scenario::default();
    let top = measured.iter().map(|m| m.0).fold(0.0f64, f64::max);
    let mut ns: Vec<(f64, Option<f64>)> = measured.iter().map(|&(n, y)| (n, Some(y))).collect();
    ns.extend([2.0, 4.0, 10.0].iter().map(|k| (k * top, None)));
    ns.iter()
        .map(|&(n, y)| {
            let p = model.predict(&sc, signal, n);
            CurveRow {
                signal,
                n,
                measured: y,
                mean: p.mean,
                lo: p.lo,
                hi: p.hi,
            }
        })
        .collect()
}

/// What reaching `target` with `signal` needs under `model`.
pub fn target_row(model: &Model, signal: Signal, target: f64, measured_n: f64) -> TargetRow {
    let n_central = n_for_target(model, signal, target, 0.5);
    let n_safe = n_for_target(model, signal, target, LEVEL);
    TargetRow {
        signal,
        target,
        measured_n,
        n_central,
        n_safe,
        more_central: n_central.map(|n| (n - measured_n).max(0.0)),
        more_safe: n_safe.map(|n| (n - measured_n).max(0.0)),
        ceiling: model.ceiling(&Scenario::default(), signal),
    }
}

/// Check a quality target lies in (0, 1), as `plan` asks (1 is a perfect score, which a
/// learning curve approaches but a plan cannot promise).
///
/// # Errors
/// A target outside (0, 1).
pub fn check_target(target: f64) -> Result<f64> {
    if target > 0.0 && target < 1.0 {
        Ok(target)
    } else {
        Err(Error::invalid(
            "target",
            target,
            "a quality in (0, 1), in the pilot's metric",
        ))
    }
}

/// Averages of y per distinct n, sorted by n.
pub fn mean_by_n(pts: &[fit::CurvePoint]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64, usize)> = Vec::new();
    for p in pts {
        match out.iter_mut().find(|o| o.0 == p.n) {
            Some(o) => {
                o.1 += p.y;
                o.2 += 1;
            }
            None => out.push((p.n, p.y, 1)),
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out.into_iter().map(|(n, s, k)| (n, s / k as f64)).collect()
}

/// A CSV reader over `text` (fields trimmed) and its header row, whose names must be distinct;
/// errors name `path`, and an empty file is told as such with the `expected` columns.
pub(crate) fn csv_with_header<'t>(
    text: &'t str,
    path: &std::path::Path,
    expected: &str,
) -> Result<(csv::Reader<&'t [u8]>, csv::StringRecord)> {
    if text.trim().is_empty() {
        return Err(Error::file(
            path,
            format!("the file is empty (expected a header line {expected}, then one row per line)"),
        ));
    }
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| Error::file(path, e.to_string()))?
        .clone();
    crate::io::distinct_columns(&headers, path)?;
    Ok((rdr, headers))
}
