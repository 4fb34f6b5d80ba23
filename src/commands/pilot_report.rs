//! `calibrate --pilot` under the real-curve prior (the default): the model file and the report.

use super::calibrate::Args;
use anyhow::Result;
use labelbudget::calibrate::extrapolate::ExtrapolationRow;
use labelbudget::calibrate::fit::CurvePoint;
use labelbudget::calibrate::pilot::PilotPoints;
use labelbudget::calibrate::{self, LEVEL};
use labelbudget::io::Format;
use labelbudget::realprior::predict::{self, Prediction};
use labelbudget::realprior::prior::CurvePrior;
use labelbudget::realprior::reach::{Reach, reach};
use labelbudget::signal::Signal;
use labelbudget::surrogate::Metric;
use std::path::Path;

/// An error when a pilot count exceeds the pool it was drawn from.
///
/// # Errors
/// The first such count, naming the file, the signal and the pool.
pub fn check_pool(pts: &PilotPoints, pool: u64, path: &Path) -> labelbudget::Result<()> {
    for (s, p) in pts {
        if let Some(x) = p.iter().find(|p| p.n > pool as f64) {
            return Err(labelbudget::Error::file(
                path,
                format!(
                    "{s} has a point at n = {} but the pool (--pool) has {pool} items: a pilot count is at most the pool",
                    x.n
                ),
            ));
        }
    }
    Ok(())
}

/// The prior `--prior` names: the embedded one for `real`, else a file.
pub(crate) fn load_prior(name: &str) -> labelbudget::Result<CurvePrior> {
    if name == "real" {
        Ok(CurvePrior::embedded())
    } else {
        CurvePrior::from_file(Path::new(name))
    }
}

#[derive(serde::Serialize)]
struct Report<'a> {
    model: String,
    prior: &'a str,
    signals: Vec<SignalReport>,
    extrapolation: Option<&'a [ExtrapolationRow]>,
}

#[derive(serde::Serialize)]
struct SignalReport {
    signal: Signal,
    points: usize,
    counts: usize,
    /// The pilot's level at its last count, its rise per doubling of n over the last 1.5
    /// units of ln n, and the noise sd of one measurement.
    level: f64,
    rise_per_doubling: f64,
    noise: f64,
    /// What keeps the pilot from supporting a confident answer.
    warnings: Vec<String>,
    /// The largest count the real curves support a prediction at.
    supported_to: f64,
    curve: Vec<calibrate::CurveRow>,
    target: Option<Reach>,
}

pub fn run_real(args: &Args, path: &Path, pts: PilotPoints, metric: Metric) -> Result<()> {
    let prior = load_prior(args.prior_for(metric))?;
    let pilots: Vec<(Signal, Vec<CurvePoint>)> = pts.into_iter().collect();
    let source = super::calibrate::source_hash(&[path])?;
    let (model, preds) = predict::model(&prior, &pilots, args.floor, metric, source)?;
    let mut cal = super::calibrate::calibration(args, None, &pilots);
    cal.warnings = warnings(&preds);
    let model = model.with_calibration(cal)?;
    model.save(&args.out)?;
    report_real(args, &model, &prior, &preds, &pilots, None)?;
    eprintln!("wrote model {}", args.out.display());
    Ok(())
}

/// Each prediction's warnings led by its signal, as the model file keeps them for `plan`.
pub fn warnings(preds: &[Prediction]) -> Vec<String> {
    preds
        .iter()
        .flat_map(|p| {
            p.warnings
                .iter()
                .map(|w| format!("{}: {w}", p.table.signal))
        })
        .collect()
}

/// The report of a calibration under the real-curve prior: per signal what the pilot shows,
/// its warnings, the curve at the `shown` counts and 2, 4 and 10 times the largest, and what
/// `--target` needs; then the extrapolation check of features mode, when run.
pub fn report_real(
    args: &Args,
    model: &labelbudget::surrogate::Model,
    prior: &CurvePrior,
    preds: &[Prediction],
    shown: &[(Signal, Vec<CurvePoint>)],
    extrap: Option<&[ExtrapolationRow]>,
) -> Result<()> {
    let signals: Vec<SignalReport> = shown
        .iter()
        .zip(preds)
        .map(|((s, p), pred)| signal_report(*s, p, pred, model, args.target))
        .collect();
    for s in &signals {
        for w in &s.warnings {
            eprintln!("warning: {}: {w}", s.signal);
        }
    }
    if args.format == Format::Json {
        let r = Report {
            model: args.out.display().to_string(),
            prior: &prior.source,
            signals,
            extrapolation: extrap,
        };
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        print_table(&signals, prior);
        if let Some(rows) = extrap {
            super::calibrate::print_extrapolation(rows);
        }
    }
    Ok(())
}

fn signal_report(
    signal: Signal,
    pts: &[CurvePoint],
    pred: &Prediction,
    model: &labelbudget::surrogate::Model,
    target: Option<f64>,
) -> SignalReport {
    let means = calibrate::mean_by_n(pts);
    SignalReport {
        signal,
        points: pts.len(),
        counts: means.len(),
        level: pred.features.level,
        rise_per_doubling: pred.features.slope[1] * std::f64::consts::LN_2,
        noise: pred.features.noise,
        warnings: pred.warnings.clone(),
        supported_to: pred.table.supported_to.exp(),
        curve: calibrate::curve_rows(model, signal, &means),
        target: target.map(|t| reach(&pred.table, t, LEVEL)),
    }
}

fn print_table(signals: &[SignalReport], prior: &CurvePrior) {
    println!(
        "extrapolated with the prior learned from {} real learning curves of {} datasets ({})",
        prior.curves,
        prior.datasets,
        prior.source.split(" (").next().unwrap_or("")
    );
    for s in signals {
        let top = s
            .curve
            .iter()
            .filter(|c| c.measured.is_some())
            .map(|c| c.n)
            .fold(0.0, f64::max);
        println!(
            "{}: {} points at {} counts up to n = {top:.0}; level {:.3} there, rising {:+.4} per doubling of n, noise sd {:.3}; supported up to n = {:.0}",
            s.signal, s.points, s.counts, s.level, s.rise_per_doubling, s.noise, s.supported_to
        );
        super::calibrate::print_curve(&s.curve, "central");
        if let Some(r) = &s.target {
            println!("{}", r.describe());
        }
        println!();
    }
}
