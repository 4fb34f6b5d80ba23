//! Planner speed: `plan` without --verify, and the 200-point frontier with mixes.
//!
//! `cargo bench --bench plan`

use criterion::{Criterion, criterion_group, criterion_main};
use labelbudget::cost::Costs;
use labelbudget::plan::{PlanScenario, Planner, default_model};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let model = default_model();
    c.bench_function(
        "plan (embedded scenario, tabulate + solve + crossovers)",
        |b| {
            b.iter(|| {
                let p = Planner::new(PlanScenario::embedded(), Costs::default(), model.as_ref())
                    .unwrap();
                black_box(p.plan(None).unwrap())
            })
        },
    );
    let planner = Planner::new(PlanScenario::embedded(), Costs::default(), model.as_ref()).unwrap();
    c.bench_function("frontier, 200 points with mixes", |b| {
        b.iter(|| black_box(planner.frontier(200, None)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
