//! TCP options (RFC 9293 §3.2, RFC 7323, RFC 2018) as a fixed-capacity inline `Repr`.
//!
//! [`TcpOptions`] holds the meaningful values of the options a segment carries. It is a small
//! `Copy` struct with no heap allocation, so packets stay plain values. [`TcpOptions::emit`]
//! writes the canonical encoding (Linux's layout, 4-octet aligned with NOPs) and
//! [`TcpOptions::buffer_len`] is its exact length; [`TcpOptions::parse`] accepts any
//! well-formed option list (any order, NOP padding, EOL termination, unknown kinds skipped)
//! and reports malformed or truncated input as an [`Error`], never by panicking.
//!
//! Canonical layout (each line a multiple of 4 octets):
//! ```text
//! MSS                 2,4,mss(2)                               4
//! SACK-perm + TS      4,2,8,10,tsval(4),tsecr(4)               12
//! TS alone            1,1,8,10,tsval(4),tsecr(4)               12
//! SACK-perm alone     1,1,4,2                                  4
//! window scale        1,3,3,shift                              4
//! SACK blocks         1,1,5,2+8n,(left(4),right(4))*n          4+8n
//! ```
//! MPTCP options (kind 30, RFC 8684) follow, each in its own encoding (see
//! [`super::mptcp`]) padded with trailing NOPs to a multiple of 4 octets, as Linux does
//! (e.g. a DSS with an 8-octet data ACK and an 8-octet DSN mapping is 26 octets + 2 NOPs).
//! They live in [`MptcpList`], an inline list of at most [`MAX_MPTCP_OPTIONS`] options; on
//! parsing, further MPTCP options and malformed ones are ignored (as Linux's
//! `mptcp_parse_option` ignores options it cannot use).

use super::mptcp::MptcpOption;
use super::seq::SeqNum;
use super::Error;

/// End of option list.
pub const KIND_EOL: u8 = 0;
/// No-operation (padding).
pub const KIND_NOP: u8 = 1;
/// Maximum segment size (RFC 9293 §3.2).
pub const KIND_MSS: u8 = 2;
/// Window scale (RFC 7323 §2).
pub const KIND_WINDOW_SCALE: u8 = 3;
/// SACK permitted (RFC 2018 §2).
pub const KIND_SACK_PERMITTED: u8 = 4;
/// SACK blocks (RFC 2018 §3).
pub const KIND_SACK: u8 = 5;
/// Timestamps (RFC 7323 §3).
pub const KIND_TIMESTAMPS: u8 = 8;
/// Multipath TCP (RFC 8684 §2): reserved slot, parsed by the MPTCP layer.
pub const KIND_MPTCP: u8 = 30;

/// Most option octets a TCP header can carry (data offset is 4 bits of 32-bit words).
pub const MAX_OPTIONS_LEN: usize = 40;
/// Most SACK blocks an option can hold (RFC 2018 §3: 4 without timestamps).
pub const MAX_SACK_BLOCKS: usize = 4;
/// Most SACK blocks that fit next to the timestamps option (RFC 2018 §3).
pub const MAX_SACK_BLOCKS_WITH_TS: usize = 3;

/// The TCP timestamps option values (RFC 7323 §3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timestamps {
    /// The sender's timestamp clock value.
    pub tsval: u32,
    /// The echoed timestamp (TS.Recent), zero when not valid.
    pub tsecr: u32,
}

/// Up to [`MAX_SACK_BLOCKS`] SACK blocks `[left, right)`, most recent first (RFC 2018 §4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SackBlocks {
    blocks: [(SeqNum, SeqNum); MAX_SACK_BLOCKS],
    len: u8,
}

impl SackBlocks {
    /// No blocks.
    pub const fn new() -> Self {
        SackBlocks {
            blocks: [(SeqNum(0), SeqNum(0)); MAX_SACK_BLOCKS],
            len: 0,
        }
    }

    /// Appends block `[left, right)`; returns false (and changes nothing) when full.
    pub fn push(&mut self, left: SeqNum, right: SeqNum) -> bool {
        let i = usize::from(self.len);
        if i >= MAX_SACK_BLOCKS {
            return false;
        }
        self.blocks[i] = (left, right);
        self.len += 1;
        true
    }

    /// The blocks, in order.
    pub fn as_slice(&self) -> &[(SeqNum, SeqNum)] {
        &self.blocks[..usize::from(self.len)]
    }

