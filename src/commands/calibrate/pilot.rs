//! Pilot mode under the simulation's curve shapes (the real-curve prior is `pilot_report`'s).

use super::report::report;
use super::{Args, calibration, source_hash};
use anyhow::Result;
use labelbudget::calibrate::fit::CurvePoint;
use labelbudget::calibrate::{self, pilot};
use labelbudget::signal::Signal;
use labelbudget::surrogate::Metric;

pub(super) fn run_pilot(args: &Args, path: &std::path::Path) -> Result<()> {
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
        crate::commands::pilot_report::check_pool(&pts, pool, path)?;
    }
    if args.prior_for(metric) != "sim" {
        return crate::commands::pilot_report::run_real(args, path, pts, metric);
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
