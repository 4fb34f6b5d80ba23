//! labelbudget: how to spend a supervision budget on hard labels, soft labels, triplets or pairs.
//!
//! The crate follows the pipeline of SCIENCE.md: [`sim`] simulates representation learning from
//! each signal, [`info`] counts bits per annotation, the surrogate fits learning curves, and the
//! planner turns them and a cost model into a plan.

pub mod chart;
pub mod cost;
pub mod error;
pub mod fastmath;
pub mod info;
pub mod io;
pub mod plan;
pub mod rng;
pub mod scenario;
pub mod signal;
pub mod sim;
pub mod surrogate;

pub use error::{Error, Result};
pub use scenario::Scenario;
pub use signal::Signal;
