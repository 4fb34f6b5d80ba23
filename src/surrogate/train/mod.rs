//! From a sweep's runs to a [`Model`]: the floor model, per-signal family selection by grouped
//! cross-validation, the robust fit, the residual spread and the bootstrap.
//!
//! | file | what |
//! |------|------|
//! | `mod.rs` | the least a signal needs, the folds, and the fit of a model ([`fit_model`]) |
//! | `options.rs` | the options ([`FitOptions`]) and the scenario terms of each signal |
//! | `points.rs` | runs to points: scenarios, the observed metric and floor, the bits covariate |
//! | `select.rs` | each family's fit and the grouped cross-validation that chooses among them |
//! | `tests.rs` | the tests |

mod options;
mod points;
mod select;
#[cfg(test)]
mod tests;

pub use options::{DEFAULT_TERMS, DENSE_SWEEP, DENSE_TERMS, FitOptions, PAIR_TERMS, default_terms};
pub use points::{
    BitsTable, bits_settings, bits_table, check_enough, fit_floor, observed, points, run_inputs,
    scenario_ids, scenario_key,
};
pub use select::{FamilyCv, count_weights, family_cv};

use super::bootstrap::{bootstrap, spread};
use super::covariate::Covariate;
use super::curve::{Params, Terms};
use super::model::{Diagnostics, Model, Range, SignalModel};
use super::residual::{self, HeldOut};
use crate::error::{Error, Result};
use crate::signal::Signal;
use crate::sim::RunRecord;
use points::bits_model;
use select::{fit_family, held_out, mask};

/// Fewest runs a signal needs, and fewest distinct annotation counts among them.
pub const MIN_RUNS: usize = 12;
pub const MIN_DISTINCT_N: usize = 4;
/// Folds of the grouped cross-validation that chooses a family.
pub const CV_FOLDS: usize = 4;

fn range_of(runs: &[RunRecord]) -> Range {
    let mm = |f: &dyn Fn(&RunRecord) -> f64| {
        runs.iter()
            .map(f)
            .fold([f64::INFINITY, f64::NEG_INFINITY], |a, v| {
                [a[0].min(v), a[1].max(v)]
            })
    };
    let u = |r: [f64; 2]| [r[0] as usize, r[1] as usize];
    Range {
        classes: u(mm(&|r| r.classes as f64)),
        dims: u(mm(&|r| r.dims as f64)),
        features: u(mm(&|r| r.features as f64)),
        noise: mm(&|r| r.noise),
        nuisance: mm(&|r| r.nuisance),
        n: {
            let m = mm(&|r| r.n as f64);
            [m[0] as u64, m[1] as u64]
        },
    }
}

/// Fit a model to runs. `sweep_hash` labels where they came from.
///
/// # Errors
/// No runs; a signal with too few runs (how many are needed is named); a numerical failure.
pub fn fit_model(runs: &[RunRecord], sweep_hash: &str, opts: &FitOptions) -> Result<Model> {
    let table = if opts.covariate == Covariate::Bits && !opts.baseline {
        bits_table(runs)?
    } else {
        BitsTable::new()
    };
    fit_model_with(runs, sweep_hash, opts, &table)
}

/// [`fit_model`] with the bits table already measured (it must cover every scenario of `runs`
/// when the covariate is `bits`).
///
/// # Errors
/// As [`fit_model`].
pub fn fit_model_with(
    runs: &[RunRecord],
    sweep_hash: &str,
    opts: &FitOptions,
    table: &BitsTable,
) -> Result<Model> {
    opts.check()?;
    if runs.is_empty() {
        return Err(Error::invalid("runs", 0, "at least one run"));
    }
    if opts.families.is_empty() {
        return Err(Error::invalid("families", "none", "at least one family"));
    }
    let floor = fit_floor(runs, opts.metric);
    let (ids, scenarios) = scenario_ids(runs);
    let prior = opts
        .uses_prior(scenarios.len())
        .then(Model::embedded_default);
    let mut signals = Vec::new();
    for signal in Signal::ALL {
        if !runs.iter().any(|r| r.signal == signal) {
            continue;
        }
        let bits = (opts.covariate == Covariate::Bits && !opts.baseline)
            .then(|| bits_model(runs, signal, table));
        let pts = points(runs, &ids, signal, opts, bits.as_ref(), &floor);
        check_enough(signal, &pts)?;
        if let Some(default) = prior.as_ref().and_then(|m| m.signal(signal)) {
            let seed = opts.seed ^ signal as u64;
            signals.push(super::prior::fit_signal(
                &pts,
                default,
                opts.bootstrap,
                seed,
            )?);
            continue;
        }
        let full = opts
            .families
            .iter()
            .map(|&f| fit_family(f, &pts, opts, signal))
            .collect::<Result<Vec<_>>>()?;
        let cv = family_cv(&pts, opts, signal, &full)?;
        let chosen = cv
            .iter()
            .filter(|c| c.mae.is_finite())
            .min_by(|a, b| a.mae.total_cmp(&b.mae));
        let family = chosen.map_or(opts.families[0], |c| c.family);
        let free = mask(family, &pts, opts, signal);
        let index = opts.families.iter().position(|&f| f == family).unwrap_or(0);
        let best = full[index].clone();
        let weights = opts.weigh_counts.then(|| count_weights(&pts));
        let reps = bootstrap(
            family,
            &pts,
            weights.as_deref(),
            free,
            &best.params,
            opts.bootstrap,
            opts.seed ^ signal as u64,
        )?;
        // the spread is fitted on the held-out residuals; on the fit's own only without them
        let in_sample: Vec<HeldOut>;
        let residuals: &[HeldOut] = match chosen {
            Some(c) if !c.residuals.is_empty() => &c.residuals,
            _ => {
                in_sample = pts
                    .iter()
                    .map(|p| held_out(family, &best.params, p))
                    .collect();
                &in_sample
            }
        };
        let rmse = (pts
            .iter()
            .map(|p| (best.params.predict(family, &p.inp) - p.y).powi(2))
            .sum::<f64>()
            / pts.len() as f64)
            .sqrt();
        signals.push(SignalModel {
            signal,
            family,
            params: best.params,
            spread: spread(&reps),
            residual: residual::fit(residuals, opts.level),
            bits,
            diagnostics: Diagnostics {
                runs: pts.len(),
                rmse,
                family_cv_mae: cv
                    .iter()
                    .filter(|c| c.mae.is_finite())
                    .map(|c| (c.family, c.mae))
                    .collect(),
                termination: best.termination,
                terms: Some(Terms::from_mask(&free).render()),
            },
            bootstrap: reps.iter().map(Params::to_array).collect(),
        });
    }
    let mut model = Model::new(
        opts.metric,
        opts.covariate,
        opts.baseline,
        opts.level,
        sweep_hash.into(),
        runs.len(),
        range_of(runs),
        floor,
        signals,
    )?;
    // a fit leaning on the default model weighs its runs as they come
    model.weigh_counts = opts.weigh_counts && prior.is_none();
    Ok(model)
}
