//! Products of a tall single-precision matrix (the annotations' feature rows, n x D) with a
//! narrow one (at most [`MAX_WIDTH`] columns): the two large products of every learner
//! evaluation.
//!
//! A general GEMM (matrixmultiply, behind ndarray's `general_mat_mul`) copies ("packs") both
//! operands into its own layout on every call; here the tall matrix never changes between the
//! evaluations of a training run, and packing it again each time took a fifth of the training
//! time (`cargo bench --bench sim`). These kernels read it in place: the narrow operand is padded
//! to 8 or 16 columns (or read with masked loads) so that a row of it is one or two vector
//! registers, and four rows (or four columns) of the tall one are processed together.
//!
//! Every output element is the sum of its products in index order, each step one fused
//! multiply-add (`f32::mul_add`, exactly rounded), so the result has the same bits whether the
//! loop runs with AVX2 and FMA instructions (chosen at run time) or without them (where `mul_add`
//! is computed in software: slow, but exact), on any x86-64 machine. Wider narrow operands fall
//! back to `general_mat_mul`.

use ndarray::{Array2, ArrayView2, linalg::general_mat_mul};

/// The widest narrow operand the kernels take; wider ones use `general_mat_mul`.
pub const MAX_WIDTH: usize = 16;

/// Rows (or columns) of the tall matrix processed together.
const BLOCK: usize = 4;

/// `x m` for a tall `x` (n x k, standard layout) and a narrow `m` (k x c).
pub fn tall_times_narrow(x: &Array2<f32>, m: ArrayView2<f32>) -> Array2<f32> {
    let (n, k) = x.dim();
    let c = m.ncols();
    assert_eq!(m.nrows(), k, "inner dimensions differ");
    let Some(xs) = x.as_slice().filter(|_| c <= MAX_WIDTH) else {
        let mut y = Array2::zeros((n, c));
        general_mat_mul(1.0, x, &m, 0.0, &mut y);
        return y;
    };
    let mut y = Array2::zeros((n, c));
    let ys = y.as_slice_mut().expect("fresh array");
    if c <= 8 {
        dispatch_xm::<8>(xs, k, m, ys);
    } else {
        dispatch_xm::<16>(xs, k, m, ys);
    }
    y
}

/// `x^T g` for a tall `x` (n x k, standard layout) and a narrow `g` (n x c).
pub fn tall_t_times_narrow(x: &Array2<f32>, g: ArrayView2<f32>) -> Array2<f32> {
    let (n, k) = x.dim();
    let c = g.ncols();
    assert_eq!(g.nrows(), n, "inner dimensions differ");
    let Some(xs) = x.as_slice().filter(|_| c <= MAX_WIDTH) else {
        let mut s = Array2::zeros((k, c));
        general_mat_mul(1.0, &x.t(), &g, 0.0, &mut s);
        return s;
    };
    let mut s = Array2::zeros((k, c));
    let ss = s.as_slice_mut().expect("fresh array");
    if c <= 8 {
        dispatch_xtg::<8>(xs, k, g, ss);
    } else {
        dispatch_xtg::<16>(xs, k, g, ss);
    }
    s
}

/// The widest narrow operand of the [`Tall`] kernels (one vector register per column of it).
pub const TALL_MAX_WIDTH: usize = 12;

/// A tall matrix kept in both layouts, for products repeated many times with narrow operands
/// (the learner's feature rows: fixed for a whole training run).
///
/// With the transpose at hand, eight rows of the tall matrix are one vector register and each
/// element of the narrow operand a broadcast, so a step multiplies eight rows by one column with
/// no padding: about twice the work per instruction of the row-major kernels above, for narrow
/// operands up to [`TALL_MAX_WIDTH`] columns. The sums are the same fused steps in the same order,
/// so every kernel here gives the same bits.
#[derive(Debug, Clone)]
pub struct Tall {
    rows: Array2<f32>,
    /// The transpose, k x n in standard layout.
    cols: Array2<f32>,
}

impl Tall {
    pub fn new(rows: Array2<f32>) -> Tall {
        let rows = rows.as_standard_layout().into_owned();
        let cols = rows.t().as_standard_layout().into_owned();
        Tall { rows, cols }
    }

    /// The matrix (n x k).
    pub fn rows(&self) -> &Array2<f32> {
        &self.rows
    }

