//! Bits per annotation: closed forms, and seeded Monte Carlo in the simulator's world.
//!
//! Every Monte Carlo estimate below has the form I = E_z[g(z)] for a per-draw contribution g,
//! estimated by the sample mean with standard error sd(g)/sqrt(N):
//!
//! | signal | contribution g | identity |
//! |---|---|---|
//! | hard | KL(p(z) ‖ p̄), p̄ = E p | I(y; z) = H(E p) - E H(p) |
//! | triplet | KL_b(P ‖ E P), P = P("b" \| a, b, c) | I = H_b(E P) - E H_b(P) ≤ 1 |
//! | pair | KL_b(s ‖ E s), s = Σ_c p_c(z_a) p_c(z_b) | I = H_b(E s) - E H_b(s) |
//! | soft, pooled from K | log P(n \| z) - log P(n) | I(n; z), n ~ Multinomial(K, p(z)) |
//! | soft, quantised to q levels | -log P(Q(p(z))) | I = H(Q(p(z))) ≤ (C-1) log2 q |
//!
//! p̄, E P, E s and P(n) are themselves estimated from the same sample (P(n) as the mean of
//! P(n | z_j) over all draws j, the draw itself included, which keeps the estimate finite at zero
//! noise and bounds it by log2 N). The quantised soft label's entropy is the Chao-Shen
//! coverage-adjusted estimate over its cells. These plug-in steps add a bias of order 1/N not
//! included in the standard error; at the default sample sizes it is well below the standard error
//! except for soft labels at large K (pooled: the estimate saturates near log2 N) or at large C and
//! q (quantised: when most cells are seen once, the estimate leans on the coverage correction).

use super::BitsEstimate;
use crate::cost::Costs;
use crate::error::{Error, Result};
use crate::rng::{self, Rng};
use crate::scenario::Scenario;
use crate::signal::Signal;
use crate::sim::World;
use crate::sim::annotator::{Annotator, draw_categorical};
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Default levels per class of an elicited soft label (probabilities in steps of 0.1).
pub const DEFAULT_SOFT_LEVELS: usize = 11;
/// Default precision delta of `bits needed = P_eff log2(1/delta)`.
pub const DEFAULT_DELTA: f64 = 0.01;
/// Fixed world seeds the Monte Carlo estimates average over.
pub const WORLD_SEEDS: [u64; 3] = [101, 202, 303];
/// The triplet's bound: one binary answer carries at most one bit.
pub const TRIPLET_MAX_BITS: f64 = 1.0;
/// Stream label of the information module's draws.
const INFO_STREAM: u64 = 0x696e_666f;
/// Worlds with their calibrated annotators kept per process (cleared when full).
const CACHE_SIZE: usize = 64;
/// Work budget (multiply-adds) per world for the automatic sample size.
const WORK_PER_WORLD: f64 = 7.0e6;
/// Work budget per world for the nested pooled-soft estimator (N^2 min(K, C)).
const NESTED_WORK_PER_WORLD: f64 = 8.0e6;

// ---------------------------------------------------------------- entropies and closed forms

/// Shannon entropy in bits of a probability vector (0 log 0 = 0).
pub fn entropy_bits(p: &[f64]) -> f64 {
    -p.iter()
        .filter(|&&v| v > 0.0)
        .map(|&v| v * v.log2())
        .sum::<f64>()
}

/// Binary entropy H_b(p) in bits.
pub fn binary_entropy(p: f64) -> f64 {
    entropy_bits(&[p, 1.0 - p])
}

/// KL(p ‖ q) in bits for binary distributions with success probabilities p and q.
fn binary_kl(p: f64, q: f64) -> f64 {
    let term = |a: f64, b: f64| if a > 0.0 { a * (a / b).log2() } else { 0.0 };
    term(p, q) + term(1.0 - p, 1.0 - q)
}

/// Noiseless hard label with class prior `prior`: H(pi) bits.
pub fn hard_noiseless_bits(prior: &[f64]) -> f64 {
    entropy_bits(prior)
}

/// Hard label through a symmetric noisy annotator (right with probability 1 - e, otherwise a
/// uniformly random other class), uniform prior over C classes:
/// `log2 C - H_b(e) - e log2(C - 1)`.
pub fn hard_symmetric_bits(classes: usize, error: f64) -> f64 {
    let c = classes as f64;
    c.log2() - binary_entropy(error) - error * (c - 1.0).log2()
}

