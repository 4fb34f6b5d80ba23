//! The simulator's exchange rates carried onto a calibrated hard-label curve
//! (docs/scenario.md, "Transfer to the other signals").
//!
//! A model calibrated on a team's data knows hard labels only (or the signals it was given
//! data for). [`Transferred`] answers every other signal S by equal-quality exchange through
//! the default (simulation) model at the team's scenario:
//!
//! ```text
//! h(m)     = H_sim^-1(S_sim(m))        hard labels worth m annotations of S, in simulation
//! S_you(m) = H_you(h(m))               the team's hard curve read at that count
//! ```
//!
//! so the team's own curve supplies the level and metric, and the simulation only the worth
//! of S in hard labels at each budget (as `examples/soft_worth.rs` measures it). Where S in
//! simulation rises above anything hard labels reach (triplets past the class cap), the
//! sim-to-team map of qualities is continued linearly from its value at [`N_TOP`] hard labels
//! to the metric's bound 1; at the foot of the simulated hard curve (its first [`FOOT`] of the
//! rise), where it is too flat to invert, the map is linear in quality from the floors (no
//! annotations: the untrained encoder, in either world). A soft label is worth at least one hard
//! label (a hard label is a draw from its distribution), so a transferred soft curve never falls
//! below the team's hard curve. Measured against a pace transfer (the sim's curve of S shifted in
//! n by the ratio of the two hard curves) and against the default model alone: the exchange was
//! closest for soft labels and on par for triplets (docs/scenario.md).
//!
//! The interval adds, in quadrature, the team's own hard-curve interval at h(m) and the
//! transfer's error: a factor `exp(z sigma)` in the count of S, with sigma per signal measured in
//! the simulation world on single worlds not used for the default model ([`TRANSFER_SD`]), and
//! larger near the top of the team's hard curve ([`transfer_sd`]).
//!
//! Only the [`QualityModel`] trait of the team's model is used (its predictions, quantiles,
//! floor, ceiling and metric), never its parameters. The default model is read at the team's
//! scenario with the nuisance level moved into the range it was fitted on: the team's own curve
//! carries the nuisance's effect.

use super::{Metric, Model, Prediction, QualityModel};
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::signal::Signal;
use std::sync::{Arc, Mutex};

/// Hard labels at which the simulated hard curve is taken as topped out: the map of qualities is
/// continued linearly above the quality it reaches there.
pub const N_TOP: f64 = 1e6;
/// Share of the simulated hard curve's rise (from n = 1 to N_TOP) over which the map of
/// qualities is linear instead of read through the curve's inverse.
pub const FOOT: f64 = 0.1;
/// Points per unit of ln n of the tabulated simulated hard curve.
const STEPS: f64 = 50.0;
/// Tabulated scenarios kept.
const CACHED: usize = 8;

/// Sd of the transfer's error in ln(count) of each signal (hard, soft, triplet, pair), measured
/// by `cargo run --release --example transfer_error` (docs/scenario.md, "The transfer's own
/// error"): over all its comparisons, and used up to [`TOP_FROM`]`.0` of the team's hard rise.
pub const TRANSFER_SD: [f64; 4] = [0.0, 0.28, 0.19, 0.44];
/// The same error near the top of the team's hard-label curve (root mean square of the
/// comparisons at [`TOP_FROM`]`.1` of its rise or above, never below [`TRANSFER_SD`]): there
/// h(m) = H_sim^-1(S_sim(m)) reads a flat stretch of the simulated hard curve and the exchange
/// is ill-conditioned (measured: soft 0.37, triplets 0.19, pairs 0.59).
pub const TRANSFER_SD_TOP: [f64; 4] = [0.0, 0.37, 0.19, 0.59];
/// Where on the team's hard-label rise (share from its floor to its ceiling) the transfer's
/// sd ramps linearly from [`TRANSFER_SD`] to [`TRANSFER_SD_TOP`]. A ramp, not a step, keeps a
/// quantile of a transferred curve rising with the count (the interval's factor
/// `exp(z sigma)` grows by less than the count does along the ramp).
pub const TOP_FROM: (f64, f64) = (0.5, 0.75);

