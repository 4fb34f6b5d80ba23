//! The learner's two large products, `x m` and `x^T g`: a tall single-precision matrix (the
//! annotations' feature rows, n x D) against a narrow one (D x c or n x c, c = classes or
//! representation dimensions).
//!
//! Both are products `a^T b` with `a` and `b` row-major and sharing their row count, computed by
//! one kernel: eight consecutive elements of a row of `a` are one vector register, each element
//! of `b` a broadcast, and up to [`BLOCK_WIDTH`] columns of `b` accumulate in registers at once.
//! Wider `b` (many classes, or r > 12) goes through a second kernel (`Operands::strided`): four output
//! rows at a time against sixteen columns of `b` (two vector registers, masked at the edge). Nothing is copied into another layout on each
//! call, as a general GEMM (matrixmultiply, behind ndarray's `general_mat_mul`) does: there,
//! packing the tall matrix again on every evaluation took a fifth of the training time
//! (`cargo bench --bench sim`). [`Tall`] keeps the features in both layouts, so both products
//! read them in place.
//!
//! Every output element is the sum of its products in index order, each step one fused
//! multiply-add (`f32::mul_add`, exactly rounded), so the result has the same bits whether the
//! kernel runs with AVX2 and FMA instructions (chosen at run time) or as the portable loop (where
//! `mul_add` is computed in software: slow, but exact), on any x86-64 machine.

use ndarray::{Array2, ArrayView2};

/// Columns of `b` accumulated in registers at once (one vector register each).
pub const BLOCK_WIDTH: usize = 12;

/// A tall matrix kept in both layouts, for products repeated many times (the learner's feature
/// rows: fixed for a whole training run).
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

    /// `x m` for `m` (k x c).
    pub fn times(&self, m: ArrayView2<f32>) -> Array2<f32> {
        if m.ncols() <= BLOCK_WIDTH {
            // x m = (x^T)^T m, and x^T is stored
            at_b(&self.cols, m)
        } else {
            x_times_wide(&self.rows, m)
        }
    }

    /// `x^T g` for `g` (n x c).
    pub fn t_times(&self, g: ArrayView2<f32>) -> Array2<f32> {
        at_b(&self.rows, g)
    }
}

/// `x m` for `x` (n x k) and `m` (k x c); `x` is transposed first (use [`Tall`] when `x` is
/// reused).
pub fn times(x: &Array2<f32>, m: ArrayView2<f32>) -> Array2<f32> {
    if m.ncols() <= BLOCK_WIDTH {
        at_b(&x.t().as_standard_layout().into_owned(), m)
    } else {
        x_times_wide(x, m)
    }
}

/// `x^T g` for `x` (n x k) and `g` (n x c).
pub fn t_times(x: &Array2<f32>, g: ArrayView2<f32>) -> Array2<f32> {
    at_b(x, g)
}

/// `a^T b` for `a` (l x m) and `b` (l x c).
pub fn at_b(a: &Array2<f32>, b: ArrayView2<f32>) -> Array2<f32> {
    product(a, true, b)
}

/// `x m` for `x` (n x k) and a wide `m` (k x c), without transposing x.
fn x_times_wide(x: &Array2<f32>, m: ArrayView2<f32>) -> Array2<f32> {
    product(x, false, m)
}

/// `a^T b` (`transposed`) or `a b`: the narrow kernel where it applies (`a^T b`, b at most
/// [`BLOCK_WIDTH`] columns), else the strided one.
fn product(a: &Array2<f32>, transposed: bool, b: ArrayView2<f32>) -> Array2<f32> {
    let (r0, r1) = a.dim();
    // out row i, inner index j: A(i, j) = a[i * si + j * sj]
    let (rows, l, si, sj) = if transposed {
        (r1, r0, 1, r1)
    } else {
        (r0, r1, r1, 1)
    };
    let c = b.ncols();
    assert_eq!(
        b.nrows(),
        l,
        "inner dimensions differ: {l} against {}",
        b.nrows()
    );
    let a = a.as_standard_layout();
    let a = a.as_slice().expect("standard layout");
    let b = b.as_standard_layout();
    let bs = b.as_slice().expect("standard layout");
    let mut out = Array2::zeros((rows, c));
    if c == 0 || rows == 0 {
        return out;
    }
    let os = out.as_slice_mut().expect("fresh array");
    if transposed && c <= BLOCK_WIDTH {
        kernel(a, l, rows, bs, c, os);
    } else {
        Operands::new(a, si, sj, rows, l, bs, c).strided(os);
    }
    out
}

