//! The real-curve prior as a model file (`models/real-curves.toml`): for each horizon
//! h = ln(n / n_cut) beyond a pilot's last count and each probability p, the coefficients of a
//! linear quantile regression of the gain over the pilot's level on the pilot's features
//! ([`super::features::NAMES`]). See docs/real-curves.md for how it is learned and scored.

use super::features::{Features, NAMES, NF};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The prior compiled into the binary, learned from LCDB 1.0 (MIT licence).
pub const EMBEDDED: &str = include_str!("../../models/real-curves.toml");

/// A learned prior over the continuation of real learning curves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurvePrior {
    pub format_version: u32,
    /// Where the curves came from, with their licence.
    pub source: String,
    /// Curves and datasets learned from.
    pub curves: usize,
    pub datasets: usize,
    /// Seeds (train/test splits) per count in the pilots it was learned on.
    pub pilot_seeds: u32,
    /// Names of the design entries, in order ([`NAMES`]).
    pub features: Vec<String>,
    /// Horizons h = ln(n / n_cut), increasing from 0.
    pub horizons: Vec<f64>,
    /// Probabilities of the quantiles, increasing, with 0.5 among them.
    pub probs: Vec<f64>,
    /// Training rows at each horizon.
    pub rows: Vec<usize>,
    /// The largest horizon with enough training rows ([`super::train::MIN_ROWS`] from
    /// [`super::train::MIN_DATASETS`] datasets): beyond it a prediction is held flat and said
    /// to be beyond what the curves support.
    pub supported_to: f64,
    /// Calibration ([`super::calibration`]): at each horizon, the factor by which the rows
    /// below the median (`lower_scale`) and above it (`upper_scale`) are moved away from it.
    #[serde(default)]
    pub lower_scale: Vec<f64>,
    #[serde(default)]
    pub upper_scale: Vec<f64>,
    /// Calibration of the safe budget: pairs [probability of reaching a target, probability of
    /// the row whose first crossing of the target gives that coverage].
    #[serde(default)]
    pub reach: Vec<[f64; 2]>,
    /// `coef[h][p]`: the coefficients of the p-quantile of the gain at horizon h.
    pub coef: Vec<Vec<Vec<f64>>>,
}

impl CurvePrior {
    /// The embedded prior.
    ///
    /// # Panics
    /// Never in a released build: a test checks that the embedded file parses.
    pub fn embedded() -> CurvePrior {
        CurvePrior::from_toml_str(EMBEDDED).expect("embedded models/real-curves.toml is valid")
    }

    /// Parse and check a prior.
    ///
    /// # Errors
    /// Malformed TOML, another format version or feature set, unordered horizons or
    /// probabilities, coefficient tables of the wrong shape or with non-finite entries.
    pub fn from_toml_str(text: &str) -> Result<CurvePrior> {
        let p: CurvePrior = toml::from_str(text).map_err(|e| {
            crate::error::toml_error(text, &e, "prior", "a prior written by `labelbudget prior`")
        })?;
        p.check()?;
        Ok(p)
    }

