//! The cargo-fuzz targets of `fuzz/` on stable Rust: the MPTCP option and TCP header entry
//! points of `mptcp_model::wire::fuzz` run over the committed corpus (`fuzz/corpus/`, the
//! option and header octets of the tcpdump captures) and 500,000 deterministic mutations of
//! it each; none may panic.

use mptcp_model::wire::fuzz::{self, Mutator};
use std::path::Path;

/// Generated inputs per target.
const GENERATED: usize = 500_000;

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    names.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// Runs `check` over the corpus and the generated inputs; returns how many ran.
fn run(target: &str, seed: u64, dict: &[&[u8]], max_len: usize, check: fn(&[u8])) -> usize {
    let corpus = corpus(target);
    assert!(corpus.len() > 100, "{target}: corpus of {}", corpus.len());
    for input in &corpus {
        check(input);
    }
    let mut m = Mutator::new(seed);
    let mut input = Vec::new();
    for _ in 0..GENERATED {
        m.generate(&corpus, dict, max_len, &mut input);
        check(&input);
    }
    let n = corpus.len() + GENERATED;
    println!(
        "{target}: {n} inputs ({} corpus + {GENERATED} generated)",
        corpus.len()
    );
    n
}

/// MPTCP option kind 30 with each subtype's first octet, and the common lengths.
const OPTION_TOKENS: &[&[u8]] = &[
    &[30, 4, 0x00],
    &[30, 12, 0x10],
    &[30, 8, 0x20],
    &[30, 20, 0x20, 0x05],
    &[30, 16, 0x31],
    &[30, 4, 0x40],
    &[30, 3, 0x50],
    &[30, 12, 0x60],
    &[30, 12, 0x70],
    &[30, 4, 0x80],
    &[1],
    &[0],
    &[8, 10],
];

#[test]
fn mptcp_option_parser_survives_the_corpus_and_its_mutations() {
    assert!(run("mptcp_options", 1, OPTION_TOKENS, 40, fuzz::mptcp_options) > GENERATED);
}

#[test]
fn tcp_header_parser_survives_the_corpus_and_its_mutations() {
    let tokens: &[&[u8]] = &[&[0xff, 0xff, 0xff, 0xff], &[0x50], &[0xf0], &[0x80], &[30]];
    let all: Vec<&[u8]> = tokens.iter().chain(OPTION_TOKENS).copied().collect();
    assert!(run("tcp_header", 2, &all, 64, fuzz::tcp_header) > GENERATED);
}
