//! A plan on a model from `calibrate` reads as the user's data: its name, its pool, its metric
//! and its measured points, "no data" for the signals it did not measure, and a frontier whose
//! interval is the model's own.

mod common;

use common::{lb, succeeded, write};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

/// The worked example's pilot (held-out accuracy of a classifier on the bundled digits).
fn pilot() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/own-data/pilot.csv")
}

/// Calibrate the worked example's pilot into `dir/name`, with `extra` flags.
fn calibrate(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    lb().args([
        "calibrate",
        "--floor",
        "0.1",
        "--replicates",
        "50",
        "--pilot",
    ])
    .arg(pilot())
    .args(extra)
    .arg("--out")
    .arg(&out)
    .assert()
    .success();
    out
}

fn json(args: &[&str], model: &Path) -> serde_json::Value {
    let out = succeeded(lb().args(args).arg("--model").arg(model));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_plan_names_the_data_its_pool_and_metric_and_says_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let model = calibrate(
        dir.path(),
        "mine.toml",
        &["--name", "digits", "--pool", "1438", "--metric", "accuracy"],
    );
    let out = lb()
        .args(["plan", "--no-chart", "--target", "0.91", "--model"])
        .arg(&model)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("Data: digits, 1438 items to label"),
        "{text}"
    );
    assert!(text.contains("held-out accuracy"), "{text}");
    assert!(!text.contains("CIFAR") && !text.contains("CKA"), "{text}");
    for s in ["soft", "triplet", "pair"] {
        let row = text
            .lines()
            .find(|l| l.starts_with(&format!("{s} ")))
            .unwrap();
        assert!(row.contains("no data"), "{row}");
        assert!(
            !row.contains("unreachable") && !row.contains("1.000"),
            "{row}"
        );
    }
    let v = json(
        &["plan", "--no-chart", "--format", "json", "--target", "0.91"],
        &model,
    );
    assert_eq!(v["scenario"], "digits");
    assert_eq!(v["items"], 1438);
    assert_eq!(v["calibrated"], true);
    assert_eq!(v["metric"], "accuracy");
    for p in v["per_signal"].as_array().unwrap() {
        let expected = if p["signal"] == "hard" {
            "planned"
        } else {
            "no_data"
        };
        assert_eq!(p["status"], expected, "{p}");
        if expected == "no_data" {
            assert!(
                p["ceiling"].is_null() && p["best_reachable"].is_null(),
                "{p}"
            );
        }
    }
    assert!(v["recommendation"]["allocation"]["hard"].as_u64().unwrap() > 143);
    assert!(
        v["recommendation"]["safe"]["allocation"]["hard"]
            .as_u64()
            .unwrap()
            <= 1438
    );
}

#[test]
fn the_pool_limits_the_plan_not_the_example_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    let model = calibrate(dir.path(), "digits.toml", &["--pool", "300"]);
    // `plan` on `model` for `target`, which must be refused: its stderr
    let refused = |model: &Path, target: &str| -> String {
        let out = lb()
            .args(["plan", "--no-chart", "--target", target, "--model"])
            .arg(model)
            .assert()
            .failure();
        String::from_utf8_lossy(&out.get_output().stderr).into_owned()
    };
    // 0.93 needs more labels than 300 items take, one label each: refused, naming the pool
    let err = refused(&model, "0.93");
    assert!(
        err.contains("digits.toml")
            && err.contains("300 items")
            && err.contains("within its limits")
            && err.contains("raise the [limits]"),
        "{err}"
    );
    // with the whole pool, 0.97 lies beyond what the pilot supports, not beyond the pool: the
    // way out is a longer pilot, and the limits, which do not bind, are not blamed
    let whole = calibrate(dir.path(), "whole.toml", &["--pool", "1438"]);
    let err = refused(&whole, "0.97");
    assert!(
        err.contains("beyond what real learning curves support")
            && err.contains("measure the pilot further")
            && !err.contains("within its limits")
            && !err.contains("raise the [limits]"),
        "{err}"
    );
    // a scenario file gives the data instead: its name and its items
    let sc = write(
        dir.path(),
        "s.toml",
        "name = \"digits, all of it\"\nitems = 100000\n[limits.hard]\nper_item = 1\n",
    );
    let v = json(
        &[
            "plan",
            "--no-chart",
            "--format",
            "json",
            "--target",
            "0.93",
            "--scenario",
            sc.to_str().unwrap(),
        ],
        &model,
    );
    assert_eq!(v["scenario"], "digits, all of it");
    assert_eq!(v["items"], 100000);
    // without a target of its own, a calibrated model's plan asks for one
    lb().args(["plan", "--no-chart", "--model"])
        .arg(&model)
        .assert()
        .failure()
        .stderr(predicate::str::contains("--target").and(predicate::str::contains("digits")));
}

