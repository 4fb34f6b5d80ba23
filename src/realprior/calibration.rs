//! Calibrating the prior's quantiles on curves it did not learn from (docs/real-curves.md,
//! "Calibration").
//!
//! A quantile regression learned on many curves of each dataset is too sure of itself on a new
//! dataset: curves of one dataset resemble each other more than curves of two. So the prior is
//! calibrated by cross-validation grouped by dataset ([`FOLDS`] folds): each fold's pilots are
//! predicted by the regressions learned without the fold, and
//!
//! 1. **the interval**: at each horizon the lower quantile rows are moved away from the median
//!    by the factor that puts the [`TAIL`]-quantile row's exceedances at their nominal share
//!    (and the upper rows likewise), so that the quality at a given count is inside the 90%
//!    interval on 90% of new curves;
//! 2. **the safe budget**: for a target g above the pilot's level, the count where the row of
//!    probability p first reaches it covers the count the curve needed on a share of new curves
//!    that falls as p rises; [`CurvePrior::reach`] maps each nominal probability of reaching the
//!    target ([`LEVELS`]) to the row whose counts cover at least that share at each of the
//!    targets [`GAINS`] above every pilot (the size of target where the row covers least
//!    decides). A curve that never reaches the target within its measured counts is covered
//!    when the row does not reach it there either; a row that does not reach the target gives
//!    no budget, which promises nothing, so a row's share is the lower of its share over all
//!    pilots and its share over the pilots it gives a budget for: a safe budget, where given,
//!    keeps its promise.

use super::curves::Curve;
use super::prior::CurvePrior;
use super::train::{self, Options, Row};
use crate::error::Result;
use rayon::prelude::*;

/// Folds of the calibration's cross-validation.
pub const FOLDS: usize = 5;
/// The tail probability whose rows set the interval's scale (the 90% interval's ends).
pub const TAIL: f64 = 0.05;
/// Nominal probabilities of reaching a target that the safe budget may be asked for.
pub const LEVELS: [f64; 6] = [0.5, 0.75, 0.8, 0.9, 0.95, 0.99];
/// Targets (gains over the pilot's level) the safe-budget calibration is measured at.
pub const GAINS: [f64; 4] = [0.005, 0.01, 0.02, 0.04];
/// Largest widening (or narrowing) of a side of the interval.
const SCALE_RANGE: (f64, f64) = (0.5, 5.0);

/// Held-out predictions of one pilot: its gains and the predicted quantile rows (as gains),
/// both on the prior's horizons.
struct Held<'a> {
    row: &'a Row,
    q: Vec<Vec<f64>>,
}

