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

/// Result alias for the library.
pub type Result<T> = std::result::Result<T, Error>;
