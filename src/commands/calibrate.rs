//! `labelbudget calibrate`: fit the planner's model to the user's own data, or measure its costs.

use anyhow::{Context, Result};
use clap::{ArgGroup, Parser};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use labelbudget::calibrate::curves::{self, CurveOptions};
use labelbudget::calibrate::extrapolate::{
    ExtrapolationRow, measured_n_for_target, power_law_n_for_target,
};
use labelbudget::calibrate::fit::{CurveFit, CurvePoint};
use labelbudget::calibrate::prior::Prior;
use labelbudget::calibrate::select::{self, fit_selected};
use labelbudget::calibrate::{self, costs, data, pilot};
use labelbudget::io::{Format, check_writable, render_table, write_atomic};
use labelbudget::realprior::predict;
use labelbudget::signal::Signal;
use labelbudget::surrogate::model::calibration::{check_name, check_pool, mean_points};
use labelbudget::surrogate::model::{CALIBRATED_SOURCE, Calibration, MeasuredPoint};
use labelbudget::surrogate::{Metric, Model};
use std::path::PathBuf;

/// Accepted `--replicates`: at least 2 for a spread, at most enough for any interval.
const MIN_REPLICATES: usize = 2;
const MAX_REPLICATES: usize = 100_000;

/// Options that only the pilot mode reads (given with another mode they are an error, not ignored).
const PILOT_ONLY: [&str; 1] = ["floor"];
/// Options that only the features mode reads.
const FEATURES_ONLY: [&str; 11] = [
    "labels",
    "soft",
    "signals",
    "points",
    "n_min",
    "max_fraction",
    "fit_fraction",
    "test_fraction",
    "seeds",
    "rep",
    "curves",
];
impl Args {
    /// The prior a curve of `metric` is extrapolated with: `--prior`, else `sim` for the
    /// simulator's transfer metric and `real` for everything else.
    pub(crate) fn prior_for(&self, metric: Metric) -> &str {
        match (&self.prior, metric) {
            (Some(p), _) => p,
            (None, Metric::Transfer) => "sim",
            (None, _) => "real",
        }
    }
}

/// Options that only the annotations mode reads.
const ANNOTATIONS_ONLY: [&str; 2] = ["wage", "unit"];