    /// `x m` for a narrow `m` (k x c).
    pub fn times(&self, m: ArrayView2<f32>) -> Array2<f32> {
        let (n, k) = self.rows.dim();
        let c = m.ncols();
        #[cfg(target_arch = "x86_64")]
        {
            if c <= TALL_MAX_WIDTH
                && std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                assert_eq!(m.nrows(), k, "inner dimensions differ");
                let m = m.as_standard_layout();
                let ms = m.as_slice().expect("standard layout");
                let xt = self.cols.as_slice().expect("standard layout");
                let mut y = Array2::zeros((n, c));
                let ys = y.as_slice_mut().expect("fresh array");
                macro_rules! go {
                    ($($w:literal)*) => {
                        match c {
                            // SAFETY: the CPU supports AVX2 and FMA, checked above.
                            $($w => unsafe { xm_cols_avx2::<$w>(xt, n, k, ms, ys) },)*
                            _ => unreachable!("c <= TALL_MAX_WIDTH"),
                        }
                    };
                }
                go!(1 2 3 4 5 6 7 8 9 10 11 12);
                return y;
            }
        }
        tall_times_narrow(&self.rows, m)
    }

    /// `x^T g` for a narrow `g` (n x c).
    pub fn t_times(&self, g: ArrayView2<f32>) -> Array2<f32> {
        let (n, k) = self.rows.dim();
        let c = g.ncols();
        #[cfg(target_arch = "x86_64")]
        {
            if c <= TALL_MAX_WIDTH
                && std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                assert_eq!(g.nrows(), n, "inner dimensions differ");
                let g = g.as_standard_layout();
                let gs = g.as_slice().expect("standard layout");
                let xs = self.rows.as_slice().expect("standard layout");
                let mut s = Array2::zeros((k, c));
                let ss = s.as_slice_mut().expect("fresh array");
                macro_rules! go {
                    ($($w:literal)*) => {
                        match c {
                            // SAFETY: the CPU supports AVX2 and FMA, checked above.
                            $($w => unsafe { xtg_rows_avx2::<$w>(xs, n, k, gs, ss) },)*
                            _ => unreachable!("c <= TALL_MAX_WIDTH"),
                        }
                    };
                }
                go!(1 2 3 4 5 6 7 8 9 10 11 12);
                return s;
            }
        }
        tall_t_times_narrow(&self.rows, g)
    }
}

/// y (n x C) = x m from the transpose xt (k x n) and m (k x C): eight rows of y at a time, one
/// accumulator register per column, each output the in-order fused sum over j.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn xm_cols_avx2<const C: usize>(xt: &[f32], n: usize, k: usize, m: &[f32], y: &mut [f32]) {
    use std::arch::x86_64::*;
    assert!(xt.len() == n * k && m.len() == k * C && y.len() == n * C);
    let full = n - n % 8;
    let mut tmp = [[0.0f32; 8]; C];
    for i0 in (0..full).step_by(8) {
        // SAFETY: AVX2 and FMA are enabled on this function; the loads read xt[j][i0..i0 + 8]
        // with i0 + 8 <= n, the broadcasts m[j][cc] with cc < C (lengths asserted above).
        unsafe {
            let mut acc = [_mm256_setzero_ps(); C];
            for j in 0..k {
                let xv = _mm256_loadu_ps(xt.as_ptr().add(j * n + i0));
                let mj = m.as_ptr().add(j * C);
                for (cc, a) in acc.iter_mut().enumerate() {
                    *a = _mm256_fmadd_ps(xv, _mm256_broadcast_ss(&*mj.add(cc)), *a);
                }
            }
            for (t, a) in tmp.iter_mut().zip(&acc) {
                _mm256_storeu_ps(t.as_mut_ptr(), *a);
            }
        }
        for r in 0..8 {
            for (cc, t) in tmp.iter().enumerate() {
                y[(i0 + r) * C + cc] = t[r];
            }
        }
    }
    for i in full..n {
        for cc in 0..C {
            let mut a = 0.0f32;
            for j in 0..k {
                a = xt[j * n + i].mul_add(m[j * C + cc], a);
            }
            y[i * C + cc] = a;
        }
    }
}

