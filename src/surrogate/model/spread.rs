//! The spread of a single run around a fitted curve, and the quantile tables that shape it.

use serde::{Deserialize, Serialize};

/// Spread of a single run around the curve (see [`crate::surrogate::residual`]):
/// `sd^2 = exp(2 (c0 + c1 ln x)) + (slope * dQ/dln x)^2`, with ln x held inside the fitted range
/// `ln_x` so the spread does not run away when n extrapolates; and the shape of the
/// distribution of a run around the curve in units of sd.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Residual {
    pub c0: f64,
    pub c1: f64,
    /// Horizontal error in ln x (0: the vertical term alone).
    #[serde(default)]
    pub slope: f64,
    pub ln_x: [f64; 2],
    /// Quantiles of the held-out residuals in units of sd at the probabilities
    /// [`QUANTILE_PROBS`] (absent: the normal quantiles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantiles: Option<[f64; N_QUANTILES]>,
    /// The same quantiles for the residuals of each stretch of the curve ([`POSITION_EDGES`]);
    /// within [`POSITION_RAMP`] of an edge the two stretches' quantiles are blended linearly in
    /// the position, so that a quantile moves continuously along the curve (absent: `quantiles`
    /// everywhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_position: Option<[PositionQuantiles; N_POSITION_BINS]>,
    /// The same tables by position, once per band of class counts ([`CLASS_EDGES`]): on the
    /// default sweep, runs with few classes stray further below their curve, relative to their
    /// spread, than runs with many (worlds with few classes differ most in where they level
    /// off). A band with too few residuals in a stretch keeps `by_position`'s table there
    /// (absent: `by_position` for every class count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_classes: Option<[[PositionQuantiles; N_POSITION_BINS]; N_CLASS_BANDS]>,
}

/// Quantiles of r / sd over one stretch of the curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionQuantiles {
    /// Where on the curve the stretch starts (it ends where the next one starts, or at 1): a
    /// position is the share of the rise from floor to ceiling, `(Q - floor) / (ceiling - floor)`.
    pub from: f64,
    pub quantiles: [f64; N_QUANTILES],
}

/// Stretches of the curve with their own residual quantiles: the rise (position below 0.6),
/// the shoulder (0.6 to 0.95) and the plateau (above 0.95). On the default sweep the held-out
/// residuals' lower tail is about 1.5 times longer on the shoulder than on the rise, relative
/// to their spread: some worlds level off below the curve the scenario predicts, and quality
/// targets usually lie there (docs/validation.md, "The surrogate").
pub const POSITION_EDGES: [f64; N_POSITION_BINS - 1] = [0.6, 0.95];
/// Number of stretches in [`POSITION_EDGES`].
pub const N_POSITION_BINS: usize = 3;
/// Half-width of the blend between two stretches' quantiles around their common edge.
pub const POSITION_RAMP: f64 = 0.02;

/// Class counts at which a band of residual tables ends ([`Residual::by_classes`]): 2 to 5
/// classes, 6 to 10, and more than 10. On the default sweep the held-out hard-label runs on the
/// shoulder of the curve fell below the quality said to be exceeded with probability 0.9 in
/// 13% of cases with 2 to 5 classes, 12% with 6 to 10 and 6% with 11 and more (docs/validation.md,
/// "The surrogate").
pub const CLASS_EDGES: [f64; N_CLASS_BANDS - 1] = [5.5, 10.5];
/// Number of class bands.
pub const N_CLASS_BANDS: usize = 3;

/// The band of [`CLASS_EDGES`] a scenario of `classes` classes falls in.
#[inline]
pub fn band_of_classes(classes: usize) -> usize {
    class_band((classes as f64 / 10.0).ln())
}

/// The band of [`CLASS_EDGES`] a scenario with scale feature `ln_c` = ln(C / 10) falls in (the
/// middle band when the feature is 0, as in a model without scenario terms; 0 for NaN).
#[inline]
pub fn class_band(ln_c: f64) -> usize {
    CLASS_EDGES_LN.iter().filter(|&&e| ln_c >= e).count()
}

/// [`CLASS_EDGES`] as the class feature ln(C / 10), computed once (a prediction reads the band
/// for each end of its interval and for each quantile).
static CLASS_EDGES_LN: std::sync::LazyLock<[f64; N_CLASS_BANDS - 1]> =
    std::sync::LazyLock::new(|| CLASS_EDGES.map(|e| (e / 10.0).ln()));

/// Which of the stretches of the curve separated by `edges` (increasing) a position falls in:
/// 0 below the first edge, `edges.len()` at or above the last (0 for NaN).
#[inline]
pub fn stretch_of(edges: &[f64], position: f64) -> usize {
    edges.iter().filter(|&&e| position >= e).count()
}

