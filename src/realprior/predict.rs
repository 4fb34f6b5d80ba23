//! A pilot's curve under the real-curve prior, as the quantile table a model file carries
//! (`surrogate::model::QuantileTable`), and the checks that say when a pilot cannot support a
//! confident answer.

use super::features::{Features, line, smoothed};
use super::pilot::Pilot;
use super::prior::CurvePrior;
use crate::calibrate::fit::CurvePoint;
use crate::signal::Signal;
use crate::surrogate::model::{QuantileTable, normal_quantile};

/// A pilot's predicted curve and what it rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub table: QuantileTable,
    pub features: Features,
    pub pilot: Pilot,
    /// What about the pilot keeps the answer from being confident (empty: nothing).
    pub warnings: Vec<String>,
}

/// The curve of `signal` from its pilot `points` (at least one) under `prior`; `floor` is the
/// metric's chance level.
pub fn predict(
    prior: &CurvePrior,
    signal: Signal,
    points: &[CurvePoint],
    floor: f64,
) -> Option<Prediction> {
    let pilot = Pilot::new(points)?;
    let f = Features::of(&pilot, floor);
    let ahead = prior.quantiles(&f);
    let u = pilot.u();
    let ln_cut = pilot.n_cut().ln();
    let smooth = smoothed(&pilot);
    let means = pilot.means();
    // inside the pilot's range: its measured means with the spread of one anchor's mean;
    // beyond it: the prior's rows, lifted to the pilot's smoothed means (one noisy anchor does
    // not lift the extrapolation, and a knee between two anchors is not cut off inside)
    let before: Vec<usize> = (0..u.len()).filter(|&i| u[i] < 0.0).collect();
    let mut ln_n: Vec<f64> = before.iter().map(|&i| ln_cut + u[i]).collect();
    let nh = ahead[0].len();
    ln_n.extend(prior.horizons[..nh].iter().map(|h| ln_cut + h));
    let mut quality: Vec<Vec<f64>> = prior
        .probs
        .iter()
        .zip(&ahead)
        .map(|(&p, row)| {
            let z = normal_quantile(p);
            let band = |y: f64, i: usize| (y + z * pilot.var[i].sqrt()).clamp(0.0, 1.0);
            let mut r: Vec<f64> = before.iter().map(|&i| band(smooth[i].1, i)).collect();
            r.extend(row);
            for j in 1..r.len() {
                r[j] = r[j].max(r[j - 1]);
            }
            inside_the_pilot(&mut r, before.iter().map(|&i| band(means[i], i)));
            r
        })
        .collect();
    for j in 0..ln_n.len() {
        let mut col: Vec<f64> = quality.iter().map(|r| r[j]).collect();
        col.sort_by(f64::total_cmp);
        for (r, v) in quality.iter_mut().zip(col) {
            r[j] = v;
        }
    }
    let table = QuantileTable {
        signal,
        ln_n,
        probs: prior.probs.clone(),
        quality,
        floor: floor.clamp(0.0, 1.0),
        measured_to: ln_cut,
        supported_to: ln_cut + prior.supported_to,
        reach: prior.reach.clone(),
    };
    let warnings = sanity(&pilot, &f);
    Some(Prediction {
        table,
        features: f,
        pilot,
        warnings,
    })
}

/// Replace the first values of `row` (non-decreasing) by `measured`, the pilot's own band at
/// its anchors before the last one: made non-decreasing, and no higher than where the rest of
/// the row starts.
fn inside_the_pilot(row: &mut [f64], measured: impl Iterator<Item = f64>) {
    let m: Vec<f64> = measured
        .scan(f64::NEG_INFINITY, |best, v| {
            *best = best.max(v);
            Some(*best)
        })
        .collect();
    let nb = m.len();
    if nb == 0 || nb >= row.len() {
        return;
    }
    let cap = row[nb];
    for (r, v) in row.iter_mut().zip(m) {
        *r = v.min(cap);
    }
}

/// A model file from pilot points of one or more signals under `prior`: each signal's curve
/// as a quantile table ([`predict`]) of `metric`, its `floor`, the counts measured as the
/// model's range. Returns the model and each signal's prediction.
///
/// # Errors
/// A signal without points; a table that fails its check (a bug).
pub fn model(
    prior: &CurvePrior,
    pilots: &[(Signal, Vec<CurvePoint>)],
    floor: f64,
    metric: crate::surrogate::Metric,
    source: String,
) -> crate::Result<(crate::surrogate::Model, Vec<Prediction>)> {
    let mut preds = Vec::with_capacity(pilots.len());
    for (s, pts) in pilots {
        preds.push(predict(prior, *s, pts, floor).ok_or_else(|| {
            crate::Error::invalid(
                format!("pilot.{s}"),
                "no points",
                "at least one measured point",
            )
        })?);
    }
    let all = pilots.iter().flat_map(|(_, p)| p.iter().map(|p| p.n));
    let (lo, hi) = all.fold((f64::INFINITY, 0.0f64), |(a, b), n| (a.min(n), b.max(n)));
    let runs = pilots.iter().map(|(_, p)| p.len()).sum();
    let model = crate::calibrate::calibrated_model(
        metric,
        floor,
        source,
        runs,
        [lo as u64, hi as u64],
        Vec::new(),
    )?
    .with_tables(preds.iter().map(|p| p.table.clone()).collect())?;
    Ok((model, preds))
}

