//! `labelbudget calibrate`: the three modes end to end, and every bad input named.

mod common;
use common::{lb, write};
use predicates::prelude::*;

const PILOT: &str = "signal,n,quality\nhard,50,0.55\nhard,100,0.66\nhard,200,0.75\n";

#[test]
fn pilot_writes_a_model_that_reloads() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "pilot.csv", PILOT);
    let out = dir.path().join("mine.toml");
    lb().args(["calibrate", "--pilot"])
        .arg(&p)
        .args([
            "--floor",
            "0.1",
            "--target",
            "0.8",
            "--replicates",
            "50",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("target 0.800"));
    let m = labelbudget::surrogate::Model::from_file(&out).unwrap();
    assert!(m.signal(labelbudget::Signal::Hard).is_some());
    // a plan on the calibrated model names its metric, in the table and the chart, not CKA
    let chart = dir.path().join("tradeoff.svg");
    lb().args(["plan", "--target", "0.8", "--model"])
        .arg(&out)
        .arg("--chart")
        .arg(&chart)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("reaching quality 0.8 (the pilot's metric)")
                .and(predicate::str::contains("CKA").not()),
        );
    let svg = std::fs::read_to_string(&chart).unwrap();
    // and a simulator check of it is refused: the simulator measures linear CKA
    lb().args([
        "plan",
        "--target",
        "0.8",
        "--no-chart",
        "--verify",
        "--model",
    ])
    .arg(&out)
    .assert()
    .failure()
    .stderr(predicate::str::contains("--verify").and(predicate::str::contains("linear CKA")));
    // (SVG escapes the apostrophe)
    assert!(
        svg.contains("predicted quality (the pilot&apos;s metric)"),
        "axis label"
    );
}

#[test]
fn annotations_write_a_cost_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(
        dir.path(),
        "log.csv",
        "signal,seconds,annotator\nhard,3,a\nhard,5,b\npair,2,a\n",
    );
    let out = dir.path().join("costs.toml");
    lb().args(["calibrate", "--annotations"])
        .arg(&log)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let c = labelbudget::cost::Costs::from_file(&out).unwrap();
    assert_eq!(c.of(labelbudget::Signal::Hard).seconds, Some(4.0));
}

