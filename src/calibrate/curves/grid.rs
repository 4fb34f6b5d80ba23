//! The log grid of annotation counts, with errors naming the flags that combine.

use super::{CurveOptions, Prepared, n_min};
use crate::error::{Error, Result};
use crate::surrogate::Metric;

/// The log grid of `points` counts from `n_min` to `max_fraction` of `pool`, or an error saying
/// why the pool is too small (see [`grid_for`](super::grid_for) for messages naming the flags).
///
/// # Errors
/// Fewer than 2 points, the largest n below the smallest, or fewer distinct counts than
/// requested.
pub fn grid(pool: usize, n_min: usize, max_fraction: f64, points: usize) -> Result<Vec<usize>> {
    let n_max = (max_fraction * pool as f64).floor() as usize;
    if points < 2 {
        return Err(Error::invalid(
            "points",
            points,
            "a grid of at least 2 counts",
        ));
    }
    if n_max < n_min.max(1) {
        return Err(Error::invalid(
            "max-fraction",
            max_fraction,
            format!(
                "a fraction of the {pool}-item training pool of at least the grid's smallest n = {n_min} \
                 (the data has too few items for this grid: fewer --points, a smaller --n-min or more data)"
            ),
        ));
    }
    // no more distinct counts than integers in the range (checked before allocating)
    let most = n_max - n_min + 1;
    let g: Vec<usize> = if points > most {
        Vec::new()
    } else {
        let (a, b) = ((n_min.max(1) as f64).ln(), (n_max as f64).ln());
        let mut g: Vec<usize> = (0..points)
            .map(|i| (a + (b - a) * i as f64 / (points - 1) as f64).exp().round() as usize)
            .collect();
        g.dedup();
        g
    };
    if g.len() < points {
        let distinct = if g.is_empty() { most } else { g.len() };
        return Err(Error::invalid(
            "points",
            points,
            format!(
                "at most {distinct} distinct counts on the log grid between n = {n_min} (--n-min) \
                 and {n_max} (--max-fraction {max_fraction} of a {pool}-item pool): \
                 the data has too few items for this grid: fewer --points, a smaller --n-min, \
                 a larger --max-fraction or more data"
            ),
        ));
    }
    Ok(g)
}

impl Prepared<'_> {
    /// [`grid`] on the prepared pool, with errors naming the flags that combine.
    pub(super) fn grid(&self, opts: &CurveOptions) -> Result<Vec<usize>> {
        let pool = self.pool.len();
        let lo = n_min(opts, self.train_classes);
        let n_max = (opts.max_fraction * pool as f64).floor() as usize;
        if n_max >= lo {
            return grid(pool, lo, opts.max_fraction, opts.points);
        }
        let from = match opts.n_min {
            Some(n) => format!("--n-min {n}"),
            None => format!(
                "--n-min's default max(2 C, 10) = {lo} for C = {} classes",
                self.train_classes
            ),
        };
        let pool_is = if opts.metric == Metric::Transfer {
            "the training items of the classes the encoder learns (half the classes)"
        } else {
            "the training items"
        };
        Err(Error::invalid(
            "n-min, max-fraction, test-fraction",
            format!(
                "{}, {}, {}",
                opts.n_min.map_or("default".into(), |n| n.to_string()),
                opts.max_fraction,
                opts.test_fraction
            ),
            format!(
                "the grid runs from n = {lo} ({from}) up to --max-fraction {} of the pool, \
                 but --test-fraction {} holds out {} of the {} items and the pool ({pool_is}) has \
                 {pool}, so the largest n is {n_max} < {lo}: a smaller --test-fraction, a larger \
                 --max-fraction (at most 1), a smaller --n-min, or more data",
                opts.max_fraction,
                opts.test_fraction,
                self.test.len(),
                self.data.len(),
            ),
        ))
    }
}
