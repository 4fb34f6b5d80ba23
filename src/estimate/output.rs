//! The estimate as a planning scenario file (what `plan --scenario` reads) and as a table.

use super::{ScenarioEstimate, Value};
use crate::plan::Objective;

/// Format a value's number: whole numbers without decimals, others to 3 significant places.
fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e9 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

/// "[lo, hi]"; "exact" for a value counted, not estimated (classes, features); "not
/// measured" for an assumed one.
pub fn interval(v: &Value) -> String {
    let point = v.lo == v.hi && v.lo == v.estimate;
    match v.source.as_str() {
        "assumed" if point => "not measured".into(),
        "labels" | "soft labels" | "annotation log" | "features" if point => "exact".into(),
        _ => format!("[{}, {}]", num(v.lo), num(v.hi)),
    }
}

impl ScenarioEstimate {
    /// The five estimated values with their scenario keys.
    pub fn values(&self) -> [(&'static str, &Value); 5] {
        [
            ("classes", &self.classes),
            ("features", &self.features),
            ("dims", &self.dims),
            ("nuisance", &self.nuisance),
            ("noise", &self.noise),
        ]
    }

    /// Table rows: key, estimate (as the scenario file has it), interval, source, note.
    pub fn rows(&self) -> Vec<Vec<String>> {
        let sc = self.scenario();
        let shown = [
            sc.classes as f64,
            sc.features as f64,
            sc.dims as f64,
            sc.nuisance,
            sc.noise,
        ];
        self.values()
            .iter()
            .zip(shown)
            .map(|((key, v), s)| {
                vec![
                    (*key).to_string(),
                    num(s),
                    interval(v),
                    v.source.clone(),
                    v.note.clone().unwrap_or_default(),
                ]
            })
            .collect()
    }

    /// A planning scenario file with the estimates as its `[dataset]`, each interval and
    /// source in a comment, `items` the pool to label, and the objective given.
    /// `sources` names the input files in the header comment.
    pub fn plan_toml(
        &self,
        name: &str,
        items: usize,
        objective: Objective,
        sources: &str,
    ) -> String {
        let sc = self.scenario();
        let mut out = format!(
            "# Estimated by `labelbudget scenario` from {sources}\n\
             # ({:.0}% intervals; docs/scenario.md explains each estimate):\n",
            100.0 * self.level
        );
        for (key, v) in self.values() {
            out.push_str(&format!(
                "#   {key:<9} {:<10} {} ({}){}\n",
                num(v.estimate),
                interval(v),
                v.source,
                v.note.as_ref().map_or(String::new(), |n| format!(": {n}"))
            ));
        }
        for n in &self.notes {
            out.push_str(&format!("# {n}\n"));
        }
        let goal = match objective {
            Objective::Target(t) => format!("target = {t}"),
            Objective::Budget(b) => format!("budget = {b}"),
        };
        out.push_str(&format!(
            "name = {}\nitems = {}\n{goal}\nconfidence = 0.9\n\
             # this dataset is the team's own: a model calibrated on a hard-label pilot plans\n\
             # the other signals through its curve at their simulated worth here\n\
             transfer = true\n\n[dataset]\nclasses = {}\n\
             dims = {}\nfeatures = {}\nnuisance = {}\nnoise = {}\n",
            toml::Value::String(name.to_string()),
            items,
            sc.classes,
            sc.dims,
            sc.features,
            sc.nuisance,
            sc.noise
        ));
        out
    }
}
