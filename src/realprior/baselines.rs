//! The parametric learning-curve families LCDB compares extrapolations with (Mohr et al. 2022),
//! fitted by least squares to a pilot's mean at each count, for the protocol's comparison.
//!
//! | name | formula | bounds (as LCDB's scoring script) |
//! |------|---------|--------|
//! | pow3 | a - b n^(-c) | a in [0, 1.5], b in [0, 50], c in [0, 3] |
//! | pow4 | a - b (n + d)^(-c) | ... d in [0, 1e4] |
//! | mmf4 | (a b + c n^d) / (b + n^d) | a in [0, 1], b in [1e-6, 1e6], c in [0, 1.5], d in [0.01, 5] |
//! | wbl4 | c - b exp(-a n^d) | a in [1e-8, 10], b in [0, 2], c in [0, 1.5], d in [0.01, 3] |
//!
//! Each is fitted from the script's two starting points by Nelder-Mead (argmin, through
//! `plan::roots::nelder_mead`) over the bounded parameters mapped to the real line by a
//! logistic, and the better fit kept. `last1` says the last measured mean stays.

use crate::plan::roots::nelder_mead;

/// A parametric family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Pow3,
    Pow4,
    Mmf4,
    Wbl4,
}

impl Family {
    pub const ALL: [Family; 4] = [Family::Pow3, Family::Pow4, Family::Mmf4, Family::Wbl4];

    pub fn name(self) -> &'static str {
        match self {
            Family::Pow3 => "pow3",
            Family::Pow4 => "pow4",
            Family::Mmf4 => "mmf4",
            Family::Wbl4 => "wbl4",
        }
    }

    /// The curve at n with parameters p.
    pub fn eval(self, p: &[f64], n: f64) -> f64 {
        match self {
            Family::Pow3 => p[0] - p[1] * n.powf(-p[2]),
            Family::Pow4 => p[0] - p[1] * (n + p[3]).powf(-p[2]),
            Family::Mmf4 => {
                let t = n.powf(p[3]);
                (p[0] * p[1] + p[2] * t) / (p[1] + t)
            }
            Family::Wbl4 => p[2] - p[1] * (-p[0] * n.powf(p[3])).exp(),
        }
    }

    fn bounds(self) -> (&'static [f64], &'static [f64]) {
        match self {
            Family::Pow3 => (&[0.0, 0.0, 0.0], &[1.5, 50.0, 3.0]),
            Family::Pow4 => (&[0.0, 0.0, 0.0, 0.0], &[1.5, 50.0, 3.0, 1e4]),
            Family::Mmf4 => (&[0.0, 1e-6, 0.0, 0.01], &[1.0, 1e6, 1.5, 5.0]),
            Family::Wbl4 => (&[1e-8, 0.0, 0.0, 0.01], &[10.0, 2.0, 1.5, 3.0]),
        }
    }

    fn starts(self) -> [&'static [f64]; 2] {
        match self {
            Family::Pow3 => [&[0.9, 1.0, 0.5], &[1.0, 0.5, 0.3]],
            Family::Pow4 => [&[0.9, 1.0, 0.5, 1.0], &[1.0, 0.5, 0.3, 10.0]],
            Family::Mmf4 => [&[0.5, 10.0, 0.95, 0.8], &[0.3, 50.0, 1.0, 0.5]],
            Family::Wbl4 => [&[0.05, 0.5, 0.95, 0.5], &[0.01, 0.3, 1.0, 0.8]],
        }
    }

    /// Least-squares fit to `(n, y)`; `None` when no start gives a finite fit.
    pub fn fit(self, pts: &[(f64, f64)]) -> Option<Vec<f64>> {
        let (lo, hi) = self.bounds();
        // a parameter of a bounded box from a point of the real line, and back
        let to_p = |t: &[f64]| -> Vec<f64> {
            t.iter()
                .zip(lo.iter().zip(hi))
                .map(|(t, (l, h))| l + (h - l) / (1.0 + (-t).exp()))
                .collect()
        };
        let to_t = |p: &[f64]| -> Vec<f64> {
            p.iter()
                .zip(lo.iter().zip(hi))
                .map(|(p, (l, h))| {
                    let s = ((p - l) / (h - l)).clamp(1e-9, 1.0 - 1e-9);
                    (s / (1.0 - s)).ln()
                })
                .collect()
        };
        let ssr = |t: &[f64]| {
            let p = to_p(t);
            let s: f64 = pts
                .iter()
                .map(|&(n, y)| (self.eval(&p, n) - y).powi(2))
                .sum();
            if s.is_finite() { s } else { f64::MAX }
        };
        self.starts()
            .iter()
            .filter_map(|s| nelder_mead(ssr, &to_t(s), 0.5, 2000).ok())
            .filter(|(_, v)| *v < f64::MAX)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(t, _)| to_p(&t))
    }
}

/// The first n of LCDB's scoring grid (4,000 points log-spaced over [1, 1e8]) at which `q`
/// reaches `target`; infinite when none does.
pub fn n_for(q: impl Fn(f64) -> f64, target: f64) -> f64 {
    const K: usize = 4000;
    let top = 1e8f64.ln();
    (0..K)
        .map(|i| (top * i as f64 / (K - 1) as f64).exp())
        .find(|&n| q(n) >= target)
        .unwrap_or(f64::INFINITY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_family_recovers_a_curve_of_its_own_form() {
        let truths: [(Family, &[f64]); 4] = [
            (Family::Pow3, &[0.9, 0.8, 0.4]),
            (Family::Pow4, &[0.9, 0.8, 0.4, 20.0]),
            (Family::Mmf4, &[0.2, 30.0, 0.9, 0.7]),
            (Family::Wbl4, &[0.05, 0.6, 0.9, 0.5]),
        ];
        let ns: Vec<f64> = (0..10).map(|k| 16.0 * 1.5f64.powi(k)).collect();
        for (fam, p) in truths {
            let pts: Vec<(f64, f64)> = ns.iter().map(|&n| (n, fam.eval(p, n))).collect();
            let fit = fam.fit(&pts).unwrap();
            for &n in &ns {
                let (a, b) = (fam.eval(&fit, n), fam.eval(p, n));
                assert!(
                    (a - b).abs() < 2e-3,
                    "{}: {a} vs {b} at n = {n}",
                    fam.name()
                );
            }
        }
    }

    #[test]
    fn targets_are_read_on_the_grid() {
        let n = n_for(|n| n / 1000.0, 0.5);
        assert!((n / 500.0 - 1.0).abs() < 0.005, "{n}");
        assert!(n_for(|_| 0.4, 0.5).is_infinite());
        assert_eq!(n_for(|_| 0.6, 0.5), 1.0);
    }
}
