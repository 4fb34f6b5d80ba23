//! A small closed-form quality model: one Hill curve per signal in log annotation count.
//!
//! `Q_s(n) = ceil_s * n^h_s / (n^h_s + n50_s^h_s)`, with
//! - `ceil_s = sqrt(min(C - 1, d) / d)` for class-based signals (docs/method.md, "The dimension cap")
//!   and 1 for triplets;
//! - `n50_s` scaled from a reference world (C = 10, d = 16, D = 64, noise 0.2) by the number of
//!   encoder parameters `r * D` over the bits one annotation carries (the bits-per-parameter
//!   hypothesis), with the hard-label bits through a symmetric noisy annotator.
//!
//! The reference parameters were read off the simulation facts measured in that world
//! (n = 50, 200, 1000, 5000 annotations, 3 seeds). This model exists so the planner can be built
//! and tested against the [`QualityModel`] trait with curves of the right shape; plans for users
//! come from the fitted surrogate ([`crate::surrogate`]) when it is available.
//!
//! Uncertainty: the half-decade scale `n50` is taken as log-normal with standard deviation
//! `log_sd` (natural log), so the quality quantile at probability p is the curve with `n50`
//! scaled by `exp(z_p * log_sd)`.

use crate::scenario::Scenario;
use crate::signal::Signal;
use crate::surrogate::{Prediction, QualityModel};
use statrs::distribution::{ContinuousCDF, Normal};

/// Parameters of one signal's curve in the reference world.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HillCurve {
    /// Annotations for half the ceiling, in the reference world.
    pub n50: f64,
    /// Hill exponent (steepness in log n).
    pub h: f64,
}

/// A Hill-curve quality model (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct HillModel {
    /// Curves for hard, soft, triplet, pair (in [`Signal::ALL`] order).
    pub curves: [HillCurve; 4],
    /// Standard deviation of log n50.
    pub log_sd: f64,
    /// Untrained quality.
    pub floor: f64,
    /// Level of the interval `predict` returns.
    pub level: f64,
}

impl Default for HillModel {
    fn default() -> Self {
        HillModel {
            curves: [
                HillCurve { n50: 407.0, h: 1.2 }, // hard
                HillCurve { n50: 112.0, h: 2.0 }, // soft
                HillCurve {
                    n50: 1600.0,
                    h: 3.0,
                }, // triplet
                HillCurve {
                    n50: 3480.0,
                    h: 1.6,
                }, // pair
            ],
            log_sd: 0.25,
            floor: 0.07,
            level: 0.9,
        }
    }
}

fn idx(signal: Signal) -> usize {
    Signal::ALL
        .iter()
        .position(|&s| s == signal)
        .expect("known")
}

fn binary_entropy(p: f64) -> f64 {
    if p <= 0.0 || p >= 1.0 {
        0.0
    } else {
        -p * p.log2() - (1.0 - p) * (1.0 - p).log2()
    }
}

/// Bits of one hard label through a symmetric noisy annotator, uniform prior.
fn hard_bits(classes: usize, noise: f64) -> f64 {
    let c = classes as f64;
    let e = noise.clamp(0.0, 1.0 - 1.0 / c);
    let extra = if classes > 2 {
        e * (c - 1.0).log2()
    } else {
        0.0
    };
    (c.log2() - binary_entropy(e) - extra).max(1e-3)
}

impl HillModel {
    /// n50 of `signal` in `scenario`: the reference n50 scaled by parameters over bits.
    pub fn n50(&self, scenario: &Scenario, signal: Signal) -> f64 {
        let reference = Scenario::default();
        let params = |s: &Scenario| (s.rep() * s.features) as f64;
        let bits = |s: &Scenario| match signal {
            Signal::Triplet => 1.0,
            Signal::Pair => binary_entropy(1.0 / s.classes as f64).max(1e-3),
            Signal::Hard | Signal::Soft => hard_bits(s.classes, s.noise),
        };
        let scale = (params(scenario) / bits(scenario)) / (params(&reference) / bits(&reference));
        self.curves[idx(signal)].n50 * scale
    }

