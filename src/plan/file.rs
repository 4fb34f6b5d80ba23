//! The planning scenario file: the user's dataset, the objective and the limits.
//!
//! ```toml
//! name = "CIFAR-like, 10 classes"   # shown in tables and chart titles
//! items = 50000                     # items available to annotate (0 = unlimited)
//! target = 0.6                      # the quality wanted (in the model's metric), or:
//! # budget = 2000                   # the money available (cost-file units)
//! confidence = 0.9                  # probability the safe budget reaches the target
//!
//! [dataset]                         # the world: every key of a simulation scenario
//! classes = 10
//! dims = 16                         # latent dimensions (or an estimate)
//! features = 64
//! noise = 0.2                       # annotator hard-label error rate
//!
//! [limits.hard]
//! per_item = 1                      # at most one hard label per item (needs `items`)
//! [limits.triplet]
//! max = 20000                       # at most this many annotations
//! [limits.pair]
//! offered = false                   # not on offer
//! ```
//!
//! | key          | default | meaning                                                        |
//! |--------------|---------|----------------------------------------------------------------|
//! | `name`       | ""      | label for output                                               |
//! | `items`      | 0       | distinct items available; 0 = as many as needed                |
//! | `target`     | -       | quality to reach, in (0, 1); exclusive with `budget`           |
//! | `budget`     | -       | money to spend, > 0; exclusive with `target`                   |
//! | `confidence` | 0.9     | in (0.5, 1): probability behind the safe budget                |
//! | `dataset`    | default | a [`Scenario`]                                                 |
//! | `limits.S.offered`  | true | whether signal S may be bought                           |
//! | `limits.S.max`      | none | at most this many annotations of S                       |
//! | `limits.S.per_item` | none | at most this many annotations of S per item (x `items`)  |

use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::signal::Signal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The example scenario planned when no file is given (a CIFAR-like 10-class image set).
pub const EMBEDDED_SCENARIO: &str = include_str!("../../examples/cifar10/scenario.toml");

/// The most annotations of one signal the planner considers.
pub const MAX_ANNOTATIONS: f64 = 1e7;

/// What the user wants.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    /// The cheapest plan reaching this quality.
    Target(f64),
    /// The best plan within this money.
    Budget(f64),
}

/// Limits on one signal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SignalLimit {
    pub offered: bool,
    pub max: Option<f64>,
    pub per_item: Option<f64>,
}

impl Default for SignalLimit {
    fn default() -> Self {
        SignalLimit {
            offered: true,
            max: None,
            per_item: None,
        }
    }
}

