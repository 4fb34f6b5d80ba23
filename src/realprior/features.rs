//! What a pilot shows, as the numbers the real-curve prior conditions on (docs/real-curves.md,
//! "Features"). All in ln n relative to the pilot's last count, u = ln(n / n_cut), and in
//! quality units; fits are weighted by the inverse variance of each anchor's mean
//! ([`Pilot::var`]).

use super::pilot::Pilot;

/// Windows (in u, back from the last anchor) of the local straight-line fits: the level and
/// slope over the last 0.75, 1.5 and 3 units of ln n (about 2x, 4.5x and 20x in n).
pub const WINDOWS: [f64; 3] = [0.75, 1.5, 3.0];
/// Bandwidth (in u) of the kernel smoother of the pilot's own range.
pub const SMOOTH_BW: f64 = 0.7;

/// Names of the entries of [`Features::design`], in order: the model file lists them so that a
/// file written for another set is refused.
pub const NAMES: [&str; NF] = [
    "intercept",
    "slope_0.75",
    "slope_1.5",
    "slope_3",
    "curvature",
    "headroom",
    "noise",
    "min(slope_1.5,headroom)",
    "slope_1.5+*headroom",
    "sqrt(headroom)",
    "ln(n_cut)/10",
    "above_chance",
    "span/5",
    "slope_0.75+*headroom",
    "slope_3+*headroom",
    "rise",
    "noise*headroom",
];
/// Number of design entries.
pub const NF: usize = 17;

/// The summary of a pilot the prior reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Features {
    /// Level at the last count, from the straight-line fit over the middle window: the curve's
    /// quality at n_cut, with the last point's own noise smoothed out. Predictions are gains
    /// over it.
    pub level: f64,
    /// Slopes dQ/du of the straight-line fits over [`WINDOWS`].
    pub slope: [f64; 3],
    /// Second-order coefficient of a quadratic in u over every anchor (0 with fewer than 4).
    pub curvature: f64,
    /// Noise sd of one measurement.
    pub noise: f64,
    /// ln n_cut.
    pub ln_cut: f64,
    /// ln of the ratio of the last to the first count.
    pub span: f64,
    /// The metric's chance (or untrained) level.
    pub floor: f64,
    /// The level less the first count's mean.
    pub rise: f64,
}

impl Features {
    /// The features of a pilot with at least one anchor.
    pub fn of(p: &Pilot, floor: f64) -> Features {
        let u = p.u();
        let y = p.means();
        let w: Vec<f64> = p.var.iter().map(|v| 1.0 / v).collect();
        let m = u.len();
        let mut level = y[m - 1];
        let mut slope = [0.0; 3];
        for (k, &win) in WINDOWS.iter().enumerate() {
            let mut from = u.iter().position(|&x| x >= -win - 1e-12).unwrap_or(0);
            from = from.min(m.saturating_sub(3));
            let (a, b) = line(&u[from..], &y[from..], &w[from..]);
            slope[k] = b;
            if k == 1 {
                level = a;
            }
        }
        let curvature = if m >= 4 {
            quadratic(&u, &y, &w).map_or(0.0, |c| c[2])
        } else {
            0.0
        };
        Features {
            level,
            slope,
            curvature,
            noise: p.noise,
            ln_cut: p.n_cut().ln(),
            span: u[m - 1] - u[0],
            floor,
            rise: level - y[0],
        }
    }

    /// Room left above the level, in [0, 1].
    pub fn headroom(&self) -> f64 {
        (1.0 - self.level).clamp(0.0, 1.0)
    }

    /// The design vector the prior's coefficients multiply ([`NAMES`]).
    pub fn design(&self) -> [f64; NF] {
        let h = self.headroom();
        let s = self.slope[1];
        [
            1.0,
            self.slope[0],
            s,
            self.slope[2],
            self.curvature,
            h,
            self.noise,
            s.min(h),
            s.max(0.0) * h,
            h.sqrt(),
            self.ln_cut / 10.0,
            (self.level - self.floor) / (1.0 - self.floor).max(1e-3),
            self.span / 5.0,
            self.slope[0].max(0.0) * h,
            self.slope[2].max(0.0) * h,
            self.rise,
            self.noise * h,
        ]
    }
}