/// Learn a calibrated prior: [`train::fit`] on every row not skipped, then the scales and the
/// reach map from a grouped cross-validation over the datasets not skipped.
///
/// # Errors
/// As [`train::fit`].
pub fn fit(
    curves: &[Curve],
    rows: &[Row],
    opts: Options,
    skip: impl Fn(&Curve) -> bool + Sync,
    warm: Option<&CurvePrior>,
) -> Result<CurvePrior> {
    let mut prior = train::fit(curves, rows, opts, &skip, warm)?;
    let mut datasets: Vec<&str> = curves
        .iter()
        .filter(|c| !skip(c))
        .map(|c| c.dataset.as_str())
        .collect();
    datasets.dedup();
    let fold_of = |c: &Curve| {
        datasets
            .iter()
            .position(|d| *d == c.dataset)
            .map(|i| i % FOLDS)
    };
    let mut held: Vec<Held> = Vec::new();
    for f in 0..FOLDS {
        let inner = train::fit(
            curves,
            rows,
            opts,
            |c| skip(c) || fold_of(c) == Some(f),
            Some(&prior),
        )?;
        let mine: Vec<&Row> = rows
            .iter()
            .filter(|r| !skip(&curves[r.curve]) && fold_of(&curves[r.curve]) == Some(f))
            .collect();
        held.par_extend(mine.par_iter().map(|r| Held {
            row: r,
            q: inner.gain_quantiles(&r.x),
        }));
    }
    let nh = prior.horizons.len();
    let k50 = prior.probs.iter().position(|&p| p == 0.5).expect("checked");
    let klo = prior.probs.iter().position(|&p| p == TAIL);
    let khi = prior.probs.iter().position(|&p| p == 1.0 - TAIL);
    let (Some(klo), Some(khi)) = (klo, khi) else {
        return Ok(prior);
    };
    let mut lower = vec![1.0; nh];
    let mut upper = vec![1.0; nh];
    for h in 0..nh {
        let at: Vec<&Held> = held
            .iter()
            .filter(|x| x.row.gain[h].is_finite() && h < x.q[0].len())
            .collect();
        if at.len() < 50 {
            lower[h] = lower[h.saturating_sub(1)];
            upper[h] = upper[h.saturating_sub(1)];
            continue;
        }
        let scaled = |side: f64, k: usize| {
            let mut t: Vec<f64> = at
                .iter()
                .map(|x| {
                    let (m, e) = (x.q[k50][h], x.q[k][h]);
                    side * (x.row.gain[h] - m) / (side * (e - m)).max(1e-4)
                })
                .collect();
            t.sort_by(f64::total_cmp);
            t[((1.0 - TAIL) * (t.len() - 1) as f64).round() as usize]
                .clamp(SCALE_RANGE.0, SCALE_RANGE.1)
        };
        lower[h] = scaled(-1.0, klo);
        upper[h] = scaled(1.0, khi);
    }
    prior.lower_scale = lower;
    prior.upper_scale = upper;
    // the reach map, on the scaled rows
    let scaled: Vec<Vec<Vec<f64>>> = held.iter().map(|x| prior.widen(&x.q)).collect();
    let probs = prior.probs.clone();
    // the share of needs row k covers, at the target size where it covers the fewest
    let coverage = |k: usize| {
        GAINS
            .iter()
            .map(|&t| {
                let (mut hit, mut given, mut hit_given) = (0usize, 0usize, 0usize);
                for (x, q) in held.iter().zip(&scaled) {
                    let g = &x.row.gain;
                    let top = g
                        .iter()
                        .rposition(|v| v.is_finite())
                        .unwrap_or(0)
                        .min(q[k].len() - 1);
                    let truth = crossing(&g[..=top], t);
                    let pred = crossing(&q[k][..=top], t);
                    let covered = match (truth, pred) {
                        (Some(a), Some(b)) => a <= b + 1e-9,
                        (None, p) => p.is_none(),
                        (Some(_), None) => true,
                    };
                    hit += usize::from(covered);
                    if pred.is_some() {
                        given += 1;
                        hit_given += usize::from(covered);
                    }
                }
                let all = hit as f64 / held.len().max(1) as f64;
                if given >= 50 {
                    all.min(hit_given as f64 / given as f64)
                } else {
                    all
                }
            })
            .fold(1.0, f64::min)
    };
    let cov: Vec<f64> = (0..probs.len()).map(coverage).collect();
    prior.reach = LEVELS
        .iter()
        .map(|&level| [level, row_for(&probs, &cov, level)])
        .collect();
    prior.check()?;
    Ok(prior)
}

/// The first horizon index (fractional, linear between grid points) where `g` reaches `t`.
fn crossing(g: &[f64], t: f64) -> Option<f64> {
    if g.first().is_some_and(|&v| v >= t) {
        return Some(0.0);
    }
    g.windows(2)
        .enumerate()
        .find_map(|(i, w)| (w[0] < t && t <= w[1]).then(|| i as f64 + (t - w[0]) / (w[1] - w[0])))
}

/// The row probability whose coverage is `level`, interpolated between the rows (coverage
/// falls as the probability rises); the outermost rows beyond them.
fn row_for(probs: &[f64], cov: &[f64], level: f64) -> f64 {
    if level >= cov[0] {
        return probs[0];
    }
    for k in 1..probs.len() {
        if cov[k] <= level {
            let (a, b) = (cov[k - 1], cov[k]);
            let t = if a > b { (a - level) / (a - b) } else { 1.0 };
            return probs[k - 1] + t * (probs[k] - probs[k - 1]);
        }
    }
    probs[probs.len() - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossings_and_the_row_for_a_coverage() {
        assert_eq!(crossing(&[0.0, 0.1, 0.3], 0.2), Some(1.5));
        assert_eq!(crossing(&[0.3, 0.4], 0.2), Some(0.0));
        assert_eq!(crossing(&[0.0, 0.1], 0.2), None);
        let probs = [0.1, 0.5, 0.9];
        let cov = [0.95, 0.6, 0.2];
        assert_eq!(row_for(&probs, &cov, 0.97), 0.1);
        assert!((row_for(&probs, &cov, 0.9) - (0.1 + 0.4 * (0.05 / 0.35))).abs() < 1e-12);
        assert_eq!(row_for(&probs, &cov, 0.1), 0.9);
    }
}
