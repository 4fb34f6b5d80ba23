//! Generating annotations of each signal from the world and its annotator.
//!
//! How items are drawn (scenario key `pool`):
//! - `pool = 0` (default): every annotation shows fresh items, so n annotations touch
//!   n items (hard, soft), 2n (pair) or 3n (triplet).
//! - `pool = m > 0`: a fixed pool of m items is drawn first. Hard and soft annotation j labels
//!   item j mod m (so min(n, m) distinct items, repeated items getting fresh annotator draws);
//!   pairs and triplets pick their items uniformly at random from the pool (distinct within one
//!   annotation).
//!
//! Annotations are drawn one at a time from one stream per (world, signal, seed), so the first n
//! annotations of a run with more are exactly those of the run with n: learning curves are nested.

use super::annotator::{Annotator, draw_categorical};
use super::world::{Items, World, normal, streams};
use crate::rng::{self, Rng};
use crate::signal::Signal;
use ndarray::{Array2, ArrayView1, ArrayViewMut1};
use rand::RngExt;

/// Annotations in the form the learner consumes.
#[derive(Debug, Clone)]
pub enum Annotations {
    /// Hard or soft labels: features (n x D) and target distributions (n x C; one-hot for hard).
    Class { x: Array2<f64>, y: Array2<f64> },
    /// Triplets: rows 2t and 2t+1 of `diffs` are x_a - x_b and x_a - x_c of triplet t;
    /// `answer[t]` is +1 when the annotator said "b" (a is closer to b), -1 for "c".
    Triplet {
        diffs: Array2<f64>,
        answer: Vec<f64>,
    },
    /// Pairs: row t of `diffs` is x_a - x_b; `same[t]` is +1 for "same class", -1 otherwise.
    Pair { diffs: Array2<f64>, same: Vec<f64> },
}

impl Annotations {
    pub fn signal_len(&self) -> usize {
        match self {
            Annotations::Class { x, .. } => x.nrows(),
            Annotations::Triplet { answer, .. } => answer.len(),
            Annotations::Pair { same, .. } => same.len(),
        }
    }
}

/// Where items come from: fresh draws, or a fixed pool.
enum Source<'a> {
    Fresh,
    Pool { items: &'a Items },
}

/// Draw `n` annotations of `signal` in `world` from `annotator`, for `seed`.
pub fn annotate(
    world: &World,
    annotator: &Annotator,
    signal: Signal,
    n: usize,
    seed: u64,
) -> Annotations {
    let key = world.scenario.world_key();
    let mut rng = rng::stream(seed, &[key, streams::ANNOTATIONS, signal.index()]);
    let pool_items;
    let pool = world.scenario.pool;
    let source = if pool > 0 {
        pool_items = world.sample_items(&mut rng::stream(seed, &[key, streams::POOL]), pool);
        Source::Pool { items: &pool_items }
    } else {
        Source::Fresh
    };
    let mut generator = Generator {
        world,
        annotator,
        source,
        probs: vec![0.0; world.classes()],
    };
    match signal {
        Signal::Hard | Signal::Soft => generator.class_labels(&mut rng, signal, n),
        Signal::Triplet => generator.tuples(&mut rng, 3, n),
        Signal::Pair => generator.tuples(&mut rng, 2, n),
    }
}

/// Rows of latents and of either Gaussian draws (fresh items, projected into features at the
/// end, all at once) or features (pool items). Projection is linear, so differences of draws
/// project to differences of features.
struct Rows {
    z: Array2<f64>,
    x: Array2<f64>,
}

struct Generator<'a> {
    world: &'a World,
    annotator: &'a Annotator,
    source: Source<'a>,
    probs: Vec<f64>,
}