#[test]
fn features_mode_on_digits_is_deterministic_across_threads() {
    let dir = tempfile::tempdir().unwrap();
    let run = |threads: &str, name: &str| {
        let out = dir.path().join(name);
        lb().args([
            "calibrate",
            "--features",
            "examples/data/digits_features.csv",
            "--labels",
            "examples/data/digits_labels.csv",
            "--points",
            "4",
            "--max-fraction",
            "0.2",
            "--seeds",
            "2",
            "--replicates",
            "20",
            "--threads",
            threads,
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
        std::fs::read_to_string(out).unwrap()
    };
    assert_eq!(run("1", "a.toml"), run("2", "b.toml"));
}

#[test]
fn modes_are_exclusive() {
    lb().args([
        "calibrate",
        "--pilot",
        "a.csv",
        "--annotations",
        "b.csv",
        "--out",
        "x.toml",
    ])
    .assert()
    .failure()
    .stderr(predicate::str::contains("cannot be used with"));
}

fn bad_features(files: &[(&str, &str)], extra: &[&str], expect: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    let mut cmd = lb();
    cmd.current_dir(dir.path())
        .args(["calibrate", "--features", "x.csv", "--labels", "y.csv"]);
    cmd.args(extra).args(["--out", "m.toml"]);
    let out = cmd.assert().failure();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    for e in expect {
        assert!(err.contains(e), "missing {e:?} in {err}");
    }
    assert!(!dir.path().join("m.toml").exists());
}

const X3: &str = "a,b\n1,2\n3,4\n5,6\n";

#[test]
fn differing_counts_are_named() {
    bad_features(
        &[("x.csv", X3), ("y.csv", "0\n1\n")],
        &[],
        &["y.csv", "2 labels", "3 feature rows"],
    );
}

#[test]
fn one_class_is_named() {
    bad_features(
        &[("x.csv", X3), ("y.csv", "2\n2\n2\n")],
        &[],
        &["y.csv", "only one class (2)"],
    );
}

#[test]
fn non_finite_features_name_the_line() {
    bad_features(
        &[("x.csv", "a,b\n1,2\n3,nan\n5,6\n"), ("y.csv", "0\n1\n0\n")],
        &[],
        &["x.csv", "line 3", "NaN"],
    );
    bad_features(
        &[("x.csv", "a,b\n1,2\n3,4\n5,inf\n"), ("y.csv", "0\n1\n0\n")],
        &[],
        &["x.csv", "line 4", "inf"],
    );
}

#[test]
fn non_integer_labels_name_the_line() {
    bad_features(
        &[("x.csv", X3), ("y.csv", "label\n0\n1.5\n0\n")],
        &[],
        &["y.csv", "line 3", "1.5", "not an integer"],
    );
    bad_features(
        &[("x.csv", X3), ("y.csv", "0\ncat\n0\n")],
        &[],
        &["y.csv", "line 2", "cat"],
    );
}

#[test]
fn soft_rows_must_sum_to_one() {
    bad_features(
        &[
            ("x.csv", X3),
            ("y.csv", "0\n1\n0\n"),
            ("p.csv", "0.5,0.5\n0.9,0.3\n1,0\n"),
        ],
        &["--soft", "p.csv"],
        &["p.csv", "line 2", "sums to 1.2"],
    );
}

#[test]
fn too_few_items_for_the_grid() {
    let x: String = (0..40).map(|i| format!("{i},{}\n", i % 7)).collect();
    let y: String = (0..40).map(|i| format!("{}\n", i % 2)).collect();
    bad_features(
        &[("x.csv", &x), ("y.csv", &y)],
        &["--points", "8"],
        &["too few items"],
    );
}

#[test]
fn bad_pilot_rows_and_logs_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "pilot.csv",
        "signal,n,quality\nhard,50,0.5\nhard,x,0.6\n",
    );
    lb().args(["calibrate", "--pilot"])
        .arg(&p)
        .args(["--out"])
        .arg(dir.path().join("m.toml"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("pilot.csv, line 3").and(predicate::str::contains("`x`")));
    let log = write(dir.path(), "log.csv", "signal,seconds\nhard,abc\n");
    lb().args(["calibrate", "--annotations"])
        .arg(&log)
        .args(["--out"])
        .arg(dir.path().join("c.toml"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("log.csv, line 2").and(predicate::str::contains("abc")));
}

/// Issue 6, must-show 2: on data drawn from the simulator's world, a calibration fitted on the
/// first 10% of the pool holds every larger measured point of the curve inside its interval,
/// and the interval says something (it is not the whole [0, 1]).
#[test]
fn synthetic_curve_is_recovered_within_the_interval() {
    let dir = tempfile::tempdir().unwrap();
    let sc = labelbudget::Scenario::default();
    let (x, y, _) = labelbudget::calibrate::synthetic::generate(&sc, 4000, 0).unwrap();
    ndarray_npy::write_npy(dir.path().join("x.npy"), &x).unwrap();
    ndarray_npy::write_npy(dir.path().join("y.npy"), &ndarray::Array1::from(y)).unwrap();
    let out = lb()
        .current_dir(dir.path())
        .args([
            "calibrate",
            "--features",
            "x.npy",
            "--labels",
            "y.npy",
            "--max-fraction",
            "1",
            "--points",
            "10",
            "--fit-fraction",
            "0.1",
            "--target",
            "0.6",
            "--format",
            "json",
            "--out",
            "m.toml",
        ])
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let fitted_up_to = report["extrapolation"][0]["fitted_up_to"].as_f64().unwrap();
    let rows = report["signals"][0]["curve"].as_array().unwrap();
    let mut unseen = 0;
    for r in rows {
        let (n, lo, hi) = (
            r["n"].as_f64().unwrap(),
            r["lo"].as_f64().unwrap(),
            r["hi"].as_f64().unwrap(),
        );
        let Some(q) = r["measured"].as_f64() else {
            continue;
        };
        assert!(
            hi - lo < 0.6,
            "n = {n}: interval {lo} - {hi} is nearly all of [0, 1]"
        );
        if n > fitted_up_to {
            unseen += 1;
            assert!(
                (lo..=hi).contains(&q),
                "n = {n}: measured {q} outside {lo} - {hi}"
            );
        }
    }
    assert!(
        unseen >= 4,
        "{unseen} measured points beyond the fitted ones"
    );
}
