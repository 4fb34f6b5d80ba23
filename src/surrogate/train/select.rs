//! Each family's fit, and the grouped cross-validation that chooses among the families.

use super::{CV_FOLDS, FitOptions};
use crate::error::Result;
use crate::signal::Signal;
use crate::surrogate::curve::{N_PARAMS, Params};
use crate::surrogate::families::Family;
use crate::surrogate::fit::{Fitted, Point, fit_curve, free_mask, starts};
use crate::surrogate::residual::HeldOut;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Free parameters of `signal` under the options. The scenario count that picks the default
/// terms is the number the points are indexed over, so a cross-validation fold of a fit uses
/// the terms of the whole fit.
pub(super) fn mask(
    family: Family,
    pts: &[Point],
    opts: &FitOptions,
    signal: Signal,
) -> [bool; N_PARAMS] {
    let scenarios = pts.iter().map(|p| p.scenario).max().map_or(0, |m| m + 1);
    free_mask(
        family,
        pts,
        !opts.baseline,
        &opts.terms_for(signal, scenarios),
    )
}

pub(super) fn fit_family(
    family: Family,
    pts: &[Point],
    opts: &FitOptions,
    signal: Signal,
) -> Result<Fitted> {
    let free = mask(family, pts, opts, signal);
    let weights = opts.weigh_counts.then(|| count_weights(pts));
    fit_curve(family, pts, weights.as_deref(), free, &starts(pts))
}

/// Each point's weight in a sweep's fit under `fit --weigh-counts`: every annotation count
/// gets the same total weight, shared by its runs, and the weights sum to the number of points.
/// A sweep runs every scenario at its small counts but only some of them at the largest (the
/// default sweep has 624 runs of a signal at each count up to 1,000 and 47-99 at 100,000), so
/// with a weight per run the top of the curves, where plans are read, has the least say
/// (docs/validation.md, "A partial curve", measures it on the default sweep).
pub fn count_weights(pts: &[Point]) -> Vec<f64> {
    let mut runs: BTreeMap<u64, usize> = BTreeMap::new();
    for p in pts {
        *runs.entry(p.n).or_default() += 1;
    }
    let share = pts.len() as f64 / runs.len().max(1) as f64;
    pts.iter().map(|p| share / runs[&p.n] as f64).collect()
}

/// Grouped cross-validation MAE of each family: groups are scenarios when there are at least
/// 3, else seeds; folds take every CV_FOLDS-th group. `full` holds each family's fit on all the
/// points, in `opts.families` order: each fold's fit starts from it (one start, not the
/// multi-start grid), which finds the same basin at a fraction of the cost.
pub fn family_cv(
    pts: &[Point],
    opts: &FitOptions,
    signal: Signal,
    full: &[Fitted],
) -> Result<Vec<FamilyCv>> {
    let n_scen = pts.iter().map(|p| p.scenario).max().map_or(0, |m| m + 1);
    let group = |p: &Point| {
        if n_scen >= 3 {
            p.scenario as u64
        } else {
            p.seed
        }
    };
    let mut groups: Vec<u64> = pts.iter().map(group).collect();
    groups.sort_unstable();
    groups.dedup();
    let folds = CV_FOLDS.min(groups.len());
    if folds < 2 {
        return Ok(opts
            .families
            .iter()
            .map(|&family| FamilyCv {
                family,
                mae: f64::NAN,
                residuals: Vec::new(),
            })
            .collect());
    }
    let jobs: Vec<(usize, Family, usize)> = opts
        .families
        .iter()
        .enumerate()
        .flat_map(|(i, &f)| (0..folds).map(move |k| (i, f, k)))
        .collect();
    // the held-out error weighs each point as the fit does
    let weights = if opts.weigh_counts {
        count_weights(pts)
    } else {
        vec![1.0; pts.len()]
    };
    let held: Vec<Vec<(HeldOut, f64)>> = jobs
        .par_iter()
        .map(|&(i, f, k)| {
            let in_fold = |p: &Point| groups.binary_search(&group(p)).unwrap_or(0) % folds == k;
            let train: Vec<Point> = pts.iter().filter(|p| !in_fold(p)).copied().collect();
            let free = mask(f, &train, opts, signal);
            let fold_weights = opts.weigh_counts.then(|| count_weights(&train));
            let fit = fit_curve(f, &train, fold_weights.as_deref(), free, &[full[i].params])?;
            Ok(pts
                .iter()
                .zip(&weights)
                .filter(|(p, _)| in_fold(p))
                .map(|(p, &w)| (held_out(f, &fit.params, p), w))
                .collect())
        })
        .collect::<Result<_>>()?;
    Ok(opts
        .families
        .iter()
        .enumerate()
        .map(|(i, &family)| {
            let fold: Vec<(HeldOut, f64)> = held[i * folds..(i + 1) * folds].concat();
            let total = fold.iter().map(|(_, w)| w).sum::<f64>();
            let mae = fold.iter().map(|(h, w)| w * h.r.abs()).sum::<f64>() / total.max(1e-300);
            let residuals: Vec<HeldOut> = fold.into_iter().map(|(h, _)| h).collect();
            FamilyCv {
                family,
                mae,
                residuals,
            }
        })
        .collect())
}

/// The residual of `p` under the curve `params`, with the curve's steepness there.
pub(super) fn held_out(family: Family, params: &Params, p: &Point) -> HeldOut {
    let place = params.predict_place(family, &p.inp);
    HeldOut {
        ln_x: p.inp.ln_x,
        r: p.y - place.q,
        slope: place.slope,
        position: place.position,
        ln_c: p.inp.z[0],
    }
}

/// Held-out error of one family in the grouped cross-validation.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyCv {
    pub family: Family,
    /// Mean absolute held-out error.
    pub mae: f64,
    /// Held-out residual of every point, with its place on the curve.
    pub residuals: Vec<HeldOut>,
}
