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
//!
//! | file | what |
//! |------|------|
//! | `mod.rs` | the constants |
//! | `closed.rs` | entropies and closed forms |
//! | `sampled.rs` | Monte Carlo estimates from sampled distributions |
//! | `world.rs` | bits in the simulator's world ([`Settings`], [`signal_bits_with`]) |
//! | `table.rs` | bits needed and the `info` table ([`analyse_scenario`]) |
//! | `tests.rs` | the tests |

mod closed;
mod sampled;
mod table;
#[cfg(test)]
mod tests;
mod world;

pub use closed::{
    binary_entropy, entropy_bits, hard_noiseless_bits, hard_symmetric_bits, pair_noiseless_bits,
    pair_symmetric_bits, soft_levels_cap,
};
pub use sampled::{
    binary_channel_bits, categorical_channel_bits, chao_shen_bits, pooled_channel_bits,
    quantised_bits,
};
pub use table::{SignalInfo, analyse_scenario, bits_needed, lower_bound_annotations};
pub use world::{MAX_SAMPLES, MIN_SAMPLES, Settings, signal_bits_with};

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
