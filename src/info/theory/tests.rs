//! Tests of the closed forms and the Monte Carlo estimates, against each other and exact values.

use super::*;
use crate::cost::Costs;
use crate::info::BitsEstimate;
use crate::info::signal_bits;
use crate::rng::{self, Rng};
use crate::scenario::Scenario;
use crate::signal::Signal;
use crate::sim::World;
use ndarray::Array2;
use rand::RngExt;

/// Rows p(class) of a symmetric noisy annotator for `n` items of uniformly drawn classes.
fn symmetric_rows(rng: &mut Rng, n: usize, c: usize, e: f64) -> (Array2<f64>, Vec<usize>) {
    let mut rows = Array2::from_elem((n, c), e / (c as f64 - 1.0));
    let classes: Vec<usize> = (0..n).map(|_| rng.random_range(0..c)).collect();
    for (i, &k) in classes.iter().enumerate() {
        rows[[i, k]] = 1.0 - e;
    }
    (rows, classes)
}

/// Two estimates agree within 3 combined standard errors.
fn agree(a: BitsEstimate, b: BitsEstimate) -> bool {
    (a.bits - b.bits).abs() <= 3.0 * (a.se * a.se + b.se * b.se).sqrt()
}

#[test]
fn hard_closed_form_matches_its_definition() {
    for (c, e) in [(2, 0.1), (10, 0.2), (7, 0.5)] {
        // I = H(y) - H(y | class), from the confusion matrix
        let row: Vec<f64> = (0..c)
            .map(|k| {
                if k == 0 {
                    1.0 - e
                } else {
                    e / (c as f64 - 1.0)
                }
            })
            .collect();
        let h_y = (c as f64).log2(); // uniform prior, symmetric channel: y uniform
        let want = h_y - entropy_bits(&row);
        assert!((hard_symmetric_bits(c, e) - want).abs() < 1e-12);
    }
    assert!((hard_symmetric_bits(10, 0.0) - 10f64.log2()).abs() < 1e-12);
    assert!((hard_noiseless_bits(&[0.25; 4]) - 2.0).abs() < 1e-12);
    // noise at chance carries nothing
    assert!(hard_symmetric_bits(4, 0.75).abs() < 1e-12);
}

#[test]
fn hard_closed_form_matches_monte_carlo() {
    let mut rng = rng::stream(1, &[]);
    for (c, e) in [(2, 0.1), (10, 0.2), (5, 0.4)] {
        let (rows, _) = symmetric_rows(&mut rng, 20_000, c, e);
        let mc = categorical_channel_bits(rows.view());
        assert!(
            agree(mc, BitsEstimate::exact(hard_symmetric_bits(c, e))),
            "C {c} e {e}: {mc:?} vs {}",
            hard_symmetric_bits(c, e)
        );
    }
}

#[test]
fn pair_closed_forms_match_definition_and_monte_carlo() {
    for c in [2usize, 10, 50] {
        let hb = binary_entropy(1.0 / c as f64);
        assert!((pair_noiseless_bits(&vec![1.0 / c as f64; c]) - hb).abs() < 1e-12);
        assert!((pair_symmetric_bits(c, 0.0) - hb).abs() < 1e-12);
    }
    assert!((binary_entropy(0.1) - 0.4690).abs() < 1e-4); // ~0.47 bits at C = 10
    let mut rng = rng::stream(2, &[]);
    for (c, e) in [(10, 0.0), (10, 0.2), (3, 0.3)] {
        let (a, _) = symmetric_rows(&mut rng, 30_000, c, e);
        let (b, _) = symmetric_rows(&mut rng, 30_000, c, e);
        let s: Vec<f64> = a
            .rows()
            .into_iter()
            .zip(b.rows())
            .map(|(x, y)| x.dot(&y))
            .collect();
        let mc = binary_channel_bits(&s);
        let cf = pair_symmetric_bits(c, e);
        assert!(
            agree(mc, BitsEstimate::exact(cf)),
            "C {c} e {e}: {mc:?} vs {cf}"
        );
        assert!(cf <= hard_symmetric_bits(c, e));
    }
}

/// Log of the multinomial probability of `n` under `p`.
fn log_multinomial(n: &[usize], p: &[f64]) -> f64 {
    let lf = |k: usize| (1..=k).map(|v| (v as f64).ln()).sum::<f64>();
    let k: usize = n.iter().sum();
    lf(k)
        + n.iter()
            .zip(p)
            .map(|(&m, &q)| m as f64 * q.ln() - lf(m))
            .sum::<f64>()
}

fn compositions(k: usize, c: usize) -> Vec<Vec<usize>> {
    if c == 1 {
        return vec![vec![k]];
    }
    (0..=k)
        .flat_map(|first| {
            compositions(k - first, c - 1)
                .into_iter()
                .map(move |mut rest| {
                    rest.insert(0, first);
                    rest
                })
        })
        .collect()
}