/// Noiseless same/different pair with class prior `prior`: H_b(sum pi_c^2) (H_b(1/C) if uniform).
pub fn pair_noiseless_bits(prior: &[f64]) -> f64 {
    binary_entropy(prior.iter().map(|p| p * p).sum())
}

/// Same/different pair from two hard labels of a symmetric noisy annotator, uniform prior:
/// H_b(P(same)) - [ H_b(s1)/C + (1 - 1/C) H_b(s0) ], where s1 and s0 are the probabilities of
/// "same" for two items of one class and of two classes.
pub fn pair_symmetric_bits(classes: usize, error: f64) -> f64 {
    let c = classes as f64;
    let other = error / (c - 1.0);
    // same class: both right, or both wrong on the same other class
    let s1 = (1.0 - error).powi(2) + (c - 1.0) * other * other;
    // different classes a != b: labels agree on a, on b, or on one of the C - 2 others
    let s0 = 2.0 * (1.0 - error) * other + (c - 2.0) * other * other;
    let same = s1 / c + s0 * (1.0 - 1.0 / c);
    binary_entropy(same) - (binary_entropy(s1) / c + (1.0 - 1.0 / c) * binary_entropy(s0))
}

/// Upper bound on the bits of a soft label stated to `levels` levels per class: (C-1) log2 q.
pub fn soft_levels_cap(classes: usize, levels: usize) -> f64 {
    (classes as f64 - 1.0) * (levels as f64).log2()
}

// ---------------------------------------------------------------- Monte Carlo from samples

