//! Multipath TCP options (TCP option kind 30, RFC 8684 §3; RFC 6824 for v0).
//!
//! Each option family has a file with a `Repr` of its meaningful values: `parse` reads one
//! whole option (kind, length, subtype, ...) from octets and reports anything malformed as an
//! [`Error`], never by panicking; `emit` writes exactly `buffer_len()` octets; reprs are small
//! `Copy` values without heap data, since they travel in every simulated packet.
//! [`MptcpOption`] is the closed enum over all families, dispatching on the subtype, with
//! [`MptcpOption::Unknown`] for subtypes this crate does not model (kept verbatim).
//! [`OptionView`] is the checked view over the octets that every `parse` starts from, and
//! [`mptcp_options`] walks a TCP option list and yields the MPTCP options in it.
//!
//! Contract shared by every family:
//! - `parse(buf)` reads the option's first `length` octets (the length octet, `buf[1]`);
//!   octets after them are not looked at. `buf` shorter than `length`, a kind other than 30,
//!   a length that no form of the subtype has, or a length that disagrees with the flags is
//!   an error.
//! - Reserved bits are ignored on receipt and emitted as zero (as RFC 8684 treats reserved
//!   fields), so `emit(parse(b)) == b` holds exactly when `b` has its reserved bits clear.
//!   Every option in the tcpdump captures does. Flags that the RFC defines but this crate
//!   does not interpret (MP_CAPABLE `D`..`G`, MP_TCPRST `U`/`V`/`W`) are kept, not dropped.
//! - `emit(buf)` returns the number of octets written (always `buffer_len()`), or
//!   [`Error::BufferTooSmall`] and writes nothing when `buf` is shorter.
//! - Both MPTCP v1 (RFC 8684) and the v0 (RFC 6824) forms that differ are accepted: the
//!   MP_CAPABLE version field, the v0 ADD_ADDR with its IPVer nibble and the v0 MP_PRIO with an
//!   address id are parsed and re-emitted as they came.

pub mod add_addr;
pub mod capable;
pub mod dss;
pub mod fail;
pub mod fastclose;
pub mod join;
pub mod prio;
pub mod remove_addr;
pub mod tcprst;

pub use add_addr::{AddAddrKind, AddAddrRepr};
pub use capable::{CapableFlags, CapableForm, CapableRepr};
pub use dss::{DssMapping, DssRepr, SeqField};
pub use fail::FailRepr;
pub use fastclose::FastCloseRepr;
pub use join::JoinRepr;
pub use prio::PrioRepr;
pub use remove_addr::{RemoveAddrRepr, MAX_REMOVE_IDS};
pub use tcprst::{ResetReason, TcpRstFlags, TcpRstRepr};

/// TCP option kind of every MPTCP option (RFC 8684 §3: "Kind 30").
pub const OPTION_KIND: u8 = 30;
/// Most octets a TCP header can carry as options (RFC 9293 §3.1: data offset of 15 words,
/// less the 20-octet fixed header), hence the longest MPTCP option that can appear.
pub const MAX_OPTION_LEN: usize = 40;
/// Kind, length and the octet holding the subtype: the shortest possible MPTCP option.
pub const MIN_OPTION_LEN: usize = 3;

pub mod subtype {
    //! MPTCP option subtypes (RFC 8684 §7.2, the MPTCP Option Subtypes registry).
    /// MP_CAPABLE, RFC 8684 §3.1.
    pub const MP_CAPABLE: u8 = 0x0;
    /// MP_JOIN, RFC 8684 §3.2.
    pub const MP_JOIN: u8 = 0x1;
    /// DSS (Data Sequence Signal), RFC 8684 §3.3.
    pub const DSS: u8 = 0x2;
    /// ADD_ADDR, RFC 8684 §3.4.1.
    pub const ADD_ADDR: u8 = 0x3;
    /// REMOVE_ADDR, RFC 8684 §3.4.2.
    pub const REMOVE_ADDR: u8 = 0x4;
    /// MP_PRIO, RFC 8684 §3.3.8.
    pub const MP_PRIO: u8 = 0x5;
    /// MP_FAIL, RFC 8684 §3.7.
    pub const MP_FAIL: u8 = 0x6;
    /// MP_FASTCLOSE, RFC 8684 §3.5.
    pub const MP_FASTCLOSE: u8 = 0x7;
    /// MP_TCPRST, RFC 8684 §3.6.
    pub const MP_TCPRST: u8 = 0x8;
    /// MP_EXPERIMENTAL, RFC 8684 §7.2 (reserved for private use; parsed as `Unknown`).
    pub const MP_EXPERIMENTAL: u8 = 0xf;
}

