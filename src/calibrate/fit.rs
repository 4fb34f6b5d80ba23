//! One signal's learning curve fitted to the user's points, leaning on a prior.
//!
//! The curve is the surrogate's (`surrogate::curve`), without scenario terms: the user's data is
//! one scenario. The fit is a maximum a posteriori estimate in the fitting coordinates theta
//! (`Params::to_theta`), by argmin's L-BFGS from several starts:
//!
//! ```text
//! cost(theta) = sum_i (Q(n_i; theta) - y_i)^2 / (2 sigma^2) + sum_k (theta_k - mu_k)^2 / (2 s_k^2)
//! ```
//!
//! with the prior (mu, s) of [`super::prior`]. `sigma`, the noise of one measured point, is
//! estimated from the residuals and shrunk toward the prior value `s0`:
//! `sigma^2 = (SSR + NU0 * s0^2) / (max(m - k, 0) + NU0)` (m points, k free parameters), so three
//! points and three parameters give sigma = s0, never an optimistic zero.
//!
//! Uncertainty: replicates by randomised maximum a posteriori ("randomise then optimise"): each
//! replicate perturbs every observation by N(0, sigma^2) and every prior mean by N(0, s_k^2),
//! then refits from the optimum. For a linear-Gaussian model these are exact posterior draws;
//! here they are the usual approximation. With few points the prior's spread dominates and the
//! interval is wide; with many points the data pin the curve and it narrows. The replicates go
//! into the model file as its `bootstrap` entries, so `predict` and `plan` use them unchanged.

use super::prior::Prior;
use crate::error::{Error, Result};
use crate::optim::{self, JointObjective, Lbfgs};
use crate::surrogate::curve::{self, Inputs, N_PARAMS, Params};
use crate::surrogate::families::Family;
use ndarray::Array1;
use rayon::prelude::*;

/// Prior degrees of freedom of the noise level sigma.
pub const NU0: f64 = 2.0;
/// L-BFGS iterations per start.
pub const MAX_ITERS: u64 = 300;

/// L-BFGS settings of a calibration fit.
const SETTINGS: Lbfgs = Lbfgs {
    memory: 7,
    tol_grad: 1e-9,
    tol_cost: 1e-12,
    max_iters: MAX_ITERS,
};

/// One measured point of a learning curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    /// Number of annotations.
    pub n: f64,
    /// Measured quality.
    pub y: f64,
}

/// A fitted curve with its replicates.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveFit {
    pub family: Family,
    pub params: Params,
    pub replicates: Vec<Params>,
    /// Estimated noise of one measured point.
    pub sigma: f64,
    /// Root mean square residual of the MAP curve.
    pub rmse: f64,
    pub points: usize,
    pub termination: String,
    /// Largest n fitted.
    pub top_n: f64,
    /// Growth of the residual spread beyond `top_n`: sd(n) = sigma (n / top_n)^growth
    /// (0 unless set from forward validation by [`super::select`]).
    pub growth: f64,
    /// Count beyond which the residual spread stops growing (`f64::INFINITY`: it grows up to
    /// the largest count a target search asks about).
    pub growth_until: f64,
    /// The prior the curve was fitted under.
    pub prior: Prior,
    /// Forward-validation RMSE of every candidate tried (empty: no selection).
    pub candidates: Vec<(String, f64)>,
}

/// The curve inputs of a point: no scenario terms, a fixed floor, no cap.
pub fn inputs(n: f64, floor: f64) -> Inputs {
    Inputs::plain(n.max(0.0).ln(), floor, 1.0)
}

#[derive(Clone, Copy)]
struct Problem<'a> {
    family: Family,
    floor: f64,
    pts: &'a [CurvePoint],
    ys: &'a [f64],
    // literal 31 (= N_PARAMS): a named constant here trips a rustc 1.95 ICE in the closure below
    mu: [f64; 31],
    sd: [f64; 31],
    free: [bool; 31],
    sigma: f64,
}

const _: () = assert!(N_PARAMS == 31);

