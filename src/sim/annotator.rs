//! The graded annotator: `p_c(z) ~ exp(-|z - mu_c|^2 / tau)`.
//!
//! Users state noise as a single annotator's hard-label error rate e (the probability that a hard
//! label differs from the class of the nearest prototype); [`Annotator::for_world`] solves the
//! temperature tau at which the expected error equals e, on a fixed seeded sample of the world's
//! latent. tau = 0 is the noiseless limit (the nearest prototype's class with certainty).
//! Triplets are answered through a logistic of latent distance differences with the same tau;
//! pairs compare two independent hard labels. This is the one annotator model of the crate: the
//! information module and the simulator both use it.

use super::world::{World, streams};
use crate::error::{Error, Result};
use crate::fastmath::{exp_in_place, sigmoid};
use crate::rng::{self, Rng};
use ndarray::{Array2, ArrayView1};
use rand::RngExt;

/// Size of the latent sample the temperature is solved on.
pub const CALIBRATION_SAMPLE: usize = 2000;

/// A graded annotator in one world.
#[derive(Debug, Clone)]
pub struct Annotator {
    /// Temperature tau (0 = noiseless).
    pub tau: f64,
    /// The hard-label error rate this annotator was solved for.
    pub noise: f64,
    prototypes: Array2<f64>,
}

/// Softmax of `-sq / tau` into `out`; with tau = 0 a one-hot at the smallest distance.
pub fn probs_from_sq_dist(sq: ArrayView1<f64>, tau: f64, out: &mut [f64]) {
    let (imin, dmin) =
        sq.iter().enumerate().fold(
            (0, f64::INFINITY),
            |acc, (i, &v)| if v < acc.1 { (i, v) } else { acc },
        );
    if tau <= 0.0 {
        out.iter_mut().for_each(|p| *p = 0.0);
        out[imin] = 1.0;
        return;
    }
    let inv_tau = 1.0 / tau;
    for (p, &v) in out.iter_mut().zip(sq.iter()) {
        *p = (dmin - v) * inv_tau;
    }
    exp_in_place(out);
    let inv_total = 1.0 / out.iter().sum::<f64>();
    out.iter_mut().for_each(|p| *p *= inv_total);
}

/// Each sample's squared distances minus its smallest one (n x C, row-major, all >= 0).
fn gaps(sq: &Array2<f64>) -> Vec<f64> {
    let mut out = Vec::with_capacity(sq.len());
    for row in sq.rows() {
        let dmin = row.iter().copied().fold(f64::INFINITY, f64::min);
        out.extend(row.iter().map(|&v| v - dmin));
    }
    out
}

/// Expected hard-label error at temperature tau over a sample given by its distance `gaps`:
/// 1 - mean of p_{c*}(z) = 1 / sum_c exp(-gap_c / tau). `scratch` has the size of `gaps`; the
/// exponentials are taken over the whole buffer at once so they vectorise.
fn error_rate(gaps: &[f64], classes: usize, tau: f64, scratch: &mut [f64]) -> f64 {
    let inv_tau = 1.0 / tau;
    for (s, &g) in scratch.iter_mut().zip(gaps) {
        *s = -g * inv_tau;
    }
    exp_in_place(scratch);
    let rows = gaps.len() / classes;
    let right: f64 = scratch
        .chunks_exact(classes)
        .map(|row| 1.0 / row.iter().sum::<f64>())
        .sum();
    1.0 - right / rows as f64
}

#[cfg(test)]
fn argmin(row: ArrayView1<f64>) -> usize {
    row.iter()
        .enumerate()
        .fold(
            (0, f64::INFINITY),
            |acc, (i, &v)| if v < acc.1 { (i, v) } else { acc },
        )
        .0
}

/// Draw an index from the probability vector `p`.
pub fn draw_categorical(rng: &mut Rng, p: &[f64]) -> usize {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for (i, &pi) in p.iter().enumerate() {
        acc += pi;
        if u < acc {
            return i;
        }
    }
    p.len() - 1
}

impl Annotator {
    /// The annotator of `world` whose hard labels err with probability `noise`.
    ///
    /// # Errors
    /// `noise` outside [0, 1 - 1/C).
    pub fn for_world(world: &World, noise: f64) -> Result<Annotator> {
        let c = world.classes();
        let max = 1.0 - 1.0 / c as f64;
        if !(noise.is_finite() && (0.0..max).contains(&noise)) {
            return Err(Error::invalid(
                "noise",
                noise,
                format!("an error rate in [0, {max:.4}) for C = {c}"),
            ));
        }
        let prototypes = world.prototypes.clone();
        if noise == 0.0 {
            return Ok(Annotator {
                tau: 0.0,
                noise,
                prototypes,
            });
        }
        let mut rng = rng::stream(
            world.seed,
            &[world.scenario.world_key(), streams::CALIBRATE],
        );
        let d = world.dims();
        let mut z = Array2::zeros((CALIBRATION_SAMPLE, d));
        for mut row in z.rows_mut() {
            world.draw_latent(&mut rng, row.as_slice_mut().expect("row-major"));
        }
        let sq = world.sq_dist_to_prototypes(&z);
        let tau = solve_tau(&sq, noise);
        Ok(Annotator {
            tau,
            noise,
            prototypes,
        })
    }

    /// An annotator with an explicit temperature (for information analysis).
    pub fn with_temperature(world: &World, tau: f64) -> Annotator {
        Annotator {
            tau: tau.max(0.0),
            noise: f64::NAN,
            prototypes: world.prototypes.clone(),
        }
    }

