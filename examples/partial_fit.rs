//! `fit` on one scenario's partial curve (issue 22, must-show 3): does it predict n = 30,000?
//!
//! `cargo run --release --example partial_fit -- [--cases K] [--seed S | --seeds S-T]
//! [--worlds W] [--save FILE] [--runs FILE]`
//!
//! Draws K scenarios (default 12) from a ChaCha8 stream with seed S (default 32; the prior's
//! widths in `surrogate::prior` were chosen on seed 31), or from each seed S to T in turn, over
//! the common region (C log-uniform 3..30, d log-uniform 4..32, D uniform max(d, 32)..128, noise
//! uniform 0..0.35, nuisance 4), worlds 900,000 + 100 k onwards, none of the default model's
//! sweep. For each, it simulates the runs a small sweep would (every signal at n = 10, 30, 100,
//! 300, 1,000 and 3,000, seeds 0 and 1 of the scenario), fits them as `labelbudget fit` does,
//! once leaning on the default model (`--prior auto`, which a one-scenario file gets) and once
//! alone (`--prior none`, the behaviour before), and compares each signal's prediction at
//! n = 30,000 with the same two worlds' runs continued there (their mean), next to the default
//! model's own prediction. Prints the errors, the share of (scenario, signal) pairs within
//! 0.05 CKA, per signal how often the fit leaning on the default model is within 0.05 and how
//! often its 90% interval holds the truth. `--save` writes the simulated runs (CSV, as
//! `simulate` does), `--runs` reads them back instead of simulating (one file may hold several
//! seeds' runs). About 50 s per seed of 12 scenarios on 2 cores.
//!
//! `--worlds W` (W > 2) also runs every signal at n = 30,000 in W - 2 more worlds of each
//! scenario (seeds `base + 2 .. base + W`; taken from `--runs` where it holds them) and counts
//! the predictions within 0.05 of the mean of all W worlds: the scenario's own curve, which the
//! fit (leaning on the default model, a curve of scenario means) predicts, rather than the two
//! worlds whose early runs it saw.

mod common;

use labelbudget::sim::{RunRecord, Setting};
use labelbudget::surrogate::prior::PriorMode;
use labelbudget::surrogate::{FitOptions, Model, QualityModel, fit_model};
use labelbudget::{Scenario, Signal};
use rand::SeedableRng;
use rayon::prelude::*;

const COUNTS: [usize; 6] = [10, 30, 100, 300, 1000, 3000];
const FAR: usize = 30_000;
/// How close to the truth at [`FAR`] a prediction must come (issue 22, must-show 3).
const FAR_TOLERANCE: f64 = 0.05;

fn scenarios(k: usize, seed: u64) -> Vec<Scenario> {
    let mut rng = common::Rng::seed_from_u64(seed);
    (0..k).map(|_| common::common_region(&mut rng)).collect()
}

/// Class band of a scenario: 2-5, 6-10, 11 and more classes.
fn class_band(classes: usize) -> usize {
    match classes {
        0..=5 => 0,
        6..=10 => 1,
        _ => 2,
    }
}

/// From one signal's (sum of squared half differences of two worlds, cases) per class band:
/// the sd of the two worlds' mean in each band (half their difference has the same variance),
/// and the expected count of cases whose mean lies more than 0.05 from the scenario's own
/// (normal errors), which no model can avoid.
fn noise_floor(bands: &[(f64, usize); 3]) -> (String, f64) {
    use statrs::distribution::{ContinuousCDF, Normal};
    let mut missed = 0.0;
    let sds: Vec<String> = bands
        .iter()
        .map(|&(sq, n)| {
            if n == 0 {
                return "-".to_string();
            }
            let sd = (sq / n as f64).sqrt();
            if let Ok(z) = Normal::new(0.0, sd.max(1e-12)) {
                missed += n as f64 * 2.0 * z.sf(FAR_TOLERANCE);
            }
            format!("{sd:.3}")
        })
        .collect();
    (sds.join(" / "), missed)
}

