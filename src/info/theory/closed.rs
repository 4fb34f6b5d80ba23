//! Entropies and the closed forms of bits per annotation.

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
pub(super) fn binary_kl(p: f64, q: f64) -> f64 {
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
