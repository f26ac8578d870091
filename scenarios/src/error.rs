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
/// at or after the section `section` (e.g. `"flows"`, found as `flows:` outside comments),
/// to point an error at it.
pub fn locate(text: &str, section: &str, needle: &str) -> Option<Pos> {
    let start = section_offset(text, section);
    let quoted = format!("\"{needle}\"");
    let off = text[start..]
        .find(&quoted)
        .map(|o| o + start)
        .or_else(|| text.find(&quoted))?;
    Some(offset_to_pos(text, off))
}

/// Where field `key:` is first written outside a `//` comment (the start of a section), else
/// where `key` first appears, else 0.
fn section_offset(text: &str, key: &str) -> usize {
    if key.is_empty() {
        return 0;
    }
    let mut from = 0;
    while let Some(o) = text[from..].find(key).map(|o| o + from) {
        let line_start = text[..o].rfind('\n').map_or(0, |n| n + 1);
        let commented = text[line_start..o].contains("//");
        let after = text[o + key.len()..].trim_start();
        let word_start = o == 0 || !text[..o].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        if !commented && word_start && after.starts_with(':') {
            return o;
        }
        from = o + key.len();
    }
    text.find(key).unwrap_or(0)
}

/// Finds the `n`-th (from 0) place after section `section` where `value` is written quoted
/// as the value of a field `field` (`name: "value"`, any spacing), outside comments; with
/// `field` empty, the `n`-th quoted `value`. Points an error at a duplicate rather than at the
/// first of its name.
pub fn locate_nth(text: &str, section: &str, field: &str, value: &str, n: usize) -> Option<Pos> {
    let start = section_offset(text, section);
    let quoted = format!("\"{value}\"");
    let mut seen = 0;
    let mut from = start;
    while let Some(o) = text[from..].find(&quoted).map(|o| o + from) {
        from = o + quoted.len();
        let line_start = text[..o].rfind('\n').map_or(0, |l| l + 1);
        if text[line_start..o].contains("//") {
            continue;
        }
        let before = text[..o].trim_end();
        let is_field = field.is_empty()
            || before
                .strip_suffix(':')
                .is_some_and(|b| b.trim_end().ends_with(field));
        if is_field {
            if seen == n {
                return Some(offset_to_pos(text, o));
            }
            seen += 1;
        }
    }
    None
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

    /// An error at `field` pointing at the `n`-th (from 0) `name: "value"` written after
    /// `section` (see [`locate_nth`]): a duplicate, not the first of its name.
    pub fn at_nth(
        &self,
        section: &str,
        name_field: &str,
        value: &str,
        n: usize,
        field: String,
        msg: String,
    ) -> ScenarioError {
        ScenarioError::Invalid {
            file: self.file.to_path_buf(),
            pos: locate_nth(self.text, section, name_field, value, n)
                .or_else(|| locate(self.text, section, value)),
            field,
            msg,
        }
    }

    /// The scenario file's path.
    pub fn file(&self) -> &Path {
        self.file
    }

    /// The scenario's text.
    pub fn text(&self) -> &str {
        self.text
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

    #[test]
    fn sections_skip_comments_and_duplicates_are_found_by_ordinal() {
        let text = "// the links here\nlinks: [\n (name: \"l\"),\n (name:\"l\"),\n]";
        assert_eq!(locate(text, "links", "l"), Some(Pos { line: 3, col: 9 }));
        assert_eq!(
            locate_nth(text, "links", "name", "l", 1),
            Some(Pos { line: 4, col: 8 })
        );
        assert_eq!(locate_nth(text, "links", "name", "l", 2), None);
    }
}
