//! One L-BFGS driver for every smooth fit in the crate (the simulator's learners, calibration).
//!
//! Objectives compute cost and gradient together ([`JointObjective`]); argmin's line search and
//! L-BFGS ask for them separately at the same point, so the last evaluation is cached and each
//! point is evaluated once.

use crate::error::{Error, Result};
use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::Array1;
use std::cell::RefCell;

/// L-BFGS settings: memory and the stopping rule (gradient norm below `tol_grad`, or a change in
/// cost below `tol_cost` between iterations, or `max_iters` iterations).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lbfgs {
    pub memory: usize,
    pub tol_grad: f64,
    pub tol_cost: f64,
    pub max_iters: u64,
}

/// An objective whose cost and gradient are computed in one pass.
pub trait JointObjective {
    fn cost_and_gradient(&self, p: &Array1<f64>) -> (f64, Array1<f64>);
}

/// Minimise `obj` from `init` by L-BFGS (More-Thuente line search) with `settings`.
/// Returns the best parameters, their cost and why the optimiser stopped.
///
/// # Errors
/// The optimiser failed (for example a non-finite cost); `what` names the learner in the message.
pub fn minimise<J: JointObjective>(
    obj: &J,
    init: Array1<f64>,
    settings: Lbfgs,
    what: &str,
) -> Result<(Array1<f64>, f64, String)> {
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), settings.memory)
        .with_tolerance_grad(settings.tol_grad)
        .and_then(|s| s.with_tolerance_cost(settings.tol_cost))
        .map_err(|e| Error::numerical(what, e))?;
    let problem = Problem {
        obj,
        cache: RefCell::new(None),
    };
    let res = Executor::new(problem, solver)
        .configure(|s| s.param(init).max_iters(settings.max_iters))
        .run()
        .map_err(|e| Error::numerical(format!("{what} (L-BFGS)"), e))?;
    let state = res.state();
    let best = state
        .get_best_param()
        .or_else(|| state.get_param())
        .ok_or_else(|| Error::numerical(what, "optimiser returned no parameters"))?
        .clone();
    let termination = state
        .get_termination_reason()
        .map(|r| r.to_string())
        .unwrap_or_default();
    Ok((best, state.get_best_cost(), termination))
}

/// A parameter vector with its cost and gradient.
type Evaluated = (Array1<f64>, f64, Array1<f64>);

/// argmin's view of a [`JointObjective`]: the line search and L-BFGS ask for the cost and the
/// gradient separately at the same point, so the last evaluation is cached.
struct Problem<'o, J> {
    obj: &'o J,
    cache: RefCell<Option<Evaluated>>,
}

impl<J: JointObjective> Problem<'_, J> {
    fn cached(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        if let Some((cp, c, g)) = self.cache.borrow().as_ref()
            && cp == p
        {
            return (*c, g.clone());
        }
        let (c, g) = self.obj.cost_and_gradient(p);
        *self.cache.borrow_mut() = Some((p.clone(), c, g.clone()));
        (c, g)
    }
}

impl<J: JointObjective> CostFunction for Problem<'_, J> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, p: &Self::Param) -> std::result::Result<f64, argmin::core::Error> {
        let (c, _) = self.cached(p);
        if !c.is_finite() {
            return Err(argmin::core::Error::msg(format!("non-finite cost {c}")));
        }
        Ok(c)
    }
}

impl<J: JointObjective> Gradient for Problem<'_, J> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(&self, p: &Self::Param) -> std::result::Result<Array1<f64>, argmin::core::Error> {
        Ok(self.cached(p).1)
    }
}

/// Why [`lbfgs`] stopped.
const CONVERGED: &str = "Solver converged";
const MAX_ITERS: &str = "Maximum number of iterations reached";

