//! Elementary functions used in hot loops.
//!
//! `exp` here is a portable, branch-light implementation (Cody-Waite reduction and a degree-12
//! Taylor polynomial, about 1 ulp): it is several times faster than the C library's in our
//! softmax loops and, being plain arithmetic, gives the same bits on every x86-64 machine,
//! whereas the C library picks an FMA or non-FMA variant at run time.

const LOG2E: f64 = std::f64::consts::LOG2_E;
/// ln 2 split in two (fdlibm's constants): the high part has trailing zero bits, so k * LN2_HI
/// is exact for the k that occur.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// 1.5 * 2^52: adding and subtracting it rounds to the nearest integer.
const ROUND: f64 = 6_755_399_441_055_744.0;

/// e^x, accurate to about 1 ulp for x in [-708, 709]. Below -708 it returns e^-708 (about
/// 3e-308) rather than 0, above 709 e^709: callers only feed it log-probability differences.
/// Branch-free, so loops over slices vectorise.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    let x = x.clamp(-708.0, 709.0);
    let t = x * LOG2E + ROUND;
    let kf = t - ROUND;
    let r = (x - kf * LN2_HI) - kf * LN2_LO;
    // Horner form of sum_{i<=12} r^i / i!, |r| <= ln2 / 2
    let mut p = 1.0 / 479_001_600.0;
    p = p * r + 1.0 / 39_916_800.0;
    p = p * r + 1.0 / 3_628_800.0;
    p = p * r + 1.0 / 362_880.0;
    p = p * r + 1.0 / 40_320.0;
    p = p * r + 1.0 / 5_040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // the low mantissa bits of t hold k; build 2^k from them with integer arithmetic
    let k = t.to_bits().wrapping_sub(ROUND.to_bits());
    let scale = f64::from_bits(k.wrapping_add(1023) << 52);
    p * scale
}

/// An in-place elementwise map over a slice, with a portable loop and, on x86-64, the same loop
/// compiled for AVX2 and chosen at run time (`$f` must be `#[inline(always)]` so that it is
/// compiled into each).
macro_rules! in_place {
    ($(#[$doc:meta])* $name:ident, $portable:ident, $avx2:ident, $t:ty, $f:ident) => {
        $(#[$doc])*
        pub fn $name(xs: &mut [$t]) {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU supports AVX2, checked just above.
                    unsafe { $avx2(xs) };
                    return;
                }
            }
            $portable(xs);
        }

        #[inline(always)]
        fn $portable(xs: &mut [$t]) {
            for x in xs.iter_mut() {
                *x = $f(*x);
            }
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        unsafe fn $avx2(xs: &mut [$t]) {
            $portable(xs);
        }
    };
}

in_place!(
    /// e^x for every element, in place.
    ///
    /// On x86-64 machines with AVX2 the same loop is compiled for 4-wide vectors and chosen at
    /// run time. Rust never fuses a multiply and an add on its own, so both versions give the
    /// same bits.
    exp_in_place,
    exp_in_place_portable,
    exp_in_place_avx2,
    f64,
    exp
);

/// e^x in single precision (relative error about 2e-7) for x in [-87, 88], clamped outside.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    const ROUND32: f32 = 12_582_912.0; // 1.5 * 2^23
    let x = x.clamp(-87.0, 88.0);
    let t = x * std::f32::consts::LOG2_E + ROUND32;
    let kf = t - ROUND32;
    let r = (x - kf * 0.693_145_75) - kf * 1.428_606_8e-6;
    let mut p = 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    let k = t.to_bits().wrapping_sub(ROUND32.to_bits());
    p * f32::from_bits(k.wrapping_add(127) << 23)
}

in_place!(
    /// e^x for every element of a single-precision slice, in place (vectorised like
    /// [`exp_in_place`]).
    exp_in_place_f32,
    exp_in_place_f32_portable,
    exp_in_place_f32_avx2,
    f32,
    exp_f32
);

/// log(1 + e^u), without overflow.
#[inline]
pub fn softplus(u: f64) -> f64 {
    if u > 0.0 {
        u + exp(-u).ln_1p()
    } else {
        exp(u).ln_1p()
    }
}

/// 1 / (1 + e^-u), without overflow.
#[inline]
pub fn sigmoid(u: f64) -> f64 {
    if u >= 0.0 {
        1.0 / (1.0 + exp(-u))
    } else {
        let e = exp(u);
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn exp_matches_std_to_a_few_ulp(x in -708.0f64..709.0) {
            let (a, b) = (exp(x), x.exp());
            prop_assert!(((a - b) / b).abs() < 4.0 * f64::EPSILON, "{x}: {a} vs {b}");
        }
    }

    #[test]
    fn vector_and_portable_paths_agree_bit_for_bit() {
        let xs: Vec<f64> = (0..1000).map(|i| -30.0 + 0.0537 * i as f64).collect();
        let mut a = xs.clone();
        exp_in_place(&mut a);
        let mut b = xs.clone();
        exp_in_place_portable(&mut b);
        for ((x, p), q) in xs.iter().zip(&a).zip(&b) {
            assert_eq!(p.to_bits(), q.to_bits(), "exp({x})");
        }
    }

    proptest! {
        #[test]
        fn exp_f32_matches_std(x in -87.0f32..88.0) {
            let (a, b) = (exp_f32(x), x.exp());
            prop_assert!(((a - b) / b).abs() < 4e-7, "{x}: {a} vs {b}");
        }
    }

    #[test]
    fn exp_edges() {
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(-800.0) < 1e-307);
        assert!((exp(-1.0) - (-1.0f64).exp()).abs() < 1e-16);
        assert!((softplus(50.0) - 50.0).abs() < 1e-12);
        assert!((sigmoid(0.0) - 0.5).abs() < 1e-15);
    }
}
