//! Simulated hard-label CKA at the reference scenario (C 10, d 16, D 64, noise 0.2) on fresh
//! seeds, against a model's prediction (development tool for the surrogate's bias there).
//!
//! `cargo run --release --example surrogate_ref -- [MODEL.toml|-] [SIGNAL]` (`-` or nothing:
//! the default model)

use labelbudget::sim::Setting;
use labelbudget::surrogate::{Model, QualityModel};
use labelbudget::{Scenario, Signal};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let model = match args.get(1) {
        Some(p) if p != "-" => Model::from_file(std::path::Path::new(p))?,
        _ => Model::embedded_default(),
    };
    let signal: Signal = args.get(2).map_or(Ok(Signal::Hard), |s| s.parse())?;
    let sc = Scenario::default();
    for n in [100usize, 300, 1000, 3000, 10000, 30000] {
        let ys: Vec<f64> = (1000..1008u64)
            .map(|seed| {
                Setting::new(&sc, seed)
                    .and_then(|s| s.run(signal, n, false))
                    .map(|r| r.cka)
            })
            .collect::<Result<_, _>>()?;
        let m = ys.iter().sum::<f64>() / ys.len() as f64;
        let lo = ys.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let pred = model.predict(&sc, signal, n as f64).mean;
        println!(
            "{signal} n={n:>5}: simulated mean {m:.3} [{lo:.3}, {hi:.3}] over 8 seeds; model {pred:.3}"
        );
    }
    Ok(())
}
