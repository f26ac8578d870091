//! The TCP header `Repr` (RFC 9293 §3.1) the simulation moves, with its exact wire size.
//!
//! Payload octets are not carried (the simulator moves lengths only): a [`TcpHeader`] records
//! `payload_len`, and [`TcpHeader::packet_size`] is the size on the wire of the whole IPv4
//! packet, `20 + header_len + payload_len`. [`TcpHeader::emit`] / [`TcpHeader::parse`] encode
//! the fixed header and options for tests and captures (checksum left zero).

use super::seq::SeqNum;
use super::tcp_options::{TcpOptions, MAX_OPTIONS_LEN};
use super::Error;
use core::fmt;
use core::ops::{BitOr, BitOrAssign};

/// Octets of an IPv4 header without options.
pub const IPV4_HEADER_LEN: usize = 20;
/// Octets of a TCP header without options.
pub const TCP_HEADER_LEN: usize = 20;

/// TCP control flags (the subset the model uses).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    /// No flags.
    pub const NONE: TcpFlags = TcpFlags(0);
    /// No more data from sender.
    pub const FIN: TcpFlags = TcpFlags(0x01);
    /// Synchronize sequence numbers.
    pub const SYN: TcpFlags = TcpFlags(0x02);
    /// Reset the connection.
    pub const RST: TcpFlags = TcpFlags(0x04);
    /// Push function.
    pub const PSH: TcpFlags = TcpFlags(0x08);
    /// Acknowledgment field is significant.
    pub const ACK: TcpFlags = TcpFlags(0x10);

    /// True when every flag of `other` is set in `self`.
    pub const fn contains(self, other: TcpFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// True for SYN.
    pub const fn syn(self) -> bool {
        self.contains(TcpFlags::SYN)
    }
    /// True for ACK.
    pub const fn ack(self) -> bool {
        self.contains(TcpFlags::ACK)
    }
    /// True for FIN.
    pub const fn fin(self) -> bool {
        self.contains(TcpFlags::FIN)
    }
    /// True for RST.
    pub const fn rst(self) -> bool {
        self.contains(TcpFlags::RST)
    }
}

impl BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, rhs: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 | rhs.0)
    }
}

impl BitOrAssign for TcpFlags {
    fn bitor_assign(&mut self, rhs: TcpFlags) {
        self.0 |= rhs.0;
    }
}

impl fmt::Debug for TcpFlags {
    /// Like tcpdump: `S.` for SYN-ACK, `F.` for FIN-ACK, `.` for a bare ACK.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (flag, c) in [
            (TcpFlags::SYN, "S"),
            (TcpFlags::FIN, "F"),
            (TcpFlags::RST, "R"),
            (TcpFlags::PSH, "P"),
            (TcpFlags::ACK, "."),
        ] {
            if self.contains(flag) {
                f.write_str(c)?;
            }
        }
        Ok(())
    }
}

/// A TCP segment header plus the length of its (not carried) payload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpHeader {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number of the first octet (of the SYN for SYN segments).
    pub seq: SeqNum,
    /// Acknowledgment number (meaningful with [`TcpFlags::ACK`]).
    pub ack: SeqNum,
    /// Control flags.
    pub flags: TcpFlags,
    /// Receive window as on the wire (scaled by the negotiated shift except on SYNs).
    pub window: u16,
    /// Options.
    pub options: TcpOptions,
    /// Payload octets following the header.
    pub payload_len: u32,
    /// A payload octet a middlebox rewrote on the way (`None`: the payload is as sent).
    /// Payload octets are not carried; they follow [`super::packet::payload_byte`], and a
    /// rewrite is recorded here so that a DSS checksum (RFC 8684 §3.3.1) computed over the
    /// received octets sees it. Not a header field: [`TcpHeader::emit`] ignores it,
    /// [`TcpHeader::parse`] gives `None`, a capture writes the rewritten octet.
    pub payload_rewrite: Option<PayloadRewrite>,
}

/// One payload octet changed by a middlebox: the octet at `offset` (from the first payload
/// octet) XORed with `mask` (nonzero).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PayloadRewrite {
    /// Offset of the octet in the payload.
    pub offset: u16,
    /// The bits flipped.
    pub mask: u8,
}

/// ECMP routers hash a segment's ports with its addresses (its 5-tuple).
impl sim_core::FlowKey for TcpHeader {
    fn flow_ports(&self) -> (u16, u16) {
        (self.src_port, self.dst_port)
    }
}

impl TcpHeader {
    /// TCP header length: 20 plus the options padded to a multiple of 4.
    pub fn header_len(&self) -> usize {
        TCP_HEADER_LEN + self.options.buffer_len().next_multiple_of(4)
    }

    /// Size of the whole packet on the wire: IPv4 header + TCP header + payload, saturating
    /// at `u32::MAX` (a payload that large fits no IP packet; the sum never wraps).
    pub fn packet_size(&self) -> u32 {
        let headers = u32::try_from(IPV4_HEADER_LEN + self.header_len()).unwrap_or(u32::MAX);
        headers.saturating_add(self.payload_len)
    }

