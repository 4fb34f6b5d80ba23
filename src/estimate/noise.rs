//! The annotator's hard-label error rate from an annotation log or from soft labels
//! (docs/scenario.md, "Annotator noise").
//!
//! `noise` is a parameter of the simulator's graded annotator: the probability that a hard label
//! differs from the class of the nearest prototype. A log does not show the nearest prototype,
//! but it shows how often two annotators of one item agree, and that is what the annotator's
//! temperature sets. The estimate is by the method of moments through the simulator itself:
//! 1. the log's agreement, `A = mean over items of sum_c n_c (n_c - 1) / (k (k - 1))` (k labels
//!    of the item, n_c of them class c: an unbiased estimate of `E[sum_c p_c(z)^2]` from any
//!    k >= 2), with a bootstrap over items;
//! 2. in [`WORLDS`] simulated worlds of the estimated C and d, the temperature whose agreement is
//!    A (bisection), and the error rate at that temperature; their mean is the estimate, their
//!    spread (the worlds' prototypes differ) adds to the interval.
//!
//! Inverting the symmetric-channel agreement `(1 - e)^2 + e^2 / (C - 1)` instead ignores that a
//! graded annotator confuses neighbouring classes, and errs low (measured in docs/scenario.md).
//! With soft labels, the error rate is read directly: `1 - mean_i max_c P_ic`.

use crate::rng;
use crate::scenario::Scenario;
use crate::sim::World;
use crate::sim::annotator::CALIBRATION_SAMPLE;
use ndarray::{Array2, ArrayView2};
use rand::RngExt;

/// Simulated worlds the agreement is mapped through.
pub const WORLDS: u64 = 8;
/// Stream label of those worlds' latent samples.
const STREAM: u64 = 0xA9EE;

/// Each item's unbiased pairwise agreement (items with at least two labels).
pub fn item_agreements(counts: &[Vec<(u32, u32)>]) -> Vec<f64> {
    counts
        .iter()
        .filter_map(|c| {
            let k: u32 = c.iter().map(|x| x.1).sum();
            (k >= 2).then(|| {
                let pairs: f64 = c.iter().map(|x| f64::from(x.1) * f64::from(x.1 - 1)).sum();
                pairs / (f64::from(k) * f64::from(k - 1))
            })
        })
        .collect()
}

/// Mean agreement and the `level` percentile interval of a bootstrap over items.
pub fn agreement_interval(
    per_item: &[f64],
    replicates: usize,
    seed: u64,
    level: f64,
) -> (f64, f64, f64) {
    let n = per_item.len();
    let mean = per_item.iter().sum::<f64>() / n.max(1) as f64;
    let mut rng = rng::stream(seed, &[STREAM, 1]);
    let mut reps: Vec<f64> = (0..replicates)
        .map(|_| {
            (0..n)
                .map(|_| per_item[rng.random_range(0..n)])
                .sum::<f64>()
                / n as f64
        })
        .collect();
    reps.sort_by(f64::total_cmp);
    let tail = (1.0 - level) / 2.0;
    (
        mean,
        super::spectrum::quantile(&reps, tail),
        super::spectrum::quantile(&reps, 1.0 - tail),
    )
}

/// The graded annotator's agreement and error rate as functions of its temperature, in one
/// simulated world: the squared distances of a latent sample to the prototypes, less each
/// row's smallest.
pub struct AnnotatorCurve {
    gaps: Array2<f64>,
}

impl AnnotatorCurve {
    /// The world of `classes` classes in `dims` latent dimensions for `seed`.
    pub fn new(classes: usize, dims: usize, seed: u64) -> AnnotatorCurve {
        let sc = Scenario {
            classes,
            dims,
            features: dims,
            ..Scenario::default()
        };
        let world = World::without_items(&sc, seed);
        let mut r = rng::stream(seed, &[STREAM, sc.world_key()]);
        let mut z = Array2::zeros((CALIBRATION_SAMPLE, dims));
        for mut row in z.rows_mut() {
            world.draw_latent(&mut r, row.as_slice_mut().expect("row-major"));
        }
        let mut gaps = world.sq_dist_to_prototypes(&z);
        for mut row in gaps.rows_mut() {
            let m = row.iter().copied().fold(f64::INFINITY, f64::min);
            row.mapv_inplace(|v| v - m);
        }
        AnnotatorCurve { gaps }
    }

