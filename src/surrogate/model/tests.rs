//! Tests of the model file: parsing, checks, predictions.

use super::format::FORMAT2_NZ;
use super::*;
use crate::scenario::Scenario;
use crate::surrogate::QualityModel;

#[test]
fn embedded_default_parses_and_predicts_sensibly() {
    let m = Model::embedded_default();
    let sc = Scenario::default();
    for s in Signal::ALL {
        assert!(m.signal(s).is_some(), "{s} missing");
        let p = m.predict(&sc, s, 1000.0);
        assert!(p.holds(p.mean), "{s}: {p:?}");
        assert!((0.0..=1.0).contains(&p.mean));
    }
    assert!(m.range_warnings(&sc).is_empty());
    assert!(QualityModel::check_range(&m, &sc).is_ok());
}

#[test]
fn toml_round_trips() {
    let m = Model::embedded_default();
    let back = Model::from_toml_str(&m.to_toml_string().unwrap()).unwrap();
    assert_eq!(m, back);
}

#[test]
fn unknown_version_and_family_are_named() {
    let current = format!("format_version = {FORMAT_VERSION}");
    let text = EMBEDDED_DEFAULT.replacen(&current, "format_version = 7", 1);
    let msg = Model::from_toml_str(&text).unwrap_err().to_string();
    assert!(msg.contains("format_version") && msg.contains('7'), "{msg}");
    // a format-1 file (11 named parameters) is refused by its version, not by a field
    let text = EMBEDDED_DEFAULT.replacen(&current, "format_version = 1", 1);
    let msg = Model::from_toml_str(&text).unwrap_err().to_string();
    assert!(
        msg.contains("format_version") && msg.contains('1') && msg.contains("refit"),
        "{msg}"
    );
    let fam = m_family(EMBEDDED_DEFAULT);
    let text =
        EMBEDDED_DEFAULT.replacen(&format!("family = \"{fam}\""), "family = \"gompertz\"", 1);
    let msg = Model::from_toml_str(&text).unwrap_err().to_string();
    assert!(msg.contains("gompertz") && msg.contains("mmf"), "{msg}");
}

/// A format-2 file (10 scale terms, 29 parameters) reads as the same model with the two
/// scale terms format 3 added at 0: built here by writing the embedded model, with those
/// terms zeroed, in the old layout.
#[test]
fn format2_files_read_with_the_new_terms_at_zero() {
    use crate::surrogate::curve::{BETA0, NZ};
    let mut m = Model::embedded_default();
    for s in &mut m.signals {
        for p in [&mut s.params, &mut s.spread] {
            p.beta[FORMAT2_NZ..].fill(0.0);
        }
        for rep in &mut s.bootstrap {
            rep[BETA0 + FORMAT2_NZ..BETA0 + NZ].fill(0.0);
        }
    }
    let mut table: toml::Table = toml::from_str(&m.to_toml_string().unwrap()).unwrap();
    table.insert("format_version".into(), toml::Value::Integer(2));
    let signals = table.get_mut("signals").unwrap().as_array_mut().unwrap();
    for s in signals.iter_mut().map(|s| s.as_table_mut().unwrap()) {
        for key in ["params", "spread"] {
            let p = s.get_mut(key).unwrap().as_table_mut().unwrap();
            p.get_mut("beta")
                .unwrap()
                .as_array_mut()
                .unwrap()
                .truncate(FORMAT2_NZ);
        }
        let reps = s.get_mut("bootstrap").unwrap().as_array_mut().unwrap();
        for row in reps.iter_mut().map(|r| r.as_array_mut().unwrap()) {
            row.drain(BETA0 + FORMAT2_NZ..BETA0 + NZ);
        }
    }
    let old = toml::to_string(&table).unwrap();
    assert!(old.contains("format_version = 2"));
    let back = Model::from_toml_str(&old).unwrap();
    assert_eq!(back.format_version, FORMAT_VERSION);
    assert_eq!(back.signals, m.signals);
    // a format-2 array of another length is named, not padded
    let bad = old.replacen("beta = [", "beta = [0.5, ", 1);
    let msg = Model::from_toml_str(&bad).unwrap_err().to_string();
    assert!(msg.contains("model"), "{msg}");
}