/// Why octets are not a valid MPTCP option (or a TCP option list is broken).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The input ends before the option does: `needed` octets are declared or required,
    /// only `available` are there.
    #[error("truncated MPTCP option: need {needed} octets, have {available}")]
    Truncated {
        /// Octets the option needs.
        needed: usize,
        /// Octets the input has.
        available: usize,
    },
    /// The option kind is not 30.
    #[error("TCP option kind {0} is not MPTCP (30)")]
    NotMptcp(u8),
    /// `parse` of one family was handed another subtype.
    #[error("expected MPTCP subtype {expected}, found {found}")]
    WrongSubtype {
        /// The subtype the called `parse` handles.
        expected: u8,
        /// The subtype in the octets.
        found: u8,
    },
    /// The length octet is not one this subtype (with these flags/version) can have.
    #[error("MPTCP subtype {subtype} cannot have length {len} with flags {flags:#04x}")]
    BadLength {
        /// The option's subtype.
        subtype: u8,
        /// The length octet.
        len: u8,
        /// The flag bits that decide the expected length (0 where none do).
        flags: u8,
    },
    /// MP_CAPABLE with a version whose layout at this length is unknown (v0 has no 4-, 22-
    /// or 24-octet form; versions above 1 are accepted only in the 4-octet SYN form).
    #[error("MP_CAPABLE version {version} has no {len}-octet form")]
    UnsupportedVersion {
        /// The version field.
        version: u8,
        /// The length octet.
        len: u8,
    },
    /// Flags that contradict each other (DSS `a` without `A`, or `m` without `M`).
    #[error("MPTCP subtype {subtype} has inconsistent flags {flags:#04x}")]
    InconsistentFlags {
        /// The option's subtype.
        subtype: u8,
        /// The flag bits.
        flags: u8,
    },
    /// ADD_ADDR whose low nibble is neither v1 (`E` flag, reserved bits clear: 0 or 1) nor
    /// v0 (IPVer 4 or 6).
    #[error("ADD_ADDR nibble {0:#x} is neither v1 (0/1) nor v0 IPVer (4/6)")]
    BadAddAddrHeader(u8),
    /// A length that is valid for the wire but exceeds what the repr stores (REMOVE_ADDR
    /// with more than [`MAX_REMOVE_IDS`] ids, or any option over [`MAX_OPTION_LEN`]).
    #[error("MPTCP option of length {0} exceeds the supported maximum")]
    TooLong(u8),
    /// A TCP option list is malformed (length below 2, or an option running past the end)
    /// at the given offset.
    #[error("malformed TCP option list at offset {0}")]
    BadOptionList(usize),
    /// `emit` was handed a buffer shorter than `buffer_len()`.
    #[error("output buffer of {available} octets is shorter than {needed}")]
    BufferTooSmall {
        /// Octets the option needs.
        needed: usize,
        /// Octets the buffer has.
        available: usize,
    },
}

/// A checked view over the octets of one MPTCP option (smoltcp's `Packet::new_checked`
/// pattern): once built, kind is 30, the length octet is at least 3 and the buffer holds
/// that many octets, so the accessors cannot fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionView<'a> {
    bytes: &'a [u8],
}

