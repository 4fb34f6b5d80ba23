//! Tests of the fit: default terms, thread-count independence, recorded terms, bits and too few runs.

use super::*;
use crate::scenario::Scenario;
use crate::surrogate::curve::{CEILING_TERMS, SCALE_TERMS};
use crate::surrogate::families::Family;
use crate::surrogate::runs::parse_runs;
use std::path::Path;

/// The interactions with D join the default terms from DENSE_SWEEP scenarios on, and only
/// the scale; everything else is the same below and above.
#[test]
fn dense_sweeps_add_the_interactions_with_d() {
    let at = |name: &str| SCALE_TERMS.iter().position(|x| *x == name).unwrap();
    let few = default_terms(Signal::Hard, DENSE_SWEEP - 1);
    let many = default_terms(Signal::Hard, DENSE_SWEEP);
    for name in ["CD", "dD"] {
        assert!(!few.scale[at(name)] && many.scale[at(name)], "{name}");
    }
    let mut back = many;
    back.scale[at("CD")] = false;
    back.scale[at("dD")] = false;
    assert_eq!(back, few);
    assert_eq!(few, Terms::parse(DEFAULT_TERMS).unwrap());
    // options naming their own terms keep them whatever the count
    let opts = FitOptions {
        terms: vec![(Signal::Hard, few)],
        ..FitOptions::default()
    };
    assert_eq!(opts.terms_for(Signal::Hard, 1000), few);
    assert_eq!(opts.terms_for(Signal::Soft, 1000), many);
}

/// Pairs add the signal share and the class count to their ceiling in dense sweeps only; no
/// other signal does.
#[test]
fn dense_sweeps_give_pairs_two_more_ceiling_terms() {
    let at = |name: &str| CEILING_TERMS.iter().position(|x| *x == name).unwrap();
    for signal in Signal::ALL {
        let many = default_terms(signal, DENSE_SWEEP);
        let few = default_terms(signal, DENSE_SWEEP - 1);
        for name in ["s", "C"] {
            assert_eq!(
                many.ceiling[at(name)],
                signal == Signal::Pair,
                "{signal} {name}"
            );
            assert!(!few.ceiling[at(name)], "{signal} {name}");
        }
        let mut back = many;
        back.ceiling[at("s")] = false;
        back.ceiling[at("C")] = false;
        assert_eq!(back, default_terms(Signal::Hard, DENSE_SWEEP), "{signal}");
    }
}

fn small() -> Vec<RunRecord> {
    let text = include_str!("../../../tests/data/runs-small.csv");
    parse_runs(text.as_bytes(), Path::new("runs-small.csv")).unwrap()
}

#[test]
fn bootstrap_is_the_same_on_one_and_two_threads() {
    let runs = small();
    let opts = FitOptions {
        bootstrap: 8,
        families: vec![Family::Mmf],
        ..FitOptions::default()
    };
    let fit = |t: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap()
            .install(|| fit_model(&runs, "h", &opts).unwrap())
    };
    let (a, b) = (fit(1), fit(2));
    assert_eq!(a, b);
    assert!(a.signals.iter().all(|s| s.bootstrap.len() == 8));
}

#[test]
fn the_model_records_the_terms_each_curve_was_fitted_with() {
    let opts = FitOptions {
        bootstrap: 2,
        families: vec![Family::Mmf],
        ..FitOptions::default()
    };
    // three scenarios: the default terms without the interactions with D
    let m = fit_model(&small(), "h", &opts).unwrap();
    for s in &m.signals {
        let want = default_terms(s.signal, 3).render();
        assert_eq!(s.diagnostics.terms.as_deref(), Some(want.as_str()));
        assert!(!want.contains("CD"), "{want}");
    }
    // terms asked for are recorded as such, and survive the file
    let opts = FitOptions {
        terms: vec![(Signal::Hard, Terms::parse("C,D,a:C").unwrap())],
        ..opts
    };
    let m = fit_model(&small(), "h", &opts).unwrap();
    let back = Model::from_toml_str(&m.to_toml_string().unwrap()).unwrap();
    let hard = back.signal(Signal::Hard).unwrap();
    assert_eq!(hard.diagnostics.terms.as_deref(), Some("C,D,a:C"));
}

