//! Per-item label counts, and the I(label; item) and I(a; b) estimates made from counts.

use super::LogOptions;
use crate::info::estimators::{Correction, miller_madow_term, plugin_entropy, plugin_entropy_u64};
use crate::rng;
use std::collections::{BTreeMap, HashMap};

/// One item's label counts, sparse.
#[derive(Debug, Default, Clone)]
pub(super) struct ItemCounts {
    pub(super) labels: Vec<(u32, u32)>,
    pub(super) total: u32,
}

impl ItemCounts {
    pub(super) fn add(&mut self, label: u32) {
        self.total += 1;
        match self.labels.iter_mut().find(|(l, _)| *l == label) {
            Some((_, c)) => *c += 1,
            None => self.labels.push((label, 1)),
        }
    }
    fn counts(&self) -> Vec<u32> {
        self.labels.iter().map(|&(_, c)| c).collect()
    }
    /// Majority label among the other annotations once one `label` is removed (None on a tie or
    /// when no other annotation exists).
    pub(super) fn majority_without(&self, label: u32) -> Option<u32> {
        let mut best: Option<(u32, u32)> = None;
        let mut tie = false;
        for &(l, c) in &self.labels {
            let c = if l == label { c - 1 } else { c };
            if c == 0 {
                continue;
            }
            match best {
                Some((_, bc)) if c < bc => {}
                Some((_, bc)) if c == bc => tie = true,
                _ => {
                    best = Some((l, c));
                    tie = false;
                }
            }
        }
        if tie { None } else { best.map(|(l, _)| l) }
    }
}

/// Plug-in and Miller-Madow-corrected I(a; b) from a sparse joint count table.
pub(super) fn table_information(joint: &BTreeMap<(u32, u32), u64>) -> (f64, f64) {
    let mut ma: BTreeMap<u32, u64> = BTreeMap::new();
    let mut mb: BTreeMap<u32, u64> = BTreeMap::new();
    for (&(a, b), &n) in joint {
        *ma.entry(a).or_insert(0) += n;
        *mb.entry(b).or_insert(0) += n;
    }
    let n: u64 = joint.values().sum();
    let h = |v: Vec<u64>| plugin_entropy_u64(&v);
    let (ha, hb, hab) = (
        h(ma.values().copied().collect()),
        h(mb.values().copied().collect()),
        h(joint.values().copied().collect()),
    );
    let plugin = ha + hb - hab;
    let nf = n as f64;
    // Miller-Madow on each entropy: I_MM = I + [(ma-1) + (mb-1) - (mab-1)] / (2 n ln 2)
    let corrected = plugin + miller_madow_term(ma.len(), nf) + miller_madow_term(mb.len(), nf)
        - miller_madow_term(joint.len(), nf);
    (plugin, corrected)
}

/// Summaries of the distinct count patterns (an item's sorted label counts): every estimate
/// depends on an item only through its pattern, and logs with few annotations per item have few
/// patterns, which makes the estimate and its bootstrap cheap.
pub(super) struct ItemStats {
    classes: usize,
    /// Per pattern: its label counts, annotations n, n H_plugin, n H_corrected, and item count.
    patterns: Vec<Pattern>,
    items: usize,
}

struct Pattern {
    labels: Vec<(u32, u32)>,
    n: f64,
    h_plugin: f64,
    h_corrected: f64,
    items: u64,
}