#[test]
fn a_calibrated_model_without_its_section_still_reads_and_plans_unlimited() {
    let dir = tempfile::tempdir().unwrap();
    let model = calibrate(dir.path(), "old.toml", &["--pool", "300"]);
    let text = std::fs::read_to_string(&model).unwrap();
    let cut = text.find("[calibration]").unwrap();
    std::fs::write(&model, &text[..cut]).unwrap();
    let v = json(
        &["plan", "--no-chart", "--format", "json", "--target", "0.93"],
        &model,
    );
    // named after its file, no pool: neither the example's name nor its 50,000 images
    assert_eq!(v["scenario"], "old");
    assert_eq!(v["items"], 0);
    assert_eq!(v["calibrated"], true);
}

#[test]
fn the_frontier_interval_is_predicts_interval() {
    let dir = tempfile::tempdir().unwrap();
    let model = calibrate(dir.path(), "m.toml", &[]);
    let frontier = json(
        &[
            "frontier", "--format", "json", "--points", "40", "--target", "0.9",
        ],
        &model,
    );
    let mut checked = 0;
    for p in frontier.as_array().unwrap() {
        let Some(n) = p["allocation"]["hard"].as_u64() else {
            continue;
        };
        let pred = json(
            &[
                "predict",
                "--signal",
                "hard",
                "--n",
                &n.to_string(),
                "--format",
                "json",
            ],
            &model,
        );
        for key in ["lo", "hi"] {
            let (f, q) = (p[key].as_f64().unwrap(), pred[0][key].as_f64().unwrap());
            // the planner reads a table of the curve (40 points a decade, monotone)
            assert!(
                (f - q).abs() < 0.01,
                "n {n} {key}: frontier {f}, predict {q}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 20, "{checked} points checked");
}

#[test]
fn the_chart_shows_the_data_the_measured_points_and_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let model = calibrate(
        dir.path(),
        "m.toml",
        &["--name", "digits", "--pool", "1438", "--metric", "accuracy"],
    );
    let chart = dir.path().join("c.svg");
    lb().args(["plan", "--target", "0.91", "--model"])
        .arg(&model)
        .arg("--chart")
        .arg(&chart)
        .assert()
        .success();
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(
        svg.contains("digits, 1438 items: predicted held-out accuracy against supervision cost"),
        "title"
    );
    assert!(!svg.contains("CIFAR") && !svg.contains("CKA"));
    assert!(svg.contains("no data: soft, triplet, pair"));
    assert!(svg.contains("measured points (calibration)"));
    // one filled square a pilot count, in hard's colour
    let squares = svg
        .split("<rect")
        .filter(|r| r.contains("fill=\"#1F77B4\"") && r.contains("width=\"10\""))
        .count();
    assert_eq!(squares, 8, "measured points drawn");
    // no signal without data is drawn, and no quality at 1.0 for lack of it
    assert!(!svg.contains("soft alone") && !svg.contains("pair alone"));
}

#[test]
fn chart_on_a_calibrated_model_draws_no_bits_of_a_world_it_does_not_have() {
    let dir = tempfile::tempdir().unwrap();
    let model = calibrate(dir.path(), "m.toml", &["--pool", "1438"]);
    lb().current_dir(dir.path())
        .args(["chart", "--target", "0.9", "--out", "t.svg", "--model"])
        .arg(&model)
        .assert()
        .success()
        .stdout(predicate::str::contains("No bits chart"));
    assert!(dir.path().join("t.svg").exists());
    assert!(!dir.path().join("t-bits.svg").exists());
}

#[test]
fn a_target_beyond_what_real_curves_support_is_not_called_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let model = calibrate(dir.path(), "m.toml", &[]);
    // the central curve of the digits pilot levels off below 0.95 within the counts real
    // curves support; the upper end of its interval reaches 0.95 there
    lb().args(["plan", "--no-chart", "--target", "0.95", "--model"])
        .arg(&model)
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("beyond what real learning curves support")
                .and(predicate::str::contains(
                    "upper end of the interval reaches it at",
                ))
                .and(predicate::str::contains("no signal can reach it").not()),
        );
    // a flat pilot: 0.99 is above even the optimistic side, so unreachable
    let flat = write(
        dir.path(),
        "flat.csv",
        "signal,n,quality\nhard,100,0.700\nhard,200,0.701\nhard,400,0.700\nhard,800,0.701\nhard,1600,0.700\n",
    );
    let out = dir.path().join("flat.toml");
    lb().args(["calibrate", "--floor", "0.1", "--target", "0.99", "--pilot"])
        .arg(&flat)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("unreachable within"))
        .stderr(
            predicate::str::contains("does not rise").or(predicate::str::contains("within twice")),
        );
    lb().args(["plan", "--no-chart", "--target", "0.99", "--model"])
        .arg(&out)
        .assert()
        .failure()
        .stderr(predicate::str::contains("no signal can reach it"));
}

