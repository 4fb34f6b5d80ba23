//! How well a surrogate predicts what it has not seen: leave-scenario-out error, extrapolation
//! in n, and interval coverage, next to the plain power-law baseline.
//!
//! - Leave-scenario-out: for each distinct scenario, fit on all the others (family selection
//!   included) and compare the prediction with the seed-mean quality at each n of the held-out
//!   scenario. "Interior" scenarios are those whose C, d, D and noise each lie within the range
//!   of the other scenarios (interpolation rather than extrapolation).
//! - Extrapolation: fit on runs with n <= n_max / 10 and compare at n_max, per scenario.
//! - Coverage: share of held-out single runs inside their prediction interval.

use super::Metric;
use super::covariate::Covariate;
use super::model::{
    Assessment, CLASS_EDGES, Model, N_CLASS_BANDS, POSITION_EDGES, band_of_classes, stretch_of,
};
use super::train::{BitsTable, FitOptions, bits_table, fit_model_with, observed, scenario_ids};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::signal::Signal;
use crate::sim::RunRecord;
use rayon::prelude::*;
use serde::Serialize;

/// Held-out errors of one signal.
#[derive(Debug, Clone, Serialize)]
pub struct SignalHoldout {
    pub signal: Signal,
    /// Leave-scenario-out MAE over all scenarios.
    pub lso_mae: f64,
    /// Leave-scenario-out MAE over interior scenarios.
    pub lso_mae_interior: f64,
    /// Mean absolute error at n_max when fitted on n <= n_max / 10.
    pub extrapolation: f64,
    /// Share of held-out single runs inside their interval (leave-scenario-out).
    pub coverage: f64,
    /// Share of held-out single runs below the quality the model says is exceeded with
    /// probability [`SAFE_PROB`] (leave-scenario-out; nominal 1 - SAFE_PROB): the premise of the
    /// planner's safe budget, checked over every scenario and count.
    pub below_safe: f64,
    /// The same share over the runs on the curve's shoulder (predicted position 0.6 to 0.95,
    /// `model::POSITION_EDGES`), where quality targets usually lie.
    pub below_safe_shoulder: f64,
    /// The share below the safe quantile per stretch of the curve ([`DETAIL_EDGES`]):
    /// (share, runs).
    pub below_safe_by_position: [(f64, usize); N_DETAIL],
    /// The share below the safe quantile of the runs from the shoulder on (position 0.6 and
    /// above) per band of class counts (`model::CLASS_EDGES`): (share, runs).
    pub below_safe_by_classes: [(f64, usize); N_CLASS_BANDS],
    pub baseline_lso_mae: f64,
    pub baseline_lso_mae_interior: f64,
    pub baseline_extrapolation: f64,
}

/// The held-out evaluation of one options set against the baseline.
#[derive(Debug, Clone, Serialize)]
pub struct HoldoutReport {
    pub scenarios: usize,
    pub interior: usize,
    pub n_max: u64,
    pub n_cut: u64,
    pub level: f64,
    pub signals: Vec<SignalHoldout>,
    /// Every held-out single run of the leave-scenario-out check with what its fold's model
    /// said of it (`fit --holdout-runs`), in the order of the runs file.
    #[serde(skip)]
    pub held_runs: Vec<HeldRun>,
}

/// One held-out run of the leave-scenario-out check and the prediction of the model fitted
/// without its scenario.
#[derive(Debug, Clone, Serialize)]
pub struct HeldRun {
    /// The run's number in its sweep.
    pub run: u64,
    pub signal: Signal,
    pub n: u64,
    pub classes: usize,
    pub dims: usize,
    pub features: usize,
    pub noise: f64,
    pub seed: u64,
    /// The run's quality in the fitted metric.
    pub observed: f64,
    /// Central prediction and its interval at the fit's level.
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
    /// The quality the model says is exceeded with probability [`SAFE_PROB`].
    pub exceeded: f64,
    /// The model's position on its curve at this n (share of the rise from floor to ceiling).
    pub position: f64,
    /// The spread of a single run there, the unit of the residual quantiles.
    pub sd: f64,
}

