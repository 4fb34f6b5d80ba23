//! `labelbudget info`: bits per annotation for a scenario, or measured from an annotation log.

use anyhow::{Context, Result, bail};
use clap::Args as ClapArgs;
use labelbudget::cost::Costs;
use labelbudget::info::estimators::Correction;
use labelbudget::info::logs::{self, LabelSpace, LogOptions, LogReport};
use labelbudget::info::{self, DEFAULT_DELTA, DEFAULT_SOFT_LEVELS, Settings, SignalInfo};
use labelbudget::io::{Format, render_table, write_atomic};
use labelbudget::scenario::{Latent, Scenario};
use std::path::PathBuf;

/// Bits carried by one annotation of each signal, and the annotations and cost a learner needs
///
/// Scenario mode (default): for C classes, latent dimension d, D features and an annotator error
/// rate (or temperature), prints one row per signal: the mutual information in bits between one
/// annotation and the items' latent positions (seeded Monte Carlo in the simulator's own world,
/// with its standard error), a closed form or bound to compare with, the bits a learner needs
/// (P_eff log2(1/delta), P_eff = rep_dims x features) and the resulting lower bound on annotations;
/// with --costs, bits per unit cost and the lower-bound cost.
///
/// Log mode (--annotations log.csv): measures, from a real annotation log with columns
/// item,annotator,label[,seconds][,gold], how much one label tells about its item: H(label), the
/// plug-in and bias-corrected I(label; item) with a bootstrap interval over items, I(label; gold)
/// and accuracy, bits per second of annotator time, and a per-annotator table that flags
/// annotators carrying little information.
///
/// Examples:
///   labelbudget info --classes 10 --dims 16 --features 64 --noise 0.2
///   labelbudget info --classes 100 --dims 64 --features 256 --noise 0.1 --costs costs.toml --format json
///   labelbudget info --annotations examples/info/annotations_synthetic.csv --classes 10
#[derive(Debug, ClapArgs)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Analyse this annotation log (CSV: item,annotator,label[,seconds][,gold]) instead of a scenario.
    #[arg(long, value_name = "LOG.csv")]
    pub annotations: Option<PathBuf>,

    /// Read the world from a planning scenario file (its [dataset]: the file `plan --scenario`
    /// reads); flags given override it.
    #[arg(long, value_name = "FILE.toml", conflicts_with = "annotations")]
    pub scenario: Option<PathBuf>,

    /// C, number of classes, 2 to 10000 [default: 10]. In log mode: labels must be the integers
    /// 0..C-1, and a log may hold at most 10000 distinct labels.
    #[arg(long, allow_negative_numbers = true)]
    pub classes: Option<usize>,

    /// In log mode, the declared label names (comma-separated); any other label is an error.
    #[arg(
        long,
        value_delimiter = ',',
        conflicts_with = "classes",
        requires = "annotations"
    )]
    pub labels: Option<Vec<String>>,

    /// d, latent dimension [default: 16].
    #[arg(long, allow_negative_numbers = true)]
    pub dims: Option<usize>,

    /// D, observed feature dimension, >= d [default: 64].
    #[arg(long, allow_negative_numbers = true)]
    pub features: Option<usize>,

    /// r, dimension of the learned representation [default: d].
    #[arg(long, allow_negative_numbers = true)]
    pub rep_dims: Option<usize>,

    /// A single annotator's hard-label error rate e, in [0, 1 - 1/C) [default: 0.2].
    #[arg(long, allow_negative_numbers = true)]
    pub noise: Option<f64>,

    /// Annotator temperature tau instead of an error rate (0 = noiseless).
    #[arg(long, conflicts_with = "noise", allow_negative_numbers = true)]
    pub temperature: Option<f64>,

    /// K annotators pooled into one soft label, at most 10000; 0 = an elicited soft label
    /// quantised to --levels.
    #[arg(long, allow_negative_numbers = true)]
    pub soft_annotators: Option<usize>,

    /// q, levels per class of an elicited soft label (probabilities in steps of 1/(q-1)).
    #[arg(long, default_value_t = DEFAULT_SOFT_LEVELS, allow_negative_numbers = true)]
    pub levels: usize,

    /// Latent distribution: gaussian or clustered [default: gaussian].
    #[arg(long)]
    pub latent: Option<Latent>,

    /// Precision delta in bits needed = P_eff log2(1/delta).
    #[arg(long, default_value_t = DEFAULT_DELTA, allow_negative_numbers = true)]
    pub delta: f64,

    /// Monte Carlo draws per world: 0 = automatic, else 100 to 10000000.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub samples: usize,

    /// Cost file (TOML) for bits per unit cost and lower-bound costs.
    #[arg(long, value_name = "costs.toml")]
    pub costs: Option<PathBuf>,

    /// Log mode: correction of the per-item entropies.
    #[arg(long, value_enum, default_value = "mixture", requires = "annotations")]
    pub correction: CorrectionArg,

    /// Log mode: bootstrap replicates of the interval (0 = none).
    #[arg(long, default_value_t = logs::DEFAULT_BOOTSTRAP, allow_negative_numbers = true)]
    pub bootstrap: usize,

    /// Seed of the Monte Carlo draws and the bootstrap.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub seed: u64,

    /// Output format: table, json or csv.
    #[arg(long, default_value = "table")]
    pub format: Format,

    /// Write the output to this file (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// Per-item entropy corrections for logs.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CorrectionArg {
    Plugin,
    MillerMadow,
    Jackknife,
    Zhang,
    Polynomial,
    Dirichlet,
    Mixture,
}

