//! The scenario-loader target of `fuzz/` on stable Rust: `scenarios::fuzz::scenario_file`
//! runs over the committed corpus (`fuzz/corpus/scenario/`, the shipped scenarios) and
//! 100,000 deterministic mutations of it, with a dictionary of the schema's words, units and
//! troublesome octets (a byte-order mark, invalid UTF-8); none may panic.

use mptcp_model::wire::fuzz::Mutator;
use std::path::Path;

/// Generated inputs.
const GENERATED: usize = 100_000;

const DICT: &[&[u8]] = &[
    b"\"",
    b"(",
    b")",
    b"[",
    b"]",
    b",",
    b":",
    b"Some(",
    b"None",
    b"Direction(",
    b"reverse: ",
    b"Packets(0)",
    b"Bytes(\"1B\")",
    b"Bdp(\"0s\")",
    b"\"0s\"",
    b"\"0.7%\"",
    b"\"100%\"",
    b"\"101%\"",
    b"\"-1ms\"",
    b"\"1MBps\"",
    b"\"18446744073709551616ns\"",
    b"\"340282366920938463463374607431.999s\"",
    b"\"0.5ns\"",
    b"\"1e9s\"",
    b"Mptcp(",
    b"Tcp(",
    b"Route(from: \"a\", to: \"b\", via: [])",
    b"Event(at: \"0s\", link: \"x\", action: Down)",
    b"name: \"..\"",
    b"name: \"../x\"",
    b"sample_interval: \"1ns\"",
    b"duration: \"999999s\"",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3",
    b"//",
    b"/*",
    b"*/",
    b"r#\"",
    b"'",
    b"\\u{0}",
    b"9999999999999999999999",
    b"-",
    b".",
    b"e",
    b"#![enable(implicit_some)]",
];

#[test]
fn the_scenario_loader_survives_the_corpus_and_its_mutations() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/scenario");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let corpus: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(corpus.len() >= 10, "corpus of {}", corpus.len());
    for input in &corpus {
        scenarios::fuzz::scenario_file(input);
    }
    let mut m = Mutator::new(3);
    let mut input = Vec::new();
    for _ in 0..GENERATED {
        m.generate(&corpus, DICT, 16 << 10, &mut input);
        scenarios::fuzz::scenario_file(&input);
    }
    println!(
        "scenario: {} inputs ({} corpus + {GENERATED} generated)",
        corpus.len() + GENERATED,
        corpus.len()
    );
}