    /// Number of blocks.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True when there are no blocks.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Keeps only the first `n` blocks (the dropped slots are cleared, so equality only
    /// looks at the blocks kept).
    pub fn truncate(&mut self, n: usize) {
        self.len = self.len.min(u8::try_from(n).unwrap_or(u8::MAX));
        for b in &mut self.blocks[usize::from(self.len)..] {
            *b = (SeqNum(0), SeqNum(0));
        }
    }
}

/// Most MPTCP options one segment carries (e.g. a DSS and an ADD_ADDR on a pure ACK).
pub const MAX_MPTCP_OPTIONS: usize = 2;

/// Up to [`MAX_MPTCP_OPTIONS`] MPTCP options, inline (no heap), in emission order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MptcpList {
    opts: [Option<MptcpOption>; MAX_MPTCP_OPTIONS],
}

impl MptcpList {
    /// No options.
    pub const fn new() -> Self {
        MptcpList {
            opts: [None; MAX_MPTCP_OPTIONS],
        }
    }

    /// Appends `opt`; returns false (and changes nothing) when full.
    pub fn push(&mut self, opt: MptcpOption) -> bool {
        match self.opts.iter_mut().find(|o| o.is_none()) {
            Some(slot) => {
                *slot = Some(opt);
                true
            }
            None => false,
        }
    }

    /// The options, in order.
    pub fn iter(&self) -> impl Iterator<Item = &MptcpOption> + '_ {
        self.opts.iter().map_while(Option::as_ref)
    }

    /// Number of options.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.opts[0].is_none()
    }

    /// Octets on the wire: each option padded with NOPs to a multiple of 4.
    pub fn buffer_len(&self) -> usize {
        self.iter()
            .map(|o| o.buffer_len().next_multiple_of(4))
            .sum()
    }
}

/// The options of one TCP segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpOptions {
    /// Maximum segment size (SYN segments only).
    pub mss: Option<u16>,
    /// Window scale shift count (SYN segments only; RFC 7323 §2.3 caps it at 14 on use).
    pub window_scale: Option<u8>,
    /// SACK permitted (SYN segments only).
    pub sack_permitted: bool,
    /// Timestamps.
    pub timestamps: Option<Timestamps>,
    /// SACK blocks.
    pub sack: SackBlocks,
    /// MPTCP options (RFC 8684), emitted after the others.
    pub mptcp: MptcpList,
}

fn sack_len(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        4 + 8 * n
    }
}

impl TcpOptions {
    /// No options.
    pub const fn new() -> Self {
        TcpOptions {
            mss: None,
            window_scale: None,
            sack_permitted: false,
            timestamps: None,
            sack: SackBlocks::new(),
            mptcp: MptcpList::new(),
        }
    }

    /// Drops SACK blocks (the last first) until the options fit the 40 octets a header
    /// allows: MPTCP options take precedence (Linux reduces the SACK blocks the same way).
    pub fn fit_sack(&mut self) {
        while self.buffer_len() > MAX_OPTIONS_LEN && !self.sack.is_empty() {
            let n = self.sack.len() - 1;
            self.sack.truncate(n);
        }
    }

    /// Exact length in octets of [`TcpOptions::emit`]'s output (always a multiple of 4).
    pub fn buffer_len(&self) -> usize {
        let mut len = 0;
        if self.mss.is_some() {
            len += 4;
        }
        if self.timestamps.is_some() {
            len += 12;
        } else if self.sack_permitted {
            len += 4;
        }
        if self.window_scale.is_some() {
            len += 4;
        }
        len + sack_len(self.sack.len()) + self.mptcp.buffer_len()
    }

