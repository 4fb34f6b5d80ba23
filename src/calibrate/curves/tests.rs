//! Tests of the grid, the option checks and the stratified order.

use super::prepare::stratified_order;
use super::*;

#[test]
fn grid_is_log_spaced_and_refuses_small_pools() {
    let g = grid(1000, 20, 0.5, 5).unwrap();
    assert_eq!(g.first(), Some(&20));
    assert_eq!(g.last(), Some(&500));
    let e = grid(30, 20, 0.5, 5).unwrap_err().to_string();
    assert!(e.contains("too few items"), "{e}");
    let e = grid(50, 20, 0.5, 8).unwrap_err().to_string();
    assert!(e.contains("too few items"), "{e}");
}

#[test]
fn options_are_checked_by_flag_with_their_range() {
    let bad = |o: CurveOptions, key: &str, range: &str| {
        let e = o.check().unwrap_err().to_string();
        assert!(e.contains(&format!("`{key}`")) && e.contains(range), "{e}");
    };
    let d = CurveOptions::default();
    assert!(d.check().is_ok());
    bad(
        CurveOptions {
            n_min: Some(0),
            ..d.clone()
        },
        "n-min",
        ">= 1",
    );
    bad(
        CurveOptions {
            points: 1,
            ..d.clone()
        },
        "points",
        "2 to 1000",
    );
    bad(
        CurveOptions {
            points: 1 << 40,
            ..d.clone()
        },
        "points",
        "2 to 1000",
    );
    bad(
        CurveOptions {
            seeds: 0,
            ..d.clone()
        },
        "seeds",
        "1 to 1000",
    );
    for f in [0.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
        bad(
            CurveOptions {
                max_fraction: f,
                ..d.clone()
            },
            "max-fraction",
            "(0, 1]",
        );
    }
    for f in [0.0, 1.0, f64::NAN] {
        bad(
            CurveOptions {
                test_fraction: f,
                ..d.clone()
            },
            "test-fraction",
            "(0, 1)",
        );
    }
    bad(
        CurveOptions {
            rep: Some(0),
            metric: Metric::Transfer,
            ..d.clone()
        },
        "rep",
        ">= 1",
    );
    bad(
        CurveOptions {
            rep: Some(4),
            ..d.clone()
        },
        "rep",
        "--metric transfer",
    );
}

#[test]
fn a_grid_with_more_points_than_counts_is_refused_before_allocating() {
    let e = grid(160, 10, 0.5, usize::MAX).unwrap_err().to_string();
    assert!(e.contains("at most 71 distinct counts"), "{e}");
}

#[test]
fn stratified_order_is_balanced_at_every_prefix() {
    let classes: Vec<usize> = (0..300).map(|i| usize::from(i >= 200)).collect();
    let o = stratified_order(&classes, 2, &mut rng::stream(1, &[]));
    for n in [3, 30, 150] {
        let ones = o[..n].iter().filter(|&&i| classes[i] == 1).count() as f64;
        assert!(
            (ones / n as f64 - 1.0 / 3.0).abs() <= 1.0 / n as f64 + 1e-9,
            "{n}: {ones}"
        );
    }
}
