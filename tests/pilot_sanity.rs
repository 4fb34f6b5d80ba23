//! A pilot that cannot support a confident answer says so (docs/real-curves.md, "Pilot
//! sanity"): a falling pilot, seeds that disagree more than the pilot rises, too few counts
//! each get their warning on stderr and in the JSON report, and a pilot count beyond the pool
//! is an error that writes nothing, as is an empty file.

mod common;

use common::{files, lb, write};
use predicates::prelude::*;

/// `calibrate --pilot` on `text` with a target of 0.9; returns (stdout, stderr).
fn run(dir: &std::path::Path, text: &str, extra: &[&str]) -> (String, String) {
    let pilot = write(dir, "pilot.csv", text);
    let out = common::succeeded(
        lb().current_dir(dir)
            .args(["calibrate", "--floor", "0.1", "--target", "0.9", "--pilot"])
            .arg(&pilot)
            .args(["--out", "m.toml"])
            .args(extra),
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `plan` on the model `run` wrote, for `target`; returns its stderr.
fn plan_stderr(dir: &std::path::Path, target: &str) -> String {
    let out = common::succeeded(lb().current_dir(dir).args([
        "plan",
        "--model",
        "m.toml",
        "--target",
        target,
        "--no-chart",
    ]));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_falling_pilot_is_warned_about_and_not_answered_with_a_count() {
    let dir = tempfile::tempdir().unwrap();
    // the pilot of the first-hour report, which once answered 777,690 labels for 0.9
    let (out, err) = run(
        dir.path(),
        "signal,n,quality\nhard,100,0.8\nhard,200,0.7\nhard,400,0.6\nhard,800,0.5\n",
        &[],
    );
    assert!(
        err.contains("warning: hard: the pilot does not rise"),
        "{err}"
    );
    assert!(out.contains("target 0.900: unreachable"), "{out}");
    // the warning is said once, on stderr, not repeated in the table
    assert!(!out.contains("warning"), "{out}");
    // the model file keeps it, and a plan on the model repeats it: a plan is no better than
    // its pilot (one on this model once promised 0.79 at 20 labels, where 0.65 was measured
    // at 160)
    let plan_err = plan_stderr(dir.path(), "0.75");
    assert!(
        plan_err.contains("warning: m.toml: calibrated from measurements")
            && plan_err.contains("hard: the pilot does not rise"),
        "{plan_err}"
    );
}

#[test]
fn a_sound_pilot_leaves_no_warning_for_plan() {
    let dir = tempfile::tempdir().unwrap();
    let (_, err) = run(
        dir.path(),
        "signal,n,quality\nhard,20,0.724\nhard,26,0.756\nhard,35,0.767\nhard,46,0.816\n\
         hard,62,0.837\nhard,82,0.872\nhard,108,0.892\nhard,143,0.908\n",
        &[],
    );
    assert!(!err.contains("warning"), "{err}");
    let model = std::fs::read_to_string(dir.path().join("m.toml")).unwrap();
    assert!(!model.contains("warnings"), "{model}");
    let plan_err = plan_stderr(dir.path(), "0.91");
    assert!(plan_err.is_empty(), "{plan_err}");
}

#[test]
fn seeds_that_disagree_more_than_the_pilot_rises_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let (_, err) = run(
        dir.path(),
        "signal,n,quality\nhard,100,0.50\nhard,100,0.80\nhard,200,0.52\nhard,200,0.82\n\
         hard,400,0.53\nhard,400,0.83\n",
        &[],
    );
    assert!(
        err.contains("the seeds disagree more than the pilot rises"),
        "{err}"
    );
    assert!(
        err.contains("the trend is not clear from the noise"),
        "{err}"
    );
}

#[test]
fn a_pilot_of_two_counts_is_warned_about_in_the_json_report_too() {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = run(
        dir.path(),
        "signal,n,quality\nhard,100,0.50\nhard,200,0.60\n",
        &["--format", "json"],
    );
    assert!(err.contains("2 distinct counts"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let w = v["signals"][0]["warnings"].as_array().unwrap();
    assert!(
        w.iter()
            .any(|w| w.as_str().unwrap().contains("2 distinct counts")),
        "{w:?}"
    );
}

#[test]
fn a_clean_rising_pilot_gets_no_warning() {
    let dir = tempfile::tempdir().unwrap();
    let pilot =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/own-data/pilot.csv");
    let text = std::fs::read_to_string(pilot).unwrap();
    let (_, err) = run(dir.path(), &text, &[]);
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn a_pilot_count_beyond_the_pool_is_an_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pilot = write(
        dir.path(),
        "pilot.csv",
        "signal,n,quality\nhard,100,0.5\nhard,200,0.6\nhard,400,0.7\n",
    );
    lb().current_dir(dir.path())
        .args(["calibrate", "--floor", "0.1", "--pool", "300", "--pilot"])
        .arg(&pilot)
        .args(["--out", "m.toml"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("pilot.csv")
                .and(predicate::str::contains("n = 400"))
                .and(predicate::str::contains("the pool (--pool) has 300 items")),
        );
    assert_eq!(files(dir.path()), ["pilot.csv"]);
}

#[test]
fn an_empty_pilot_or_curves_file_is_told_empty_with_the_columns_expected() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.csv", "\n");
    lb().current_dir(dir.path())
        .args(["calibrate", "--pilot"])
        .arg(&empty)
        .args(["--out", "m.toml"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("empty.csv")
                .and(predicate::str::contains("the file is empty"))
                .and(predicate::str::contains("signal,n,quality")),
        );
    lb().current_dir(dir.path())
        .args(["prior", "--curves"])
        .arg(&empty)
        .args(["--out", "p.toml"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("the file is empty").and(predicate::str::contains(
                "dataset,classes,learner,n,seed,accuracy",
            )),
        );
    assert_eq!(files(dir.path()), ["empty.csv"]);
}
