//! `labelbudget prior`: learn the real-curve prior from a collection of measured learning curves.

use anyhow::Result;
use clap::Parser;
use labelbudget::realprior::{calibration, curves, train};
use std::path::PathBuf;

/// Learn the prior `calibrate --pilot` extrapolates a pilot with, from measured learning curves.
///
/// Every curve is cut at each of its counts; the pilot up to the cut (its first --pilot-seeds
/// seeds) gives the features, the curve's mean beyond it the gains, and a quantile regression
/// per horizon and probability links the two (docs/real-curves.md). The shipped
/// models/real-curves.toml is learned from LCDB 1.0's development curves (MIT licence) by
/// models/regenerate.sh.
#[derive(Debug, Parser)]
#[command(
    after_help = "Examples:\n  labelbudget prior --curves curves.csv.gz --out models/real-curves.toml\n  labelbudget prior --curves my-curves.csv --source \"our 40 image datasets\" --out my-prior.toml"
)]
pub struct Args {
    /// Learning curves: CSV with columns dataset,classes,learner,n,seed,accuracy (LCDB's), or
    /// the same gzipped (a name ending in .gz).
    #[arg(long, value_name = "FILE")]
    pub curves: PathBuf,
    /// Where the curves come from, with their licence (written into the prior).
    #[arg(long, value_name = "TEXT")]
    pub source: Option<String>,
    /// Seeds per count in a pilot (seeds 0 to K-1), from 1 to 1000.
    #[arg(long, default_value_t = 5, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=1000), allow_negative_numbers = true)]
    pub pilot_seeds: u32,
    /// Pilots per cut from disjoint groups of seeds (0..K, K..2K, ...), from 1 to 100.
    #[arg(long, default_value_t = 1, value_name = "G", value_parser = clap::value_parser!(u32).range(1..=100), allow_negative_numbers = true)]
    pub groups: u32,
    /// Seed of the row subsample.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub seed: u64,
    /// Output prior (TOML).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: PathBuf,
}

pub fn run(args: Args) -> Result<()> {
    labelbudget::io::check_writable(&args.out)?;
    let start = std::time::Instant::now();
    let all = curves::read(&args.curves)?;
    let opts = train::Options {
        pilot_seeds: args.pilot_seeds,
        groups: args.groups,
        seed: args.seed,
        ..train::Options::default()
    };
    let rows = train::rows(&all, opts);
    let mut prior = calibration::fit(&all, &rows, opts, |_| false, None)?;
    prior.source = args
        .source
        .unwrap_or_else(|| args.curves.display().to_string());
    prior.save(&args.out)?;
    eprintln!(
        "learned from {} curves of {} datasets ({} pilots) in {:.1} s; supported up to {:.0}x a pilot's last count; wrote {}",
        prior.curves,
        prior.datasets,
        rows.len(),
        start.elapsed().as_secs_f64(),
        prior.supported_to.exp(),
        args.out.display()
    );
    Ok(())
}