impl HeldRun {
    /// Run `r` of quality `y` and what a model said of it.
    fn new(r: &RunRecord, y: f64, a: &Assessment) -> HeldRun {
        HeldRun {
            run: r.run,
            signal: r.signal,
            n: r.n,
            classes: r.classes,
            dims: r.dims,
            features: r.features,
            noise: r.noise,
            seed: r.seed,
            observed: y,
            mean: a.prediction.mean,
            lo: a.prediction.lo,
            hi: a.prediction.hi,
            exceeded: a.exceeded,
            position: a.position,
            sd: a.sd,
        }
    }
}

/// What `model` says of each run of `runs` it has a curve for, against the run's quality in
/// `metric`: the one-sided check of [`SAFE_PROB`] on runs the model was not fitted on (e.g.
/// fresh seeds or scenarios simulated after the fit).
pub fn assess_runs(model: &Model, runs: &[RunRecord], metric: Metric) -> Vec<HeldRun> {
    runs.iter()
        .filter_map(|r| {
            let a = model.assess(&r.scenario(), r.signal, r.n as f64, SAFE_PROB)?;
            Some(HeldRun::new(r, observed(r, metric).0, &a))
        })
        .collect()
}

/// (below the quality exceeded with probability [`SAFE_PROB`], runs) of `signal` per stretch
/// of the curve ([`DETAIL_EDGES`]).
pub fn below_by_position(runs: &[HeldRun], signal: Signal) -> [(usize, usize); N_DETAIL] {
    below_by(runs, signal, |r| Some(detail(r.position)))
}

/// (below the quality exceeded with probability [`SAFE_PROB`], runs) of `signal` per bin, each
/// run in the bin `bin` gives it (none: left out).
fn below_by<const K: usize>(
    runs: &[HeldRun],
    signal: Signal,
    bin: impl Fn(&HeldRun) -> Option<usize>,
) -> [(usize, usize); K] {
    let mut by = [(0, 0); K];
    for r in runs.iter().filter(|r| r.signal == signal) {
        if let Some(k) = bin(r) {
            by[k].0 += usize::from(r.observed < r.exceeded);
            by[k].1 += 1;
        }
    }
    by
}

/// (below the quality exceeded with probability [`SAFE_PROB`], runs) of `signal` per band of
/// class counts (`model::CLASS_EDGES`), over the runs from the shoulder of the curve on
/// (position at least `POSITION_EDGES[0]`), where quality targets lie.
pub fn below_by_classes(runs: &[HeldRun], signal: Signal) -> [(usize, usize); N_CLASS_BANDS] {
    below_by(runs, signal, |r| {
        (r.position >= POSITION_EDGES[0]).then(|| band_of_classes(r.classes))
    })
}

/// Column heads of the class bands: "C 2-5", "C 6-10", "C >= 11" for edges 5.5 and 10.5.
pub fn class_band_heads() -> [String; N_CLASS_BANDS] {
    std::array::from_fn(|k| {
        let from = if k == 0 {
            2
        } else {
            CLASS_EDGES[k - 1].ceil() as usize
        };
        match CLASS_EDGES.get(k) {
            Some(to) => format!("C {from}-{}", to.floor()),
            None => format!("C >= {from}"),
        }
    })
}

/// A table with a "signal" column before `heads`; each row starts with its signal.
pub fn signal_table(heads: &[String], rows: &[Vec<String>]) -> String {
    let heads: Vec<&str> = std::iter::once("signal")
        .chain(heads.iter().map(String::as_str))
        .collect();
    crate::io::render_table(&heads, rows)
}

/// "share (runs)" cells of (below, runs) counts, "-" for an empty bin.
pub fn share_cells(by: &[(usize, usize)]) -> Vec<String> {
    by.iter()
        .map(|&(b, n)| share_cell(share(b, n), n))
        .collect()
}

/// A "share (runs)" cell, "-" for a share that is not finite (no runs).
fn share_cell(v: f64, n: usize) -> String {
    if v.is_finite() {
        format!("{:.1}% ({n})", v * 100.0)
    } else {
        "-".into()
    }
}

/// The probability of the one-sided check (the planner's default confidence).
pub const SAFE_PROB: f64 = 0.9;

/// Edges between the stretches of the curve over which the one-sided check is also reported,
/// finer than the model's own ([`POSITION_EDGES`], whose shoulder is stretches 1 to 3 here):
/// targets near the ceiling fall in the last two.
pub const DETAIL_EDGES: [f64; N_DETAIL - 1] = [0.6, 0.8, 0.9, 0.95];
/// Number of stretches [`DETAIL_EDGES`] makes.
pub const N_DETAIL: usize = 5;
const _: () = assert!(DETAIL_EDGES[0] == POSITION_EDGES[0] && DETAIL_EDGES[3] == POSITION_EDGES[1]);