#[test]
fn bits_covariate_fits_and_round_trips() {
    let opts = FitOptions {
        covariate: Covariate::Bits,
        bootstrap: 4,
        families: vec![Family::Mmf],
        ..FitOptions::default()
    };
    let m = fit_model(&small(), "h", &opts).unwrap();
    assert!(
        m.signals
            .iter()
            .all(|s| s.bits.is_some_and(|b| b.max_rel_err < 0.05))
    );
    let back = Model::from_toml_str(&m.to_toml_string().unwrap()).unwrap();
    assert_eq!(m, back);
    let sc = Scenario::default();
    let p = crate::surrogate::QualityModel::predict(&m, &sc, Signal::Soft, 500.0);
    assert!(p.holds(p.mean) && p.mean > 0.1, "{p:?}");
}

#[test]
fn too_few_runs_say_how_many_are_needed() {
    let runs: Vec<RunRecord> = small()
        .into_iter()
        .filter(|r| r.signal != Signal::Pair || r.n <= 200)
        .collect();
    let msg = fit_model(&runs, "h", &FitOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("pair") && msg.contains(&format!("at least {MIN_RUNS} runs")),
        "{msg}"
    );
}

/// Under `weigh_counts` every annotation count weighs the same in a sweep's fit, however many
/// runs it has: the weights give each count an equal total and sum to the number of points,
/// and a sweep whose runs at its largest count are repeated three times fits the same curves.
#[test]
fn each_count_weighs_the_same_however_many_runs_it_has() {
    let runs = small();
    let (ids, _) = scenario_ids(&runs);
    let floor = fit_floor(&runs, crate::surrogate::Metric::Cka);
    let opts = FitOptions {
        bootstrap: 0,
        families: vec![Family::Mmf],
        weigh_counts: true,
        ..FitOptions::default()
    };
    let pts = points(&runs, &ids, Signal::Hard, &opts, None, &floor);
    let w = count_weights(&pts);
    let total: f64 = w.iter().sum();
    assert!((total - pts.len() as f64).abs() < 1e-9);
    let mut per: std::collections::BTreeMap<u64, f64> = Default::default();
    for (p, w) in pts.iter().zip(&w) {
        *per.entry(p.n).or_default() += w;
    }
    let share = pts.len() as f64 / per.len() as f64;
    assert!(per.values().all(|t| (t - share).abs() < 1e-9), "{per:?}");

    let top = pts.iter().map(|p| p.n).max().unwrap();
    let mut more = pts.clone();
    for _ in 0..2 {
        more.extend(pts.iter().filter(|p| p.n == top).copied());
    }
    assert!(more.len() > pts.len());
    let a = fit_family(Family::Mmf, &pts, &opts, Signal::Hard).unwrap();
    let b = fit_family(Family::Mmf, &more, &opts, Signal::Hard).unwrap();
    let (a, b) = (a.params.to_array(), b.params.to_array());
    // the optimiser's own tolerance moves parameters by up to about 0.004 between the two
    // (equivalent) problems; without the count weights the repeated runs move one by 0.31
    for (i, (u, v)) in a.iter().zip(&b).enumerate() {
        assert!((u - v).abs() < 0.02, "parameter {i}: {u} vs {v}");
    }
    // off (the default), the repeated runs weigh more
    let plain = FitOptions {
        weigh_counts: false,
        ..opts
    };
    let a = fit_family(Family::Mmf, &pts, &plain, Signal::Hard).unwrap();
    let b = fit_family(Family::Mmf, &more, &plain, Signal::Hard).unwrap();
    let moved = a
        .params
        .to_array()
        .iter()
        .zip(&b.params.to_array())
        .map(|(u, v)| (u - v).abs())
        .fold(0.0, f64::max);
    assert!(moved > 0.05, "repeated runs moved no parameter ({moved})");
}