/// Calibrate labelbudget on your own data: pilot points, features and labels, or annotation logs.
///
/// Three mutually exclusive modes:
///
/// --pilot FILE: learning-curve points you measured with your own model, CSV with columns
/// signal,n,quality (optional seed, a whole number >= 0; n a count in [1, 1e9]; quality any
/// metric in [0, 1]). Each signal's curve is extrapolated with a prior learned from 1,712 real
/// learning curves (--prior), with a 90% interval and a safe budget calibrated on datasets it
/// never saw; a pilot that cannot support a confident answer is warned about. Writes a model
/// file.
///
/// --features X --labels y [--soft P]: labelbudget measures the learning curves itself
/// (stratified subsamples on a log grid up to --max-fraction of the pool, --seeds seeds, a fixed
/// held-out split), as held-out accuracy of a linear probe (--metric accuracy) or as m-shot
/// transfer of the simulator's encoder to held-out classes (--metric transfer, all four
/// signals), then fits the curves as in pilot mode. .npy or CSV inputs. Writes a model file.
///
/// --annotations LOG: annotator seconds per annotation from a log with columns signal,seconds
/// (others ignored). Writes a cost file (median seconds; quartiles as comments).
///
/// Model files are read by `plan`, `predict`, `frontier` and `chart` with --model; cost files by
/// `plan` with --costs. Outputs are written atomically; runs are seeded and identical for any
/// thread count.
#[derive(Debug, Parser)]
#[command(
    group(ArgGroup::new("mode").required(true).args(["pilot", "features", "annotations"])),
    after_help = "Examples:\n  labelbudget calibrate --pilot pilot.csv --floor 0.1 --target 0.9 --out models/mine.toml\n  labelbudget calibrate --features examples/data/digits_features.csv --labels examples/data/digits_labels.csv --target 0.95 --out models/digits.toml\n  labelbudget calibrate --features x.npy --labels y.npy --soft p.npy --metric transfer --signals hard,soft,triplet,pair --out models/mine.toml\n  labelbudget calibrate --annotations log.csv --out costs.toml"
)]
pub struct Args {
    /// Pilot learning-curve points (CSV: signal,n,quality[,seed]; n a whole count).
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Pilot mode",
        conflicts_with_all = FEATURES_ONLY,
        conflicts_with_all = ANNOTATIONS_ONLY
    )]
    pub pilot: Option<PathBuf>,

    /// The metric's floor: its value with no annotations (chance accuracy, e.g. 0.1 for 10
    /// balanced classes). 0 pins the curve's start at 0.
    #[arg(
        long,
        default_value_t = 0.0,
        value_name = "Q",
        help_heading = "Pilot mode"
    )]
    pub floor: f64,

    /// What a measured curve (--pilot or --features) is extrapolated with: `real`, a prior
    /// learned from 1,712 real learning curves of 106 datasets (LCDB 1.0,
    /// models/real-curves.toml, docs/real-curves.md); `sim`, the curve shapes of the simulation
    /// world (models/default.toml); or a prior file written by `labelbudget prior`. Default:
    /// `sim` for --metric transfer (the simulator's encoder, whose curves are the simulation's),
    /// `real` otherwise.
    #[arg(long, value_name = "real|sim|FILE")]
    pub prior: Option<String>,

    /// Features, items x D (.npy: 2-D float64, float32 or an integer type; or CSV).
    #[arg(
        long,
        value_name = "FILE",
        requires = "labels",
        help_heading = "Features mode",
        conflicts_with_all = PILOT_ONLY,
        conflicts_with_all = ANNOTATIONS_ONLY
    )]
    pub features: Option<PathBuf>,

    /// Integer class labels, one per item, at least 2 items per class (.npy: shape (n,) or
    /// (n, 1), an integer type or whole floats; or CSV).
    #[arg(
        long,
        value_name = "FILE",
        requires = "features",
        help_heading = "Features mode"
    )]
    pub labels: Option<PathBuf>,

    /// Soft labels, items x classes, entries in [0, 1], rows summing to 1 (.npy or CSV); enables the soft signal
    /// and answers triplets from them.
    #[arg(
        long,
        value_name = "FILE",
        requires = "features",
        help_heading = "Features mode"
    )]
    pub soft: Option<PathBuf>,

    /// Features mode: what to measure, accuracy (linear probe, hard/soft; the default) or
    /// transfer (the simulator's encoder, any signal). Pilot mode: what the pilot's quality is
    /// (accuracy, transfer or user, the default: a metric of your own), for the plan's tables
    /// and charts.
    #[arg(long, value_name = "METRIC", conflicts_with = "annotations")]
    pub metric: Option<Metric>,

    /// Signals to measure (default: hard, and soft when --soft is given).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LIST",
        help_heading = "Features mode"
    )]
    pub signals: Vec<Signal>,

    /// Counts on the log grid (2 to 1000; the data must hold that many distinct counts).
    #[arg(
        long,
        default_value_t = 8,
        value_name = "K",
        help_heading = "Features mode"
    )]
    pub points: usize,

    /// Smallest count of the grid, >= 1 (default: max(2 C, 10)).
    #[arg(long, value_name = "N", help_heading = "Features mode")]
    pub n_min: Option<usize>,

    /// Largest count of the grid as a fraction of the training pool, in (0, 1].
    #[arg(
        long,
        default_value_t = 0.5,
        value_name = "F",
        help_heading = "Features mode"
    )]
    pub max_fraction: f64,

    /// Fit only on grid points with n <= F x pool, F in (0, 1], and report how well the fit
    /// extrapolates to the rest (measured vs calibrated vs a plain power law; needs --target).
    #[arg(
        long,
        value_name = "F",
        requires = "target",
        help_heading = "Features mode"
    )]
    pub fit_fraction: Option<f64>,

    /// Held-out share of every class, in (0, 1) (every class needs at least 2 items).
    #[arg(
        long,
        default_value_t = 0.2,
        value_name = "F",
        help_heading = "Features mode"
    )]
    pub test_fraction: f64,

    /// Subsamples per count (1 to 1000).
    #[arg(
        long,
        default_value_t = 3,
        value_name = "K",
        help_heading = "Features mode"
    )]
    pub seeds: usize,

    /// Encoder dimension r for --metric transfer, 1 to D (default: min(D, 16)).
    #[arg(long, value_name = "R", help_heading = "Features mode")]
    pub rep: Option<usize>,

    /// Also write the measured curve points (CSV: signal,n,seed,quality).
    #[arg(long, value_name = "FILE", help_heading = "Features mode")]
    pub curves: Option<PathBuf>,

    /// Annotation log (CSV with columns signal and seconds).
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Annotations mode",
        conflicts_with_all = PILOT_ONLY,
        conflicts_with_all = FEATURES_ONLY,
        conflicts_with_all = ["target", "replicates", "name", "pool"]
    )]
    pub annotations: Option<PathBuf>,

    /// Money per annotator hour, to price the measured seconds (0.001 to 1e7; each logged time
    /// must lie in 0.001 to 1e6 s, and the price per annotation in 1e-6 to 1e9).
    #[arg(long, default_value_t = costs::WAGE, value_name = "MONEY", help_heading = "Annotations mode")]
    pub wage: f64,

    /// Label of the money unit.
    #[arg(long, default_value = "USD", help_heading = "Annotations mode")]
    pub unit: String,

    /// Output file: a model (TOML) for --pilot and --features, a cost file for --annotations.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: PathBuf,

    /// The dataset's name, kept in the model: `plan --model` titles its table and chart with it
    /// (default: the model file's name).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Items available to label, kept in the model: `plan --model` buys at most one hard and one
    /// soft label per item (default: the training pool in features mode, unknown with --pilot;
    /// a pilot count above it is an error).
    #[arg(long, value_name = "N")]
    pub pool: Option<u64>,

    /// A quality to reach: the report says how many annotations it needs.
    #[arg(long, value_name = "Q")]
    pub target: Option<f64>,

    /// Randomised refits for the interval (2 to 100000).
    #[arg(long, default_value_t = 200, value_name = "K")]
    pub replicates: usize,

    /// Master seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,

    /// Report format: table or json.
    #[arg(long, default_value = "table", value_name = "FORMAT")]
    pub format: Format,

    /// Worker threads, 1 to 1024; 0 or absent = all cores (or RAYON_NUM_THREADS).
    #[arg(long, value_name = "N", value_parser = super::simulate::threads_parser())]
    pub threads: Option<usize>,
}

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

