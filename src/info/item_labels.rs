//! The label counts of every item of an annotation log, for estimating an annotator's error
//! rate (`estimate::noise`). Reads the log format of [`super::logs`] (`item,annotator,label`,
//! optional `seconds` and `gold`) with the same checks and messages, streaming, keeping one
//! sparse count vector per item.

use super::logs::{LabelSpace, Labels, columns, open, parse_row, row_err};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::Path;

/// Label counts per item, items in order of first appearance.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemLabels {
    /// Each item's id as written in the log, and the 1-based line it first appears on.
    pub items: Vec<(String, u64)>,
    /// Each item's (class index, count) pairs.
    pub counts: Vec<Vec<(u32, u32)>>,
    /// The label of each class index.
    pub classes: Vec<String>,
    pub annotations: u64,
}

impl ItemLabels {
    /// Annotations of item `i`.
    pub fn total(&self, i: usize) -> u32 {
        self.counts[i].iter().map(|c| c.1).sum()
    }
}

/// Read the label counts of every item of the log at `path`.
///
/// # Errors
/// As [`super::logs::analyse_log`]: an unreadable or empty file, a missing column, a ragged or
/// non-UTF-8 row or a label outside `labels`, each naming the line and value.
pub fn read(path: &Path, labels: &LabelSpace) -> Result<ItemLabels> {
    let mut space = Labels::new(labels);
    let mut rdr = open(path)?;
    let mut rec = csv::ByteRecord::new();
    let mut read = |rec: &mut csv::ByteRecord| {
        rdr.read_byte_record(rec).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            row_err(path, line, e.to_string())
        })
    };
    if !read(&mut rec)? {
        return Err(Error::file(
            path,
            "empty file: expected a header `item,annotator,label[,seconds][,gold]`",
        ));
    }
    let cols = columns(path, &rec)?;
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut out = ItemLabels {
        items: Vec::new(),
        counts: Vec::new(),
        classes: Vec::new(),
        annotations: 0,
    };
    while read(&mut rec)? {
        let line = rec.position().map_or(0, |p| p.line());
        let row = parse_row(path, &cols, &mut space, &rec)?;
        let i = *index.entry(row.item.to_vec()).or_insert_with(|| {
            out.items
                .push((String::from_utf8_lossy(row.item).into_owned(), line));
            out.counts.push(Vec::new());
            out.items.len() - 1
        });
        match out.counts[i].iter_mut().find(|c| c.0 == row.label) {
            Some(c) => c.1 += 1,
            None => out.counts[i].push((row.label, 1)),
        }
        out.annotations += 1;
    }
    if out.annotations == 0 {
        return Err(Error::file(
            path,
            "no annotations: the file has a header but no rows",
        ));
    }
    out.classes = space.names;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_item_and_errors_as_the_log_reader() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log.csv");
        std::fs::write(
            &p,
            "item,annotator,label\n3,a,cat\n3,b,dog\n3,c,cat\n7,a,dog\n",
        )
        .unwrap();
        let l = read(&p, &LabelSpace::Discover).unwrap();
        assert_eq!(l.items, vec![("3".into(), 2), ("7".into(), 5)]);
        assert_eq!(l.counts[0], vec![(0, 2), (1, 1)]);
        assert_eq!((l.total(0), l.annotations), (3, 4));
        assert_eq!(l.classes, vec!["cat", "dog"]);
        std::fs::write(&p, "item,annotator,label\n3,a,cat\n3,b\n").unwrap();
        let e = read(&p, &LabelSpace::Discover).unwrap_err().to_string();
        assert!(e.contains("log.csv, line 3") && e.contains("ragged"), "{e}");
    }
}
