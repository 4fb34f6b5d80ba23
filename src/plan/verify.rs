//! `plan --verify`: run the simulator at the recommended allocation and at the safe budget.

use super::file::Objective;
use super::mix::Counts;
use super::recommend::Plan;
use super::solver::Planner;
use crate::error::{Error, Result};
use crate::io::render_table;
use crate::signal::Signal;
use crate::sim::Setting;
use crate::surrogate::Metric;
use rayon::prelude::*;
use serde::Serialize;

/// Achieved quality of one allocation over seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// "recommended" or "safe budget".
    pub what: String,
    pub allocation: Counts,
    pub cost: f64,
    pub predicted: f64,
    /// Linear CKA per seed.
    pub achieved: Vec<f64>,
    pub mean: f64,
    /// Fraction of seeds at or above the target (for a target plan).
    pub reached: Option<f64>,
}

/// The simulator's verdict on a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    pub target: Option<f64>,
    /// Worlds simulated: seeds 0 to `seeds - 1`.
    pub seeds: u64,
    /// The probability the safe budget reaches the target under the model.
    pub confidence: f64,
    pub checks: Vec<Check>,
}

/// Linear CKA of `counts` in the scenario's world for `seed` (a single run, or a mixed run when
/// several signals are bought).
///
/// # Errors
/// An invalid scenario or a learner failure.
pub fn simulate(planner: &Planner, counts: &Counts, seed: u64) -> Result<f64> {
    let setting = Setting::new(&planner.scenario.dataset, seed)?;
    let used: Vec<(Signal, usize)> = counts
        .used()
        .into_iter()
        .map(|s| (s, counts.get(s).round() as usize))
        .collect();
    match used.as_slice() {
        [] => Ok(setting.run(Signal::Hard, 1, false)?.cka_floor),
        [(s, n)] => Ok(setting.run(*s, *n, false)?.cka),
        _ => Ok(setting.run_mix(&used)?.cka),
    }
}

fn check(
    planner: &Planner,
    what: &str,
    counts: &Counts,
    predicted: f64,
    seeds: u64,
    target: Option<f64>,
) -> Result<Check> {
    let achieved: Vec<f64> = (0..seeds)
        .into_par_iter()
        .map(|seed| simulate(planner, counts, seed))
        .collect::<Result<_>>()?;
    let mean = achieved.iter().sum::<f64>() / achieved.len().max(1) as f64;
    Ok(Check {
        what: what.into(),
        allocation: *counts,
        cost: planner.total_cost(counts),
        predicted,
        reached: target.map(|t| {
            achieved.iter().filter(|&&q| q >= t).count() as f64 / achieved.len().max(1) as f64
        }),
        achieved,
        mean,
    })
}

/// Simulate the recommendation (and the safe budget, for a target) over seeds 0..`seeds`.
///
/// # Errors
/// A model of another metric than linear CKA (the simulator's), or a learner failure.
pub fn verify(planner: &Planner, plan: &Plan, seeds: u64) -> Result<Verification> {
    if plan.metric != Metric::Cka {
        return Err(Error::invalid(
            "--verify",
            format!("a model of {}", plan.metric.label()),
            "a model of linear CKA: the check runs the simulator, whose quality is linear CKA, \
             so it says nothing about a model calibrated on other data or another metric",
        ));
    }
    let seeds = seeds.max(1);
    let target = match plan.objective {
        Objective::Target(t) => Some(t),
        Objective::Budget(_) => None,
    };
    let r = &plan.recommendation;
    let mut checks = vec![check(
        planner,
        "recommended",
        &r.allocation,
        r.quality,
        seeds,
        target,
    )?];
    if let Some(s) = &r.safe
        && s.allocation != r.allocation
    {
        let predicted = planner.quality(super::curves::Kind::Mean, &s.allocation);
        checks.push(check(
            planner,
            "safe budget",
            &s.allocation,
            predicted,
            seeds,
            target,
        )?);
    }
    Ok(Verification {
        target,
        seeds,
        confidence: r.confidence,
        checks,
    })
}

/// The largest k such that at least k of `n` worlds reach the target with probability
/// `coverage` or more, when each does independently with probability `p` (a binomial tail).
pub fn expected_at_least(n: u64, p: f64, coverage: f64) -> u64 {
    use statrs::distribution::{Binomial, DiscreteCDF};
    let Ok(b) = Binomial::new(p.clamp(0.0, 1.0), n) else {
        return 0;
    };
    // P(X >= k) = 1 - P(X <= k - 1)
    (1..=n)
        .rev()
        .find(|&k| 1.0 - b.cdf(k - 1) >= coverage)
        .unwrap_or(0)
}

