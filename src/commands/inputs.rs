//! Turning the shared planning flags into a [`Planner`].

use crate::cli::PlanInputs;
use anyhow::Result;
use labelbudget::cost::Costs;
use labelbudget::plan::{self, Objective, PlanScenario, Planner};

/// The planner for these inputs and the objective to plan for.
pub fn planner(inputs: &PlanInputs) -> Result<(Planner, Objective)> {
    let scenario = match &inputs.scenario {
        Some(p) => PlanScenario::from_file(p)?,
        None => PlanScenario::embedded(),
    };
    let costs = match &inputs.costs {
        Some(p) => Costs::from_file(p)?,
        None => Costs::default(),
    };
    let model = plan::load_model(inputs.model.as_deref())?;
    let objective = match (inputs.target, inputs.budget) {
        (Some(t), _) => Objective::Target(t),
        (None, Some(b)) => Objective::Budget(b),
        (None, None) => scenario.objective,
    };
    objective.validate()?;
    let planner = if inputs.extrapolate {
        Planner::new_extrapolating(scenario, costs, model.as_ref())?
    } else {
        Planner::new(scenario, costs, model.as_ref())?
    };
    Ok((planner, objective))
}
