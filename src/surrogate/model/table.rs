//! A learning curve given as quantile curves on a grid of ln n: what a calibration from real
//! curves produces (`realprior`, docs/real-curves.md). Between grid points the quality is
//! linear in ln n; across probabilities, linear in the normal score of p. Below the first grid
//! point (the smallest count measured) nothing was measured: the curve runs linearly in ln n
//! from the metric's floor at one annotation up to the first grid point (the floor below one
//! annotation). Beyond the last grid point it is held (beyond `supported_to` nothing supports
//! a prediction, and the plan says so).

use super::check::num;
use super::spread::normal_quantile;
use crate::error::{Error, Result};
use crate::signal::Signal;
use serde::{Deserialize, Serialize};

/// One signal's curve as quantiles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuantileTable {
    pub signal: Signal,
    /// ln n of the grid, increasing.
    pub ln_n: Vec<f64>,
    /// Probabilities of the rows of `quality`, increasing in (0, 1), 0.5 among them.
    pub probs: Vec<f64>,
    /// `quality[k][j]`: the quality not exceeded with probability `probs[k]` at `ln_n[j]`, in
    /// [0, 1], non-decreasing along each row and down each column.
    pub quality: Vec<Vec<f64>>,
    /// The metric's floor: the quality at one annotation, from which the curve rises to the
    /// first grid point.
    pub floor: f64,
    /// ln n of the largest measured count.
    pub measured_to: f64,
    /// ln n up to which real curves support the prediction.
    pub supported_to: f64,
    /// Calibration of the safe budget ([`reach_prob`]): pairs [probability of reaching a
    /// target, row probability]; empty: the row of probability 1 - level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reach: Vec<[f64; 2]>,
}

impl QuantileTable {
    /// Check the table; errors name `signals.<signal>` fields (`tables[i]` in a file).
    ///
    /// # Errors
    /// Grids out of order, a probability set without 0.5, a quality table of the wrong shape,
    /// outside [0, 1] or out of order.
    pub fn check(&self) -> Result<()> {
        let key = |f: &str| format!("tables.{}.{f}", self.signal);
        let l = &self.ln_n;
        if l.is_empty() || !l.windows(2).all(|w| w[0] < w[1]) || l.iter().any(|v| !v.is_finite()) {
            return Err(Error::invalid(
                key("ln_n"),
                format!("{l:?}"),
                "finite values in increasing order",
            ));
        }
        let p = &self.probs;
        if !p.windows(2).all(|w| w[0] < w[1])
            || !p.iter().all(|v| *v > 0.0 && *v < 1.0)
            || !p.contains(&0.5)
        {
            return Err(Error::invalid(
                key("probs"),
                format!("{p:?}"),
                "increasing probabilities in (0, 1), 0.5 among them",
            ));
        }
        if self.quality.len() != p.len() || self.quality.iter().any(|r| r.len() != l.len()) {
            return Err(Error::invalid(
                key("quality"),
                "a table of another shape",
                format!(
                    "{} rows (one per probability) of {} values (one per ln_n)",
                    p.len(),
                    l.len()
                ),
            ));
        }
        for (k, row) in self.quality.iter().enumerate() {
            if let Some(v) = row.iter().find(|v| !(0.0..=1.0).contains(*v)) {
                return Err(Error::invalid(
                    format!("{}[{k}]", key("quality")),
                    num(*v),
                    "qualities in [0, 1]",
                ));
            }
            if !row.windows(2).all(|w| w[0] <= w[1]) {
                return Err(Error::invalid(
                    format!("{}[{k}]", key("quality")),
                    format!("{row:?}"),
                    "a row non-decreasing in n",
                ));
            }
            if k > 0 && row.iter().zip(&self.quality[k - 1]).any(|(a, b)| a < b) {
                return Err(Error::invalid(
                    format!("{}[{k}]", key("quality")),
                    format!("{row:?}"),
                    "rows non-decreasing in probability",
                ));
            }
        }
        for (f, v) in [
            ("measured_to", self.measured_to),
            ("supported_to", self.supported_to),
        ] {
            if !v.is_finite() {
                return Err(Error::invalid(key(f), num(v), "a finite ln n"));
            }
        }
        if !(0.0..=1.0).contains(&self.floor) {
            return Err(Error::invalid(
                key("floor"),
                num(self.floor),
                "a quality in [0, 1]",
            ));
        }
        Ok(())
    }

    /// Row `k` at `ln n` (held beyond the grid's ends).
    fn row_at(&self, k: usize, ln_n: f64) -> f64 {
        let l = &self.ln_n;
        let r = &self.quality[k];
        if ln_n <= l[0] {
            return r[0];
        }
        if ln_n >= l[l.len() - 1] {
            return r[r.len() - 1];
        }
        let j = l.partition_point(|&x| x <= ln_n);
        let t = (ln_n - l[j - 1]) / (l[j] - l[j - 1]);
        r[j - 1] + t * (r[j] - r[j - 1])
    }

    /// The quality not exceeded with probability `p` after n annotations: the rows interpolated
    /// in the normal score of p (the outermost rows held beyond them).
    pub fn quantile(&self, n: f64, p: f64) -> f64 {
        let ln_n = n.max(1e-300).ln();
        let first = self.ln_n[0];
        if ln_n < first {
            // from the floor at n = 1 to the first grid point
            let t = if first > 0.0 {
                (ln_n / first).max(0.0)
            } else {
                0.0
            };
            return self.floor + t * (self.quantile(first.exp(), p) - self.floor);
        }
        let probs = &self.probs;
        if p <= probs[0] {
            return self.row_at(0, ln_n);
        }
        if p >= probs[probs.len() - 1] {
            return self.row_at(probs.len() - 1, ln_n);
        }
        let k = probs.partition_point(|&x| x <= p);
        let (z0, z1, z) = (
            normal_quantile(probs[k - 1]),
            normal_quantile(probs[k]),
            normal_quantile(p),
        );
        let t = (z - z0) / (z1 - z0);
        let (a, b) = (self.row_at(k - 1, ln_n), self.row_at(k, ln_n));
        a + t * (b - a)
    }