/// s (k x C) = x^T g from x (n x k) and g (n x C): eight rows of s at a time, one accumulator
/// register per column, each output the in-order fused sum over i.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn xtg_rows_avx2<const C: usize>(x: &[f32], n: usize, k: usize, g: &[f32], s: &mut [f32]) {
    use std::arch::x86_64::*;
    assert!(x.len() == n * k && g.len() == n * C && s.len() == k * C);
    let full = k - k % 8;
    let mut tmp = [[0.0f32; 8]; C];
    for j0 in (0..full).step_by(8) {
        // SAFETY: AVX2 and FMA are enabled on this function; the loads read x[i][j0..j0 + 8]
        // with j0 + 8 <= k, the broadcasts g[i][cc] with cc < C (lengths asserted above).
        unsafe {
            let mut acc = [_mm256_setzero_ps(); C];
            for i in 0..n {
                let xv = _mm256_loadu_ps(x.as_ptr().add(i * k + j0));
                let gi = g.as_ptr().add(i * C);
                for (cc, a) in acc.iter_mut().enumerate() {
                    *a = _mm256_fmadd_ps(xv, _mm256_broadcast_ss(&*gi.add(cc)), *a);
                }
            }
            for (t, a) in tmp.iter_mut().zip(&acc) {
                _mm256_storeu_ps(t.as_mut_ptr(), *a);
            }
        }
        for r in 0..8 {
            for (cc, t) in tmp.iter().enumerate() {
                s[(j0 + r) * C + cc] = t[r];
            }
        }
    }
    for j in full..k {
        for cc in 0..C {
            let mut a = 0.0f32;
            for i in 0..n {
                a = x[i * k + j].mul_add(g[i * C + cc], a);
            }
            s[j * C + cc] = a;
        }
    }
}

/// `a` (rows x c, any layout) copied into rows of `W` floats, zero-padded.
fn padded<const W: usize>(a: ArrayView2<f32>) -> Vec<[f32; W]> {
    if let Some(flat) = a.as_slice() {
        return flat
            .chunks_exact(a.ncols())
            .map(|row| {
                let mut p = [0.0; W];
                p[..row.len()].copy_from_slice(row);
                p
            })
            .collect();
    }
    a.rows()
        .into_iter()
        .map(|row| {
            let mut p = [0.0; W];
            p.iter_mut().zip(row.iter()).for_each(|(d, &v)| *d = v);
            p
        })
        .collect()
}

fn dispatch_xm<const W: usize>(x: &[f32], k: usize, m: ArrayView2<f32>, y: &mut [f32]) {
    let c = m.ncols();
    let mp = padded::<W>(m);
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            unsafe { xm_avx2::<W>(x, k, &mp, c, y) };
            return;
        }
    }
    xm::<W>(x, k, &mp, c, y);
}

fn dispatch_xtg<const W: usize>(x: &[f32], k: usize, g: ArrayView2<f32>, s: &mut [f32]) {
    let c = g.ncols();
    let g = g.as_standard_layout();
    let gs = g.as_slice().expect("standard layout");
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            unsafe { xtg_avx2::<W>(x, k, gs, c, s) };
            return;
        }
    }
    xtg::<W>(x, k, gs, c, s);
}

/// [`xm`] with AVX2 and FMA intrinsics: the same fused steps in the same order.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn xm_avx2<const W: usize>(x: &[f32], k: usize, m: &[[f32; W]], c: usize, y: &mut [f32]) {
    use std::arch::x86_64::*;
    const { assert!(W == 8 || W == 16) };
    let v = W / 8; // vectors per padded row
    let rows = x.chunks_exact(k * BLOCK);
    let tail = rows.remainder();
    let mut outs = y.chunks_exact_mut(c * BLOCK);
    let mut buf = [0.0f32; W];
    for (xb, yb) in rows.zip(&mut outs) {
        // SAFETY: AVX2 and FMA are enabled on this function; every load reads 8 floats inside a padded
        // row of m (W floats), every broadcast one float inside xb.
        unsafe {
            let mut acc = [[_mm256_setzero_ps(); 2]; BLOCK];
            for (j, mrow) in m.iter().enumerate() {
                let mp = mrow.as_ptr();
                let m0 = _mm256_loadu_ps(mp);
                let m1 = if v == 2 {
                    _mm256_loadu_ps(mp.add(8))
                } else {
                    m0
                };
                for (r, a) in acc.iter_mut().enumerate() {
                    let xv = _mm256_broadcast_ss(xb.get_unchecked(r * k + j));
                    a[0] = _mm256_fmadd_ps(xv, m0, a[0]);
                    if v == 2 {
                        a[1] = _mm256_fmadd_ps(xv, m1, a[1]);
                    }
                }
            }
            for (yr, a) in yb.chunks_exact_mut(c).zip(&acc) {
                _mm256_storeu_ps(buf.as_mut_ptr(), a[0]);
                if v == 2 {
                    _mm256_storeu_ps(buf.as_mut_ptr().add(8), a[1]);
                }
                yr.copy_from_slice(&buf[..c]);
            }
        }
    }
    for (xr, yr) in tail
        .chunks_exact(k)
        .zip(outs.into_remainder().chunks_exact_mut(c))
    {
        let mut a = [0.0f32; W];
        for (&xv, mrow) in xr.iter().zip(m) {
            for (av, mv) in a.iter_mut().zip(mrow) {
                *av = xv.mul_add(*mv, *av);
            }
        }
        yr.copy_from_slice(&a[..c]);
    }
}

