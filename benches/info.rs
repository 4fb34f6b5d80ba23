//! Speed of the information module: a 1,000,000-row annotation log, and `signal_bits`.
//!
//! `cargo bench --bench info` (the log is generated once into a temporary folder).

use criterion::{Criterion, criterion_group, criterion_main};
use labelbudget::info::logs::{LogOptions, analyse_log};
use labelbudget::info::synthetic::{SyntheticSpec, write_synthetic_log};
use labelbudget::{Scenario, Signal};
use std::io::Write;
use std::time::Duration;

fn million_row_log(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("log.csv");
    let spec = SyntheticSpec {
        scenario: Scenario::default(),
        items: 200_000,
        per_item: 5,
        annotators: 1000,
        spammers: 50,
        seed: 1,
    };
    let mut w = std::io::BufWriter::new(std::fs::File::create(&path).expect("create log"));
    write_synthetic_log(&spec, &mut w).expect("write log");
    w.flush().expect("flush");
    drop(w);
    let mut g = c.benchmark_group("info_log");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("analyse_1M_rows", |b| {
        b.iter(|| analyse_log(&path, &LogOptions::default()).expect("analysis"))
    });
    g.finish();
}

fn signal_bits(c: &mut Criterion) {
    let mut g = c.benchmark_group("signal_bits");
    g.sample_size(10);
    for (classes, dims, features) in [(10, 16, 64), (100, 64, 256)] {
        let sc = Scenario {
            classes,
            dims,
            features,
            ..Scenario::default()
        };
        for signal in Signal::ALL {
            g.bench_function(format!("C{classes}_d{dims}_{signal}"), |b| {
                b.iter(|| labelbudget::info::signal_bits(&sc, signal).expect("bits"))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, million_row_log, signal_bits);
criterion_main!(benches);
