//! The transfer's own error (issue 22): how far the exchange through a world's own hard-label
//! curve (`surrogate::transfer`) misses that world's soft, triplet and pair curves.
//!
//! `cargo run --release --example transfer_error -- [--cases K] [--worlds W] [--runs FILE]
//! [--save FILE]`
//!
//! Draws K scenarios (default 24) from a ChaCha8 stream with seed 7 over the common region (C
//! log-uniform 3..30, d log-uniform 4..32, D uniform max(d, 32)..128, noise uniform 0..0.35,
//! nuisance 4), none of them in the default model's sweep, and simulates W worlds of each
//! (default 4; world w of scenario k has seed 507,000 + 50 k + w; one run per signal and count) at counts 30 to
//! 30,000, half a decade apart. For every world, the world's own hard-label curve (its runs,
//! interpolated in ln n, falling below n = 30 to the untrained encoder's quality at n = 1) is
//! the team's curve; the transfer predicts the count of each other signal reaching a quality,
//! for qualities of 0.3, 0.45, 0.6, 0.75 and 0.85 of the class cap that the world's curve of
//! that signal reaches and the untrained encoder does not, and the error is ln(predicted / the
//! world's own count). Prints per signal the number of such comparisons, the mean error and its
//! standard deviation (the sd that `TRANSFER_SD` holds), and the same for two alternatives: a
//! pace transfer (the default model's count of the signal, times the ratio of the world's hard
//! labels to the simulated ones at the quality the world reaches with 1,000), and the default
//! model alone. A second table splits the exchange's errors by where the target lies on the
//! world's hard rise (share from its floor to its top): their root mean square (near the top,
//! the `TRANSFER_SD_TOP` the interval ramps to) and how many the interval's 90% factor
//! `exp(1.645 sigma)` holds with sigma from `transfer_sd`. `--save` writes the runs (CSV),
//! `--runs` reads them back instead of simulating.

mod common;

use labelbudget::sim::Setting;
use labelbudget::surrogate::transfer::{TOP_FROM, Transferred, transfer_sd};
use labelbudget::surrogate::{Model, Prediction, QualityModel};
use labelbudget::{Scenario, Signal};
use rand::SeedableRng;
use rayon::prelude::*;
use std::collections::BTreeMap;

const COUNTS: [usize; 7] = [30, 100, 300, 1000, 3000, 10000, 30000];
const SHARES: [f64; 5] = [0.3, 0.45, 0.6, 0.75, 0.85];
/// The hard-label count at which the pace transfer compares the world with the simulation.
const PACE_AT: f64 = 1000.0;

/// A tabulated curve (ln n, quality), monotone, as a quality model for hard labels; below its
/// first count it falls linearly in ln n to `floor` at n = 1, as a calibrated pilot's table does.
struct Tabulated(Vec<(f64, f64)>, f64);

impl Tabulated {
    fn new(mut pts: Vec<(f64, f64)>, floor: f64) -> Tabulated {
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut best = f64::NEG_INFINITY;
        for p in &mut pts {
            best = best.max(p.1);
            p.1 = best;
        }
        let floor = floor.min(pts[0].1);
        Tabulated(pts, floor)
    }
    fn at(&self, ln: f64) -> f64 {
        let c = &self.0;
        if ln <= c[0].0 {
            let t = (ln / c[0].0).clamp(0.0, 1.0);
            return self.1 + t * (c[0].1 - self.1);
        }
        for w in c.windows(2) {
            if ln <= w[1].0 {
                let t = (ln - w[0].0) / (w[1].0 - w[0].0);
                return w[0].1 + t * (w[1].1 - w[0].1);
            }
        }
        c[c.len() - 1].1
    }
    /// The smallest ln n at which the curve reaches q, within the tabulated counts.
    fn inverse(&self, q: f64) -> Option<f64> {
        let c = &self.0;
        c.windows(2).find_map(|w| {
            (w[0].1 < q && w[1].1 >= q)
                .then(|| w[0].0 + (q - w[0].1) / (w[1].1 - w[0].1) * (w[1].0 - w[0].0))
        })
    }
}

impl QualityModel for Tabulated {
    fn predict(&self, _: &Scenario, _: Signal, n: f64) -> Prediction {
        let q = self.at(n.max(1.0).ln());
        Prediction {
            mean: q,
            lo: q,
            hi: q,
            level: 0.9,
        }
    }
    fn quantile(&self, _: &Scenario, _: Signal, n: f64, _: f64) -> f64 {
        self.at(n.max(1.0).ln())
    }
    fn ceiling(&self, _: &Scenario, _: Signal) -> f64 {
        self.0[self.0.len() - 1].1
    }
    fn floor(&self, _: &Scenario) -> f64 {
        self.1
    }
}

type Runs = Vec<(usize, u64, Signal, usize, f64)>;

fn scenarios(k: usize) -> Vec<Scenario> {
    let mut rng = common::Rng::seed_from_u64(7);
    (0..k).map(|_| common::common_region(&mut rng)).collect()
}

