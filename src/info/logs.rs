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

use super::estimators::{Correction, miller_madow_term, plugin_entropy, plugin_entropy_u64};
use crate::error::{Error, Result};
use crate::rng;
use crate::scenario::MAX_CLASSES;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

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

/// Column positions in the header.
#[derive(Debug, Clone, Copy)]
pub(super) struct Columns {
    item: usize,
    annotator: usize,
    label: usize,
    seconds: Option<usize>,
    gold: Option<usize>,
    width: usize,
}

pub(super) fn row_err(path: &Path, line: u64, message: impl Into<String>) -> Error {
    Error::Row {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

pub(super) fn open(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(file))
}

pub(super) fn columns(path: &Path, header: &csv::ByteRecord) -> Result<Columns> {
    let names: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, f)| {
            std::str::from_utf8(f)
                .map(|s| s.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
                .map_err(|_| {
                    row_err(
                        path,
                        1,
                        format!(
                            "header column {} is not UTF-8: {:?}",
                            i + 1,
                            String::from_utf8_lossy(f)
                        ),
                    )
                })
        })
        .collect::<Result<_>>()?;
    let find = |name: &str| names.iter().position(|n| n == name);
    let need = |name: &str| {
        find(name).ok_or_else(|| {
            Error::file(
                path,
                format!(
                    "missing column `{name}` (header has: {}; need item, annotator, label, \
                     optionally seconds and gold)",
                    names.join(", ")
                ),
            )
        })
    };
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(row_err(path, 1, format!("duplicate column `{n}`")));
        }
    }
    Ok(Columns {
        item: need("item")?,
        annotator: need("annotator")?,
        label: need("label")?,
        seconds: find("seconds"),
        gold: find("gold"),
        width: names.len(),
    })
}

/// Maps label bytes to class indices under a [`LabelSpace`].
pub(super) struct Labels {
    space: LabelSpace,
    index: HashMap<Vec<u8>, u32>,
    pub(super) names: Vec<String>,
}

impl Labels {
    pub(super) fn new(space: &LabelSpace) -> Labels {
        let mut l = Labels {
            space: space.clone(),
            index: HashMap::new(),
            names: Vec::new(),
        };
        let names: Vec<String> = match space {
            LabelSpace::Discover => Vec::new(),
            LabelSpace::Count(c) => (0..*c).map(|i| i.to_string()).collect(),
            LabelSpace::Names(n) => n.clone(),
        };
        for n in names {
            l.index.insert(n.as_bytes().to_vec(), l.names.len() as u32);
            l.names.push(n);
        }
        l
    }

    /// The class index of `raw`, or a message saying why it is not a class.
    fn get(&mut self, raw: &[u8]) -> std::result::Result<u32, String> {
        let s = std::str::from_utf8(raw)
            .map_err(|_| format!("not UTF-8: {:?}", String::from_utf8_lossy(raw)))?
            .trim();
        if s.is_empty() {
            return Err("empty".into());
        }
        if let Some(&i) = self.index.get(s.as_bytes()) {
            return Ok(i);
        }
        match &self.space {
            LabelSpace::Discover if self.names.len() >= MAX_CLASSES => Err(format!(
                "{s:?} would be distinct label number {}; a log may have at most {MAX_CLASSES} \
                 classes (the cap on `classes` everywhere)",
                MAX_CLASSES + 1
            )),
            LabelSpace::Discover => {
                let i = self.names.len() as u32;
                self.index.insert(s.as_bytes().to_vec(), i);
                self.names.push(s.to_string());
                Ok(i)
            }
            LabelSpace::Count(c) => Err(format!(
                "{s:?} is not one of the declared classes 0..{} (--classes {c})",
                c - 1
            )),
            LabelSpace::Names(n) => Err(format!(
                "{s:?} is not one of the declared labels ({})",
                if n.len() <= 12 {
                    n.join(", ")
                } else {
                    format!("{} labels", n.len())
                }
            )),
        }
    }
}

