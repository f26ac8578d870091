//! The 0-RTT TCP Convert Protocol's messages (RFC 8803 §4): a 4-octet fixed header and TLVs,
//! every length in 32-bit words.
//!
//! ```text
//! fixed header (§4.1)  | version = 1 | total length (words) | magic number 0x2263 |
//! TLV (§4.2)           | type | length (words) | value ... |
//! Connect TLV (§4.2.2) | 0x0A | 5 | remote peer port | remote peer address (IPv6, 16) |
//! Info TLV (§4.2.1)    | 0x01 | 1 | unassigned (2) |
//! Error TLV (§4.2.7)   | 0x1E | 1 | error code | value |
//! ```
//!
//! An IPv4 remote peer is written as an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291
//! §2.5.5.2). A message carries at most one TLV in the model: the client's Connect in its
//! SYN, the converter's bare header (or an Error) at the start of its byte stream. TLVs the
//! model does not produce (Extended TCP Header, Supported TCP Extensions, Cookie) are errors
//! when parsed.

use super::Error;
use sim_core::Addr;

/// The protocol version (§4.1).
pub const VERSION: u8 = 1;
/// The magic number (§4.1: 8803 in hexadecimal form, 0x2263).
pub const MAGIC: u16 = 0x2263;
/// The IANA port of the Transport Converter (§8.1: "convert", 5124).
pub const PORT: u16 = 5124;

/// TLV types (§8.2).
pub mod tlv_type {
    /// Info.
    pub const INFO: u8 = 0x01;
    /// Connect.
    pub const CONNECT: u8 = 0x0A;
    /// Extended TCP Header.
    pub const EXTENDED_TCP_HEADER: u8 = 0x14;
    /// Supported TCP Extensions.
    pub const SUPPORTED_TCP_EXTENSIONS: u8 = 0x15;
    /// Cookie.
    pub const COOKIE: u8 = 0x16;
    /// Error.
    pub const ERROR: u8 = 0x1E;
}

/// Error codes of the Error TLV (§4.2.7, §8.3).
pub mod error_code {
    /// Unsupported Version.
    pub const UNSUPPORTED_VERSION: u8 = 0;
    /// Malformed Message.
    pub const MALFORMED: u8 = 1;
    /// Unsupported Message.
    pub const UNSUPPORTED_MESSAGE: u8 = 2;
    /// Missing Cookie.
    pub const MISSING_COOKIE: u8 = 3;
    /// Not Authorized.
    pub const NOT_AUTHORIZED: u8 = 32;
    /// Unsupported TCP Option.
    pub const UNSUPPORTED_TCP_OPTION: u8 = 33;
    /// Resource Exceeded.
    pub const RESOURCE_EXCEEDED: u8 = 64;
    /// Network Failure.
    pub const NETWORK_FAILURE: u8 = 65;
    /// Connection Reset.
    pub const CONNECTION_RESET: u8 = 96;
    /// Destination Unreachable.
    pub const DESTINATION_UNREACHABLE: u8 = 97;
}

/// A TLV the model sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvertTlv {
    /// Info (§4.2.1): asks for the converter's supported extensions.
    Info,
    /// Connect (§4.2.2): the server the converter connects to on the client's behalf.
    Connect {
        /// Remote peer address (IPv4).
        addr: Addr,
        /// Remote peer port.
        port: u16,
    },
    /// Error (§4.2.7).
    Error {
        /// The error code.
        code: u8,
        /// Its value octet.
        value: u8,
    },
}

impl ConvertTlv {
    /// Encoded octets (a multiple of 4).
    pub fn buffer_len(&self) -> usize {
        match self {
            ConvertTlv::Info | ConvertTlv::Error { .. } => 4,
            ConvertTlv::Connect { .. } => 20,
        }
    }
}

/// A Convert message: the fixed header and at most one TLV.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConvertMsg {
    /// The TLV, if any.
    pub tlv: Option<ConvertTlv>,
}

impl ConvertMsg {
    /// The client's message asking for a connection to `addr:port`.
    pub fn connect(addr: Addr, port: u16) -> ConvertMsg {
        ConvertMsg {
            tlv: Some(ConvertTlv::Connect { addr, port }),
        }
    }

    /// Encoded octets.
    pub fn buffer_len(&self) -> usize {
        4 + self.tlv.map_or(0, |t| t.buffer_len())
    }