fn simulate(scs: &[Scenario], worlds: u64) -> labelbudget::Result<Runs> {
    let jobs: Vec<(usize, u64, Signal, usize)> = (0..scs.len())
        .flat_map(|k| {
            (0..worlds).flat_map(move |w| {
                Signal::ALL
                    .into_iter()
                    .flat_map(move |s| COUNTS.iter().map(move |&n| (k, w, s, n)))
            })
        })
        .collect();
    jobs.par_iter()
        .map(|&(k, w, s, n)| {
            let seed = 507_000 + 50 * k as u64 + w;
            let q = Setting::new(&scs[k], seed)?.run(s, n, false)?.cka;
            Ok((k, seed, s, n, q))
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    let (mut cases, mut worlds) = (24usize, 4u64);
    let (mut load, mut save): (Option<String>, Option<String>) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--cases" => cases = args.next().expect("--cases K").parse()?,
            "--worlds" => worlds = args.next().expect("--worlds W").parse()?,
            "--runs" => load = args.next(),
            "--save" => save = args.next(),
            other => anyhow::bail!("unknown option {other}"),
        }
    }
    let scs = scenarios(cases);
    let runs: Runs = match &load {
        Some(p) => std::fs::read_to_string(p)?
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                Ok((
                    f[0].parse()?,
                    f[1].parse()?,
                    f[2].parse()?,
                    f[3].parse()?,
                    f[4].parse()?,
                ))
            })
            .collect::<anyhow::Result<_>>()?,
        None => simulate(&scs, worlds)?,
    };
    if let Some(p) = &save {
        let mut text = String::from("case,seed,signal,n,cka\n");
        for (k, seed, s, n, q) in &runs {
            text.push_str(&format!("{k},{seed},{s},{n},{q}\n"));
        }
        labelbudget::io::write_atomic(std::path::Path::new(p), text.as_bytes())?;
    }
    let mut curves: BTreeMap<(usize, u64, Signal), Vec<(f64, f64)>> = BTreeMap::new();
    for &(k, seed, s, n, q) in &runs {
        curves
            .entry((k, seed, s))
            .or_default()
            .push(((n as f64).ln(), q));
    }
    let sim = Model::embedded_default();
    // per signal, the errors of the exchange (the transfer built), of a pace transfer and of
    // the default model alone
    let mut errors: BTreeMap<Signal, [Vec<f64>; 3]> = BTreeMap::new();
    // per signal, the exchange's errors with the target's position on the world's hard rise
    let mut placed: BTreeMap<Signal, Vec<(f64, f64)>> = BTreeMap::new();
    for ((k, seed, s), pts) in &curves {
        if *s != Signal::Hard {
            continue;
        }
        let sc = &scs[*k];
        let floor = sim.floor(sc);
        let hard = Tabulated::new(pts.clone(), floor);
        let (h_floor, h_top) = (hard.1, hard.0[hard.0.len() - 1].1);
        // the pace: how many times the simulated hard labels the world's need, at the quality
        // its own hard labels reach at PACE_AT
        let pace =
            common::count_for(&sim, sc, Signal::Hard, hard.at(PACE_AT.ln())).map(|n| PACE_AT / n);
        let t = Transferred::new(Box::new(hard), vec![Signal::Hard], sim.clone())?;
        let cap = common::class_cap(sc);
        for other in [Signal::Soft, Signal::Triplet, Signal::Pair] {
            let own = Tabulated::new(curves[&(*k, *seed, other)].clone(), floor);
            for share in SHARES {
                let q = share * cap;
                // a quality the untrained encoder already has is no target
                if q <= floor {
                    continue;
                }
                let Some(truth) = own.inverse(q) else {
                    continue;
                };
                let alone = common::count_for(&sim, sc, other, q);
                let preds = [
                    common::count_for(&t, sc, other, q),
                    alone.zip(pace).map(|(n, r)| n * r),
                    alone,
                ];
                if let Some(p) = preds[0] {
                    let position = (q - h_floor) / (h_top - h_floor).max(1e-9);
                    placed
                        .entry(other)
                        .or_default()
                        .push((position, p.ln() - truth));
                }
                let e = errors.entry(other).or_default();
                for (j, p) in preds.into_iter().enumerate() {
                    if let Some(p) = p {
                        e[j].push(p.ln() - truth);
                    }
                }
            }
        }
    }
    let stats = |e: &[f64]| {
        let m = e.iter().sum::<f64>() / e.len().max(1) as f64;
        let sd =
            (e.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (e.len().max(2) - 1) as f64).sqrt();
        let within = e.iter().filter(|x| x.abs() <= 1.25f64.ln()).count();
        format!("{} | {m:.3} | {sd:.3} | {within}", e.len())
    };
    println!(
        "| signal | transfer | comparisons | mean ln(predicted / own count) | sd | within 1.25x |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    for (s, e) in &errors {
        for (name, v) in ["exchange (built)", "pace", "default model alone"]
            .iter()
            .zip(e)
        {
            println!("| {s} | {name} | {} |", stats(v));
        }
    }
    // the exchange's error by where the target lies on the world's hard rise, and how often
    // the interval's factor exp(z sigma) at 90% (`transfer_sd`) holds the world's own count
    let z = 1.6449;
    let bands = [
        (f64::NEG_INFINITY, TOP_FROM.0),
        (TOP_FROM.0, TOP_FROM.1),
        (TOP_FROM.1, f64::INFINITY),
    ];
    println!(
        "\n| signal | target on the world's hard rise | comparisons | rms of ln(predicted / own count) | the 90% interval holds it |"
    );
    println!("|---|---|---:|---:|---:|");
    for (s, v) in &placed {
        for (lo, hi) in bands {
            let e: Vec<&(f64, f64)> = v.iter().filter(|(p, _)| *p >= lo && *p < hi).collect();
            let rms = (e.iter().map(|(_, x)| x * x).sum::<f64>() / e.len().max(1) as f64).sqrt();
            let held = e
                .iter()
                .filter(|(p, x)| x.abs() <= z * transfer_sd(*s, *p))
                .count();
            let band = match (lo.is_finite(), hi.is_finite()) {
                (false, _) => format!("below {hi}"),
                (_, false) => format!("{lo} or above"),
                _ => format!("{lo} to {hi}"),
            };
            println!("| {s} | {band} | {} | {rms:.3} | {held} |", e.len());
        }
    }
    Ok(())
}