impl Problem<'_> {
    fn cost_grad(&self, theta: &[f64]) -> (f64, [f64; N_PARAMS]) {
        let p = Params::from_theta(theta);
        let w = 1.0 / (self.sigma * self.sigma);
        let mut c = 0.0;
        let mut g = [0.0; N_PARAMS];
        for (pt, &y) in self.pts.iter().zip(self.ys) {
            let (q, dq) = curve::grad_at(self.family, &p, &inputs(pt.n, self.floor));
            let r = q - y;
            c += 0.5 * w * r * r;
            for k in 0..N_PARAMS {
                g[k] += w * r * dq[k];
            }
        }
        for k in 0..N_PARAMS {
            if !self.free[k] {
                g[k] = 0.0;
                continue;
            }
            if self.sd[k].is_finite() {
                let d = (theta[k] - self.mu[k]) / self.sd[k];
                c += 0.5 * d * d;
                g[k] += d / self.sd[k];
            }
        }
        (c, g)
    }
}

impl JointObjective for Problem<'_> {
    fn cost_and_gradient(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        let (c, g) = self.cost_grad(p.as_slice().expect("contiguous"));
        (c, Array1::from_iter(g))
    }
}

/// Which parameters move: scale, shape, ceiling, and the base when there is a floor.
fn free_mask(floor: f64) -> [bool; N_PARAMS] {
    let mut free = [false; N_PARAMS];
    free[0] = true;
    free[1] = true;
    free[2] = true;
    free[3] = floor > 0.0;
    free
}

/// Minimise from each start; the best (theta, cost, termination).
fn minimise(
    problem: &Problem<'_>,
    starts: &[[f64; N_PARAMS]],
) -> Result<([f64; N_PARAMS], f64, String)> {
    let mut best: Option<([f64; N_PARAMS], f64, String)> = None;
    let mut last_err = None;
    for s in starts {
        match optim::minimise(problem, Array1::from_iter(*s), SETTINGS, "calibration fit") {
            Ok((t, cost, why)) => {
                if best.as_ref().is_none_or(|b| cost < b.1) {
                    let mut theta = [0.0; N_PARAMS];
                    theta.copy_from_slice(t.as_slice().expect("contiguous"));
                    best = Some((theta, cost, why));
                }
            }
            Err(e) => last_err = Some(e),
        }
    }
    match (best, last_err) {
        (Some(b), _) => Ok(b),
        (None, Some(e)) => Err(e),
        (None, None) => Err(Error::numerical("calibration fit", "no start to fit from")),
    }
}

/// Sum of squared errors of the curve `params` (of `family`, above `floor`) at `pts`.
pub fn sq_error(params: &Params, family: Family, pts: &[CurvePoint], floor: f64) -> f64 {
    pts.iter()
        .map(|pt| (params.predict(family, &inputs(pt.n, floor)) - pt.y).powi(2))
        .sum()
}

/// The starts of a fit: the prior mean, and the scale and shape moved around it.
fn starts_around(mu: [f64; N_PARAMS]) -> Vec<[f64; N_PARAMS]> {
    let mut starts = vec![mu];
    for dx in [-1.5, 1.5, 3.0] {
        for da in [-1.0, 0.0, 1.0] {
            let mut s = mu;
            s[0] += dx;
            s[1] += da;
            starts.push(s);
        }
    }
    starts
}

/// Rise in cost (negative log likelihood) that bounds a 90% profile-likelihood interval of one
/// parameter: half the 0.9 quantile of chi-squared with 1 degree of freedom.
pub const PROFILE_DELTA: f64 = 1.353;

/// Ceilings tried by [`plausible_ceilings`], logit-spaced between just above the best measured
/// point and [`CEILING_TOP`].
pub const CEILING_GRID: usize = 24;
/// Highest ceiling tried.
pub const CEILING_TOP: f64 = 0.999;

/// The curves that fit `pts` about as well as any with another ceiling: for each ceiling on a
/// grid from just above the best measured point to [`CEILING_TOP`], the best curve with the
/// ceiling held there (the other parameters under `prior`, the ceiling's own prior dropped,
/// the noise at `sigma`); kept when its cost is within [`PROFILE_DELTA`] of the best on the
/// grid. These are the ceilings the data cannot reject (a 90% profile-likelihood interval):
/// measured points that are still far below their ceiling leave it open, and an extrapolation
/// must say so.
///
/// # Errors
/// Every start failed at some ceiling.
pub fn plausible_ceilings(
    pts: &[CurvePoint],
    floor: f64,
    prior: &Prior,
    sigma: f64,
) -> Result<Vec<Params>> {
    let fits = ceiling_profile(pts, floor, prior, sigma)?;
    let best = fits.iter().map(|f| f.cost).fold(f64::INFINITY, f64::min);
    Ok(fits
        .into_iter()
        .filter(|f| f.cost <= best + PROFILE_DELTA)
        .map(|f| f.params)
        .collect())
}

