//! `labelbudget calibrate`: fit the planner's model to the user's own data, or measure its costs.
//!
//! | file | what |
//! |------|------|
//! | `mod.rs` | the checks of every mode, the annotations mode, the source hash and the calibration section |
//! | `args.rs` | the arguments ([`Args`]) and the options only one mode reads |
//! | `pilot.rs` | pilot mode under the simulation's curve shapes |
//! | `features.rs` | features mode: the curves measured, fitted and written as a model |
//! | `report.rs` | the report of fitted curves and the extrapolation check |

mod args;
mod features;
mod pilot;
mod report;

pub use args::Args;
pub(crate) use report::{print_curve, print_extrapolation};

use anyhow::{Context, Result};
use features::run_features;
use labelbudget::calibrate::fit::CurvePoint;
use labelbudget::calibrate::{self, costs};
use labelbudget::io::{Format, check_writable, render_table, write_atomic};
use labelbudget::signal::Signal;
use labelbudget::surrogate::model::calibration::{check_name, check_pool, mean_points};
use labelbudget::surrogate::model::{CALIBRATED_SOURCE, Calibration, MeasuredPoint};
use pilot::run_pilot;

/// Accepted `--replicates`: at least 2 for a spread, at most enough for any interval.
const MIN_REPLICATES: usize = 2;
const MAX_REPLICATES: usize = 100_000;

pub fn run(args: Args) -> Result<()> {
    if let Some(t) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
            .context("configuring the thread pool")?;
    }
    if let Some(t) = args.target {
        calibrate::check_target(t)?;
    }
    if let Some(name) = &args.name {
        check_name("name", name)?;
    }
    if let Some(pool) = args.pool {
        check_pool("pool", pool)?;
    }
    if args.format == Format::Csv {
        anyhow::bail!("--format csv is not available for calibrate; use table or json");
    }
    if !(MIN_REPLICATES..=MAX_REPLICATES).contains(&args.replicates) {
        return Err(labelbudget::Error::invalid(
            "replicates",
            args.replicates,
            format!(
                "{MIN_REPLICATES} to {MAX_REPLICATES} randomised refits (the interval needs a spread)"
            ),
        )
        .into());
    }
    if let Some(f) = args.fit_fraction.filter(|f| !(*f > 0.0 && *f <= 1.0)) {
        return Err(labelbudget::Error::invalid(
            "fit-fraction",
            f,
            "a share of the training pool in (0, 1] (grid points with n <= F x pool are fitted)",
        )
        .into());
    }
    check_writable(&args.out)?;
    if let Some(c) = &args.curves {
        if c == &args.out {
            anyhow::bail!(
                "--curves and --out are both {}: the curve points and the model need two files",
                c.display()
            );
        }
        check_writable(c)?;
    }
    if let Some(log) = &args.annotations {
        return run_annotations(&args, log);
    }
    if let Some(p) = &args.pilot {
        return run_pilot(&args, p);
    }
    run_features(&args)
}

fn run_annotations(args: &Args, log: &std::path::Path) -> Result<()> {
    costs::check_wage(args.wage)?;
    let stats = costs::read_log(log)?;
    let text = costs::cost_file(&stats, args.wage, &args.unit, &log.display().to_string())?;
    write_atomic(&args.out, text.as_bytes())?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&stats)?),
        _ => {
            let rows: Vec<Vec<String>> = stats
                .iter()
                .map(|s| {
                    vec![
                        s.signal.to_string(),
                        s.count.to_string(),
                        format!("{:.2}", s.q1),
                        format!("{:.2}", s.median),
                        format!("{:.2}", s.q3),
                        format!("{:.4}", s.median * args.wage / 3600.0),
                    ]
                })
                .collect();
            print!(
                "{}",
                render_table(
                    &[
                        "signal",
                        "annotations",
                        "q1 s",
                        "median s",
                        "q3 s",
                        &format!("{}/annotation", args.unit)
                    ],
                    &rows
                )
            );
        }
    }
    eprintln!("wrote cost file {}", args.out.display());
    Ok(())
}

pub(crate) fn source_hash(paths: &[&std::path::Path]) -> Result<String> {
    let mut h = 0u64;
    for p in paths {
        let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
        h = labelbudget::rng::derive(
            h,
            &[labelbudget::rng::hash_str(&String::from_utf8_lossy(&bytes))],
        );
    }
    Ok(format!("{CALIBRATED_SOURCE}{h:016x}"))
}

/// The model's `[calibration]` section: `--name`, `--pool` (else `pool`, the training pool of
/// features mode) and the mean of the fitted points at each count.
pub(crate) fn calibration(
    args: &Args,
    pool: Option<u64>,
    fitted: &[(Signal, Vec<CurvePoint>)],
) -> Calibration {
    let points = fitted.iter().flat_map(|(s, pts)| {
        pts.iter().map(|p| MeasuredPoint {
            signal: *s,
            n: p.n,
            quality: p.y,
        })
    });
    Calibration {
        name: args.name.clone(),
        pool: args.pool.or(pool),
        points: mean_points(points),
        warnings: Vec::new(),
    }
}
