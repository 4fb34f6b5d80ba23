//! Sweeps: many runs over a grid or a space-filling random design of scenarios.
//!
//! A sweep file (TOML) lists the signals, the annotation counts `n`, the number of `seeds`, and
//! either a full grid (a list per scenario key) or, with `sample = N`, N scenarios drawn by a
//! seeded Latin hypercube over `[ranges]`:
//!
//! ```toml
//! signals = ["hard", "soft", "triplet", "pair"]
//! n = [20, 50, 200, 1000]
//! seeds = 3                 # seeds 0, 1, 2 (offset by `seed`, default 0)
//! classes = [4, 10]         # grid: every combination of every list
//! dims = [16]
//! features = [64]
//! noise = [0.0, 0.2]
//! ```
//!
//! ```toml
//! signals = ["hard", "soft", "triplet", "pair"]
//! n = [10, 100, 1000, 10000, 100000]
//! seeds = 2
//! sample = 100                                  # random design: 100 scenarios
//! thin_above = 2e8                              # keep expensive runs sparsely (see below)
//! [ranges]
//! classes = [2, 100]       # log-uniform integers
//! dims = [2, 64]           # log-uniform integers
//! features = [8, 256]      # log-uniform integers, at least dims
//! noise = [0.0, 0.4]       # uniform, and below 1 - 1/C
//! ```
//!
//! Grid keys: `classes`, `dims`, `features`, `rep_dims`, `nuisance`, `noise`, `latent`,
//! `soft_annotators`, `pool`; absent keys take the scenario defaults. In a random design the
//! ranged keys are sampled and the other keys must have a single value.
//!
//! `thin_above = W`: a run's work is `n * D * k` (k = min(C, r) for class labels, r otherwise);
//! runs with work w > W are kept with probability W / w, decided by a hash of the run, so large
//! and expensive runs appear sparsely rather than not at all.
//!
//! Limits: a sweep has at most [`MAX_RUNS`] runs (counted as scenarios x seeds x signals x n,
//! before thinning, summed over parts, and checked before anything is built), so `sample` and
//! `seeds` are at most that too. Each scenario must pass the scenario checks (`nuisance` at most
//! 1e6, `soft_annotators` at most 10000, `pool` at most 1e7, ...); a `pool` of 1 or 2 items
//! cannot show the 3 distinct items of a triplet (nor 1 item the 2 of a pair); in a random
//! design the `noise` range must end at or below 0.9 (1 - 1/C) for the smallest C of the design
//! (it used to be cut there silently), and the `features` range must reach the largest `dims`.
//!
//! Runs are numbered in a fixed order (scenario, seed, signal, n); every random quantity derives
//! from the seed and the run's labels, so results do not depend on threads, shards or order.
//!
//! | file | what |
//! |------|------|
//! | `mod.rs` | the sweep file, its parts and the expanded sweep |
//! | `expand.rs` | checking a file and expanding it into groups and runs, with thinning |
//! | `design.rs` | the scenarios of a grid and of a random design |
//! | `execute.rs` | parts, shards and running a sweep |
//! | `tests.rs` | the tests |

mod design;
mod execute;
mod expand;
#[cfg(test)]
mod tests;

pub use execute::Shard;

use crate::error::{Error, Result};
use crate::scenario::{Latent, Scenario};
use crate::signal::Signal;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Ranges of a random design.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Ranges {
    pub classes: Option<[usize; 2]>,
    pub dims: Option<[usize; 2]>,
    pub features: Option<[usize; 2]>,
    pub noise: Option<[f64; 2]>,
    pub nuisance: Option<[f64; 2]>,
}

/// A sweep file, as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    #[serde(default)]
    pub signals: Vec<Signal>,
    #[serde(default)]
    pub n: Vec<usize>,
    #[serde(default = "one")]
    pub seeds: u64,
    #[serde(default)]
    pub seed: u64,
    pub classes: Option<Vec<usize>>,
    pub dims: Option<Vec<usize>>,
    pub features: Option<Vec<usize>>,
    pub rep_dims: Option<Vec<usize>>,
    pub nuisance: Option<Vec<f64>>,
    pub noise: Option<Vec<f64>>,
    pub latent: Option<Vec<Latent>>,
    pub soft_annotators: Option<Vec<usize>>,
    pub pool: Option<Vec<usize>>,
    pub sample: Option<usize>,
    pub ranges: Option<Ranges>,
    pub thin_above: Option<f64>,
    /// Sub-sweeps (`[[part]]` tables): each overrides the top-level keys it names and is
    /// expanded on its own; the sweep is their concatenation.
    #[serde(default)]
    pub part: Vec<SweepPart>,
}