/// Weighted least-squares line y = a + b u: (a, b); the weighted mean and 0 when the u do not
/// vary.
pub fn line(u: &[f64], y: &[f64], w: &[f64]) -> (f64, f64) {
    let sw: f64 = w.iter().sum();
    let mu = u.iter().zip(w).map(|(u, w)| u * w).sum::<f64>() / sw;
    let my = y.iter().zip(w).map(|(y, w)| y * w).sum::<f64>() / sw;
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for ((&u, &y), &w) in u.iter().zip(y).zip(w) {
        sxx += w * (u - mu) * (u - mu);
        sxy += w * (u - mu) * (y - my);
    }
    if sxx <= 1e-12 * sw {
        return (my, 0.0);
    }
    let b = sxy / sxx;
    (my - b * mu, b)
}

/// Weighted least-squares quadratic y = c0 + c1 u + c2 u^2 (normal equations, Gaussian
/// elimination with partial pivoting); `None` when they are singular.
pub fn quadratic(u: &[f64], y: &[f64], w: &[f64]) -> Option<[f64; 3]> {
    let mut a = [[0.0f64; 4]; 3];
    for ((&u, &y), &w) in u.iter().zip(y).zip(w) {
        let x = [1.0, u, u * u];
        for r in 0..3 {
            for c in 0..3 {
                a[r][c] += w * x[r] * x[c];
            }
            a[r][3] += w * x[r] * y;
        }
    }
    for col in 0..3 {
        let piv = (col..3).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-12 * a[0][0].abs().max(1e-300) {
            return None;
        }
        a.swap(col, piv);
        let pivot = a[col];
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot[col];
                for (v, p) in row.iter_mut().zip(pivot).skip(col) {
                    *v -= f * p;
                }
            }
        }
    }
    Some([a[0][3] / a[0][0], a[1][3] / a[1][1], a[2][3] / a[2][2]])
}

/// The pilot smoothed over its own range: at each anchor, a kernel-weighted (Gaussian in u,
/// bandwidth [`SMOOTH_BW`], times the inverse variance) straight-line fit, read at that anchor.
/// `(u, smoothed quality)` per anchor.
pub fn smoothed(p: &Pilot) -> Vec<(f64, f64)> {
    let u = p.u();
    let y = p.means();
    u.iter()
        .map(|&u0| {
            let w: Vec<f64> = u
                .iter()
                .zip(&p.var)
                .map(|(&x, v)| (-0.5 * ((x - u0) / SMOOTH_BW).powi(2)).exp() / v)
                .collect();
            let du: Vec<f64> = u.iter().map(|x| x - u0).collect();
            (u0, line(&du, &y, &w).0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::fit::CurvePoint;

    fn pilot(f: impl Fn(f64) -> f64, ns: &[f64]) -> Pilot {
        let pts: Vec<CurvePoint> = ns
            .iter()
            .flat_map(|&n| [-0.01, 0.01].map(|e| CurvePoint { n, y: f(n) + e }))
            .collect();
        Pilot::new(&pts).unwrap()
    }

    #[test]
    fn a_straight_line_in_ln_n_gives_its_level_and_slope_at_every_window() {
        let ns: Vec<f64> = (0..8).map(|k| 16.0 * 2f64.powi(k)).collect();
        let p = pilot(|n| 0.3 + 0.05 * (n / 2048.0).ln(), &ns);
        let f = Features::of(&p, 0.1);
        assert!((f.level - 0.3).abs() < 1e-9, "{f:?}");
        for s in f.slope {
            assert!((s - 0.05).abs() < 1e-9, "{f:?}");
        }
        assert!(f.curvature.abs() < 1e-9);
        assert!((f.span - 7.0 * 2f64.ln()).abs() < 1e-12);
        let d = f.design();
        assert_eq!(d.len(), NAMES.len());
        assert!((d[11] - (0.3 - 0.1) / 0.9).abs() < 1e-12);
        for (u, s) in smoothed(&p) {
            assert!((s - (0.3 + 0.05 * u)).abs() < 1e-9);
        }
    }

    #[test]
    fn a_quadratic_is_recovered_and_short_pilots_use_their_last_three_points() {
        let c = quadratic(&[-2.0, -1.0, 0.0, 1.0], &[4.0, 1.0, 0.0, 1.0], &[1.0; 4]).unwrap();
        assert!((c[0]).abs() < 1e-12 && c[1].abs() < 1e-12 && (c[2] - 1.0).abs() < 1e-12);
        assert!(quadratic(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0], &[1.0; 3]).is_none());
        // three anchors over 2x each: every window falls back to all three
        let p = pilot(|n| 0.5 + 0.02 * n.ln(), &[100.0, 200.0, 400.0]);
        let f = Features::of(&p, 0.0);
        assert!((f.slope[0] - 0.02).abs() < 1e-9 && (f.slope[2] - 0.02).abs() < 1e-9);
        assert_eq!(f.curvature, 0.0);
    }
}
