//! The planner's one-dimensional and simplex solvers, through argmin.

use crate::error::{Error, Result};
use argmin::core::{CostFunction, Executor, State};
use argmin::solver::brent::BrentRoot;
use argmin::solver::neldermead::NelderMead;
use ndarray::Array1;

struct Fn1<F: Fn(f64) -> f64>(F);

impl<F: Fn(f64) -> f64> CostFunction for Fn1<F> {
    type Param = f64;
    type Output = f64;
    fn cost(&self, x: &f64) -> std::result::Result<f64, argmin::core::Error> {
        Ok((self.0)(*x))
    }
}

/// A root of `f` in `[lo, hi]` with BrentRoot, where `f(lo) < 0 <= f(hi)`; returns the smallest
/// point found with `f >= 0` (so the answer always satisfies the constraint it solves).
///
/// # Errors
/// Only when argmin fails for a reason other than the bracket (which is checked first).
pub fn first_nonneg(f: impl Fn(f64) -> f64, lo: f64, hi: f64, tol: f64) -> Result<f64> {
    let (flo, fhi) = (f(lo), f(hi));
    if flo >= 0.0 {
        return Ok(lo);
    }
    if fhi < 0.0 {
        return Err(Error::numerical(
            "planner root",
            format!("no sign change on [{lo}, {hi}]"),
        ));
    }
    let x = brent(&f, lo, hi, tol)?;
    // step to the feasible side of the root
    let mut y = x.clamp(lo, hi);
    let mut step = tol.max(1e-12 * y.abs());
    while f(y) < 0.0 && y < hi {
        y = (y + step).min(hi);
        step *= 2.0;
    }
    Ok(y)
}

/// A root of `f` on `[lo, hi]` where the signs at the ends differ (for crossovers).
pub fn root(f: impl Fn(f64) -> f64, lo: f64, hi: f64, tol: f64) -> Result<f64> {
    let (flo, fhi) = (f(lo), f(hi));
    if flo == 0.0 {
        return Ok(lo);
    }
    if fhi == 0.0 {
        return Ok(hi);
    }
    if flo * fhi > 0.0 {
        return Err(Error::numerical(
            "planner root",
            format!("no sign change on [{lo}, {hi}]"),
        ));
    }
    brent(&f, lo, hi, tol)
}

/// argmin's Brent root finder on `[lo, hi]` (signs at the ends differ); `hi` if it returns no point.
fn brent(f: &impl Fn(f64) -> f64, lo: f64, hi: f64, tol: f64) -> Result<f64> {
    let res = Executor::new(Fn1(f), BrentRoot::new(lo, hi, tol))
        .configure(|s| s.max_iters(200))
        .run()
        .map_err(|e| Error::numerical("planner root (BrentRoot)", e))?;
    Ok(res.state().get_best_param().copied().unwrap_or(hi))
}

struct FnN<F: Fn(&[f64]) -> f64>(F);

impl<F: Fn(&[f64]) -> f64> CostFunction for FnN<F> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, x: &Array1<f64>) -> std::result::Result<f64, argmin::core::Error> {
        Ok((self.0)(x.as_slice().expect("contiguous")))
    }
}

/// Minimise `f` with Nelder-Mead from the simplex spanned by `start` and `start + step * e_i`.
/// Returns the best point and its value.
pub fn nelder_mead(
    f: impl Fn(&[f64]) -> f64,
    start: &[f64],
    step: f64,
    max_iters: u64,
) -> Result<(Vec<f64>, f64)> {
    let k = start.len();
    let base = Array1::from(start.to_vec());
    let mut simplex = vec![base.clone()];
    for i in 0..k {
        let mut v = base.clone();
        v[i] += step;
        simplex.push(v);
    }
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(1e-9)
        .map_err(|e| Error::numerical("planner mix (NelderMead)", e))?;
    let res = Executor::new(FnN(&f), solver)
        .configure(|s| s.max_iters(max_iters))
        .run()
        .map_err(|e| Error::numerical("planner mix (NelderMead)", e))?;
    let state = res.state();
    let best = state
        .get_best_param()
        .map(|p| p.to_vec())
        .unwrap_or_else(|| start.to_vec());
    let value = f(&best);
    Ok((best, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_and_minima() {
        let x = first_nonneg(|x| x * x - 2.0, 0.0, 2.0, 1e-10).unwrap();
        assert!(x * x >= 2.0 && (x - 2f64.sqrt()).abs() < 1e-8);
        let (p, v) = nelder_mead(
            |p| (p[0] - 1.0).powi(2) + (p[1] + 2.0).powi(2),
            &[0.0, 0.0],
            0.5,
            500,
        )
        .unwrap();
        assert!(v < 1e-8 && (p[0] - 1.0).abs() < 1e-3, "{p:?}");
    }
}