fn run_pilot(args: &Args, path: &std::path::Path) -> Result<()> {
    let metric = args.metric.unwrap_or(Metric::User);
    if metric == Metric::Cka {
        // a CKA model's class-based curves carry the simulator's dimension cap
        return Err(labelbudget::Error::invalid(
            "metric",
            "cka",
            "accuracy, transfer or user with --pilot (user for a pilot measured in CKA: cka \
             models carry the simulator's dimension cap)",
        )
        .into());
    }
    let pts = pilot::read(path)?;
    if !(0.0..1.0).contains(&args.floor) {
        return Err(labelbudget::Error::invalid("floor", args.floor, "a quality in [0, 1)").into());
    }
    if let Some(pool) = args.pool {
        super::pilot_report::check_pool(&pts, pool, path)?;
    }
    if args.prior_for(metric) != "sim" {
        return super::pilot_report::run_real(args, path, pts, metric);
    }
    let fits = pilot::fit_pilot(&pts, args.floor, args.replicates, args.seed)?;
    let all: Vec<f64> = pts.values().flatten().map(|p| p.n).collect();
    let range = [
        all.iter().cloned().fold(f64::INFINITY, f64::min) as u64,
        all.iter().cloned().fold(0.0, f64::max) as u64,
    ];
    let model = calibrate::build_model(metric, args.floor, source_hash(&[path])?, &fits, range)?;
    let measured: Vec<(Signal, Vec<CurvePoint>)> = pts.into_iter().collect();
    let model = model.with_calibration(calibration(args, None, &measured))?;
    model.save(&args.out)?;
    report(args, &model, &fits, &measured, None)?;
    eprintln!("wrote model {}", args.out.display());
    Ok(())
}

