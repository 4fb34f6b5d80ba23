//! The simulation engine: world, annotator, annotations, learner, metrics, runs and sweeps.

pub mod annotations;
pub mod annotator;
pub mod learner;
pub mod metrics;
pub mod mix;
pub mod record;
pub mod run;
pub mod runs_io;
pub mod skinny;
pub mod sweep;
pub mod world;

pub use annotator::Annotator;
pub use record::RunRecord;
pub use run::{Setting, run};
pub use world::{Items, World};
