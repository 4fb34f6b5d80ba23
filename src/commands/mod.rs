//! One module per subcommand; each turns parsed arguments into library calls and output.

pub mod calibrate;
pub mod fit;
pub mod info;
pub mod merge;
pub mod predict;
pub mod simulate;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Simulate(a) => simulate::run(a),
        Command::Merge(a) => merge::run(a),
        Command::Calibrate(a) => calibrate::run(*a),
        Command::Info(a) => info::run(a),
        Command::Fit(a) => fit::run(a),
        Command::Predict(a) => predict::run(a),
    }
}
