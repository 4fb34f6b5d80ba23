//! Learning curves measured on the user's features and labels.
//!
//! Protocol (all seeded; the same seed gives the same numbers on any thread count):
//! 1. A fixed stratified held-out split (`test_fraction` of every class).
//! 2. Features standardised with the training pool's mean and standard deviation.
//! 3. A log grid of `points` annotation counts from `n_min` to `max_fraction` of the pool; for each
//!    of `seeds` seeds a stratified, nested ordering of the pool (the first n items keep the class
//!    proportions, and the n-item subsample is contained in every larger one).
//! 4. Per (signal, n, seed) one learner, and its quality:
//!    - `accuracy`: a plain linear probe (`probe`) on the n labelled items (hard labels, or the
//!      soft labels when given), held-out accuracy. Floor: the majority class's share.
//!    - `transfer`: the simulator's learner (linear encoder W, r x D, with a class head; triplet
//!      and pair losses as in `sim::learner`) trained on the classes of a fixed random half (the
//!      "seen" classes); m-shot nearest-centroid accuracy on episodes of the other classes,
//!      normalised as `(acc - chance) / (acc_full - chance)`, clamped to [0, 1], where `acc_full`
//!      is the hard-label learner trained on the whole seen pool. Floor: 0 (chance).
//!      Pairs are drawn uniformly from the pool and answered by class agreement. Triplets are
//!      answered from the soft labels when given (b is closer to a when its soft label is), else
//!      by class agreement: b shares a's class and c does not (the answer order randomised).
//!
//! | file | what |
//! |------|------|
//! | `mod.rs` | the options, the measured curves, the prepared problem and [`measure`] |
//! | `grid.rs` | the log grid of counts, with errors naming the flags that combine |
//! | `prepare.rs` | the split, the standardised features, the pool's orders and the episodes |
//! | `learn.rs` | the learners of one task: the probe, and the encoder with its transfer score |
//! | `tests.rs` | the tests |

mod grid;
mod learn;
mod prepare;
#[cfg(test)]
mod tests;

pub use grid::grid;

use super::data::Dataset;
use crate::error::{Error, Result};
use crate::rng;
use crate::signal::Signal;
use crate::sim::annotations::Annotations;
use crate::surrogate::Metric;
use ndarray::Array2;
use rayon::prelude::*;
use serde::Serialize;

/// Stream labels.
const SPLIT: u64 = 0x5B117;
const ORDER: u64 = 0x04DE2;
const CLASSES: u64 = 0xC1A55;
const EPISODES: u64 = 0xE915;
const DRAW: u64 = 0xD2A3;
const INIT: u64 = 0x1417;

/// Transfer episodes: ways (at most), shots, queries per class (at most), episodes.
pub const WAYS: usize = 5;
pub const SHOTS: usize = 5;
pub const QUERIES: usize = 15;
pub const N_EPISODES: usize = 20;
/// Initial encoder scale, as the simulator's (`sim::run::INIT_SCALE`).
pub const INIT_SCALE: f64 = 0.1;
/// Weight decay of the learner, the simulator's default.
pub const WEIGHT_DECAY: f64 = 1e-3;

/// How to measure the curves.
///
/// | field          | default          | purpose                                            |
/// |----------------|------------------|----------------------------------------------------|
/// | `metric`       | accuracy         | accuracy (linear probe) or transfer (encoder)      |
/// | `signals`      | hard (+ soft)    | signals to measure                                  |
/// | `points`       | 8                | grid size                                           |
/// | `n_min`        | max(2 C, 10)     | smallest n                                          |
/// | `max_fraction` | 0.5              | largest n as a fraction of the training pool        |
/// | `test_fraction`| 0.2              | held-out share of every class                       |
/// | `seeds`        | 3                | subsamples per n                                    |
/// | `rep`          | min(D, 16)       | encoder dimension r (transfer)                      |
/// | `seed`         | 0                | master seed                                         |
#[derive(Debug, Clone, PartialEq)]
pub struct CurveOptions {
    pub metric: Metric,
    pub signals: Vec<Signal>,
    pub points: usize,
    pub n_min: Option<usize>,
    pub max_fraction: f64,
    pub test_fraction: f64,
    pub seeds: usize,
    pub rep: Option<usize>,
    pub seed: u64,
}

