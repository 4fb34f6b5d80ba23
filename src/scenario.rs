//! A scenario: the world a simulation runs in, or the dataset a user plans for.
//!
//! | key               | default    | meaning                                                          |
//! |-------------------|------------|------------------------------------------------------------------|
//! | `classes`         | 10         | C, number of classes (>= 2)                                      |
//! | `dims`            | 16         | d, latent dimension (>= 1)                                       |
//! | `features`        | 64         | D, observed feature dimension (>= d)                             |
//! | `rep_dims`        | d          | r, dimension of the learned representation                      |
//! | `nuisance`        | 4.0        | variance of the D - d nuisance directions (signal variance is 1), 0 to 1e6 |
//! | `noise`           | 0.2        | a single annotator's hard-label error rate, in [0, 1 - 1/C)      |
//! | `latent`          | "gaussian" | `gaussian` (isotropic) or `clustered` (mixture around prototypes)|
//! | `soft_annotators` | 0          | K annotators pooled into one soft label; 0 = the exact p(z); at most 10000 |
//! | `pool`            | 0          | distinct items annotations are drawn from; 0 = fresh items; at most 1e7 |
//! | `weight_decay`    | 1e-3       | the learner's L2 penalty                                         |
//! | `test_items`      | 2000       | held-out items for the quality metrics                           |

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Distribution of the latent positions z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Latent {
    /// z ~ N(0, I_d).
    #[default]
    Gaussian,
    /// z = mu_k + 0.5 * N(0, I_d) around a uniformly chosen class prototype.
    Clustered,
}

impl Latent {
    pub fn name(self) -> &'static str {
        match self {
            Latent::Gaussian => "gaussian",
            Latent::Clustered => "clustered",
        }
    }
}

impl std::str::FromStr for Latent {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "gaussian" => Ok(Latent::Gaussian),
            "clustered" => Ok(Latent::Clustered),
            _ => Err(Error::invalid("latent", s, "\"gaussian\" or \"clustered\"")),
        }
    }
}

/// Parameters of one simulated world (and of a user's dataset, for planning).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    pub classes: usize,
    pub dims: usize,
    pub features: usize,
    pub rep_dims: Option<usize>,
    pub nuisance: f64,
    pub noise: f64,
    pub latent: Latent,
    pub soft_annotators: usize,
    pub pool: usize,
    pub weight_decay: f64,
    pub test_items: usize,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            classes: 10,
            dims: 16,
            features: 64,
            rep_dims: None,
            nuisance: 4.0,
            noise: 0.2,
            latent: Latent::Gaussian,
            soft_annotators: 0,
            pool: 0,
            weight_decay: 1e-3,
            test_items: 2000,
        }
    }
}

/// Largest accepted values, to keep a typo from allocating the machine away.
pub const MAX_CLASSES: usize = 10_000;
pub const MAX_FEATURES: usize = 4096;
pub const MAX_SOFT_ANNOTATORS: usize = 10_000;
pub const MAX_NUISANCE: f64 = 1e6;
pub const MAX_POOL: usize = 10_000_000;

impl Scenario {
    /// r: the learned representation's dimension.
    pub fn rep(&self) -> usize {
        self.rep_dims.unwrap_or(self.dims)
    }

    /// The largest accepted hard-label error rate, 1 - 1/C (exclusive).
    pub fn max_noise(&self) -> f64 {
        1.0 - 1.0 / self.classes as f64
    }

    /// Check every field; the error names the key, the value and the accepted range.
    pub fn validate(&self) -> Result<()> {
        if self.classes < 2 || self.classes > MAX_CLASSES {
            return Err(Error::invalid(
                "classes",
                self.classes,
                format!("an integer from 2 to {MAX_CLASSES}"),
            ));
        }
        if self.dims < 1 {
            return Err(Error::invalid("dims", self.dims, "an integer >= 1"));
        }
        if self.features < self.dims || self.features > MAX_FEATURES {
            return Err(Error::invalid(
                "features",
                self.features,
                format!(
                    "an integer from dims = {} to {MAX_FEATURES} (D >= d)",
                    self.dims
                ),
            ));
        }
        if let Some(r) = self.rep_dims
            && (r < 1 || r > self.features)
        {
            return Err(Error::invalid(
                "rep_dims",
                r,
                format!("an integer from 1 to features = {}", self.features),
            ));
        }
        if !(self.nuisance.is_finite() && self.nuisance >= 0.0 && self.nuisance <= MAX_NUISANCE) {
            return Err(Error::invalid(
                "nuisance",
                format!("{:?}", self.nuisance),
                format!("a variance from 0 to {MAX_NUISANCE:e}"),
            ));
        }
        if self.soft_annotators > MAX_SOFT_ANNOTATORS {
            return Err(Error::invalid(
                "soft_annotators",
                self.soft_annotators,
                format!("a count from 0 (the exact soft label) to {MAX_SOFT_ANNOTATORS}"),
            ));
        }
        if self.pool > MAX_POOL {
            return Err(Error::invalid(
                "pool",
                self.pool,
                format!("a count from 0 (fresh items) to {MAX_POOL}"),
            ));
        }
        if !(self.noise.is_finite() && self.noise >= 0.0 && self.noise < self.max_noise()) {
            return Err(Error::invalid(
                "noise",
                self.noise,
                format!(
                    "an error rate in [0, {:.4}) (1 - 1/C for C = {})",
                    self.max_noise(),
                    self.classes
                ),
            ));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay > 0.0) {
            return Err(Error::invalid(
                "weight_decay",
                self.weight_decay,
                "a finite number > 0",
            ));
        }
        if self.test_items < 50 {
            return Err(Error::invalid(
                "test_items",
                self.test_items,
                "an integer >= 50",
            ));
        }
        Ok(())
    }

    /// A stable hash of the parameters that define the world (not the annotator): worlds that
    /// differ only in noise share prototypes, embedding and test items for the same seed.
    pub fn world_key(&self) -> u64 {
        crate::rng::hash_str(&format!(
            "C{}d{}D{}nu{}lat{}t{}",
            self.classes,
            self.dims,
            self.features,
            self.nuisance.to_bits(),
            self.latent.name(),
            self.test_items
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_sizes_are_refused_with_the_cap() {
        for (s, key, cap) in [
            (
                Scenario {
                    soft_annotators: 1_000_000_000,
                    ..Scenario::default()
                },
                "soft_annotators",
                "10000",
            ),
            (
                Scenario {
                    nuisance: 1e300,
                    ..Scenario::default()
                },
                "nuisance",
                "1e6",
            ),
            (
                Scenario {
                    pool: usize::MAX,
                    ..Scenario::default()
                },
                "pool",
                "10000000",
            ),
        ] {
            let e = s.validate().unwrap_err().to_string();
            assert!(e.contains(key) && e.contains(cap), "{e}");
        }
    }

    #[test]
    fn default_is_valid() {
        Scenario::default().validate().unwrap();
    }

    #[test]
    fn errors_name_key_and_value() {
        let s = Scenario {
            dims: 80,
            ..Scenario::default()
        };
        let msg = s.validate().unwrap_err().to_string();
        assert!(msg.contains("features") && msg.contains("64"), "{msg}");
        let s = Scenario {
            noise: 0.95,
            ..Scenario::default()
        };
        let msg = s.validate().unwrap_err().to_string();
        assert!(msg.contains("noise") && msg.contains("0.95"), "{msg}");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let e = toml::from_str::<Scenario>("clases = 4").unwrap_err();
        assert!(e.to_string().contains("clases"), "{e}");
    }
}
