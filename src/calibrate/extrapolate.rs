//! Extrapolation checks: the n a target needs, measured on a full curve, predicted by a
//! calibration fitted on its low end, and by the usual baseline (a plain power law
//! `Q = a - b n^(-c)` fitted to the same points with the surrogate's robust fit).

use super::fit::CurvePoint;
use crate::error::Result;
use crate::surrogate::Family;
use crate::surrogate::curve::{Inputs, Terms};
use crate::surrogate::fit::{Point, fit_curve, free_mask, starts};
use serde::Serialize;

/// The count where a measured mean curve first reaches `target`, interpolated linearly in ln n
/// between the grid points around the crossing; `None` when it never does.
pub fn measured_n_for_target(means: &[(f64, f64)], target: f64) -> Option<f64> {
    let i = means.iter().position(|m| m.1 >= target)?;
    if i == 0 {
        return Some(means[0].0);
    }
    let ((n0, q0), (n1, q1)) = (means[i - 1], means[i]);
    let t = (target - q0) / (q1 - q0);
    Some((n0.ln() + t * (n1.ln() - n0.ln())).exp())
}

/// The plain power law fitted to `pts`: its n for `target` (`None` above its asymptote).
///
/// # Errors
/// The fit failed numerically.
pub fn power_law_n_for_target(pts: &[CurvePoint], target: f64) -> Result<Option<f64>> {
    let points: Vec<Point> = pts
        .iter()
        .enumerate()
        .map(|(i, p)| Point {
            inp: Inputs::plain(p.n.ln(), 0.0, 1.0),
            y: p.y,
            seed: i as u64,
            scenario: 0,
            n: p.n as u64,
        })
        .collect();
    let free = free_mask(Family::Plain, &points, false, &Terms::NONE);
    let fit = fit_curve(Family::Plain, &points, None, free, &starts(&points))?;
    let p = fit.params;
    // Q = qmax (1 - (n / x0)^-alpha)
    if target >= p.qmax {
        return Ok(None);
    }
    Ok(Some(
        (p.log_x0 - (1.0 - target / p.qmax).ln() / p.alpha).exp(),
    ))
}

/// One row of the extrapolation table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExtrapolationRow {
    pub signal: crate::signal::Signal,
    pub target: f64,
    /// Largest n the fits saw.
    pub fitted_up_to: f64,
    pub measured: Option<f64>,
    pub calibrated: Option<f64>,
    pub power_law: Option<f64>,
}

impl ExtrapolationRow {
    /// Relative error of a prediction against the measured n.
    pub fn rel_err(&self, pred: Option<f64>) -> Option<f64> {
        Some((pred? - self.measured?).abs() / self.measured?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measured_crossing_interpolates_in_log_n() {
        let m = [(10.0, 0.5), (100.0, 0.7), (1000.0, 0.9)];
        assert!((measured_n_for_target(&m, 0.8).unwrap() - 316.227766).abs() < 1e-3);
        assert_eq!(measured_n_for_target(&m, 0.95), None);
        assert_eq!(measured_n_for_target(&m, 0.3), Some(10.0));
    }

    #[test]
    fn power_law_recovers_its_own_curve() {
        let pts: Vec<CurvePoint> = [20.0, 40.0, 80.0, 160.0, 320.0]
            .iter()
            .map(|&n: &f64| CurvePoint {
                n,
                y: 0.95 * (1.0 - (n / 5.0f64).powf(-0.5)),
            })
            .collect();
        // 0.95 (1 - (n/5)^-0.5) = 0.8  =>  n = 5 / (1 - 0.8/0.95)^2
        let want = 5.0 / (1.0f64 - 0.8 / 0.95).powi(2);
        let got = power_law_n_for_target(&pts, 0.8).unwrap().unwrap();
        assert!((got / want - 1.0).abs() < 0.02, "{got} vs {want}");
    }
}
