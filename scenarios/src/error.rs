//! Errors a scenario can produce, each naming the file and where in it.

use std::fmt;
use std::path::{Path, PathBuf};

/// A position in a scenario file (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub col: usize,
}

/// Everything that can be wrong with a scenario, before or while it runs.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{}: cannot read the scenario: {source}", file.display())]
    Read {
        /// The scenario file.
        file: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// RON syntax error, unknown field, or a value of the wrong type or unit.
    #[error("{}:{}:{}: {msg}", file.display(), pos.line, pos.col)]
    Syntax {
        /// The scenario file.
        file: PathBuf,
        /// Where the parser stopped.
        pos: Pos,
        /// What it says.
        msg: String,
    },
    /// A value that parses but makes no sense (unknown name, event after the end, ...).
    #[error("{}{}: {field}: {msg}", file.display(), DisplayPos(*pos))]
    Invalid {
        /// The scenario file.
        file: PathBuf,
        /// Where the offending value is written, when it can be found.
        pos: Option<Pos>,
        /// The field path, e.g. `flows[0].to`.
        field: String,
        /// What is wrong.
        msg: String,
    },
    /// The run could not write its results.
    #[error("{}: cannot write results: {msg}", path.display())]
    Output {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        msg: String,
    },
}

struct DisplayPos(Option<Pos>);

impl fmt::Display for DisplayPos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(p) => write!(f, ":{}:{}", p.line, p.col),
            None => Ok(()),
        }
    }
}

/// Finds where `needle` (a value as written, e.g. a name) first appears, quoted, in `text`
/// at or after the first occurrence of `section` (e.g. `"flows"`), to point an error at it.
pub fn locate(text: &str, section: &str, needle: &str) -> Option<Pos> {
    let start = text.find(section).unwrap_or(0);
    let quoted = format!("\"{needle}\"");
    let off = text[start..]
        .find(&quoted)
        .map(|o| o + start)
        .or_else(|| text.find(&quoted))?;
    Some(offset_to_pos(text, off))
}

/// Converts a byte offset into a 1-based line and column (columns count characters).
pub fn offset_to_pos(text: &str, off: usize) -> Pos {
    let before = &text[..off];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Pos { line, col }
}

/// Builds [`ScenarioError::Invalid`] errors for one file, locating values in its text.
pub struct Reporter<'a> {
    file: &'a Path,
    text: &'a str,
}

impl<'a> Reporter<'a> {
    /// A reporter for `file` whose contents are `text`.
    pub fn new(file: &'a Path, text: &'a str) -> Self {
        Reporter { file, text }
    }

    /// An error at `field`, pointing at where `value` is written after `section`.
    pub fn at(&self, section: &str, field: String, value: &str, msg: String) -> ScenarioError {
        ScenarioError::Invalid {
            file: self.file.to_path_buf(),
            pos: if value.is_empty() {
                None
            } else {
                locate(self.text, section, value)
            },
            field,
            msg,
        }
    }

    /// The scenario file's path.
    pub fn file(&self) -> &Path {
        self.file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_quoted_values_after_a_section() {
        let text = "hosts: [\"a\"],\nflows: [\n  (to: \"a\"),\n]";
        assert_eq!(locate(text, "flows", "a"), Some(Pos { line: 3, col: 8 }));
        assert_eq!(locate(text, "nothing", "a"), Some(Pos { line: 1, col: 9 }));
        assert_eq!(locate(text, "flows", "zz"), None);
    }
}