/// Number of stored residual quantiles.
pub const N_QUANTILES: usize = 15;
/// Probabilities of the stored residual quantiles.
pub const QUANTILE_PROBS: [f64; N_QUANTILES] = [
    0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.975, 0.99,
];

/// Normal quantiles of [`QUANTILE_PROBS`], computed once.
static QUANTILE_Z: std::sync::LazyLock<[f64; N_QUANTILES]> =
    std::sync::LazyLock::new(|| QUANTILE_PROBS.map(normal_quantile));

impl Residual {
    /// The spread at covariate ln x where the curve rises by `dq_dlnx` per unit of ln x.
    #[inline]
    pub fn sd(&self, ln_x: f64, dq_dlnx: f64) -> f64 {
        let v = (self.c0 + self.c1 * ln_x.clamp(self.ln_x[0], self.ln_x[1])).exp();
        if self.slope == 0.0 {
            return v;
        }
        v.hypot(self.slope * dq_dlnx)
    }

    /// The quantile of a run around the curve at probability `p`, in units of sd: the stored
    /// quantiles interpolated linearly against the normal quantile of p (beyond the table, the
    /// end quantile scaled as the normal's); the normal quantile without a table.
    ///
    /// `position` is where on the curve the run lies (share of the rise from floor to ceiling,
    /// see [`PositionQuantiles`]); it matters only for a model with tables by position. `ln_c`
    /// is the scenario's class feature ln(C / 10) (`Inputs::z[0]`); it matters only for a model
    /// with tables by class band.
    pub fn z(&self, p: f64, position: f64, ln_c: f64) -> f64 {
        self.z_normal(normal_quantile(p), position, ln_c)
    }

    /// [`Residual::z`] given the normal quantile `zp` of the probability.
    #[inline]
    pub fn z_normal(&self, zp: f64, position: f64, ln_c: f64) -> f64 {
        let tables = match &self.by_classes {
            Some(bands) => Some(&bands[class_band(ln_c)]),
            None => self.by_position.as_ref(),
        };
        if let Some(tables) = tables {
            let (k, t) = bracket(&tables.map(|t| t.from), position);
            let lo = table_z(&tables[k].quantiles, zp);
            if t == 0.0 {
                return lo;
            }
            return lo + t * (table_z(&tables[k + 1].quantiles, zp) - lo);
        }
        match &self.quantiles {
            Some(q) => table_z(q, zp),
            None => zp,
        }
    }
}

/// Whether a quantile table is finite and in non-decreasing order.
pub(super) fn ordered(q: &[f64; N_QUANTILES]) -> bool {
    q.iter().all(|v| v.is_finite()) && q.windows(2).all(|w| w[0] <= w[1])
}

/// The stored quantiles `q` read at the normal quantile `zp`: linear interpolation against the
/// normal quantiles of [`QUANTILE_PROBS`], the end quantile scaled as the normal's beyond them.
fn table_z(q: &[f64; N_QUANTILES], zp: f64) -> f64 {
    let zs = &*QUANTILE_Z;
    if zp <= zs[0] {
        return q[0] * zp / zs[0];
    }
    if zp >= zs[N_QUANTILES - 1] {
        return q[N_QUANTILES - 1] * zp / zs[N_QUANTILES - 1];
    }
    let k = zs.iter().position(|&z| z > zp).unwrap_or(N_QUANTILES - 1);
    let t = (zp - zs[k - 1]) / (zs[k] - zs[k - 1]);
    q[k - 1] + t * (q[k] - q[k - 1])
}

/// The stretch of `position` among stretches starting at `from`, and the weight of the next
/// stretch: `(k, t)` with the blended value `(1 - t) v[k] + t v[k + 1]`, t rising from 0 to 1
/// over [`POSITION_RAMP`] either side of an edge and 0 elsewhere.
#[inline]
fn bracket(from: &[f64; N_POSITION_BINS], position: f64) -> (usize, f64) {
    if position.is_nan() {
        return (0, 0.0);
    }
    for k in 0..N_POSITION_BINS - 1 {
        let edge = from[k + 1];
        if position < edge + POSITION_RAMP {
            let t = (position - (edge - POSITION_RAMP)) / (2.0 * POSITION_RAMP);
            return (k, t.max(0.0));
        }
    }
    (N_POSITION_BINS - 1, 0.0)
}

/// Standard normal quantile (statrs), with p clamped away from 0 and 1.
pub fn normal_quantile(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(p.clamp(1e-12, 1.0 - 1e-12))
}
