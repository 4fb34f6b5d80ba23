//! Predicting from a loaded model: the curve's inputs at a scenario, the central value with its
//! spread (bootstrap replicates and the residual model), the interval, the quality exceeded
//! with a probability, and the [`QualityModel`] the planner reads.

use super::{Model, reach_prob, signal_slot};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::signal::Signal;
use crate::surrogate::covariate::{self, BitsModel, Metric};
use crate::surrogate::curve::Inputs;
use crate::surrogate::{Prediction, QualityModel};

impl Model {
    /// Warnings for a scenario outside the fitted range (empty when inside).
    pub fn range_warnings(&self, sc: &Scenario) -> Vec<String> {
        self.range.check(sc)
    }

    /// Inputs of the curve for (scenario, signal, n).
    #[inline]
    pub fn inputs(&self, sc: &Scenario, signal: Signal, n: f64) -> Inputs {
        let bits = self.signal(signal).and_then(|s| s.bits.as_ref());
        self.inputs_with(sc, signal, bits, n)
    }

    #[inline]
    fn inputs_with(
        &self,
        sc: &Scenario,
        signal: Signal,
        bits: Option<&BitsModel>,
        n: f64,
    ) -> Inputs {
        covariate::inputs(
            sc,
            signal,
            n,
            covariate::Spec {
                metric: self.metric,
                covariate: self.covariate,
                baseline: self.baseline,
                pair_spill: self.pair_spill,
            },
            bits,
            &self.floor,
        )
    }

    /// Central prediction and standard deviation (bootstrap spread of the curve and residual
    /// spread of a single run, added in quadrature). `None` for a signal the model lacks.
    #[inline]
    pub fn mean_sd(&self, sc: &Scenario, signal: Signal, n: f64) -> Option<(f64, f64)> {
        self.spot(sc, signal, n).map(|s| (s.mean, s.sd))
    }

    /// Where (scenario, signal, n) lies on the signal's curve: the share of the rise from floor
    /// to ceiling its central prediction reaches, in [0, 1]. `None` for a signal the model lacks.
    pub fn position(&self, sc: &Scenario, signal: Signal, n: f64) -> Option<f64> {
        self.spot(sc, signal, n).map(|s| s.position)
    }

    /// [`Model::mean_sd`] with the signal's index in the model and the position on the curve.
    #[inline]
    fn spot(&self, sc: &Scenario, signal: Signal, n: f64) -> Option<Spot> {
        let i = self.cache.index[signal_slot(signal)]?;
        let s = &self.signals[i];
        let inp = self.inputs_with(sc, signal, s.bits.as_ref(), n);
        let place = s.params.predict_place(s.family, &inp);
        let reps = &self.cache.replicates[i];
        let var_boot = if reps.len() > 1 {
            let (mut a, mut b) = (0.0, 0.0);
            for r in reps {
                let q = r.predict(s.family, &inp);
                a += q;
                b += q * q;
            }
            let k = reps.len() as f64;
            ((b - a * a / k) / (k - 1.0)).max(0.0)
        } else {
            0.0
        };
        let sd_res = s.residual.sd(inp.ln_x.max(f64::MIN), place.slope);
        Some(Spot {
            index: i,
            mean: place.q,
            sd: (var_boot + sd_res * sd_res).sqrt(),
            position: place.position,
            ln_c: inp.z[0],
        })
    }
}

/// A prediction's centre, spread and place on the curve, with the signal's index in the model.
struct Spot {
    index: usize,
    mean: f64,
    sd: f64,
    position: f64,
    /// The scenario's class feature ln(C / 10), which picks the residual tables' class band.
    ln_c: f64,
}

/// What [`Model::assess`] says of one (scenario, signal, n).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assessment {
    /// As [`QualityModel::predict`].
    pub prediction: Prediction,
    /// As [`QualityModel::quantile`] at the probability asked.
    pub exceeded: f64,
    /// As [`Model::position`].
    pub position: f64,
    /// The spread of a single run there (residual and bootstrap terms): the unit of the
    /// residual quantiles.
    pub sd: f64,
}