impl<'a> OptionView<'a> {
    /// Checks kind, length octet and buffer size; the view covers exactly `length` octets.
    pub fn new_checked(buf: &'a [u8]) -> Result<Self, Error> {
        let (&kind, rest) = buf.split_first().ok_or(Error::Truncated {
            needed: MIN_OPTION_LEN,
            available: 0,
        })?;
        if kind != OPTION_KIND {
            return Err(Error::NotMptcp(kind));
        }
        let len = usize::from(*rest.first().ok_or(Error::Truncated {
            needed: MIN_OPTION_LEN,
            available: buf.len(),
        })?);
        if len < MIN_OPTION_LEN {
            // The length octet itself is inconsistent (RFC 8684 §3: kind, length, subtype).
            let subtype = buf.get(2).map_or(0, |b| b >> 4);
            return Err(Error::BadLength {
                subtype,
                len: len as u8,
                flags: 0,
            });
        }
        let bytes = buf.get(..len).ok_or(Error::Truncated {
            needed: len,
            available: buf.len(),
        })?;
        Ok(OptionView { bytes })
    }

    /// The option's length octet (equal to `as_bytes().len()`).
    pub fn len(&self) -> u8 {
        self.bytes.len() as u8
    }

    /// Never true: a checked option has at least 3 octets. Here for clippy's `len` rule.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The subtype: the high nibble of the third octet.
    pub fn subtype(&self) -> u8 {
        self.octet(2) >> 4
    }

    /// The low nibble of the third octet (version, flags or IPVer, by subtype).
    pub fn low_nibble(&self) -> u8 {
        self.octet(2) & 0x0f
    }

    /// Octet `i` of the option, 0 past its end (never reached after a length check).
    pub fn octet(&self, i: usize) -> u8 {
        self.bytes.get(i).copied().unwrap_or(0)
    }

    /// The option's octets, kind and length included.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// A reader over the octets from offset `start` on (empty past the end).
    pub(crate) fn reader(&self, start: usize) -> Reader<'a> {
        Reader {
            rest: self.bytes.get(start..).unwrap_or(&[]),
        }
    }

    /// Fails with [`Error::WrongSubtype`] unless the subtype is `expected`.
    pub(crate) fn expect_subtype(&self, expected: u8) -> Result<(), Error> {
        let found = self.subtype();
        if found == expected {
            Ok(())
        } else {
            Err(Error::WrongSubtype { expected, found })
        }
    }

    /// A [`Error::BadLength`] for this option.
    pub(crate) fn bad_length(&self, flags: u8) -> Error {
        Error::BadLength {
            subtype: self.subtype(),
            len: self.len(),
            flags,
        }
    }
}

/// Big-endian reads that fail instead of panicking when the input ends.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let (head, tail) = self.rest.split_first_chunk::<N>().ok_or(Error::Truncated {
            needed: N,
            available: self.rest.len(),
        })?;
        self.rest = tail;
        Ok(*head)
    }

    /// Reads `N` octets.
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        self.take::<N>()
    }

    /// Reads a big-endian u16.
    pub(crate) fn u16(&mut self) -> Result<u16, Error> {
        Ok(u16::from_be_bytes(self.take()?))
    }

    /// Reads a big-endian u32.
    pub(crate) fn u32(&mut self) -> Result<u32, Error> {
        Ok(u32::from_be_bytes(self.take()?))
    }

    /// Reads a big-endian u64.
    pub(crate) fn u64(&mut self) -> Result<u64, Error> {
        Ok(u64::from_be_bytes(self.take()?))
    }
}

