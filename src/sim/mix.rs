//! Training on a mix of signals: one encoder W shared by a sum of objectives.
//!
//! The loss of a mix is the mean over all its annotations, `sum_s (n_s / N) * loss_s`, where
//! `loss_s` is signal s's objective of [`super::learner`] (its mean over its own annotations) and
//! N the total count, plus the same weight decay on W and on every class head. Each signal keeps
//! its own head (class head for hard and soft labels, threshold for pairs); annotations of each
//! signal are exactly those a single-signal run draws for the same seed. With one signal this is
//! the single-signal objective.
//!
//! This exists to check the planner's mixing rule against the simulator (`plan --verify` on a
//! mixed recommendation).

use super::annotations::{Annotations, annotate};
use super::learner::{Dims, LEARNER_LBFGS, Objective};
use super::metrics::evaluate;
use super::run::Setting;
use crate::error::{Error, Result};
use crate::optim::{JointObjective, lbfgs};
use crate::signal::Signal;
use ndarray::{Array1, s};

/// Quality reached by a mixed run.
#[derive(Debug, Clone, PartialEq)]
pub struct MixRecord {
    pub counts: Vec<(Signal, usize)>,
    pub seed: u64,
    pub cka: f64,
    pub transfer: f64,
    pub cka_floor: f64,
}

struct Part<'a> {
    obj: Objective<'a>,
    weight: f64,
    /// Offset of this part's extra parameters in the joint vector, and their count.
    offset: usize,
    extra: usize,
    /// Length of the decayed head inside the extras (class head V).
    head: usize,
}

struct Joint<'a> {
    parts: Vec<Part<'a>>,
    w_len: usize,
    len: usize,
    decay: f64,
}

impl JointObjective for Joint<'_> {
    fn cost_and_gradient(&self, p: &Array1<f64>) -> (f64, Array1<f64>) {
        let wl = self.w_len;
        let mut grad = Array1::zeros(self.len);
        let mut cost = 0.0;
        for part in &self.parts {
            let mut sub = Array1::zeros(wl + part.extra);
            sub.slice_mut(s![..wl]).assign(&p.slice(s![..wl]));
            sub.slice_mut(s![wl..])
                .assign(&p.slice(s![part.offset..part.offset + part.extra]));
            let (c, g) = part.obj.cost_and_gradient(&sub);
            cost += part.weight * c;
            grad.slice_mut(s![..wl])
                .scaled_add(part.weight, &g.slice(s![..wl]));
            grad.slice_mut(s![part.offset..part.offset + part.extra])
                .scaled_add(part.weight, &g.slice(s![wl..]));
        }
        let lam = self.decay;
        let mut decay = |range: std::ops::Range<usize>| {
            let v = p.slice(s![range.clone()]);
            cost += 0.5 * lam * v.dot(&v);
            grad.slice_mut(s![range]).scaled_add(lam, &v);
        };
        decay(0..wl);
        for part in &self.parts {
            decay(part.offset..part.offset + part.head);
        }
        (cost, grad)
    }
}

impl Setting {
    /// Train one encoder on a mix of signals (counts of 0 are skipped) and evaluate it.
    ///
    /// # Errors
    /// No annotations at all, or a numerical failure of the learner.
    pub fn run_mix(&self, counts: &[(Signal, usize)]) -> Result<MixRecord> {
        let used: Vec<(Signal, usize)> = counts.iter().copied().filter(|c| c.1 > 0).collect();
        let total: usize = used.iter().map(|c| c.1).sum();
        if total == 0 {
            return Err(Error::invalid(
                "mix",
                "no annotations",
                "at least one count > 0",
            ));
        }
        let sc = &self.world.scenario;
        let data: Vec<Annotations> = used
            .iter()
            .map(|&(s, n)| annotate(&self.world, &self.annotator, s, n, self.world.seed))
            .collect();
        let dims = Dims {
            rep: sc.rep(),
            features: sc.features,
            classes: sc.classes,
            weight_decay: 0.0,
        };
        let w_len = dims.rep * dims.features;
        let mut parts = Vec::new();
        let mut offset = w_len;
        let mut init = self.init_w.iter().copied().collect::<Vec<f64>>();
        for (d, &(_, n)) in data.iter().zip(&used) {
            let obj = Objective::new(dims, d);
            let extra = obj.param_len() - w_len;
            let head = match d {
                Annotations::Class { .. } => dims.classes * dims.rep,
                _ => 0,
            };
            init.extend(self.init_params(&obj).slice(s![w_len..]).iter().copied());
            parts.push(Part {
                obj,
                weight: n as f64 / total as f64,
                offset,
                extra,
                head,
            });
            offset += extra;
        }
        let joint = Joint {
            parts,
            w_len,
            len: offset,
            decay: sc.weight_decay,
        };
        let (best, _, _) = lbfgs(&joint, Array1::from(init), LEARNER_LBFGS, "mixed learner")?;
        let w = best
            .slice(s![..w_len])
            .to_owned()
            .into_shape_with_order((dims.rep, dims.features))
            .map_err(|e| Error::numerical("mixed learner", e))?;
        let q = evaluate(&self.world, w.view());
        let floor = evaluate(&self.world, self.init_w.view());
        Ok(MixRecord {
            counts: used,
            seed: self.world.seed,
            cka: q.cka,
            transfer: q.transfer,
            cka_floor: floor.cka,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn one_signal_mix_matches_single_run() {
        let sc = Scenario {
            classes: 4,
            dims: 4,
            features: 8,
            test_items: 200,
            ..Scenario::default()
        };
        let st = Setting::new(&sc, 3).unwrap();
        for signal in [Signal::Hard, Signal::Pair] {
            let single = st.run(signal, 60, false).unwrap();
            let mix = st.run_mix(&[(signal, 60), (Signal::Soft, 0)]).unwrap();
            assert!(
                (single.cka - mix.cka).abs() < 1e-3,
                "{signal}: {} vs {}",
                single.cka,
                mix.cka
            );
        }
        let both = st
            .run_mix(&[(Signal::Hard, 60), (Signal::Triplet, 60)])
            .unwrap();
        assert!(both.cka.is_finite());
    }
}
