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

use super::data::Dataset;
use super::probe::Probe;
use crate::error::{Error, Result};
use crate::rng::{self, Rng};
use crate::signal::Signal;
use crate::sim::annotations::Annotations;
use crate::sim::learner::{Dims, Objective};
use crate::surrogate::Metric;
use ndarray::{Array1, Array2, Axis};
use rand::RngExt;
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

fn shuffle(v: &mut [usize], rng: &mut Rng) {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
}

/// A stratified nested order: items sorted by their fractional rank within their class.
fn stratified_order(classes: &[usize], k: usize, rng: &mut Rng) -> Vec<usize> {
    let mut by: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &c) in classes.iter().enumerate() {
        by[c].push(i);
    }
    let mut keyed: Vec<(f64, usize, usize)> = Vec::with_capacity(classes.len());
    for (c, items) in by.iter_mut().enumerate() {
        shuffle(items, rng);
        let m = items.len() as f64;
        for (r, &i) in items.iter().enumerate() {
            keyed.push(((r as f64 + 0.5) / m, c, i));
        }
    }
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    keyed.into_iter().map(|t| t.2).collect()
}

/// The log grid of `points` counts from `n_min` to `max_fraction` of `pool`, or an error saying
/// why the pool is too small (see [`grid_for`] for messages naming the flags).
///
/// # Errors
/// Fewer than 2 points, the largest n below the smallest, or fewer distinct counts than
/// requested.
pub fn grid(pool: usize, n_min: usize, max_fraction: f64, points: usize) -> Result<Vec<usize>> {
    let n_max = (max_fraction * pool as f64).floor() as usize;
    if points < 2 {
        return Err(Error::invalid(
            "points",
            points,
            "a grid of at least 2 counts",
        ));
    }
    if n_max < n_min.max(1) {
        return Err(Error::invalid(
            "max-fraction",
            max_fraction,
            format!(
                "a fraction of the {pool}-item training pool of at least the grid's smallest n = {n_min} \
                 (the data has too few items for this grid: fewer --points, a smaller --n-min or more data)"
            ),
        ));
    }
    // no more distinct counts than integers in the range (checked before allocating)
    let most = n_max - n_min + 1;
    let g: Vec<usize> = if points > most {
        Vec::new()
    } else {
        let (a, b) = ((n_min.max(1) as f64).ln(), (n_max as f64).ln());
        let mut g: Vec<usize> = (0..points)
            .map(|i| (a + (b - a) * i as f64 / (points - 1) as f64).exp().round() as usize)
            .collect();
        g.dedup();
        g
    };
    if g.len() < points {
        let distinct = if g.is_empty() { most } else { g.len() };
        return Err(Error::invalid(
            "points",
            points,
            format!(
                "at most {distinct} distinct counts on the log grid between n = {n_min} (--n-min) \
                 and {n_max} (--max-fraction {max_fraction} of a {pool}-item pool): \
                 the data has too few items for this grid: fewer --points, a smaller --n-min, \
                 a larger --max-fraction or more data"
            ),
        ));
    }
    Ok(g)
}

