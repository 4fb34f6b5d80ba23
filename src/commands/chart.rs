//! `labelbudget chart`: the tradeoff chart and the bits-per-cost chart.

use super::inputs::planner;
use crate::cli::ChartArgs;
use anyhow::Result;
use labelbudget::chart::{BitsChart, Chart, ImageFormat, TradeoffChart};
use std::path::PathBuf;

fn bits_path(out: &std::path::Path) -> PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "chart".into());
    let ext = out
        .extension()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "png".into());
    out.with_file_name(format!("{stem}-bits.{ext}"))
}

pub fn run(args: ChartArgs) -> Result<()> {
    let bits_out = args
        .bits_out
        .clone()
        .unwrap_or_else(|| bits_path(&args.out));
    for p in [&args.out, &bits_out] {
        ImageFormat::of(p)?;
        labelbudget::io::check_writable(p)?;
    }
    let (planner, objective) = planner(&args.inputs)?;
    let plan = planner.plan(Some(objective))?;
    TradeoffChart::from_plan(&planner, &plan).save(&args.out)?;
    println!("Tradeoff chart written to {}", args.out.display());
    let bars = labelbudget::plan::bits::bits_per_signal(&planner)?;
    let title = if plan.scenario.is_empty() {
        "Bits per unit cost".to_string()
    } else {
        format!("{}: bits per unit cost", plan.scenario)
    };
    BitsChart {
        title,
        unit: planner.costs.unit.clone(),
        bars,
    }
    .save(&bits_out)?;
    println!("Bits chart written to {}", bits_out.display());
    Ok(())
}
