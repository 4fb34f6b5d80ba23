//! The latent dimension d and the nuisance level from the spectrum of the features
//! (docs/scenario.md, "The latent dimension").
//!
//! In the simulation world the features are `x = A z + sqrt(nuisance) (I - A A^T) g`, so their
//! covariance has two levels: d eigenvalues at the signal's variance and D - d at `nuisance`
//! times it. A sample of N items spreads each level (Marchenko-Pastur) but, once N is a few
//! times D, leaves a gap between them. The estimate is the position of the largest gap in the
//! log eigenvalues, chosen by measurement against the two-level likelihood split and against
//! intrinsic-dimension estimators (docs/scenario.md has the table).
//!
//! Its uncertainty comes from a parametric bootstrap: sample covariances of N Gaussian items are
//! drawn (as Wishart matrices, Bartlett's construction) from the fitted two-level spectrum and
//! from an isotropic one, and the estimator is rerun on each:
//! - the gap must be larger than the largest gap of every isotropic replicate, else the
//!   features are isotropic within sampling error and cannot tell d ([`Verdict::Isotropic`]:
//!   nuisance near 1);
//! - the spread of the log eigenvalues within each level must be of the size the replicates
//!   show, else the spectrum does not have two levels ([`Verdict::NotTwoLevel`]: it decays
//!   smoothly, as real features' spectra do) and its gap says nothing about d;
//! - otherwise the interval is the replicates' range of the gap's position, and the nuisance
//!   level the ratio of the levels' means, corrected for the bootstrap's bias.
//!
//! Which level is the signal's the spectrum cannot say: the simulator's convention (nuisance
//! variance above the signal's) is assumed unless the labels say otherwise (`classes`).

use crate::rng;
use rand_distr::{ChiSquared, Distribution, StandardNormal};
use rayon::prelude::*;
use serde::Serialize;

/// Eigenvalues at or below this share of the largest are counted as zero.
pub const ZERO_SHARE: f64 = 1e-10;
/// A within-level spread this many times the largest of the replicates' rejects the two-level
/// spectrum (a gross misfit, not a marginal one: docs/scenario.md).
pub const MISFIT_FACTOR: f64 = 1.5;

/// What the spectrum says about d.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// A gap between two levels, larger than sampling error.
    Decided,
    /// No gap larger than an isotropic spectrum's: the nuisance is near the signal's variance.
    Isotropic,
    /// A gap, but the levels are far more spread than two-level features would be.
    NotTwoLevel,
    /// Fewer items than features: the smallest directions of the spectrum are not observed.
    TooFewItems,
}

impl Verdict {
    /// A sentence for reports.
    pub fn explain(self) -> &'static str {
        match self {
            Verdict::Decided => "the features' spectrum has two levels with a clear gap",
            Verdict::Isotropic => {
                "the features are isotropic within sampling error (nuisance near 1): their \
                 spectrum cannot tell d"
            }
            Verdict::NotTwoLevel => {
                "the features' spectrum decays without two distinct levels: its largest gap \
                 does not measure d"
            }
            Verdict::TooFewItems => {
                "fewer items than features: the smallest directions of the spectrum are not \
                 observed, so it cannot tell d"
            }
        }
    }
}

/// The spectrum's estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpectrumFit {
    /// Eigenvalues of the sample covariance, ascending.
    pub eigenvalues: Vec<f64>,
    /// Items the covariance was computed from.
    pub items: usize,
    /// Size of the lower level (the position of the largest gap), and its bootstrap range.
    pub low: usize,
    pub low_interval: (usize, usize),
    /// The largest gap in ln eigenvalue and the largest of the isotropic replicates'.
    pub gap: f64,
    pub null_gap: f64,
    /// Upper level's variance over the lower's, bias-corrected, and its bootstrap range.
    pub ratio: f64,
    pub ratio_interval: (f64, f64),
    /// Spread of ln eigenvalue within the levels, and the largest of the replicates'.
    pub spread: f64,
    pub null_spread: f64,
    pub verdict: Verdict,
}

