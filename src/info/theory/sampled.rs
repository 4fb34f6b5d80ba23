//! Monte Carlo estimates of bits from distributions sampled over the latent.

use super::closed::binary_kl;
use crate::info::BitsEstimate;
use crate::rng::Rng;
use crate::sim::annotator::draw_categorical;
use ndarray::ArrayView2;
use std::collections::HashMap;

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
