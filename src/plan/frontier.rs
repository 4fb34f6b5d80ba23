//! The Pareto frontier of cost against quality, single-signal curves, and crossover budgets.

use super::curves::Kind;
use super::mix::Counts;
use super::roots::root;
use super::solver::{LEARNED, Planner};
use crate::signal::Signal;
use serde::Serialize;

/// Default number of budgets the frontier is solved at.
pub const FRONTIER_POINTS: usize = 200;

/// One point of the frontier: the best allocation found within `budget`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrontierPoint {
    /// The budget the point was solved for.
    pub budget: f64,
    /// What the allocation costs (at most `budget`).
    pub cost: f64,
    /// Predicted quality (central) and the model's interval.
    pub quality: f64,
    pub lo: f64,
    pub hi: f64,
    /// Annotations per signal.
    pub allocation: Counts,
    /// Budget shares per offered signal (internal, for refining targets).
    #[serde(skip)]
    pub shares: Vec<f64>,
}

/// Where the best single signal changes as the budget grows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Crossover {
    /// The budget at which `to` overtakes `from`.
    pub budget: f64,
    pub from: Signal,
    pub to: Signal,
    /// Quality of both at that budget.
    pub quality: f64,
}

/// One signal alone, for charts: quality against cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurvePoint {
    pub signal: Signal,
    pub annotations: f64,
    pub cost: f64,
    pub quality: f64,
    pub lo: f64,
    pub hi: f64,
}

fn log_grid(lo: f64, hi: f64, points: usize) -> Vec<f64> {
    let (a, b) = (lo.ln(), hi.ln());
    let k = points.max(2);
    (0..k)
        .map(|i| (a + (b - a) * i as f64 / (k - 1) as f64).exp())
        .collect()
}

/// The least gain in quality a dearer frontier point must bring (half the 0.001 the tables
/// show): a few annotations that move the quality by less are no plan.
pub const MIN_GAIN: f64 = 5e-4;

impl Planner {
    /// The budgets worth looking at: from one annotation of the cheapest signal to what the
    /// dearest signal needs for 99% of its tabulated top quality (within its limits), and at
    /// least `extra` (a user's budget or a target's price).
    pub fn budget_range(&self, extra: Option<f64>) -> (f64, f64) {
        let (_, lo) = self.cheapest_annotation();
        let mut hi: f64 = lo * 10.0;
        for s in self.offered() {
            let top = self.curves.top(s, Kind::Mean);
            let n = self
                .curves
                .inverse(s, Kind::Mean, 0.99 * top)
                .unwrap_or(1.0)
                .max(1.0)
                .min(self.scenario.max_annotations(s));
            hi = hi.max(self.cost(s, n.ceil()));
        }
        if let Some(x) = extra {
            hi = hi.max(x * 1.5);
        }
        (lo, hi)
    }

    /// The frontier at `points` budgets spread evenly in log budget over [`Self::budget_range`],
    /// keeping only points no cheaper point beats (more cost, no less quality).
    pub fn frontier(&self, points: usize, extra: Option<f64>) -> Vec<FrontierPoint> {
        let (lo, hi) = self.budget_range(extra);
        let mut out: Vec<FrontierPoint> = Vec::with_capacity(points);
        let mut warm: Option<Vec<f64>> = None;
        for b in log_grid(lo, hi, points) {
            let (e, shares) = self.best_within(b, warm.as_deref());
            warm = Some(shares.clone());
            let point = FrontierPoint {
                budget: b,
                cost: e.cost,
                quality: e.quality,
                lo: self.quality(Kind::Lo, &e.counts),
                hi: self.quality(Kind::Hi, &e.counts),
                allocation: e.counts,
                shares,
            };
            match out.last() {
                Some(last) if last.quality + MIN_GAIN > point.quality => {
                    // this budget buys nothing better (by what three decimals show): the
                    // previous plan stands
                    let mut keep = last.clone();
                    keep.budget = b;
                    out.push(keep);
                }
                _ => out.push(point),
            }
        }
        // costs may dip when a better plan is also cheaper: drop the dominated points
        let mut pruned: Vec<FrontierPoint> = Vec::with_capacity(out.len());
        for p in out {
            while pruned
                .last()
                .is_some_and(|l| l.cost >= p.cost && l.quality <= p.quality)
            {
                pruned.pop();
            }
            pruned.push(p);
        }
        pruned
    }

    /// Quality against cost of each offered signal alone, `points` counts per signal.
    pub fn single_curves(&self, points: usize, max_cost: f64) -> Vec<CurvePoint> {
        let mut out = Vec::new();
        for s in self.offered() {
            let nmax = self.afford(s, max_cost).max(1.0);
            for n in log_grid(1.0, nmax, points) {
                let c = Counts::single(s, n);
                out.push(CurvePoint {
                    signal: s,
                    annotations: n,
                    cost: self.cost(s, n),
                    quality: self.quality(Kind::Mean, &c),
                    lo: self.quality(Kind::Lo, &c),
                    hi: self.quality(Kind::Hi, &c),
                });
            }
        }
        out
    }

    /// Quality of `signal` alone for `budget` (real-valued counts).
    fn single_at(&self, signal: Signal, budget: f64) -> f64 {
        self.curves
            .q(signal, Kind::Mean, self.afford(signal, budget))
    }

    /// The best single signal at `budget`, if any has learned something.
    pub fn winner(&self, budget: f64) -> Option<Signal> {
        let floor = self.curves.floor;
        self.offered()
            .into_iter()
            .map(|s| (s, self.single_at(s, budget)))
            .filter(|&(_, q)| q > floor + LEARNED)
            .fold(None::<(Signal, f64)>, |best, (s, q)| match best {
                Some((_, bq)) if bq >= q => best,
                _ => Some((s, q)),
            })
            .map(|(s, _)| s)
    }

    /// The budgets at which the best single signal changes, found on a grid of `points` budgets
    /// and refined with BrentRoot on the difference of the two signals' qualities.
    pub fn crossovers(&self, points: usize, extra: Option<f64>) -> Vec<Crossover> {
        let (lo, hi) = self.budget_range(extra);
        let grid = log_grid(lo, hi, points);
        let mut out = Vec::new();
        let mut prev: Option<(f64, Signal)> = None;
        for b in grid {
            let Some(w) = self.winner(b) else { continue };
            if let Some((pb, pw)) = prev
                && pw != w
            {
                let diff = |lb: f64| {
                    let x = lb.exp();
                    self.single_at(pw, x) - self.single_at(w, x)
                };
                let at = root(diff, pb.ln(), b.ln(), 1e-9).map(f64::exp).unwrap_or(b);
                out.push(Crossover {
                    budget: at,
                    from: pw,
                    to: w,
                    quality: self.single_at(w, at),
                });
            }
            prev = Some((b, w));
        }
        out
    }
}
