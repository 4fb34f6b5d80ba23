//! Entropy estimators for discrete counts, in bits.
//!
//! Per-sample estimators take the non-zero counts of one sample (label identities do not matter):
//! - plug-in: entropy of the empirical distribution; biased low by about (m-1)/(2n ln 2) bits
//!   (m occupied bins, n draws), and by more when n is small against the support;
//! - Miller-Madow: plug-in + (m-1)/(2n ln 2);
//! - jackknife (Quenouille-Tukey): n H_n - (n-1)/n sum_j H_{-j}, removes the 1/n term;
//! - Zhang (2012): unbiased for the first n-1 terms of H's series in (1 - p);
//! - polynomial approximation ([`PolynomialEntropy`]): unbiased for the best degree-L polynomial
//!   approximation of -p ln p.
//!
//! Across-item (empirical-Bayes) estimators share strength between the items of an annotation log:
//! - [`dirichlet_posterior_entropies`]: one Dirichlet prior over the items' label distributions;
//! - [`dirichlet_mixture_entropies`] (the default for logs): a Dirichlet-mixture prior, the
//!   Dawid-Skene latent-class model with spread inside each class.
//!
//! Why the default is an empirical-Bayes estimator: with 5 annotations per item and 10 classes, an
//! item's small label probabilities (annotator slips, random annotators) are mostly unseen, and
//! every per-item correction leaves a large bias (docs/validation.md, "Bits from annotation logs",
//! has the measured table: on a
//! log whose true I(label; item) is 2.03 bits the plug-in says 2.28, jackknife 2.11, the mixture
//! 2.00). No estimator is unbiased here: the per-item entropy is not identifiable from 5 draws
//! without a model of how items differ, so the residual error is that of the model.

use std::collections::HashMap;
use std::f64::consts::LN_2;

/// Plug-in entropy (bits) of non-zero counts.
pub fn plugin_entropy(counts: &[u32]) -> f64 {
    let n: f64 = counts.iter().map(|&c| f64::from(c)).sum();
    if n <= 0.0 {
        return 0.0;
    }
    let s: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let c = f64::from(c);
            c * c.ln()
        })
        .sum();
    (n.ln() - s / n) / LN_2
}

/// Plug-in entropy (bits) of non-zero u64 counts (for large marginal tables).
pub fn plugin_entropy_u64(counts: &[u64]) -> f64 {
    let n: f64 = counts.iter().map(|&c| c as f64).sum();
    if n <= 0.0 {
        return 0.0;
    }
    let s: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let c = c as f64;
            c * c.ln()
        })
        .sum();
    (n.ln() - s / n) / LN_2
}

/// Miller-Madow term (bits) for `bins` occupied bins and `n` draws.
pub fn miller_madow_term(bins: usize, n: f64) -> f64 {
    if n <= 0.0 || bins == 0 {
        0.0
    } else {
        (bins as f64 - 1.0) / (2.0 * n * LN_2)
    }
}

/// Miller-Madow entropy (bits).
pub fn miller_madow_entropy(counts: &[u32]) -> f64 {
    let n: f64 = counts.iter().map(|&c| f64::from(c)).sum();
    let bins = counts.iter().filter(|&&c| c > 0).count();
    plugin_entropy(counts) + miller_madow_term(bins, n)
}

/// Jackknife entropy (bits); equal to the plug-in value for fewer than two draws.
pub fn jackknife_entropy(counts: &[u32]) -> f64 {
    let n: u32 = counts.iter().sum();
    let h = plugin_entropy(counts);
    if n < 2 {
        return h;
    }
    let nf = f64::from(n);
    // sum over the n leave-one-out samples, grouped by the class left out
    let mut loo = 0.0;
    let mut tmp = counts.to_vec();
    for j in 0..counts.len() {
        if counts[j] == 0 {
            continue;
        }
        tmp[j] -= 1;
        loo += f64::from(counts[j]) * plugin_entropy(&tmp);
        tmp[j] += 1;
    }
    nf * h - (nf - 1.0) / nf * loo
}

/// Zhang's (2012) entropy estimator (bits): the unbiased estimator of the first n-1 terms of
/// H = sum_v (1/v) sum_c p_c (1 - p_c)^v (nats), so its bias is only the series' tail.
pub fn zhang_entropy(counts: &[u32]) -> f64 {
    let n: u32 = counts.iter().sum();
    if n < 2 {
        return 0.0;
    }
    let nf = f64::from(n);
    let mut h = 0.0;
    for &c in counts.iter().filter(|&&c| c > 0) {
        let cf = f64::from(c);
        let mut prod = 1.0;
        for v in 1..n {
            let j = f64::from(v - 1);
            prod *= 1.0 - (cf - 1.0) / (nf - 1.0 - j);
            if prod <= 0.0 {
                break;
            }
            h += cf / nf * prod / f64::from(v);
        }
    }
    h / LN_2
}

