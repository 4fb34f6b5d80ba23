//! `labelbudget scenario`: estimate the planning scenario from a team's own data.

use anyhow::{Context, Result};
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use labelbudget::cost::Costs;
use labelbudget::estimate::load::{Paths, load};
use labelbudget::estimate::sensitivity::{Sensitivity, sensitivity};
use labelbudget::estimate::{self, Options, ScenarioEstimate};
use labelbudget::io::{Format, check_writable, render_table, write_atomic};
use labelbudget::plan::file::DEFAULT_TARGET;
use labelbudget::plan::{Objective, PlanScenario};
use labelbudget::surrogate::{Model, QualityModel, transfer};
use std::path::PathBuf;

/// Estimate the planning scenario (classes, latent dimension, features, nuisance, annotator
/// noise) from your own data, each value with an interval, and write it as a scenario file for
/// `plan --scenario`.
///
/// C is counted from the labels (or the soft labels' columns, or the log's labels); D is the
/// number of feature columns that vary; the latent dimension d is the size of the signal's level
/// in the features' spectrum (the largest gap between two levels of eigenvalues, with a
/// parametric-bootstrap interval), bounded below by the number of directions the labels
/// separate the classes along; the nuisance level is the ratio of the spectrum's two levels; the
/// annotator's error rate is read from how often two annotators of an item agree in the log
/// (mapped through the simulator's annotator), or from the soft labels. Where the data cannot
/// tell a value (isotropic features, a spectrum without two levels, no log), the interval says
/// so. Then it prints how the plan moves across the intervals: the plan at both ends of each,
/// the most consequential first. docs/scenario.md has the method and its validation.
#[derive(Debug, Parser)]
#[command(
    after_help = "Examples:\n  labelbudget scenario --features x.npy --labels y.npy --annotations log.csv --out scenario.toml\n  labelbudget scenario --features examples/data/digits_features.csv --labels examples/data/digits_labels.csv --target 0.9 --out digits.toml\n  labelbudget plan --model mine.toml --scenario scenario.toml"
)]
pub struct Args {
    /// Features, items x D (.npy: 2-D float64, float32 or an integer type; or CSV).
    #[arg(long, value_name = "FILE")]
    pub features: PathBuf,

    /// Integer class labels, one per item (.npy or CSV, as for `calibrate --features`).
    #[arg(long, value_name = "FILE")]
    pub labels: Option<PathBuf>,

    /// Soft labels, items x classes, rows summing to 1 (.npy or CSV): give the error rate
    /// (1 - mean largest entry) when no log is given, and the classes when no labels are.
    #[arg(long, value_name = "FILE")]
    pub soft: Option<PathBuf>,

    /// Annotation log (CSV: item,annotator,label[,seconds][,gold]); `item` is the 0-based row
    /// of the item in the features. Items with two or more labels give the error rate.
    #[arg(long, value_name = "FILE")]
    pub annotations: Option<PathBuf>,

    /// Where to write the scenario file (TOML, read by `plan --scenario`).
    #[arg(long, short = 'o', value_name = "PATH")]
    pub out: PathBuf,

    /// Items to label, the scenario's pool (default: the rows of the features; 0: as many as
    /// needed).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub items: Option<u64>,

    /// The scenario's name (default: the features file's name).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Quality the scenario file asks for (in the metric of the model planned with).
    #[arg(
        long,
        value_name = "Q",
        conflicts_with = "budget",
        allow_negative_numbers = true
    )]
    pub target: Option<f64>,

    /// Money the scenario file plans for, instead of a target.
    #[arg(long, value_name = "B", allow_negative_numbers = true)]
    pub budget: Option<f64>,

    /// Prices for the plans across the intervals (default: plan's default prices).
    #[arg(long, value_name = "FILE")]
    pub costs: Option<PathBuf>,

    /// Quality model for the plans across the intervals: a model from `fit` or `calibrate`
    /// (a calibrated hard-label model is completed for the other signals by transfer).
    /// Default: the embedded default model.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,

    /// Bootstrap replicates of the spectrum (each kind) and of the log, 10 to 10,000.
    #[arg(long, default_value_t = estimate::REPLICATES as u64, value_name = "K",
          allow_negative_numbers = true,
          value_parser = clap::value_parser!(u64).range(10..=10_000))]
    pub replicates: u64,

    /// Seed of the bootstrap draws.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub seed: u64,

    /// Coverage of the intervals, strictly between 0.5 and 1.
    #[arg(long, default_value_t = estimate::LEVEL, value_name = "P", allow_negative_numbers = true)]
    pub level: f64,

    /// Output format of the report: table or json.
    #[arg(long, default_value = "table", value_name = "FORMAT")]
    pub format: Format,
}

#[derive(serde::Serialize)]
struct Output<'a> {
    estimate: &'a ScenarioEstimate,
    sensitivity: &'a [Sensitivity],
    written: &'a std::path::Path,
}

