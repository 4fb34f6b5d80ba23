//! Quality of a representation, always on fresh held-out items of the world.
//!
//! - `cka`: linear CKA between f(x) and the true latent z, in [0, 1].
//! - `transfer`: m-shot nearest-centroid accuracy on new random classes in the latent space
//!   (see [`World`]'s transfer tasks), divided by the same accuracy computed on the true z.

use super::world::{TRANSFER_EPISODES, TRANSFER_SHOTS, TRANSFER_WAYS, TransferTasks, World};
use ndarray::{Array2, ArrayView2, Axis, s};

/// Linear CKA between two representations of the same items (rows).
///
/// # Formula
/// With column-centred `X`, `Y`: `|X^T Y|_F^2 / (|X^T X|_F |Y^T Y|_F)`; 0 when either is constant.
pub fn linear_cka(x: ArrayView2<f64>, y: ArrayView2<f64>) -> f64 {
    let xc = &x - &x.mean_axis(Axis(0)).expect("non-empty");
    let yc = &y - &y.mean_axis(Axis(0)).expect("non-empty");
    let xy = xc.t().dot(&yc);
    let xx = xc.t().dot(&xc);
    let yy = yc.t().dot(&yc);
    let frob2 = |m: &Array2<f64>| m.iter().map(|v| v * v).sum::<f64>();
    let denom = (frob2(&xx) * frob2(&yy)).sqrt();
    if denom <= 0.0 || !denom.is_finite() {
        return 0.0;
    }
    (frob2(&xy) / denom).clamp(0.0, 1.0)
}

/// Mean nearest-centroid accuracy over the transfer episodes, for representations `rep` of the
/// transfer items (rows in the order of [`TransferTasks`]).
pub fn nearest_centroid_accuracy(rep: ArrayView2<f64>) -> f64 {
    let per_class = TransferTasks::PER_CLASS;
    let dim = rep.ncols();
    let mut correct = 0usize;
    let mut total = 0usize;
    for e in 0..TRANSFER_EPISODES {
        let base = e * TransferTasks::PER_EPISODE;
        let centroids: Vec<Vec<f64>> = (0..TRANSFER_WAYS)
            .map(|k| {
                let start = base + k * per_class;
                let support = rep.slice(s![start..start + TRANSFER_SHOTS, ..]);
                support.mean_axis(Axis(0)).expect("shots > 0").to_vec()
            })
            .collect();
        for k in 0..TRANSFER_WAYS {
            let start = base + k * per_class + TRANSFER_SHOTS;
            for q in start..base + (k + 1) * per_class {
                let row = rep.row(q);
                let mut best = (usize::MAX, f64::INFINITY);
                for (j, c) in centroids.iter().enumerate() {
                    let d2: f64 = (0..dim).map(|i| (row[i] - c[i]).powi(2)).sum();
                    if d2 < best.1 {
                        best = (j, d2);
                    }
                }
                correct += usize::from(best.0 == k);
                total += 1;
            }
        }
    }
    correct as f64 / total as f64
}

/// Both metrics of the encoder `w` (r x D) in `world`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quality {
    pub cka: f64,
    pub transfer: f64,
}

/// Evaluate the encoder `w` on the world's held-out items.
pub fn evaluate(world: &World, w: ArrayView2<f64>) -> Quality {
    let f_test = world.test.x.dot(&w.t());
    let cka = linear_cka(f_test.view(), world.test.z.view());
    let f_tr = world.transfer.items.x.dot(&w.t());
    let acc = nearest_centroid_accuracy(f_tr.view());
    let reference = nearest_centroid_accuracy(world.transfer.items.z.view());
    Quality {
        cka,
        transfer: if reference > 0.0 {
            acc / reference
        } else {
            0.0
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn cka_is_one_for_rotations_and_scales() {
        let world = World::new(&Scenario::default(), 1);
        let z = world.test.z.view();
        assert!((linear_cka(z, z) - 1.0).abs() < 1e-12);
        // an orthogonal map and a scale leave CKA at 1: the encoder A^T recovers z from x
        let w = world.embed.t().mapv(|v| 3.0 * v);
        let q = evaluate(&world, w.view());
        assert!((q.cka - 1.0).abs() < 1e-9, "{}", q.cka);
        assert!((q.transfer - 1.0).abs() < 1e-12, "{}", q.transfer);
    }

    #[test]
    fn cka_of_a_subspace_matches_sqrt_r_over_d() {
        // capturing r of d isotropic dimensions perfectly gives CKA sqrt(r/d) (docs/method.md, "The dimension cap")
        let world = World::new(&Scenario::default(), 2);
        let (n, d) = (world.test.len() as f64, 16.0);
        let z = world.test.z.view();
        let r = 4;
        let cka = linear_cka(z.slice(s![.., ..r]), z);
        // finite-sample spread of a Frobenius ratio: about d / n in relative terms
        assert!((cka - (r as f64 / d).sqrt()).abs() < 3.0 * d / n, "{cka}");
    }
}