/// Minimise `obj` from `init` by L-BFGS with the More-Thuente line search, working in place.
///
/// The same algorithm, constants and stopping rule as [`minimise`] (argmin's `LBFGS` with
/// `MoreThuenteLineSearch`: c1 = 1e-4, c2 = 0.9, first step 1, initial Hessian scale
/// s'y / y'y, the line search as in MINPACK), written over plain slices: argmin's ndarray backend allocates a vector for every
/// vector operation, which on the simulator's 1,000-parameter problems costs about a quarter of
/// the training time (`cargo bench --bench sim`, group `optimiser`). The iterates agree with
/// [`minimise`] up to rounding in the vector sums and the line-search details above.
///
/// # Errors
/// A non-finite cost, or a line search that breaks down on non-finite values; `what` names the
/// learner in the message.
pub fn lbfgs<J: JointObjective>(
    obj: &J,
    init: Array1<f64>,
    settings: Lbfgs,
    what: &str,
) -> Result<(Array1<f64>, f64, String)> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { lbfgs_avx2(obj, init, settings, what) };
        }
    }
    lbfgs_impl(obj, init, settings, what)
}

/// [`lbfgs_impl`] compiled for AVX2: its vector sums run 4-wide. Rust never fuses a multiply and
/// an add on its own, so both versions give the same bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn lbfgs_avx2<J: JointObjective>(
    obj: &J,
    init: Array1<f64>,
    settings: Lbfgs,
    what: &str,
) -> Result<(Array1<f64>, f64, String)> {
    lbfgs_impl(obj, init, settings, what)
}

#[inline(always)]
fn lbfgs_impl<J: JointObjective>(
    obj: &J,
    init: Array1<f64>,
    settings: Lbfgs,
    what: &str,
) -> Result<(Array1<f64>, f64, String)> {
    let n = init.len();
    let m = settings.memory.max(1);
    let eval = |p: &Array1<f64>| -> Result<(f64, Array1<f64>)> {
        let (c, g) = obj.cost_and_gradient(p);
        if c.is_finite() {
            Ok((c, g))
        } else {
            Err(Error::numerical(what, format!("non-finite cost {c}")))
        }
    };
    let mut x = init;
    let (mut f, mut g) = eval(&x)?;
    // history of steps s and gradient changes y, oldest first (ring buffer of `m` slots)
    let mut s_hist = vec![vec![0.0; n]; m];
    let mut y_hist = vec![vec![0.0; n]; m];
    let mut rho = vec![0.0; m];
    let mut alpha = vec![0.0; m];
    let (mut len, mut head) = (0usize, 0usize);
    let mut dir = vec![0.0; n];
    let mut trial = Array1::<f64>::zeros(n);
    let mut iters = 0u64;
    let mut termination = MAX_ITERS;
    if norm(g.as_slice().expect("contiguous")) < settings.tol_grad {
        termination = CONVERGED;
    }
    while termination != CONVERGED && iters < settings.max_iters {
        let gs = g.as_slice().expect("contiguous");
        // two-loop recursion: dir = -H g
        dir.copy_from_slice(gs);
        let slot = |k: usize| (head + m - len + k) % m; // k-th oldest
        for k in (0..len).rev() {
            let i = slot(k);
            let a = rho[i] * dot(&s_hist[i], &dir);
            alpha[i] = a;
            axpy(-a, &y_hist[i], &mut dir);
        }
        if len > 0 {
            let i = slot(len - 1);
            let gamma = dot(&s_hist[i], &y_hist[i]) / dot(&y_hist[i], &y_hist[i]);
            dir.iter_mut().for_each(|v| *v *= gamma);
        }
        for k in 0..len {
            let i = slot(k);
            let b = rho[i] * dot(&y_hist[i], &dir);
            axpy(alpha[i] - b, &s_hist[i], &mut dir);
        }
        dir.iter_mut().for_each(|v| *v = -*v);
        let dg0 = dot(gs, &dir);
        if dg0 >= 0.0 {
            return Err(Error::numerical(
                what,
                "L-BFGS: search direction is not a descent direction",
            ));
        }
        let xs = x.as_slice().expect("contiguous");
        let mut phi = |a: f64| -> Result<(f64, f64, Array1<f64>)> {
            let ts = trial.as_slice_mut().expect("contiguous");
            for ((t, &xi), &di) in ts.iter_mut().zip(xs).zip(&dir) {
                *t = xi + a * di;
            }
            let (c, gr) = eval(&trial)?;
            Ok((c, dot(gr.as_slice().expect("contiguous"), &dir), gr))
        };
        let (step, f_new, g_new) = more_thuente(&mut phi, f, dg0, what)?;
        // new point, step and gradient change, stored in place of the oldest pair when full
        let i = head;
        for (sv, d) in s_hist[i].iter_mut().zip(&dir) {
            *sv = step * d;
        }
        let (gn, go) = (
            g_new.as_slice().expect("contiguous"),
            g.as_slice().expect("contiguous"),
        );
        for ((yv, a), b) in y_hist[i].iter_mut().zip(gn).zip(go) {
            *yv = a - b;
        }
        rho[i] = 1.0 / dot(&y_hist[i], &s_hist[i]);
        head = (head + 1) % m;
        len = (len + 1).min(m);
        x.as_slice_mut()
            .expect("contiguous")
            .iter_mut()
            .zip(&s_hist[i])
            .for_each(|(xv, sv)| *xv += sv);
        let f_prev = f;
        f = f_new;
        g = g_new;
        iters += 1;
        if norm(g.as_slice().expect("contiguous")) < settings.tol_grad
            || (f_prev - f).abs() < settings.tol_cost
        {
            termination = CONVERGED;
        }
    }
    Ok((x, f, termination.to_string()))
}

