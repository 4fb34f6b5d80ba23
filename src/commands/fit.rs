//! `labelbudget fit`: fit the surrogate learning curves to a sweep's runs.

use anyhow::{Context, Result};
use clap::Parser;
use labelbudget::Signal;
use labelbudget::io::{Format, check_writable, csv_bytes, render_table, write_atomic};
use labelbudget::surrogate::curve::Terms;
use labelbudget::surrogate::holdout::{self, HoldoutReport};
use labelbudget::surrogate::runs::hash_bytes;
use labelbudget::surrogate::{Covariate, FitOptions, Metric, Model, fit_model, runs};
use std::path::PathBuf;
use std::time::Instant;

/// Fit the surrogate's learning curves to simulated runs, with prediction intervals.
///
/// One saturating learning curve per signal, chosen among a power law with offset, a Weibull and a Morgan-Mercer-Flodin form by held-out error (grouped
/// cross-validation over scenarios), fitted by Huber-robust least squares (argmin L-BFGS from
/// several starts), with a bootstrap over seeds for prediction intervals.
///
/// The model file (TOML) records the family and parameters of each signal, their bootstrap
/// spread and replicates, the metric, the scenario range fitted on, the runs file's hash and
/// the labelbudget version. Diagnostics (residual RMSE, cross-validated error of each family,
/// the optimiser's termination reason, and the scenario terms each curve was fitted with, also
/// kept in the file as `diagnostics.terms`) are printed; --holdout adds leave-scenario-out and
/// extrapolation errors against a plain power law in raw n, and the share of held-out runs below
/// the quality exceeded with probability 0.9 by position on the curve and by class count.
#[derive(Debug, Parser)]
#[command(
    after_help = "Examples:\n  labelbudget fit --runs runs.csv --out models/mine.toml\n  labelbudget fit --runs runs.csv --out models/mine.toml --metric transfer --holdout\n  models/regenerate.sh   # refits models/default.toml from examples/sweeps/default.toml"
)]
pub struct Args {
    /// Runs file written by `labelbudget simulate` (CSV). Every row is checked against what a
    /// simulation can write (the scenario as a scenario file accepts it, n >= 1, cka and
    /// cka_floor in [0, 1], transfer, tau and seconds >= 0): an error names line, column and value.
    #[arg(long, value_name = "FILE")]
    pub runs: PathBuf,

    /// Where to write the fitted model (TOML). Omit to print diagnostics only.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub out: Option<PathBuf>,

    /// Quality metric to model: cka or transfer.
    #[arg(long, default_value = "cka", value_name = "METRIC")]
    pub metric: Metric,

    /// Covariate of the curves: n (raw annotation count) or bits (n * bits per annotation /
    /// P_eff, bits measured by the information module at each scenario of the sweep). On the
    /// default sweep n gives the lower held-out error (docs/validation.md, "Choices measured").
    #[arg(long, default_value = "n", value_name = "COVARIATE")]
    pub covariate: Covariate,

    /// Keep each signal's ceiling a fixed share of the dimension cap (drop the term that lets
    /// the share vary with how evenly the classes span the latent, see `covariate`).
    #[arg(long)]
    pub fixed_ceiling: bool,

    /// Scenario terms of the curves, replacing the shipped set: a comma list of scale terms
    /// (C,d,D,e,Cd,CC,dd,eC,DD,s,CD,dD), shape terms a:NAME (the first ten) and ceiling terms
    /// w:NAME (q,e,d,s,C), for every signal, or per signal as `hard=...;pair=...`
    /// (docs/method.md, "The surrogate"). The shipped set adds CD,dD (and for pairs w:s,w:C)
    /// only for runs of 100 scenarios or more.
    #[arg(long, value_name = "TERMS")]
    pub terms: Option<String>,

    /// Lean on the default model's curves: auto (for runs of fewer than 3 scenarios, whose
    /// scenario terms and ceilings the runs alone cannot place), default (always) or none. Only
    /// with --metric cka and --covariate n, the default model's (docs/scenario.md, "Fitting a
    /// partial curve").
    #[arg(long, default_value = "auto", value_name = "PRIOR")]
    pub prior: labelbudget::surrogate::prior::PriorMode,

    /// Give every annotation count the same total weight in the fit (and in its
    /// cross-validation and bootstrap), shared by its runs, instead of every run the same: a
    /// sweep that runs few scenarios at its largest counts then still fits the top of its
    /// curves. The shipped model is fitted with it (models/regenerate.sh; docs/method.md).
    #[arg(long)]
    pub weigh_counts: bool,

    /// Bootstrap replicates over seeds (0 disables parameter intervals).
    #[arg(
        long,
        default_value_t = 50,
        value_name = "B",
        allow_negative_numbers = true
    )]
    pub bootstrap: usize,

    /// Nominal coverage of the prediction intervals, strictly between 0 and 1.
    #[arg(
        long,
        default_value_t = 0.9,
        value_name = "LEVEL",
        allow_negative_numbers = true
    )]
    pub level: f64,

    /// Seed of the bootstrap draws.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub seed: u64,

    /// Also report held-out errors: leave-scenario-out MAE per signal and extrapolation from
    /// n <= max/10 to the largest n, next to a plain power law in raw n.
    #[arg(long)]
    pub holdout: bool,

    /// With --holdout, also write every held-out run of the leave-scenario-out check as CSV:
    /// its scenario, signal, n and quality, and what the model fitted without its scenario said
    /// of it (mean, interval, the quality exceeded with probability 0.9, position on the curve).
    #[arg(long, value_name = "PATH", requires = "holdout")]
    pub holdout_runs: Option<PathBuf>,

    /// Output format of the diagnostics: table or json.
    #[arg(long, default_value = "table", value_name = "FORMAT")]
    pub format: Format,
}

