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
    pub seeds: u64,
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
        checks,
    })
}

impl Verification {
    /// The verification as text.
    pub fn to_table(&self) -> String {
        let mut out = format!(
            "Simulator check ({} seeds{}):\n",
            self.seeds,
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
                    c.achieved
                        .iter()
                        .map(|q| format!("{q:.3}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                    c.reached
                        .map(|f| format!("{:.0}%", 100.0 * f))
                        .unwrap_or_else(|| "-".into()),
                ]
            })
            .collect();
        out.push_str(&render_table(
            &[
                "plan",
                "allocation",
                "cost",
                "predicted",
                "achieved",
                "per seed",
                "reached",
            ],
            &rows,
        ));
        out
    }
}
