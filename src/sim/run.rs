//! One simulation run: world, annotator, annotations, training, evaluation.

use super::annotations::annotate;
use super::annotator::Annotator;
use super::learner::{Dims, Objective};
use super::metrics::{Quality, evaluate};
use super::record::RunRecord;
use super::world::{World, normal, streams};
use crate::error::{Error, Result};
use crate::rng;
use crate::scenario::Scenario;
use crate::signal::Signal;
use ndarray::{Array1, Array2};
use std::time::Instant;

/// Relative scale of the initial encoder: small, so the untrained floor is a random projection
/// and metric losses start in their responsive range.
pub const INIT_SCALE: f64 = 0.1;

/// The largest accepted annotation count for one run.
pub const MAX_N: usize = 10_000_000;

/// The world and annotator of one (scenario, seed), reusable across signals and counts.
#[derive(Debug, Clone)]
pub struct Setting {
    pub world: World,
    pub annotator: Annotator,
    /// The untrained encoder shared by every run in this setting.
    pub init_w: Array2<f64>,
    /// Quality of the untrained encoder (the floor).
    pub floor: Quality,
}

impl Setting {
    /// Build the world of `scenario` for `seed` and solve its annotator.
    ///
    /// # Errors
    /// An invalid scenario.
    pub fn new(scenario: &Scenario, seed: u64) -> Result<Setting> {
        scenario.validate()?;
        let world = World::new(scenario, seed);
        let annotator = Annotator::for_world(&world, scenario.noise)?;
        let (r, big_d) = (scenario.rep(), scenario.features);
        let feature_var = (scenario.dims as f64
            + (big_d - scenario.dims) as f64 * scenario.nuisance)
            / big_d as f64;
        let sd = INIT_SCALE / (big_d as f64 * feature_var.max(1e-12)).sqrt();
        let mut rng = rng::stream(seed, &[scenario.world_key(), streams::INIT]);
        let init_w = Array2::from_shape_simple_fn((r, big_d), || sd * normal(&mut rng));
        let floor = evaluate(&world, init_w.view());
        Ok(Setting {
            world,
            annotator,
            init_w,
            floor,
        })
    }

    /// The initial parameters of `obj`: the seeded encoder of this setting and a small seeded head.
    pub fn init_params(&self, obj: &Objective<'_>) -> Array1<f64> {
        let mut p = Array1::zeros(obj.param_len());
        let wl = self.init_w.len();
        p.slice_mut(ndarray::s![..wl])
            .assign(&Array1::from_iter(self.init_w.iter().copied()));
        match obj.data {
            super::annotations::Annotations::Class { .. } => {
                // head starts small and seeded so the problem is not at a symmetric saddle
                let mut rng = rng::stream(
                    self.world.seed,
                    &[self.world.scenario.world_key(), streams::INIT, 1],
                );
                let r = self.world.scenario.rep() as f64;
                let c = self.world.classes();
                let vl = c * self.world.scenario.rep();
                for v in p.slice_mut(ndarray::s![wl..wl + vl]).iter_mut() {
                    *v = normal(&mut rng) / r.sqrt();
                }
            }
            super::annotations::Annotations::Pair { diffs, .. } => {
                // threshold starts at the median initial squared distance
                let e = diffs.dot(&self.init_w.t());
                let mut sq: Vec<f64> = e.rows().into_iter().map(|r| r.dot(&r)).collect();
                sq.sort_by(f64::total_cmp);
                p[wl] = sq.get(sq.len() / 2).copied().unwrap_or(1.0);
            }
            super::annotations::Annotations::Triplet { .. } => {}
        }
        p
    }

    /// Run `signal` with `n` annotations in this setting.
    ///
    /// # Errors
    /// n = 0 or above [`MAX_N`], or a numerical failure of the learner.
    pub fn run(&self, signal: Signal, n: usize, timing: bool) -> Result<RunRecord> {
        self.run_annotated(signal, n, self.world.seed, timing)
    }

    /// [`Setting::run`] with the annotations drawn from the stream of `annotation_seed` instead
    /// of the world's seed: the same world, items and starting encoder, another draw of the
    /// annotations (what a team's own dataset sees when it buys annotations again).
    ///
    /// # Errors
    /// As [`Setting::run`].
    pub fn run_annotated(
        &self,
        signal: Signal,
        n: usize,
        annotation_seed: u64,
        timing: bool,
    ) -> Result<RunRecord> {
        if n == 0 || n > MAX_N {
            return Err(Error::invalid(
                "n",
                n,
                format!("an annotation count from 1 to {MAX_N}"),
            ));
        }
        let start = Instant::now();
        let sc = &self.world.scenario;
        let data = annotate(&self.world, &self.annotator, signal, n, annotation_seed);
        let dims = Dims {
            rep: sc.rep(),
            features: sc.features,
            classes: sc.classes,
            weight_decay: sc.weight_decay,
        };
        let obj = Objective::new(dims, &data);
        let trained = obj.train(self.init_params(&obj))?;
        let q = evaluate(&self.world, trained.w.view());
        let floor = self.floor;
        Ok(RunRecord {
            run: 0,
            signal,
            n: n as u64,
            classes: sc.classes,
            dims: sc.dims,
            features: sc.features,
            rep_dims: sc.rep(),
            nuisance: sc.nuisance,
            noise: sc.noise,
            latent: sc.latent,
            soft_annotators: sc.soft_annotators,
            pool: sc.pool,
            seed: self.world.seed,
            cka: q.cka,
            transfer: q.transfer,
            cka_floor: floor.cka,
            transfer_floor: floor.transfer,
            tau: self.annotator.tau,
            evals: trained.evals,
            seconds: if timing {
                start.elapsed().as_secs_f64()
            } else {
                0.0
            },
        })
    }
}

/// One run from scratch: `signal` with `n` annotations in `scenario` for `seed`.
///
/// # Errors
/// An invalid scenario or n, or a numerical failure of the learner.
pub fn run(scenario: &Scenario, signal: Signal, n: usize, seed: u64) -> Result<RunRecord> {
    let start = Instant::now();
    let mut rec = Setting::new(scenario, seed)?.run(signal, n, true)?;
    rec.seconds = start.elapsed().as_secs_f64();
    Ok(rec)
}
