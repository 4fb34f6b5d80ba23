//! The checks of every number a model file carries, each naming its field, value and range.

use super::spread::ordered;
use super::{
    Cache, FORMAT_VERSION, Model, N_POSITION_BINS, POSITION_RAMP, SignalModel, normal_quantile,
    signal_slot,
};
use crate::error::{Error, Result};
use crate::surrogate::covariate::Covariate;
use crate::surrogate::curve::MAX_COEF;
use crate::surrogate::curve::Params;

/// A number for a message: exponent notation when very large or very small, so that 1e300
/// does not print as 301 digits.
pub(super) fn num(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-6..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// An error unless `v` is finite.
pub(super) fn finite(key: impl Into<String>, v: f64) -> Result<()> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(Error::invalid(key, num(v), "a finite number"))
    }
}

/// An error unless `v` is finite and in [lo, hi].
pub(super) fn within(key: impl Into<String>, v: f64, lo: f64, hi: f64) -> Result<()> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        let expected = if hi == f64::MAX {
            format!("a finite number >= {lo}")
        } else if hi.abs() >= 1e6 {
            format!("a finite number in [{lo}, {hi:e}]")
        } else {
            format!("a finite number in [{lo}, {hi}]")
        };
        Err(Error::invalid(key, num(v), expected))
    }
}

/// Largest residual spread `exp(c0 + c1 ln x)` accepted at either end of `ln_x`, and largest
/// horizontal error `slope`: beyond them the variance of a prediction would overflow.
pub const MAX_RESIDUAL_SD: f64 = 1e100;

/// Largest magnitude of a stored residual quantile (in units of the spread; a normal's 0.01
/// quantile is -2.33).
pub const MAX_RESIDUAL_QUANTILE: f64 = 1000.0;

/// Every number of one signal's entry that predictions rely on: finite parameters in range,
/// spreads >= 0, a residual model with an increasing `ln_x` range and a finite spread over it,
/// and a finite bits approximation. Names the field path, the value and the accepted range.
pub(super) fn check_signal_numbers(s: &SignalModel) -> Result<()> {
    let sig = s.signal;
    if let Err((name, v, expected)) = s.params.check() {
        return Err(Error::invalid(
            format!("signals.{sig}.params.{}", field_of(&name)),
            num(v),
            expected,
        ));
    }
    for (i, &v) in s.spread.to_array().iter().enumerate() {
        let name = crate::surrogate::curve::param_name(i);
        if !(v.is_finite() && v >= 0.0) {
            return Err(Error::invalid(
                format!("signals.{sig}.spread.{}", field_of(&name)),
                num(v),
                "a finite standard deviation >= 0",
            ));
        }
    }
    let r = &s.residual;
    let key = |f: &str| format!("signals.{sig}.residual.{f}");
    finite(key("c0"), r.c0)?;
    finite(key("c1"), r.c1)?;
    within(key("slope"), r.slope, 0.0, MAX_RESIDUAL_SD)?;
    let [lo, hi] = r.ln_x;
    if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
        return Err(Error::invalid(
            key("ln_x"),
            format!("[{}, {}]", num(lo), num(hi)),
            "[lower, upper]: two finite logs of the covariate, lower <= upper",
        ));
    }
    for end in [lo, hi] {
        let sd = (r.c0 + r.c1 * end).exp();
        if sd.is_nan() || sd > MAX_RESIDUAL_SD {
            return Err(Error::invalid(
                format!("signals.{sig}.residual (c0, c1)"),
                format!(
                    "({}, {}): spread exp(c0 + c1 * {end}) = {}",
                    num(r.c0),
                    num(r.c1),
                    num(sd)
                ),
                format!("a spread of at most {MAX_RESIDUAL_SD:e} over ln_x"),
            ));
        }
    }
    let tables = r
        .quantiles
        .iter()
        .map(|q| (key("quantiles"), q))
        .chain(
            r.by_position
                .iter()
                .flatten()
                .enumerate()
                .map(|(k, t)| (key(&format!("by_position[{k}].quantiles")), &t.quantiles)),
        )
        .chain(
            r.by_classes
                .iter()
                .flatten()
                .enumerate()
                .flat_map(|(b, ts)| {
                    ts.iter().enumerate().map(move |(k, t)| {
                        (
                            format!("signals.{sig}.residual.by_classes[{b}][{k}].quantiles"),
                            &t.quantiles,
                        )
                    })
                }),
        );
    for (key, q) in tables {
        if let Some(&v) = q
            .iter()
            .find(|v| v.is_nan() || v.abs() > MAX_RESIDUAL_QUANTILE)
        {
            return Err(Error::invalid(
                key,
                num(v),
                format!(
                    "finite quantiles in [-{MAX_RESIDUAL_QUANTILE}, {MAX_RESIDUAL_QUANTILE}], \
                     in non-decreasing order"
                ),
            ));
        }
    }
    if let Some(b) = &s.bits {
        for (i, &v) in b.coef.iter().enumerate() {
            within(
                format!("signals.{sig}.bits.coef[{i}]"),
                v,
                -MAX_COEF,
                MAX_COEF,
            )?;
        }
        within(
            format!("signals.{sig}.bits.max_rel_err"),
            b.max_rel_err,
            0.0,
            f64::MAX,
        )?;
    }
    let d = &s.diagnostics;
    within(
        format!("signals.{sig}.diagnostics.rmse"),
        d.rmse,
        0.0,
        f64::MAX,
    )?;
    for (family, mae) in &d.family_cv_mae {
        within(
            format!("signals.{sig}.diagnostics.family_cv_mae ({family})"),
            *mae,
            0.0,
            f64::MAX,
        )?;
    }
    Ok(())
}

