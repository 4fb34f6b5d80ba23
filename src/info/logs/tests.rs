//! Tests of the log analysis: synthetic logs against their truth, flags, counts and bad input.

use super::*;
use crate::info::estimators::plugin_entropy;
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
