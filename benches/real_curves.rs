//! Extrapolating real learning curves from a pilot: labelbudget's real-curve prior against the
//! usual parametric baselines, on a collection of measured curves (docs/real-curves.md).
//!
//! ```text
//! cargo bench --bench real_curves -- [CURVES.csv[.gz]] [--limit K] [--folds K] [--out table.md]
//!     [--answers answers.csv] [--groups G] [--uncalibrated] [--level P]   (--help for each)
//! ```
//!
//! `--answers` writes every method's answer for every case; `--groups G` learns from G pilots a
//! cut (disjoint seed groups); `--uncalibrated` skips the calibration (the raw regressions);
//! `--level P` asks the safe budget for probability P instead of 0.9.
//!
//! CURVES defaults to the subset shipped for the tests (tests/data/lcdb-subset.csv.gz); the
//! development set is `../shared/lcdb/curves.csv.gz` (LCDB 1.0, MIT). Every curve is scored
//! with the prior learned without its dataset: the datasets are split into K folds (default
//! 10; `--folds 0`, one fold per dataset) and the prior is refitted once per fold without it.
//! The protocol is `realprior::protocol`'s; the table has one row per method and target.

use anyhow::Result;
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use labelbudget::calibrate::n_for_target;
use labelbudget::realprior::baselines::Family;
use labelbudget::realprior::protocol::{self, Answer, Case, Score};
use labelbudget::realprior::{calibration, curves, predict, reach, train};
use labelbudget::scenario::Scenario;
use labelbudget::signal::Signal;
use labelbudget::surrogate::QualityModel;
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

