//! Command-line definitions (clap only; no work happens here).

use clap::{Parser, Subcommand};

/// How to spend a supervision budget: hard labels, soft labels, triplets or pairs.
///
/// labelbudget compares supervision signals by the bits each annotation carries, by fast
/// simulations of representation learning, and by a surrogate fitted to those simulations, and
/// turns that into a plan: which signal to buy, how many, at what cost, for what quality.
#[derive(Debug, Parser)]
#[command(name = "labelbudget", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Each variant's help comes from its `Args` struct's doc comment.
#[derive(Debug, Subcommand)]
pub enum Command {
    Simulate(crate::commands::simulate::Args),
    Merge(crate::commands::merge::Args),
    Calibrate(Box<crate::commands::calibrate::Args>),
    Info(crate::commands::info::Args),
    Fit(crate::commands::fit::Args),
    Predict(crate::commands::predict::Args),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
