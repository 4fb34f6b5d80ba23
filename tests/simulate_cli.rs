//! `simulate` and `merge` from the command line: determinism, shards, and bad input.

mod common;
use common::{files, lb, write};
use predicates::prelude::*;

const SWEEP: &str = r#"
signals = ["hard", "soft", "triplet", "pair"]
n = [20, 200]
seeds = 3
classes = [3, 6]
dims = [4]
features = [12]
noise = [0.1]
"#;

fn simulate(dir: &std::path::Path, out: &str, threads: &str, extra: &[&str]) -> Vec<u8> {
    let sweep = write(dir, "sweep.toml", SWEEP);
    simulate_file(dir, &sweep, out, threads, extra)
}

/// `simulate --no-timing` of the sweep file `sweep` into `dir/out`; the bytes written.
fn simulate_file(
    dir: &std::path::Path,
    sweep: &std::path::Path,
    out: &str,
    threads: &str,
    extra: &[&str],
) -> Vec<u8> {
    lb().args(["simulate", "--sweep"])
        .arg(sweep)
        .args(["--out", dir.join(out).to_str().unwrap(), "--no-timing"])
        .args(extra)
        .env("RAYON_NUM_THREADS", threads)
        .assert()
        .success();
    std::fs::read(dir.join(out)).unwrap()
}

#[test]
fn output_is_byte_identical_across_threads_invocations_and_shards() {
    let dir = tempfile::tempdir().unwrap();
    let one = simulate(dir.path(), "one.csv", "1", &[]);
    let two = simulate(dir.path(), "two.csv", "2", &[]);
    let again = simulate(dir.path(), "again.csv", "2", &[]);
    assert_eq!(one, two, "1 vs 2 threads");
    assert_eq!(two, again, "two invocations");
    let text = String::from_utf8(one.clone()).unwrap();
    assert!(text.starts_with("run,signal,n,classes,dims,features,rep_dims,nuisance,noise,latent,soft_annotators,pool,seed,cka,transfer,cka_floor,transfer_floor,tau,evals,seconds\n"));
    assert_eq!(text.lines().count(), 1 + 2 * 3 * 4 * 2);

    let mut parts = Vec::new();
    for i in 1..=3 {
        let name = format!("part{i}.csv");
        simulate(dir.path(), &name, "2", &["--shard", &format!("{i}/3")]);
        parts.push(dir.path().join(name));
    }
    assert_eq!(merge(dir.path(), &parts), one, "shards merged vs unsplit");
}

/// `merge` of `inputs` into `dir/merged.csv`; the bytes written.
fn merge(dir: &std::path::Path, inputs: &[std::path::PathBuf]) -> Vec<u8> {
    let merged = dir.join("merged.csv");
    lb().arg("merge")
        .args(inputs)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    std::fs::read(&merged).unwrap()
}

#[test]
fn a_part_added_to_a_sweep_merges_into_the_whole_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let two_parts = format!(
        "{}\n[[part]]\n\n[[part]]\nclasses = [5]\nn = [50]\n",
        SWEEP.replace("classes = [3, 6]\n", "")
    );
    let sweep = write(dir.path(), "parts.toml", &two_parts);
    let run = |out: &str, extra: &[&str]| simulate_file(dir.path(), &sweep, out, "2", extra);
    let whole = run("whole.csv", &[]);
    run("first.csv", &["--part", "1"]);
    run("second.csv", &["--part", "2"]);
    let parts = ["first.csv", "second.csv"].map(|f| dir.path().join(f));
    assert_eq!(merge(dir.path(), &parts), whole);
    lb().args(["simulate", "--sweep"])
        .arg(&sweep)
        .args(["--part", "3", "--dry-run"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("from 1 to 2"));
}