impl From<CorrectionArg> for Correction {
    fn from(c: CorrectionArg) -> Self {
        match c {
            CorrectionArg::Plugin => Correction::Plugin,
            CorrectionArg::MillerMadow => Correction::MillerMadow,
            CorrectionArg::Jackknife => Correction::Jackknife,
            CorrectionArg::Zhang => Correction::Zhang,
            CorrectionArg::Polynomial => Correction::Polynomial,
            CorrectionArg::Dirichlet => Correction::Dirichlet,
            CorrectionArg::Mixture => Correction::Mixture,
        }
    }
}

pub fn run(args: Args) -> Result<()> {
    let text = match &args.annotations {
        Some(path) => log_mode(&args, path)?,
        None => scenario_mode(&args)?,
    };
    match &args.out {
        Some(path) => write_atomic(path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(())
}

fn scenario_of(args: &Args) -> Result<Scenario> {
    // the planning scenario file `plan --scenario` reads: its [dataset] is the world
    let mut sc = match &args.scenario {
        Some(p) => labelbudget::plan::PlanScenario::from_file(p)?.dataset,
        None => Scenario::default(),
    };
    if let Some(v) = args.classes {
        sc.classes = v;
    }
    if let Some(v) = args.dims {
        sc.dims = v;
        if args.features.is_none() && args.scenario.is_none() {
            sc.features = sc.features.max(v);
        }
    }
    if let Some(v) = args.features {
        sc.features = v;
    }
    if args.rep_dims.is_some() {
        sc.rep_dims = args.rep_dims;
    }
    if let Some(v) = args.noise {
        sc.noise = v;
    }
    if let Some(v) = args.soft_annotators {
        sc.soft_annotators = v;
    }
    if let Some(v) = args.latent {
        sc.latent = v;
    }
    sc.validate().with_context(|| match &args.scenario {
        Some(p) => format!("invalid scenario ({} with the options given)", p.display()),
        None => "invalid scenario (from the options given)".to_string(),
    })?;
    Ok(sc)
}

fn fmt(v: f64, digits: usize) -> String {
    if v.is_infinite() {
        "inf".into()
    } else {
        format!("{v:.digits$}")
    }
}

fn fmt_count(v: f64) -> String {
    if v.is_finite() {
        format!("{:.0}", v.ceil())
    } else {
        "inf".into()
    }
}

fn scenario_mode(args: &Args) -> Result<String> {
    let sc = scenario_of(args)?;
    let costs = args
        .costs
        .as_ref()
        .map(|p| Costs::from_file(p).with_context(|| format!("reading costs {}", p.display())))
        .transpose()?;
    let settings = Settings {
        levels: args.levels,
        samples: args.samples,
        temperature: args.temperature,
        seed: args.seed,
        ..Settings::default()
    };
    let rows = info::analyse_scenario(&sc, &settings, costs.as_ref(), args.delta)
        .context("computing bits per annotation")?;
    let p_eff = info::p_eff(&sc);
    Ok(match args.format {
        Format::Json => {
            let out = serde_json::json!({
                "scenario": sc,
                "settings": settings,
                "p_eff": p_eff,
                "delta": args.delta,
                "unit": costs.as_ref().map(|c| c.unit.clone()),
                "signals": rows,
            });
            serde_json::to_string_pretty(&out)? + "\n"
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(scenario_header(costs.is_some()))?;
            for r in &rows {
                w.write_record(scenario_row(r, false))?;
            }
            String::from_utf8(w.into_inner()?)?
        }
        Format::Table => {
            let annotator = match args.temperature {
                Some(t) => format!("temperature {t}"),
                None => format!("error rate {}", sc.noise),
            };
            let mut s = format!(
                "C = {}, d = {}, D = {}, r = {}, {annotator}, K = {}, q = {}, {} latent\n\
                 P_eff = {p_eff}, bits needed = P_eff log2(1/{}) = {:.0}\n\n",
                sc.classes,
                sc.dims,
                sc.features,
                sc.rep(),
                sc.soft_annotators,
                args.levels,
                sc.latent.name(),
                args.delta,
                info::bits_needed(&sc, args.delta),
            );
            let table: Vec<Vec<String>> = rows.iter().map(|r| scenario_row(r, true)).collect();
            s.push_str(&render_table(&scenario_header(costs.is_some()), &table));
            if let Some(c) = &costs {
                s.push_str(&format!("\ncosts in {}\n", c.unit));
            }
            s.push_str("\nreference: ");
            let refs: Vec<String> = rows
                .iter()
                .map(|r| {
                    let v = if r.variant.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", r.variant)
                    };
                    format!("{}{v} = {}", r.signal, r.reference_kind)
                })
                .collect();
            s.push_str(&refs.join("; "));
            s.push('\n');
            s
        }
    })
}

fn scenario_header(costs: bool) -> Vec<&'static str> {
    let mut h = vec![
        "signal",
        "bits/annotation",
        "se",
        "reference",
        "lower-bound annotations",
    ];
    if costs {
        h.extend(["cost/annotation", "bits/cost", "lower-bound cost"]);
    }
    h
}