/// Big-endian writes into a buffer already checked to be `len` octets long.
pub(crate) struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    /// Checks that `buf` holds `len` octets and writes the option header: kind 30, length
    /// `len`, and `subtype << 4 | nibble`.
    pub(crate) fn start(
        buf: &'a mut [u8],
        len: usize,
        subtype: u8,
        nibble: u8,
    ) -> Result<Self, Error> {
        let available = buf.len();
        let buf = buf.get_mut(..len).ok_or(Error::BufferTooSmall {
            needed: len,
            available,
        })?;
        let mut w = Writer { buf, pos: 0 };
        w.u8(OPTION_KIND);
        w.u8(len as u8);
        w.u8((subtype << 4) | (nibble & 0x0f));
        Ok(w)
    }

    /// Writes octets; anything past the checked length is dropped (a `debug_assert!` fires:
    /// `buffer_len` and `emit` disagree).
    pub(crate) fn bytes(&mut self, src: &[u8]) {
        let end = self.pos + src.len();
        match self.buf.get_mut(self.pos..end) {
            Some(dst) => dst.copy_from_slice(src),
            None => debug_assert!(false, "emit wrote past buffer_len"),
        }
        self.pos = end;
    }

    /// Writes one octet.
    pub(crate) fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }

    /// Writes a big-endian u16.
    pub(crate) fn u16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }

    /// Writes a big-endian u32.
    pub(crate) fn u32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }

    /// Writes a big-endian u64.
    pub(crate) fn u64(&mut self, v: u64) {
        self.bytes(&v.to_be_bytes());
    }

    /// Ends the write, returning the number of octets written.
    pub(crate) fn finish(self) -> usize {
        debug_assert_eq!(self.pos, self.buf.len(), "emit and buffer_len disagree");
        self.pos
    }
}

/// The octets of an option this crate does not model, kept verbatim (inline, no heap).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawOption {
    buf: [u8; MAX_OPTION_LEN],
    len: u8,
}

impl RawOption {
    /// Copies `bytes` (the whole option, kind and length included); `None` when longer
    /// than [`MAX_OPTION_LEN`].
    pub fn new(bytes: &[u8]) -> Option<Self> {
        let mut buf = [0u8; MAX_OPTION_LEN];
        buf.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(RawOption {
            buf,
            len: bytes.len() as u8,
        })
    }

    /// The stored octets.
    pub fn as_slice(&self) -> &[u8] {
        self.buf.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

/// Any MPTCP option: the closed set of families plus a verbatim catch-all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MptcpOption {
    /// MP_CAPABLE (subtype 0).
    Capable(CapableRepr),
    /// MP_JOIN (subtype 1).
    Join(JoinRepr),
    /// DSS (subtype 2).
    Dss(DssRepr),
    /// ADD_ADDR (subtype 3).
    AddAddr(AddAddrRepr),
    /// REMOVE_ADDR (subtype 4).
    RemoveAddr(RemoveAddrRepr),
    /// MP_PRIO (subtype 5).
    Prio(PrioRepr),
    /// MP_FAIL (subtype 6).
    Fail(FailRepr),
    /// MP_FASTCLOSE (subtype 7).
    FastClose(FastCloseRepr),
    /// MP_TCPRST (subtype 8).
    TcpRst(TcpRstRepr),
    /// A subtype without a repr here (9..=15, including MP_EXPERIMENTAL), kept verbatim.
    Unknown {
        /// The subtype nibble.
        subtype: u8,
        /// The whole option, kind and length included.
        bytes: RawOption,
    },
}

impl MptcpOption {
    /// Parses one MPTCP option (kind, length, subtype, ...) by dispatching on the subtype.
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        let view = OptionView::new_checked(buf)?;
        let bytes = view.as_bytes();
        Ok(match view.subtype() {
            subtype::MP_CAPABLE => MptcpOption::Capable(CapableRepr::parse(bytes)?),
            subtype::MP_JOIN => MptcpOption::Join(JoinRepr::parse(bytes)?),
            subtype::DSS => MptcpOption::Dss(DssRepr::parse(bytes)?),
            subtype::ADD_ADDR => MptcpOption::AddAddr(AddAddrRepr::parse(bytes)?),
            subtype::REMOVE_ADDR => MptcpOption::RemoveAddr(RemoveAddrRepr::parse(bytes)?),
            subtype::MP_PRIO => MptcpOption::Prio(PrioRepr::parse(bytes)?),
            subtype::MP_FAIL => MptcpOption::Fail(FailRepr::parse(bytes)?),
            subtype::MP_FASTCLOSE => MptcpOption::FastClose(FastCloseRepr::parse(bytes)?),
            subtype::MP_TCPRST => MptcpOption::TcpRst(TcpRstRepr::parse(bytes)?),
            subtype => MptcpOption::Unknown {
                subtype,
                bytes: RawOption::new(bytes).ok_or(Error::TooLong(view.len()))?,
            },
        })
    }

