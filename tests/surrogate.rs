//! The embedded surrogate against fresh simulations, and the `fit` / `predict` commands.

use assert_cmd::Command;
use labelbudget::sim::Setting;
use labelbudget::surrogate::{Model, QualityModel};
use labelbudget::{Scenario, Signal};
use predicates::prelude::*;

/// Fresh runs (seeds the default model never saw) fall inside their 90% intervals about as
/// often as promised. 32 runs: with true coverage 0.9 the count inside is Binomial(32, 0.9),
/// and 22 or fewer inside has probability below 0.1%.
#[test]
fn embedded_model_covers_fresh_simulations() {
    let model = Model::embedded_default();
    let sc = Scenario::default();
    let mut inside = 0;
    let mut total = 0;
    let mut report = Vec::new();
    for seed in 1000..1004u64 {
        let setting = Setting::new(&sc, seed).unwrap();
        for signal in Signal::ALL {
            for n in [200usize, 1000] {
                let r = setting.run(signal, n, false).unwrap();
                let p = model.predict(&sc, signal, n as f64);
                total += 1;
                if (p.lo..=p.hi).contains(&r.cka) {
                    inside += 1;
                } else {
                    report.push(format!(
                        "{signal} n={n} seed={seed}: {:.3} not in [{:.3}, {:.3}]",
                        r.cka, p.lo, p.hi
                    ));
                }
            }
        }
    }
    assert!(
        inside > 22,
        "{inside}/{total} inside:\n{}",
        report.join("\n")
    );
}

fn bin() -> Command {
    Command::cargo_bin("labelbudget").unwrap()
}

#[test]
fn fit_then_predict_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.toml");
    bin()
        .args([
            "fit",
            "--runs",
            "tests/data/runs-small.csv",
            "--bootstrap",
            "5",
            "--out",
        ])
        .arg(&model)
        .assert()
        .success()
        .stdout(predicate::str::contains("rmse").and(predicate::str::contains("triplet")));
    let text = std::fs::read_to_string(&model).unwrap();
    let version = format!(
        "format_version = {}",
        labelbudget::surrogate::FORMAT_VERSION
    );
    assert!(text.contains(&version) && text.contains("sweep_hash = \"fnv1a64:"));
    let out = bin()
        .args([
            "predict", "--signal", "soft", "--n", "100,1000", "--format", "json", "--model",
        ])
        .arg(&model)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let a = rows[0]["mean"].as_f64().unwrap();
    let b = rows[1]["mean"].as_f64().unwrap();
    assert!(a < b && rows[1]["lo"].as_f64().unwrap() <= b);
}

/// `fit --holdout --holdout-runs` writes every held-out run with its fold's prediction, and
/// the share of them below the safe quantile is the report's `below_safe`, per signal; without
/// `--holdout` the option is refused.
#[test]
fn fit_writes_the_held_out_runs_it_scores() {
    let dir = tempfile::tempdir().unwrap();
    let held = dir.path().join("held.csv");
    let out = bin()
        .args([
            "fit",
            "--runs",
            "tests/data/runs-small.csv",
            "--bootstrap",
            "5",
            "--holdout",
            "--format",
            "json",
            "--holdout-runs",
        ])
        .arg(&held)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let text = std::fs::read_to_string(&held).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let runs = std::fs::read_to_string("tests/data/runs-small.csv").unwrap();
    assert_eq!(rows.len(), runs.lines().count() - 1);
    for s in report["holdout"]["signals"].as_array().unwrap() {
        let signal = s["signal"].as_str().unwrap();
        let mine: Vec<&Vec<&str>> = rows.iter().filter(|r| r[col("signal")] == signal).collect();
        let below = mine
            .iter()
            .filter(|r| {
                r[col("observed")].parse::<f64>().unwrap()
                    < r[col("exceeded")].parse::<f64>().unwrap()
            })
            .count();
        let share = s["below_safe"].as_f64().unwrap();
        assert!(
            (below as f64 / mine.len() as f64 - share).abs() < 1e-12,
            "{signal}: {below} of {} against {share}",
            mine.len()
        );
    }
    bin()
        .args([
            "fit",
            "--runs",
            "tests/data/runs-small.csv",
            "--holdout-runs",
        ])
        .arg(dir.path().join("x.csv"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("--holdout"));
    assert!(!dir.path().join("x.csv").exists());
}

#[test]
fn predict_warns_outside_the_fitted_range() {
    bin()
        .args([
            "predict",
            "--signal",
            "hard",
            "--n",
            "1000",
            "--classes",
            "500",
        ])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("classes = 500")
                .and(predicate::str::contains("outside the fitted range")),
        );
}

