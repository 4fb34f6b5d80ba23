//! Choosing the curve for extrapolation by forward validation.
//!
//! A calibration is used to extrapolate: to say how many annotations a target needs, beyond
//! the counts measured. Random cross-validation scores interpolation; what matters here is how
//! well a curve fitted on the smaller counts predicts the larger ones. So every candidate prior
//! ([`candidates`]) is scored by rolling-origin forward validation on the user's points:
//!
//! ```text
//! for each split k = MIN_TRAIN .. m-1 of the m distinct counts c_1 < ... < c_m:
//!     fit the MAP curve (`fit::fit_curve`, no replicates) on the points with n <= c_k
//!     residual r = Q(c_j) - mean measured quality at c_j, for every j > k,
//!     at horizon h = ln(c_j / c_k)
//! score = root mean square of all residuals
//! ```
//!
//! The chosen candidate ([`Rule`]) is refitted on every point (with its replicates). With
//! fewer than `MIN_TRAIN + 1` distinct counts there is nothing to validate on and the default
//! prior is used unchanged.
//!
//! Which candidate ([`Rule::Evidence`], the default): the ceiling prior at the metric's bound
//! unless forward validation gives strong evidence against it. Let b be the bound-ceiling
//! candidate with the lowest score and c the candidate with the lowest score overall, SSR their
//! sums of squared forward residuals and sigma the noise of one point of b's fit on every point
//! (`fit::fit_curve`). c is kept only when its log likelihood ratio over b, with the forward
//! residuals taken as independent N(0, sigma^2),
//!
//! ```text
//! ln LR = (SSR_b - SSR_c) / (2 sigma^2)  >  EVIDENCE = 3
//! ```
//!
//! (ln LR > 3 is "strong evidence" on the usual scale of Kass and Raftery, 1995); else b.
//! Why not simply the lowest score ([`Rule::Lowest`], the rule before): with the few counts a
//! calibration sees, the forward residuals are three or so numbers from the low end of the
//! curve, where a ceiling at 0.93 and one at 0.99 predict nearly the same; which of the two
//! scores lower is decided by the noise of the points, and the ceiling then decides every
//! target above the measured range. Replicated over master seeds on digits (20 seeds, the
//! first 10% of the pool, `examples/calibrate_replicates.rs`, its "lowest score" row), the lowest
//! score chose a data-centred ceiling in about half the seeds, with ln LR of at most 1.5 over
//! the best bound candidate, and those seeds reported 0.94-0.96 unreachable while the full
//! curve reaches 0.98. When the data do not tell, the prior should decide, and for a quality
//! in [0, 1] the prior is the bound. The margin is what the noise of the score needs: sigma is
//! the noise of one point, not of a mean of several (the forward residuals of one candidate
//! share their fits, so they are not independent, and include the extrapolation error), which
//! keeps the test conservative in favour of the bound.
//!
//! Tried and not adopted ([`Rule::ProfileCeiling`], the "profile mean" row of
//! `examples/calibrate_replicates.rs`): keep
//! [`Rule::Evidence`]'s candidate but take the central curve's ceiling from the profile
//! likelihood of the ceiling (`fit::ceiling_profile`) instead of the bound prior's MAP. On
//! digits the profile is nearly flat over 0.93-0.999 (its cost moves by 0.4-1.8 over the
//! grid, master seeds 0-3, three subsamples), so the centre is the chosen prior over ceilings and the grid's ends, not the data;
//! frozen on development seeds (uniform in logit q, weighted mean of q), it lost to
//! [`Rule::Evidence`] on fresh seeds.
//!
//! Honest intervals: the forward residuals also measure how fast the error of an extrapolation
//! grows with the distance beyond the data. The residual spread of the model is kept at the
//! fitted noise sigma up to the largest fitted count and grows beyond it as
//! `sigma (n / n_top)^g`, with g >= 0 the exponent for which the forward residuals have, summed
//! over them, the variance this spread predicts at their horizons:
//! `sum r^2 = sum sigma^2 exp(2 g h)` (g = 0 when they are no larger than sigma).
//!
//! The forward residuals' horizons stay within the measured range, so they cannot see a bend
//! beyond it: a curve still rising at its last point may level off soon after, at a ceiling
//! the data do not constrain (on the simulator's synthetic data, accuracy against labels from
//! an annotator who errs 20% of the time levels off at 0.76 just past the fitted counts, while
//! the bound prior's central curve heads for 0.99). So g is at least the [`Envelope`]'s: the
//! growth with which the interval reaches every curve whose ceiling the data cannot reject
//! (`fit::plausible_ceilings`, a 90% profile-likelihood interval on the ceiling), with the
//! spread held once it spans them all.

