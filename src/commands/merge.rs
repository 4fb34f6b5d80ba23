//! `labelbudget merge`: join the shards of a sweep into the rows of the unsplit run.

use anyhow::{Result, bail};
use clap::Parser;
use labelbudget::io::{Format, write_atomic};
use labelbudget::sim::runs_io;
use std::path::PathBuf;

/// Merge the CSV outputs of `simulate --shard I/K` into one file, in the unsplit run's order.
///
/// Rows are ordered by their `run` column; a run that appears twice is an error.
#[derive(Debug, Parser)]
pub struct Args {
    /// Shard outputs (CSV) to merge.
    #[arg(required = true, value_name = "FILE")]
    pub inputs: Vec<PathBuf>,

    /// Merged output (CSV, or JSON by extension).
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
}

pub fn run(args: Args) -> Result<()> {
    let mut all = Vec::new();
    for path in &args.inputs {
        all.extend(runs_io::read_csv(path)?);
    }
    all.sort_by_key(|r| r.run);
    if let Some(w) = all.windows(2).find(|w| w[0].run == w[1].run) {
        bail!(
            "run {} appears in more than one input; merge each shard once",
            w[0].run
        );
    }
    let format = Format::from_extension(&args.out).unwrap_or(Format::Csv);
    write_atomic(&args.out, &runs_io::to_bytes(&all, format)?)?;
    eprintln!(
        "merged {} runs from {} files into {}",
        all.len(),
        args.inputs.len(),
        args.out.display()
    );
    Ok(())
}
