//! The dense linear algebra the estimators need, without LAPACK: the covariance of a data
//! matrix, the eigen-decomposition of a symmetric matrix (Householder reduction to tridiagonal
//! form, then the implicit QL algorithm: EISPACK's tred2 and tql2 as in JAMA), and a Cholesky
//! factor with triangular solves.

use crate::error::{Error, Result};
use ndarray::{Array1, Array2, ArrayView2, Axis};

/// Column means and the covariance (divided by n - 1) of the rows of `x` (n x D).
pub fn covariance(x: ArrayView2<f64>) -> (Array1<f64>, Array2<f64>) {
    let n = x.nrows();
    let mean = x
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(x.ncols()));
    let centred = &x - &mean;
    let mut cov = centred.t().dot(&centred);
    cov.mapv_inplace(|v| v / (n.max(2) - 1) as f64);
    (mean, cov)
}

/// Eigenvalues of the symmetric matrix `a`, ascending, and (when `vectors`) the matching unit
/// eigenvectors as the columns of a matrix. Only the lower triangle is read.
pub fn symmetric_eigen(a: &Array2<f64>, vectors: bool) -> (Vec<f64>, Option<Array2<f64>>) {
    let n = a.nrows();
    if n == 0 {
        return (Vec::new(), vectors.then(|| Array2::zeros((0, 0))));
    }
    let mut v: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| if j <= i { a[[i, j]] } else { a[[j, i]] })
                .collect()
        })
        .collect();
    let mut d = vec![0.0; n];
    let mut e = vec![0.0; n];
    tred2(&mut v, &mut d, &mut e);
    tql2(&mut v, &mut d, &mut e, vectors);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| d[i].total_cmp(&d[j]));
    let values = order.iter().map(|&i| d[i]).collect();
    let vecs = vectors.then(|| Array2::from_shape_fn((n, n), |(r, c)| v[r][order[c]]));
    (values, vecs)
}

/// Householder reduction of the symmetric matrix in `v` to tridiagonal form: diagonal in `d`,
/// sub-diagonal in `e[1..]`, the orthogonal transformation accumulated in `v`.
fn tred2(v: &mut [Vec<f64>], d: &mut [f64], e: &mut [f64]) {
    let n = d.len();
    d.copy_from_slice(&v[n - 1]);
    for i in (1..n).rev() {
        let scale: f64 = d[..i].iter().map(|x| x.abs()).sum();
        let mut h = 0.0;
        if scale == 0.0 {
            e[i] = d[i - 1];
            for j in 0..i {
                d[j] = v[i - 1][j];
                v[i][j] = 0.0;
                v[j][i] = 0.0;
            }
        } else {
            for x in &mut d[..i] {
                *x /= scale;
                h += *x * *x;
            }
            let f = d[i - 1];
            let mut g = h.sqrt();
            if f > 0.0 {
                g = -g;
            }
            e[i] = scale * g;
            h -= f * g;
            d[i - 1] = f - g;
            e[..i].iter_mut().for_each(|x| *x = 0.0);
            for j in 0..i {
                let f = d[j];
                v[j][i] = f;
                let mut g = e[j] + v[j][j] * f;
                for k in j + 1..i {
                    g += v[k][j] * d[k];
                    e[k] += v[k][j] * f;
                }
                e[j] = g;
            }
            let mut f = 0.0;
            for j in 0..i {
                e[j] /= h;
                f += e[j] * d[j];
            }
            let hh = f / (h + h);
            for j in 0..i {
                e[j] -= hh * d[j];
            }
            for j in 0..i {
                let (f, g) = (d[j], e[j]);
                for k in j..i {
                    v[k][j] -= f * e[k] + g * d[k];
                }
                d[j] = v[i - 1][j];
                v[i][j] = 0.0;
            }
        }
        d[i] = h;
    }
    for i in 0..n - 1 {
        v[n - 1][i] = v[i][i];
        v[i][i] = 1.0;
        let h = d[i + 1];
        if h != 0.0 {
            for k in 0..=i {
                d[k] = v[k][i + 1] / h;
            }
            for j in 0..=i {
                let g: f64 = (0..=i).map(|k| v[k][i + 1] * v[k][j]).sum();
                for k in 0..=i {
                    v[k][j] -= g * d[k];
                }
            }
        }
        for row in v.iter_mut().take(i + 1) {
            row[i + 1] = 0.0;
        }
    }
    for j in 0..n {
        d[j] = v[n - 1][j];
        v[n - 1][j] = 0.0;
    }
    v[n - 1][n - 1] = 1.0;
    e[0] = 0.0;
}

