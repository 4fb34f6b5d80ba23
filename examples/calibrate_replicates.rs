//! Replicate study of the extrapolation claim (issue 6, must-show 1) over many master seeds.
//!
//! ```text
//! cargo run --release --example calibrate_replicates -- [--seeds-from 0] [--seeds-to 19]
//!     [--fit-seeds 3] [--truth-seeds 20] [--features F --labels L] [--targets 0.9,0.92,...]
//!     [--dump FILE]
//! ```
//!
//! Protocol, per master seed s in `seeds-from ..= seeds-to` (each master seed is a different
//! stratified held-out split and different nested subsample orders, as `labelbudget calibrate
//! --seed s`):
//! 1. Measure the learning curve of the digits data (`curves::measure`: linear probe, hard
//!    labels, `--points 10` log grid from 20 to the whole pool, `--max-fraction 1`) with
//!    `truth-seeds` subsample orders. The first k orders are the same as with `--seeds k`.
//! 2. Truth: the n where the mean over all `truth-seeds` orders first reaches the target
//!    (`extrapolate::measured_n_for_target`, log-interpolated).
//! 3. Fit data: the points of the first `fit-seeds` orders at counts up to 10% of the pool (as
//!    `--fit-fraction 0.1`). With `--fit-seeds 1` the fit sees the labels of one nested
//!    subsample of at most 10% of the pool, the claim's strict reading; with 3 (the CLI's
//!    default) it sees three such subsamples.
//! 4. Predictions from the fit data: the calibrated central n under the rules of [`RULES`]
//!    (`select::Rule::Lowest`: the candidate with the lowest forward-validation RMSE, the
//!    rule before; `select::Rule::Evidence`, the default; `select::Rule::ProfileCeiling`:
//!    the central curve's ceiling from the profile likelihood), and the plain power law
//!    (`extrapolate::power_law_n_for_target`), and the real-curve prior `calibrate --pilot` uses
//!    by default (`realprior`: its central count, and its 90% safe budget against the truth;
//!    docs/real-curves.md). A prediction above the fitted ceiling is
//!    "unreachable" and counts as an infinite error.
//!
//! Printed, per target: median |relative error| against the truth, median signed relative
//! error (pred / truth - 1), share of replicates within 25%, share where the rule is closer
//! than the power law, and the number of unreachable predictions. `--fit-seeds` takes a comma
//! list (e.g. `1,3`): the curves are measured once.
//! Also printed: how often the mean measured curve (all truth orders) at the counts beyond the
//! fitted ones lies inside the 90% interval of each rule of [`CHECKED`], with and without the
//! ceiling envelope (`select::ceiling_envelope`).
//! `--dump FILE` writes one JSON line per (master seed, fit seeds) with every candidate's
//! forward-validation residuals and its own n per target, for studying selection rules.

use labelbudget::Signal;
use labelbudget::calibrate::curves::{self, CurveOptions};
use labelbudget::calibrate::data::{self, Sources};
use labelbudget::calibrate::extrapolate::{measured_n_for_target, power_law_n_for_target};
use labelbudget::calibrate::fit::{CurvePoint, fit_curve, inputs};
use labelbudget::calibrate::prior::Prior;
use labelbudget::calibrate::select::{self, CeilingPrior, Centre, Rule};
use labelbudget::calibrate::{N_SEARCH_MAX, build_model, mean_by_n, n_reaching};
use labelbudget::realprior::predict::predict;
use labelbudget::realprior::prior::CurvePrior;
use labelbudget::realprior::reach::reach;
use labelbudget::surrogate::QualityModel as _;
use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Default targets (digits).
const TARGETS: [f64; 5] = [0.90, 0.92, 0.94, 0.95, 0.96];
const FIT_FRACTION: f64 = 0.1;

/// The selection rules compared, with their printed names; the power law is printed after them.
/// The profile rule is the variant frozen on the development seeds 0-19 (tried and not adopted:
/// the doc comment of `src/calibrate/select.rs`);
/// the others tried there (`CeilingPrior` x `Centre`) are not printed.
const RULES: [(&str, Rule); 3] = [
    ("lowest score", Rule::Lowest),
    ("evidence", Rule::Evidence),
    (
        "profile mean",
        Rule::ProfileCeiling(CeilingPrior::Logit, Centre::Mean),
    ),
];
/// Rules whose intervals are checked (indices into [`RULES`]).
const CHECKED: [usize; 2] = [1, 2];