    pub fn classes(&self) -> usize {
        self.prototypes.nrows()
    }

    /// p(z): the annotator's class probabilities for one latent position.
    pub fn probs(&self, z: ArrayView1<f64>, out: &mut [f64]) {
        let sq: Vec<f64> = self
            .prototypes
            .rows()
            .into_iter()
            .map(|mu| {
                mu.iter()
                    .zip(z.iter())
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum()
            })
            .collect();
        probs_from_sq_dist(ArrayView1::from(&sq), self.tau, out);
    }

    /// p(z) for every row of `z` (n x C).
    pub fn probs_batch(&self, z: &Array2<f64>) -> Array2<f64> {
        let mut out = Array2::zeros((z.nrows(), self.classes()));
        for (zi, mut oi) in z.rows().into_iter().zip(out.rows_mut()) {
            self.probs(zi, oi.as_slice_mut().expect("row-major"));
        }
        out
    }

    /// One hard label for `z`.
    pub fn hard(&self, rng: &mut Rng, z: ArrayView1<f64>) -> usize {
        let mut p = vec![0.0; self.classes()];
        self.probs(z, &mut p);
        draw_categorical(rng, &p)
    }

    /// Probability that the annotator answers "b" to "is a more similar to b or to c?".
    pub fn triplet_prob_b(
        &self,
        a: ArrayView1<f64>,
        b: ArrayView1<f64>,
        c: ArrayView1<f64>,
    ) -> f64 {
        let sq = |u: ArrayView1<f64>, v: ArrayView1<f64>| -> f64 {
            u.iter().zip(v.iter()).map(|(x, y)| (x - y) * (x - y)).sum()
        };
        let margin = sq(a, c) - sq(a, b);
        if self.tau <= 0.0 {
            return if margin > 0.0 {
                1.0
            } else if margin < 0.0 {
                0.0
            } else {
                0.5
            };
        }
        sigmoid(margin / self.tau)
    }
}

/// The temperature whose expected error on the sample equals `noise`: a root of
/// f(u) = error(e^u) - noise, increasing in u, found by the Illinois variant of regula falsi on
/// a bracket where f changes sign (tau from 1e-6 to 1e3 times the mean squared distance gives
/// error rates of 0 and nearly 1 - 1/C). It converges superlinearly; the stopping rule
/// (|f| < 1e-9 or a bracket narrower than 1e-9 in log tau, at most 100 steps) is deterministic.
fn solve_tau(sq: &Array2<f64>, noise: f64) -> f64 {
    let scale = sq.mean().unwrap_or(1.0).max(1e-12);
    let g = gaps(sq);
    let mut scratch = vec![0.0; g.len()];
    let mut f = |u: f64| error_rate(&g, sq.ncols(), u.exp(), &mut scratch) - noise;
    let (mut a, mut b) = ((scale * 1e-6).ln(), (scale * 1e3).ln());
    let (mut fa, mut fb) = (f(a), f(b));
    if fb <= 0.0 {
        return b.exp();
    }
    if fa >= 0.0 {
        return a.exp();
    }
    let mut side = 0;
    for _ in 0..100 {
        let u = (a * fb - b * fa) / (fb - fa);
        let fu = f(u);
        if fu.abs() < 1e-9 || (b - a).abs() < 1e-9 {
            return u.exp();
        }
        if fu > 0.0 {
            b = u;
            fb = fu;
            if side == 1 {
                fa *= 0.5;
            }
            side = 1;
        } else {
            a = u;
            fa = fu;
            if side == -1 {
                fb *= 0.5;
            }
            side = -1;
        }
    }
    (0.5 * (a + b)).exp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn solved_temperature_gives_the_stated_error_rate() {
        let sc = Scenario::default();
        let world = World::new(&sc, 5);
        for noise in [0.05, 0.2, 0.4] {
            let ann = Annotator::for_world(&world, noise).unwrap();
            // measure on the independent test items by drawing labels
            let mut rng = rng::stream(99, &[]);
            let sq = world.sq_dist_to_prototypes(&world.test.z);
            let n = world.test.len();
            let wrong = (0..n)
                .filter(|&i| ann.hard(&mut rng, world.test.z.row(i)) != argmin(sq.row(i)))
                .count();
            let rate = wrong as f64 / n as f64;
            // binomial standard error, plus the calibration sample's own error
            let se = (noise * (1.0 - noise) / n as f64).sqrt()
                + (noise * (1.0 - noise) / CALIBRATION_SAMPLE as f64).sqrt();
            assert!(
                (rate - noise).abs() < 4.0 * se,
                "noise {noise}: measured {rate}"
            );
        }
    }

    #[test]
    fn noiseless_annotator_is_deterministic_and_noise_is_bounded() {
        let world = World::new(&Scenario::default(), 2);
        let ann = Annotator::for_world(&world, 0.0).unwrap();
        assert_eq!(ann.tau, 0.0);
        assert!(Annotator::for_world(&world, 0.9).is_err());
        assert!(Annotator::for_world(&world, -0.1).is_err());
    }

    #[test]
    fn probabilities_sum_to_one() {
        let world = World::new(&Scenario::default(), 2);
        let ann = Annotator::for_world(&world, 0.3).unwrap();
        let p = ann.probs_batch(&world.test.z);
        for row in p.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-12);
        }
    }
}
