//! A plan: the recommendation, each signal alone, the crossovers and the safe budget.

use super::alone::SignalPlan;
use super::curves::Kind;
use super::file::Objective;
use super::frontier::{Crossover, FRONTIER_POINTS, FrontierPoint};
use super::mix::Counts;
use super::report::money;
use super::roots::first_nonneg;
use super::solver::{Evaluated, Planner};
use crate::error::{Error, Result};
use crate::signal::Signal;
use crate::surrogate::Metric;
use serde::Serialize;

/// Budgets the frontier is solved at inside `plan` (the target's refinement makes it exact).
pub const PLAN_FRONTIER_POINTS: usize = 80;

/// The recommended purchase.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// Annotations per signal.
    pub allocation: Counts,
    /// Money.
    pub cost: f64,
    /// Predicted quality: central value and the model's interval.
    pub quality: f64,
    pub lo: f64,
    pub hi: f64,
    /// Nominal coverage of [lo, hi].
    pub level: f64,
    /// Whether the plan mixes signals.
    pub mixed: bool,
    /// For a target: the cheapest allocation whose pessimistic quality (exceeded with
    /// probability `confidence`) reaches the target, among the recommendation scaled up and each
    /// offered signal alone scaled up; `None` if none does.
    pub safe: Option<SafeBudget>,
    /// The quality exceeded with probability `confidence` at the recommendation.
    pub safe_quality: f64,
    pub confidence: f64,
    /// For a target no safe budget reaches: the highest quality an offered signal alone
    /// reaches with probability `confidence` within its limits (what can be promised instead).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safe_best: Option<SafeBest>,
}

/// The most a plan can promise with the stated probability when the target is beyond it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SafeBest {
    pub signal: Signal,
    /// Quality exceeded with probability `confidence`.
    pub quality: f64,
    /// The fewest annotations that promise it (within 0.0005), at most the signal's limit.
    pub annotations: f64,
}

/// The budget that reaches the target with the stated probability under the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SafeBudget {
    pub budget: f64,
    pub allocation: Counts,
    pub confidence: f64,
}

/// A full plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// The scenario's name, or the dataset's for a calibrated model.
    pub scenario: String,
    /// Items available to label (0: as many as needed).
    pub items: u64,
    /// Whether the model was calibrated on the user's data (`calibrate`) rather than fitted to
    /// simulations.
    pub calibrated: bool,
    pub objective: Objective,
    /// The quality metric the model predicts.
    pub metric: Metric,
    pub unit: String,
    pub recommendation: Recommendation,
    pub per_signal: Vec<SignalPlan>,
    pub crossovers: Vec<Crossover>,
    /// One sentence on the crossovers.
    pub crossover_summary: String,
    /// The frontier the plan was chosen from.
    #[serde(skip)]
    pub frontier: Vec<FrontierPoint>,
}

impl Planner {
    /// Cheapest whole number of `signal` annotations reaching `target`, within its limits; at
    /// least the smallest measured count of a calibrated curve (below it nothing was measured).
    pub fn single_for_target(&self, signal: Signal, target: f64) -> Option<Evaluated> {
        let n = self.curves.inverse(signal, Kind::Mean, target)?;
        let mut n = n.max(self.curves.measured_from(signal)).ceil().max(1.0);
        while self.curves.q(signal, Kind::Mean, n) < target {
            n += 1.0;
        }
        if n > self.scenario.max_annotations(signal) {
            return None;
        }
        let counts = Counts::single(signal, n);
        Some(Evaluated {
            counts,
            cost: self.total_cost(&counts),
            quality: self.quality(Kind::Mean, &counts),
        })
    }

    fn target_error(&self, target: f64) -> Error {
        let mut parts = Vec::new();
        let mut could = Vec::new();
        for s in Signal::ALL {
            let ceil = self.curves.top(s, Kind::Mean);
            let offered = self.scenario.limit(s).offered;
            let best = self.best_reachable(s);
            let mut part = format!("{s} {ceil:.3}");
            if !self.curves.known(s) {
                parts.push(format!("{s} no data"));
                continue;
            }
            if !offered {
                part.push_str(" (not on offer)");
            } else if format!("{best:.3}") != format!("{ceil:.3}") {
                // (only where the limits cost what the three decimals shown can tell)
                part.push_str(&format!(" ({best:.3} within its limits)"));
            }
            parts.push(part);
            if ceil >= target {
                could.push(if offered && best < target {
                    format!("{s} could reach it without its limits")
                } else if !offered {
                    format!("{s} could reach it if it were on offer")
                } else {
                    format!("{s} could reach it")
                });
            }
        }
        // a curve held flat beyond what real curves support: its optimistic side may reach
        // the target there, which is not "unreachable"
        let beyond: Vec<String> = Signal::ALL
            .into_iter()
            .filter(|&s| self.curves.known(s) && self.scenario.limit(s).offered)
            .filter_map(|s| {
                let top = self.curves.supported_to(s)?;
                let at = self.curves.inverse(s, Kind::Hi, target)?;
                Some(format!(
                    "{s}: more than {top:.0} annotations, beyond what real learning curves support \
                     from this pilot (the upper end of the interval reaches it at {:.0})",
                    at.max(self.curves.measured_from(s)).ceil()
                ))
            })
            .collect();
        let verdict = if !could.is_empty() {
            could.join("; ")
        } else if !beyond.is_empty() {
            beyond.join("; ")
        } else {
            "no signal can reach it".to_string()
        };
        Error::invalid(
            "target",
            target,
            format!(
                "a quality some offered signal can reach; ceilings: {}; {verdict}",
                parts.join(", ")
            ),
        )
    }

