//! Turning the shared planning flags into a [`Planner`].

use crate::cli::PlanInputs;
use anyhow::Result;
use labelbudget::Error;
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
    let model = match (&inputs.model, &inputs.scenario) {
        // a model without every signal (a calibration) planned for an explicit dataset: the
        // other signals come by transfer from simulation (docs/scenario.md)
        (Some(p), Some(_)) => {
            let (model, transferred) = labelbudget::surrogate::transfer::complete(
                labelbudget::surrogate::Model::from_file(p)?,
            )?;
            if !transferred.is_empty() {
                let names: Vec<&str> = transferred.iter().map(|s| s.name()).collect();
                eprintln!(
                    "note: {} read through the model's hard-label curve at the simulated worth of \
                     each signal for this dataset (transfer; docs/scenario.md)",
                    names.join(", ")
                );
            }
            model
        }
        _ => plan::load_model(inputs.model.as_deref())?,
    };
    let objective = match (inputs.target, inputs.budget) {
        (Some(t), _) => Objective::Target(t),
        (None, Some(b)) => Objective::Budget(b),
        (None, None) => scenario.objective,
    };
    objective.validate()?;
    let planner = if inputs.extrapolate {
        Planner::new_extrapolating(scenario, costs, model.as_ref())
    } else {
        Planner::new(scenario, costs, model.as_ref())
    }
    .map_err(|e| explain(inputs, e))?;
    Ok((planner, objective))
}

/// An error about what the scenario asks (a dataset outside the model's range, a target out of
/// reach within the limits) with the scenario file named, and `--extrapolate` where it helps.
pub fn explain(inputs: &PlanInputs, e: Error) -> anyhow::Error {
    if !matches!(e, Error::Invalid { .. }) {
        return e.into();
    }
    let text = e.to_string();
    let source = match &inputs.scenario {
        Some(p) => format!("{}: ", p.display()),
        None => "the embedded example scenario: ".to_string(),
    };
    let hint = if text.contains("extrapolation") && !text.contains("--extrapolate") {
        "; pass --extrapolate to plan anyway"
    } else if text.contains("within its limits") {
        "; raise the [limits] in the scenario, lower the target or plan a budget instead"
    } else {
        ""
    };
    anyhow::anyhow!("{source}{text}{hint}")
}
