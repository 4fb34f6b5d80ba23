//! Bits per annotation in the simulator's world: settings, sample sizes, cached worlds.

use super::sampled::{
    binary_channel_bits, categorical_channel_bits, pooled_channel_bits, quantised_bits,
};
use super::{
    CACHE_SIZE, DEFAULT_SOFT_LEVELS, INFO_STREAM, NESTED_WORK_PER_WORLD, WORK_PER_WORLD,
    WORLD_SEEDS,
};
use crate::error::{Error, Result};
use crate::info::BitsEstimate;
use crate::rng::{self, Rng};
use crate::scenario::Scenario;
use crate::signal::Signal;
use crate::sim::World;
use crate::sim::annotator::Annotator;
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Settings of [`signal_bits_with`].
///
/// | field | default | meaning |
/// |---|---|---|
/// | `levels` | 11 | q, levels per class of an exact (elicited) soft label; >= 2 |
/// | `samples` | 0 | Monte Carlo draws per world, 100 to 1e7; 0 = automatic (budgeted by C d) |
/// | `worlds` | 3 | how many of [`WORLD_SEEDS`] to average over (1 to 3); worlds differ by a few percent in bits (C = 100, d = 64: 4.66 bits in the first world, 4.88 averaged over three), so keep 3 for values that vary smoothly with C and d |
/// | `temperature` | none | annotator temperature tau, overriding the scenario's error rate |
/// | `seed` | 0 | seed of the Monte Carlo draws |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub levels: usize,
    pub samples: usize,
    pub worlds: usize,
    pub temperature: Option<f64>,
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            levels: DEFAULT_SOFT_LEVELS,
            samples: 0,
            worlds: WORLD_SEEDS.len(),
            temperature: None,
            seed: 0,
        }
    }
}

/// The fewest Monte Carlo draws per world accepted (besides 0, automatic).
pub const MIN_SAMPLES: usize = 100;
/// The most Monte Carlo draws per world accepted.
pub const MAX_SAMPLES: usize = 10_000_000;

impl Settings {
    fn validate(&self) -> Result<()> {
        if !(2..=1001).contains(&self.levels) {
            return Err(Error::invalid(
                "levels",
                self.levels,
                "an integer from 2 to 1001",
            ));
        }
        if !(1..=WORLD_SEEDS.len()).contains(&self.worlds) {
            return Err(Error::invalid(
                "worlds",
                self.worlds,
                format!("an integer from 1 to {}", WORLD_SEEDS.len()),
            ));
        }
        if self.samples > 0 && !(MIN_SAMPLES..=MAX_SAMPLES).contains(&self.samples) {
            return Err(Error::invalid(
                "samples",
                self.samples,
                format!(
                    "0 (automatic) or a number of draws from {MIN_SAMPLES} to {MAX_SAMPLES} (fewer \
                     give a biased estimate and no usable standard error)"
                ),
            ));
        }
        if let Some(t) = self.temperature
            && !(t.is_finite() && t >= 0.0)
        {
            return Err(Error::invalid("temperature", t, "a finite number >= 0"));
        }
        Ok(())
    }
}

/// Draws per world for `signal` under `settings`.
fn sample_size(scenario: &Scenario, signal: Signal, settings: &Settings) -> usize {
    if settings.samples > 0 {
        return settings.samples;
    }
    let per_draw = (scenario.classes * scenario.dims * signal.arity()) as f64;
    let n = (WORK_PER_WORLD / per_draw).clamp(500.0, 10_000.0) as usize;
    if signal == Signal::Soft && scenario.soft_annotators > 0 {
        let per_pair = scenario.soft_annotators.min(scenario.classes).max(1) as f64;
        let nested = (NESTED_WORK_PER_WORLD / per_pair).sqrt() as usize;
        n.min(nested.max(300))
    } else {
        n
    }
}