/// One item's label counts, sparse.
#[derive(Debug, Default, Clone)]
struct ItemCounts {
    labels: Vec<(u32, u32)>,
    total: u32,
}

impl ItemCounts {
    fn add(&mut self, label: u32) {
        self.total += 1;
        match self.labels.iter_mut().find(|(l, _)| *l == label) {
            Some((_, c)) => *c += 1,
            None => self.labels.push((label, 1)),
        }
    }
    fn counts(&self) -> Vec<u32> {
        self.labels.iter().map(|&(_, c)| c).collect()
    }
    /// Majority label among the other annotations once one `label` is removed (None on a tie or
    /// when no other annotation exists).
    fn majority_without(&self, label: u32) -> Option<u32> {
        let mut best: Option<(u32, u32)> = None;
        let mut tie = false;
        for &(l, c) in &self.labels {
            let c = if l == label { c - 1 } else { c };
            if c == 0 {
                continue;
            }
            match best {
                Some((_, bc)) if c < bc => {}
                Some((_, bc)) if c == bc => tie = true,
                _ => {
                    best = Some((l, c));
                    tie = false;
                }
            }
        }
        if tie { None } else { best.map(|(l, _)| l) }
    }
}

/// A validated row.
pub(super) struct Row<'a> {
    pub(super) item: &'a [u8],
    annotator: &'a [u8],
    pub(super) label: u32,
    seconds: Option<f64>,
    gold: Option<u32>,
}

fn field<'a>(
    path: &Path,
    line: u64,
    rec: &'a csv::ByteRecord,
    i: usize,
    name: &str,
) -> Result<&'a [u8]> {
    let raw = rec.get(i).unwrap_or(b"");
    let s = std::str::from_utf8(raw).map_err(|_| {
        row_err(
            path,
            line,
            format!(
                "column `{name}` is not UTF-8: {:?}",
                String::from_utf8_lossy(raw)
            ),
        )
    })?;
    Ok(s.trim().as_bytes())
}

pub(super) fn parse_row<'a>(
    path: &Path,
    cols: &Columns,
    labels: &mut Labels,
    rec: &'a csv::ByteRecord,
) -> Result<Row<'a>> {
    let line = rec.position().map_or(0, |p| p.line());
    if rec.len() != cols.width {
        return Err(row_err(
            path,
            line,
            format!(
                "ragged row: {} fields where the header has {}",
                rec.len(),
                cols.width
            ),
        ));
    }
    let item = field(path, line, rec, cols.item, "item")?;
    let annotator = field(path, line, rec, cols.annotator, "annotator")?;
    for (v, name) in [(item, "item"), (annotator, "annotator")] {
        if v.is_empty() {
            return Err(row_err(path, line, format!("empty `{name}`")));
        }
    }
    let label = labels
        .get(rec.get(cols.label).unwrap_or(b""))
        .map_err(|m| row_err(path, line, format!("label {m}")))?;
    let seconds = match cols.seconds {
        None => None,
        Some(i) => {
            let raw = field(path, line, rec, i, "seconds")?;
            if raw.is_empty() {
                None
            } else {
                let s = std::str::from_utf8(raw).unwrap_or("");
                match s.parse::<f64>() {
                    Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
                    _ => {
                        return Err(row_err(
                            path,
                            line,
                            format!("seconds {s:?} is not a finite number >= 0"),
                        ));
                    }
                }
            }
        }
    };
    let gold = match cols.gold {
        None => None,
        Some(i) => {
            let raw = rec.get(i).unwrap_or(b"");
            if raw.iter().all(u8::is_ascii_whitespace) {
                None
            } else {
                Some(
                    labels
                        .get(raw)
                        .map_err(|m| row_err(path, line, format!("gold {m}")))?,
                )
            }
        }
    };
    Ok(Row {
        item,
        annotator,
        label,
        seconds,
        gold,
    })
}

/// Interning of byte-string ids.
#[derive(Default)]
struct Ids {
    index: HashMap<Box<[u8]>, u32>,
    names: Vec<Box<[u8]>>,
}

