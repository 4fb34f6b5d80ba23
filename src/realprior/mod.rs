//! Calibration from a pilot under a prior learned from real learning curves (docs/real-curves.md).
//!
//! | step | module |
//! |------|--------|
//! | read a collection of measured curves (LCDB's CSV, gzipped or not) | [`curves`] |
//! | summarise a pilot: anchors, noise | [`pilot`] |
//! | what the pilot shows: level, slopes, curvature, noise, headroom | [`features`] |
//! | the prior: quantile regressions of the gain at each horizon | [`prior`], [`quantreg`], [`train`] |
//! | a pilot's curve as quantiles, and the model file `plan` reads | [`predict`] |
//! | the scoring protocol of real-curve extrapolation, with the usual baselines | [`protocol`], [`baselines`] |

pub mod baselines;
pub mod calibration;
pub mod curves;
pub mod features;
pub mod pilot;
pub mod predict;
pub mod prior;
pub mod protocol;
pub mod quantreg;
pub mod reach;
pub mod train;
