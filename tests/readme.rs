//! The README runs as written. Every command of its ```sh and ```console blocks is run, in the
//! order of the README, by `sh` in a scratch folder that sees the repository's `examples/` and
//! `tests/data/`, with the `labelbudget` under test first on the PATH (`cargo run --release --`
//! stands for it, as the README says). Each ```console block's output must be what its command
//! prints on standard output, and each block titled with a file (```csv title="PATH") must be that
//! file. The commands that cannot run here are listed in [`NOT_RUN`], each with its reason, and
//! must appear in the README.
//!
//! When an output changes on purpose, `README_UPDATE=1 cargo test --release --test readme`
//! writes the new outputs into README.md; review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Commands of the README not run by this test, and why.
const NOT_RUN: &[(&str, &str)] = &[
    (
        "cargo install --path .",
        "it installs into the user's ~/.cargo/bin, and builds the binary this test already has",
    ),
    ("cargo test --release", "this test is part of it"),
];

/// The hook and the issue: at most 15 KB.
const MAX_README_BYTES: usize = 15_360;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fenced block of the README: its info string, and the lines between the fences (0-based
/// line numbers of the first and last content line + 1).
struct Block {
    info: String,
    start: usize,
    end: usize,
}

fn blocks(lines: &[&str]) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<(String, usize)> = None;
    for (i, line) in lines.iter().enumerate() {
        if let Some(rest) = line.strip_prefix("```") {
            match open.take() {
                None => open = Some((rest.trim().to_string(), i + 1)),
                Some((info, start)) => out.push(Block {
                    info,
                    start,
                    end: i,
                }),
            }
        }
    }
    assert!(open.is_none(), "README.md: a fenced block is not closed");
    out
}

/// The command as the test runs it: `cargo run --release -- ARGS` is `labelbudget ARGS`.
fn runnable(command: &str) -> String {
    match command.strip_prefix("cargo run --release -- ") {
        Some(args) => format!("labelbudget {args}"),
        None => command.to_string(),
    }
}

/// Whether `command` is one of [`NOT_RUN`] (its text before any `#` comment).
fn not_run(command: &str) -> bool {
    let bare = command.split('#').next().unwrap_or("").trim();
    NOT_RUN.iter().any(|(c, _)| *c == bare)
}

