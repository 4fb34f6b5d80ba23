//! Bits per annotation for the bits-per-cost chart, from the information module
//! ([`crate::info::signal_bits`]: closed forms, or seeded Monte Carlo in the simulator's world).

use super::solver::Planner;
use crate::chart::BitsBar;
use crate::error::Result;

/// One bar per offered signal: bits per annotation (with its standard error) and the price of
/// one annotation.
///
/// # Errors
/// The information module's estimate failed (an invalid scenario).
pub fn bits_per_signal(planner: &Planner) -> Result<Vec<BitsBar>> {
    planner
        .offered()
        .into_iter()
        .map(|s| {
            let b = crate::info::signal_bits(&planner.scenario.dataset, s)?;
            Ok(BitsBar {
                signal: s,
                bits: b.bits,
                se: b.se,
                price: planner.cost(s, 1.0),
            })
        })
        .collect()
}
