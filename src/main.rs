//! The `labelbudget` command. All work lives in the library; this file only dispatches.

mod cli;
mod commands;

use clap::Parser;

fn main() {
    // Like other Unix tools, end quietly when the reader of our output goes away
    // (`labelbudget plan | head`), instead of panicking on a broken pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args = cli::Cli::parse();
    if let Err(e) = commands::run(args) {
        eprintln!("Error: {e:#}");
        std::process::exit(1);
    }
}
