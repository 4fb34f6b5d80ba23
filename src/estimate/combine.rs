//! The latent dimension and the nuisance level from what the spectrum and the labels say
//! (docs/scenario.md, "Combining the two").
//!
//! - The spectrum decided: d is the size of the signal's level, with the bootstrap interval.
//!   The signal's level is the lower one (the simulator's convention: nuisance variance above
//!   the signal's) unless the labels separate the classes better, per unit of variance, in the
//!   upper one. The labels' count of class directions is a lower bound on d: an interval
//!   below it is raised to it.
//! - The spectrum could not tell (isotropic features, no two levels, fewer items than
//!   features): with labels, d is at least their count of class directions and at most D, and
//!   the estimate is that lower bound (what the classes can teach); without labels, d is
//!   anywhere in [1, D] and the estimate is the interval's geometric middle. Either way the
//!   interval says so.

use super::Value;
use super::classes::{ClassFit, between_scatter, class_means, separation_in};
use super::spectrum::{SpectrumFit, Verdict};
use crate::scenario::Scenario;
use ndarray::{Array2, Axis};

/// The latent dimension, the nuisance level and what needs saying about them.
#[derive(Debug, Clone, PartialEq)]
pub struct Combined {
    pub dims: Value,
    pub nuisance: Value,
    pub notes: Vec<String>,
}

/// Whether the signal's level of the spectrum is the lower one: the classes separate better
/// per unit of variance there. `vecs` are the eigenvectors of the covariance of `x`.
pub fn signal_is_lower(
    x: &Array2<f64>,
    y: &[usize],
    classes: usize,
    vecs: &Array2<f64>,
    fit: &SpectrumFit,
) -> bool {
    let (means, counts) = class_means(x.view(), y, classes);
    let grand = x.mean_axis(Axis(0)).expect("items");
    let b = between_scatter(&means, &counts, &grand);
    let dim = fit.eigenvalues.len();
    separation_in(&b, vecs, &fit.eigenvalues, 0..fit.low)
        >= separation_in(&b, vecs, &fit.eigenvalues, fit.low..dim)
}

/// Combine the spectrum's fit and the labels' count of class directions; `lower` says (when
/// labels are given and the spectrum decided) whether the signal is the lower level.
pub fn dims(
    fit: &SpectrumFit,
    labels: Option<&ClassFit>,
    lower: impl FnOnce() -> Option<bool>,
) -> Combined {
    let dim = fit.eigenvalues.len() as f64;
    let mut notes = Vec::new();
    let floor = labels.map_or(1.0, |l| l.significant.max(1) as f64);
    if let Some(l) = labels {
        let bound = if l.significant == l.most && l.most + 1 == l.classes {
            format!(
                " (all C - 1 = {} of them: labels alone see no more)",
                l.most
            )
        } else {
            String::new()
        };
        notes.push(format!(
            "the labels separate the classes along {} direction(s){bound}: d >= {}",
            l.significant, floor
        ));
    }
    if fit.verdict != Verdict::Decided {
        notes.push(fit.verdict.explain().to_string());
        let (estimate, note) = match labels {
            Some(_) => (
                floor,
                format!(
                    "undetermined by the features; at least the labels' {floor} class \
                     direction(s), at most D"
                ),
            ),
            None => (
                dim.sqrt().round().max(1.0),
                "undetermined: anywhere from 1 to D (give --labels to bound it below)".into(),
            ),
        };
        let nuisance = match fit.verdict {
            Verdict::Isotropic => Value {
                estimate: 1.0,
                lo: 1.0,
                hi: fit.ratio.max(1.0),
                source: "spectrum".into(),
                note: Some("isotropic features: the nuisance is near the signal's variance".into()),
            },
            _ => assumed_nuisance(),
        };
        return Combined {
            dims: Value {
                estimate,
                lo: floor,
                hi: dim,
                source: "labels and spectrum".into(),
                note: Some(note),
            },
            nuisance,
            notes,
        };
    }
    let is_lower = match lower() {
        Some(v) => v,
        None => {
            notes.push(
                "without labels the signal is taken to be the spectrum's lower level (nuisance \
                 variance above the signal's, as in the simulator)"
                    .into(),
            );
            true
        }
    };
    let k = fit.low as f64;
    let (lo, hi) = (fit.low_interval.0 as f64, fit.low_interval.1 as f64);
    let (mut d, mut d_lo, mut d_hi, nuisance) = if is_lower {
        (
            k,
            lo,
            hi,
            (fit.ratio, fit.ratio_interval.0, fit.ratio_interval.1),
        )
    } else {
        notes.push("the labels place the signal in the spectrum's upper level".into());
        (
            dim - k,
            dim - hi,
            dim - lo,
            (
                1.0 / fit.ratio,
                1.0 / fit.ratio_interval.1,
                1.0 / fit.ratio_interval.0,
            ),
        )
    };
    if d < floor {
        notes.push(format!(
            "the spectrum's d = {d} is below the labels' {floor} class directions: raised to them"
        ));
    }
    d = d.max(floor);
    d_lo = d_lo.max(floor).min(d);
    d_hi = d_hi.max(d);
    Combined {
        dims: Value {
            estimate: d,
            lo: d_lo,
            hi: d_hi,
            source: "spectrum".into(),
            note: None,
        },
        nuisance: Value {
            estimate: nuisance.0,
            lo: nuisance.1.min(nuisance.0),
            hi: nuisance.2.max(nuisance.0),
            source: "spectrum".into(),
            note: None,
        },
        notes,
    }
}

/// The nuisance level when the spectrum does not measure it: the simulator's default, the one
/// level the default model was fitted at (a range would only show that model's extrapolation,
/// which is poor: docs/scenario.md).
fn assumed_nuisance() -> Value {
    let v = Scenario::default().nuisance;
    Value {
        estimate: v,
        lo: v,
        hi: v,
        source: "assumed".into(),
        note: Some("the spectrum has no two levels to compare: the simulator's default".into()),
    }
}