/// [`xtg`] with AVX2 and FMA intrinsics: the same fused steps in the same order.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn xtg_avx2<const W: usize>(x: &[f32], k: usize, g: &[f32], c: usize, s: &mut [f32]) {
    use std::arch::x86_64::*;
    const { assert!(W == 8 || W == 16) };
    let v = W / 8;
    let full = k - k % BLOCK;
    let mut buf = [0.0f32; W];
    // lane masks for the c columns of a row of g: loads skip (and never touch) the lanes beyond
    let lane = |i: usize| if i < c { -1i32 } else { 0 };
    for j0 in (0..full).step_by(BLOCK) {
        // SAFETY: AVX2 and FMA are enabled on this function; the masked loads read only the c floats of
        // a row of g, every broadcast one float of row xr at a column below k.
        unsafe {
            let mask0 = _mm256_setr_epi32(
                lane(0),
                lane(1),
                lane(2),
                lane(3),
                lane(4),
                lane(5),
                lane(6),
                lane(7),
            );
            let mask1 = _mm256_setr_epi32(
                lane(8),
                lane(9),
                lane(10),
                lane(11),
                lane(12),
                lane(13),
                lane(14),
                lane(15),
            );
            let mut acc = [[_mm256_setzero_ps(); 2]; BLOCK];
            for (xr, grow) in x.chunks_exact(k).zip(g.chunks_exact(c)) {
                let gp = grow.as_ptr();
                let g0 = _mm256_maskload_ps(gp, mask0);
                let g1 = if v == 2 {
                    _mm256_maskload_ps(gp.add(8), mask1)
                } else {
                    g0
                };
                for (r, a) in acc.iter_mut().enumerate() {
                    let xv = _mm256_broadcast_ss(xr.get_unchecked(j0 + r));
                    a[0] = _mm256_fmadd_ps(xv, g0, a[0]);
                    if v == 2 {
                        a[1] = _mm256_fmadd_ps(xv, g1, a[1]);
                    }
                }
            }
            for (r, a) in acc.iter().enumerate() {
                _mm256_storeu_ps(buf.as_mut_ptr(), a[0]);
                if v == 2 {
                    _mm256_storeu_ps(buf.as_mut_ptr().add(8), a[1]);
                }
                s[(j0 + r) * c..(j0 + r + 1) * c].copy_from_slice(&buf[..c]);
            }
        }
    }
    if full < k {
        xtg_columns::<W>(x, k, g, c, s, full);
    }
}

/// y (n x c) = x (n x k) m (k x W, padded): each output row is `sum_j x[i, j] m[j, ..]` in order
/// of j; four rows of x share each row of m.
#[inline(always)]
fn xm<const W: usize>(x: &[f32], k: usize, m: &[[f32; W]], c: usize, y: &mut [f32]) {
    let rows = x.chunks_exact(k * BLOCK);
    let tail = rows.remainder();
    let mut outs = y.chunks_exact_mut(c * BLOCK);
    for (xb, yb) in rows.zip(&mut outs) {
        let mut acc = [[0.0f32; W]; BLOCK];
        for (j, mrow) in m.iter().enumerate() {
            for (r, a) in acc.iter_mut().enumerate() {
                let xv = xb[r * k + j];
                for (av, mv) in a.iter_mut().zip(mrow) {
                    *av = xv.mul_add(*mv, *av);
                }
            }
        }
        for (yr, a) in yb.chunks_exact_mut(c).zip(&acc) {
            yr.copy_from_slice(&a[..c]);
        }
    }
    for (xr, yr) in tail
        .chunks_exact(k)
        .zip(outs.into_remainder().chunks_exact_mut(c))
    {
        let mut a = [0.0f32; W];
        for (&xv, mrow) in xr.iter().zip(m) {
            for (av, mv) in a.iter_mut().zip(mrow) {
                *av = xv.mul_add(*mv, *av);
            }
        }
        yr.copy_from_slice(&a[..c]);
    }
}

