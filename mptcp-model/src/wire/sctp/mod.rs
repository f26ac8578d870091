//! SCTP packets (RFC 9260 §3): the common header, one optional control chunk and a run of
//! DATA chunks, as a `Copy` [`SctpPacket`] with exact `buffer_len`, `emit` and `parse`.
//!
//! ```text
//! common header (§3.1)   | source port | destination port | verification tag | checksum |
//!                                 2              2                  4              4
//! chunk (§3.2)           | type 1 | flags 1 | length 2 | value ... | padding to 4 |
//! DATA (§3.3.1)          | 0 | .. U B E | 16 + L | TSN | stream | SSN | PPID | user data |
//! ```
//!
//! The model bundles at most one control chunk (INIT, INIT ACK, SACK, HEARTBEAT, ...) and a
//! run of DATA chunks after it (§6.10: control chunks first): a SACK rides with DATA, and DATA
//! with a COOKIE ECHO, as real stacks bundle them. The DATA chunks of one packet carry
//! consecutive TSNs, one whole message each (B and E set), all with `len` octets of user data,
//! on stream 0 in order (consecutive SSNs). Every chunk is padded to a multiple of 4 octets
//! and the padding is not counted in its length field (§3.2). A packet on the wire is
//! `20 (IPv4) + 12 + Σ chunks` octets ([`SctpPacket::packet_size`]).
//!
//! User data is not carried (the simulator moves lengths, as for TCP): [`SctpPacket::emit`]
//! writes zero octets for it, and [`super::packet`] fills it in for captures. The checksum
//! field is written as zero here; captures put the CRC32c in (RFC 9260 Appendix A).

mod control;
mod sack;

pub use control::{AddrList, CookieRepr, HeartbeatInfo, InitRepr, COOKIE_MAC_LEN, MAX_ADDRS};
pub use sack::{SackRepr, MAX_DUPS, MAX_GAPS};

use super::tcp::IPV4_HEADER_LEN;
use super::Error;

/// IP protocol number of SCTP.
pub const PROTOCOL_SCTP: u8 = 132;
/// Octets of the SCTP common header (§3.1).
pub const COMMON_HEADER_LEN: usize = 12;
/// Octets of a chunk header (type, flags, length).
pub const CHUNK_HEADER_LEN: usize = 4;
/// Octets of a DATA chunk header, chunk header included (§3.3.1).
pub const DATA_HEADER_LEN: usize = 16;

/// Chunk types (§3.2, Table 1).
pub mod chunk_type {
    /// Payload data.
    pub const DATA: u8 = 0;
    /// Initiation.
    pub const INIT: u8 = 1;
    /// Initiation acknowledgement.
    pub const INIT_ACK: u8 = 2;
    /// Selective acknowledgement.
    pub const SACK: u8 = 3;
    /// Heartbeat request.
    pub const HEARTBEAT: u8 = 4;
    /// Heartbeat acknowledgement.
    pub const HEARTBEAT_ACK: u8 = 5;
    /// Abort.
    pub const ABORT: u8 = 6;
    /// Shutdown.
    pub const SHUTDOWN: u8 = 7;
    /// Shutdown acknowledgement.
    pub const SHUTDOWN_ACK: u8 = 8;
    /// State cookie.
    pub const COOKIE_ECHO: u8 = 10;
    /// Cookie acknowledgement.
    pub const COOKIE_ACK: u8 = 11;
    /// Shutdown complete.
    pub const SHUTDOWN_COMPLETE: u8 = 14;
}

/// `n` rounded up to a multiple of 4 (chunk padding, §3.2).
pub const fn pad4(n: usize) -> usize {
    (n + 3) & !3
}

