//! The spread of a single run around the fitted curve, for the prediction interval.
//!
//! ```text
//! sd(n)^2 = exp(2 (c0 + c1 ln x))  +  (slope * dQ/dln x)^2
//! ```
//!
//! The first term is a vertical spread that may grow or shrink as a power of the covariate x
//! (seed noise, and errors in the level of a curve). The second is a horizontal spread: an
//! error of `slope` in ln x, the typical misplacement along the n axis of the curve of a
//! scenario the fit has not seen, which turns into a quality error in proportion to the
//! curve's steepness there. Mid-curve, where the curve is steep, this term dominates; at the
//! floor and near the ceiling it vanishes.
//!
//! The three coefficients are fitted by maximum likelihood (a normal model of the
//! cross-validated residuals, L-BFGS through argmin), starting from a least-squares fit of
//! ln |r| on ln x. Residuals are heavy-tailed, so the normal rule alone under-covers: both
//! terms are then scaled by one factor so that `z_level * sd` covers a `level` share of the
//! residuals (split-conformal style), and the quantiles of r / sd are kept, so that one-sided
//! questions (the safe budget: quality exceeded with probability 0.9) use the residuals' own
//! lower tail, which is longer than the upper one (some worlds learn much worse than the curve),
//! rather than the normal's.
//!
//! The tail is not the same all along the curve. On the default sweep, relative to the spread,
//! the lower tail on the curve's shoulder (position 0.6 to 0.95 of the rise from floor to
//! ceiling) is about 1.5 times as long as on the rise: some worlds level off below the ceiling
//! their scenario predicts. One table for the whole curve put 13-27% of held-out shoulder runs
//! below the quality said to be exceeded with probability 0.9, and 4-8% of those on the rise.
//! So the quantiles are also kept per stretch of the curve (`model::POSITION_EDGES`: rise,
//! shoulder, plateau), Mondrian-conformal style, each from its own residuals, and blended
//! across the edges so that a quantile moves continuously with n.

use super::model::{
    N_CLASS_BANDS, N_POSITION_BINS, N_QUANTILES, POSITION_EDGES, PositionQuantiles, QUANTILE_PROBS,
    Residual, class_band, normal_quantile, stretch_of,
};
use crate::optim::{self, JointObjective, Lbfgs};
use ndarray::Array1;

/// A held-out residual with where on the curve it lies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeldOut {
    /// ln of the covariate x.
    pub ln_x: f64,
    /// Observed minus predicted quality.
    pub r: f64,
    /// Steepness of the predicted curve there, dQ/dln x.
    pub slope: f64,
    /// Share of the rise from floor to ceiling the prediction reaches, in [0, 1].
    pub position: f64,
    /// The scenario's class feature ln(C / 10) (`Inputs::z[0]`; 0 without scenario terms).
    pub ln_c: f64,
}

/// E ln|Z| for a standard normal Z is -0.635: exp(mean ln|r| + 0.635) estimates the sd.
const LN_ABS_NORMAL_MEAN: f64 = 0.635;

/// Smallest |r| taken into logs.
const R_MIN: f64 = 1e-4;

const SETTINGS: Lbfgs = Lbfgs {
    memory: 7,
    tol_grad: 1e-10,
    tol_cost: 1e-12,
    max_iters: 500,
};

/// Negative log-likelihood of the residuals under N(0, sd^2), per residual, in the coordinates
/// (c0, c1, ln slope).
struct Likelihood<'a> {
    res: &'a [HeldOut],
    range: [f64; 2],
}

impl JointObjective for Likelihood<'_> {
    fn cost_and_gradient(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        let (c0, c1, k2) = (p[0], p[1], (2.0 * p[2]).exp());
        let mut cost = 0.0;
        let mut g = Array1::zeros(3);
        for h in self.res {
            let x = h.ln_x.clamp(self.range[0], self.range[1]);
            let v1 = (2.0 * (c0 + c1 * x)).exp();
            let v2 = k2 * h.slope * h.slope;
            let v = v1 + v2;
            cost += 0.5 * v.ln() + h.r * h.r / (2.0 * v);
            let dv = 0.5 / v - h.r * h.r / (2.0 * v * v);
            g[0] += dv * 2.0 * v1;
            g[1] += dv * 2.0 * x * v1;
            g[2] += dv * 2.0 * v2;
        }
        let m = self.res.len().max(1) as f64;
        (cost / m, g / m)
    }
}