impl Ids {
    fn id(&mut self, key: &[u8]) -> u32 {
        if let Some(&i) = self.index.get(key) {
            return i;
        }
        let i = self.names.len() as u32;
        self.index.insert(key.into(), i);
        self.names.push(key.into());
        i
    }
    fn get(&self, key: &[u8]) -> Option<u32> {
        self.index.get(key).copied()
    }
}

/// Per-annotator accumulators.
#[derive(Default, Clone)]
struct AnnotatorAcc {
    annotations: u64,
    agree: u64,
    joint: BTreeMap<(u32, u32), u32>,
    gold_seen: u64,
    gold_right: u64,
}

/// Analyse the annotation log at `path`.
///
/// # Errors
/// An unreadable or empty file, a missing column, a ragged or non-UTF-8 row, a label outside the
/// declared classes, a bad `seconds` value (each naming the line and value), or a log where no item
/// has two annotations.
pub fn analyse_log(path: &Path, opts: &LogOptions) -> Result<LogReport> {
    if !(opts.level > 0.0 && opts.level < 1.0) {
        return Err(Error::invalid("level", opts.level, "a number in (0, 1)"));
    }
    match &opts.labels {
        LabelSpace::Count(c) if !(2..=MAX_CLASSES).contains(c) => {
            return Err(Error::invalid(
                "classes",
                c,
                format!("an integer from 2 to {MAX_CLASSES}"),
            ));
        }
        LabelSpace::Names(n) if n.len() > MAX_CLASSES => {
            return Err(Error::invalid(
                "labels",
                format!("{} names", n.len()),
                format!("at most {MAX_CLASSES} label names"),
            ));
        }
        LabelSpace::Names(n) if n.len() < 2 => {
            return Err(Error::invalid(
                "labels",
                n.join(","),
                "at least two label names",
            ));
        }
        _ => {}
    }
    let mut labels = Labels::new(&opts.labels);
    let mut items = Ids::default();
    let mut item_counts: Vec<ItemCounts> = Vec::new();
    let mut annotators = Ids::default();
    let mut gold_joint: BTreeMap<(u32, u32), u64> = BTreeMap::new();
    let (mut gold_rows, mut gold_right) = (0u64, 0u64);
    let (mut timed, mut total_seconds) = (0u64, 0.0f64);
    let mut rows = 0u64;

    // pass 1: per-item counts
    let mut rdr = open(path)?;
    let mut rec = csv::ByteRecord::new();
    let read = |rdr: &mut csv::Reader<std::fs::File>, rec: &mut csv::ByteRecord| {
        rdr.read_byte_record(rec).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            row_err(path, line, e.to_string())
        })
    };
    if !read(&mut rdr, &mut rec)? {
        return Err(Error::file(
            path,
            "empty file: expected a header `item,annotator,label[,seconds][,gold]`",
        ));
    }
    let cols = columns(path, &rec)?;
    while read(&mut rdr, &mut rec)? {
        let row = parse_row(path, &cols, &mut labels, &rec)?;
        rows += 1;
        let i = items.id(row.item) as usize;
        if i == item_counts.len() {
            item_counts.push(ItemCounts::default());
        }
        item_counts[i].add(row.label);
        annotators.id(row.annotator);
        if let Some(s) = row.seconds {
            timed += 1;
            total_seconds += s;
        }
        if let Some(g) = row.gold {
            gold_rows += 1;
            gold_right += u64::from(g == row.label);
            *gold_joint.entry((row.label, g)).or_insert(0) += 1;
        }
    }
    if rows == 0 {
        return Err(Error::file(
            path,
            "no annotations: the file has a header but no rows",
        ));
    }

    // pass 2: per-annotator agreement with the other annotators' majority
    let mut acc = vec![AnnotatorAcc::default(); annotators.names.len()];
    let mut rdr = open(path)?;
    read(&mut rdr, &mut rec)?;
    while read(&mut rdr, &mut rec)? {
        let row = parse_row(path, &cols, &mut labels, &rec)?;
        let (Some(i), Some(a)) = (items.get(row.item), annotators.get(row.annotator)) else {
            return Err(row_err(
                path,
                rec.position().map_or(0, |p| p.line()),
                "the file changed while it was being read",
            ));
        };
        let a = &mut acc[a as usize];
        a.annotations += 1;
        if let Some(m) = item_counts[i as usize].majority_without(row.label) {
            a.agree += u64::from(m == row.label);
            *a.joint.entry((row.label, m)).or_insert(0) += 1;
        }
        if let Some(g) = row.gold {
            a.gold_seen += 1;
            a.gold_right += u64::from(g == row.label);
        }
    }

    let mut warnings = Vec::new();
    let used: Vec<&ItemCounts> = item_counts.iter().filter(|c| c.total >= 2).collect();
    let singles = item_counts.len() - used.len();
    if singles > 0 {
        warnings.push(format!(
            "{singles} item(s) have a single annotation: kept out of H(label | item) \
             (a lone label says nothing about agreement)"
        ));
    }
    if used.is_empty() {
        return Err(Error::file(
            path,
            "no item has two or more annotations: I(label; item) cannot be estimated",
        ));
    }
    let classes = labels.names.len();
    let stats = ItemStats::new(&used, classes, opts.correction);
    let (info_plugin, info_corrected) = stats.estimate();
    let interval = (opts.bootstrap > 0).then(|| stats.bootstrap(opts));

    let mut all_counts = vec![0u64; classes];
    for c in &item_counts {
        for &(l, n) in &c.labels {
            all_counts[l as usize] += u64::from(n);
        }
    }
    let label_entropy = plugin_entropy_u64(&all_counts);

    let gold = (gold_rows > 0).then(|| {
        let (plugin, corrected) = table_information(&gold_joint);
        GoldReport {
            annotations: gold_rows,
            accuracy: gold_right as f64 / gold_rows as f64,
            info_plugin: plugin,
            info_corrected: corrected,
        }
    });
    let seconds = (timed > 0).then(|| {
        let mean = total_seconds / timed as f64;
        SecondsReport {
            annotations: timed,
            total_seconds,
            mean_seconds: mean,
            bits_per_second: if mean > 0.0 {
                info_corrected / mean
            } else {
                f64::INFINITY
            },
        }
    });
    if timed > 0 && timed < rows {
        warnings.push(format!(
            "{} row(s) have no `seconds`; time per annotation is averaged over the {timed} that do",
            rows - timed
        ));
    }

    let per_annotator: Vec<AnnotatorReport> = annotators
        .names
        .iter()
        .zip(&acc)
        .map(|(name, a)| annotator_report(name, a))
        .collect();
    let flagged = per_annotator.iter().filter(|a| a.low_information).count();
    if flagged > 0 {
        warnings.push(format!(
            "{flagged} annotator(s) flagged: agreement with the other annotators barely above \
             chance (kappa < {KAPPA_FLAG})"
        ));
    }

    Ok(LogReport {
        path: path.to_path_buf(),
        annotations: rows,
        items: item_counts.len() as u64,
        items_used: used.len() as u64,
        single_annotation_items: singles as u64,
        annotators: annotators.names.len() as u64,
        classes: classes as u64,
        annotations_per_item: rows as f64 / item_counts.len() as f64,
        label_entropy,
        info_plugin,
        info_corrected,
        correction: opts.correction.name().into(),
        interval,
        level: opts.level,
        gold,
        seconds,
        per_annotator,
        warnings,
    })
}

