//! Checks `labelbudget scenario`'s estimates in the simulation world (issue 22, must-show 1).
//!
//! `cargo run --release --example scenario_check -- [--worlds K] [--seed S] [--compare]
//! [--undecidable]`
//!
//! Draws K worlds (default 100) at random from a ChaCha8 stream with seed S (default 22, the
//! same draws on every machine): C log-uniform in 3..50, d log-uniform in 4..64, D log-uniform
//! in d+1..512, nuisance log-uniform in 2..16, annotator error uniform in 0..0.35, and the
//! number of items log-uniform in 2,000..20,000. None of these worlds is a scenario of the
//! default model's sweep (its seeds are the sweep's own; these start at 700,000). For each
//! world it draws the items' features and one annotator's hard labels
//! (`calibrate::synthetic`), and an annotation log of 5 labels for each of the first 1,000
//! items, then estimates the scenario as `labelbudget scenario --features --labels
//! --annotations` does, and prints one row per world and the share of worlds whose d is within
//! 25% of the truth and whose noise is within 0.03.
//!
//! `--compare` adds, for the same worlds, the other estimators of d considered
//! (docs/scenario.md, "Choosing the estimator"): the two-level likelihood split of the
//! spectrum, the labels' count of class directions, the participation ratio of the spectrum,
//! and the Levina-Bickel maximum-likelihood intrinsic dimension (k = 10 neighbours, on 1,000
//! items), and the symmetric-channel inversion of the log's agreement for the noise.
//!
//! `--undecidable` runs instead the worlds the data cannot tell d in: nuisance 1 (isotropic
//! features) with C - 1 < d, where labels alone see at most C - 1 directions, and prints their
//! intervals.

mod common;

use labelbudget::Scenario;
use labelbudget::calibrate::synthetic;
use labelbudget::estimate::{self, Data, Options, classes, linalg, noise};
use ndarray::{Array2, Axis};
use rand::{RngExt, SeedableRng};

/// First seed of the worlds.
const WORLD_SEED: u64 = 700_000;

struct World {
    sc: Scenario,
    items: usize,
}

fn draw(k: usize, seed: u64, undecidable: bool) -> Vec<World> {
    let mut rng = common::Rng::seed_from_u64(seed);
    let lu = common::log_uniform;
    (0..k)
        .map(|_| {
            let (c, d) = if undecidable {
                let c = lu(3.0, 12.0, &mut rng).round() as usize;
                (c, c + lu(2.0, 40.0, &mut rng).round() as usize)
            } else {
                (
                    lu(3.0, 50.0, &mut rng).round() as usize,
                    lu(4.0, 64.0, &mut rng).round() as usize,
                )
            };
            let big_d = lu(d as f64 + 1.0, 512.0, &mut rng).round() as usize;
            let nuisance = if undecidable {
                1.0
            } else {
                lu(2.0, 16.0, &mut rng)
            };
            let noise = (rng.random::<f64>() * 0.35 * 100.0).round() / 100.0;
            let items = lu(2000.0, 20000.0, &mut rng).round() as usize;
            World {
                sc: Scenario {
                    classes: c,
                    dims: d,
                    features: big_d,
                    nuisance,
                    noise,
                    ..Scenario::default()
                },
                items,
            }
        })
        .collect()
}

/// The two-level likelihood split: the k minimising k ln(mean low) + (D - k) ln(mean high).
fn likelihood_split(l: &[f64]) -> usize {
    let total: f64 = l.iter().sum();
    let mut low = 0.0;
    let mut best = (f64::INFINITY, 0);
    for k in 1..l.len() {
        low += l[k - 1];
        let (a, b) = (low / k as f64, (total - low) / (l.len() - k) as f64);
        let c = k as f64 * a.ln() + (l.len() - k) as f64 * b.ln();
        if c < best.0 {
            best = (c, k);
        }
    }
    best.1
}

/// Levina-Bickel MLE of intrinsic dimension, k neighbours, averaged over the first items.
fn levina_bickel(x: &Array2<f64>, k: usize, m: usize) -> f64 {
    let m = m.min(x.nrows());
    let sq: Vec<f64> = x.rows().into_iter().take(m).map(|r| r.dot(&r)).collect();
    let sub = x.slice(ndarray::s![..m, ..]);
    let g = sub.dot(&sub.t());
    let mut inv_sum = 0.0;
    for i in 0..m {
        let mut d: Vec<f64> = (0..m)
            .filter(|&j| j != i)
            .map(|j| (sq[i] + sq[j] - 2.0 * g[[i, j]]).max(1e-300).sqrt())
            .collect();
        d.select_nth_unstable_by(k, f64::total_cmp);
        let mut near = d[..=k].to_vec();
        near.sort_by(f64::total_cmp);
        let tk = near[k - 1];
        let s: f64 = near[..k - 1].iter().map(|t| (tk / t).ln()).sum();
        inv_sum += s / (k - 1) as f64;
    }
    m as f64 / inv_sum
}

