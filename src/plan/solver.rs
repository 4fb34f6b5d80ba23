//! The planner's core: prices, what a budget buys, and the best mix within a budget.

use super::curves::{Curves, Kind};
use super::file::PlanScenario;
use super::mix::{Counts, MixRule, mix_quality_with};
use super::roots::nelder_mead;
use crate::cost::Costs;
use crate::error::{Error, Result};
use crate::signal::Signal;
use crate::surrogate::{Metric, QualityModel};

/// A quality counts as "something learned" when it exceeds the floor by this much.
pub const LEARNED: f64 = 0.01;

/// Iterations of one Nelder-Mead solve over the mix.
const NM_ITERS: u64 = 150;

/// One scenario, its prices and its tabulated curves: everything a plan is solved from.
#[derive(Debug, Clone)]
pub struct Planner {
    pub scenario: PlanScenario,
    pub costs: Costs,
    pub curves: Curves,
    /// Nominal coverage of the model's intervals.
    pub level: f64,
    /// How mixes are valued (default: a mix is worth its best part).
    pub mix_rule: MixRule,
    /// The quality metric of the model.
    pub metric: Metric,
    /// Whether the model was calibrated on the user's data.
    pub calibrated: bool,
}

/// An allocation with its price and predicted quality.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluated {
    pub counts: Counts,
    pub cost: f64,
    pub quality: f64,
}

impl Planner {
    /// Tabulate `model` for `scenario` (at the scenario's confidence) and keep the prices.
    ///
    /// # Errors
    /// The scenario is invalid or outside the range `model` was fitted on (see
    /// [`Planner::new_extrapolating`] to plan anyway).
    pub fn new(mut scenario: PlanScenario, costs: Costs, model: &dyn QualityModel) -> Result<Self> {
        scenario.validate()?;
        model.check_range(&scenario.dataset)?;
        let curves = Curves::new(model, &scenario.dataset, scenario.confidence);
        // a signal without data cannot be bought: nothing is known of what it teaches
        for s in Signal::ALL.into_iter().filter(|&s| !curves.known(s)) {
            scenario.limits.entry(s).or_default().offered = false;
        }
        if scenario.offered().is_empty() {
            let known: Vec<&str> = Signal::ALL
                .into_iter()
                .filter(|&s| curves.known(s))
                .map(Signal::name)
                .collect();
            return Err(Error::invalid(
                "limits",
                format!(
                    "the model has data for {} only, and none of it is on offer",
                    known.join(", ")
                ),
                "at least one offered signal the model has a curve for",
            ));
        }
        let level = model.predict(&scenario.dataset, Signal::Hard, 100.0).level;
        Ok(Planner {
            scenario,
            costs,
            curves,
            level,
            mix_rule: MixRule::default(),
            metric: model.metric(),
            calibrated: model.is_calibrated(),
        })
    }

