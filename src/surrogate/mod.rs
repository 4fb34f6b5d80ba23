//! Surrogate models of quality versus number of annotations, per signal and scenario.
//!
//! The planner never runs the simulator in its inner loop: it asks a [`QualityModel`].
//! [`Model`] implements it from a fitted learning curve per signal (see [`curve`] for the
//! formula, [`families`] for the shapes, [`train::fit_model`] for the fit and [`holdout`] for
//! how well it predicts what it has not seen).

pub mod bootstrap;
pub mod covariate;
pub mod curve;
pub mod families;
pub mod fit;
pub mod holdout;
pub mod model;
pub mod prior;
pub mod residual;
pub mod runs;
pub mod train;
pub mod transfer;

pub use covariate::{Covariate, Metric};
pub use families::Family;
pub use model::{EMBEDDED_DEFAULT, FORMAT_VERSION, Model};
pub use runs::read_runs;
pub use train::{FitOptions, fit_model};

use crate::scenario::Scenario;
use crate::signal::Signal;
use serde::{Deserialize, Serialize};

/// A predicted quality with an interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Central prediction.
    pub mean: f64,
    /// Lower end of the interval.
    pub lo: f64,
    /// Upper end of the interval.
    pub hi: f64,
    /// Nominal coverage of [lo, hi], e.g. 0.9.
    pub level: f64,
}

impl Prediction {
    /// Whether `q` lies in the interval [lo, hi] (ends included).
    pub fn holds(&self, q: f64) -> bool {
        self.lo <= q && q <= self.hi
    }
}

/// What the planner needs from a fitted surrogate.
pub trait QualityModel: Send + Sync {
    /// Quality after `n` annotations (n >= 0, real-valued) of `signal` alone in `scenario`.
    fn predict(&self, scenario: &Scenario, signal: Signal, n: f64) -> Prediction;

    /// The quality that the model predicts will be exceeded with probability `prob`
    /// (for example prob = 0.9 gives a pessimistic value), for the safe budget.
    fn quantile(&self, scenario: &Scenario, signal: Signal, n: f64, prob: f64) -> f64;

    /// Quality reached as n grows without bound.
    fn ceiling(&self, scenario: &Scenario, signal: Signal) -> f64;

    /// Quality of the untrained encoder (n = 0).
    fn floor(&self, scenario: &Scenario) -> f64;

    /// The quality metric predicted (default: linear CKA, the simulator's).
    fn metric(&self) -> Metric {
        Metric::Cka
    }

    /// Whether the model has a curve for `signal` (a calibrated model has curves only for the
    /// signals the user measured). The planner treats a signal without one as "no data": it
    /// is neither bought nor drawn. Default: every signal.
    fn has_curve(&self, _signal: Signal) -> bool {
        true
    }

    /// The smallest count the model's curve of `signal` rests on a measurement at (a
    /// calibration's first pilot count): a target its curve reaches below it is answered with
    /// it, since fewer annotations were never measured. Default: none.
    fn measured_from(&self, _signal: Signal) -> Option<f64> {
        None
    }

    /// The largest count at which real learning curves support a prediction of `signal` (a
    /// calibration from real curves holds its curve flat beyond it). Default: none.
    fn supported_to(&self, _signal: Signal) -> Option<f64> {
        None
    }

    /// Whether the model was calibrated on the user's data (one dataset) rather than fitted to
    /// simulations; plans say which. Default: false.
    fn is_calibrated(&self) -> bool {
        false
    }

    /// Refuse a scenario far outside the range the model was fitted on; the error names the
    /// key, its value and the fitted range. The default accepts every scenario.
    ///
    /// # Errors
    /// The scenario would be an extrapolation.
    fn check_range(&self, _scenario: &Scenario) -> crate::Result<()> {
        Ok(())
    }
}