impl<'a> Prepared<'a> {
    fn new(data: &'a Dataset, opts: &CurveOptions) -> Result<Prepared<'a>> {
        let c = data.classes();
        opts.check()?;
        let d = data.features();
        if let Some(r) = opts.rep.filter(|&r| r > d) {
            return Err(Error::invalid(
                "rep",
                r,
                format!(
                    "an encoder dimension in [1, {d}]: the encoder maps the data's D = {d} features \
                     to r dimensions, and a linear map cannot give more than D independent ones"
                ),
            ));
        }
        // stratified held-out split
        let mut rng = rng::stream(opts.seed, &[SPLIT]);
        let mut by: Vec<Vec<usize>> = vec![Vec::new(); c];
        for (i, &k) in data.y.iter().enumerate() {
            by[k].push(i);
        }
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for items in by.iter_mut() {
            shuffle(items, &mut rng);
            let t = ((opts.test_fraction * items.len() as f64).round() as usize)
                .clamp(usize::from(items.len() >= 2), items.len().saturating_sub(1));
            test.extend_from_slice(&items[..t]);
            train.extend_from_slice(&items[t..]);
        }
        train.sort_unstable();
        test.sort_unstable();
        // standardise on the training items
        let xt = data.x.select(Axis(0), &train);
        let mean = xt.mean_axis(Axis(0)).expect("non-empty");
        let sd = xt
            .std_axis(Axis(0), 0.0)
            .mapv(|s| if s > 1e-12 { s } else { 1.0 });
        let x = (&data.x - &mean) / &sd;
        let (pool, pool_class, train_classes, unseen) = if opts.metric == Metric::Transfer {
            if c < 4 {
                return Err(Error::invalid(
                    "metric",
                    "transfer",
                    format!(
                        "at least 4 classes (2 to learn, 2 to transfer to); the labels have {c}: use --metric accuracy"
                    ),
                ));
            }
            let mut order: Vec<usize> = (0..c).collect();
            shuffle(&mut order, &mut rng::stream(opts.seed, &[CLASSES]));
            let seen: Vec<usize> = order[..c / 2].to_vec();
            let mut remap = vec![usize::MAX; c];
            for (j, &k) in seen.iter().enumerate() {
                remap[k] = j;
            }
            let pool: Vec<usize> = train
                .iter()
                .copied()
                .filter(|&i| remap[data.y[i]] != usize::MAX)
                .collect();
            let pc: Vec<usize> = pool.iter().map(|&i| remap[data.y[i]]).collect();
            let unseen: Vec<Vec<usize>> = order[c / 2..]
                .iter()
                .map(|&k| (0..data.len()).filter(|&i| data.y[i] == k).collect())
                .collect();
            if let Some((u, &k)) = unseen
                .iter()
                .zip(&order[c / 2..])
                .find(|(u, _)| u.len() < SHOTS + 1)
            {
                return Err(Error::invalid(
                    "labels",
                    format!("class {} with {} items", data.labels[k], u.len()),
                    format!(
                        "at least {} items in every class --metric transfer transfers to \
                         ({SHOTS} shots and a query; the classes are split at random by --seed)",
                        SHOTS + 1
                    ),
                ));
            }
            (pool, pc, seen.len(), unseen)
        } else {
            let pc: Vec<usize> = train.iter().map(|&i| data.y[i]).collect();
            (train, pc, c, Vec::new())
        };
        let orders = (0..opts.seeds)
            .map(|s| {
                stratified_order(
                    &pool_class,
                    train_classes,
                    &mut rng::stream(opts.seed, &[ORDER, s as u64]),
                )
            })
            .collect();
        let episodes = if unseen.is_empty() {
            Vec::new()
        } else {
            let mut rng = rng::stream(opts.seed, &[EPISODES]);
            let ways = unseen.len().min(WAYS);
            (0..N_EPISODES)
                .map(|_| {
                    let mut cls: Vec<usize> = (0..unseen.len()).collect();
                    shuffle(&mut cls, &mut rng);
                    cls[..ways]
                        .iter()
                        .map(|&k| {
                            let mut items = unseen[k].clone();
                            shuffle(&mut items, &mut rng);
                            let q = (items.len() - SHOTS).min(QUERIES);
                            (k, items[..SHOTS].to_vec(), items[SHOTS..SHOTS + q].to_vec())
                        })
                        .collect()
                })
                .collect()
        };
        Ok(Prepared {
            data,
            x,
            pool,
            pool_class,
            train_classes,
            test,
            orders,
            unseen,
            episodes,
            rep: opts.rep.unwrap_or(d.min(16)),
        })
    }

    /// Targets (n x C) of the given pool positions: one-hot, or soft labels.
    fn targets(&self, pos: &[usize], soft: bool) -> Array2<f64> {
        let c = self.train_classes;
        let mut t = Array2::zeros((pos.len(), c));
        for (r, &p) in pos.iter().enumerate() {
            match (&self.data.soft, soft, self.unseen.is_empty()) {
                (Some(sl), true, true) => t.row_mut(r).assign(&sl.row(self.pool[p])),
                (Some(sl), true, false) => {
                    // soft labels restricted to the seen classes, renormalised
                    let seen: Vec<usize> = (0..self.data.classes())
                        .filter(|&k| self.unseen.iter().all(|u| self.data.y[u[0]] != k))
                        .collect();
                    let row = sl.row(self.pool[p]);
                    let s: f64 = seen.iter().map(|&k| row[k]).sum();
                    for (j, &k) in seen.iter().enumerate() {
                        t[[r, j]] = if s > 0.0 { row[k] / s } else { 1.0 / c as f64 };
                    }
                }
                _ => t[[r, self.pool_class[p]]] = 1.0,
            }
        }
        t
    }

    fn rows(&self, pos: &[usize]) -> Array2<f64> {
        let idx: Vec<usize> = pos.iter().map(|&p| self.pool[p]).collect();
        self.x.select(Axis(0), &idx)
    }

    /// Held-out accuracy of the probe on the first n of seed s's order.
    fn accuracy(&self, signal: Signal, n: usize, s: usize) -> Result<f64> {
        let pos = &self.orders[s][..n];
        let probe = Probe::train(
            self.rows(pos).view(),
            self.targets(pos, signal == Signal::Soft).view(),
        )?;
        let xt = self.x.select(Axis(0), &self.test);
        let yt: Vec<usize> = self.test.iter().map(|&i| self.data.y[i]).collect();
        Ok(probe.accuracy(xt.view(), &yt))
    }

    /// The annotations of `signal` with n annotations for seed s.
    fn annotations(&self, signal: Signal, n: usize, s: usize, seed: u64) -> Annotations {
        let mut rng = rng::stream(
            seed,
            &[DRAW, rng::hash_str(signal.name()), n as u64, s as u64],
        );
        let m = self.pool.len();
        let d = self.x.ncols();
        match signal {
            Signal::Hard | Signal::Soft => {
                let pos = &self.orders[s][..n];
                Annotations::Class {
                    x: self.rows(pos),
                    y: self.targets(pos, signal == Signal::Soft),
                }
            }
            Signal::Pair => {
                let mut diffs = Array2::zeros((n, d));
                let mut same = Vec::with_capacity(n);
                for t in 0..n {
                    let a = rng.random_range(0..m);
                    let mut b = rng.random_range(0..m - 1);
                    b += usize::from(b >= a);
                    diffs
                        .row_mut(t)
                        .assign(&(&self.x.row(self.pool[a]) - &self.x.row(self.pool[b])));
                    same.push(if self.pool_class[a] == self.pool_class[b] {
                        1.0
                    } else {
                        -1.0
                    });
                }
                Annotations::Pair { diffs, same }
            }
            Signal::Triplet => {
                let mut by: Vec<Vec<usize>> = vec![Vec::new(); self.train_classes];
                for (p, &c) in self.pool_class.iter().enumerate() {
                    by[c].push(p);
                }
                let soft = self.data.soft.as_ref();
                let mut diffs = Array2::zeros((2 * n, d));
                let mut answer = Vec::with_capacity(n);
                for t in 0..n {
                    let a = rng.random_range(0..m);
                    let (b, c, ans) = match soft {
                        Some(sl) => {
                            let mut b = rng.random_range(0..m - 1);
                            b += usize::from(b >= a);
                            let mut c = rng.random_range(0..m);
                            while c == a || c == b {
                                c = rng.random_range(0..m);
                            }
                            let dist = |u: usize, v: usize| {
                                let (ru, rv) = (sl.row(self.pool[u]), sl.row(self.pool[v]));
                                ru.iter()
                                    .zip(rv.iter())
                                    .map(|(x, y)| (x - y).powi(2))
                                    .sum::<f64>()
                            };
                            let ans = if dist(a, b) <= dist(a, c) { 1.0 } else { -1.0 };
                            (b, c, ans)
                        }
                        None => {
                            let own = &by[self.pool_class[a]];
                            let b = own[rng.random_range(0..own.len())];
                            let mut c = rng.random_range(0..m);
                            while self.pool_class[c] == self.pool_class[a] {
                                c = rng.random_range(0..m);
                            }
                            if rng.random::<bool>() {
                                (b, c, 1.0)
                            } else {
                                (c, b, -1.0)
                            }
                        }
                    };
                    let xa = self.x.row(self.pool[a]);
                    diffs
                        .row_mut(2 * t)
                        .assign(&(&xa - &self.x.row(self.pool[b])));
                    diffs
                        .row_mut(2 * t + 1)
                        .assign(&(&xa - &self.x.row(self.pool[c])));
                    answer.push(ans);
                }
                Annotations::Triplet { diffs, answer }
            }
        }
    }

    /// Train the simulator's learner and return the encoder.
    fn encoder(&self, data: &Annotations, seed: u64) -> Result<Array2<f64>> {
        let d = self.x.ncols();
        let dims = Dims {
            rep: self.rep,
            features: d,
            classes: self.train_classes,
            weight_decay: WEIGHT_DECAY,
        };
        let obj = Objective::new(dims, data);
        let mut rng = rng::stream(seed, &[INIT]);
        let sd = INIT_SCALE / (d as f64).sqrt();
        let mut p = Array1::zeros(obj.param_len());
        let wl = self.rep * d;
        for v in p.iter_mut().take(wl) {
            *v = sd * crate::sim::world::normal(&mut rng);
        }
        match data {
            Annotations::Class { .. } => {
                let r = (self.rep as f64).sqrt();
                for v in p.iter_mut().skip(wl).take(self.train_classes * self.rep) {
                    *v = crate::sim::world::normal(&mut rng) / r;
                }
            }
            Annotations::Pair { diffs, .. } => {
                let w = obj.encoder(&p).to_owned();
                let e = diffs.dot(&w.t());
                let mut sq: Vec<f64> = e.rows().into_iter().map(|r| r.dot(&r)).collect();
                sq.sort_by(f64::total_cmp);
                p[wl] = sq.get(sq.len() / 2).copied().unwrap_or(1.0);
            }
            Annotations::Triplet { .. } => {}
        }
        Ok(obj.train(p)?.w)
    }

    /// Raw nearest-centroid accuracy of encoder w over the transfer episodes, and its chance.
    fn transfer_raw(&self, w: &Array2<f64>) -> (f64, f64) {
        let (mut hit, mut tot) = (0usize, 0usize);
        let mut ways = 0;
        for ep in &self.episodes {
            ways = ep.len();
            let cents: Vec<Array1<f64>> = ep
                .iter()
                .map(|(_, sup, _)| {
                    self.x
                        .select(Axis(0), sup)
                        .dot(&w.t())
                        .mean_axis(Axis(0))
                        .expect("shots > 0")
                })
                .collect();
            for (k, (_, _, qs)) in ep.iter().enumerate() {
                let r = self.x.select(Axis(0), qs).dot(&w.t());
                for row in r.rows() {
                    let best = cents
                        .iter()
                        .enumerate()
                        .map(|(j, c)| (j, (&row - c).mapv(|v| v * v).sum()))
                        .fold(
                            (usize::MAX, f64::INFINITY),
                            |a, b| if b.1 < a.1 { b } else { a },
                        );
                    hit += usize::from(best.0 == k);
                    tot += 1;
                }
            }
        }
        (hit as f64 / tot.max(1) as f64, 1.0 / ways.max(1) as f64)
    }
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

impl Prepared<'_> {
    /// [`grid`] on the prepared pool, with errors naming the flags that combine.
    fn grid(&self, opts: &CurveOptions) -> Result<Vec<usize>> {
        let pool = self.pool.len();
        let lo = n_min(opts, self.train_classes);
        let n_max = (opts.max_fraction * pool as f64).floor() as usize;
        if n_max >= lo {
            return grid(pool, lo, opts.max_fraction, opts.points);
        }
        let from = match opts.n_min {
            Some(n) => format!("--n-min {n}"),
            None => format!(
                "--n-min's default max(2 C, 10) = {lo} for C = {} classes",
                self.train_classes
            ),
        };
        let pool_is = if opts.metric == Metric::Transfer {
            "the training items of the classes the encoder learns (half the classes)"
        } else {
            "the training items"
        };
        Err(Error::invalid(
            "n-min, max-fraction, test-fraction",
            format!(
                "{}, {}, {}",
                opts.n_min.map_or("default".into(), |n| n.to_string()),
                opts.max_fraction,
                opts.test_fraction
            ),
            format!(
                "the grid runs from n = {lo} ({from}) up to --max-fraction {} of the pool, \
                 but --test-fraction {} holds out {} of the {} items and the pool ({pool_is}) has \
                 {pool}, so the largest n is {n_max} < {lo}: a smaller --test-fraction, a larger \
                 --max-fraction (at most 1), a smaller --n-min, or more data",
                opts.max_fraction,
                opts.test_fraction,
                self.test.len(),
                self.data.len(),
            ),
        ))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_log_spaced_and_refuses_small_pools() {
        let g = grid(1000, 20, 0.5, 5).unwrap();
        assert_eq!(g.first(), Some(&20));
        assert_eq!(g.last(), Some(&500));
        let e = grid(30, 20, 0.5, 5).unwrap_err().to_string();
        assert!(e.contains("too few items"), "{e}");
        let e = grid(50, 20, 0.5, 8).unwrap_err().to_string();
        assert!(e.contains("too few items"), "{e}");
    }

    #[test]
    fn options_are_checked_by_flag_with_their_range() {
        let bad = |o: CurveOptions, key: &str, range: &str| {
            let e = o.check().unwrap_err().to_string();
            assert!(e.contains(&format!("`{key}`")) && e.contains(range), "{e}");
        };
        let d = CurveOptions::default();
        assert!(d.check().is_ok());
        bad(
            CurveOptions {
                n_min: Some(0),
                ..d.clone()
            },
            "n-min",
            ">= 1",
        );
        bad(
            CurveOptions {
                points: 1,
                ..d.clone()
            },
            "points",
            "2 to 1000",
        );
        bad(
            CurveOptions {
                points: 1 << 40,
                ..d.clone()
            },
            "points",
            "2 to 1000",
        );
        bad(
            CurveOptions {
                seeds: 0,
                ..d.clone()
            },
            "seeds",
            "1 to 1000",
        );
        for f in [0.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
            bad(
                CurveOptions {
                    max_fraction: f,
                    ..d.clone()
                },
                "max-fraction",
                "(0, 1]",
            );
        }
        for f in [0.0, 1.0, f64::NAN] {
            bad(
                CurveOptions {
                    test_fraction: f,
                    ..d.clone()
                },
                "test-fraction",
                "(0, 1)",
            );
        }
        bad(
            CurveOptions {
                rep: Some(0),
                metric: Metric::Transfer,
                ..d.clone()
            },
            "rep",
            ">= 1",
        );
        bad(
            CurveOptions {
                rep: Some(4),
                ..d.clone()
            },
            "rep",
            "--metric transfer",
        );
    }

    #[test]
    fn a_grid_with_more_points_than_counts_is_refused_before_allocating() {
        let e = grid(160, 10, 0.5, usize::MAX).unwrap_err().to_string();
        assert!(e.contains("at most 71 distinct counts"), "{e}");
    }

    #[test]
    fn stratified_order_is_balanced_at_every_prefix() {
        let classes: Vec<usize> = (0..300).map(|i| usize::from(i >= 200)).collect();
        let o = stratified_order(&classes, 2, &mut rng::stream(1, &[]));
        for n in [3, 30, 150] {
            let ones = o[..n].iter().filter(|&&i| classes[i] == 1).count() as f64;
            assert!(
                (ones / n as f64 - 1.0 / 3.0).abs() <= 1.0 / n as f64 + 1e-9,
                "{n}: {ones}"
            );
        }
    }
}