use super::fit::{
    CurveFit, CurvePoint, ProfilePoint, ceiling_profile, fit_at_ceiling, fit_curve, inputs,
    plausible_ceilings, sq_error,
};
use super::prior::{BOUND_QMAX, BOUND_SD, Ceiling, FREE_ALPHA_SD, Prior};
use crate::error::Result;
use crate::surrogate::curve::{logit, sigmoid};
use crate::surrogate::model::normal_quantile;

/// Smallest number of distinct counts a forward-validation fit sees.
pub const MIN_TRAIN: usize = 3;
/// Largest growth exponent of the residual spread.
pub const MAX_GROWTH: f64 = 5.0;
/// Log likelihood ratio a candidate needs over the best bound-ceiling candidate
/// ([`Rule::Evidence`]).
pub const EVIDENCE: f64 = 3.0;

/// The candidate priors: the default first, then the ceiling prior centred on the data or at
/// the metric's bound, each with the shape prior of the default model or nearly free. The family
/// stays the default model's: with the handful of counts a calibration sees, letting forward
/// validation also pick among the families over-fits the choice (measured on digits: a Weibull
/// curve, whose exponential tail saturates early, won by 0.005 on three residuals and then
/// under-predicted the labels for 0.96 by half; docs/validation.md, "Calibration on real data").
pub fn candidates(default: &Prior) -> Vec<Prior> {
    let mut out = vec![*default];
    for ceiling in [Ceiling::Data, Ceiling::Bound] {
        for alpha_sd in [default.alpha_sd, FREE_ALPHA_SD] {
            let p = Prior {
                ceiling,
                alpha_sd,
                ..*default
            };
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// A short name of a candidate: `family/ceiling/shape`.
pub fn label(p: &Prior, default: &Prior) -> String {
    let shape = if p.alpha_sd == default.alpha_sd {
        "prior"
    } else {
        "free"
    };
    format!("{}/{}/{}", p.family, p.ceiling.name(), shape)
}

/// Forward-validation residuals `(h, r)` of one candidate (empty: too few counts).
///
/// # Errors
/// A fit failed numerically.
pub fn forward_residuals(pts: &[CurvePoint], floor: f64, prior: &Prior) -> Result<Vec<(f64, f64)>> {
    let means = super::mean_by_n(pts);
    let mut out = Vec::new();
    for k in MIN_TRAIN..means.len() {
        let top = means[k - 1].0;
        let train: Vec<CurvePoint> = pts.iter().copied().filter(|p| p.n <= top).collect();
        let f = fit_curve(&train, floor, prior, 0, 0)?;
        for &(n, y) in &means[k..] {
            let q = f.params.predict(f.family, &inputs(n, floor));
            out.push(((n / top).ln(), q - y));
        }
    }
    Ok(out)
}

/// A candidate prior with its forward-validation residuals `(h, r)` and their RMS.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub prior: Prior,
    pub residuals: Vec<(f64, f64)>,
    pub score: f64,
}

/// Root mean square of the residuals.
fn rms(res: &[(f64, f64)]) -> f64 {
    (ssr(res) / res.len().max(1) as f64).sqrt()
}

/// How the candidate is chosen from the scored ones (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rule {
    /// The lowest forward-validation RMS; ties keep the earlier candidate (the default first).
    Lowest,
    /// The best bound-ceiling candidate unless another has a log likelihood ratio over it
    /// above [`EVIDENCE`].
    #[default]
    Evidence,
    /// As [`Rule::Evidence`], but when that keeps a bound-ceiling candidate, the central curve's
    /// ceiling is the median or mean of the ceiling's profile posterior under the given prior
    /// over ceilings ([`profile_ceiling`]), and the curve is the candidate's best with the
    /// ceiling held there.
    ProfileCeiling(CeilingPrior, Centre),
}

/// Which centre of the ceiling's profile posterior [`Rule::ProfileCeiling`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Centre {
    /// The weighted median (in q or logit q alike).
    Median,
    /// The weighted mean of q.
    Mean,
}

