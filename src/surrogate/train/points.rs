//! From runs to the points of a fit: scenarios, the observed metric and its floor, the bits
//! covariate and the curve inputs.

use super::{FitOptions, MIN_DISTINCT_N, MIN_RUNS};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::signal::Signal;
use crate::sim::RunRecord;
use crate::surrogate::covariate::{self, BitsModel, FloorModel, Metric};
use crate::surrogate::curve::Inputs;
use crate::surrogate::fit::Point;
use rayon::prelude::*;
use std::collections::HashMap;

/// The measured value of `metric` in a run and its untrained floor.
pub fn observed(run: &RunRecord, metric: Metric) -> (f64, f64) {
    match metric {
        Metric::Cka => (run.cka, run.cka_floor),
        Metric::Transfer => (run.transfer, run.transfer_floor),
        // not columns of runs.csv: only `calibrate` fits these, from the user's own data
        Metric::Accuracy | Metric::User => (f64::NAN, f64::NAN),
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
pub fn run_inputs(
    r: &RunRecord,
    opts: &FitOptions,
    bits: Option<&BitsModel>,
    floor: &FloorModel,
) -> Inputs {
    covariate::inputs(
        &r.scenario(),
        r.signal,
        r.n as f64,
        covariate::Spec {
            metric: opts.metric,
            covariate: opts.covariate,
            baseline: opts.baseline,
            pair_spill: covariate::PAIR_SPILL,
        },
        bits,
        floor,
    )
}

/// Measured bits per annotation of each (scenario key, signal) of a sweep.
pub type BitsTable = HashMap<(String, Signal), f64>;

/// Settings of the bits estimates behind the `bits` covariate: one world per scenario keeps a
/// 64-scenario sweep's table to a few seconds; the approximation error dwarfs the MC error.
pub fn bits_settings() -> crate::info::Settings {
    crate::info::Settings {
        worlds: 1,
        ..crate::info::Settings::default()
    }
}

/// Bits per annotation of every scenario and signal in `runs` (in parallel).
///
/// # Errors
/// An invalid scenario.
pub fn bits_table(runs: &[RunRecord]) -> Result<BitsTable> {
    let mut keys: Vec<(String, Scenario, Signal)> = Vec::new();
    for r in runs {
        let k = scenario_key(r);
        if !keys.iter().any(|x| x.0 == k && x.2 == r.signal) {
            keys.push((k, r.scenario(), r.signal));
        }
    }
    let settings = bits_settings();
    keys.par_iter()
        .map(|(k, sc, s)| {
            crate::info::signal_bits_with(sc, *s, &settings).map(|b| ((k.clone(), *s), b.bits))
        })
        .collect()
}

pub(super) fn bits_model(runs: &[RunRecord], signal: Signal, table: &BitsTable) -> BitsModel {
    let mut pts: Vec<(Scenario, f64)> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for r in runs.iter().filter(|r| r.signal == signal) {
        let k = scenario_key(r);
        if !seen.contains(&k)
            && let Some(&b) = table.get(&(k.clone(), signal))
        {
            seen.push(k);
            pts.push((r.scenario(), b));
        }
    }
    BitsModel::fit(&pts)
}

/// Points of one signal.
pub fn points(
    runs: &[RunRecord],
    ids: &[usize],
    signal: Signal,
    opts: &FitOptions,
    bits: Option<&BitsModel>,
    floor: &FloorModel,
) -> Vec<Point> {
    runs.iter()
        .zip(ids)
        .filter(|(r, _)| r.signal == signal)
        .map(|(r, &scenario)| Point {
            inp: run_inputs(r, opts, bits, floor),
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
