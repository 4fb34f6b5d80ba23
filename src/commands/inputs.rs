//! Turning the shared planning flags into a [`Planner`].
//!
//! The data planned for is, in order: the `--scenario` file; for a model written by
//! `calibrate`, the dataset recorded in the model (its name and pool, no target of its own);
//! otherwise the embedded CIFAR-like example. With a `--scenario` file that says
//! `transfer = true` (as `labelbudget scenario` writes), a calibrated model's missing signals
//! come by transfer through its hard-label curve (`surrogate::transfer`).

use crate::cli::PlanInputs;
use anyhow::Result;
use labelbudget::Error;
use labelbudget::cost::Costs;
use labelbudget::plan::{Objective, PlanScenario, Planner};
use labelbudget::signal::Signal;
use labelbudget::surrogate::model::MeasuredPoint;
use labelbudget::surrogate::{Model, QualityModel, transfer};
use std::path::Path;

/// A planner for the inputs, with what the commands need besides.
pub struct Setup {
    pub planner: Planner,
    /// `None` for a calibrated model planned without a target, a budget or a scenario.
    objective: Option<Objective>,
    /// The points a calibrated model was fitted to (empty otherwise), for the chart.
    pub measured: Vec<MeasuredPoint>,
    /// Where the scenario came from, for error messages.
    source: String,
}

impl Setup {
    /// The objective to plan for.
    ///
    /// # Errors
    /// A calibrated model without `--target`, `--budget` or `--scenario`: its data has no
    /// target of its own.
    pub fn objective(&self) -> Result<Objective> {
        self.objective.ok_or_else(|| {
            anyhow::anyhow!(
                "{}no target: a model from `calibrate` has none of its own; give --target Q \
                 (in {}) or --budget B, or a --scenario file",
                self.source,
                self.planner.metric.label()
            )
        })
    }

    /// An error about what the scenario asks (a dataset outside the model's range, a target
    /// out of reach within the limits) with its source named, and the way out where one helps.
    pub fn explain(&self, e: Error) -> anyhow::Error {
        explain(&self.source, e)
    }
}

/// The planner for these inputs and the objective to plan for.
pub fn planner(inputs: &PlanInputs) -> Result<Setup> {
    let model = match &inputs.model {
        Some(p) => Model::from_file(p)?,
        None => Model::embedded_default(),
    };
    let calibrated = model.is_calibrated();
    let (scenario, source) = match (&inputs.scenario, &inputs.model) {
        (Some(p), _) => (PlanScenario::from_file(p)?, format!("{}: ", p.display())),
        (None, Some(p)) if calibrated => calibrated_data(&model, p),
        (None, _) => (
            PlanScenario::embedded(),
            "the embedded example scenario: ".to_string(),
        ),
    };
    let costs = match &inputs.costs {
        Some(p) => Costs::from_file(p)?,
        None => Costs::default(),
    };
    let objective = match (inputs.target, inputs.budget) {
        (Some(t), _) => Some(Objective::Target(t)),
        (None, Some(b)) => Some(Objective::Budget(b)),
        // a calibrated model's data has no target of its own (the embedded one is CKA)
        (None, None) if calibrated && inputs.scenario.is_none() => None,
        (None, None) => Some(scenario.objective),
    };
    if let Some(o) = objective {
        o.validate()?;
    }
    for t in &model.tables {
        if let Some(top) = t
            .calibrated_to()
            .filter(|&l| scenario.confidence > l + 1e-9)
        {
            eprintln!(
                "warning: {}: the safe budget at confidence {} rests on the real-curve prior's most \
                 cautious row, which real curves calibrate up to confidence {top} only",
                t.signal, scenario.confidence
            );
        }
    }
    if let (Some(c), Some(path)) = (&model.calibration, &inputs.model) {
        for w in &c.warnings {
            eprintln!(
                "warning: {}: calibrated from measurements that do not support a confident plan: {w}",
                path.display()
            );
        }
    }
    if inputs.extrapolate {
        for w in model.range_warnings(&scenario.dataset) {
            eprintln!("warning: {w} (--extrapolate)");
        }
    }
    let measured = model
        .calibration
        .as_ref()
        .map(|c| c.points.clone())
        .unwrap_or_default();
    if inputs.scenario.is_some() && !scenario.transfer && calibrated {
        let missing: Vec<&str> = Signal::ALL
            .into_iter()
            .filter(|&s| !model.has(s))
            .map(|s| s.name())
            .collect();
        if !missing.is_empty() {
            eprintln!(
                "note: {}: no data; `transfer = true` in the scenario file (which `labelbudget \
                 scenario` writes for your data) reads them through the model's hard-label curve",
                missing.join(", ")
            );
        }
    }
    let quality = quality_model(model, scenario.transfer)?;
    let planner = if inputs.extrapolate {
        Planner::new_extrapolating(scenario, costs, quality.as_ref())
    } else {
        Planner::new(scenario, costs, quality.as_ref())
    }
    .map_err(|e| explain(&source, e))?;
    Ok(Setup {
        planner,
        objective,
        measured,
        source,
    })
}

/// The model planned with: with a scenario file of the team's dataset (`transfer = true`), a
/// model that lacks some signals but has a hard-label curve (a calibration) is completed for
/// them by transfer from simulation (docs/scenario.md); otherwise `model` as it is.
fn quality_model(model: Model, transfer: bool) -> Result<Box<dyn QualityModel>> {
    if !transfer {
        return Ok(Box::new(model));
    }
    let (model, transferred) = transfer::complete(model)?;
    if !transferred.is_empty() {
        let names: Vec<&str> = transferred.iter().map(|s| s.name()).collect();
        eprintln!(
            "note: {} read through the model's hard-label curve at the simulated worth of each \
             signal for this dataset (transfer; docs/scenario.md)",
            names.join(", ")
        );
    }
    Ok(model)
}

/// The data of a calibrated model read from `path`: its name (or the file's) and its pool, with
/// at most one hard and one soft label per item when the pool is known (a learning curve
/// measured on distinct items says nothing of labelling an item twice).
fn calibrated_data(model: &Model, path: &Path) -> (PlanScenario, String) {
    let c = model.calibration.clone().unwrap_or_default();
    let name = c.name.unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "your data".into())
    });
    let items = c.pool.unwrap_or(0);
    let pool = match items {
        0 => "pool unknown".to_string(),
        n => format!("{n} items, at most one hard and one soft label each"),
    };
    let source = format!("{} ({name}, {pool}): ", path.display());
    (PlanScenario::for_data(&name, items), source)
}

fn explain(source: &str, e: Error) -> anyhow::Error {
    if !matches!(e, Error::Invalid { .. }) {
        return e.into();
    }
    let text = e.to_string();
    let hint = if text.contains("extrapolation") && !text.contains("--extrapolate") {
        "; pass --extrapolate to plan anyway"
    } else if text.contains("without its limits") || text.contains("if it were on offer") {
        "; raise the [limits] or `items` in a --scenario file, lower the target or plan a \
         budget instead"
    } else if text.contains("beyond what real learning curves support") {
        "; measure the pilot further (larger counts) to plan that far, lower the target or plan \
         a budget instead"
    } else if text.contains("no signal can reach it") {
        "; lower the target or plan a budget instead"
    } else {
        ""
    };
    anyhow::anyhow!("{source}{text}{hint}")
}