/// The transfer's sd in ln(count) of `signal` at a quality `position` of the way up the team's
/// hard-label rise (0 at its floor, 1 at its ceiling).
pub fn transfer_sd(signal: Signal, position: f64) -> f64 {
    let k = slot(signal);
    let t = ((position - TOP_FROM.0) / (TOP_FROM.1 - TOP_FROM.0)).clamp(0.0, 1.0);
    let t = if t.is_nan() { 1.0 } else { t };
    TRANSFER_SD[k] + t * (TRANSFER_SD_TOP[k] - TRANSFER_SD[k])
}

/// A team's calibrated model, completed by exchange rates from simulation.
pub struct Transferred {
    user: Box<dyn QualityModel>,
    /// Signals the team's model has data for.
    measured: Vec<Signal>,
    sim: Model,
    tables: Mutex<Vec<(Scenario, Arc<Vec<f64>>)>>,
}

impl std::fmt::Debug for Transferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transferred")
            .field("measured", &self.measured)
            .finish_non_exhaustive()
    }
}

/// `model` completed by transfer for the signals it has no curve for, when it has a hard-label
/// curve to read them through; and those signals (empty: `model` is returned as it is).
///
/// # Errors
/// The embedded default model lacks a hard-label curve (never in a released build).
pub fn complete(model: Model) -> Result<(Box<dyn QualityModel>, Vec<Signal>)> {
    let measured: Vec<Signal> = model.signals().collect();
    let missing: Vec<Signal> = Signal::ALL
        .into_iter()
        .filter(|s| !measured.contains(s))
        .collect();
    if missing.is_empty() || !measured.contains(&Signal::Hard) {
        return Ok((Box::new(model), Vec::new()));
    }
    let t = Transferred::new(Box::new(model), measured, Model::embedded_default())?;
    Ok((Box::new(t), missing))
}

fn slot(s: Signal) -> usize {
    Signal::ALL.iter().position(|&x| x == s).unwrap_or(0)
}

impl Transferred {
    /// Complete `user`, which has data for the signals `measured`, with `sim`'s exchange rates.
    ///
    /// # Errors
    /// `measured` lacks hard labels (the curve everything is exchanged through), or `sim` lacks
    /// a curve for hard labels.
    pub fn new(user: Box<dyn QualityModel>, measured: Vec<Signal>, sim: Model) -> Result<Self> {
        if !measured.contains(&Signal::Hard) {
            return Err(Error::invalid(
                "model",
                format!(
                    "a calibrated model with {} only",
                    measured
                        .iter()
                        .map(|s| s.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "a model with a hard-label curve: the other signals are read through it",
            ));
        }
        if sim.signal(Signal::Hard).is_none() {
            return Err(Error::invalid(
                "default model",
                "no hard-label curve",
                "a simulation model with every signal",
            ));
        }
        Ok(Transferred {
            user,
            measured,
            sim,
            tables: Mutex::new(Vec::new()),
        })
    }

    /// Whether `signal` is answered from the team's own data.
    pub fn is_measured(&self, signal: Signal) -> bool {
        self.measured.contains(&signal)
    }

    /// The scenario the simulation model is read at: the team's, with the nuisance level moved
    /// into the simulation model's fitted range.
    pub fn sim_scenario(&self, sc: &Scenario) -> Scenario {
        let [lo, hi] = self.sim.range.nuisance;
        Scenario {
            nuisance: sc.nuisance.clamp(lo, hi),
            ..sc.clone()
        }
    }

    /// The simulated hard curve's central prediction on a grid of ln n from 0 to ln N_TOP,
    /// made monotone (a running maximum), cached per scenario.
    fn table(&self, sc: &Scenario) -> Arc<Vec<f64>> {
        let mut cache = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, t)) = cache.iter().find(|(s, _)| s == sc) {
            return Arc::clone(t);
        }
        let points = (N_TOP.ln() * STEPS).ceil() as usize + 1;
        let mut best = f64::NEG_INFINITY;
        let t: Vec<f64> = (0..points)
            .map(|k| {
                let q = self
                    .sim
                    .predict(sc, Signal::Hard, (k as f64 / STEPS).exp())
                    .mean;
                best = best.max(q);
                best
            })
            .collect();
        let t = Arc::new(t);
        if cache.len() >= CACHED {
            cache.remove(0);
        }
        cache.push((sc.clone(), Arc::clone(&t)));
        t
    }

