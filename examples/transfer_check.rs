//! From a hard-label pilot and an estimated scenario to a plan across all four signals, checked
//! in the simulation world (issue 22, must-show 2).
//!
//! `cargo run --release --example transfer_check -- [--cases K] [--seeds R] [--from J]
//! [--nuisance] [--across-worlds] [--prior real|sim]`
//!
//! Draws K cases (default 40) from a ChaCha8 stream with seed [`RANDOM_SEED`] over the common
//! region: C log-uniform in 3..30, d log-uniform in 4..32, D uniform in max(d, 32)..128, noise
//! uniform in 0..0.35, nuisance 4 (with `--nuisance`: log-uniform in 2..16), a pool of items
//! log-uniform in 5,000..50,000, and a target of a uniform 0.6..0.85 share of the class cap
//! sqrt(min(C - 1, d) / d). Case k is the team's world of seed 800,000 + 1000 (k + 1), none of
//! them a world of the default model's sweep. For each case:
//! 1. the team's data: the features and one annotator's labels of every item of the pool and a
//!    log of 5 labels for each of 1,000 items (`calibrate::synthetic`), from which the scenario
//!    is estimated as `labelbudget scenario` does;
//! 2. the pilot: hard-label runs of the team's world at 5 counts log-spaced up to 10% of the pool
//!    (from 1/16 of that), fitted as `calibrate --pilot --metric user` does (floor: the
//!    untrained encoder's CKA): by default extrapolated with the real-curve prior (a
//!    quantile-table curve), with `--prior sim` with the simulation shapes (200 replicates);
//! 3. the transfer (`surrogate::transfer`) predicts the soft labels and the triplets reaching the
//!    target, and the planner (default costs, confidence 0.9) its safe budget;
//! 4. the truth, in the team's world with R (default 10) fresh draws of the annotations (the
//!    pilot's are not among them): for soft labels and for triplets the count at which the mean
//!    CKA of the draws reaches the target, by dense simulation (8 counts a decade, then 5
//!    bisections, as `examples/validate.rs` searches); and the safe budget run with each draw,
//!    counting the runs that reach the target. With `--across-worlds` the R draws are R worlds of
//!    the scenario instead (the team's and the next R - 1), the protocol of `validate.rs`; the
//!    calibration then still sees only the team's world.
//!
//! Prints one row per case, then the share of cases whose predicted count is within 1.25x of
//! the truth for soft labels and for triplets (next to the default model alone at the estimated
//! scenario, for comparison), the same for the calibrated hard-label curve the transfer reads
//! through (how much of the transfer's error is the calibration's), and the share of runs
//! reaching the target at the safe budget.

mod common;

use labelbudget::calibrate::fit::CurvePoint;
use labelbudget::calibrate::{self, pilot, synthetic};
use labelbudget::cost::Costs;
use labelbudget::estimate::{self, Data, Options};
use labelbudget::plan::{Counts, PlanScenario, Planner};
use labelbudget::realprior::predict;
use labelbudget::realprior::prior::CurvePrior;
use labelbudget::sim::Setting;
use labelbudget::surrogate::model::CALIBRATED_SOURCE;
use labelbudget::surrogate::transfer::Transferred;
use labelbudget::surrogate::{Metric, Model};
use labelbudget::{Scenario, Signal};
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

/// Seed of the case draws.
const RANDOM_SEED: u64 = 2222;
/// First world seed; case k uses WORLD_BASE + 1000 (k + 1) onwards.
const WORLD_BASE: u64 = 800_000;
/// Largest count the truth is searched up to.
const MAX_N: f64 = 100_000.0;

struct Case {
    sc: Scenario,
    items: usize,
    target: f64,
}

