//! The learner: a linear encoder f(x) = W x (W is r x D) trained on annotations only.
//!
//! Objectives (all means over annotations, plus `weight_decay / 2 * (|W|^2 + |V|^2)`):
//! - hard / soft: cross-entropy of softmax(V W x + b) against the label distribution;
//! - triplet: `softplus(y (|W(x_a - x_b)|^2 - |W(x_a - x_c)|^2))`, y = +1 when the answer was b;
//! - pair: `softplus(y (|W(x_a - x_b)|^2 - theta))`, y = +1 for "same", theta learned.
//!
//! Optimiser: full-batch L-BFGS (memory 10, More-Thuente line search) through argmin. Cost and
//! gradient are computed in one pass and cached, since the line search and L-BFGS ask for them
//! separately at the same point. Stopping rule (deterministic): the gradient norm falls below
//! `TOL_GRAD`, or the cost changes by less than `TOL_COST` between iterations, or `MAX_ITERS`
//! iterations have run.

use super::annotations::Annotations;
use crate::error::{Error, Result};
use crate::fastmath::{exp_in_place, sigmoid, softplus};
use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::{Array1, Array2, ArrayView2, Axis, linalg::general_mat_mul};
use std::cell::{Cell, RefCell};

/// L-BFGS stops when the gradient norm is below this.
pub const TOL_GRAD: f64 = 1e-5;
/// ... or when the cost changes by less than this between iterations.
pub const TOL_COST: f64 = 1e-5;
/// ... or after this many iterations.
pub const MAX_ITERS: u64 = 400;
/// L-BFGS memory.
pub const LBFGS_MEMORY: usize = 10;

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
    cache: RefCell<Option<(Array1<f64>, f64, Array1<f64>)>>,
    evals: Cell<u64>,
}

