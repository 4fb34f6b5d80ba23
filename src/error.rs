//! The library's one error type. Every variant carries the values a user needs to fix the input:
//! which file or key, which value, and what would have been accepted.

use std::path::PathBuf;

/// Errors raised by labelbudget's library code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter has a value outside its accepted range.
    #[error("invalid value for `{key}`: {value} ({expected})")]
    Invalid {
        key: String,
        value: String,
        expected: String,
    },

    /// A file could not be parsed or failed validation.
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },

    /// A file's text is not of the expected form at a place no key names (TOML syntax, an
    /// unknown or missing top-level key): where, what the parser said, what is accepted.
    #[error("{at}{message} ({expected})")]
    Syntax {
        at: String,
        message: String,
        expected: String,
    },

    /// A row of a tabular input is malformed.
    #[error("{}, line {line}: {message}", path.display())]
    Row {
        path: PathBuf,
        line: u64,
        message: String,
    },

    /// An operating-system level I/O failure.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A numerical routine failed (optimiser error, degenerate data).
    #[error("numerical failure in {context}: {message}")]
    Numerical { context: String, message: String },
}

impl Error {
    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(
        key: impl Into<String>,
        value: impl std::fmt::Display,
        expected: impl Into<String>,
    ) -> Self {
        Error::Invalid {
            key: key.into(),
            value: value.to_string(),
            expected: expected.into(),
        }
    }

    /// Shorthand for [`Error::File`].
    pub fn file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::File {
            path: path.into(),
            message: message.into(),
        }
    }

    /// Shorthand for [`Error::Numerical`].
    pub fn numerical(context: impl Into<String>, message: impl std::fmt::Display) -> Self {
        Error::Numerical {
            context: context.into(),
            message: message.to_string(),
        }
    }

    /// Attach a file name to an error raised while validating that file's contents.
    pub fn in_file(self, path: impl Into<PathBuf>) -> Self {
        match self {
            Error::File { .. } | Error::Row { .. } | Error::Io { .. } => self,
            other => Error::File {
                path: path.into(),
                message: other.to_string(),
            },
        }
    }
}

/// A TOML parse or type error as [`Error::Invalid`] naming the key when the parser knows it,
/// else as [`Error::Syntax`] (`what` names the file's kind when there is no position): the line
/// and column, toml's message (which says what was expected), and `doc`, where
/// the file format is described. [`Error::in_file`] then adds the file name.
/// An error when a TOML file holds no key at all (empty, or only blanks and comments): every
/// key of a scenario or cost file has a default, so an empty file would silently mean "the
/// defaults", which is rarely what the file's author meant.
pub fn empty_toml(text: &str, what: &str, doc: &str) -> Result<()> {
    let blank = text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#')
    });
    if blank {
        return Err(Error::Invalid {
            key: what.to_string(),
            value: "an empty file (no keys)".to_string(),
            expected: doc.to_string(),
        });
    }
    Ok(())
}

pub fn toml_error(text: &str, e: &toml::de::Error, what: &str, doc: &str) -> Error {
    // toml keeps the key path private, but prints it when it has no input to quote
    let mut bare = e.clone();
    bare.set_input(None);
    let shown = bare.to_string();
    let key = shown
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("in `").and_then(|k| k.strip_suffix('`')))
        .filter(|k| !k.is_empty());
    let at = e
        .span()
        .map(|s| {
            let (line, column) = line_column(text, s.start);
            format!("line {line}, column {column}: ")
        })
        .unwrap_or_default();
    let message = e.message().trim().to_string();
    match key {
        Some(key) => Error::Invalid {
            key: key.to_string(),
            value: format!("{at}{message}"),
            expected: doc.to_string(),
        },
        None => Error::Syntax {
            at: if at.is_empty() {
                format!("{what}: ")
            } else {
                at
            },
            message,
            expected: doc.to_string(),
        },
    }
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
pub fn line_column(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// Result alias for the library.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_errors_give_key_line_and_column() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Inner {
            classes: usize,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            dataset: Inner,
        }
        let text = "# x\n[dataset]\nclasses = 3.5\n";
        let e = toml::from_str::<Outer>(text).unwrap_err();
        let msg = toml_error(text, &e, "scenario", "a scenario file").to_string();
        assert!(msg.contains("`dataset.classes`"), "{msg}");
        assert!(msg.contains("line 3, column 11"), "{msg}");
        assert!(msg.contains("3.5") && msg.contains("usize"), "{msg}");
        // a missing top-level table has no key path: what the parser said and what is accepted
        let text = "[datset]\nclasses = 3\n";
        let e = toml::from_str::<Outer>(text).unwrap_err();
        let msg = toml_error(text, &e, "scenario", "a scenario file").to_string();
        assert!(!msg.contains("invalid value for"), "{msg}");
        assert!(
            msg.contains("missing field `dataset`") && msg.contains("(a scenario file)"),
            "{msg}"
        );
        assert_eq!(line_column("ab\ncé d", 7), (2, 4));
    }
}
