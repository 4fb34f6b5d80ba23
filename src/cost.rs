//! The price of supervision: per annotation, per item shown, and a fixed set-up cost per signal.
//!
//! A cost file (TOML) gives prices either in money directly (`price`) or in annotator seconds
//! (`seconds`) converted with a wage (`wage_per_hour`, money per hour). Any signal left out keeps
//! its default.
//!
//! ```toml
//! unit = "USD"              # label of the money unit in tables and charts
//! wage_per_hour = 12.0      # converts `seconds` to money
//!
//! [hard]
//! seconds = 4.2             # per annotation
//! per_item = 0.0            # money per distinct item shown (e.g. licensing, pre-processing)
//! fixed = 0.0               # one-off money to set the signal up (interface, instructions)
//!
//! [soft]
//! price = 0.11              # per annotation, in money; overrides `seconds`
//! ```
//!
//! Defaults (annotator seconds per annotation, at 12 money units per hour):
//! - hard: 4.2 s, the median time per CIFAR-10 hard label reported with CIFAR-10N
//!   (Wei et al., ICLR 2022);
//! - soft: 32 s, the time per elicited soft label reported with CIFAR-10S
//!   (Collins et al., AAAI 2022, "Eliciting and learning with soft labels from every annotator");
//! - triplet: 6 s (an assumption: one comparison of three items, about 1.5 hard labels);
//! - pair: 3 s (an assumption: one yes/no comparison of two items, somewhat faster than a label).

use crate::error::{Error, Result};
use crate::signal::Signal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Default wage, money units per annotator hour.
pub const DEFAULT_WAGE_PER_HOUR: f64 = 12.0;

/// Price of one signal, in money units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SignalCost {
    /// Money per annotation.
    pub per_annotation: f64,
    /// Money per distinct item shown.
    pub per_item: f64,
    /// One-off money to use the signal at all.
    pub fixed: f64,
    /// Annotator seconds per annotation, when the price came from a time.
    pub seconds: Option<f64>,
}

impl SignalCost {
    /// Total money for `n` annotations touching `items` distinct items (0 when n = 0).
    pub fn total(&self, n: f64, items: f64) -> f64 {
        if n <= 0.0 {
            0.0
        } else {
            self.fixed + self.per_annotation * n + self.per_item * items
        }
    }
}

/// Prices of all signals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Costs {
    /// Label of the money unit.
    pub unit: String,
    /// Wage used to convert seconds into money.
    pub wage_per_hour: f64,
    pub signals: BTreeMap<Signal, SignalCost>,
}

/// Default annotator seconds per annotation (see the module docs for sources).
pub fn default_seconds(signal: Signal) -> f64 {
    match signal {
        Signal::Hard => 4.2,
        Signal::Soft => 32.0,
        Signal::Triplet => 6.0,
        Signal::Pair => 3.0,
    }
}

impl Default for Costs {
    fn default() -> Self {
        let wage = DEFAULT_WAGE_PER_HOUR;
        let signals = Signal::ALL
            .iter()
            .map(|&s| {
                let secs = default_seconds(s);
                (
                    s,
                    SignalCost {
                        per_annotation: secs * wage / 3600.0,
                        per_item: 0.0,
                        fixed: 0.0,
                        seconds: Some(secs),
                    },
                )
            })
            .collect();
        Costs {
            unit: "USD".into(),
            wage_per_hour: wage,
            signals,
        }
    }
}

/// The file form of one signal's price.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct SignalCostFile {
    price: Option<f64>,
    seconds: Option<f64>,
    per_item: Option<f64>,
    fixed: Option<f64>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct CostFile {
    unit: Option<String>,
    wage_per_hour: Option<f64>,
    hard: Option<SignalCostFile>,
    soft: Option<SignalCostFile>,
    triplet: Option<SignalCostFile>,
    pair: Option<SignalCostFile>,
}

