//! Planning from the library: read a scenario and prices, plan, look at the frontier.
//!
//! `cargo run --release --example plan_api`

use labelbudget::cost::Costs;
use labelbudget::plan::{Objective, PlanScenario, Planner, default_model};

fn main() -> labelbudget::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cifar10");
    let scenario = PlanScenario::from_file(&dir.join("scenario.toml"))?;
    let costs = Costs::from_file(&dir.join("costs.toml"))?;
    let model = default_model();
    let planner = Planner::new(scenario, costs, model.as_ref())?;

    // the cheapest plan for the scenario's target, as text
    let plan = planner.plan(None)?;
    print!("{}", plan.to_table());

    // best quality for a few budgets
    for budget in [5.0, 20.0, 80.0] {
        let p = planner.plan(Some(Objective::Budget(budget)))?;
        let r = &p.recommendation;
        println!(
            "budget {budget:>5} {}: {:?} -> quality {:.3} ({:.3} to {:.3})",
            p.unit,
            r.allocation.to_map(),
            r.quality,
            r.lo,
            r.hi
        );
    }

    // the frontier: cost against quality over single signals and mixes
    let frontier = planner.frontier(50, None);
    let last = frontier.last().expect("non-empty");
    println!(
        "frontier: {} points, up to quality {:.3} at {:.0} {}",
        frontier.len(),
        last.quality,
        last.cost,
        planner.costs.unit
    );
    Ok(())
}