#[test]
fn pooled_estimator_matches_exact_enumeration() {
    let (c, e) = (3usize, 0.25);
    let mut rng = rng::stream(3, &[]);
    for k in [1usize, 2, 4] {
        // exact I(counts; class) by enumerating all count vectors
        let rows: Vec<Vec<f64>> = (0..c)
            .map(|y| {
                (0..c)
                    .map(|j| {
                        if j == y {
                            1.0 - e
                        } else {
                            e / (c as f64 - 1.0)
                        }
                    })
                    .collect()
            })
            .collect();
        let mut exact = 0.0;
        for n in compositions(k, c) {
            let given: Vec<f64> = rows.iter().map(|p| log_multinomial(&n, p).exp()).collect();
            let marginal = given.iter().sum::<f64>() / c as f64;
            for g in &given {
                exact += g / c as f64 * (g / marginal).log2();
            }
        }
        let (sample, _) = symmetric_rows(&mut rng, 3000, c, e);
        let mc = pooled_channel_bits(sample.view(), k, &mut rng);
        assert!(
            agree(mc, BitsEstimate::exact(exact)),
            "K {k}: {mc:?} vs {exact}"
        );
        if k == 1 {
            assert!((exact - hard_symmetric_bits(c, e)).abs() < 1e-12);
        }
    }
}

#[test]
fn quantised_soft_label_is_bounded_and_exact_when_one_hot() {
    let mut rng = rng::stream(4, &[]);
    let (rows, _) = symmetric_rows(&mut rng, 20_000, 4, 0.0);
    let q = quantised_bits(rows.view(), 11);
    // one-hot labels: the quantised label is the class, H = 2 bits
    assert!(agree(q, BitsEstimate::exact(2.0)), "{q:?}");
    // continuous rows spread over the simplex stay under (C-1) log2 q
    let rows = Array2::from_shape_simple_fn((5000, 3), || rng.random::<f64>());
    let rows = &rows
        / &rows
            .sum_axis(ndarray::Axis(1))
            .insert_axis(ndarray::Axis(1));
    let q = quantised_bits(rows.view(), 5);
    assert!(q.bits <= soft_levels_cap(3, 5), "{q:?}");
    assert!(q.bits > 2.0, "{q:?}");
}

#[test]
fn noiseless_world_hard_label_is_the_class_entropy() {
    let sc = Scenario {
        noise: 0.0,
        classes: 5,
        dims: 4,
        features: 8,
        ..Scenario::default()
    };
    let settings = Settings {
        worlds: 1,
        ..Settings::default()
    };
    let est = signal_bits_with(&sc, Signal::Hard, &settings).unwrap();
    // class frequencies of the nearest prototype, on an independent sample
    let world = World::without_items(&sc, WORLD_SEEDS[0]);
    let mut rng = rng::stream(77, &[]);
    let n = 40_000;
    let z = Array2::from_shape_simple_fn((n, sc.dims), || {
        rand_distr::Distribution::sample(&rand_distr::StandardNormal, &mut rng)
    });
    let sq = world.sq_dist_to_prototypes(&z);
    let mut freq = vec![0.0; sc.classes];
    for row in sq.rows() {
        let k = (0..sc.classes)
            .min_by(|&a, &b| row[a].total_cmp(&row[b]))
            .unwrap();
        freq[k] += 1.0 / n as f64;
    }
    let h = hard_noiseless_bits(&freq);
    // standard error of the plug-in entropy: sd(-log2 p_k) / sqrt(n)
    let m2: f64 = freq.iter().map(|p| p * p.log2().powi(2)).sum();
    let se = ((m2 - h * h).max(0.0) / n as f64).sqrt();
    let truth = BitsEstimate { bits: h, se };
    assert!(agree(est, truth), "{est:?} vs {truth:?}");
    assert!(est.bits <= (sc.classes as f64).log2());
    // pooled soft labels and the quantised soft label carry the same bits at zero noise
    for k in [0, 3] {
        let sc = Scenario {
            soft_annotators: k,
            ..sc.clone()
        };
        let soft = signal_bits_with(&sc, Signal::Soft, &settings).unwrap();
        assert!(agree(soft, truth), "K {k}: {soft:?} vs {truth:?}");
    }
}

#[test]
fn triplets_carry_at_most_one_bit_and_one_when_noiseless() {
    for noise in [0.0, 0.1, 0.4] {
        let sc = Scenario {
            noise,
            ..Scenario::default()
        };
        let t = signal_bits(&sc, Signal::Triplet).unwrap();
        assert!(t.bits <= TRIPLET_MAX_BITS + 3.0 * t.se, "{noise}: {t:?}");
        if noise == 0.0 {
            assert!(agree(t, BitsEstimate::exact(1.0)), "{t:?}");
        }
    }
}

