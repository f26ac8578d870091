//! Reading a scenario file: RON parsing with precise error positions, then validation.

use crate::error::{Pos, ScenarioError};
use crate::schema::Scenario;
use crate::validate::{validate, Plan};
use ron::extensions::Extensions;
use std::path::Path;

/// The RON options every scenario is read with: `Some(..)` may be left out around optional
/// values (`bytes: "10MB"`), and a variant holding a struct may be written
/// `Tcp(cc: Reno)` rather than `Tcp((cc: Reno))`.
pub fn ron_options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(Extensions::IMPLICIT_SOME | Extensions::UNWRAP_VARIANT_NEWTYPES)
}

/// Writes `sc` as scenario text that [`parse_str`] reads back to the same scenario: pretty
/// RON, with variants holding a struct written `Tcp(cc: Reno)` (the file starts with
/// `#![enable(unwrap_variant_newtypes)]`, which says so). Ends with a newline.
pub fn to_ron(sc: &Scenario) -> Result<String, ron::Error> {
    let config = ron::ser::PrettyConfig::default().extensions(Extensions::UNWRAP_VARIANT_NEWTYPES);
    ron::ser::to_string_pretty(sc, config).map(|s| format!("{s}\n"))
}

/// Parses scenario text; errors carry `file`, line and column. A leading byte-order mark is
/// ignored.
pub fn parse_str(file: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    ron_options()
        .from_str(text)
        .map_err(|e| syntax_error(file, text, &e))
}

/// A RON error as a [`ScenarioError::Syntax`], with a hint where the message alone would not
/// say what to write.
pub fn syntax_error(file: &Path, text: &str, e: &ron::error::SpannedError) -> ScenarioError {
    let pos = Pos {
        line: e.span.start.line,
        col: e.span.start.col,
    };
    let mut msg = e.code.to_string();
    if let Some(hint) = some_struct_hint(text, pos) {
        msg.push_str(&hint);
    }
    ScenarioError::Syntax {
        file: file.to_path_buf(),
        pos,
        msg,
    }
}

/// `Some(Direction(..))`: inside `Some(..)` RON (with `unwrap_variant_newtypes`) expects the
/// struct's fields bare, so the struct name reads as an unknown field. Says what to write.
fn some_struct_hint(text: &str, pos: Pos) -> Option<String> {
    let line = text.lines().nth(pos.line.checked_sub(1)?)?;
    let at: usize = line.char_indices().nth(pos.col.checked_sub(1)?)?.0;
    let (before, after) = line.split_at(at);
    let name: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let opens = after[name.len()..].trim_start().starts_with('(');
    let in_some = before.trim_end().ends_with("Some(");
    (in_some && opens && name.starts_with(|c: char| c.is_ascii_uppercase())).then(|| {
        format!(
            " (write `{name}(..)` without `Some`, or the fields bare inside it: `Some(field: \
             value, ..)`; `Some({name}(..))` is not accepted)"
        )
    })
}

/// Reads a text file (a scenario or a sweep): UTF-8, a leading byte-order mark dropped. A file
/// that is not UTF-8 is a [`ScenarioError::Syntax`] at the first invalid byte.
pub fn read_text(file: &Path) -> Result<String, ScenarioError> {
    let bytes = std::fs::read(file).map_err(|source| ScenarioError::Read {
        file: file.to_path_buf(),
        source,
    })?;
    decode_text(file, bytes)
}

/// The text of a file's octets (`file` names it in errors): UTF-8, a leading byte-order mark
/// dropped; otherwise a [`ScenarioError::Syntax`] at the first invalid byte.
pub fn decode_text(file: &Path, bytes: Vec<u8>) -> Result<String, ScenarioError> {
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..'\u{feff}'.len_utf8());
            }
            Ok(text)
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let valid = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
            Err(ScenarioError::Syntax {
                file: file.to_path_buf(),
                pos: crate::error::offset_to_pos(valid, valid.len()),
                msg: format!(
                    "the file is not UTF-8 text (byte 0x{:02x}); save it as UTF-8",
                    bytes[at]
                ),
            })
        }
    }
}

/// Reads, parses and validates the scenario at `file`; `seed` overrides the file's seed.
pub fn load(file: &Path, seed: Option<u64>) -> Result<Plan, ScenarioError> {
    let text = read_text(file)?;
    load_str(file, &text, seed)
}

/// As [`load`], for scenario text already in memory (`file` names it in errors and is the
/// base for relative trace paths).
pub fn load_str(file: &Path, text: &str, seed: Option<u64>) -> Result<Plan, ScenarioError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut sc = parse_str(file, text)?;
    if let Some(s) = seed {
        sc.seed = s;
    }
    validate(file, text, sc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_scenarios_read_back_identically() {
        let file = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/dumbbell.ron"));
        let sc = parse_str(file, &std::fs::read_to_string(file).unwrap()).unwrap();
        let text = to_ron(&sc).unwrap();
        assert!(text.contains("Tcp(\n"), "{text}");
        let again = parse_str(Path::new("scenario.ron"), &text).unwrap();
        assert_eq!(to_ron(&again).unwrap(), text);
    }
}
