//! Surrogate speed: one prediction (the planner's inner loop) and one fit of a small sweep.
//!   cargo bench --bench surrogate

use criterion::{Criterion, criterion_group, criterion_main};
use labelbudget::surrogate::runs::parse_runs;
use labelbudget::surrogate::{FitOptions, Model, QualityModel, fit_model};
use labelbudget::{Scenario, Signal};
use std::hint::black_box;
use std::path::Path;

fn predict(c: &mut Criterion) {
    let model = Model::embedded_default();
    let sc = Scenario {
        classes: 12,
        noise: 0.25,
        ..Scenario::default()
    };
    c.bench_function("predict (interval, 50 bootstrap replicates)", |b| {
        b.iter(|| model.predict(black_box(&sc), black_box(Signal::Hard), black_box(1234.0)))
    });
    c.bench_function("quantile", |b| {
        b.iter(|| model.quantile(black_box(&sc), Signal::Triplet, black_box(1234.0), 0.9))
    });
}

fn fit(c: &mut Criterion) {
    let text = include_str!("../tests/data/runs-small.csv");
    let runs = parse_runs(text.as_bytes(), Path::new("runs-small.csv")).unwrap();
    let opts = FitOptions {
        bootstrap: 10,
        ..FitOptions::default()
    };
    let mut g = c.benchmark_group("fit");
    g.sample_size(10);
    g.bench_function("180 runs, 4 families, 10 bootstrap", |b| {
        b.iter(|| fit_model(black_box(&runs), "", &opts).unwrap())
    });
    g.finish();
}

criterion_group!(benches, predict, fit);
criterion_main!(benches);