#[test]
fn pooled_soft_labels_grow_with_k_toward_the_exact_soft_label() {
    let base = Scenario::default();
    let exact = signal_bits(&base, Signal::Soft).unwrap();
    let hard = signal_bits(&base, Signal::Hard).unwrap();
    let mut prev: Option<BitsEstimate> = None;
    for k in [1usize, 2, 5, 10] {
        let sc = Scenario {
            soft_annotators: k,
            ..base.clone()
        };
        let b = signal_bits(&sc, Signal::Soft).unwrap();
        if k == 1 {
            assert!(
                agree(b, hard),
                "K = 1 must equal a hard label: {b:?} vs {hard:?}"
            );
        }
        if let Some(p) = prev {
            let se = (p.se * p.se + b.se * b.se).sqrt();
            assert!(b.bits - p.bits > 3.0 * se, "K {k}: {b:?} not above {p:?}");
        }
        assert!(b.bits < exact.bits, "K {k}: {b:?} vs exact {exact:?}");
        prev = Some(b);
    }
}

/// Noise lowers the bits of hard labels, pairs, triplets and pooled soft labels. One
/// exception, measured and kept as a finding: from zero noise up to a moderate error rate
/// (about 0.2 for K = 3, 0.3 for K = 10 in the default world), a soft label pooled from K >= 2
/// annotators *gains* bits, since split votes say where the item lies between prototypes,
/// which a noiseless annotator's unanimous votes never do. Beyond that, noise wins.
#[test]
fn bits_fall_as_the_error_rate_rises() {
    for (signal, k, start) in [
        (Signal::Hard, 0, 0.0),
        (Signal::Pair, 0, 0.0),
        (Signal::Triplet, 0, 0.0),
        (Signal::Soft, 3, 0.2),
    ] {
        let mut prev: Option<BitsEstimate> = None;
        for noise in [start, 0.3, 0.5, 0.8] {
            let sc = Scenario {
                noise,
                soft_annotators: k,
                ..Scenario::default()
            };
            let b = signal_bits(&sc, signal).unwrap();
            if let Some(p) = prev {
                let se = (p.se * p.se + b.se * b.se).sqrt();
                assert!(
                    p.bits - b.bits > 3.0 * se,
                    "{signal} {noise}: {b:?} vs {p:?}"
                );
            }
            prev = Some(b);
        }
    }
    let pooled = |noise| {
        let sc = Scenario {
            noise,
            soft_annotators: 3,
            ..Scenario::default()
        };
        signal_bits(&sc, Signal::Soft).unwrap()
    };
    let (a, b) = (pooled(0.0), pooled(0.1));
    assert!(
        b.bits - a.bits > 3.0 * (a.se * a.se + b.se * b.se).sqrt(),
        "{a:?} {b:?}"
    );
}

#[test]
fn deterministic_and_validated() {
    let sc = Scenario::default();
    assert_eq!(
        signal_bits(&sc, Signal::Pair).unwrap(),
        signal_bits(&sc, Signal::Pair).unwrap()
    );
    // the per-process cache of worlds never carries one scenario's settings into another
    let pooled = Scenario {
        soft_annotators: 5,
        ..Scenario::default()
    };
    let exact = signal_bits(&sc, Signal::Soft).unwrap();
    let five = signal_bits(&pooled, Signal::Soft).unwrap();
    assert_ne!(exact, five);
    assert_eq!(exact, signal_bits(&sc, Signal::Soft).unwrap());
    let bad = Scenario {
        noise: 0.95,
        ..Scenario::default()
    };
    let e = signal_bits(&bad, Signal::Hard).unwrap_err().to_string();
    assert!(e.contains("noise") && e.contains("0.95"), "{e}");
    let s = Settings {
        levels: 1,
        ..Settings::default()
    };
    assert!(signal_bits_with(&sc, Signal::Soft, &s).is_err());
}

#[test]
fn lower_bound_and_table() {
    let sc = Scenario::default();
    let need = bits_needed(&sc, 0.01);
    assert!((need - 16.0 * 64.0 * 100f64.log2()).abs() < 1e-9);
    assert_eq!(lower_bound_annotations(need, 0.0), f64::INFINITY);
    let rows = analyse_scenario(&sc, &Settings::default(), Some(&Costs::default()), 0.01).unwrap();
    assert_eq!(rows.len(), 4);
    for r in &rows {
        assert!((r.lower_bound_annotations * r.bits.bits - need).abs() < 1e-6);
        assert!(r.bits_per_cost.unwrap() > 0.0);
    }
    // the paper's first conclusion (docs/method.md, "The question"): soft > hard > pair
    assert!(rows[1].bits.bits > rows[0].bits.bits && rows[0].bits.bits > rows[3].bits.bits);
    assert!(analyse_scenario(&sc, &Settings::default(), None, 1.5).is_err());
    let pooled = Scenario {
        soft_annotators: 4,
        ..Scenario::default()
    };
    let rows = analyse_scenario(&pooled, &Settings::default(), None, 0.01).unwrap();
    let soft: Vec<&SignalInfo> = rows.iter().filter(|r| r.signal == Signal::Soft).collect();
    assert_eq!(soft.len(), 2);
    assert_eq!(soft[1].variant, "pooled, K = 4");
    // the quantised exact label carries more than four pooled votes
    assert!(soft[0].bits.bits > soft[1].bits.bits);
}
