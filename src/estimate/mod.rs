//! Estimating a scenario from a team's own data: the number of classes C from the labels, the
//! feature dimension D and the latent dimension d from the features (with what the labels add),
//! the nuisance level from the features' spectrum, and the annotator's error rate from an
//! annotation log or soft labels; each with an interval (docs/scenario.md).
//!
//! | value      | from                                 | module        |
//! |------------|--------------------------------------|---------------|
//! | `classes`  | distinct labels (or soft columns, or the log's labels) | here |
//! | `features` | non-constant feature columns         | here          |
//! | `dims`     | the spectrum's gap, bounded below by the labels | [`spectrum`], [`classes`], [`combine`] |
//! | `nuisance` | the spectrum's two levels            | [`spectrum`]  |
//! | `noise`    | the log's agreement, or soft labels  | [`noise`]     |

pub mod classes;
pub mod combine;
pub mod linalg;
pub mod load;
pub mod noise;
pub mod output;
pub mod sensitivity;
pub mod spectrum;

use crate::error::{Error, Result};
use crate::info::item_labels::ItemLabels;
use crate::scenario::Scenario;
use ndarray::{Array2, ArrayView2, Axis};
use serde::Serialize;

/// Default bootstrap replicates of each kind.
pub const REPLICATES: usize = 50;
/// Default interval coverage.
pub const LEVEL: f64 = 0.9;
/// A column whose variance is at most this share of the largest column's is constant.
pub const CONSTANT_SHARE: f64 = 1e-12;

/// The data a scenario is estimated from.
#[derive(Debug, Clone, Copy)]
pub struct Data<'a> {
    /// Features, items x columns.
    pub x: ArrayView2<'a, f64>,
    /// The class index (0..C) of every item, and C.
    pub labels: Option<(&'a [usize], usize)>,
    /// Soft labels, items x C.
    pub soft: Option<ArrayView2<'a, f64>>,
    /// Label counts of the items of an annotation log (items already matched to rows).
    pub log: Option<&'a ItemLabels>,
}

/// How to estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Bootstrap replicates of each kind (spectrum: isotropic and fitted; log: over items).
    pub replicates: usize,
    pub seed: u64,
    /// Coverage of every interval.
    pub level: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            replicates: REPLICATES,
            seed: 0,
            level: LEVEL,
        }
    }
}

/// One estimated value with its interval and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Value {
    pub estimate: f64,
    pub lo: f64,
    pub hi: f64,
    /// What measured it ("labels", "spectrum", "annotation log", ...), or "assumed".
    pub source: String,
    /// Why the interval is what it is, when that needs saying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Value {
    /// A value known exactly.
    pub fn exact(v: f64, source: &str) -> Value {
        Value {
            estimate: v,
            lo: v,
            hi: v,
            source: source.into(),
            note: None,
        }
    }

    /// The interval's width relative to the estimate, on a log scale for positive values: how
    /// uncertain the value is, comparable across parameters.
    pub fn relative_width(&self) -> f64 {
        if self.lo > 0.0 {
            (self.hi / self.lo).ln()
        } else {
            self.hi - self.lo
        }
    }
}

/// A scenario estimated from data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioEstimate {
    pub items: usize,
    /// Columns of the features file, and how many of them were constant (and left out).
    pub columns: usize,
    pub constant_columns: usize,
    pub classes: Value,
    pub features: Value,
    pub dims: Value,
    pub nuisance: Value,
    pub noise: Value,
    /// Coverage of the intervals.
    pub level: f64,
    /// What the spectrum said, and what the labels said.
    pub spectrum: spectrum::Verdict,
    pub spectrum_gap: f64,
    pub isotropic_gap: f64,
    pub class_directions: Option<(usize, usize)>,
    pub notes: Vec<String>,
}

impl ScenarioEstimate {
    /// The scenario at the point estimates (dims rounded, noise within the accepted range).
    pub fn scenario(&self) -> Scenario {
        let classes = self.classes.estimate as usize;
        let features = self.features.estimate as usize;
        let dims = (self.dims.estimate.round() as usize).clamp(1, features);
        Scenario {
            classes,
            dims,
            features,
            nuisance: (self.nuisance.estimate * 100.0).round() / 100.0,
            noise: clamp_noise((self.noise.estimate * 1000.0).round() / 1000.0, classes),
            ..Scenario::default()
        }
    }
}

/// `noise` kept inside [0, 1 - 1/C) with a margin, as a scenario requires.
pub fn clamp_noise(noise: f64, classes: usize) -> f64 {
    let max = 1.0 - 1.0 / classes as f64;
    noise.clamp(0.0, max - 1e-3)
}

