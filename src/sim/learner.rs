//! The learner: a linear encoder f(x) = W x (W is r x D) trained on annotations only.
//!
//! Objectives (all means over annotations, plus `weight_decay / 2 * (|W|^2 + |V|^2)`):
//! - hard / soft: cross-entropy of softmax(V W x + b) against the label distribution;
//! - triplet: `softplus(y (|W(x_a - x_b)|^2 - |W(x_a - x_c)|^2))`, y = +1 when the answer was b;
//! - pair: `softplus(y (|W(x_a - x_b)|^2 - theta))`, y = +1 for "same", theta learned.
//!
//! Optimiser: full-batch L-BFGS (memory 10, More-Thuente line search), run by the crate's in-place
//! loop [`crate::optim::lbfgs`]: the same algorithm as argmin's `LBFGS`, measured faster on
//! these problems because argmin's ndarray backend allocates a vector per vector operation
//! (`cargo bench --bench sim`, group `optimiser`). Stopping rule (deterministic): the gradient norm falls below
//! `TOL_GRAD`, or the cost changes by less than `TOL_COST` between iterations, or `MAX_ITERS`
//! iterations have run.

use super::annotations::Annotations;
use super::skinny::{Tall, t_times, times};
use crate::error::Result;
use crate::fastmath::{exp_in_place_f32, sigmoid, softplus};
use crate::optim::{JointObjective, Lbfgs, lbfgs, minimise};
use ndarray::{Array1, Array2, ArrayView2, Axis, s};
use std::cell::Cell;

/// L-BFGS stops when the gradient norm is below this.
pub const TOL_GRAD: f64 = 1e-5;
/// ... or when the cost changes by less than this between iterations.
pub const TOL_COST: f64 = 1e-5;
/// ... or after this many iterations.
pub const MAX_ITERS: u64 = 400;
/// L-BFGS memory.
pub const LBFGS_MEMORY: usize = 10;

/// The learner's optimiser settings and stopping rule.
pub const LEARNER_LBFGS: Lbfgs = Lbfgs {
    memory: LBFGS_MEMORY,
    tol_grad: TOL_GRAD,
    tol_cost: TOL_COST,
    max_iters: MAX_ITERS,
};

/// Which L-BFGS runs the learner: the in-place loop ([`crate::optim::lbfgs`], used by the
/// simulator) or argmin's solver ([`crate::optim::minimise`], kept for comparison).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Optimiser {
    InPlace,
    Argmin,
}

/// Shapes and regularisation of one training problem.
#[derive(Debug, Clone, Copy)]
pub struct Dims {
    /// r, representation dimension.
    pub rep: usize,
    /// D, feature dimension.
    pub features: usize,
    /// C, classes.
    pub classes: usize,
    /// L2 penalty.
    pub weight_decay: f64,
}

impl Dims {
    fn w_len(&self) -> usize {
        self.rep * self.features
    }
}

/// The trained (or initial) parameters.
#[derive(Debug, Clone)]
pub struct Trained {
    /// Encoder weights W (r x D).
    pub w: Array2<f64>,
    /// Objective evaluations used.
    pub evals: u64,
    /// Final cost.
    pub cost: f64,
    /// Why the optimiser stopped.
    pub termination: String,
}

/// The objective for one set of annotations.
pub struct Objective<'a> {
    pub dims: Dims,
    pub data: &'a Annotations,
    /// The annotation's feature rows (features or differences) in single precision: the two
    /// large products of every evaluation run on them at twice the double-precision speed.
    rows: Tall,
    evals: Cell<u64>,
}

impl<'a> Objective<'a> {
    pub fn new(dims: Dims, data: &'a Annotations) -> Self {
        let rows = match data {
            Annotations::Class { x, .. } => x,
            Annotations::Triplet { diffs, .. } | Annotations::Pair { diffs, .. } => diffs,
        };
        Objective {
            dims,
            data,
            rows: Tall::new(rows.mapv(|v| v as f32)),
            evals: Cell::new(0),
        }
    }

