//! ADD_ADDR (subtype 3, RFC 8684 §3.4.1; v0: RFC 6824 §3.4.1).
//!
//! ```text
//! v1: | 30 | Length | 3 | rsv(3) E | Address ID | Address (4 or 16) | Port (2, optional) |
//!     | Truncated HMAC (8, absent when E = 1) |
//! v0: | 30 | Length | 3 | IPVer (4 or 6) | Address ID | Address (4 or 16) | Port (2, optional) |
//! ```
//! The low nibble of the third octet tells the versions apart: 0 or 1 is v1 (`E` = echo,
//! reserved bits clear), 4 or 6 is the v0 IPVer; any other value is
//! [`Error::BadAddAddrHeader`] (it would be ambiguous). The length then gives address family
//! and port presence:
//!
//! | form            | IPv4       | IPv6       |
//! |-----------------|------------|------------|
//! | v1 with HMAC    | 16, 18 (port) | 28, 30 (port) |
//! | v1 echo (E)     | 8, 10      | 20, 22     |
//! | v0              | 8, 10 (IPVer 4) | 20, 22 (IPVer 6) |
//!
//! The HMAC is the rightmost 64 bits of HMAC-SHA256 (RFC 8684 §3.4.1), see
//! [`crate::crypto::add_addr_hmac`] and [`AddAddrRepr::expected_hmac`].

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::crypto::{add_addr_hmac, Key};
use crate::wire::mptcp::{subtype, Error, OptionView, Writer};

/// `E`: this ADD_ADDR echoes one received (RFC 8684 §3.4.1).
const FLAG_ECHO: u8 = 0x01;

/// Which ADD_ADDR layout, and the HMAC where there is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddAddrKind {
    /// v1 announcement, carrying the truncated HMAC (RFC 8684 §3.4.1).
    V1 {
        /// Rightmost 64 bits of the HMAC, as sent.
        hmac: u64,
    },
    /// v1 echo (`E` = 1): no HMAC.
    V1Echo,
    /// v0 (RFC 6824), with the IPVer nibble and no HMAC.
    V0,
}

/// An ADD_ADDR option's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddAddrRepr {
    /// Address id the sender gives this address.
    pub addr_id: u8,
    /// The announced address; its family fixes the address length.
    pub addr: IpAddr,
    /// The port to connect to, when it differs from the connection's.
    pub port: Option<u16>,
    /// v1 (with HMAC), v1 echo, or v0.
    pub kind: AddAddrKind,
}

impl AddAddrRepr {
    /// Parses a whole ADD_ADDR option; see the module doc for the accepted forms.
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        let view = OptionView::new_checked(buf)?;
        view.expect_subtype(subtype::ADD_ADDR)?;
        let nibble = view.low_nibble();
        let len = view.len();
        // (is IPv6, has port) by length; the HMAC adds 8 to the v1 non-echo lengths.
        let (kind_hmac, v6, port) = match nibble {
            0 => {
                let (v6, port) = family_and_port(len.wrapping_sub(8)).ok_or(view.bad_length(0))?;
                (true, v6, port)
            }
            FLAG_ECHO => {
                let (v6, port) = family_and_port(len).ok_or(view.bad_length(FLAG_ECHO))?;
                (false, v6, port)
            }
            4 | 6 => {
                let (v6, port) = family_and_port(len).ok_or(view.bad_length(nibble))?;
                if v6 != (nibble == 6) {
                    return Err(view.bad_length(nibble));
                }
                (false, v6, port)
            }
            other => return Err(Error::BadAddAddrHeader(other)),
        };
        let mut r = view.reader(4);
        let addr = if v6 {
            IpAddr::V6(Ipv6Addr::from(r.array::<16>()?))
        } else {
            IpAddr::V4(Ipv4Addr::from(r.array::<4>()?))
        };
        let port = if port { Some(r.u16()?) } else { None };
        let kind = match nibble {
            0 if kind_hmac => AddAddrKind::V1 { hmac: r.u64()? },
            FLAG_ECHO => AddAddrKind::V1Echo,
            _ => AddAddrKind::V0,
        };
        Ok(AddAddrRepr {
            addr_id: view.octet(3),
            addr,
            port,
            kind,
        })
    }

    /// The encoded length (see the module doc table).
    pub fn buffer_len(&self) -> usize {
        let addr = match self.addr {
            IpAddr::V4(_) => 4,
            IpAddr::V6(_) => 16,
        };
        let hmac = match self.kind {
            AddAddrKind::V1 { .. } => 8,
            AddAddrKind::V1Echo | AddAddrKind::V0 => 0,
        };
        4 + addr + self.port.map_or(0, |_| 2) + hmac
    }

    /// Writes the option; returns the octets written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let nibble = match (self.kind, self.addr) {
            (AddAddrKind::V1 { .. }, _) => 0,
            (AddAddrKind::V1Echo, _) => FLAG_ECHO,
            (AddAddrKind::V0, IpAddr::V4(_)) => 4,
            (AddAddrKind::V0, IpAddr::V6(_)) => 6,
        };
        let mut w = Writer::start(buf, self.buffer_len(), subtype::ADD_ADDR, nibble)?;
        w.u8(self.addr_id);
        match self.addr {
            IpAddr::V4(a) => w.bytes(&a.octets()),
            IpAddr::V6(a) => w.bytes(&a.octets()),
        }
        if let Some(p) = self.port {
            w.u16(p);
        }
        if let AddAddrKind::V1 { hmac } = self.kind {
            w.u64(hmac);
        }
        Ok(w.finish())
    }

    /// The HMAC RFC 8684 §3.4.1 requires for this address, id and port, given the keys of
    /// the host sending the ADD_ADDR and of the host receiving it.
    pub fn expected_hmac(&self, sender_key: Key, receiver_key: Key) -> u64 {
        add_addr_hmac(sender_key, receiver_key, self.addr_id, self.addr, self.port)
    }

    /// Whether this is a v1 announcement whose HMAC verifies under RFC 8684 §3.4.1 (false
    /// for echoes and v0, which carry none).
    pub fn verify_hmac(&self, sender_key: Key, receiver_key: Key) -> bool {
        match self.kind {
            AddAddrKind::V1 { hmac } => hmac == self.expected_hmac(sender_key, receiver_key),
            AddAddrKind::V1Echo | AddAddrKind::V0 => false,
        }
    }
}