/// What keeps a pilot from supporting a confident extrapolation (docs/real-curves.md, "Pilot
/// sanity"): too few counts; a trend that falls, stays flat or rises less than twice its own
/// standard error; seeds that disagree more than the whole pilot rises.
pub fn sanity(p: &Pilot, f: &Features) -> Vec<String> {
    let mut out = Vec::new();
    let m = p.anchors.len();
    if m < 3 {
        out.push(format!(
            "the pilot has {m} distinct counts: its trend is one difference; measure at least 3 (5 or more is better)"
        ));
    }
    let u = p.u();
    let y = p.means();
    let w: Vec<f64> = p.var.iter().map(|v| 1.0 / v).collect();
    let (_, b) = line(&u, &y, &w);
    let sw: f64 = w.iter().sum();
    let mu = u.iter().zip(&w).map(|(u, w)| u * w).sum::<f64>() / sw;
    let sxx: f64 = u.iter().zip(&w).map(|(u, w)| w * (u - mu).powi(2)).sum();
    let se = if sxx > 0.0 {
        sxx.recip().sqrt()
    } else {
        f64::INFINITY
    };
    let per_doubling = |s: f64| s * std::f64::consts::LN_2;
    if m >= 2 && b <= 0.0 {
        out.push(format!(
            "the pilot does not rise: its trend is {:+.4} per doubling of n; more annotations are not shown to help, and any plan beyond the pilot is a guess",
            per_doubling(b)
        ));
    } else if m >= 3 && b < 2.0 * se {
        out.push(format!(
            "the pilot's rise ({:+.4} per doubling of n) is within twice its standard error ({:.4}): the trend is not clear from the noise; measure more seeds or larger counts",
            per_doubling(b),
            per_doubling(se)
        ));
    }
    let rise = f.level - y[0];
    if m >= 2 && p.noise > rise.abs().max(1e-12) {
        out.push(format!(
            "the seeds disagree more than the pilot rises: one measurement's sd is {:.4}, the rise from the first count to the last {:+.4}",
            p.noise, rise
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(f: impl Fn(f64) -> f64, noise: &[f64]) -> Vec<CurvePoint> {
        (0..7)
            .flat_map(|k| {
                let n = 32.0 * 2f64.powi(k);
                noise.iter().map(move |e| (n, e))
            })
            .map(|(n, e)| CurvePoint { n, y: f(n) + e })
            .collect()
    }

    #[test]
    fn each_pilot_sanity_case_gets_its_message() {
        let prior = CurvePrior::embedded();
        let run = |p: &[CurvePoint]| predict(&prior, Signal::Hard, p, 0.1).unwrap().warnings;
        let seeds = [-0.004, 0.0, 0.004];
        let rising = run(&pts(|n| 0.3 + 0.05 * n.ln(), &seeds));
        assert!(rising.is_empty(), "{rising:?}");
        let falling = run(&pts(|n| 0.9 - 0.02 * n.ln(), &seeds));
        assert!(
            falling.iter().any(|w| w.contains("does not rise")),
            "{falling:?}"
        );
        let flat = run(&pts(|_| 0.7, &seeds));
        assert!(
            flat.iter()
                .any(|w| w.contains("does not rise") || w.contains("within twice")),
            "{flat:?}"
        );
        let noisy = run(&pts(|n| 0.5 + 0.002 * n.ln(), &[-0.2, 0.0, 0.2]));
        assert!(
            noisy.iter().any(|w| w.contains("seeds disagree")),
            "{noisy:?}"
        );
        let two = run(&[
            CurvePoint { n: 100.0, y: 0.5 },
            CurvePoint { n: 200.0, y: 0.6 },
        ]);
        assert!(
            two.iter().any(|w| w.contains("2 distinct counts")),
            "{two:?}"
        );
    }

    /// A pilot whose curve bends within a factor of 2 of n (a CKA curve's knee): inside its
    /// range the median follows the measured means (a smoother of the means cut this knee by
    /// 0.07 and read a target between two anchors past the second), never above where the rows
    /// beyond the pilot start.
    #[test]
    fn inside_the_pilot_the_median_follows_the_measured_means() {
        let prior = CurvePrior::embedded();
        let ys = [0.022, 0.077, 0.434, 0.830, 0.925];
        let pilot: Vec<CurvePoint> = ys
            .iter()
            .enumerate()
            .flat_map(|(k, &y)| {
                let n = 48.0 * 2f64.powi(k as i32);
                [-0.005, 0.005].map(|e| CurvePoint { n, y: y + e })
            })
            .collect();
        let p = predict(&prior, Signal::Hard, &pilot, 0.0).unwrap();
        for (k, &y) in ys[..4].iter().enumerate() {
            let q = p.table.quantile(48.0 * 2f64.powi(k as i32), 0.5);
            assert!((q - y).abs() < 1e-9, "anchor {k}: median {q}, measured {y}");
        }
        // a target between the third and fourth anchors' means is reached between their counts
        let median = |n: f64| p.table.quantile(n, 0.5);
        assert!(median(192.0) < 0.8 && median(384.0) >= 0.8);
        // the measured means inside never exceed where the prior's rows start
        let start = p.table.quantile(768.0, 0.5);
        assert!(median(384.0) <= start, "{} > {start}", median(384.0));
    }

    #[test]
    fn the_table_is_ordered_and_spans_the_pilot_and_the_supported_horizon() {
        let prior = CurvePrior::embedded();
        let p = predict(
            &prior,
            Signal::Hard,
            &pts(|n| 0.3 + 0.05 * n.ln(), &[-0.01, 0.01]),
            0.1,
        )
        .unwrap();
        p.table.check().unwrap();
        let t = &p.table;
        assert!((t.ln_n[0] - 32f64.ln()).abs() < 1e-12);
        assert!((t.measured_to - 2048f64.ln()).abs() < 1e-12);
        assert!((t.supported_to - t.measured_to - prior.supported_to).abs() < 1e-12);
        assert!((t.ln_n.last().unwrap() - t.supported_to).abs() < 1e-12);
    }
}
