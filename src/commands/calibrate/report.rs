//! The report of fitted curves (table or JSON) and the extrapolation check.

use super::Args;
use anyhow::Result;
use labelbudget::calibrate::extrapolate::ExtrapolationRow;
use labelbudget::calibrate::fit::{CurveFit, CurvePoint};
use labelbudget::calibrate::prior::Prior;
use labelbudget::calibrate::{self, select};
use labelbudget::io::{Format, render_table};
use labelbudget::signal::Signal;
use labelbudget::surrogate::Model;

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

pub(super) fn report(
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
