//! The prior a calibration leans on when it has few points: the shape learned from simulation.
//!
//! All in the fitting coordinates theta of `surrogate::curve` (logit scales for alpha, qmax and
//! base_frac), each a Gaussian with the standard deviation below.
//!
//! | parameter   | centre                                                  | sd (theta) |
//! |-------------|---------------------------------------------------------|------------|
//! | family      | the default model's family for the signal               | fixed      |
//! | `alpha`     | the default model's alpha for the signal (the shape)    | [`ALPHA_SD`] |
//! | `base_frac` | the default model's base_frac for the signal            | [`BASE_SD`] |
//! | `qmax`      | [`Ceiling::Data`]: halfway between the best measured point and 1 | [`QMAX_SD`] |
//! |             | [`Ceiling::Bound`]: [`BOUND_QMAX`], near the metric's bound 1 | [`BOUND_SD`] |
//! | `log_x0`    | median ln n of the measured points                      | [`SCALE_SD`] |
//! | noise sigma | [`SIGMA0`] (quality units), with `fit::NU0` degrees of freedom | -    |
//!
//! The scale x0 and the ceiling qmax of the user's data are not the simulation's (different
//! data, different metric), so their priors are weak and centred on the data; the shape
//! (family and alpha) and the relative base are what simulation teaches. When the embedded
//! default model lacks a signal, [`FALLBACK`] is used (MMF, alpha 1.5, base_frac 0.5).
//!
//! This is the default candidate. [`super::select`] also tries a
//! ceiling prior at the metric's bound ([`Ceiling::Bound`]: every calibrated metric is a quality
//! in [0, 1], and a probe's accuracy often keeps climbing toward 1 long after the measured range)
//! and a free shape ([`FREE_ALPHA_SD`]), and keeps the bound ceiling unless forward validation
//! gives strong evidence for another candidate (`select::Rule::Evidence`).

use super::fit::CurvePoint;
use crate::signal::Signal;
use crate::surrogate::Model;
use crate::surrogate::curve::{N_PARAMS, Params};
use crate::surrogate::families::Family;

pub const ALPHA_SD: f64 = 0.6;
pub const BASE_SD: f64 = 1.5;
pub const QMAX_SD: f64 = 1.5;
pub const SCALE_SD: f64 = 3.0;
/// Centre and sd (logit scale) of the ceiling prior at the metric's bound: weakly informative,
/// 0.99 with about 95% of its mass above 0.88.
pub const BOUND_QMAX: f64 = 0.99;
pub const BOUND_SD: f64 = 1.0;
/// Sd of the shape prior when the shape is left (nearly) free.
pub const FREE_ALPHA_SD: f64 = 3.0;
/// Prior noise of one measured point, in quality units (a held-out accuracy on a few hundred
/// items varies by about this much from split to split).
pub const SIGMA0: f64 = 0.02;

/// Shape used when the default model has no curve for a signal.
pub const FALLBACK: (Family, f64, f64) = (Family::Mmf, 1.5, 0.5);

/// Where the ceiling prior is centred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ceiling {
    /// Halfway between the best measured point and 1, sd [`QMAX_SD`].
    Data,
    /// At [`BOUND_QMAX`], sd [`BOUND_SD`].
    Bound,
}

impl Ceiling {
    pub fn name(self) -> &'static str {
        match self {
            Ceiling::Data => "data",
            Ceiling::Bound => "bound",
        }
    }
}

/// A prior for one signal's curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prior {
    pub family: Family,
    pub alpha: f64,
    pub base_frac: f64,
    pub ceiling: Ceiling,
    /// Sd of the shape alpha (theta scale), before `width`.
    pub alpha_sd: f64,
    pub sigma0: f64,
    /// Multiplies every prior sd (1 = as documented; large = nearly flat).
    pub width: f64,
}

impl Prior {
    /// The prior for `signal` from `default` (the embedded model when it parses).
    pub fn for_signal(default: Option<&Model>, signal: Signal) -> Prior {
        let (family, alpha, base_frac) = default
            .and_then(|m| m.signal(signal))
            .map_or(FALLBACK, |s| (s.family, s.params.alpha, s.params.base_frac));
        Prior {
            family,
            alpha,
            base_frac,
            ceiling: Ceiling::Data,
            alpha_sd: ALPHA_SD,
            sigma0: SIGMA0,
            width: 1.0,
        }
    }

    /// The embedded default model, if this build carries a valid one.
    pub fn default_model() -> Option<Model> {
        Model::from_toml_str(crate::surrogate::EMBEDDED_DEFAULT).ok()
    }

    /// Prior means in theta coordinates, given the measured points.
    pub fn theta_mean(&self, pts: &[CurvePoint]) -> [f64; N_PARAMS] {
        let mut lnn: Vec<f64> = pts.iter().map(|p| p.n.max(1.0).ln()).collect();
        lnn.sort_by(f64::total_cmp);
        let med = lnn.get(lnn.len() / 2).copied().unwrap_or(0.0);
        let top = pts
            .iter()
            .map(|p| p.y)
            .fold(0.0f64, f64::max)
            .clamp(0.0, 1.0);
        Params::plain(
            med,
            self.alpha,
            match self.ceiling {
                Ceiling::Data => (0.5 * (top + 1.0)).clamp(0.05, 0.995),
                Ceiling::Bound => BOUND_QMAX,
            },
            self.base_frac.clamp(0.01, 0.99),
        )
        .to_theta()
    }

    /// Prior standard deviations in theta coordinates (infinite: flat).
    pub fn theta_sd(&self) -> [f64; N_PARAMS] {
        let w = self.width;
        let mut sd = [f64::INFINITY; N_PARAMS];
        sd[0] = SCALE_SD * w;
        sd[1] = self.alpha_sd * w;
        sd[2] = match self.ceiling {
            Ceiling::Data => QMAX_SD,
            Ceiling::Bound => BOUND_SD,
        } * w;
        sd[3] = BASE_SD * w;
        sd
    }
}