    /// Number of parameters for this objective.
    pub fn param_len(&self) -> usize {
        let d = self.dims;
        match self.data {
            Annotations::Class { .. } => d.w_len() + d.classes * d.rep + d.classes,
            Annotations::Triplet { .. } => d.w_len(),
            Annotations::Pair { .. } => d.w_len() + 1,
        }
    }

    /// The encoder part of a parameter vector.
    pub fn encoder<'p>(&self, p: &'p Array1<f64>) -> ArrayView2<'p, f64> {
        let d = self.dims;
        p.slice(s![..d.w_len()])
            .into_shape_with_order((d.rep, d.features))
            .expect("contiguous parameter vector")
    }

    /// Cost and gradient in one pass.
    pub fn cost_and_gradient(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2, checked just above.
                return unsafe { self.cost_and_gradient_avx2(p) };
            }
        }
        self.cost_and_gradient_impl(p)
    }

    /// [`Objective::cost_and_gradient`] compiled for AVX2 (its element loops run 4- and 8-wide).
    /// Rust never fuses a multiply and an add on its own, so both versions give the same bits.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn cost_and_gradient_avx2(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        self.cost_and_gradient_impl(p)
    }

    #[inline(always)]
    fn cost_and_gradient_impl(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        self.evals.set(self.evals.get() + 1);
        let mut grad = Array1::zeros(p.len());
        let d = self.dims;
        let wl = d.w_len();
        let w = self.encoder(p);
        let mut cost = match self.data {
            Annotations::Class { y, .. } => class_loss(d, p, &self.rows, y, &mut grad),
            Annotations::Triplet { answer, .. } => {
                let (loss, gw) = metric_loss(w, &self.rows, |e_sq, g| {
                    let n = answer.len() as f64;
                    let mut loss = 0.0;
                    for (t, &yt) in answer.iter().enumerate() {
                        let u = yt * (e_sq[2 * t] - e_sq[2 * t + 1]);
                        loss += softplus(u);
                        let s = 2.0 * sigmoid(u) * yt / n;
                        g[2 * t] = s;
                        g[2 * t + 1] = -s;
                    }
                    loss / n
                });
                grad.slice_mut(s![..wl])
                    .assign(&gw.into_shape_with_order(wl).expect("contiguous"));
                loss
            }
            Annotations::Pair { same, .. } => {
                let theta = p[wl];
                let mut dtheta = 0.0;
                let (loss, gw) = metric_loss(w, &self.rows, |e_sq, g| {
                    let n = same.len() as f64;
                    let mut loss = 0.0;
                    for (t, &yt) in same.iter().enumerate() {
                        let u = yt * (e_sq[t] - theta);
                        loss += softplus(u);
                        let s = sigmoid(u) * yt / n;
                        g[t] = 2.0 * s;
                        dtheta -= s;
                    }
                    loss / n
                });
                grad.slice_mut(s![..wl])
                    .assign(&gw.into_shape_with_order(wl).expect("contiguous"));
                grad[wl] = dtheta;
                loss
            }
        };
        // weight decay on W and V (not on biases or theta)
        let decayed = match self.data {
            Annotations::Class { .. } => wl + d.classes * d.rep,
            _ => wl,
        };
        let lam = d.weight_decay;
        let head = p.slice(s![..decayed]);
        cost += 0.5 * lam * head.dot(&head);
        grad.slice_mut(s![..decayed]).scaled_add(lam, &head);
        (cost, grad)
    }

    /// Train from `init` with L-BFGS. Returns the trained encoder.
    ///
    /// # Errors
    /// The optimiser failed (for example a non-finite cost).
    pub fn train(&self, init: Array1<f64>) -> Result<Trained> {
        self.train_with(init, Optimiser::InPlace)
    }

    /// Train from `init` with the chosen L-BFGS implementation (both run the same algorithm and
    /// stopping rule; the simulator uses [`Optimiser::InPlace`], the faster one).
    ///
    /// # Errors
    /// The optimiser failed (for example a non-finite cost).
    pub fn train_with(&self, init: Array1<f64>, optimiser: Optimiser) -> Result<Trained> {
        let (best, cost, termination) = match optimiser {
            Optimiser::InPlace => lbfgs(self, init, LEARNER_LBFGS, "learner")?,
            Optimiser::Argmin => minimise(self, init, LEARNER_LBFGS, "learner")?,
        };
        Ok(Trained {
            w: self.encoder(&best).to_owned(),
            evals: self.evals.get(),
            cost,
            termination,
        })
    }
}

