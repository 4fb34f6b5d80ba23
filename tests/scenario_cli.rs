//! `labelbudget scenario`: from the bundled digits to a plan across all four signals, a
//! simulated world whose truth is known, and every bad input named (issue 22).

mod common;
use common::{lb, write};
use labelbudget::plan::{Objective, PlanScenario};
use ndarray::Array2;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn digits(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/data")
        .join(name)
}

/// Digits: the estimates come with intervals, the file reads back as a planning scenario, and
/// a plan on a calibrated hard-label model compares all four signals, the other three by
/// transfer, each reaching the target at a finite count.
#[test]
fn digits_from_data_to_a_plan_across_every_signal() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("digits.toml");
    let json = lb()
        .args(["scenario", "--features"])
        .arg(digits("digits_features.csv"))
        .arg("--labels")
        .arg(digits("digits_labels.csv"))
        .args(["--target", "0.9", "--format", "json", "--out"])
        .arg(&out)
        .assert()
        .success()
        // without --model the plans across the intervals are the default model's, in CKA
        .stderr(predicate::str::contains(
            "read --target 0.9 as linear CKA, the default model's metric",
        ))
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let est = &v["estimate"];
    assert_eq!(est["classes"]["estimate"], 10.0);
    // 64 pixels, 3 of them blank in every image
    assert_eq!(est["features"]["estimate"], 61.0);
    assert_eq!(est["constant_columns"], 3);
    // pixel features have no two-level spectrum: d is bounded by what the labels show (all
    // C - 1 = 9 directions) and D, and the interval says so
    let dims = &est["dims"];
    assert_eq!(dims["lo"], 9.0);
    assert_eq!(dims["hi"], 61.0);
    assert!(dims["note"].as_str().unwrap().contains("undetermined"));
    assert_eq!(est["spectrum"], "not-two-level");
    assert!(v["sensitivity"].as_array().is_some_and(|s| !s.is_empty()));
    let plan_scenario = PlanScenario::from_file(&out).unwrap();
    assert_eq!(plan_scenario.dataset.classes, 10);
    assert_eq!(plan_scenario.dataset.dims, 9);
    assert_eq!(plan_scenario.items, 1797);
    assert_eq!(plan_scenario.objective, Objective::Target(0.9));

    let model = dir.path().join("digits-model.toml");
    lb().args(["calibrate", "--features"])
        .arg(digits("digits_features.csv"))
        .arg("--labels")
        .arg(digits("digits_labels.csv"))
        .arg("--out")
        .arg(&model)
        .assert()
        .success();
    every_signal_planned(&model, &out, 0.9);

    // the README's pilot, calibrated as the README does (a real-curve quantile-table curve)
    let pilot_model = dir.path().join("pilot-model.toml");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    lb().args(["calibrate", "--pilot"])
        .arg(root.join("examples/own-data/pilot.csv"))
        .args([
            "--metric", "accuracy", "--floor", "0.1", "--pool", "1438", "--out",
        ])
        .arg(&pilot_model)
        .assert()
        .success();
    let text = std::fs::read_to_string(&pilot_model).unwrap();
    assert!(
        text.contains("[[tables]]"),
        "a quantile-table curve:\n{text}"
    );
    every_signal_planned(&pilot_model, &out, 0.91);
}

/// A plan on `model` for `scenario` with `target` completes the model by transfer, and every
/// one of the four signals is planned (none "no data") and reaches the target at a positive
/// cost.
fn every_signal_planned(model: &Path, scenario: &Path, target: f64) {
    let plan = lb()
        .args(["plan", "--no-chart", "--format", "json", "--model"])
        .arg(model)
        .arg("--scenario")
        .arg(scenario)
        .args(["--target", &target.to_string()])
        .assert()
        .success()
        .stderr(predicate::str::contains("soft, triplet, pair read through"))
        .get_output()
        .stdout
        .clone();
    let p: serde_json::Value = serde_json::from_slice(&plan).unwrap();
    let per_signal = p["per_signal"].as_array().unwrap();
    assert_eq!(per_signal.len(), 4);
    for s in per_signal {
        assert_eq!(s["status"], "planned", "{s}");
        let q = s["quality"].as_f64().unwrap();
        assert!(q >= target - 1e-6, "{s}: every signal reaches the target");
        assert!(s["cost"].as_f64().unwrap() > 0.0, "{s}");
    }
}