#[test]
fn fit_rejects_bad_runs_files() {
    let dir = tempfile::tempdir().unwrap();
    let runs = std::fs::read_to_string("tests/data/runs-small.csv").unwrap();
    let no_tau = dir.path().join("a.csv");
    let lines: Vec<String> = runs
        .lines()
        .map(|l| {
            let mut c: Vec<&str> = l.split(',').collect();
            c.remove(16);
            c.join(",")
        })
        .collect();
    std::fs::write(&no_tau, lines.join("\n")).unwrap();
    // csv is not a format of fit's diagnostics: refused, not printed as a table
    bin()
        .args([
            "fit",
            "--format",
            "csv",
            "--runs",
            "tests/data/runs-small.csv",
        ])
        .assert()
        .failure()
        .stdout("")
        .stderr(predicate::str::contains("table or json"));
    bin()
        .args(["fit", "--runs"])
        .arg(&no_tau)
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("missing column(s) tau")
                .and(predicate::str::contains("line 1")),
        );
    let nan = dir.path().join("b.csv");
    let mut lines: Vec<String> = runs.lines().map(String::from).collect();
    let mut c: Vec<String> = lines[3].split(',').map(String::from).collect();
    c[12] = "inf".into();
    lines[3] = c.join(",");
    std::fs::write(&nan, lines.join("\n")).unwrap();
    bin()
        .args(["fit", "--runs"])
        .arg(&nan)
        .assert()
        .failure()
        .stderr(predicate::str::contains("line 4").and(predicate::str::contains("`cka`")));
}

#[test]
fn predict_rejects_unknown_model_versions() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.toml");
    let version = format!(
        "format_version = {}",
        labelbudget::surrogate::FORMAT_VERSION
    );
    let text = labelbudget::surrogate::EMBEDDED_DEFAULT.replacen(&version, "format_version = 9", 1);
    std::fs::write(&p, text).unwrap();
    bin()
        .args(["predict", "--signal", "hard", "--n", "10", "--model"])
        .arg(&p)
        .assert()
        .failure()
        .stderr(predicate::str::contains("format_version").and(predicate::str::contains('9')));
}