fn check_nonneg(key: &str, v: f64, strictly: bool) -> Result<f64> {
    let ok = v.is_finite() && if strictly { v > 0.0 } else { v >= 0.0 };
    if ok {
        Ok(v)
    } else {
        let want = if strictly {
            "a finite number > 0"
        } else {
            "a finite number >= 0"
        };
        Err(Error::invalid(key, v, want))
    }
}

impl Costs {
    /// Parse a cost file's text. Unknown keys, zero or negative prices are errors naming the key.
    pub fn from_toml(text: &str) -> Result<Costs> {
        let file: CostFile = toml::from_str(text).map_err(|e| {
            Error::invalid(
                "costs",
                e.message(),
                format!(
                    "a cost file ({})",
                    e.span()
                        .map(|s| format!("at bytes {}..{}", s.start, s.end))
                        .unwrap_or_default()
                ),
            )
        })?;
        let mut costs = Costs::default();
        if let Some(u) = file.unit {
            costs.unit = u;
        }
        if let Some(w) = file.wage_per_hour {
            costs.wage_per_hour = check_nonneg("wage_per_hour", w, true)?;
        }
        let wage = costs.wage_per_hour;
        let entries = [
            (Signal::Hard, file.hard),
            (Signal::Soft, file.soft),
            (Signal::Triplet, file.triplet),
            (Signal::Pair, file.pair),
        ];
        for (signal, entry) in entries {
            let default_secs = default_seconds(signal);
            let e = entry.unwrap_or_default();
            let name = signal.name();
            let (per_annotation, seconds) = match (e.price, e.seconds) {
                (Some(p), _) => (check_nonneg(&format!("{name}.price"), p, true)?, e.seconds),
                (None, Some(s)) => {
                    let s = check_nonneg(&format!("{name}.seconds"), s, true)?;
                    (s * wage / 3600.0, Some(s))
                }
                (None, None) => (default_secs * wage / 3600.0, Some(default_secs)),
            };
            let per_item = check_nonneg(
                &format!("{name}.per_item"),
                e.per_item.unwrap_or(0.0),
                false,
            )?;
            let fixed = check_nonneg(&format!("{name}.fixed"), e.fixed.unwrap_or(0.0), false)?;
            costs.signals.insert(
                signal,
                SignalCost {
                    per_annotation,
                    per_item,
                    fixed,
                    seconds,
                },
            );
        }
        Ok(costs)
    }

    /// Read a cost file; errors name the file.
    pub fn from_file(path: &Path) -> Result<Costs> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Costs::from_toml(&text).map_err(|e| e.in_file(path))
    }

    /// The price of `signal`.
    pub fn of(&self, signal: Signal) -> SignalCost {
        self.signals[&signal]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_published_times() {
        let c = Costs::default();
        let ratio = c.of(Signal::Soft).per_annotation / c.of(Signal::Hard).per_annotation;
        assert!((ratio - 32.0 / 4.2).abs() < 1e-12);
    }

    #[test]
    fn file_overrides_and_converts_seconds() {
        let c = Costs::from_toml(
            "wage_per_hour = 36.0\n[hard]\nseconds = 10\n[pair]\nprice = 0.5\nfixed = 100",
        )
        .unwrap();
        assert!((c.of(Signal::Hard).per_annotation - 0.1).abs() < 1e-12);
        assert_eq!(c.of(Signal::Pair).per_annotation, 0.5);
        assert_eq!(c.of(Signal::Pair).total(10.0, 20.0), 105.0);
        assert_eq!(c.of(Signal::Pair).total(0.0, 0.0), 0.0);
    }

    #[test]
    fn bad_prices_and_keys_are_named() {
        let e = Costs::from_toml("[soft]\nprice = -1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("soft.price") && e.contains("-1"), "{e}");
        let e = Costs::from_toml("[hard]\nprice = 0")
            .unwrap_err()
            .to_string();
        assert!(e.contains("hard.price"), "{e}");
        let e = Costs::from_toml("[quad]\nprice = 1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("quad"), "{e}");
    }
}