/// Features drawn from the simulator: the spectrum decides d exactly, the log's agreement gives
/// the annotator's error rate, and both intervals hold the truth.
#[test]
fn a_simulated_world_is_recovered_with_its_intervals() {
    let sc = labelbudget::Scenario {
        classes: 5,
        dims: 12,
        features: 48,
        nuisance: 4.0,
        noise: 0.2,
        ..labelbudget::Scenario::default()
    };
    let (x, y, p) = labelbudget::calibrate::synthetic::generate(&sc, 4000, 3).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let xp = dir.path().join("x.npy");
    let yp = dir.path().join("y.npy");
    ndarray_npy::write_npy(&xp, &x).unwrap();
    ndarray_npy::write_npy(&yp, &ndarray::Array1::from(y)).unwrap();
    // 5 labels for each of 800 items, drawn from p(z)
    let mut log = String::from("item,annotator,label\n");
    let mut rng = labelbudget::rng::stream(9, &[1]);
    for i in 0..800 {
        for a in 0..5 {
            let row = p.row(i);
            let k =
                labelbudget::sim::annotator::draw_categorical(&mut rng, row.as_slice().unwrap());
            log.push_str(&format!("{i},a{a},{k}\n"));
        }
    }
    let lp = write(dir.path(), "log.csv", &log);
    let out = dir.path().join("s.toml");
    let json = lb()
        .args(["scenario", "--format", "json", "--features"])
        .arg(&xp)
        .arg("--labels")
        .arg(&yp)
        .arg("--annotations")
        .arg(&lp)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let est = &v["estimate"];
    let d = &est["dims"];
    assert_eq!(d["estimate"], 12.0, "{d}");
    assert!(d["lo"].as_f64().unwrap() <= 12.0 && 12.0 <= d["hi"].as_f64().unwrap());
    let nu = &est["nuisance"];
    assert!(
        nu["lo"].as_f64().unwrap() <= 4.0 && 4.0 <= nu["hi"].as_f64().unwrap(),
        "{nu}"
    );
    let e = &est["noise"];
    // 4,000 agreements of pairs: the estimate's sd is about 0.01; the interval adds the
    // mapping's spread over simulated worlds
    assert!((e["estimate"].as_f64().unwrap() - 0.2).abs() < 0.03, "{e}");
    assert!(
        e["lo"].as_f64().unwrap() <= 0.2 && 0.2 <= e["hi"].as_f64().unwrap(),
        "{e}"
    );
    // the measured nuisance is within 5% of the default model's 4: the file plans as it is
    lb().args(["plan", "--no-chart", "--scenario"])
        .arg(&out)
        .assert()
        .success();
}

/// The error of `scenario` on the given flags and their values (which must fail).
fn fails(args: &[(&str, &std::ffi::OsStr)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = lb();
    cmd.arg("scenario");
    for (flag, value) in args {
        cmd.arg(flag).arg(value);
    }
    let out = cmd
        .arg("--out")
        .arg(dir.path().join("s.toml"))
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn bad_inputs_are_named_with_what_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    // fewer items than classes: 4 items, soft labels over 6 classes
    let x = dir.path().join("x.npy");
    ndarray_npy::write_npy(
        &x,
        &ndarray::array![[1.0, 2.0], [3.0, 1.0], [0.0, 5.0], [2.0, 2.0]],
    )
    .unwrap();
    let soft = dir.path().join("p.npy");
    let mut p = Array2::<f64>::zeros((4, 6));
    for i in 0..4 {
        p[[i, i]] = 1.0;
    }
    ndarray_npy::write_npy(&soft, &p).unwrap();
    let features = ("--features", x.as_os_str());
    let e = fails(&[features, ("--soft", soft.as_os_str())]);
    assert!(
        e.contains("x.npy")
            && e.contains("4 items")
            && e.contains("6 classes")
            && e.contains("p.npy"),
        "{e}"
    );
    // the same through a log with more classes than items
    let log = write(
        dir.path(),
        "log.csv",
        "item,annotator,label\n0,a,c0\n0,b,c1\n1,a,c2\n1,b,c3\n2,a,c4\n",
    );
    let e = fails(&[features, ("--annotations", log.as_os_str())]);
    assert!(
        e.contains("x.npy") && e.contains("4 items") && e.contains("5 classes"),
        "{e}"
    );
    // constant features
    let flat = write(dir.path(), "flat.csv", "a,b\n1,7\n1,7\n1,7\n1,7\n1,7\n");
    let labels = write(dir.path(), "y.csv", "0\n1\n0\n1\n0\n");
    let e = fails(&[
        ("--features", flat.as_os_str()),
        ("--labels", labels.as_os_str()),
    ]);
    assert!(
        e.contains("flat.csv") && e.contains("constant") && e.contains("vary"),
        "{e}"
    );
    // a log whose items are not rows of the features, by number or by name
    for (text, line, item) in [
        ("0,a,1\n0,b,1\n17,a,0\n17,b,1\n", "line 4", "`17`"),
        ("cat1,a,1\ncat1,b,0\n", "line 2", "`cat1`"),
    ] {
        let log = write(
            dir.path(),
            "stray.csv",
            &format!("item,annotator,label\n{text}"),
        );
        let e = fails(&[features, ("--annotations", log.as_os_str())]);
        assert!(
            e.contains(&format!("stray.csv, {line}")) && e.contains(item) && e.contains("0 to 3"),
            "{e}"
        );
    }
    // class names instead of class numbers, and a fractional label
    for (label, says) in [
        ("cat", "map class names such as `cat`"),
        ("1.5", "is not an integer (class labels are whole numbers"),
    ] {
        let named = write(dir.path(), "named.csv", &format!("0\n1\n{label}\n1\n"));
        let e = fails(&[features, ("--labels", named.as_os_str())]);
        assert!(
            e.contains("named.csv, line 3")
                && e.contains(&format!("`{label}`"))
                && e.contains(says),
            "{e}"
        );
    }
    // no source of the number of classes
    let e = fails(&[features]);
    assert!(e.contains("classes") && e.contains("--labels"), "{e}");
    // an impossible target
    let e = fails(&[
        features,
        ("--soft", soft.as_os_str()),
        ("--target", "1.5".as_ref()),
    ]);
    assert!(e.contains("target") && e.contains("1.5"), "{e}");
}