/// Plug-in and Miller-Madow-corrected I(a; b) from a sparse joint count table.
fn table_information(joint: &BTreeMap<(u32, u32), u64>) -> (f64, f64) {
    let mut ma: BTreeMap<u32, u64> = BTreeMap::new();
    let mut mb: BTreeMap<u32, u64> = BTreeMap::new();
    for (&(a, b), &n) in joint {
        *ma.entry(a).or_insert(0) += n;
        *mb.entry(b).or_insert(0) += n;
    }
    let n: u64 = joint.values().sum();
    let h = |v: Vec<u64>| plugin_entropy_u64(&v);
    let (ha, hb, hab) = (
        h(ma.values().copied().collect()),
        h(mb.values().copied().collect()),
        h(joint.values().copied().collect()),
    );
    let plugin = ha + hb - hab;
    let nf = n as f64;
    // Miller-Madow on each entropy: I_MM = I + [(ma-1) + (mb-1) - (mab-1)] / (2 n ln 2)
    let corrected = plugin + miller_madow_term(ma.len(), nf) + miller_madow_term(mb.len(), nf)
        - miller_madow_term(joint.len(), nf);
    (plugin, corrected)
}

fn annotator_report(name: &[u8], a: &AnnotatorAcc) -> AnnotatorReport {
    let compared: u64 = a.joint.values().map(|&v| u64::from(v)).sum();
    let (agreement, kappa, bits) = if compared > 0 {
        let n = compared as f64;
        let po = a.agree as f64 / n;
        let mut own: BTreeMap<u32, f64> = BTreeMap::new();
        let mut maj: BTreeMap<u32, f64> = BTreeMap::new();
        for (&(l, m), &v) in &a.joint {
            *own.entry(l).or_insert(0.0) += f64::from(v) / n;
            *maj.entry(m).or_insert(0.0) += f64::from(v) / n;
        }
        let pe: f64 = own
            .iter()
            .map(|(l, p)| p * maj.get(l).unwrap_or(&0.0))
            .sum();
        let kappa = if pe < 1.0 {
            (po - pe) / (1.0 - pe)
        } else {
            0.0
        };
        let joint: BTreeMap<(u32, u32), u64> =
            a.joint.iter().map(|(&k, &v)| (k, u64::from(v))).collect();
        (
            Some(po),
            Some(kappa),
            Some(table_information(&joint).1.max(0.0)),
        )
    } else {
        (None, None, None)
    };
    AnnotatorReport {
        annotator: String::from_utf8_lossy(name).into_owned(),
        annotations: a.annotations,
        compared,
        agreement,
        kappa,
        bits,
        accuracy: (a.gold_seen > 0).then(|| a.gold_right as f64 / a.gold_seen as f64),
        low_information: kappa.is_some_and(|k| k < KAPPA_FLAG),
    }
}

