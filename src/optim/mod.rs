//! One L-BFGS driver for every smooth fit in the crate (the simulator's learners, calibration).
//!
//! Objectives compute cost and gradient together ([`JointObjective`]); argmin's line search and
//! L-BFGS ask for them separately at the same point, so the last evaluation is cached and each
//! point is evaluated once.
//!
//! | file | what |
//! |------|------|
//! | `mod.rs` | the settings ([`Lbfgs`]) and the objective ([`JointObjective`]) |
//! | `minimise.rs` | argmin's L-BFGS with the last evaluation cached ([`minimise`]) |
//! | `in_place.rs` | the same algorithm over plain slices ([`lbfgs`]) and its vector sums |
//! | `line_search.rs` | the More-Thuente line search of the in-place loop |
//! | `tests.rs` | the tests |

mod in_place;
mod line_search;
mod minimise;
#[cfg(test)]
mod tests;

pub use in_place::lbfgs;
pub use minimise::minimise;

use ndarray::Array1;

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
