//! Command-line definitions (clap only; no work happens here).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

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
    /// Plan what supervision to buy for a target quality or a budget.
    ///
    /// With no arguments, plans the embedded example (a CIFAR-like 10-class image set, target
    /// quality 0.6) with the default quality model and default prices, prints the plan and
    /// writes the tradeoff chart to tradeoff.png.
    Plan(PlanArgs),
    /// Write the Pareto frontier of cost against quality: the best plan at each budget.
    ///
    /// The budgets run from the cheapest annotation to where every offered signal reaches 99%
    /// of its ceiling within its limits; --budget B, or --target Q (the cost of its safe
    /// budget), extends them to 1.5 times that.
    Frontier(FrontierArgs),
    /// Draw the tradeoff chart (quality against cost) and the bits-per-cost chart.
    Chart(ChartArgs),
    Simulate(crate::commands::simulate::Args),
    Merge(crate::commands::merge::Args),
    Calibrate(Box<crate::commands::calibrate::Args>),
    Info(crate::commands::info::Args),
    Fit(crate::commands::fit::Args),
    Predict(crate::commands::predict::Args),
    Prior(crate::commands::prior::Args),
    Scenario(crate::commands::scenario::Args),
}

/// Inputs shared by `plan`, `frontier` and `chart`.
#[derive(Debug, Args)]
pub struct PlanInputs {
    /// Planning scenario (TOML: dataset, target or budget, confidence, limits per signal; one
    /// for your data is written by `labelbudget scenario`). With a model from `calibrate` that
    /// has a hard-label curve, the signals it lacks are read through that curve at their
    /// simulated worth in hard labels for this dataset (transfer). Default: the dataset
    /// recorded in a calibrated model, else the embedded CIFAR-like example.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Prices (TOML: per annotation in money or annotator seconds, per item, fixed).
    /// Default: 4.2 s per hard label, 32 s per soft label, 6 s per triplet, 3 s per pair at
    /// 12 USD an hour.
    #[arg(long, value_name = "FILE")]
    pub costs: Option<PathBuf>,
    /// Fitted quality model (TOML, written by `fit` or `calibrate`; its numbers are checked on
    /// loading: docs/reference.md, "Model files"). Default: the embedded default model.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Quality to reach, in (0, 1), in the model's metric: linear CKA for the default model, the
    /// calibrated metric (e.g. held-out accuracy) for a model from `calibrate`. Overrides the
    /// scenario's objective.
    #[arg(
        long,
        value_name = "Q",
        conflicts_with = "budget",
        allow_negative_numbers = true
    )]
    pub target: Option<f64>,
    /// Money to spend; overrides the scenario's objective.
    #[arg(long, value_name = "B", allow_negative_numbers = true)]
    pub budget: Option<f64>,
    /// Plan even when the scenario is far outside the model's fitted range.
    #[arg(long)]
    pub extrapolate: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub inputs: PlanInputs,
    /// Output format: table, json, or csv (one row per signal: alone, in the recommendation and
    /// in the safe budget; the crossovers are in the table and the JSON).
    #[arg(long, default_value = "table", value_name = "FORMAT")]
    pub format: String,
    /// Where to write the tradeoff chart (.png or .svg).
    #[arg(long, value_name = "PATH", default_value = "tradeoff.png")]
    pub chart: PathBuf,
    /// Do not write a chart.
    #[arg(long, conflicts_with = "chart")]
    pub no_chart: bool,
    /// Run the simulator at the recommended allocation (and the safe budget) and report the
    /// quality achieved against the target.
    #[arg(long)]
    pub verify: bool,
    /// Worlds (seeds 0 to R-1) for --verify, from 1 to 1000.
    #[arg(
        long,
        default_value_t = 10,
        value_name = "R",
        requires = "verify",
        value_parser = clap::value_parser!(u64).range(1..=1000),
        allow_negative_numbers = true
    )]
    pub seeds: u64,
}

#[derive(Debug, Args)]
pub struct FrontierArgs {
    #[command(flatten)]
    pub inputs: PlanInputs,
    /// Budgets to solve at (log-spaced).
    #[arg(
        long,
        default_value_t = 200,
        value_name = "N",
        allow_negative_numbers = true
    )]
    pub points: usize,
    /// Output file (.csv or .json); the table goes to stdout when absent.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Output format (table, json, csv); default from --out's extension.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct ChartArgs {
    #[command(flatten)]
    pub inputs: PlanInputs,
    /// Tradeoff chart (.png or .svg).
    #[arg(long, short = 'o', default_value = "tradeoff.png", value_name = "PATH")]
    pub out: PathBuf,
    /// Bits-per-cost chart (.png or .svg); default: next to --out with `-bits` added.
    #[arg(long, value_name = "PATH")]
    pub bits_out: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Every command is described in the command list, and the only short flag (besides -h and
    /// -V) is -o, for --out, wherever a command writes a file.
    #[test]
    fn every_command_is_described_and_short_flags_agree() {
        let cli = Cli::command();
        for sub in cli.get_subcommands() {
            let name = sub.get_name();
            let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
            assert!(!about.trim().is_empty(), "`{name}` has no description");
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                match arg.get_short() {
                    None => {}
                    Some('o') => assert_eq!(id, "out", "`{name} -o` is not --out"),
                    Some(c) => panic!("`{name} -{c}` (--{id}): no short flags but -o"),
                }
                if id == "out" {
                    assert_eq!(arg.get_short(), Some('o'), "`{name} --out` lacks -o");
                }
                assert!(
                    !["output", "out_file", "output_file"].contains(&id),
                    "`{name} --{id}`: files are written with --out"
                );
            }
        }
    }

    /// A negative number given to a numeric option reaches the option's own check, whose error
    /// names the option, the value and what is accepted, instead of clap's "unexpected
    /// argument '-0' found": every option parsed as a number takes values that start with '-'.
    #[test]
    fn every_numeric_option_takes_a_negative_number_to_its_check() {
        use clap::builder::ValueParser;
        let numeric = [
            ValueParser::from(clap::value_parser!(f64)).type_id(),
            ValueParser::from(clap::value_parser!(f32)).type_id(),
            ValueParser::from(clap::value_parser!(usize)).type_id(),
            ValueParser::from(clap::value_parser!(u64)).type_id(),
            ValueParser::from(clap::value_parser!(u32)).type_id(),
            ValueParser::from(clap::value_parser!(u16)).type_id(),
            ValueParser::from(clap::value_parser!(u8)).type_id(),
            ValueParser::from(clap::value_parser!(i64)).type_id(),
            ValueParser::from(clap::value_parser!(i32)).type_id(),
        ];
        let (mut seen, mut missing) = (0, Vec::new());
        for sub in Cli::command().get_subcommands() {
            for arg in sub.get_arguments() {
                if !numeric.contains(&arg.get_value_parser().type_id()) {
                    continue;
                }
                seen += 1;
                if !arg.is_allow_negative_numbers_set() {
                    missing.push(format!("{} --{}", sub.get_name(), arg.get_id()));
                }
            }
        }
        // the walk saw the numeric options (noise, level, seeds, threads, ...)
        assert!(seen >= 40, "only {seen} numeric options found");
        assert!(missing.is_empty(), "no allow_negative_numbers: {missing:?}");
    }
}
