//! How a scenario enters the surrogate: the covariate x, the scenario features z, the floor of
//! the untrained encoder and the ceiling cap of class-based signals. All closed form and cheap:
//! the planner calls them thousands of times per plan.

use super::curve::Inputs;
use crate::scenario::Scenario;
use crate::signal::Signal;
use serde::{Deserialize, Serialize};

/// The quality metric a model predicts (a column of runs.csv).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Linear CKA between representation and true latent.
    #[default]
    Cka,
    /// m-shot transfer accuracy relative to the true latent.
    Transfer,
    /// Held-out classification accuracy on the user's own data (`calibrate`); no closed-form cap.
    Accuracy,
    /// A bounded metric of the user's choosing, measured on pilot runs (`calibrate --pilot`).
    User,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::Cka => "cka",
            Metric::Transfer => "transfer",
            Metric::Accuracy => "accuracy",
            Metric::User => "user",
        }
    }
}

impl std::str::FromStr for Metric {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "cka" => Ok(Metric::Cka),
            "transfer" => Ok(Metric::Transfer),
            "accuracy" => Ok(Metric::Accuracy),
            "user" => Ok(Metric::User),
            _ => Err(crate::Error::invalid(
                "metric",
                s,
                "cka, transfer, accuracy or user",
            )),
        }
    }
}

/// What the learning curve is a function of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Covariate {
    /// x = n, the raw number of annotations.
    #[default]
    N,
    /// x = n * bits(scenario, signal) / P_eff(scenario): bits per learned parameter.
    Bits,
}

/// ln of the covariate x. The single place where the covariate is defined.
#[inline]
pub fn ln_covariate(cov: Covariate, _sc: &Scenario, _signal: Signal, n: f64) -> f64 {
    match cov {
        Covariate::N | Covariate::Bits => n.max(0.0).ln(),
    }
}

/// The curve inputs of (scenario, signal, n). With `baseline`, the plain power law in raw n:
/// no scenario features, no floor and no cap.
#[inline]
pub fn inputs(
    sc: &Scenario,
    signal: Signal,
    n: f64,
    metric: Metric,
    cov: Covariate,
    baseline: bool,
    floor: &FloorModel,
) -> Inputs {
    if baseline {
        return Inputs {
            ln_x: n.max(0.0).ln(),
            z: [0.0; 4],
            floor: 0.0,
            cap: 1.0,
        };
    }
    Inputs {
        ln_x: ln_covariate(cov, sc, signal, n),
        z: features(sc),
        floor: floor.floor(sc),
        cap: cap(sc, signal, metric),
    }
}

/// Scenario features z = [ln(C/10), ln(d/16), ln(D/64), noise - 0.2], zero at the default.
#[inline]
pub fn features(sc: &Scenario) -> [f64; 4] {
    [
        (sc.classes as f64 / 10.0).ln(),
        (sc.dims as f64 / 16.0).ln(),
        (sc.features as f64 / 64.0).ln(),
        sc.noise - 0.2,
    ]
}

/// Ceiling cap of a signal's quality. For CKA, class-based signals identify at most the
/// (C-1)-dimensional subspace separating the prototypes: cap = sqrt(min(C-1, d) / d)
/// (SCIENCE.md, "Dimension cap"); triplets are uncapped. Transfer has no closed-form cap: 1.
#[inline]
pub fn cap(sc: &Scenario, signal: Signal, metric: Metric) -> f64 {
    match metric {
        Metric::Cka if signal.is_class_based() => {
            let d = sc.dims as f64;
            ((sc.classes.saturating_sub(1) as f64).min(d) / d).sqrt()
        }
        _ => 1.0,
    }
}

/// Linear CKA of a random linear encoder W x (r x D, iid entries) with the latent, in the
/// population limit: `r d / (sqrt(d) * sqrt(r tr(S)^2 + r^2 tr(S^2)))`, where
/// `S = A A^T + nuisance * P` is the feature covariance, so tr S = d + nu (D - d) and
/// tr S^2 = d + nu^2 (D - d). At the default scenario this gives 0.068 (simulated: ~0.07).
pub fn random_encoder_cka(sc: &Scenario) -> f64 {
    let (d, big_d, r, nu) = (
        sc.dims as f64,
        sc.features as f64,
        sc.rep() as f64,
        sc.nuisance,
    );
    let tr = d + nu * (big_d - d);
    let tr2 = d + nu * nu * (big_d - d);
    (r * d / (d.sqrt() * (r * tr * tr + r * r * tr2).sqrt())).clamp(0.0, 1.0)
}

/// The untrained floor of a metric as a documented linear function of [`random_encoder_cka`]:
/// `floor = a + b * random_encoder_cka`, with (a, b) fitted on the sweep's measured floors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FloorModel {
    pub intercept: f64,
    pub slope: f64,
}

impl FloorModel {
    #[inline]
    pub fn floor(&self, sc: &Scenario) -> f64 {
        (self.intercept + self.slope * random_encoder_cka(sc)).clamp(0.0, 1.0)
    }

    /// Least squares of measured floors on the formula, one point per (scenario, seed).
    pub fn fit(points: &[(f64, f64)]) -> FloorModel {
        let n = points.len() as f64;
        if points.is_empty() {
            return FloorModel {
                intercept: 0.0,
                slope: 1.0,
            };
        }
        let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
        let my = points.iter().map(|p| p.1).sum::<f64>() / n;
        let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
        let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        if sxx < 1e-12 {
            // one scenario: scale the formula through its mean
            return FloorModel {
                intercept: 0.0,
                slope: if mx > 0.0 { my / mx } else { 1.0 },
            };
        }
        let slope = sxy / sxx;
        FloorModel {
            intercept: my - slope * mx,
            slope,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_floor_and_cap_match_the_simulation() {
        let sc = Scenario::default();
        let f = random_encoder_cka(&sc);
        assert!((0.05..0.09).contains(&f), "{f}");
        assert!((cap(&sc, Signal::Hard, Metric::Cka) - 0.75).abs() < 1e-12);
        assert_eq!(cap(&sc, Signal::Triplet, Metric::Cka), 1.0);
        assert_eq!(features(&sc), [0.0; 4]);
    }
}