/// A file written before the pair cap admitted directions beyond the class subspace (no
/// `pair_spill`) reads with the class cap, so its pair curve predicts as it did, and the other
/// signals never depend on it; a share outside [0, 1] is named.
#[test]
fn files_without_pair_spill_keep_the_class_cap() {
    let line = format!("pair_spill = {}\n", covariate::PAIR_SPILL);
    assert!(EMBEDDED_DEFAULT.contains(&line));
    let old = Model::from_toml_str(&EMBEDDED_DEFAULT.replacen(&line, "", 1)).unwrap();
    let new = Model::embedded_default();
    assert_eq!(old.pair_spill, 0.0);
    assert_eq!(new.pair_spill, covariate::PAIR_SPILL);
    // few classes in many latent dimensions, where the two caps differ
    let sc = Scenario {
        classes: 4,
        dims: 32,
        ..Scenario::default()
    };
    let (old_cap, new_cap) = (
        old.inputs(&sc, Signal::Pair, 1e4).cap,
        new.inputs(&sc, Signal::Pair, 1e4).cap,
    );
    assert_eq!(old_cap, (3.0f64 / 32.0).sqrt());
    assert!(new_cap > old_cap, "{new_cap} against {old_cap}");
    assert!(new.predict(&sc, Signal::Pair, 3e4).mean > old.predict(&sc, Signal::Pair, 3e4).mean);
    for s in [Signal::Hard, Signal::Soft, Signal::Triplet] {
        assert_eq!(old.predict(&sc, s, 3e4), new.predict(&sc, s, 3e4), "{s}");
    }
    let bad = EMBEDDED_DEFAULT.replacen(&line, "pair_spill = 1.5\n", 1);
    let msg = Model::from_toml_str(&bad).unwrap_err().to_string();
    assert!(msg.contains("pair_spill") && msg.contains("1.5"), "{msg}");
}

fn m_family(text: &str) -> String {
    Model::from_toml_str(text).unwrap().signals[0]
        .family
        .to_string()
}

#[test]
fn residual_quantiles_interpolate_and_default_to_the_normal() {
    let mut r = Residual {
        c0: -4.0,
        c1: 0.0,
        slope: 0.0,
        ln_x: [0.0, 10.0],
        quantiles: None,
        by_position: None,
        by_classes: None,
    };
    for p in [0.001, 0.05, 0.1, 0.5, 0.83, 0.999] {
        assert_eq!(r.z(p, 0.5, 0.0), normal_quantile(p));
    }
    // a table of twice the normal quantiles gives twice the normal quantile everywhere,
    // between the stored probabilities (interpolation is linear in the normal quantile) and
    // beyond them
    r.quantiles = Some(QUANTILE_PROBS.map(|p| 2.0 * normal_quantile(p)));
    for p in [0.001, 0.01, 0.07, 0.1, 0.33, 0.5, 0.9, 0.97, 0.999] {
        let z = normal_quantile(p);
        assert!(
            (r.z(p, 0.5, 0.0) - 2.0 * z).abs() <= 1e-9 * (1.0 + z.abs()),
            "{p}: {}",
            r.z(p, 0.5, 0.0)
        );
    }
}