/// One step of [`more_thuente`]'s bracket: a step length with its value and slope.
#[derive(Debug, Clone, Copy)]
struct Step {
    x: f64,
    fx: f64,
    gx: f64,
}

/// More-Thuente line search (MINPACK `cvsrch` and `cstep`) along a direction
/// with slope `dg0 < 0` at step 0 where the cost is `f0`. `phi(a)` returns the cost, the slope
/// and the gradient at step `a`. Returns the accepted step, its cost and its gradient.
///
/// argmin 0.11's port departs from MINPACK in three small ways, all followed here as in MINPACK:
/// the cubic's scale is the largest *absolute* value of theta and the slopes, the first stage
/// compares the trial's value with the best step's (not the previous trial's), and it restores the
/// bracket's values from the step `cstep` returns.
fn more_thuente<G>(
    phi: &mut impl FnMut(f64) -> Result<(f64, f64, G)>,
    f0: f64,
    dg0: f64,
    what: &str,
) -> Result<(f64, f64, G)> {
    const FTOL: f64 = 1e-4;
    const GTOL: f64 = 0.9;
    const XTRAPF: f64 = 4.0;
    const XTOL: f64 = 1e-10;
    let stpmin = f64::EPSILON.sqrt();
    let stpmax = f64::INFINITY;
    let dgtest = FTOL * dg0;
    let mut width = stpmax - stpmin;
    let mut width1 = 2.0 * width;
    let mut stage1 = true;
    let mut brackt = false;
    let mut infoc = 1;
    let mut stp = Step {
        x: 1.0,
        fx: f64::NAN,
        gx: f64::NAN,
    };
    let mut stx = Step {
        x: 0.0,
        fx: f0,
        gx: dg0,
    };
    let mut sty = stx;
    loop {
        let (stmin, stmax) = if brackt {
            (stx.x.min(sty.x), stx.x.max(sty.x))
        } else {
            (stx.x, stp.x + XTRAPF * (stp.x - stx.x))
        };
        stp.x = stp.x.max(stpmin).min(stpmax);
        if (brackt && (stp.x <= stmin || stp.x >= stmax || (stmax - stmin) <= XTOL * stmax))
            || infoc == 0
        {
            stp.x = stx.x;
        }
        let (f, dg, grad) = phi(stp.x)?;
        let ftest1 = f0 + stp.x * dgtest;
        let done = ((brackt && (stp.x <= stmin || stp.x >= stmax)) || infoc == 0)
            || ((stp.x - stpmax).abs() < f64::EPSILON && f <= ftest1 && dg <= dgtest)
            || ((stp.x - stpmin).abs() < f64::EPSILON && (f > ftest1 || dg >= dgtest))
            || (brackt && stmax - stmin <= XTOL * stmax)
            || (f <= ftest1 && dg.abs() <= GTOL * (-dg0));
        if done {
            return Ok((stp.x, f, grad));
        }
        if stage1 && f <= ftest1 && dg >= FTOL.min(GTOL) * dg0 {
            stage1 = false;
        }
        if stage1 && f <= stx.fx && f > ftest1 {
            // modified function psi(a) = phi(a) - a * dgtest while in the first stage
            let shift = |s: Step| Step {
                x: s.x,
                fx: s.fx - s.x * dgtest,
                gx: s.gx - dgtest,
            };
            let (x1, y1, p1, b1, info) = cstep(
                shift(stx),
                shift(sty),
                Step {
                    x: stp.x,
                    fx: f - stp.x * dgtest,
                    gx: dg - dgtest,
                },
                brackt,
                stmin,
                stmax,
                what,
            )?;
            let unshift = |s: Step| Step {
                x: s.x,
                fx: s.fx + s.x * dgtest,
                gx: s.gx + dgtest,
            };
            stx = unshift(x1);
            sty = unshift(y1);
            stp = unshift(p1);
            brackt = b1;
            infoc = info;
        } else {
            let (x1, y1, p1, b1, info) = cstep(
                stx,
                sty,
                Step {
                    x: stp.x,
                    fx: f,
                    gx: dg,
                },
                brackt,
                stmin,
                stmax,
                what,
            )?;
            stx = x1;
            sty = y1;
            stp = p1;
            brackt = b1;
            infoc = info;
        }
        if brackt {
            if (sty.x - stx.x).abs() >= 0.66 * width1 {
                stp.x = stx.x + 0.5 * (sty.x - stx.x);
            }
            width1 = width;
            width = (sty.x - stx.x).abs();
        }
    }
}