/// The operands of `out (rows x c) = A b`, with A(i, j) = a[i * si + j * sj] (rows x l) and
/// `b` row-major (l x c): `a^T b` has si = 1, sj = rows; `a b` has si = l, sj = 1.
#[derive(Debug, Clone, Copy)]
struct Operands<'a> {
    a: &'a [f32],
    si: usize,
    sj: usize,
    rows: usize,
    l: usize,
    b: &'a [f32],
    c: usize,
}

impl<'a> Operands<'a> {
    /// # Panics
    /// `b` is not l x c, or A reaches past the end of `a`.
    fn new(
        a: &'a [f32],
        si: usize,
        sj: usize,
        rows: usize,
        l: usize,
        b: &'a [f32],
        c: usize,
    ) -> Self {
        assert!(b.len() == l * c);
        assert!(rows == 0 || l == 0 || (rows - 1) * si + (l - 1) * sj < a.len());
        Operands {
            a,
            si,
            sj,
            rows,
            l,
            b,
            c,
        }
    }

    /// Each output the in-order fused sum over j. The kernel for wide `b`: four output rows
    /// and sixteen columns (two vector registers, masked at the edge) at a time.
    fn strided(self, out: &mut [f32]) {
        assert!(out.len() == self.rows * self.c);
        let mut from = 0;
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: the CPU supports AVX2 and FMA, checked just above.
                unsafe { self.strided_avx2(out) };
                from = self.rows - self.rows % 4;
            }
        }
        self.in_order(from..self.rows, out);
    }

    /// Rows `rows` of the output, each element the in-order fused sum over j: the portable
    /// kernel, and the tail of the vector kernels.
    #[inline(always)]
    fn in_order(self, rows: std::ops::Range<usize>, out: &mut [f32]) {
        let Operands {
            a, si, sj, l, b, c, ..
        } = self;
        for i in rows {
            for cc in 0..c {
                let mut s = 0.0f32;
                for j in 0..l {
                    s = a[i * si + j * sj].mul_add(b[j * c + cc], s);
                }
                out[i * c + cc] = s;
            }
        }
    }

    /// [`Operands::strided`] for the rows in whole blocks of four, with AVX2 and FMA: the same
    /// fused steps in the same order.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn strided_avx2(self, out: &mut [f32]) {
        let Operands {
            a,
            si,
            sj,
            rows,
            l,
            b,
            c,
        } = self;
        use std::arch::x86_64::*;
        let lane = |i: usize, width: usize| if i < width { -1i32 } else { 0 };
        let mut tmp = [[0.0f32; 16]; 4];
        for i0 in (0..rows - rows % 4).step_by(4) {
            for c0 in (0..c).step_by(16) {
                let width = 16.min(c - c0);
                // SAFETY: AVX2 and FMA are enabled on this function. Loads read b[j][c0..c0 + 16]
                // through masks that keep only the columns below c (the second half is read only
                // when c0 + 8 < c, so its address lies inside row j); broadcasts read a at
                // (i0 + r) * si + j * sj, inside a by the assertion in `Operands::new`.
                unsafe {
                    let m0 = _mm256_setr_epi32(
                        lane(0, width),
                        lane(1, width),
                        lane(2, width),
                        lane(3, width),
                        lane(4, width),
                        lane(5, width),
                        lane(6, width),
                        lane(7, width),
                    );
                    let m1 = _mm256_setr_epi32(
                        lane(8, width),
                        lane(9, width),
                        lane(10, width),
                        lane(11, width),
                        lane(12, width),
                        lane(13, width),
                        lane(14, width),
                        lane(15, width),
                    );
                    let mut acc = [[_mm256_setzero_ps(); 2]; 4];
                    for j in 0..l {
                        let bp = b.as_ptr().add(j * c + c0);
                        let b0 = _mm256_maskload_ps(bp, m0);
                        let b1 = if width > 8 {
                            _mm256_maskload_ps(bp.add(8), m1)
                        } else {
                            _mm256_setzero_ps()
                        };
                        for (r, s) in acc.iter_mut().enumerate() {
                            let x = _mm256_broadcast_ss(a.get_unchecked((i0 + r) * si + j * sj));
                            s[0] = _mm256_fmadd_ps(x, b0, s[0]);
                            s[1] = _mm256_fmadd_ps(x, b1, s[1]);
                        }
                    }
                    for (t, s) in tmp.iter_mut().zip(&acc) {
                        _mm256_storeu_ps(t.as_mut_ptr(), s[0]);
                        _mm256_storeu_ps(t.as_mut_ptr().add(8), s[1]);
                    }
                }
                for (r, t) in tmp.iter().enumerate() {
                    let o = (i0 + r) * c + c0;
                    out[o..o + width].copy_from_slice(&t[..width]);
                }
            }
        }
    }
}