    /// Writes the message into `buf[..buffer_len()]`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let n = self.buffer_len();
        let b = buf.get_mut(..n).ok_or(Error::BufferTooSmall)?;
        b.fill(0);
        b[0] = VERSION;
        b[1] = (n / 4) as u8;
        b[2..4].copy_from_slice(&MAGIC.to_be_bytes());
        match self.tlv {
            None => {}
            Some(ConvertTlv::Info) => {
                b[4] = tlv_type::INFO;
                b[5] = 1;
            }
            Some(ConvertTlv::Connect { addr, port }) => {
                b[4] = tlv_type::CONNECT;
                b[5] = 5;
                b[6..8].copy_from_slice(&port.to_be_bytes());
                // ::ffff:a.b.c.d
                b[18] = 0xff;
                b[19] = 0xff;
                b[20..24].copy_from_slice(&addr.octets());
            }
            Some(ConvertTlv::Error { code, value }) => {
                b[4] = tlv_type::ERROR;
                b[5] = 1;
                b[6] = code;
                b[7] = value;
            }
        }
        Ok(n)
    }

    /// Parses a message (exactly the octets of one): version 1, the magic number, a total
    /// length that matches, at most one TLV of a kind the model knows. Never panics.
    pub fn parse(buf: &[u8]) -> Result<ConvertMsg, Error> {
        let h = buf.get(..4).ok_or(Error::Truncated)?;
        let total = usize::from(h[1]) * 4;
        if h[0] != VERSION || u16::from_be_bytes([h[2], h[3]]) != MAGIC || total < 4 {
            return Err(Error::Malformed(h[0]));
        }
        let body = buf.get(4..total).ok_or(Error::Truncated)?;
        if buf.len() != total {
            return Err(Error::Malformed(h[1]));
        }
        if body.is_empty() {
            return Ok(ConvertMsg { tlv: None });
        }
        let (ty, len) = (body[0], usize::from(body.get(1).copied().unwrap_or(0)) * 4);
        if len != body.len() {
            return Err(Error::Malformed(ty));
        }
        let tlv = match (ty, len) {
            (tlv_type::INFO, 4) => ConvertTlv::Info,
            (tlv_type::CONNECT, 20) => {
                let mapped = body[4..14].iter().all(|&x| x == 0) && body[14..16] == [0xff, 0xff];
                if !mapped {
                    return Err(Error::Malformed(ty));
                }
                ConvertTlv::Connect {
                    port: u16::from_be_bytes([body[2], body[3]]),
                    addr: Addr(u32::from_be_bytes([body[16], body[17], body[18], body[19]])),
                }
            }
            (tlv_type::ERROR, 4) => ConvertTlv::Error {
                code: body[2],
                value: body[3],
            },
            _ => return Err(Error::Malformed(ty)),
        };
        Ok(ConvertMsg { tlv: Some(tlv) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_message_bytes() {
        let m = ConvertMsg::connect(Addr::new(192, 0, 2, 1), 443);
        let mut b = [0u8; 24];
        assert_eq!(m.emit(&mut b).unwrap(), 24);
        #[rustfmt::skip]
        assert_eq!(b, [
            1, 6, 0x22, 0x63,
            0x0a, 5, 0x01, 0xbb,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1,
        ]);
        assert_eq!(ConvertMsg::parse(&b).unwrap(), m);
        for cut in 0..24 {
            assert!(ConvertMsg::parse(&b[..cut]).is_err(), "cut {cut}");
        }
    }

    #[test]
    fn header_alone_info_and_error() {
        for (m, want) in [
            (ConvertMsg { tlv: None }, &[1, 1, 0x22, 0x63][..]),
            (
                ConvertMsg {
                    tlv: Some(ConvertTlv::Info),
                },
                &[1, 2, 0x22, 0x63, 1, 1, 0, 0][..],
            ),
            (
                ConvertMsg {
                    tlv: Some(ConvertTlv::Error {
                        code: error_code::DESTINATION_UNREACHABLE,
                        value: 0,
                    }),
                },
                &[1, 2, 0x22, 0x63, 0x1e, 1, 97, 0][..],
            ),
        ] {
            let mut b = vec![0u8; m.buffer_len()];
            m.emit(&mut b).unwrap();
            assert_eq!(b, want);
            assert_eq!(ConvertMsg::parse(&b).unwrap(), m);
        }
        // Wrong version, magic, length; a Cookie TLV the model does not speak.
        assert!(ConvertMsg::parse(&[2, 1, 0x22, 0x63]).is_err());
        assert!(ConvertMsg::parse(&[1, 1, 0x22, 0x64]).is_err());
        assert!(ConvertMsg::parse(&[1, 2, 0x22, 0x63]).is_err());
        assert!(ConvertMsg::parse(&[1, 2, 0x22, 0x63, 0x16, 1, 0, 0]).is_err());
    }
}
