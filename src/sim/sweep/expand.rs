//! Checking a sweep file and expanding it into groups and runs, with thinning.

use super::{Group, MAX_RUNS, RunSpec, Sweep, SweepFile, describe, nonempty, work};
use crate::error::{Error, Result};
use crate::rng;
use crate::scenario::Scenario;
use crate::signal::Signal;
use crate::sim::run;

impl SweepFile {
    /// Check the lists and expand into groups and runs (all parts, in order).
    pub fn expand(&self) -> Result<Sweep> {
        let planned = self.planned_runs();
        if planned > MAX_RUNS {
            return Err(Error::invalid(
                "sweep",
                format!("{planned} runs (scenarios x seeds x signals x n, over all parts)"),
                format!("at most {MAX_RUNS} runs; split the sweep into several files"),
            ));
        }
        if self.part.is_empty() {
            return self.expand_one();
        }
        let mut sweep = Sweep {
            groups: Vec::new(),
            runs: Vec::new(),
            part_starts: Vec::new(),
        };
        for (i, part) in self.part.iter().enumerate() {
            let one = self.with_part(part).expand_one().map_err(|e| match e {
                Error::Invalid {
                    key,
                    value,
                    expected,
                } => Error::Invalid {
                    key: format!("part[{}].{key}", i + 1),
                    value,
                    expected,
                },
                other => other,
            })?;
            let (g0, r0) = (sweep.groups.len(), sweep.runs.len());
            sweep.part_starts.push(r0);
            sweep.groups.extend(one.groups);
            sweep.runs.extend(one.runs.into_iter().map(|mut r| {
                r.group += g0;
                r.index += r0;
                r
            }));
        }
        Ok(sweep)
    }

    /// The runs this file lists before thinning, counted without building any (saturating).
    pub fn planned_runs(&self) -> u128 {
        if self.part.is_empty() {
            return self.planned_runs_one();
        }
        self.part
            .iter()
            .map(|p| self.with_part(p).planned_runs_one())
            .fold(0u128, u128::saturating_add)
    }

    fn planned_runs_one(&self) -> u128 {
        fn len<T>(v: &Option<Vec<T>>) -> u128 {
            v.as_ref().map_or(1, |l| l.len() as u128)
        }
        let scenarios = match self.sample {
            Some(count) => count as u128,
            None => [
                len(&self.classes),
                len(&self.dims),
                len(&self.features),
                len(&self.rep_dims),
                len(&self.nuisance),
                len(&self.noise),
                len(&self.latent),
                len(&self.soft_annotators),
                len(&self.pool),
            ]
            .into_iter()
            .fold(1u128, u128::saturating_mul),
        };
        [
            scenarios,
            self.seeds as u128,
            self.signals.len() as u128,
            self.n.len() as u128,
        ]
        .into_iter()
        .fold(1u128, u128::saturating_mul)
    }

    fn expand_one(&self) -> Result<Sweep> {
        if self.signals.is_empty() {
            return Err(Error::invalid(
                "signals",
                "[]",
                "a non-empty list of hard, soft, triplet, pair",
            ));
        }
        if self.n.is_empty() {
            return Err(Error::invalid(
                "n",
                "[]",
                "a non-empty list of annotation counts",
            ));
        }
        if let Some(&bad) = self.n.iter().find(|&&n| n == 0 || n > run::MAX_N) {
            return Err(Error::invalid(
                "n",
                bad,
                format!("annotation counts from 1 to {}", run::MAX_N),
            ));
        }
        if self.seeds == 0 {
            return Err(Error::invalid("seeds", 0, "a count >= 1"));
        }
        nonempty("classes", &self.classes)?;
        nonempty("dims", &self.dims)?;
        nonempty("features", &self.features)?;
        nonempty("rep_dims", &self.rep_dims)?;
        nonempty("nuisance", &self.nuisance)?;
        nonempty("noise", &self.noise)?;
        nonempty("latent", &self.latent)?;
        nonempty("soft_annotators", &self.soft_annotators)?;
        nonempty("pool", &self.pool)?;
        if let Some(w) = self.thin_above
            && !(w.is_finite() && w > 0.0)
        {
            return Err(Error::invalid(
                "thin_above",
                w,
                "a positive number of work units",
            ));
        }
        let scenarios = match self.sample {
            None => {
                if self.ranges.is_some() {
                    return Err(Error::invalid(
                        "ranges",
                        "[ranges]",
                        "`sample = N` alongside [ranges] (a random design)",
                    ));
                }
                self.grid()
            }
            Some(0) => return Err(Error::invalid("sample", 0, "a number of scenarios >= 1")),
            Some(count) => self.random_design(count)?,
        };
        for sc in &scenarios {
            sc.validate()
                .map_err(|e| Error::invalid("scenario", describe(sc), e.to_string()))?;
            if let Some(signal) = self
                .signals
                .iter()
                .find(|s| sc.pool > 0 && sc.pool < s.arity())
            {
                return Err(Error::invalid(
                    "pool",
                    sc.pool,
                    format!(
                        "0 (fresh items) or at least {} items: a {signal} shows {} distinct items",
                        signal.arity(),
                        signal.arity()
                    ),
                ));
            }
        }
        let mut groups = Vec::new();
        let mut runs = Vec::new();
        for sc in scenarios {
            for s in 0..self.seeds {
                let group = groups.len();
                let seed = self.seed.wrapping_add(s);
                for &signal in &self.signals {
                    for &n in &self.n {
                        if self.keep(&sc, seed, signal, n) {
                            runs.push(RunSpec {
                                index: runs.len(),
                                group,
                                signal,
                                n,
                            });
                        }
                    }
                }
                groups.push(Group {
                    scenario: sc.clone(),
                    seed,
                });
            }
        }
        if runs.is_empty() {
            return Err(Error::invalid(
                "sweep",
                "no runs",
                "a sweep with at least one run",
            ));
        }
        Ok(Sweep {
            groups,
            runs,
            part_starts: vec![0],
        })
    }

    fn keep(&self, sc: &Scenario, seed: u64, signal: Signal, n: usize) -> bool {
        let Some(limit) = self.thin_above else {
            return true;
        };
        let w = work(sc, signal, n);
        if w <= limit {
            return true;
        }
        let h = rng::derive(
            seed,
            &[
                sc.world_key(),
                signal.index(),
                n as u64,
                rng::hash_str("thin"),
            ],
        );
        ((h >> 11) as f64 / (1u64 << 53) as f64) < limit / w
    }
}