/// Position (size of the lower part) and size of the largest gap in ln eigenvalue among the
/// positive eigenvalues of an ascending list; `None` with fewer than two.
pub fn largest_gap(eigs: &[f64]) -> Option<(usize, f64)> {
    let top = eigs.last().copied().unwrap_or(0.0);
    let first = eigs.iter().position(|&v| v > ZERO_SHARE * top)?;
    (first + 1..eigs.len())
        .map(|k| (k, eigs[k].ln() - eigs[k - 1].ln()))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// Spread of ln eigenvalue within the two levels split at `k`: the root mean square deviation
/// from each level's mean.
pub fn within_spread(eigs: &[f64], k: usize) -> f64 {
    let ss = |v: &[f64]| {
        let logs: Vec<f64> = v.iter().map(|x| x.max(f64::MIN_POSITIVE).ln()).collect();
        let m = logs.iter().sum::<f64>() / logs.len().max(1) as f64;
        logs.iter().map(|l| (l - m) * (l - m)).sum::<f64>()
    };
    ((ss(&eigs[..k]) + ss(&eigs[k..])) / eigs.len() as f64).sqrt()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// Eigenvalues (ascending) of the sample covariance of `items` Gaussian vectors whose
/// population covariance is diagonal with entries `pop`: Bartlett's construction of a Wishart
/// matrix when items - 1 >= D, else the Gram matrix of the items (whose nonzero eigenvalues are
/// the same), padded with zeros.
pub fn sample_eigenvalues(pop: &[f64], items: usize, rng: &mut rng::Rng) -> Vec<f64> {
    let dim = pop.len();
    let dof = items.saturating_sub(1).max(1);
    let sd: Vec<f64> = pop.iter().map(|p| p.max(0.0).sqrt()).collect();
    let m = if dof >= dim {
        // rows scaled by sd: (P^1/2 A)(P^1/2 A)^T with A lower triangular (Bartlett)
        let mut a = ndarray::Array2::<f64>::zeros((dim, dim));
        for i in 0..dim {
            let chi = ChiSquared::new((dof - i) as f64).expect("positive degrees of freedom");
            a[[i, i]] = chi.sample(rng).sqrt() * sd[i];
            for j in 0..i {
                let z: f64 = StandardNormal.sample(rng);
                a[[i, j]] = z * sd[i];
            }
        }
        a.dot(&a.t())
    } else {
        let g =
            ndarray::Array2::<f64>::from_shape_simple_fn((dof, dim), || StandardNormal.sample(rng));
        let scaled = &g * &ndarray::Array1::from(sd);
        scaled.dot(&scaled.t())
    };
    let (mut vals, _) = super::linalg::symmetric_eigen(&m, false);
    vals.iter_mut().for_each(|v| *v = v.max(0.0) / dof as f64);
    let mut out = vec![0.0; dim.saturating_sub(vals.len())];
    out.extend(vals);
    out
}

/// The two-level population (lower level `s` for `k` eigenvalues, upper `t` for the rest).
fn two_level(dim: usize, k: usize, s: f64, t: f64) -> Vec<f64> {
    (0..dim).map(|i| if i < k { s } else { t }).collect()
}

/// The `p` quantile of sorted values (nearest rank).
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((p * (sorted.len() - 1) as f64).round() as usize).min(sorted.len() - 1)]
}