/// Most grid counts (`--points`): far more than a learning curve needs, few enough that the
/// measurement stays a batch job.
pub const MAX_POINTS: usize = 1000;
/// Most subsamples per count (`--seeds`).
pub const MAX_SEEDS: usize = 1000;

impl CurveOptions {
    /// Check the options that do not depend on the data (the encoder dimension's upper bound,
    /// D, and the grid's fit to the pool are checked with the data).
    ///
    /// # Errors
    /// An option out of range, named by its flag, with the accepted range.
    pub fn check(&self) -> Result<()> {
        if !(2..=MAX_POINTS).contains(&self.points) {
            return Err(Error::invalid(
                "points",
                self.points,
                format!("a grid of 2 to {MAX_POINTS} counts"),
            ));
        }
        if self.n_min == Some(0) {
            return Err(Error::invalid(
                "n-min",
                0,
                "a count >= 1 (the grid is spaced on a log scale from --n-min)",
            ));
        }
        if !(self.max_fraction > 0.0 && self.max_fraction <= 1.0) {
            return Err(Error::invalid(
                "max-fraction",
                self.max_fraction,
                "a share of the training pool in (0, 1]",
            ));
        }
        if !(self.test_fraction > 0.0 && self.test_fraction < 1.0) {
            return Err(Error::invalid(
                "test-fraction",
                self.test_fraction,
                "a held-out share of every class in (0, 1)",
            ));
        }
        if !(1..=MAX_SEEDS).contains(&self.seeds) {
            return Err(Error::invalid(
                "seeds",
                self.seeds,
                format!("1 to {MAX_SEEDS} subsamples per count"),
            ));
        }
        match (self.rep, self.metric) {
            (Some(0), _) => Err(Error::invalid(
                "rep",
                0,
                "an encoder dimension >= 1 (and at most the number of features D)",
            )),
            (Some(r), m) if m != Metric::Transfer => Err(Error::invalid(
                "rep",
                r,
                format!(
                    "--rep only with --metric transfer (it sizes the encoder; --metric is {})",
                    m.name()
                ),
            )),
            _ => Ok(()),
        }
    }
}

impl Default for CurveOptions {
    fn default() -> Self {
        CurveOptions {
            metric: Metric::Accuracy,
            signals: vec![Signal::Hard],
            points: 8,
            n_min: None,
            max_fraction: 0.5,
            test_fraction: 0.2,
            seeds: 3,
            rep: None,
            seed: 0,
        }
    }
}

/// One measured point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Measured {
    pub signal: Signal,
    pub n: usize,
    pub seed: usize,
    pub quality: f64,
}

/// The measured curves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Curves {
    pub metric: Metric,
    /// The metric's floor (chance or majority share).
    pub floor: f64,
    /// Items in the training pool the grid is drawn from.
    pub pool: usize,
    pub grid: Vec<usize>,
    pub rows: Vec<Measured>,
    /// Choices the user should know about (e.g. triplets from class agreement).
    pub notes: Vec<String>,
}

/// One way of a transfer episode: class, support items, query items.
type Way = (usize, Vec<usize>, Vec<usize>);

/// The prepared problem: split, standardised features, pools and orders.
struct Prepared<'a> {
    data: &'a Dataset,
    x: Array2<f64>,
    /// Training pool (item indices), and its class indices remapped for the learner.
    pool: Vec<usize>,
    pool_class: Vec<usize>,
    train_classes: usize,
    test: Vec<usize>,
    /// Per seed, the nested stratified order of the pool (positions into `pool`).
    orders: Vec<Vec<usize>>,
    /// Transfer: the unseen items' rows grouped by class, and the episodes.
    unseen: Vec<Vec<usize>>,
    episodes: Vec<Vec<Way>>,
    rep: usize,
}

/// Number of (signal, n, seed) tasks, for a progress bar.
pub fn task_count(opts: &CurveOptions, grid: &[usize]) -> usize {
    opts.signals.len() * grid.len() * opts.seeds
}

