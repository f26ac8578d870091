//! Entry point for fuzzing the scenario loader: arbitrary octets go through what `mpsim run`
//! does with a file before simulating (decoding, RON parsing, validation) and must come out
//! as a value or an error, never a panic or a hang. What parses must also write back as text
//! that parses to a scenario written identically (the `scenario.ron` round trip).
//!
//! The cargo-fuzz target in `fuzz/` is a one-line call to [`scenario_file`]; the workspace
//! test `tests/fuzz_corpus.rs` runs it on stable Rust over the shipped scenarios and
//! deterministic mutations of them.

use crate::load::{decode_text, parse_str, to_ron};
use std::path::Path;

/// Loads `data` as if it were the file `fuzz/scenario.ron`. Validation runs unless the
/// scenario names trace files (those would be read from the file system).
pub fn scenario_file(data: &[u8]) {
    let file = Path::new("fuzz/scenario.ron");
    let Ok(text) = decode_text(file, data.to_vec()) else {
        return;
    };
    let Ok(sc) = parse_str(file, &text) else {
        return;
    };
    let written = to_ron(&sc).expect("a parsed scenario serializes");
    let again = parse_str(Path::new("scenario.ron"), &written)
        .unwrap_or_else(|e| panic!("the written scenario does not parse: {e}\n{written}"));
    assert_eq!(
        to_ron(&again).expect("serializes"),
        written,
        "written twice, the scenario reads differently"
    );
    let traces = sc
        .links
        .iter()
        .any(|l| l.trace.is_some() || l.reverse.as_ref().is_some_and(|r| r.trace.is_some()));
    if !traces {
        let _ = crate::validate::validate(file, &text, sc);
    }
}