impl Generator<'_> {
    /// Draw item `j` of the stream into `z` and `x` (Gaussian draws for a fresh item, features
    /// for a pool item); `pick_random` chooses pool items at random instead of in turn.
    fn item(
        &self,
        rng: &mut Rng,
        j: usize,
        pick_random: bool,
        mut z: ArrayViewMut1<f64>,
        mut x: ArrayViewMut1<f64>,
    ) {
        match &self.source {
            Source::Fresh => {
                self.world
                    .draw_latent(rng, z.as_slice_mut().expect("contiguous"));
                x.iter_mut().for_each(|v| *v = normal(rng));
            }
            Source::Pool { items } => {
                let m = items.len();
                let i = if pick_random {
                    rng.random_range(0..m)
                } else {
                    j % m
                };
                z.assign(&items.z.row(i));
                x.assign(&items.x.row(i));
            }
        }
    }

    /// Features from rows: fresh draws are projected, pool rows already are features.
    fn finish(&self, mut rows: Rows) -> Array2<f64> {
        if let Source::Fresh = self.source {
            self.world.project(rows.z.view(), &mut rows.x.view_mut());
        }
        rows.x
    }

    fn class_labels(&mut self, rng: &mut Rng, signal: Signal, n: usize) -> Annotations {
        let (d, big_d, c) = (
            self.world.dims(),
            self.world.features(),
            self.world.classes(),
        );
        let k = self.world.scenario.soft_annotators;
        let mut rows = Rows {
            z: Array2::zeros((n, d)),
            x: Array2::zeros((n, big_d)),
        };
        let mut y = Array2::zeros((n, c));
        for j in 0..n {
            self.item(rng, j, false, rows.z.row_mut(j), rows.x.row_mut(j));
            self.annotator.probs(rows.z.row(j), &mut self.probs);
            let mut yj = y.row_mut(j);
            match signal {
                Signal::Soft if k == 0 => yj.assign(&ArrayView1::from(&self.probs)),
                Signal::Soft => {
                    for _ in 0..k {
                        yj[draw_categorical(rng, &self.probs)] += 1.0 / k as f64;
                    }
                }
                _ => yj[draw_categorical(rng, &self.probs)] = 1.0,
            }
        }
        let x = self.finish(rows);
        Annotations::Class { x, y }
    }

    /// Draw the `arity` items of one annotation into `zs`/`xs`, distinct within a pool.
    fn tuple(&self, rng: &mut Rng, j: usize, zs: &mut Array2<f64>, xs: &mut Array2<f64>) {
        let arity = zs.nrows();
        if let Source::Pool { items } = &self.source {
            let m = items.len();
            let mut picked: Vec<usize> = Vec::with_capacity(arity);
            while picked.len() < arity {
                let i = rng.random_range(0..m);
                if m < arity || !picked.contains(&i) {
                    picked.push(i);
                }
            }
            for (r, &i) in picked.iter().enumerate() {
                zs.row_mut(r).assign(&items.z.row(i));
                xs.row_mut(r).assign(&items.x.row(i));
            }
            return;
        }
        for r in 0..arity {
            self.item(rng, j, true, zs.row_mut(r), xs.row_mut(r));
        }
    }

    /// Triplets (arity 3) or pairs (arity 2). Each annotation contributes arity - 1 rows of
    /// differences: x_a - x_b (and x_a - x_c).
    fn tuples(&mut self, rng: &mut Rng, arity: usize, n: usize) -> Annotations {
        let (d, big_d) = (self.world.dims(), self.world.features());
        let per = arity - 1;
        let mut rows = Rows {
            z: Array2::zeros((per * n, d)),
            x: Array2::zeros((per * n, big_d)),
        };
        let mut answers = Vec::with_capacity(n);
        let mut zs = Array2::zeros((arity, d));
        let mut xs = Array2::zeros((arity, big_d));
        for t in 0..n {
            self.tuple(rng, t, &mut zs, &mut xs);
            let answer = if arity == 3 {
                let p = self
                    .annotator
                    .triplet_prob_b(zs.row(0), zs.row(1), zs.row(2));
                rng.random::<f64>() < p
            } else {
                let ya = self.annotator.hard(rng, zs.row(0));
                let yb = self.annotator.hard(rng, zs.row(1));
                ya == yb
            };
            answers.push(if answer { 1.0 } else { -1.0 });
            for k in 0..per {
                rows.z
                    .row_mut(per * t + k)
                    .assign(&(&zs.row(0) - &zs.row(k + 1)));
                rows.x
                    .row_mut(per * t + k)
                    .assign(&(&xs.row(0) - &xs.row(k + 1)));
            }
        }
        let diffs = self.finish(rows);
        if arity == 3 {
            Annotations::Triplet {
                diffs,
                answer: answers,
            }
        } else {
            Annotations::Pair {
                diffs,
                same: answers,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn setup(sc: &Scenario) -> (World, Annotator) {
        let w = World::new(sc, 4);
        let a = Annotator::for_world(&w, sc.noise).unwrap();
        (w, a)
    }

    #[test]
    fn annotations_are_nested_in_n() {
        let sc = Scenario::default();
        let (w, a) = setup(&sc);
        for signal in Signal::ALL {
            let small = annotate(&w, &a, signal, 20, 1);
            let big = annotate(&w, &a, signal, 50, 1);
            match (small, big) {
                (Annotations::Class { x: xs, y: ys }, Annotations::Class { x: xb, y: yb }) => {
                    assert_eq!(xs, xb.slice(ndarray::s![..20, ..]));
                    assert_eq!(ys, yb.slice(ndarray::s![..20, ..]));
                }
                (
                    Annotations::Triplet {
                        diffs: ds,
                        answer: a1,
                    },
                    Annotations::Triplet {
                        diffs: db,
                        answer: a2,
                    },
                ) => {
                    assert_eq!(ds, db.slice(ndarray::s![..40, ..]));
                    assert_eq!(a1[..], a2[..20]);
                }
                (
                    Annotations::Pair {
                        diffs: ds,
                        same: s1,
                    },
                    Annotations::Pair {
                        diffs: db,
                        same: s2,
                    },
                ) => {
                    assert_eq!(ds, db.slice(ndarray::s![..20, ..]));
                    assert_eq!(s1[..], s2[..20]);
                }
                _ => panic!("signal {signal} changed kind"),
            }
        }
    }

    #[test]
    fn soft_labels_pooled_from_k_are_distributions_with_k_steps() {
        let sc = Scenario {
            soft_annotators: 4,
            ..Scenario::default()
        };
        let (w, a) = setup(&sc);
        let Annotations::Class { y, .. } = annotate(&w, &a, Signal::Soft, 100, 2) else {
            panic!()
        };
        for row in y.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-12);
            for v in row {
                assert!((v * 4.0 - (v * 4.0).round()).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn pool_limits_distinct_items() {
        let sc = Scenario {
            pool: 7,
            ..Scenario::default()
        };
        let (w, a) = setup(&sc);
        let Annotations::Class { x, .. } = annotate(&w, &a, Signal::Hard, 30, 2) else {
            panic!()
        };
        assert_eq!(x.row(0), x.row(7));
        assert_ne!(x.row(0), x.row(1));
    }

    #[test]
    fn pair_same_rate_matches_class_balance() {
        // noiseless C = 4: P(same) = sum of squared class masses, near 1/4 with balanced classes
        let sc = Scenario {
            classes: 4,
            noise: 0.0,
            ..Scenario::default()
        };
        let (w, a) = setup(&sc);
        let Annotations::Pair { same, .. } = annotate(&w, &a, Signal::Pair, 4000, 3) else {
            panic!()
        };
        let rate = same.iter().filter(|&&s| s > 0.0).count() as f64 / 4000.0;
        let p = a.probs_batch(&w.test.z);
        let mass = p.mean_axis(ndarray::Axis(0)).unwrap();
        let want: f64 = mass.iter().map(|m| m * m).sum();
        let se = (want * (1.0 - want) / 4000.0).sqrt();
        assert!((rate - want).abs() < 4.0 * se + 0.01, "{rate} vs {want}");
    }
}