/// out (m x w) = a^T b for `a` (l x m) and `b` (l x w), row-major slices, w <= BLOCK_WIDTH.
fn kernel(a: &[f32], l: usize, m: usize, b: &[f32], w: usize, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            macro_rules! go {
                ($($w:literal)*) => {
                    match w {
                        // SAFETY: the CPU supports AVX2 and FMA, checked above.
                        $($w => unsafe { at_b_avx2::<$w>(a, l, m, b, out) },)*
                        _ => unreachable!("w <= BLOCK_WIDTH"),
                    }
                };
            }
            go!(1 2 3 4 5 6 7 8 9 10 11 12);
            return;
        }
    }
    Operands::new(a, 1, m, m, l, b, w).in_order(0..m, out);
}

/// out (m x C) = a^T b for `a` (l x m) and `b` (l x C), all row-major: eight rows of out at a
/// time (eight consecutive elements of a row of `a`, one vector load), one accumulator register
/// per column, each output the in-order fused sum over the l rows.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn at_b_avx2<const C: usize>(a: &[f32], l: usize, m: usize, b: &[f32], out: &mut [f32]) {
    use std::arch::x86_64::*;
    assert!(a.len() == l * m && b.len() == l * C && out.len() == m * C);
    let full = m - m % 8;
    let mut tmp = [[0.0f32; 8]; C];
    for i0 in (0..full).step_by(8) {
        // SAFETY: AVX2 and FMA are enabled on this function; the loads read a[j][i0..i0 + 8]
        // with i0 + 8 <= m, the broadcasts b[j][cc] with cc < C (lengths asserted above).
        unsafe {
            let mut acc = [_mm256_setzero_ps(); C];
            for j in 0..l {
                let av = _mm256_loadu_ps(a.as_ptr().add(j * m + i0));
                let bj = b.as_ptr().add(j * C);
                for (cc, s) in acc.iter_mut().enumerate() {
                    *s = _mm256_fmadd_ps(av, _mm256_broadcast_ss(&*bj.add(cc)), *s);
                }
            }
            for (t, s) in tmp.iter_mut().zip(&acc) {
                _mm256_storeu_ps(t.as_mut_ptr(), *s);
            }
        }
        for r in 0..8 {
            for (cc, t) in tmp.iter().enumerate() {
                out[(i0 + r) * C + cc] = t[r];
            }
        }
    }
    Operands::new(a, 1, m, m, l, b, C).in_order(full..m, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::s;
    use proptest::prelude::*;

    /// The definition: each element the in-order fused sum.
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
        /// Every route ([`Tall`], the free functions, the portable loop called directly) gives
        /// exactly the in-order fused sum, bit for bit, for widths below, at and above a block
        /// and ragged row counts.
        #[test]
        fn products_equal_the_in_order_sum(n in 1usize..23, k in 1usize..19, c in 1usize..30, seed in 0u64..1000) {
            let x = matrix(n, k, seed);
            let m = matrix(k, c, seed + 1);
            let g = matrix(n, c, seed + 2);
            let y = naive(&x, &m);
            let s = naive(&x.t().to_owned(), &g);
            let tall = Tall::new(x.clone());
            prop_assert_eq!(&tall.times(m.view()), &y);
            prop_assert_eq!(&tall.t_times(g.view()), &s);
            prop_assert_eq!(&times(&x, m.view()), &y);
            prop_assert_eq!(&t_times(&x, g.view()), &s);
            // the portable kernel, whatever the CPU
            let w = c.min(BLOCK_WIDTH);
            let gw = g.slice(s![.., ..w]).to_owned();
            let mut out = vec![0.0; k * w];
            Operands::new(x.as_slice().unwrap(), 1, k, k, n, gw.as_slice().unwrap(), w)
                .in_order(0..k, &mut out);
            let expected = s.slice(s![.., ..w]).to_owned();
            prop_assert_eq!(&out[..], expected.as_slice().unwrap());
        }
    }
}
