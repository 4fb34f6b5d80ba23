//! labelbudget: how to spend a supervision budget on hard labels, soft labels, triplets or pairs.
//!
//! The crate follows the pipeline of docs/method.md: [`sim`] simulates representation learning from
//! each signal, [`info`] counts bits per annotation, [`surrogate`] fits learning curves, and
//! [`plan`] turns them and a cost model into a plan; [`calibrate`] fits a user's own data.
//!
//! One simulation run, and the shipped surrogate's prediction for a longer one:
//!
//! ```
//! use labelbudget::surrogate::{Model, QualityModel};
//! use labelbudget::{Scenario, Signal, sim::Setting};
//!
//! let scenario = Scenario { classes: 4, dims: 4, features: 8, ..Scenario::default() };
//! let run = Setting::new(&scenario, 0)?.run(Signal::Hard, 50, false)?;
//! assert!((0.0..=1.0).contains(&run.cka));
//!
//! let q = Model::embedded_default().predict(&Scenario::default(), Signal::Hard, 1000.0);
//! assert!(q.holds(q.mean));
//! # Ok::<(), labelbudget::Error>(())
//! ```

pub mod calibrate;
pub mod chart;
pub mod cost;
pub mod error;
pub mod estimate;
pub mod fastmath;
pub mod info;
pub mod io;
pub mod optim;
pub mod plan;
pub mod realprior;
pub mod rng;
pub mod scenario;
pub mod signal;
pub mod sim;
pub mod surrogate;

pub use error::{Error, Result};
pub use scenario::Scenario;
pub use signal::Signal;
