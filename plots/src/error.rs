//! The crate's error type, [`PlotError`].
//!
//! Every variant names the file it concerns, so a message read on its own tells the user
//! what to open and (for CSV input) which line to look at.

use std::path::PathBuf;

/// What went wrong while reading a run's files or drawing a figure.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Reading an input file or writing an output file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file being read or written.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A CSV input file is malformed: missing column, wrong field count, bad number, ...
    #[error("{}:{line}: {message}", path.display())]
    Csv {
        /// The CSV file.
        path: PathBuf,
        /// 1-based line number in the file where the problem starts.
        line: usize,
        /// What is wrong, in words.
        message: String,
    },
    /// A required input file does not exist (e.g. `timeseries.csv` for [`crate::draw_run`]).
    #[error("{}: required input file is missing", path.display())]
    MissingInput {
        /// The file that was expected.
        path: PathBuf,
    },
    /// The output path is unusable, e.g. a stem without a file name.
    #[error("{}: {message}", path.display())]
    BadOutput {
        /// The offending path.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The drawing library failed while rendering a figure.
    #[error("{}: drawing failed: {message}", path.display())]
    Draw {
        /// The figure being drawn (its final path).
        path: PathBuf,
        /// The drawing library's message.
        message: String,
    },
}
