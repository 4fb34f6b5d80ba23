//! The simulated world: latent positions, class prototypes, the observation map and the
//! held-out items every quality metric is computed on. See docs/method.md, "The simulation world".
//!
//! Features are `x = A z + sqrt(nuisance) * P g`, where `A` (D x d) has orthonormal random columns,
//! `g ~ N(0, I_D)` and `P = I - A A^T` projects it onto the D - d nuisance directions. Every item is
//! drawn from the generator one at a time (z, then g), so the first n items of a stream do not
//! depend on how many are drawn after them.

use crate::rng::{self, Rng};
use crate::scenario::{Latent, Scenario};
use ndarray::{Array2, ArrayView1, ArrayView2, Axis, s};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

/// Spread of items around their prototype in the `clustered` latent.
pub const CLUSTER_SPREAD: f64 = 0.5;
/// Number of new classes in one transfer episode.
pub const TRANSFER_WAYS: usize = 5;
/// Labelled support items per new class (the m of m-shot).
pub const TRANSFER_SHOTS: usize = 5;
/// Query items per new class and episode.
pub const TRANSFER_QUERIES: usize = 20;
/// Transfer episodes averaged per metric evaluation.
pub const TRANSFER_EPISODES: usize = 10;

/// A set of items: latent positions and observed features, row by row.
#[derive(Debug, Clone)]
pub struct Items {
    /// Latent positions, one row per item (n x d).
    pub z: Array2<f64>,
    /// Observed features, one row per item (n x D).
    pub x: Array2<f64>,
}

impl Items {
    pub fn len(&self) -> usize {
        self.z.nrows()
    }
    pub fn is_empty(&self) -> bool {
        self.z.nrows() == 0
    }
}

/// The m-shot nearest-centroid tasks on new random classes, fixed per world.
#[derive(Debug, Clone)]
pub struct TransferTasks {
    /// Items of all episodes, episode-major, then class, then support before query.
    pub items: Items,
}

impl TransferTasks {
    pub const PER_CLASS: usize = TRANSFER_SHOTS + TRANSFER_QUERIES;
    pub const PER_EPISODE: usize = TRANSFER_WAYS * Self::PER_CLASS;
}

/// One simulated world, fully determined by its scenario's world parameters and a seed.
#[derive(Debug, Clone)]
pub struct World {
    pub scenario: Scenario,
    pub seed: u64,
    /// Class prototypes mu_c (C x d).
    pub prototypes: Array2<f64>,
    /// Orthonormal embedding A of the latent into feature space (D x d).
    pub embed: Array2<f64>,
    /// Held-out items for linear CKA.
    pub test: Items,
    /// Held-out transfer tasks.
    pub transfer: TransferTasks,
}

/// Stream labels, so each random quantity has its own generator.
pub(crate) mod streams {
    pub const WORLD: u64 = 1;
    pub const TEST: u64 = 2;
    pub const TRANSFER: u64 = 3;
    pub const ANNOTATIONS: u64 = 4;
    pub const INIT: u64 = 5;
    pub const CALIBRATE: u64 = 6;
    pub const POOL: u64 = 7;
}

pub(crate) fn normal(rng: &mut Rng) -> f64 {
    StandardNormal.sample(rng)
}

fn gaussian_matrix(rng: &mut Rng, rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_simple_fn((rows, cols), || normal(rng))
}

/// Orthonormalise the columns of `m` in place (modified Gram-Schmidt, applied twice).
fn orthonormalise(m: &mut Array2<f64>) {
    let cols = m.ncols();
    for _pass in 0..2 {
        for j in 0..cols {
            for k in 0..j {
                let proj = m.column(j).dot(&m.column(k));
                let ck = m.column(k).to_owned();
                m.column_mut(j).scaled_add(-proj, &ck);
            }
            let norm = m.column(j).dot(&m.column(j)).sqrt();
            m.column_mut(j).mapv_inplace(|v| v / norm);
        }
    }
}

