//! The prepared problem: held-out split, standardised features, pool orders, episodes.

use super::{
    CLASSES, CurveOptions, EPISODES, N_EPISODES, ORDER, Prepared, QUERIES, SHOTS, SPLIT, WAYS,
};
use crate::calibrate::data::Dataset;
use crate::error::{Error, Result};
use crate::rng::{self, Rng};
use crate::surrogate::Metric;
use ndarray::Axis;
use rand::RngExt;

fn shuffle(v: &mut [usize], rng: &mut Rng) {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
}

/// A stratified nested order: items sorted by their fractional rank within their class.
pub(super) fn stratified_order(classes: &[usize], k: usize, rng: &mut Rng) -> Vec<usize> {
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

impl<'a> Prepared<'a> {
    pub(super) fn new(data: &'a Dataset, opts: &CurveOptions) -> Result<Prepared<'a>> {
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
}