impl JointObjective for Objective<'_> {
    fn cost_and_gradient(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        Objective::cost_and_gradient(self, p)
    }
}

#[inline(always)]
/// Cross-entropy through a linear head. Chooses the cheaper association order:
/// with C <= r the logits are X (V W)^T, otherwise (X W^T) V^T. The products with X run in
/// single precision; the softmax, the loss and the small products in double.
fn class_loss(d: Dims, p: &Array1<f64>, x: &Tall, y: &Array2<f64>, grad: &mut Array1<f64>) -> f64 {
    let (r, big_d, c) = (d.rep, d.features, d.classes);
    let wl = r * big_d;
    let vl = c * r;
    let w = p
        .slice(s![..wl])
        .into_shape_with_order((r, big_d))
        .expect("contiguous");
    let v = p
        .slice(s![wl..wl + vl])
        .into_shape_with_order((c, r))
        .expect("contiguous");
    let b = p.slice(s![wl + vl..]);
    let n = x.rows().nrows();
    let narrow = c <= r;
    let mut h = Array2::<f32>::zeros((0, 0));
    let mut logits32 = if narrow {
        let m = v.dot(&w).reversed_axes().mapv(|v| v as f32); // D x C
        x.times(m.view())
    } else {
        h = x.times(w.t().mapv(|v| v as f32).view());
        times(&h, v.t().mapv(|v| v as f32).view())
    };
    let inv_n = 1.0 / n as f64;
    let ys = y.as_slice().expect("standard layout");
    let bs: Vec<f32> = b.iter().map(|&v| v as f32).collect();
    let ls = logits32.as_slice_mut().expect("standard layout");
    // softmax cross-entropy in whole-buffer passes so the exponentials vectorise; the label
    // distribution sums to one, so -sum y log q = max + log sum exp(l - max) - y . l
    let mut loss = 0.0;
    for (row, yrow) in ls.chunks_exact_mut(c).zip(ys.chunks_exact(c)) {
        let mut mx = f32::NEG_INFINITY;
        let mut dot = 0.0;
        for ((l, bc), yc) in row.iter_mut().zip(&bs).zip(yrow) {
            *l += bc;
            mx = mx.max(*l);
            dot += yc * f64::from(*l);
        }
        row.iter_mut().for_each(|l| *l -= mx);
        loss += f64::from(mx) - dot;
    }
    exp_in_place_f32(ls);
    let mut gb = vec![0.0; c];
    // each row's total lies in [1, C]; multiplying up to 64 of them before one logarithm keeps
    // the product below C^64 <= 10^256 (C <= MAX_CLASSES = 10^4) and takes 64 times fewer logarithms
    let mut product = 1.0;
    for (i, (row, yrow)) in ls.chunks_exact_mut(c).zip(ys.chunks_exact(c)).enumerate() {
        let total: f64 = row.iter().map(|&v| f64::from(v)).sum();
        product *= total;
        if i % 64 == 63 {
            loss += product.ln();
            product = 1.0;
        }
        let inv = inv_n / total;
        for ((l, yc), g) in row.iter_mut().zip(yrow).zip(gb.iter_mut()) {
            let gi = f64::from(*l) * inv - yc * inv_n;
            *l = gi as f32;
            *g += gi;
        }
    }
    loss += product.ln();
    let g = logits32; // G = (softmax - y) / n
    let to64 = |a: Array2<f32>| a.mapv(f64::from);
    let (gw, gv) = if narrow {
        let s = to64(x.t_times(g.view())); // D x C
        (s.dot(&v).reversed_axes(), w.dot(&s).reversed_axes())
    } else {
        let gv = to64(t_times(&g, h.view())); // C x r
        let gvm = times(&g, v.mapv(|v| v as f32).view()); // n x r
        let gw = to64(x.t_times(gvm.view())); // D x r
        (gw.reversed_axes(), gv)
    };
    grad.slice_mut(s![..wl]).assign(
        &gw.as_standard_layout()
            .into_shape_with_order(wl)
            .expect("contiguous"),
    );
    grad.slice_mut(s![wl..wl + vl]).assign(
        &gv.as_standard_layout()
            .into_shape_with_order(vl)
            .expect("contiguous"),
    );
    grad.slice_mut(s![wl + vl..])
        .assign(&ndarray::ArrayView1::from(&gb));
    loss * inv_n
}

