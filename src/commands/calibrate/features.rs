//! Features mode: the learning curves measured on the user's data, fitted and written as a model.

use super::report::report;
use super::{Args, calibration, source_hash};
use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use labelbudget::calibrate::curves::{self, CurveOptions};
use labelbudget::calibrate::extrapolate::{
    ExtrapolationRow, measured_n_for_target, power_law_n_for_target,
};
use labelbudget::calibrate::fit::{CurveFit, CurvePoint};
use labelbudget::calibrate::prior::Prior;
use labelbudget::calibrate::select::fit_selected;
use labelbudget::calibrate::{self, data};
use labelbudget::io::write_atomic;
use labelbudget::realprior::predict;
use labelbudget::signal::Signal;
use labelbudget::surrogate::Metric;

/// How features mode extrapolated its measured curves: fitted curves under the simulation's
/// shapes, or quantile tables under a real-curve prior (kept for the report).
enum Extrapolated {
    Sim(Vec<(Signal, CurveFit)>),
    Real(
        Box<labelbudget::realprior::prior::CurvePrior>,
        Vec<predict::Prediction>,
    ),
}

pub(super) fn run_features(args: &Args) -> Result<()> {
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
        let prior = crate::commands::pilot_report::load_prior(args.prior_for(measured.metric))?;
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
    let mut cal = calibration(args, Some(measured.pool as u64), &fitted);
    if let Extrapolated::Real(_, preds) = &curves {
        cal.warnings = crate::commands::pilot_report::warnings(preds);
    }
    let model = model.with_calibration(cal)?;
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
        Extrapolated::Real(prior, preds) => crate::commands::pilot_report::report_real(
            args, &model, prior, preds, &by_signal, extrap,
        )?,
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