/// The control chunk of a packet, if any.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Control {
    /// No control chunk (DATA only).
    #[default]
    None,
    /// INIT (§3.3.2).
    Init(InitRepr),
    /// INIT ACK (§3.3.3) with its State Cookie.
    InitAck(InitRepr, CookieRepr),
    /// COOKIE ECHO (§3.3.11).
    CookieEcho(CookieRepr),
    /// COOKIE ACK (§3.3.12).
    CookieAck,
    /// SACK (§3.3.4).
    Sack(SackRepr),
    /// HEARTBEAT (§3.3.5).
    Heartbeat(HeartbeatInfo),
    /// HEARTBEAT ACK (§3.3.6), echoing the request's information.
    HeartbeatAck(HeartbeatInfo),
    /// ABORT (§3.3.7) without error causes; `t` is the T bit (tag reflected).
    Abort {
        /// The T bit.
        t: bool,
    },
    /// SHUTDOWN (§3.3.8) with the sender's cumulative TSN ack.
    Shutdown {
        /// Cumulative TSN Ack.
        cum_tsn: u32,
    },
    /// SHUTDOWN ACK (§3.3.9).
    ShutdownAck,
    /// SHUTDOWN COMPLETE (§3.3.13); `t` is the T bit.
    ShutdownComplete {
        /// The T bit.
        t: bool,
    },
}

impl Control {
    /// Encoded octets of the chunk, padding included (0 for `None`).
    pub fn buffer_len(&self) -> usize {
        match self {
            Control::None => 0,
            Control::Init(i) => i.buffer_len(None),
            Control::InitAck(i, c) => i.buffer_len(Some(c)),
            Control::CookieEcho(c) => CHUNK_HEADER_LEN + c.buffer_len(),
            Control::Sack(s) => s.buffer_len(),
            Control::Heartbeat(h) | Control::HeartbeatAck(h) => CHUNK_HEADER_LEN + h.tlv_len(),
            Control::Shutdown { .. } => 8,
            Control::CookieAck
            | Control::Abort { .. }
            | Control::ShutdownAck
            | Control::ShutdownComplete { .. } => CHUNK_HEADER_LEN,
        }
    }

    fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let n = self.buffer_len();
        let b = buf.get_mut(..n).ok_or(Error::BufferTooSmall)?;
        b.fill(0);
        let header = |b: &mut [u8], ty: u8, flags: u8, len: usize| {
            b[0] = ty;
            b[1] = flags;
            // Chunk lengths are bounded by the packet (< 64 KiB).
            b[2..4].copy_from_slice(&(len as u16).to_be_bytes());
        };
        match self {
            Control::None => {}
            Control::Init(i) => i.emit(b, chunk_type::INIT, None)?,
            Control::InitAck(i, c) => i.emit(b, chunk_type::INIT_ACK, Some(c))?,
            Control::CookieEcho(c) => {
                header(b, chunk_type::COOKIE_ECHO, 0, n);
                c.emit(&mut b[CHUNK_HEADER_LEN..]);
            }
            Control::CookieAck => header(b, chunk_type::COOKIE_ACK, 0, n),
            Control::Sack(s) => s.emit(b),
            Control::Heartbeat(h) => {
                header(b, chunk_type::HEARTBEAT, 0, n);
                h.emit_tlv(&mut b[CHUNK_HEADER_LEN..]);
            }
            Control::HeartbeatAck(h) => {
                header(b, chunk_type::HEARTBEAT_ACK, 0, n);
                h.emit_tlv(&mut b[CHUNK_HEADER_LEN..]);
            }
            Control::Abort { t } => header(b, chunk_type::ABORT, u8::from(*t), n),
            Control::Shutdown { cum_tsn } => {
                header(b, chunk_type::SHUTDOWN, 0, n);
                b[4..8].copy_from_slice(&cum_tsn.to_be_bytes());
            }
            Control::ShutdownAck => header(b, chunk_type::SHUTDOWN_ACK, 0, n),
            Control::ShutdownComplete { t } => {
                header(b, chunk_type::SHUTDOWN_COMPLETE, u8::from(*t), n)
            }
        }
        Ok(n)
    }

    /// Parses the control chunk `ty` whose value (after the chunk header, padding removed)
    /// is `value`.
    fn parse(ty: u8, flags: u8, value: &[u8]) -> Result<Control, Error> {
        let be32 = |v: &[u8]| -> Result<u32, Error> {
            let b = v.get(..4).ok_or(Error::Truncated)?;
            Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        };
        Ok(match ty {
            chunk_type::INIT => Control::Init(InitRepr::parse(value)?.0),
            chunk_type::INIT_ACK => {
                let (i, c) = InitRepr::parse(value)?;
                Control::InitAck(i, c.ok_or(Error::Malformed(ty))?)
            }
            chunk_type::COOKIE_ECHO => Control::CookieEcho(CookieRepr::parse(value)?),
            chunk_type::COOKIE_ACK => Control::CookieAck,
            chunk_type::SACK => Control::Sack(SackRepr::parse(value)?),
            chunk_type::HEARTBEAT => Control::Heartbeat(HeartbeatInfo::parse_tlv(value)?),
            chunk_type::HEARTBEAT_ACK => Control::HeartbeatAck(HeartbeatInfo::parse_tlv(value)?),
            chunk_type::ABORT => Control::Abort { t: flags & 1 != 0 },
            chunk_type::SHUTDOWN => Control::Shutdown {
                cum_tsn: be32(value)?,
            },
            chunk_type::SHUTDOWN_ACK => Control::ShutdownAck,
            chunk_type::SHUTDOWN_COMPLETE => Control::ShutdownComplete { t: flags & 1 != 0 },
            other => return Err(Error::Malformed(other)),
        })
    }
}

