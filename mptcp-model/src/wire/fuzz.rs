//! Entry points for fuzzing the wire parsers. Each takes arbitrary octets, must never panic
//! on them, and checks the parsers' contract on whatever parses: a parsed value emits into
//! exactly `buffer_len()` octets, and those octets parse back to the same value. A broken
//! contract panics (which is what a fuzzer reports).
//!
//! The cargo-fuzz targets in `fuzz/` are one-line calls to these functions; the workspace
//! test `tests/fuzz_corpus.rs` runs them on stable Rust over a fixed corpus (the option
//! octets of the tcpdump captures) and deterministic mutations of it.

use crate::wire::mptcp::{mptcp_option_slices, MptcpOption};
use crate::wire::tcp::{TcpHeader, TCP_HEADER_LEN};
use crate::wire::tcp_options::MAX_OPTIONS_LEN;

/// A TCP option list: every MPTCP option in it is parsed; each that parses is re-emitted and
/// re-parsed to the same value.
pub fn mptcp_options(data: &[u8]) {
    for raw in mptcp_option_slices(data) {
        let Ok(raw) = raw else { continue };
        let Ok(opt) = MptcpOption::parse(raw) else {
            continue;
        };
        let mut buf = [0u8; 64];
        let n = opt
            .emit(&mut buf)
            .expect("a parsed option emits (its length octet fits in 64)");
        assert_eq!(
            n,
            opt.buffer_len(),
            "emit writes buffer_len() octets: {opt:?}"
        );
        let again = MptcpOption::parse(&buf[..n]).expect("an emitted option parses");
        assert_eq!(again, opt, "emit then parse gives the option back");
    }
}

/// A TCP header: the first four octets are the payload length (big-endian), the rest the
/// header. What parses reports sizes without overflow, emits, and parses back the same.
pub fn tcp_header(data: &[u8]) {
    let Some((len, header)) = data.split_first_chunk::<4>() else {
        return;
    };
    let payload_len = u32::from_be_bytes(*len);
    let Ok(h) = TcpHeader::parse(header, payload_len) else {
        return;
    };
    let _ = (h.packet_size(), h.seq_len());
    let mut buf = [0u8; TCP_HEADER_LEN + MAX_OPTIONS_LEN];
    let Ok(n) = h.emit(&mut buf) else {
        return;
    };
    assert_eq!(n, h.header_len(), "emit writes header_len() octets");
    let again = TcpHeader::parse(&buf[..n], payload_len).expect("an emitted header parses");
    assert_eq!(again, h, "emit then parse gives the header back");
}

/// Deterministic input generator for running the fuzz entry points on stable Rust: each
/// input is a corpus entry with one to four libFuzzer-style mutations (bit flips, random and
/// boundary octets, insertions, deletions, duplicated ranges, splices of another entry,
/// dictionary tokens, truncation), drawn from SplitMix64 with a fixed seed, so every run
/// tests the same inputs.
#[derive(Clone, Debug)]
pub struct Mutator {
    state: u64,
}

impl Mutator {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Mutator { state: seed }
    }

    /// The next 64 random bits (SplitMix64).
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// Writes into `out` a mutation of a random entry of `corpus` (at most `max_len` octets),
    /// using `dict` tokens for insertions as well as random octets.
    pub fn generate(
        &mut self,
        corpus: &[Vec<u8>],
        dict: &[&[u8]],
        max_len: usize,
        out: &mut Vec<u8>,
    ) {
        out.clear();
        if let Some(seed) = corpus.get(self.below(corpus.len())) {
            out.extend_from_slice(seed);
        }
        for _ in 0..=self.below(4) {
            self.mutate_once(corpus, dict, out);
        }
        out.truncate(max_len);
    }

    fn mutate_once(&mut self, corpus: &[Vec<u8>], dict: &[&[u8]], out: &mut Vec<u8>) {
        const BOUNDARY: [u8; 8] = [0x00, 0x01, 0x02, 0x04, 0x1e, 0x7f, 0x80, 0xff];
        let at = self.below(out.len() + 1);
        match self.below(9) {
            0 if !out.is_empty() => {
                let i = self.below(out.len());
                out[i] ^= 1 << self.below(8);
            }
            1 if !out.is_empty() => {
                let i = self.below(out.len());
                out[i] = self.next_u64() as u8;
            }
            2 if !out.is_empty() => {
                let i = self.below(out.len());
                out[i] = BOUNDARY[self.below(BOUNDARY.len())];
            }
            3 => {
                let n = 1 + self.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| self.next_u64() as u8).collect();
                out.splice(at..at, bytes);
            }
            4 if !out.is_empty() => {
                let end = (at + 1 + self.below(16)).min(out.len());
                out.drain(at.min(end)..end);
            }
            5 if !out.is_empty() => {
                let from = self.below(out.len());
                let end = (from + 1 + self.below(32)).min(out.len());
                let chunk = out[from..end].to_vec();
                out.splice(at..at, chunk);
            }
            6 if !corpus.is_empty() => {
                let other = &corpus[self.below(corpus.len())];
                let from = self.below(other.len());
                let end = (from + 1 + self.below(64)).min(other.len());
                out.splice(at..at, other[from..end].iter().copied());
            }
            7 if !dict.is_empty() => {
                let token = dict[self.below(dict.len())];
                out.splice(at..at, token.iter().copied());
            }
            _ => out.truncate(at),
        }
    }
}