fn scenario_row(r: &SignalInfo, human: bool) -> Vec<String> {
    let name = if r.variant.is_empty() {
        r.signal.to_string()
    } else {
        format!("{} ({})", r.signal, r.variant)
    };
    let mut row = vec![
        name,
        fmt(r.bits.bits, 4),
        fmt(r.bits.se, 4),
        fmt(r.reference, 4),
        if human {
            fmt_count(r.lower_bound_annotations)
        } else {
            fmt(r.lower_bound_annotations, 1)
        },
    ];
    if let (Some(c), Some(b), Some(l)) =
        (r.cost_per_annotation, r.bits_per_cost, r.lower_bound_cost)
    {
        row.extend([fmt(c, 4), fmt(b, 2), fmt(l, 2)]);
    }
    row
}

fn log_mode(args: &Args, path: &std::path::Path) -> Result<String> {
    let labels = match (&args.labels, args.classes) {
        (Some(names), _) => {
            if names.is_empty() || names.iter().any(|n| n.trim().is_empty()) {
                bail!("--labels: give non-empty comma-separated label names");
            }
            LabelSpace::Names(names.iter().map(|n| n.trim().to_string()).collect())
        }
        (None, Some(c)) => {
            if !(2..=labelbudget::scenario::MAX_CLASSES).contains(&c) {
                bail!(
                    "--classes {c}: a log needs from 2 to {} classes",
                    labelbudget::scenario::MAX_CLASSES
                );
            }
            LabelSpace::Count(c)
        }
        (None, None) => LabelSpace::Discover,
    };
    let opts = LogOptions {
        labels,
        bootstrap: args.bootstrap,
        seed: args.seed,
        correction: args.correction.into(),
        ..LogOptions::default()
    };
    let report = logs::analyse_log(path, &opts).context("analysing the annotation log")?;
    for w in &report.warnings {
        eprintln!("warning: {}: {w}", path.display());
    }
    Ok(match args.format {
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Csv => {
            // one table only: the per-annotator one (and its low-information flags) is not in it
            let low = report
                .per_annotator
                .iter()
                .filter(|a| a.low_information)
                .count();
            eprintln!(
                "note: --format csv writes the summary only; the per-annotator table ({} \
                 annotators, {low} flagged as carrying little information) is in --format json",
                report.per_annotator.len()
            );
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(["metric", "value"])?;
            for (k, v) in summary(&report) {
                w.write_record([k, v])?;
            }
            String::from_utf8(w.into_inner()?)?
        }
        Format::Table => {
            let rows: Vec<Vec<String>> = summary(&report)
                .into_iter()
                .map(|(k, v)| vec![k, v])
                .collect();
            let mut s = render_table(&["metric", "value"], &rows);
            s.push('\n');
            s.push_str(&annotator_table(&report));
            s
        }
    })
}

