//! The transfer checked against the default model itself, against teams whose hard labels do
//! better, and on a real-curve calibration.

use super::*;

/// The default model completing itself: transferring its own hard curve through its own
/// exchange rates gives back its own curves (below the hard ceiling).
#[test]
fn the_default_model_transferred_onto_itself_is_itself() {
    let sim = Model::embedded_default();
    let t = Transferred::new(Box::new(sim.clone()), vec![Signal::Hard], sim.clone()).unwrap();
    let sc = Scenario::default();
    for s in [Signal::Soft, Signal::Pair, Signal::Triplet] {
        for n in [30.0, 300.0, 3000.0] {
            let own = sim.predict(&sc, s, n).mean;
            if own >= sim.predict(&sc, Signal::Hard, 0.5 * N_TOP).mean {
                continue;
            }
            let p = t.predict(&sc, s, n);
            assert!(
                (p.mean - own).abs() < 2e-3,
                "{s} at {n}: {} vs {own}",
                p.mean
            );
            assert!(p.holds(p.mean));
            let safe = t.quantile(&sc, s, n, 0.9);
            assert!(safe <= p.mean + 1e-12, "{s} at {n}");
        }
    }
    // measured signals pass through
    let h = t.predict(&sc, Signal::Hard, 500.0);
    assert_eq!(h, sim.predict(&sc, Signal::Hard, 500.0));
}

/// A team's hard curve: the default model's, lifted by `lift` (capped at 1) and read at
/// `pace` times the count, in the team's own metric.
struct Team {
    sim: Model,
    lift: f64,
    pace: f64,
}

impl QualityModel for Team {
    fn predict(&self, sc: &Scenario, s: Signal, n: f64) -> Prediction {
        let p = self.sim.predict(sc, s, n * self.pace);
        let up = |q: f64| (q + self.lift).min(1.0);
        Prediction {
            mean: up(p.mean),
            lo: up(p.lo),
            hi: up(p.hi),
            level: p.level,
        }
    }
    fn quantile(&self, sc: &Scenario, s: Signal, n: f64, prob: f64) -> f64 {
        (self.sim.quantile(sc, s, n * self.pace, prob) + self.lift).min(1.0)
    }
    fn ceiling(&self, sc: &Scenario, s: Signal) -> f64 {
        (self.sim.ceiling(sc, s) + self.lift).min(1.0)
    }
    fn floor(&self, sc: &Scenario) -> f64 {
        self.sim.floor(sc) + self.lift
    }
    fn metric(&self) -> Metric {
        Metric::User
    }
}

/// A scenario of the common region, away from the reference one.
fn six_classes() -> Scenario {
    Scenario {
        classes: 6,
        dims: 12,
        features: 48,
        noise: 0.25,
        ..Scenario::default()
    }
}

fn team(lift: f64, pace: f64) -> Transferred {
    let sim = Model::embedded_default();
    let user = Team {
        sim: sim.clone(),
        lift,
        pace,
    };
    Transferred::new(Box::new(user), vec![Signal::Hard], sim).unwrap()
}

/// The transferred curves rise with n, keep their intervals ordered, and follow the team:
/// a team whose hard labels do better (higher, or sooner) gets no worse other signals.
#[test]
fn transferred_curves_follow_the_team_and_stay_ordered() {
    let sc = six_classes();
    let (base, lifted, faster) = (team(0.0, 1.0), team(0.05, 1.0), team(0.0, 2.0));
    assert_eq!(base.metric(), Metric::User);
    for s in [Signal::Soft, Signal::Triplet, Signal::Pair] {
        let mut last = f64::NEG_INFINITY;
        for k in 0..40 {
            let n = 5.0 * 1.3f64.powi(k);
            let p = base.predict(&sc, s, n);
            assert!(p.mean >= last - 1e-9, "{s} falls at {n}");
            last = p.mean;
            assert!(p.holds(p.mean), "{s} at {n}: {p:?}");
            assert!(base.quantile(&sc, s, n, 0.9) <= p.mean + 1e-12);
            assert!(base.quantile(&sc, s, n, 0.1) >= p.mean - 1e-12);
            assert!(
                p.mean <= base.ceiling(&sc, s) + 1e-9,
                "{s} above its ceiling at {n}"
            );
            for better in [&lifted, &faster] {
                assert!(
                    better.predict(&sc, s, n).mean >= p.mean - 1e-9,
                    "{s} at {n}"
                );
            }
        }
        // the transfer's error widens the interval beyond the team's own
        let n = 2000.0;
        let own = base
            .user
            .predict(&sc, Signal::Hard, base.central(&sc, s, n).1);
        let p = base.predict(&sc, s, n);
        assert!(p.hi - p.lo > own.hi - own.lo, "{s}");
    }
}

