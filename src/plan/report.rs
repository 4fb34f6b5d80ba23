//! Plain-text rendering of a plan.

use super::alone::SignalStatus;
use super::file::Objective;
use super::recommend::Plan;
use crate::io::render_table;

/// An amount of money as text: cents from 1 to 100, whole units from 100 to 1e9, four digits
/// below 1 and three significant digits in scientific notation from 1e9 on (a budget of 1e300
/// is one short number, not 300 digits).
pub fn money(v: f64) -> String {
    if v >= 1e9 {
        format!("{v:.2e}")
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

/// A signal planned for a target this close to its ceiling (in quality) gets a note under the
/// table: there the count needed moves by orders of magnitude with a small error in the curve's
/// top (the quick start's pairs: 1.66 million at 0.600 against a ceiling of 0.601).
pub const NEAR_CEILING: f64 = 0.005;

fn allocation(a: &super::mix::Counts) -> String {
    if a.used().is_empty() {
        return "nothing".into();
    }
    a.to_string()
}

impl Plan {
    /// The plan as text: the recommendation, each signal alone, and the crossovers.
    pub fn to_table(&self) -> String {
        let r = &self.recommendation;
        let u = &self.unit;
        let mut out = String::new();
        if let Some(line) = self.data_line() {
            out.push_str(&line);
            out.push('\n');
        }
        match self.objective {
            Objective::Target(t) => out.push_str(&format!(
                "Objective: cheapest plan reaching quality {t} ({})\n\n",
                self.metric.label()
            )),
            Objective::Budget(b) => out.push_str(&format!(
                "Objective: best quality within {} {u}\n\n",
                money(b)
            )),
        }
        out.push_str(&format!(
            "Recommendation: buy {}{}\n  cost {} {u}, predicted quality {:.3} ({} interval {:.3} to {:.3})\n",
            allocation(&r.allocation),
            if r.mixed { " (a mix)" } else { "" },
            money(r.cost),
            r.quality,
            crate::io::percent(r.level),
            r.lo,
            r.hi
        ));
        match (&self.objective, &r.safe) {
            (Objective::Target(t), Some(s)) => out.push_str(&format!(
                "  safe budget {} {u} ({}) reaches {t} with probability {} under the model\n",
                money(s.budget),
                allocation(&s.allocation),
                crate::io::percent(s.confidence)
            )),
            (Objective::Target(_), None) => {
                out.push_str(&format!(
                    "  no safe budget: no offered signal's pessimistic curve at {} reaches the target within its limits\n",
                    crate::io::percent(r.confidence)
                ));
                if let Some(b) = &r.safe_best {
                    out.push_str(&format!(
                        "  the most one signal alone promises with probability {}: quality {:.3} ({} {})\n",
                        crate::io::percent(r.confidence),
                        b.quality,
                        b.annotations,
                        b.signal
                    ));
                }
            }
            (Objective::Budget(_), _) => out.push_str(&format!(
                "  quality exceeded with probability {}: {:.3}\n",
                crate::io::percent(r.confidence),
                r.safe_quality
            )),
        }
        out.push_str("\nEach signal alone:\n");
        let rows: Vec<Vec<String>> = self
            .per_signal
            .iter()
            .map(|p| {
                let dash = || "-".to_string();
                let (n, c, q) = match (p.status, p.annotations, p.cost, p.quality) {
                    (SignalStatus::NoData, ..) => ("no data".into(), dash(), dash()),
                    (SignalStatus::NotOffered, ..) => ("not offered".into(), dash(), dash()),
                    (SignalStatus::Planned, Some(n), Some(c), Some(q)) => {
                        (n.to_string(), money(c), format!("{q:.3}"))
                    }
                    _ => (
                        "unreachable".into(),
                        dash(),
                        p.best_reachable
                            .map_or_else(dash, |b| format!("best {b:.3}")),
                    ),
                };
                let ceiling = p.ceiling.map_or_else(dash, |c| format!("{c:.3}"));
                vec![p.signal.to_string(), n, c, q, ceiling]
            })
            .collect();
        let cost_head = format!("cost ({u})");
        out.push_str(&render_table(
            &["signal", "annotations", &cost_head, "quality", "ceiling"],
            &rows,
        ));
        if let Objective::Target(t) = self.objective {
            for p in &self.per_signal {
                if let (SignalStatus::Planned, Some(q), Some(c)) = (p.status, p.quality, p.ceiling)
                    && c - q < NEAR_CEILING
                {
                    out.push_str(&format!(
                        "{}: the target lies within {NEAR_CEILING} of its ceiling ({c:.3}), where its count is very uncertain\n",
                        p.signal
                    ));
                }
                // below the target only because of its limits: say so, and which keys move them
                if let (SignalStatus::Unreachable, Some(b), Some(c)) =
                    (p.status, p.best_reachable, p.ceiling)
                    && c >= t
                {
                    out.push_str(&format!(
                        "{}: its limits stop it at {b:.3} (the scenario's `items`, its `max` or `per_item`); its curve reaches {t} beyond them\n",
                        p.signal
                    ));
                }
            }
        }
        out.push_str("\nCrossovers: ");
        out.push_str(&self.crossover_summary);
        out.push('\n');
        if !self.crossovers.is_empty() {
            let rows: Vec<Vec<String>> = self
                .crossovers
                .iter()
                .map(|c| {
                    vec![
                        money(c.budget),
                        c.from.to_string(),
                        c.to.to_string(),
                        format!("{:.3}", c.quality),
                    ]
                })
                .collect();
            let head = format!("budget ({u})");
            out.push_str(&render_table(&[&head, "from", "to", "quality"], &rows));
        }
        out
    }

    /// The line naming the data planned for: the scenario and its items, or, for a calibrated
    /// model, the user's dataset and pool (`None` for a scenario without a name).
    pub fn data_line(&self) -> Option<String> {
        let items = match self.items {
            0 => String::new(),
            n => format!(", {n} items to label"),
        };
        if self.calibrated {
            let name = if self.scenario.is_empty() {
                "your data"
            } else {
                &self.scenario
            };
            return Some(format!(
                "Data: {name}{items} (model calibrated on it: {})",
                self.metric.label()
            ));
        }
        (!self.scenario.is_empty()).then(|| format!("Scenario: {}{items}", self.scenario))
    }

    /// The plan as CSV, one row per signal: its status (planned, unreachable, not_offered,
    /// no_data), whether it is offered, what it needs (or buys) alone
    /// with its cost and predicted quality (empty when it cannot reach the target), its ceiling
    /// and best reachable quality (empty without data), and its count in the recommendation and in the safe budget
    /// (empty without a safe budget). The crossovers are in the table and the JSON.
    ///
    /// # Errors
    /// Writing the CSV failed (it does not, into memory).
    pub fn to_csv(&self) -> crate::Result<String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let bad = |e: csv::Error| crate::Error::numerical("csv output", e);
        w.write_record([
            "signal",
            "status",
            "offered",
            "annotations",
            "cost",
            "quality",
            "ceiling",
            "best_reachable",
            "recommended",
            "safe",
        ])
        .map_err(bad)?;
        let opt = |v: Option<String>| v.unwrap_or_default();
        let r = &self.recommendation;
        for p in &self.per_signal {
            w.write_record([
                p.signal.to_string(),
                p.status.name().to_string(),
                p.offered.to_string(),
                opt(p.annotations.map(|n| n.to_string())),
                opt(p.cost.map(|c| c.to_string())),
                opt(p.quality.map(|q| q.to_string())),
                opt(p.ceiling.map(|c| c.to_string())),
                opt(p.best_reachable.map(|b| b.to_string())),
                r.allocation.get(p.signal).to_string(),
                opt(r
                    .safe
                    .as_ref()
                    .map(|s| s.allocation.get(p.signal).to_string())),
            ])
            .map_err(bad)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| crate::Error::numerical("csv output", e.error()))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}
