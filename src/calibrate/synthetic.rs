//! A dataset drawn from the simulator's world, where the truth is known: features
//! `x = A z + nuisance` of fresh items, hard labels drawn by the scenario's annotator from p(z),
//! and the exact soft labels p(z). Used for tests, the speed benchmark and the recovery check.

use crate::error::Result;
use crate::rng;
use crate::scenario::Scenario;
use crate::sim::{Annotator, World};
use ndarray::Array2;

/// Stream label of the synthetic items.
const SYNTH: u64 = 0x5E7;

/// Features (n x D), hard labels and soft labels (n x C) of `n` items of `scenario`'s world.
///
/// # Errors
/// An invalid scenario.
pub fn generate(
    scenario: &Scenario,
    n: usize,
    seed: u64,
) -> Result<(Array2<f64>, Vec<i64>, Array2<f64>)> {
    scenario.validate()?;
    let world = World::without_items(scenario, seed);
    let annotator = Annotator::for_world(&world, scenario.noise)?;
    let mut rng = rng::stream(seed, &[SYNTH]);
    let items = world.sample_items(&mut rng, n);
    let p = annotator.probs_batch(&items.z);
    let y = items
        .z
        .rows()
        .into_iter()
        .map(|z| annotator.hard(&mut rng, z) as i64)
        .collect();
    Ok((items.x, y, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_consistent() {
        let sc = Scenario::default();
        let (x, y, p) = generate(&sc, 50, 3).unwrap();
        let (x2, y2, _) = generate(&sc, 50, 3).unwrap();
        assert_eq!(x, x2);
        assert_eq!(y, y2);
        assert_eq!(x.dim(), (50, sc.features));
        for row in p.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-9);
        }
    }
}