/// A pilot calibrated under the real-curve prior (a quantile-table hard curve, as
/// `calibrate --pilot` writes by default) is completed for every other signal; the
/// questions about measurement are the team's for hard labels and none for the others.
#[test]
fn a_quantile_table_pilot_is_completed() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/own-data/pilot.csv");
    let pilots: Vec<_> = crate::calibrate::pilot::read(&path)
        .unwrap()
        .into_iter()
        .collect();
    let prior = crate::realprior::prior::CurvePrior::embedded();
    let source = format!("{}0", crate::surrogate::model::CALIBRATED_SOURCE);
    let (model, _) =
        crate::realprior::predict::model(&prior, &pilots, 0.1, Metric::Accuracy, source).unwrap();
    assert!(model.table(Signal::Hard).is_some());
    let (hard_from, hard_to) = (
        model.measured_from(Signal::Hard),
        model.supported_to(Signal::Hard),
    );
    let (t, missing) = complete(model).unwrap();
    assert_eq!(missing, vec![Signal::Soft, Signal::Triplet, Signal::Pair]);
    assert!(t.is_calibrated());
    assert_eq!(t.metric(), Metric::Accuracy);
    assert_eq!(t.measured_from(Signal::Hard), hard_from);
    assert_eq!(t.supported_to(Signal::Hard), hard_to);
    let sc = Scenario {
        classes: 10,
        dims: 9,
        features: 61,
        ..Scenario::default()
    };
    for s in missing {
        assert!(t.has_curve(s));
        assert_eq!(t.measured_from(s), None);
        assert_eq!(t.supported_to(s), None);
        let (few, many) = (t.predict(&sc, s, 10.0), t.predict(&sc, s, 10_000.0));
        assert!(few.mean < many.mean, "{s}: {few:?} then {many:?}");
        assert!(many.holds(many.mean), "{s}: {many:?}");
        assert!(many.mean > t.floor(&sc), "{s}");
    }
}

#[test]
fn a_model_without_hard_labels_is_refused() {
    let sim = Model::embedded_default();
    let e = Transferred::new(Box::new(sim.clone()), vec![Signal::Soft], sim)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("hard-label curve") && e.contains("soft only"),
        "{e}"
    );
}

/// A soft label is worth at least a hard one (a hard label is a draw from the soft label's
/// distribution): where the default model's soft curve runs below its hard curve (little
/// annotator noise, many latent dimensions), the transferred soft curve follows the team's
/// hard curve instead of falling below it.
#[test]
fn soft_labels_are_worth_at_least_as_many_hard_labels() {
    let sim = Model::embedded_default();
    let sc = Scenario {
        classes: 19,
        dims: 28,
        features: 56,
        noise: 0.03,
        ..Scenario::default()
    };
    let t = team(0.05, 1.5);
    let mut below = 0;
    for k in 0..25 {
        let n = 10.0 * 1.4f64.powi(k);
        if sim.predict(&sc, Signal::Soft, n).mean < sim.predict(&sc, Signal::Hard, n).mean - 0.01 {
            below += 1;
        }
        let soft = t.predict(&sc, Signal::Soft, n);
        let hard = t.predict(&sc, Signal::Hard, n);
        assert!(
            soft.mean >= hard.mean - 1e-12,
            "at {n}: {soft:?} below {hard:?}"
        );
        assert!(soft.holds(soft.mean), "at {n}: {soft:?}");
    }
    assert!(
        below > 0,
        "the default model's soft curve never runs below its hard one here"
    );
    assert!(t.ceiling(&sc, Signal::Soft) >= t.ceiling(&sc, Signal::Hard));
}

/// The transfer's sd ramps from its value over the whole curve to its value near the top of
/// the team's hard rise; along the ramp a transferred curve's safe quantile still rises with
/// the count, and near the top the interval is the top sd's (wider than the flat sd's).
#[test]
fn the_transfer_widens_near_the_top_of_the_team_curve() {
    for s in [Signal::Soft, Signal::Triplet, Signal::Pair] {
        let k = slot(s);
        assert_eq!(transfer_sd(s, 0.0), TRANSFER_SD[k]);
        assert_eq!(transfer_sd(s, TOP_FROM.0), TRANSFER_SD[k]);
        assert_eq!(transfer_sd(s, TOP_FROM.1), TRANSFER_SD_TOP[k]);
        assert_eq!(transfer_sd(s, 2.0), TRANSFER_SD_TOP[k]);
        let mid = transfer_sd(s, 0.5 * (TOP_FROM.0 + TOP_FROM.1));
        assert!((mid - 0.5 * (TRANSFER_SD[k] + TRANSFER_SD_TOP[k])).abs() < 1e-12);
        assert!(TRANSFER_SD_TOP[k] >= TRANSFER_SD[k]);
    }
    let sc = six_classes();
    let t = team(0.0, 1.0);
    let z = crate::surrogate::model::normal_quantile(0.95);
    let (mut last, mut near_top) = (f64::NEG_INFINITY, 0);
    for k in 0..60 {
        let n = 5.0 * 1.25f64.powi(k);
        let safe = t.quantile(&sc, Signal::Pair, n, 0.95);
        assert!(safe >= last - 1e-9, "the pair's safe quantile falls at {n}");
        last = safe;
        let (mean, _) = t.central(&sc, Signal::Pair, n);
        if t.position(&sc, mean) >= TOP_FROM.1 && mean < t.ceiling(&sc, Signal::Pair) - 0.02 {
            near_top += 1;
            // below the centre by at least the transfer's top factor in the count
            let top = t
                .central(&sc, Signal::Pair, n * (-z * TRANSFER_SD_TOP[3]).exp())
                .0;
            let flat = t
                .central(&sc, Signal::Pair, n * (-z * TRANSFER_SD[3]).exp())
                .0;
            assert!(safe <= top + 1e-9, "at {n}: {safe} above {top}");
            assert!(
                top < flat,
                "at {n}: the top sd does not widen ({top} vs {flat})"
            );
        }
    }
    assert!(
        near_top > 0,
        "no count near the top of the team's hard rise"
    );
}