fn main() -> anyhow::Result<()> {
    let (mut k, mut seeds, mut worlds) = (12usize, 32u64..=32u64, 2u64);
    let (mut load, mut save): (Option<String>, Option<String>) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--cases" => k = args.next().expect("--cases K").parse()?,
            "--seed" => {
                let s = args.next().expect("--seed S").parse()?;
                seeds = s..=s;
            }
            "--seeds" => {
                let v = args.next().expect("--seeds S-T");
                let (a, b) = v
                    .split_once('-')
                    .ok_or_else(|| anyhow::anyhow!("--seeds {v}: expected S-T, e.g. 31-52"))?;
                seeds = a.parse()?..=b.parse()?;
            }
            "--worlds" => {
                worlds = args.next().expect("--worlds W").parse()?;
                anyhow::ensure!(
                    worlds >= 2,
                    "--worlds {worlds}: at least the 2 fitted worlds"
                );
            }
            "--runs" => load = args.next(),
            "--save" => save = args.next(),
            other => anyhow::bail!("unknown option {other}"),
        }
    }
    let loaded: Option<Vec<RunRecord>> = match &load {
        Some(p) => Some(labelbudget::sim::runs_io::read_csv(std::path::Path::new(
            p,
        ))?),
        None => None,
    };
    let mut saved: Vec<RunRecord> = Vec::new();
    let default = Model::embedded_default();
    println!(
        "| case | C | d | D | noise | signal | simulated at 30,000 | with the default model as prior | alone | the default model |"
    );
    println!("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|");
    let (mut ok_prior, mut ok_alone, mut total) = (0, 0, 0);
    let mut worst = [0.0f64; 2];
    // per signal: (cases whose 90% interval, fitted with the default model as prior, holds the
    // truth; cases)
    let mut held = [(0usize, 0usize); 4];
    // per signal: cases within 0.05 of the truth with the default model as prior
    let mut within = [0usize; 4];
    // per signal: cases where the default model's own prediction is within 0.05
    let mut within_default = [0usize; 4];
    // per signal: cases within 0.05 of the mean of all `worlds` worlds at n = 30,000, with the
    // default model as prior and the default model alone
    let mut within_all = [(0usize, 0usize); 4];
    // per signal and class band (2-5, 6-10, 11 and more): the sum of squared half differences of
    // the two worlds at n = 30,000, and the cases
    let mut spread = [[(0.0f64, 0usize); 3]; 4];
    let start = std::time::Instant::now();
    let many = seeds.start() != seeds.end();
    let cases = seeds.flat_map(|seed| {
        scenarios(k, seed)
            .into_iter()
            .enumerate()
            .map(move |(i, sc)| (seed, i, sc))
    });
    for (seed, i, sc) in cases {
        let base = 900_000 + 100 * (i as u64 + 100 * seed);
        let jobs: Vec<(Signal, usize, u64)> = Signal::ALL
            .into_iter()
            .flat_map(|s| {
                COUNTS
                    .iter()
                    .flat_map(move |&n| (0..2).map(move |w| (s, n, w)))
            })
            .chain(
                Signal::ALL
                    .into_iter()
                    .flat_map(|s| (0..2).map(move |w| (s, FAR, w))),
            )
            .collect();
        // a run records the representation's dimension it was given, resolved
        let recorded = Scenario {
            rep_dims: Some(sc.rep()),
            ..sc.clone()
        };
        // the file's runs of this scenario's worlds: the two fitted ones, and further ones
        let (runs, mut further): (Vec<RunRecord>, Vec<RunRecord>) = match &loaded {
            Some(all) => all
                .iter()
                .filter(|r| r.seed >= base && r.seed < base + worlds && r.scenario() == recorded)
                .filter(|r| r.seed < base + 2 || r.n as usize == FAR)
                .cloned()
                .partition(|r| r.seed < base + 2),
            None => (
                jobs.par_iter()
                    .map(|&(s, n, w)| Setting::new(&sc, base + w)?.run(s, n, false))
                    .collect::<labelbudget::Result<_>>()?,
                Vec::new(),
            ),
        };
        // the further worlds at n = 30,000 the file does not hold
        let missing: Vec<(Signal, u64)> = Signal::ALL
            .into_iter()
            .flat_map(|s| (2..worlds).map(move |w| (s, w)))
            .filter(|&(s, w)| !further.iter().any(|r| r.signal == s && r.seed == base + w))
            .collect();
        further.extend(
            missing
                .par_iter()
                .map(|&(s, w)| Setting::new(&sc, base + w)?.run(s, FAR, false))
                .collect::<labelbudget::Result<Vec<_>>>()?,
        );
        saved.extend(runs.iter().cloned());
        saved.extend(further.iter().cloned());
        let (fit_runs, far): (Vec<RunRecord>, Vec<RunRecord>) =
            runs.into_iter().partition(|r| r.n as usize != FAR);
        let fit = |prior| {
            fit_model(
                &fit_runs,
                "partial",
                &FitOptions {
                    prior,
                    ..FitOptions::default()
                },
            )
        };
        let (with, alone) = (fit(PriorMode::Auto)?, fit(PriorMode::None)?);
        for (k, s) in Signal::ALL.into_iter().enumerate() {
            let qs: Vec<f64> = far
                .iter()
                .filter(|r| r.signal == s)
                .map(|r| r.cka)
                .collect();
            let truth = qs.iter().sum::<f64>() / qs.len() as f64;
            if let [a, b] = qs[..] {
                let cell = &mut spread[k][class_band(sc.classes)];
                cell.0 += (0.5 * (a - b)).powi(2);
                cell.1 += 1;
            }
            let with_at = with.predict(&sc, s, FAR as f64);
            let a = with_at.mean;
            let scenario_mean = {
                let all: Vec<f64> = qs
                    .iter()
                    .copied()
                    .chain(further.iter().filter(|r| r.signal == s).map(|r| r.cka))
                    .collect();
                all.iter().sum::<f64>() / all.len() as f64
            };
            let h = &mut held[k];
            h.0 += usize::from(with_at.holds(truth));
            h.1 += 1;
            let b = alone.predict(&sc, s, FAR as f64).mean;
            let c = default.predict(&sc, s, FAR as f64).mean;
            total += 1;
            ok_prior += usize::from((a - truth).abs() <= FAR_TOLERANCE);
            within[k] += usize::from((a - truth).abs() <= FAR_TOLERANCE);
            within_default[k] += usize::from((c - truth).abs() <= FAR_TOLERANCE);
            within_all[k].0 += usize::from((a - scenario_mean).abs() <= FAR_TOLERANCE);
            within_all[k].1 += usize::from((c - scenario_mean).abs() <= FAR_TOLERANCE);
            ok_alone += usize::from((b - truth).abs() <= FAR_TOLERANCE);
            worst[0] = worst[0].max((a - truth).abs());
            worst[1] = worst[1].max((b - truth).abs());
            println!(
                "| {} | {} | {} | {} | {} | {s} | {truth:.3} | {a:.3} ({:+.3}) | {b:.3} ({:+.3}) | {c:.3} ({:+.3}) |",
                if many {
                    format!("{seed}.{}", i + 1)
                } else {
                    (i + 1).to_string()
                },
                sc.classes,
                sc.dims,
                sc.features,
                sc.noise,
                a - truth,
                b - truth,
                c - truth
            );
        }
    }
    if let Some(p) = &save {
        let bytes = labelbudget::sim::runs_io::to_bytes(&saved, labelbudget::io::Format::Csv)?;
        labelbudget::io::write_atomic(std::path::Path::new(p), &bytes)?;
    }
    println!(
        "\nWithin 0.05 CKA at n = 30,000: {ok_prior} of {total} with the default model as prior (largest error {:.3}), {ok_alone} of {total} alone (largest {:.3}). {:.0} s.",
        worst[0],
        worst[1],
        start.elapsed().as_secs_f64()
    );
    let per_signal = |count: &dyn Fn(usize) -> usize| -> String {
        Signal::ALL
            .iter()
            .enumerate()
            .map(|(k, s)| format!("{s} {} of {}", count(k), held[k].1))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "Within 0.05 with the default model as prior: {}; the default model alone: {}.",
        per_signal(&|k| within[k]),
        per_signal(&|k| within_default[k])
    );
    println!(
        "The 90% interval (with the default model as prior) holds the truth: {}.",
        per_signal(&|k| held[k].0)
    );
    if worlds > 2 {
        println!(
            "Within 0.05 of the mean of {worlds} worlds at n = 30,000 (the scenario's curve) with the default model as prior: {}; the default model alone: {}.",
            per_signal(&|k| within_all[k].0),
            per_signal(&|k| within_all[k].1)
        );
    }
    println!(
        "The two worlds' own spread at n = 30,000 (sd of their mean by class band 2-5 / 6-10 / 11+) \
         and the cases an exact model of the scenario's mean would still miss by more than 0.05 \
         (expected, normal errors): {}.",
        Signal::ALL
            .iter()
            .zip(&spread)
            .map(|(s, bands)| {
                let (sds, missed) = noise_floor(bands);
                format!("{s} {sds}, {missed:.1}")
            })
            .collect::<Vec<_>>()
            .join("; ")
    );
    Ok(())
}