#[test]
fn quantiles_by_position_hold_within_a_stretch_and_blend_across_its_edges() {
    // tables of 1, 2 and 3 times the normal quantiles on the rise, shoulder and plateau
    let table = |k: f64| QUANTILE_PROBS.map(|p| k * normal_quantile(p));
    let mut r = Residual {
        c0: -4.0,
        c1: 0.0,
        slope: 0.0,
        ln_x: [0.0, 10.0],
        quantiles: Some(table(1.0)),
        by_position: None,
        by_classes: None,
    };
    let from = [0.0, POSITION_EDGES[0], POSITION_EDGES[1]];
    r.by_position = Some([0, 1, 2].map(|k| PositionQuantiles {
        from: from[k],
        quantiles: table(k as f64 + 1.0),
    }));
    let z = normal_quantile(0.1);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9;
    // inside each stretch (away from the edges) its own table
    assert!(close(r.z(0.1, 0.0, 0.0), z));
    assert!(close(r.z(0.1, 0.4, 0.0), z));
    assert!(close(r.z(0.1, 0.75, 0.0), 2.0 * z));
    assert!(close(r.z(0.1, 0.99, 0.0), 3.0 * z));
    // halfway at an edge, and continuous across it
    assert!(close(r.z(0.1, POSITION_EDGES[0], 0.0), 1.5 * z));
    assert!(close(r.z(0.1, POSITION_EDGES[1], 0.0), 2.5 * z));
    let mut last = r.z(0.1, 0.0, 0.0);
    for i in 1..=1000 {
        let v = r.z(0.1, i as f64 / 1000.0, 0.0);
        assert!(v <= last && last - v < 0.05, "jump at {}: {last} -> {v}", i);
        last = v;
    }
    // a model's interval and quantiles read these tables at the prediction's position,
    // from the rise to the plateau
    let mut m = Model::embedded_default();
    m.signals[0].residual = r;
    let m = Model::from_toml_str(&m.to_toml_string().unwrap()).unwrap();
    let sc = Scenario::default();
    let mut stretches = [false; N_POSITION_BINS];
    for n in [10.0, 100.0, 300.0, 1000.0, 3000.0, 30000.0, 1e6] {
        let (mean, sd) = m.mean_sd(&sc, Signal::Hard, n).unwrap();
        let pos = m.position(&sc, Signal::Hard, n).unwrap();
        stretches[stretch_of(&POSITION_EDGES, pos)] = true;
        let p = m.predict(&sc, Signal::Hard, n);
        let at = |q: f64| (mean + r.z(q, pos, 0.0) * sd).clamp(0.0, 1.0);
        assert!(close(p.lo, at(0.05)) && close(p.hi, at(0.95)), "n = {n}");
        assert!(
            close(m.quantile(&sc, Signal::Hard, n, 0.9), at(0.1)),
            "n = {n}"
        );
    }
    assert_eq!(stretches, [true; N_POSITION_BINS]);
}