/// (is IPv6, has port) for the length of the address part plus 4 header octets.
fn family_and_port(len: u8) -> Option<(bool, bool)> {
    match len {
        8 => Some((false, false)),
        10 => Some((false, true)),
        20 => Some((true, false)),
        22 => Some((true, true)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::mptcp::test_util::{assert_other_lengths_fail, roundtrip};
    use crate::wire::mptcp::MptcpOption;

    fn v4() -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 2, 1))
    }

    fn v6() -> IpAddr {
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1))
    }

    #[test]
    fn capture_fixtures() {
        // mptcp-aa-echo.pcap: "add-addr v1 id 1 10.0.2.1 hmac 0xf8295862f645df19".
        let b = [
            30, 16, 0x30, 1, 10, 0, 2, 1, 0xf8, 0x29, 0x58, 0x62, 0xf6, 0x45, 0xdf, 0x19,
        ];
        let r = AddAddrRepr::parse(&b).unwrap();
        assert_eq!(
            r,
            AddAddrRepr {
                addr_id: 1,
                addr: v4(),
                port: None,
                kind: AddAddrKind::V1 {
                    hmac: 0xf8295862f645df19
                }
            }
        );
        assert_eq!(roundtrip(MptcpOption::AddAddr(r)), b);
        // "add-addr v1-echo id 1 10.0.2.1".
        let echo = [30, 8, 0x31, 1, 10, 0, 2, 1];
        let r = AddAddrRepr::parse(&echo).unwrap();
        assert_eq!(r.kind, AddAddrKind::V1Echo);
        assert_eq!(roundtrip(MptcpOption::AddAddr(r)), echo);
        // mptcp-v0.pcap: "add-addr v0-ip4 id 1 10.1.2.2".
        let v0 = [30, 8, 0x34, 1, 10, 1, 2, 2];
        let r = AddAddrRepr::parse(&v0).unwrap();
        assert_eq!(r.kind, AddAddrKind::V0);
        assert_eq!(roundtrip(MptcpOption::AddAddr(r)), v0);
    }

    #[test]
    fn every_form_roundtrips_and_lengths_are_exact() {
        let kinds = [
            AddAddrKind::V1 {
                hmac: 0x0102030405060708,
            },
            AddAddrKind::V1Echo,
            AddAddrKind::V0,
        ];
        for kind in kinds {
            for addr in [v4(), v6()] {
                let mut lens = Vec::new();
                for port in [None, Some(8080)] {
                    let r = AddAddrRepr {
                        addr_id: 9,
                        addr,
                        port,
                        kind,
                    };
                    lens.push(r.buffer_len() as u8);
                    roundtrip(MptcpOption::AddAddr(r));
                }
                for port in [None, Some(8080)] {
                    let r = AddAddrRepr {
                        addr_id: 9,
                        addr,
                        port,
                        kind,
                    };
                    let b = roundtrip(MptcpOption::AddAddr(r));
                    // v1 / echo: the other family's lengths are valid too (the length picks it).
                    let mut ok = lens.clone();
                    if kind != AddAddrKind::V0 {
                        let other = if addr.is_ipv4() { 12 } else { -12i16 };
                        ok.extend(lens.iter().map(|&l| (i16::from(l) + other) as u8));
                    }
                    assert_other_lengths_fail(&b, &ok);
                }
            }
        }
        let r = AddAddrRepr {
            addr_id: 2,
            addr: v6(),
            port: Some(443),
            kind: AddAddrKind::V1 { hmac: 7 },
        };
        assert_eq!(r.buffer_len(), 30);
        assert_eq!(roundtrip(MptcpOption::AddAddr(r))[2], 0x30);
    }

    #[test]
    fn bad_headers() {
        for nibble in [2u8, 3, 5, 7, 8, 15] {
            let b = [30, 8, 0x30 | nibble, 1, 10, 0, 2, 1];
            assert_eq!(AddAddrRepr::parse(&b), Err(Error::BadAddAddrHeader(nibble)));
        }
        // v0 IPVer 6 with an IPv4 length.
        assert!(matches!(
            AddAddrRepr::parse(&[30, 8, 0x36, 1, 10, 0, 2, 1]),
            Err(Error::BadLength { .. })
        ));
    }

    #[test]
    fn hmac_helpers() {
        let (a, b) = (Key(1), Key(2));
        let mut r = AddAddrRepr {
            addr_id: 1,
            addr: v4(),
            port: None,
            kind: AddAddrKind::V1Echo,
        };
        assert!(!r.verify_hmac(a, b));
        r.kind = AddAddrKind::V1 {
            hmac: r.expected_hmac(a, b),
        };
        assert!(r.verify_hmac(a, b));
        assert!(!r.verify_hmac(b, a));
    }
}
