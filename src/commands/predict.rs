//! `labelbudget predict`: predicted quality of a signal at n annotations, from a fitted model.

use anyhow::Result;
use clap::Parser;
use labelbudget::io::{Format, render_table};
use labelbudget::scenario::Scenario;
use labelbudget::signal::Signal;
use labelbudget::surrogate::{Model, QualityModel};
use std::path::PathBuf;

/// Predict representation quality after n annotations of one signal, with an interval.
///
/// The interval combines the bootstrap spread of the fitted curve and the spread of single
/// simulation runs around it, at the model's nominal level (0.9 by default). Without --model
/// the calibrated default compiled into labelbudget is used. A scenario outside the range the
/// model was fitted on gives a warning on stderr naming the range. `ceiling` is the top of the
/// central curve; the interval, which holds single runs of scenarios the model was not fitted
/// on, may pass it (near the top, some scenarios level off higher than their curve).
#[derive(Debug, Parser)]
#[command(
    after_help = "Examples:\n  labelbudget predict --signal hard --n 1000\n  labelbudget predict --model models/mine.toml --signal triplet --n 5000 --classes 20 --format json"
)]
pub struct Args {
    /// Model file written by `labelbudget fit` (default: the embedded models/default.toml).
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,

    /// Supervision signal: hard, soft, triplet or pair.
    #[arg(long)]
    pub signal: Signal,

    /// Number of annotations: whole counts from 1 to 1e12, comma-separated (1e6 is accepted).
    #[arg(
        long,
        value_delimiter = ',',
        required = true,
        allow_negative_numbers = true
    )]
    pub n: Vec<f64>,

    /// Number of classes C.
    #[arg(long, default_value_t = 10, allow_negative_numbers = true)]
    pub classes: usize,

    /// Latent dimension d.
    #[arg(long, default_value_t = 16, allow_negative_numbers = true)]
    pub dims: usize,

    /// Observed feature dimension D (>= d).
    #[arg(long, default_value_t = 64, allow_negative_numbers = true)]
    pub features: usize,

    /// Annotator hard-label error rate, in [0, 1 - 1/C).
    #[arg(long, default_value_t = 0.2, allow_negative_numbers = true)]
    pub noise: f64,

    /// Variance of the nuisance feature directions (signal variance 1).
    #[arg(long, default_value_t = 4.0, allow_negative_numbers = true)]
    pub nuisance: f64,

    /// Output format: table, json or csv (one row per count: signal, n, mean, lo, hi, level,
    /// floor, ceiling).
    #[arg(long, default_value = "table", value_name = "FORMAT")]
    pub format: Format,
}

/// The largest count `predict` accepts.
const MAX_N: f64 = 1e12;

#[derive(serde::Serialize)]
struct Row {
    signal: Signal,
    n: u64,
    mean: f64,
    lo: f64,
    hi: f64,
    level: f64,
    floor: f64,
    ceiling: f64,
    warnings: Vec<String>,
}

/// A whole count of annotations in [1, [`MAX_N`]].
fn check_n(n: f64) -> Result<()> {
    if n == 0.0 {
        return Err(labelbudget::Error::invalid(
            "n",
            0,
            "a count >= 1: with no annotations the quality is the untrained encoder's, the \
             `untrained` column (`floor` in JSON and CSV)",
        )
        .into());
    }
    if !(n.is_finite() && (1.0..=MAX_N).contains(&n) && n.fract() == 0.0) {
        return Err(labelbudget::Error::invalid(
            "n",
            n,
            format!("a whole count of annotations from 1 to {MAX_N:e}"),
        )
        .into());
    }
    Ok(())
}

pub fn run(args: Args) -> Result<()> {
    let model = match &args.model {
        Some(p) => Model::from_file(p)?,
        None => Model::embedded_default(),
    };
    let sc = Scenario {
        classes: args.classes,
        dims: args.dims,
        features: args.features,
        noise: args.noise,
        nuisance: args.nuisance,
        ..Scenario::default()
    };
    sc.validate()?;
    anyhow::ensure!(
        model.has(args.signal),
        "the model has no curve for signal {} (it has: {})",
        args.signal,
        model
            .signals()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut warnings = model.range_warnings(&sc);
    let mut rows = Vec::new();
    for &n in &args.n {
        check_n(n)?;
        let mut w = warnings.clone();
        if let Some(x) = model.range.check_n(n) {
            w.push(x);
        }
        let p = model.predict(&sc, args.signal, n);
        rows.push(Row {
            signal: args.signal,
            n: n as u64,
            mean: p.mean,
            lo: p.lo,
            hi: p.hi,
            level: p.level,
            floor: model.floor(&sc),
            ceiling: model.ceiling(&sc, args.signal),
            warnings: w,
        });
    }
    for r in &rows {
        for w in &r.warnings {
            if !warnings.contains(w) {
                warnings.push(w.clone());
            }
        }
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([
                "signal", "n", "mean", "lo", "hi", "level", "floor", "ceiling",
            ])?;
            for r in &rows {
                w.write_record([
                    r.signal.to_string(),
                    format!("{}", r.n),
                    format!("{}", r.mean),
                    format!("{}", r.lo),
                    format!("{}", r.hi),
                    format!("{}", r.level),
                    format!("{}", r.floor),
                    format!("{}", r.ceiling),
                ])?;
            }
            print!("{}", String::from_utf8(w.into_inner()?)?);
        }
        Format::Table => {
            let level = rows.first().map_or(0.9, |r| r.level);
            let lo = format!("lo ({:.0}%)", level * 100.0);
            let hi = format!("hi ({:.0}%)", level * 100.0);
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.signal.to_string(),
                        format!("{}", r.n),
                        format!("{:.4}", r.mean),
                        format!("{:.4}", r.lo),
                        format!("{:.4}", r.hi),
                        format!("{:.4}", r.floor),
                        format!("{:.4}", r.ceiling),
                    ]
                })
                .collect();
            print!(
                "{}",
                render_table(
                    &["signal", "n", "quality", &lo, &hi, "untrained", "ceiling"],
                    &table
                )
            );
            if rows.iter().any(|r| r.mean < r.floor) {
                println!(
                    "(below `untrained`: with few annotations the trained encoder scores below \
                     the untrained one, as in the simulator: weight decay shrinks the directions \
                     the annotations do not yet pin down; docs/method.md)"
                );
            }
        }
    }
    Ok(())
}
