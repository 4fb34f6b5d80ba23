//! Learning the real-curve prior from a collection of curves (docs/real-curves.md, "How the
//! prior is learned").
//!
//! Every curve is cut at every measured count n_cut from its third on (and at most half its
//! largest count): the pilot is the measurements at counts up to n_cut from the first
//! `pilot_seeds` seeds, as a team would measure it; what follows is the curve's mean over all
//! its seeds. One training row is the pilot's [`Features`] and, at each horizon h, the gain of
//! the mean curve at n_cut e^h over the pilot's level (missing beyond the curve's largest
//! count). For each horizon and probability a linear quantile regression ([`quantreg`]) is fitted
//! on the rows that reach that horizon, at most [`MAX_ROWS`] of them (a seeded subsample).

use super::curves::Curve;
use super::features::{Features, NAMES, NF};
use super::pilot::Pilot;
use super::prior::{CurvePrior, FORMAT_VERSION};
use super::quantreg;
use crate::calibrate::fit::CurvePoint;
use crate::error::{Error, Result};
use rayon::prelude::*;

/// Horizon step (ln n): about 1.42x in n, LCDB's sqrt(2) grid.
pub const STEP: f64 = 0.35;
/// Largest horizon fitted (ln n): about 3,000x a pilot's last count.
pub const MAX_HORIZON: f64 = 8.05;
/// Probabilities of the fitted quantiles.
pub const PROBS: [f64; 11] = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
/// Largest number of rows one regression is fitted on.
pub const MAX_ROWS: usize = 30000;
/// A horizon is supported (by default) when at least this many rows reach it...
pub const MIN_ROWS: usize = 2000;
/// ... from at least this many datasets.
pub const MIN_DATASETS: usize = 20;
/// Fewest counts in a pilot, each with at least [`MIN_SEEDS`] measurements.
pub const MIN_ANCHORS: usize = 3;
pub const MIN_SEEDS: usize = 3;
/// A cut leaves at least this ratio of largest count to n_cut.
pub const MIN_RATIO: f64 = 1.9;

/// How the training rows are made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Seeds 0..pilot_seeds form a pilot.
    pub pilot_seeds: u32,
    /// Pilots per cut: seeds 0..K, K..2K, ... (K = pilot_seeds), as far as a curve has them.
    pub groups: u32,
    /// Seed of the row subsample.
    pub seed: u64,
    /// A horizon is supported when at least `min_rows` rows from `min_datasets` datasets reach
    /// it ([`MIN_ROWS`], [`MIN_DATASETS`]).
    pub min_rows: usize,
    pub min_datasets: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pilot_seeds: 5,
            groups: 1,
            seed: 0,
            min_rows: MIN_ROWS,
            min_datasets: MIN_DATASETS,
        }
    }
}

/// One training row: which curve, the design vector and the gain at each horizon (NaN beyond
/// the curve).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub curve: usize,
    /// A hash of (dataset, learner, cut, seed group): what the row subsample is drawn by, so
    /// that a row is kept or not whatever other curves are in the collection.
    pub key: u64,
    pub x: [f64; NF],
    pub gain: Vec<f64>,
}

/// The horizons fitted: 0, [`STEP`], ... up to [`MAX_HORIZON`].
pub fn horizons() -> Vec<f64> {
    (0..)
        .map(|k| (k as f64 * STEP * 100.0).round() / 100.0)
        .take_while(|&h| h <= MAX_HORIZON)
        .collect()
}

/// The pilot of a curve cut at `n_cut`: the first `seeds` seeds' measurements at counts up to
/// it; `None` when it has fewer than [`MIN_ANCHORS`] counts or one with fewer than
/// [`MIN_SEEDS`] measurements.
pub fn pilot_of(c: &Curve, n_cut: f64, seeds: std::ops::Range<u32>) -> Option<Vec<CurvePoint>> {
    let pts: Vec<CurvePoint> = c
        .points
        .iter()
        .filter(|p| p.n <= n_cut && seeds.contains(&p.seed))
        .map(|p| CurvePoint { n: p.n, y: p.y })
        .collect();
    let p = Pilot::new(&pts)?;
    (p.anchors.len() >= MIN_ANCHORS && p.anchors.iter().all(|a| a.k >= MIN_SEEDS)).then_some(pts)
}

