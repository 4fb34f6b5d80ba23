//! Each signal alone: what it needs for the target (or buys for the budget), whether it can,
//! and why not.

use super::curves::Kind;
use super::file::Objective;
use super::mix::Counts;
use super::solver::{Evaluated, Planner};
use crate::signal::Signal;
use serde::Serialize;

/// What a plan can say of one signal alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalStatus {
    /// Reaches the target (or buys what the budget affords).
    Planned,
    /// Cannot reach the target within its limits.
    Unreachable,
    /// The scenario does not offer it.
    NotOffered,
    /// The model has no curve for it (a calibrated model knows only what was measured).
    NoData,
}

impl SignalStatus {
    /// The status as in JSON and CSV.
    pub fn name(self) -> &'static str {
        match self {
            SignalStatus::Planned => "planned",
            SignalStatus::Unreachable => "unreachable",
            SignalStatus::NotOffered => "not_offered",
            SignalStatus::NoData => "no_data",
        }
    }
}

/// One signal alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalPlan {
    pub signal: Signal,
    pub status: SignalStatus,
    pub offered: bool,
    /// Annotations bought (for a target: needed; `None` when it cannot reach the target).
    pub annotations: Option<u64>,
    pub cost: Option<f64>,
    /// Predicted quality at those annotations.
    pub quality: Option<f64>,
    /// The model's ceiling for this signal (`None`: no data).
    pub ceiling: Option<f64>,
    /// The best quality within this signal's limits (`None`: no data).
    pub best_reachable: Option<f64>,
}

impl Planner {
    /// The best quality each signal can reach within its limits.
    pub fn best_reachable(&self, signal: Signal) -> f64 {
        let max = self.scenario.max_annotations(signal);
        self.curves.q(signal, Kind::Mean, max)
    }

    pub(crate) fn per_signal(&self, objective: Objective) -> Vec<SignalPlan> {
        Signal::ALL
            .into_iter()
            .map(|s| {
                let offered = self.scenario.limit(s).offered;
                let known = self.curves.known(s);
                let e = if !offered {
                    None
                } else {
                    match objective {
                        Objective::Target(t) => self.single_for_target(s, t),
                        Objective::Budget(b) => {
                            let n = self.afford_whole(s, b);
                            let c = Counts::single(s, n);
                            Some(Evaluated {
                                counts: c,
                                cost: self.total_cost(&c),
                                quality: self.quality(Kind::Mean, &c),
                            })
                        }
                    }
                };
                let status = match (known, offered, e.is_some()) {
                    (false, _, _) => SignalStatus::NoData,
                    (true, false, _) => SignalStatus::NotOffered,
                    (true, true, false) => SignalStatus::Unreachable,
                    (true, true, true) => SignalStatus::Planned,
                };
                SignalPlan {
                    signal: s,
                    status,
                    offered,
                    annotations: e.map(|e| e.counts.get(s) as u64),
                    cost: e.map(|e| e.cost),
                    quality: e.map(|e| e.quality),
                    ceiling: known.then(|| self.curves.ceiling(s)),
                    best_reachable: known.then(
                        || {
                            if offered { self.best_reachable(s) } else { 0.0 }
                        },
                    ),
                }
            })
            .collect()
    }
}
