//! How many hard labels is one soft label worth, and does that grow or shrink with the budget?
//! The answer decides where a crossover between the two can lie: the paper's headline (the
//! richer signal better at small budgets, hard labels above a crossover) needs the worth to
//! shrink as n grows.
//!
//! `cargo run --release --example soft_worth -- [SEEDS]` (default 6 seeds, about 3 s on 2 cores).
//! At the reference world (C = 10, d = 16, D = 64) and each annotator error rate, it simulates
//! hard labels on a doubling grid and soft labels at a few counts, and prints for each soft
//! count the number of hard labels reaching the same mean CKA (log-interpolated) and the ratio.

use labelbudget::sim::Setting;
use labelbudget::{Scenario, Signal};
use rayon::prelude::*;

const HARD: [usize; 10] = [20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10240];
const SOFT: [usize; 6] = [20, 50, 100, 200, 500, 1000];

fn mean_cka(sc: &Scenario, signal: Signal, n: usize, seeds: u64) -> labelbudget::Result<f64> {
    let q: Vec<f64> = (0..seeds)
        .into_par_iter()
        .map(|seed| Ok(Setting::new(sc, seed)?.run(signal, n, false)?.cka))
        .collect::<labelbudget::Result<_>>()?;
    Ok(q.iter().sum::<f64>() / q.len() as f64)
}

/// The hard-label count whose mean reaches `q`, log-interpolated on the grid.
fn equivalent(hard: &[f64], q: f64) -> Option<f64> {
    (0..HARD.len() - 1).find_map(|i| {
        (hard[i] <= q && q <= hard[i + 1]).then(|| {
            let t = (q - hard[i]) / (hard[i + 1] - hard[i]);
            HARD[i] as f64 * (HARD[i + 1] as f64 / HARD[i] as f64).powf(t)
        })
    })
}

fn main() -> labelbudget::Result<()> {
    let seeds: u64 = std::env::args()
        .nth(1)
        .map_or(Ok(6), |s| s.parse())
        .map_err(|e| labelbudget::Error::invalid("SEEDS", e, "a positive whole number"))?;
    println!(
        "| annotator error | soft labels | mean CKA | hard labels reaching it | worth (hard per soft) |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for noise in [0.0, 0.1, 0.2, 0.3] {
        let sc = Scenario {
            noise,
            ..Scenario::default()
        };
        let hard: Vec<f64> = HARD
            .iter()
            .map(|&n| mean_cka(&sc, Signal::Hard, n, seeds))
            .collect::<labelbudget::Result<_>>()?;
        for &n in &SOFT {
            let q = mean_cka(&sc, Signal::Soft, n, seeds)?;
            match equivalent(&hard, q) {
                Some(h) => println!("| {noise} | {n} | {q:.3} | {h:.0} | {:.1} |", h / n as f64),
                None => println!(
                    "| {noise} | {n} | {q:.3} | more than {} (hard reach {:.3}) | - |",
                    HARD[HARD.len() - 1],
                    hard[hard.len() - 1]
                ),
            }
        }
    }
    Ok(())
}