/// How features mode extrapolated its measured curves: fitted curves under the simulation's
/// shapes, or quantile tables under a real-curve prior (kept for the report).
enum Extrapolated {
    Sim(Vec<(Signal, CurveFit)>),
    Real(
        Box<labelbudget::realprior::prior::CurvePrior>,
        Vec<predict::Prediction>,
    ),
}

fn run_features(args: &Args) -> Result<()> {
    let src = data::Sources {
        features: args
            .features
            .clone()
            .expect("clap requires --features in this mode"),
        labels: args
            .labels
            .clone()
            .expect("clap: --features requires --labels"),
        soft: args.soft.clone(),
    };
    // hard labels, and soft ones when given, unless --signals says otherwise
    let signals = if args.signals.is_empty() {
        let mut v = vec![Signal::Hard];
        if args.soft.is_some() {
            v.push(Signal::Soft);
        }
        v
    } else {
        args.signals.clone()
    };
    let opts = CurveOptions {
        metric: args.metric.unwrap_or(Metric::Accuracy),
        signals,
        points: args.points,
        n_min: args.n_min,
        max_fraction: args.max_fraction,
        test_fraction: args.test_fraction,
        seeds: args.seeds,
        rep: args.rep,
        seed: args.seed,
    };
    // the options are checked before the data is read
    opts.check()?;
    let ds = data::load(&src)?;
    let grid = curves::grid_for(&ds, &opts)?;
    let bar = ProgressBar::with_draw_target(
        Some(curves::task_count(&opts, &grid) as u64),
        ProgressDrawTarget::stderr(),
    );
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{wide_bar}] {pos}/{len} curve points, eta {eta}",
        )
        .expect("valid template"),
    );
    let start = std::time::Instant::now();
    let measured = curves::measure(&ds, &opts, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let measure_secs = start.elapsed().as_secs_f64();
    for n in &measured.notes {
        eprintln!("note: {n}");
    }
    let limit = args
        .fit_fraction
        .map_or(f64::INFINITY, |f| f * measured.pool as f64);
    // every measured count for the report, the counts up to --fit-fraction for the fit
    let mut by_signal: Vec<(Signal, Vec<CurvePoint>)> = Vec::new();
    let mut fitted: Vec<(Signal, Vec<CurvePoint>)> = Vec::new();
    for &s in &opts.signals {
        let all: Vec<CurvePoint> = measured
            .rows
            .iter()
            .filter(|r| r.signal == s)
            .map(|r| CurvePoint {
                n: r.n as f64,
                y: r.quality,
            })
            .collect();
        let used: Vec<CurvePoint> = all.iter().copied().filter(|p| p.n <= limit).collect();
        if calibrate::mean_by_n(&used).len() < 2 {
            return Err(labelbudget::Error::invalid(
                "fit-fraction",
                args.fit_fraction.unwrap_or(1.0),
                format!(
                    "a share of the {}-item pool holding at least 2 grid counts (grid: {:?})",
                    measured.pool, measured.grid
                ),
            )
            .into());
        }
        by_signal.push((s, all));
        fitted.push((s, used));
    }
    let source = source_hash(&[&src.features, &src.labels])?;
    let (model, curves) = if args.prior_for(measured.metric) == "sim" {
        let default = Prior::default_model();
        let mut fits: Vec<(Signal, CurveFit)> = Vec::new();
        for (s, used) in &fitted {
            let prior = Prior::for_signal(default.as_ref(), *s);
            let seed =
                labelbudget::rng::derive(args.seed, &[labelbudget::rng::hash_str(s.name()), 0xF17]);
            fits.push((
                *s,
                fit_selected(used, measured.floor, &prior, args.replicates, seed)?,
            ));
        }
        let fitted_n = || fitted.iter().flat_map(|(_, p)| p.iter().map(|q| q.n));
        let top = fitted_n().fold(0.0, f64::max);
        let bottom = fitted_n().fold(f64::INFINITY, f64::min);
        let model = calibrate::build_model(
            measured.metric,
            measured.floor,
            source,
            &fits,
            [bottom as u64, top as u64],
        )?;
        (model, Extrapolated::Sim(fits))
    } else {
        let prior = super::pilot_report::load_prior(args.prior_for(measured.metric))?;
        let (model, preds) =
            predict::model(&prior, &fitted, measured.floor, measured.metric, source)?;
        (model, Extrapolated::Real(Box::new(prior), preds))
    };
    let rows: Vec<ExtrapolationRow> = match (args.target, args.fit_fraction) {
        (Some(target), Some(_)) => fitted
            .iter()
            .zip(&by_signal)
            .map(|((s, used), (_, all))| -> Result<ExtrapolationRow> {
                Ok(ExtrapolationRow {
                    signal: *s,
                    target,
                    fitted_up_to: used.iter().map(|p| p.n).fold(0.0, f64::max),
                    measured: measured_n_for_target(&calibrate::mean_by_n(all), target),
                    calibrated: calibrate::n_for_target(&model, *s, target, 0.5),
                    power_law: power_law_n_for_target(used, target)?,
                })
            })
            .collect::<Result<_>>()?,
        _ => Vec::new(),
    };
    let model = model.with_calibration(calibration(args, Some(measured.pool as u64), &fitted))?;
    // every check has run: the outputs are written
    model.save(&args.out)?;
    if let Some(path) = &args.curves {
        let mut text = String::from("signal,n,seed,quality\n");
        for r in &measured.rows {
            text.push_str(&format!("{},{},{},{}\n", r.signal, r.n, r.seed, r.quality));
        }
        write_atomic(path, text.as_bytes())?;
    }
    let extrap = (!rows.is_empty()).then_some(&rows[..]);
    match &curves {
        Extrapolated::Sim(fits) => report(args, &model, fits, &by_signal, extrap)?,
        Extrapolated::Real(prior, preds) => {
            super::pilot_report::report_real(args, &model, prior, preds, &by_signal, extrap)?
        }
    }
    eprintln!(
        "measured {} curve points (pool {}, floor {:.3}) in {:.1} s; wrote model {}",
        measured.rows.len(),
        measured.pool,
        measured.floor,
        measure_secs,
        args.out.display()
    );
    Ok(())
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
    }
}