impl Model {
    /// The interval, the quality exceeded with probability `prob` and the position on the curve
    /// of (scenario, signal, n), from one evaluation of the curve and its replicates (a
    /// held-out check needs all three). `None` for a signal the model lacks.
    pub fn assess(&self, sc: &Scenario, signal: Signal, n: f64, prob: f64) -> Option<Assessment> {
        self.spot(sc, signal, n).map(|s| Assessment {
            prediction: self.interval(&s),
            exceeded: self.exceeded(&s, prob),
            position: s.position,
            sd: s.sd,
        })
    }

    /// The `level` interval at a spot: the residual quantiles read at its position.
    fn interval(&self, s: &Spot) -> Prediction {
        let r = &self.signals[s.index].residual;
        let (z_lo, z_hi) = (
            r.z_normal(self.cache.z_level.0, s.position, s.ln_c),
            r.z_normal(self.cache.z_level.1, s.position, s.ln_c),
        );
        Prediction {
            mean: s.mean,
            lo: (s.mean + z_lo * s.sd).clamp(0.0, 1.0),
            hi: (s.mean + z_hi * s.sd).clamp(0.0, 1.0),
            level: self.level,
        }
    }

    /// The quality exceeded with probability `prob` at a spot.
    fn exceeded(&self, s: &Spot, prob: f64) -> f64 {
        let z = self.signals[s.index]
            .residual
            .z(1.0 - prob, s.position, s.ln_c);
        (s.mean + z * s.sd).clamp(0.0, 1.0)
    }
}

impl QualityModel for Model {
    /// For a signal missing from the model: the floor, with the whole [0, 1] as interval.
    fn predict(&self, scenario: &Scenario, signal: Signal, n: f64) -> Prediction {
        if let Some(t) = self.table(signal) {
            return Prediction {
                mean: t.quantile(n, 0.5),
                lo: t.quantile(n, 0.5 - self.level / 2.0),
                hi: t.quantile(n, 0.5 + self.level / 2.0),
                level: self.level,
            };
        }
        match self.spot(scenario, signal, n) {
            Some(s) => self.interval(&s),
            None => Prediction {
                mean: self.floor(scenario),
                lo: 0.0,
                hi: 1.0,
                level: self.level,
            },
        }
    }

    fn quantile(&self, scenario: &Scenario, signal: Signal, n: f64, prob: f64) -> f64 {
        if let Some(t) = self.table(signal) {
            return t.quantile(n, reach_prob(&t.reach, prob));
        }
        self.spot(scenario, signal, n)
            .map_or(0.0, |s| self.exceeded(&s, prob))
    }

    fn ceiling(&self, scenario: &Scenario, signal: Signal) -> f64 {
        if let Some(t) = self.table(signal) {
            return t.ceiling();
        }
        self.signal(signal).map_or(1.0, |s| {
            s.params
                .bounds(&self.inputs_with(scenario, signal, s.bits.as_ref(), 1.0))
                .1
        })
    }

    fn floor(&self, scenario: &Scenario) -> f64 {
        self.floor.floor(scenario)
    }

    fn metric(&self) -> Metric {
        self.metric
    }

    fn has_curve(&self, signal: Signal) -> bool {
        self.has(signal)
    }

    fn measured_from(&self, signal: Signal) -> Option<f64> {
        self.table(signal).map(|t| t.ln_n[0].exp())
    }

    fn supported_to(&self, signal: Signal) -> Option<f64> {
        self.table(signal).map(|t| t.supported_to.exp())
    }

    fn is_calibrated(&self) -> bool {
        Model::is_calibrated(self)
    }

    /// An error naming the first scenario parameter outside the fitted range (see
    /// [`RANGE_MARGIN`](super::RANGE_MARGIN)).
    fn check_range(&self, scenario: &Scenario) -> Result<()> {
        match self.range.outside(scenario).first() {
            None => Ok(()),
            Some(&(key, v, lo, hi)) => Err(Error::invalid(
                format!("dataset.{key}"),
                v,
                format!(
                    "a value in the model's fitted range {lo} to {hi}; outside it the \
                     prediction would be an extrapolation"
                ),
            )),
        }
    }
}