    /// Writes the option; returns the octets written (`buffer_len()`).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        match self {
            MptcpOption::Capable(r) => r.emit(buf),
            MptcpOption::Join(r) => r.emit(buf),
            MptcpOption::Dss(r) => r.emit(buf),
            MptcpOption::AddAddr(r) => r.emit(buf),
            MptcpOption::RemoveAddr(r) => r.emit(buf),
            MptcpOption::Prio(r) => r.emit(buf),
            MptcpOption::Fail(r) => r.emit(buf),
            MptcpOption::FastClose(r) => r.emit(buf),
            MptcpOption::TcpRst(r) => r.emit(buf),
            MptcpOption::Unknown { bytes, .. } => {
                let src = bytes.as_slice();
                let available = buf.len();
                let dst = buf.get_mut(..src.len()).ok_or(Error::BufferTooSmall {
                    needed: src.len(),
                    available,
                })?;
                dst.copy_from_slice(src);
                Ok(src.len())
            }
        }
    }

    /// The encoded length in octets (the option's length octet).
    pub fn buffer_len(&self) -> usize {
        match self {
            MptcpOption::Capable(r) => r.buffer_len(),
            MptcpOption::Join(r) => r.buffer_len(),
            MptcpOption::Dss(r) => r.buffer_len(),
            MptcpOption::AddAddr(r) => r.buffer_len(),
            MptcpOption::RemoveAddr(r) => r.buffer_len(),
            MptcpOption::Prio(r) => r.buffer_len(),
            MptcpOption::Fail(r) => r.buffer_len(),
            MptcpOption::FastClose(r) => r.buffer_len(),
            MptcpOption::TcpRst(r) => r.buffer_len(),
            MptcpOption::Unknown { bytes, .. } => bytes.as_slice().len(),
        }
    }

    /// The subtype this option encodes to.
    pub fn subtype(&self) -> u8 {
        match self {
            MptcpOption::Capable(_) => subtype::MP_CAPABLE,
            MptcpOption::Join(_) => subtype::MP_JOIN,
            MptcpOption::Dss(_) => subtype::DSS,
            MptcpOption::AddAddr(_) => subtype::ADD_ADDR,
            MptcpOption::RemoveAddr(_) => subtype::REMOVE_ADDR,
            MptcpOption::Prio(_) => subtype::MP_PRIO,
            MptcpOption::Fail(_) => subtype::MP_FAIL,
            MptcpOption::FastClose(_) => subtype::MP_FASTCLOSE,
            MptcpOption::TcpRst(_) => subtype::MP_TCPRST,
            MptcpOption::Unknown { subtype, .. } => *subtype,
        }
    }
}

/// Walks a TCP option list (the octets after the 20-octet TCP header, RFC 9293 §3.1) and
/// yields the octets of each MPTCP option, kind and length included. Other kinds are skipped,
/// NOP (1) is one octet, EOL (0) ends the list. A length below 2 or an option running past
/// the end yields one [`Error::BadOptionList`] and ends the walk.
#[derive(Clone, Debug)]
pub struct MptcpOptionSlices<'a> {
    rest: &'a [u8],
    offset: usize,
}