/// Indices of the columns of `x` that vary.
pub fn varying_columns(x: ArrayView2<f64>) -> Vec<usize> {
    let var = x.var_axis(Axis(0), 0.0);
    let top = var.iter().copied().fold(0.0, f64::max);
    (0..x.ncols())
        .filter(|&j| var[j] > CONSTANT_SHARE * top && var[j] > 0.0)
        .collect()
}

/// Estimate the scenario of `data`.
///
/// # Errors
/// Constant features (named `features`), no source of the number of classes, fewer items
/// than classes, or a numerical failure.
pub fn estimate(data: &Data<'_>, opts: &Options) -> Result<ScenarioEstimate> {
    let n = data.x.nrows();
    let keep = varying_columns(data.x);
    if keep.is_empty() {
        return Err(Error::invalid(
            "features",
            format!(
                "every one of the {} columns is constant (column 1 = {})",
                data.x.ncols(),
                data.x.get((0, 0)).map_or("none".into(), |v| v.to_string())
            ),
            "features that vary between items: the latent dimension is read from their \
             covariance",
        ));
    }
    let classes = classes_of(data)?;
    if n <= classes.estimate as usize {
        return Err(Error::invalid(
            "features",
            format!(
                "{n} items for {} classes ({})",
                classes.estimate, classes.source
            ),
            "more items than classes (at least 2 per class)",
        ));
    }
    let x: Array2<f64> = data.x.select(Axis(1), &keep);
    let (_, cov) = linalg::covariance(x.view());
    let with_vectors = data.labels.is_some();
    let (eigs, vecs) = linalg::symmetric_eigen(&cov, with_vectors);
    let fit = spectrum::fit(eigs, n, opts.replicates, opts.seed, opts.level);
    let class_fit = match data.labels {
        Some((y, c)) => Some((classes::fit(x.view(), y, c)?, y, c)),
        None => None,
    };
    let combined = combine::dims(&fit, class_fit.as_ref().map(|c| &c.0), || {
        let (y, c) = class_fit.as_ref().map(|c| (c.1, c.2))?;
        let vecs = vecs.as_ref()?;
        Some(combine::signal_is_lower(&x, y, c, vecs, &fit))
    });
    let noise = noise_of(data, &classes, &combined.dims, opts);
    let mut notes = combined.notes;
    if !keep.len().eq(&data.x.ncols()) {
        notes.push(format!(
            "{} constant column(s) left out: D counts the {} that vary",
            data.x.ncols() - keep.len(),
            keep.len()
        ));
    }
    Ok(ScenarioEstimate {
        items: n,
        columns: data.x.ncols(),
        constant_columns: data.x.ncols() - keep.len(),
        features: Value::exact(keep.len() as f64, "features"),
        classes,
        dims: combined.dims,
        nuisance: combined.nuisance,
        noise,
        level: opts.level,
        spectrum: fit.verdict,
        spectrum_gap: fit.gap,
        isotropic_gap: fit.null_gap,
        class_directions: class_fit.map(|c| (c.0.significant, c.0.most)),
        notes,
    })
}

/// C from the labels, else the soft labels' columns, else the log's distinct labels.
fn classes_of(data: &Data<'_>) -> Result<Value> {
    if let Some((_, c)) = data.labels {
        return Ok(Value::exact(c as f64, "labels"));
    }
    if let Some(p) = data.soft {
        return Ok(Value::exact(p.ncols() as f64, "soft labels"));
    }
    if let Some(log) = data.log {
        return Ok(Value::exact(log.classes.len() as f64, "annotation log"));
    }
    Err(Error::invalid(
        "classes",
        "no labels, soft labels or annotation log",
        "labels (--labels), soft labels (--soft) or an annotation log (--annotations), from \
         which the number of classes is counted",
    ))
}