#[test]
fn bad_names_pools_and_metrics_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &[&str]); 4] = [
        (&["--pool", "0"], &["`pool`", "0", "from 1"]),
        (&["--name", " "], &["`name`", "1 to 120 characters"]),
        (
            &["--metric", "cka"],
            &["`metric`", "accuracy, transfer or user"],
        ),
        (&["--metric", "bleu"], &["bleu"]),
    ];
    for (args, needles) in cases {
        let out = lb()
            .current_dir(dir.path())
            .args(["calibrate", "--out", "m.toml", "--pilot"])
            .arg(pilot())
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(if args[1] == "bleu" { 2 } else { 1 }),
            "{err}"
        );
        for n in needles {
            assert!(err.contains(n), "{args:?}: `{n}` not in {err}");
        }
        assert!(!dir.path().join("m.toml").exists(), "{args:?}");
    }
}

#[test]
fn a_confidence_beyond_what_real_curves_calibrate_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let model = calibrate(dir.path(), "m.toml", &[]);
    let run = |confidence: f64| {
        let sc = write(
            dir.path(),
            &format!("s{confidence}.toml"),
            &format!("name = \"digits\"\nitems = 1438\ntarget = 0.91\nconfidence = {confidence}\n"),
        );
        let out = succeeded(
            lb().args(["plan", "--no-chart", "--model"])
                .arg(&model)
                .arg("--scenario")
                .arg(&sc),
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // the shipped prior's safe budget is calibrated at 0.9 (what calibrate asks for), not 0.95
    assert!(!run(0.9).contains("most cautious row"));
    let err = run(0.95);
    assert!(
        err.contains("warning: hard: the safe budget at confidence 0.95")
            && err.contains("calibrate up to confidence 0.9"),
        "{err}"
    );
}

/// `frontier`'s budgets end where every signal is near its ceiling (99% of it), or, with
/// `--target`, beyond what the target's safe budget costs: a frontier asked for 0.94 reaches
/// it, where the plain one stops short.
#[test]
fn a_frontier_with_a_target_reaches_it() {
    let dir = tempfile::tempdir().unwrap();
    let model = calibrate(dir.path(), "digits.toml", &["--pool", "1438"]);
    let last = |extra: &[&str]| -> f64 {
        let mut args = vec!["frontier", "--points", "12", "--format", "json"];
        args.extend(extra);
        let v = json(&args, &model);
        let points = v.as_array().unwrap();
        points.last().unwrap()["quality"].as_f64().unwrap()
    };
    let plain = last(&[]);
    let asked = last(&["--target", "0.94"]);
    assert!(plain < 0.94 && asked >= 0.94, "{plain} {asked}");
}

/// A hand-written scenario file with a `[dataset]` (the LCDB scoring script's: the default
/// world, a pool of 1e8, only hard labels priced) plans a calibrated model's hard labels, the
/// signals it did not measure "no data", with a note on how to weigh them; with
/// `transfer = true` (what `labelbudget scenario` writes for the team's own data) they are
/// read through the hard-label curve and planned.
#[test]
fn a_scenario_file_transfers_unmeasured_signals_only_when_it_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let model = calibrate(dir.path(), "digits.toml", &[]);
    let costs = write(dir.path(), "c.toml", "[hard]\nprice = 1.0\n");
    let scenario = "name = \"lcdb\"\nitems = 100000000\ntarget = 0.5\n[dataset]\nclasses = 10\n\
                    dims = 16\nfeatures = 64\nnoise = 0.2\n";
    let plan = |text: &str| {
        let s = write(dir.path(), "s.toml", text);
        succeeded(
            lb().args(["plan", "--no-chart", "--format", "json", "--target", "0.9"])
                .arg("--model")
                .arg(&model)
                .arg("--costs")
                .arg(&costs)
                .arg("--scenario")
                .arg(&s),
        )
    };
    let out = plan(scenario);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rec = &v["recommendation"];
    assert!(rec["allocation"]["hard"].as_u64().unwrap() > 0, "{rec}");
    assert!(
        rec["safe"]["allocation"]["hard"].as_u64().unwrap() > 0,
        "{rec}"
    );
    let status: Vec<&str> = v["per_signal"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["planned", "no_data", "no_data", "no_data"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("soft, triplet, pair: no data") && err.contains("`transfer = true`"),
        "{err}"
    );
    let out = plan(&format!("transfer = true\n{scenario}"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["per_signal"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "planned"),
        "{v}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("read through"));
}

/// A target below what the pilot measured at its smallest count (0.724 at n = 20) is planned at
/// that count, never below it (below it nothing was measured): the recommendation, its safe
/// budget and the signal's row agree.
#[test]
fn no_plan_buys_fewer_than_the_smallest_count_measured() {
    let dir = tempfile::tempdir().unwrap();
    let model = calibrate(dir.path(), "digits.toml", &[]);
    let v = json(
        &["plan", "--no-chart", "--format", "json", "--target", "0.6"],
        &model,
    );
    let rec = &v["recommendation"];
    assert_eq!(rec["allocation"]["hard"], 20, "{rec}");
    assert_eq!(rec["safe"]["allocation"]["hard"], 20, "{rec}");
    assert_eq!(v["per_signal"][0]["annotations"], 20, "{v}");
}
