//! The planner: from a scenario, a cost model and a quality model to a plan, a Pareto frontier
//! and the crossover budgets.
//!
//! Pipeline (docs/method.md, "The planner"):
//! 1. [`PlanScenario`] reads the user's dataset, objective (`target` or `budget`), confidence
//!    and per-signal limits from TOML;
//! 2. [`Planner::new`] tabulates each signal's learning curve from a [`QualityModel`]
//!    (central, interval ends, and the pessimistic curve at the confidence), as monotone
//!    envelopes ([`curves`]);
//! 3. mixes are valued by a [`MixRule`] of [`mix`]: by default a mix is worth its best part,
//!    which is what mixed-signal simulations show;
//! 4. solvers, all through argmin ([`roots`]): Nelder-Mead over budget shares for the best mix
//!    within a budget; the frontier at a log grid of budgets; BrentRoot for the budget where a
//!    frontier mix reaches a target, for crossover budgets (the root of the difference between two
//!    signals' qualities at equal money), and for the safe budget (the recommended allocation,
//!    or each offered signal alone, scaled until the quality exceeded with probability
//!    `confidence` reaches the target; the cheapest of these).
//!    Single-signal targets invert the tabulated curve exactly.
//!
//! Guarantees (property-tested): a budget plan never costs more than its budget; the frontier
//! is monotone (more cost, no less quality); the cheapest plan for a target costs no more than
//! for a higher target; everything is deterministic.

pub mod alone;
pub mod bits;
pub mod curves;
pub mod file;
pub mod frontier;
pub mod hill;
pub mod mix;
pub mod recommend;
pub mod report;
pub mod roots;
pub mod solver;
pub mod verify;

pub use alone::{SignalPlan, SignalStatus};
pub use file::{Objective, PlanScenario, SignalLimit};
pub use frontier::{Crossover, CurvePoint, FrontierPoint};
pub use hill::HillModel;
pub use mix::{Counts, MixRule};
pub use recommend::{Plan, Recommendation, SafeBudget};
pub use solver::{Evaluated, Planner};

use crate::surrogate::QualityModel;

/// The quality model used when none is given: the fitted surrogate embedded from
/// models/default.toml. ([`HillModel`], a closed-form stand-in, serves the planner's own tests.)
pub fn default_model() -> Box<dyn QualityModel> {
    Box::new(crate::surrogate::Model::embedded_default())
}

/// The quality model in `path` (a fitted surrogate or a calibrated model), or the default model.
///
/// # Errors
/// A model file cannot be read or parsed.
pub fn load_model(path: Option<&std::path::Path>) -> crate::Result<Box<dyn QualityModel>> {
    match path {
        None => Ok(default_model()),
        Some(p) => Ok(Box::new(crate::surrogate::Model::from_file(p)?)),
    }
}

#[cfg(test)]
mod tests;