impl Verification {
    /// The verification as text: a row per plan checked, then what the counts mean.
    pub fn to_table(&self) -> String {
        let mut out = format!(
            "Simulator check in {} worlds (seeds 0-{}){}:\n",
            self.seeds,
            self.seeds - 1,
            self.target
                .map(|t| format!(", target {t}"))
                .unwrap_or_default()
        );
        let rows: Vec<Vec<String>> = self
            .checks
            .iter()
            .map(|c| {
                vec![
                    c.what.clone(),
                    c.allocation.to_string(),
                    format!("{:.2}", c.cost),
                    format!("{:.3}", c.predicted),
                    format!("{:.3}", c.mean),
                    c.reached
                        .map(|f| format!("{} of {}", (f * self.seeds as f64).round(), self.seeds))
                        .unwrap_or_else(|| "-".into()),
                    c.achieved
                        .iter()
                        .map(|q| format!("{q:.3}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                ]
            })
            .collect();
        out.push_str(&render_table(
            &[
                "plan",
                "allocation",
                "cost",
                "predicted",
                "achieved (mean)",
                "reached",
                "per world",
            ],
            &rows,
        ));
        out.push('\n');
        out.push_str(&self.explanation());
        out
    }

    /// What the counts mean: the recommendation is the central estimate, the safe budget is
    /// what to buy, and how many worlds it should reach under the model.
    pub fn explanation(&self) -> String {
        let n = self.seeds;
        let Some(_) = self.target else {
            return wrap(
                "The predicted quality is the model's central estimate: single worlds scatter \
                 around it, about half of them below.",
            );
        };
        let reached = |what: &str| {
            self.checks
                .iter()
                .find(|c| c.what == what)
                .and_then(|c| c.reached)
                .map(|f| (f * n as f64).round() as u64)
        };
        let mut out = String::from(
            "The recommendation is the model's central estimate: about half of all worlds fall \
             short of the target there",
        );
        match reached("recommended") {
            Some(k) => out.push_str(&format!(" (here {k} of {n} reached it).")),
            None => out.push('.'),
        }
        let safe = reached("safe budget").or_else(|| {
            // a safe budget equal to the recommendation is checked once
            (self.checks.len() == 1)
                .then(|| reached("recommended"))
                .flatten()
        });
        let Some(k) = safe else {
            out.push_str(" There is no safe budget to check.\n");
            return wrap(&out);
        };
        let p = self.confidence;
        let least = expected_at_least(n, p, 0.9);
        out.push_str(&format!(
            " The safe budget is what to buy: under the model it reaches the target in {} \
             of worlds, so at least {least} of {n} worlds should reach it (the model's 90% lower \
             bound for {n} worlds); here {k} of {n}.",
            crate::io::percent(p)
        ));
        if k < least {
            out.push_str(
                " That is fewer than the model leads to expect: it may be optimistic for this \
                 scenario (docs/validation.md says where it was checked).",
            );
        }
        wrap(&out)
    }
}

/// `text` wrapped at 96 columns.
fn wrap(text: &str) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        if line > 0 && line + 1 + word.len() > 96 {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.len();
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_lower_counts() {
        // P(X >= 9) = 0.914 for 10 worlds at 0.95; at 0.9 only P(X >= 8) = 0.930 passes 0.9
        assert_eq!(expected_at_least(10, 0.95, 0.9), 9);
        assert_eq!(expected_at_least(10, 0.9, 0.9), 8);
        assert_eq!(expected_at_least(10, 0.5, 0.9), 3);
        assert_eq!(expected_at_least(3, 0.9, 0.9), 2);
        assert_eq!(expected_at_least(100, 0.9, 0.9), 86);
    }

    #[test]
    fn explanation_flags_a_short_count() {
        let check = |what: &str, reached: f64| Check {
            what: what.into(),
            allocation: Counts::default(),
            cost: 1.0,
            predicted: 0.6,
            achieved: vec![0.6; 10],
            mean: 0.6,
            reached: Some(reached),
        };
        let v = |safe: f64| Verification {
            target: Some(0.6),
            seeds: 10,
            confidence: 0.95,
            checks: vec![check("recommended", 0.5), check("safe budget", safe)],
        };
        let good = v(0.9).explanation();
        assert!(
            good.contains("central estimate") && good.contains("here 9 of 10"),
            "{good}"
        );
        assert!(!good.contains("optimistic"), "{good}");
        let short = v(0.7).explanation();
        assert!(
            short.contains("here 7 of 10") && short.contains("optimistic"),
            "{short}"
        );
    }
}
