//! Quality against cost: each signal alone, the frontier with its interval, the recommendation,
//! its safe budget, the crossovers and, for a calibrated model, the measured points.
//!
//! | file | what |
//! |------|------|
//! | `mod.rs` | what the chart shows, taken from a plan, and its cost axis |
//! | `draw.rs` | drawing it with plotters |

mod draw;

use crate::plan::curves::Kind;
use crate::plan::report::money;
use crate::plan::{Crossover, CurvePoint, FrontierPoint, Objective, Plan, Planner};
use crate::signal::Signal;
use crate::surrogate::model::MeasuredPoint;

/// The widest cost axis drawn, in decades.
pub const MAX_DECADES: i32 = 12;

/// A labelled point: (cost, quality, label).
pub type Marked = (f64, f64, String);

/// Everything the tradeoff chart shows.
#[derive(Debug, Clone)]
pub struct TradeoffChart {
    pub title: String,
    pub unit: String,
    pub curves: Vec<CurvePoint>,
    pub frontier: Vec<FrontierPoint>,
    /// The recommended plan.
    pub recommended: Option<Marked>,
    /// The safe budget at the safe plan's central quality, for a target.
    pub safe: Option<Marked>,
    pub crossovers: Vec<Crossover>,
    pub target: Option<f64>,
    /// Nominal coverage of the frontier's interval.
    pub level: f64,
    /// What the quality axis measures (e.g. "linear CKA").
    pub metric: String,
    /// Measured points of a calibrated model: (signal, cost of its n annotations, quality).
    pub measured: Vec<(Signal, f64, f64)>,
    /// Signals the model has no curve for, named in the legend.
    pub no_data: Vec<Signal>,
}

impl TradeoffChart {
    /// The chart of a plan solved by `planner`.
    pub fn from_plan(planner: &Planner, plan: &Plan) -> TradeoffChart {
        let hi_cost = plan
            .frontier
            .last()
            .map(|p| p.budget)
            .unwrap_or(plan.recommendation.cost * 10.0)
            .max(plan.recommendation.cost * 1.5);
        let alloc = plan.recommendation.allocation.to_string();
        TradeoffChart {
            title: title(plan),
            unit: plan.unit.clone(),
            curves: planner.single_curves(120, hi_cost),
            frontier: plan.frontier.clone(),
            recommended: Some((
                plan.recommendation.cost,
                plan.recommendation.quality,
                format!("recommended: {alloc}"),
            )),
            safe: plan.recommendation.safe.as_ref().map(|s| {
                (
                    s.budget,
                    planner.quality(Kind::Mean, &s.allocation),
                    format!(
                        "safe budget ({}): {}",
                        crate::io::percent(s.confidence),
                        s.allocation
                    ),
                )
            }),
            crossovers: plan.crossovers.clone(),
            level: plan.recommendation.level,
            target: match plan.objective {
                Objective::Target(t) => Some(t),
                Objective::Budget(_) => None,
            },
            metric: plan.metric.label().to_string(),
            measured: Vec::new(),
            no_data: Signal::ALL
                .into_iter()
                .filter(|&s| !planner.curves.known(s))
                .collect(),
        }
    }

    /// The chart with the measured points of a calibrated model, at what their annotations cost
    /// under `planner`'s prices.
    pub fn with_measured(mut self, planner: &Planner, points: &[MeasuredPoint]) -> TradeoffChart {
        self.measured = points
            .iter()
            .map(|p| (p.signal, planner.cost(p.signal, p.n), p.quality))
            .collect();
        self
    }

    /// The legend's text for a crossover, money as the plan's text prints it.
    pub fn crossover_label(&self, c: &Crossover) -> String {
        format!(
            "crossover: {} -> {} at {} {}",
            c.from,
            c.to,
            money(c.budget),
            self.unit
        )
    }

