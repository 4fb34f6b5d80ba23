//! What a new user meets across commands: one scenario format, one way to name an output file,
//! whole counts printed as counts, money printed as short numbers.

mod common;

use common::{files, lb};
use predicates::prelude::*;
use std::path::Path;

/// The example scenario files, from the crate root.
fn example_scenarios() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut v: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path().join("scenario.toml"))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    v.sort();
    assert!(v.len() >= 4, "{v:?}");
    v
}

#[test]
fn info_and_plan_read_the_same_scenario_files() {
    for sc in example_scenarios() {
        lb().args(["plan", "--no-chart", "--extrapolate", "--scenario", &sc])
            .assert()
            .success();
        lb().args(["info", "--samples", "500", "--scenario", &sc])
            .assert()
            .success()
            .stdout(predicate::str::contains("hard"));
    }
    // the world comes from [dataset]: the medical example has 2 classes, so a hard label carries
    // at most one bit
    let medical = example_scenarios()
        .into_iter()
        .find(|p| p.contains("medical"))
        .unwrap();
    let out = lb()
        .args(["info", "--samples", "500", "--format", "json", "--scenario"])
        .arg(&medical)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["scenario"]["classes"], 2);
    let hard = v["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["signal"] == "hard")
        .unwrap();
    assert!(hard["bits"]["bits"].as_f64().unwrap() <= 1.0, "{hard}");
}

#[test]
fn every_command_writes_its_file_with_out_or_o() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    lb().current_dir(d)
        .args(["info", "--samples", "500", "--format", "csv", "-o", "i.csv"])
        .assert()
        .success()
        .stdout("");
    lb().current_dir(d)
        .args(["info", "--samples", "500", "--out", "j.txt"])
        .assert()
        .success();
    lb().current_dir(d)
        .args(["frontier", "--points", "5", "-o", "f.json"])
        .assert()
        .success();
    assert_eq!(files(d), ["f.json", "i.csv", "j.txt"]);
    // --output is gone, not silently taken
    lb().current_dir(d)
        .args(["info", "--output", "k.txt"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--out"));
}

#[test]
fn an_output_in_a_missing_folder_names_the_folder_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pilot = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/own-data/pilot.csv");
    for args in [
        vec!["frontier", "--points", "5", "--out", "new/f.csv"],
        vec![
            "calibrate",
            "--pilot",
            pilot.to_str().unwrap(),
            "--out",
            "new/m.toml",
        ],
    ] {
        lb().current_dir(d)
            .args(&args)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(
                "cannot be written: the folder new does not exist",
            ));
    }
    assert!(files(d).is_empty(), "{:?}", files(d));
}

#[test]
fn frontier_files_are_csv_or_json_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    lb().current_dir(d)
        .args(["frontier", "--out", "f.txt"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("f.txt").and(predicate::str::contains(".csv or .json")));
    lb().current_dir(d)
        .args(["frontier", "--out", "f.csv", "--format", "json"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--format").and(predicate::str::contains("f.csv")));
    assert!(files(d).is_empty());
    let out = lb()
        .args(["frontier", "--points", "4", "--format", "csv"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("budget,cost,quality"));
}

#[test]
fn predict_takes_whole_counts_from_one_and_prints_them_as_counts() {
    for (bad, shown) in [
        ("0", "0"),
        ("1.5", "1.5"),
        ("-3", "-3"),
        ("2e12", "2000000000000"),
        ("inf", "inf"),
    ] {
        lb().args(["predict", "--signal", "hard", "--n", bad])
            .assert()
            .failure()
            .stderr(predicate::str::contains("`n`").and(predicate::str::contains(shown)));
    }
    lb().args(["predict", "--signal", "hard", "--n", "0"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("untrained"));
    let out = lb()
        .args(["predict", "--signal", "hard", "--n", "1e12,20"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(" 1000000000000 "), "{text}");
    assert!(!text.contains("e12") && !text.contains(".0 "), "{text}");
    let out = lb()
        .args([
            "predict", "--signal", "hard", "--n", "1000", "--format", "json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["n"], serde_json::json!(1000));
}

#[test]
fn predictions_below_the_untrained_value_say_why() {
    // the default model at n = 5 hard labels predicts less than the untrained encoder scores,
    // as the simulator does: the table says so instead of calling the untrained value a floor
    let out = lb()
        .args([
            "predict", "--signal", "hard", "--n", "5", "--format", "json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v[0]["mean"].as_f64().unwrap() < v[0]["floor"].as_f64().unwrap());
    lb().args(["predict", "--signal", "hard", "--n", "5"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("untrained")
                .and(predicate::str::contains("weight decay"))
                .and(predicate::str::contains("floor ").not()),
        );
    lb().args(["predict", "--signal", "hard", "--n", "5000"])
        .assert()
        .success()
        .stdout(predicate::str::contains("weight decay").not());
}

#[test]
fn a_huge_budget_is_printed_as_a_short_number() {
    let out = lb()
        .args(["plan", "--no-chart", "--budget", "1e300"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1.00e300 USD"), "{text}");
    let longest = text.lines().map(str::len).max().unwrap();
    assert!(longest < 120, "a line of {longest} characters:\n{text}");
}

#[test]
fn target_help_names_the_models_metric_not_only_cka() {
    let out = lb().args(["plan", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let target = help
        .split("--target")
        .nth(1)
        .unwrap()
        .split("--budget")
        .next()
        .unwrap();
    assert!(target.contains("model's metric"), "{target}");
    assert!(target.contains("calibrate"), "{target}");
}

/// A negative number reaches the option's own check, whose error names the option and the
/// value, whatever the option's type (clap alone would say "unexpected argument '-0' found").
#[test]
fn a_negative_number_is_named_by_its_option() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.toml");
    let out = out.to_str().unwrap();
    let pilot = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/own-data/pilot.csv");
    let pilot = pilot.to_str().unwrap();
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &[
                "predict", "--signal", "pair", "--n", "100", "--noise", "-0.1",
            ],
            "`noise`",
            "-0.1",
        ),
        (
            &[
                "predict",
                "--signal",
                "pair",
                "--n",
                "100",
                "--classes",
                "-3",
            ],
            "--classes",
            "-3",
        ),
        (
            &[
                "calibrate",
                "--pilot",
                pilot,
                "--metric",
                "accuracy",
                "--floor",
                "-0.1",
                "--out",
                out,
            ],
            "`floor`",
            "-0.1",
        ),
        (
            &["fit", "--runs", "runs.csv", "--level", "-0.5", "--out", out],
            "`level`",
            "-0.5",
        ),
    ];
    for (args, option, value) in cases {
        lb().args(args)
            .assert()
            .failure()
            .stderr(predicate::str::contains(option).and(predicate::str::contains(value)));
    }
    assert!(!Path::new(out).exists(), "nothing written on bad input");
}
