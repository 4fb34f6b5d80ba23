//! One module per subcommand; each turns parsed arguments into library calls and output.

pub mod calibrate;
mod chart;
pub mod fit;
mod frontier;
pub mod info;
mod inputs;
pub mod merge;
mod pilot_report;
mod plan;
pub mod predict;
pub mod prior;
pub mod scenario;
pub mod simulate;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Plan(a) => plan::run(a),
        Command::Frontier(a) => frontier::run(a),
        Command::Chart(a) => chart::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Merge(a) => merge::run(a),
        Command::Calibrate(a) => calibrate::run(*a),
        Command::Info(a) => info::run(a),
        Command::Fit(a) => fit::run(a),
        Command::Predict(a) => predict::run(a),
        Command::Prior(a) => prior::run(a),
        Command::Scenario(a) => scenario::run(a),
    }
}