    /// (agreement, error rate) at temperature `tau` > 0.
    pub fn at(&self, tau: f64) -> (f64, f64) {
        let (mut agree, mut right) = (0.0, 0.0);
        for row in self.gaps.rows() {
            let w: Vec<f64> = row.iter().map(|g| (-g / tau).exp()).collect();
            let total: f64 = w.iter().sum();
            agree += w.iter().map(|x| x * x).sum::<f64>() / (total * total);
            right += 1.0 / total;
        }
        let n = self.gaps.nrows() as f64;
        (agree / n, 1.0 - right / n)
    }

    /// The error rate at which the annotator's agreement is `a` (bisection on ln tau; clamped
    /// to the noiseless and the near-uniform annotator).
    pub fn error_at_agreement(&self, a: f64) -> f64 {
        let (mut lo, mut hi) = (1e-4f64.ln(), 1e4f64.ln());
        if self.at(lo.exp()).0 <= a {
            return self.at(lo.exp()).1;
        }
        if self.at(hi.exp()).0 >= a {
            return self.at(hi.exp()).1;
        }
        for _ in 0..50 {
            let mid = 0.5 * (lo + hi);
            if self.at(mid.exp()).0 > a {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        self.at((0.5 * (lo + hi)).exp()).1
    }
}

/// The error rate of each of [`WORLDS`] simulated worlds of (`classes`, `dims`) at agreement `a`.
pub fn error_rates(a: f64, classes: usize, dims: usize) -> Vec<f64> {
    (0..WORLDS)
        .map(|w| AnnotatorCurve::new(classes, dims.max(1), w).error_at_agreement(a))
        .collect()
}

/// The error rate whose symmetric channel (right with probability 1 - e, else a uniformly
/// random other class) has agreement `a`: the comparison estimator of docs/scenario.md.
pub fn symmetric_error(a: f64, classes: usize) -> f64 {
    let k = 1.0 + 1.0 / (classes as f64 - 1.0);
    let disc = (4.0 - 4.0 * k * (1.0 - a)).max(0.0);
    ((2.0 - disc.sqrt()) / (2.0 * k)).clamp(0.0, 1.0 - 1.0 / classes as f64)
}

/// Error rate read from soft labels (items x classes): `1 - mean max_c P_ic`, with its standard
/// error.
pub fn from_soft(p: ArrayView2<f64>) -> (f64, f64) {
    let tops: Vec<f64> = p
        .rows()
        .into_iter()
        .map(|r| r.iter().copied().fold(0.0, f64::max))
        .collect();
    let n = tops.len().max(1) as f64;
    let m = tops.iter().sum::<f64>() / n;
    let var = tops.iter().map(|t| (t - m) * (t - m)).sum::<f64>() / (n - 1.0).max(1.0);
    (1.0 - m, (var / n).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Annotator;

    #[test]
    fn agreement_is_unbiased_per_item() {
        // item 1: {a, a, b}: pairs agreeing 1 of 3; item 2: {a, a}: 1 of 1; item 3 alone: skipped
        let a = item_agreements(&[vec![(0, 2), (1, 1)], vec![(0, 2)], vec![(1, 1)]]);
        assert_eq!(a.len(), 2);
        assert!((a[0] - 1.0 / 3.0).abs() < 1e-12 && (a[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_simulated_annotator_is_recovered_from_its_agreement() {
        // in a world of the same C and d as the mapping's, the agreement of the annotator
        // solved for e maps back to about e (the worlds' prototypes differ: tolerance 0.03)
        let sc = Scenario {
            classes: 6,
            dims: 8,
            features: 8,
            noise: 0.25,
            ..Scenario::default()
        };
        let world = World::without_items(&sc, 77);
        let ann = Annotator::for_world(&world, sc.noise).unwrap();
        let (a, e) = AnnotatorCurve::new(6, 8, 77).at(ann.tau);
        let est = error_rates(a, 6, 8);
        let mean = est.iter().sum::<f64>() / est.len() as f64;
        assert!((mean - 0.25).abs() < 0.03, "{mean} vs 0.25 (own world {e})");
        // the symmetric channel's inversion errs low
        assert!(symmetric_error(a, 6) < mean);
        assert!((symmetric_error(0.81 + 0.01 / 5.0 * 1.0, 6) - 0.1).abs() < 1e-9);
    }

    #[test]
    fn soft_labels_give_the_error_directly() {
        let p = ndarray::array![[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]];
        let (e, se) = from_soft(p.view());
        assert!((e - (1.0 - (0.9 + 0.6 + 0.8) / 3.0)).abs() < 1e-12 && se > 0.0);
    }
}
