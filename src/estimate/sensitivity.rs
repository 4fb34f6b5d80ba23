//! How the plan moves across the estimate's intervals: the plan at each end of the interval of
//! every uncertain parameter (d, the nuisance level, the annotator's error rate), the others
//! held at their estimates. The parameter whose ends move the recommended cost most is the
//! least certain one in what matters (docs/scenario.md, "How sure is the plan?"). A value
//! outside the quality model's fitted range gets no plan, with the model's reason: the planner
//! is not asked to extrapolate.

use super::{ScenarioEstimate, clamp_noise};
use crate::cost::Costs;
use crate::plan::{PlanScenario, Planner};
use crate::scenario::Scenario;
use crate::surrogate::QualityModel;
use serde::Serialize;

/// The plan at one value of a parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanAt {
    pub value: f64,
    /// The recommended allocation and its cost, or why there is none.
    pub recommended: String,
    pub cost: Option<f64>,
    /// The safe budget's allocation and cost.
    pub safe: Option<(String, f64)>,
}

/// The plans across one parameter's interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    pub key: &'static str,
    /// At the interval's lower end, the estimate and the upper end.
    pub plans: Vec<PlanAt>,
    /// Largest over smallest recommended cost: infinite when some values have no plan, NaN
    /// when none has.
    pub cost_ratio: f64,
}

/// `sc` with `key` set to `v`, kept valid.
fn with(sc: &Scenario, key: &str, v: f64) -> Scenario {
    let mut s = sc.clone();
    match key {
        "dims" => s.dims = (v.round() as usize).clamp(1, s.features),
        "nuisance" => s.nuisance = v.max(0.0),
        _ => s.noise = clamp_noise(v, s.classes),
    }
    s
}

fn plan_at(
    base: &PlanScenario,
    costs: &Costs,
    model: &dyn QualityModel,
    sc: Scenario,
    value: f64,
) -> PlanAt {
    let ps = PlanScenario {
        dataset: sc,
        ..base.clone()
    };
    match Planner::new(ps, costs.clone(), model).and_then(|p| p.plan(None)) {
        Ok(plan) => {
            let r = &plan.recommendation;
            PlanAt {
                value,
                recommended: r.allocation.to_string(),
                cost: Some(r.cost),
                safe: r
                    .safe
                    .as_ref()
                    .map(|s| (s.allocation.to_string(), s.budget)),
            }
        }
        Err(e) => PlanAt {
            value,
            recommended: format!("no plan: {e}"),
            cost: None,
            safe: None,
        },
    }
}

/// The plans across the interval of every parameter whose interval is not a point, most
/// consequential first.
pub fn sensitivity(
    est: &ScenarioEstimate,
    base: &PlanScenario,
    costs: &Costs,
    model: &dyn QualityModel,
) -> Vec<Sensitivity> {
    let sc = est.scenario();
    let mut out: Vec<Sensitivity> = [
        ("dims", &est.dims),
        ("nuisance", &est.nuisance),
        ("noise", &est.noise),
    ]
    .into_iter()
    .filter(|(_, v)| v.hi > v.lo)
    .map(|(key, v)| {
        let plans: Vec<PlanAt> = [v.lo, v.estimate, v.hi]
            .into_iter()
            .map(|x| plan_at(base, costs, model, with(&sc, key, x), x))
            .collect();
        let costs: Vec<f64> = plans.iter().filter_map(|p| p.cost).collect();
        let cost_ratio = if costs.is_empty() {
            f64::NAN
        } else if costs.len() < plans.len() {
            f64::INFINITY
        } else {
            costs.iter().copied().fold(0.0, f64::max)
                / costs.iter().copied().fold(f64::INFINITY, f64::min)
        };
        Sensitivity {
            key,
            plans,
            cost_ratio,
        }
    })
    .collect();
    // most consequential first, parameters without any plan last
    out.sort_by(|a, b| {
        let key = |r: f64| if r.is_nan() { f64::NEG_INFINITY } else { r };
        key(b.cost_ratio).total_cmp(&key(a.cost_ratio))
    });
    out
}
