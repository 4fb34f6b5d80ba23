//! `labelbudget info` end to end.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::PathBuf;

fn bin() -> Command {
    Command::cargo_bin("labelbudget").expect("binary")
}

fn log(dir: &tempfile::TempDir, body: &[u8]) -> PathBuf {
    let p = dir.path().join("log.csv");
    std::fs::write(&p, body).unwrap();
    p
}

const EXAMPLE: &str = "examples/info/annotations_synthetic.csv";

#[test]
fn scenario_table_has_one_row_per_signal() {
    bin()
        .args(["info", "--classes", "4", "--dims", "3", "--features", "6"])
        .args(["--noise", "0.1", "--samples", "2000"])
        .assert()
        .success()
        .stdout(predicate::str::contains("P_eff = 18"))
        .stdout(predicate::str::is_match("(?m)^hard +[0-9.]+").unwrap())
        .stdout(predicate::str::is_match("(?m)^soft ").unwrap())
        .stdout(predicate::str::is_match("(?m)^triplet ").unwrap())
        .stdout(predicate::str::is_match("(?m)^pair ").unwrap());
}

#[test]
fn scenario_json_with_costs() {
    let dir = tempfile::tempdir().unwrap();
    let costs = dir.path().join("costs.toml");
    std::fs::write(&costs, "[hard]\nprice = 0.5\n").unwrap();
    let out = bin()
        .args([
            "info",
            "--classes",
            "3",
            "--dims",
            "2",
            "--features",
            "4",
            "--noise",
            "0.1",
            "--samples",
            "1000",
        ])
        .arg("--costs")
        .arg(&costs)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["signals"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let hard = &rows[0];
    assert_eq!(hard["signal"], "hard");
    assert_eq!(hard["cost_per_annotation"], 0.5);
    let bits = hard["bits"]["bits"].as_f64().unwrap();
    let per_cost = hard["bits_per_cost"].as_f64().unwrap();
    assert!((per_cost - bits / 0.5).abs() < 1e-9);
    assert!(bits > 0.0 && bits <= 3f64.log2());
}

#[test]
fn invalid_scenario_names_key_and_value() {
    bin()
        .args(["info", "--classes", "4", "--noise", "0.9"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("noise").and(predicate::str::contains("0.9")));
    bin()
        .args(["info", "--dims", "8", "--features", "4"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("features"));
}

#[test]
fn example_log_is_analysed_and_covers_its_truth() {
    let out = bin()
        .args([
            "info",
            "--annotations",
            EXAMPLE,
            "--classes",
            "10",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["annotations"], 3000);
    assert_eq!(r["items"], 300);
    assert_eq!(r["annotators"], 20);
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("examples/info/annotations_synthetic.truth.json").unwrap(),
    )
    .unwrap();
    let t = truth["truth"]["population"]["bits"].as_f64().unwrap();
    let (lo, hi) = (
        r["interval"][0].as_f64().unwrap(),
        r["interval"][1].as_f64().unwrap(),
    );
    assert!(lo <= t && t <= hi, "truth {t} outside [{lo}, {hi}]");
    let mut flagged: Vec<&str> = r["per_annotator"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["low_information"] == true)
        .map(|a| a["annotator"].as_str().unwrap())
        .collect();
    flagged.sort_unstable();
    assert_eq!(flagged, ["a0", "a1"], "the two random annotators");
    assert!(r["seconds"]["bits_per_second"].as_f64().unwrap() > 0.0);
    assert!(r["gold"]["accuracy"].as_f64().unwrap() > 0.5);
}

#[test]
fn log_table_and_single_annotation_warning() {
    let dir = tempfile::tempdir().unwrap();
    let p = log(
        &dir,
        b"item,annotator,label\nx,a,cat\nx,b,cat\ny,a,dog\ny,b,cat\nz,a,dog\n",
    );
    bin()
        .args(["info", "--annotations"])
        .arg(&p)
        .assert()
        .success()
        .stdout(predicate::str::contains("I(label; item) plug-in bits"))
        .stderr(predicate::str::contains(
            "1 item(s) have a single annotation",
        ));
}

#[test]
fn bad_logs_fail_with_line_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[u8], &[&str], &[&str]); 6] = [
        (b"", &[], &["empty file"]),
        (b"item,label\nx,1\n", &[], &["missing column `annotator`"]),
        (
            b"item,annotator,label\nx,a,1\nx,b,1,9\n",
            &[],
            &["line 3", "ragged"],
        ),
        (
            b"item,annotator,label\nx,a,1\nx,\xc3\x28,1\n",
            &[],
            &["line 3", "UTF-8"],
        ),
        (
            b"item,annotator,label\nx,a,cat\nx,b,cow\n",
            &["--labels", "cat,dog"],
            &["line 3", "\"cow\""],
        ),
        (
            b"item,annotator,label\nx,a,1\nx,b,10\n",
            &["--classes", "10"],
            &["line 3", "\"10\""],
        ),
    ];
    for (body, extra, wants) in cases {
        let p = log(&dir, body);
        let out = bin()
            .args(["info", "--annotations"])
            .arg(&p)
            .args(extra)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        for w in wants {
            assert!(err.contains(w), "want {w:?} in {err}");
        }
        assert!(err.contains("log.csv"), "{err}");
    }
    bin()
        .args(["info", "--annotations"])
        .arg(dir.path().join("missing.csv"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("missing.csv"));
}

#[test]
fn output_file_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("info.csv");
    bin()
        .args([
            "info",
            "--classes",
            "3",
            "--dims",
            "2",
            "--features",
            "2",
            "--samples",
            "500",
            "--format",
            "csv",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("signal,bits/annotation,se"), "{text}");
    assert_eq!(text.lines().count(), 5);
}

#[test]
fn a_log_as_csv_says_the_per_annotator_table_is_in_json() {
    bin()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["info", "--annotations", EXAMPLE, "--classes", "10"])
        .args(["--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("metric,value"))
        .stderr(predicate::str::contains(
            "the per-annotator table (20 annotators, 2 flagged",
        ));
}

#[test]
fn absurd_sizes_are_refused_with_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &[&str]); 3] = [
        (
            &["--soft-annotators", "1000000000"],
            &["soft_annotators", "10000"],
        ),
        (&["--samples", "1"], &["samples", "100 to 10000000"]),
        (
            &[
                "--annotations",
                "examples/info/annotations_synthetic.csv",
                "--classes",
                "100000000",
            ],
            &["--classes", "2 to 10000"],
        ),
    ];
    for (args, wanted) in cases {
        let mut cmd = bin();
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("info")
            .args(args)
            .timeout(std::time::Duration::from_secs(30));
        let out = cmd.output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        for w in wanted {
            assert!(err.contains(w), "{args:?}: {err}");
        }
    }
    let log = dir.path().join("many.csv");
    let mut text = String::from("item,annotator,label\n");
    for i in 0..10_001 {
        text.push_str(&format!("{i},a,l{i}\n{i},b,l{i}\n"));
    }
    std::fs::write(&log, text).unwrap();
    bin()
        .arg("info")
        .arg("--annotations")
        .arg(&log)
        .assert()
        .failure()
        .stderr(predicate::str::contains("many.csv").and(predicate::str::contains("10000")));
}