    /// The highest probability of reaching a target that the safe budget is calibrated for:
    /// the largest level of [`Self::reach`] mapped to a row above the table's most cautious one
    /// (a level mapped to that row may ask for more caution than the rows hold). `None`: no
    /// calibration, or none above the most cautious row.
    pub fn calibrated_to(&self) -> Option<f64> {
        let lowest = *self.probs.first()?;
        self.reach
            .iter()
            .filter(|p| p[1] > lowest + 1e-12)
            .map(|p| p[0])
            .fold(None, |a: Option<f64>, l| Some(a.map_or(l, |a| a.max(l))))
    }

    /// The central curve's value at its largest grid point (the curve is held beyond it).
    pub fn ceiling(&self) -> f64 {
        let mid = self.probs.iter().position(|&p| p == 0.5).unwrap_or(0);
        *self.quality[mid].last().unwrap_or(&0.0)
    }
}

/// The row probability whose first crossing of a target covers the count needed with
/// probability `level`, from a calibration map of pairs [level, row probability] (linear
/// between its levels, held beyond them); 1 - level without a map.
pub fn reach_prob(map: &[[f64; 2]], level: f64) -> f64 {
    let (Some(first), Some(last)) = (map.first(), map.last()) else {
        return 1.0 - level;
    };
    if level <= first[0] {
        return first[1];
    }
    if level >= last[0] {
        return last[1];
    }
    let k = map.partition_point(|p| p[0] <= level);
    let (a, b) = (map[k - 1], map[k]);
    a[1] + (level - a[0]) / (b[0] - a[0]) * (b[1] - a[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn table() -> QuantileTable {
        QuantileTable {
            signal: Signal::Hard,
            ln_n: vec![0.0, 1.0, 2.0],
            probs: vec![0.1, 0.5, 0.9],
            quality: vec![
                vec![0.1, 0.2, 0.3],
                vec![0.2, 0.4, 0.5],
                vec![0.3, 0.5, 0.9],
            ],
            floor: 0.05,
            measured_to: 1.0,
            supported_to: 2.0,
            reach: Vec::new(),
        }
    }

    #[test]
    fn quantiles_interpolate_in_ln_n_and_in_the_normal_score() {
        let t = table();
        assert!((t.quantile(1f64.exp(), 0.5) - 0.4).abs() < 1e-12);
        assert!((t.quantile(0.5f64.exp(), 0.5) - 0.3).abs() < 1e-12);
        // from the floor at n = 1 to the first grid point (ln n = 0 here: the floor below it),
        // held beyond the grid and beyond the outer probabilities
        assert_eq!(t.quantile(0.5, 0.5), 0.05);
        assert_eq!(t.quantile(1e9, 0.5), 0.5);
        assert_eq!(t.quantile(1.0, 0.01), 0.1);
        // p = 0.3 sits at the normal score halfway-ish between 0.1 and 0.5: between the rows
        let q = t.quantile(1.0, 0.3);
        let w = (normal_quantile(0.3) - normal_quantile(0.1)) / (0.0 - normal_quantile(0.1));
        assert!((q - (0.1 + w * 0.1)).abs() < 1e-12, "{q}");
        assert_eq!(t.ceiling(), 0.5);
        t.check().unwrap();
        let mut later = table();
        later.ln_n = vec![2.0, 3.0, 4.0];
        let half = later.quantile(1f64.exp(), 0.5);
        assert!((half - (0.05 + 0.5 * (0.2 - 0.05))).abs() < 1e-12, "{half}");
    }

    #[test]
    fn bad_tables_are_named() {
        let err = |f: &dyn Fn(&mut QuantileTable)| {
            let mut t = table();
            f(&mut t);
            t.check().unwrap_err().to_string()
        };
        assert!(err(&|t| t.ln_n.swap(0, 1)).contains("tables.hard.ln_n"));
        assert!(err(&|t| t.probs[1] = 0.6).contains("0.5 among them"));
        assert!(err(&|t| t.quality[1].push(0.9)).contains("another shape"));
        assert!(err(&|t| t.quality[0][0] = 1.5).contains("tables.hard.quality[0]"));
        assert!(err(&|t| t.quality[1][2] = 0.1).contains("non-decreasing in n"));
        assert!(err(&|t| t.quality[2] = vec![0.1, 0.1, 0.1]).contains("in probability"));
        assert!(err(&|t| t.supported_to = f64::NAN).contains("supported_to"));
        assert!(err(&|t| t.floor = -0.1).contains("tables.hard.floor"));
    }

    #[test]
    fn the_calibrated_level_stops_at_the_most_cautious_row() {
        let mut t = table();
        assert_eq!(t.calibrated_to(), None);
        t.reach = vec![[0.5, 0.5], [0.9, 0.2], [0.95, 0.1], [0.99, 0.1]];
        assert_eq!(t.calibrated_to(), Some(0.9));
        t.reach = vec![[0.5, 0.5], [0.9, 0.2], [0.95, 0.15]];
        assert_eq!(t.calibrated_to(), Some(0.95));
    }
}
