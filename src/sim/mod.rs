//! The simulation engine: world, annotator, annotations, learner, metrics, runs and sweeps.

pub mod annotations;
pub mod annotator;
pub mod learner;
pub mod record;
pub mod world;

pub use annotator::Annotator;
pub use world::{Items, World};
