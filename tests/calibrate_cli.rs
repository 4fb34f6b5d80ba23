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
    // the default prior (real curves) gives the curve as a quantile table
    assert!(m.has(labelbudget::Signal::Hard) && m.table(labelbudget::Signal::Hard).is_some());
    assert!(m.signal(labelbudget::Signal::Hard).is_none());
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
    .stderr(
        predicate::str::contains("--verify runs the plan in the simulator")
            .and(predicate::str::contains("linear CKA"))
            .and(predicate::str::contains(out.display().to_string())),
    );
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
    // an option of another mode is refused, not silently ignored; defaults do not count
    for (mode, other) in [
        (["--pilot", "a.csv"], ["--points", "5"]),
        (["--pilot", "a.csv"], ["--wage", "20"]),
        (["--features", "x.csv"], ["--floor", "0.1"]),
        (["--annotations", "b.csv"], ["--target", "0.9"]),
        (["--annotations", "b.csv"], ["--seeds", "4"]),
    ] {
        let mut c = lb();
        c.arg("calibrate").args(mode).args(other);
        if mode[0] == "--features" {
            c.args(["--labels", "y.csv"]);
        }
        c.args(["--out", "x.toml"]).assert().failure().stderr(
            predicate::str::contains("cannot be used with")
                .and(predicate::str::contains(mode[0]).and(predicate::str::contains(other[0]))),
        );
    }
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
const X4: &str = "a,b\n1,2\n3,4\n5,6\n7,9\n";

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
            ("x.csv", X4),
            ("y.csv", "0\n1\n0\n1\n"),
            ("p.csv", "0.5,0.5\n0.9,0.3\n1,0\n0,1\n"),
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

#[test]
fn soft_entries_outside_0_1_are_named_before_the_sum() {
    bad_features(
        &[
            ("x.csv", X4),
            ("y.csv", "0\n1\n0\n1\n"),
            ("p.csv", "p0,p1\n0.5,0.5\n-0.5,1.5\n1,0\n0,1\n"),
        ],
        &["--soft", "p.csv"],
        &["p.csv, line 3", "column 1 is -0.5", "[0, 1]"],
    );
}

#[test]
fn a_class_with_one_item_is_named() {
    bad_features(
        &[("x.csv", X4), ("y.csv", "0\n0\n0\n-1\n")],
        &[],
        &["y.csv", "class -1 has 1 item", "at least 2"],
    );
}

/// Each bad option is named by its flag, value and accepted range, before any data is read
/// (x.csv and y.csv do not exist) or, for bounds that depend on the data, after.
#[test]
fn bad_options_name_their_flag_and_range() {
    for (extra, expect) in [
        (
            &["--fit-fraction", "2", "--target", "0.9"][..],
            &["`fit-fraction`", "2", "(0, 1]"][..],
        ),
        (
            &["--fit-fraction", "NaN", "--target", "0.9"],
            &["`fit-fraction`", "NaN"],
        ),
        (&["--n-min", "0"], &["`n-min`", "0", ">= 1"]),
        (
            &["--max-fraction", "1.5"],
            &["`max-fraction`", "1.5", "(0, 1]"],
        ),
        (&["--test-fraction", "1"], &["`test-fraction`", "(0, 1)"]),
        // as `plan` asks: a perfect score is approached, never promised
        (&["--target", "1"], &["`target`", "1", "(0, 1)"]),
        (&["--seeds", "0"], &["`seeds`", "1 to 1000"]),
        (&["--points", "100000"], &["`points`", "2 to 1000"]),
        (&["--replicates", "0"], &["`replicates`", "2 to 100000"]),
        (
            &["--metric", "transfer", "--rep", "0"],
            &["`rep`", "0", ">= 1"],
        ),
        (&["--rep", "4"], &["`rep`", "--metric transfer"]),
    ] {
        bad_features(&[], extra, expect);
    }
    // the encoder dimension is bounded by the data's D = 2 features
    let x: String = (0..24).map(|i| format!("{i},{}\n", i % 5)).collect();
    let y: String = (0..24).map(|i| format!("{}\n", i % 4)).collect();
    bad_features(
        &[("x.csv", &x), ("y.csv", &y)],
        &["--metric", "transfer", "--rep", "1000"],
        &["`rep`", "1000", "[1, 2]", "D = 2"],
    );
}

/// A grid that does not fit the pool names every flag that combines, with its value.
#[test]
fn a_grid_too_large_for_the_pool_names_the_flags() {
    let x: String = (0..200).map(|i| format!("{i},{}\n", i % 7)).collect();
    let y: String = (0..200).map(|i| format!("{}\n", i % 4)).collect();
    bad_features(
        &[("x.csv", &x), ("y.csv", &y)],
        &["--test-fraction", "0.99"],
        &[
            "test-fraction",
            "0.99",
            "holds out 196 of the 200 items",
            "max-fraction",
        ],
    );
}

