//! Synthetic annotation logs from the simulator's own annotator, with known information, to check
//! the log estimators against the truth.
//!
//! Items are latent draws z in the world of the scenario (the first of [`super::theory::WORLD_SEEDS`]);
//! each annotation is by an annotator picked uniformly at random from `annotators`, of whom the
//! first `spammers` answer uniformly at random and the others draw a hard label from the
//! simulator's [`Annotator`] (`p(z)` at the scenario's error rate). So the label of a random
//! annotation of item z has distribution `p'(z) = (1 - s) p(z) + s / C`, s = spammers / annotators,
//! and the true I(label; item) is `H(E p') - E H(p')`, computed by Monte Carlo over many items.
//! `gold` is the class of the nearest prototype (the noiseless label); `seconds` is log-normal
//! with median 4.2 s (CIFAR-10N's median time per label) and log-sd 0.5.

use super::BitsEstimate;
use super::theory::{WORLD_SEEDS, categorical_channel_bits, entropy_bits};
use crate::error::{Error, Result};
use crate::rng;
use crate::scenario::Scenario;
use crate::sim::World;
use crate::sim::annotator::{Annotator, draw_categorical};
use ndarray::Array2;
use rand::RngExt;
use rand_distr::{Distribution, LogNormal};
use serde::{Deserialize, Serialize};
use std::io::Write;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyntheticSpec {
    pub scenario: Scenario,
    pub items: usize,
    pub per_item: usize,
    pub annotators: usize,
    pub spammers: usize,
    pub seed: u64,
}

/// The information the generated log truly carries.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SyntheticTruth {
    /// I(label; item) for items drawn from the world (Monte Carlo over 100,000 items).
    pub population: BitsEstimate,
    /// I(label; item) over exactly the items of the log, from their true label distributions.
    pub items_in_log: f64,
}

/// Items the population truth is averaged over.
const TRUTH_ITEMS: usize = 100_000;

/// Label distributions p'(z) for `n` items drawn from `rng`, plus each item's nearest class.
fn item_distributions(
    world: &World,
    ann: &Annotator,
    spam: f64,
    n: usize,
    rng: &mut rng::Rng,
) -> (Array2<f64>, Vec<usize>) {
    let (c, d) = (world.classes(), world.dims());
    let mut p = Array2::zeros((n, c));
    let mut gold = Vec::with_capacity(n);
    let mut z = vec![0.0; d];
    let mut sq = vec![0.0; c];
    for mut row in p.rows_mut() {
        world.draw_latent(rng, &mut z);
        let out = row.as_slice_mut().expect("row-major");
        ann.probs(ndarray::ArrayView1::from(&z), out);
        for (k, mu) in world.prototypes.rows().into_iter().enumerate() {
            sq[k] = mu.iter().zip(&z).map(|(a, b)| (a - b) * (a - b)).sum();
        }
        gold.push((0..c).min_by(|&a, &b| sq[a].total_cmp(&sq[b])).unwrap_or(0));
        out.iter_mut()
            .for_each(|v| *v = (1.0 - spam) * *v + spam / c as f64);
    }
    (p, gold)
}

/// Write a synthetic log as CSV (`item,annotator,label,seconds,gold`) and return its truth.
///
/// # Errors
/// An invalid scenario or spec, or a write failure.
pub fn write_synthetic_log(spec: &SyntheticSpec, out: &mut impl Write) -> Result<SyntheticTruth> {
    spec.scenario.validate()?;
    if spec.items == 0 || spec.per_item == 0 || spec.annotators == 0 {
        return Err(Error::invalid(
            "items/per_item/annotators",
            format!("{}/{}/{}", spec.items, spec.per_item, spec.annotators),
            "positive integers",
        ));
    }
    if spec.spammers > spec.annotators {
        return Err(Error::invalid(
            "spammers",
            spec.spammers,
            format!("at most annotators = {}", spec.annotators),
        ));
    }
    let world = World::without_items(&spec.scenario, WORLD_SEEDS[0]);
    let ann = Annotator::for_world(&world, spec.scenario.noise)?;
    let spam = spec.spammers as f64 / spec.annotators as f64;
    let c = world.classes();

    let mut truth_rng = rng::stream(spec.seed, &[rng::hash_str("synthetic-truth")]);
    let (pop, _) = item_distributions(&world, &ann, spam, TRUTH_ITEMS, &mut truth_rng);
    let population = categorical_channel_bits(pop.view());

    let mut rng = rng::stream(spec.seed, &[rng::hash_str("synthetic-log")]);
    let (p, gold) = item_distributions(&world, &ann, spam, spec.items, &mut rng);
    let mean: Vec<f64> = p
        .columns()
        .into_iter()
        .map(|col| col.sum() / spec.items as f64)
        .collect();
    let items_in_log = entropy_bits(&mean)
        - p.rows()
            .into_iter()
            .map(|r| entropy_bits(r.as_slice().expect("row-major")))
            .sum::<f64>()
            / spec.items as f64;

    let io = |e: std::io::Error| Error::Io {
        path: "synthetic log".into(),
        source: e,
    };
    let seconds = LogNormal::new(4.2f64.ln(), 0.5).map_err(|e| Error::numerical("seconds", e))?;
    let uniform = vec![1.0 / c as f64; c];
    writeln!(out, "item,annotator,label,seconds,gold").map_err(io)?;
    for (i, g) in gold.iter().enumerate() {
        for _ in 0..spec.per_item {
            let a = rng.random_range(0..spec.annotators);
            let label = if a < spec.spammers {
                draw_categorical(&mut rng, &uniform)
            } else {
                let row = world_probs(&p, i, spam, c);
                draw_categorical(&mut rng, &row)
            };
            let s: f64 = seconds.sample(&mut rng);
            writeln!(out, "i{i},a{a},{label},{s:.2},{g}").map_err(io)?;
        }
    }
    Ok(SyntheticTruth {
        population,
        items_in_log,
    })
}

/// The honest annotator's p(z) of item `i`, recovered from p'(z) = (1 - s) p(z) + s / C.
fn world_probs(p: &Array2<f64>, i: usize, spam: f64, c: usize) -> Vec<f64> {
    if spam >= 1.0 {
        return vec![1.0 / c as f64; c];
    }
    p.row(i)
        .iter()
        .map(|v| ((v - spam / c as f64) / (1.0 - spam)).max(0.0))
        .collect()
}