/// Summaries of the distinct count patterns (an item's sorted label counts): every estimate
/// depends on an item only through its pattern, and logs with few annotations per item have few
/// patterns, which makes the estimate and its bootstrap cheap.
struct ItemStats {
    classes: usize,
    /// Per pattern: its label counts, annotations n, n H_plugin, n H_corrected, and item count.
    patterns: Vec<Pattern>,
    items: usize,
}

struct Pattern {
    labels: Vec<(u32, u32)>,
    n: f64,
    h_plugin: f64,
    h_corrected: f64,
    items: u64,
}

impl ItemStats {
    fn new(items: &[&ItemCounts], classes: usize, correction: Correction) -> Self {
        let bayes = matches!(correction, Correction::Dirichlet | Correction::Mixture).then(|| {
            let mut marginal = vec![0.0; classes];
            for c in items {
                for &(l, n) in &c.labels {
                    marginal[l as usize] += f64::from(n);
                }
            }
            let total: f64 = marginal.iter().sum();
            marginal.iter_mut().for_each(|v| *v /= total);
            let labels: Vec<&[(u32, u32)]> = items.iter().map(|c| c.labels.as_slice()).collect();
            if correction == Correction::Mixture {
                super::estimators::dirichlet_mixture_entropies(&labels, &marginal)
            } else {
                super::estimators::dirichlet_posterior_entropies(&labels, &marginal).1
            }
        });
        let poly = super::estimators::PolynomialEntropy::default();
        let mut index: HashMap<Vec<(u32, u32)>, usize> = HashMap::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        for (i, c) in items.iter().enumerate() {
            let mut key = c.labels.clone();
            key.sort_unstable();
            if let Some(&p) = index.get(&key) {
                patterns[p].items += 1;
                continue;
            }
            let counts = c.counts();
            let n = f64::from(c.total);
            let corrected = match (&bayes, correction) {
                (Some(h), _) => h[i],
                (None, Correction::Polynomial) => poly.entropy(&counts),
                (None, _) => correction.entropy(&counts),
            };
            index.insert(key.clone(), patterns.len());
            patterns.push(Pattern {
                labels: key,
                n,
                h_plugin: n * plugin_entropy(&counts),
                h_corrected: n * corrected,
                items: 1,
            });
        }
        ItemStats {
            classes,
            patterns,
            items: items.len(),
        }
    }