/// Fit the spectrum of a sample covariance (eigenvalues ascending, from `items` items) with
/// `replicates` bootstrap draws of each kind, seeded by `seed`; `level` is the interval's
/// coverage.
pub fn fit(eigs: Vec<f64>, items: usize, replicates: usize, seed: u64, level: f64) -> SpectrumFit {
    let dim = eigs.len();
    let undecided = |verdict: Verdict, eigs: Vec<f64>, gap: f64, low: usize| SpectrumFit {
        eigenvalues: eigs,
        items,
        low,
        low_interval: (1, dim.saturating_sub(1).max(1)),
        gap,
        null_gap: f64::NAN,
        ratio: f64::NAN,
        ratio_interval: (f64::NAN, f64::NAN),
        spread: f64::NAN,
        null_spread: f64::NAN,
        verdict,
    };
    if items <= dim || dim < 2 {
        return undecided(Verdict::TooFewItems, eigs, f64::NAN, 0);
    }
    let Some((k, gap)) = largest_gap(&eigs) else {
        return undecided(Verdict::TooFewItems, eigs, f64::NAN, 0);
    };
    let (s, t) = (mean(&eigs[..k]), mean(&eigs[k..]));
    let spread = within_spread(&eigs, k);
    let draws = |kind: u64, pop: &[f64]| -> Vec<Vec<f64>> {
        (0..replicates as u64)
            .into_par_iter()
            .map(|b| sample_eigenvalues(pop, items, &mut rng::stream(seed, &[kind, b])))
            .collect()
    };
    let null_gap = draws(1, &vec![1.0; dim])
        .iter()
        .filter_map(|e| largest_gap(e).map(|g| g.1))
        .fold(0.0f64, f64::max);
    // replicates of the fitted two-level spectrum: where their gap lies, their levels' ratio,
    // their within-level spread
    let reps: Vec<(usize, f64, f64)> = draws(2, &two_level(dim, k, s, t))
        .iter()
        .filter_map(|e| {
            let (kb, _) = largest_gap(e)?;
            Some((kb, mean(&e[kb..]) / mean(&e[..kb]), within_spread(e, k)))
        })
        .collect();
    let null_spread = reps.iter().map(|r| r.2).fold(0.0f64, f64::max);
    let verdict = if gap <= null_gap {
        Verdict::Isotropic
    } else if spread > MISFIT_FACTOR * null_spread {
        Verdict::NotTwoLevel
    } else {
        Verdict::Decided
    };
    if verdict != Verdict::Decided {
        let mut u = undecided(verdict, eigs, gap, k);
        u.null_gap = null_gap;
        u.spread = spread;
        u.null_spread = null_spread;
        u.ratio = t / s;
        return u;
    }
    let tail = (1.0 - level) / 2.0;
    let mut ks: Vec<f64> = reps.iter().map(|r| r.0 as f64).collect();
    ks.sort_by(f64::total_cmp);
    let mut ratios: Vec<f64> = reps.iter().map(|r| r.1).collect();
    ratios.sort_by(f64::total_cmp);
    // the replicates' mean ratio exceeds the population's by the estimator's bias
    let raw = t / s;
    let bias = mean(&ratios) / raw;
    let ratio = raw / bias;
    SpectrumFit {
        eigenvalues: eigs,
        items,
        low: k,
        low_interval: (
            quantile(&ks, tail) as usize,
            quantile(&ks, 1.0 - tail) as usize,
        ),
        gap,
        null_gap,
        ratio,
        ratio_interval: (
            quantile(&ratios, tail) / bias / bias,
            quantile(&ratios, 1.0 - tail) / bias / bias,
        ),
        spread,
        null_spread,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_eigenvalues_average_to_the_population() {
        // E[sample covariance] = population: the mean eigenvalue matches the trace
        let pop = two_level(20, 5, 1.0, 4.0);
        for items in [10, 200] {
            let mut total = 0.0;
            for b in 0..40 {
                let e = sample_eigenvalues(&pop, items, &mut rng::stream(3, &[b]));
                assert_eq!(e.len(), 20);
                assert!(e.windows(2).all(|w| w[0] <= w[1]));
                total += e.iter().sum::<f64>();
            }
            let want = pop.iter().sum::<f64>();
            let got = total / 40.0;
            // the trace of a Wishart / dof has sd sqrt(2 sum p^2 / dof), here over 40 draws
            let sd =
                (2.0 * pop.iter().map(|p| p * p).sum::<f64>() / (items - 1) as f64 / 40.0).sqrt();
            assert!(
                (got - want).abs() < 4.0 * sd,
                "items {items}: {got} vs {want}"
            );
        }
    }

    #[test]
    fn a_clear_two_level_spectrum_is_decided() {
        let pop = two_level(60, 12, 1.0, 5.0);
        let eigs = sample_eigenvalues(&pop, 3000, &mut rng::stream(1, &[9]));
        let f = fit(eigs, 3000, 30, 4, 0.9);
        assert_eq!(f.verdict, Verdict::Decided);
        assert_eq!(f.low, 12);
        assert!(f.low_interval.0 <= 12 && 12 <= f.low_interval.1);
        assert!(
            f.ratio_interval.0 <= 5.0 && 5.0 <= f.ratio_interval.1,
            "{:?}",
            f.ratio_interval
        );
    }

    #[test]
    fn isotropic_and_smoothly_decaying_spectra_are_not_decided() {
        let eigs = sample_eigenvalues(&[1.0; 60], 3000, &mut rng::stream(2, &[9]));
        assert_eq!(fit(eigs, 3000, 30, 4, 0.9).verdict, Verdict::Isotropic);
        let pop: Vec<f64> = (0..60).map(|i| 1.1f64.powi(i)).collect();
        let eigs = sample_eigenvalues(&pop, 3000, &mut rng::stream(2, &[9]));
        let f = fit(eigs, 3000, 30, 4, 0.9);
        assert_ne!(f.verdict, Verdict::Decided, "{f:?}");
        let eigs = sample_eigenvalues(&pop, 50, &mut rng::stream(2, &[9]));
        assert_eq!(fit(eigs, 50, 30, 4, 0.9).verdict, Verdict::TooFewItems);
    }
}