    /// Refine a frontier bracket: scale the budget shares of `point` from `lo` up to the
    /// smallest budget whose allocation reaches `target` (BrentRoot), then round up.
    fn refine(&self, point: &FrontierPoint, lo: f64, target: f64) -> Option<Evaluated> {
        let offered = self.offered();
        if point.shares.len() != offered.len() {
            return None;
        }
        let counts_at = |t: f64| {
            let mut c = Counts::default();
            for (&s, &w) in offered.iter().zip(&point.shares) {
                c.set(s, self.afford(s, w * t));
            }
            c
        };
        let g = |t: f64| self.quality(Kind::Mean, &counts_at(t)) - target;
        let hi = point.budget;
        if g(hi) < 0.0 {
            return None;
        }
        let t = first_nonneg(g, lo.min(hi), hi, 1e-9 * hi).ok()?;
        let c = self.round_up(counts_at(t), target);
        let e = Evaluated {
            counts: c,
            cost: self.total_cost(&c),
            quality: self.quality(Kind::Mean, &c),
        };
        let within = Signal::ALL
            .iter()
            .all(|&s| c.get(s) <= self.scenario.max_annotations(s));
        (e.quality >= target && within).then_some(e)
    }

    /// Whole counts from real-valued ones reaching `target`: fractions of an annotation are
    /// dropped when the rest still reaches the target, otherwise rounded up.
    fn round_up(&self, counts: Counts, target: f64) -> Counts {
        let mut up = counts;
        for v in up.0.iter_mut() {
            *v = v.ceil();
        }
        let mut trimmed = up;
        for v in trimmed.0.iter_mut() {
            if *v <= 1.0 {
                *v = 0.0;
            }
        }
        if trimmed.used().is_empty() || self.quality(Kind::Mean, &trimmed) < target {
            up
        } else {
            trimmed
        }
    }

    /// The cheapest plan reaching `target`, with the frontier it was chosen from.
    ///
    /// # Errors
    /// The target is above every offered signal's ceiling or out of reach within the limits;
    /// the message lists each signal's ceiling and which signal could reach it.
    pub fn cheapest_for(&self, target: f64) -> Result<(Evaluated, Vec<FrontierPoint>)> {
        Objective::Target(target).validate()?;
        let mut best: Option<Evaluated> = None;
        // a calibrated curve below its smallest measured count is a guess: no plan buys fewer
        // of a signal than were measured (a mix from the frontier could)
        let measured = |c: &Counts| {
            c.used()
                .into_iter()
                .all(|s| c.get(s) >= self.curves.measured_from(s).ceil())
        };
        let consider = |e: Evaluated, best: &mut Option<Evaluated>| {
            if measured(&e.counts) && best.is_none_or(|b| e.cost < b.cost) {
                *best = Some(e);
            }
        };
        for s in self.offered() {
            if let Some(e) = self.single_for_target(s, target) {
                consider(e, &mut best);
            }
        }
        let frontier = self.frontier(PLAN_FRONTIER_POINTS, best.map(|b| b.cost));
        if let Some(i) = frontier.iter().position(|p| p.quality >= target) {
            let p = &frontier[i];
            consider(
                Evaluated {
                    counts: p.allocation,
                    cost: p.cost,
                    quality: p.quality,
                },
                &mut best,
            );
            let lo = if i > 0 { frontier[i - 1].cost } else { 0.0 };
            if let Some(e) = self.refine(p, lo, target) {
                consider(e, &mut best);
            }
        }
        best.map(|b| (b, frontier))
            .ok_or_else(|| self.target_error(target))
    }

    /// Scale `counts` up until the pessimistic quality reaches `target`.
    pub fn safe_budget(&self, counts: &Counts, target: f64) -> Option<SafeBudget> {
        let cap = |lambda: f64| {
            let mut c = *counts;
            for s in Signal::ALL {
                let v = (counts.get(s) * lambda).min(self.scenario.max_annotations(s));
                c.set(s, v);
            }
            c
        };
        let g = |lambda: f64| self.quality(Kind::Safe, &cap(lambda)) - target;
        let mut hi = 1.0;
        while g(hi) < 0.0 {
            hi *= 2.0;
            if hi > 1e7 {
                return None;
            }
        }
        let lambda = first_nonneg(g, 1.0, hi, 1e-9).ok()?;
        let mut c = cap(lambda);
        for v in c.0.iter_mut() {
            *v = v.ceil();
        }
        Some(SafeBudget {
            budget: self.total_cost(&c),
            allocation: c,
            confidence: self.scenario.confidence,
        })
    }

