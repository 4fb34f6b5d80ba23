//! What a target needs under a curve given as quantiles, said honestly (docs/real-curves.md,
//! "Reachability"): a count when the central curve reaches the target within the counts real
//! curves support; "more than the supported count" when only the optimistic side of the
//! interval reaches it there; "unreachable" only when even the optimistic side does not.

use crate::calibrate::n_reaching;
use crate::surrogate::model::QuantileTable;
use serde::Serialize;

/// The answer for one target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The central curve reaches the target at `n`.
    Reached { n: f64 },
    /// Only the optimistic side reaches it within the supported counts: more than
    /// `at_least` (the largest count the curves support), at `optimistic` on the optimistic side.
    BeyondSupport { at_least: f64, optimistic: f64 },
    /// Not even the optimistic side reaches it by `within`; it tops out at `best`.
    Unreachable { within: f64, best: f64 },
}

/// A target's counts under a table: central, safe (exceeded with probability `level`) and
/// optimistic (the upper end of the central `level` interval), each `None` when its curve does
/// not reach the target within the supported counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Reach {
    pub target: f64,
    pub central: Option<f64>,
    pub safe: Option<f64>,
    pub optimistic: Option<f64>,
    /// The largest count real curves support a prediction at.
    pub supported: f64,
    /// The probability the safe budget is asked to reach the target with, and the highest
    /// quality reached with that probability within the supported counts.
    pub level: f64,
    pub safe_top: f64,
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// The counts `table` needs for `target`, with the safe budget at probability `level`.
pub fn reach(table: &QuantileTable, target: f64, level: f64) -> Reach {
    let supported = table.supported_to.exp();
    let from = table.ln_n[0].exp();
    let at = |p: f64| {
        n_reaching(|n| table.quantile(n, p), target)
            .map(|n| n.max(from))
            .filter(|&n| n <= supported * (1.0 + 1e-9))
    };
    let central = at(0.5);
    let p_safe = crate::surrogate::model::reach_prob(&table.reach, level);
    let safe = at(p_safe);
    let hi = 0.5 + level / 2.0;
    let optimistic = at(hi);
    let verdict = match (central, optimistic) {
        (Some(n), _) => Verdict::Reached { n },
        (None, Some(o)) => Verdict::BeyondSupport {
            at_least: supported,
            optimistic: o,
        },
        (None, None) => Verdict::Unreachable {
            within: supported,
            best: table.quantile(supported, hi),
        },
    };
    Reach {
        target,
        central,
        safe,
        optimistic,
        supported,
        level,
        safe_top: table.quantile(supported, p_safe),
        verdict,
    }
}

impl Reach {
    /// One line for a report.
    pub fn describe(&self) -> String {
        let pct = crate::io::percent(self.level);
        let safe = self.safe.map_or_else(
            || {
                format!(
                    "no safe budget within {:.0} (with {pct} probability the curve reaches {:.3} there)",
                    self.supported, self.safe_top
                )
            },
            |s| format!("safe budget {:.0} (reached with {pct} probability)", s.ceil()),
        );
        match self.verdict {
            Verdict::Reached { n } => {
                format!(
                    "target {:.3}: n = {:.0} (central), {safe}",
                    self.target,
                    n.ceil()
                )
            }
            Verdict::BeyondSupport {
                at_least,
                optimistic,
            } => format!(
                "target {:.3}: more than {at_least:.0}, beyond what the pilot and real curves support (the optimistic side reaches it at {:.0})",
                self.target,
                optimistic.ceil()
            ),
            Verdict::Unreachable { within, best } => format!(
                "target {:.3}: unreachable within {within:.0} even on the optimistic side (it reaches {best:.3})",
                self.target
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::Signal;

    fn table() -> QuantileTable {
        QuantileTable {
            signal: Signal::Hard,
            ln_n: vec![0.0, 1.0, 2.0],
            probs: vec![0.05, 0.1, 0.5, 0.95],
            quality: vec![
                vec![0.1, 0.15, 0.2],
                vec![0.1, 0.2, 0.3],
                vec![0.2, 0.4, 0.5],
                vec![0.3, 0.5, 0.9],
            ],
            floor: 0.0,
            measured_to: 1.0,
            supported_to: 2.0,
            reach: Vec::new(),
        }
    }

    #[test]
    fn each_verdict_comes_from_the_side_that_reaches() {
        let t = table();
        let r = reach(&t, 0.45, 0.9);
        let Verdict::Reached { n } = r.verdict else {
            panic!("{r:?}")
        };
        assert!((n.ln() - 1.5).abs() < 1e-6, "{n}");
        assert!(r.safe.is_none() && r.optimistic.is_some());
        // no safe budget: the most the safe row reaches is said instead (0.45 > its 0.2..0.3)
        assert!(r.safe_top < 0.45 && r.safe_top >= 0.2, "{}", r.safe_top);
        assert!(
            r.describe()
                .contains(&format!("reaches {:.3} there", r.safe_top))
        );
        let r = reach(&t, 0.7, 0.9);
        assert!(matches!(r.verdict, Verdict::BeyondSupport { .. }), "{r:?}");
        assert!(r.describe().contains("beyond what the pilot"));
        let r = reach(&t, 0.95, 0.9);
        let Verdict::Unreachable { best, .. } = r.verdict else {
            panic!("{r:?}")
        };
        assert!((best - 0.9).abs() < 1e-12);
        assert!(r.describe().contains("unreachable"));
    }
}
