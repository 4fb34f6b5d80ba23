//! Validation of plans in the simulation world (issue 5, "What it must show" 1).
//!
//! For every scenario file given (default: `examples/validation/*.toml`), with default costs and
//! the default quality model:
//! - plans the cheapest allocation for the file's target and its safe budget;
//! - runs the simulator at the safe-budget allocation over `--seeds R` worlds (mixed training
//!   when the plan mixes signals) and counts the runs reaching the target; case k (0-based, in
//!   the order listed) uses seeds `1000 (k + 1) .. 1000 (k + 1) + R`, its own worlds, so that
//!   cases sharing a scenario do not share their worlds (with `--shared-seeds` every case uses
//!   seeds `0 .. R`, the protocol of the tables measured before 2026-11-28);
//! - finds the true minimal budget by dense simulation: for each signal alone, mean CKA over the
//!   same seeds on a log grid of counts (8 a decade) until the target is reached, refined by
//!   bisection; signals whose dimension cap is below the target are skipped (the class cap
//!   `sqrt(min(C-1, d)/d)` for hard and soft labels, pairs' with its spill, `covariate::cap`),
//!   and a signal's search stops once it costs more than the best found so far;
//! - prints a markdown table with the ratio recommended / true minimal budget and where the safe
//!   budget lies on the model's curve (`position`: the share of the rise from floor to ceiling
//!   the central prediction reaches there; the safe budget's signal is named when it is not the
//!   recommendation's), and the share of
//!   runs reaching the target with a 95% interval from a bootstrap over cases (the runs of one
//!   case share its scenario and the model's error there, so they are not independent: the
//!   cases, not the runs, are resampled; 10,000 draws, seed [`BOOTSTRAP_SEED`]);
//! - gives each ratio a 90% interval from the true minimum's own uncertainty (a bootstrap over
//!   the case's worlds of the count at which their mean reaches the target, [`truth_interval`]),
//!   and counts the cases outside 1.25x over the whole of that interval (the best signal is
//!   simulated at 3 more counts of the grid above its crossing for this).
//!
//! `cargo run --release --example validate -- [--seeds 10] [--model FILE] [--random K]
//! [--from J] [--confidence P] [--no-truth] [--shared-seeds] [FILES...]`
//! (10 seeds by default: the true minimal budget is found on the mean of the seeds, and with 3
//! that mean is uncertain by about 30% in n near the targets; docs/validation.md)
//!
//! `--random K` validates K scenarios drawn at random instead of the files, a set nobody chose:
//! C log-uniform in 3..30, d log-uniform in 4..32, D uniform in max(d, 32)..128, noise uniform in
//! 0..0.35, and a target of a uniform 0.6..0.85 share of the class cap `sqrt(min(C-1, d)/d)`
//! (rounded to 0.01), from a ChaCha8 stream with seed [`RANDOM_SEED`] (the draws are the same on
//! every machine). Case k of `--random K` is the same scenario for every K >= k. `--from J`
//! skips the cases before the J-th (1-based), keeping each case's own seeds, so that more cases
//! can be added to a set already run (`--random 96 --from 49` runs cases 49-96 alone).
//!
//! `--confidence P` plans every case's safe budget at probability P instead of its file's (the
//! random cases ask for 0.9); `--no-truth` skips the search for the true minimal budget (the
//! ratio columns then read `-`), for a check of the safe budget alone.

use labelbudget::cost::Costs;
use labelbudget::plan::verify::simulate;
use labelbudget::plan::{Counts, Objective, PlanScenario, Planner};
use labelbudget::signal::Signal;
use labelbudget::surrogate::{Metric, Model, covariate};
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use std::path::PathBuf;

const USAGE: &str = "usage: validate [--seeds R] [--model FILE] [--random K] [--from J] \
     [--confidence P] [--no-truth] [--shared-seeds] [FILES...]\n\
     Plans each scenario file (default: examples/validation/*.toml), checks the safe budget in the \
     simulator over R worlds and finds the true minimal budget by dense simulation (the module \
     documentation of examples/validate.rs says more).";