/// Prior over the ceiling q that weights the profile likelihood in [`Rule::ProfileCeiling`]
/// (on the profile grid, from just above the best measured point to `fit::CEILING_TOP`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeilingPrior {
    /// Uniform in logit(q).
    Logit,
    /// Uniform in q.
    Uniform,
    /// The bound candidate's own: logit(q) normal at logit([`BOUND_QMAX`]), sd [`BOUND_SD`].
    Bound,
}

/// The centre of the ceiling's profile posterior (`profile` non-empty, from
/// [`ceiling_profile`]: equal steps in logit q, increasing): weights `exp(-(cost_k - cost_min))` times the
/// prior density of `ceiling_prior` at each grid point (per unit of logit q). The mean is the
/// weighted mean of q over the grid points; for the median each weight is spread evenly over
/// its grid cell in logit q and the median read from that piecewise-constant density, clamped
/// to the grid.
pub fn profile_centre(
    profile: &[ProfilePoint],
    ceiling_prior: CeilingPrior,
    centre: Centre,
) -> f64 {
    let best = profile.iter().map(|p| p.cost).fold(f64::INFINITY, f64::min);
    let w: Vec<f64> = profile
        .iter()
        .map(|p| {
            let q = sigmoid(p.logit_qmax);
            let prior = match ceiling_prior {
                CeilingPrior::Logit => 1.0,
                CeilingPrior::Uniform => q * (1.0 - q),
                CeilingPrior::Bound => {
                    let d = (p.logit_qmax - logit(BOUND_QMAX)) / BOUND_SD;
                    (-0.5 * d * d).exp()
                }
            };
            (-(p.cost - best)).exp() * prior
        })
        .collect();
    let total: f64 = w.iter().sum();
    if centre == Centre::Mean && total > 0.0 {
        return profile
            .iter()
            .zip(&w)
            .map(|(p, wk)| wk * sigmoid(p.logit_qmax))
            .sum::<f64>()
            / total;
    }
    let (first, last) = (profile[0].logit_qmax, profile[profile.len() - 1].logit_qmax);
    if profile.len() < 2 || total.is_nan() || total <= 0.0 {
        return sigmoid(first);
    }
    let step = (last - first) / (profile.len() - 1) as f64;
    let mut below = 0.0;
    for (p, wk) in profile.iter().zip(&w) {
        if below + wk >= 0.5 * total {
            let x = p.logit_qmax - 0.5 * step + step * (0.5 * total - below) / wk;
            return sigmoid(x.clamp(first, last));
        }
        below += wk;
    }
    sigmoid(last)
}

/// The ceiling [`Rule::ProfileCeiling`] holds for `prior` on `pts`: [`profile_centre`] of the
/// profile at the noise `sigma`.
///
/// # Errors
/// A profile fit failed numerically.
pub fn profile_ceiling(
    pts: &[CurvePoint],
    floor: f64,
    prior: &Prior,
    sigma: f64,
    ceiling_prior: CeilingPrior,
    centre: Centre,
) -> Result<f64> {
    Ok(profile_centre(
        &ceiling_profile(pts, floor, prior, sigma)?,
        ceiling_prior,
        centre,
    ))
}

/// Sum of squared residuals.
fn ssr(res: &[(f64, f64)]) -> f64 {
    res.iter().map(|r| r.1 * r.1).sum()
}

/// Index of the candidate with the lowest score among those `keep` accepts; ties keep the
/// earlier one.
fn lowest(scored: &[Scored], keep: impl Fn(&Scored) -> bool) -> Option<usize> {
    scored
        .iter()
        .enumerate()
        .filter(|(_, s)| keep(s))
        .min_by(|a, b| a.1.score.total_cmp(&b.1.score).then(a.0.cmp(&b.0)))
        .map(|(i, _)| i)
}

