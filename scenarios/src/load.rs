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

/// Parses scenario text; errors carry `file`, line and column.
pub fn parse_str(file: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    ron_options()
        .from_str(text)
        .map_err(|e| ScenarioError::Syntax {
            file: file.to_path_buf(),
            pos: Pos {
                line: e.span.start.line,
                col: e.span.start.col,
            },
            msg: e.code.to_string(),
        })
}

/// Reads, parses and validates the scenario at `file`; `seed` overrides the file's seed.
pub fn load(file: &Path, seed: Option<u64>) -> Result<Plan, ScenarioError> {
    let text = std::fs::read_to_string(file).map_err(|source| ScenarioError::Read {
        file: file.to_path_buf(),
        source,
    })?;
    load_str(file, &text, seed)
}

/// As [`load`], for scenario text already in memory (`file` names it in errors and is the
/// base for relative trace paths).
pub fn load_str(file: &Path, text: &str, seed: Option<u64>) -> Result<Plan, ScenarioError> {
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
