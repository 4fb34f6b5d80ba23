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
//! Accepted ranges (anything else is an error naming the file, the key and the value):
//! - `price`, and the price `seconds * wage_per_hour / 3600` comes to: 1e-6 to 1e9 money per
//!   annotation;
//! - `seconds`: 0.001 to 1e6 per annotation;
//! - `wage_per_hour`: 0.001 to 1e7 money per hour;
//! - `per_item`: 0 to 1e9 money per item; `fixed`: 0 to 1e12 money.
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

/// Accepted money per annotation (`price`, or what `seconds` and the wage come to).
pub const PRICE_RANGE: (f64, f64) = (1e-6, 1e9);
/// Accepted annotator seconds per annotation.
pub const SECONDS_RANGE: (f64, f64) = (1e-3, 1e6);
/// Accepted wage, money per hour.
pub const WAGE_RANGE: (f64, f64) = (1e-3, 1e7);
/// Accepted money per distinct item (0 allowed).
pub const PER_ITEM_RANGE: (f64, f64) = (0.0, 1e9);
/// Accepted one-off money per signal (0 allowed).
pub const FIXED_RANGE: (f64, f64) = (0.0, 1e12);

/// A number as written by a person: plain in [1e-4, 1e6), else in scientific notation.
fn short(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || (1e-4..1e6).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

fn check_range(key: &str, v: f64, (lo, hi): (f64, f64), what: &str) -> Result<f64> {
    if v.is_finite() && v >= lo && v <= hi {
        Ok(v)
    } else {
        Err(Error::invalid(
            key,
            short(v),
            format!("{what} from {} to {}", short(lo), short(hi)),
        ))
    }
}

impl Costs {
    /// Parse a cost file's text. Unknown keys, zero or negative prices are errors naming the key.
    pub fn from_toml(text: &str) -> Result<Costs> {
        const DOC: &str = "a cost file: unit, wage_per_hour, and [hard]/[soft]/[triplet]/[pair] \
                           tables of price, seconds, per_item, fixed";
        crate::error::empty_toml(text, "costs", DOC)?;
        let file: CostFile =
            toml::from_str(text).map_err(|e| crate::error::toml_error(text, &e, "costs", DOC))?;
        let mut costs = Costs::default();
        if let Some(u) = file.unit {
            costs.unit = u;
        }
        if let Some(w) = file.wage_per_hour {
            costs.wage_per_hour = check_range("wage_per_hour", w, WAGE_RANGE, "money per hour")?;
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
            const PER_ANNOTATION: &str = "money per annotation";
            if let Some(s) = e.seconds {
                check_range(
                    &format!("{name}.seconds"),
                    s,
                    SECONDS_RANGE,
                    "annotator seconds per annotation",
                )?;
            }
            let (per_annotation, seconds) = match (e.price, e.seconds) {
                (Some(p), _) => (
                    check_range(&format!("{name}.price"), p, PRICE_RANGE, PER_ANNOTATION)?,
                    e.seconds,
                ),
                (None, secs) => {
                    let s = secs.unwrap_or(default_secs);
                    let key = if secs.is_some() {
                        format!("{name}.seconds")
                    } else {
                        format!("{name} (default {default_secs} s)")
                    };
                    let price = s * wage / 3600.0;
                    check_range(
                        &format!("{key} at wage_per_hour {wage}"),
                        price,
                        PRICE_RANGE,
                        &format!("a price (seconds * wage_per_hour / 3600) in {PER_ANNOTATION}"),
                    )?;
                    (price, Some(s))
                }
            };
            let per_item = check_range(
                &format!("{name}.per_item"),
                e.per_item.unwrap_or(0.0),
                PER_ITEM_RANGE,
                "money per item",
            )?;
            let fixed = check_range(
                &format!("{name}.fixed"),
                e.fixed.unwrap_or(0.0),
                FIXED_RANGE,
                "money",
            )?;
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
    fn an_empty_file_is_an_error_not_the_defaults() {
        for text in ["", "\n  \n", "# prices to come\n"] {
            let e = Costs::from_toml(text).unwrap_err().to_string();
            assert!(
                e.contains("empty file") && e.contains("costs"),
                "{text:?}: {e}"
            );
        }
        assert!(Costs::from_toml("# a note\nunit = \"EUR\"").is_ok());
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
        for (text, key, value) in [
            ("[hard]\nprice = 1e-300", "hard.price", "1e-300"),
            ("[soft]\nprice = 1e300", "soft.price", "1e300"),
            ("[pair]\nseconds = 1e9", "pair.seconds", "1e9"),
            ("wage_per_hour = 1e12", "wage_per_hour", "1e12"),
            (
                "wage_per_hour = 1e-3\n[hard]\nseconds=0.01",
                "hard.seconds",
                "2.7",
            ),
            ("[triplet]\nfixed = 1e20", "triplet.fixed", "1e20"),
            ("[triplet]\nper_item = inf", "triplet.per_item", "inf"),
        ] {
            let e = Costs::from_toml(text).unwrap_err().to_string();
            assert!(
                e.contains(key) && e.contains(value) && e.contains(" to "),
                "{e}"
            );
        }
        let e = Costs::from_toml("unit = 3").unwrap_err().to_string();
        assert!(
            e.contains("`unit`") && e.contains("line 1, column 8"),
            "{e}"
        );
        let e = Costs::from_toml("[quad]\nprice = 1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("quad"), "{e}");
    }
}