/// Empirical-Bayes conditional entropies: fit p_i ~ Dirichlet(alpha m) across items (m fixed to
/// `mean`, alpha by maximum Dirichlet-multinomial likelihood), then return alpha and each item's
/// posterior mean entropy E[H(p_i) | counts_i] (bits), in closed form:
/// psi(A + 1) - sum_c (a_c / A) psi(a_c + 1), a = alpha m + counts_i, A = sum a.
pub fn dirichlet_posterior_entropies(items: &[&[(u32, u32)]], mean: &[f64]) -> (f64, Vec<f64>) {
    use statrs::function::gamma::{digamma, ln_gamma};
    let (pats, mult, of_item) = patterns(items);
    let loglik = |alpha: f64| -> f64 {
        pats.iter()
            .zip(&mult)
            .map(|(labels, &m)| {
                let n: u32 = labels.iter().map(|&(_, c)| c).sum();
                m * (ln_gamma(alpha) - ln_gamma(alpha + f64::from(n)))
                    + labels
                        .iter()
                        .map(|&(l, c)| {
                            let a = alpha * mean[l as usize];
                            m * (ln_gamma(a + f64::from(c)) - ln_gamma(a))
                        })
                        .sum::<f64>()
            })
            .sum()
    };
    // golden-section search on log alpha over [1e-3, 1e5]
    let (mut lo, mut hi) = ((1e-3f64).ln(), (1e5f64).ln());
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let (mut x1, mut x2) = (hi - g * (hi - lo), lo + g * (hi - lo));
    let (mut f1, mut f2) = (loglik(x1.exp()), loglik(x2.exp()));
    for _ in 0..60 {
        if f1 > f2 {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - g * (hi - lo);
            f1 = loglik(x1.exp());
        } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + g * (hi - lo);
            f2 = loglik(x2.exp());
        }
    }
    let alpha = (0.5 * (lo + hi)).exp();
    let base: f64 = mean
        .iter()
        .map(|&m| {
            let a = alpha * m;
            if a > 0.0 { a * digamma(a + 1.0) } else { 0.0 }
        })
        .sum();
    let h: Vec<f64> = pats
        .iter()
        .map(|labels| {
            let n: u32 = labels.iter().map(|&(_, c)| c).sum();
            let big_a = alpha + f64::from(n);
            let mut s = base;
            for &(l, c) in labels.iter() {
                let a = alpha * mean[l as usize];
                if a > 0.0 {
                    s -= a * digamma(a + 1.0);
                }
                let ac = a + f64::from(c);
                s += ac * digamma(ac + 1.0);
            }
            (digamma(big_a + 1.0) - s / big_a) / LN_2
        })
        .collect();
    (alpha, of_item.iter().map(|&i| h[i]).collect())
}

/// Highest polynomial degree of [`PolynomialEntropy`].
pub const POLY_MAX_DEGREE: usize = 8;

/// Weights w_1..w_L of the degree-L polynomial g(p) = sum_k w_k B_{L,k}(p) (Bernstein basis,
/// g(0) = 0) closest to -p ln p in least squares over Chebyshev nodes of [0, 1] (near-minimax).
fn poly_weights(degree: usize) -> Vec<f64> {
    let l = degree;
    let m = 400;
    let binom = |n: usize, k: usize| -> f64 {
        (0..k).fold(1.0, |acc, j| acc * (n - j) as f64 / (j + 1) as f64)
    };
    let mut ata = vec![vec![0.0; l]; l];
    let mut atb = vec![0.0; l];
    for j in 0..m {
        let x = 0.5 - 0.5 * (std::f64::consts::PI * (j as f64 + 0.5) / m as f64).cos();
        let f = if x > 0.0 { -x * x.ln() } else { 0.0 };
        let row: Vec<f64> = (1..=l)
            .map(|k| binom(l, k) * x.powi(k as i32) * (1.0 - x).powi((l - k) as i32))
            .collect();
        for a in 0..l {
            atb[a] += row[a] * f;
            for b in 0..l {
                ata[a][b] += row[a] * row[b];
            }
        }
    }
    solve(ata, atb)
}

