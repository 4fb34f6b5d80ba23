//! Each family's fit, and the grouped cross-validation that chooses among the families.

use super::{CV_FOLDS, FitOptions};
use crate::error::Result;
use crate::signal::Signal;
use crate::surrogate::curve::{N_PARAMS, Params};
use crate::surrogate::families::Family;
use crate::surrogate::fit::{Fitted, Point, fit_curve, free_mask, starts};
use crate::surrogate::residual::HeldOut;
use rayon::prelude::*;

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
    fit_curve(family, pts, None, free, &starts(pts))
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
    let held: Vec<Vec<HeldOut>> = jobs
        .par_iter()
        .map(|&(i, f, k)| {
            let in_fold = |p: &Point| groups.binary_search(&group(p)).unwrap_or(0) % folds == k;
            let train: Vec<Point> = pts.iter().filter(|p| !in_fold(p)).copied().collect();
            let free = mask(f, &train, opts, signal);
            let fit = fit_curve(f, &train, None, free, &[full[i].params])?;
            Ok(pts
                .iter()
                .filter(|p| in_fold(p))
                .map(|p| held_out(f, &fit.params, p))
                .collect())
        })
        .collect::<Result<_>>()?;
    Ok(opts
        .families
        .iter()
        .enumerate()
        .map(|(i, &family)| {
            let residuals: Vec<HeldOut> = held[i * folds..(i + 1) * folds].concat();
            let mae =
                residuals.iter().map(|h| h.r.abs()).sum::<f64>() / residuals.len().max(1) as f64;
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
