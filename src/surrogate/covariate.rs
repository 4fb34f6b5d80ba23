//! How a scenario enters the surrogate: the covariate x, the scenario features z, the floor of
//! the untrained encoder and the ceiling cap of class-based signals. All closed form and cheap:
//! the planner calls them thousands of times per plan.

use super::curve::{Inputs, NW, NZ};
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

    /// What the quality is, for tables and chart axes.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Cka => "linear CKA",
            Metric::Transfer => "transfer accuracy",
            Metric::Accuracy => "held-out accuracy",
            Metric::User => "the pilot's metric",
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

impl std::str::FromStr for Covariate {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "n" => Ok(Covariate::N),
            "bits" => Ok(Covariate::Bits),
            _ => Err(crate::Error::invalid("covariate", s, "n or bits")),
        }
    }
}

/// Number of terms of the bits approximation.
pub const BITS_TERMS: usize = 6;

/// Basis of the bits approximation: `[1, ln h(C, e), ln p(C, e), ln C, ln d, e]`, where h and p
/// are the closed-form bits of a hard label and of a pair through a symmetric annotator with
/// error rate e (docs/method.md, "Bits per annotation"), floored at 0.01 bits.
#[inline]
pub fn bits_basis(sc: &Scenario) -> [f64; BITS_TERMS] {
    use crate::info::theory::{hard_symmetric_bits, pair_symmetric_bits};
    let (c, e) = (sc.classes, sc.noise);
    [
        1.0,
        hard_symmetric_bits(c, e).max(0.01).ln(),
        pair_symmetric_bits(c, e).max(0.01).ln(),
        (c as f64).ln(),
        (sc.dims as f64).ln(),
        e,
    ]
}

/// A cheap stand-in for `info::signal_bits` (a Monte Carlo estimate, ~0.1 s a call) inside
/// predictions: `ln bits = coef . bits_basis(scenario)`, least squares on the bits measured
/// at the sweep's scenarios. `max_rel_err` is its largest relative error there.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BitsModel {
    pub coef: [f64; BITS_TERMS],
    pub max_rel_err: f64,
}

impl BitsModel {
    #[inline]
    pub fn ln_bits(&self, sc: &Scenario) -> f64 {
        let b = bits_basis(sc);
        (0..BITS_TERMS).map(|i| self.coef[i] * b[i]).sum()
    }

    /// Fit on (scenario, measured bits) pairs by ridge-stabilised least squares in ln bits.
    pub fn fit(points: &[(Scenario, f64)]) -> BitsModel {
        const K: usize = BITS_TERMS;
        let mut a = [[0.0; K]; K];
        let mut b = [0.0; K];
        for (sc, bits) in points {
            let x = bits_basis(sc);
            let y = bits.max(1e-6).ln();
            for i in 0..K {
                b[i] += x[i] * y;
                for j in 0..K {
                    a[i][j] += x[i] * x[j];
                }
            }
        }
        for (i, row) in a.iter_mut().enumerate() {
            row[i] += 1e-6 * (1.0 + row[i]);
        }
        let coef = solve(a, b);
        let mut m = BitsModel {
            coef,
            max_rel_err: 0.0,
        };
        m.max_rel_err = points
            .iter()
            .map(|(sc, bits)| (m.ln_bits(sc).exp() / bits.max(1e-6) - 1.0).abs())
            .fold(0.0, f64::max);
        m
    }
}

