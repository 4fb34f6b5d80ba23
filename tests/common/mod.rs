//! Shared helpers for the command-line tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The `labelbudget` binary under test.
pub fn lb() -> assert_cmd::Command {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_labelbudget"))
}

/// Write `text` to `name` in `dir` and return the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The files in `dir`, sorted by name.
pub fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Run `cmd`, fail the test with its stderr unless it succeeds, and return its output.
pub fn succeeded(cmd: &mut assert_cmd::Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
