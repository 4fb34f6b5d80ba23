//! Saturating learning-curve shapes `F(u; alpha)`, with `u = x / x0` the covariate in units of
//! its scale. Every family but the baseline rises from F(0) = 0 to F(inf) = 1.
//!
//! | family    | F(u; alpha)                  | literature name                            |
//! |-----------|------------------------------|--------------------------------------------|
//! | `power`   | 1 - (1 + u)^(-alpha)         | power law with offset (pow3 / "exp3")      |
//! | `weibull` | 1 - exp(-u^alpha)            | Weibull / stretched exponential            |
//! | `mmf`     | u^alpha / (1 + u^alpha)      | Morgan-Mercer-Flodin (Hill)                |
//! | `frechet` | exp(-u^(-alpha))             | Frechet / Gumbel in ln n                   |
//! | `plain`   | 1 - u^(-alpha)               | plain power law `a - b n^-c` (baseline)    |
//!
//! In ln u, `mmf` is the symmetric logistic S; `weibull` starts slowly and ends abruptly (its
//! approach to 1 is a double exponential); `frechet` is its mirror: an abrupt start from 0 and
//! a slow, power-law approach to 1 (1 - F ~ u^(-alpha)). Simulated pair curves have that shape:
//! little is learned until enough "same" pairs have been seen, then the curve rises fast and
//! levels off slowly (docs/validation.md, "Choices measured").
//!
//! `plain` is unbounded below as u -> 0; it is kept only as the usual baseline to compare with.

use serde::{Deserialize, Serialize};

/// A learning-curve family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Power,
    Weibull,
    Mmf,
    Frechet,
    Plain,
}

/// F and its derivatives with respect to ln u and alpha.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Eval {
    pub f: f64,
    pub d_lnu: f64,
    pub d_alpha: f64,
}

impl Family {
    /// The saturating families a fit chooses among.
    pub const CANDIDATES: [Family; 4] =
        [Family::Power, Family::Weibull, Family::Mmf, Family::Frechet];

    pub fn name(self) -> &'static str {
        match self {
            Family::Power => "power",
            Family::Weibull => "weibull",
            Family::Mmf => "mmf",
            Family::Frechet => "frechet",
            Family::Plain => "plain",
        }
    }

    /// F(u; alpha) from ln u (u = exp(lnu)), without derivatives: the prediction hot path.
    #[inline]
    pub fn value(self, lnu: f64, alpha: f64) -> f64 {
        match self {
            Family::Power => -(-alpha * lnu.exp().ln_1p()).exp_m1(),
            Family::Weibull => -(-(alpha * lnu).exp()).exp_m1(),
            Family::Mmf => 1.0 / (1.0 + (-alpha * lnu).exp()),
            Family::Frechet => (-(-alpha * lnu).exp()).exp(),
            Family::Plain => 1.0 - (-alpha * lnu).exp(),
        }
    }

    /// F with its derivatives, for fitting.
    #[inline]
    pub fn eval(self, lnu: f64, alpha: f64) -> Eval {
        match self {
            Family::Power => {
                let u = lnu.exp();
                let l1 = u.ln_1p();
                let t = (-alpha * l1).exp(); // (1+u)^-alpha
                Eval {
                    f: 1.0 - t,
                    d_lnu: alpha * t * u / (1.0 + u),
                    d_alpha: t * l1,
                }
            }
            Family::Weibull => {
                let ua = (alpha * lnu).exp(); // u^alpha
                let e = (-ua).exp();
                Eval {
                    f: 1.0 - e,
                    d_lnu: e * ua * alpha,
                    d_alpha: e * ua * lnu,
                }
            }
            Family::Mmf => {
                let s = 1.0 / (1.0 + (-alpha * lnu).exp()); // u^a / (1 + u^a)
                let ds = s * (1.0 - s);
                Eval {
                    f: s,
                    d_lnu: alpha * ds,
                    d_alpha: lnu * ds,
                }
            }
            Family::Frechet => {
                let e = (-alpha * lnu).exp(); // u^-alpha
                let f = (-e).exp();
                Eval {
                    f,
                    d_lnu: f * alpha * e,
                    d_alpha: f * lnu * e,
                }
            }
            Family::Plain => {
                let t = (-alpha * lnu).exp();
                Eval {
                    f: 1.0 - t,
                    d_lnu: alpha * t,
                    d_alpha: lnu * t,
                }
            }
        }
    }
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn derivatives_match_finite_differences(lnu in -6.0f64..6.0, alpha in 0.1f64..4.0, k in 0usize..5) {
            let fam = [Family::Power, Family::Weibull, Family::Mmf, Family::Frechet, Family::Plain][k];
            let e = fam.eval(lnu, alpha);
            prop_assert!((e.f - fam.value(lnu, alpha)).abs() < 1e-12);
            let h = 1e-6;
            let dl = (fam.value(lnu + h, alpha) - fam.value(lnu - h, alpha)) / (2.0 * h);
            let da = (fam.value(lnu, alpha + h) - fam.value(lnu, alpha - h)) / (2.0 * h);
            let tol = |v: f64| 1e-5 * (1.0 + v.abs());
            prop_assert!((dl - e.d_lnu).abs() < tol(dl), "d_lnu {} vs {}", dl, e.d_lnu);
            prop_assert!((da - e.d_alpha).abs() < tol(da), "d_alpha {} vs {}", da, e.d_alpha);
        }

        #[test]
        fn saturating_families_rise_from_zero_to_one(lnu in -8.0f64..8.0, alpha in 0.05f64..5.0, k in 0usize..4) {
            let fam = Family::CANDIDATES[k];
            let f = fam.value(lnu, alpha);
            prop_assert!((0.0..=1.0).contains(&f));
            prop_assert!(fam.value(lnu + 0.1, alpha) >= f);
        }
    }
}
