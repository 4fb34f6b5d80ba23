//! Checks the planner's mixing rule against mixed-signal simulations.
//!
//! For a few mixes in the reference world, prints the quality the rule predicts from the
//! single-signal learning curves *as simulated* (mean CKA over seeds, interpolated in log n) next
//! to the quality a mixed run reaches.
//!
//! `cargo run --release --example mix_check`

use labelbudget::plan::{Counts, HillModel, PlanScenario, Planner};
use labelbudget::scenario::Scenario;
use labelbudget::signal::Signal;
use labelbudget::sim::Setting;
use labelbudget::surrogate::{Prediction, QualityModel};
use rayon::prelude::*;

const SEEDS: u64 = 3;
const GRID: [f64; 9] = [
    30.0, 60.0, 120.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0,
];

/// Learning curves measured in the simulator, interpolated in log n.
struct Measured {
    curves: Vec<(Signal, Vec<f64>)>,
    floor: f64,
}

impl QualityModel for Measured {
    fn predict(&self, _s: &Scenario, signal: Signal, n: f64) -> Prediction {
        let v = &self.curves.iter().find(|c| c.0 == signal).unwrap().1;
        let q = if n < GRID[0] {
            self.floor + (v[0] - self.floor) * n / GRID[0]
        } else if n >= GRID[GRID.len() - 1] {
            v[v.len() - 1]
        } else {
            let i = GRID.iter().position(|&g| g > n).unwrap() - 1;
            let f = (n.ln() - GRID[i].ln()) / (GRID[i + 1].ln() - GRID[i].ln());
            v[i] + (v[i + 1] - v[i]) * f
        };
        Prediction {
            mean: q,
            lo: q,
            hi: q,
            level: 0.9,
        }
    }
    fn quantile(&self, s: &Scenario, g: Signal, n: f64, _p: f64) -> f64 {
        self.predict(s, g, n).mean
    }
    fn ceiling(&self, s: &Scenario, g: Signal) -> f64 {
        HillModel::default().ceiling(s, g)
    }
    fn floor(&self, _s: &Scenario) -> f64 {
        self.floor
    }
}

fn main() -> labelbudget::Result<()> {
    let scenario = Scenario::default();
    let settings: Vec<Setting> = (0..SEEDS)
        .map(|seed| Setting::new(&scenario, seed))
        .collect::<labelbudget::Result<_>>()?;
    let mean =
        |f: &(dyn Fn(&Setting) -> labelbudget::Result<f64> + Sync)| -> labelbudget::Result<f64> {
            let v: Vec<f64> = settings
                .par_iter()
                .map(f)
                .collect::<labelbudget::Result<_>>()?;
            Ok(v.iter().sum::<f64>() / v.len() as f64)
        };
    let mut curves = Vec::new();
    let mut floor = 0.0;
    for s in Signal::ALL {
        let mut v = Vec::new();
        for &n in &GRID {
            v.push(mean(&|st| Ok(st.run(s, n as usize, false)?.cka))?);
            floor = mean(&|st| Ok(st.run(s, 10, false)?.cka_floor))?;
        }
        eprintln!("{s}: {v:.3?}");
        curves.push((s, v));
    }
    let model = Measured { curves, floor };
    let mut planner =
        Planner::new_extrapolating(PlanScenario::embedded(), Default::default(), &model)?;
    planner.mix_rule = labelbudget::plan::MixRule::AdditiveBits;
    let mixes: [[f64; 4]; 8] = [
        [500.0, 100.0, 0.0, 0.0],
        [1000.0, 0.0, 1000.0, 0.0],
        [600.0, 0.0, 600.0, 0.0],
        [200.0, 0.0, 2000.0, 0.0],
        [0.0, 200.0, 1000.0, 0.0],
        [1000.0, 0.0, 0.0, 2000.0],
        [300.0, 100.0, 500.0, 0.0],
        [2000.0, 200.0, 0.0, 0.0],
    ];
    println!(
        "| hard | soft | triplet | pair | additive-bits rule (from simulated curves) | mixed simulation | best part alone (the default rule) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for m in mixes {
        let counts = Counts(m);
        let rule = planner.quality(labelbudget::plan::curves::Kind::Mean, &counts);
        let used: Vec<(Signal, usize)> = Signal::ALL
            .into_iter()
            .zip(m)
            .filter(|c| c.1 > 0.0)
            .map(|(s, n)| (s, n as usize))
            .collect();
        let sim = mean(&|st| Ok(st.run_mix(&used)?.cka))?;
        let best = used
            .iter()
            .map(|&(s, n)| {
                planner.quality(
                    labelbudget::plan::curves::Kind::Mean,
                    &Counts::single(s, n as f64),
                )
            })
            .fold(0.0, f64::max);
        println!(
            "| {} | {} | {} | {} | {rule:.3} | {sim:.3} | {best:.3} |",
            m[0], m[1], m[2], m[3]
        );
    }
    Ok(())
}