    /// (plug-in, corrected) I(label; item) with each pattern counted `weight(p)` times.
    fn estimate_weighted(&self, weight: impl Fn(usize) -> f64) -> (f64, f64) {
        let mut marginal = vec![0u64; self.classes];
        let (mut n, mut hp, mut hc) = (0.0, 0.0, 0.0);
        for (i, p) in self.patterns.iter().enumerate() {
            let w = weight(i);
            if w == 0.0 {
                continue;
            }
            for &(l, c) in &p.labels {
                marginal[l as usize] += (w as u64) * u64::from(c);
            }
            n += w * p.n;
            hp += w * p.h_plugin;
            hc += w * p.h_corrected;
        }
        let h = plugin_entropy_u64(&marginal);
        let bins = marginal.iter().filter(|&&c| c > 0).count();
        (h - hp / n, h + miller_madow_term(bins, n) - hc / n)
    }

    /// (plug-in, corrected) I(label; item) over all items.
    fn estimate(&self) -> (f64, f64) {
        self.estimate_weighted(|i| self.patterns[i].items as f64)
    }

    /// Percentile bootstrap interval of the corrected estimate, resampling items with
    /// replacement: the number of resampled items of each pattern is multinomial, drawn as a
    /// chain of binomials.
    fn bootstrap(&self, opts: &LogOptions) -> (f64, f64) {
        use rand_distr::{Binomial, Distribution};
        let mut rng = rng::stream(opts.seed, &[rng::hash_str("info-log-bootstrap")]);
        let mut draw = vec![0u64; self.patterns.len()];
        let mut reps: Vec<f64> = (0..opts.bootstrap)
            .map(|_| {
                let mut left = self.items as u64;
                let mut mass = self.items as f64;
                for (d, p) in draw.iter_mut().zip(&self.patterns) {
                    let q = (p.items as f64 / mass).min(1.0);
                    *d = if left == 0 {
                        0
                    } else if q >= 1.0 {
                        left
                    } else {
                        Binomial::new(left, q).map_or(0, |b| b.sample(&mut rng))
                    };
                    left -= *d;
                    mass -= p.items as f64;
                }
                self.estimate_weighted(|i| draw[i] as f64).1
            })
            .filter(|v| v.is_finite())
            .collect();
        if reps.is_empty() {
            return (f64::NAN, f64::NAN);
        }
        reps.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let pos = p * (reps.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            reps[lo] + (reps[hi] - reps[lo]) * (pos - lo as f64)
        };
        let tail = (1.0 - opts.level) / 2.0;
        (q(tail), q(1.0 - tail))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::info::synthetic::{SyntheticSpec, SyntheticTruth, write_synthetic_log};
    use crate::scenario::Scenario;

    fn write(dir: &tempfile::TempDir, name: &str, body: &[u8]) -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    fn err(body: &[u8], opts: &LogOptions) -> String {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "log.csv", body);
        analyse_log(&p, opts).unwrap_err().to_string()
    }