impl Rule {
    /// Index into `scored` (from [`score`] on `pts`, non-empty) of the chosen candidate.
    ///
    /// # Errors
    /// The fit that estimates the noise ([`Rule::Evidence`]) failed numerically.
    pub fn choose(self, pts: &[CurvePoint], floor: f64, scored: &[Scored]) -> Result<usize> {
        let best = lowest(scored, |_| true).expect("the default candidate is scored");
        let bound = lowest(scored, |s| s.prior.ceiling == Ceiling::Bound);
        match (self, bound) {
            (Rule::Evidence | Rule::ProfileCeiling(..), Some(b)) if b != best => {
                let sigma = fit_curve(pts, floor, &scored[b].prior, 0, 0)?.sigma;
                let ln_lr = (ssr(&scored[b].residuals) - ssr(&scored[best].residuals))
                    / (2.0 * sigma * sigma);
                Ok(if ln_lr > EVIDENCE { best } else { b })
            }
            _ => Ok(best),
        }
    }
}

/// Every candidate of [`candidates`] with its forward-validation residuals (empty when there
/// are too few counts to validate on). A candidate whose fits fail is skipped.
///
/// # Errors
/// The default candidate's fits failed numerically.
pub fn score(pts: &[CurvePoint], floor: f64, default: &Prior) -> Result<Vec<Scored>> {
    if super::mean_by_n(pts).len() <= MIN_TRAIN {
        return Ok(Vec::new());
    }
    let mut scored = Vec::new();
    for p in candidates(default) {
        match forward_residuals(pts, floor, &p) {
            Ok(res) => {
                let s = rms(&res);
                if s.is_finite() {
                    scored.push(Scored {
                        prior: p,
                        residuals: res,
                        score: s,
                    });
                }
            }
            Err(e) if p == *default => return Err(e),
            Err(_) => {}
        }
    }
    Ok(scored)
}

/// Counts beyond the largest fitted one at which [`ceiling_envelope`] compares curves: 2 to a
/// million times it, four a factor e.
const ENVELOPE_SPAN: (f64, f64) = (2.0, 1e6);

/// How the residual spread must grow beyond the fitted counts to reach every curve whose
/// ceiling the data cannot reject ([`super::fit::plausible_ceilings`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Envelope {
    /// Smallest g with `z sigma (n / top_n)^g >= gap(n)` at every count of the span, gap(n)
    /// the largest distance from the central curve to a plausible one and z the normal
    /// quantile of the calibration's level.
    pub growth: f64,
    /// Count where `z sigma (n / top_n)^g` reaches the largest gap: the spread need not grow
    /// beyond it.
    pub until: f64,
}

/// The [`Envelope`] of `fit`. Points measured far below their ceiling leave it open; the
/// interval then spans every ceiling they allow, whichever one the prior picked for the
/// central curve, and stops widening once it spans them all.
///
/// # Errors
/// A profile fit failed numerically.
pub fn ceiling_envelope(pts: &[CurvePoint], floor: f64, fit: &CurveFit) -> Result<Envelope> {
    let zs = normal_quantile(0.5 + super::LEVEL / 2.0) * fit.sigma.max(1e-9);
    let others = plausible_ceilings(pts, floor, &fit.prior, fit.sigma)?;
    let (mut g, mut widest): (f64, f64) = (0.0, 0.0);
    let mut ln_r = ENVELOPE_SPAN.0.ln();
    while ln_r <= ENVELOPE_SPAN.1.ln() {
        let inp = inputs(fit.top_n * ln_r.exp(), floor);
        let q = fit.params.predict(fit.family, &inp);
        let gap = others
            .iter()
            .map(|o| (o.predict(fit.family, &inp) - q).abs())
            .fold(0.0, f64::max);
        if gap > zs {
            g = g.max((gap / zs).ln() / ln_r);
        }
        widest = widest.max(gap);
        ln_r += 0.25;
    }
    let g = g.min(MAX_GROWTH);
    let until = if g > 0.0 && widest > zs {
        fit.top_n * ((widest / zs).ln() / g).exp()
    } else {
        fit.top_n
    };
    Ok(Envelope { growth: g, until })
}

/// Set the spread's growth of `fit`: the forward residuals' growth `forward`, or the ceiling
/// envelope's where that grows faster (then only up to where it spans every plausible ceiling).
///
/// # Errors
/// A profile fit failed numerically.
fn set_growth(pts: &[CurvePoint], floor: f64, fit: &mut CurveFit, forward: f64) -> Result<()> {
    let env = ceiling_envelope(pts, floor, fit)?;
    if env.growth > forward {
        fit.growth = env.growth;
        fit.growth_until = env.until;
    } else {
        fit.growth = forward;
    }
    Ok(())
}