impl World {
    /// Build the world of `scenario` for `seed`. The scenario must be valid.
    pub fn new(scenario: &Scenario, seed: u64) -> World {
        let mut world = World::without_items(scenario, seed);
        let key = scenario.world_key();
        let mut test_rng = rng::stream(seed, &[key, streams::TEST]);
        world.test = world.sample_items(&mut test_rng, scenario.test_items);
        world.transfer = world.sample_transfer(&mut rng::stream(seed, &[key, streams::TRANSFER]));
        world
    }

    /// The world of `scenario` for `seed` (same prototypes and embedding as [`World::new`]) without
    /// its held-out test and transfer items: cheap to build, for analyses that only need the
    /// latent, the prototypes and the annotator (the `info` module).
    pub fn without_items(scenario: &Scenario, seed: u64) -> World {
        let key = scenario.world_key();
        let mut rng = rng::stream(seed, &[key, streams::WORLD]);
        let (c, d, big_d) = (scenario.classes, scenario.dims, scenario.features);
        let prototypes = gaussian_matrix(&mut rng, c, d);
        let mut embed = gaussian_matrix(&mut rng, big_d, d);
        orthonormalise(&mut embed);
        World {
            scenario: scenario.clone(),
            seed,
            prototypes,
            embed,
            test: Items {
                z: Array2::zeros((0, d)),
                x: Array2::zeros((0, big_d)),
            },
            transfer: TransferTasks {
                items: Items {
                    z: Array2::zeros((0, d)),
                    x: Array2::zeros((0, big_d)),
                },
            },
        }
    }

    pub fn classes(&self) -> usize {
        self.scenario.classes
    }
    pub fn dims(&self) -> usize {
        self.scenario.dims
    }
    pub fn features(&self) -> usize {
        self.scenario.features
    }

    /// Draw one latent position into `z`.
    pub fn draw_latent(&self, rng: &mut Rng, z: &mut [f64]) {
        match self.scenario.latent {
            Latent::Gaussian => z.iter_mut().for_each(|v| *v = normal(rng)),
            Latent::Clustered => {
                let k = rng.random_range(0..self.classes());
                let mu = self.prototypes.row(k);
                for (v, m) in z.iter_mut().zip(mu.iter()) {
                    *v = m + CLUSTER_SPREAD * normal(rng);
                }
            }
        }
    }

    /// Observe the latent `z`: write `A z + sqrt(nuisance) (I - A A^T) g` into `x`, drawing g.
    pub fn observe(&self, rng: &mut Rng, z: ArrayView1<f64>, x: &mut [f64]) {
        x.iter_mut().for_each(|v| *v = normal(rng));
        let mut g = ndarray::ArrayViewMut2::from_shape((1, x.len()), x).expect("one row");
        let z = z.into_shape_with_order((1, z.len())).expect("one row");
        self.project(z, &mut g);
    }

    /// Turn rows of Gaussian draws `g` (n x D) into features in place, given the latents `z`
    /// (n x d): `x = z A^T + sqrt(nuisance) (g - (g A) A^T)`.
    pub(crate) fn project(&self, z: ArrayView2<f64>, g: &mut ndarray::ArrayViewMut2<f64>) {
        let sd = self.scenario.nuisance.sqrt();
        // coefficients in the signal directions: z - sd * g A
        let mut coef = z.to_owned();
        ndarray::linalg::general_mat_mul(-sd, &*g, &self.embed, 1.0, &mut coef);
        g.mapv_inplace(|v| v * sd);
        ndarray::linalg::general_mat_mul(1.0, &coef, &self.embed.t(), 1.0, g);
    }

    /// Draw `n` fresh items. Each item's z and then its g are drawn in turn, so the first k items
    /// do not depend on n; the linear algebra is then done for all items at once.
    pub fn sample_items(&self, rng: &mut Rng, n: usize) -> Items {
        let (d, big_d) = (self.dims(), self.features());
        let mut z = Array2::zeros((n, d));
        let mut x = Array2::zeros((n, big_d));
        for i in 0..n {
            self.draw_latent(rng, z.row_mut(i).into_slice().expect("row-major"));
            x.row_mut(i).iter_mut().for_each(|v| *v = normal(rng));
        }
        self.project(z.view(), &mut x.view_mut());
        Items { z, x }
    }