    /// Sequence space the segment occupies: payload plus one each for SYN and FIN.
    pub fn seq_len(&self) -> u64 {
        u64::from(self.payload_len) + u64::from(self.flags.syn()) + u64::from(self.flags.fin())
    }

    /// Writes the fixed header and options into `buf[..header_len()]` (checksum zero).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let hlen = self.header_len();
        if hlen > TCP_HEADER_LEN + MAX_OPTIONS_LEN {
            return Err(Error::OptionsTooLong);
        }
        let buf = buf.get_mut(..hlen).ok_or(Error::BufferTooSmall)?;
        buf[0..2].copy_from_slice(&self.src_port.to_be_bytes());
        buf[2..4].copy_from_slice(&self.dst_port.to_be_bytes());
        buf[4..8].copy_from_slice(&self.seq.0.to_be_bytes());
        buf[8..12].copy_from_slice(&self.ack.0.to_be_bytes());
        // Data offset in 32-bit words; hlen <= 60 so it fits the 4 bits.
        buf[12] = ((hlen / 4) as u8) << 4;
        buf[13] = self.flags.0;
        buf[14..16].copy_from_slice(&self.window.to_be_bytes());
        buf[16..20].fill(0);
        let n = self.options.emit(&mut buf[TCP_HEADER_LEN..])?;
        buf[TCP_HEADER_LEN + n..].fill(0);
        Ok(hlen)
    }

    /// Parses a header emitted by [`TcpHeader::emit`]; the payload length is supplied by
    /// the caller (it is a property of the IP packet, not of the TCP header).
    pub fn parse(buf: &[u8], payload_len: u32) -> Result<TcpHeader, Error> {
        let fixed = buf.get(..TCP_HEADER_LEN).ok_or(Error::Truncated)?;
        let hlen = usize::from(fixed[12] >> 4) * 4;
        if hlen < TCP_HEADER_LEN {
            return Err(Error::Malformed(0));
        }
        let opts = buf.get(TCP_HEADER_LEN..hlen).ok_or(Error::Truncated)?;
        let be16 = |i: usize| u16::from_be_bytes([fixed[i], fixed[i + 1]]);
        let be32 =
            |i: usize| u32::from_be_bytes([fixed[i], fixed[i + 1], fixed[i + 2], fixed[i + 3]]);
        Ok(TcpHeader {
            src_port: be16(0),
            dst_port: be16(2),
            seq: SeqNum(be32(4)),
            ack: SeqNum(be32(8)),
            flags: TcpFlags(fixed[13] & 0x3f),
            window: be16(14),
            options: TcpOptions::parse(opts)?,
            payload_len,
            payload_rewrite: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::tcp_options::Timestamps;

    #[test]
    fn sizes() {
        let mut h = TcpHeader {
            payload_len: 1448,
            flags: TcpFlags::ACK,
            ..TcpHeader::default()
        };
        assert_eq!(h.header_len(), 20);
        h.options.timestamps = Some(Timestamps { tsval: 1, tsecr: 2 });
        assert_eq!(h.header_len(), 32);
        assert_eq!(h.packet_size(), 1500);
        h.flags |= TcpFlags::FIN;
        assert_eq!(h.seq_len(), 1449);
        assert_eq!(format!("{:?}", h.flags), "F.");
    }

    #[test]
    fn packet_size_never_overflows() {
        let mut h = TcpHeader {
            payload_len: u32::MAX,
            ..TcpHeader::default()
        };
        assert_eq!(h.packet_size(), u32::MAX);
        h.payload_len = u32::MAX - 40;
        assert_eq!(h.packet_size(), u32::MAX);
        h.payload_len = u32::MAX - 41;
        assert_eq!(h.packet_size(), u32::MAX - 1);
    }

    #[test]
    fn header_round_trip_and_truncation() {
        let h = TcpHeader {
            src_port: 40000,
            dst_port: 80,
            seq: SeqNum(0xdead_beef),
            ack: SeqNum(7),
            flags: TcpFlags::SYN | TcpFlags::ACK,
            window: 65535,
            options: TcpOptions {
                mss: Some(1460),
                window_scale: Some(7),
                sack_permitted: true,
                timestamps: Some(Timestamps { tsval: 5, tsecr: 6 }),
                ..TcpOptions::new()
            },
            payload_len: 0,
            payload_rewrite: None,
        };
        let mut buf = [0u8; 60];
        let n = h.emit(&mut buf).unwrap();
        assert_eq!(n, 40);
        assert_eq!(buf[12], 10 << 4);
        assert_eq!(buf[13], 0x12);
        assert_eq!(TcpHeader::parse(&buf[..n], 0).unwrap(), h);
        for cut in 0..n {
            assert!(TcpHeader::parse(&buf[..cut], 0).is_err(), "cut {cut}");
        }
    }
}