impl ItemStats {
    pub(super) fn new(items: &[&ItemCounts], classes: usize, correction: Correction) -> Self {
        let bayes = matches!(correction, Correction::Dirichlet | Correction::Mixture).then(|| {
            let mut marginal = vec![0.0; classes];
            for c in items {
                for &(l, n) in &c.labels {
                    marginal[l as usize] += f64::from(n);
                }
            }
            let total: f64 = marginal.iter().sum();
            marginal.iter_mut().for_each(|v| *v /= total);
            let labels: Vec<&[(u32, u32)]> = items.iter().map(|c| c.labels.as_slice()).collect();
            if correction == Correction::Mixture {
                crate::info::estimators::dirichlet_mixture_entropies(&labels, &marginal)
            } else {
                crate::info::estimators::dirichlet_posterior_entropies(&labels, &marginal).1
            }
        });
        let poly = crate::info::estimators::PolynomialEntropy::default();
        let mut index: HashMap<Vec<(u32, u32)>, usize> = HashMap::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        for (i, c) in items.iter().enumerate() {
            let mut key = c.labels.clone();
            key.sort_unstable();
            if let Some(&p) = index.get(&key) {
                patterns[p].items += 1;
                continue;
            }
            let counts = c.counts();
            let n = f64::from(c.total);
            let corrected = match (&bayes, correction) {
                (Some(h), _) => h[i],
                (None, Correction::Polynomial) => poly.entropy(&counts),
                (None, _) => correction.entropy(&counts),
            };
            index.insert(key.clone(), patterns.len());
            patterns.push(Pattern {
                labels: key,
                n,
                h_plugin: n * plugin_entropy(&counts),
                h_corrected: n * corrected,
                items: 1,
            });
        }
        ItemStats {
            classes,
            patterns,
            items: items.len(),
        }
    }

    /// (plug-in, corrected) I(label; item) with each pattern counted `weight(p)` times.
    fn estimate_weighted(&self, weight: impl Fn(usize) -> f64) -> (f64, f64) {
        let mut marginal = vec![0u64; self.classes];
        let (mut n, mut hp, mut hc) = (0.0, 0.0, 0.0);
        for (i, p) in self.patterns.iter().enumerate() {
            let w = weight(i);
            if w == 0.0 {
                continue;
            }
            for &(l, c) in &p.labels {
                marginal[l as usize] += (w as u64) * u64::from(c);
            }
            n += w * p.n;
            hp += w * p.h_plugin;
            hc += w * p.h_corrected;
        }
        let h = plugin_entropy_u64(&marginal);
        let bins = marginal.iter().filter(|&&c| c > 0).count();
        (h - hp / n, h + miller_madow_term(bins, n) - hc / n)
    }

    /// (plug-in, corrected) I(label; item) over all items.
    pub(super) fn estimate(&self) -> (f64, f64) {
        self.estimate_weighted(|i| self.patterns[i].items as f64)
    }

    /// Percentile bootstrap interval of the corrected estimate, resampling items with
    /// replacement: the number of resampled items of each pattern is multinomial, drawn as a
    /// chain of binomials.
    pub(super) fn bootstrap(&self, opts: &LogOptions) -> (f64, f64) {
        use rand_distr::{Binomial, Distribution};
        let mut rng = rng::stream(opts.seed, &[rng::hash_str("info-log-bootstrap")]);
        let mut draw = vec![0u64; self.patterns.len()];
        let mut reps: Vec<f64> = (0..opts.bootstrap)
            .map(|_| {
                let mut left = self.items as u64;
                let mut mass = self.items as f64;
                for (d, p) in draw.iter_mut().zip(&self.patterns) {
                    let q = (p.items as f64 / mass).min(1.0);
                    *d = if left == 0 {
                        0
                    } else if q >= 1.0 {
                        left
                    } else {
                        Binomial::new(left, q).map_or(0, |b| b.sample(&mut rng))
                    };
                    left -= *d;
                    mass -= p.items as f64;
                }
                self.estimate_weighted(|i| draw[i] as f64).1
            })
            .filter(|v| v.is_finite())
            .collect();
        if reps.is_empty() {
            return (f64::NAN, f64::NAN);
        }
        reps.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let pos = p * (reps.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            reps[lo] + (reps[hi] - reps[lo]) * (pos - lo as f64)
        };
        let tail = (1.0 - opts.level) / 2.0;
        (q(tail), q(1.0 - tail))
    }
}
