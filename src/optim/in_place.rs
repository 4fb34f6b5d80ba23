//! L-BFGS over plain slices, working in place ([`lbfgs`]), and its vector sums.

use super::line_search::more_thuente;
use super::{JointObjective, Lbfgs};
use crate::error::{Error, Result};
use ndarray::Array1;

/// Why [`lbfgs`] stopped.
pub(super) const CONVERGED: &str = "Solver converged";
pub(super) const MAX_ITERS: &str = "Maximum number of iterations reached";

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
///
/// [`minimise`]: super::minimise
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
pub(super) fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

#[inline(always)]
fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    y.iter_mut().zip(x).for_each(|(yv, xv)| *yv += a * xv);
}