/// The safeguarded cubic/quadratic step of More and Thuente (MINPACK `cstep`). Returns the new
/// bracket ends, the new trial step, whether the minimum is bracketed, and which case applied
/// (0 when the inputs were inconsistent and nothing changed).
#[allow(clippy::too_many_arguments)]
fn cstep(
    stx: Step,
    sty: Step,
    stp: Step,
    brackt: bool,
    stpmin: f64,
    stpmax: f64,
    what: &str,
) -> Result<(Step, Step, Step, bool, usize)> {
    if (brackt && (stp.x <= stx.x.min(sty.x) || stp.x >= stx.x.max(sty.x)))
        || stx.gx * (stp.x - stx.x) >= 0.0
        || stpmax < stpmin
    {
        return Ok((stx, sty, stp, brackt, 0));
    }
    let mut brackt = brackt;
    let sgnd = stp.gx * (stx.gx / stx.gx.abs());
    // largest of |theta| and the two slopes scales the cubic's discriminant
    let scale = |theta: f64, a: f64, b: f64| -> Result<f64> {
        if [theta, a, b].iter().any(|v| !v.is_finite()) {
            return Err(Error::numerical(
                what,
                "More-Thuente line search met a non-finite value",
            ));
        }
        Ok(theta.abs().max(a.abs()).max(b.abs()))
    };
    // the cubic through steps u and v with slopes g1, g2 (in that order of summation): theta and
    // the unsigned gamma; `clamp` floors the discriminant at 0 (case 3)
    let cubic = |u: Step, v: Step, g1: f64, g2: f64, clamp: bool| -> Result<(f64, f64)> {
        let theta = 3.0 * (u.fx - v.fx) / (v.x - u.x) + g1 + g2;
        let s = scale(theta, g1, g2)?;
        let disc = (theta / s).powi(2) - (g1 / s) * (g2 / s);
        let disc = if clamp { 0.0_f64.max(disc) } else { disc };
        Ok((theta, s * disc.sqrt()))
    };
    let (info, bound, mut stpf);
    if stp.fx > stx.fx {
        // 1: higher value, minimum bracketed; cubic step if closer to stx, else the mean
        info = 1;
        bound = true;
        let (theta, mut gamma) = cubic(stx, stp, stx.gx, stp.gx, false)?;
        if stp.x < stx.x {
            gamma = -gamma;
        }
        let p = (gamma - stx.gx) + theta;
        let q = ((gamma - stx.gx) + gamma) + stp.gx;
        let stpc = stx.x + p / q * (stp.x - stx.x);
        let stpq = stx.x
            + ((stx.gx / ((stx.fx - stp.fx) / (stp.x - stx.x) + stx.gx)) / 2.0) * (stp.x - stx.x);
        stpf = if (stpc - stx.x).abs() < (stpq - stx.x).abs() {
            stpc
        } else {
            stpc + (stpq - stpc) / 2.0
        };
        brackt = true;
    } else if sgnd < 0.0 {
        // 2: lower value, slopes of opposite sign: bracketed; the step farther from stp
        info = 2;
        bound = false;
        let (theta, mut gamma) = cubic(stx, stp, stx.gx, stp.gx, false)?;
        if stp.x > stx.x {
            gamma = -gamma;
        }
        let p = (gamma - stp.gx) + theta;
        let q = ((gamma - stp.gx) + gamma) + stx.gx;
        let stpc = stp.x + p / q * (stx.x - stp.x);
        let stpq = stp.x + (stp.gx / (stp.gx - stx.gx)) * (stx.x - stp.x);
        stpf = if (stpc - stp.x).abs() > (stpq - stp.x).abs() {
            stpc
        } else {
            stpq
        };
        brackt = true;
    } else if stp.gx.abs() < stx.gx.abs() {
        // 3: lower value, same sign, slope shrinking
        info = 3;
        bound = true;
        let (theta, mut gamma) = cubic(stx, stp, stx.gx, stp.gx, true)?;
        if stp.x > stx.x {
            gamma = -gamma;
        }
        let p = (gamma - stp.gx) + theta;
        let q = (gamma + (stx.gx - stp.gx)) + gamma;
        let r = p / q;
        let stpc = if r < 0.0 && gamma != 0.0 {
            stp.x + r * (stx.x - stp.x)
        } else if stp.x > stx.x {
            stpmax
        } else {
            stpmin
        };
        let stpq = stp.x + (stp.gx / (stp.gx - stx.gx)) * (stx.x - stp.x);
        let (dc, dq) = ((stp.x - stpc).abs(), (stp.x - stpq).abs());
        // bracketed: the step nearer stp; not bracketed: the farther one
        stpf = if (brackt && dc < dq) || (!brackt && dc > dq) {
            stpc
        } else {
            stpq
        };
    } else {
        // 4: lower value, same sign, slope not shrinking
        info = 4;
        bound = false;
        stpf = if brackt {
            let (theta, mut gamma) = cubic(stp, sty, sty.gx, stp.gx, false)?;
            if stp.x > sty.x {
                gamma = -gamma;
            }
            let p = (gamma - stp.gx) + theta;
            let q = ((gamma - stp.gx) + gamma) + sty.gx;
            stp.x + p / q * (sty.x - stp.x)
        } else if stp.x > stx.x {
            stpmax
        } else {
            stpmin
        };
    }
    // update the interval of uncertainty
    let (mut nx, mut ny) = (stx, sty);
    if stp.fx > stx.fx {
        ny = stp;
    } else {
        if sgnd < 0.0 {
            ny = stx;
        }
        nx = stp;
    }
    stpf = stpmin.max(stpmax.min(stpf));
    let mut np = stp;
    np.x = stpf;
    if brackt && bound {
        let lim = nx.x + 0.66 * (ny.x - nx.x);
        np.x = if ny.x > nx.x {
            np.x.min(lim)
        } else {
            np.x.max(lim)
        };
    }
    Ok((nx, ny, np, brackt, info))
}

