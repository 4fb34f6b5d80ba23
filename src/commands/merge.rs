//! `labelbudget merge`: join the shards of a sweep into the rows of the unsplit run.

use anyhow::{Result, bail};
use clap::Parser;
use labelbudget::io::{Format, write_atomic};
use labelbudget::sim::{RunRecord, runs_io};
use std::path::PathBuf;

/// Merge the CSV outputs of `simulate --shard I/K` into one file, in the unsplit run's order.
///
/// Rows are ordered by their `run` column; a run that appears twice is an error. Every row is
/// checked as `fit` checks it (line, column, value and accepted range named).
///
/// The merged runs must be numbered 0, 1, 2, ... without a gap: a gap, or a first run other
/// than 0, means a shard or part is missing (use --partial to merge such a set anyway). The
/// files do not record how many runs their sweep has, nor which sweep they came from, so a
/// missing last shard whose runs all come after the others', or shards of two sweeps whose
/// run numbers do not overlap, cannot be told: merge the shards of one `simulate` command.
#[derive(Debug, Parser)]
pub struct Args {
    /// Shard outputs (CSV) to merge.
    #[arg(required = true, value_name = "FILE")]
    pub inputs: Vec<PathBuf>,

    /// Merged output (CSV, or JSON by extension).
    #[arg(long, short = 'o', value_name = "PATH")]
    pub out: PathBuf,

    /// Accept runs missing before or between the inputs' runs (an incomplete set of shards).
    #[arg(long)]
    pub partial: bool,
}

pub fn run(args: Args) -> Result<()> {
    // each run with the index of its input, to name the files of a duplicate
    let mut tagged = Vec::new();
    for (i, path) in args.inputs.iter().enumerate() {
        tagged.extend(runs_io::read_csv(path)?.into_iter().map(|r| (i, r)));
    }
    tagged.sort_by_key(|(_, r)| r.run);
    if let Some(w) = tagged.windows(2).find(|w| w[0].1.run == w[1].1.run) {
        let ((i, a), (j, b)) = (&w[0], &w[1]);
        let (fa, fb) = (args.inputs[*i].display(), args.inputs[*j].display());
        let same = RunRecord {
            seconds: b.seconds,
            ..a.clone()
        } == *b;
        if same {
            bail!(
                "run {} appears in both {fa} and {fb}; merge each shard once",
                a.run
            );
        }
        bail!(
            "run {} differs between {fa} ({}) and {fb} ({}): the inputs come from different \
             sweeps (or one was edited); merge the shards of one sweep",
            a.run,
            describe(a),
            describe(b)
        );
    }
    let all: Vec<RunRecord> = tagged.into_iter().map(|(_, r)| r).collect();
    if all.is_empty() {
        bail!(
            "no runs in {}: every input has a header but no rows; nothing to merge",
            names(&args.inputs)
        );
    }
    if !args.partial {
        let first = all[0].run;
        let gap = all
            .windows(2)
            .find(|w| w[1].run != w[0].run + 1)
            .map(|w| (w[0].run + 1, w[1].run - 1));
        let missing = if first > 0 { Some((0, first - 1)) } else { gap };
        if let Some((a, b)) = missing {
            let runs = if a == b {
                format!("run {a} is")
            } else {
                format!("runs {a} to {b} are")
            };
            bail!(
                "{runs} missing from {}: a shard or part of the sweep is missing (merge all \
                 the shards of `simulate --shard I/K`, I = 1 to K; --partial merges an \
                 incomplete set anyway)",
                names(&args.inputs)
            );
        }
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

/// The input files, comma-separated.
fn names(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A run's signal, n, scenario and seed, for messages.
fn describe(r: &RunRecord) -> String {
    format!(
        "{} n = {}, classes {}, dims {}, features {}, noise {}, seed {}",
        r.signal, r.n, r.classes, r.dims, r.features, r.noise, r.seed
    )
}
