//! `labelbudget simulate`: run a sweep of simulations and write one row per run.

use anyhow::{Context, Result};
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use labelbudget::io::{Format, check_writable, write_atomic};
use labelbudget::sim::runs_io;
use labelbudget::sim::sweep::{Shard, SweepFile, work};

/// Measured cost of one work unit (n * D * k, see `thin_above` in the sweep docs) on the
/// reference machine, for --dry-run estimates.
const SECONDS_PER_WORK_UNIT: f64 = 4e-8;
use std::path::PathBuf;
use std::time::Instant;

/// Simulate representation learning from each supervision signal.
///
/// Runs every (scenario, seed, signal, n) of a sweep file on all cores and writes one row per run
/// with columns run,signal,n,classes,dims,features,rep_dims,nuisance,noise,latent,
/// soft_annotators,pool,seed,cka,transfer,cka_floor,transfer_floor,tau,evals,seconds.
/// `cka` is linear CKA between the learned representation and the true latent on held-out
/// items; `transfer` is 5-shot nearest-centroid accuracy on new classes relative to the true
/// latent; the `_floor` columns are the untrained encoder's values.
///
/// Sweep files: see examples/sweeps/paper.toml (a grid) and examples/sweeps/default.toml
/// (a space-filling random design). Results are identical for any thread count; with
/// --no-timing the file is byte-identical too.
#[derive(Debug, Parser)]
#[command(
    after_help = "Examples:\n  labelbudget simulate --sweep examples/sweeps/paper.toml --out runs.csv\n  labelbudget simulate --sweep examples/sweeps/default.toml --shard 3/8 --out part3.csv\n  labelbudget merge part*.csv --out runs.csv\n  labelbudget simulate --sweep examples/sweeps/default.toml --part 3 --out new.csv   # a part added to the sweep\n  labelbudget merge runs.csv new.csv --out runs.csv"
)]
pub struct Args {
    /// Sweep file (TOML) listing signals, n, seeds and the scenario grid or random design.
    #[arg(long, value_name = "FILE")]
    pub sweep: PathBuf,

    /// Output file; without --format its extension gives the format and must be .csv or .json.
    /// Omit for stdout.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub out: Option<PathBuf>,

    /// Output format: csv or json (default: from the extension of --out, else csv).
    #[arg(long, value_name = "FORMAT", value_parser = runs_format)]
    pub format: Option<Format>,

    /// Run only the I-th of K deterministic slices of the sweep (e.g. 2/8); join with `merge`.
    #[arg(long, value_name = "I/K")]
    pub shard: Option<Shard>,

    /// Run only the N-th [[part]] of the sweep, numbered as in the whole sweep: simulate a part
    /// added to a sweep and join it to the earlier runs with `merge`.
    #[arg(
        long,
        value_name = "N",
        conflicts_with = "shard",
        allow_negative_numbers = true
    )]
    pub part: Option<usize>,

    /// Write 0 in the `seconds` column, making the output byte-identical run to run.
    #[arg(long)]
    pub no_timing: bool,

    /// Print the number of runs and their estimated cost, and run nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Worker threads, 1 to 1024; 0 or absent = all cores (or RAYON_NUM_THREADS).
    #[arg(long, value_name = "N", value_parser = threads_parser(), allow_negative_numbers = true)]
    pub threads: Option<usize>,
}

/// The most worker threads `--threads` accepts (a typo of 100000 spent minutes spawning).
pub const MAX_THREADS: u64 = 1024;

/// `--threads`: 0 (all cores) to [`MAX_THREADS`].
pub fn threads_parser() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::<usize>::new().range(0..=MAX_THREADS)
}

/// The formats runs can be written in.
fn runs_format(s: &str) -> std::result::Result<Format, String> {
    match s {
        "csv" => Ok(Format::Csv),
        "json" => Ok(Format::Json),
        _ => Err(format!("`{s}` is not a format for runs; use csv or json")),
    }
}

pub fn run(args: Args) -> Result<()> {
    let file = SweepFile::from_file(&args.sweep)?;
    let sweep = file.expand().map_err(|e| e.in_file(&args.sweep))?;
    for (a, b, count) in file.parts_sharing_draws() {
        eprintln!(
            "warning: {}: parts {a} and {b} both draw {count} scenarios; a random design's draws \
             depend only on its count, so the two share their strata for every key they share \
             (give each part a `sample` count of its own unless that is meant)",
            args.sweep.display()
        );
    }
    let dups = sweep.duplicate_groups();
    if let Some(&(i, j)) = dups.first() {
        let g = &sweep.groups[j];
        eprintln!(
            "warning: {}: {} (scenario, seed) groups repeat an earlier one exactly, so their runs \
             would be identical and counted twice by `fit` (first: group {} = group {}, classes {}, \
             dims {}, features {}, noise {}, seed {})",
            args.sweep.display(),
            dups.len(),
            j + 1,
            i + 1,
            g.scenario.classes,
            g.scenario.dims,
            g.scenario.features,
            g.scenario.noise,
            g.seed
        );
    }
    let runs = match (args.shard, args.part) {
        (Some(shard), _) => sweep.shard(shard),
        (None, Some(k)) => sweep.part(k).map_err(|e| e.in_file(&args.sweep))?,
        (None, None) => sweep.runs.clone(),
    };
    if args.dry_run {
        let work: f64 = runs
            .iter()
            .map(|r| work(&sweep.groups[r.group].scenario, r.signal, r.n))
            .sum();
        let mut groups: Vec<usize> = runs.iter().map(|r| r.group).collect();
        groups.dedup();
        println!(
            "{} runs in {} (scenario, seed) groups; {:.3e} work units, about {:.0} core-seconds at {:.0e} s per unit",
            runs.len(),
            groups.len(),
            work,
            work * SECONDS_PER_WORK_UNIT,
            SECONDS_PER_WORK_UNIT
        );
        return Ok(());
    }
    let format = match (args.format, &args.out) {
        (Some(f), _) => f,
        (None, Some(out)) => match Format::from_extension(out) {
            Some(f @ (Format::Csv | Format::Json)) => f,
            _ => anyhow::bail!(
                "--out {}: the format follows the extension, which must be .csv or .json (or \
                 give --format csv|json)",
                out.display()
            ),
        },
        (None, None) => Format::Csv,
    };
    if let Some(out) = &args.out {
        check_writable(out)?;
    }
    if let Some(t) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
            .context("configuring the thread pool")?;
    }
    let bar = ProgressBar::with_draw_target(Some(runs.len() as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{wide_bar}] {pos}/{len} runs, eta {eta}")
            .expect("valid template"),
    );
    let start = Instant::now();
    let records = sweep.execute(&runs, !args.no_timing, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let bytes = runs_io::to_bytes(&records, format)?;
    match &args.out {
        Some(out) => {
            write_atomic(out, &bytes)?;
            eprintln!(
                "wrote {} runs to {} in {:.1} s",
                records.len(),
                out.display(),
                start.elapsed().as_secs_f64()
            );
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
    }
    Ok(())
}
