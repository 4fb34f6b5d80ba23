//! Bits per annotation for the bits-per-cost chart.
//!
//! Provisional closed forms from SCIENCE.md, until the information module
//! (`labelbudget::info::signal_bits`) is merged: hard labels through a symmetric noisy annotator
//! (`log2 C - H_b(e) - e log2(C - 1)`), soft labels at `log2 C` (a noiseless label's bits; an
//! exact soft label carries at least its argmax), triplets at their 1-bit bound, pairs at their
//! `H_b(1/C)` bound. The standard errors are 0.

use super::solver::Planner;
use crate::chart::BitsBar;
use crate::error::Result;
use crate::signal::Signal;

fn hb(p: f64) -> f64 {
    if p <= 0.0 || p >= 1.0 {
        0.0
    } else {
        -p * p.log2() - (1.0 - p) * (1.0 - p).log2()
    }
}

/// Bits per annotation of `signal` in the planner's scenario (see the module docs).
pub fn bits(planner: &Planner, signal: Signal) -> f64 {
    let s = &planner.scenario.dataset;
    let c = s.classes as f64;
    match signal {
        Signal::Hard => {
            let e = s.noise;
            let extra = if s.classes > 2 {
                e * (c - 1.0).log2()
            } else {
                0.0
            };
            (c.log2() - hb(e) - extra).max(0.0)
        }
        Signal::Soft => c.log2(),
        Signal::Triplet => 1.0,
        Signal::Pair => hb(1.0 / c),
    }
}

/// One bar per offered signal: bits per annotation and the price of one annotation.
///
/// # Errors
/// None yet; the information module's estimators can fail.
pub fn bits_per_signal(planner: &Planner) -> Result<Vec<BitsBar>> {
    Ok(planner
        .offered()
        .into_iter()
        .map(|s| BitsBar {
            signal: s,
            bits: bits(planner, s),
            se: 0.0,
            price: planner.cost(s, 1.0),
        })
        .collect())
}