/// Predictions of one replicate at the targets.
struct Replicate {
    fit_seeds: usize,
    truth: Vec<Option<f64>>,
    /// Per method (the [`RULES`], then the power law), per target.
    pred: Vec<Vec<Option<f64>>>,
    /// Per rule of [`CHECKED`]: unseen counts (above the fitted ones) whose mean over all truth
    /// orders lies inside the rule's 90% interval: (with the ceiling envelope, with the forward
    /// growth alone, counts).
    inside: Vec<(usize, usize, usize)>,
    /// The real-curve prior's 90% safe budget per target, and its unseen counts inside its 90%
    /// interval: (inside, counts).
    real_safe: Vec<Option<f64>>,
    real_inside: (usize, usize),
    dump: String,
}

/// Replicates of the interval fits (as `calibrate --replicates`, smaller for speed).
const INTERVAL_REPLICATES: usize = 100;

fn arg<T: std::str::FromStr>(a: &[String], name: &str, default: T) -> T {
    a.iter()
        .position(|x| x == name)
        .and_then(|i| a.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn one(
    ds: &data::Dataset,
    seed: u64,
    fit_seeds: &[usize],
    truth_seeds: usize,
    targets: &[f64],
    with_dump: bool,
) -> anyhow::Result<Vec<Replicate>> {
    let opts = CurveOptions {
        signals: vec![Signal::Hard],
        points: 10,
        max_fraction: 1.0,
        seeds: truth_seeds,
        seed,
        ..CurveOptions::default()
    };
    let m = curves::measure(ds, &opts, &|| {})?;
    let all: Vec<CurvePoint> = m
        .rows
        .iter()
        .map(|r| CurvePoint {
            n: r.n as f64,
            y: r.quality,
        })
        .collect();
    let truth: Vec<Option<f64>> = targets
        .iter()
        .map(|&t| measured_n_for_target(&mean_by_n(&all), t))
        .collect();
    let limit = FIT_FRACTION * m.pool as f64;
    let default = Prior::for_signal(Prior::default_model().as_ref(), Signal::Hard);
    let floor = m.floor;
    let prior = CurvePrior::embedded();
    let mut out = Vec::new();
    for &k in fit_seeds {
        let used: Vec<CurvePoint> = m
            .rows
            .iter()
            .filter(|r| r.seed < k && r.n as f64 <= limit)
            .map(|r| CurvePoint {
                n: r.n as f64,
                y: r.quality,
            })
            .collect();
        let scored = select::score(&used, floor, &default)?;
        let curve_ns = |fit: &labelbudget::calibrate::fit::CurveFit| -> Vec<Option<f64>> {
            targets
                .iter()
                .map(|&t| n_reaching(|n| fit.params.predict(fit.family, &inputs(n, floor)), t))
                .collect()
        };
        let inside = CHECKED
            .iter()
            .map(|&i| interval_check(&all, &used, floor, &scored, RULES[i].1, m.metric, seed))
            .collect::<anyhow::Result<_>>()?;
        let mut pred = Vec::new();
        for (_, rule) in RULES {
            let fit = select::fit_scored(&used, floor, &scored, rule, 0, 0)?;
            pred.push(curve_ns(&fit));
        }
        pred.push(
            targets
                .iter()
                .map(|&t| power_law_n_for_target(&used, t))
                .collect::<labelbudget::Result<_>>()?,
        );
        // the real-curve prior (`calibrate --pilot`'s default): central and safe counts
        let real = predict(&prior, Signal::Hard, &used, floor)
            .ok_or_else(|| anyhow::anyhow!("no pilot points"))?;
        let reaches: Vec<_> = targets
            .iter()
            .map(|&t| reach(&real.table, t, labelbudget::calibrate::LEVEL))
            .collect();
        pred.push(reaches.iter().map(|r| r.central).collect());
        let real_safe = reaches.iter().map(|r| r.safe).collect();
        let top = used.iter().map(|p| p.n).fold(0.0, f64::max);
        let real_inside = mean_by_n(&all)
            .into_iter()
            .filter(|p| p.0 > top && p.0 <= real.table.supported_to.exp())
            .fold((0, 0), |(a, k), (n, q)| {
                let inside = real.table.quantile(n, 0.05) <= q && q <= real.table.quantile(n, 0.95);
                (a + usize::from(inside), k + 1)
            });
        let dump = if with_dump {
            dump_line(
                seed,
                k,
                &truth,
                &pred[RULES.len()],
                &used,
                floor,
                &scored,
                &default,
                &curve_ns,
            )?
        } else {
            String::new()
        };
        out.push(Replicate {
            fit_seeds: k,
            truth: truth.clone(),
            pred,
            inside,
            real_safe,
            real_inside,
            dump,
        });
    }
    Ok(out)
}

/// One `--dump` line: the truth, the power law and every candidate's forward residuals, noise,
/// ceiling and own n per target (each candidate refitted on every point).
#[allow(clippy::too_many_arguments)]
fn dump_line(
    seed: u64,
    k: usize,
    truth: &[Option<f64>],
    power_law: &[Option<f64>],
    used: &[CurvePoint],
    floor: f64,
    scored: &[select::Scored],
    default: &Prior,
    curve_ns: &dyn Fn(&labelbudget::calibrate::fit::CurveFit) -> Vec<Option<f64>>,
) -> anyhow::Result<String> {
    let mut dump = format!(
        "{{\"seed\":{seed},\"fit_seeds\":{k},\"truth\":{},\"power_law\":{},\"candidates\":[",
        json_opt(truth),
        json_opt(power_law)
    );
    for (j, s) in scored.iter().enumerate() {
        let fit = fit_curve(used, floor, &s.prior, 0, 0)?;
        let ceiling = fit.params.predict(fit.family, &inputs(N_SEARCH_MAX, floor));
        let res: Vec<String> = s
            .residuals
            .iter()
            .map(|r| format!("[{:.6},{:.6}]", r.0, r.1))
            .collect();
        write!(
            dump,
            "{}{{\"label\":\"{}\",\"score\":{:.6},\"sigma\":{:.6},\"ceiling\":{:.6},\"res\":[{}],\"n\":{}}}",
            if j > 0 { "," } else { "" },
            select::label(&s.prior, default),
            s.score,
            fit.sigma,
            ceiling,
            res.join(","),
            json_opt(&curve_ns(&fit))
        )?;
    }
    dump.push_str("]}");
    Ok(dump)
}

/// How often the mean measured curve at counts beyond the fitted ones lies inside `rule`'s 90%
/// interval, with the spread as `calibrate` sets it (forward growth, or the ceiling envelope
/// where faster) and with the forward growth alone: `(inside, inside_forward, counts)`.
fn interval_check(
    all: &[CurvePoint],
    used: &[CurvePoint],
    floor: f64,
    scored: &[select::Scored],
    rule: Rule,
    metric: labelbudget::surrogate::Metric,
    seed: u64,
) -> anyhow::Result<(usize, usize, usize)> {
    let fit = select::fit_scored(used, floor, scored, rule, INTERVAL_REPLICATES, seed)?;
    let mut forward = fit.clone();
    forward.growth = select::growth(
        &scored[rule.choose(used, floor, scored)?].residuals,
        fit.sigma,
    );
    forward.growth_until = f64::INFINITY;
    let top = used.iter().map(|p| p.n).fold(0.0, f64::max);
    let model = |f: &labelbudget::calibrate::fit::CurveFit| {
        build_model(
            metric,
            floor,
            String::new(),
            &[(Signal::Hard, f.clone())],
            [1, top as u64],
        )
    };
    let (with_env, fwd) = (model(&fit)?, model(&forward)?);
    let sc = labelbudget::Scenario::default();
    let (mut a, mut b, mut k) = (0, 0, 0);
    for (n, q) in mean_by_n(all).into_iter().filter(|p| p.0 > top) {
        let inside = |m: &labelbudget::surrogate::Model| {
            let p = m.predict(&sc, Signal::Hard, n);
            (p.lo..=p.hi).contains(&q)
        };
        a += usize::from(inside(&with_env));
        b += usize::from(inside(&fwd));
        k += 1;
    }
    Ok((a, b, k))
}

fn json_opt(v: &[Option<f64>]) -> String {
    let s: Vec<String> = v
        .iter()
        .map(|x| x.map_or("null".into(), |x| format!("{x:.3}")))
        .collect();
    format!("[{}]", s.join(","))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let k = v.len();
    if k == 0 {
        return f64::NAN;
    }
    if k % 2 == 1 {
        v[k / 2]
    } else {
        0.5 * (v[k / 2 - 1] + v[k / 2])
    }
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.0}%", 100.0 * x)
    } else {
        "inf".into()
    }
}