pub fn run(args: Args) -> Result<()> {
    if args.format == Format::Csv {
        anyhow::bail!(
            "--format csv is not available for scenario (several tables); use table or json"
        );
    }
    if !(args.level > 0.5 && args.level < 1.0) {
        return Err(labelbudget::Error::invalid(
            "level",
            args.level,
            "a coverage in (0.5, 1), e.g. 0.9",
        )
        .into());
    }
    let objective = match (args.target, args.budget) {
        (Some(t), _) => Objective::Target(t),
        (None, Some(b)) => Objective::Budget(b),
        (None, None) => Objective::Target(DEFAULT_TARGET),
    };
    objective.validate()?;
    check_writable(&args.out).with_context(|| format!("cannot write {}", args.out.display()))?;
    let costs = match &args.costs {
        Some(p) => Costs::from_file(p)?,
        None => Costs::default(),
    };
    let model: Box<dyn QualityModel> = match &args.model {
        Some(p) => transfer::complete(Model::from_file(p)?)?.0,
        None => Box::new(Model::embedded_default()),
    };
    if let (None, Some(t)) = (&args.model, args.target) {
        // the scenario file keeps the number; only these plans read it as CKA
        eprintln!(
            "note: the plans across the intervals below read --target {t} as linear CKA, the \
             default model's metric; give --model (e.g. from `calibrate`) to plan in yours"
        );
    }
    let paths = Paths {
        features: args.features.clone(),
        labels: args.labels.clone(),
        soft: args.soft.clone(),
        annotations: args.annotations.clone(),
    };
    let loaded = load(&paths)?;
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"),
    );
    bar.set_message("estimating the scenario (bootstrap of the spectrum)");
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let opts = Options {
        replicates: args.replicates as usize,
        seed: args.seed,
        level: args.level,
    };
    let est = estimate::estimate(&loaded.data(), &opts).map_err(|e| e.in_file(&args.features))?;
    bar.finish_and_clear();
    let name = args.name.clone().unwrap_or_else(|| {
        args.features
            .file_stem()
            .map_or("my data".into(), |s| s.to_string_lossy().into_owned())
    });
    let sources = [
        Some(&args.features),
        args.labels.as_ref(),
        args.soft.as_ref(),
        args.annotations.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(|p| p.display().to_string())
    .collect::<Vec<_>>()
    .join(", ");
    let items = args.items.map_or(est.items, |n| n as usize);
    let text = est.plan_toml(&name, items, objective, &sources);
    // the file must read back as a planning scenario before it is written
    let base =
        PlanScenario::from_toml(&text).context("the estimated scenario does not parse back")?;
    let sens = sensitivity(&est, &base, &costs, model.as_ref());
    write_atomic(&args.out, text.as_bytes())?;
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&Output {
                estimate: &est,
                sensitivity: &sens,
                written: &args.out,
            })?
        ),
        Format::Table | Format::Csv => print!("{}", report(&est, &sens, model.metric().name())),
    }
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// The estimates, the notes and the plans across the intervals as text.
fn report(est: &ScenarioEstimate, sens: &[Sensitivity], metric: &str) -> String {
    let mut out = format!(
        "Scenario estimated from {} items ({:.0}% intervals):\n",
        est.items,
        100.0 * est.level
    );
    out.push_str(&render_table(
        &["key", "estimate", "interval", "from", "note"],
        &est.rows(),
    ));
    for n in &est.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    let Some(first) = sens.first() else {
        out.push_str("\nEvery value is exact: the plan does not depend on an estimate.\n");
        return out;
    };
    if first.cost_ratio.is_nan() {
        // no value of any parameter has a plan: the scenario itself is out of the model's reach
        let at = &first.plans[first.plans.len() / 2];
        out.push_str(&format!(
            "\nNo plan at the estimated scenario ({}): plan it with a model that covers it \
             (--model), or pass --extrapolate to `plan`.\n",
            at.recommended.trim_start_matches("no plan: ")
        ));
        return out;
    }
    out.push_str(&format!(
        "\nThe plan across the least certain value, {} (the plans at its interval's ends move the \
         recommended cost by {}; quality in {metric}):\n",
        first.key,
        ratio_text(first.cost_ratio)
    ));
    // an interval's end at the estimate is one row, not two
    let mut plans = first.plans.clone();
    plans.dedup_by(|b, a| a.value == b.value);
    let rows: Vec<Vec<String>> = plans
        .iter()
        .map(|p| {
            vec![
                format!("{}", (p.value * 1000.0).round() / 1000.0),
                p.recommended.clone(),
                p.cost.map_or("-".into(), |c| format!("{c:.2}")),
                p.safe
                    .as_ref()
                    .map_or("-".into(), |(a, b)| format!("{b:.2} ({a})")),
            ]
        })
        .collect();
    out.push_str(&render_table(
        &[first.key, "recommended", "cost", "safe budget"],
        &rows,
    ));
    for s in &sens[1..] {
        out.push_str(&format!(
            "{} across its interval moves the recommended cost by {}\n",
            s.key,
            ratio_text(s.cost_ratio)
        ));
    }
    out
}

fn ratio_text(r: f64) -> String {
    if r.is_nan() {
        "nothing: no value of it has a plan (see why in the rows)".into()
    } else if r.is_finite() {
        format!("a factor {r:.2}")
    } else {
        "from a plan to none".into()
    }
}
