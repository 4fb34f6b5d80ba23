//! The optional `[calibration]` section of a model written by `calibrate`: the user's dataset
//! (its name and the items available to label) and the measured points the curves were fitted
//! to, so that a plan on the model names the data, respects its pool and shows its points.
//!
//! ```toml
//! [calibration]
//! name = "digits"        # calibrate --name (else the model file's name is shown)
//! pool = 1438            # items available to label: calibrate --pool, or the training pool
//!
//! [[calibration.points]] # the mean measured quality at each fitted count
//! signal = "hard"
//! n = 20
//! quality = 0.724
//! ```
//!
//! Every key is optional, and a model without the section (any `fit` model, and calibrated
//! models written before it existed) reads as before.

use super::check::within;
use crate::error::{Error, Result};
use crate::signal::Signal;
use serde::{Deserialize, Serialize};

/// The longest dataset name accepted (it is printed in titles).
pub const MAX_NAME_CHARS: usize = 120;

/// The largest pool accepted.
pub const MAX_POOL: u64 = 1_000_000_000_000;

/// The most warnings a model file may carry, and the longest one.
pub const MAX_WARNINGS: usize = 64;
pub const MAX_WARNING_CHARS: usize = 2000;

/// The user's data behind a calibrated model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// The dataset's name, for tables and chart titles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Items available to label (0 is not accepted: leave the key out for "unknown").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<u64>,
    /// The mean measured quality at each fitted count, per signal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<MeasuredPoint>,
    /// What kept the measured curves from supporting a confident answer (`calibrate`'s
    /// warnings, each led by its signal: "hard: the pilot does not rise ..."), which `plan`
    /// repeats, since a plan on such a model is no better than its pilot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// One measured point of a learning curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasuredPoint {
    pub signal: Signal,
    /// Annotations.
    pub n: f64,
    /// Mean measured quality at `n`.
    pub quality: f64,
}

impl Calibration {
    /// Check every value; the error names `calibration.KEY`, the value and what is accepted.
    ///
    /// # Errors
    /// An empty or overlong name, a pool of 0 or above [`MAX_POOL`], a point with n below 1 or
    /// a quality outside [0, 1].
    pub fn validate(&self) -> Result<()> {
        if let Some(name) = &self.name {
            check_name("calibration.name", name)?;
        }
        if let Some(pool) = self.pool {
            check_pool("calibration.pool", pool)?;
        }
        if self.warnings.len() > MAX_WARNINGS {
            return Err(Error::invalid(
                "calibration.warnings",
                format!("{} warnings", self.warnings.len()),
                format!("at most {MAX_WARNINGS}"),
            ));
        }
        for (k, w) in self.warnings.iter().enumerate() {
            let chars = w.chars().count();
            if w.trim().is_empty() || chars > MAX_WARNING_CHARS || w.contains(['\n', '\r']) {
                return Err(Error::invalid(
                    format!("calibration.warnings[{k}]"),
                    format!("{:?}", w.chars().take(80).collect::<String>()),
                    format!("a line of 1 to {MAX_WARNING_CHARS} characters"),
                ));
            }
        }
        for (k, p) in self.points.iter().enumerate() {
            within(format!("calibration.points[{k}].n"), p.n, 1.0, 1e12)?;
            within(
                format!("calibration.points[{k}].quality"),
                p.quality,
                0.0,
                1.0,
            )?;
        }
        Ok(())
    }
}

/// An error naming `key` unless `name` is 1 to [`MAX_NAME_CHARS`] characters on one line.
///
/// # Errors
/// An empty, overlong or multi-line name.
pub fn check_name(key: &str, name: &str) -> Result<()> {
    let chars = name.chars().count();
    if name.trim().is_empty() || chars > MAX_NAME_CHARS || name.contains(['\n', '\r']) {
        return Err(Error::invalid(
            key,
            format!("{name:?}"),
            format!("a name of 1 to {MAX_NAME_CHARS} characters on one line"),
        ));
    }
    Ok(())
}

/// An error naming `key` unless `pool` is 1 to [`MAX_POOL`] items.
///
/// # Errors
/// A pool of 0 or above [`MAX_POOL`].
pub fn check_pool(key: &str, pool: u64) -> Result<()> {
    if !(1..=MAX_POOL).contains(&pool) {
        return Err(Error::invalid(
            key,
            pool,
            format!("a number of items from 1 to {MAX_POOL} (leave it out when unknown)"),
        ));
    }
    Ok(())
}

/// The mean of `quality` at each distinct (signal, n), sorted by signal then n.
pub fn mean_points(points: impl IntoIterator<Item = MeasuredPoint>) -> Vec<MeasuredPoint> {
    let mut sums: Vec<(MeasuredPoint, usize)> = Vec::new();
    for p in points {
        match sums
            .iter_mut()
            .find(|(q, _)| q.signal == p.signal && q.n == p.n)
        {
            Some((q, k)) => {
                q.quality += p.quality;
                *k += 1;
            }
            None => sums.push((p, 1)),
        }
    }
    let mut out: Vec<MeasuredPoint> = sums
        .into_iter()
        .map(|(mut p, k)| {
            p.quality /= k as f64;
            p
        })
        .collect();
    out.sort_by(|a, b| {
        (a.signal.index(), a.n)
            .partial_cmp(&(b.signal.index(), b.n))
            .expect("finite counts")
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(signal: Signal, n: f64, quality: f64) -> MeasuredPoint {
        MeasuredPoint { signal, n, quality }
    }

    #[test]
    fn means_per_count_sorted() {
        let m = mean_points([
            point(Signal::Soft, 10.0, 0.5),
            point(Signal::Hard, 40.0, 0.7),
            point(Signal::Hard, 20.0, 0.4),
            point(Signal::Hard, 20.0, 0.6),
        ]);
        assert_eq!(
            m,
            [
                point(Signal::Hard, 20.0, 0.5),
                point(Signal::Hard, 40.0, 0.7),
                point(Signal::Soft, 10.0, 0.5)
            ]
        );
    }

    #[test]
    fn bad_values_are_named() {
        let cases = [
            (
                Calibration {
                    name: Some(" ".into()),
                    ..Default::default()
                },
                "calibration.name",
            ),
            (
                Calibration {
                    pool: Some(0),
                    ..Default::default()
                },
                "calibration.pool",
            ),
            (
                Calibration {
                    points: vec![point(Signal::Hard, 0.5, 0.3)],
                    ..Default::default()
                },
                "calibration.points[0].n",
            ),
            (
                Calibration {
                    points: vec![point(Signal::Hard, 5.0, 1.3)],
                    ..Default::default()
                },
                "calibration.points[0].quality",
            ),
            (
                Calibration {
                    warnings: vec!["hard: fine".into(), "two\nlines".into()],
                    ..Default::default()
                },
                "calibration.warnings[1]",
            ),
            (
                Calibration {
                    warnings: vec!["w".into(); MAX_WARNINGS + 1],
                    ..Default::default()
                },
                "calibration.warnings",
            ),
        ];
        for (c, key) in cases {
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains(key), "{e}");
        }
        assert!(Calibration::default().validate().is_ok());
    }
}
