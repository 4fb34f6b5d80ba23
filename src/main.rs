//! The `labelbudget` command. All work lives in the library; this file only dispatches.

mod cli;
mod commands;

use clap::Parser;

fn main() {
    let args = cli::Cli::parse();
    if let Err(e) = commands::run(args) {
        eprintln!("Error: {e:#}");
        std::process::exit(1);
    }
}