/// The error rate from the log (preferred: it needs no assumption about how soft labels were
/// made) or the soft labels, else the default with the whole range the default model covers.
fn noise_of(data: &Data<'_>, classes: &Value, dims: &Value, opts: &Options) -> Value {
    let c = classes.estimate as usize;
    let z = crate::surrogate::model::normal_quantile(0.5 + opts.level / 2.0);
    if let Some(log) = data.log {
        let per_item = noise::item_agreements(&log.counts);
        if !per_item.is_empty() {
            let (a, a_lo, a_hi) = noise::agreement_interval(
                &per_item,
                opts.replicates.max(200),
                opts.seed,
                opts.level,
            );
            let d = dims.estimate.round().max(1.0) as usize;
            let at = |a: f64, d: usize| noise::error_rates(a, c, d);
            let worlds = at(a, d);
            let m = worlds.iter().sum::<f64>() / worlds.len() as f64;
            let sd = (worlds.iter().map(|e| (e - m) * (e - m)).sum::<f64>()
                / (worlds.len() - 1) as f64)
                .sqrt();
            let mean = |v: Vec<f64>| v.iter().sum::<f64>() / v.len() as f64;
            // higher agreement, lower error; the ends of d's interval move the mapping
            let ends = [
                mean(at(a_hi, d)),
                mean(at(a_lo, d)),
                mean(at(a, dims.lo.round().max(1.0) as usize)),
                mean(at(a, dims.hi.round().max(1.0) as usize)),
            ];
            let lo = ends.iter().copied().fold(m, f64::min);
            let hi = ends.iter().copied().fold(m, f64::max);
            let widen = |edge: f64| ((m - edge).powi(2) + (z * sd).powi(2)).sqrt();
            return Value {
                estimate: m,
                lo: (m - widen(lo)).max(0.0),
                hi: m + widen(hi),
                source: "annotation log".into(),
                note: Some(format!(
                    "agreement {a:.3} of {} items mapped through the simulator's annotator at \
                     C = {c}, d = {d}",
                    per_item.len()
                )),
            };
        }
    }
    if let Some(p) = data.soft {
        let (e, se) = noise::from_soft(p);
        return Value {
            estimate: e,
            lo: (e - z * se).max(0.0),
            hi: e + z * se,
            source: "soft labels".into(),
            note: Some("1 - mean of each soft label's largest entry".into()),
        };
    }
    let default = Scenario::default().noise;
    Value {
        estimate: clamp_noise(default, c),
        lo: 0.0,
        hi: clamp_noise(0.4, c),
        source: "assumed".into(),
        note: Some(
            "not measured (give --annotations or --soft): the default, with the range the \
             default model covers"
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::synthetic;

    fn estimate_world(sc: &Scenario, items: usize) -> ScenarioEstimate {
        let (x, y, _) = synthetic::generate(sc, items, 11).unwrap();
        let mut l = y.clone();
        l.sort_unstable();
        l.dedup();
        let y: Vec<usize> = y.iter().map(|v| l.binary_search(v).unwrap()).collect();
        let data = Data {
            x: x.view(),
            labels: Some((&y, l.len())),
            soft: None,
            log: None,
        };
        estimate(&data, &Options::default()).unwrap()
    }

    /// Isotropic features (nuisance 1) and more latent dimensions than the labels can show:
    /// the interval runs from the labels' C - 1 directions to D, and says why.
    #[test]
    fn undecidable_d_gets_the_whole_interval_the_labels_allow() {
        let sc = Scenario {
            classes: 4,
            dims: 10,
            features: 30,
            nuisance: 1.0,
            ..Scenario::default()
        };
        let e = estimate_world(&sc, 3000);
        assert_eq!(e.spectrum, spectrum::Verdict::Isotropic);
        assert_eq!((e.dims.lo, e.dims.hi), (3.0, 30.0));
        assert!(e.dims.lo <= 10.0 && 10.0 <= e.dims.hi);
        assert!(
            e.notes
                .iter()
                .any(|n| n.contains("labels alone see no more")),
            "{:?}",
            e.notes
        );
        assert_eq!(e.nuisance.estimate, 1.0);
        // no log, no soft labels: the error rate is assumed, over the default model's range
        assert_eq!(e.noise.source, "assumed");
        assert!(e.noise.lo == 0.0 && e.noise.hi > 0.3);
    }

    /// Nuisance below the signal's variance: the signal is the spectrum's upper level, which
    /// the labels tell.
    #[test]
    fn the_labels_place_the_signal_in_the_upper_level() {
        let sc = Scenario {
            classes: 12,
            dims: 6,
            features: 40,
            nuisance: 0.2,
            ..Scenario::default()
        };
        let e = estimate_world(&sc, 4000);
        assert_eq!(e.spectrum, spectrum::Verdict::Decided);
        assert_eq!(e.dims.estimate, 6.0, "{:?}", e.notes);
        // the ratio of the levels' means varies by about 1.3% between samples of 4,000 items
        // (measured over 12 worlds): 4 sd
        assert!(
            (e.nuisance.estimate / 0.2 - 1.0).abs() < 0.05,
            "{:?}",
            e.nuisance
        );
        assert!(e.notes.iter().any(|n| n.contains("upper level")));
    }
}