    /// Items of new random classes: prototypes nu ~ N(0, I_d), items nu + N(0, I_d).
    fn sample_transfer(&self, rng: &mut Rng) -> TransferTasks {
        let (d, big_d) = (self.dims(), self.features());
        let total = TRANSFER_EPISODES * TransferTasks::PER_EPISODE;
        let mut z = Array2::zeros((total, d));
        let mut x = Array2::zeros((total, big_d));
        let mut row = 0;
        for _episode in 0..TRANSFER_EPISODES {
            for _class in 0..TRANSFER_WAYS {
                let nu: Vec<f64> = (0..d).map(|_| normal(rng)).collect();
                for _item in 0..TransferTasks::PER_CLASS {
                    for (k, m) in nu.iter().enumerate() {
                        z[[row, k]] = m + normal(rng);
                    }
                    x.row_mut(row).iter_mut().for_each(|v| *v = normal(rng));
                    row += 1;
                }
            }
        }
        self.project(z.view(), &mut x.view_mut());
        TransferTasks {
            items: Items { z, x },
        }
    }

    /// Squared distances from each row of `z` to each prototype (n x C).
    pub fn sq_dist_to_prototypes(&self, z: &Array2<f64>) -> Array2<f64> {
        let zz = z.map_axis(Axis(1), |r| r.dot(&r));
        let mm = self.prototypes.map_axis(Axis(1), |r| r.dot(&r));
        let mut out = z.dot(&self.prototypes.t());
        out.mapv_inplace(|v| -2.0 * v);
        for (i, mut row) in out.axis_iter_mut(Axis(0)).enumerate() {
            for (c, v) in row.iter_mut().enumerate() {
                *v = (*v + zz[i] + mm[c]).max(0.0);
            }
        }
        out
    }

    /// The view of the test items restricted to the first `n` (used by cheap checks).
    pub fn test_head(
        &self,
        n: usize,
    ) -> (ndarray::ArrayView2<'_, f64>, ndarray::ArrayView2<'_, f64>) {
        let n = n.min(self.test.len());
        (
            self.test.z.slice(s![..n, ..]),
            self.test.x.slice(s![..n, ..]),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedding_is_orthonormal() {
        let w = World::new(&Scenario::default(), 3);
        let gram = w.embed.t().dot(&w.embed);
        for i in 0..gram.nrows() {
            for j in 0..gram.ncols() {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((gram[[i, j]] - want).abs() < 1e-10);
            }
        }
    }

    #[test]
    fn features_have_signal_and_nuisance_variances() {
        let sc = Scenario::default();
        let w = World::new(&sc, 1);
        // projection on the signal directions recovers z exactly
        let back = w.test.x.dot(&w.embed);
        let err = (&back - &w.test.z)
            .mapv(f64::abs)
            .fold(0.0f64, |a, &b| a.max(b));
        assert!(err < 1e-9, "A^T x != z: {err}");
        // total variance: d * 1 + (D - d) * nuisance, within sampling error
        let n = w.test.len() as f64;
        let total: f64 = w.test.x.iter().map(|v| v * v).sum::<f64>() / n;
        let want = sc.dims as f64 + (sc.features - sc.dims) as f64 * sc.nuisance;
        // each item's squared norm has sd about sqrt(2 * sum of variances^2)
        let sd = (2.0 * (sc.dims as f64 + (sc.features - sc.dims) as f64 * sc.nuisance.powi(2)))
            .sqrt()
            / n.sqrt();
        assert!(
            (total - want).abs() < 4.0 * sd,
            "{total} vs {want} (sd {sd})"
        );
    }

    #[test]
    fn same_seed_same_world() {
        let a = World::new(&Scenario::default(), 9);
        let b = World::new(&Scenario::default(), 9);
        assert_eq!(a.test.x, b.test.x);
        let c = World::new(&Scenario::default(), 10);
        assert_ne!(a.test.x, c.test.x);
    }
}