#[test]
fn npy_shape_and_dtype_errors_name_what_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    ndarray_npy::write_npy(
        dir.path().join("x1d.npy"),
        &ndarray::array![1.0, 2.0, 3.0, 4.0],
    )
    .unwrap();
    ndarray_npy::write_npy(
        dir.path().join("x.npy"),
        &ndarray::array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 9.0]],
    )
    .unwrap();
    ndarray_npy::write_npy(
        dir.path().join("y2d.npy"),
        &ndarray::array![[0i64, 1], [1, 0], [0, 1], [1, 0]],
    )
    .unwrap();
    ndarray_npy::write_npy(dir.path().join("y.npy"), &ndarray::array![0i64, 1, 0, 1]).unwrap();
    let run = |x: &str, y: &str, expect: &[&str]| {
        let out = lb()
            .current_dir(dir.path())
            .args([
                "calibrate",
                "--features",
                x,
                "--labels",
                y,
                "--out",
                "m.toml",
            ])
            .assert()
            .failure();
        let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        for e in expect {
            assert!(err.contains(e), "missing {e:?} in {err}");
        }
        assert!(
            !err.contains("NDIM") && !err.contains("descriptor"),
            "{err}"
        );
    };
    run(
        "x1d.npy",
        "y.npy",
        &["x1d.npy", "shape (4,)", "float64", "2-D"],
    );
    run(
        "x.npy",
        "y2d.npy",
        &["y2d.npy", "shape (4, 2)", "1-D", "(n, 1)"],
    );
}

#[test]
fn bad_pilot_seeds_and_duplicated_columns_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let fail = |name: &str, text: &str, flag: &str, expect: &[&str]| {
        let p = write(dir.path(), name, text);
        let out = dir.path().join("out.toml");
        let a = lb()
            .args(["calibrate", flag])
            .arg(&p)
            .arg("--out")
            .arg(&out)
            .assert()
            .failure();
        let err = String::from_utf8(a.get_output().stderr.clone()).unwrap();
        for e in expect {
            assert!(err.contains(e), "missing {e:?} in {err}");
        }
        assert!(!out.exists());
    };
    fail(
        "seed.csv",
        "signal,n,quality,seed\nhard,100,0.3,x\nhard,300,0.4,1\nhard,1000,0.6,1\n",
        "--pilot",
        &["seed.csv, line 2", "seed = `x`"],
    );
    fail(
        "dup.csv",
        "signal,n,quality,quality\nhard,100,0.3,0.3\nhard,300,0.4,0.4\n",
        "--pilot",
        &["dup.csv, line 1", "`quality` appears twice"],
    );
    fail(
        "log.csv",
        "signal,seconds,seconds\nhard,4,5\n",
        "--annotations",
        &["log.csv, line 1", "`seconds` appears twice"],
    );
    fail(
        "big.csv",
        "signal,seconds\nhard,4\nhard,1e20\n",
        "--annotations",
        &["big.csv, line 3", "1e20", "[1e-3, 1e6]"],
    );
}

#[test]
fn an_absurd_wage_is_refused_and_large_prices_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "log.csv", "signal,seconds\nhard,4\nhard,5\n");
    let out = dir.path().join("c.toml");
    lb().args(["calibrate", "--annotations"])
        .arg(&log)
        .args(["--wage", "1e300", "--out"])
        .arg(&out)
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("`wage`: 1e300").and(predicate::str::contains("[1e-3, 1e7]")),
        );
    assert!(!out.exists());
    lb().args(["calibrate", "--annotations"])
        .arg(&log)
        .args(["--wage", "1e7", "--out"])
        .arg(&out)
        .assert()
        .success();
    let c = labelbudget::cost::Costs::from_file(&out).unwrap();
    assert_eq!(c.wage_per_hour, 1e7);
}

#[test]
fn the_simulation_prior_reports_the_chosen_candidates_own_forward_rmse() {
    let dir = tempfile::tempdir().unwrap();
    let pilot =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/own-data/pilot.csv");
    let out = common::succeeded(
        lb().current_dir(dir.path())
            .args([
                "calibrate",
                "--prior",
                "sim",
                "--floor",
                "0.1",
                "--replicates",
                "50",
            ])
            .args(["--format", "json", "--out", "m.toml", "--pilot"])
            .arg(&pilot),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["signals"][0];
    let choice = s["choice"].as_str().unwrap();
    let cands = s["candidates"].as_array().unwrap();
    assert!(cands.len() > 1, "{cands:?}");
    let own = cands
        .iter()
        .find(|c| c[0].as_str() == Some(choice))
        .unwrap_or_else(|| panic!("{choice} not among {cands:?}"))[1]
        .as_f64()
        .unwrap();
    assert_eq!(s["chosen_forward_rmse"].as_f64(), Some(own));
}
