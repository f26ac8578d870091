//! Errors of sweeps, batches, merges and reports, each naming the file and the field, axis
//! or run it concerns.

use crate::error::ScenarioError;
use std::path::PathBuf;

/// Everything that can go wrong before or around a batch of runs. A single run's failure is
/// not an error of the batch: it is recorded in the run's directory and in `summary.csv`.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A file could not be read.
    #[error("{}: cannot read: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// RON syntax error or unknown field in a sweep file.
    #[error("{}:{line}:{col}: {msg}", file.display())]
    Syntax {
        /// The sweep file.
        file: PathBuf,
        /// Line (from 1).
        line: usize,
        /// Column (from 1).
        col: usize,
        /// What the parser says.
        msg: String,
    },
    /// A sweep that parses but cannot be expanded: an unknown path, a value of the wrong
    /// type, a bad zip group, duplicate run ids.
    #[error("{}: {field}: {msg}", file.display())]
    Sweep {
        /// The sweep file.
        file: PathBuf,
        /// The field or axis, e.g. ``axes[1] (`delay`)``.
        field: String,
        /// What is wrong.
        msg: String,
    },
    /// The base scenario cannot be read or parsed.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A batch directory given to `merge` or `report` is incomplete or inconsistent, or a
    /// command-line choice does not fit it.
    #[error("{}: {msg}", path.display())]
    Input {
        /// The directory or file.
        path: PathBuf,
        /// What is wrong.
        msg: String,
    },
    /// Results could not be written.
    #[error("{}: cannot write results: {msg}", path.display())]
    Output {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        msg: String,
    },
}

/// Shorthand for an [`BatchError::Output`] at `path`.
pub(crate) fn out_err(path: &std::path::Path, msg: impl ToString) -> BatchError {
    BatchError::Output {
        path: path.to_path_buf(),
        msg: msg.to_string(),
    }
}

/// Shorthand for an [`BatchError::Input`] at `path`.
pub(crate) fn input_err(path: &std::path::Path, msg: impl ToString) -> BatchError {
    BatchError::Input {
        path: path.to_path_buf(),
        msg: msg.to_string(),
    }
}