    fn synthetic(dir: &tempfile::TempDir, spec: &SyntheticSpec) -> (PathBuf, SyntheticTruth) {
        let p = dir
            .path()
            .join(format!("syn{}_{}.csv", spec.per_item, spec.spammers));
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        let truth = write_synthetic_log(spec, &mut f).unwrap();
        drop(f);
        (p, truth)
    }

    /// Issue 3, point 2: the simulator's own annotator, 2000 items, 5, 20 and 50 annotations each.
    /// At 5 per item the default (Dirichlet-mixture) estimate is 1.991 bits against a truth of
    /// 2.031 and the interval's upper end is 2.032: covered, but only just. The estimator's bias at
    /// 5 annotations per item (about -0.04 bits) is about the interval's half-width at 2000 items,
    /// so logs with many more items and 5 annotations each get intervals that miss the truth
    /// (docs/validation.md, "Bits from annotation logs").
    #[test]
    fn corrected_estimate_covers_the_truth_and_plugin_bias_shrinks() {
        let dir = tempfile::tempdir().unwrap();
        let mut last_bias = f64::INFINITY;
        for per_item in [5usize, 20, 50] {
            let spec = SyntheticSpec {
                scenario: Scenario::default(),
                items: 2000,
                per_item,
                annotators: 50,
                spammers: 0,
                seed: 1,
            };
            let (p, truth) = synthetic(&dir, &spec);
            let r = analyse_log(&p, &LogOptions::default()).unwrap();
            let (lo, hi) = r.interval.unwrap();
            let t = truth.population.bits;
            assert!(
                lo <= t && t <= hi,
                "{per_item}/item: truth {t} outside [{lo}, {hi}] (corrected {}, plug-in {})",
                r.info_corrected,
                r.info_plugin
            );
            let bias = r.info_plugin - truth.items_in_log;
            assert!(
                bias > 0.0 && bias < last_bias,
                "{per_item}/item: bias {bias}"
            );
            last_bias = bias;
            assert_eq!(r.annotations, (spec.items * per_item) as u64);
            assert!(r.gold.is_some() && r.seconds.is_some());
        }
    }

