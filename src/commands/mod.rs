//! One module per subcommand; each turns parsed arguments into library calls and output.

pub mod calibrate;
pub mod merge;
pub mod simulate;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Simulate(a) => simulate::run(a),
        Command::Merge(a) => merge::run(a),
        Command::Calibrate(a) => calibrate::run(*a),
    }
}
