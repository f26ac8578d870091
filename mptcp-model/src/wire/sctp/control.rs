//! The handshake and heartbeat chunks' values: INIT / INIT ACK (RFC 9260 §3.3.2, §3.3.3)
//! with IPv4 Address parameters (type 5) and the State Cookie parameter (type 7), the
//! cookie itself (its contents are the implementation's, §5.1.3: this model's layout is
//! below), and the Heartbeat Info parameter (type 1, §3.3.5).
//!
//! ```text
//! INIT / INIT ACK | type | flags | length | initiate tag | a_rwnd | OS | MIS | initial TSN |
//!                 [State Cookie: 7, 4 + cookie] [IPv4 Address: 5, 8, addr] ...
//! cookie          | peer tag | local tag | peer TSN | local TSN | peer a_rwnd |
//!                 | peer port | local port | created (ms, 8) | n | 0 0 0 | n addrs | MAC (32) |
//! Heartbeat Info  | 1 | 4 + 20 | destination addr | sent at (ns, 8) | nonce (8) |
//! ```

use super::{pad4, CHUNK_HEADER_LEN};
use crate::wire::Error;
use sim_core::Addr;

/// Most IPv4 addresses an INIT, INIT ACK or cookie lists.
pub const MAX_ADDRS: usize = 4;
/// Octets of the cookie's HMAC-SHA256 signature.
pub const COOKIE_MAC_LEN: usize = 32;

/// Parameter type of an IPv4 address (§3.3.2.1).
const PARAM_IPV4: u16 = 5;
/// Parameter type of the State Cookie (§3.3.3.1).
const PARAM_COOKIE: u16 = 7;
/// Parameter type of the Heartbeat Info (§3.3.5).
const PARAM_HB_INFO: u16 = 1;
/// Octets of the fixed INIT / INIT ACK fields after the chunk header.
const INIT_FIXED: usize = 16;
/// Octets of the cookie before the peer addresses.
const COOKIE_FIXED: usize = 36;

/// Up to [`MAX_ADDRS`] IPv4 addresses, inline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddrList {
    addrs: [Addr; MAX_ADDRS],
    len: u8,
}

impl AddrList {
    /// The addresses of `xs` (at most [`MAX_ADDRS`]; the rest are left out).
    pub fn of(xs: &[Addr]) -> AddrList {
        let mut l = AddrList::default();
        for &a in xs.iter().take(MAX_ADDRS) {
            l.push(a);
        }
        l
    }

    /// Appends `a`; returns false (and changes nothing) when full.
    pub fn push(&mut self, a: Addr) -> bool {
        if usize::from(self.len) == MAX_ADDRS {
            return false;
        }
        self.addrs[usize::from(self.len)] = a;
        self.len += 1;
        true
    }

    /// The addresses, in order.
    pub fn as_slice(&self) -> &[Addr] {
        &self.addrs[..usize::from(self.len)]
    }

    /// Number of addresses.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True without addresses.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The fixed fields and address list of an INIT or INIT ACK.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InitRepr {
    /// Initiate Tag: the tag the peer must put in packets to the sender.
    pub initiate_tag: u32,
    /// Advertised receiver window credit.
    pub a_rwnd: u32,
    /// Number of outbound streams.
    pub outbound_streams: u16,
    /// Maximum number of inbound streams.
    pub inbound_streams: u16,
    /// Initial TSN.
    pub initial_tsn: u32,
    /// The sender's addresses (empty: the packet's source address only, §5.1.2).
    pub addrs: AddrList,
}

impl InitRepr {
    /// Encoded chunk octets, with the State Cookie parameter when `cookie` is given.
    pub fn buffer_len(&self, cookie: Option<&CookieRepr>) -> usize {
        CHUNK_HEADER_LEN
            + INIT_FIXED
            + cookie.map_or(0, |c| 4 + pad4(c.buffer_len()))
            + 8 * self.addrs.len()
    }

