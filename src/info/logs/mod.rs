//! Streaming analysis of a real annotation log: what one annotation tells about its item.
//!
//! Input: CSV with a header and one row per annotation. Columns (any order, names matched
//! case-insensitively): `item`, `annotator`, `label` (required), `seconds` (annotator time spent,
//! optional) and `gold` (a trusted label, optional; an empty cell means none).
//!
//! # Estimates
//! - H(label): entropy of all labels (plug-in; with many annotations its bias is negligible).
//! - I(label; item) = H(label) - sum_i (n_i / N) H(label | item i), over items with at least two
//!   annotations (an item annotated once says nothing about agreement; such items are counted and
//!   reported in a warning, not used), items weighted by their number of annotations (this is the
//!   plug-in I of the log's (label, item) table; with equal annotations per item it is the plain
//!   mean over items). The plug-in estimate uses plug-in entropies; the corrected estimate
//!   replaces H(label) with its Miller-Madow estimate and each item's H(label | item) with the
//!   chosen [`Correction`] (default: Dirichlet-mixture empirical Bayes, see
//!   [`super::estimators`]). The interval is a percentile bootstrap over items (items resampled
//!   with replacement with their annotations; the empirical-Bayes prior is fitted once, so the
//!   interval leaves out the prior's own uncertainty, and the model's residual bias, about 0.03
//!   bits at 5 annotations per item (docs/validation.md, "Bits from annotation logs"), is not in
//!   it either).
//! - I(label; gold) and accuracy, over rows with a gold label (plug-in and Miller-Madow on the
//!   label x gold table).
//! - Bits per second of annotator time: corrected I(label; item) / mean seconds per annotation.
//! - Per annotator: agreement with the majority of the *other* annotators of the same item (ties
//!   and items without other annotators skipped), Cohen's kappa of that agreement, the Miller-Madow corrected
//!   I(label; others' majority), and accuracy against gold. An annotator is flagged as carrying
//!   little information when kappa < [`KAPPA_FLAG`].
//!
//! # Streaming and memory
//! The file is read twice with `csv::ByteRecord` (no per-row allocation): once for per-item label
//! counts, once for per-annotator agreement. Memory is O(items + annotators + classes), never
//! O(rows).
//!
//! | file | what |
//! |------|------|
//! | `mod.rs` | the options and the report |
//! | `parse.rs` | the header, the rows and the label space |
//! | `analyse.rs` | the two passes over the file and the per-annotator rows |
//! | `estimate.rs` | per-item label counts and the I(label; item) estimate and its bootstrap |
//! | `tests.rs` | the tests |

mod analyse;
mod estimate;
mod parse;
#[cfg(test)]
mod tests;

pub use analyse::analyse_log;
pub(super) use parse::{Labels, columns, open, parse_row, row_err};

use super::estimators::Correction;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Kappa below which an annotator is flagged as carrying little information ("slight" agreement
/// in Landis and Koch's scale).
pub const KAPPA_FLAG: f64 = 0.2;
/// Default bootstrap replicates.
pub const DEFAULT_BOOTSTRAP: usize = 200;

/// Which labels are allowed.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum LabelSpace {
    /// Any label seen is a class.
    #[default]
    Discover,
    /// Labels are the integers 0..C.
    Count(usize),
    /// Labels are these names.
    Names(Vec<String>),
}

/// Options of [`analyse_log`].
#[derive(Debug, Clone, PartialEq)]
pub struct LogOptions {
    pub labels: LabelSpace,
    /// Bootstrap replicates for the interval (0 = no interval).
    pub bootstrap: usize,
    /// Coverage of the interval, e.g. 0.95.
    pub level: f64,
    pub seed: u64,
    pub correction: Correction,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            labels: LabelSpace::Discover,
            bootstrap: DEFAULT_BOOTSTRAP,
            level: 0.95,
            seed: 0,
            correction: Correction::default(),
        }
    }
}

/// Gold-label statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoldReport {
    pub annotations: u64,
    pub accuracy: f64,
    pub info_plugin: f64,
    pub info_corrected: f64,
}

/// Time statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecondsReport {
    pub annotations: u64,
    pub total_seconds: f64,
    pub mean_seconds: f64,
    /// Corrected I(label; item) per second of annotator time.
    pub bits_per_second: f64,
}

/// One annotator's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnotatorReport {
    pub annotator: String,
    pub annotations: u64,
    /// Annotations compared with a majority of other annotators.
    pub compared: u64,
    pub agreement: Option<f64>,
    pub kappa: Option<f64>,
    /// I(label; others' majority) in bits, Miller-Madow corrected (floored at 0).
    pub bits: Option<f64>,
    pub accuracy: Option<f64>,
    pub low_information: bool,
}

/// Everything [`analyse_log`] reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogReport {
    pub path: PathBuf,
    pub annotations: u64,
    pub items: u64,
    /// Items with at least two annotations (those used for I(label; item)).
    pub items_used: u64,
    pub single_annotation_items: u64,
    pub annotators: u64,
    pub classes: u64,
    pub annotations_per_item: f64,
    pub label_entropy: f64,
    pub info_plugin: f64,
    pub info_corrected: f64,
    pub correction: String,
    pub interval: Option<(f64, f64)>,
    pub level: f64,
    pub gold: Option<GoldReport>,
    pub seconds: Option<SecondsReport>,
    pub per_annotator: Vec<AnnotatorReport>,
    pub warnings: Vec<String>,
}