/// The grid these options give on `data` (for a progress bar before [`measure`]).
///
/// # Errors
/// See [`grid`]; when the pool is too small for the grid the message names every flag involved
/// (--n-min, --max-fraction, --test-fraction) with its value.
pub fn grid_for(data: &Dataset, opts: &CurveOptions) -> Result<Vec<usize>> {
    let p = Prepared::new(data, opts)?;
    p.grid(opts)
}

fn n_min(opts: &CurveOptions, classes: usize) -> usize {
    opts.n_min.unwrap_or((2 * classes).max(10))
}

/// Measure the learning curves of `data` on all cores, calling `progress` after each task.
///
/// # Errors
/// Invalid options for the data (see [`grid`]), a signal the metric cannot measure, or a
/// numerical failure of a learner.
pub fn measure(
    data: &Dataset,
    opts: &CurveOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Curves> {
    let prep = Prepared::new(data, opts)?;
    let g = prep.grid(opts)?;
    let mut notes = Vec::new();
    for &s in &opts.signals {
        if s == Signal::Soft && data.soft.is_none() {
            return Err(Error::invalid(
                "signals",
                "soft",
                "soft only with --soft P (the soft labels)",
            ));
        }
        if opts.metric == Metric::Accuracy && !matches!(s, Signal::Hard | Signal::Soft) {
            return Err(Error::invalid(
                "signals",
                s,
                "hard or soft with --metric accuracy (pairs and triplets train an encoder: use --metric transfer)",
            ));
        }
        if s == Signal::Triplet && data.soft.is_none() {
            notes.push("triplets are answered by class agreement (no --soft given): b shares a's class, c does not".into());
        }
    }
    let tasks: Vec<(Signal, usize, usize)> = opts
        .signals
        .iter()
        .flat_map(|&s| {
            g.iter()
                .flat_map(move |&n| (0..opts.seeds).map(move |k| (s, n, k)))
        })
        .collect();
    let full = if opts.metric == Metric::Transfer {
        let all: Vec<usize> = (0..prep.pool.len()).collect();
        let ann = Annotations::Class {
            x: prep.rows(&all),
            y: prep.targets(&all, false),
        };
        let w = prep.encoder(&ann, rng::derive(opts.seed, &[0xF011]))?;
        let (acc, chance) = prep.transfer_raw(&w);
        if acc <= chance + 1e-9 {
            return Err(Error::numerical(
                "transfer normalisation",
                format!(
                    "the full-data learner scores {acc:.3}, at chance {chance:.3}: transfer is not measurable on this data"
                ),
            ));
        }
        notes.push(format!(
            "transfer normalised by chance {chance:.3} and the full-data value {acc:.3}"
        ));
        Some((acc, chance))
    } else {
        None
    };
    let rows: Vec<Measured> = tasks
        .par_iter()
        .map(|&(signal, n, s)| {
            let quality = match full {
                None => prep.accuracy(signal, n, s)?,
                Some((acc_full, chance)) => {
                    let seed = rng::derive(
                        opts.seed,
                        &[rng::hash_str(signal.name()), n as u64, s as u64],
                    );
                    let ann = prep.annotations(signal, n, s, seed);
                    let w = prep.encoder(&ann, seed)?;
                    ((prep.transfer_raw(&w).0 - chance) / (acc_full - chance)).clamp(0.0, 1.0)
                }
            };
            progress();
            Ok(Measured {
                signal,
                n,
                seed: s,
                quality,
            })
        })
        .collect::<Result<_>>()?;
    let floor = match opts.metric {
        Metric::Transfer => 0.0,
        _ => {
            let mut counts = vec![0usize; data.classes()];
            for &i in &prep.test {
                counts[data.y[i]] += 1;
            }
            *counts.iter().max().expect("classes") as f64 / prep.test.len() as f64
        }
    };
    Ok(Curves {
        metric: opts.metric,
        floor,
        pool: prep.pool.len(),
        grid: g,
        rows,
        notes,
    })
}