fn summary(r: &LogReport) -> Vec<(String, String)> {
    let mut v = vec![
        ("annotations".to_string(), r.annotations.to_string()),
        ("items".into(), r.items.to_string()),
        (
            "items with >= 2 annotations".into(),
            r.items_used.to_string(),
        ),
        ("annotators".into(), r.annotators.to_string()),
        ("classes seen".into(), r.classes.to_string()),
        (
            "annotations per item".into(),
            fmt(r.annotations_per_item, 2),
        ),
        ("H(label) bits".into(), fmt(r.label_entropy, 4)),
        ("I(label; item) plug-in bits".into(), fmt(r.info_plugin, 4)),
        (
            format!("I(label; item) corrected bits ({})", r.correction),
            fmt(r.info_corrected, 4),
        ),
    ];
    if let Some((lo, hi)) = r.interval {
        v.push((
            format!("bootstrap interval over items ({:.0}%)", 100.0 * r.level),
            format!("{} to {}", fmt(lo, 4), fmt(hi, 4)),
        ));
    }
    if let Some(g) = &r.gold {
        v.push(("annotations with gold".into(), g.annotations.to_string()));
        v.push(("accuracy against gold".into(), fmt(g.accuracy, 4)));
        v.push(("I(label; gold) plug-in bits".into(), fmt(g.info_plugin, 4)));
        v.push((
            "I(label; gold) Miller-Madow bits".into(),
            fmt(g.info_corrected, 4),
        ));
    }
    if let Some(s) = &r.seconds {
        v.push(("mean seconds per annotation".into(), fmt(s.mean_seconds, 3)));
        v.push(("bits per second".into(), fmt(s.bits_per_second, 4)));
    }
    v
}

/// Most annotators to list in the human table (all are in JSON).
const ANNOTATOR_ROWS: usize = 20;

fn annotator_table(r: &LogReport) -> String {
    let mut list: Vec<_> = r.per_annotator.iter().collect();
    // flagged first, then by increasing kappa
    list.sort_by(|a, b| {
        b.low_information
            .cmp(&a.low_information)
            .then(a.kappa.unwrap_or(1.0).total_cmp(&b.kappa.unwrap_or(1.0)))
    });
    let opt = |v: Option<f64>| v.map_or("-".to_string(), |x| fmt(x, 3));
    let rows: Vec<Vec<String>> = list
        .iter()
        .take(ANNOTATOR_ROWS)
        .map(|a| {
            vec![
                a.annotator.clone(),
                a.annotations.to_string(),
                opt(a.agreement),
                opt(a.kappa),
                opt(a.bits),
                opt(a.accuracy),
                if a.low_information { "LOW INFO" } else { "" }.to_string(),
            ]
        })
        .collect();
    let mut s = String::from("annotators (agreement with the other annotators' majority)\n");
    s.push_str(&render_table(
        &[
            "annotator",
            "annotations",
            "agreement",
            "kappa",
            "bits",
            "accuracy",
            "flag",
        ],
        &rows,
    ));
    if list.len() > ANNOTATOR_ROWS {
        s.push_str(&format!(
            "({} more annotators; --format json lists all)\n",
            list.len() - ANNOTATOR_ROWS
        ));
    }
    s
}
