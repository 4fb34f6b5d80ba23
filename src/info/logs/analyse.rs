//! The two passes over the log (per-item counts, per-annotator agreement) and the report.

use super::estimate::{ItemCounts, ItemStats, table_information};
use super::parse::{Labels, columns, open, parse_row, row_err};
use super::{
    AnnotatorReport, GoldReport, KAPPA_FLAG, LabelSpace, LogOptions, LogReport, SecondsReport,
};
use crate::error::{Error, Result};
use crate::info::estimators::plugin_entropy_u64;
use crate::scenario::MAX_CLASSES;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

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
