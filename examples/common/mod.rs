//! Shared by the check programs of issue 22 (`scenario_check`, `transfer_error`,
//! `transfer_check`, `partial_fit`): random scenarios over the common region, and the count at
//! which a model's curve reaches a quality.
#![allow(dead_code)]

use labelbudget::surrogate::QualityModel;
use labelbudget::{Scenario, Signal};
use rand::RngExt;

pub type Rng = rand_chacha::ChaCha8Rng;

/// A draw log-uniform in [lo, hi].
pub fn log_uniform(lo: f64, hi: f64, rng: &mut Rng) -> f64 {
    (lo.ln() + rng.random::<f64>() * (hi.ln() - lo.ln())).exp()
}

/// A scenario of the common region, drawn in this order: C log-uniform in 3..30, d log-uniform
/// in 4..32, D uniform in max(d, 32)..128, noise uniform in 0..0.35 (to 0.01); nuisance 4.
pub fn common_region(rng: &mut Rng) -> Scenario {
    let c = log_uniform(3.0, 30.0, rng).round() as usize;
    let d = log_uniform(4.0, 32.0, rng).round() as usize;
    let lo = d.max(32);
    let big_d = lo + (rng.random::<f64>() * (128 - lo + 1) as f64) as usize;
    let noise = (rng.random::<f64>() * 0.35 * 100.0).round() / 100.0;
    Scenario {
        classes: c,
        dims: d,
        features: big_d,
        noise,
        ..Scenario::default()
    }
}

/// The class cap sqrt(min(C - 1, d) / d) of a scenario.
pub fn class_cap(sc: &Scenario) -> f64 {
    ((sc.classes as f64 - 1.0).min(sc.dims as f64) / sc.dims as f64).sqrt()
}

/// The smallest count at which `signal`'s central prediction reaches `q` (bisection in ln n
/// up to 10^7), or `None` when it stays below.
pub fn count_for(model: &dyn QualityModel, sc: &Scenario, signal: Signal, q: f64) -> Option<f64> {
    let (mut lo, mut hi) = (0.0f64, 1e7f64.ln());
    if model.predict(sc, signal, hi.exp()).mean < q {
        return None;
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if model.predict(sc, signal, mid.exp()).mean >= q {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi.exp())
}