    /// Read a prior file.
    ///
    /// # Errors
    /// As [`CurvePrior::from_toml_str`], naming the file; an unreadable file.
    pub fn from_file(path: &Path) -> Result<CurvePrior> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        CurvePrior::from_toml_str(&text).map_err(|e| e.in_file(path))
    }

    /// Write the prior atomically.
    ///
    /// # Errors
    /// The folder is missing or not writable.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = toml::to_string(self).map_err(|e| Error::numerical("prior serialisation", e))?;
        crate::io::write_atomic(path, text.as_bytes())
    }

    /// Check the contents (as a file is checked on loading).
    ///
    /// # Errors
    /// See [`CurvePrior::from_toml_str`].
    pub fn check(&self) -> Result<()> {
        if self.format_version != FORMAT_VERSION {
            return Err(Error::invalid(
                "format_version",
                self.format_version,
                format!("{FORMAT_VERSION} (relearn the prior with `labelbudget prior`)"),
            ));
        }
        if self.features != NAMES {
            return Err(Error::invalid(
                "features",
                format!("{:?}", self.features),
                format!("the feature set of this build, {NAMES:?} (relearn the prior)"),
            ));
        }
        let h = &self.horizons;
        if h.first() != Some(&0.0)
            || !h.windows(2).all(|w| w[0] < w[1])
            || h.iter().any(|v| !v.is_finite())
        {
            return Err(Error::invalid(
                "horizons",
                format!("{h:?}"),
                "finite horizons increasing from 0",
            ));
        }
        let p = &self.probs;
        if p.is_empty()
            || !p.windows(2).all(|w| w[0] < w[1])
            || !p.iter().all(|v| *v > 0.0 && *v < 1.0)
            || !p.contains(&0.5)
        {
            return Err(Error::invalid(
                "probs",
                format!("{p:?}"),
                "increasing probabilities in (0, 1), 0.5 among them",
            ));
        }
        if self.rows.len() != h.len() {
            return Err(Error::invalid(
                "rows",
                format!("{} entries", self.rows.len()),
                format!("one per horizon ({})", h.len()),
            ));
        }
        if !(self.supported_to.is_finite() && h.contains(&self.supported_to)) {
            return Err(Error::invalid(
                "supported_to",
                self.supported_to,
                "one of the horizons",
            ));
        }
        let shape_ok = self.coef.len() == h.len()
            && self
                .coef
                .iter()
                .all(|t| t.len() == p.len() && t.iter().all(|b| b.len() == NF));
        if !shape_ok {
            return Err(Error::invalid(
                "coef",
                "a table of another shape",
                format!(
                    "{} horizons x {} probabilities x {NF} coefficients",
                    h.len(),
                    p.len()
                ),
            ));
        }
        for (name, s) in [
            ("lower_scale", &self.lower_scale),
            ("upper_scale", &self.upper_scale),
        ] {
            if !(s.is_empty() || s.len() == h.len())
                || s.iter().any(|v| !(v.is_finite() && *v > 0.0))
            {
                return Err(Error::invalid(
                    name,
                    format!("{s:?}"),
                    format!("absent, or {} positive factors (one per horizon)", h.len()),
                ));
            }
        }
        let r = &self.reach;
        let ordered = r
            .windows(2)
            .all(|w| w[0][0] < w[1][0] && w[0][1] >= w[1][1]);
        if !ordered || r.iter().flatten().any(|v| !(*v > 0.0 && *v < 1.0)) {
            return Err(Error::invalid(
                "reach",
                format!("{r:?}"),
                "pairs [level, row probability] in (0, 1), levels increasing, row probabilities not increasing",
            ));
        }
        for (i, t) in self.coef.iter().enumerate() {
            for (k, b) in t.iter().enumerate() {
                if let Some(v) = b.iter().find(|v| !v.is_finite()) {
                    return Err(Error::invalid(
                        format!("coef[{i}][{k}]"),
                        v,
                        "finite coefficients",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Index of the supported horizon in [`CurvePrior::horizons`].
    pub fn supported_index(&self) -> usize {
        self.horizons
            .iter()
            .position(|&h| h == self.supported_to)
            .unwrap_or(self.horizons.len() - 1)
    }

    /// The regressions' quantiles of the gain over the level for design `x`, at every horizon
    /// up to the supported one: `q[p][h]`, sorted in p at each horizon, not calibrated.
    pub fn gain_quantiles(&self, x: &[f64; NF]) -> Vec<Vec<f64>> {
        let nh = self.supported_index() + 1;
        let mut q = vec![vec![0.0; nh]; self.probs.len()];
        for (h, table) in self.coef.iter().take(nh).enumerate() {
            let mut col: Vec<f64> = table
                .iter()
                .map(|b| b.iter().zip(x).map(|(b, x)| b * x).sum::<f64>())
                .collect();
            col.sort_by(f64::total_cmp);
            for (k, v) in col.into_iter().enumerate() {
                q[k][h] = v;
            }
        }
        q
    }

    /// Gain quantiles with the calibration's scales applied: each row moved away from the
    /// median by its side's factor at that horizon.
    pub fn widen(&self, q: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let k50 = self.probs.iter().position(|&p| p == 0.5).unwrap_or(0);
        q.iter()
            .enumerate()
            .map(|(k, row)| {
                row.iter()
                    .enumerate()
                    .map(|(h, &v)| {
                        let scale = match k.cmp(&k50) {
                            std::cmp::Ordering::Less => self.lower_scale.get(h),
                            std::cmp::Ordering::Greater => self.upper_scale.get(h),
                            std::cmp::Ordering::Equal => None,
                        };
                        let m = q[k50][h];
                        m + scale.copied().unwrap_or(1.0) * (v - m)
                    })
                    .collect()
            })
            .collect()
    }

    /// The row probability whose first crossing of a target covers the count needed with
    /// probability `level` ([`CurvePrior::reach`], linear between its levels, held beyond
    /// them); 1 - level without a calibration.
    pub fn reach_prob(&self, level: f64) -> f64 {
        crate::surrogate::model::reach_prob(&self.reach, level)
    }

    /// Quantiles of the quality at every horizon up to the supported one: `q[p][h]` in [0, 1],
    /// calibrated, non-decreasing in p at each horizon and in h along each probability (more
    /// annotations never predict a loss).
    pub fn quantiles(&self, f: &Features) -> Vec<Vec<f64>> {
        let mut q = self.widen(&self.gain_quantiles(&f.design()));
        for row in &mut q {
            for v in row.iter_mut() {
                *v = (f.level + *v).clamp(0.0, 1.0);
            }
        }
        for row in &mut q {
            for h in 1..row.len() {
                row[h] = row[h].max(row[h - 1]);
            }
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_prior_parses_and_names_its_source() {
        let p = CurvePrior::embedded();
        assert!(
            p.source.contains("LCDB") && p.source.contains("MIT"),
            "{}",
            p.source
        );
        assert!(p.supported_to >= 2.0, "{}", p.supported_to);
    }

    #[test]
    fn bad_files_are_refused_by_field() {
        let good = CurvePrior::embedded();
        let err = |f: &dyn Fn(&mut CurvePrior)| {
            let mut p = good.clone();
            f(&mut p);
            CurvePrior::from_toml_str(&toml::to_string(&p).unwrap())
                .unwrap_err()
                .to_string()
        };
        assert!(err(&|p| p.format_version = 9).contains("format_version"));
        assert!(err(&|p| p.features[1] = "x".into()).contains("features"));
        assert!(err(&|p| p.horizons.swap(1, 2)).contains("horizons"));
        assert!(err(&|p| p.probs.retain(|&v| v != 0.5)).contains("probs"));
        assert!(err(&|p| p.supported_to = 0.123).contains("supported_to"));
        assert!(err(&|p| p.coef[1][0].pop().map_or((), |_| ())).contains("coef"));
        assert!(err(&|p| p.coef[2][1][3] = f64::NAN).contains("coef[2][1]"));
        let e = CurvePrior::from_toml_str("format_version = 1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing"), "{e}");
    }
}