fn main() -> anyhow::Result<()> {
    let mut worlds = 100usize;
    let mut seed = 22u64;
    let (mut compare, mut undecidable) = (false, false);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--worlds" => worlds = args.next().expect("--worlds K").parse()?,
            "--seed" => seed = args.next().expect("--seed S").parse()?,
            "--compare" => compare = true,
            "--undecidable" => undecidable = true,
            other => anyhow::bail!("unknown option {other}"),
        }
    }
    println!(
        "| world | C | d | D | nuisance | noise | items | d estimated (90%) | spectrum | nuisance estimated | noise estimated (90%) |{}",
        if compare {
            " split | labels | PR | MLE | noise, symmetric |"
        } else {
            ""
        }
    );
    println!(
        "|---|---:|---:|---:|---:|---:|---:|---|---|---|---|{}",
        if compare {
            "---:|---:|---:|---:|---:|"
        } else {
            ""
        }
    );
    let (mut d_ok, mut e_ok, mut covered, mut n) = (0, 0, 0, 0);
    let (mut nu_covered, mut e_covered) = (0, 0);
    let mut cmp_ok = [0usize; 4];
    let mut sym_ok = 0usize;
    let start = std::time::Instant::now();
    for (w, world) in draw(worlds, seed, undecidable).into_iter().enumerate() {
        let sc = &world.sc;
        let wseed = WORLD_SEED + w as u64;
        let (x, y, p) = synthetic::generate(sc, world.items, wseed)?;
        let (y, c) = common::indexed(&y);
        let log = common::log_of(&p, wseed);
        let data = Data {
            x: x.view(),
            labels: Some((&y, c)),
            soft: None,
            log: Some(&log),
        };
        let est = estimate::estimate(
            &data,
            &Options {
                seed: wseed,
                ..Options::default()
            },
        )?;
        let d = sc.dims as f64;
        let within = (est.dims.estimate - d).abs() <= 0.25 * d;
        let e_within = (est.noise.estimate - sc.noise).abs() <= 0.03;
        d_ok += usize::from(within);
        e_ok += usize::from(e_within);
        covered += usize::from(est.dims.lo <= d && d <= est.dims.hi);
        nu_covered += usize::from(est.nuisance.lo <= sc.nuisance && sc.nuisance <= est.nuisance.hi);
        e_covered += usize::from(est.noise.lo <= sc.noise && sc.noise <= est.noise.hi);
        n += 1;
        let mut extra = String::new();
        if compare {
            let (_, cov) = linalg::covariance(x.view());
            let (l, _) = linalg::symmetric_eigen(&cov, false);
            let split = likelihood_split(&l) as f64;
            let lda = classes::fit(x.view(), &y, c)?.significant as f64;
            let pr = l.iter().sum::<f64>().powi(2) / l.iter().map(|v| v * v).sum::<f64>();
            let centred = &x - &x.mean_axis(Axis(0)).expect("items");
            let mle = levina_bickel(&centred, 10, 1000);
            for (i, v) in [split, lda, pr, mle].into_iter().enumerate() {
                cmp_ok[i] += usize::from((v - d).abs() <= 0.25 * d);
            }
            let a = noise::item_agreements(&log.counts);
            let a = a.iter().sum::<f64>() / a.len() as f64;
            let sym = noise::symmetric_error(a, c);
            sym_ok += usize::from((sym - sc.noise).abs() <= 0.03);
            extra = format!(" {split} | {lda} | {pr:.1} | {mle:.1} | {sym:.3} |");
        }
        println!(
            "| {w} | {} | {} | {} | {:.2} | {:.2} | {} | {}{} [{}, {}] | {:?} | {:.2} [{:.2}, {:.2}] | {:.3}{} [{:.3}, {:.3}] |{extra}",
            sc.classes,
            sc.dims,
            sc.features,
            sc.nuisance,
            sc.noise,
            world.items,
            est.dims.estimate,
            if within { "" } else { " (off)" },
            est.dims.lo,
            est.dims.hi,
            est.spectrum,
            est.nuisance.estimate,
            est.nuisance.lo,
            est.nuisance.hi,
            est.noise.estimate,
            if e_within { "" } else { " (off)" },
            est.noise.lo,
            est.noise.hi,
        );
    }
    let pct = |k: usize| 100.0 * k as f64 / n.max(1) as f64;
    println!(
        "\nd within 25% of the truth in {d_ok} of {n} worlds ({:.0}%); the truth inside the interval in {covered} ({:.0}%); noise within 0.03 in {e_ok} ({:.0}%), inside its interval in {e_covered} ({:.0}%); the nuisance inside its interval in {nu_covered} ({:.0}%). {:.0} s.",
        pct(d_ok),
        pct(covered),
        pct(e_ok),
        pct(e_covered),
        pct(nu_covered),
        start.elapsed().as_secs_f64()
    );
    if compare {
        println!(
            "Other estimators, d within 25%: two-level likelihood split {} ({:.0}%), labels' class directions {} ({:.0}%), participation ratio {} ({:.0}%), Levina-Bickel MLE {} ({:.0}%); noise by the symmetric channel within 0.03: {sym_ok} ({:.0}%).",
            cmp_ok[0],
            pct(cmp_ok[0]),
            cmp_ok[1],
            pct(cmp_ok[1]),
            cmp_ok[2],
            pct(cmp_ok[2]),
            cmp_ok[3],
            pct(cmp_ok[3]),
            pct(sym_ok)
        );
    }
    Ok(())
}
