//! Simulation speed: the reference run (hard labels, n = 1000, C = 10, d = 16, D = 64), with and
//! without building its world, and one objective evaluation at that size (for GFLOP/s).
//!
//!   cargo bench --bench sim

use criterion::{Criterion, criterion_group, criterion_main};
use labelbudget::sim::annotations::{Annotations, annotate};
use labelbudget::sim::learner::{Dims, Objective, Optimiser};
use labelbudget::sim::{Setting, run};
use labelbudget::{Scenario, Signal};
use ndarray::Array1;
use std::hint::black_box;

fn reference() -> Scenario {
    Scenario {
        classes: 10,
        dims: 16,
        features: 64,
        noise: 0.2,
        ..Scenario::default()
    }
}

fn bench_runs(c: &mut Criterion) {
    let sc = reference();
    let mut g = c.benchmark_group("reference_run");
    g.sample_size(20);
    g.bench_function("from_scratch", |b| {
        b.iter(|| run(black_box(&sc), Signal::Hard, 1000, 7).unwrap())
    });
    let setting = Setting::new(&sc, 7).unwrap();
    g.bench_function("world_built", |b| {
        b.iter(|| setting.run(Signal::Hard, black_box(1000), false).unwrap())
    });
    g.bench_function("world_only", |b| {
        b.iter(|| Setting::new(black_box(&sc), 7).unwrap())
    });
    g.finish();
}

/// The reference training problem (world seed 7): its setting, its 1,000 hard labels and the
/// objective's shapes.
fn reference_problem() -> (Setting, Annotations, Dims) {
    let sc = reference();
    let setting = Setting::new(&sc, 7).unwrap();
    let data = annotate(&setting.world, &setting.annotator, Signal::Hard, 1000, 7);
    let dims = Dims {
        rep: 16,
        features: 64,
        classes: 10,
        weight_decay: sc.weight_decay,
    };
    (setting, data, dims)
}

fn bench_objective(c: &mut Criterion) {
    let (_, data, dims) = reference_problem();
    let obj = Objective::new(dims, &data);
    let p = Array1::from_shape_fn(obj.param_len(), |i| {
        ((i * 7919) % 101) as f64 / 1000.0 - 0.05
    });
    // two n x D x C products per evaluation (logits, and X^T G), 2 flops per multiply-add
    let flops = 2.0 * 2.0 * 1000.0 * 64.0 * 10.0;
    let mut g = c.benchmark_group("objective");
    g.throughput(criterion::Throughput::Elements(flops as u64));
    g.bench_function("hard_n1000_eval (elements = flops)", |b| {
        b.iter(|| obj.cost_and_gradient(black_box(&p)))
    });
    g.finish();
}

/// Training the reference problem from the simulator's initial parameters with each L-BFGS
/// implementation (same algorithm and stopping rule): the measurement behind the choice of the
/// in-place loop.
fn bench_optimiser(c: &mut Criterion) {
    let (setting, data, dims) = reference_problem();
    let obj = Objective::new(dims, &data);
    let init = setting.init_params(&obj);
    let mut g = c.benchmark_group("optimiser");
    g.sample_size(20);
    for (name, opt) in [
        ("in_place", Optimiser::InPlace),
        ("argmin", Optimiser::Argmin),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| obj.train_with(black_box(init.clone()), opt).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench_runs, bench_objective, bench_optimiser);
criterion_main!(benches);