/// Leave-scenario-out on a small seeded sweep: held-out runs fall inside their 90% interval,
/// and below the quality exceeded with probability 0.9, about as often as promised. 12
/// scenarios x 2 seeds x 6 counts = 144 held-out runs per signal; with the nominal rates the
/// counts are Binomial(144, 0.9) inside (sd 3.6 runs) and Binomial(144, 0.1) below (sd 3.6);
/// the bounds are 3 sd. They fail if the interval were half as wide (about 85 inside) or twice
/// as wide (about 144), or the quantile taken on the wrong side (about 130 below).
#[test]
fn holdout_coverage_and_the_one_sided_check_hold_on_a_seeded_sweep() {
    use labelbudget::sim::sweep::SweepFile;
    use labelbudget::surrogate::{FitOptions, holdout};
    let text = r#"
signals = ["hard", "soft"]
n = [20, 50, 100, 200, 500, 1000]
seeds = 2
sample = 12
[ranges]
classes = [3, 12]
dims = [4, 12]
features = [16, 32]
noise = [0.05, 0.3]
"#;
    let sweep = SweepFile::from_toml(text).unwrap().expand().unwrap();
    let runs = sweep.execute(&sweep.runs, false, &|| {}).unwrap();
    let opts = FitOptions {
        bootstrap: 10,
        ..FitOptions::default()
    };
    let report = holdout::evaluate(&runs, &opts).unwrap();
    assert_eq!(report.scenarios, 12);
    for s in &report.signals {
        let inside = s.coverage * 144.0;
        let below = s.below_safe * 144.0;
        assert!(
            (inside - 129.6).abs() <= 3.0 * 3.6,
            "{}: {inside} of 144 inside",
            s.signal
        );
        assert!(
            (below - 14.4).abs() <= 3.0 * 3.6,
            "{}: {below} of 144 below",
            s.signal
        );
        assert!(s.lso_mae < s.baseline_lso_mae, "{}: {s:?}", s.signal);
        // the breakdown by stretch of the curve accounts for every held-out run, and its
        // stretches add up to the overall share and to the shoulder's
        let by = s.below_safe_by_position;
        assert_eq!(by.iter().map(|v| v.1).sum::<usize>(), 144, "{s:?}");
        let count = |r: std::ops::Range<usize>| {
            by[r]
                .iter()
                .map(|&(v, n)| if n == 0 { 0.0 } else { v * n as f64 })
                .sum::<f64>()
        };
        assert!((count(0..5) - below).abs() < 1e-9, "{s:?}");
        let on_shoulder: usize = by[1..4].iter().map(|v| v.1).sum();
        if on_shoulder > 0 {
            let share = count(1..4) / on_shoulder as f64;
            assert!((share - s.below_safe_shoulder).abs() < 1e-12, "{s:?}");
        }
        // the per-run dump holds the same 144 held-out runs of this signal, each inside its
        // own interval as often and below its safe quantile as often as the report says
        let held: Vec<_> = report
            .held_runs
            .iter()
            .filter(|h| h.signal == s.signal)
            .collect();
        assert_eq!(held.len(), 144, "{}", s.signal);
        let n_in = held
            .iter()
            .filter(|h| (h.lo..=h.hi).contains(&h.observed))
            .count();
        let n_below = held.iter().filter(|h| h.observed < h.exceeded).count();
        assert!((n_in as f64 - inside).abs() < 1e-9, "{}", s.signal);
        assert!((n_below as f64 - below).abs() < 1e-9, "{}", s.signal);
        assert!(
            held.iter().all(|h| h.lo <= h.exceeded
                && h.exceeded <= h.hi
                && h.lo <= h.mean
                && h.mean <= h.hi),
            "{}",
            s.signal
        );
    }
    assert!(report.held_runs.windows(2).all(|w| w[0].run <= w[1].run));
}

/// The embedded model with its first line starting with `key =` replaced by `line`.
fn model_with(key: &str, line: &str) -> String {
    let mut done = false;
    let lines: Vec<&str> = labelbudget::surrogate::EMBEDDED_DEFAULT
        .lines()
        .map(|l| {
            if !done && l.starts_with(&format!("{key} =")) {
                done = true;
                line
            } else {
                l
            }
        })
        .collect();
    assert!(done, "no {key} in the model");
    lines.join("\n")
}