#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    // sixteen running sums (four 4-wide vectors), so the additions do not wait on each other
    const LANES: usize = 16;
    let mut acc = [0.0; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..LANES {
            acc[k] += x[k] * y[k];
        }
    }
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for k in 0..width {
            acc[k] += acc[k + width];
        }
    }
    acc[0] + tail
}

#[inline(always)]
fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

#[inline(always)]
fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    y.iter_mut().zip(x).for_each(|(yv, xv)| *yv += a * xv);
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rosenbrock;
    impl JointObjective for Rosenbrock {
        fn cost_and_gradient(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
            let (x, y) = (p[0], p[1]);
            let c = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
            let g = Array1::from(vec![
                -2.0 * (1.0 - x) - 400.0 * x * (y - x * x),
                200.0 * (y - x * x),
            ]);
            (c, g)
        }
    }

    /// 0.5 p'Ap - b'p with A = M'M + I from a seeded M: the minimum solves A p = b.
    struct Quadratic {
        a: ndarray::Array2<f64>,
        b: Array1<f64>,
    }
    impl Quadratic {
        fn new(n: usize) -> Quadratic {
            let mut rng = crate::rng::stream(11, &[]);
            let m = ndarray::Array2::from_shape_simple_fn((n, n), || {
                crate::sim::world::normal(&mut rng) / (n as f64).sqrt()
            });
            let a = m.t().dot(&m) + ndarray::Array2::<f64>::eye(n);
            let b = Array1::from_shape_simple_fn(n, || crate::sim::world::normal(&mut rng));
            Quadratic { a, b }
        }
    }
    impl JointObjective for Quadratic {
        fn cost_and_gradient(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
            let ap = self.a.dot(p);
            (0.5 * p.dot(&ap) - self.b.dot(p), ap - &self.b)
        }
    }

    const TIGHT: Lbfgs = Lbfgs {
        memory: 10,
        tol_grad: 1e-10,
        tol_cost: 0.0,
        max_iters: 1000,
    };

    #[test]
    fn in_place_lbfgs_finds_the_rosenbrock_minimum() {
        let (p, c, why) = lbfgs(&Rosenbrock, Array1::from(vec![-1.2, 1.0]), TIGHT, "t").unwrap();
        assert!(
            (p[0] - 1.0).abs() < 1e-6 && (p[1] - 1.0).abs() < 1e-6,
            "{p}"
        );
        assert!(c < 1e-12, "{c}");
        assert_eq!(why, CONVERGED);
    }

    /// On a 60-dimensional convex quadratic both implementations reach the solution of A p = b,
    /// and the gradient-norm rule stops them there.
    #[test]
    fn in_place_and_argmin_lbfgs_agree_on_a_quadratic() {
        let q = Quadratic::new(60);
        let init = Array1::zeros(60);
        let settings = Lbfgs {
            tol_grad: 1e-9,
            ..TIGHT
        };
        let (p1, c1, _) = lbfgs(&q, init.clone(), settings, "t").unwrap();
        let (p2, c2, _) = minimise(&q, init, settings, "t").unwrap();
        let residual = |p: &Array1<f64>| norm((q.a.dot(p) - &q.b).as_slice().unwrap());
        assert!(residual(&p1) < 1e-9, "{}", residual(&p1));
        assert!(residual(&p2) < 1e-8, "{}", residual(&p2));
        assert!((c1 - c2).abs() < 1e-12, "{c1} vs {c2}");
    }

    #[test]
    fn the_iteration_cap_and_the_cost_rule_stop_the_loop() {
        let capped = Lbfgs {
            max_iters: 3,
            ..TIGHT
        };
        let (_, _, why) = lbfgs(&Rosenbrock, Array1::from(vec![-1.2, 1.0]), capped, "t").unwrap();
        assert_eq!(why, MAX_ITERS);
        let loose = Lbfgs {
            tol_cost: 1e3,
            ..TIGHT
        };
        let (p, _, why) = lbfgs(&Rosenbrock, Array1::from(vec![-1.2, 1.0]), loose, "t").unwrap();
        assert_eq!(why, CONVERGED);
        assert!(
            (p[0] - 1.0).abs() > 1e-3,
            "one step cannot reach the minimum: {p}"
        );
    }

    struct NanAfter;
    impl JointObjective for NanAfter {
        fn cost_and_gradient(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
            let c = if p[0] > 0.5 { f64::NAN } else { -p[0] };
            (c, Array1::from(vec![-1.0]))
        }
    }

    #[test]
    fn a_non_finite_cost_is_an_error_naming_the_learner() {
        let err = lbfgs(&NanAfter, Array1::from(vec![0.0]), TIGHT, "my learner").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("my learner") && msg.contains("non-finite"),
            "{msg}"
        );
    }
}