    /// The cost axis: from a little below the cheapest point where a signal has learned
    /// something to a little above the dearest point, at most [`MAX_DECADES`] decades wide
    /// (centred on the recommendation when wider: plotters' log axis loops over the decades of
    /// its span, without end when the span's ratio overflows).
    pub(crate) fn x_range(&self) -> (f64, f64) {
        let (lo, hi) = self.x_range_unclamped();
        let span = 10f64.powi(MAX_DECADES);
        if hi / lo <= span {
            return (lo, hi);
        }
        let centre = self
            .recommended
            .as_ref()
            .map(|r| r.0)
            .filter(|c| c.is_finite() && *c > lo && *c < hi)
            .unwrap_or_else(|| (lo.ln() / 2.0 + hi.ln() / 2.0).exp());
        let half = span.sqrt();
        let (mut a, mut b) = (centre / half, centre * half);
        if a < lo {
            (a, b) = (lo, lo * span);
        } else if b > hi {
            (a, b) = (hi / span, hi);
        }
        (a, b)
    }

    fn x_range_unclamped(&self) -> (f64, f64) {
        // start a little below the cheapest point where any signal has learned something
        let floor = self
            .curves
            .iter()
            .map(|c| c.quality)
            .fold(f64::INFINITY, f64::min);
        let lo = self
            .curves
            .iter()
            .filter(|c| c.quality > floor + 0.02 && c.cost > 0.0)
            .map(|c| c.cost / 3.0)
            .chain(self.recommended.iter().map(|r| r.0 / 3.0))
            .chain(self.measured.iter().map(|m| m.1 / 1.5))
            .fold(f64::INFINITY, f64::min);
        let hi = self
            .curves
            .iter()
            .map(|c| c.cost)
            .chain(self.frontier.iter().map(|p| p.cost))
            .chain(self.safe.iter().map(|s| s.0))
            .chain(self.measured.iter().map(|m| m.1))
            .fold(0.0f64, f64::max);
        if !(lo.is_finite() && hi.is_finite() && lo > f64::MIN_POSITIVE * 1e3) || hi <= lo {
            return (0.01, 100.0);
        }
        (lo / 1.3, hi * 1.3)
    }

    /// The frontier cut into runs bought with one signal each (plans are single-signal, and a
    /// run's interval is its signal's), for the bands.
    pub(crate) fn frontier_runs(&self) -> Vec<(Option<Signal>, Vec<&FrontierPoint>)> {
        let mut runs: Vec<(Option<Signal>, Vec<&FrontierPoint>)> = Vec::new();
        for p in &self.frontier {
            let used = p.allocation.used();
            let signal = match used.as_slice() {
                [s] => Some(*s),
                _ => None,
            };
            match runs.last_mut() {
                Some((s, pts)) if *s == signal => pts.push(p),
                _ => runs.push((signal, vec![p])),
            }
        }
        runs
    }
}

/// "digits, 1438 items: held-out accuracy against supervision cost".
fn title(plan: &Plan) -> String {
    let what = format!("predicted {} against supervision cost", plan.metric.label());
    let items = match plan.items {
        0 => String::new(),
        n => format!(", {n} items"),
    };
    match (plan.scenario.is_empty(), plan.calibrated) {
        (false, _) => format!("{}{items}: {what}", plan.scenario),
        (true, true) => format!("Your data{items}: {what}"),
        (true, false) => format!("Predicted {} against supervision cost", plan.metric.label()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{Chart, ImageFormat};

    fn point(cost: f64, quality: f64) -> CurvePoint {
        CurvePoint {
            signal: Signal::Hard,
            annotations: 1.0,
            cost,
            quality,
            lo: quality,
            hi: quality,
        }
    }

    #[test]
    fn a_cost_axis_over_hundreds_of_decades_is_clamped_and_drawn() {
        let chart = TradeoffChart {
            title: String::new(),
            unit: "USD".into(),
            curves: vec![point(1e-300, 0.0), point(1e-290, 0.5), point(1e300, 0.9)],
            frontier: Vec::new(),
            recommended: Some((1.0, 0.5, "r".into())),
            safe: None,
            crossovers: Vec::new(),
            target: Some(0.6),
            level: 0.9,
            metric: "linear CKA".into(),
            measured: Vec::new(),
            no_data: Vec::new(),
        };
        let (lo, hi) = chart.x_range();
        assert!(
            lo > 0.0 && hi / lo <= 1.0001e12 && lo < 1.0 && hi > 1.0,
            "{lo} {hi}"
        );
        let svg = chart.to_bytes(ImageFormat::Svg).unwrap();
        assert!(!svg.is_empty());
    }
}