impl<'a> Iterator for MptcpOptionSlices<'a> {
    type Item = Result<&'a [u8], Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (&kind, after_kind) = self.rest.split_first()?;
            match kind {
                0 => {
                    self.rest = &[];
                    return None;
                }
                1 => {
                    self.rest = after_kind;
                    self.offset += 1;
                }
                _ => {
                    let len = after_kind.first().map_or(0, |&l| usize::from(l));
                    let Some((option, tail)) = self.rest.split_at_checked(len).filter(|_| len >= 2)
                    else {
                        let offset = self.offset;
                        self.rest = &[];
                        return Some(Err(Error::BadOptionList(offset)));
                    };
                    self.rest = tail;
                    self.offset += len;
                    if kind == OPTION_KIND {
                        return Some(Ok(option));
                    }
                }
            }
        }
    }
}

/// Yields the raw octets of the MPTCP options in a TCP option list; see
/// [`MptcpOptionSlices`].
pub fn mptcp_option_slices(tcp_options: &[u8]) -> MptcpOptionSlices<'_> {
    MptcpOptionSlices {
        rest: tcp_options,
        offset: 0,
    }
}

/// Walks a TCP option list and yields each MPTCP option parsed (an error for a broken
/// option list or a malformed MPTCP option; the walk goes on after the latter).
#[derive(Clone, Debug)]
pub struct MptcpOptions<'a> {
    inner: MptcpOptionSlices<'a>,
}

impl Iterator for MptcpOptions<'_> {
    type Item = Result<MptcpOption, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.inner.next()?.and_then(MptcpOption::parse))
    }
}

/// Yields the parsed MPTCP options in a TCP option list; see [`MptcpOptions`].
pub fn mptcp_options(tcp_options: &[u8]) -> MptcpOptions<'_> {
    MptcpOptions {
        inner: mptcp_option_slices(tcp_options),
    }
}

#[cfg(test)]
pub(crate) mod test_util {
    //! Helpers shared by the per-family tests.
    use super::{Error, MptcpOption};

    /// Emits `opt`, checks the length, re-parses and compares; returns the octets.
    pub(crate) fn roundtrip(opt: MptcpOption) -> Vec<u8> {
        let mut buf = [0u8; 64];
        let n = opt.emit(&mut buf).expect("emit");
        assert_eq!(n, opt.buffer_len());
        assert_eq!(usize::from(buf[1]), n, "length octet");
        let bytes = buf[..n].to_vec();
        assert_eq!(
            MptcpOption::parse(&bytes),
            Ok(opt),
            "parse(emit(x)) for {opt:?}"
        );
        // A short output buffer is an error, never a panic or partial write.
        let mut short = vec![0u8; n - 1];
        assert!(matches!(
            opt.emit(&mut short),
            Err(Error::BufferTooSmall { .. })
        ));
        assert_truncations_fail(&bytes);
        bytes
    }

    /// Every strict prefix of a valid option must be an error.
    pub(crate) fn assert_truncations_fail(bytes: &[u8]) {
        for cut in 0..bytes.len() {
            assert!(
                MptcpOption::parse(&bytes[..cut]).is_err(),
                "prefix of {cut} octets of {bytes:02x?} parsed"
            );
        }
    }

