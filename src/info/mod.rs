//! Information analysis: how many bits one annotation of each signal carries, how many bits a
//! learner needs, and what a real annotation log carries. See docs/method.md, "Bits per
//! annotation".
//!
//! - [`theory`]: closed forms (noiseless and symmetric-noise hard labels, pairs, the triplet bound)
//!   and seeded Monte Carlo estimates of I(annotation; z) in the simulator's own world, through the
//!   simulator's own annotator ([`crate::sim::Annotator`]: one implementation, not two).
//! - [`estimators`]: entropy and mutual-information estimators for discrete data (plug-in,
//!   Miller-Madow) used on annotation logs.
//! - [`logs`]: streaming analysis of a real annotation log (`item,annotator,label[,seconds][,gold]`).
//!
//! # What "bits of a soft label" means here
//! An exact soft label p(z) is a continuous, deterministic function of the latent z, so its
//! mutual information with z is unbounded. We count instead the bits of the soft label *as an
//! annotator can state it*: quantised to `q` levels per class (probabilities in steps of
//! 1/(q-1), rounded by largest remainder so they still sum to one; default
//! [`theory::DEFAULT_SOFT_LEVELS`] = 11, steps of 0.1). That label is a deterministic function of z,
//! so its information is its entropy H(Q(p(z))), at most (C-1) log2 q bits. A soft label pooled
//! from K annotators (`soft_annotators = K > 0`) is the count vector of K hard labels, and its bits
//! are I(counts; z), estimated by nested Monte Carlo.

pub mod estimators;
pub mod item_labels;
pub mod logs;
pub mod synthetic;
pub mod theory;

use crate::error::Result;
use crate::scenario::Scenario;
use crate::signal::Signal;

pub use theory::{
    DEFAULT_DELTA, DEFAULT_SOFT_LEVELS, Settings, SignalInfo, analyse_scenario, bits_needed,
    lower_bound_annotations, signal_bits_with,
};

/// A number of bits with its Monte Carlo standard error.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BitsEstimate {
    /// Bits (base-2 mutual information).
    pub bits: f64,
    /// Standard error of `bits` (0 for closed forms).
    pub se: f64,
}

impl BitsEstimate {
    /// A closed-form value (standard error 0).
    pub fn exact(bits: f64) -> BitsEstimate {
        BitsEstimate { bits, se: 0.0 }
    }
}

/// Bits one annotation of `signal` carries about the latent, in the simulator's world for `scenario`
/// (scenario.noise is the hard-label error rate; scenario.soft_annotators = K, 0 = exact soft label,
/// counted quantised to [`DEFAULT_SOFT_LEVELS`] levels per class, see the module docs).
///
/// Deterministic (fixed internal seed) and averaged over a few fixed world seeds.
///
/// # Errors
/// An invalid scenario (the error names the key and value).
pub fn signal_bits(scenario: &Scenario, signal: Signal) -> Result<BitsEstimate> {
    signal_bits_with(scenario, signal, &Settings::default())
}

/// P_eff = rep_dims * features (identifiable parameters of the linear encoder).
pub fn p_eff(scenario: &Scenario) -> f64 {
    (scenario.rep() * scenario.features) as f64
}
