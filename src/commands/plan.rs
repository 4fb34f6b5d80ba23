//! `labelbudget plan`: the recommendation, each signal alone, the crossovers, a chart, and
//! optionally a check in the simulator.

use super::inputs::planner;
use crate::cli::PlanArgs;
use anyhow::{Context, Result};
use labelbudget::chart::{Chart, TradeoffChart};
use labelbudget::io::Format;
use labelbudget::plan::verify::{Verification, verify};

pub fn run(args: PlanArgs) -> Result<()> {
    let format: Format = args.format.parse()?;
    if format == Format::Csv && args.verify {
        anyhow::bail!(
            "--verify with --format csv: the verification is not one row per signal; use \
             --format json (or table) with --verify"
        );
    }
    // a chart that cannot be written is reported after the plan, which is printed either way
    if !args.no_chart {
        labelbudget::chart::ImageFormat::of(&args.chart)?;
    }
    let setup = planner(&args.inputs)?;
    let planner = &setup.planner;
    if args.verify && planner.metric != labelbudget::surrogate::Metric::Cka {
        let model = args
            .inputs
            .model
            .as_ref()
            .map_or("the model".into(), |p| p.display().to_string());
        anyhow::bail!(
            "--verify runs the plan in the simulator, whose quality is linear CKA; {model} \
             predicts {}, so the simulator cannot check it: leave out --verify, and check the \
             plan on your own data",
            planner.metric.label()
        );
    }
    let plan = planner
        .plan(Some(setup.objective()?))
        .map_err(|e| setup.explain(e))?;
    let verification: Option<Verification> = if args.verify {
        Some(verify(planner, &plan, args.seeds)?)
    } else {
        None
    };
    match format {
        Format::Json => {
            let mut value = serde_json::to_value(&plan)?;
            if let Some(v) = &verification {
                value["verification"] = serde_json::to_value(v)?;
            }
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        Format::Csv => print!("{}", plan.to_csv()?),
        Format::Table => {
            print!("{}", plan.to_table());
            if let Some(v) = &verification {
                print!("\n{}", v.to_table());
            }
        }
    }
    if !args.no_chart {
        TradeoffChart::from_plan(planner, &plan)
            .with_measured(planner, &setup.measured)
            .save(&args.chart)
            .with_context(|| {
                format!(
                    "the plan was printed, but the chart cannot be written to {}",
                    args.chart.display()
                )
            })?;
        if format == Format::Table {
            println!("\nChart written to {}", args.chart.display());
        }
    }
    Ok(())
}
