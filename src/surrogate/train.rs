//! From a sweep's runs to a [`Model`]: the floor model, per-signal family selection by grouped
//! cross-validation, the robust fit, the residual spread and the bootstrap.

use super::bootstrap::{bootstrap, spread};
use super::covariate::{self, Covariate, FloorModel, Metric};
use super::curve::{Inputs, Params};
use super::families::Family;
use super::fit::{Fitted, Point, fit_curve, free_mask, starts};
use super::model::{Diagnostics, Model, Range, Residual, SignalModel};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::signal::Signal;
use crate::sim::RunRecord;
use rayon::prelude::*;

/// Fewest runs a signal needs, and fewest distinct annotation counts among them.
pub const MIN_RUNS: usize = 12;
pub const MIN_DISTINCT_N: usize = 4;
/// Folds of the grouped cross-validation that chooses a family.
pub const CV_FOLDS: usize = 4;

/// How to fit.
///
/// | field        | default   | purpose                                                     |
/// |--------------|-----------|-------------------------------------------------------------|
/// | `metric`     | cka       | the runs.csv column to model                                 |
/// | `covariate`  | n         | raw n, or bits per parameter (needs the info module)         |
/// | `families`   | all three | candidate families; one entry skips the selection            |
/// | `baseline`   | false     | plain power law in raw n, no floor, cap or scenario terms    |
/// | `bootstrap`  | 50        | bootstrap replicates over seeds (0: no intervals but residual)|
/// | `level`      | 0.9       | nominal coverage of prediction intervals                     |
/// | `seed`       | 0         | seed of the bootstrap draws                                  |
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    pub metric: Metric,
    pub covariate: Covariate,
    pub families: Vec<Family>,
    pub baseline: bool,
    pub bootstrap: usize,
    pub level: f64,
    pub seed: u64,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            metric: Metric::Cka,
            covariate: Covariate::N,
            families: Family::CANDIDATES.to_vec(),
            baseline: false,
            bootstrap: 50,
            level: 0.9,
            seed: 0,
        }
    }
}

impl FitOptions {
    /// The usual baseline: a plain power law `a - b n^-c` in raw n per signal.
    pub fn baseline() -> FitOptions {
        FitOptions {
            families: vec![Family::Plain],
            baseline: true,
            bootstrap: 0,
            ..FitOptions::default()
        }
    }
}

/// The measured value of `metric` in a run and its untrained floor.
pub fn observed(run: &RunRecord, metric: Metric) -> (f64, f64) {
    match metric {
        Metric::Cka => (run.cka, run.cka_floor),
        Metric::Transfer => (run.transfer, run.transfer_floor),
    }
}

/// A key identifying a run's scenario.
pub fn scenario_key(r: &RunRecord) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}|{:?}|{}|{}",
        r.classes,
        r.dims,
        r.features,
        r.rep_dims,
        r.nuisance,
        r.noise,
        r.latent,
        r.soft_annotators,
        r.pool
    )
}

/// Index every run's scenario among the distinct scenarios, in order of first appearance.
pub fn scenario_ids(runs: &[RunRecord]) -> (Vec<usize>, Vec<Scenario>) {
    let mut keys: Vec<String> = Vec::new();
    let mut scs = Vec::new();
    let ids = runs
        .iter()
        .map(|r| {
            let k = scenario_key(r);
            match keys.iter().position(|x| *x == k) {
                Some(i) => i,
                None => {
                    keys.push(k);
                    scs.push(r.scenario());
                    keys.len() - 1
                }
            }
        })
        .collect();
    (ids, scs)
}

/// The floor model fitted on the runs' measured untrained floors.
pub fn fit_floor(runs: &[RunRecord], metric: Metric) -> FloorModel {
    let mut pts: Vec<(f64, f64)> = runs
        .iter()
        .map(|r| {
            (
                covariate::random_encoder_cka(&r.scenario()),
                observed(r, metric).1,
            )
        })
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    pts.dedup();
    FloorModel::fit(&pts)
}

/// The curve inputs of a run under the options.
pub fn run_inputs(r: &RunRecord, opts: &FitOptions, floor: &FloorModel) -> Inputs {
    covariate::inputs(
        &r.scenario(),
        r.signal,
        r.n as f64,
        opts.metric,
        opts.covariate,
        opts.baseline,
        floor,
    )
}

/// Points of one signal.
pub fn points(
    runs: &[RunRecord],
    ids: &[usize],
    signal: Signal,
    opts: &FitOptions,
    floor: &FloorModel,
) -> Vec<Point> {
    runs.iter()
        .zip(ids)
        .filter(|(r, _)| r.signal == signal)
        .map(|(r, &scenario)| Point {
            inp: run_inputs(r, opts, floor),
            y: observed(r, opts.metric).0,
            seed: r.seed,
            scenario,
            n: r.n,
        })
        .collect()
}

/// Check a signal has enough runs; the error says how many are needed.
pub fn check_enough(signal: Signal, pts: &[Point]) -> Result<()> {
    let mut ns: Vec<u64> = pts.iter().map(|p| p.n).collect();
    ns.sort_unstable();
    ns.dedup();
    if pts.len() < MIN_RUNS || ns.len() < MIN_DISTINCT_N {
        return Err(Error::invalid(
            format!("runs of signal {signal}"),
            format!("{} runs at {} distinct n", pts.len(), ns.len()),
            format!(
                "at least {MIN_RUNS} runs over at least {MIN_DISTINCT_N} distinct annotation counts to fit a curve"
            ),
        ));
    }
    Ok(())
}