    /// The cheapest safe budget: the recommendation scaled up, or any offered signal alone
    /// scaled up from where its central curve reaches the target, whichever costs least (a
    /// signal near its ceiling may never be safe while another, dearer at the centre, is).
    fn cheapest_safe(&self, counts: &Counts, target: f64) -> Option<SafeBudget> {
        let mut best = self.safe_budget(counts, target);
        let mut singles: Vec<Evaluated> = Signal::ALL
            .into_iter()
            .filter(|&s| self.scenario.limit(s).offered)
            .filter_map(|s| self.single_for_target(s, target))
            .collect();
        singles.sort_by(|a, b| a.cost.total_cmp(&b.cost));
        for e in singles {
            // a scale-up never costs less than where it starts
            if best.as_ref().is_some_and(|b| e.cost >= b.budget) {
                break;
            }
            if let Some(s) = self.safe_budget(&e.counts, target)
                && best.as_ref().is_none_or(|b| s.budget < b.budget)
            {
                best = Some(s);
            }
        }
        best
    }

    /// The highest quality any offered signal alone reaches with probability `confidence`
    /// within its limits, where the safe curve first stops rising (so the count is the least
    /// that promises it, not the limit itself when the curve is held flat beyond its support).
    fn safe_best(&self) -> Option<SafeBest> {
        self.offered()
            .into_iter()
            .filter_map(|s| {
                let top = self.scenario.max_annotations(s);
                let best = self.quality(Kind::Safe, &Counts::single(s, top));
                if !best.is_finite() {
                    return None;
                }
                // the least count within 0.0005 of the best, on the tabulated safe curve
                let n = self.curves.inverse(s, Kind::Safe, best - 5e-4)?.min(top);
                Some(SafeBest {
                    signal: s,
                    quality: best,
                    annotations: n.ceil().max(1.0),
                })
            })
            .max_by(|a, b| a.quality.total_cmp(&b.quality))
    }

    fn recommendation(&self, e: &Evaluated, target: Option<f64>) -> Recommendation {
        let safe = target.and_then(|t| self.cheapest_safe(&e.counts, t));
        Recommendation {
            allocation: e.counts,
            cost: e.cost,
            quality: e.quality,
            lo: self.quality(Kind::Lo, &e.counts),
            hi: self.quality(Kind::Hi, &e.counts),
            level: 0.0,
            mixed: e.counts.used().len() > 1,
            safe_best: if target.is_some() && safe.is_none() {
                self.safe_best()
            } else {
                None
            },
            safe,
            safe_quality: self.quality(Kind::Safe, &e.counts),
            confidence: self.scenario.confidence,
        }
    }

    /// Plan for the scenario's objective, or `objective` when given.
    ///
    /// # Errors
    /// An unreachable target, or a budget below the price of one annotation.
    pub fn plan(&self, objective: Option<Objective>) -> Result<Plan> {
        let objective = objective.unwrap_or(self.scenario.objective);
        objective.validate()?;
        let (best, frontier, target, extra) = match objective {
            Objective::Target(t) => {
                let (e, f) = self.cheapest_for(t)?;
                (e, f, Some(t), e.cost)
            }
            Objective::Budget(b) => {
                self.check_budget(b)?;
                let (e, _) = self.best_within(b, None);
                let f = self.frontier(PLAN_FRONTIER_POINTS, Some(b));
                (e, f, None, b)
            }
        };
        let crossovers = self.crossovers(FRONTIER_POINTS, Some(extra));
        let mut recommendation = self.recommendation(&best, target);
        recommendation.level = self.level;
        Ok(Plan {
            scenario: self.scenario.name.clone(),
            items: self.scenario.items,
            calibrated: self.calibrated,
            objective,
            metric: self.metric,
            unit: self.costs.unit.clone(),
            recommendation,
            per_signal: self.per_signal(objective),
            crossover_summary: self.crossover_summary(&crossovers, extra),
            crossovers,
            frontier,
        })
    }

    /// One sentence saying whether and where the best single signal changes.
    pub fn crossover_summary(&self, crossovers: &[Crossover], extra: f64) -> String {
        let unit = &self.costs.unit;
        let (lo, hi) = self.budget_range(Some(extra));
        if crossovers.is_empty() {
            return match self.winner(hi) {
                Some(w) => format!(
                    "no crossover: {w} is the best single buy at every budget from {} to {} {unit} where any signal learns",
                    money(lo),
                    money(hi)
                ),
                None => "no signal learns within the budgets considered".to_string(),
            };
        }
        let mut s = format!("{} is the best single buy", crossovers[0].from);
        for c in crossovers {
            s.push_str(&format!(" up to {} {unit}, then {}", money(c.budget), c.to));
        }
        s.push_str(" above");
        s
    }
}