/// Run `command` with `sh` in `dir`; its standard output.
fn run(dir: &Path, command: &str) -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_labelbudget"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin];
    paths.extend(std::env::split_paths(&path));
    let cmd = runnable(command);
    let bare = cmd.split('#').next().unwrap_or("").trim().to_string();
    assert!(
        !bare.starts_with("cargo ") && !bare.starts_with("git "),
        "README.md: `{command}` is not run by tests/readme.rs; list it in NOT_RUN with a reason, \
         or make it a labelbudget command"
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(&cmd)
        .current_dir(dir)
        .env("PATH", std::env::join_paths(paths).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "README.md: `{command}` failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Lines without trailing blanks, and without trailing empty lines.
fn normalised(text: &str) -> Vec<String> {
    let mut v: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
    while v.last().is_some_and(|l| l.is_empty()) {
        v.pop();
    }
    v
}

/// The file a block is titled with (`title="PATH"` in its info string).
fn titled(info: &str) -> Option<&str> {
    let at = info.find("title=\"")? + 7;
    info[at..].split('"').next()
}

#[test]
fn the_readme_runs_as_written() {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        text.len() <= MAX_README_BYTES,
        "README.md is {} bytes, more than {MAX_README_BYTES}",
        text.len()
    );
    for needed in ["cargo run --release -- plan", "cargo test --release"] {
        assert!(text.contains(needed), "README.md lacks `{needed}`");
    }
    for (command, why) in NOT_RUN {
        assert!(
            text.contains(command),
            "NOT_RUN lists `{command}` ({why}), which README.md no longer has"
        );
    }
    let lines: Vec<&str> = text.lines().collect();
    let dir = tempfile::tempdir().unwrap();
    for sub in ["examples", "tests"] {
        std::os::unix::fs::symlink(root().join(sub), dir.path().join(sub)).unwrap();
    }
    let update = std::env::var_os("README_UPDATE").is_some();
    // (first line, end line, new output) of every console output that differs
    let mut changed: Vec<(usize, usize, Vec<String>)> = Vec::new();
    let mut ran = 0;
    for b in blocks(&lines) {
        let body = &lines[b.start..b.end];
        if let Some(file) = titled(&b.info) {
            let want = std::fs::read_to_string(root().join(file)).unwrap();
            assert_eq!(
                normalised(&want),
                normalised(&body.join("\n")),
                "README.md shows {file} otherwise than it is"
            );
            continue;
        }
        match b.info.split_whitespace().next() {
            Some("sh") => {
                for line in body.iter().map(|l| l.trim()) {
                    if line.is_empty() || line.starts_with('#') || not_run(line) {
                        continue;
                    }
                    run(dir.path(), line);
                    ran += 1;
                }
            }
            Some("console") => {
                // `$ command` lines, each followed by its output
                let starts: Vec<usize> = (0..body.len())
                    .filter(|&i| body[i].starts_with("$ "))
                    .collect();
                assert!(
                    !starts.is_empty(),
                    "README.md: a console block without `$ `"
                );
                for (k, &i) in starts.iter().enumerate() {
                    let command = &body[i][2..];
                    let stop = starts.get(k + 1).copied().unwrap_or(body.len());
                    let shown = normalised(&body[i + 1..stop].join("\n"));
                    if not_run(command) {
                        continue;
                    }
                    let got = normalised(&run(dir.path(), command));
                    ran += 1;
                    if got != shown {
                        assert!(
                            update,
                            "README.md: `{command}` prints otherwise than shown (rerun with \
                             README_UPDATE=1 to rewrite):\n--- shown\n{}\n--- printed\n{}",
                            shown.join("\n"),
                            got.join("\n")
                        );
                        let mut new = got;
                        if k + 1 < starts.len() {
                            new.push(String::new());
                        }
                        changed.push((b.start + i + 1, b.start + stop, new));
                    }
                }
            }
            _ => {}
        }
    }
    assert!(ran >= 10, "only {ran} README commands ran");
    if update && !changed.is_empty() {
        let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        for (from, to, new) in changed.into_iter().rev() {
            out.splice(from..to, new);
        }
        std::fs::write(root().join("README.md"), out.join("\n") + "\n").unwrap();
    }
}

#[test]
fn not_run_commands_are_recognised_with_their_comments() {
    assert!(not_run(
        "cargo install --path .    # puts `labelbudget` on your PATH"
    ));
    assert!(not_run("cargo test --release"));
    assert!(!not_run("cargo test --release --test readme"));
    assert_eq!(runnable("cargo run --release -- plan"), "labelbudget plan");
    assert_eq!(titled("csv title=\"a/b.csv\""), Some("a/b.csv"));
}

/// The anchor GitHub gives a heading: lower case, spaces to hyphens, punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// Every relative link of the README, the changelog and `docs/` names a file that exists and,
/// after `#`, a heading of it.
#[test]
fn links_in_the_docs_resolve() {
    let mut pages = vec![root().join("README.md"), root().join("CHANGELOG.md")];
    for e in std::fs::read_dir(root().join("docs")).unwrap() {
        pages.push(e.unwrap().path());
    }
    let mut checked = 0;
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for (i, _) in text.match_indices("](") {
            let target = text[i + 2..].split(')').next().unwrap();
            if target.starts_with("http") {
                continue;
            }
            let (file, frag) = target.split_once('#').unwrap_or((target, ""));
            let path = if file.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(file)
            };
            assert!(
                path.exists(),
                "{}: link to missing {target}",
                page.display()
            );
            if !frag.is_empty() {
                let headings: Vec<String> = std::fs::read_to_string(&path)
                    .unwrap()
                    .lines()
                    .filter(|l| l.starts_with('#'))
                    .map(|l| anchor(l.trim_start_matches('#')))
                    .collect();
                assert!(
                    headings.iter().any(|h| h == frag),
                    "{}: no heading #{frag} in {}",
                    page.display(),
                    path.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked} links");
}