    /// Writes the canonical encoding into `buf[..buffer_len()]`.
    ///
    /// Errors: [`Error::OptionsTooLong`] when the options exceed 40 octets,
    /// [`Error::BufferTooSmall`] when `buf` is shorter than [`TcpOptions::buffer_len`].
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        if len > MAX_OPTIONS_LEN {
            return Err(Error::OptionsTooLong);
        }
        let buf = buf.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        let mut w = Writer { buf, pos: 0 };
        if let Some(mss) = self.mss {
            w.put(&[KIND_MSS, 4]);
            w.put(&mss.to_be_bytes());
        }
        match (self.timestamps, self.sack_permitted) {
            (Some(ts), sack_perm) => {
                if sack_perm {
                    w.put(&[KIND_SACK_PERMITTED, 2]);
                } else {
                    w.put(&[KIND_NOP, KIND_NOP]);
                }
                w.put(&[KIND_TIMESTAMPS, 10]);
                w.put(&ts.tsval.to_be_bytes());
                w.put(&ts.tsecr.to_be_bytes());
            }
            (None, true) => w.put(&[KIND_NOP, KIND_NOP, KIND_SACK_PERMITTED, 2]),
            (None, false) => {}
        }
        if let Some(shift) = self.window_scale {
            w.put(&[KIND_NOP, KIND_WINDOW_SCALE, 3, shift]);
        }
        if !self.sack.is_empty() {
            // At most 4 blocks: the option length 2 + 8n <= 34 fits a u8.
            let opt_len = (2 + 8 * self.sack.len()) as u8;
            w.put(&[KIND_NOP, KIND_NOP, KIND_SACK, opt_len]);
            for &(l, r) in self.sack.as_slice() {
                w.put(&l.0.to_be_bytes());
                w.put(&r.0.to_be_bytes());
            }
        }
        for opt in self.mptcp.iter() {
            let n = opt
                .emit(&mut w.buf[w.pos..])
                .map_err(|_| Error::BufferTooSmall)?;
            w.pos += n;
            while w.pos % 4 != 0 {
                w.put(&[KIND_NOP]);
            }
        }
        debug_assert_eq!(w.pos, len);
        Ok(len)
    }

    /// Parses an option list (the octets between the fixed header and the payload).
    ///
    /// Unknown kinds are skipped; an EOL ends the list. MPTCP options (kind 30) are parsed
    /// into [`TcpOptions::mptcp`]; malformed ones and those beyond [`MAX_MPTCP_OPTIONS`] are
    /// ignored.
    /// Errors: [`Error::Truncated`] when an option runs past the end of `buf`,
    /// [`Error::Malformed`] when a known option has the wrong length.
    pub fn parse(buf: &[u8]) -> Result<TcpOptions, Error> {
        let mut opts = TcpOptions::new();
        let mut rest = buf;
        while let Some((&kind, tail)) = rest.split_first() {
            match kind {
                KIND_EOL => break,
                KIND_NOP => {
                    rest = tail;
                    continue;
                }
                _ => {}
            }
            let len = usize::from(*tail.first().ok_or(Error::Truncated)?);
            if len < 2 {
                return Err(Error::Malformed(kind));
            }
            let body = rest.get(2..len).ok_or(Error::Truncated)?;
            if kind == KIND_MPTCP {
                if let Ok(o) = MptcpOption::parse(&rest[..len]) {
                    opts.mptcp.push(o);
                }
            } else {
                opts.parse_one(kind, body)?;
            }
            rest = &rest[len..];
        }
        Ok(opts)
    }

    fn parse_one(&mut self, kind: u8, body: &[u8]) -> Result<(), Error> {
        let bad = Error::Malformed(kind);
        match kind {
            KIND_MSS => {
                let b: [u8; 2] = body.try_into().map_err(|_| bad)?;
                self.mss = Some(u16::from_be_bytes(b));
            }
            KIND_WINDOW_SCALE => {
                let [shift]: [u8; 1] = body.try_into().map_err(|_| bad)?;
                self.window_scale = Some(shift);
            }
            KIND_SACK_PERMITTED => {
                if !body.is_empty() {
                    return Err(bad);
                }
                self.sack_permitted = true;
            }
            KIND_TIMESTAMPS => {
                let b: [u8; 8] = body.try_into().map_err(|_| bad)?;
                self.timestamps = Some(Timestamps {
                    tsval: u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
                    tsecr: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
                });
            }
            KIND_SACK => {
                if body.is_empty() || body.len() % 8 != 0 || body.len() / 8 > MAX_SACK_BLOCKS {
                    return Err(bad);
                }
                self.sack = SackBlocks::new();
                for c in body.chunks_exact(8) {
                    let l = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
                    let r = u32::from_be_bytes([c[4], c[5], c[6], c[7]]);
                    self.sack.push(SeqNum(l), SeqNum(r));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) {
        self.buf[self.pos..self.pos + bytes.len()].copy_from_slice(bytes);
        self.pos += bytes.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syn_opts() -> TcpOptions {
        TcpOptions {
            mss: Some(1460),
            window_scale: Some(7),
            sack_permitted: true,
            timestamps: Some(Timestamps {
                tsval: 0x0102_0304,
                tsecr: 0,
            }),
            sack: SackBlocks::new(),
            mptcp: MptcpList::new(),
        }
    }

    const SYN_BYTES: [u8; 20] = [
        2, 4, 0x05, 0xb4, // MSS 1460
        4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, // SACK-perm, TS
        1, 3, 3, 7, // NOP, WS 7
    ];

    fn data_opts() -> TcpOptions {
        let mut sack = SackBlocks::new();
        sack.push(SeqNum(1000), SeqNum(2000));
        sack.push(SeqNum(3000), SeqNum(0xffff_fff0));
        TcpOptions {
            timestamps: Some(Timestamps { tsval: 7, tsecr: 9 }),
            sack,
            ..TcpOptions::new()
        }
    }

    fn emit_vec(o: &TcpOptions) -> Vec<u8> {
        let mut buf = [0u8; 64];
        let n = o.emit(&mut buf).unwrap();
        assert_eq!(n, o.buffer_len());
        buf[..n].to_vec()
    }

    #[test]
    fn syn_fixture() {
        let o = syn_opts();
        assert_eq!(o.buffer_len(), 20);
        assert_eq!(emit_vec(&o), SYN_BYTES);
        assert_eq!(TcpOptions::parse(&SYN_BYTES).unwrap(), o);
    }

    #[test]
    fn data_fixture() {
        let o = data_opts();
        let bytes = emit_vec(&o);
        #[rustfmt::skip]
        let expect = [
            1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9,
            1, 1, 5, 18, 0, 0, 0x03, 0xe8, 0, 0, 0x07, 0xd0,
            0, 0, 0x0b, 0xb8, 0xff, 0xff, 0xff, 0xf0,
        ];
        assert_eq!(bytes, expect);
        assert_eq!(TcpOptions::parse(&bytes).unwrap(), o);
    }

    #[test]
    fn round_trips() {
        let mut four = SackBlocks::new();
        for i in 0..4u32 {
            four.push(SeqNum(i * 10), SeqNum(i * 10 + 5));
        }
        let cases = [
            TcpOptions::new(),
            syn_opts(),
            data_opts(),
            TcpOptions {
                sack_permitted: true,
                mss: Some(536),
                ..TcpOptions::new()
            },
            TcpOptions {
                sack: four,
                ..TcpOptions::new()
            },
            TcpOptions {
                window_scale: Some(14),
                ..TcpOptions::new()
            },
        ];
        for o in cases {
            let bytes = emit_vec(&o);
            assert_eq!(bytes.len() % 4, 0);
            assert_eq!(TcpOptions::parse(&bytes).unwrap(), o, "{bytes:?}");
        }
    }

    #[test]
    fn too_long_is_an_error() {
        let mut o = data_opts();
        o.sack.push(SeqNum(1), SeqNum(2));
        o.sack.push(SeqNum(3), SeqNum(4));
        assert_eq!(o.buffer_len(), 48);
        assert_eq!(o.emit(&mut [0u8; 64]), Err(Error::OptionsTooLong));
        assert_eq!(data_opts().emit(&mut [0u8; 10]), Err(Error::BufferTooSmall));
    }

    #[test]
    fn every_truncated_prefix_fails_or_differs() {
        for o in [syn_opts(), data_opts()] {
            let bytes = emit_vec(&o);
            for cut in 0..bytes.len() {
                if let Ok(p) = TcpOptions::parse(&bytes[..cut]) {
                    assert_ne!(p, o, "prefix {cut}");
                }
            }
        }
        // A single option cut anywhere inside is an error.
        let ts = [8u8, 10, 0, 0, 0, 1, 0, 0, 0, 2];
        for cut in 1..ts.len() {
            assert_eq!(TcpOptions::parse(&ts[..cut]), Err(Error::Truncated));
        }
        let sack = [5u8, 10, 0, 0, 0, 1, 0, 0, 0, 2];
        for cut in 1..sack.len() {
            assert_eq!(TcpOptions::parse(&sack[..cut]), Err(Error::Truncated));
        }
    }

    #[test]
    fn malformed_and_unknown() {
        assert_eq!(TcpOptions::parse(&[2, 3, 5]), Err(Error::Malformed(2)));
        assert_eq!(TcpOptions::parse(&[8, 1]), Err(Error::Malformed(8)));
        assert_eq!(TcpOptions::parse(&[5, 2]), Err(Error::Malformed(5)));
        assert_eq!(
            TcpOptions::parse(&[5, 7, 0, 0, 0, 0, 0]),
            Err(Error::Malformed(5))
        );
        assert_eq!(TcpOptions::parse(&[4, 3, 0]), Err(Error::Malformed(4)));
        // Unknown kind and MPTCP skipped, EOL ends parsing (trailing garbage ignored).
        let o = TcpOptions::parse(&[99, 3, 0, 30, 4, 0, 0, 2, 4, 1, 0, 0, 77]).unwrap();
        assert_eq!(o.mss, Some(256));
        // Options in unusual order with NOPs.
        let o = TcpOptions::parse(&[1, 3, 3, 2, 1, 1, 4, 2, 2, 4, 0x05, 0xb4]).unwrap();
        assert_eq!(o.window_scale, Some(2));
        assert!(o.sack_permitted);
        assert_eq!(o.mss, Some(1460));
    }

    #[test]
    fn mptcp_options_are_emitted_padded_and_parsed() {
        use crate::wire::mptcp::{DssMapping, DssRepr, SeqField, TcpRstFlags, TcpRstRepr};
        let dss = MptcpOption::Dss(DssRepr {
            data_ack: Some(SeqField::Long(0x0102_0304_0506_0708)),
            mapping: Some(DssMapping {
                dsn: SeqField::Long(0x1112_1314_1516_1718),
                subflow_seq: 1,
                data_len: 1420,
                checksum: None,
            }),
            data_fin: false,
        });
        let mut o = TcpOptions {
            timestamps: Some(Timestamps { tsval: 1, tsecr: 2 }),
            ..TcpOptions::new()
        };
        o.sack.push(SeqNum(1), SeqNum(2));
        assert!(o.mptcp.push(dss));
        // 12 (TS) + 12 (one SACK block) + 26 + 2 NOPs: too long, SACK goes first.
        assert_eq!(o.buffer_len(), 52);
        o.fit_sack();
        assert_eq!(o.buffer_len(), 40);
        let bytes = emit_vec(&o);
        assert_eq!(&bytes[12..16], &[30, 26, 0x20, 0x0f]);
        assert_eq!(&bytes[38..], &[KIND_NOP, KIND_NOP]);
        assert_eq!(TcpOptions::parse(&bytes).unwrap(), o);
        // A second option, then the list is full.
        let rst = MptcpOption::TcpRst(TcpRstRepr {
            flags: TcpRstFlags(0),
            reason: 1.into(),
        });
        let mut p = TcpOptions::new();
        assert!(p.mptcp.push(rst) && p.mptcp.push(rst) && !p.mptcp.push(rst));
        assert_eq!((p.mptcp.len(), p.buffer_len()), (2, 8));
        assert_eq!(emit_vec(&p), [30, 4, 0x80, 1, 30, 4, 0x80, 1]);
        assert_eq!(TcpOptions::parse(&emit_vec(&p)).unwrap(), p);
    }

    #[test]
    fn linux_data_sender_options_leave_no_room_for_sack() {
        use crate::wire::mptcp::{DssMapping, DssRepr, SeqField};
        // Linux's bulk sender: timestamps (12) + DSS with a 32-bit DATA_ACK and a 64-bit
        // DSN (22 + 2 NOPs = 24) = 36 octets; a SACK block needs 12 more: none fits
        // (tcp_established_options gives SACK only the space left).
        let mut o = TcpOptions {
            timestamps: Some(Timestamps { tsval: 1, tsecr: 2 }),
            ..TcpOptions::new()
        };
        assert!(o.mptcp.push(MptcpOption::Dss(DssRepr {
            data_ack: Some(SeqField::Short(7)),
            mapping: Some(DssMapping {
                dsn: SeqField::Long(9),
                subflow_seq: 1,
                data_len: 1424,
                checksum: None,
            }),
            data_fin: false,
        })));
        assert_eq!(o.buffer_len(), 36);
        o.sack.push(SeqNum(1), SeqNum(2));
        o.fit_sack();
        assert_eq!((o.sack.len(), o.buffer_len()), (0, 36));
        let bytes = emit_vec(&o);
        assert_eq!(&bytes[12..16], &[30, 22, 0x20, 0x0d]);
        assert_eq!(TcpOptions::parse(&bytes).unwrap(), o);
    }
}
