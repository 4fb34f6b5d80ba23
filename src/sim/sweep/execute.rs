//! Choosing a sweep's runs (a part, a shard) and executing them on all cores.

use super::{RunSpec, Sweep, describe};
use crate::error::{Error, Result};
use crate::sim::record::RunRecord;
use crate::sim::run::Setting;
use rayon::prelude::*;

/// A shard of a sweep: the `index`-th (1-based) of `count` deterministic slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = Error;
    fn from_str(s: &str) -> Result<Shard> {
        let bad = || Error::invalid("shard", s, "I/K with 1 <= I <= K, e.g. 2/8");
        let (i, k) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = k.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Sweep {
    /// `e` with the run named: its number, its part, signal, n, scenario and seed.
    fn name_run(&self, r: &RunSpec, e: Error) -> Error {
        let part = self.part_starts.partition_point(|&s| s <= r.index);
        let g = &self.groups[r.group];
        Error::numerical(
            format!(
                "run {} (part {part}, {} n={}, {}, seed {})",
                r.index,
                r.signal,
                r.n,
                describe(&g.scenario),
                g.seed
            ),
            e,
        )
    }

    /// Pairs `(earlier, later)` of groups with the same scenario and seed: their runs would be
    /// identical, simulated twice and counted twice by a fit (a grid listing a value twice, or
    /// two parts drawing the same scenario).
    pub fn duplicate_groups(&self) -> Vec<(usize, usize)> {
        let mut first: std::collections::HashMap<String, usize> = Default::default();
        let mut out = Vec::new();
        for (i, g) in self.groups.iter().enumerate() {
            let key = format!("{:?}/{}", g.scenario, g.seed);
            match first.get(&key) {
                Some(&j) => out.push((j, i)),
                None => {
                    first.insert(key, i);
                }
            }
        }
        out
    }

    /// The runs of the `k`-th `[[part]]` (1-based), numbered as in the whole sweep, so that
    /// simulating a part added to a sweep and merging it with the earlier runs gives the same
    /// file as simulating the whole sweep.
    ///
    /// # Errors
    /// `k` is not the number of a part (the message gives how many there are).
    pub fn part(&self, k: usize) -> Result<Vec<RunSpec>> {
        let parts = self.part_starts.len();
        if k == 0 || k > parts {
            return Err(Error::invalid(
                "--part",
                k,
                format!("a part number from 1 to {parts}"),
            ));
        }
        let end = self.part_starts.get(k).copied().unwrap_or(self.runs.len());
        Ok(self.runs[self.part_starts[k - 1]..end].to_vec())
    }

    /// The runs of `shard`: whole (scenario, seed) groups, dealt round-robin, so no world is
    /// built twice across shards.
    pub fn shard(&self, shard: Shard) -> Vec<RunSpec> {
        self.runs
            .iter()
            .filter(|r| r.group % shard.count == shard.index - 1)
            .cloned()
            .collect()
    }

    /// Execute `runs` on all cores, calling `progress` after each. Results come back in the
    /// order of `runs` whatever the thread count.
    ///
    /// Groups are processed in chunks so only a bounded number of worlds is in memory at once.
    pub fn execute(
        &self,
        runs: &[RunSpec],
        timing: bool,
        progress: &(dyn Fn() + Sync),
    ) -> Result<Vec<RunRecord>> {
        const GROUPS_PER_CHUNK: usize = 32;
        let mut out = Vec::with_capacity(runs.len());
        let mut start = 0;
        while start < runs.len() {
            // take runs until the chunk spans GROUPS_PER_CHUNK distinct groups
            let mut end = start;
            let mut groups: Vec<usize> = Vec::new();
            while end < runs.len() {
                let g = runs[end].group;
                if !groups.contains(&g) {
                    if groups.len() == GROUPS_PER_CHUNK {
                        break;
                    }
                    groups.push(g);
                }
                end += 1;
            }
            let settings: Vec<Setting> = groups
                .par_iter()
                .map(|&g| {
                    let grp = &self.groups[g];
                    Setting::new(&grp.scenario, grp.seed).map_err(|e| {
                        Error::numerical(
                            format!(
                                "the world of {}, seed {}",
                                describe(&grp.scenario),
                                grp.seed
                            ),
                            e,
                        )
                    })
                })
                .collect::<Result<_>>()?;
            let chunk: Vec<RunRecord> = runs[start..end]
                .par_iter()
                .map(|r| {
                    let pos = groups
                        .iter()
                        .position(|&g| g == r.group)
                        .expect("group in chunk");
                    let rec = settings[pos]
                        .run(r.signal, r.n, timing)
                        .map(|mut rec| {
                            rec.run = r.index as u64;
                            rec
                        })
                        .map_err(|e| self.name_run(r, e));
                    progress();
                    rec
                })
                .collect::<Result<_>>()?;
            out.extend(chunk);
            start = end;
        }
        Ok(out)
    }
}
