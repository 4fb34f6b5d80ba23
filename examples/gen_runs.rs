//! Generate a modest training sweep for the surrogate with the library directly, until the
//! `simulate` command lands: `cargo run --release --example gen_runs -- out/runs.csv [quick]`.
//!
//! Scenarios: the default plus a spread design over (C, d, D, noise), so that some lie inside
//! the range of the others (leave-scenario-out then interpolates). Counts 50..10000, 3 seeds.

use labelbudget::{Scenario, Signal, sim::Setting};
use rayon::prelude::*;

fn scenarios() -> Vec<Scenario> {
    let grid: [(usize, usize, usize, f64); 12] = [
        (10, 16, 64, 0.2),
        (4, 8, 48, 0.1),
        (20, 24, 96, 0.3),
        (6, 12, 64, 0.4),
        (16, 16, 48, 0.1),
        (10, 24, 128, 0.2),
        (20, 8, 64, 0.2),
        (4, 16, 96, 0.3),
        (10, 12, 48, 0.3),
        (16, 8, 96, 0.4),
        (6, 24, 64, 0.1),
        (10, 16, 96, 0.1),
    ];
    grid.iter()
        .map(|&(classes, dims, features, noise)| Scenario {
            classes,
            dims,
            features,
            noise,
            ..Scenario::default()
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "out/runs.csv".into());
    let quick = args.iter().any(|a| a == "quick");
    let ns: &[usize] = if quick {
        &[50, 200, 1000, 5000]
    } else {
        &[50, 100, 200, 500, 1000, 2000, 5000, 10000]
    };
    let seeds: Vec<u64> = (0..3).collect();
    let jobs: Vec<(Scenario, u64)> = scenarios()
        .into_iter()
        .flat_map(|s| seeds.iter().map(move |&seed| (s.clone(), seed)))
        .collect();
    let start = std::time::Instant::now();
    let rows: Vec<_> = jobs
        .par_iter()
        .flat_map_iter(|(sc, seed)| {
            let setting = Setting::new(sc, *seed).expect("valid scenario");
            let mut rows = Vec::new();
            for &signal in &Signal::ALL {
                for &n in ns {
                    rows.push(setting.run(signal, n, true).expect("run"));
                }
            }
            eprintln!(
                "{sc:?} seed {seed} done at {:.0}s",
                start.elapsed().as_secs_f64()
            );
            rows
        })
        .collect();
    let mut w = csv::Writer::from_path(&out).expect("open output");
    for r in &rows {
        w.serialize(r).expect("write row");
    }
    w.flush().expect("flush");
    eprintln!(
        "{} runs in {:.1}s -> {out}",
        rows.len(),
        start.elapsed().as_secs_f64()
    );
}