fn cases(k: usize, vary_nuisance: bool) -> Vec<Case> {
    let mut rng = common::Rng::seed_from_u64(RANDOM_SEED);
    (0..k)
        .map(|_| {
            let mut sc = common::common_region(&mut rng);
            let nu = common::log_uniform(2.0, 16.0, &mut rng);
            let items = common::log_uniform(5000.0, 50000.0, &mut rng).round() as usize;
            let share = 0.6 + 0.25 * rng.random::<f64>();
            if vary_nuisance {
                sc.nuisance = nu;
            }
            let target = (share * common::class_cap(&sc) * 100.0).round() / 100.0;
            Case { sc, items, target }
        })
        .collect()
}

/// The scenario estimated from the team's data (world `seed`).
fn estimated(case: &Case, seed: u64) -> anyhow::Result<Scenario> {
    let (x, y, p) = synthetic::generate(&case.sc, case.items, seed)?;
    let (y, classes) = common::indexed(&y);
    let log = common::log_of(&p, seed);
    let data = Data {
        x: x.view(),
        labels: Some((&y, classes)),
        soft: None,
        log: Some(&log),
    };
    let opts = Options {
        seed,
        ..Options::default()
    };
    Ok(estimate::estimate(&data, &opts)?.scenario())
}

/// The calibrated hard-label model of a pilot on the team's world, as `calibrate --pilot` fits
/// it (a pilot in CKA is `--metric user`, extrapolated by default with the real-curve prior;
/// `sim`: with the simulation shapes, `--prior sim`), and its largest count.
fn pilot_model(case: &Case, seed: u64, prior: &str) -> anyhow::Result<(Model, f64)> {
    let top = (0.1 * case.items as f64).floor();
    let setting = Setting::new(&case.sc, seed)?;
    let counts: Vec<f64> = (0..5)
        .map(|i| (top / 16.0 * 2f64.powi(i)).round().max(2.0))
        .collect();
    let runs: Vec<(f64, f64, f64)> = counts
        .par_iter()
        .map(|&n| {
            let r = setting.run(Signal::Hard, n as usize, false)?;
            Ok((n, r.cka, r.cka_floor))
        })
        .collect::<labelbudget::Result<_>>()?;
    let floor = runs[0].2;
    let mut pts = pilot::PilotPoints::new();
    pts.insert(
        Signal::Hard,
        runs.iter().map(|&(n, y, _)| CurvePoint { n, y }).collect(),
    );
    anyhow::ensure!(
        ["real", "sim"].contains(&prior),
        "--prior {prior}: real or sim"
    );
    if prior == "real" {
        let pilots: Vec<_> = pts.into_iter().collect();
        let source = format!("{CALIBRATED_SOURCE}{seed}");
        let (model, _) = predict::model(
            &CurvePrior::embedded(),
            &pilots,
            floor,
            Metric::User,
            source,
        )?;
        return Ok((model, top));
    }
    let fits = pilot::fit_pilot(&pts, floor, 200, seed)?;
    let model = calibrate::build_model(
        Metric::User,
        floor,
        "pilot".into(),
        &fits,
        [counts[0] as u64, top as u64],
    )?;
    Ok((model, top))
}

/// Where the truth is measured: the team's own world with fresh annotations (seeds base + 1 to
/// base + R; the pilot's annotations are the stream of base), or R worlds of the scenario
/// (base to base + R - 1) as `examples/validate.rs` does.
struct Truth {
    own: Setting,
    scenario: Scenario,
    base: u64,
    draws: u64,
    across_worlds: bool,
}

impl Truth {
    /// The quality of `n` annotations of `signal` in draw `j`.
    fn quality(&self, signal: Signal, n: usize, j: u64) -> labelbudget::Result<f64> {
        if self.across_worlds {
            Ok(Setting::new(&self.scenario, self.base + j)?
                .run(signal, n, false)?
                .cka)
        } else {
            Ok(self
                .own
                .run_annotated(signal, n, self.base + 1 + j, false)?
                .cka)
        }
    }

