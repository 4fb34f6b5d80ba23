//! The one-sided check of the safe budget on runs a model was not fitted on: every run of a runs
//! file (from `labelbudget simulate`) with what the model says of it, as the CSV of
//! `fit --holdout-runs` (mean, interval, the quality exceeded with probability 0.9, position
//! on the curve), and the share of runs below that quality by stretch of the curve and by class
//! count.
//!
//! `cargo run --release --example score_runs -- RUNS.csv [MODEL.toml|-] [OUT.csv]`
//!
//! Run on the validation cases' scenarios simulated on a grid of counts, it tells the
//! surrogate's error at those scenarios from the choice of n the planner makes.

use labelbudget::io::{csv_bytes, write_atomic};
use labelbudget::surrogate::holdout::{
    assess_runs, below_by_classes, below_by_position, class_band_heads, share_cells, signal_table,
};
use labelbudget::surrogate::{Metric, Model, runs};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        anyhow::bail!("usage: score_runs RUNS.csv [MODEL.toml|-] [OUT.csv]");
    };
    let model = match args.get(2) {
        Some(p) if p != "-" => Model::from_file(std::path::Path::new(p))?,
        _ => Model::embedded_default(),
    };
    let path = std::path::Path::new(path);
    let records = runs::parse_runs(&std::fs::read(path)?, path)?;
    let scored = assess_runs(&model, &records, Metric::Cka);
    if let Some(out) = args.get(3) {
        write_atomic(std::path::Path::new(out), &csv_bytes(&scored)?)?;
    }
    let (mut rows, mut by_classes) = (Vec::new(), Vec::new());
    for signal in labelbudget::Signal::ALL {
        let by = below_by_position(&scored, signal);
        if by.iter().all(|s| s.1 == 0) {
            continue;
        }
        rows.push([vec![signal.to_string()], share_cells(&by)].concat());
        let by = below_by_classes(&scored, signal);
        by_classes.push([vec![signal.to_string()], share_cells(&by)].concat());
    }
    println!("runs below the quality exceeded with probability 0.9, by position on the curve");
    let heads = ["0-0.6", "0.6-0.8", "0.8-0.9", "0.9-0.95", ">= 0.95"].map(String::from);
    print!("{}", signal_table(&heads, &rows));
    println!("\nthe same by class count, runs at position 0.6 or above");
    print!("{}", signal_table(&class_band_heads(), &by_classes));
    Ok(())
}