    /// Like [`Planner::new`] without the fitted-range check, for users who accept an
    /// extrapolation.
    ///
    /// # Errors
    /// The scenario is invalid.
    pub fn new_extrapolating(
        scenario: PlanScenario,
        costs: Costs,
        model: &dyn QualityModel,
    ) -> Result<Self> {
        struct Unchecked<'m>(&'m dyn QualityModel);
        impl QualityModel for Unchecked<'_> {
            fn predict(
                &self,
                s: &crate::Scenario,
                g: Signal,
                n: f64,
            ) -> crate::surrogate::Prediction {
                self.0.predict(s, g, n)
            }
            fn quantile(&self, s: &crate::Scenario, g: Signal, n: f64, p: f64) -> f64 {
                self.0.quantile(s, g, n, p)
            }
            fn ceiling(&self, s: &crate::Scenario, g: Signal) -> f64 {
                self.0.ceiling(s, g)
            }
            fn floor(&self, s: &crate::Scenario) -> f64 {
                self.0.floor(s)
            }
            fn metric(&self) -> Metric {
                self.0.metric()
            }
            fn has_curve(&self, signal: Signal) -> bool {
                self.0.has_curve(signal)
            }
            fn measured_from(&self, signal: Signal) -> Option<f64> {
                self.0.measured_from(signal)
            }
            fn supported_to(&self, signal: Signal) -> Option<f64> {
                self.0.supported_to(signal)
            }
            fn is_calibrated(&self) -> bool {
                self.0.is_calibrated()
            }
        }
        Planner::new(scenario, costs, &Unchecked(model))
    }

    /// Signals on offer.
    pub fn offered(&self) -> Vec<Signal> {
        self.scenario.offered()
    }

    /// Money for `n` annotations of `signal` (0 for n = 0).
    pub fn cost(&self, signal: Signal, n: f64) -> f64 {
        let touched = self.scenario.items_touched(signal, n);
        self.costs.of(signal).total(n, touched)
    }

    /// Money for an allocation.
    pub fn total_cost(&self, counts: &Counts) -> f64 {
        Signal::ALL
            .iter()
            .map(|&s| self.cost(s, counts.get(s)))
            .sum()
    }

    /// The most annotations of `signal` (real-valued) that `money` buys, within the limits.
    pub fn afford(&self, signal: Signal, money: f64) -> f64 {
        let max = self.scenario.max_annotations(signal);
        let c = self.costs.of(signal);
        let base = money - c.fixed;
        if base <= 0.0 || max <= 0.0 {
            return 0.0;
        }
        let arity = signal.arity() as f64;
        let steep = c.per_annotation + c.per_item * arity;
        let n = if self.scenario.items > 0 {
            let knee = self.scenario.items as f64 / arity;
            let knee_cost = steep * knee;
            if base <= knee_cost {
                base / steep
            } else {
                knee + (base - knee_cost) / c.per_annotation
            }
        } else {
            base / steep
        };
        n.min(max)
    }

    /// Whole annotations `money` buys (never more than the money).
    pub fn afford_whole(&self, signal: Signal, money: f64) -> f64 {
        let mut n = self.afford(signal, money).floor();
        while n > 0.0 && self.cost(signal, n) > money {
            n -= 1.0;
        }
        n
    }

    /// Quality of an allocation on curve `kind`.
    pub fn quality(&self, kind: Kind, counts: &Counts) -> f64 {
        mix_quality_with(&self.curves, kind, counts, self.mix_rule)
    }

    /// The price of the cheapest single annotation on offer, and its signal.
    pub fn cheapest_annotation(&self) -> (Signal, f64) {
        self.offered()
            .into_iter()
            .map(|s| (s, self.cost(s, 1.0)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("at least one signal is offered")
    }

    /// Check a budget buys at least one annotation.
    ///
    /// # Errors
    /// The budget is below the price of one annotation of every offered signal.
    pub fn check_budget(&self, budget: f64) -> Result<()> {
        let (s, one) = self.cheapest_annotation();
        if !(budget.is_finite() && budget >= one) {
            return Err(Error::invalid(
                "budget",
                budget,
                format!(
                    "at least the price of one annotation: the cheapest is one {s} at {one:.4} {}",
                    self.costs.unit
                ),
            ));
        }
        Ok(())
    }

    fn evaluated(&self, counts: Counts) -> Evaluated {
        Evaluated {
            counts,
            cost: self.total_cost(&counts),
            quality: self.quality(Kind::Mean, &counts),
        }
    }

    /// The best single signal within `budget` (whole annotations).
    pub fn best_single(&self, budget: f64) -> Evaluated {
        self.offered()
            .into_iter()
            .map(|s| self.evaluated(Counts::single(s, self.afford_whole(s, budget))))
            .fold(None::<Evaluated>, |best, e| match best {
                Some(b) if b.quality >= e.quality => Some(b),
                _ => Some(e),
            })
            .expect("at least one signal is offered")
    }

    /// Real-valued counts from budget shares (one per offered signal, summing to one).
    fn counts_from_shares(&self, offered: &[Signal], shares: &[f64], budget: f64) -> Counts {
        let mut c = Counts::default();
        for (&s, &w) in offered.iter().zip(shares) {
            c.set(s, self.afford(s, w * budget));
        }
        c
    }

    /// Round counts down to whole annotations, trimming until the cost fits `budget`.
    pub fn whole_within(&self, mut counts: Counts, budget: f64) -> Counts {
        for v in counts.0.iter_mut() {
            *v = v.floor().max(0.0);
        }
        while self.total_cost(&counts) > budget {
            // drop one annotation of the signal spending the most
            let s = Signal::ALL
                .into_iter()
                .filter(|&s| counts.get(s) > 0.0)
                .max_by(|&a, &b| {
                    self.cost(a, counts.get(a))
                        .total_cmp(&self.cost(b, counts.get(b)))
                })
                .expect("positive cost means some count is positive");
            counts.set(s, counts.get(s) - 1.0);
        }
        counts
    }

    /// The best allocation within `budget`: the best single signal, or a mix found by
    /// Nelder-Mead over budget shares, whichever predicts higher quality. `warm` is a previous
    /// solution's shares (for sweeps over budgets). Returns the allocation and its shares.
    pub fn best_within(&self, budget: f64, warm: Option<&[f64]>) -> (Evaluated, Vec<f64>) {
        let offered = self.offered();
        let single = self.best_single(budget);
        let anchor_signal = single.counts.used().first().copied().unwrap_or(offered[0]);
        let anchor = offered
            .iter()
            .position(|&s| s == anchor_signal)
            .expect("offered");
        let mut best = single;
        let mut best_shares: Vec<f64> = offered
            .iter()
            .map(|&s| if s == anchor_signal { 1.0 } else { 0.0 })
            .collect();
        if offered.len() < 2 {
            return (best, best_shares);
        }
        // shares: the anchor has weight 1, the others |x_j|, normalised
        let shares_of = |x: &[f64]| -> Vec<f64> {
            let mut w = Vec::with_capacity(offered.len());
            let mut j = 0;
            for i in 0..offered.len() {
                if i == anchor {
                    w.push(1.0);
                } else {
                    w.push(x[j].abs());
                    j += 1;
                }
            }
            let sum: f64 = w.iter().sum();
            w.iter().map(|v| v / sum).collect()
        };
        let objective = |x: &[f64]| {
            let c = self.counts_from_shares(&offered, &shares_of(x), budget);
            -self.quality(Kind::Mean, &c)
        };
        let mut starts = vec![vec![0.0; offered.len() - 1]];
        if let Some(w) = warm
            && w.len() == offered.len()
            && w[anchor] > 1e-9
        {
            starts.push(
                (0..offered.len())
                    .filter(|&i| i != anchor)
                    .map(|i| w[i] / w[anchor])
                    .collect(),
            );
        }
        for start in starts {
            let Ok((x, _)) = nelder_mead(objective, &start, 0.3, NM_ITERS) else {
                continue;
            };
            let shares = shares_of(&x);
            let counts =
                self.whole_within(self.counts_from_shares(&offered, &shares, budget), budget);
            let e = self.evaluated(counts);
            if e.quality > best.quality + 1e-12 {
                best = e;
                best_shares = shares;
            }
        }
        (best, best_shares)
    }
}