fn fit_family(family: Family, pts: &[Point], opts: &FitOptions) -> Result<Fitted> {
    let free = free_mask(family, pts, !opts.baseline);
    fit_curve(family, pts, None, free, &starts(pts))
}

/// Grouped cross-validation MAE of each family: groups are scenarios when there are at least
/// 3, else seeds; folds take every CV_FOLDS-th group.
pub fn family_cv(pts: &[Point], opts: &FitOptions) -> Result<Vec<(Family, f64)>> {
    let n_scen = pts.iter().map(|p| p.scenario).max().map_or(0, |m| m + 1);
    let group = |p: &Point| {
        if n_scen >= 3 {
            p.scenario as u64
        } else {
            p.seed
        }
    };
    let mut groups: Vec<u64> = pts.iter().map(group).collect();
    groups.sort_unstable();
    groups.dedup();
    let folds = CV_FOLDS.min(groups.len());
    if folds < 2 {
        return Ok(opts.families.iter().map(|&f| (f, f64::NAN)).collect());
    }
    let jobs: Vec<(Family, usize)> = opts
        .families
        .iter()
        .flat_map(|&f| (0..folds).map(move |k| (f, k)))
        .collect();
    let errs: Vec<(f64, usize)> = jobs
        .par_iter()
        .map(|&(f, k)| {
            let in_fold = |p: &Point| groups.binary_search(&group(p)).unwrap_or(0) % folds == k;
            let train: Vec<Point> = pts.iter().filter(|p| !in_fold(p)).copied().collect();
            let fit = fit_family(f, &train, opts)?;
            Ok(pts
                .iter()
                .filter(|p| in_fold(p))
                .fold((0.0, 0), |(s, c), p| {
                    (s + (fit.params.predict(f, &p.inp) - p.y).abs(), c + 1)
                }))
        })
        .collect::<Result<_>>()?;
    Ok(opts
        .families
        .iter()
        .enumerate()
        .map(|(i, &f)| {
            let (s, c) = errs[i * folds..(i + 1) * folds]
                .iter()
                .fold((0.0, 0), |a, e| (a.0 + e.0, a.1 + e.1));
            (f, s / c.max(1) as f64)
        })
        .collect())
}

/// Residual spread model: least squares of ln|r| on ln x, shifted by E ln|N(0,1)| = -0.635.
fn residual_model(pts: &[Point], params: &Params, family: Family) -> Residual {
    let rs: Vec<(f64, f64)> = pts
        .iter()
        .map(|p| {
            (
                p.inp.ln_x,
                (p.y - params.predict(family, &p.inp)).abs().max(1e-4).ln(),
            )
        })
        .collect();
    let n = rs.len() as f64;
    let mx = rs.iter().map(|r| r.0).sum::<f64>() / n;
    let my = rs.iter().map(|r| r.1).sum::<f64>() / n;
    let sxx: f64 = rs.iter().map(|r| (r.0 - mx).powi(2)).sum();
    let sxy: f64 = rs.iter().map(|r| (r.0 - mx) * (r.1 - my)).sum();
    let c1 = if sxx > 1e-12 {
        (sxy / sxx).clamp(-1.0, 1.0)
    } else {
        0.0
    };
    Residual {
        c0: my - c1 * mx + 0.635,
        c1,
    }
}

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
    if runs.is_empty() {
        return Err(Error::invalid("runs", 0, "at least one run"));
    }
    if opts.families.is_empty() {
        return Err(Error::invalid("families", "none", "at least one family"));
    }
    let floor = fit_floor(runs, opts.metric);
    let (ids, _) = scenario_ids(runs);
    let mut signals = Vec::new();
    for signal in Signal::ALL {
        if !runs.iter().any(|r| r.signal == signal) {
            continue;
        }
        let pts = points(runs, &ids, signal, opts, &floor);
        check_enough(signal, &pts)?;
        let cv = if opts.families.len() > 1 {
            family_cv(&pts, opts)?
        } else {
            vec![(opts.families[0], f64::NAN)]
        };
        let family = cv
            .iter()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(opts.families[0], |c| c.0);
        let free = free_mask(family, &pts, !opts.baseline);
        let best = fit_curve(family, &pts, None, free, &starts(&pts))?;
        let reps = bootstrap(
            family,
            &pts,
            free,
            &best.params,
            opts.bootstrap,
            opts.seed ^ signal as u64,
        )?;
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
            residual: residual_model(&pts, &best.params, family),
            diagnostics: Diagnostics {
                runs: pts.len(),
                rmse,
                family_cv_mae: cv.into_iter().filter(|c| c.1.is_finite()).collect(),
                termination: best.termination,
            },
            bootstrap: reps.iter().map(Params::to_array).collect(),
        });
    }
    Model::new(
        opts.metric,
        opts.covariate,
        opts.baseline,
        opts.level,
        sweep_hash.into(),
        runs.len(),
        range_of(runs),
        floor,
        signals,
    )
}