/// The error of reading `m` back from its own file text.
fn reload_error(m: &Model) -> String {
    Model::from_toml_str(&m.to_toml_string().unwrap())
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_residual_quantiles_are_named() {
    let mut m = Model::embedded_default();
    let mut q = m.signals[0]
        .residual
        .quantiles
        .expect("the default has a table");
    q.swap(0, 5);
    m.signals[0].residual.quantiles = Some(q);
    let msg = reload_error(&m);
    assert!(
        msg.contains("residual.quantiles") && msg.contains("non-decreasing"),
        "{msg}"
    );
}

/// Every number a prediction relies on is checked on loading: the error names the field
/// path, the value and what is accepted (each of these panicked in `f64::clamp` or
/// printed NaN before).
#[test]
fn non_finite_and_reversed_numbers_are_named() {
    type Edit = fn(&mut Model);
    let cases: [(Edit, &[&str]); 11] = [
        (
            |m| m.signals[0].residual.ln_x[0] = f64::NAN,
            &["signals.hard.residual.ln_x", "NaN", "lower <= upper"],
        ),
        (
            |m| m.signals[0].residual.ln_x.reverse(),
            &["signals.hard.residual.ln_x", "11.51", "lower <= upper"],
        ),
        (
            |m| m.signals[0].residual.slope = f64::NAN,
            &["signals.hard.residual.slope", "NaN", "finite"],
        ),
        (
            |m| m.signals[0].residual.c0 = f64::INFINITY,
            &["signals.hard.residual.c0", "inf", "finite"],
        ),
        (
            |m| m.signals[0].residual.c0 = 1e6,
            &["signals.hard.residual (c0, c1)", "at most 1e100"],
        ),
        (
            |m| m.floor.slope = f64::NAN,
            &["floor.slope", "NaN", "finite"],
        ),
        (
            |m| m.signals[1].spread.beta[2] = -1.0,
            &["signals.soft.spread.beta[2]", "-1", ">= 0"],
        ),
        (
            |m| m.signals[0].params.gamma[1] = 1e300,
            &["signals.hard.params.gamma[1]", "1000"],
        ),
        (
            |m| m.range.noise = [0.4, 0.1],
            &["range.noise", "[0.4, 0.1]", "lower <= upper"],
        ),
        (|m| m.range.classes = [20, 2], &["range.classes", "[20, 2]"]),
        (
            |m| {
                let q = m.signals[0].residual.quantiles.as_mut().unwrap();
                q[14] = 1e300;
            },
            &["signals.hard.residual.quantiles", "1000"],
        ),
    ];
    for (edit, words) in cases {
        let mut m = Model::embedded_default();
        edit(&mut m);
        let msg = reload_error(&m);
        for w in words {
            assert!(msg.contains(w), "{w:?} not in {msg}");
        }
    }
    // a bootstrap replicate names its index and parameter
    let mut m = Model::embedded_default();
    m.signals[2].bootstrap[3][0] = f64::NAN;
    let msg = reload_error(&m);
    assert!(
        msg.contains("signals.triplet.bootstrap[3] (log_x0)") && msg.contains("NaN"),
        "{msg}"
    );
}

#[test]
fn a_file_without_format_version_is_not_a_model() {
    let msg = Model::from_toml_str("classes = 4\nnoise = 0.1\n")
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("not") && msg.contains("model") && msg.contains("format_version"),
        "{msg}"
    );
    assert!(!msg.contains("missing (3)"), "{msg}");
}

#[test]
fn parse_errors_give_line_and_column() {
    let msg = Model::from_toml_str("format_version = 3\nlevel = [\n")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("line 2, column"), "{msg}");
    let msg = Model::from_toml_str("format_version = 3\nbogus = 1\n")
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("line 2, column 1") && msg.contains("unknown field `bogus`"),
        "{msg}"
    );
}

#[test]
fn bad_quantiles_by_position_are_named() {
    let good = Model::embedded_default();
    let tables = good.signals[0]
        .residual
        .by_position
        .expect("the default has tables by position");
    let mut unordered = tables;
    unordered[1].quantiles.swap(0, 5);
    let mut misplaced = tables;
    misplaced[2].from = misplaced[1].from;
    let mut not_from_zero = tables;
    not_from_zero[0].from = 0.1;
    for bad in [unordered, misplaced, not_from_zero] {
        let mut m = good.clone();
        m.signals[0].residual.by_position = Some(bad);
        let msg = reload_error(&m);
        assert!(
            msg.contains("signals.hard.residual.by_position") && msg.contains("start at 0"),
            "{msg}"
        );
    }
}

#[test]
fn bad_quantiles_by_class_band_are_named() {
    let good = Model::embedded_default();
    let bands = good.signals[0]
        .residual
        .by_classes
        .expect("the default has tables by class band");
    let mut bad = bands;
    bad[2][0].quantiles.swap(0, 5);
    let mut m = good.clone();
    m.signals[0].residual.by_classes = Some(bad);
    let msg = reload_error(&m);
    assert!(
        msg.contains("signals.hard.residual.by_classes[2]") && msg.contains("non-decreasing"),
        "{msg}"
    );
}