/// Model files with a NaN, a reversed range or non-finite parameters are refused on loading
/// by every command that reads one, naming the file, the field and the value (they panicked
/// in `f64::clamp` or printed NaN); a scenario file given as a model is called what it is.
#[test]
fn bad_model_files_are_named_with_their_path() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "lnx_nan.toml",
            model_with("ln_x", "ln_x = [nan, 11.5]"),
            vec!["signals.hard.residual.ln_x", "NaN"],
        ),
        (
            "lnx_reversed.toml",
            model_with("ln_x", "ln_x = [11.5, 2.3]"),
            vec![
                "signals.hard.residual.ln_x",
                "[11.5, 2.3]",
                "lower <= upper",
            ],
        ),
        (
            "slope_nan.toml",
            model_with("slope", "slope = nan"),
            vec!["floor.slope", "NaN"],
        ),
        (
            "scenario.toml",
            "classes = 4\nnoise = 0.1\n".to_string(),
            vec!["not a labelbudget model file", "format_version"],
        ),
    ];
    for (name, text, words) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        for args in [
            &["predict", "--signal", "hard", "--n", "1000"][..],
            &["plan", "--budget", "20", "--no-chart"][..],
        ] {
            let out = bin()
                .args(args)
                .arg("--model")
                .arg(&path)
                .assert()
                .failure()
                .code(1)
                .get_output()
                .clone();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(path.to_str().unwrap()), "{err}");
            for w in &words {
                assert!(err.contains(w), "{name} {args:?}: {w:?} not in {err}");
            }
        }
    }
}

/// An I/O error prints its cause once.
#[test]
fn io_errors_name_their_cause_once() {
    let out = bin()
        .args(["predict", "--signal", "hard", "--n", "10", "--model"])
        .arg("/nonexistent/m.toml")
        .assert()
        .failure()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/m.toml"), "{err}");
    assert_eq!(err.matches("os error").count(), 1, "{err}");
}

/// `tests/data/runs-small.csv` with column `col` of its first row set to `value`.
fn runs_with(dir: &std::path::Path, col: &str, value: &str) -> std::path::PathBuf {
    let runs = std::fs::read_to_string("tests/data/runs-small.csv").unwrap();
    let mut lines: Vec<String> = runs.lines().map(String::from).collect();
    let i = lines[0].split(',').position(|h| h == col).unwrap();
    let mut c: Vec<String> = lines[1].split(',').map(String::from).collect();
    c[i] = value.into();
    lines[1] = c.join(",");
    let p = dir.join(format!("{col}_{value}.csv"));
    std::fs::write(&p, lines.join("\n")).unwrap();
    p
}

/// Rows a simulation cannot write are refused with file, line, column, value and the accepted
/// range (they were fitted, widening the model's range).
#[test]
fn fit_rejects_rows_outside_the_simulators_ranges() {
    let dir = tempfile::tempdir().unwrap();
    for (col, value, expected) in [
        ("cka", "7.5", "[0, 1]"),
        ("cka", "-3", "[0, 1]"),
        ("classes", "1", "from 2"),
        ("noise", "1.5", "error rate"),
        ("n", "0", ">= 1"),
    ] {
        let p = runs_with(dir.path(), col, value);
        bin()
            .args(["fit", "--bootstrap", "0", "--runs"])
            .arg(&p)
            .assert()
            .failure()
            .stderr(
                predicate::str::contains(p.to_str().unwrap())
                    .and(predicate::str::contains("line 2"))
                    .and(predicate::str::contains(format!("`{col}`: {value}")))
                    .and(predicate::str::contains(expected)),
            );
    }
}