/// Extrapolating real learning curves from a pilot: labelbudget's real-curve prior against the
/// parametric baselines of LCDB, every curve scored by a prior learned without its dataset
/// (docs/real-curves.md, "Protocol").
#[derive(Parser)]
#[command(name = "real_curves")]
struct Args {
    /// The curves: LCDB's CSV (`dataset,classes,learner,n,seed,accuracy`), gzipped when the name
    /// ends in .gz.
    #[arg(default_value = "tests/data/lcdb-subset.csv.gz")]
    curves: PathBuf,
    /// Score only the first K scorable curves (0: all).
    #[arg(long, default_value_t = 0, value_name = "K")]
    limit: usize,
    /// Groups of datasets for the cross-validation (0: one per dataset).
    #[arg(long, default_value_t = 10, value_name = "K")]
    folds: usize,
    /// Write the table as CSV to FILE.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Write every method's answer for every case to FILE (CSV).
    #[arg(long, value_name = "FILE")]
    answers: Option<PathBuf>,
    /// Learn from G pilots per cut of a curve (disjoint groups of seeds).
    #[arg(long, default_value_t = 1, value_name = "G")]
    groups: u32,
    /// Skip the calibration: the regressions' own quantiles.
    #[arg(long)]
    uncalibrated: bool,
    /// Probability the safe budget is asked to reach the target with (a scenario file's `confidence`).
    #[arg(long, default_value_t = labelbudget::calibrate::LEVEL, value_name = "P")]
    level: f64,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

/// labelbudget's answer for a case: the model `calibrate --pilot` writes, read as `plan`
/// (central counts and the safe budget at `level`) and `predict` read it.
fn labelbudget(prior: &labelbudget::realprior::prior::CurvePrior, c: &Case, level: f64) -> Answer {
    let pilots = vec![(Signal::Hard, c.pilot.clone())];
    let (m, preds) = predict::model(
        prior,
        &pilots,
        c.chance,
        labelbudget::surrogate::Metric::Accuracy,
        "bench".into(),
    )
    .expect("a pilot predicts");
    let sc = Scenario::default();
    let need = |prob: f64| {
        c.targets
            .map(|t| n_for_target(&m, Signal::Hard, t, prob).unwrap_or(f64::INFINITY))
    };
    let p = [c.mid, c.big_n].map(|n| m.predict(&sc, Signal::Hard, n));
    let central = need(0.5);
    // for a target without a central count, the verdict `calibrate --target` prints:
    // unreachable only when even the optimistic side of the 90% interval fails within the
    // supported counts (else "more than the supported count")
    let unreachable = [0, 1].map(|d| {
        central[d].is_infinite()
            && matches!(
                reach::reach(&preds[0].table, c.targets[d], labelbudget::calibrate::LEVEL).verdict,
                reach::Verdict::Unreachable { .. }
            )
    });
    Answer {
        at: p.map(|p| p.mean),
        need: central,
        safe: Some(need(level)),
        band: Some(p.map(|p| (p.lo, p.hi))),
        unreachable: Some(unreachable),
    }
}

fn main() -> Result<()> {
    let a = Args::parse();
    let start = Instant::now();
    let all = curves::read(&a.curves)?;
    let mut cases = protocol::cases(&all);
    if a.limit > 0 {
        cases.truncate(a.limit);
    }
    let datasets: Vec<String> = {
        let mut d: Vec<String> = all.iter().map(|c| c.dataset.clone()).collect();
        d.dedup();
        d
    };
    let k = if a.folds == 0 {
        datasets.len()
    } else {
        a.folds.min(datasets.len())
    };
    let fold_of = |ds: &str| datasets.iter().position(|d| d == ds).unwrap_or(0) % k;
    eprintln!(
        "{} curves of {} datasets, {} scored; prior learned {} times (grouped by dataset)",
        all.len(),
        datasets.len(),
        cases.len(),
        k
    );
    let opts = train::Options {
        groups: a.groups,
        ..train::Options::default()
    };
    let rows = train::rows(&all, opts);
    eprintln!("{} training pilots", rows.len());
    let full = calibration::fit(&all, &rows, opts, |_| false, None)?;
    let bar =
        ProgressBar::with_draw_target(Some((k + cases.len()) as u64), ProgressDrawTarget::stderr());
    bar.set_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} {msg} [{elapsed_precise}]",
    )?);
    bar.set_message("priors");
    let mut ours: Vec<Option<Answer>> = vec![None; cases.len()];
    for f in 0..k {
        let prior = if a.uncalibrated {
            train::fit(&all, &rows, opts, |c| fold_of(&c.dataset) == f, Some(&full))?
        } else {
            calibration::fit(&all, &rows, opts, |c| fold_of(&c.dataset) == f, Some(&full))?
        };
        let idx: Vec<usize> = (0..cases.len())
            .filter(|&i| fold_of(&all[cases[i].curve].dataset) == f)
            .collect();
        let got: Vec<(usize, Answer)> = idx
            .par_iter()
            .map(|&i| (i, labelbudget(&prior, &cases[i], a.level)))
            .collect();
        for (i, ans) in got {
            ours[i] = Some(ans);
        }
        bar.inc(1);
    }
    bar.set_message("baselines");
    let methods: Vec<(&str, Option<Family>)> = std::iter::once(("last1", None))
        .chain(Family::ALL.iter().map(|f| (f.name(), Some(*f))))
        .collect();
    let base: Vec<Vec<Answer>> = cases
        .par_iter()
        .map(|c| {
            bar.inc(1);
            methods
                .iter()
                .map(|(_, f)| protocol::baseline(c, *f))
                .collect()
        })
        .collect();
    bar.finish_and_clear();
    let ours: Vec<Answer> = ours
        .into_iter()
        .map(|a| a.expect("every fold answered"))
        .collect();
    let mut table: Vec<Score> = protocol::score("labelbudget", &cases, &ours);
    let base_cols: Vec<Vec<Answer>> = (0..methods.len())
        .map(|j| base.iter().map(|b| b[j]).collect())
        .collect();
    for ((name, _), ans) in methods.iter().zip(&base_cols) {
        table.extend(protocol::score(name, &cases, ans));
    }
    print_table(&table);
    if let Some(path) = &a.answers {
        let mut text = String::from(
            "dataset,learner,delta,target,true_n,method,pred_n,safe_n,acc_mid,acc_N,true_mid,true_N,\
             lo_mid,hi_mid,lo_N,hi_N,n_cut,N\n",
        );
        let named = std::iter::once(("labelbudget", &ours)).chain(
            methods
                .iter()
                .enumerate()
                .map(|(j, (m, _))| (*m, &base_cols[j])),
        );
        for (m, ans) in named {
            for (c, x) in cases.iter().zip(ans.iter()) {
                for d in 0..2 {
                    let curve = &all[c.curve];
                    let band = x.band.unwrap_or([(f64::NAN, f64::NAN); 2]);
                    text.push_str(&format!(
                        "{},{},{},{},{},{m},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                        curve.dataset,
                        curve.learner,
                        protocol::DELTAS[d],
                        c.targets[d],
                        c.truth[d].unwrap_or(f64::INFINITY),
                        x.need[d],
                        x.safe.map_or(f64::NAN, |s| s[d]),
                        x.at[0],
                        x.at[1],
                        c.true_at[0],
                        c.true_at[1],
                        band[0].0,
                        band[0].1,
                        band[1].0,
                        band[1].1,
                        c.n_cut,
                        c.big_n
                    ));
                }
            }
        }
        labelbudget::io::write_atomic(path, text.as_bytes())?;
    }
    if let Some(out) = &a.out {
        labelbudget::io::write_atomic(out, &labelbudget::io::csv_bytes(&table)?)?;
    }
    eprintln!("{:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

fn print_table(t: &[Score]) {
    let f = |v: Option<f64>| v.map_or("-".into(), |x| format!("{x:.3}"));
    let rows: Vec<Vec<String>> = t
        .iter()
        .map(|s| {
            vec![
                s.method.clone(),
                format!("{:.2}", s.delta),
                format!("{:.3}", s.right),
                format!("{}", s.reachable),
                format!("{:.3}", s.within_25),
                format!("{:.3}", s.within_2x),
                format!("{:.3}", s.says_unreachable),
                f(s.verdict_unreachable),
                format!("{:.3}", s.censored_called_reachable),
                format!("{:.2}", s.median_ratio),
                f(s.safe_covers),
                f(s.safe_over),
                f(s.safe_given),
                f(s.safe_covers_given),
                format!("{:.4}", s.mae_3x),
                format!("{:.4}", s.mae_n),
                f(s.band_3x),
                f(s.band_n),
                format!("{:.4}", s.mae_best_3x),
                format!("{:.4}", s.mae_best_n),
                f(s.band_best_3x),
                f(s.band_best_n),
            ]
        })
        .collect();
    print!(
        "{}",
        labelbudget::io::render_table(
            &[
                "method",
                "target +",
                "right",
                "reachable",
                "within 25%",
                "within 2x",
                "no count",
                "of them unreachable",
                "censored called reachable",
                "median ratio",
                "safe covers",
                "safe / need",
                "safe given",
                "covers where given",
                "MAE 3x",
                "MAE at N",
                "90% band covers 3x",
                "at N",
                "best so far: MAE 3x",
                "at N",
                "band covers 3x",
                "at N",
            ],
            &rows
        )
    );
}