/// The stretch of [`DETAIL_EDGES`] a position falls in.
fn detail(position: f64) -> usize {
    stretch_of(&DETAIL_EDGES, position)
}

/// Absolute errors of a model's seed means per signal, and every run it scored with its
/// prediction (coverage and the one-sided check are counted from these).
#[derive(Default, Clone)]
struct Acc {
    err: [Vec<f64>; 4],
    runs: Vec<HeldRun>,
}

fn slot(s: Signal) -> usize {
    Signal::ALL.iter().position(|&x| x == s).unwrap_or(0)
}

/// Errors of `model` against seed means of `held` (grouped by signal and n) and coverage of runs.
fn score(model: &Model, held: &[RunRecord], opts: &FitOptions, at_n: Option<u64>) -> Acc {
    let mut acc = Acc::default();
    // (signal, n, scenario, observed qualities, predicted mean)
    let mut groups: Vec<(Signal, u64, Scenario, Vec<f64>, f64)> = Vec::new();
    for r in held {
        if at_n.is_some_and(|n| r.n != n) {
            continue;
        }
        let sc = r.scenario();
        let Some(a) = model.assess(&sc, r.signal, r.n as f64, SAFE_PROB) else {
            continue;
        };
        let y = observed(r, opts.metric).0;
        let p = a.prediction;
        acc.runs.push(HeldRun::new(r, y, &a));
        match groups
            .iter_mut()
            .find(|g| g.0 == r.signal && g.1 == r.n && g.2 == sc)
        {
            Some(g) => g.3.push(y),
            None => groups.push((r.signal, r.n, sc, vec![y], p.mean)),
        }
    }
    for (signal, _, _, ys, pred) in groups {
        let mean = ys.iter().sum::<f64>() / ys.len() as f64;
        acc.err[slot(signal)].push((pred - mean).abs());
    }
    acc
}

