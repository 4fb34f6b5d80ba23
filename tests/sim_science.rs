//! The simulation reproduces the qualitative results of docs/validation.md, "What the simulations
//! show" (and of Sucholutsky et al.), measured, not assumed. Every comparison is over fixed seeds, paired within a seed (same world,
//! same items), with a margin of three standard errors of the mean paired difference.

use labelbudget::sim::Setting;
use labelbudget::{Scenario, Signal};
use rayon::prelude::*;

/// CKA of `signal` at `n` for each seed of 0..seeds.
fn cka(scenario: &Scenario, signal: Signal, n: usize, seeds: u64) -> Vec<f64> {
    (0..seeds)
        .into_par_iter()
        .map(|seed| {
            Setting::new(scenario, seed)
                .unwrap()
                .run(signal, n, false)
                .unwrap()
                .cka
        })
        .collect()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Mean and standard error of the paired differences a - b.
fn paired(a: &[f64], b: &[f64]) -> (f64, f64) {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let m = mean(&d);
    let var = d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (d.len() as f64 - 1.0);
    (m, (var / d.len() as f64).sqrt())
}

/// Assert that a is larger than b by more than three standard errors.
fn assert_larger(what: &str, a: &[f64], b: &[f64]) {
    let (m, se) = paired(a, b);
    assert!(
        m > 3.0 * se,
        "{what}: mean difference {m:.4} is not above 3 standard errors ({se:.4}); a = {a:?}, b = {b:?}"
    );
}

fn paper_world() -> Scenario {
    Scenario {
        classes: 10,
        dims: 16,
        features: 64,
        noise: 0.2,
        ..Scenario::default()
    }
}

/// A small world where every signal learns within a few hundred annotations.
fn small_world(noise: f64) -> Scenario {
    Scenario {
        classes: 4,
        dims: 4,
        features: 16,
        noise,
        ..Scenario::default()
    }
}

#[test]
fn few_labels_soft_beats_hard_beats_pair() {
    let sc = paper_world();
    let soft = cka(&sc, Signal::Soft, 50, 8);
    let hard = cka(&sc, Signal::Hard, 50, 8);
    let pair = cka(&sc, Signal::Pair, 50, 8);
    assert_larger("soft vs hard at n = 50", &soft, &hard);
    assert_larger("hard vs pair at n = 50", &hard, &pair);
}

#[test]
fn class_signals_level_off_at_the_dimension_cap_and_triplets_do_not() {
    // C - 1 = 3 < d = 16: class supervision can identify a 3-dimensional subspace at most
    let sc = Scenario {
        classes: 4,
        ..paper_world()
    };
    let cap = (3.0f64 / 16.0).sqrt();
    for signal in [Signal::Hard, Signal::Soft] {
        let q = cka(&sc, signal, 20_000, 3);
        let m = mean(&q);
        assert!(
            (m - cap).abs() < 0.03,
            "{signal}: mean CKA {m:.4} not within 0.03 of the cap {cap:.4}"
        );
        for (seed, &v) in q.iter().enumerate() {
            // the cap as measured on this seed's own held-out items: CKA of the latent projected
            // on the span of the prototype differences, the best any class signal can do
            let world = labelbudget::sim::World::new(&sc, seed as u64);
            let measured_cap = subspace_cap(&world);
            assert!(
                v <= measured_cap + 0.01,
                "{signal} seed {seed}: CKA {v:.4} above the cap {measured_cap:.4}"
            );
        }
    }
    let triplet = cka(&sc, Signal::Triplet, 5000, 3);
    assert!(
        mean(&triplet) > cap + 0.3,
        "triplets {triplet:?} should clearly pass the cap {cap:.4}"
    );
}

/// Linear CKA between z and its projection on the span of mu_c - mu_0.
fn subspace_cap(world: &labelbudget::sim::World) -> f64 {
    use ndarray::{Array2, s};
    let mu = &world.prototypes;
    let c = mu.nrows();
    let mut basis: Vec<ndarray::Array1<f64>> = Vec::new();
    for k in 1..c {
        let mut v = &mu.row(k) - &mu.row(0);
        for b in &basis {
            let p = v.dot(b);
            v.scaled_add(-p, b);
        }
        let norm = v.dot(&v).sqrt();
        if norm > 1e-9 {
            basis.push(v / norm);
        }
    }
    let mut q = Array2::zeros((world.dims(), basis.len()));
    for (j, b) in basis.iter().enumerate() {
        q.column_mut(j).assign(b);
    }
    let proj = world.test.z.dot(&q);
    labelbudget::sim::metrics::linear_cka(proj.view(), world.test.z.slice(s![.., ..]))
}

#[test]
fn annotator_noise_lowers_hard_pair_and_triplet_quality() {
    for signal in [Signal::Hard, Signal::Pair, Signal::Triplet] {
        let clean = cka(&small_world(0.0), signal, 300, 8);
        let noisy = cka(&small_world(0.2), signal, 300, 8);
        let noisier = cka(&small_world(0.4), signal, 300, 8);
        assert_larger(&format!("{signal}: noise 0 vs 0.4"), &clean, &noisier);
        assert_larger(&format!("{signal}: noise 0.2 vs 0.4"), &noisy, &noisier);
        assert!(
            mean(&clean) > mean(&noisy),
            "{signal}: noise 0 {clean:?} vs 0.2 {noisy:?}"
        );
    }
}

#[test]
fn soft_labels_pooled_from_more_annotators_approach_the_exact_soft_label() {
    let exact = cka(&paper_world(), Signal::Soft, 200, 6);
    let pooled = |k| {
        let sc = Scenario {
            soft_annotators: k,
            ..paper_world()
        };
        cka(&sc, Signal::Soft, 200, 6)
    };
    let (k1, k3, k10) = (pooled(1), pooled(3), pooled(10));
    assert_larger("exact vs K = 1", &exact, &k1);
    assert_larger("K = 3 vs K = 1", &k3, &k1);
    assert_larger("K = 10 vs K = 3", &k10, &k3);
    assert!(
        mean(&exact) >= mean(&k10),
        "exact {exact:?} below K = 10 {k10:?}"
    );
}

/// The learner's own resolution: CKA moves by up to this much between the default stopping
/// tolerance and one 1000 times tighter (measured on the reference world at n = 200 to 5000).
/// On a plateau, consecutive points may differ by this much whatever the seeds say.
const OPTIMISER_RESOLUTION: f64 = 0.006;

#[test]
fn quality_rises_with_n_from_its_floor() {
    let sc = small_world(0.2);
    let ns = [5, 30, 100, 300, 1000, 3000];
    for signal in Signal::ALL {
        let curve: Vec<Vec<f64>> = ns.iter().map(|&n| cka(&sc, signal, n, 6)).collect();
        for k in 1..ns.len() {
            let (m, se) = paired(&curve[k], &curve[k - 1]);
            assert!(
                m > -2.0 * se - OPTIMISER_RESOLUTION,
                "{signal}: CKA falls from n = {} to {} by {:.4} (se {se:.4})",
                ns[k - 1],
                ns[k],
                -m
            );
        }
        let floors: Vec<f64> = (0..6)
            .map(|s| Setting::new(&sc, s).unwrap().floor.cka)
            .collect();
        assert_larger(&format!("{signal}: n = 3000 vs floor"), &curve[5], &floors);
        assert_larger(
            &format!("{signal}: n = 3000 vs n = 5"),
            &curve[5],
            &curve[0],
        );
    }
}