/// Gaussian elimination with partial pivoting of a small symmetric positive system.
fn solve<const K: usize>(mut a: [[f64; K]; K], mut b: [f64; K]) -> [f64; K] {
    for col in 0..K {
        let piv = (col..K)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, piv);
        b.swap(col, piv);
        let d = a[col][col];
        if d.abs() < 1e-300 {
            continue;
        }
        for r in col + 1..K {
            let f = a[r][col] / d;
            let pivot_row = a[col];
            for (x, p) in a[r][col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = [0.0; K];
    for i in (0..K).rev() {
        let s: f64 = (i + 1..K).map(|j| a[i][j] * x[j]).sum();
        x[i] = if a[i][i].abs() < 1e-300 {
            0.0
        } else {
            (b[i] - s) / a[i][i]
        };
    }
    x
}

/// ln of the covariate x. The single place where the covariate is defined:
/// raw n, or n * bits(scenario, signal) / P_eff(scenario) with P_eff = r * D.
#[inline]
pub fn ln_covariate(cov: Covariate, sc: &Scenario, bits: Option<&BitsModel>, n: f64) -> f64 {
    let ln_n = n.max(0.0).ln();
    match (cov, bits) {
        (Covariate::Bits, Some(b)) => ln_n + b.ln_bits(sc) - crate::info::p_eff(sc).ln(),
        _ => ln_n,
    }
}

/// What a model's curves are functions of.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spec {
    pub metric: Metric,
    pub covariate: Covariate,
    /// The plain power-law baseline: no scenario features, floor or cap.
    pub baseline: bool,
    /// The pair curve's share of the latent directions beyond the class subspace ([`cap`]).
    pub pair_spill: f64,
}

/// The curve inputs of (scenario, signal, n). With `baseline`, the plain power law in raw n:
/// no scenario features, no floor and no cap.
#[inline]
pub fn inputs(
    sc: &Scenario,
    signal: Signal,
    n: f64,
    spec: Spec,
    bits: Option<&BitsModel>,
    floor: &FloorModel,
) -> Inputs {
    let Spec {
        metric,
        covariate: cov,
        baseline,
        pair_spill,
    } = spec;
    if baseline {
        return Inputs::plain(n.max(0.0).ln(), 0.0, 1.0);
    }
    Inputs {
        ln_x: ln_covariate(cov, sc, bits, n),
        z: features(sc),
        floor: floor.floor(sc),
        cap: cap(sc, signal, metric, pair_spill),
        w: ceiling_features(sc),
    }
}

/// Ceiling features w, zero at the default scenario (C 10, d 16, D 64, noise 0.2) except q:
/// `[ln(1 + q), noise - 0.2, ln(d/16), s, ln(C/10)]` (names `q, e, d, s, C`),
/// q = min(C-1, d) / max(C-1, d), s the feature signal share of [`signal_share`].
///
/// Why ln(1 + q): a class-trained encoder spans the prototypes' scatter, whose non-zero
/// eigenvalues spread like a Wishart matrix's (E\[l^2\] / E\[l\]^2 = 1 + q); an encoder with unequal
/// scales reaches CKA sqrt(k/d) * mean(l) / rms(l) rather than the cap sqrt(k/d). Measured: the
/// ceiling falls short of the cap by about (1 + q)^(-1/4) (C = 16, d = 16: 0.86 of the cap;
/// C = 4, d = 16: 0.99).
#[inline]
pub fn ceiling_features(sc: &Scenario) -> [f64; NW] {
    let d = sc.dims as f64;
    let k = (sc.classes.saturating_sub(1) as f64).max(1.0);
    [
        (1.0 + k.min(d) / k.max(d)).ln(),
        sc.noise - 0.2,
        (d / 16.0).ln(),
        signal_share(sc),
        (sc.classes as f64 / 10.0).ln(),
    ]
}

/// Scenario features z of the scale, zero at the default scenario. With
/// `c = ln(C/10), l = ln(d/16), f = ln(D/64), e = noise - 0.2`:
/// `[c, l, f, e, c*l, c^2, l^2, e*c, f^2, s, c*f, l*f]` (names `C, d, D, e, Cd, CC, dd, eC,
/// DD, s, CD, dD`), s the feature signal share of [`signal_share`]. The shape uses the first
/// `curve::NA` (10) of them.
#[inline]
pub fn features(sc: &Scenario) -> [f64; NZ] {
    let c = (sc.classes as f64 / 10.0).ln();
    let l = (sc.dims as f64 / 16.0).ln();
    let f = (sc.features as f64 / 64.0).ln();
    let e = sc.noise - 0.2;
    [
        c,
        l,
        f,
        e,
        c * l,
        c * c,
        l * l,
        e * c,
        f * f,
        signal_share(sc),
        c * f,
        l * f,
    ]
}

/// ln of the share of feature variance that carries the latent, `d / (d + nuisance (D - d))`,
/// relative to the default scenario's 16 / 208: 0 there, up to ln 13 = 2.6 when D = d.
/// Small when many nuisance directions must be ignored; near 1 when the features are
/// almost all signal.
#[inline]
pub fn signal_share(sc: &Scenario) -> f64 {
    let d = sc.dims as f64;
    let nuis = sc.nuisance * (sc.features as f64 - d).max(0.0);
    (d / (d + nuis)).ln() - (16.0f64 / 208.0).ln()
}

/// Ceiling cap of a signal's quality. For CKA, class-based signals identify at most the
/// (C-1)-dimensional subspace separating the prototypes: cap = sqrt(min(C-1, d) / d)
/// (docs/method.md, "The dimension cap"). Pairs reach a share `pair_spill` of the remaining
/// d - min(C-1, d) latent directions too: cap = sqrt((m + pair_spill (d - m)) / d), m = min(C-1,
/// d) ([`PAIR_SPILL`]; a model file written before it was measured reads 0). Triplets are
/// uncapped. Transfer has no closed-form cap: 1.
#[inline]
pub fn cap(sc: &Scenario, signal: Signal, metric: Metric, pair_spill: f64) -> f64 {
    match metric {
        Metric::Cka if signal.is_class_based() => {
            let d = sc.dims as f64;
            let m = (sc.classes.saturating_sub(1) as f64).min(d);
            let spill = if signal == Signal::Pair {
                pair_spill
            } else {
                0.0
            };
            ((m + spill * (d - m)) / d).sqrt()
        }
        _ => 1.0,
    }
}

/// The share of the latent directions beyond the class subspace a pair curve's cap admits
/// (see [`cap`]). Simulated pair runs pass the class cap where few classes span many latent
/// dimensions (in 18 of 264 scenarios of the partial-fit check, by up to 1.27x: C = 4, d = 26),
/// which a cap at the class subspace cannot follow. Chosen by the pair curve's leave-scenario-out
/// error at n = 30,000 on the default sweep: 0.0367 at 0, 0.0333 at 0.1, 0.0347 at 0.2
/// (docs/validation.md, "Choices measured").
pub const PAIR_SPILL: f64 = 0.1;

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
    fn bits_model_reproduces_an_exact_log_linear_law() {
        let scs: Vec<(Scenario, f64)> = [
            (4, 8, 0.1),
            (10, 16, 0.2),
            (20, 24, 0.3),
            (6, 12, 0.4),
            (16, 8, 0.0),
            (2, 32, 0.3),
            (50, 16, 0.1),
        ]
        .iter()
        .map(|&(classes, dims, noise)| {
            let sc = Scenario {
                classes,
                dims,
                noise,
                features: 64,
                ..Scenario::default()
            };
            let b = bits_basis(&sc);
            let truth = 0.3 + 0.8 * b[1] - 0.1 * b[3] + 0.05 * b[4];
            (sc, truth.exp())
        })
        .collect();
        let m = BitsModel::fit(&scs);
        assert!(m.max_rel_err < 1e-3, "{m:?}");
    }

    #[test]
    fn default_floor_and_cap_match_the_simulation() {
        let sc = Scenario::default();
        let f = random_encoder_cka(&sc);
        assert!((0.05..0.09).contains(&f), "{f}");
        assert!((cap(&sc, Signal::Hard, Metric::Cka, PAIR_SPILL) - 0.75).abs() < 1e-12);
        assert_eq!(cap(&sc, Signal::Triplet, Metric::Cka, PAIR_SPILL), 1.0);
        assert_eq!(features(&sc), [0.0; NZ]);
        assert_eq!(ceiling_features(&sc)[1..], [0.0; NW - 1]);
    }

    /// The spill opens only the pair cap, from the class cap (0) to none (1).
    #[test]
    fn the_pair_cap_admits_its_share_of_the_directions_beyond_the_classes() {
        let sc = Scenario {
            classes: 4,
            dims: 32,
            ..Scenario::default()
        };
        let class_cap = (3.0f64 / 32.0).sqrt();
        for spill in [0.0, PAIR_SPILL, 1.0] {
            assert_eq!(cap(&sc, Signal::Hard, Metric::Cka, spill), class_cap);
            assert_eq!(cap(&sc, Signal::Soft, Metric::Cka, spill), class_cap);
            let pair = cap(&sc, Signal::Pair, Metric::Cka, spill);
            let want = ((3.0 + spill * 29.0) / 32.0).sqrt();
            assert!(
                (pair - want).abs() < 1e-12,
                "{spill}: {pair} against {want}"
            );
        }
        assert_eq!(cap(&sc, Signal::Pair, Metric::Cka, 0.0), class_cap);
        assert_eq!(cap(&sc, Signal::Pair, Metric::Cka, 1.0), 1.0);
        // more classes than latent dimensions: nothing beyond the classes to admit
        let wide = Scenario {
            classes: 40,
            dims: 8,
            ..Scenario::default()
        };
        assert_eq!(cap(&wide, Signal::Pair, Metric::Cka, PAIR_SPILL), 1.0);
        assert_eq!(cap(&sc, Signal::Pair, Metric::Transfer, PAIR_SPILL), 1.0);
    }
}