/// A validated planning scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanScenario {
    pub name: String,
    pub dataset: Scenario,
    /// Distinct items available (0 = unlimited).
    pub items: u64,
    pub objective: Objective,
    pub confidence: f64,
    pub limits: BTreeMap<Signal, SignalLimit>,
    /// Read the signals a calibrated model did not measure through its hard-label curve at
    /// their simulated worth for `dataset` (docs/scenario.md): the file's `transfer = true`,
    /// which `labelbudget scenario` writes, as its `dataset` is then the team's own. Without
    /// it they are "no data".
    #[serde(default)]
    pub transfer: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitFile {
    offered: Option<bool>,
    max: Option<f64>,
    per_item: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsFile {
    hard: Option<LimitFile>,
    soft: Option<LimitFile>,
    triplet: Option<LimitFile>,
    pair: Option<LimitFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    name: Option<String>,
    items: Option<i64>,
    target: Option<f64>,
    budget: Option<f64>,
    confidence: Option<f64>,
    dataset: Option<Scenario>,
    limits: Option<LimitsFile>,
    transfer: Option<bool>,
}

/// The target used when a file gives neither `target` nor `budget`.
pub const DEFAULT_TARGET: f64 = 0.6;

impl PlanScenario {
    /// Parse and validate a scenario file's text; errors name the key and value.
    pub fn from_toml(text: &str) -> Result<PlanScenario> {
        const DOC: &str = "a planning scenario file: name, items, target or budget, confidence, \
                           transfer, [dataset], [limits.<signal>] (docs/reference.md, \"Scenario \
                           files\")";
        crate::error::empty_toml(text, "scenario", DOC)?;
        let f: PlanFile = toml::from_str(text)
            .map_err(|e| crate::error::toml_error(text, &e, "scenario", DOC))?;
        let objective = match (f.target, f.budget) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "target",
                    "given with `budget`",
                    "either `target` or `budget`, not both",
                ));
            }
            (Some(t), None) => Objective::Target(t),
            (None, Some(b)) => Objective::Budget(b),
            (None, None) => Objective::Target(DEFAULT_TARGET),
        };
        let items = f.items.unwrap_or(0);
        if items < 0 {
            return Err(Error::invalid(
                "items",
                items,
                "an integer >= 0 (0 = unlimited)",
            ));
        }
        let mut limits = BTreeMap::new();
        let l = f.limits.unwrap_or_default();
        for (signal, entry) in [
            (Signal::Hard, l.hard),
            (Signal::Soft, l.soft),
            (Signal::Triplet, l.triplet),
            (Signal::Pair, l.pair),
        ] {
            let e = entry.unwrap_or_default();
            limits.insert(
                signal,
                SignalLimit {
                    offered: e.offered.unwrap_or(true),
                    max: e.max,
                    per_item: e.per_item,
                },
            );
        }
        let plan = PlanScenario {
            name: f.name.unwrap_or_default(),
            dataset: f.dataset.unwrap_or_default(),
            items: items as u64,
            objective,
            confidence: f.confidence.unwrap_or(0.9),
            limits,
            transfer: f.transfer.unwrap_or(false),
        };
        plan.validate()?;
        Ok(plan)
    }

    /// Read a scenario file; errors name the file.
    pub fn from_file(path: &Path) -> Result<PlanScenario> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        PlanScenario::from_toml(&text).map_err(|e| e.in_file(path))
    }

    /// The embedded example scenario.
    pub fn embedded() -> PlanScenario {
        PlanScenario::from_toml(EMBEDDED_SCENARIO).expect("the embedded scenario is valid")
    }

    /// The user's own dataset behind a calibrated model: `name`, `items` available to label (0:
    /// unknown, as many as needed) and, when they are known, at most one hard and one soft
    /// label per item; the default target and confidence, every signal offered. The `dataset`
    /// world is the default one, which a calibrated model's curves ignore.
    pub fn for_data(name: &str, items: u64) -> PlanScenario {
        let one_each = SignalLimit {
            per_item: (items > 0).then_some(1.0),
            ..SignalLimit::default()
        };
        let limits = Signal::ALL
            .into_iter()
            .map(|s| {
                let l = match s {
                    Signal::Hard | Signal::Soft => one_each,
                    Signal::Triplet | Signal::Pair => SignalLimit::default(),
                };
                (s, l)
            })
            .collect();
        PlanScenario {
            name: name.to_string(),
            dataset: Scenario::default(),
            items,
            objective: Objective::Target(DEFAULT_TARGET),
            confidence: 0.9,
            limits,
            transfer: false,
        }
    }

    /// Check every field; the error names the key, the value and the accepted range.
    pub fn validate(&self) -> Result<()> {
        self.dataset.validate().map_err(|e| match e {
            Error::Invalid {
                key,
                value,
                expected,
            } => Error::Invalid {
                key: format!("dataset.{key}"),
                value,
                expected,
            },
            other => other,
        })?;
        self.objective.validate()?;
        if !(self.confidence > 0.5 && self.confidence < 1.0) {
            return Err(Error::invalid(
                "confidence",
                self.confidence,
                "a probability in (0.5, 1), e.g. 0.9",
            ));
        }
        for (signal, l) in &self.limits {
            let name = signal.name();
            if let Some(m) = l.max
                && !(m.is_finite() && m >= 0.0)
            {
                return Err(Error::invalid(
                    format!("limits.{name}.max"),
                    m,
                    "a count >= 0",
                ));
            }
            if let Some(p) = l.per_item {
                if !(p.is_finite() && p > 0.0) {
                    return Err(Error::invalid(
                        format!("limits.{name}.per_item"),
                        p,
                        "a number > 0",
                    ));
                }
                if self.items == 0 {
                    return Err(Error::invalid(
                        format!("limits.{name}.per_item"),
                        p,
                        "a per-item limit needs `items` (the number of items available) > 0",
                    ));
                }
            }
        }
        if !self.limits.values().any(|l| l.offered) {
            return Err(Error::invalid(
                "limits",
                "every signal has offered = false",
                "at least one signal on offer",
            ));
        }
        Ok(())
    }

    /// The limit of `signal` (default: offered, unlimited).
    pub fn limit(&self, signal: Signal) -> SignalLimit {
        self.limits.get(&signal).copied().unwrap_or_default()
    }

    /// The signals on offer, in [`Signal::ALL`] order.
    pub fn offered(&self) -> Vec<Signal> {
        Signal::ALL
            .into_iter()
            .filter(|&s| self.limit(s).offered)
            .collect()
    }

    /// The most annotations of `signal` that may be bought (0 when not offered).
    pub fn max_annotations(&self, signal: Signal) -> f64 {
        let l = self.limit(signal);
        if !l.offered {
            return 0.0;
        }
        let mut m = MAX_ANNOTATIONS;
        if let Some(x) = l.max {
            m = m.min(x.floor());
        }
        if let Some(p) = l.per_item {
            m = m.min((p * self.items as f64).floor());
        }
        m
    }

    /// Distinct items `n` annotations of `signal` touch: each shows `arity` items, drawn without
    /// repetition until the `items` available run out.
    pub fn items_touched(&self, signal: Signal, n: f64) -> f64 {
        let shown = n * signal.arity() as f64;
        if self.items > 0 {
            shown.min(self.items as f64)
        } else {
            shown
        }
    }
}

