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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate learning from each signal over a sweep of scenarios (writes runs.csv).
    Simulate(crate::commands::simulate::Args),
    /// Merge the shards of a sweep into the rows of the unsplit run.
    Merge(crate::commands::merge::Args),
    /// Fit the surrogate learning curves to a runs file and write a model (TOML).
    Fit(crate::commands::fit::Args),
    /// Predict quality after n annotations of a signal, with an interval, from a model.
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