/// Implicit QL on the tridiagonal (`d`, `e`) left by [`tred2`]; eigenvalues into `d`, and the
/// eigenvectors into `v` when `vectors`.
fn tql2(v: &mut [Vec<f64>], d: &mut [f64], e: &mut [f64], vectors: bool) {
    let n = d.len();
    for i in 1..n {
        e[i - 1] = e[i];
    }
    e[n - 1] = 0.0;
    let mut f = 0.0;
    let mut tst1 = 0.0f64;
    let eps = f64::EPSILON;
    for l in 0..n {
        tst1 = tst1.max(d[l].abs() + e[l].abs());
        let mut m = l;
        while m < n - 1 && e[m].abs() > eps * tst1 {
            m += 1;
        }
        if m > l {
            for _iter in 0..200 {
                let g = d[l];
                let mut p = (d[l + 1] - g) / (2.0 * e[l]);
                let mut r = p.hypot(1.0);
                if p < 0.0 {
                    r = -r;
                }
                d[l] = e[l] / (p + r);
                d[l + 1] = e[l] * (p + r);
                let dl1 = d[l + 1];
                let mut h = g - d[l];
                for x in &mut d[l + 2..n] {
                    *x -= h;
                }
                f += h;
                p = d[m];
                let (mut c, mut c2, mut c3) = (1.0, 1.0, 1.0);
                let el1 = e[l + 1];
                let (mut s, mut s2) = (0.0, 0.0);
                for i in (l..m).rev() {
                    c3 = c2;
                    c2 = c;
                    s2 = s;
                    let g = c * e[i];
                    h = c * p;
                    r = p.hypot(e[i]);
                    e[i + 1] = s * r;
                    s = e[i] / r;
                    c = p / r;
                    p = c * d[i] - s * g;
                    d[i + 1] = h + s * (c * g + s * d[i]);
                    if vectors {
                        for row in v.iter_mut() {
                            let h = row[i + 1];
                            row[i + 1] = s * row[i] + c * h;
                            row[i] = c * row[i] - s * h;
                        }
                    }
                }
                p = -s * s2 * c3 * el1 * e[l] / dl1;
                e[l] = s * p;
                d[l] = c * p;
                if e[l].abs() <= eps * tst1 {
                    break;
                }
            }
        }
        d[l] += f;
        e[l] = 0.0;
    }
}

/// The lower Cholesky factor L of the symmetric positive definite `a` (a = L L^T).
///
/// # Errors
/// `a` is not positive definite (a pivot at or below `tiny` times the largest diagonal entry).
pub fn cholesky(a: &Array2<f64>, tiny: f64) -> Result<Array2<f64>> {
    let n = a.nrows();
    let scale = (0..n).map(|i| a[[i, i]]).fold(0.0f64, f64::max);
    let mut l = Array2::<f64>::zeros((n, n));
    for j in 0..n {
        let mut s = a[[j, j]];
        for k in 0..j {
            s -= l[[j, k]] * l[[j, k]];
        }
        if s.is_nan() || s <= tiny * scale {
            return Err(Error::numerical(
                "cholesky",
                format!("pivot {j} is {s:e}: the matrix is not positive definite"),
            ));
        }
        let ljj = s.sqrt();
        l[[j, j]] = ljj;
        for i in j + 1..n {
            let mut s = a[[i, j]];
            for k in 0..j {
                s -= l[[i, k]] * l[[j, k]];
            }
            l[[i, j]] = s / ljj;
        }
    }
    Ok(l)
}

