//! The learners of one task: the linear probe, and the encoder with its transfer score.

use super::{DRAW, INIT, INIT_SCALE, Prepared, WEIGHT_DECAY};
use crate::calibrate::probe::Probe;
use crate::error::Result;
use crate::rng;
use crate::signal::Signal;
use crate::sim::annotations::Annotations;
use crate::sim::learner::{Dims, Objective};
use ndarray::{Array1, Array2, Axis};
use rand::RngExt;

impl Prepared<'_> {
    /// Targets (n x C) of the given pool positions: one-hot, or soft labels.
    pub(super) fn targets(&self, pos: &[usize], soft: bool) -> Array2<f64> {
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

    pub(super) fn rows(&self, pos: &[usize]) -> Array2<f64> {
        let idx: Vec<usize> = pos.iter().map(|&p| self.pool[p]).collect();
        self.x.select(Axis(0), &idx)
    }

    /// Held-out accuracy of the probe on the first n of seed s's order.
    pub(super) fn accuracy(&self, signal: Signal, n: usize, s: usize) -> Result<f64> {
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
    pub(super) fn annotations(&self, signal: Signal, n: usize, s: usize, seed: u64) -> Annotations {
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
    pub(super) fn encoder(&self, data: &Annotations, seed: u64) -> Result<Array2<f64>> {
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
    pub(super) fn transfer_raw(&self, w: &Array2<f64>) -> (f64, f64) {
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
