//! The SACK chunk (RFC 9260 §3.3.4).
//!
//! ```text
//! | 3 | flags | 16 + 4G + 4D | cumulative TSN ack | a_rwnd | G | D |
//! | gap 1 start | gap 1 end | ... | duplicate TSN 1 | ... |
//! ```
//!
//! Gap Ack Block offsets are relative to the cumulative TSN ack: block `[s, e]` acknowledges
//! TSNs `cum + s ..= cum + e`. The model reports at most [`MAX_GAPS`] blocks (the lowest ones,
//! which matter for loss detection; Linux fills the packet, which with one DATA path is rarely
//! more) and at most [`MAX_DUPS`] duplicate TSNs.

use super::{chunk_type, CHUNK_HEADER_LEN};
use crate::wire::Error;

/// Most Gap Ack Blocks a SACK of the model carries.
pub const MAX_GAPS: usize = 16;
/// Most duplicate TSNs a SACK of the model reports.
pub const MAX_DUPS: usize = 4;

/// The values of a SACK chunk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SackRepr {
    /// Cumulative TSN Ack: the last TSN received in sequence.
    pub cum_tsn: u32,
    /// Advertised receiver window credit.
    pub a_rwnd: u32,
    gaps: [(u16, u16); MAX_GAPS],
    n_gaps: u8,
    dups: [u32; MAX_DUPS],
    n_dups: u8,
}

impl SackRepr {
    /// A SACK without gap blocks or duplicates.
    pub fn new(cum_tsn: u32, a_rwnd: u32) -> SackRepr {
        SackRepr {
            cum_tsn,
            a_rwnd,
            ..SackRepr::default()
        }
    }

    /// Appends Gap Ack Block `[start, end]` (offsets from the cumulative TSN ack); returns
    /// false (and changes nothing) when full.
    pub fn push_gap(&mut self, start: u16, end: u16) -> bool {
        if usize::from(self.n_gaps) == MAX_GAPS {
            return false;
        }
        self.gaps[usize::from(self.n_gaps)] = (start, end);
        self.n_gaps += 1;
        true
    }

    /// Appends a duplicate TSN; returns false (and changes nothing) when full.
    pub fn push_dup(&mut self, tsn: u32) -> bool {
        if usize::from(self.n_dups) == MAX_DUPS {
            return false;
        }
        self.dups[usize::from(self.n_dups)] = tsn;
        self.n_dups += 1;
        true
    }

    /// The Gap Ack Blocks, in order.
    pub fn gaps(&self) -> &[(u16, u16)] {
        &self.gaps[..usize::from(self.n_gaps)]
    }

    /// The duplicate TSNs reported.
    pub fn dups(&self) -> &[u32] {
        &self.dups[..usize::from(self.n_dups)]
    }

    /// Encoded chunk octets.
    pub fn buffer_len(&self) -> usize {
        CHUNK_HEADER_LEN + 12 + 4 * (usize::from(self.n_gaps) + usize::from(self.n_dups))
    }

    pub(super) fn emit(&self, b: &mut [u8]) {
        let n = self.buffer_len();
        b[0] = chunk_type::SACK;
        b[1] = 0;
        b[2..4].copy_from_slice(&(n as u16).to_be_bytes());
        b[4..8].copy_from_slice(&self.cum_tsn.to_be_bytes());
        b[8..12].copy_from_slice(&self.a_rwnd.to_be_bytes());
        b[12..14].copy_from_slice(&u16::from(self.n_gaps).to_be_bytes());
        b[14..16].copy_from_slice(&u16::from(self.n_dups).to_be_bytes());
        let mut at = 16;
        for &(s, e) in self.gaps() {
            b[at..at + 2].copy_from_slice(&s.to_be_bytes());
            b[at + 2..at + 4].copy_from_slice(&e.to_be_bytes());
            at += 4;
        }
        for &d in self.dups() {
            b[at..at + 4].copy_from_slice(&d.to_be_bytes());
            at += 4;
        }
    }

    /// Parses the value of a SACK chunk; more blocks or duplicates than the model holds, or a
    /// length that disagrees with the counts, is an error.
    pub(super) fn parse(v: &[u8]) -> Result<SackRepr, Error> {
        let f = v.get(..12).ok_or(Error::Truncated)?;
        let be32 = |b: &[u8], i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let g = usize::from(u16::from_be_bytes([f[8], f[9]]));
        let d = usize::from(u16::from_be_bytes([f[10], f[11]]));
        if g > MAX_GAPS || d > MAX_DUPS {
            return Err(Error::Malformed(chunk_type::SACK));
        }
        let body = v.get(12..12 + 4 * (g + d)).ok_or(Error::Truncated)?;
        if v.len() != 12 + 4 * (g + d) {
            return Err(Error::Malformed(chunk_type::SACK));
        }
        let mut s = SackRepr::new(be32(f, 0), be32(f, 4));
        for k in 0..g {
            let o = 4 * k;
            s.push_gap(
                u16::from_be_bytes([body[o], body[o + 1]]),
                u16::from_be_bytes([body[o + 2], body[o + 3]]),
            );
        }
        for k in 0..d {
            s.push_dup(be32(body, 4 * (g + k)));
        }
        Ok(s)
    }
}