fn main() -> anyhow::Result<()> {
    let a: Vec<String> = std::env::args().collect();
    let from: u64 = arg(&a, "--seeds-from", 0);
    let to: u64 = arg(&a, "--seeds-to", 19);
    let fit_seeds: Vec<usize> = arg(&a, "--fit-seeds", "3".to_string())
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let truth_seeds: usize = arg(&a, "--truth-seeds", 20);
    let targets: Vec<f64> = match a.iter().position(|x| x == "--targets") {
        Some(i) => a
            .get(i + 1)
            .map_or("", String::as_str)
            .split(',')
            .map(str::parse)
            .collect::<Result<_, _>>()?,
        None => TARGETS.to_vec(),
    };
    let src = Sources {
        features: arg(
            &a,
            "--features",
            PathBuf::from("examples/data/digits_features.csv"),
        ),
        labels: arg(
            &a,
            "--labels",
            PathBuf::from("examples/data/digits_labels.csv"),
        ),
        soft: None,
    };
    let dump: Option<PathBuf> = a
        .iter()
        .position(|x| x == "--dump")
        .and_then(|i| a.get(i + 1))
        .map(PathBuf::from);
    if fit_seeds.iter().any(|&k| k == 0 || k > truth_seeds) {
        anyhow::bail!("--fit-seeds must lie in 1..=--truth-seeds");
    }
    let ds = data::load(&src)?;
    let reps: Vec<Replicate> = (from..=to)
        .into_par_iter()
        .map(|s| one(&ds, s, &fit_seeds, truth_seeds, &targets, dump.is_some()))
        .collect::<anyhow::Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    if let Some(path) = dump {
        let text: String = reps.iter().map(|r| r.dump.clone() + "\n").collect();
        std::fs::write(path, text)?;
    }
    let power = RULES.len();
    let names: Vec<&str> = RULES
        .iter()
        .map(|r| r.0)
        .chain(["power law", "real-curve prior"])
        .collect();
    for &k in &fit_seeds {
        println!("\n### master seeds {from}-{to}, fit seeds {k}, truth seeds {truth_seeds}\n");
        println!(
            "| target | method | median abs rel err | median signed err | within 25% | closer than power law | unreachable |"
        );
        println!("|---:|---|---:|---:|---:|---:|---:|");
        let rs: Vec<&Replicate> = reps.iter().filter(|r| r.fit_seeds == k).collect();
        for (ti, &t) in targets.iter().enumerate() {
            // replicates whose full curve reaches the target
            let with: Vec<&&Replicate> = rs.iter().filter(|r| r.truth[ti].is_some()).collect();
            let signed = |r: &Replicate, mi: usize| -> f64 {
                let truth = r.truth[ti].expect("filtered");
                r.pred[mi][ti].map_or(f64::INFINITY, |p| p / truth - 1.0)
            };
            let err = |r: &Replicate, mi: usize| signed(r, mi).abs();
            for (mi, name) in names.iter().enumerate() {
                let e: Vec<f64> = with.iter().map(|r| err(r, mi)).collect();
                let within = e.iter().filter(|x| **x <= 0.25).count();
                let closer = if mi != power {
                    let c = with.iter().filter(|r| err(r, mi) < err(r, power)).count();
                    format!("{c}/{}", with.len())
                } else {
                    "-".into()
                };
                let unreachable = with.iter().filter(|r| r.pred[mi][ti].is_none()).count();
                let sgn = median(with.iter().map(|r| signed(r, mi)).collect());
                println!(
                    "| {t:.2} | {name} | {} | {} | {within}/{} | {closer} | {unreachable} |",
                    pct(median(e)),
                    if sgn.is_finite() {
                        format!("{:+.0}%", 100.0 * sgn)
                    } else {
                        "inf".into()
                    },
                    with.len()
                );
            }
        }
        println!();
        for (ti, &t) in targets.iter().enumerate() {
            let r: Vec<(f64, Option<f64>)> = rs
                .iter()
                .filter_map(|r| r.truth[ti].map(|n| (n, r.real_safe[ti])))
                .collect();
            let covers = r.iter().filter(|(n, s)| s.is_some_and(|s| s >= *n)).count();
            let ratio = median(r.iter().filter_map(|(n, s)| s.map(|s| s / n)).collect());
            println!(
                "Target {t:.2}: the real-curve prior's 90% safe budget covers the need in {covers} of {} replicates, at a median of {ratio:.2}x the need.",
                r.len()
            );
        }
        let (a, n) = rs.iter().fold((0, 0), |acc, r| {
            (acc.0 + r.real_inside.0, acc.1 + r.real_inside.1)
        });
        println!(
            "Unseen counts (up to the supported count) whose mean measured quality lies inside the real-curve prior's 90% interval: {a} of {n} ({}).",
            pct(a as f64 / n.max(1) as f64)
        );
        for (ci, &ri) in CHECKED.iter().enumerate() {
            let (a, b, n) = rs.iter().fold((0, 0, 0), |acc, r| {
                let x = r.inside[ci];
                (acc.0 + x.0, acc.1 + x.1, acc.2 + x.2)
            });
            println!(
                "Unseen counts whose mean measured quality lies inside the 90% interval of {}: \
                 {a} of {n} ({}) with the ceiling envelope, {b} of {n} ({}) with the forward growth alone.",
                RULES[ri].0,
                pct(a as f64 / n.max(1) as f64),
                pct(b as f64 / n.max(1) as f64)
            );
        }
        let skipped = rs.len() * targets.len()
            - rs.iter()
                .map(|r| r.truth.iter().filter(|x| x.is_some()).count())
                .sum::<usize>();
        if skipped > 0 {
            println!(
                "\n({skipped} (replicate, target) pairs skipped: the full curve never reaches the target)"
            );
        }
    }
    Ok(())
}