/// Options `fit` cannot use are refused before any work, and nothing is written when a check
/// fails: a NaN level (a panic in statrs before), a metric runs files lack, a held-out check
/// on one scenario, an output path that is a folder.
#[test]
fn fit_refuses_bad_options_before_writing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.toml");
    let fit = |extra: &[&str], runs: &std::path::Path| {
        let out = bin()
            .args(["fit", "--bootstrap", "0", "--out"])
            .arg(&model)
            .arg("--runs")
            .arg(runs)
            .args(extra)
            .assert()
            .failure()
            .code(1)
            .get_output()
            .clone();
        assert!(!model.exists());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let small = std::path::Path::new("tests/data/runs-small.csv");
    for level in ["nan", "inf", "1", "0"] {
        let err = fit(&["--level", level], small);
        assert!(
            err.contains("`level`") && err.contains("between 0 and 1"),
            "{err}"
        );
    }
    for metric in ["accuracy", "user"] {
        let err = fit(&["--metric", metric], small);
        assert!(
            err.contains(metric) && err.contains("cka or transfer") && err.contains("calibrate"),
            "{err}"
        );
    }
    // one scenario's runs: the first 60 rows of the small sweep
    let runs = std::fs::read_to_string(small).unwrap();
    let head = runs.lines().next().unwrap();
    let first: Vec<&str> = runs.lines().skip(1).take(1).collect();
    let key = |l: &str| l.split(',').skip(2).take(9).collect::<Vec<_>>().join(",");
    let one: Vec<&str> = runs
        .lines()
        .skip(1)
        .filter(|l| key(l) == key(first[0]))
        .collect();
    let one_path = dir.path().join("one.csv");
    std::fs::write(&one_path, format!("{head}\n{}\n", one.join("\n"))).unwrap();
    let err = fit(&["--holdout"], &one_path);
    assert!(
        err.contains("one.csv") && err.contains("1 scenario") && err.contains("at least 2"),
        "{err}"
    );
    let folder = dir.path().join("held");
    std::fs::create_dir(&folder).unwrap();
    let err = fit(
        &["--holdout", "--holdout-runs", folder.to_str().unwrap()],
        small,
    );
    assert!(err.contains("held") && err.contains("is a folder"), "{err}");
}

/// `fit --weigh-counts` changes nothing when every count has as many runs (the small sweep's),
/// and changes the fit when one count has fewer: its runs then weigh more each.
#[test]
fn fit_weigh_counts_matters_only_when_counts_have_unequal_runs() {
    let dir = tempfile::tempdir().unwrap();
    let fit = |runs: &std::path::Path, weigh: bool, name: &str| -> String {
        let out = dir.path().join(name);
        let mut cmd = bin();
        cmd.args(["fit", "--bootstrap", "3", "--runs"])
            .arg(runs)
            .arg("--out")
            .arg(&out);
        if weigh {
            cmd.arg("--weigh-counts");
        }
        cmd.assert().success();
        std::fs::read_to_string(&out).unwrap()
    };
    let small = std::path::Path::new("tests/data/runs-small.csv");
    // the same curves; the file only says how it was fitted
    let (a, b) = (fit(small, false, "a.toml"), fit(small, true, "b.toml"));
    assert!(b.contains("weigh_counts = true\n") && !a.contains("weigh_counts"));
    assert!(
        a == b.replace("weigh_counts = true\n", ""),
        "the curves moved"
    );
    // drop the largest count's runs of every other seed
    let text = std::fs::read_to_string(small).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let mut kept = vec![header.to_string()];
    kept.extend(
        lines
            .filter(|l| {
                let f: Vec<&str> = l.split(',').collect();
                !(f[1] == "10000" && f[11].parse::<u64>().unwrap() % 2 == 1)
            })
            .map(str::to_string),
    );
    assert!(kept.len() < text.lines().count());
    let uneven = dir.path().join("uneven.csv");
    std::fs::write(&uneven, kept.join("\n") + "\n").unwrap();
    let (plain, weighed) = (fit(&uneven, false, "c.toml"), fit(&uneven, true, "d.toml"));
    assert!(
        plain != weighed.replace("weigh_counts = true\n", ""),
        "no change"
    );
}

/// The shipped model is fitted as the one documented command refits it: `models/regenerate.sh`
/// passes `--weigh-counts` exactly when `models/default.toml` says it was fitted so.
#[test]
fn the_shipped_model_is_fitted_as_regenerate_sh_says() {
    let script = std::fs::read_to_string("models/regenerate.sh").unwrap();
    let fit_line = script
        .lines()
        .find(|l| l.contains(" fit ") && l.contains("models/default.toml"))
        .expect("regenerate.sh fits models/default.toml");
    let model = Model::embedded_default();
    assert_eq!(
        fit_line.contains("--weigh-counts"),
        model.weigh_counts,
        "{fit_line}"
    );
    assert!(
        model.weigh_counts,
        "the shipped model gives every count the same weight"
    );
}
