//! The arguments of `calibrate`, and the options only one mode reads.

use clap::{ArgGroup, Parser};
use labelbudget::calibrate::costs;
use labelbudget::io::Format;
use labelbudget::signal::Signal;
use labelbudget::surrogate::Metric;
use std::path::PathBuf;

/// Options that only the pilot mode reads (given with another mode they are an error, not ignored).
const PILOT_ONLY: [&str; 1] = ["floor"];
/// Options that only the features mode reads.
const FEATURES_ONLY: [&str; 11] = [
    "labels",
    "soft",
    "signals",
    "points",
    "n_min",
    "max_fraction",
    "fit_fraction",
    "test_fraction",
    "seeds",
    "rep",
    "curves",
];
impl Args {
    /// The prior a curve of `metric` is extrapolated with: `--prior`, else `sim` for the
    /// simulator's transfer metric and `real` for everything else.
    pub(crate) fn prior_for(&self, metric: Metric) -> &str {
        match (&self.prior, metric) {
            (Some(p), _) => p,
            (None, Metric::Transfer) => "sim",
            (None, _) => "real",
        }
    }
}

/// Options that only the annotations mode reads.
const ANNOTATIONS_ONLY: [&str; 2] = ["wage", "unit"];

/// Calibrate labelbudget on your own data: pilot points, features and labels, or annotation logs.
///
/// Three mutually exclusive modes:
///
/// --pilot FILE: learning-curve points you measured with your own model, CSV with columns
/// signal,n,quality (optional seed, a whole number >= 0; n a count in [1, 1e9]; quality any
/// metric in [0, 1]). Each signal's curve is extrapolated with a prior learned from 1,712 real
/// learning curves (--prior), with a 90% interval and a safe budget calibrated on datasets it
/// never saw; a pilot that cannot support a confident answer is warned about. Writes a model
/// file.
///
/// --features X --labels y [--soft P]: labelbudget measures the learning curves itself
/// (stratified subsamples on a log grid up to --max-fraction of the pool, --seeds seeds, a fixed
/// held-out split), as held-out accuracy of a linear probe (--metric accuracy) or as m-shot
/// transfer of the simulator's encoder to held-out classes (--metric transfer, all four
/// signals), then fits the curves as in pilot mode. .npy or CSV inputs. Writes a model file.
///
/// --annotations LOG: annotator seconds per annotation from a log with columns signal,seconds
/// (others ignored). Writes a cost file (median seconds; quartiles as comments).
///
/// Model files are read by `plan`, `predict`, `frontier` and `chart` with --model; cost files by
/// `plan` with --costs. Outputs are written atomically; runs are seeded and identical for any
/// thread count.
#[derive(Debug, Parser)]
#[command(
    group(ArgGroup::new("mode").required(true).args(["pilot", "features", "annotations"])),
    after_help = "Examples:\n  labelbudget calibrate --pilot pilot.csv --floor 0.1 --target 0.9 --out models/mine.toml\n  labelbudget calibrate --features examples/data/digits_features.csv --labels examples/data/digits_labels.csv --target 0.95 --out models/digits.toml\n  labelbudget calibrate --features x.npy --labels y.npy --soft p.npy --metric transfer --signals hard,soft,triplet,pair --out models/mine.toml\n  labelbudget calibrate --annotations log.csv --out costs.toml"
)]
pub struct Args {
    /// Pilot learning-curve points (CSV: signal,n,quality[,seed]; n a whole count).
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Pilot mode",
        conflicts_with_all = FEATURES_ONLY,
        conflicts_with_all = ANNOTATIONS_ONLY
    )]
    pub pilot: Option<PathBuf>,

    /// The metric's floor: its value with no annotations (chance accuracy, e.g. 0.1 for 10
    /// balanced classes). 0 pins the curve's start at 0.
    #[arg(
        long,
        default_value_t = 0.0,
        value_name = "Q",
        help_heading = "Pilot mode",
        allow_negative_numbers = true
    )]
    pub floor: f64,

    /// What a measured curve (--pilot or --features) is extrapolated with: `real`, a prior
    /// learned from 1,712 real learning curves of 106 datasets (LCDB 1.0,
    /// models/real-curves.toml, docs/real-curves.md); `sim`, the curve shapes of the simulation
    /// world (models/default.toml); or a prior file written by `labelbudget prior`. Default:
    /// `sim` for --metric transfer (the simulator's encoder, whose curves are the simulation's),
    /// `real` otherwise.
    #[arg(long, value_name = "real|sim|FILE")]
    pub prior: Option<String>,

    /// Features, items x D (.npy: 2-D float64, float32 or an integer type; or CSV).
    #[arg(
        long,
        value_name = "FILE",
        requires = "labels",
        help_heading = "Features mode",
        conflicts_with_all = PILOT_ONLY,
        conflicts_with_all = ANNOTATIONS_ONLY
    )]
    pub features: Option<PathBuf>,

    /// Integer class labels, one per item, at least 2 items per class (.npy: shape (n,) or
    /// (n, 1), an integer type or whole floats; or CSV).
    #[arg(
        long,
        value_name = "FILE",
        requires = "features",
        help_heading = "Features mode"
    )]
    pub labels: Option<PathBuf>,

    /// Soft labels, items x classes, entries in [0, 1], rows summing to 1 (.npy or CSV); enables the soft signal
    /// and answers triplets from them.
    #[arg(
        long,
        value_name = "FILE",
        requires = "features",
        help_heading = "Features mode"
    )]
    pub soft: Option<PathBuf>,

    /// Features mode: what to measure, accuracy (linear probe, hard/soft; the default) or
    /// transfer (the simulator's encoder, any signal). Pilot mode: what the pilot's quality is
    /// (accuracy, transfer or user, the default: a metric of your own), for the plan's tables
    /// and charts.
    #[arg(long, value_name = "METRIC", conflicts_with = "annotations")]
    pub metric: Option<Metric>,

    /// Signals to measure (default: hard, and soft when --soft is given).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LIST",
        help_heading = "Features mode"
    )]
    pub signals: Vec<Signal>,

    /// Counts on the log grid (2 to 1000; the data must hold that many distinct counts).
    #[arg(
        long,
        default_value_t = 8,
        value_name = "K",
        help_heading = "Features mode",
        allow_negative_numbers = true
    )]
    pub points: usize,

    /// Smallest count of the grid, >= 1 (default: max(2 C, 10)).
    #[arg(
        long,
        value_name = "N",
        help_heading = "Features mode",
        allow_negative_numbers = true
    )]
    pub n_min: Option<usize>,

    /// Largest count of the grid as a fraction of the training pool, in (0, 1].
    #[arg(
        long,
        default_value_t = 0.5,
        value_name = "F",
        help_heading = "Features mode",
        allow_negative_numbers = true
    )]
    pub max_fraction: f64,

    /// Fit only on grid points with n <= F x pool, F in (0, 1], and report how well the fit
    /// extrapolates to the rest (measured vs calibrated vs a plain power law; needs --target).
    #[arg(
        long,
        value_name = "F",
        requires = "target",
        help_heading = "Features mode",
        allow_negative_numbers = true
    )]
    pub fit_fraction: Option<f64>,

    /// Held-out share of every class, in (0, 1) (every class needs at least 2 items).
    #[arg(
        long,
        default_value_t = 0.2,
        value_name = "F",
        help_heading = "Features mode",
        allow_negative_numbers = true
    )]
    pub test_fraction: f64,

    /// Subsamples per count (1 to 1000).
    #[arg(
        long,
        default_value_t = 3,
        value_name = "K",
        help_heading = "Features mode",
        allow_negative_numbers = true
    )]
    pub seeds: usize,

    /// Encoder dimension r for --metric transfer, 1 to D (default: min(D, 16)).
    #[arg(
        long,
        value_name = "R",
        help_heading = "Features mode",
        allow_negative_numbers = true
    )]
    pub rep: Option<usize>,

    /// Also write the measured curve points (CSV: signal,n,seed,quality).
    #[arg(long, value_name = "FILE", help_heading = "Features mode")]
    pub curves: Option<PathBuf>,

    /// Annotation log (CSV with columns signal and seconds).
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Annotations mode",
        conflicts_with_all = PILOT_ONLY,
        conflicts_with_all = FEATURES_ONLY,
        conflicts_with_all = ["target", "replicates", "name", "pool"]
    )]
    pub annotations: Option<PathBuf>,

    /// Money per annotator hour, to price the measured seconds (0.001 to 1e7; each logged time
    /// must lie in 0.001 to 1e6 s, and the price per annotation in 1e-6 to 1e9).
    #[arg(long, default_value_t = costs::WAGE, value_name = "MONEY", help_heading = "Annotations mode", allow_negative_numbers = true)]
    pub wage: f64,

    /// Label of the money unit.
    #[arg(long, default_value = "USD", help_heading = "Annotations mode")]
    pub unit: String,

    /// Output file: a model (TOML) for --pilot and --features, a cost file for --annotations.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: PathBuf,

    /// The dataset's name, kept in the model: `plan --model` titles its table and chart with it
    /// (default: the model file's name).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Items available to label, kept in the model: `plan --model` buys at most one hard and one
    /// soft label per item (default: the training pool in features mode, unknown with --pilot;
    /// a pilot count above it is an error).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub pool: Option<u64>,

    /// A quality to reach: the report says how many annotations it needs.
    #[arg(long, value_name = "Q", allow_negative_numbers = true)]
    pub target: Option<f64>,

    /// Randomised refits for the interval (2 to 100000).
    #[arg(
        long,
        default_value_t = 200,
        value_name = "K",
        allow_negative_numbers = true
    )]
    pub replicates: usize,

    /// Master seed.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub seed: u64,

    /// Report format: table or json.
    #[arg(long, default_value = "table", value_name = "FORMAT")]
    pub format: Format,

    /// Worker threads, 1 to 1024; 0 or absent = all cores (or RAYON_NUM_THREADS).
    #[arg(long, value_name = "N", value_parser = crate::commands::simulate::threads_parser(), allow_negative_numbers = true)]
    pub threads: Option<usize>,
}