/// A run of DATA chunks with consecutive TSNs, each one whole message of `len` octets on
/// stream `stream` with consecutive stream sequence numbers from `first_ssn`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DataRun {
    /// TSN of the first chunk.
    pub first_tsn: u32,
    /// Number of chunks (at least 1).
    pub count: u16,
    /// User data octets of each chunk (at least 1, §3.3.1).
    pub len: u16,
    /// Stream identifier.
    pub stream: u16,
    /// Stream sequence number of the first chunk.
    pub first_ssn: u16,
    /// Payload protocol identifier.
    pub ppid: u32,
}

impl DataRun {
    /// Encoded octets of one chunk of the run, padding included.
    pub fn chunk_len(&self) -> usize {
        pad4(DATA_HEADER_LEN + usize::from(self.len))
    }

    /// Encoded octets of the run.
    pub fn buffer_len(&self) -> usize {
        usize::from(self.count) * self.chunk_len()
    }

    /// User data octets in the run.
    pub fn payload(&self) -> u64 {
        u64::from(self.count) * u64::from(self.len)
    }

    /// TSN of the chunk after the run.
    pub fn end_tsn(&self) -> u32 {
        self.first_tsn.wrapping_add(u32::from(self.count))
    }
}

/// An SCTP packet: common header, at most one control chunk, then DATA chunks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SctpPacket {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Verification tag (§8.5: the receiver's tag; 0 on INIT).
    pub vtag: u32,
    /// The control chunk.
    pub control: Control,
    /// The DATA chunks, if any.
    pub data: Option<DataRun>,
}

/// ECMP and bonding hash an SCTP packet's ports with its addresses.
impl sim_core::FlowKey for SctpPacket {
    fn flow_ports(&self) -> (u16, u16) {
        (self.src_port, self.dst_port)
    }
}

impl SctpPacket {
    /// Octets of the SCTP packet: common header and every chunk with its padding.
    pub fn buffer_len(&self) -> usize {
        COMMON_HEADER_LEN + self.control.buffer_len() + self.data.map_or(0, |d| d.buffer_len())
    }

    /// Size of the IPv4 packet carrying it.
    pub fn packet_size(&self) -> u32 {
        // Packets are built to fit a path MTU; the sum never approaches u32::MAX.
        (IPV4_HEADER_LEN + self.buffer_len()) as u32
    }

    /// User data octets carried.
    pub fn payload(&self) -> u64 {
        self.data.map_or(0, |d| d.payload())
    }

