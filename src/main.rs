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
        eprintln!("Error: {}", message(&e));
        std::process::exit(1);
    }
}

/// The error with its chain of causes, each printed once: a library error such as an I/O
/// failure already shows its cause in its own text (`file: No such file or directory`), which
/// anyhow's alternate form would repeat.
fn message(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    msg
}