/// Gaussian elimination with partial pivoting (small, well-conditioned systems).
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let piv = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, piv);
        b.swap(col, piv);
        let pivot_row = a[col].clone();
        for r in col + 1..n {
            let f = a[r][col] / pivot_row[col];
            for (x, p) in a[r][col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|c| a[r][c] * x[c]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    x
}

/// Polynomial-approximation entropy estimator (bits), in the spirit of Wu and Yang (2016) and
/// Jiao et al. (2015): -p ln p is replaced by its best degree-L polynomial approximation g (with
/// g(0) = 0, L = min(n, [`POLY_MAX_DEGREE`])), and sum_c g(p_c) is estimated *without bias* from n
/// draws: the Bernstein term B_{L,k}(p_c) has the unbiased estimate
/// Hyp(k; n, n_c, L) = C(n_c, k) C(n - n_c, L - k) / C(n, L).
/// What bias remains is the approximation error of g, small against the plug-in's, and the same
/// for every n >= L. Unseen classes contribute g(0) = 0, so the class count need not be known.
/// Individual values can fall below 0 or above log2 C: the estimator is meant to be averaged.
pub struct PolynomialEntropy {
    weights: Vec<Vec<f64>>,
}

impl Default for PolynomialEntropy {
    fn default() -> Self {
        PolynomialEntropy {
            weights: (0..=POLY_MAX_DEGREE)
                .map(|l| if l == 0 { Vec::new() } else { poly_weights(l) })
                .collect(),
        }
    }
}

impl PolynomialEntropy {
    /// The estimate for one item's non-zero counts (bits); 0 for fewer than two draws.
    pub fn entropy(&self, counts: &[u32]) -> f64 {
        let n: u32 = counts.iter().sum();
        if n < 2 {
            return 0.0;
        }
        let l = (n as usize).min(POLY_MAX_DEGREE);
        let w = &self.weights[l];
        let ln_choose = |a: u32, b: usize| -> f64 {
            use statrs::function::gamma::ln_gamma;
            let (a, b) = (f64::from(a), b as f64);
            ln_gamma(a + 1.0) - ln_gamma(b + 1.0) - ln_gamma(a - b + 1.0)
        };
        let denom = ln_choose(n, l);
        let mut h = 0.0;
        for &c in counts.iter().filter(|&&c| c > 0) {
            for (k, wk) in (1..=l).zip(w) {
                if k as u32 > c || (l - k) as u32 > n - c {
                    continue;
                }
                h += wk * (ln_choose(c, k) + ln_choose(n - c, l - k) - denom).exp();
            }
        }
        h / LN_2
    }
}

/// Largest number of mixture components of [`dirichlet_mixture_entropies`].
pub const MIXTURE_MAX_COMPONENTS: usize = 64;
/// Distinct count patterns the mixture is fitted on (a fixed subsample beyond this).
pub const MIXTURE_FIT_ITEMS: usize = 5000;
const MIXTURE_ITERATIONS: usize = 60;

/// Posterior mean entropy (nats) of p ~ Dirichlet(beta + counts), given the prior's
/// sum_c beta_c psi(beta_c + 1) in `base` and B = sum beta.
fn dirichlet_posterior_entropy(beta: &[f64], big_b: f64, base: f64, labels: &[(u32, u32)]) -> f64 {
    use statrs::function::gamma::digamma;
    let n: u32 = labels.iter().map(|&(_, c)| c).sum();
    let big_a = big_b + f64::from(n);
    let mut s = base;
    for &(l, c) in labels {
        let b = beta[l as usize];
        s -= b * digamma(b + 1.0);
        let a = b + f64::from(c);
        s += a * digamma(a + 1.0);
    }
    digamma(big_a + 1.0) - s / big_a
}

/// One item's label counts, as (label, count) sorted by label.
type Pattern = Vec<(u32, u32)>;

/// Distinct count patterns (labels sorted) among `items`, their multiplicities, and each item's
/// pattern. Annotation logs with few annotations per item have few distinct patterns (at most
/// C(n + C - 1, n) for n annotations), so the empirical-Bayes fits below run on patterns.
fn patterns(items: &[&[(u32, u32)]]) -> (Vec<Pattern>, Vec<f64>, Vec<usize>) {
    let mut index: HashMap<Vec<(u32, u32)>, usize> = HashMap::new();
    let mut list: Vec<Vec<(u32, u32)>> = Vec::new();
    let mut mult: Vec<f64> = Vec::new();
    let mut of_item = Vec::with_capacity(items.len());
    let mut key: Vec<(u32, u32)> = Vec::new();
    for labels in items {
        key.clear();
        key.extend_from_slice(labels);
        key.sort_unstable();
        let i = match index.get(&key) {
            Some(&i) => i,
            None => {
                index.insert(key.clone(), list.len());
                list.push(key.clone());
                mult.push(0.0);
                list.len() - 1
            }
        };
        mult[i] += 1.0;
        of_item.push(i);
    }
    (list, mult, of_item)
}

/// Empirical-Bayes conditional entropies under a Dirichlet *mixture* prior, the Dawid-Skene
/// latent-class model with spread within each class: item i has a latent class k (weight w_k) and
/// its label distribution is p_i ~ Dirichlet(beta_k). One component per class (at most
/// [`MIXTURE_MAX_COMPONENTS`]); fitted by generalised EM (responsibilities, then one Minka
/// fixed-point step per component), on the distinct count patterns weighted by their
/// multiplicity (at most [`MIXTURE_FIT_ITEMS`] patterns, picked evenly, when there are more).
/// Returns each item's posterior mean entropy E[H(p_i) | counts_i] in bits. With more classes than
/// components it falls back to one Dirichlet ([`dirichlet_posterior_entropies`]).
pub fn dirichlet_mixture_entropies(items: &[&[(u32, u32)]], mean: &[f64]) -> Vec<f64> {
    use statrs::function::gamma::{digamma, ln_gamma};
    let c = mean.len();
    if !(2..=MIXTURE_MAX_COMPONENTS).contains(&c) {
        return dirichlet_posterior_entropies(items, mean).1;
    }
    let (pats, mult, of_item) = patterns(items);
    let step = (pats.len() / MIXTURE_FIT_ITEMS).max(1);
    let fit: Vec<(&[(u32, u32)], f64)> = pats
        .iter()
        .zip(&mult)
        .step_by(step)
        .map(|(p, &m)| (p.as_slice(), m))
        .collect();
    let total: f64 = fit.iter().map(|&(_, m)| m).sum();
    let k = c;
    let mut w = mean.to_vec();
    let mut beta: Vec<Vec<f64>> = (0..k)
        .map(|j| {
            (0..c)
                .map(|l| 10.0 * (0.5 * mean[l] + if l == j { 0.5 } else { 0.0 }) + 1e-3)
                .collect()
        })
        .collect();
    let mut resp = vec![vec![0.0; k]; fit.len()];
    let log_lik = |beta: &[f64], big_b: f64, labels: &[(u32, u32)]| -> f64 {
        let n: u32 = labels.iter().map(|&(_, c)| c).sum();
        ln_gamma(big_b) - ln_gamma(big_b + f64::from(n))
            + labels
                .iter()
                .map(|&(l, m)| {
                    let b = beta[l as usize];
                    ln_gamma(b + f64::from(m)) - ln_gamma(b)
                })
                .sum::<f64>()
    };
    let normalise = |r: &mut [f64]| {
        let max = r.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let tot: f64 = r.iter().map(|v| (v - max).exp()).sum();
        r.iter_mut().for_each(|v| *v = (*v - max).exp() / tot);
    };
    for _ in 0..MIXTURE_ITERATIONS {
        let sums: Vec<f64> = beta.iter().map(|b| b.iter().sum()).collect();
        // E-step
        for (&(labels, _), r) in fit.iter().zip(resp.iter_mut()) {
            for j in 0..k {
                r[j] = if w[j] > 0.0 {
                    w[j].ln() + log_lik(&beta[j], sums[j], labels)
                } else {
                    f64::NEG_INFINITY
                };
            }
            normalise(r);
        }
        // M-step: weights, then one Minka fixed-point step per component
        for j in 0..k {
            let rj: f64 = resp.iter().zip(&fit).map(|(r, &(_, m))| r[j] * m).sum();
            w[j] = rj / total;
            if rj < 1e-9 {
                continue;
            }
            let big_b = sums[j];
            let mut num = vec![0.0; c];
            let mut den = 0.0;
            for (&(labels, m), r) in fit.iter().zip(&resp) {
                let rw = r[j] * m;
                let n: u32 = labels.iter().map(|&(_, c)| c).sum();
                den += rw * (digamma(big_b + f64::from(n)) - digamma(big_b));
                for &(l, cnt) in labels.iter() {
                    let b = beta[j][l as usize];
                    num[l as usize] += rw * (digamma(b + f64::from(cnt)) - digamma(b));
                }
            }
            if den > 0.0 {
                for l in 0..c {
                    beta[j][l] = (beta[j][l] * num[l] / den).max(1e-6);
                }
            }
        }
    }
    let sums: Vec<f64> = beta.iter().map(|b| b.iter().sum()).collect();
    let bases: Vec<f64> = beta
        .iter()
        .map(|b| b.iter().map(|&v| v * digamma(v + 1.0)).sum())
        .collect();
    let per_pattern: Vec<f64> = pats
        .iter()
        .map(|labels| {
            let mut lr: Vec<f64> = (0..k)
                .map(|j| {
                    if w[j] > 0.0 {
                        w[j].ln() + log_lik(&beta[j], sums[j], labels)
                    } else {
                        f64::NEG_INFINITY
                    }
                })
                .collect();
            normalise(&mut lr);
            lr.iter()
                .enumerate()
                .filter(|&(_, &r)| r > 1e-12)
                .map(|(j, &r)| r * dirichlet_posterior_entropy(&beta[j], sums[j], bases[j], labels))
                .sum::<f64>()
                / LN_2
        })
        .collect();
    of_item.iter().map(|&i| per_pattern[i]).collect()
}

/// Which bias correction to apply to per-item entropies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Correction {
    /// No correction.
    Plugin,
    /// Miller-Madow.
    MillerMadow,
    /// Jackknife.
    Jackknife,
    /// Zhang (2012).
    Zhang,
    /// Polynomial approximation ([`PolynomialEntropy`]).
    Polynomial,
    /// Empirical-Bayes Dirichlet mixture ([`dirichlet_mixture_entropies`]; the default).
    #[default]
    Mixture,
    /// Empirical-Bayes Dirichlet posterior mean (fitted across items; see
    /// [`dirichlet_posterior_entropies`]).
    Dirichlet,
}