#[test]
fn timing_changes_only_the_seconds_column() {
    let dir = tempfile::tempdir().unwrap();
    let plain = String::from_utf8(simulate(dir.path(), "a.csv", "2", &[])).unwrap();
    let sweep = dir.path().join("sweep.toml");
    let timed = dir.path().join("timed.csv");
    lb().args(["simulate", "--sweep"])
        .arg(&sweep)
        .arg("--out")
        .arg(&timed)
        .assert()
        .success();
    let timed = std::fs::read_to_string(&timed).unwrap();
    let strip = |s: &str| -> Vec<String> {
        s.lines()
            .map(|l| l.rsplit_once(',').unwrap().0.to_string())
            .collect()
    };
    assert_eq!(strip(&plain), strip(&timed));
    assert!(
        timed.lines().skip(1).any(|l| !l.ends_with(",0.0")),
        "seconds were recorded"
    );
}

#[test]
fn json_output_has_one_object_per_run() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), "runs.json", "2", &[]);
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("runs.json")).unwrap()).unwrap();
    let runs = v.as_array().unwrap();
    assert_eq!(runs.len(), 48);
    assert!(runs[0]["cka"].as_f64().unwrap() >= 0.0);
}

/// Each bad sweep fails with a non-zero exit, a message naming the key and value, and no file.
#[test]
fn bad_sweeps_are_named_and_leave_no_output() {
    let cases = [
        (
            "signals = [\"quadruplet\"]\nn = [10]",
            vec!["quadruplet", "hard"],
        ),
        (
            "signals = [\"hard\"]\nn = [10]\nclases = [3]",
            vec!["clases"],
        ),
        ("signals = [\"hard\"]\nn = [0]", vec!["`n`", "0"]),
        (
            "signals = [\"hard\"]\nn = [10]\ndims = [80]\nfeatures = [64]",
            vec!["features", "dims=80"],
        ),
        (
            "signals = [\"hard\"]\nn = [10]\nclasses = [4]\nnoise = [0.8]",
            vec!["noise", "0.8"],
        ),
        (
            "signals = [\"hard\"]\nn = [10]\nnoise = [-0.1]",
            vec!["noise", "-0.1"],
        ),
        (
            "signals = [\"hard\"]\nn = [10]\nclasses = []",
            vec!["classes", "non-empty"],
        ),
        ("signals = []\nn = [10]", vec!["signals"]),
    ];
    for (text, needles) in cases {
        let dir = tempfile::tempdir().unwrap();
        let sweep = write(dir.path(), "bad.toml", text);
        let out = dir.path().join("runs.csv");
        let assert = lb()
            .args(["simulate", "--sweep"])
            .arg(&sweep)
            .arg("--out")
            .arg(&out)
            .assert()
            .failure();
        let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert!(
            stderr.contains("bad.toml"),
            "{text:?}: the file is not named: {stderr}"
        );
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "{text:?}: {needle:?} missing from: {stderr}"
            );
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(
            files(dir.path()),
            vec!["bad.toml".to_string()],
            "{text:?} left files behind"
        );
    }
}

