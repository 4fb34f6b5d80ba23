//! Linear quantile regression, fitted by argmin's L-BFGS (`optim::minimise`) on a smoothed
//! check loss.
//!
//! The check (pinball) loss of quantile p, `rho_p(r) = r (p - 1[r < 0])`, has a kink at 0; it is
//! replaced within `KAPPA` of 0 by the parabola that meets it with the same value and slope at
//! both ends:
//!
//! ```text
//! rho(r) = r^2 / (4 kappa) + (p - 1/2) r + kappa / 4      for |r| <= kappa
//! ```
//!
//! which changes the minimiser by at most a fraction of kappa (0.002 in quality units, below the
//! noise of any measured curve). Columns are standardised for the optimiser and the
//! coefficients returned on the natural scale.

use crate::error::Result;
use crate::optim::{JointObjective, Lbfgs, minimise};
use ndarray::Array1;

/// Half-width of the smoothed region of the check loss (quality units).
pub const KAPPA: f64 = 0.002;
/// Ridge penalty on the standardised coefficients (not the intercept), for a well-posed fit
/// when a column hardly varies.
pub const RIDGE: f64 = 1e-6;

const SETTINGS: Lbfgs = Lbfgs {
    memory: 10,
    tol_grad: 1e-9,
    tol_cost: 1e-12,
    max_iters: 500,
};

/// Rows of a design (first column the intercept, 1) with their responses.
pub struct Data<'a> {
    pub x: &'a [Vec<f64>],
    pub y: &'a [f64],
}

struct Objective<'a> {
    z: Vec<Vec<f64>>,
    y: &'a [f64],
    p: f64,
}

/// The smoothed check loss and its derivative.
#[inline]
fn check(r: f64, p: f64) -> (f64, f64) {
    if r > KAPPA {
        (p * r, p)
    } else if r < -KAPPA {
        ((p - 1.0) * r, p - 1.0)
    } else {
        (
            r * r / (4.0 * KAPPA) + (p - 0.5) * r + KAPPA / 4.0,
            r / (2.0 * KAPPA) + p - 0.5,
        )
    }
}

impl JointObjective for Objective<'_> {
    fn cost_and_gradient(&self, b: &Array1<f64>) -> (f64, Array1<f64>) {
        let m = self.y.len() as f64;
        let mut cost = 0.0;
        let mut g = Array1::zeros(b.len());
        for (z, &y) in self.z.iter().zip(self.y) {
            let fit: f64 = z.iter().zip(b.iter()).map(|(a, c)| a * c).sum();
            let (c, d) = check(y - fit, self.p);
            cost += c;
            for (gj, zj) in g.iter_mut().zip(z) {
                *gj -= d * zj;
            }
        }
        cost /= m;
        g /= m;
        for j in 1..b.len() {
            cost += RIDGE * b[j] * b[j];
            g[j] += 2.0 * RIDGE * b[j];
        }
        (cost, g)
    }
}

/// Column means and standard deviations (the intercept column: 0 and 1).
fn scales(x: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
    let k = x[0].len();
    let m = x.len() as f64;
    let mut mean = vec![0.0; k];
    let mut sd = vec![1.0; k];
    for j in 1..k {
        mean[j] = x.iter().map(|r| r[j]).sum::<f64>() / m;
        let v = x.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / m;
        sd[j] = if v > 1e-24 { v.sqrt() } else { 1.0 };
    }
    (mean, sd)
}

/// Fit the p-quantile of y given x; `start` (natural scale) warm-starts the optimiser. Returns
/// the natural-scale coefficients.
///
/// # Errors
/// The optimiser failed (a non-finite cost: a non-finite x or y).
pub fn fit(data: &Data, p: f64, start: Option<&[f64]>) -> Result<Vec<f64>> {
    let (mean, sd) = scales(data.x);
    let z: Vec<Vec<f64>> = data
        .x
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(j, v)| if j == 0 { 1.0 } else { (v - mean[j]) / sd[j] })
                .collect()
        })
        .collect();
    let k = mean.len();
    let init = match start {
        Some(b) => to_standard(b, &mean, &sd),
        None => {
            let mut v: Vec<f64> = data.y.to_vec();
            let mut b = vec![0.0; k];
            b[0] = super::pilot::median(&mut v);
            b
        }
    };
    let obj = Objective { z, y: data.y, p };
    let (b, _, _) = minimise(&obj, Array1::from(init), SETTINGS, "quantile regression")?;
    Ok(to_natural(b.as_slice().expect("contiguous"), &mean, &sd))
}

fn to_standard(b: &[f64], mean: &[f64], sd: &[f64]) -> Vec<f64> {
    let mut out: Vec<f64> = b.iter().zip(sd).map(|(b, s)| b * s).collect();
    out[0] = b[0] + (1..b.len()).map(|j| b[j] * mean[j]).sum::<f64>();
    out
}

fn to_natural(b: &[f64], mean: &[f64], sd: &[f64]) -> Vec<f64> {
    let mut out: Vec<f64> = b.iter().zip(sd).map(|(b, s)| b / s).collect();
    out[0] = b[0] - (1..b.len()).map(|j| out[j] * mean[j]).sum::<f64>();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    /// y = 1 + 2 x + e with e uniform on [-1, 1]: the p-quantile line is 1 + 2 x + (2p - 1).
    #[test]
    fn quantile_lines_of_a_known_model_are_recovered() {
        let mut rng = crate::rng::stream(5, &[]);
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for _ in 0..4000 {
            let v: f64 = rng.random::<f64>() * 10.0;
            x.push(vec![1.0, v]);
            y.push(1.0 + 2.0 * v + (2.0 * rng.random::<f64>() - 1.0));
        }
        let d = Data { x: &x, y: &y };
        for p in [0.1, 0.5, 0.9] {
            let b = fit(&d, p, None).unwrap();
            // the sample quantile of 4,000 uniforms is within about 0.03 of the truth (sd of a
            // quantile estimate sqrt(p(1-p)/n)/density = 0.5 * 0.015 * 2), the slope closer
            assert!((b[0] - (2.0 * p)).abs() < 0.06, "p {p}: {b:?}");
            assert!((b[1] - 2.0).abs() < 0.01, "p {p}: {b:?}");
            // a warm start lands on the same line
            let w = fit(&d, p, Some(&b)).unwrap();
            assert!(
                (w[0] - b[0]).abs() < 1e-3 && (w[1] - b[1]).abs() < 1e-4,
                "{w:?} {b:?}"
            );
        }
    }

    #[test]
    fn the_smoothed_check_loss_is_continuous_with_a_continuous_slope() {
        for p in [0.1, 0.5, 0.9] {
            for r in [KAPPA, -KAPPA] {
                let (a, da) = check(r * (1.0 + 1e-12), p);
                let (b, db) = check(r * (1.0 - 1e-12), p);
                assert!(
                    (a - b).abs() < 1e-12 && (da - db).abs() < 1e-9,
                    "p {p} r {r}"
                );
            }
        }
    }
}
