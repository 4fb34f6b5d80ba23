//! Property tests of the planner's guarantees, against the closed-form Hill model.

use super::*;
use crate::cost::Costs;
use crate::scenario::Scenario;
use crate::signal::Signal;
use proptest::prelude::*;

#[allow(clippy::too_many_arguments)]
fn planner(
    classes: usize,
    dims: usize,
    mult: usize,
    noise: f64,
    prices: [f64; 4],
    items: u64,
    per_item_hard: bool,
    triplet_max: Option<f64>,
) -> Planner {
    let dataset = Scenario {
        classes,
        dims,
        features: (dims * mult).max(4),
        noise: noise.min(0.9 * (1.0 - 1.0 / classes as f64)),
        ..Scenario::default()
    };
    let mut text = format!("items = {items}\n");
    if per_item_hard && items > 0 {
        text.push_str("[limits.hard]\nper_item = 1\n");
    }
    if let Some(m) = triplet_max {
        text.push_str(&format!("[limits.triplet]\nmax = {m}\n"));
    }
    let mut scenario = PlanScenario::from_toml(&text).unwrap();
    scenario.dataset = dataset;
    let mut costs = Costs::default();
    for (s, p) in Signal::ALL.into_iter().zip(prices) {
        costs.signals.get_mut(&s).unwrap().per_annotation = p;
    }
    Planner::new(scenario, costs, &HillModel::default()).unwrap()
}

fn arb_planner() -> impl Strategy<Value = Planner> {
    (
        2usize..40,
        2usize..40,
        1usize..4,
        0.0f64..0.4,
        prop::array::uniform4(0.001f64..1.0),
        prop_oneof![Just(0u64), 100u64..100_000],
        any::<bool>(),
        prop::option::of(10.0f64..50_000.0),
    )
        .prop_map(|(c, d, m, e, p, items, hard, tmax)| planner(c, d, m, e, p, items, hard, tmax))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn a_budget_plan_never_exceeds_its_budget(p in arb_planner(), log_b in -2.0f64..5.0) {
        let b = 10f64.powf(log_b);
        match p.plan(Some(Objective::Budget(b))) {
            Ok(plan) => {
                prop_assert!(plan.recommendation.cost <= b, "{} > {b}", plan.recommendation.cost);
                for s in &plan.per_signal {
                    if let Some(c) = s.cost { prop_assert!(c <= b); }
                }
            }
            Err(e) => prop_assert!(e.to_string().contains("budget"), "{e}"),
        }
    }

    #[test]
    fn the_frontier_is_monotone(p in arb_planner()) {
        let f = p.frontier(60, None);
        prop_assert!(!f.is_empty());
        for w in f.windows(2) {
            prop_assert!(w[1].cost >= w[0].cost && w[1].quality >= w[0].quality,
                "{:?} then {:?}", (w[0].cost, w[0].quality), (w[1].cost, w[1].quality));
            prop_assert!(w[1].cost <= w[1].budget * (1.0 + 1e-12));
        }
    }

    #[test]
    fn a_higher_target_never_costs_less(p in arb_planner(), a in 0.0f64..1.0, b in 0.0f64..1.0) {
        let top = Signal::ALL.iter().map(|&s| p.best_reachable(s)).fold(0.0, f64::max);
        let floor = p.curves.floor;
        let lo_q = floor + 0.02 + (top - floor - 0.04).max(0.0) * a.min(b);
        let hi_q = floor + 0.02 + (top - floor - 0.04).max(0.0) * a.max(b);
        if let (Ok((x, _)), Ok((y, _))) = (p.cheapest_for(lo_q), p.cheapest_for(hi_q)) {
            prop_assert!(x.quality >= lo_q && y.quality >= hi_q);
            prop_assert!(x.cost <= y.cost * (1.0 + 1e-9), "q {lo_q} costs {} > q {hi_q} costs {}", x.cost, y.cost);
        }
    }

    #[test]
    fn the_safe_budget_is_safe_and_no_dearer_than_the_recommendation_scaled_up(
        p in arb_planner(),
        a in 0.0f64..1.0,
    ) {
        let top = Signal::ALL.iter().map(|&s| p.best_reachable(s)).fold(0.0, f64::max);
        let floor = p.curves.floor;
        let q = floor + 0.02 + (top - floor - 0.04).max(0.0) * a;
        if let Ok(plan) = p.plan(Some(Objective::Target(q))) {
            let r = &plan.recommendation;
            if let Some(s) = &r.safe {
                let safe_q = p.quality(curves::Kind::Safe, &s.allocation);
                prop_assert!(safe_q >= q - 1e-9, "safe quality {safe_q} < {q}");
                prop_assert!(s.budget >= r.cost * (1.0 - 1e-9), "{} < {}", s.budget, r.cost);
                if let Some(up) = p.safe_budget(&r.allocation, q) {
                    prop_assert!(s.budget <= up.budget * (1.0 + 1e-9), "{} > {}", s.budget, up.budget);
                }
            }
        }
    }

    #[test]
    fn plans_are_identical_run_to_run(p in arb_planner(), log_b in 0.0f64..4.0) {
        let obj = Some(Objective::Budget(10f64.powf(log_b)));
        let again = p.clone();
        prop_assert_eq!(p.plan(obj).ok(), again.plan(obj).ok());
        prop_assert_eq!(p.plan(Some(Objective::Target(0.3))).ok(), again.plan(Some(Objective::Target(0.3))).ok());
    }
}

