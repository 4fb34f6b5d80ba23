//! One module per subcommand; each turns parsed arguments into library calls and output.

use crate::cli::{Cli, Command};

pub mod info;

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Info(a) => info::run(a),
    }
}
