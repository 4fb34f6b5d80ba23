//! The checks of every number a model file carries, each naming its field, value and range.

use super::SignalModel;
use crate::error::{Error, Result};
use crate::surrogate::curve::MAX_COEF;

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