/// Mean and standard error of per-draw contributions.
fn mean_se(g: &[f64]) -> BitsEstimate {
    let n = g.len() as f64;
    if g.is_empty() {
        return BitsEstimate {
            bits: 0.0,
            se: f64::INFINITY,
        };
    }
    let mean = g.iter().sum::<f64>() / n;
    let var = if g.len() > 1 {
        g.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    BitsEstimate {
        bits: mean,
        se: (var / n).sqrt(),
    }
}

/// I(y; z) for a categorical channel, from rows p(z_i) drawn over z: mean of KL(p(z_i) ‖ p̄).
pub fn categorical_channel_bits(probs: ArrayView2<f64>) -> BitsEstimate {
    let n = probs.nrows().max(1) as f64;
    let pbar: Vec<f64> = probs.columns().into_iter().map(|c| c.sum() / n).collect();
    let g: Vec<f64> = probs
        .rows()
        .into_iter()
        .map(|p| {
            p.iter()
                .zip(&pbar)
                .filter(|&(&a, _)| a > 0.0)
                .map(|(&a, &b)| a * (a / b).log2())
                .sum()
        })
        .collect();
    mean_se(&g)
}

/// I(answer; items) for a binary answer, from the probabilities of "yes" drawn over the items.
pub fn binary_channel_bits(ps: &[f64]) -> BitsEstimate {
    let n = ps.len().max(1) as f64;
    let pbar = ps.iter().sum::<f64>() / n;
    let g: Vec<f64> = ps.iter().map(|&p| binary_kl(p, pbar)).collect();
    mean_se(&g)
}

/// I(counts; z) for counts ~ Multinomial(K, p(z)), by nested Monte Carlo over the rows p(z_i):
/// each row draws its counts n_i, and P(n_i) is the mean of P(n_i | z_j) over all rows j.
/// The multinomial coefficient cancels in the log ratio. Bounded by log2 N (N = rows).
pub fn pooled_channel_bits(probs: ArrayView2<f64>, k: usize, rng: &mut Rng) -> BitsEstimate {
    let (n, c) = probs.dim();
    let logp = probs.mapv(f64::ln);
    let mut counts = vec![0u32; c];
    let mut scores = vec![0.0; n];
    let mut g = Vec::with_capacity(n);
    let p_row = |i: usize| probs.row(i).to_vec();
    for i in 0..n {
        counts.iter_mut().for_each(|v| *v = 0);
        let pi = p_row(i);
        for _ in 0..k {
            counts[draw_categorical(rng, &pi)] += 1;
        }
        let support: Vec<(usize, f64)> = counts
            .iter()
            .enumerate()
            .filter(|&(_, &v)| v > 0)
            .map(|(cl, &v)| (cl, f64::from(v)))
            .collect();
        for (j, s) in scores.iter_mut().enumerate() {
            let row = logp.row(j);
            *s = support.iter().map(|&(cl, m)| m * row[cl]).sum();
        }
        let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let lme = max + (scores.iter().map(|s| (s - max).exp()).sum::<f64>() / n as f64).ln();
        g.push((scores[i] - lme) / std::f64::consts::LN_2);
    }
    mean_se(&g)
}

/// Round a probability vector to multiples of 1/units summing to one (largest remainder), as a
/// sparse key of (class, units) pairs.
fn quantise(p: &[f64], units: usize, key: &mut Vec<u32>) {
    let u = units as f64;
    let mut floor: Vec<u32> = p.iter().map(|&v| (v * u).floor() as u32).collect();
    let assigned: u32 = floor.iter().sum();
    let mut left = (units as u32).saturating_sub(assigned);
    if left > 0 {
        let mut order: Vec<usize> = (0..p.len()).collect();
        order.sort_by(|&a, &b| {
            let ra = p[a] * u - f64::from(floor[a]);
            let rb = p[b] * u - f64::from(floor[b]);
            rb.total_cmp(&ra).then(a.cmp(&b))
        });
        for &i in &order {
            if left == 0 {
                break;
            }
            floor[i] += 1;
            left -= 1;
        }
    }
    key.clear();
    for (i, &f) in floor.iter().enumerate() {
        if f > 0 {
            key.push(i as u32);
            key.push(f);
        }
    }
}

/// H(Q(p(z))) for a soft label stated to `levels` levels per class (steps of 1/(levels-1)),
/// from rows p(z_i): the Chao-Shen entropy of the cells ([`chao_shen_bits`]); the standard error
/// is that of the mean of -log2 P̂(cell of draw i).
pub fn quantised_bits(probs: ArrayView2<f64>, levels: usize) -> BitsEstimate {
    let n = probs.nrows();
    let mut cells: HashMap<Vec<u32>, u32> = HashMap::new();
    let mut drawn: Vec<Vec<u32>> = Vec::with_capacity(n);
    let mut key = Vec::new();
    for row in probs.rows() {
        let p = row.to_vec();
        quantise(&p, levels - 1, &mut key);
        *cells.entry(key.clone()).or_insert(0) += 1;
        drawn.push(key.clone());
    }
    let nf = n as f64;
    let g: Vec<f64> = drawn
        .iter()
        .map(|k| -(f64::from(cells[k]) / nf).log2())
        .collect();
    let mut est = mean_se(&g);
    // sorted, so the floating-point sum does not depend on the hash map's order
    let mut counts: Vec<u32> = cells.values().copied().collect();
    counts.sort_unstable();
    est.bits = chao_shen_bits(counts.iter().copied(), n);
    est
}

/// Chao-Shen (2003) coverage-adjusted entropy (bits) of cell counts from `n` draws: the plug-in
/// probabilities shrunk by the Good-Turing sample coverage 1 - f1/n (f1 = cells seen once), each
/// term weighted by the inverse probability that its cell was seen at all. Unlike the plug-in and
/// Miller-Madow values it stays nearly unbiased when many cells are seen once.
pub fn chao_shen_bits(counts: impl Iterator<Item = u32> + Clone, n: usize) -> f64 {
    let nf = n as f64;
    if n == 0 {
        return 0.0;
    }
    let f1 = counts.clone().filter(|&c| c == 1).count().min(n - 1) as f64;
    let coverage = 1.0 - f1 / nf;
    let h: f64 = counts
        .filter(|&c| c > 0)
        .map(|c| {
            let p = coverage * f64::from(c) / nf;
            let seen = 1.0 - (1.0 - p).powf(nf);
            -p * p.ln() / seen
        })
        .sum();
    h / std::f64::consts::LN_2
}

// ---------------------------------------------------------------- in the simulator's world

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

/// [`super::signal_bits`] with explicit [`Settings`] (quantisation levels, sample size, worlds,
/// an explicit annotator temperature, seed).
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

// ---------------------------------------------------------------- bits needed and the table

/// Bits a learner with P_eff identifiable parameters needs to pin them to precision `delta`:
/// `P_eff * log2(1/delta)`.
pub fn bits_needed(scenario: &Scenario, delta: f64) -> f64 {
    super::p_eff(scenario) * (1.0 / delta).log2()
}

/// Lower bound on the number of annotations: bits needed / bits per annotation (infinite when an
/// annotation carries no information).
pub fn lower_bound_annotations(bits_needed: f64, bits_per_annotation: f64) -> f64 {
    if bits_per_annotation > 0.0 {
        bits_needed / bits_per_annotation
    } else {
        f64::INFINITY
    }
}

/// One row of the `info` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalInfo {
    pub signal: Signal,
    /// Which form of the signal: for soft labels "quantised, q = 11" or "pooled, K = 5"; else "".
    pub variant: String,
    /// Bits per annotation (Monte Carlo in the simulator's world).
    pub bits: BitsEstimate,
    /// A closed form or bound to compare with, and what it is.
    pub reference: f64,
    pub reference_kind: String,
    /// P_eff log2(1/delta).
    pub bits_needed: f64,
    /// bits_needed / bits.
    pub lower_bound_annotations: f64,
    /// Money per annotation, when costs are given.
    pub cost_per_annotation: Option<f64>,
    /// Bits per unit of money.
    pub bits_per_cost: Option<f64>,
    /// Lower-bound annotations times money per annotation (plus fixed and per-item costs).
    pub lower_bound_cost: Option<f64>,
}