/// Bits of one annotation of `signal` in one world, from `n` draws (`k` pooled annotators for
/// soft labels, 0 = quantised to `levels`). The world may be shared between scenarios that differ
/// only in the annotation settings, so those come as arguments, never from `world.scenario`.
fn world_bits(
    world: &World,
    annotator: &Annotator,
    signal: Signal,
    (n, k, levels): (usize, usize, usize),
    rng: &mut Rng,
) -> BitsEstimate {
    let (c, d) = (world.classes(), world.dims());
    let mut z = Array2::zeros((signal.arity(), d));
    let draw = |rng: &mut Rng, z: &mut Array2<f64>| {
        for mut row in z.rows_mut() {
            world.draw_latent(rng, row.as_slice_mut().expect("row-major"));
        }
    };
    match signal {
        Signal::Hard | Signal::Soft => {
            let mut probs = Array2::zeros((n, c));
            for mut row in probs.rows_mut() {
                draw(rng, &mut z);
                annotator.probs(z.row(0), row.as_slice_mut().expect("row-major"));
            }
            match signal {
                Signal::Hard => categorical_channel_bits(probs.view()),
                _ if k == 0 => quantised_bits(probs.view(), levels),
                _ => pooled_channel_bits(probs.view(), k, rng),
            }
        }
        Signal::Triplet => {
            let ps: Vec<f64> = (0..n)
                .map(|_| {
                    draw(rng, &mut z);
                    annotator.triplet_prob_b(z.row(0), z.row(1), z.row(2))
                })
                .collect();
            binary_channel_bits(&ps)
        }
        Signal::Pair => {
            let (mut pa, mut pb) = (vec![0.0; c], vec![0.0; c]);
            let ps: Vec<f64> = (0..n)
                .map(|_| {
                    draw(rng, &mut z);
                    annotator.probs(z.row(0), &mut pa);
                    annotator.probs(z.row(1), &mut pb);
                    pa.iter().zip(&pb).map(|(a, b)| a * b).sum::<f64>().min(1.0)
                })
                .collect();
            binary_channel_bits(&ps)
        }
    }
}

type Cached = std::sync::Arc<(World, Annotator)>;

/// The world of `scenario` for `seed` with its annotator, built once per process: solving the
/// annotator's temperature is most of the cost of a call for large C d.
fn world_and_annotator(scenario: &Scenario, seed: u64, temperature: Option<f64>) -> Result<Cached> {
    use std::sync::{Arc, Mutex, OnceLock};
    type Key = (u64, u64, u64, u64, u64);
    static CACHE: OnceLock<Mutex<HashMap<Key, Cached>>> = OnceLock::new();
    let key = (
        scenario.world_key(),
        scenario.latent as u64,
        seed,
        scenario.noise.to_bits(),
        temperature.map_or(u64::MAX, f64::to_bits),
    );
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(hit);
    }
    let world = World::without_items(scenario, seed);
    let annotator = match temperature {
        Some(t) => Annotator::with_temperature(&world, t),
        None => Annotator::for_world(&world, scenario.noise)?,
    };
    let entry = Arc::new((world, annotator));
    if let Ok(mut c) = cache.lock() {
        if c.len() >= CACHE_SIZE {
            c.clear();
        }
        c.insert(key, entry.clone());
    }
    Ok(entry)
}

/// [`super::signal_bits`](crate::info::signal_bits) with explicit [`Settings`] (quantisation
/// levels, sample size, worlds, an explicit annotator temperature, seed).
///
/// # Errors
/// An invalid scenario or setting (the error names the key and value).
pub fn signal_bits_with(
    scenario: &Scenario,
    signal: Signal,
    settings: &Settings,
) -> Result<BitsEstimate> {
    scenario.validate()?;
    settings.validate()?;
    let n = sample_size(scenario, signal, settings);
    let seeds = &WORLD_SEEDS[..settings.worlds];
    let (mut bits, mut var) = (0.0, 0.0);
    for &ws in seeds {
        let cached = world_and_annotator(scenario, ws, settings.temperature)?;
        let (world, annotator) = (&cached.0, &cached.1);
        let mut rng = rng::stream(
            settings.seed,
            &[scenario.world_key(), INFO_STREAM, ws, signal.index()],
        );
        let sizes = (n, scenario.soft_annotators, settings.levels);
        let est = world_bits(world, annotator, signal, sizes, &mut rng);
        bits += est.bits;
        var += est.se * est.se;
    }
    let m = seeds.len() as f64;
    Ok(BitsEstimate {
        bits: bits / m,
        se: var.sqrt() / m,
    })
}