    /// Hard labels reaching the simulated quality `q` (at least 1), or `None` above what the
    /// simulated hard curve reaches by N_TOP.
    fn hard_count(table: &[f64], q: f64) -> Option<f64> {
        let top = *table.last()?;
        if q > top {
            return None;
        }
        let k = table.partition_point(|&v| v < q);
        if k == 0 {
            return Some(1.0);
        }
        let (a, b) = (table[k - 1], table[k]);
        let t = if b > a { (q - a) / (b - a) } else { 1.0 };
        Some((((k - 1) as f64 + t) / STEPS).exp())
    }

    /// The team's quality equal to the simulated quality `q_sim`, with the team's hard-label
    /// count it was read at (1 at the foot of the curve, N_TOP above the map's range).
    fn team_quality(
        &self,
        sc: &Scenario,
        sim_sc: &Scenario,
        table: &[f64],
        q_sim: f64,
    ) -> (f64, f64) {
        let (q0, q_top) = (table[0], *table.last().unwrap_or(&1.0));
        let q_low = q0 + FOOT * (q_top - q0);
        if q_sim < q_low {
            // the simulated hard curve is nearly flat here: inverting it would turn differences
            // of a few thousandths into large counts, so the map is linear in quality from the
            // floors (no annotations: the untrained encoder, in either world) to the foot's top;
            // a shortfall below the floor is carried over as it is
            let (f_sim, f_team) = (self.sim.floor(sim_sc), self.user.floor(sc));
            if q_sim <= f_sim {
                return ((f_team - (f_sim - q_sim)).max(0.0), 1.0);
            }
            let h_low = Self::hard_count(table, q_low).unwrap_or(1.0);
            let top = self.user.predict(sc, Signal::Hard, h_low).mean;
            let slope = (top - f_team) / (q_low - f_sim).max(1e-12);
            return ((f_team + slope * (q_sim - f_sim)).clamp(0.0, 1.0), 1.0);
        }
        match Self::hard_count(table, q_sim) {
            Some(h) => (self.user.predict(sc, Signal::Hard, h).mean, h),
            None => {
                let q_top = *table.last().unwrap_or(&1.0);
                let g_top = self.user.predict(sc, Signal::Hard, N_TOP).mean;
                let share = (q_sim - q_top) / (1.0 - q_top).max(1e-9);
                (g_top + share * (1.0 - g_top), N_TOP)
            }
        }
    }

    /// Central quality of `m` annotations of the transferred `signal`, and the hard count it
    /// was read at.
    fn central(&self, sc: &Scenario, signal: Signal, m: f64) -> (f64, f64) {
        let sim_sc = self.sim_scenario(sc);
        let table = self.table(&sim_sc);
        let q_sim = self.sim.predict(&sim_sc, signal, m).mean;
        let (q, h) = self.team_quality(sc, &sim_sc, &table, q_sim);
        if signal == Signal::Soft {
            // a hard label is a draw from the soft label's distribution: m soft labels are
            // worth at least m hard ones
            let hard = self.user.predict(sc, Signal::Hard, m).mean;
            if hard > q {
                return (hard, m);
            }
        }
        (q, h)
    }

    /// How far up the team's hard-label rise a quality `q` lies: 0 at the team's floor, 1 at
    /// its hard ceiling (1 when the team's curve does not rise).
    fn position(&self, sc: &Scenario, q: f64) -> f64 {
        let floor = self.user.floor(sc);
        let rise = self.user.ceiling(sc, Signal::Hard) - floor;
        if rise > 1e-9 { (q - floor) / rise } else { 1.0 }
    }

