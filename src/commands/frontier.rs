//! `labelbudget frontier`: the Pareto frontier of cost against quality as a table, CSV or JSON.

use super::inputs::planner;
use crate::cli::FrontierArgs;
use anyhow::Result;
use labelbudget::io::{Format, render_table, write_atomic};
use labelbudget::plan::Objective;
use labelbudget::signal::Signal;
use std::path::Path;

/// The output format: a file (`--out`) is CSV or JSON by its extension, and `--format`, when
/// given too, must say the same; without a file, `--format` or a table.
fn output_format(format: Option<&str>, out: Option<&Path>) -> Result<Format> {
    let asked: Option<Format> = format.map(str::parse).transpose()?;
    let Some(p) = out else {
        return Ok(asked.unwrap_or(Format::Table));
    };
    let by_name = match Format::from_extension(p) {
        Some(f @ (Format::Csv | Format::Json)) => f,
        _ => {
            return Err(labelbudget::Error::invalid(
                "out",
                p.display(),
                "a path ending in .csv or .json (the table goes to standard output without --out)",
            )
            .into());
        }
    };
    match asked {
        Some(f) if f != by_name => Err(labelbudget::Error::invalid(
            "format",
            format.unwrap_or_default(),
            format!(
                "the format of --out {} ({by_name}), or no --format",
                p.display()
            ),
        )
        .into()),
        _ => Ok(by_name),
    }
}

pub fn run(args: FrontierArgs) -> Result<()> {
    let format = output_format(args.format.as_deref(), args.out.as_deref())?;
    if args.points < 2 || args.points > 100_000 {
        return Err(labelbudget::Error::invalid("points", args.points, "from 2 to 100000").into());
    }
    if let Some(p) = &args.out {
        labelbudget::io::check_writable(p)?;
    }
    let setup = planner(&args.inputs)?;
    let planner = &setup.planner;
    // the range reaches a budget asked for, or what a target asked for costs
    let extra = match setup.objective().ok() {
        Some(Objective::Budget(b)) => Some(b),
        Some(o @ Objective::Target(_)) => planner.plan(Some(o)).ok().map(|p| {
            let r = &p.recommendation;
            r.safe.as_ref().map_or(r.cost, |s| s.budget.max(r.cost))
        }),
        None => None,
    };
    let frontier = planner.frontier(args.points, extra);
    let unit = planner.costs.unit.clone();
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&frontier)? + "\n",
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let mut head = vec!["budget", "cost", "quality", "lo", "hi"];
            head.extend(Signal::ALL.iter().map(|s| s.name()));
            w.write_record(&head)?;
            for p in &frontier {
                let mut row = vec![
                    format!("{}", p.budget),
                    format!("{}", p.cost),
                    format!("{}", p.quality),
                    format!("{}", p.lo),
                    format!("{}", p.hi),
                ];
                row.extend(
                    Signal::ALL
                        .iter()
                        .map(|&s| format!("{}", p.allocation.get(s))),
                );
                w.write_record(&row)?;
            }
            String::from_utf8(w.into_inner()?)?
        }
        Format::Table => {
            let rows: Vec<Vec<String>> = frontier
                .iter()
                .map(|p| {
                    let mut r = vec![
                        format!("{:.4}", p.cost),
                        format!("{:.3}", p.quality),
                        format!("{:.3}", p.lo),
                        format!("{:.3}", p.hi),
                    ];
                    r.extend(
                        Signal::ALL
                            .iter()
                            .map(|&s| format!("{}", p.allocation.get(s))),
                    );
                    r
                })
                .collect();
            let cost = format!("cost ({unit})");
            let mut head = vec![cost.as_str(), "quality", "lo", "hi"];
            head.extend(Signal::ALL.iter().map(|s| s.name()));
            render_table(&head, &rows)
        }
    };
    match &args.out {
        Some(p) => {
            write_atomic(p, text.as_bytes())?;
            eprintln!(
                "{} frontier points written to {}",
                frontier.len(),
                p.display()
            );
        }
        None => print!("{text}"),
    }
    Ok(())
}