#[derive(serde::Serialize)]
struct Output<'a> {
    model: &'a Model,
    seconds: f64,
    holdout: Option<HoldoutReport>,
}

pub fn run(args: Args) -> Result<()> {
    if args.format == Format::Csv {
        anyhow::bail!(
            "--format csv is not available for fit (its diagnostics are several tables); use \
             table or json"
        );
    }
    let terms = match &args.terms {
        Some(spec) => parse_terms(spec)?,
        None => Vec::new(),
    };
    let opts = FitOptions {
        metric: args.metric,
        covariate: args.covariate,
        ceiling_terms: !args.fixed_ceiling,
        terms,
        bootstrap: args.bootstrap,
        level: args.level,
        seed: args.seed,
        prior: args.prior,
        weigh_counts: args.weigh_counts,
        ..FitOptions::default()
    };
    // every check that can fail runs before anything is written: the options, the outputs,
    // the runs, the fit and the held-out check
    opts.check()?;
    for out in args.out.iter().chain(&args.holdout_runs) {
        check_writable(out)?;
    }
    let bytes =
        std::fs::read(&args.runs).with_context(|| format!("reading {}", args.runs.display()))?;
    let records = runs::parse_runs(&bytes, &args.runs)?;
    anyhow::ensure!(
        !records.is_empty(),
        "{}: no runs: the file has a header but no rows",
        args.runs.display()
    );
    let start = Instant::now();
    let model =
        fit_model(&records, &hash_bytes(&bytes), &opts).map_err(|e| e.in_file(&args.runs))?;
    let seconds = start.elapsed().as_secs_f64();
    let holdout = if args.holdout {
        Some(holdout::evaluate(&records, &opts).map_err(|e| e.in_file(&args.runs))?)
    } else {
        None
    };
    if let Some(out) = &args.out {
        model.save(out)?;
        eprintln!(
            "wrote {} ({} runs, fitted in {seconds:.2} s)",
            out.display(),
            records.len()
        );
    }
    if let (Some(path), Some(h)) = (&args.holdout_runs, &holdout) {
        write_atomic(path, &csv_bytes(&h.held_runs)?)?;
        eprintln!(
            "wrote {} ({} held-out runs)",
            path.display(),
            h.held_runs.len()
        );
    }
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&Output {
                model: &model,
                seconds,
                holdout
            })?
        ),
        Format::Table | Format::Csv => {
            print!("{}", diagnostics_table(&model));
            print!("{}", terms_lines(&model));
            if let Some(h) = &holdout {
                println!();
                print!("{}", h.table());
            }
        }
    }
    Ok(())
}

/// `TERMS` for every signal, or `SIGNAL=TERMS;SIGNAL=TERMS`.
fn parse_terms(spec: &str) -> Result<Vec<(Signal, Terms)>> {
    let mut out = Vec::new();
    for part in spec.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('=') {
            Some((sig, t)) => out.push((sig.trim().parse::<Signal>()?, Terms::parse(t)?)),
            None => {
                let t = Terms::parse(part)?;
                out.extend(Signal::ALL.iter().map(|&s| (s, t)));
            }
        }
    }
    Ok(out)
}

/// The scenario terms each signal's curve was fitted with, one line per distinct set.
fn terms_lines(model: &Model) -> String {
    let mut sets: Vec<(Vec<String>, &str)> = Vec::new();
    for s in &model.signals {
        let terms = s.diagnostics.terms.as_deref().unwrap_or("");
        match sets.iter_mut().find(|x| x.1 == terms) {
            Some(x) => x.0.push(s.signal.to_string()),
            None => sets.push((vec![s.signal.to_string()], terms)),
        }
    }
    sets.iter()
        .map(|(signals, terms)| {
            let terms = if terms.is_empty() { "none" } else { terms };
            format!("scenario terms ({}): {terms}\n", signals.join(", "))
        })
        .collect()
}

fn diagnostics_table(model: &Model) -> String {
    use labelbudget::surrogate::Family;
    let rows: Vec<Vec<String>> = model
        .signals
        .iter()
        .map(|s| {
            let cv = |f| {
                s.diagnostics
                    .family_cv_mae
                    .iter()
                    .find(|c| c.0 == f)
                    .map_or("-".into(), |c| format!("{:.4}", c.1))
            };
            let mut row = vec![
                s.signal.to_string(),
                s.family.to_string(),
                s.diagnostics.runs.to_string(),
                format!("{:.4}", s.diagnostics.rmse),
            ];
            row.extend(Family::CANDIDATES.map(cv));
            row.extend([
                format!("{:.3}", s.params.alpha),
                format!("{:.3}", s.params.qmax),
                s.diagnostics.termination.clone(),
            ]);
            row
        })
        .collect();
    // one cross-validation column per candidate family
    let cv_heads = Family::CANDIDATES.map(|f| format!("cv {f}"));
    let mut heads: Vec<&str> = vec!["signal", "family", "runs", "rmse"];
    heads.extend(cv_heads.iter().map(String::as_str));
    heads.extend(["alpha", "qmax", "termination"]);
    render_table(&heads, &rows)
}