/// One point of a ceiling's profile likelihood ([`ceiling_profile`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProfilePoint {
    /// The ceiling held, logit scale.
    pub logit_qmax: f64,
    /// The best curve with the ceiling held there.
    pub params: Params,
    /// Its cost (negative log posterior without the ceiling's prior, up to a constant).
    pub cost: f64,
}

/// The profile of the fit's cost over the ceiling: for each of [`CEILING_GRID`] ceilings,
/// logit-spaced from just above the best measured point to [`CEILING_TOP`] (equal steps in
/// logit, in increasing order), the best curve with the ceiling held there, as in
/// [`plausible_ceilings`].
///
/// # Errors
/// Every start failed at some ceiling.
pub fn ceiling_profile(
    pts: &[CurvePoint],
    floor: f64,
    prior: &Prior,
    sigma: f64,
) -> Result<Vec<ProfilePoint>> {
    let top = pts.iter().map(|p| p.y).fold(floor, f64::max);
    let lo = curve::logit((top + 0.01).clamp(0.01, CEILING_TOP - 0.001));
    let hi = curve::logit(CEILING_TOP);
    let held = HeldCeiling::new(pts, floor, prior, sigma);
    (0..CEILING_GRID)
        .into_par_iter()
        .map(|k| {
            let logit_qmax = lo + (hi - lo) * k as f64 / (CEILING_GRID - 1) as f64;
            let (params, cost) = held.fit(logit_qmax)?;
            Ok(ProfilePoint {
                logit_qmax,
                params,
                cost,
            })
        })
        .collect()
}

/// The best curve for `pts` with the ceiling held at `qmax` (the other parameters under
/// `prior`, the noise at `sigma`), as one point of [`ceiling_profile`].
///
/// # Errors
/// Every start failed.
pub fn fit_at_ceiling(
    pts: &[CurvePoint],
    floor: f64,
    prior: &Prior,
    sigma: f64,
    qmax: f64,
) -> Result<Params> {
    HeldCeiling::new(pts, floor, prior, sigma)
        .fit(curve::logit(qmax))
        .map(|f| f.0)
}

/// The fit problem of [`ceiling_profile`], before the ceiling is set.
struct HeldCeiling<'a> {
    pts: &'a [CurvePoint],
    ys: Vec<f64>,
    family: Family,
    floor: f64,
    mu: [f64; N_PARAMS],
    sd: [f64; N_PARAMS],
    free: [bool; N_PARAMS],
    sigma: f64,
}

impl<'a> HeldCeiling<'a> {
    fn new(pts: &'a [CurvePoint], floor: f64, prior: &Prior, sigma: f64) -> Self {
        let mut sd = prior.theta_sd();
        sd[2] = f64::INFINITY;
        let mut free = free_mask(floor);
        free[2] = false;
        HeldCeiling {
            pts,
            ys: pts.iter().map(|p| p.y).collect(),
            family: prior.family,
            floor,
            mu: prior.theta_mean(pts),
            sd,
            free,
            sigma,
        }
    }

    /// The best curve and its cost with the ceiling at `logit_qmax`.
    fn fit(&self, logit_qmax: f64) -> Result<(Params, f64)> {
        let mut mu = self.mu;
        mu[2] = logit_qmax;
        let problem = Problem {
            family: self.family,
            floor: self.floor,
            pts: self.pts,
            ys: &self.ys,
            mu,
            sd: self.sd,
            free: self.free,
            sigma: self.sigma,
        };
        let (theta, cost, _) = minimise(&problem, &starts_around(mu))?;
        Ok((Params::from_theta(&theta), cost))
    }
}