    pub(super) fn emit(
        &self,
        b: &mut [u8],
        ty: u8,
        cookie: Option<&CookieRepr>,
    ) -> Result<(), Error> {
        let n = self.buffer_len(cookie);
        let b = b.get_mut(..n).ok_or(Error::BufferTooSmall)?;
        b[0] = ty;
        b[1] = 0;
        b[2..4].copy_from_slice(&(n as u16).to_be_bytes());
        b[4..8].copy_from_slice(&self.initiate_tag.to_be_bytes());
        b[8..12].copy_from_slice(&self.a_rwnd.to_be_bytes());
        b[12..14].copy_from_slice(&self.outbound_streams.to_be_bytes());
        b[14..16].copy_from_slice(&self.inbound_streams.to_be_bytes());
        b[16..20].copy_from_slice(&self.initial_tsn.to_be_bytes());
        let mut at = CHUNK_HEADER_LEN + INIT_FIXED;
        if let Some(c) = cookie {
            let len = 4 + c.buffer_len();
            b[at..at + 2].copy_from_slice(&PARAM_COOKIE.to_be_bytes());
            b[at + 2..at + 4].copy_from_slice(&(len as u16).to_be_bytes());
            c.emit(&mut b[at + 4..]);
            at += pad4(len);
        }
        for a in self.addrs.as_slice() {
            b[at..at + 2].copy_from_slice(&PARAM_IPV4.to_be_bytes());
            b[at + 2..at + 4].copy_from_slice(&8u16.to_be_bytes());
            b[at + 4..at + 8].copy_from_slice(&a.octets());
            at += 8;
        }
        Ok(())
    }

    /// Parses the value of an INIT or INIT ACK chunk: the fixed fields, IPv4 addresses and
    /// a State Cookie (unknown parameters are skipped, as §3.2.1's "skip" action bits allow).
    pub(super) fn parse(v: &[u8]) -> Result<(InitRepr, Option<CookieRepr>), Error> {
        let f = v.get(..INIT_FIXED).ok_or(Error::Truncated)?;
        let be32 = |i: usize| u32::from_be_bytes([f[i], f[i + 1], f[i + 2], f[i + 3]]);
        let mut init = InitRepr {
            initiate_tag: be32(0),
            a_rwnd: be32(4),
            outbound_streams: u16::from_be_bytes([f[8], f[9]]),
            inbound_streams: u16::from_be_bytes([f[10], f[11]]),
            initial_tsn: be32(12),
            addrs: AddrList::default(),
        };
        let mut cookie = None;
        let mut at = INIT_FIXED;
        while at < v.len() {
            let p = v.get(at..at + 4).ok_or(Error::Truncated)?;
            let ty = u16::from_be_bytes([p[0], p[1]]);
            let len = usize::from(u16::from_be_bytes([p[2], p[3]]));
            if len < 4 {
                return Err(Error::Malformed(2));
            }
            let val = v.get(at + 4..at + len).ok_or(Error::Truncated)?;
            match ty {
                PARAM_IPV4 => {
                    let o = val.get(..4).ok_or(Error::Truncated)?;
                    init.addrs
                        .push(Addr(u32::from_be_bytes([o[0], o[1], o[2], o[3]])));
                }
                PARAM_COOKIE => cookie = Some(CookieRepr::parse(val)?),
                _ => {}
            }
            at += pad4(len);
        }
        Ok((init, cookie))
    }
}

/// The State Cookie: what a listener needs to build an association from a COOKIE ECHO
/// without having kept any state (§5.1.3), signed with HMAC-SHA256 under the listener's
/// secret key (the `mac`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CookieRepr {
    /// The peer's Initiate Tag (from its INIT).
    pub peer_tag: u32,
    /// The listener's own Initiate Tag (sent in the INIT ACK).
    pub local_tag: u32,
    /// The peer's initial TSN.
    pub peer_initial_tsn: u32,
    /// The listener's initial TSN.
    pub local_initial_tsn: u32,
    /// The peer's advertised window.
    pub peer_rwnd: u32,
    /// The peer's port.
    pub peer_port: u16,
    /// The listener's port.
    pub local_port: u16,
    /// When the cookie was made, in milliseconds of simulated time (its lifespan starts
    /// there, §5.1.5 step 3).
    pub created_ms: u64,
    /// The peer's addresses (from its INIT; empty: its source address only).
    pub peer_addrs: AddrList,
    /// HMAC-SHA256 over [`CookieRepr::signed_bytes`].
    pub mac: [u8; COOKIE_MAC_LEN],
}

impl CookieRepr {
    /// Encoded cookie octets (a multiple of 4).
    pub fn buffer_len(&self) -> usize {
        COOKIE_FIXED + 4 * self.peer_addrs.len() + COOKIE_MAC_LEN
    }