#[test]
fn errors_name_the_problem() {
    let s = PlanScenario::from_toml("[limits.triplet]\noffered = false").unwrap();
    let p = Planner::new(s, Costs::default(), &HillModel::default()).unwrap();
    let e = p
        .plan(Some(Objective::Target(0.8)))
        .unwrap_err()
        .to_string();
    for s in Signal::ALL {
        assert!(e.contains(s.name()), "{e}");
    }
    assert!(
        e.contains("target") && e.contains("0.8") && e.contains("ceilings") && e.contains("0.750"),
        "{e}"
    );
    let e = p
        .plan(Some(Objective::Budget(0.001)))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("budget") && e.contains("0.001") && e.contains("pair"),
        "{e}"
    );
    let far =
        PlanScenario::from_toml("[dataset]\nclasses = 5000\ndims = 16\nfeatures = 64").unwrap();
    let e = Planner::new(far.clone(), Costs::default(), &HillModel::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("dataset.classes") && e.contains("5000") && e.contains("fitted range"),
        "{e}"
    );
    assert!(Planner::new_extrapolating(far, Costs::default(), &HillModel::default()).is_ok());
}

#[test]
fn unreachable_within_limits_says_which_signal_could() {
    let s = PlanScenario::from_toml("target = 0.9\n[limits.triplet]\noffered = false").unwrap();
    let p = Planner::new(s, Costs::default(), &HillModel::default()).unwrap();
    let e = p.plan(None).unwrap_err().to_string();
    assert!(
        e.contains("triplet could reach it if it were on offer"),
        "{e}"
    );
}

/// With the shipped model, validation case 21 at 95% (C 10, target 0.65, hard labels'
/// ceiling 0.69): hard labels are the cheapest buy but never safe at 95%; triplets are.
#[test]
fn a_signal_that_is_never_safe_leaves_the_safe_budget_to_another() {
    let text = include_str!("../../examples/validation/v21.toml")
        .replace("confidence = 0.9", "confidence = 0.95");
    let scenario = PlanScenario::from_toml(&text).unwrap();
    let model = crate::surrogate::Model::embedded_default();
    let p = Planner::new(scenario, Costs::default(), &model).unwrap();
    let plan = p.plan(None).unwrap();
    let r = &plan.recommendation;
    assert!(r.allocation.get(Signal::Hard) > 0.0);
    assert_eq!(p.safe_budget(&r.allocation, 0.65), None);
    let s = r.safe.as_ref().expect("another signal is safe at 95%");
    assert_eq!(s.allocation.get(Signal::Hard), 0.0);
    assert!(p.quality(curves::Kind::Safe, &s.allocation) >= 0.65);
}

#[test]
fn plan_has_recommendation_per_signal_and_crossovers() {
    let p = Planner::new(
        PlanScenario::embedded(),
        Costs::default(),
        &HillModel::default(),
    )
    .unwrap();
    let plan = p.plan(None).unwrap();
    assert!(plan.recommendation.quality >= 0.6);
    let safe = plan.recommendation.safe.as_ref().unwrap();
    assert!(safe.budget >= plan.recommendation.cost);
    assert_eq!(plan.per_signal.len(), 4);
    let json = serde_json::to_value(&plan).unwrap();
    for key in ["recommendation", "per_signal", "crossovers"] {
        assert!(json.get(key).is_some(), "{key}");
    }
    // every single-signal plan reaching the target costs at least the recommendation
    for s in &plan.per_signal {
        if let Some(c) = s.cost {
            assert!(c >= plan.recommendation.cost - 1e-9);
        }
    }
}