#[test]
fn class_bands_split_at_5_and_10_classes() {
    let band = |c: u32| class_band((f64::from(c) / 10.0).ln());
    assert_eq!([2, 5, 6, 10, 11, 100].map(band), [0, 0, 1, 1, 2, 2]);
    // a model without scenario terms has ln_c = 0: the middle band
    assert_eq!(class_band(0.0), 1);
    assert_eq!([3, 8, 30].map(band_of_classes), [0, 1, 2]);
}

#[test]
fn quantiles_by_class_band_follow_the_scenarios_classes() {
    // band k: tables of k + 1 times the normal quantiles in every stretch; the pooled
    // tables by position, 5 times, must not be read
    let table = |k: f64| QUANTILE_PROBS.map(|p| k * normal_quantile(p));
    let from = [0.0, POSITION_EDGES[0], POSITION_EDGES[1]];
    let tables = |k: f64| {
        [0, 1, 2].map(|i| PositionQuantiles {
            from: from[i],
            quantiles: table(k),
        })
    };
    let r = Residual {
        c0: -4.0,
        c1: 0.0,
        slope: 0.0,
        ln_x: [0.0, 10.0],
        quantiles: Some(table(5.0)),
        by_position: Some(tables(5.0)),
        by_classes: Some([tables(1.0), tables(2.0), tables(3.0)]),
    };
    let mut m = Model::embedded_default();
    m.signals[0].residual = r;
    let m = Model::from_toml_str(&m.to_toml_string().unwrap()).unwrap();
    let z = normal_quantile(0.1);
    for (classes, k) in [(4, 1.0), (10, 2.0), (20, 3.0)] {
        let sc = Scenario {
            classes,
            ..Scenario::default()
        };
        for n in [30.0, 1000.0, 30000.0] {
            let (mean, sd) = m.mean_sd(&sc, Signal::Hard, n).unwrap();
            let want = (mean + k * z * sd).clamp(0.0, 1.0);
            let got = m.quantile(&sc, Signal::Hard, n, 0.9);
            assert!(
                (got - want).abs() <= 1e-9,
                "C {classes}, n {n}: {got} {want}"
            );
        }
    }
}

#[test]
fn range_warning_names_the_range() {
    let m = Model::embedded_default();
    let sc = Scenario {
        classes: 500,
        ..Scenario::default()
    };
    let e = QualityModel::check_range(&m, &sc).unwrap_err().to_string();
    assert!(e.contains("classes") && e.contains("500"), "{e}");
    let w = m.range_warnings(&sc);
    assert_eq!(w.len(), 1);
    assert!(
        w[0].contains("classes = 500") && w[0].contains(&format!("{}", m.range.classes[1])),
        "{}",
        w[0]
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Monotone in n, inside [base, ceiling] (base <= floor: see `curve`), interval around the mean.
        #[test]
        fn predictions_are_monotone_and_bounded(
            classes in 4usize..=20, dims in 8usize..=24, extra in 0usize..=104, noise in 0.1f64..0.4, k in 0usize..4
        ) {
            let m = Model::embedded_default();
            let sc = Scenario { classes, dims, features: (dims + extra).clamp(48, 128), noise, ..Scenario::default() };
            let s = Signal::ALL[k];
            let sm = m.signal(s).unwrap();
            let (base, ceil) = sm.params.bounds(&m.inputs(&sc, s, 1.0));
            prop_assert!(base <= m.floor(&sc) + 1e-12);
            prop_assert!((m.ceiling(&sc, s) - ceil).abs() < 1e-12);
            let mut last = f64::NEG_INFINITY;
            for i in 0..60 {
                let n = 10f64.powf(i as f64 / 10.0);
                let p = m.predict(&sc, s, n);
                prop_assert!(p.mean >= last - 1e-12, "n = {n}: {} < {last}", p.mean);
                prop_assert!(p.mean >= base - 1e-12 && p.mean <= ceil + 1e-12);
                prop_assert!(p.holds(p.mean));
                let q = m.quantile(&sc, s, n, 0.9);
                prop_assert!(q <= p.mean + 1e-12);
                last = p.mean;
            }
        }
    }
}