    /// Writes the signed part (everything before the MAC) into `out`; returns its length.
    pub fn signed_bytes(&self, out: &mut [u8; COOKIE_FIXED + 4 * MAX_ADDRS]) -> usize {
        out.fill(0);
        out[0..4].copy_from_slice(&self.peer_tag.to_be_bytes());
        out[4..8].copy_from_slice(&self.local_tag.to_be_bytes());
        out[8..12].copy_from_slice(&self.peer_initial_tsn.to_be_bytes());
        out[12..16].copy_from_slice(&self.local_initial_tsn.to_be_bytes());
        out[16..20].copy_from_slice(&self.peer_rwnd.to_be_bytes());
        out[20..22].copy_from_slice(&self.peer_port.to_be_bytes());
        out[22..24].copy_from_slice(&self.local_port.to_be_bytes());
        out[24..32].copy_from_slice(&self.created_ms.to_be_bytes());
        out[32] = self.peer_addrs.len() as u8;
        let mut at = COOKIE_FIXED;
        for a in self.peer_addrs.as_slice() {
            out[at..at + 4].copy_from_slice(&a.octets());
            at += 4;
        }
        at
    }

    pub(super) fn emit(&self, b: &mut [u8]) {
        let mut signed = [0u8; COOKIE_FIXED + 4 * MAX_ADDRS];
        let n = self.signed_bytes(&mut signed);
        b[..n].copy_from_slice(&signed[..n]);
        b[n..n + COOKIE_MAC_LEN].copy_from_slice(&self.mac);
    }

    pub(super) fn parse(v: &[u8]) -> Result<CookieRepr, Error> {
        let f = v.get(..COOKIE_FIXED).ok_or(Error::Truncated)?;
        let be32 = |i: usize| u32::from_be_bytes([f[i], f[i + 1], f[i + 2], f[i + 3]]);
        let n = usize::from(f[32]);
        if n > MAX_ADDRS {
            return Err(Error::Malformed(7));
        }
        let mut addrs = AddrList::default();
        for k in 0..n {
            let o = v
                .get(COOKIE_FIXED + 4 * k..COOKIE_FIXED + 4 * k + 4)
                .ok_or(Error::Truncated)?;
            addrs.push(Addr(u32::from_be_bytes([o[0], o[1], o[2], o[3]])));
        }
        let at = COOKIE_FIXED + 4 * n;
        let mac: [u8; COOKIE_MAC_LEN] = v
            .get(at..at + COOKIE_MAC_LEN)
            .ok_or(Error::Truncated)?
            .try_into()
            .map_err(|_| Error::Truncated)?;
        if v.len() != at + COOKIE_MAC_LEN {
            return Err(Error::Malformed(7));
        }
        let mut created = [0u8; 8];
        created.copy_from_slice(&f[24..32]);
        Ok(CookieRepr {
            peer_tag: be32(0),
            local_tag: be32(4),
            peer_initial_tsn: be32(8),
            local_initial_tsn: be32(12),
            peer_rwnd: be32(16),
            peer_port: u16::from_be_bytes([f[20], f[21]]),
            local_port: u16::from_be_bytes([f[22], f[23]]),
            created_ms: u64::from_be_bytes(created),
            peer_addrs: addrs,
            mac,
        })
    }
}

/// The sender-specific Heartbeat Information (§8.3: the destination it was sent to and the
/// time, so the acknowledgement gives an RTT sample; and a nonce, §8.3's 64-bit random
/// value).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeartbeatInfo {
    /// The destination address the HEARTBEAT was sent to.
    pub dest: Addr,
    /// When it was sent (simulated nanoseconds).
    pub sent_at_ns: u64,
    /// A random nonce.
    pub nonce: u64,
}

impl HeartbeatInfo {
    /// Octets of the Heartbeat Info parameter.
    pub fn tlv_len(&self) -> usize {
        24
    }

    pub(super) fn emit_tlv(&self, b: &mut [u8]) {
        b[0..2].copy_from_slice(&PARAM_HB_INFO.to_be_bytes());
        b[2..4].copy_from_slice(&24u16.to_be_bytes());
        b[4..8].copy_from_slice(&self.dest.octets());
        b[8..16].copy_from_slice(&self.sent_at_ns.to_be_bytes());
        b[16..24].copy_from_slice(&self.nonce.to_be_bytes());
    }

    pub(super) fn parse_tlv(v: &[u8]) -> Result<HeartbeatInfo, Error> {
        let t = v.get(..24).ok_or(Error::Truncated)?;
        if u16::from_be_bytes([t[0], t[1]]) != PARAM_HB_INFO
            || u16::from_be_bytes([t[2], t[3]]) != 24
            || v.len() != 24
        {
            return Err(Error::Malformed(4));
        }
        let mut ns = [0u8; 8];
        ns.copy_from_slice(&t[8..16]);
        let mut nonce = [0u8; 8];
        nonce.copy_from_slice(&t[16..24]);
        Ok(HeartbeatInfo {
            dest: Addr(u32::from_be_bytes([t[4], t[5], t[6], t[7]])),
            sent_at_ns: u64::from_be_bytes(ns),
            nonce: u64::from_be_bytes(nonce),
        })
    }
}