impl Objective {
    /// Check the objective's value.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Objective::Target(t) if !(t.is_finite() && t > 0.0 && t < 1.0) => Err(Error::invalid(
                "target",
                t,
                "a quality in (0, 1), in the model's metric",
            )),
            Objective::Budget(b) if !(b.is_finite() && b > 0.0) => {
                Err(Error::invalid("budget", b, "a finite amount of money > 0"))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_scenario_parses() {
        let p = PlanScenario::embedded();
        assert!(!p.name.is_empty());
        assert_eq!(p.offered().len(), 4);
    }

    #[test]
    fn limits_combine() {
        let p = PlanScenario::from_toml(
            "items = 1000\nbudget = 50\n[limits.hard]\nper_item = 1\n[limits.triplet]\nmax = 300\n[limits.pair]\noffered = false",
        )
        .unwrap();
        assert_eq!(p.max_annotations(Signal::Hard), 1000.0);
        assert_eq!(p.max_annotations(Signal::Triplet), 300.0);
        assert_eq!(p.max_annotations(Signal::Pair), 0.0);
        assert_eq!(p.items_touched(Signal::Triplet, 500.0), 1000.0);
        assert_eq!(p.objective, Objective::Budget(50.0));
    }

    #[test]
    fn an_objective_must_be_a_finite_positive_amount_or_a_quality_inside_0_1() {
        for b in [0.0, -5.0, f64::INFINITY, f64::NAN] {
            let e = Objective::Budget(b).validate().unwrap_err().to_string();
            assert!(e.contains("`budget`") && e.contains("finite"), "{e}");
        }
        for t in [0.0, 1.0, f64::NAN] {
            let e = Objective::Target(t).validate().unwrap_err().to_string();
            assert!(e.contains("`target`") && e.contains("(0, 1)"), "{e}");
        }
        assert!(Objective::Budget(1e-3).validate().is_ok());
        assert!(Objective::Target(0.999).validate().is_ok());
    }

    #[test]
    fn type_errors_name_key_line_and_column() {
        let e = PlanScenario::from_toml("target = 0.6\n[dataset]\nclasses = 3.5")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`dataset.classes`"), "{e}");
        assert!(e.contains("line 3, column 11") && e.contains("3.5"), "{e}");
    }

    #[test]
    fn errors_name_key_and_value() {
        let cases = [
            ("target = 1.5", "target"),
            ("budget = -3", "budget"),
            ("target = 0.5\nbudget = 3", "budget"),
            ("confidence = 0.3", "confidence"),
            ("[limits.quad]\nmax = 3", "quad"),
            ("[limits.hard]\nper_item = 1", "limits.hard.per_item"),
            ("[dataset]\nclasses = 1", "dataset.classes"),
            ("colour = 3", "colour"),
        ];
        for (text, key) in cases {
            let e = PlanScenario::from_toml(text).unwrap_err().to_string();
            assert!(e.contains(key), "{text}: {e}");
        }
    }

    #[test]
    fn an_empty_file_is_an_error_not_the_defaults() {
        for text in ["", "# to fill in\n\n"] {
            let e = PlanScenario::from_toml(text).unwrap_err().to_string();
            assert!(
                e.contains("empty file") && e.contains("scenario"),
                "{text:?}: {e}"
            );
        }
    }
}