#[inline(always)]
/// Shared part of the triplet and pair losses: E = diffs W^T, squared row norms, then the
/// per-row weights g from `weights` give grad_W = (g o E)^T diffs. Products in single precision.
fn metric_loss(
    w: ArrayView2<f64>,
    diffs: &Tall,
    weights: impl FnOnce(&[f64], &mut [f64]) -> f64,
) -> (f64, Array2<f64>) {
    let rows = diffs.rows().nrows();
    let mut e = diffs.times(w.t().mapv(|v| v as f32).view());
    let e_sq: Vec<f64> = e
        .rows()
        .into_iter()
        .map(|r| r.iter().map(|&v| f64::from(v) * f64::from(v)).sum())
        .collect();
    let mut g = vec![0.0; rows];
    let loss = weights(&e_sq, &mut g);
    for (mut row, gi) in e.axis_iter_mut(Axis(0)).zip(g.iter()) {
        let gi = *gi as f32;
        row.mapv_inplace(|v| v * gi);
    }
    let gw = diffs.t_times(e.view()); // D x r
    (loss, gw.t().as_standard_layout().mapv(f64::from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::signal::Signal;
    use crate::sim::{Annotator, World, annotations::annotate};

    /// Central finite differences against the analytic gradient, for every objective.
    /// The products run in single precision, so the cost carries rounding noise of about
    /// 1e-7 relative; with h = 1e-3 that is ~1e-4 in a difference quotient, against a truncation
    /// error of ~h^2 = 1e-6. The tolerance, 1e-3 (1 + |g|), is ten times that noise: any
    /// structural error in a gradient (a wrong term, sign or factor) is far larger.
    #[test]
    fn gradients_match_finite_differences() {
        for (classes, rep) in [(4, 3), (3, 5)] {
            let sc = Scenario {
                classes,
                dims: 3,
                features: 6,
                rep_dims: Some(rep),
                ..Scenario::default()
            };
            let world = World::new(&sc, 1);
            let ann = Annotator::for_world(&world, 0.2).unwrap();
            for signal in Signal::ALL {
                let data = annotate(&world, &ann, signal, 15, 2);
                let dims = Dims {
                    rep,
                    features: 6,
                    classes,
                    weight_decay: 0.01,
                };
                let obj = Objective::new(dims, &data);
                let mut rng = crate::rng::stream(3, &[]);
                let p = Array1::from_shape_simple_fn(obj.param_len(), || {
                    0.3 * crate::sim::world::normal(&mut rng)
                });
                let (_, g) = obj.cost_and_gradient(&p);
                let h = 1e-3;
                for i in 0..p.len() {
                    let mut a = p.clone();
                    a[i] += h;
                    let mut b = p.clone();
                    b[i] -= h;
                    let fd =
                        (obj.cost_and_gradient(&a).0 - obj.cost_and_gradient(&b).0) / (2.0 * h);
                    assert!(
                        (fd - g[i]).abs() < 1e-3 * (1.0 + fd.abs()),
                        "{signal} C={classes} r={rep} param {i}: fd {fd} vs {}",
                        g[i]
                    );
                }
            }
        }
    }
}
