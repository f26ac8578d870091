//! The IPv4 header (RFC 791 §3.1) without options, for captures: [`Ipv4Repr`] with `emit`
//! (the header checksum computed) and `parse` (version, length and checksum checked).
//!
//! ```text
//! | ver 4 | IHL 5 | DSCP/ECN | total length       |
//! | identification          | flags | frag offset |
//! | TTL   | protocol        | header checksum     |
//! | source address                                |
//! | destination address                           |
//! ```

use super::checksum::checksum;
use super::tcp::IPV4_HEADER_LEN;
use super::Error;
use sim_core::Addr;

/// IP protocol number of TCP.
pub const PROTOCOL_TCP: u8 = 6;
/// The "don't fragment" flag in the flags and fragment offset field.
const FLAG_DF: u16 = 0x4000;

/// An IPv4 header's values (no options, so 20 octets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Repr {
    /// Source address.
    pub src: Addr,
    /// Destination address.
    pub dst: Addr,
    /// Protocol of the payload.
    pub protocol: u8,
    /// Total length: header plus payload, octets.
    pub total_len: u16,
    /// Identification.
    pub ident: u16,
    /// Don't fragment.
    pub dont_fragment: bool,
    /// Time to live.
    pub ttl: u8,
}

impl Ipv4Repr {
    /// Writes the header into `buf[..20]` with its checksum.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let h = buf
            .get_mut(..IPV4_HEADER_LEN)
            .ok_or(Error::BufferTooSmall)?;
        h[0] = 0x45;
        h[1] = 0;
        h[2..4].copy_from_slice(&self.total_len.to_be_bytes());
        h[4..6].copy_from_slice(&self.ident.to_be_bytes());
        let flags = if self.dont_fragment { FLAG_DF } else { 0 };
        h[6..8].copy_from_slice(&flags.to_be_bytes());
        h[8] = self.ttl;
        h[9] = self.protocol;
        h[10..12].fill(0);
        h[12..16].copy_from_slice(&self.src.octets());
        h[16..20].copy_from_slice(&self.dst.octets());
        let sum = checksum(h);
        h[10..12].copy_from_slice(&sum.to_be_bytes());
        Ok(IPV4_HEADER_LEN)
    }

    /// Parses the header at the start of `buf`: version 4, no options, a total length
    /// within `buf`, no fragment, and a checksum that verifies.
    pub fn parse(buf: &[u8]) -> Result<Ipv4Repr, Error> {
        let h = buf.get(..IPV4_HEADER_LEN).ok_or(Error::Truncated)?;
        if h[0] != 0x45 {
            return Err(Error::Malformed(h[0]));
        }
        let be16 = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
        let be32 = |i: usize| u32::from_be_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        let total_len = be16(2);
        if usize::from(total_len) < IPV4_HEADER_LEN || usize::from(total_len) > buf.len() {
            return Err(Error::Truncated);
        }
        let frag = be16(6);
        if frag & !FLAG_DF != 0 {
            return Err(Error::Malformed(h[6]));
        }
        if checksum(h) != 0 {
            return Err(Error::Checksum);
        }
        Ok(Ipv4Repr {
            src: Addr(be32(12)),
            dst: Addr(be32(16)),
            protocol: h[9],
            total_len,
            ident: be16(4),
            dont_fragment: frag & FLAG_DF != 0,
            ttl: h[8],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fixture_round_trip_and_errors() {
        // 10.0.0.1 -> 10.0.0.2, TCP, total 60, id 0x1c46, DF, TTL 64.
        let r = Ipv4Repr {
            src: Addr::new(10, 0, 0, 1),
            dst: Addr::new(10, 0, 0, 2),
            protocol: PROTOCOL_TCP,
            total_len: 60,
            ident: 0x1c46,
            dont_fragment: true,
            ttl: 64,
        };
        let mut buf = [0u8; 60];
        assert_eq!(r.emit(&mut buf), Ok(20));
        // Sum of the words: 0x4500+0x003c+0x1c46+0x4000+0x4006+0x0a00+0x0001+0x0a00+0x0002
        // = 0xf58b; checksum = its complement 0x0a74.
        assert_eq!(
            buf[..20],
            [
                0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x0a, 0x74, 10, 0, 0,
                1, 10, 0, 0, 2
            ]
        );
        assert_eq!(Ipv4Repr::parse(&buf), Ok(r));
        assert_eq!(Ipv4Repr::parse(&buf[..59]), Err(Error::Truncated));
        let mut bad = buf;
        bad[11] ^= 1;
        assert_eq!(Ipv4Repr::parse(&bad), Err(Error::Checksum));
        let mut frag = buf;
        frag[6] = 0x20;
        assert_eq!(Ipv4Repr::parse(&frag), Err(Error::Malformed(0x20)));
    }
}