    /// Rewrites the length octet to each other value (and pads the buffer so the new
    /// length is available); every such option must fail, except lengths in `ok`.
    pub(crate) fn assert_other_lengths_fail(bytes: &[u8], ok: &[u8]) {
        for len in 0..=255u8 {
            if usize::from(len) == bytes.len() || ok.contains(&len) {
                continue;
            }
            let mut v = bytes.to_vec();
            v.resize(usize::from(len).max(bytes.len()), 0);
            v[1] = len;
            assert!(
                MptcpOption::parse(&v).is_err(),
                "length {len} accepted for {bytes:02x?}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_rejects_bad_headers() {
        assert_eq!(
            OptionView::new_checked(&[]),
            Err(Error::Truncated {
                needed: 3,
                available: 0
            })
        );
        assert_eq!(
            OptionView::new_checked(&[8, 10, 0]),
            Err(Error::NotMptcp(8))
        );
        assert!(matches!(
            OptionView::new_checked(&[30, 2, 0x20]),
            Err(Error::BadLength { len: 2, .. })
        ));
        assert!(matches!(
            OptionView::new_checked(&[30, 8, 0x20, 1]),
            Err(Error::Truncated {
                needed: 8,
                available: 4
            })
        ));
        let v = OptionView::new_checked(&[30, 3, 0x51, 0xff]).unwrap();
        assert_eq!((v.len(), v.subtype(), v.low_nibble()), (3, 5, 1));
        assert_eq!(v.as_bytes(), &[30, 3, 0x51]);
    }

    #[test]
    fn unknown_subtypes_are_kept_verbatim() {
        for st in 9..=15u8 {
            let bytes = [30, 6, st << 4 | 0xa, 1, 2, 3];
            let opt = MptcpOption::parse(&bytes).unwrap();
            assert_eq!(opt.subtype(), st);
            assert!(matches!(opt, MptcpOption::Unknown { subtype, .. } if subtype == st));
            assert_eq!(test_util::roundtrip(opt), bytes);
        }
        let mut long = vec![0u8; 41];
        long[..3].copy_from_slice(&[30, 41, 0xf0]);
        assert_eq!(MptcpOption::parse(&long), Err(Error::TooLong(41)));
    }

    #[test]
    fn no_input_panics_and_whatever_parses_roundtrips() {
        // Every (subtype/nibble octet, flag octet, length octet) with a patterned body, and
        // every prefix length of the buffer around the declared length.
        let mut body = [0u8; 44];
        for (i, b) in body.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37).wrapping_add(11);
        }
        let mut accepted = 0usize;
        for third in 0..=255u8 {
            for fourth in 0..=255u8 {
                for len in 0..=42u8 {
                    let mut b = body;
                    b[0] = OPTION_KIND;
                    b[1] = len;
                    b[2] = third;
                    b[3] = fourth;
                    let avail = usize::from(len).min(b.len());
                    let Ok(opt) = MptcpOption::parse(&b[..avail]) else {
                        continue;
                    };
                    accepted += 1;
                    assert_eq!(opt.buffer_len(), usize::from(len), "{:02x?}", &b[..avail]);
                    let mut out = [0u8; MAX_OPTION_LEN];
                    let n = opt.emit(&mut out).unwrap();
                    assert_eq!(MptcpOption::parse(&out[..n]), Ok(opt));
                }
            }
        }
        assert!(accepted > 10_000, "{accepted}");
    }

    #[test]
    fn reprs_are_small() {
        // They travel in every simulated packet (DESIGN §5: headers are small Copy structs).
        assert!(core::mem::size_of::<MptcpOption>() <= 64);
    }

    #[test]
    fn option_list_walk() {
        // nop, nop, TS, mptcp dss ack, eol, garbage after EOL
        let opts = [
            1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 30, 8, 0x20, 1, 0, 0, 0, 7, 0, 30, 1,
        ];
        let found: Vec<_> = mptcp_options(&opts).collect();
        assert_eq!(
            found,
            vec![Ok(MptcpOption::Dss(DssRepr {
                data_ack: Some(SeqField::Short(7)),
                mapping: None,
                data_fin: false
            }))]
        );
        // An option running past the end, a zero length, a lone kind octet.
        for bad in [&[30u8, 9, 0x20, 0][..], &[2, 0, 1, 1], &[1, 30]] {
            let out: Vec<_> = mptcp_option_slices(bad).collect();
            assert!(
                matches!(out.last(), Some(Err(Error::BadOptionList(_)))),
                "{bad:?}"
            );
        }
        // A malformed MPTCP option does not stop the walk.
        let opts = [30, 3, 0x20, 30, 4, 0x80, 0x01];
        let out: Vec<_> = mptcp_options(&opts).collect();
        assert_eq!(out.len(), 2);
        assert!(out[0].is_err());
        assert!(matches!(out[1], Ok(MptcpOption::TcpRst(_))));
    }
}