fn reference(scenario: &Scenario, signal: Signal, settings: &Settings) -> (f64, String) {
    let (c, e) = (scenario.classes, scenario.noise);
    let uniform = vec![1.0 / c as f64; c];
    match signal {
        Signal::Hard => (
            hard_symmetric_bits(c, e),
            "closed form, symmetric noise, uniform classes".into(),
        ),
        Signal::Soft if scenario.soft_annotators > 0 => {
            let k = scenario.soft_annotators as f64;
            (
                (k * hard_noiseless_bits(&uniform))
                    .min(soft_levels_cap(c, scenario.soft_annotators + 1)),
                "bound min(K H(uniform), (C-1) log2(K+1))".into(),
            )
        }
        Signal::Soft => (
            soft_levels_cap(c, settings.levels),
            format!("bound (C-1) log2 q, q = {}", settings.levels),
        ),
        Signal::Triplet => (TRIPLET_MAX_BITS, "bound 1 bit".into()),
        Signal::Pair => (
            pair_symmetric_bits(c, e),
            "closed form, symmetric noise, uniform classes".into(),
        ),
    }
}

/// The `info` table for a scenario: one row per signal, two for soft labels when
/// `scenario.soft_annotators > 0` (the quantised exact label and the pooled one).
///
/// # Errors
/// An invalid scenario, setting or `delta` outside (0, 1).
pub fn analyse_scenario(
    scenario: &Scenario,
    settings: &Settings,
    costs: Option<&Costs>,
    delta: f64,
) -> Result<Vec<SignalInfo>> {
    if !(delta > 0.0 && delta < 1.0) {
        return Err(Error::invalid("delta", delta, "a number in (0, 1)"));
    }
    let needed = bits_needed(scenario, delta);
    // soft labels: the quantised (exact) form always, and the pooled form when K > 0
    let quantised = Scenario {
        soft_annotators: 0,
        ..scenario.clone()
    };
    let mut rows: Vec<(Signal, &Scenario, String)> = vec![
        (Signal::Hard, scenario, String::new()),
        (
            Signal::Soft,
            &quantised,
            format!("quantised, q = {}", settings.levels),
        ),
    ];
    if scenario.soft_annotators > 0 {
        let k = scenario.soft_annotators;
        rows.push((Signal::Soft, scenario, format!("pooled, K = {k}")));
    }
    rows.push((Signal::Triplet, scenario, String::new()));
    rows.push((Signal::Pair, scenario, String::new()));
    rows.into_iter()
        .map(|(signal, sc, variant)| {
            let bits = signal_bits_with(sc, signal, settings)?;
            let lower = lower_bound_annotations(needed, bits.bits);
            let price = costs.map(|c| c.of(signal));
            let (reference, reference_kind) = reference(sc, signal, settings);
            Ok(SignalInfo {
                signal,
                variant,
                bits,
                reference,
                reference_kind,
                bits_needed: needed,
                lower_bound_annotations: lower,
                cost_per_annotation: price.map(|p| p.per_annotation),
                bits_per_cost: price.map(|p| bits.bits / p.per_annotation),
                lower_bound_cost: price.map(|p| {
                    let items = lower * signal.arity() as f64;
                    p.total(lower, items)
                }),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::info::signal_bits;
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
        let rows =
            analyse_scenario(&sc, &Settings::default(), Some(&Costs::default()), 0.01).unwrap();
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
}
