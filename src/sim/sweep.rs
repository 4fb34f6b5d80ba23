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

use super::record::RunRecord;
use super::run::Setting;
use crate::error::{Error, Result};
use crate::rng;
use crate::scenario::{Latent, Scenario};
use crate::signal::Signal;
use rand::RngExt;
use rayon::prelude::*;
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

    /// Check the lists and expand into groups and runs (all parts, in order).
    pub fn expand(&self) -> Result<Sweep> {
        let planned = self.planned_runs();
        if planned > MAX_RUNS {
            return Err(Error::invalid(
                "sweep",
                format!("{planned} runs (scenarios x seeds x signals x n, over all parts)"),
                format!("at most {MAX_RUNS} runs; split the sweep into several files"),
            ));
        }
        if self.part.is_empty() {
            return self.expand_one();
        }
        let mut sweep = Sweep {
            groups: Vec::new(),
            runs: Vec::new(),
            part_starts: Vec::new(),
        };
        for (i, part) in self.part.iter().enumerate() {
            let one = self.with_part(part).expand_one().map_err(|e| match e {
                Error::Invalid {
                    key,
                    value,
                    expected,
                } => Error::Invalid {
                    key: format!("part[{}].{key}", i + 1),
                    value,
                    expected,
                },
                other => other,
            })?;
            let (g0, r0) = (sweep.groups.len(), sweep.runs.len());
            sweep.part_starts.push(r0);
            sweep.groups.extend(one.groups);
            sweep.runs.extend(one.runs.into_iter().map(|mut r| {
                r.group += g0;
                r.index += r0;
                r
            }));
        }
        Ok(sweep)
    }

    /// The runs this file lists before thinning, counted without building any (saturating).
    pub fn planned_runs(&self) -> u128 {
        if self.part.is_empty() {
            return self.planned_runs_one();
        }
        self.part
            .iter()
            .map(|p| self.with_part(p).planned_runs_one())
            .fold(0u128, u128::saturating_add)
    }

    fn planned_runs_one(&self) -> u128 {
        fn len<T>(v: &Option<Vec<T>>) -> u128 {
            v.as_ref().map_or(1, |l| l.len() as u128)
        }
        let scenarios = match self.sample {
            Some(count) => count as u128,
            None => [
                len(&self.classes),
                len(&self.dims),
                len(&self.features),
                len(&self.rep_dims),
                len(&self.nuisance),
                len(&self.noise),
                len(&self.latent),
                len(&self.soft_annotators),
                len(&self.pool),
            ]
            .into_iter()
            .fold(1u128, u128::saturating_mul),
        };
        [
            scenarios,
            self.seeds as u128,
            self.signals.len() as u128,
            self.n.len() as u128,
        ]
        .into_iter()
        .fold(1u128, u128::saturating_mul)
    }

    fn expand_one(&self) -> Result<Sweep> {
        if self.signals.is_empty() {
            return Err(Error::invalid(
                "signals",
                "[]",
                "a non-empty list of hard, soft, triplet, pair",
            ));
        }
        if self.n.is_empty() {
            return Err(Error::invalid(
                "n",
                "[]",
                "a non-empty list of annotation counts",
            ));
        }
        if let Some(&bad) = self.n.iter().find(|&&n| n == 0 || n > super::run::MAX_N) {
            return Err(Error::invalid(
                "n",
                bad,
                format!("annotation counts from 1 to {}", super::run::MAX_N),
            ));
        }
        if self.seeds == 0 {
            return Err(Error::invalid("seeds", 0, "a count >= 1"));
        }
        nonempty("classes", &self.classes)?;
        nonempty("dims", &self.dims)?;
        nonempty("features", &self.features)?;
        nonempty("rep_dims", &self.rep_dims)?;
        nonempty("nuisance", &self.nuisance)?;
        nonempty("noise", &self.noise)?;
        nonempty("latent", &self.latent)?;
        nonempty("soft_annotators", &self.soft_annotators)?;
        nonempty("pool", &self.pool)?;
        if let Some(w) = self.thin_above
            && !(w.is_finite() && w > 0.0)
        {
            return Err(Error::invalid(
                "thin_above",
                w,
                "a positive number of work units",
            ));
        }
        let scenarios = match self.sample {
            None => {
                if self.ranges.is_some() {
                    return Err(Error::invalid(
                        "ranges",
                        "[ranges]",
                        "`sample = N` alongside [ranges] (a random design)",
                    ));
                }
                self.grid()
            }
            Some(0) => return Err(Error::invalid("sample", 0, "a number of scenarios >= 1")),
            Some(count) => self.random_design(count)?,
        };
        for sc in &scenarios {
            sc.validate()
                .map_err(|e| Error::invalid("scenario", describe(sc), e.to_string()))?;
            if let Some(signal) = self
                .signals
                .iter()
                .find(|s| sc.pool > 0 && sc.pool < s.arity())
            {
                return Err(Error::invalid(
                    "pool",
                    sc.pool,
                    format!(
                        "0 (fresh items) or at least {} items: a {signal} shows {} distinct items",
                        signal.arity(),
                        signal.arity()
                    ),
                ));
            }
        }
        let mut groups = Vec::new();
        let mut runs = Vec::new();
        for sc in scenarios {
            for s in 0..self.seeds {
                let group = groups.len();
                let seed = self.seed.wrapping_add(s);
                for &signal in &self.signals {
                    for &n in &self.n {
                        if self.keep(&sc, seed, signal, n) {
                            runs.push(RunSpec {
                                index: runs.len(),
                                group,
                                signal,
                                n,
                            });
                        }
                    }
                }
                groups.push(Group {
                    scenario: sc.clone(),
                    seed,
                });
            }
        }
        if runs.is_empty() {
            return Err(Error::invalid(
                "sweep",
                "no runs",
                "a sweep with at least one run",
            ));
        }
        Ok(Sweep {
            groups,
            runs,
            part_starts: vec![0],
        })
    }

    fn keep(&self, sc: &Scenario, seed: u64, signal: Signal, n: usize) -> bool {
        let Some(limit) = self.thin_above else {
            return true;
        };
        let w = work(sc, signal, n);
        if w <= limit {
            return true;
        }
        let h = rng::derive(
            seed,
            &[
                sc.world_key(),
                signal.index(),
                n as u64,
                rng::hash_str("thin"),
            ],
        );
        ((h >> 11) as f64 / (1u64 << 53) as f64) < limit / w
    }

    fn grid(&self) -> Vec<Scenario> {
        let d = Scenario::default();
        let mut out = Vec::new();
        for &classes in &values(&self.classes, d.classes) {
            for &dims in &values(&self.dims, d.dims) {
                for &features in &values(&self.features, d.features) {
                    for rep in values(
                        &self
                            .rep_dims
                            .clone()
                            .map(|v| v.into_iter().map(Some).collect()),
                        None,
                    ) {
                        for &nuisance in &values(&self.nuisance, d.nuisance) {
                            for &noise in &values(&self.noise, d.noise) {
                                for &latent in &values(&self.latent, d.latent) {
                                    for &soft_annotators in
                                        &values(&self.soft_annotators, d.soft_annotators)
                                    {
                                        for &pool in &values(&self.pool, d.pool) {
                                            out.push(Scenario {
                                                classes,
                                                dims,
                                                features,
                                                rep_dims: rep,
                                                nuisance,
                                                noise,
                                                latent,
                                                soft_annotators,
                                                pool,
                                                ..d.clone()
                                            });
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        out
    }

    fn single<T: Clone + std::fmt::Debug>(key: &str, v: &Option<Vec<T>>, default: T) -> Result<T> {
        match v {
            None => Ok(default),
            Some(list) if list.len() == 1 => Ok(list[0].clone()),
            Some(list) => Err(Error::invalid(
                key,
                format!("{list:?}"),
                "a single value in a random design (or put the key under [ranges])",
            )),
        }
    }

    /// Latin hypercube over the ranged keys: each key's range is cut into `count` strata,
    /// each stratum used once, strata paired across keys by seeded permutations.
    fn random_design(&self, count: usize) -> Result<Vec<Scenario>> {
        let r = self.ranges.clone().unwrap_or_default();
        let d = Scenario::default();
        let base = Scenario {
            classes: Self::single("classes", &self.classes, d.classes)?,
            dims: Self::single("dims", &self.dims, d.dims)?,
            features: Self::single("features", &self.features, d.features)?,
            rep_dims: Self::single(
                "rep_dims",
                &self
                    .rep_dims
                    .clone()
                    .map(|v| v.into_iter().map(Some).collect()),
                None,
            )?,
            nuisance: Self::single("nuisance", &self.nuisance, d.nuisance)?,
            noise: Self::single("noise", &self.noise, d.noise)?,
            latent: Self::single("latent", &self.latent, d.latent)?,
            soft_annotators: Self::single(
                "soft_annotators",
                &self.soft_annotators,
                d.soft_annotators,
            )?,
            pool: Self::single("pool", &self.pool, d.pool)?,
            ..d
        };
        let check_int = |key: &str, v: Option<[usize; 2]>| -> Result<()> {
            match v {
                Some([lo, hi]) if lo == 0 || lo > hi => Err(Error::invalid(
                    format!("ranges.{key}"),
                    format!("[{lo}, {hi}]"),
                    "[low, high] with 1 <= low <= high",
                )),
                _ => Ok(()),
            }
        };
        check_int("classes", r.classes)?;
        check_int("dims", r.dims)?;
        check_int("features", r.features)?;
        for (key, v) in [("noise", r.noise), ("nuisance", r.nuisance)] {
            if let Some([lo, hi]) = v
                && !(lo.is_finite() && hi.is_finite() && lo >= 0.0 && lo <= hi)
            {
                return Err(Error::invalid(
                    format!("ranges.{key}"),
                    format!("[{lo}, {hi}]"),
                    "[low, high] with 0 <= low <= high",
                ));
            }
        }
        if let Some([lo, hi]) = r.nuisance
            && hi > crate::scenario::MAX_NUISANCE
        {
            return Err(Error::invalid(
                "ranges.nuisance",
                format!("[{lo}, {hi}]"),
                format!(
                    "[low, high] with 0 <= low <= high <= {:e}",
                    crate::scenario::MAX_NUISANCE
                ),
            ));
        }
        let min_classes = r.classes.map_or(base.classes, |[lo, _]| lo);
        if let Some([lo, hi]) = r.noise {
            let most = 0.9
                * Scenario {
                    classes: min_classes.max(2),
                    ..base.clone()
                }
                .max_noise();
            if hi > most {
                return Err(Error::invalid(
                    "ranges.noise",
                    format!("[{lo}, {hi}]"),
                    format!(
                        "a range ending at or below {most:.4} = 0.9 (1 - 1/C) for the smallest \
                         classes C = {min_classes} of this design"
                    ),
                ));
            }
        }
        if let Some([lo, hi]) = r.features {
            let max_dims = r.dims.map_or(base.dims, |[_, hi]| hi);
            if hi < max_dims {
                return Err(Error::invalid(
                    "ranges.features",
                    format!("[{lo}, {hi}]"),
                    format!(
                        "a range reaching the largest dims = {max_dims} of this design (features \
                         are at least dims, so draws above {hi} would replace the range)"
                    ),
                ));
            }
        }
        let mut rng = rng::stream(self.seed, &[rng::hash_str("design"), count as u64]);
        let strata = |rng: &mut rng::Rng| -> Vec<f64> {
            let mut perm: Vec<usize> = (0..count).collect();
            for i in (1..count).rev() {
                perm.swap(i, rng.random_range(0..=i));
            }
            perm.into_iter()
                .map(|k| (k as f64 + rng.random::<f64>()) / count as f64)
                .collect()
        };
        let u_c = strata(&mut rng);
        let u_d = strata(&mut rng);
        let u_f = strata(&mut rng);
        let u_e = strata(&mut rng);
        let u_nu = strata(&mut rng);
        let log_int = |u: f64, lo: usize, hi: usize| -> usize {
            let (a, b) = ((lo as f64).ln(), (hi as f64 + 1.0).ln());
            ((a + u * (b - a)).exp().floor() as usize).clamp(lo, hi)
        };
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let mut sc = base.clone();
            if let Some([lo, hi]) = r.classes {
                sc.classes = log_int(u_c[i], lo, hi);
            }
            if let Some([lo, hi]) = r.dims {
                sc.dims = log_int(u_d[i], lo, hi);
            }
            if let Some([lo, hi]) = r.features {
                sc.features = log_int(u_f[i], lo.max(sc.dims).min(hi), hi).max(sc.dims);
            }
            if let Some([lo, hi]) = r.noise {
                let hi = hi.min(0.9 * sc.max_noise());
                sc.noise = lo.min(hi) + u_e[i] * (hi - lo.min(hi));
            }
            if let Some([lo, hi]) = r.nuisance {
                sc.nuisance = lo + u_nu[i] * (hi - lo);
            }
            out.push(sc);
        }
        Ok(out)
    }
}

/// A shard of a sweep: the `index`-th (1-based) of `count` deterministic slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = Error;
    fn from_str(s: &str) -> Result<Shard> {
        let bad = || Error::invalid("shard", s, "I/K with 1 <= I <= K, e.g. 2/8");
        let (i, k) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = k.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Sweep {
    /// `e` with the run named: its number, its part, signal, n, scenario and seed.
    fn name_run(&self, r: &RunSpec, e: Error) -> Error {
        let part = self.part_starts.partition_point(|&s| s <= r.index);
        let g = &self.groups[r.group];
        Error::numerical(
            format!(
                "run {} (part {part}, {} n={}, {}, seed {})",
                r.index,
                r.signal,
                r.n,
                describe(&g.scenario),
                g.seed
            ),
            e,
        )
    }

    /// Pairs `(earlier, later)` of groups with the same scenario and seed: their runs would be
    /// identical, simulated twice and counted twice by a fit (a grid listing a value twice, or
    /// two parts drawing the same scenario).
    pub fn duplicate_groups(&self) -> Vec<(usize, usize)> {
        let mut first: std::collections::HashMap<String, usize> = Default::default();
        let mut out = Vec::new();
        for (i, g) in self.groups.iter().enumerate() {
            let key = format!("{:?}/{}", g.scenario, g.seed);
            match first.get(&key) {
                Some(&j) => out.push((j, i)),
                None => {
                    first.insert(key, i);
                }
            }
        }
        out
    }

    /// The runs of the `k`-th `[[part]]` (1-based), numbered as in the whole sweep, so that
    /// simulating a part added to a sweep and merging it with the earlier runs gives the same
    /// file as simulating the whole sweep.
    ///
    /// # Errors
    /// `k` is not the number of a part (the message gives how many there are).
    pub fn part(&self, k: usize) -> Result<Vec<RunSpec>> {
        let parts = self.part_starts.len();
        if k == 0 || k > parts {
            return Err(Error::invalid(
                "--part",
                k,
                format!("a part number from 1 to {parts}"),
            ));
        }
        let end = self.part_starts.get(k).copied().unwrap_or(self.runs.len());
        Ok(self.runs[self.part_starts[k - 1]..end].to_vec())
    }

    /// The runs of `shard`: whole (scenario, seed) groups, dealt round-robin, so no world is
    /// built twice across shards.
    pub fn shard(&self, shard: Shard) -> Vec<RunSpec> {
        self.runs
            .iter()
            .filter(|r| r.group % shard.count == shard.index - 1)
            .cloned()
            .collect()
    }

    /// Execute `runs` on all cores, calling `progress` after each. Results come back in the
    /// order of `runs` whatever the thread count.
    ///
    /// Groups are processed in chunks so only a bounded number of worlds is in memory at once.
    pub fn execute(
        &self,
        runs: &[RunSpec],
        timing: bool,
        progress: &(dyn Fn() + Sync),
    ) -> Result<Vec<RunRecord>> {
        const GROUPS_PER_CHUNK: usize = 32;
        let mut out = Vec::with_capacity(runs.len());
        let mut start = 0;
        while start < runs.len() {
            // take runs until the chunk spans GROUPS_PER_CHUNK distinct groups
            let mut end = start;
            let mut groups: Vec<usize> = Vec::new();
            while end < runs.len() {
                let g = runs[end].group;
                if !groups.contains(&g) {
                    if groups.len() == GROUPS_PER_CHUNK {
                        break;
                    }
                    groups.push(g);
                }
                end += 1;
            }
            let settings: Vec<Setting> = groups
                .par_iter()
                .map(|&g| {
                    let grp = &self.groups[g];
                    Setting::new(&grp.scenario, grp.seed).map_err(|e| {
                        Error::numerical(
                            format!(
                                "the world of {}, seed {}",
                                describe(&grp.scenario),
                                grp.seed
                            ),
                            e,
                        )
                    })
                })
                .collect::<Result<_>>()?;
            let chunk: Vec<RunRecord> = runs[start..end]
                .par_iter()
                .map(|r| {
                    let pos = groups
                        .iter()
                        .position(|&g| g == r.group)
                        .expect("group in chunk");
                    let rec = settings[pos]
                        .run(r.signal, r.n, timing)
                        .map(|mut rec| {
                            rec.run = r.index as u64;
                            rec
                        })
                        .map_err(|e| self.name_run(r, e));
                    progress();
                    rec
                })
                .collect::<Result<_>>()?;
            out.extend(chunk);
            start = end;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRID: &str = "signals = [\"hard\", \"pair\"]\nn = [10, 20]\nseeds = 2\nclasses = [3, 5]\ndims = [4]\nfeatures = [8]\n";

    #[test]
    fn grid_expands_in_fixed_order() {
        let sweep = SweepFile::from_toml(GRID).unwrap().expand().unwrap();
        assert_eq!(sweep.groups.len(), 4);
        assert_eq!(sweep.runs.len(), 16);
        assert_eq!(sweep.groups[0].scenario.classes, 3);
        assert_eq!(sweep.groups[1].seed, 1);
        assert_eq!((sweep.runs[1].signal, sweep.runs[1].n), (Signal::Hard, 20));
        assert_eq!(sweep.runs[2].signal, Signal::Pair);
    }

    #[test]
    fn parts_partition_the_runs_with_whole_sweep_numbers() {
        let text = "signals = [\"hard\"]\nn = [10, 20]\n[[part]]\nclasses = [2, 3]\n[[part]]\nclasses = [5]\nn = [40]\n";
        let sweep = SweepFile::from_toml(text).unwrap().expand().unwrap();
        let p1 = sweep.part(1).unwrap();
        let p2 = sweep.part(2).unwrap();
        assert_eq!(p1.len(), 4);
        assert_eq!(p2.len(), 1);
        assert_eq!(p2[0].index, 4);
        assert_eq!(p2[0].n, 40);
        assert_eq!(sweep.groups[p2[0].group].scenario.classes, 5);
        let err = sweep.part(3).unwrap_err().to_string();
        assert!(err.contains("from 1 to 2"), "{err}");
        assert!(sweep.part(0).is_err());
    }

    #[test]
    fn shards_partition_the_runs() {
        let sweep = SweepFile::from_toml(GRID).unwrap().expand().unwrap();
        let mut all: Vec<usize> = (1..=3)
            .flat_map(|i| sweep.shard(Shard { index: i, count: 3 }))
            .map(|r| r.index)
            .collect();
        all.sort();
        assert_eq!(all, (0..sweep.runs.len()).collect::<Vec<_>>());
        assert!("0/3".parse::<Shard>().is_err());
        assert!("4/3".parse::<Shard>().is_err());
        assert_eq!(
            "2/3".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 3 }
        );
    }

    #[test]
    fn bad_sweeps_name_key_and_value() {
        let cases = [
            ("signals = [\"quad\"]\nn = [10]", "quad"),
            ("signals = [\"hard\"]\nn = [0]", "`n`"),
            ("signals = [\"hard\"]\nn = []", "`n`"),
            ("signals = [\"hard\"]\nn = [10]\nclasses = []", "classes"),
            (
                "signals = [\"hard\"]\nn = [10]\ndims = [80]\nfeatures = [64]",
                "dims=80",
            ),
            ("signals = [\"hard\"]\nn = [10]\nnoise = [0.95]", "noise"),
            ("signals = [\"hard\"]\nn = [10]\nbogus = 1", "bogus"),
        ];
        for (text, needle) in cases {
            let err = SweepFile::from_toml(text)
                .and_then(|f| f.expand())
                .unwrap_err()
                .to_string();
            assert!(err.contains(needle), "{text:?} -> {err}");
        }
    }

    #[test]
    fn parts_concatenate_with_overrides() {
        let text = "signals = [\"hard\"]\nn = [10]\nseeds = 2\n[[part]]\nclasses = [3]\n[[part]]\nsignals = [\"pair\"]\nn = [5, 6]\n";
        let sweep = SweepFile::from_toml(text).unwrap().expand().unwrap();
        assert_eq!(sweep.groups.len(), 4);
        assert_eq!(sweep.runs.len(), 2 + 4);
        assert_eq!(sweep.groups[0].scenario.classes, 3);
        assert_eq!(sweep.groups[2].scenario.classes, 10);
        assert_eq!(sweep.runs[2].group, 2);
        assert_eq!(sweep.runs[5].index, 5);
        let bad = "signals = [\"hard\"]\nn = [10]\n[[part]]\nn = [0]\n";
        let err = SweepFile::from_toml(bad)
            .unwrap()
            .expand()
            .unwrap_err()
            .to_string();
        assert!(err.contains("part[1].n"), "{err}");
    }

    #[test]
    fn parts_of_one_count_share_their_draws_and_the_sweep_says_so() {
        let part = |features: &str| {
            format!(
                "[[part]]\nsample = 12\n[part.ranges]\nclasses = [3, 30]\nnoise = [0.0, 0.4]\nfeatures = {features}\n"
            )
        };
        let text = format!(
            "signals = [\"hard\"]\nn = [10]\nseeds = 2\n{}{}[[part]]\nsample = 13\n[part.ranges]\nclasses = [3, 30]\n",
            part("[32, 128]"),
            part("[80, 128]")
        );
        let file = SweepFile::from_toml(&text).unwrap();
        assert_eq!(file.parts_sharing_draws(), vec![(1, 2, 12)]);
        let sweep = file.expand().unwrap();
        // the two parts of 12 draw the same classes and noise, scenario by scenario
        for k in 0..12 {
            let (a, b) = (
                &sweep.groups[2 * k].scenario,
                &sweep.groups[24 + 2 * k].scenario,
            );
            assert_eq!((a.classes, a.noise), (b.classes, b.noise));
            assert!(b.features >= 80 && a.features <= b.features, "{a:?} {b:?}");
        }
        // the part of 13 does not
        let third: Vec<usize> = sweep.groups[48..]
            .iter()
            .map(|g| g.scenario.classes)
            .collect();
        let first: Vec<usize> = sweep.groups[..24]
            .iter()
            .map(|g| g.scenario.classes)
            .collect();
        assert_ne!(third[..24], first[..24]);
        // every reported pair is a true repeat; between the two parts of 12 a repeat can only
        // be part 1's scenario drawn again by part 2 (same classes and noise, and a feature
        // count at the top of both ranges); the part of 13 (classes alone ranged) repeats itself
        let dups = sweep.duplicate_groups();
        assert!(!dups.is_empty());
        for &(i, j) in &dups {
            assert!(i < j);
            assert_eq!(sweep.groups[i], sweep.groups[j]);
            if j < 48 {
                assert!(i < 24 && (24..48).contains(&j), "{i} {j}");
            } else {
                assert!(i >= 48, "{i} {j}");
            }
        }
        let grid = "signals = [\"hard\"]\nn = [10]\nseeds = 2\nclasses = [3, 5, 3]\n";
        let sweep = SweepFile::from_toml(grid).unwrap().expand().unwrap();
        assert_eq!(sweep.duplicate_groups(), vec![(0, 4), (1, 5)]);
        let single = SweepFile::from_toml(grid).unwrap();
        assert!(single.parts_sharing_draws().is_empty());
    }

    #[test]
    fn random_design_is_seeded_and_within_ranges() {
        let text = "signals = [\"hard\"]\nn = [10]\nsample = 40\n[ranges]\nclasses = [2, 100]\ndims = [2, 64]\nfeatures = [8, 256]\nnoise = [0.0, 0.4]\n";
        let a = SweepFile::from_toml(text).unwrap().expand().unwrap();
        let b = SweepFile::from_toml(text).unwrap().expand().unwrap();
        assert_eq!(a.groups, b.groups);
        assert_eq!(a.groups.len(), 40);
        for g in &a.groups {
            let s = &g.scenario;
            assert!((2..=100).contains(&s.classes));
            assert!((2..=64).contains(&s.dims));
            assert!(s.features >= s.dims && s.features <= 256);
            assert!(s.noise >= 0.0 && s.noise <= 0.4 && s.noise < s.max_noise());
        }
        // the Latin hypercube uses every tenth of the log-class range
        let mut deciles = [0; 10];
        for g in &a.groups {
            let u = ((g.scenario.classes as f64).ln() - 2f64.ln()) / (101f64.ln() - 2f64.ln());
            deciles[((u * 10.0) as usize).min(9)] += 1;
        }
        assert!(deciles.iter().all(|&k| k >= 2), "{deciles:?}");
    }

    #[test]
    fn thinning_keeps_cheap_runs_and_some_expensive_ones() {
        let text = "signals = [\"hard\"]\nn = [10, 100000]\nseeds = 200\nclasses = [10]\nthin_above = 1e7\n";
        let sweep = SweepFile::from_toml(text).unwrap().expand().unwrap();
        let cheap = sweep.runs.iter().filter(|r| r.n == 10).count();
        let dear = sweep.runs.iter().filter(|r| r.n == 100000).count();
        assert_eq!(cheap, 200);
        // work = 1e5 * 64 * 10 = 6.4e7, keep probability 1e7 / 6.4e7 = 0.156, binomial(200)
        let p: f64 = 1e7 / 6.4e7;
        let sd = (200.0 * p * (1.0 - p)).sqrt();
        assert!(((dear as f64) - 200.0 * p).abs() < 4.0 * sd, "{dear}");
    }

    #[test]
    fn absurd_run_counts_are_refused_before_anything_is_built() {
        for text in [
            "signals=[\"hard\"]\nn=[20]\nsample=1000000000000\n[ranges]\nclasses=[2,10]\n",
            "signals=[\"hard\"]\nn=[20]\nseeds=1000000000000\n",
            "signals=[\"hard\",\"soft\"]\nn=[10,20,30,40,50]\nseeds=1000\nclasses=[2,3,4,5,6,7,8,9,10,11]\ndims=[1,2,3,4,5,6,7,8]\nfeatures=[8,9,10,11,12,13,14,15]\nnoise=[0.0,0.01,0.02,0.03,0.04,0.05,0.06,0.07]\n",
            "signals=[\"hard\"]\nseeds=18446744073709551615\nn=[1,2,3]\n[[part]]\nclasses=[2,3]\n[[part]]\nclasses=[4]\n",
        ] {
            let e = SweepFile::from_toml(text)
                .unwrap()
                .expand()
                .unwrap_err()
                .to_string();
            assert!(e.contains("runs") && e.contains("10000000"), "{e}");
        }
    }

    #[test]
    fn impossible_or_silently_altered_designs_are_refused() {
        let cases = [
            (
                "signals=[\"triplet\"]\nn=[1000]\nclasses=[4]\ndims=[4]\nfeatures=[8]\npool=[1]\n",
                "`pool`: 1",
            ),
            ("signals=[\"pair\"]\nn=[10]\npool=[1]\n", "at least 2"),
            (
                "signals=[\"hard\"]\nn=[20]\nsample=3\nclasses=[2]\ndims=[4]\nfeatures=[8]\n[ranges]\nnoise=[0.6,0.8]\n",
                "ranges.noise",
            ),
            (
                "signals=[\"hard\"]\nn=[20]\nsample=2\n[ranges]\ndims=[50,60]\nfeatures=[8,16]\n",
                "ranges.features",
            ),
            (
                "signals=[\"hard\"]\nn=[20]\nsample=2\n[ranges]\nnuisance=[1,1e300]\n",
                "ranges.nuisance",
            ),
            (
                "signals=[\"hard\"]\nn=[20]\nnuisance=[4.0, 1e300]\n",
                "nuisance=1e300",
            ),
            (
                "signals=[\"soft\"]\nn=[20]\nsoft_annotators=[1000000000]\n",
                "soft_annotators",
            ),
        ];
        for (text, wanted) in cases {
            let e = SweepFile::from_toml(text)
                .unwrap()
                .expand()
                .unwrap_err()
                .to_string();
            assert!(e.contains(wanted), "{text}: {e}");
        }
        // a pool of 2 is fine for pairs and hard labels
        SweepFile::from_toml("signals=[\"hard\",\"pair\"]\nn=[10]\npool=[2]\n")
            .unwrap()
            .expand()
            .unwrap();
    }
}