/// b / n, NaN for n = 0.
fn share(b: usize, n: usize) -> f64 {
    if n == 0 {
        f64::NAN
    } else {
        b as f64 / n as f64
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

struct Eval {
    lso: Acc,
    lso_interior: Acc,
    extra: Acc,
}

fn run_eval(runs: &[RunRecord], opts: &FitOptions) -> Result<(Eval, usize, usize, u64, u64)> {
    let (ids, scs) = scenario_ids(runs);
    let table = if opts.covariate == Covariate::Bits && !opts.baseline {
        bits_table(runs)?
    } else {
        BitsTable::new()
    };
    let quiet = FitOptions {
        bootstrap: opts.bootstrap.min(20),
        ..opts.clone()
    };
    let interior: Vec<bool> = (0..scs.len())
        .map(|i| {
            let others: Vec<&Scenario> = scs
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|x| x.1)
                .collect();
            let within = |f: &dyn Fn(&Scenario) -> f64| {
                let v = f(&scs[i]);
                others.iter().any(|o| f(o) <= v) && others.iter().any(|o| f(o) >= v)
            };
            !others.is_empty()
                && within(&|s| s.classes as f64)
                && within(&|s| s.dims as f64)
                && within(&|s| s.features as f64)
                && within(&|s| s.noise)
        })
        .collect();
    let folds: Vec<Result<Acc>> = (0..scs.len())
        .into_par_iter()
        .map(|k| {
            let train: Vec<RunRecord> = runs
                .iter()
                .zip(&ids)
                .filter(|(_, i)| **i != k)
                .map(|x| x.0.clone())
                .collect();
            let held: Vec<RunRecord> = runs
                .iter()
                .zip(&ids)
                .filter(|(_, i)| **i == k)
                .map(|x| x.0.clone())
                .collect();
            let model = fit_model_with(&train, "", &quiet, &table)?;
            Ok(score(&model, &held, opts, None))
        })
        .collect();
    let mut lso = Acc::default();
    let mut lso_interior = Acc::default();
    for (k, f) in folds.into_iter().enumerate() {
        let mut f = f?;
        lso.runs.append(&mut f.runs);
        for s in 0..4 {
            lso.err[s].extend(&f.err[s]);
            if interior[k] {
                lso_interior.err[s].extend(&f.err[s]);
            }
        }
    }
    let n_max = runs.iter().map(|r| r.n).max().unwrap_or(0);
    let n_cut = n_max / 10;
    let train: Vec<RunRecord> = runs.iter().filter(|r| r.n <= n_cut).cloned().collect();
    let extra = match fit_model_with(&train, "", &quiet, &table) {
        Ok(m) => score(&m, runs, opts, Some(n_max)),
        Err(_) => Acc::default(),
    };
    let n_int = interior.iter().filter(|&&b| b).count();
    Ok((
        Eval {
            lso,
            lso_interior,
            extra,
        },
        scs.len(),
        n_int,
        n_max,
        n_cut,
    ))
}

/// Evaluate `opts` and the plain power-law baseline on `runs`.
///
/// # Errors
/// A fold without enough runs for a signal, or a numerical failure.
pub fn evaluate(runs: &[RunRecord], opts: &FitOptions) -> Result<HoldoutReport> {
    opts.check()?;
    let scenarios = scenario_ids(runs).1.len();
    if scenarios < 2 {
        return Err(Error::invalid(
            "holdout",
            format!("the runs cover {scenarios} scenario"),
            "leave-scenario-out needs runs of at least 2 distinct scenarios: it fits each \
             scenario's runs without it",
        ));
    }
    let (mut main, scenarios, interior, n_max, n_cut) = run_eval(runs, opts)?;
    let mut held_runs = std::mem::take(&mut main.lso.runs);
    held_runs.sort_by_key(|h| h.run);
    let base_opts = FitOptions {
        metric: opts.metric,
        ..FitOptions::baseline()
    };
    let (base, ..) = run_eval(runs, &base_opts)?;
    let signals = Signal::ALL
        .iter()
        .filter(|&&s| runs.iter().any(|r| r.signal == s))
        .map(|&signal| {
            let i = slot(signal);
            let by_position = below_by_position(&held_runs, signal);
            let runs = by_position.iter().map(|v| v.1).sum::<usize>().max(1) as f64;
            let inside = held_runs
                .iter()
                .filter(|h| h.signal == signal && (h.lo..=h.hi).contains(&h.observed))
                .count();
            SignalHoldout {
                signal,
                lso_mae: mean(&main.lso.err[i]),
                lso_mae_interior: mean(&main.lso_interior.err[i]),
                extrapolation: mean(&main.extra.err[i]),
                coverage: inside as f64 / runs,
                below_safe: by_position.iter().map(|v| v.0).sum::<usize>() as f64 / runs,
                below_safe_shoulder: {
                    let (b, n) = by_position[1..4]
                        .iter()
                        .fold((0, 0), |a, v| (a.0 + v.0, a.1 + v.1));
                    share(b, n)
                },
                below_safe_by_position: by_position.map(|(b, n)| (share(b, n), n)),
                below_safe_by_classes: below_by_classes(&held_runs, signal)
                    .map(|(b, n)| (share(b, n), n)),
                baseline_lso_mae: mean(&base.lso.err[i]),
                baseline_lso_mae_interior: mean(&base.lso_interior.err[i]),
                baseline_extrapolation: mean(&base.extra.err[i]),
            }
        })
        .collect();
    Ok(HoldoutReport {
        scenarios,
        interior,
        n_max,
        n_cut,
        level: opts.level,
        signals,
        held_runs,
    })
}

impl HoldoutReport {
    /// The table of docs/validation.md, "The surrogate".
    pub fn table(&self) -> String {
        let f = |v: f64| {
            if v.is_finite() {
                format!("{v:.4}")
            } else {
                "-".into()
            }
        };
        let rows: Vec<Vec<String>> = self
            .signals
            .iter()
            .map(|s| {
                vec![
                    s.signal.to_string(),
                    f(s.lso_mae),
                    f(s.lso_mae_interior),
                    f(s.extrapolation),
                    format!("{:.0}%", s.coverage * 100.0),
                    format!("{:.1}%", s.below_safe * 100.0),
                    if s.below_safe_shoulder.is_finite() {
                        format!("{:.1}%", s.below_safe_shoulder * 100.0)
                    } else {
                        "-".into()
                    },
                    f(s.baseline_lso_mae),
                    f(s.baseline_lso_mae_interior),
                    f(s.baseline_extrapolation),
                ]
            })
            .collect();
        format!(
            "held-out error ({} scenarios, {} interior; extrapolation: fitted on n <= {}, asked at n = {}; nominal coverage {:.0}%; below q{:.0}: runs under the quality exceeded with probability {:.0}%, nominal {:.0}%, overall and on the shoulder of the curve, position {}-{})\n{}",
            self.scenarios,
            self.interior,
            self.n_cut,
            self.n_max,
            self.level * 100.0,
            (1.0 - SAFE_PROB) * 100.0,
            SAFE_PROB * 100.0,
            (1.0 - SAFE_PROB) * 100.0,
            POSITION_EDGES[0],
            POSITION_EDGES[1],
            crate::io::render_table(
                &[
                    "signal",
                    "LSO MAE",
                    "LSO interior",
                    "extrap err",
                    "coverage",
                    "below q10",
                    "on shoulder",
                    "base LSO",
                    "base interior",
                    "base extrap"
                ],
                &rows
            )
        ) + &self.position_table()
            + &self.class_table()
    }

    /// The one-sided check from the shoulder on, per band of class counts.
    fn class_table(&self) -> String {
        format!(
            "\nbelow q{:.0} by class count, runs at position {} or above (held-out runs in brackets)\n{}",
            (1.0 - SAFE_PROB) * 100.0,
            POSITION_EDGES[0],
            self.shares_table(&class_band_heads(), |s| &s.below_safe_by_classes)
        )
    }

    /// The one-sided check per stretch of the curve ([`DETAIL_EDGES`]).
    fn position_table(&self) -> String {
        let heads: Vec<String> = (0..N_DETAIL)
            .map(|k| {
                let from = if k == 0 { 0.0 } else { DETAIL_EDGES[k - 1] };
                match DETAIL_EDGES.get(k) {
                    Some(to) => format!("{from}-{to}"),
                    None => format!(">= {from}"),
                }
            })
            .collect();
        format!(
            "\nbelow q{:.0} by position on the curve (share of the rise from floor to ceiling the prediction reaches; held-out runs in brackets)\n{}",
            (1.0 - SAFE_PROB) * 100.0,
            self.shares_table(&heads, |s| &s.below_safe_by_position)
        )
    }

    /// A table of "share (runs)" cells, one row per signal, under a "signal" column and `heads`.
    fn shares_table(
        &self,
        heads: &[String],
        cells: fn(&SignalHoldout) -> &[(f64, usize)],
    ) -> String {
        let rows: Vec<Vec<String>> = self
            .signals
            .iter()
            .map(|s| {
                std::iter::once(s.signal.to_string())
                    .chain(cells(s).iter().map(|&(v, n)| share_cell(v, n)))
                    .collect()
            })
            .collect();
        signal_table(heads, &rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_fall_in_their_stretch() {
        for (p, k) in [
            (0.0, 0),
            (0.59, 0),
            (0.6, 1),
            (0.79, 1),
            (0.8, 2),
            (0.9, 3),
            (0.949, 3),
            (0.95, 4),
            (1.0, 4),
        ] {
            assert_eq!(detail(p), k, "position {p}");
        }
    }

    #[test]
    fn class_bands_count_runs_from_the_shoulder_on() {
        assert_eq!(class_band_heads(), ["C 2-5", "C 6-10", "C >= 11"]);
        let run = |classes: usize, position: f64, observed: f64| HeldRun {
            run: 0,
            signal: Signal::Hard,
            n: 100,
            classes,
            dims: 8,
            features: 32,
            noise: 0.1,
            seed: 0,
            observed,
            mean: 0.5,
            lo: 0.3,
            hi: 0.7,
            exceeded: 0.4,
            position,
            sd: 0.05,
        };
        let runs = [
            run(4, 0.7, 0.3),  // band 0, below
            run(5, 0.99, 0.5), // band 0, above
            run(4, 0.3, 0.3),  // on the rise: not counted
            run(6, 0.6, 0.3),  // band 1, below
            run(40, 0.8, 0.5), // band 2, above
        ];
        assert_eq!(
            below_by_classes(&runs, Signal::Hard),
            [(1, 2), (1, 1), (0, 1)]
        );
        assert_eq!(below_by_classes(&runs, Signal::Soft), [(0, 0); 3]);
        assert_eq!(
            share_cells(&[(1, 2), (0, 0)]),
            ["50.0% (2)".to_string(), "-".to_string()]
        );
    }
}
