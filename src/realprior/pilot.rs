//! A pilot learning curve summarised for the real-curve prior: the mean, spread and count of
//! the measurements at each distinct n (an anchor), the noise of one measurement, and the
//! sanity checks that keep a confident answer from coming out of a pilot that cannot support
//! one (docs/real-curves.md, "Pilot sanity").

use crate::calibrate::fit::CurvePoint;

/// Floor of the variance of one anchor's mean (quality units squared): even many seeds do not
/// measure a curve's mean more precisely than its wiggle from one count to the next (0.005,
/// about the wiggle of LCDB's 25-split mean curves).
pub const TAU: f64 = 0.005;

/// The measurements at one distinct n.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anchor {
    pub n: f64,
    /// Mean of the measurements.
    pub mean: f64,
    /// Their standard deviation (0 for a single measurement).
    pub sd: f64,
    /// How many.
    pub k: usize,
}

/// A pilot curve: its anchors in increasing n, the noise sd of one measurement and the
/// variance of each anchor's mean.
#[derive(Debug, Clone, PartialEq)]
pub struct Pilot {
    pub anchors: Vec<Anchor>,
    /// Standard deviation of one measurement around the curve (from the seeds, or from the
    /// scatter of the means when every n was measured once).
    pub noise: f64,
    /// Variance of each anchor's mean around the curve, [`TAU`] squared included.
    pub var: Vec<f64>,
}

impl Pilot {
    /// Summarise measured points (any order; rows with the same n are seeds). `None` for no
    /// points.
    pub fn new(points: &[CurvePoint]) -> Option<Pilot> {
        let mut pts: Vec<CurvePoint> = points.to_vec();
        pts.sort_by(|a, b| a.n.total_cmp(&b.n));
        let mut anchors: Vec<Anchor> = Vec::new();
        let mut i = 0;
        while i < pts.len() {
            let j = i + pts[i..].iter().take_while(|p| p.n == pts[i].n).count();
            let ys: Vec<f64> = pts[i..j].iter().map(|p| p.y).collect();
            let k = ys.len();
            let mean = ys.iter().sum::<f64>() / k as f64;
            let sd = if k > 1 {
                (ys.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / (k - 1) as f64).sqrt()
            } else {
                0.0
            };
            anchors.push(Anchor {
                n: pts[i].n,
                mean,
                sd,
                k,
            });
            i = j;
        }
        if anchors.is_empty() {
            return None;
        }
        let noise = noise_sd(&anchors);
        let var = anchors
            .iter()
            .map(|a| {
                let own = if a.k > 1 { a.sd * a.sd } else { noise * noise };
                (0.5 * own + 0.5 * noise * noise) / a.k as f64 + TAU * TAU
            })
            .collect();
        Some(Pilot {
            anchors,
            noise,
            var,
        })
    }

    /// The last (largest) measured count.
    pub fn n_cut(&self) -> f64 {
        self.anchors.last().map_or(1.0, |a| a.n)
    }

    /// ln(n / n_cut) of each anchor (0 at the last one).
    pub fn u(&self) -> Vec<f64> {
        let c = self.n_cut().ln();
        self.anchors.iter().map(|a| a.n.ln() - c).collect()
    }

    /// The anchors' means.
    pub fn means(&self) -> Vec<f64> {
        self.anchors.iter().map(|a| a.mean).collect()
    }
}

/// Noise sd of one measurement: the median of the seed variances of anchors measured more
/// than once; with none, from the scatter of consecutive means (median absolute second
/// difference, which a straight trend in ln n does not move, scaled to a normal's sd); 0 with
/// fewer than three anchors.
fn noise_sd(anchors: &[Anchor]) -> f64 {
    let mut v: Vec<f64> = anchors
        .iter()
        .filter(|a| a.k > 1)
        .map(|a| a.sd * a.sd)
        .collect();
    if !v.is_empty() {
        return median(&mut v).sqrt();
    }
    if anchors.len() < 3 {
        return 0.0;
    }
    let mut d2: Vec<f64> = anchors
        .windows(3)
        .map(|w| (w[0].mean - 2.0 * w[1].mean + w[2].mean).abs())
        .collect();
    // a second difference of independent N(0, s^2) has sd s sqrt(6); 0.6745 turns a median
    // absolute value into an sd
    median(&mut d2) / 0.6745 / 6f64.sqrt()
}

/// Median of a non-empty slice (sorted in place).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        0.5 * (v[m - 1] + v[m])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(rows: &[(f64, f64)]) -> Vec<CurvePoint> {
        rows.iter().map(|&(n, y)| CurvePoint { n, y }).collect()
    }

    #[test]
    fn anchors_pool_the_seeds_of_each_count() {
        let p = Pilot::new(&pts(&[(32.0, 0.5), (16.0, 0.2), (16.0, 0.4), (32.0, 0.7)])).unwrap();
        assert_eq!(p.anchors.len(), 2);
        assert_eq!((p.anchors[0].n, p.anchors[0].k), (16.0, 2));
        assert!((p.anchors[0].mean - 0.3).abs() < 1e-12);
        assert!((p.anchors[0].sd - 0.02f64.sqrt()).abs() < 1e-12);
        assert_eq!(p.n_cut(), 32.0);
        assert_eq!(p.u()[1], 0.0);
        // both anchors have seed variance 0.02: the noise is that, each mean's variance half of it
        assert!((p.noise - 0.02f64.sqrt()).abs() < 1e-12);
        assert!((p.var[0] - (0.01 + TAU * TAU)).abs() < 1e-12);
        assert!(Pilot::new(&[]).is_none());
    }

    #[test]
    fn single_measurements_take_their_noise_from_the_scatter() {
        // a straight line in ln n has no second differences: zero noise
        let line: Vec<(f64, f64)> = (0..6)
            .map(|k| (16.0 * 2f64.powi(k), 0.1 * k as f64))
            .collect();
        assert!(Pilot::new(&pts(&line)).unwrap().noise < 1e-12);
        // alternating +-0.02 around it: second differences of 0.08, noise 0.08 / 0.6745 / sqrt 6
        let wiggle: Vec<(f64, f64)> = line
            .iter()
            .enumerate()
            .map(|(i, &(n, y))| (n, y + if i % 2 == 0 { 0.02 } else { -0.02 }))
            .collect();
        let p = Pilot::new(&pts(&wiggle)).unwrap();
        assert!(
            (p.noise - 0.08 / 0.6745 / 6f64.sqrt()).abs() < 1e-12,
            "{}",
            p.noise
        );
    }
}