    /// Writes the packet into `buf[..buffer_len()]`: checksum zero, user data zero.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let n = self.buffer_len();
        let b = buf.get_mut(..n).ok_or(Error::BufferTooSmall)?;
        b[0..2].copy_from_slice(&self.src_port.to_be_bytes());
        b[2..4].copy_from_slice(&self.dst_port.to_be_bytes());
        b[4..8].copy_from_slice(&self.vtag.to_be_bytes());
        b[8..12].fill(0);
        let mut at = COMMON_HEADER_LEN;
        at += self.control.emit(&mut b[at..])?;
        if let Some(d) = self.data {
            let clen = d.chunk_len();
            let unpadded = (DATA_HEADER_LEN + usize::from(d.len)) as u16;
            for k in 0..d.count {
                let c = &mut b[at..at + clen];
                c.fill(0);
                c[0] = chunk_type::DATA;
                // B and E: one whole message per chunk.
                c[1] = 0b011;
                c[2..4].copy_from_slice(&unpadded.to_be_bytes());
                let tsn = d.first_tsn.wrapping_add(u32::from(k));
                c[4..8].copy_from_slice(&tsn.to_be_bytes());
                c[8..10].copy_from_slice(&d.stream.to_be_bytes());
                c[10..12].copy_from_slice(&d.first_ssn.wrapping_add(k).to_be_bytes());
                c[12..16].copy_from_slice(&d.ppid.to_be_bytes());
                at += clen;
            }
        }
        Ok(at)
    }

    /// Parses a packet as [`SctpPacket::emit`] writes them: at most one control chunk, first,
    /// then DATA chunks with consecutive TSNs and SSNs, equal lengths and B/E set. Anything
    /// else is an error (never a panic).
    pub fn parse(buf: &[u8]) -> Result<SctpPacket, Error> {
        let h = buf.get(..COMMON_HEADER_LEN).ok_or(Error::Truncated)?;
        let mut p = SctpPacket {
            src_port: u16::from_be_bytes([h[0], h[1]]),
            dst_port: u16::from_be_bytes([h[2], h[3]]),
            vtag: u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
            ..SctpPacket::default()
        };
        let mut at = COMMON_HEADER_LEN;
        while at < buf.len() {
            let c = buf.get(at..at + CHUNK_HEADER_LEN).ok_or(Error::Truncated)?;
            let (ty, flags) = (c[0], c[1]);
            let len = usize::from(u16::from_be_bytes([c[2], c[3]]));
            if len < CHUNK_HEADER_LEN {
                return Err(Error::Malformed(ty));
            }
            let chunk = buf.get(at..at + len).ok_or(Error::Truncated)?;
            if ty == chunk_type::DATA {
                p.data = Some(Self::parse_data(p.data, flags, chunk)?);
            } else if p.control == Control::None && p.data.is_none() {
                p.control = Control::parse(ty, flags, &chunk[CHUNK_HEADER_LEN..])?;
            } else {
                return Err(Error::Malformed(ty));
            }
            at += pad4(len);
        }
        if at != buf.len() {
            return Err(Error::Truncated);
        }
        Ok(p)
    }

    /// Appends the DATA chunk `chunk` to `run`, which it must continue.
    fn parse_data(run: Option<DataRun>, flags: u8, chunk: &[u8]) -> Result<DataRun, Error> {
        let bad = Error::Malformed(chunk_type::DATA);
        if chunk.len() <= DATA_HEADER_LEN || flags & 0b11 != 0b11 {
            return Err(bad);
        }
        let be32 =
            |i: usize| u32::from_be_bytes([chunk[i], chunk[i + 1], chunk[i + 2], chunk[i + 3]]);
        let be16 = |i: usize| u16::from_be_bytes([chunk[i], chunk[i + 1]]);
        let len = u16::try_from(chunk.len() - DATA_HEADER_LEN).map_err(|_| bad)?;
        let (tsn, stream, ssn, ppid) = (be32(4), be16(8), be16(10), be32(12));
        match run {
            None => Ok(DataRun {
                first_tsn: tsn,
                count: 1,
                len,
                stream,
                first_ssn: ssn,
                ppid,
            }),
            Some(mut r) => {
                let continues = r.end_tsn() == tsn
                    && r.len == len
                    && r.stream == stream
                    && r.first_ssn.wrapping_add(r.count) == ssn
                    && r.ppid == ppid;
                if !continues {
                    return Err(bad);
                }
                r.count += 1;
                Ok(r)
            }
        }
    }
}

#[cfg(test)]
mod tests;