/// Training rows of every curve at every cut.
pub fn rows(curves: &[Curve], opts: Options) -> Vec<Row> {
    let hs = horizons();
    curves
        .par_iter()
        .enumerate()
        .flat_map_iter(|(ci, c)| {
            let mean = c.mean_curve();
            let top = mean.n.last().copied().unwrap_or(0.0);
            let hs = &hs;
            let mean2 = mean.clone();
            mean.n
                .into_iter()
                .skip(MIN_ANCHORS - 1)
                .take_while(move |&n| top / n >= MIN_RATIO)
                .flat_map(move |n_cut| {
                    let mean2 = mean2.clone();
                    (0..opts.groups).filter_map(move |g| {
                        let k = opts.pilot_seeds;
                        let pts = pilot_of(c, n_cut, g * k..(g + 1) * k)?;
                        let f = Features::of(&Pilot::new(&pts)?, c.chance());
                        let gain = hs
                            .iter()
                            .map(|h| mean2.at(n_cut * h.exp()).map_or(f64::NAN, |q| q - f.level))
                            .collect();
                        let key = crate::rng::derive(
                            crate::rng::hash_str(&c.dataset),
                            &[
                                crate::rng::hash_str(&c.learner),
                                n_cut.to_bits(),
                                u64::from(g),
                            ],
                        );
                        Some(Row {
                            curve: ci,
                            key,
                            x: f.design(),
                            gain,
                        })
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Learn a prior from `rows` of `curves`, leaving out the rows of curves for which `skip` says
/// so (a dataset held out by cross-validation); `warm` (a prior with the same horizons and
/// probabilities) starts every regression at its coefficients.
///
/// # Errors
/// No row left; a regression failed numerically.
pub fn fit(
    curves: &[Curve],
    rows: &[Row],
    opts: Options,
    skip: impl Fn(&Curve) -> bool + Sync,
    warm: Option<&CurvePrior>,
) -> Result<CurvePrior> {
    let hs = horizons();
    let used: Vec<(usize, &Row)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !skip(&curves[r.curve]))
        .collect();
    if used.is_empty() {
        return Err(Error::invalid(
            "curves",
            "no pilot",
            format!(
                "curves with at least {MIN_ANCHORS} counts of at least {MIN_SEEDS} seeds below \
                 1/{MIN_RATIO} of their largest count"
            ),
        ));
    }
    let per_h: Vec<Vec<&Row>> = (0..hs.len())
        .map(|h| {
            let mut r: Vec<(usize, &Row)> = used
                .iter()
                .copied()
                .filter(|(_, r)| r.gain[h].is_finite())
                .collect();
            if r.len() > MAX_ROWS {
                // a seeded subsample of the rows, the same whatever the thread count
                r.sort_by_key(|(_, row)| crate::rng::derive(opts.seed, &[row.key, h as u64]));
                r.truncate(MAX_ROWS);
                r.sort_by_key(|(i, _)| *i);
            }
            r.into_iter().map(|(_, row)| row).collect::<Vec<&Row>>()
        })
        .collect();
    let counts: Vec<usize> = (0..hs.len())
        .map(|h| used.iter().filter(|(_, r)| r.gain[h].is_finite()).count())
        .collect();
    let datasets = |h: usize| {
        let mut d: Vec<&str> = used
            .iter()
            .filter(|(_, r)| r.gain[h].is_finite())
            .map(|(_, r)| curves[r.curve].dataset.as_str())
            .collect();
        d.sort_unstable();
        d.dedup();
        d.len()
    };
    let supported = (0..hs.len())
        .take_while(|&h| counts[h] >= opts.min_rows && datasets(h) >= opts.min_datasets)
        .last()
        .unwrap_or(0);
    let nh = supported + 1;
    // one chain of warm starts per probability, horizon after horizon
    let by_p: Vec<Vec<Vec<f64>>> = PROBS
        .par_iter()
        .enumerate()
        .map(|(k, &p)| {
            let mut out: Vec<Vec<f64>> = Vec::with_capacity(nh);
            for (h, at) in per_h.iter().take(nh).enumerate() {
                let x: Vec<Vec<f64>> = at.iter().map(|r| r.x.to_vec()).collect();
                let y: Vec<f64> = at.iter().map(|r| r.gain[h]).collect();
                let start = warm
                    .and_then(|w| w.coef.get(h))
                    .map(|t| t[k].clone())
                    .or_else(|| out.last().cloned());
                out.push(quantreg::fit(
                    &quantreg::Data { x: &x, y: &y },
                    p,
                    start.as_deref(),
                )?);
            }
            Ok(out)
        })
        .collect::<Result<_>>()?;
    let coef = (0..nh)
        .map(|h| (0..PROBS.len()).map(|k| by_p[k][h].clone()).collect())
        .collect();
    let mut ds: Vec<&str> = used
        .iter()
        .map(|(_, r)| curves[r.curve].dataset.as_str())
        .collect();
    ds.sort_unstable();
    ds.dedup();
    let mut cs: Vec<usize> = used.iter().map(|(_, r)| r.curve).collect();
    cs.dedup();
    Ok(CurvePrior {
        format_version: FORMAT_VERSION,
        source: String::new(),
        curves: cs.len(),
        datasets: ds.len(),
        pilot_seeds: opts.pilot_seeds,
        features: NAMES.iter().map(|s| s.to_string()).collect(),
        horizons: hs[..nh].to_vec(),
        probs: PROBS.to_vec(),
        rows: counts[..nh].to_vec(),
        supported_to: hs[supported],
        lower_scale: Vec::new(),
        upper_scale: Vec::new(),
        reach: Vec::new(),
        coef,
    })
}