impl Correction {
    /// Entropy of `counts` under this correction.
    pub fn entropy(self, counts: &[u32]) -> f64 {
        match self {
            Correction::Plugin => plugin_entropy(counts),
            Correction::MillerMadow => miller_madow_entropy(counts),
            Correction::Jackknife => jackknife_entropy(counts),
            Correction::Zhang => zhang_entropy(counts),
            Correction::Polynomial => PolynomialEntropy::default().entropy(counts),
            // per item, without the fitted prior: fall back to the jackknife
            Correction::Dirichlet | Correction::Mixture => jackknife_entropy(counts),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Correction::Plugin => "plug-in",
            Correction::MillerMadow => "Miller-Madow",
            Correction::Jackknife => "jackknife",
            Correction::Zhang => "Zhang",
            Correction::Polynomial => "polynomial approximation",
            Correction::Dirichlet => "Dirichlet empirical Bayes",
            Correction::Mixture => "Dirichlet-mixture empirical Bayes",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;
    use rand::RngExt;

    #[test]
    fn plugin_values() {
        assert!((plugin_entropy(&[5, 5]) - 1.0).abs() < 1e-12);
        assert!((plugin_entropy(&[1, 1, 1, 1]) - 2.0).abs() < 1e-12);
        assert_eq!(plugin_entropy(&[7]), 0.0);
        assert_eq!(plugin_entropy(&[]), 0.0);
        assert!((plugin_entropy_u64(&[3, 1]) - plugin_entropy(&[3, 1])).abs() < 1e-12);
        assert!((miller_madow_entropy(&[2, 2]) - (1.0 + 1.0 / (8.0 * LN_2))).abs() < 1e-12);
    }

    /// Mean of an estimator over many samples of size n from a uniform distribution on 6 classes
    /// (log2 6 = 2.585 bits); returns (mean, standard error).
    fn mean_estimate(f: fn(&[u32]) -> f64, n: usize, reps: usize) -> (f64, f64) {
        let mut rng = rng::stream(11, &[n as u64]);
        let vals: Vec<f64> = (0..reps)
            .map(|_| {
                let mut c = vec![0u32; 6];
                for _ in 0..n {
                    c[rng.random_range(0..6)] += 1;
                }
                f(&c)
            })
            .collect();
        let m = vals.iter().sum::<f64>() / reps as f64;
        let v = vals.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (reps as f64 - 1.0);
        (m, (v / reps as f64).sqrt())
    }

    #[test]
    fn corrections_reduce_bias_in_order() {
        let truth = 6f64.log2();
        for n in [5usize, 20] {
            let (p, _) = mean_estimate(plugin_entropy, n, 4000);
            let (mm, _) = mean_estimate(miller_madow_entropy, n, 4000);
            let (jk, _) = mean_estimate(jackknife_entropy, n, 4000);
            let (bp, bm, bj) = (truth - p, truth - mm, (truth - jk).abs());
            assert!(bp > bm && bm > bj, "n {n}: biases {bp} {bm} {bj}");
        }
    }
}