/// One `[[part]]` of a sweep file: any key of the top level except `seeds`, `seed` and `part`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SweepPart {
    pub signals: Option<Vec<Signal>>,
    pub n: Option<Vec<usize>>,
    pub classes: Option<Vec<usize>>,
    pub dims: Option<Vec<usize>>,
    pub features: Option<Vec<usize>>,
    pub rep_dims: Option<Vec<usize>>,
    pub nuisance: Option<Vec<f64>>,
    pub noise: Option<Vec<f64>>,
    pub latent: Option<Vec<Latent>>,
    pub soft_annotators: Option<Vec<usize>>,
    pub pool: Option<Vec<usize>>,
    pub sample: Option<usize>,
    pub ranges: Option<Ranges>,
    pub thin_above: Option<f64>,
}

fn one() -> u64 {
    1
}

/// The most runs a sweep may have (before thinning).
pub const MAX_RUNS: u128 = 10_000_000;

/// One planned run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    /// Position in the sweep's fixed order.
    pub index: usize,
    /// Index of the (scenario, seed) group the run belongs to.
    pub group: usize,
    pub signal: Signal,
    pub n: usize,
}

/// A (scenario, seed) pair: runs in one group share the world and the annotator.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub scenario: Scenario,
    pub seed: u64,
}

/// A validated, expanded sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    pub groups: Vec<Group>,
    pub runs: Vec<RunSpec>,
    /// Index of the first run of each `[[part]]` (one entry, 0, without parts).
    pub part_starts: Vec<usize>,
}

fn nonempty<T>(key: &str, v: &Option<Vec<T>>) -> Result<()> {
    match v {
        Some(list) if list.is_empty() => Err(Error::invalid(key, "[]", "a non-empty list")),
        _ => Ok(()),
    }
}

/// A scenario's fields, for messages.
fn describe(sc: &Scenario) -> String {
    format!(
        "classes={} dims={} features={} rep_dims={} nuisance={:?} noise={:?} latent={} \
         soft_annotators={} pool={}",
        sc.classes,
        sc.dims,
        sc.features,
        sc.rep(),
        sc.nuisance,
        sc.noise,
        sc.latent.name(),
        sc.soft_annotators,
        sc.pool
    )
}

fn values<T: Clone>(v: &Option<Vec<T>>, default: T) -> Vec<T> {
    v.clone().unwrap_or_else(|| vec![default])
}

/// Work units of one run, for thinning: n * D * k.
pub fn work(scenario: &Scenario, signal: Signal, n: usize) -> f64 {
    let k = if signal.is_class_based() && signal != Signal::Pair {
        scenario.classes.min(scenario.rep())
    } else {
        scenario.rep()
    };
    let arity = if signal == Signal::Triplet { 2.0 } else { 1.0 };
    n as f64 * scenario.features as f64 * k as f64 * arity
}

impl SweepFile {
    /// Parse a sweep file's text.
    pub fn from_toml(text: &str) -> Result<SweepFile> {
        toml::from_str(text).map_err(|e| {
            crate::error::toml_error(
                text,
                &e,
                "sweep",
                "a sweep file as documented in `labelbudget simulate --help`",
            )
        })
    }

    /// Read and parse a sweep file; errors name the file.
    pub fn from_file(path: &Path) -> Result<SweepFile> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text).map_err(|e| e.in_file(path))
    }

    /// This file with `part`'s keys overriding its own.
    fn with_part(&self, part: &SweepPart) -> SweepFile {
        let p = part.clone();
        SweepFile {
            signals: p.signals.unwrap_or_else(|| self.signals.clone()),
            n: p.n.unwrap_or_else(|| self.n.clone()),
            seeds: self.seeds,
            seed: self.seed,
            classes: p.classes.or_else(|| self.classes.clone()),
            dims: p.dims.or_else(|| self.dims.clone()),
            features: p.features.or_else(|| self.features.clone()),
            rep_dims: p.rep_dims.or_else(|| self.rep_dims.clone()),
            nuisance: p.nuisance.or_else(|| self.nuisance.clone()),
            noise: p.noise.or_else(|| self.noise.clone()),
            latent: p.latent.or_else(|| self.latent.clone()),
            soft_annotators: p.soft_annotators.or_else(|| self.soft_annotators.clone()),
            pool: p.pool.or_else(|| self.pool.clone()),
            sample: p.sample.or(self.sample),
            ranges: p.ranges.or_else(|| self.ranges.clone()),
            thin_above: p.thin_above.or(self.thin_above),
            part: Vec::new(),
        }
    }

    /// Pairs of `[[part]]`s (1-based) that are random designs of the same `sample` count, with
    /// that count. A design's draws depend only on its count, so such parts draw the same strata
    /// for every key they share: the same classes, dims and noise if their ranges agree, values
    /// in the same order if not. A deliberate paired design may want that; usually it is an
    /// accident, worth a warning.
    pub fn parts_sharing_draws(&self) -> Vec<(usize, usize, usize)> {
        let counts: Vec<Option<usize>> =
            self.part.iter().map(|p| p.sample.or(self.sample)).collect();
        let mut out = Vec::new();
        for (i, a) in counts.iter().enumerate() {
            for (j, b) in counts.iter().enumerate().skip(i + 1) {
                if let (Some(a), Some(b)) = (a, b)
                    && a == b
                {
                    out.push((i + 1, j + 1, *a));
                }
            }
        }
        out
    }
}
