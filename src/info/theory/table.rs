//! The bits a learner needs, the lower bound on annotations, and the `info` table of a scenario.

use super::TRIPLET_MAX_BITS;
use super::closed::{
    hard_noiseless_bits, hard_symmetric_bits, pair_symmetric_bits, soft_levels_cap,
};
use super::world::{Settings, signal_bits_with};
use crate::cost::Costs;
use crate::error::{Error, Result};
use crate::info::BitsEstimate;
use crate::scenario::Scenario;
use crate::signal::Signal;
use serde::{Deserialize, Serialize};

/// Bits a learner with P_eff identifiable parameters needs to pin them to precision `delta`:
/// `P_eff * log2(1/delta)`.
pub fn bits_needed(scenario: &Scenario, delta: f64) -> f64 {
    crate::info::p_eff(scenario) * (1.0 / delta).log2()
}

/// Lower bound on the number of annotations: bits needed / bits per annotation (infinite when an
/// annotation carries no information).
pub fn lower_bound_annotations(bits_needed: f64, bits_per_annotation: f64) -> f64 {
    if bits_per_annotation > 0.0 {
        bits_needed / bits_per_annotation
    } else {
        f64::INFINITY
    }
}

/// One row of the `info` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalInfo {
    pub signal: Signal,
    /// Which form of the signal: for soft labels "quantised, q = 11" or "pooled, K = 5"; else "".
    pub variant: String,
    /// Bits per annotation (Monte Carlo in the simulator's world).
    pub bits: BitsEstimate,
    /// A closed form or bound to compare with, and what it is.
    pub reference: f64,
    pub reference_kind: String,
    /// P_eff log2(1/delta).
    pub bits_needed: f64,
    /// bits_needed / bits.
    pub lower_bound_annotations: f64,
    /// Money per annotation, when costs are given.
    pub cost_per_annotation: Option<f64>,
    /// Bits per unit of money.
    pub bits_per_cost: Option<f64>,
    /// Lower-bound annotations times money per annotation (plus fixed and per-item costs).
    pub lower_bound_cost: Option<f64>,
}

fn reference(scenario: &Scenario, signal: Signal, settings: &Settings) -> (f64, String) {
    let (c, e) = (scenario.classes, scenario.noise);
    let uniform = vec![1.0 / c as f64; c];
    match signal {
        Signal::Hard => (
            hard_symmetric_bits(c, e),
            "closed form, symmetric noise, uniform classes".into(),
        ),
        Signal::Soft if scenario.soft_annotators > 0 => {
            let k = scenario.soft_annotators as f64;
            (
                (k * hard_noiseless_bits(&uniform))
                    .min(soft_levels_cap(c, scenario.soft_annotators + 1)),
                "bound min(K H(uniform), (C-1) log2(K+1))".into(),
            )
        }
        Signal::Soft => (
            soft_levels_cap(c, settings.levels),
            format!("bound (C-1) log2 q, q = {}", settings.levels),
        ),
        Signal::Triplet => (TRIPLET_MAX_BITS, "bound 1 bit".into()),
        Signal::Pair => (
            pair_symmetric_bits(c, e),
            "closed form, symmetric noise, uniform classes".into(),
        ),
    }
}

/// The `info` table for a scenario: one row per signal, two for soft labels when
/// `scenario.soft_annotators > 0` (the quantised exact label and the pooled one).
///
/// # Errors
/// An invalid scenario, setting or `delta` outside (0, 1).
pub fn analyse_scenario(
    scenario: &Scenario,
    settings: &Settings,
    costs: Option<&Costs>,
    delta: f64,
) -> Result<Vec<SignalInfo>> {
    if !(delta > 0.0 && delta < 1.0) {
        return Err(Error::invalid("delta", delta, "a number in (0, 1)"));
    }
    let needed = bits_needed(scenario, delta);
    // soft labels: the quantised (exact) form always, and the pooled form when K > 0
    let quantised = Scenario {
        soft_annotators: 0,
        ..scenario.clone()
    };
    let mut rows: Vec<(Signal, &Scenario, String)> = vec![
        (Signal::Hard, scenario, String::new()),
        (
            Signal::Soft,
            &quantised,
            format!("quantised, q = {}", settings.levels),
        ),
    ];
    if scenario.soft_annotators > 0 {
        let k = scenario.soft_annotators;
        rows.push((Signal::Soft, scenario, format!("pooled, K = {k}")));
    }
    rows.push((Signal::Triplet, scenario, String::new()));
    rows.push((Signal::Pair, scenario, String::new()));
    rows.into_iter()
        .map(|(signal, sc, variant)| {
            let bits = signal_bits_with(sc, signal, settings)?;
            let lower = lower_bound_annotations(needed, bits.bits);
            let price = costs.map(|c| c.of(signal));
            let (reference, reference_kind) = reference(sc, signal, settings);
            Ok(SignalInfo {
                signal,
                variant,
                bits,
                reference,
                reference_kind,
                bits_needed: needed,
                lower_bound_annotations: lower,
                cost_per_annotation: price.map(|p| p.per_annotation),
                bits_per_cost: price.map(|p| bits.bits / p.per_annotation),
                lower_bound_cost: price.map(|p| {
                    let items = lower * signal.arity() as f64;
                    p.total(lower, items)
                }),
            })
        })
        .collect()
}