/// The default prior of a signal (the first candidate of `select`).
fn default_prior(s: Signal) -> Prior {
    Prior::for_signal(Prior::default_model().as_ref(), s)
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("unreachable".into(), |x| format!("{x:.digits$}"))
}

#[derive(serde::Serialize)]
struct Report<'a> {
    model: String,
    signals: Vec<SignalReport>,
    extrapolation: Option<&'a [ExtrapolationRow]>,
}

#[derive(serde::Serialize)]
struct SignalReport {
    signal: Signal,
    family: String,
    /// The candidate prior chosen by forward validation (`family/ceiling/shape`).
    choice: String,
    /// Forward-validation RMSE of every candidate (empty: too few counts to validate).
    candidates: Vec<(String, f64)>,
    /// Forward-validation RMSE of the chosen candidate (`None`: too few counts to validate).
    chosen_forward_rmse: Option<f64>,
    /// Growth exponent of the residual spread beyond the largest fitted count.
    growth: f64,
    alpha: f64,
    ceiling: f64,
    sigma: f64,
    /// RMSE of the chosen curve on every point it was fitted to (in sample).
    rmse: f64,
    points: usize,
    curve: Vec<calibrate::CurveRow>,
    target: Option<calibrate::TargetRow>,
}

fn report(
    args: &Args,
    model: &Model,
    fits: &[(Signal, CurveFit)],
    measured: &[(Signal, Vec<CurvePoint>)],
    extrap: Option<&[ExtrapolationRow]>,
) -> Result<()> {
    let signals: Vec<SignalReport> = fits
        .iter()
        .zip(measured)
        .map(|((s, f), (_, pts))| {
            let means = calibrate::mean_by_n(pts);
            let top = means.last().map_or(0.0, |m| m.0);
            let choice = select::label(&f.prior, &default_prior(*s));
            SignalReport {
                signal: *s,
                family: f.family.to_string(),
                chosen_forward_rmse: f.candidates.iter().find(|c| c.0 == choice).map(|c| c.1),
                choice,
                candidates: f.candidates.clone(),
                growth: f.growth,
                alpha: f.params.alpha,
                ceiling: f.params.qmax,
                sigma: f.sigma,
                rmse: f.rmse,
                points: f.points,
                curve: calibrate::curve_rows(model, *s, &means),
                target: args
                    .target
                    .map(|t| calibrate::target_row(model, *s, t, top)),
            }
        })
        .collect();
    if args.format == Format::Json {
        let r = Report {
            model: args.out.display().to_string(),
            signals,
            extrapolation: extrap,
        };
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(());
    }
    for s in &signals {
        println!(
            "{}: {} curve, alpha {:.2}, ceiling {:.3}, noise sd {:.3}, rmse {:.3}, {} points",
            s.signal, s.family, s.alpha, s.ceiling, s.sigma, s.rmse, s.points
        );
        if let Some(chosen) = s.chosen_forward_rmse {
            let default = s.candidates.first().map_or(f64::NAN, |c| c.1);
            println!(
                "prior {} chosen by forward validation among {} candidates (its forward rmse {:.4}; \
                 the default's {:.4}); spread grows as (n / n_top)^{:.2} beyond the fitted counts",
                s.choice,
                s.candidates.len(),
                chosen,
                default,
                s.growth
            );
        }
        print_curve(&s.curve, "fitted");
        if let Some(t) = &s.target {
            println!(
                "target {:.3}: n = {} (central), {} (safe, 90%); {} / {} more than the {:.0} measured; ceiling {:.3}",
                t.target,
                opt(t.n_central, 0),
                opt(t.n_safe, 0),
                opt(t.more_central, 0),
                opt(t.more_safe, 0),
                t.measured_n,
                t.ceiling
            );
        }
        println!();
    }
    if let Some(rows) = extrap {
        print_extrapolation(rows);
    }
    Ok(())
}