/// s (k x c) = x^T (k x n) g (n x c, row-major): each output row j is `sum_i x[i, j] g[i, ..]` in
/// order of i.
#[inline(always)]
fn xtg<const W: usize>(x: &[f32], k: usize, g: &[f32], c: usize, s: &mut [f32]) {
    xtg_columns::<W>(x, k, g, c, s, 0);
}

/// Rows `from..k` of [`xtg`]'s output, up to [`BLOCK`] columns of x at a time.
#[inline(always)]
fn xtg_columns<const W: usize>(
    x: &[f32],
    k: usize,
    g: &[f32],
    c: usize,
    s: &mut [f32],
    from: usize,
) {
    let mut j0 = from;
    while j0 < k {
        let width = BLOCK.min(k - j0);
        let mut acc = [[0.0f32; W]; BLOCK];
        for (xr, grow) in x.chunks_exact(k).zip(g.chunks_exact(c)) {
            for (a, &xe) in acc.iter_mut().zip(&xr[j0..j0 + width]) {
                for (av, gv) in a.iter_mut().zip(grow) {
                    *av = xe.mul_add(*gv, *av);
                }
            }
        }
        for (r, a) in acc.iter().take(width).enumerate() {
            s[(j0 + r) * c..(j0 + r + 1) * c].copy_from_slice(&a[..c]);
        }
        j0 += width;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(a: &Array2<f32>, b: &Array2<f32>) -> Array2<f32> {
        let mut y = Array2::zeros((a.nrows(), b.ncols()));
        for i in 0..a.nrows() {
            for j in 0..b.ncols() {
                let mut s = 0.0f32;
                for l in 0..a.ncols() {
                    s = a[[i, l]].mul_add(b[[l, j]], s);
                }
                y[[i, j]] = s;
            }
        }
        y
    }

    fn matrix(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
        let mut rng = crate::rng::stream(seed, &[]);
        Array2::from_shape_simple_fn((rows, cols), || crate::sim::world::normal(&mut rng) as f32)
    }

    proptest! {
        /// Every kernel (row-major, [`Tall`]'s, the portable loops called directly) gives exactly
        /// the in-order fused sum, bit for bit, for every width up to the fallback and ragged
        /// row and column counts.
        #[test]
        fn kernels_equal_the_in_order_sum(n in 1usize..23, k in 1usize..19, c in 1usize..20, seed in 0u64..1000) {
            let x = matrix(n, k, seed);
            let m = matrix(k, c, seed + 1);
            let g = matrix(n, c, seed + 2);
            let y = tall_times_narrow(&x, m.view());
            let s = tall_t_times_narrow(&x, g.view());
            let tall = Tall::new(x.clone());
            prop_assert_eq!(&tall.times(m.view()), &y);
            prop_assert_eq!(&tall.t_times(g.view()), &s);
            if c <= MAX_WIDTH {
                prop_assert_eq!(&y, &naive(&x, &m));
                prop_assert_eq!(&s, &naive(&x.t().to_owned(), &g));
                let mut yp = vec![0.0; n * c];
                let mut sp = vec![0.0; k * c];
                let xs = x.as_slice().unwrap();
                xm::<16>(xs, k, &padded::<16>(m.view()), c, &mut yp);
                xtg::<16>(xs, k, g.as_slice().unwrap(), c, &mut sp);
                prop_assert_eq!(y.as_slice().unwrap(), &yp[..]);
                prop_assert_eq!(s.as_slice().unwrap(), &sp[..]);
            } else {
                // the fallback GEMM sums in another order: agreement to rounding, which for a
                // sum of l products is at most l * eps * sum |products| (entries below 5 here)
                let tol = |l: usize| (l * l) as f32 * 25.0 * f32::EPSILON;
                let err = (&y - &naive(&x, &m)).iter().fold(0.0f32, |a, v| a.max(v.abs()));
                prop_assert!(err < tol(k), "{err}");
                let err = (&s - &naive(&x.t().to_owned(), &g)).iter().fold(0.0f32, |a, v| a.max(v.abs()));
                prop_assert!(err < tol(n), "{err}");
            }
        }
    }
}