/// L^{-1} B L^{-T} for a lower triangular L and a symmetric B (both n x n).
pub fn whiten(l: &Array2<f64>, b: &Array2<f64>) -> Array2<f64> {
    let y = forward_solve(l, b); // L^{-1} B
    forward_solve(l, &y.t().to_owned()) // L^{-1} (L^{-1} B)^T = L^{-1} B L^{-T}
}

/// L^{-1} M for a lower triangular L (forward substitution, column by column of M).
fn forward_solve(l: &Array2<f64>, m: &Array2<f64>) -> Array2<f64> {
    let n = l.nrows();
    let mut out = m.clone();
    for i in 0..n {
        for k in 0..i {
            let lik = l[[i, k]];
            if lik != 0.0 {
                let (top, mut row_i) = out.view_mut().split_at(Axis(0), i);
                row_i.row_mut(0).scaled_add(-lik, &top.row(k));
            }
        }
        let lii = l[[i, i]];
        out.row_mut(i).mapv_inplace(|v| v / lii);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;
    use crate::sim::world::normal;

    fn random_symmetric(n: usize, seed: u64) -> Array2<f64> {
        let mut r = rng::stream(seed, &[1]);
        let g = Array2::from_shape_simple_fn((n, n), || normal(&mut r));
        &g + &g.t()
    }

    #[test]
    fn eigenpairs_satisfy_a_v_equals_lambda_v() {
        for (n, seed) in [(1, 1), (2, 2), (7, 3), (40, 4)] {
            let a = random_symmetric(n, seed);
            let (vals, vecs) = symmetric_eigen(&a, true);
            let v = vecs.unwrap();
            assert!(vals.windows(2).all(|w| w[0] <= w[1]));
            let trace: f64 = (0..n).map(|i| a[[i, i]]).sum();
            assert!((vals.iter().sum::<f64>() - trace).abs() < 1e-9 * n as f64);
            let av = a.dot(&v);
            for (j, &lam) in vals.iter().enumerate() {
                for i in 0..n {
                    assert!((av[[i, j]] - lam * v[[i, j]]).abs() < 1e-9, "n {n}");
                }
            }
            let vtv = v.t().dot(&v);
            for i in 0..n {
                for j in 0..n {
                    let want = if i == j { 1.0 } else { 0.0 };
                    assert!((vtv[[i, j]] - want).abs() < 1e-9);
                }
            }
            let (alone, none) = symmetric_eigen(&a, false);
            assert!(none.is_none());
            for (x, y) in alone.iter().zip(&vals) {
                assert!((x - y).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn repeated_and_zero_eigenvalues() {
        let mut a = Array2::zeros((5, 5));
        for i in 0..3 {
            a[[i, i]] = 2.0;
        }
        let (vals, _) = symmetric_eigen(&a, false);
        assert_eq!(vals.len(), 5);
        for (x, want) in vals.iter().zip([0.0, 0.0, 2.0, 2.0, 2.0]) {
            assert!((x - want).abs() < 1e-12, "{vals:?}");
        }
    }

    #[test]
    fn cholesky_and_whitening_invert_each_other() {
        let g = random_symmetric(6, 9);
        let a = g.dot(&g.t()) + Array2::<f64>::eye(6);
        let l = cholesky(&a, 1e-12).unwrap();
        let back = l.dot(&l.t());
        assert!((&back - &a).iter().all(|v| v.abs() < 1e-9));
        let w = whiten(&l, &a);
        for i in 0..6 {
            for j in 0..6 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((w[[i, j]] - want).abs() < 1e-9);
            }
        }
        let mut singular = a.clone();
        singular.row_mut(5).fill(0.0);
        singular.column_mut(5).fill(0.0);
        assert!(cholesky(&singular, 1e-12).is_err());
    }

    #[test]
    fn covariance_of_known_rows() {
        let x = ndarray::array![[1.0, 2.0], [3.0, 2.0], [5.0, 2.0]];
        let (m, c) = covariance(x.view());
        assert_eq!(m, ndarray::array![3.0, 2.0]);
        assert!((c[[0, 0]] - 4.0).abs() < 1e-12 && c[[1, 1]].abs() < 1e-12);
    }
}