/// Fit one signal's curve to `pts` under `prior`, with `replicates` randomised refits.
///
/// # Errors
/// Fewer than 2 points, non-finite values, or every start failed.
pub fn fit_curve(
    pts: &[CurvePoint],
    floor: f64,
    prior: &Prior,
    replicates: usize,
    seed: u64,
) -> Result<CurveFit> {
    if pts.len() < 2 {
        return Err(Error::invalid(
            "points",
            pts.len(),
            "at least 2 measured points per signal",
        ));
    }
    let mu = prior.theta_mean(pts);
    let sd = prior.theta_sd();
    let free = free_mask(floor);
    let ys: Vec<f64> = pts.iter().map(|p| p.y).collect();
    let mut problem = Problem {
        family: prior.family,
        floor,
        pts,
        ys: &ys,
        mu,
        sd,
        free,
        sigma: prior.sigma0,
    };
    let mut starts = starts_around(mu);
    let (theta, _, _) = minimise(&problem, &starts)?;
    // noise level, shrunk toward the prior value
    let ssr = sq_error(&Params::from_theta(&theta), prior.family, pts, floor);
    let k = free.iter().filter(|f| **f).count();
    let dof = pts.len().saturating_sub(k) as f64;
    let sigma = ((ssr + NU0 * prior.sigma0.powi(2)) / (dof + NU0)).sqrt();
    problem.sigma = sigma;
    starts.insert(0, theta);
    let (theta, _, termination) = minimise(&problem, &starts)?;
    let params = Params::from_theta(&theta);
    let rmse = (sq_error(&params, prior.family, pts, floor) / pts.len() as f64).sqrt();
    let reps: Vec<Params> = (0..replicates)
        .into_par_iter()
        .map(|b| {
            let mut rng = crate::rng::stream(seed, &[0xCA1B, b as u64]);
            let ys: Vec<f64> = ys
                .iter()
                .map(|y| y + sigma * crate::sim::world::normal(&mut rng))
                .collect();
            let mut mu_b = mu;
            for k in 0..N_PARAMS {
                if free[k] && sd[k].is_finite() {
                    mu_b[k] += sd[k] * crate::sim::world::normal(&mut rng);
                }
            }
            let pb = Problem {
                ys: &ys,
                mu: mu_b,
                ..problem
            };
            minimise(&pb, &[theta]).map(|(t, _, _)| Params::from_theta(&t))
        })
        .collect::<Result<_>>()?;
    Ok(CurveFit {
        family: prior.family,
        params,
        replicates: reps,
        sigma,
        rmse,
        points: pts.len(),
        termination,
        top_n: pts.iter().map(|p| p.n).fold(0.0, f64::max),
        growth: 0.0,
        growth_until: f64::INFINITY,
        prior: *prior,
        candidates: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::Signal;

    /// Noise-free points of an MMF curve with ceiling 0.8 (scale e^6, floor 0.1), at the counts.
    fn points(counts: &[f64]) -> Vec<CurvePoint> {
        let truth = Params::plain(6.0, 1.5, 0.8, 0.5);
        counts
            .iter()
            .map(|&n| CurvePoint {
                n,
                y: truth.predict(Family::Mmf, &inputs(n, 0.1)),
            })
            .collect()
    }

    #[test]
    fn the_data_leave_the_ceiling_open_until_they_reach_the_plateau() {
        let prior = Prior::for_signal(None, Signal::Hard);
        let ceilings = |pts: &[CurvePoint]| {
            let c: Vec<f64> = plausible_ceilings(pts, 0.1, &prior, 0.01)
                .unwrap()
                .iter()
                .map(|p| p.qmax)
                .collect();
            (
                c.iter().copied().fold(f64::INFINITY, f64::min),
                c.iter().copied().fold(0.0, f64::max),
            )
        };
        // on the rise only (up to a quarter of the scale): ceilings from the truth's 0.8 to
        // near 1 fit within the noise
        let (lo, hi) = ceilings(&points(&[10.0, 20.0, 40.0, 70.0, 100.0]));
        assert!(lo <= 0.8 && hi >= 0.95, "rise: {lo} - {hi}");
        // through the plateau (up to 50 times the scale): only the truth's
        let (lo, hi) = ceilings(&points(&[20.0, 100.0, 400.0, 2000.0, 8000.0, 20000.0]));
        assert!(lo >= 0.77 && hi <= 0.83, "plateau: {lo} - {hi}");
    }

    #[test]
    fn a_held_ceiling_fit_is_the_profile_point() {
        let prior = Prior::for_signal(None, Signal::Hard);
        let pts = points(&[10.0, 20.0, 40.0, 70.0, 100.0]);
        let profile = ceiling_profile(&pts, 0.1, &prior, 0.01).unwrap();
        assert_eq!(profile.len(), CEILING_GRID);
        let p = &profile[5];
        let held = fit_at_ceiling(&pts, 0.1, &prior, 0.01, curve::sigmoid(p.logit_qmax)).unwrap();
        assert!((held.qmax - p.params.qmax).abs() < 1e-9);
        assert!((held.alpha - p.params.alpha).abs() < 1e-6);
        assert!((held.log_x0 - p.params.log_x0).abs() < 1e-6);
    }
}