/// Seed of the `--random` draws.
const RANDOM_SEED: u64 = 2026;
/// Position on the curve (share of the rise from floor to ceiling) that splits the summary of
/// safe budgets: targets near the ceiling against the rest.
const POSITION_SPLIT: f64 = 0.9;
/// Seed of the bootstrap over cases.
const BOOTSTRAP_SEED: u64 = 5;
/// Draws of the bootstrap over cases.
const BOOTSTRAP_DRAWS: usize = 10_000;

/// 95% percentile interval of the share of runs reaching the target, from a bootstrap over
/// cases: each draw takes as many cases as there are, with replacement, and pools their runs.
fn case_bootstrap(per_case: &[(u64, u64)]) -> (f64, f64) {
    if per_case.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(BOOTSTRAP_SEED);
    let mut shares: Vec<f64> = (0..BOOTSTRAP_DRAWS)
        .map(|_| {
            let (mut h, mut r) = (0u64, 0u64);
            for _ in 0..per_case.len() {
                let (hit, runs) = per_case[rng.random_range(0..per_case.len())];
                h += hit;
                r += runs;
            }
            h as f64 / r.max(1) as f64
        })
        .collect();
    shares.sort_by(f64::total_cmp);
    let at = |p: f64| shares[((p * (BOOTSTRAP_DRAWS - 1) as f64).round()) as usize];
    (at(0.025), at(0.975))
}

/// `k` random validation cases (see the module docs), named r01, r02, ...
fn random_cases(k: usize) -> labelbudget::Result<Vec<(String, PlanScenario)>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(RANDOM_SEED);
    let log_uniform = |lo: f64, hi: f64, r: &mut rand_chacha::ChaCha8Rng| {
        (lo.ln() + r.random::<f64>() * (hi.ln() - lo.ln()))
            .exp()
            .round() as usize
    };
    (1..=k)
        .map(|i| {
            let c = log_uniform(3.0, 30.0, &mut rng);
            let d = log_uniform(4.0, 32.0, &mut rng);
            let lo = d.max(32);
            let big_d = lo + (rng.random::<f64>() * (128 - lo + 1) as f64) as usize;
            let noise = (rng.random::<f64>() * 0.35 * 100.0).round() / 100.0;
            let cap = ((c as f64 - 1.0).min(d as f64) / d as f64).sqrt();
            let share = 0.6 + 0.25 * rng.random::<f64>();
            let target = (share * cap * 100.0).round() / 100.0;
            let text = format!(
                "name = \"random {i}\"\ntarget = {target}\nconfidence = 0.9\n\n[dataset]\n\
                 classes = {c}\ndims = {d}\nfeatures = {big_d}\nnoise = {noise}\n"
            );
            Ok((format!("r{i:02}"), PlanScenario::from_toml(&text)?))
        })
        .collect()
}

/// Seeds of case k: `stride (k + 1) ..` (stride 0: every case uses `0 ..`).
const SEED_STRIDE: u64 = 1000;

/// The seeds a case simulates: `seeds.0 .. seeds.0 + seeds.1`.
type Seeds = (u64, u64);

fn mean_cka(planner: &Planner, counts: &Counts, seeds: Seeds) -> labelbudget::Result<Vec<f64>> {
    (seeds.0..seeds.0 + seeds.1)
        .into_par_iter()
        .map(|s| simulate(planner, counts, s))
        .collect()
}

