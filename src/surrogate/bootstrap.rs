//! Parameter uncertainty by a cluster bootstrap over seeds: each replicate redraws the sweep's
//! seeds with replacement (a seed's runs enter as many times as it was drawn) and refits from
//! the full-data optimum. Each replicate draws from its own seeded stream; replicates that drew
//! the same counts share one fit (with 2 seeds there are only 3 distinct draws), and the distinct
//! fits run in parallel with rayon, so the result does not depend on the thread count.

use super::curve::{N_PARAMS, Params};
use super::families::Family;
use super::fit::{CurvePrior, Point, fit_curve_with};
use crate::error::Result;
use rand::RngExt;
use rayon::prelude::*;

/// Bootstrap replicates of `family` fitted to `points`, starting from `best`.
/// `weights` are the points' own weights in the fit (`None`: 1 each), multiplied by how many
/// times a replicate drew their seed.
///
/// # Errors
/// A replicate's fit failed numerically.
pub fn bootstrap(
    family: Family,
    points: &[Point],
    weights: Option<&[f64]>,
    free: [bool; N_PARAMS],
    best: &Params,
    replicates: usize,
    seed: u64,
) -> Result<Vec<Params>> {
    bootstrap_with(family, points, weights, free, best, replicates, seed, None)
}

/// [`bootstrap`] with every replicate fitted under `prior`.
///
/// # Errors
/// A replicate's fit failed numerically.
#[allow(clippy::too_many_arguments)]
pub fn bootstrap_with(
    family: Family,
    points: &[Point],
    weights: Option<&[f64]>,
    free: [bool; N_PARAMS],
    best: &Params,
    replicates: usize,
    seed: u64,
    prior: Option<&CurvePrior>,
) -> Result<Vec<Params>> {
    let mut seeds: Vec<u64> = points.iter().map(|p| p.seed).collect();
    seeds.sort_unstable();
    seeds.dedup();
    if seeds.len() < 2 || replicates == 0 {
        return Ok(Vec::new());
    }
    // each replicate's draw (how many times each seed enters), from its own stream
    let draws: Vec<Vec<u32>> = (0..replicates)
        .map(|b| {
            let mut rng = crate::rng::stream(seed, &[0xB007, b as u64]);
            let mut count = vec![0u32; seeds.len()];
            for _ in 0..seeds.len() {
                count[rng.random_range(0..seeds.len())] += 1;
            }
            count
        })
        .collect();
    // with few seeds many replicates draw the same counts (2 seeds: 3 distinct draws), and a
    // fit is a deterministic function of its weights: fit each distinct draw once
    let mut distinct: Vec<&Vec<u32>> = Vec::new();
    let which: Vec<usize> = draws
        .iter()
        .map(|d| {
            distinct.iter().position(|x| *x == d).unwrap_or_else(|| {
                distinct.push(d);
                distinct.len() - 1
            })
        })
        .collect();
    let fits: Vec<Params> = distinct
        .par_iter()
        .map(|count| {
            let w: Vec<f64> = points
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    f64::from(count[seeds.binary_search(&p.seed).unwrap_or(0)])
                        * weights.map_or(1.0, |w| w[i])
                })
                .collect();
            fit_curve_with(
                family,
                points,
                Some(&w),
                free,
                std::slice::from_ref(best),
                prior,
            )
            .map(|f| f.params)
        })
        .collect::<Result<_>>()?;
    Ok(which.into_iter().map(|k| fits[k]).collect())
}

/// Standard deviation of each parameter over the replicates (zeros with fewer than two).
pub fn spread(reps: &[Params]) -> Params {
    let k = reps.len() as f64;
    let mut sd = [0.0; N_PARAMS];
    if reps.len() > 1 {
        for (i, s) in sd.iter_mut().enumerate() {
            let m = reps.iter().map(|r| r.to_array()[i]).sum::<f64>() / k;
            let v = reps
                .iter()
                .map(|r| (r.to_array()[i] - m).powi(2))
                .sum::<f64>()
                / (k - 1.0);
            *s = v.sqrt();
        }
    }
    Params::from_array(&sd)
}
