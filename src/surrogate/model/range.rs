//! The range of scenarios and counts a model was fitted on.

use crate::error::{Error, Result};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};

/// The range of scenarios and counts a model was fitted on (inclusive bounds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    pub classes: [usize; 2],
    pub dims: [usize; 2],
    pub features: [usize; 2],
    pub noise: [f64; 2],
    pub nuisance: [f64; 2],
    pub n: [u64; 2],
}

/// Share of a parameter's fitted span tolerated beyond its ends before a scenario counts as
/// outside the range: a space-filling design never lands exactly on the ends (the default
/// sweep's smallest noise is 0.005, and noise 0 should not be an extrapolation). A parameter
/// fitted at one value (the default model's nuisance, 4) gets that share of the value instead,
/// so that a measured 4.02 (`labelbudget scenario`) is not an extrapolation.
pub const RANGE_MARGIN: f64 = 0.05;

impl Range {
    /// (key, value, lo, hi) of every scenario parameter outside the range widened by
    /// [`RANGE_MARGIN`] of its span on each side.
    pub fn outside(&self, sc: &Scenario) -> Vec<(&'static str, f64, f64, f64)> {
        let f = |r: [usize; 2]| [r[0] as f64, r[1] as f64];
        [
            ("classes", sc.classes as f64, f(self.classes)),
            ("dims", sc.dims as f64, f(self.dims)),
            ("features", sc.features as f64, f(self.features)),
            ("noise", sc.noise, self.noise),
            ("nuisance", sc.nuisance, self.nuisance),
        ]
        .into_iter()
        .filter(|&(_, v, [lo, hi])| {
            let span = if hi > lo { hi - lo } else { hi.abs() };
            let m = RANGE_MARGIN * span + 1e-12;
            v < lo - m || v > hi + m
        })
        .map(|(k, v, [lo, hi])| (k, v, lo, hi))
        .collect()
    }

    /// Check that every range is ordered (lower <= upper) and finite.
    ///
    /// # Errors
    /// The first range that is not, named `range.KEY`.
    pub fn validate(&self) -> Result<()> {
        let f = |r: [usize; 2]| [r[0] as f64, r[1] as f64];
        let ranges = [
            ("classes", f(self.classes)),
            ("dims", f(self.dims)),
            ("features", f(self.features)),
            ("noise", self.noise),
            ("nuisance", self.nuisance),
            ("n", [self.n[0] as f64, self.n[1] as f64]),
        ];
        for (key, [lo, hi]) in ranges {
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                return Err(Error::invalid(
                    format!("range.{key}"),
                    format!("[{lo}, {hi}]"),
                    "[lower, upper]: two finite numbers, lower <= upper",
                ));
            }
        }
        Ok(())
    }

    /// Warnings, one per scenario parameter outside the range (empty when inside).
    pub fn check(&self, sc: &Scenario) -> Vec<String> {
        self.outside(sc)
            .into_iter()
            .map(|(key, v, lo, hi)| {
                format!("{key} = {v} lies outside the fitted range [{lo}, {hi}]: the prediction extrapolates")
            })
            .collect()
    }

    /// A warning when n lies outside the fitted counts.
    pub fn check_n(&self, n: f64) -> Option<String> {
        (n < self.n[0] as f64 || n > self.n[1] as f64).then(|| {
            format!(
                "n = {n} lies outside the fitted counts [{}, {}]: the prediction extrapolates",
                self.n[0], self.n[1]
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parameter fitted at one value tolerates 5% of it; one fitted over a span, 5% of the span.
    #[test]
    fn a_single_fitted_value_tolerates_a_share_of_itself() {
        let r = Range {
            classes: [2, 96],
            dims: [2, 63],
            features: [8, 256],
            noise: [0.0, 0.4],
            nuisance: [4.0, 4.0],
            n: [10, 100_000],
        };
        let at = |nuisance: f64, noise: f64| Scenario {
            nuisance,
            noise,
            ..Scenario::default()
        };
        assert!(r.outside(&at(4.15, 0.2)).is_empty());
        assert_eq!(r.outside(&at(4.25, 0.2))[0].0, "nuisance");
        assert!(r.outside(&at(4.0, 0.41)).is_empty());
        assert_eq!(r.outside(&at(4.0, 0.43))[0].0, "noise");
    }
}