fn avg(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Smallest n (and its cost) with mean CKA >= target for `signal` alone, if below `cap_cost`,
/// with every count tried and its per-world qualities (for [`truth_interval`]).
fn true_minimum(
    planner: &Planner,
    signal: Signal,
    target: f64,
    seeds: Seeds,
    cap_cost: f64,
) -> labelbudget::Result<(Option<(f64, f64)>, Tried)> {
    let mut tried: Tried = Vec::new();
    let mut reaches = |n: f64| -> labelbudget::Result<bool> {
        let q = mean_cka(planner, &Counts::single(signal, n), seeds)?;
        let ok = avg(&q) >= target;
        tried.push((n, q));
        Ok(ok)
    };
    let mut lo = 0.0;
    let mut k = 8; // 10^(8/8) = 10 annotations
    let found = loop {
        let n = 10f64.powf(k as f64 / 8.0).round();
        if planner.cost(signal, n) > cap_cost || n > MAX_N {
            break None;
        }
        if reaches(n)? {
            let mut hi = n;
            for _ in 0..5 {
                let mid = ((lo + hi) / 2.0).round();
                if mid <= lo || mid >= hi {
                    break;
                }
                if reaches(mid)? {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            break Some((hi, planner.cost(signal, hi)));
        }
        lo = n;
        k += 1;
    };
    tried.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok((found, tried))
}

/// Largest count the search for the true minimum simulates.
const MAX_N: f64 = 60_000.0;

/// Counts tried by [`true_minimum`], ascending, each with its quality in every world.
type Tried = Vec<(f64, Vec<f64>)>;

/// Grid steps (of 8 a decade) tried above the first count that reached the target, for
/// [`truth_interval`]: up to 2.4 times that count.
const STEPS_ABOVE: i32 = 3;

/// Add [`STEPS_ABOVE`] counts of the scan's grid above the largest count tried (at most
/// [`MAX_N`]).
fn extend_above(
    planner: &Planner,
    signal: Signal,
    seeds: Seeds,
    tried: &mut Tried,
) -> labelbudget::Result<()> {
    let Some(top) = tried.last().map(|t| t.0) else {
        return Ok(());
    };
    for j in 1..=STEPS_ABOVE {
        let n = (top * 10f64.powf(f64::from(j) / 8.0)).round();
        if n > MAX_N {
            break;
        }
        tried.push((n, mean_cka(planner, &Counts::single(signal, n), seeds)?));
    }
    Ok(())
}

/// Draws of the bootstrap over worlds of the true minimal budget.
const TRUTH_DRAWS: usize = 2_000;

/// How uncertain the true minimal budget is from a finite number of worlds: the 5% and 95%
/// quantiles of the count at which the mean over a bootstrap draw of the worlds (the same draw
/// at every count) first reaches the target, interpolated in ln n between the counts tried
/// (the upward scan's grid of 8 a decade and the bisection's points). A draw whose mean does not
/// reach the target at any count tried gives the largest count tried, so the upper end is then a
/// lower bound (`true` in the third place). Only the best signal's counts are used.
fn truth_interval(tried: &Tried, target: f64, seed: u64) -> Option<(f64, f64, bool)> {
    let worlds = tried.first()?.1.len();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut censored = 0usize;
    let mut ns: Vec<f64> = (0..TRUTH_DRAWS)
        .map(|_| {
            let draw: Vec<usize> = (0..worlds).map(|_| rng.random_range(0..worlds)).collect();
            let mean = |q: &Vec<f64>| draw.iter().map(|&i| q[i]).sum::<f64>() / worlds as f64;
            let mut prev: Option<(f64, f64)> = None;
            for (n, q) in tried {
                let m = mean(q);
                if m >= target {
                    return match prev {
                        Some((n0, m0)) if m > m0 => {
                            let t = (target - m0) / (m - m0);
                            (n0.ln() + t * (n.ln() - n0.ln())).exp()
                        }
                        _ => *n,
                    };
                }
                prev = Some((*n, m));
            }
            censored += 1;
            tried.last().map_or(f64::NAN, |t| t.0)
        })
        .collect();
    ns.sort_by(f64::total_cmp);
    let at = |p: f64| ns[((p * (TRUTH_DRAWS - 1) as f64).round()) as usize];
    Some((
        at(0.05),
        at(0.95),
        censored as f64 > 0.05 * TRUTH_DRAWS as f64,
    ))
}

fn main() -> anyhow::Result<()> {
    let mut seeds = 10u64;
    let mut shared = false;
    let mut model_path: Option<PathBuf> = None;
    let mut files: Vec<PathBuf> = Vec::new();
    let mut random: Option<usize> = None;
    let mut from = 1usize;
    let mut confidence: Option<f64> = None;
    let mut truth = true;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--shared-seeds" {
            shared = true;
        } else if a == "--seeds" {
            seeds = args.next().expect("--seeds R").parse()?;
        } else if a == "--model" {
            model_path = Some(args.next().expect("--model FILE").into());
        } else if a == "--random" {
            random = Some(args.next().expect("--random K").parse()?);
        } else if a == "--confidence" {
            let p: f64 = args.next().expect("--confidence P").parse()?;
            anyhow::ensure!(
                p > 0.5 && p < 1.0,
                "--confidence {p}: expected a probability in (0.5, 1)"
            );
            confidence = Some(p);
        } else if a == "--no-truth" {
            truth = false;
        } else if a == "--from" {
            from = args.next().expect("--from J").parse()?;
        } else if a == "--help" || a == "-h" {
            println!("{USAGE}");
            return Ok(());
        } else if a.starts_with('-') {
            anyhow::bail!("unknown option {a}\n{USAGE}");
        } else {
            files.push(a.into());
        }
    }
    if files.is_empty() && random.is_none() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/validation");
        files = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
    }
    // a surrogate (fitted or calibrated) rather than any quality model: the table gives where
    // on its curve each safe budget lies
    let model = match &model_path {
        Some(p) => Model::from_file(p)?,
        None => Model::embedded_default(),
    };
    let cases_in: Vec<(String, PlanScenario)> = match random {
        Some(k) => random_cases(k)?,
        None => files
            .iter()
            .map(|f| {
                Ok((
                    f.file_stem().unwrap().to_string_lossy().into_owned(),
                    PlanScenario::from_file(f)?,
                ))
            })
            .collect::<labelbudget::Result<_>>()?,
    };
    println!(
        "| case | C | d | D | noise | target | recommended | cost | safe budget | position | reached at safe budget | true minimal (signal) | ratio | ratio, 90% over worlds |"
    );
    println!("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    // (hits, runs) at safe budgets below and at or above POSITION_SPLIT
    let mut by_position = [(0u64, 0u64); 2];
    let (mut runs, mut hits, mut within) = (0u64, 0u64, 0u64);
    let mut cases = 0u64;
    // cases whose ratio is outside 1.25x over the whole of its interval over worlds
    let mut clear_outside: Vec<String> = Vec::new();
    let mut ratios = Vec::new();
    let mut per_case: Vec<(u64, u64)> = Vec::new();
    for (k, (name, mut scenario)) in cases_in.into_iter().enumerate().skip(from.max(1) - 1) {
        let Objective::Target(target) = scenario.objective else {
            continue;
        };
        if let Some(p) = confidence {
            scenario.confidence = p;
        }
        let stride = if shared { 0 } else { SEED_STRIDE };
        let case_seeds: Seeds = (stride * (k as u64 + 1), seeds);
        let ds = scenario.dataset.clone();
        let planner = Planner::new(scenario, Costs::default(), &model)?;
        let plan = planner.plan(None)?;
        let r = &plan.recommendation;
        let safe = r
            .safe
            .as_ref()
            .map(|s| s.allocation)
            .unwrap_or(r.allocation);
        let achieved = mean_cka(&planner, &safe, case_seeds)?;
        let hit = achieved.iter().filter(|&&q| q >= target).count() as u64;
        runs += seeds;
        hits += hit;
        per_case.push((hit, seeds));
        // the position of the safe allocation's main signal (the one it buys most of)
        let main_of = |c: &labelbudget::plan::Counts| {
            Signal::ALL
                .into_iter()
                .max_by(|a, b| c.get(*a).total_cmp(&c.get(*b)))
                .unwrap_or(Signal::Hard)
        };
        let main = main_of(&safe);
        // the safe budget's signal when it is not the recommendation's
        let other = if main == main_of(&r.allocation) {
            String::new()
        } else {
            format!(" ({main})")
        };
        let position = model
            .position(&ds, main, safe.get(main))
            .unwrap_or(f64::NAN);
        let side = &mut by_position[usize::from(position >= POSITION_SPLIT)];
        side.0 += hit;
        side.1 += seeds;
        let mut best: Option<(Signal, f64, f64, Tried)> = None;
        for s in Signal::ALL.into_iter().filter(|_| truth) {
            // the signal's dimension cap (pairs pass the class cap by their spill)
            let cap = covariate::cap(&ds, s, Metric::Cka, covariate::PAIR_SPILL);
            if target > cap + 0.02 {
                continue;
            }
            let bound = best.as_ref().map_or(f64::INFINITY, |b| b.2);
            if let (Some((n, c)), tried) = true_minimum(&planner, s, target, case_seeds, bound)?
                && c < bound
            {
                best = Some((s, n, c, tried));
            }
        }
        let alloc = r.allocation.to_string();
        let (truth, ratio, ratio_band) = match best {
            Some((s, n, c, mut tried)) => {
                // counts above the crossing too, so that a draw of worlds needing more is seen
                extend_above(&planner, s, case_seeds, &mut tried)?;
                let ratio = r.cost / c;
                // the ratio against the truth of a bootstrap draw of the worlds: a larger true
                // count gives a smaller ratio
                let band = match truth_interval(&tried, target, BOOTSTRAP_SEED + k as u64) {
                    Some((n_lo, n_hi, open)) => {
                        let (lo, hi) = (
                            r.cost / planner.cost(s, n_hi),
                            r.cost / planner.cost(s, n_lo),
                        );
                        let clear = hi < 1.0 / 1.25 || (lo > 1.25 && !open);
                        if clear {
                            clear_outside.push(name.clone());
                        }
                        format!("{}{lo:.2}-{hi:.2}", if open { "<" } else { "" })
                    }
                    None => "-".into(),
                };
                ratios.push(ratio);
                cases += 1;
                // within 1.25x either way: a plan that buys too little fails its target
                if (1.0 / 1.25..=1.25).contains(&ratio) {
                    within += 1;
                }
                (format!("{c:.2} ({n} {s})"), format!("{ratio:.2}"), band)
            }
            None => ("not found".into(), "-".into(), "-".into()),
        };
        println!(
            "| {name} | {} | {} | {} | {} | {target} | {alloc} | {:.2} | {} | {position:.2} | {hit}/{seeds} | {truth} | {ratio} | {ratio_band} |",
            ds.classes,
            ds.dims,
            ds.features,
            ds.noise,
            r.cost,
            r.safe
                .as_ref()
                .map(|s| format!("{:.2}{other}", s.budget))
                .unwrap_or_else(|| "-".into()),
        );
    }
    ratios.sort_by(f64::total_cmp);
    let median = match ratios.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => ratios[n / 2],
        n => (ratios[n / 2 - 1] + ratios[n / 2]) / 2.0,
    };
    let (lo, hi) = case_bootstrap(&per_case);
    println!(
        "\nReached the target at the safe budget in {hits} of {runs} runs ({:.0}%; 95% interval over cases {:.0}-{:.0}%); recommended budget within 1.25x (either way) of the true minimum in {within} of {cases} cases (median ratio {median:.2}).",
        100.0 * hits as f64 / runs.max(1) as f64,
        100.0 * lo,
        100.0 * hi
    );
    let pct = |(h, r): (u64, u64)| 100.0 * h as f64 / r.max(1) as f64;
    println!(
        "By position of the safe budget on the curve: below {POSITION_SPLIT}, {} of {} runs ({:.0}%); at {POSITION_SPLIT} or above, {} of {} ({:.0}%).",
        by_position[0].0,
        by_position[0].1,
        pct(by_position[0]),
        by_position[1].0,
        by_position[1].1,
        pct(by_position[1])
    );
    println!(
        "Outside 1.25x over the whole 90% interval of the ratio from a bootstrap over the worlds (the true minimum's own uncertainty): {} of {cases} cases{}.",
        clear_outside.len(),
        if clear_outside.is_empty() {
            String::new()
        } else {
            format!(" ({})", clear_outside.join(", "))
        }
    );
    Ok(())
}