    #[test]
    fn random_annotators_are_flagged() {
        let dir = tempfile::tempdir().unwrap();
        let spec = SyntheticSpec {
            scenario: Scenario::default(),
            items: 1000,
            per_item: 10,
            annotators: 20,
            spammers: 3,
            seed: 2,
        };
        let (p, _) = synthetic(&dir, &spec);
        let r = analyse_log(&p, &LogOptions::default()).unwrap();
        assert_eq!(r.per_annotator.len(), 20);
        for a in &r.per_annotator {
            let spammer = a.annotator[1..].parse::<usize>().unwrap() < spec.spammers;
            assert_eq!(a.low_information, spammer, "{a:?}");
        }
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("3 annotator(s) flagged"))
        );
    }

    /// The accuracy table of docs/validation.md, "Bits from annotation logs":
    /// `cargo test --release --lib accuracy_table -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn accuracy_table() {
        let dir = tempfile::tempdir().unwrap();
        let corrections = [
            Correction::Plugin,
            Correction::MillerMadow,
            Correction::Jackknife,
            Correction::Zhang,
            Correction::Polynomial,
            Correction::Dirichlet,
            Correction::Mixture,
        ];
        println!(
            "| items | per item | random annotators | truth | {} | interval ({}) |",
            corrections.map(|c| c.name()).join(" | "),
            Correction::default().name()
        );
        for (items, spammers) in [(2000, 0), (8000, 0), (2000, 5), (8000, 5)] {
            for per_item in [5usize, 20, 50] {
                let spec = SyntheticSpec {
                    scenario: Scenario::default(),
                    items,
                    per_item,
                    annotators: 50,
                    spammers,
                    seed: 1,
                };
                let (p, truth) = synthetic(&dir, &spec);
                let cells: Vec<String> = corrections
                    .iter()
                    .map(|&c| {
                        let o = LogOptions {
                            correction: c,
                            bootstrap: 0,
                            ..LogOptions::default()
                        };
                        format!("{:.3}", analyse_log(&p, &o).unwrap().info_corrected)
                    })
                    .collect();
                let r = analyse_log(&p, &LogOptions::default()).unwrap();
                let (lo, hi) = r.interval.unwrap();
                println!(
                    "| {items} | {per_item} | {spammers}/50 | {:.3} | {} | [{lo:.3}, {hi:.3}] |",
                    truth.population.bits,
                    cells.join(" | ")
                );
            }
        }
    }

    #[test]
    fn small_log_counts_and_values() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "a.csv",
            b"item,annotator,label,gold\nx,a,cat,cat\nx,b,cat,cat\ny,a,dog,dog\ny,b,cat,dog\nz,a,dog,\n",
        );
        let r = analyse_log(&p, &LogOptions::default()).unwrap();
        assert_eq!((r.items, r.items_used, r.annotators), (3, 2, 2));
        assert_eq!(r.single_annotation_items, 1);
        assert!(r.warnings.iter().any(|w| w.contains("single annotation")));
        // used items: x = {cat, cat}, y = {dog, cat}; marginal over used = (3, 1)
        let want = plugin_entropy(&[3, 1]) - 0.5 * plugin_entropy(&[1, 1]);
        assert!((r.info_plugin - want).abs() < 1e-12);
        let g = r.gold.unwrap();
        assert_eq!(g.annotations, 4);
        assert!((g.accuracy - 0.75).abs() < 1e-12);
        assert!(r.seconds.is_none());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Whatever the bytes, the analysis returns a result or an error, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(
            body in proptest::collection::vec(
                proptest::sample::select(b"ab1 ,\n\"\xff\xc3\r".to_vec()), 0..200),
            header in proptest::sample::select(vec![
                "item,annotator,label\n",
                "item,annotator,label,seconds,gold\n",
                "",
            ]),
            classes in proptest::option::of(0usize..4),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let mut bytes = header.as_bytes().to_vec();
            bytes.extend(&body);
            let p = write(&dir, "fuzz.csv", &bytes);
            let opts = LogOptions {
                labels: classes.map_or(LabelSpace::Discover, LabelSpace::Count),
                bootstrap: 20,
                ..LogOptions::default()
            };
            let _ = analyse_log(&p, &opts);
        }
    }

    #[test]
    fn bad_input_names_line_and_value() {
        let o = LogOptions::default();
        let e = err(b"", &o);
        assert!(e.contains("empty file"), "{e}");
        let e = err(b"item,annotator\nx,a\n", &o);
        assert!(e.contains("missing column `label`"), "{e}");
        let e = err(b"item,annotator,label\n", &o);
        assert!(e.contains("no annotations"), "{e}");
        let e = err(b"item,annotator,label\nx,a,1\nx,b\n", &o);
        assert!(e.contains("line 3") && e.contains("ragged"), "{e}");
        let e = err(b"item,annotator,label\nx,a,1\nx,b,\xff\xfe\n", &o);
        assert!(e.contains("line 3") && e.contains("UTF-8"), "{e}");
        let counted = LogOptions {
            labels: LabelSpace::Count(3),
            ..LogOptions::default()
        };
        let e = err(b"item,annotator,label\nx,a,1\nx,b,7\n", &counted);
        assert!(e.contains("line 3") && e.contains("\"7\""), "{e}");
        let e = err(b"item,annotator,label,seconds\nx,a,1,2\nx,b,1,-3\n", &o);
        assert!(e.contains("line 3") && e.contains("-3"), "{e}");
        let e = err(b"item,annotator,label\nx,a,1\ny,b,1\n", &o);
        assert!(e.contains("no item has two"), "{e}");
        let e = err(b"item,annotator,label\nx,a,1\nx,,1\n", &o);
        assert!(e.contains("line 3") && e.contains("annotator"), "{e}");
        let e = err(b"item,annotator,label\n\"x,a,1\n", &o);
        assert!(e.contains("line"), "{e}");
    }
}