/// The growth exponent g of the residual spread (see the module docs), by bisection.
pub fn growth(res: &[(f64, f64)], sigma: f64) -> f64 {
    let total = ssr(res);
    let pred = |g: f64| -> f64 {
        res.iter()
            .map(|r| sigma * sigma * (2.0 * g * r.0).exp())
            .sum()
    };
    if res.is_empty() || pred(0.0) >= total {
        return 0.0;
    }
    if pred(MAX_GROWTH) <= total {
        return MAX_GROWTH;
    }
    let (mut lo, mut hi) = (0.0, MAX_GROWTH);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if pred(mid) < total {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// Fit `pts` under the candidate prior `rule` chooses ([`Rule::default`]), with `replicates`
/// randomised refits and the residual spread growing as the forward residuals say.
///
/// # Errors
/// A fit failed numerically.
pub fn fit_selected(
    pts: &[CurvePoint],
    floor: f64,
    default: &Prior,
    replicates: usize,
    seed: u64,
) -> Result<CurveFit> {
    let scored = score(pts, floor, default)?;
    if scored.is_empty() {
        let mut fit = fit_curve(pts, floor, default, replicates, seed)?;
        set_growth(pts, floor, &mut fit, 0.0)?;
        return Ok(fit);
    }
    fit_scored(pts, floor, &scored, Rule::default(), replicates, seed)
}

/// Fit `pts` under the candidate of `scored` (from [`score`], non-empty, the default first)
/// that `rule` chooses.
///
/// # Errors
/// A fit failed numerically.
pub fn fit_scored(
    pts: &[CurvePoint],
    floor: f64,
    scored: &[Scored],
    rule: Rule,
    replicates: usize,
    seed: u64,
) -> Result<CurveFit> {
    let chosen = &scored[rule.choose(pts, floor, scored)?];
    let mut fit = fit_curve(pts, floor, &chosen.prior, replicates, seed)?;
    if let Rule::ProfileCeiling(ceiling_prior, centre) = rule
        && chosen.prior.ceiling == Ceiling::Bound
    {
        // the candidate's replicates, noise and forward residuals; the central curve at the
        // profile's median ceiling
        let q = profile_ceiling(pts, floor, &chosen.prior, fit.sigma, ceiling_prior, centre)?;
        fit.params = fit_at_ceiling(pts, floor, &chosen.prior, fit.sigma, q)?;
        fit.rmse = (sq_error(&fit.params, fit.family, pts, floor) / pts.len() as f64).sqrt();
    }
    let forward = growth(&chosen.residuals, fit.sigma);
    set_growth(pts, floor, &mut fit, forward)?;
    let default = &scored[0].prior;
    fit.candidates = scored
        .iter()
        .map(|s| (label(&s.prior, default), s.score))
        .collect();
    Ok(fit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_matches_the_residual_variance() {
        // residuals of 2 sigma at horizon ln 2: g = ln 2 / ln 2 = 1
        let res = [(2f64.ln(), 0.02), (2f64.ln(), -0.02)];
        assert!((growth(&res, 0.01) - 1.0).abs() < 1e-9);
        assert_eq!(growth(&res, 0.05), 0.0);
        assert_eq!(growth(&[], 0.01), 0.0);
    }

    #[test]
    fn candidates_start_with_the_default_and_are_distinct() {
        let d = Prior::for_signal(Prior::default_model().as_ref(), crate::signal::Signal::Hard);
        let c = candidates(&d);
        assert_eq!(c[0], d);
        assert_eq!(c.len(), 4);
        for (i, a) in c.iter().enumerate() {
            assert!(c[i + 1..].iter().all(|b| b != a));
        }
    }

    /// Scored candidates whose forward residuals put the bound candidates `ln_lr` (log
    /// likelihood ratio, at the noise of the bound fit) behind the data-centred ones.
    fn scored_with_gap(pts: &[CurvePoint], floor: f64, ln_lr: f64) -> Vec<Scored> {
        let d = Prior::for_signal(Prior::default_model().as_ref(), crate::signal::Signal::Hard);
        let cands = candidates(&d);
        let b = cands
            .iter()
            .find(|p| p.ceiling == Ceiling::Bound)
            .expect("a bound candidate");
        let sigma = fit_curve(pts, floor, b, 0, 0).unwrap().sigma;
        // three residuals each: the data-centred ones 0.001, the bound ones r with
        // 3 (r^2 - 0.001^2) / (2 sigma^2) = ln_lr
        let r = (2.0 * sigma * sigma * ln_lr / 3.0 + 1e-6).sqrt();
        cands
            .iter()
            .map(|p| {
                let e = if p.ceiling == Ceiling::Bound { r } else { 1e-3 };
                let residuals = vec![(0.5, e), (1.0, -e), (0.5, e)];
                Scored {
                    prior: *p,
                    score: rms(&residuals),
                    residuals,
                }
            })
            .collect()
    }

    #[test]
    fn evidence_keeps_the_bound_unless_the_data_reject_it() {
        let floor = 0.1;
        let pts: Vec<CurvePoint> = [20.0, 31.0, 49.0, 77.0, 121.0]
            .iter()
            .enumerate()
            .map(|(i, &n): (usize, &f64)| CurvePoint {
                n,
                y: 0.95 - 0.9 * (n / 8.0).powf(-0.8) + if i % 2 == 0 { 0.01 } else { -0.01 },
            })
            .collect();
        for (ln_lr, bound_kept) in [(0.5, true), (EVIDENCE - 0.5, true), (EVIDENCE + 0.5, false)] {
            let scored = scored_with_gap(&pts, floor, ln_lr);
            let lowest = Rule::Lowest.choose(&pts, floor, &scored).unwrap();
            assert_eq!(scored[lowest].prior.ceiling, Ceiling::Data, "ln LR {ln_lr}");
            let chosen = Rule::Evidence.choose(&pts, floor, &scored).unwrap();
            for centre in [Centre::Median, Centre::Mean] {
                let profile = Rule::ProfileCeiling(CeilingPrior::Logit, centre);
                assert_eq!(profile.choose(&pts, floor, &scored).unwrap(), chosen);
            }
            let want = if bound_kept {
                Ceiling::Bound
            } else {
                Ceiling::Data
            };
            assert_eq!(scored[chosen].prior.ceiling, want, "ln LR {ln_lr}");
        }
    }

    /// A profile on 11 grid points from logit 2 to logit 7 with the given costs.
    fn profile(cost: impl Fn(usize) -> f64) -> Vec<ProfilePoint> {
        (0..11)
            .map(|k| ProfilePoint {
                logit_qmax: 2.0 + 0.5 * k as f64,
                params: crate::surrogate::curve::Params::plain(4.0, 1.5, 0.9, 0.5),
                cost: cost(k),
            })
            .collect()
    }

    #[test]
    fn profile_centre_weighs_the_likelihood_by_the_ceiling_prior() {
        let flat = profile(|_| 1.0);
        // flat likelihood, uniform in logit: the median is the grid's middle, logit 4.5
        let m = profile_centre(&flat, CeilingPrior::Logit, Centre::Median);
        assert!((logit(m) - 4.5).abs() < 1e-9, "{m}");
        // the mean of q: the average of the grid's q
        let mean = profile_centre(&flat, CeilingPrior::Logit, Centre::Mean);
        let want = flat.iter().map(|p| sigmoid(p.logit_qmax)).sum::<f64>() / 11.0;
        assert!((mean - want).abs() < 1e-12);
        // uniform in q puts more weight on the low ceilings (where q moves most per logit)
        let u = profile_centre(&flat, CeilingPrior::Uniform, Centre::Median);
        assert!(u < m);
        // a likelihood sharply peaked at one grid point wins over any prior
        let peaked = profile(|k| if k == 3 { 0.0 } else { 40.0 });
        for prior in [
            CeilingPrior::Logit,
            CeilingPrior::Uniform,
            CeilingPrior::Bound,
        ] {
            let c = profile_centre(&peaked, prior, Centre::Median);
            assert!((logit(c) - 3.5).abs() < 0.26, "{prior:?}: {c}");
            let c = profile_centre(&peaked, prior, Centre::Mean);
            assert!((logit(c) - 3.5).abs() < 1e-6, "{prior:?}: {c}");
        }
    }
}