impl<'a> Objective<'a> {
    pub fn new(dims: Dims, data: &'a Annotations) -> Self {
        Objective {
            dims,
            data,
            cache: RefCell::new(None),
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
        p.slice(ndarray::s![..d.w_len()])
            .into_shape_with_order((d.rep, d.features))
            .expect("contiguous parameter vector")
    }

    /// Cost and gradient in one pass.
    pub fn cost_and_gradient(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        self.evals.set(self.evals.get() + 1);
        let mut grad = Array1::zeros(p.len());
        let d = self.dims;
        let wl = d.w_len();
        let w = self.encoder(p);
        let mut cost = match self.data {
            Annotations::Class { x, y } => class_loss(d, p, x, y, &mut grad),
            Annotations::Triplet { diffs, answer } => {
                let (loss, gw) = metric_loss(w, diffs, |e_sq, g| {
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
                grad.slice_mut(ndarray::s![..wl])
                    .assign(&gw.into_shape_with_order(wl).expect("contiguous"));
                loss
            }
            Annotations::Pair { diffs, same } => {
                let theta = p[wl];
                let mut dtheta = 0.0;
                let (loss, gw) = metric_loss(w, diffs, |e_sq, g| {
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
                grad.slice_mut(ndarray::s![..wl])
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
        let head = p.slice(ndarray::s![..decayed]);
        cost += 0.5 * lam * head.dot(&head);
        grad.slice_mut(ndarray::s![..decayed])
            .scaled_add(lam, &head);
        (cost, grad)
    }

    fn cached(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        if let Some((cp, c, g)) = self.cache.borrow().as_ref()
            && cp == p
        {
            return (*c, g.clone());
        }
        let (c, g) = self.cost_and_gradient(p);
        *self.cache.borrow_mut() = Some((p.clone(), c, g.clone()));
        (c, g)
    }

    /// Train from `init` with L-BFGS. Returns the trained encoder.
    ///
    /// # Errors
    /// The optimiser failed (for example a non-finite cost).
    pub fn train(&self, init: Array1<f64>) -> Result<Trained> {
        let solver = LBFGS::new(
            MoreThuenteLineSearch::new(),
            std::env::var("LB_M")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(LBFGS_MEMORY),
        )
        .with_tolerance_grad(
            std::env::var("LB_TG")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(TOL_GRAD),
        )
        .and_then(|s| {
            s.with_tolerance_cost(
                std::env::var("LB_TC")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(TOL_COST),
            )
        })
        .map_err(|e| Error::numerical("learner", e))?;
        let res = Executor::new(Problem(self), solver)
            .configure(|s| {
                s.param(init).max_iters(
                    std::env::var("LB_MI")
                        .ok()
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(MAX_ITERS),
                )
            })
            .run()
            .map_err(|e| Error::numerical("learner (L-BFGS)", e))?;
        let state = res.state();
        let best = state
            .get_best_param()
            .or_else(|| state.get_param())
            .ok_or_else(|| Error::numerical("learner", "optimiser returned no parameters"))?;
        Ok(Trained {
            w: self.encoder(best).to_owned(),
            evals: self.evals.get(),
            cost: state.get_best_cost(),
            termination: state
                .get_termination_reason()
                .map(|r| r.to_string())
                .unwrap_or_default(),
        })
    }
}

/// Cross-entropy through a linear head. Chooses the cheaper association order:
/// with C <= r the logits are X (V W)^T, otherwise (X W^T) V^T.
fn class_loss(
    d: Dims,
    p: &Array1<f64>,
    x: &Array2<f64>,
    y: &Array2<f64>,
    grad: &mut Array1<f64>,
) -> f64 {
    let (r, big_d, c) = (d.rep, d.features, d.classes);
    let wl = r * big_d;
    let vl = c * r;
    let w = p
        .slice(ndarray::s![..wl])
        .into_shape_with_order((r, big_d))
        .expect("contiguous");
    let v = p
        .slice(ndarray::s![wl..wl + vl])
        .into_shape_with_order((c, r))
        .expect("contiguous");
    let b = p.slice(ndarray::s![wl + vl..]);
    let n = x.nrows();
    let narrow = c <= r;
    let mut logits = Array2::zeros((n, c));
    let mut h = Array2::zeros((0, 0));
    let mut m = Array2::zeros((0, 0));
    if narrow {
        m = v.dot(&w).reversed_axes(); // D x C
        general_mat_mul(1.0, x, &m, 0.0, &mut logits);
    } else {
        h = Array2::zeros((n, r));
        general_mat_mul(1.0, x, &w.t(), 0.0, &mut h);
        general_mat_mul(1.0, &h, &v.t(), 0.0, &mut logits);
    }
    // softmax cross-entropy; logits become G = (softmax - y) / n. Done in whole-matrix passes
    // so the exponentials vectorise.
    let inv_n = 1.0 / n as f64;
    let mut loss = 0.0;
    for (mut row, yrow) in logits.axis_iter_mut(Axis(0)).zip(y.axis_iter(Axis(0))) {
        let mut mx = f64::NEG_INFINITY;
        let mut dot = 0.0;
        for ((l, bc), yc) in row.iter_mut().zip(b.iter()).zip(yrow.iter()) {
            *l += bc;
            mx = mx.max(*l);
            dot += yc * *l;
        }
        row.mapv_inplace(|l| l - mx);
        // the label distribution sums to one, so -sum y log q = logsumexp - y . logits
        loss += mx - dot;
    }
    exp_in_place(logits.as_slice_mut().expect("standard layout"));
    for (mut row, yrow) in logits.axis_iter_mut(Axis(0)).zip(y.axis_iter(Axis(0))) {
        let total: f64 = row.sum();
        loss += total.ln();
        let inv = inv_n / total;
        for (l, yc) in row.iter_mut().zip(yrow.iter()) {
            *l = *l * inv - yc * inv_n;
        }
    }
    let g = logits;
    let gb = g.sum_axis(Axis(0));
    let (gw, gv) = if narrow {
        let s = x.t().dot(&g); // D x C
        let _ = &m;
        (s.dot(&v).reversed_axes(), w.dot(&s).reversed_axes())
    } else {
        let gv = g.t().dot(&h); // C x r
        let gvm = g.dot(&v); // n x r
        (gvm.t().dot(x), gv)
    };
    grad.slice_mut(ndarray::s![..wl]).assign(
        &gw.as_standard_layout()
            .into_shape_with_order(wl)
            .expect("contiguous"),
    );
    grad.slice_mut(ndarray::s![wl..wl + vl]).assign(
        &gv.as_standard_layout()
            .into_shape_with_order(vl)
            .expect("contiguous"),
    );
    grad.slice_mut(ndarray::s![wl + vl..]).assign(&gb);
    loss * inv_n
}

/// Shared part of the triplet and pair losses: E = diffs W^T, squared row norms, then the
/// per-row weights g from `weights` give grad_W = (g o E)^T diffs.
fn metric_loss(
    w: ArrayView2<f64>,
    diffs: &Array2<f64>,
    weights: impl FnOnce(&[f64], &mut [f64]) -> f64,
) -> (f64, Array2<f64>) {
    let rows = diffs.nrows();
    let mut e = Array2::zeros((rows, w.nrows()));
    general_mat_mul(1.0, diffs, &w.t(), 0.0, &mut e);
    let e_sq: Vec<f64> = e.rows().into_iter().map(|r| r.dot(&r)).collect();
    let mut g = vec![0.0; rows];
    let loss = weights(&e_sq, &mut g);
    for (mut row, gi) in e.axis_iter_mut(Axis(0)).zip(g.iter()) {
        row.mapv_inplace(|v| v * gi);
    }
    let mut gw = Array2::zeros((w.nrows(), w.ncols()));
    general_mat_mul(1.0, &e.t(), diffs, 0.0, &mut gw);
    (loss, gw)
}

struct Problem<'o, 'a>(&'o Objective<'a>);

impl CostFunction for Problem<'_, '_> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, p: &Self::Param) -> std::result::Result<f64, argmin::core::Error> {
        let (c, _) = self.0.cached(p);
        if !c.is_finite() {
            return Err(argmin::core::Error::msg(format!("non-finite cost {c}")));
        }
        Ok(c)
    }
}

impl Gradient for Problem<'_, '_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(&self, p: &Self::Param) -> std::result::Result<Array1<f64>, argmin::core::Error> {
        Ok(self.0.cached(p).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::signal::Signal;
    use crate::sim::{Annotator, World, annotations::annotate};

    /// Central finite differences against the analytic gradient, for every objective.
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
                let h = 1e-6;
                for i in 0..p.len() {
                    let mut a = p.clone();
                    a[i] += h;
                    let mut b = p.clone();
                    b[i] -= h;
                    let fd =
                        (obj.cost_and_gradient(&a).0 - obj.cost_and_gradient(&b).0) / (2.0 * h);
                    assert!(
                        (fd - g[i]).abs() < 1e-6 * (1.0 + fd.abs()),
                        "{signal} C={classes} r={rep} param {i}: fd {fd} vs {}",
                        g[i]
                    );
                }
            }
        }
    }
}
