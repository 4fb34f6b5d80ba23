//! Allocations and the rule that combines signals in a mix.
//!
//! # Mixing rules
//!
//! The surrogate predicts each signal alone; a rule values a mix `(n_hard, n_soft, n_triplet,
//! n_pair)` from those curves. Two are implemented ([`MixRule`]):
//!
//! - [`MixRule::Best`] (the default): a mix is worth its best part alone, `max_s Q_s(n_s)`.
//!   This is what the simulator shows: mixed training (a sum of objectives sharing the encoder,
//!   [`crate::sim::mix`]) reached within about 0.015 of its best part in 6 of 8 checked mixes,
//!   and below it when a weak signal diluted a strong one (docs/validation.md, "Mixes"). Under this rule
//!   buying a second signal never pays, so plans are single-signal.
//! - [`MixRule::AdditiveBits`]: equivalent annotations of a reference signal, below. It is the
//!   bits-per-parameter hypothesis applied to mixes, and it overestimated every checked mix by
//!   0.03 to 0.4 in linear CKA: kept for comparison, not for plans.
//!
//! ## Equivalent annotations of a reference signal
//!
//! Every signal is converted into annotations of one reference signal:
//!
//! 1. the reference `r` is the signal in the mix (count > 0) with the highest tabulated quality,
//!    so the mix's ceiling is the best ceiling among its parts;
//! 2. each other signal `s` counts as `e_s = Q_r^-1(Q_s(n_s))` annotations of `r`: the number of
//!    reference annotations that teach as much as `n_s` annotations of `s` alone;
//! 3. the mix is worth `Q_r(n_r + sum_s e_s)`.
//!
//! Under the bits-per-parameter hypothesis (docs/method.md, "Bits per annotation") (quality a function of
//! `n * I_signal / P_eff`) this is "signals add in bits": equivalent counts are bits divided by
//! the reference's bits per annotation. The rule reduces to the single-signal curve for a
//! one-signal mix, is non-decreasing in every count, and is never below the best part alone.
//! It is checked against simulations of mixed training (a sum of objectives sharing the encoder,
//! [`crate::sim::mix`]) in docs/validation.md, "Mixes".

use super::curves::{Curves, Kind};
use crate::signal::Signal;
use serde::Serialize;
use std::collections::BTreeMap;

/// Annotation counts per signal, in [`Signal::ALL`] order.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Counts(pub [f64; 4]);

impl Counts {
    /// Index of a signal in the array.
    pub fn index(signal: Signal) -> usize {
        Signal::ALL
            .iter()
            .position(|&s| s == signal)
            .expect("known signal")
    }

    /// Only `n` of `signal`.
    pub fn single(signal: Signal, n: f64) -> Counts {
        let mut c = Counts::default();
        c.0[Counts::index(signal)] = n;
        c
    }

    pub fn get(&self, signal: Signal) -> f64 {
        self.0[Counts::index(signal)]
    }

    pub fn set(&mut self, signal: Signal, n: f64) {
        self.0[Counts::index(signal)] = n;
    }

    /// The signals with a positive count.
    pub fn used(&self) -> Vec<Signal> {
        Signal::ALL
            .into_iter()
            .filter(|&s| self.get(s) > 0.0)
            .collect()
    }

    /// Whole annotations per signal, as a map for reports (signals with count 0 left out).
    pub fn to_map(&self) -> BTreeMap<Signal, u64> {
        Signal::ALL
            .into_iter()
            .filter(|&s| self.get(s) > 0.0)
            .map(|s| (s, self.get(s).round() as u64))
            .collect()
    }
}

/// "1142 hard + 200 soft": whole annotations of the signals in use (empty when none).
impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (s, n)) in self.to_map().iter().enumerate() {
            if i > 0 {
                f.write_str(" + ")?;
            }
            write!(f, "{n} {s}")?;
        }
        Ok(())
    }
}

impl Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        self.to_map().serialize(ser)
    }
}

/// How a mix is valued (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MixRule {
    /// A mix is worth its best part alone (matches the simulator).
    #[default]
    Best,
    /// Signals add in equivalent annotations of a reference signal (optimistic).
    AdditiveBits,
}

/// Quality of a mix on curve `kind` under `rule`.
pub fn mix_quality_with(curves: &Curves, kind: Kind, counts: &Counts, rule: MixRule) -> f64 {
    match rule {
        MixRule::AdditiveBits => mix_quality(curves, kind, counts),
        // the best part bought; with nothing bought, the best start of a signal with data
        MixRule::Best => {
            let used = counts.used();
            let parts: Vec<Signal> = if used.is_empty() {
                Signal::ALL
                    .into_iter()
                    .filter(|&s| curves.known(s))
                    .collect()
            } else {
                used
            };
            let best = parts
                .into_iter()
                .map(|s| curves.q(s, kind, counts.get(s)))
                .fold(f64::NEG_INFINITY, f64::max);
            if best.is_finite() { best } else { curves.floor }
        }
    }
}

/// Quality of a mix on curve `kind`, by the equivalent-annotations rule (module docs).
pub fn mix_quality(curves: &Curves, kind: Kind, counts: &Counts) -> f64 {
    let mut reference: Option<(Signal, f64)> = None;
    for s in Signal::ALL {
        if counts.get(s) > 0.0 {
            let top = curves.top(s, kind);
            if reference.is_none_or(|(_, t)| top > t) {
                reference = Some((s, top));
            }
        }
    }
    let Some((r, _)) = reference else {
        return curves.q(Signal::Hard, kind, 0.0);
    };
    let mut total = counts.get(r);
    for s in Signal::ALL {
        let n = counts.get(s);
        if s == r || n <= 0.0 {
            continue;
        }
        let q = curves.q(s, kind, n);
        // q <= top(s) <= top(r), so the inverse exists
        total += curves.inverse(r, kind, q).unwrap_or(0.0);
    }
    curves.q(r, kind, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::hill::HillModel;
    use crate::scenario::Scenario;

    #[test]
    fn rule_reduces_to_single_and_is_monotone() {
        let c = Curves::new(&HillModel::default(), &Scenario::default(), 0.9);
        for s in Signal::ALL {
            let single = mix_quality(&c, Kind::Mean, &Counts::single(s, 500.0));
            assert_eq!(single, c.q(s, Kind::Mean, 500.0));
        }
        let a = mix_quality(&c, Kind::Mean, &Counts([300.0, 100.0, 0.0, 0.0]));
        let b = mix_quality(&c, Kind::Mean, &Counts([300.0, 150.0, 0.0, 0.0]));
        let d = mix_quality(&c, Kind::Mean, &Counts([300.0, 150.0, 400.0, 0.0]));
        assert!(a < b && b <= d, "{a} {b} {d}");
        assert!(a >= c.q(Signal::Hard, Kind::Mean, 300.0));
        assert!(a >= c.q(Signal::Soft, Kind::Mean, 100.0));
    }
}