    fn qualities(&self, signal: Signal, n: f64) -> labelbudget::Result<Vec<f64>> {
        (0..self.draws)
            .into_par_iter()
            .map(|j| self.quality(signal, n as usize, j))
            .collect()
    }

    fn mean(&self, signal: Signal, n: f64) -> labelbudget::Result<f64> {
        let q = self.qualities(signal, n)?;
        Ok(q.iter().sum::<f64>() / q.len() as f64)
    }

    /// The count at which the mean reaches `target` (8 counts a decade from 10, then 5
    /// bisections), or `None` below MAX_N.
    fn count(&self, signal: Signal, target: f64) -> labelbudget::Result<Option<f64>> {
        let mut lo = 0.0;
        let mut k = 8;
        loop {
            let n = 10f64.powf(k as f64 / 8.0).round();
            if n > MAX_N {
                return Ok(None);
            }
            if self.mean(signal, n)? >= target {
                let mut hi = n;
                for _ in 0..5 {
                    let mid = ((lo + hi) / 2.0).round();
                    if mid <= lo || mid >= hi {
                        break;
                    }
                    if self.mean(signal, mid)? >= target {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                return Ok(Some(hi));
            }
            lo = n;
            k += 1;
        }
    }

    /// Draws of a single-signal allocation reaching the target (a mix runs in the worlds'
    /// own annotations: the planner values a mix at its best part, so plans buy one signal).
    fn hits(&self, alloc: &Counts, target: f64) -> labelbudget::Result<u64> {
        let used: Vec<(Signal, usize)> = alloc
            .used()
            .into_iter()
            .map(|s| (s, alloc.get(s).round() as usize))
            .collect();
        let q: Vec<f64> = match used.as_slice() {
            [(sig, n)] => self.qualities(*sig, *n as f64)?,
            _ => (0..self.draws)
                .into_par_iter()
                .map(|j| {
                    Ok(Setting::new(&self.scenario, self.base + j)?
                        .run_mix(&used)?
                        .cka)
                })
                .collect::<labelbudget::Result<_>>()?,
        };
        Ok(q.iter().filter(|&&v| v >= target).count() as u64)
    }
}

fn within(pred: Option<f64>, truth: Option<f64>) -> Option<(bool, f64)> {
    match (pred, truth) {
        (None, None) => None,
        (Some(p), Some(t)) => Some(((0.8..=1.25).contains(&(p / t)), p / t)),
        (Some(p), None) => Some((false, p / MAX_N)),
        (None, Some(_)) => Some((false, f64::INFINITY)),
    }
}

fn main() -> anyhow::Result<()> {
    let (mut k, mut seeds, mut from, mut vary, mut across) = (40usize, 10u64, 1usize, false, false);
    let mut prior = String::from("real");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--cases" => k = args.next().expect("--cases K").parse()?,
            "--seeds" => seeds = args.next().expect("--seeds R").parse()?,
            "--from" => from = args.next().expect("--from J").parse()?,
            "--nuisance" => vary = true,
            "--across-worlds" => across = true,
            "--prior" => prior = args.next().expect("--prior real|sim"),
            other => anyhow::bail!("unknown option {other}"),
        }
    }
    let sim = Model::embedded_default();
    println!(
        "| case | C | d | D | nuisance | noise | items | target | estimated C, d, D, nuisance, noise | pilot up to | soft: predicted / true (default model alone) | triplet: predicted / true (default model alone) | hard: calibrated / true (default model alone) | plan: safe budget | reached |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---|---|---|---:|");
    let mut tally = [(0u64, 0u64); 6];
    let (mut hit, mut runs, mut planned) = (0u64, 0u64, 0usize);
    let start = std::time::Instant::now();
    for (i, case) in cases(k, vary).into_iter().enumerate().skip(from.max(1) - 1) {
        let base = WORLD_BASE + 1000 * (i as u64 + 1);
        let truth = Truth {
            own: Setting::new(&case.sc, base)?,
            scenario: case.sc.clone(),
            base,
            draws: seeds,
            across_worlds: across,
        };
        let est = estimated(&case, base)?;
        let (user, top) = pilot_model(&case, base, &prior)?;
        let t = Transferred::new(Box::new(user), vec![Signal::Hard], sim.clone())?;
        let mut cells = Vec::new();
        for (j, s) in [Signal::Soft, Signal::Triplet, Signal::Hard]
            .into_iter()
            .enumerate()
        {
            let truth_n = truth.count(s, case.target)?;
            let pred = common::count_for(&t, &est, s, case.target);
            let alone = common::count_for(&sim, &t.sim_scenario(&est), s, case.target);
            let fmt = |p: Option<f64>| p.map_or("-".into(), |v| format!("{v:.0}"));
            let mut cell = format!("{} / {}", fmt(pred), fmt(truth_n));
            if let Some((ok, r)) = within(pred, truth_n) {
                tally[2 * j].1 += 1;
                tally[2 * j].0 += u64::from(ok);
                cell.push_str(&format!(" = {r:.2}"));
            }
            if let Some((ok, r)) = within(alone, truth_n) {
                tally[2 * j + 1].1 += 1;
                tally[2 * j + 1].0 += u64::from(ok);
                cell.push_str(&format!(" ({r:.2})"));
            }
            cells.push(cell);
        }
        let plan_sc = PlanScenario::from_toml(&format!(
            "target = {}\nitems = {}\nconfidence = 0.9\n\n[dataset]\nclasses = {}\ndims = {}\n\
             features = {}\nnuisance = {}\nnoise = {}\n",
            case.target, case.items, est.classes, est.dims, est.features, est.nuisance, est.noise
        ))?;
        let planner = Planner::new(plan_sc, Costs::default(), &t)?;
        let plan = planner.plan(None);
        let (safe_cell, reached) = match plan
            .as_ref()
            .ok()
            .and_then(|p| p.recommendation.safe.as_ref())
        {
            Some(s) => {
                let h = truth.hits(&s.allocation, case.target)?;
                hit += h;
                runs += seeds;
                planned += 1;
                (
                    format!("{} ({:.2})", s.allocation, s.budget),
                    format!("{h}/{seeds}"),
                )
            }
            None => ("none".into(), "-".into()),
        };
        println!(
            "| {} | {} | {} | {} | {:.1} | {} | {} | {} | {}, {}, {}, {:.1}, {:.2} | {top} | {} | {} | {} | {safe_cell} | {reached} |",
            i + 1,
            case.sc.classes,
            case.sc.dims,
            case.sc.features,
            case.sc.nuisance,
            case.sc.noise,
            case.items,
            case.target,
            est.classes,
            est.dims,
            est.features,
            est.nuisance,
            est.noise,
            cells[0],
            cells[1],
            cells[2]
        );
    }
    let pct = |(a, b): (u64, u64)| 100.0 * a as f64 / b.max(1) as f64;
    println!(
        "\nWithin 1.25x of the dense-simulation truth: soft {} of {} cases ({:.0}%; the default model alone {} of {}, {:.0}%), triplets {} of {} ({:.0}%; alone {} of {}, {:.0}%); the calibrated hard-label curve itself {} of {} ({:.0}%; the default model alone {} of {}, {:.0}%). The safe budget reached the target in {hit} of {runs} runs ({:.0}%), in the {planned} cases that have one. {:.0} s.",
        tally[0].0,
        tally[0].1,
        pct(tally[0]),
        tally[1].0,
        tally[1].1,
        pct(tally[1]),
        tally[2].0,
        tally[2].1,
        pct(tally[2]),
        tally[3].0,
        tally[3].1,
        pct(tally[3]),
        tally[4].0,
        tally[4].1,
        pct(tally[4]),
        tally[5].0,
        tally[5].1,
        pct(tally[5]),
        pct((hit, runs)),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