/// The model-file field of a parameter named by `curve::param_name` (`beta_C` is `beta[0]`).
fn field_of(name: &str) -> String {
    use crate::surrogate::curve::{CEILING_TERMS, SCALE_TERMS};
    let index = |prefix: &str, terms: &[&str]| {
        name.strip_prefix(prefix)
            .and_then(|t| terms.iter().position(|x| *x == t))
    };
    if let Some(i) = index("beta_", &SCALE_TERMS) {
        return format!("beta[{i}]");
    }
    if let Some(i) = index("delta_", &SCALE_TERMS) {
        return format!("delta[{i}]");
    }
    if let Some(i) = index("gamma_", &CEILING_TERMS) {
        return format!("gamma[{i}]");
    }
    name.to_string()
}

impl Model {
    /// Check the contents and build the lookup tables.
    ///
    /// # Errors
    /// An unknown format version, a covariate this build cannot compute, duplicated signals,
    /// non-finite or out-of-range parameters, a level outside (0, 1).
    pub(super) fn prepare(&mut self) -> Result<()> {
        if self.format_version != FORMAT_VERSION {
            return Err(Error::invalid(
                "format_version",
                self.format_version,
                format!(
                    "{FORMAT_VERSION} (this labelbudget reads model format {FORMAT_VERSION}; refit with `labelbudget fit`)"
                ),
            ));
        }
        if !(0.0..=1.0).contains(&self.pair_spill) {
            return Err(Error::invalid(
                "pair_spill",
                self.pair_spill,
                "a share between 0 and 1 of the latent directions beyond the class subspace the pair curve's cap admits",
            ));
        }
        if self.covariate == Covariate::Bits
            && let Some(s) = self.signals.iter().find(|s| s.bits.is_none())
        {
            return Err(Error::invalid(
                format!("signals.{}.bits", s.signal),
                "missing",
                "a bits approximation for every signal with covariate = \"bits\"",
            ));
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::invalid("level", self.level, "a coverage in (0, 1)"));
        }
        self.range.validate()?;
        if let Some(c) = &self.calibration {
            c.validate()?;
        }
        for (key, v) in [
            ("floor.intercept", self.floor.intercept),
            ("floor.slope", self.floor.slope),
        ] {
            finite(key, v)?;
        }
        let mut index = [None; 4];
        let mut replicates = Vec::with_capacity(self.signals.len());
        for (i, s) in self.signals.iter().enumerate() {
            let slot = &mut index[signal_slot(s.signal)];
            if slot.is_some() {
                return Err(Error::invalid(
                    "signals",
                    s.signal,
                    "each signal at most once",
                ));
            }
            *slot = Some(i);
            check_signal_numbers(s)?;
            if let Some(q) = &s.residual.quantiles
                && !ordered(q)
            {
                return Err(Error::invalid(
                    format!("signals.{}.residual.quantiles", s.signal),
                    format!("{q:?}"),
                    "finite quantiles in non-decreasing order",
                ));
            }
            let bands = s.residual.by_classes.iter().flatten().enumerate();
            let tables = s.residual.by_position.iter().map(|t| (None, t));
            for (band, tables) in tables.chain(bands.map(|(k, t)| (Some(k), t))) {
                let edges_ok = tables[0].from == 0.0
                    && tables.iter().all(|t| (0.0..1.0).contains(&t.from))
                    && tables
                        .windows(2)
                        .all(|w| w[1].from - w[0].from > 2.0 * POSITION_RAMP);
                if !(edges_ok && tables.iter().all(|t| ordered(&t.quantiles))) {
                    let field = match band {
                        None => "by_position".to_string(),
                        Some(k) => format!("by_classes[{k}]"),
                    };
                    let value = match tables.iter().position(|t| !ordered(&t.quantiles)) {
                        Some(i) if edges_ok => {
                            format!("table {i} has quantiles {:?}", tables[i].quantiles)
                        }
                        _ => format!("stretches from {:?}", tables.map(|t| t.from)),
                    };
                    return Err(Error::invalid(
                        format!("signals.{}.residual.{field}", s.signal),
                        value,
                        format!(
                            "{N_POSITION_BINS} tables whose stretches start at 0 and then at \
                             increasing positions below 1, more than {} apart, with finite \
                             quantiles in non-decreasing order",
                            2.0 * POSITION_RAMP
                        ),
                    ));
                }
            }
            let reps: Vec<Params> = s.bootstrap.iter().map(Params::from_array).collect();
            for (k, r) in reps.iter().enumerate() {
                if let Err((name, v, expected)) = r.check() {
                    return Err(Error::invalid(
                        format!("signals.{}.bootstrap[{k}] ({name})", s.signal),
                        num(v),
                        expected,
                    ));
                }
            }
            replicates.push(reps);
        }
        let mut table_index = [None; 4];
        for (i, t) in self.tables.iter().enumerate() {
            let slot = signal_slot(t.signal);
            if index[slot].is_some() || table_index[slot].is_some() {
                return Err(Error::invalid(
                    "tables",
                    t.signal,
                    "each signal at most once, in `signals` or in `tables`",
                ));
            }
            t.check()?;
            table_index[slot] = Some(i);
        }
        self.cache = Cache {
            index,
            table_index,
            replicates,
            z_level: (
                normal_quantile(0.5 - self.level / 2.0),
                normal_quantile(0.5 + self.level / 2.0),
            ),
        };
        Ok(())
    }
}
