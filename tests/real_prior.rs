//! The prior learned from real learning curves, on the LCDB subset shipped in tests/data
//! (MIT licence, tests/data/LCDB-LICENSE): it reproduces its own curves within its interval,
//! refitting without a dataset touches nothing of the others, and the protocol's answers
//! through the model file agree with what `plan` and `predict` print.

use labelbudget::Signal;
use labelbudget::realprior::{calibration, curves, predict, protocol, train};
use labelbudget::scenario::Scenario;
use labelbudget::surrogate::{Metric, QualityModel};
use std::path::Path;

fn subset() -> Vec<curves::Curve> {
    curves::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lcdb-subset.csv.gz"))
        .unwrap()
}

/// Options for a collection of 15 datasets: a horizon is supported by 300 rows of 5 datasets.
fn opts() -> train::Options {
    train::Options {
        min_rows: 300,
        min_datasets: 5,
        ..train::Options::default()
    }
}

#[test]
fn the_prior_reproduces_its_own_curves_within_the_interval() {
    let all = subset();
    let rows = train::rows(&all, opts());
    let prior = calibration::fit(&all, &rows, opts(), |_| false, None).unwrap();
    assert!(prior.supported_to >= 2.45, "{}", prior.supported_to);
    let cases = protocol::cases(&all);
    assert!(cases.len() >= 80, "{} cases", cases.len());
    let sc = Scenario::default();
    let (mut inside, mut total) = (0, 0);
    for c in &cases {
        let pilots = vec![(Signal::Hard, c.pilot.clone())];
        let (m, _) =
            predict::model(&prior, &pilots, c.chance, Metric::Accuracy, "t".into()).unwrap();
        for (k, n) in [c.mid, c.big_n].into_iter().enumerate() {
            let p = m.predict(&sc, Signal::Hard, n);
            assert!(p.holds(p.mean));
            inside += usize::from(p.holds(c.true_at[k]));
            total += 1;
        }
    }
    // a 90% interval of the curves it learned from: about 90% inside; with about 200 points
    // (correlated within a dataset) the share stays above 80%
    let share = inside as f64 / total as f64;
    assert!(share >= 0.8, "{inside} of {total} inside");
}

#[test]
fn refitting_without_a_dataset_changes_nothing_for_the_others() {
    let all = subset();
    let held = all[0].dataset.clone();
    let rest: Vec<curves::Curve> = all.iter().filter(|c| c.dataset != held).cloned().collect();
    let rows_all = train::rows(&all, opts());
    let rows_rest = train::rows(&rest, opts());
    // every other curve's rows are the same, whatever else is in the collection
    let others: Vec<(u64, [f64; labelbudget::realprior::features::NF])> = rows_all
        .iter()
        .filter(|r| all[r.curve].dataset != held)
        .map(|r| (r.key, r.x))
        .collect();
    let mine: Vec<(u64, [f64; labelbudget::realprior::features::NF])> =
        rows_rest.iter().map(|r| (r.key, r.x)).collect();
    assert_eq!(others, mine);
    // and the prior that skips the dataset is the prior learned without it
    let skipped = train::fit(&all, &rows_all, opts(), |c| c.dataset == held, None).unwrap();
    let without = train::fit(&rest, &rows_rest, opts(), |_| false, None).unwrap();
    assert_eq!(skipped.coef, without.coef);
    assert_eq!(
        (skipped.curves, skipped.datasets),
        (without.curves, without.datasets)
    );
    // while learning with it does change the prior
    let with = train::fit(&all, &rows_all, opts(), |_| false, None).unwrap();
    assert_ne!(with.coef, without.coef);
}
