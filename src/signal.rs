//! The closed set of supervision signals a team can buy.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One kind of supervision signal. See docs/method.md, "The question".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Signal {
    /// One annotator picks one of C classes for one item.
    Hard,
    /// A probability vector over the C classes for one item (exact, or pooled from K annotators).
    Soft,
    /// "Is item a more similar to b or to c?"
    Triplet,
    /// "Are items a and b of the same class?"
    Pair,
}

impl Signal {
    /// All signals, in a fixed order used for tables and charts.
    pub const ALL: [Signal; 4] = [Signal::Hard, Signal::Soft, Signal::Triplet, Signal::Pair];

    /// The lowercase name used in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Hard => "hard",
            Signal::Soft => "soft",
            Signal::Triplet => "triplet",
            Signal::Pair => "pair",
        }
    }

    /// Number of distinct items one annotation shows the annotator.
    pub fn arity(self) -> usize {
        match self {
            Signal::Hard | Signal::Soft => 1,
            Signal::Pair => 2,
            Signal::Triplet => 3,
        }
    }

    /// Whether the signal is derived from class membership (and so bound by the dimension cap).
    pub fn is_class_based(self) -> bool {
        !matches!(self, Signal::Triplet)
    }

    /// A small integer identifying the signal in seed derivation.
    pub(crate) fn index(self) -> u64 {
        match self {
            Signal::Hard => 0,
            Signal::Soft => 1,
            Signal::Triplet => 2,
            Signal::Pair => 3,
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Signal {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "hard" => Ok(Signal::Hard),
            "soft" => Ok(Signal::Soft),
            "triplet" => Ok(Signal::Triplet),
            "pair" => Ok(Signal::Pair),
            _ => Err(crate::Error::invalid(
                "signal",
                format!("{s:?}"),
                "one of hard, soft, triplet, pair",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Signal::ALL {
            assert_eq!(s.name().parse::<Signal>().unwrap(), s);
        }
        assert!("quadruplet".parse::<Signal>().is_err());
    }
}