#[test]
fn unwritable_output_fails_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = write(dir.path(), "sweep.toml", SWEEP);
    lb().args(["simulate", "--sweep"])
        .arg(&sweep)
        .arg("--out")
        .arg(dir.path().join("missing").join("runs.csv"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("missing").and(predicate::str::contains("runs.csv")));
    lb().args(["simulate", "--sweep"])
        .arg(dir.path().join("nope.toml"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("nope.toml"));
}

#[test]
fn merge_rejects_duplicates_and_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    simulate(dir.path(), "a.csv", "2", &[]);
    let a = dir.path().join("a.csv");
    lb().arg("merge")
        .arg(&a)
        .arg(&a)
        .arg("--out")
        .arg(dir.path().join("m.csv"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("appears in both"));
    let bad = write(
        dir.path(),
        "bad.csv",
        &format!("{HEADER}\n{}\n", ROW.replace(",hard,20,", ",hard,ten,")),
    );
    lb().arg("merge")
        .arg(&bad)
        .arg("--out")
        .arg(dir.path().join("m.csv"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad.csv").and(predicate::str::contains("line 2")));
    assert!(!dir.path().join("m.csv").exists());
}

/// The header of a runs file and a valid row of it (run 0).
const HEADER: &str = "run,signal,n,classes,dims,features,rep_dims,nuisance,noise,latent,soft_annotators,pool,seed,cka,transfer,cka_floor,transfer_floor,tau,evals,seconds";
const ROW: &str = "0,hard,20,4,4,8,4,4.0,0.2,gaussian,0,0,0,0.25,0.52,0.077,0.46,0.89,47,0.0";

/// `merge` of `inputs` that must fail with every word of `words` in its message, a non-zero
/// exit and no output.
fn merge_fails(dir: &std::path::Path, inputs: &[std::path::PathBuf], words: &[&str]) {
    let out = dir.join("m.csv");
    let err = lb()
        .arg("merge")
        .args(inputs)
        .arg("--out")
        .arg(&out)
        .assert()
        .failure()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&err);
    for w in words {
        assert!(err.contains(w), "{w:?} not in {err}");
    }
    assert!(!out.exists());
}

/// Empty and header-only inputs, rows a simulation cannot write, a bad `run` value and an
/// incomplete set of shards are refused (each wrote a file before, empty or partial).
#[test]
fn merge_refuses_empty_bad_and_incomplete_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let empty = write(d, "empty.csv", "");
    merge_fails(d, &[empty], &["empty.csv", "empty file", "header"]);
    let header = write(d, "header.csv", &format!("{HEADER}\n"));
    merge_fails(d, &[header], &["header.csv", "no rows"]);
    for (name, from, to, words) in [
        (
            "classes.csv",
            ",hard,20,4,",
            ",hard,20,1,",
            &["`classes`: 1", "from 2"][..],
        ),
        ("cka.csv", ",0.25,", ",7.5,", &["`cka`: 7.5", "[0, 1]"][..]),
        (
            "run.csv",
            "0,hard",
            "-1,hard",
            &["`run`: \"-1\"", "whole number"][..],
        ),
    ] {
        let p = write(
            d,
            name,
            &format!("{HEADER}\n{}\n", ROW.replacen(from, to, 1)),
        );
        let mut words = words.to_vec();
        words.extend([name, "line 2"]);
        merge_fails(d, &[p], &words);
    }
    let no_run = write(
        d,
        "norun.csv",
        &format!("{}\n{}\n", &HEADER[4..], &ROW[2..]),
    );
    merge_fails(d, &[no_run], &["norun.csv", "line 1", "`run`"]);
    // shards 2 and 3 of 3 without 1, and 1 and 3 without 2
    for i in 1..=3 {
        simulate(
            d,
            &format!("s{i}.csv"),
            "2",
            &["--shard", &format!("{i}/3")],
        );
    }
    let s = |i: usize| d.join(format!("s{i}.csv"));
    merge_fails(d, &[s(2), s(3)], &["runs 0 to", "missing", "shard"]);
    merge_fails(d, &[s(1), s(3)], &["missing", "shard"]);
    // shard 1 of another sweep (other class counts): same run numbers, different runs
    let other = write(d, "other.toml", &SWEEP.replace("[3, 6]", "[4, 7]"));
    simulate_file(d, &other, "o1.csv", "2", &["--shard", "1/3"]);
    merge_fails(
        d,
        &[d.join("o1.csv"), s(1), s(2), s(3)],
        &["run 0 differs", "o1.csv", "s1.csv", "different sweeps"],
    );
    lb().arg("merge")
        .args([s(2), s(3)])
        .arg("--partial")
        .arg("--out")
        .arg(d.join("p.csv"))
        .assert()
        .success();
}

/// A shard without runs writes the header alone: a valid empty shard, and merging it with the
/// others still gives the unsplit run's bytes.
#[test]
fn a_shard_without_runs_writes_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let whole = simulate(d, "whole.csv", "2", &[]);
    // SWEEP has 2 scenarios x 3 seeds = 6 groups: shard 7 of 7 has none
    let mut parts = Vec::new();
    for i in 1..=7 {
        let name = format!("p{i}.csv");
        simulate(d, &name, "2", &["--shard", &format!("{i}/7")]);
        parts.push(d.join(name));
    }
    let last = std::fs::read_to_string(&parts[6]).unwrap();
    assert_eq!(last, format!("{HEADER}\n"));
    assert_eq!(merge(d, &parts), whole);
}