    fn curve(&self, scenario: &Scenario, signal: Signal, n: f64, n50_factor: f64) -> f64 {
        let ceil = self.ceiling(scenario, signal);
        if n <= 0.0 {
            return self.floor.min(ceil);
        }
        let h = self.curves[idx(signal)].h;
        let ratio = (n50_factor * self.n50(scenario, signal) / n).powf(h);
        ceil / (1.0 + ratio)
    }
}

fn z(prob: f64) -> f64 {
    Normal::standard().inverse_cdf(prob.clamp(1e-9, 1.0 - 1e-9))
}

impl QualityModel for HillModel {
    fn predict(&self, scenario: &Scenario, signal: Signal, n: f64) -> Prediction {
        let zz = z(0.5 + self.level / 2.0);
        let f = (zz * self.log_sd).exp();
        Prediction {
            mean: self.curve(scenario, signal, n, 1.0),
            lo: self.curve(scenario, signal, n, f),
            hi: self.curve(scenario, signal, n, 1.0 / f),
            level: self.level,
        }
    }

    fn quantile(&self, scenario: &Scenario, signal: Signal, n: f64, prob: f64) -> f64 {
        self.curve(scenario, signal, n, (z(prob) * self.log_sd).exp())
    }

    fn ceiling(&self, scenario: &Scenario, signal: Signal) -> f64 {
        if signal.is_class_based() {
            let d = scenario.dims as f64;
            ((scenario.classes as f64 - 1.0).min(d) / d).sqrt()
        } else {
            1.0
        }
    }

    fn floor(&self, _scenario: &Scenario) -> f64 {
        self.floor
    }

    fn check_range(&self, s: &Scenario) -> crate::Result<()> {
        let check = |key: &str, v: f64, lo: f64, hi: f64| {
            if v < lo || v > hi {
                Err(crate::Error::invalid(
                    format!("dataset.{key}"),
                    v,
                    format!(
                        "a value in the model's fitted range {lo} to {hi}; outside it the plan \
                         would be an extrapolation (pass --extrapolate to plan anyway)"
                    ),
                ))
            } else {
                Ok(())
            }
        };
        let (lo, hi) = FITTED_RANGE;
        check(
            "classes",
            s.classes as f64,
            lo.classes as f64,
            hi.classes as f64,
        )?;
        check("dims", s.dims as f64, lo.dims as f64, hi.dims as f64)?;
        check(
            "features",
            s.features as f64,
            lo.features as f64,
            hi.features as f64,
        )?;
        check("noise", s.noise, lo.noise, hi.noise)
    }
}

/// Bounds of the scenarios the Hill model's scaling is trusted on.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub classes: usize,
    pub dims: usize,
    pub features: usize,
    pub noise: f64,
}

/// (lowest, highest) accepted scenario values.
pub const FITTED_RANGE: (Bounds, Bounds) = (
    Bounds {
        classes: 2,
        dims: 2,
        features: 4,
        noise: 0.0,
    },
    Bounds {
        classes: 200,
        dims: 256,
        features: 1024,
        noise: 0.6,
    },
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_reference_facts_roughly() {
        let m = HillModel::default();
        let s = Scenario::default();
        let q = |sig, n| m.predict(&s, sig, n).mean;
        assert!((q(Signal::Soft, 200.0) - 0.52).abs() < 0.08);
        assert!((q(Signal::Hard, 1000.0) - 0.50).abs() < 0.08);
        assert!((q(Signal::Triplet, 5000.0) - 0.94).abs() < 0.08);
        assert!((q(Signal::Pair, 5000.0) - 0.43).abs() < 0.08);
        let p = m.predict(&s, Signal::Hard, 1000.0);
        assert!(p.lo < p.mean && p.mean < p.hi);
        assert!(m.quantile(&s, Signal::Hard, 1000.0, 0.9) < p.mean);
    }
}