/// Least squares of ln|r| on ln x: the vertical spread alone, `[c0, c1]`.
fn log_linear(res: &[HeldOut]) -> [f64; 2] {
    let pts: Vec<(f64, f64)> = res
        .iter()
        .map(|h| (h.ln_x, h.r.abs().max(R_MIN).ln()))
        .collect();
    let n = pts.len().max(1) as f64;
    let mx = pts.iter().map(|r| r.0).sum::<f64>() / n;
    let my = pts.iter().map(|r| r.1).sum::<f64>() / n;
    let sxx: f64 = pts.iter().map(|r| (r.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|r| (r.0 - mx) * (r.1 - my)).sum();
    let c1 = if sxx > 1e-12 {
        (sxy / sxx).clamp(-1.0, 1.0)
    } else {
        0.0
    };
    [my - c1 * mx + LN_ABS_NORMAL_MEAN, c1]
}

/// The spread model of `res` (see the module docs), calibrated to cover a `level` share.
pub fn fit(res: &[HeldOut], level: f64) -> Residual {
    let range = res.iter().fold([f64::INFINITY, f64::NEG_INFINITY], |a, h| {
        [a[0].min(h.ln_x), a[1].max(h.ln_x)]
    });
    let range = if range[0] <= range[1] {
        range
    } else {
        [0.0, 0.0]
    };
    let [a0, b0] = log_linear(res);
    let mut model = Residual {
        c0: a0,
        c1: b0,
        slope: 0.0,
        ln_x: range,
        quantiles: None,
        by_position: None,
        by_classes: None,
    };
    // enough residuals and some spread in the slopes: fit both terms, from a small and a
    // large horizontal error
    if res.len() >= 20 && res.iter().any(|h| h.slope.abs() > 1e-9) {
        let lik = Likelihood { res, range };
        let mut best: Option<(Array1<f64>, f64)> = None;
        for ln_k in [0.05f64.ln(), 0.3f64.ln()] {
            let init = Array1::from(vec![a0, b0, ln_k]);
            if let Ok((p, c, _)) = optim::minimise(&lik, init, SETTINGS, "residual spread")
                && c.is_finite()
                && p.iter().all(|v| v.is_finite())
                && best.as_ref().is_none_or(|b| c < b.1)
            {
                best = Some((p, c));
            }
        }
        if let Some((p, _)) = best {
            model.c0 = p[0];
            model.c1 = p[1];
            model.slope = p[2].exp();
        }
    }
    // one factor on both terms so that z * sd covers the `level` share
    let mut t: Vec<f64> = res
        .iter()
        .map(|h| h.r.abs() / model.sd(h.ln_x, h.slope))
        .filter(|v| v.is_finite())
        .collect();
    t.sort_by(f64::total_cmp);
    let z = normal_quantile(0.5 + level / 2.0);
    let at = ((level * t.len() as f64).ceil() as usize).min(t.len().max(1) - 1);
    if let Some(&q) = t.get(at)
        && q > 0.0
        && t.len() >= 20
    {
        let m = q / z;
        model.c0 += m.ln();
        model.slope *= m;
    }
    // each residual in units of its sd, with its position and class band
    let std: Vec<(f64, f64, usize)> = res
        .iter()
        .map(|h| {
            let t = h.r / model.sd(h.ln_x, h.slope);
            (t, h.position, class_band(h.ln_c))
        })
        .filter(|v| v.0.is_finite())
        .collect();
    model.quantiles = quantile_table(std.iter().map(|v| v.0).collect());
    model.by_position = by_position(std.iter().map(|v| (v.0, v.1)));
    model.by_classes = model
        .by_position
        .and_then(|pooled| by_classes(&std, &pooled));
    model
}

/// The tables by position of each class band ([`Residual::by_classes`]), a band's stretch with
/// fewer than [`MIN_FOR_TABLE`] residuals keeping the `pooled` table; `None` when no band has
/// a table of its own.
fn by_classes(
    std: &[(f64, f64, usize)],
    pooled: &[PositionQuantiles; N_POSITION_BINS],
) -> Option<[[PositionQuantiles; N_POSITION_BINS]; N_CLASS_BANDS]> {
    let mut own = false;
    let bands = std::array::from_fn(|band| {
        let bins = stretch_bins(std.iter().filter(|v| v.2 == band).map(|v| (v.0, v.1)));
        let mut tables = *pooled;
        for (table, bin) in tables.iter_mut().zip(bins) {
            if let Some(q) = quantile_table(bin) {
                table.quantiles = q;
                own = true;
            }
        }
        tables
    });
    own.then_some(bands)
}

/// Fewest residuals from which a quantile table is taken (the 1% quantile then rests on at
/// least 2 residuals beyond it).
const MIN_FOR_TABLE: usize = 200;

/// One quantile table per stretch of the curve from `(r / sd, position)` pairs (Mondrian
/// conformal: each stretch's share below its own quantile is the nominal one); `None` unless
/// every stretch has [`MIN_FOR_TABLE`] residuals.
fn by_position(
    std: impl Iterator<Item = (f64, f64)>,
) -> Option<[PositionQuantiles; N_POSITION_BINS]> {
    let bins = stretch_bins(std);
    let mut out = [PositionQuantiles {
        from: 0.0,
        quantiles: [0.0; N_QUANTILES],
    }; N_POSITION_BINS];
    for (k, (o, bin)) in out.iter_mut().zip(bins).enumerate() {
        o.from = if k == 0 { 0.0 } else { POSITION_EDGES[k - 1] };
        o.quantiles = quantile_table(bin)?;
    }
    Some(out)
}

/// The standardised residuals of `(r / sd, position)` pairs, split by stretch of the curve
/// ([`POSITION_EDGES`]); pairs without a finite position are left out.
fn stretch_bins(std: impl Iterator<Item = (f64, f64)>) -> [Vec<f64>; N_POSITION_BINS] {
    let mut bins: [Vec<f64>; N_POSITION_BINS] = Default::default();
    for (t, position) in std.filter(|v| v.1.is_finite()) {
        bins[stretch_of(&POSITION_EDGES, position)].push(t);
    }
    bins
}

/// Quantiles of standardised residuals `t` at [`QUANTILE_PROBS`] (linear interpolation between
/// order statistics), forced non-decreasing; `None` with fewer than [`MIN_FOR_TABLE`].
fn quantile_table(mut t: Vec<f64>) -> Option<[f64; N_QUANTILES]> {
    if t.len() < MIN_FOR_TABLE {
        return None;
    }
    t.sort_by(f64::total_cmp);
    let last = (t.len() - 1) as f64;
    let mut q = QUANTILE_PROBS.map(|p| {
        let pos = p * last;
        let (i, f) = (pos.floor() as usize, pos.fract());
        t[i] + f * (t[(i + 1).min(t.len() - 1)] - t[i])
    });
    for k in 1..N_QUANTILES {
        q[k] = q[k].max(q[k - 1]);
    }
    Some(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};

    /// Residuals drawn from the model itself: vertical sd 0.01 (n-independent), horizontal
    /// error 0.4 in ln x on a bell-shaped slope profile, on a curve whose position rises
    /// logistically in ln x (midpoint 6).
    fn draw(k: f64, n: usize) -> Vec<HeldOut> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let z = Normal::new(0.0, 1.0).unwrap();
        (0..n)
            .map(|i| {
                let ln_x = 2.0 + 8.0 * (i as f64 + 0.5) / n as f64;
                let slope = 0.25 * (-(ln_x - 6.0).powi(2) / 2.0).exp();
                let sd = (1e-4 + (k * slope).powi(2)).sqrt();
                HeldOut {
                    ln_x,
                    r: sd * z.sample(&mut rng),
                    slope,
                    position: 1.0 / (1.0 + (6.0 - ln_x).exp()),
                    ln_c: 0.0,
                }
            })
            .collect()
    }

    #[test]
    fn recovers_the_horizontal_error_and_covers_its_level() {
        let res = draw(0.4, 4000);
        let m = fit(&res, 0.9);
        // ML on 4,000 normal residuals pins the slope coefficient to a few percent; the
        // conformal factor moves it by the sampling error of a quantile (a few percent too)
        assert!((m.slope - 0.4).abs() < 0.06, "slope {}", m.slope);
        let z = normal_quantile(0.95);
        let inside = |lo: f64, hi: f64| {
            let sel: Vec<&HeldOut> = res.iter().filter(|h| h.ln_x >= lo && h.ln_x < hi).collect();
            sel.iter()
                .filter(|h| h.r.abs() <= z * m.sd(h.ln_x, h.slope))
                .count() as f64
                / sel.len() as f64
        };
        // coverage holds mid-curve and in the tails, not only overall (binomial sd over
        // ~1,000 residuals is 0.01)
        for (lo, hi) in [(2.0, 4.5), (5.0, 7.0), (7.5, 10.0)] {
            let c = inside(lo, hi);
            assert!(
                (c - 0.9).abs() < 0.04,
                "coverage {c} on ln x in [{lo}, {hi})"
            );
        }
    }

    #[test]
    fn skewed_residuals_give_a_longer_lower_tail() {
        // residuals with a long lower tail: |normal| on the upper side, 2 |normal| below
        let mut res = draw(0.4, 4000);
        for h in &mut res {
            if h.r < 0.0 {
                h.r *= 2.0;
            }
        }
        let m = fit(&res, 0.9);
        let q = m.quantiles.expect("a table from 4,000 residuals");
        assert!(q.windows(2).all(|w| w[0] <= w[1]));
        // the 10% quantile lies about twice as far from 0 as the 90% one (on the rise, 2,200
        // residuals)
        let (lo, hi) = (m.z(0.1, 0.3, 0.0), m.z(0.9, 0.3, 0.0));
        assert!((-lo / hi - 2.0).abs() < 0.2, "{lo} {hi}");
        // the stored share below the 10% quantile is 10% (within a binomial 3 sd over 4,000)
        let below = res
            .iter()
            .filter(|h| h.r < m.z(0.1, h.position, h.ln_c) * m.sd(h.ln_x, h.slope))
            .count() as f64
            / res.len() as f64;
        assert!((below - 0.1).abs() < 0.015, "{below}");
    }

    #[test]
    fn a_longer_tail_on_the_shoulder_gets_its_own_quantiles() {
        // symmetric residuals, except on the shoulder, where the lower tail is twice as long
        let mut res = draw(0.4, 8000);
        let shoulder = |h: &HeldOut| (POSITION_EDGES[0]..POSITION_EDGES[1]).contains(&h.position);
        for h in res.iter_mut().filter(|h| shoulder(h) && h.r < 0.0) {
            h.r *= 2.0;
        }
        let m = fit(&res, 0.9);
        assert!(m.by_position.is_some());
        // the shoulder's 10% quantile lies further out than the rise's and the plateau's
        let (rise, mid, top) = (m.z(0.1, 0.3, 0.0), m.z(0.1, 0.8, 0.0), m.z(0.1, 0.98, 0.0));
        assert!(mid < 1.5 * rise && mid < 1.5 * top, "{rise} {mid} {top}");
        // in each stretch, the share below its 10% quantile is 10%, within a binomial 3 sd
        for (lo, hi) in [(0.0, 0.6), (0.6, 0.95), (0.95, 1.0)] {
            let sel: Vec<&HeldOut> = res
                .iter()
                .filter(|h| (lo..hi).contains(&h.position))
                .collect();
            let below = sel
                .iter()
                .filter(|h| h.r < m.z(0.1, h.position, h.ln_c) * m.sd(h.ln_x, h.slope))
                .count() as f64
                / sel.len() as f64;
            let sd = (0.09 / sel.len() as f64).sqrt();
            assert!(
                (below - 0.1).abs() < 3.0 * sd,
                "{below} on [{lo}, {hi}) of {} residuals",
                sel.len()
            );
        }
    }

    #[test]
    fn few_classes_with_a_longer_tail_get_their_own_band() {
        // three class counts in turn; with 4 classes the lower tail is twice as long
        let lnc = [0.4f64, 0.8, 2.0].map(|c| c.ln());
        let mut res = draw(0.4, 9000);
        for (i, h) in res.iter_mut().enumerate() {
            h.ln_c = lnc[i % 3];
            if i % 3 == 0 && h.r < 0.0 {
                h.r *= 2.0;
            }
        }
        let m = fit(&res, 0.9);
        assert!(m.by_classes.is_some());
        // the band of 2-5 classes has its 10% quantile further out than the others, in every
        // stretch
        for position in [0.3, 0.8, 0.98] {
            let z = lnc.map(|c| m.z(0.1, position, c));
            assert!(z[0] < 1.4 * z[1] && z[0] < 1.4 * z[2], "{position}: {z:?}");
        }
        // in each band, the share below its own 10% quantile is 10%, within a binomial 3 sd
        for c in lnc {
            let sel: Vec<&HeldOut> = res.iter().filter(|h| h.ln_c == c).collect();
            let below = sel
                .iter()
                .filter(|h| h.r < m.z(0.1, h.position, c) * m.sd(h.ln_x, h.slope))
                .count() as f64
                / sel.len() as f64;
            let sd = (0.09 / sel.len() as f64).sqrt();
            assert!((below - 0.1).abs() < 3.0 * sd, "{below} with ln C/10 = {c}");
        }
    }

    #[test]
    fn a_band_with_few_residuals_keeps_the_pooled_tables() {
        // 3,000 residuals at 8 classes, 150 at 20 (fewer than a table needs): the band above
        // 10 classes reads the tables of all residuals by position
        let mut res = draw(0.4, 3150);
        for (i, h) in res.iter_mut().enumerate() {
            h.ln_c = if i % 21 == 0 {
                2.0f64.ln()
            } else {
                0.8f64.ln()
            };
        }
        let m = fit(&res, 0.9);
        let (pooled, bands) = (m.by_position.unwrap(), m.by_classes.unwrap());
        assert_eq!(bands[2], pooled);
        assert_eq!(bands[0], pooled);
        assert_ne!(bands[1], pooled);
        // and a fit with no band of its own stores no bands at all
        let few = draw(0.4, 150);
        assert_eq!(fit(&few, 0.9).by_classes, None);
    }

    #[test]
    fn flat_residuals_keep_a_vertical_spread() {
        let res: Vec<HeldOut> = draw(0.0, 2000);
        let m = fit(&res, 0.9);
        let sd = m.sd(6.0, 0.25);
        assert!((sd - 0.01).abs() < 0.002, "sd {sd}");
    }
}