    /// The half-widths below and above the centre at normal quantile `z` (> 0): the team's
    /// own spread at the hard count (`own_below`, `own_above`) and the transfer's error in the
    /// count, in quadrature.
    fn widths(&self, sc: &Scenario, signal: Signal, m: f64, z: f64, own: (f64, f64)) -> (f64, f64) {
        let mean = self.central(sc, signal, m).0;
        let sd = transfer_sd(signal, self.position(sc, mean));
        let below = mean - self.central(sc, signal, m * (-z * sd).exp()).0;
        let above = self.central(sc, signal, m * (z * sd).exp()).0 - mean;
        (own.0.hypot(below.max(0.0)), own.1.hypot(above.max(0.0)))
    }
}

impl QualityModel for Transferred {
    fn predict(&self, sc: &Scenario, signal: Signal, n: f64) -> Prediction {
        if self.is_measured(signal) {
            return self.user.predict(sc, signal, n);
        }
        let (mean, h) = self.central(sc, signal, n);
        let own = self.user.predict(sc, Signal::Hard, h);
        let z = super::model::normal_quantile(0.5 + own.level / 2.0);
        let (below, above) = self.widths(
            sc,
            signal,
            n,
            z,
            ((own.mean - own.lo).max(0.0), (own.hi - own.mean).max(0.0)),
        );
        Prediction {
            mean,
            lo: (mean - below).clamp(0.0, 1.0),
            hi: (mean + above).clamp(0.0, 1.0),
            level: own.level,
        }
    }

    fn quantile(&self, sc: &Scenario, signal: Signal, n: f64, prob: f64) -> f64 {
        if self.is_measured(signal) {
            return self.user.quantile(sc, signal, n, prob);
        }
        let (mean, h) = self.central(sc, signal, n);
        let own = self.user.quantile(sc, Signal::Hard, h, prob);
        let own_mean = self.user.predict(sc, Signal::Hard, h).mean;
        let z = super::model::normal_quantile(prob.max(1.0 - prob));
        let shift = (own_mean - own).abs();
        let (below, above) = self.widths(sc, signal, n, z, (shift, shift));
        if prob >= 0.5 {
            (mean - below).clamp(0.0, 1.0)
        } else {
            (mean + above).clamp(0.0, 1.0)
        }
    }

    fn ceiling(&self, sc: &Scenario, signal: Signal) -> f64 {
        if self.is_measured(signal) {
            return self.user.ceiling(sc, signal);
        }
        let sim_sc = self.sim_scenario(sc);
        let table = self.table(&sim_sc);
        let q_sim = self.sim.ceiling(&sim_sc, signal);
        let top = self.team_quality(sc, &sim_sc, &table, q_sim).0;
        if signal == Signal::Soft {
            // as in `central`: soft labels reach at least what hard labels reach
            return top.max(self.user.ceiling(sc, Signal::Hard));
        }
        top
    }

    fn floor(&self, sc: &Scenario) -> f64 {
        self.user.floor(sc)
    }

    fn metric(&self) -> Metric {
        self.user.metric()
    }

    /// Every signal has a curve: the team's own or a transferred one.
    fn has_curve(&self, signal: Signal) -> bool {
        self.is_measured(signal) || self.user.has_curve(Signal::Hard)
    }

    /// The team's model's for a measured signal. A transferred curve rests on no measurement of
    /// its own signal, and the count of it worth the team's first hard-label count depends on
    /// the scenario, which this question does not carry: none.
    fn measured_from(&self, signal: Signal) -> Option<f64> {
        if self.is_measured(signal) {
            self.user.measured_from(signal)
        } else {
            None
        }
    }

    /// The team's model's for a measured signal; none for a transferred one (it follows the
    /// team's hard-label curve, held flat where that one is, and rises above it only where the
    /// simulation does).
    fn supported_to(&self, signal: Signal) -> Option<f64> {
        if self.is_measured(signal) {
            self.user.supported_to(signal)
        } else {
            None
        }
    }

    fn is_calibrated(&self) -> bool {
        self.user.is_calibrated()
    }

    /// The team's model's check, and the simulation model's on the scenario it is read at (the
    /// exchange rates are extrapolations outside its range).
    fn check_range(&self, sc: &Scenario) -> Result<()> {
        self.user.check_range(sc)?;
        self.sim.check_range(&self.sim_scenario(sc))
    }
}

#[cfg(test)]
mod tests;
