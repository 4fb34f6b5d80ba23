//! What the labels say about d: the dimension of the class-relevant subspace
//! (docs/scenario.md, "What labels can tell").
//!
//! Class means differ only along the directions the classes separate, at most C - 1 of them.
//! The number of directions along which they differ beyond sampling error is counted by
//! Bartlett's sequential test on the discriminant eigenvalues (the eigenvalues of W^-1 B, with W
//! and B the within- and between-class scatter): the first k whose remaining eigenvalues are
//! not significant (chi-square with (D - k)(C - 1 - k) degrees of freedom at level
//! [`ALPHA`]). So the labels give a lower bound on d, and d itself when d < C - 1 and every
//! direction is strong enough to pass the test; they never see beyond C - 1 directions.

use super::linalg::{cholesky, symmetric_eigen, whiten};
use crate::error::Result;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Level of each step of the sequential test.
pub const ALPHA: f64 = 0.01;
/// Ridge added to the within-class scatter, as a share of its mean diagonal, so that fewer
/// items than features (per class) still give a usable test.
pub const RIDGE: f64 = 1e-6;

/// What the labels say.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassFit {
    pub classes: usize,
    /// Directions along which the class means differ beyond sampling error.
    pub significant: usize,
    /// The most the labels can show: min(C - 1, D).
    pub most: usize,
    /// Discriminant eigenvalues, descending (the first `most`).
    pub eigenvalues: Vec<f64>,
}

/// Class means (C x D) and counts of the rows of `x` labelled `y` (classes 0..C).
pub fn class_means(x: ArrayView2<f64>, y: &[usize], classes: usize) -> (Array2<f64>, Vec<usize>) {
    let mut means = Array2::<f64>::zeros((classes, x.ncols()));
    let mut counts = vec![0usize; classes];
    for (row, &k) in x.rows().into_iter().zip(y) {
        counts[k] += 1;
        let mut m = means.row_mut(k);
        m += &row;
    }
    for (mut m, &c) in means.rows_mut().into_iter().zip(&counts) {
        m.mapv_inplace(|v| v / c.max(1) as f64);
    }
    (means, counts)
}

/// Between-class scatter B = sum_c n_c (m_c - m)(m_c - m)^T.
pub fn between_scatter(means: &Array2<f64>, counts: &[usize], grand: &Array1<f64>) -> Array2<f64> {
    let dev = means - grand;
    let mut weighted = dev.clone();
    for (mut row, &c) in weighted.rows_mut().into_iter().zip(counts) {
        row.mapv_inplace(|v| v * c as f64);
    }
    dev.t().dot(&weighted)
}

/// Count the significant discriminant directions of the rows of `x` labelled `y`.
///
/// # Errors
/// A within-class scatter that is singular even with the ridge (all features constant within
/// every class).
pub fn fit(x: ArrayView2<f64>, y: &[usize], classes: usize) -> Result<ClassFit> {
    let (n, dim) = x.dim();
    let (means, counts) = class_means(x, y, classes);
    let grand = x.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(dim));
    let mut centred = x.to_owned();
    for (mut row, &k) in centred.rows_mut().into_iter().zip(y) {
        row -= &means.row(k);
    }
    let mut within = centred.t().dot(&centred);
    let ridge = RIDGE * (0..dim).map(|i| within[[i, i]]).sum::<f64>() / dim as f64;
    for i in 0..dim {
        within[[i, i]] += ridge;
    }
    let between = between_scatter(&means, &counts, &grand);
    let l = cholesky(&within, 1e-14)?;
    let (mut eig, _) = symmetric_eigen(&whiten(&l, &between), false);
    eig.reverse();
    let most = (classes - 1).min(dim);
    eig.truncate(most);
    let factor = (n as f64 - 1.0 - (dim + classes) as f64 / 2.0).max(1.0);
    let mut k = 0;
    while k < most {
        let stat: f64 = factor * eig[k..].iter().map(|v| v.max(0.0).ln_1p()).sum::<f64>();
        let dof = ((dim - k) * (classes - 1 - k)) as f64;
        let p = ChiSquared::new(dof).map_or(1.0, |c| 1.0 - c.cdf(stat));
        if p > ALPHA {
            break;
        }
        k += 1;
    }
    Ok(ClassFit {
        classes,
        significant: k,
        most,
        eigenvalues: eig,
    })
}

/// Share of the between-class scatter `between` over the total variance within the span of
/// the eigenvectors `vecs[:, range]` of the total covariance (eigenvalues `eigs`): how much of
/// the classes' separation a level of the spectrum holds per unit of its variance.
pub fn separation_in(
    between: &Array2<f64>,
    vecs: &Array2<f64>,
    eigs: &[f64],
    range: std::ops::Range<usize>,
) -> f64 {
    let v = vecs.slice(ndarray::s![.., range.clone()]);
    let projected = v.t().dot(between).dot(&v);
    let b: f64 = (0..projected.nrows()).map(|i| projected[[i, i]]).sum();
    let t: f64 = eigs[range].iter().sum();
    b / t.max(f64::MIN_POSITIVE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;
    use crate::calibrate::synthetic;

    fn classes_of(y: &[i64]) -> (Vec<usize>, usize) {
        let mut l = y.to_vec();
        l.sort_unstable();
        l.dedup();
        (
            y.iter().map(|v| l.binary_search(v).unwrap()).collect(),
            l.len(),
        )
    }

    #[test]
    fn labels_see_min_c_minus_1_and_d_directions() {
        for (c, d, want) in [(4, 10, 3), (12, 5, 5)] {
            let sc = Scenario {
                classes: c,
                dims: d,
                features: 30,
                noise: 0.1,
                ..Scenario::default()
            };
            let (x, y, _) = synthetic::generate(&sc, 4000, 5).unwrap();
            let (y, classes) = classes_of(&y);
            let f = fit(x.view(), &y, classes).unwrap();
            assert_eq!(f.significant, want, "C {c} d {d}: {f:?}");
            assert_eq!(f.most, c - 1);
        }
    }

    #[test]
    fn labels_unrelated_to_the_features_show_nothing() {
        let sc = Scenario {
            classes: 2,
            dims: 4,
            features: 20,
            ..Scenario::default()
        };
        let (x, _, _) = synthetic::generate(&sc, 3000, 5).unwrap();
        let y: Vec<usize> = (0..3000).map(|i| (i * 7 / 3) % 5).collect();
        assert_eq!(fit(x.view(), &y, 5).unwrap().significant, 0);
    }
}
