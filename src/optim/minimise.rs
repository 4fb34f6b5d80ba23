//! argmin's L-BFGS over a [`JointObjective`], the last evaluation cached.

use super::{JointObjective, Lbfgs};
use crate::error::{Error, Result};
use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::Array1;
use std::cell::RefCell;

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