/// The extrapolation check of `--fit-fraction` with `--target`: the counts the fit, the power
/// law and the measured curve give.
pub(crate) fn print_extrapolation(rows: &[ExtrapolationRow]) {
    let pct = |v: Option<f64>| v.map_or("-".into(), |x| format!("{:.0}%", 100.0 * x));
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.signal.to_string(),
                format!("{:.3}", r.target),
                format!("{:.0}", r.fitted_up_to),
                opt(r.measured, 0),
                opt(r.calibrated, 0),
                pct(r.rel_err(r.calibrated)),
                opt(r.power_law, 0),
                pct(r.rel_err(r.power_law)),
            ]
        })
        .collect();
    println!("extrapolation (n needed for the target):");
    print!(
        "{}",
        render_table(
            &[
                "signal",
                "target",
                "fitted up to n",
                "measured",
                "calibrated",
                "error",
                "power law",
                "error"
            ],
            &table
        )
    );
}

/// A calibrated curve as a table: the count, the measured mean there (or `-`), the `central`
/// column and the 90% interval.
pub(crate) fn print_curve(curve: &[calibrate::CurveRow], central: &str) {
    let rows: Vec<Vec<String>> = curve
        .iter()
        .map(|c| {
            vec![
                format!("{:.0}", c.n),
                c.measured.map_or("-".into(), |m| format!("{m:.3}")),
                format!("{:.3}", c.mean),
                format!("{:.3}", c.lo),
                format!("{:.3}", c.hi),
            ]
        })
        .collect();
    print!(
        "{}",
        render_table(&["n", "measured", central, "lo 90%", "hi 90%"], &rows)
    );
}