#[test]
fn help_explains_the_columns() {
    lb().args(["simulate", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("cka_floor").and(predicate::str::contains("--shard")));
}

/// `simulate --dry-run` of the sweep file `sweep`, which must succeed.
fn dry_run(sweep: &std::path::Path) -> assert_cmd::assert::Assert {
    lb().args(["simulate", "--dry-run", "--sweep"])
        .arg(sweep)
        .assert()
        .success()
}

/// Two random-design parts of the same count, or a grid listing a value twice, are warned
/// about (the runs would repeat each other); the shipped sweep is not.
#[test]
fn repeated_draws_and_duplicate_groups_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let twins = "signals = [\"hard\"]\nn = [10]\n[[part]]\nsample = 6\n[part.ranges]\nclasses = [3, 30]\n[[part]]\nsample = 6\n[part.ranges]\nclasses = [3, 30]\nnoise = [0.0, 0.4]\n";
    dry_run(&write(dir.path(), "twins.toml", twins)).stderr(predicate::str::contains(
        "twins.toml: parts 1 and 2 both draw 6 scenarios",
    ));
    let grid = "signals = [\"hard\"]\nn = [10]\nclasses = [3, 5, 3]\n";
    dry_run(&write(dir.path(), "grid.toml", grid))
        .stderr(predicate::str::contains(
            "1 (scenario, seed) groups repeat an earlier one exactly",
        ))
        .stderr(predicate::str::contains("group 3 = group 1, classes 3"));
    let shipped =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sweeps/default.toml");
    dry_run(&shipped).stderr(predicate::str::contains("warning").not());
}

#[test]
fn threads_formats_and_huge_sweeps_are_refused_with_the_accepted_values() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = write(
        dir.path(),
        "s.toml",
        "signals=[\"hard\"]\nn=[20]\nclasses=[3]\n",
    );
    let bad: [(&[&str], &[&str]); 4] = [
        (&["--threads", "100000"], &["--threads", "0..=1024"]),
        (&["--format", "bogus"], &["bogus", "csv or json"]),
        (&["--format", "table"], &["csv or json"]),
        (&["--out", "x.xlsx"], &["x.xlsx", ".csv or .json"]),
    ];
    for (args, wanted) in bad {
        let out = lb()
            .current_dir(dir.path())
            .args(["simulate", "--sweep"])
            .arg(&sweep)
            .args(args)
            .timeout(std::time::Duration::from_secs(30))
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("table,"), "{err}");
        for w in wanted {
            assert!(err.contains(w), "{args:?}: {err}");
        }
    }
    assert!(!dir.path().join("x.xlsx").exists());
    lb().args(["calibrate", "--threads", "5000"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("0..=1024"));
    let huge = write(
        dir.path(),
        "huge.toml",
        "signals=[\"hard\"]\nn=[20]\nsample=1000000000000\n[ranges]\nclasses=[2,10]\n",
    );
    lb().args(["simulate", "--dry-run", "--sweep"])
        .arg(&huge)
        .timeout(std::time::Duration::from_secs(30))
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("huge.toml")
                .and(predicate::str::contains("1000000000000 runs"))
                .and(predicate::str::contains("at most 10000000")),
        );
    let pool = write(
        dir.path(),
        "pool1.toml",
        "signals=[\"triplet\"]\nn=[100]\npool=[1]\n",
    );
    lb().args(["simulate", "--dry-run", "--sweep"])
        .arg(&pool)
        .assert()
        .failure()
        .stderr(predicate::str::contains("pool1.toml").and(predicate::str::contains("`pool`: 1")));
}
