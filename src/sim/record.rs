//! One simulation run's result: the row format of `runs.csv` (and of `--format json`).

use crate::scenario::{Latent, Scenario};
use crate::signal::Signal;
use serde::{Deserialize, Serialize};

/// One run = one scenario x one signal x one annotation count n x one seed.
///
/// Columns, in order: `run,signal,n,classes,dims,features,rep_dims,nuisance,noise,latent,
/// soft_annotators,pool,seed,cka,transfer,cka_floor,transfer_floor,tau,evals,seconds`.
/// Everything but `seconds` (wall time) is a pure function of the inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Position of the run in its sweep's fixed order (0 for a run outside a sweep).
    #[serde(default)]
    pub run: u64,
    pub signal: Signal,
    pub n: u64,
    pub classes: usize,
    pub dims: usize,
    pub features: usize,
    pub rep_dims: usize,
    pub nuisance: f64,
    pub noise: f64,
    pub latent: Latent,
    pub soft_annotators: usize,
    pub pool: usize,
    pub seed: u64,
    /// Linear CKA between the learned representation and the true latent, on held-out items.
    pub cka: f64,
    /// m-shot nearest-centroid accuracy on new classes, relative to the same on the true latent.
    pub transfer: f64,
    /// `cka` of the untrained (initial) encoder.
    pub cka_floor: f64,
    /// `transfer` of the untrained (initial) encoder.
    pub transfer_floor: f64,
    /// The annotator temperature solved from `noise`.
    pub tau: f64,
    /// Objective evaluations the learner used.
    pub evals: u64,
    /// Wall time of the run in seconds (0 when timing is switched off).
    pub seconds: f64,
}

impl RunRecord {
    /// The scenario this run was simulated in (learner settings at their defaults).
    pub fn scenario(&self) -> Scenario {
        Scenario {
            classes: self.classes,
            dims: self.dims,
            features: self.features,
            rep_dims: Some(self.rep_dims),
            nuisance: self.nuisance,
            noise: self.noise,
            latent: self.latent,
            soft_annotators: self.soft_annotators,
            pool: self.pool,
            ..Scenario::default()
        }
    }
}
