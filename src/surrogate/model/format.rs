//! Model-file format versions, and reading a format-2 file as format 3.

use crate::error::Error;
use crate::surrogate::curve::N_PARAMS;

/// The model-file format this build writes. Format 3 stores the curve's scenario coefficients
/// as arrays `beta` (12 scale terms, `curve::SCALE_TERMS`), `delta` (shape) and `gamma`
/// (ceiling): 31 parameters per signal. Format 2 had the first 10 scale terms (29 parameters)
/// and is still read, its two missing terms (`CD`, `dD`) set to 0, which predicts exactly as
/// before. Format 1 had 11 named parameters and is refused with a message naming its version:
/// refit it with `labelbudget fit`.
pub const FORMAT_VERSION: u32 = 3;

/// The oldest model-file format this build reads (see [`FORMAT_VERSION`]).
pub const OLDEST_READABLE_FORMAT: u32 = 2;

/// Scale terms in a format-2 file: the first 10 of `curve::SCALE_TERMS`.
pub(super) const FORMAT2_NZ: usize = 10;

/// The error of a model file (`text`) that does not parse as one: key, line and column where
/// the parser knows them.
pub(super) fn not_a_model(text: &str, e: &toml::de::Error) -> Error {
    crate::error::toml_error(
        text,
        e,
        "model",
        "a model written by `labelbudget fit` or `labelbudget calibrate`",
    )
}

/// Rewrite a format-2 model table as format 3: `beta` of `params` and `spread` and every
/// bootstrap replicate get the two scale terms format 3 added, at 0. Arrays of another length
/// are left alone, for the typed parse to name.
pub(super) fn upgrade_format2(table: &mut toml::Table) {
    use crate::surrogate::curve::{BETA0, NZ};
    const _: () = assert!(
        FORMAT_VERSION == 3,
        "upgrade format 3 to the new format too"
    );
    table.insert(
        "format_version".into(),
        toml::Value::Integer(i64::from(FORMAT_VERSION)),
    );
    let Some(toml::Value::Array(signals)) = table.get_mut("signals") else {
        return;
    };
    let zeros = || std::iter::repeat_n(toml::Value::Float(0.0), NZ - FORMAT2_NZ);
    for signal in signals.iter_mut().filter_map(toml::Value::as_table_mut) {
        for key in ["params", "spread"] {
            if let Some(toml::Value::Array(beta)) = signal
                .get_mut(key)
                .and_then(toml::Value::as_table_mut)
                .and_then(|t| t.get_mut("beta"))
                && beta.len() == FORMAT2_NZ
            {
                beta.extend(zeros());
            }
        }
        if let Some(toml::Value::Array(reps)) = signal.get_mut("bootstrap") {
            for rep in reps.iter_mut().filter_map(toml::Value::as_array_mut) {
                if rep.len() == N_PARAMS - (NZ - FORMAT2_NZ) {
                    let at = BETA0 + FORMAT2_NZ;
                    rep.splice(at..at, zeros());
                }
            }
        }
    }
}
