//! The scenarios of a sweep: a full grid, or a seeded Latin hypercube over `[ranges]`.

use super::{SweepFile, values};
use crate::error::{Error, Result};
use crate::rng;
use crate::scenario::Scenario;
use rand::RngExt;

impl SweepFile {
    pub(super) fn grid(&self) -> Vec<Scenario> {
        let d = Scenario::default();
        let mut out = Vec::new();
        for &classes in &values(&self.classes, d.classes) {
            for &dims in &values(&self.dims, d.dims) {
                for &features in &values(&self.features, d.features) {
                    for rep in values(
                        &self
                            .rep_dims
                            .clone()
                            .map(|v| v.into_iter().map(Some).collect()),
                        None,
                    ) {
                        for &nuisance in &values(&self.nuisance, d.nuisance) {
                            for &noise in &values(&self.noise, d.noise) {
                                for &latent in &values(&self.latent, d.latent) {
                                    for &soft_annotators in
                                        &values(&self.soft_annotators, d.soft_annotators)
                                    {
                                        for &pool in &values(&self.pool, d.pool) {
                                            out.push(Scenario {
                                                classes,
                                                dims,
                                                features,
                                                rep_dims: rep,
                                                nuisance,
                                                noise,
                                                latent,
                                                soft_annotators,
                                                pool,
                                                ..d.clone()
                                            });
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        out
    }

    fn single<T: Clone + std::fmt::Debug>(key: &str, v: &Option<Vec<T>>, default: T) -> Result<T> {
        match v {
            None => Ok(default),
            Some(list) if list.len() == 1 => Ok(list[0].clone()),
            Some(list) => Err(Error::invalid(
                key,
                format!("{list:?}"),
                "a single value in a random design (or put the key under [ranges])",
            )),
        }
    }

    /// Latin hypercube over the ranged keys: each key's range is cut into `count` strata,
    /// each stratum used once, strata paired across keys by seeded permutations.
    pub(super) fn random_design(&self, count: usize) -> Result<Vec<Scenario>> {
        let r = self.ranges.clone().unwrap_or_default();
        let d = Scenario::default();
        let base = Scenario {
            classes: Self::single("classes", &self.classes, d.classes)?,
            dims: Self::single("dims", &self.dims, d.dims)?,
            features: Self::single("features", &self.features, d.features)?,
            rep_dims: Self::single(
                "rep_dims",
                &self
                    .rep_dims
                    .clone()
                    .map(|v| v.into_iter().map(Some).collect()),
                None,
            )?,
            nuisance: Self::single("nuisance", &self.nuisance, d.nuisance)?,
            noise: Self::single("noise", &self.noise, d.noise)?,
            latent: Self::single("latent", &self.latent, d.latent)?,
            soft_annotators: Self::single(
                "soft_annotators",
                &self.soft_annotators,
                d.soft_annotators,
            )?,
            pool: Self::single("pool", &self.pool, d.pool)?,
            ..d
        };
        let check_int = |key: &str, v: Option<[usize; 2]>| -> Result<()> {
            match v {
                Some([lo, hi]) if lo == 0 || lo > hi => Err(Error::invalid(
                    format!("ranges.{key}"),
                    format!("[{lo}, {hi}]"),
                    "[low, high] with 1 <= low <= high",
                )),
                _ => Ok(()),
            }
        };
        check_int("classes", r.classes)?;
        check_int("dims", r.dims)?;
        check_int("features", r.features)?;
        for (key, v) in [("noise", r.noise), ("nuisance", r.nuisance)] {
            if let Some([lo, hi]) = v
                && !(lo.is_finite() && hi.is_finite() && lo >= 0.0 && lo <= hi)
            {
                return Err(Error::invalid(
                    format!("ranges.{key}"),
                    format!("[{lo}, {hi}]"),
                    "[low, high] with 0 <= low <= high",
                ));
            }
        }
        if let Some([lo, hi]) = r.nuisance
            && hi > crate::scenario::MAX_NUISANCE
        {
            return Err(Error::invalid(
                "ranges.nuisance",
                format!("[{lo}, {hi}]"),
                format!(
                    "[low, high] with 0 <= low <= high <= {:e}",
                    crate::scenario::MAX_NUISANCE
                ),
            ));
        }
        let min_classes = r.classes.map_or(base.classes, |[lo, _]| lo);
        if let Some([lo, hi]) = r.noise {
            let most = 0.9
                * Scenario {
                    classes: min_classes.max(2),
                    ..base.clone()
                }
                .max_noise();
            if hi > most {
                return Err(Error::invalid(
                    "ranges.noise",
                    format!("[{lo}, {hi}]"),
                    format!(
                        "a range ending at or below {most:.4} = 0.9 (1 - 1/C) for the smallest \
                         classes C = {min_classes} of this design"
                    ),
                ));
            }
        }
        if let Some([lo, hi]) = r.features {
            let max_dims = r.dims.map_or(base.dims, |[_, hi]| hi);
            if hi < max_dims {
                return Err(Error::invalid(
                    "ranges.features",
                    format!("[{lo}, {hi}]"),
                    format!(
                        "a range reaching the largest dims = {max_dims} of this design (features \
                         are at least dims, so draws above {hi} would replace the range)"
                    ),
                ));
            }
        }
        let mut rng = rng::stream(self.seed, &[rng::hash_str("design"), count as u64]);
        let strata = |rng: &mut rng::Rng| -> Vec<f64> {
            let mut perm: Vec<usize> = (0..count).collect();
            for i in (1..count).rev() {
                perm.swap(i, rng.random_range(0..=i));
            }
            perm.into_iter()
                .map(|k| (k as f64 + rng.random::<f64>()) / count as f64)
                .collect()
        };
        let u_c = strata(&mut rng);
        let u_d = strata(&mut rng);
        let u_f = strata(&mut rng);
        let u_e = strata(&mut rng);
        let u_nu = strata(&mut rng);
        let log_int = |u: f64, lo: usize, hi: usize| -> usize {
            let (a, b) = ((lo as f64).ln(), (hi as f64 + 1.0).ln());
            ((a + u * (b - a)).exp().floor() as usize).clamp(lo, hi)
        };
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let mut sc = base.clone();
            if let Some([lo, hi]) = r.classes {
                sc.classes = log_int(u_c[i], lo, hi);
            }
            if let Some([lo, hi]) = r.dims {
                sc.dims = log_int(u_d[i], lo, hi);
            }
            if let Some([lo, hi]) = r.features {
                sc.features = log_int(u_f[i], lo.max(sc.dims).min(hi), hi).max(sc.dims);
            }
            if let Some([lo, hi]) = r.noise {
                let hi = hi.min(0.9 * sc.max_noise());
                sc.noise = lo.min(hi) + u_e[i] * (hi - lo.min(hi));
            }
            if let Some([lo, hi]) = r.nuisance {
                sc.nuisance = lo + u_nu[i] * (hi - lo);
            }
            out.push(sc);
        }
        Ok(out)
    }
}
