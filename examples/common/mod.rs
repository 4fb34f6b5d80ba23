//! Shared by the check programs of issue 22 (`scenario_check`, `transfer_error`,
//! `transfer_check`, `partial_fit`): random scenarios over the common region, a world's
//! annotation log and labels as a team would hold them, and the count at which a model's curve
//! reaches a quality.
#![allow(dead_code)]

use labelbudget::info::item_labels::ItemLabels;
use labelbudget::sim::annotator::draw_categorical;
use labelbudget::surrogate::QualityModel;
use labelbudget::{Scenario, Signal};
use ndarray::Array2;
use rand::RngExt;

/// Items annotated in a world's log, and labels per item.
pub const LOG_ITEMS: usize = 1000;
pub const PER_ITEM: usize = 5;

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

/// A log of [`PER_ITEM`] labels of each of the first [`LOG_ITEMS`] items, drawn from their soft
/// labels p(z) (the rows of `p`) on a stream of `seed`.
pub fn log_of(p: &Array2<f64>, seed: u64) -> ItemLabels {
    let mut rng = labelbudget::rng::stream(seed, &[0x106]);
    let n = LOG_ITEMS.min(p.nrows());
    let mut counts = Vec::with_capacity(n);
    for i in 0..n {
        let row = p.row(i);
        let mut c: Vec<(u32, u32)> = Vec::new();
        for _ in 0..PER_ITEM {
            let k = draw_categorical(&mut rng, row.as_slice().expect("row-major")) as u32;
            match c.iter_mut().find(|x| x.0 == k) {
                Some(x) => x.1 += 1,
                None => c.push((k, 1)),
            }
        }
        counts.push(c);
    }
    ItemLabels {
        items: (0..n).map(|i| (i.to_string(), i as u64 + 2)).collect(),
        counts,
        classes: (0..p.ncols()).map(|c| c.to_string()).collect(),
        annotations: (n * PER_ITEM) as u64,
    }
}

/// Labels as classes 0..C in the sorted order of their values, and C.
pub fn indexed(y: &[i64]) -> (Vec<usize>, usize) {
    let mut l = y.to_vec();
    l.sort_unstable();
    l.dedup();
    (
        y.iter()
            .map(|v| l.binary_search(v).expect("present"))
            .collect(),
        l.len(),
    )
}
