//! A listening SCTP endpoint: it answers INITs with an INIT ACK carrying a signed State
//! Cookie and keeps no state until a valid COOKIE ECHO arrives (RFC 9260 §5.1.3, §5.1.5),
//! which becomes an established [`SctpAssociation`].

use super::assoc::SctpAssociation;
use super::config::SctpConfig;
use crate::wire::sctp::{AddrList, Control, CookieRepr, InitRepr, SctpPacket, MAX_ADDRS};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use sim_core::{Addr, Instant, Packet, RngStream};

/// A listening endpoint on `port` of a host with addresses `locals`.
#[derive(Clone, Debug)]
pub struct SctpListener {
    cfg: SctpConfig,
    port: u16,
    locals: AddrList,
    secret: [u8; 32],
}

impl SctpListener {
    /// A listener whose cookie key is drawn from `rng`.
    pub fn new(cfg: SctpConfig, port: u16, locals: &[Addr], rng: &mut RngStream) -> SctpListener {
        SctpListener {
            cfg,
            port,
            locals: AddrList::of(locals),
            secret: rng.random(),
        }
    }

    /// The listening port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The signature of `cookie` under this listener's key.
    fn sign(&self, cookie: &CookieRepr) -> [u8; 32] {
        let mut buf = [0u8; 36 + 4 * MAX_ADDRS];
        let n = cookie.signed_bytes(&mut buf);
        // HMAC accepts keys of any length (RFC 2104 §2): this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.secret) else {
            return [0; 32];
        };
        mac.update(&buf[..n]);
        mac.finalize().into_bytes().into()
    }

    /// §5.1: the INIT ACK answering an INIT from `src` to `dst` (tags and initial TSN drawn
    /// from `rng`), or `None` if `pkt` is not a valid INIT.
    pub fn answer_init(
        &self,
        now: Instant,
        src: Addr,
        dst: Addr,
        pkt: &SctpPacket,
        rng: &mut RngStream,
    ) -> Option<Packet<SctpPacket>> {
        let Control::Init(init) = pkt.control else {
            return None;
        };
        if pkt.vtag != 0 || init.initiate_tag == 0 || pkt.data.is_some() {
            return None;
        }
        let local_tag = loop {
            let t: u32 = rng.random();
            if t != 0 {
                break t;
            }
        };
        let local_initial_tsn: u32 = rng.random();
        let mut cookie = CookieRepr {
            peer_tag: init.initiate_tag,
            local_tag,
            peer_initial_tsn: init.initial_tsn,
            local_initial_tsn,
            peer_rwnd: init.a_rwnd,
            peer_port: pkt.src_port,
            local_port: self.port,
            created_ms: now.as_nanos() / 1_000_000,
            peer_addrs: init.addrs,
            mac: [0; 32],
        };
        cookie.mac = self.sign(&cookie);
        let ack = InitRepr {
            initiate_tag: local_tag,
            a_rwnd: self.cfg.rcv_buf,
            outbound_streams: init.inbound_streams.min(10),
            inbound_streams: 65_535,
            initial_tsn: local_initial_tsn,
            addrs: if self.locals.len() > 1 {
                self.locals
            } else {
                AddrList::default()
            },
        };
        let header = SctpPacket {
            src_port: self.port,
            dst_port: pkt.src_port,
            vtag: init.initiate_tag,
            control: Control::InitAck(ack, cookie),
            data: None,
        };
        Some(Packet {
            src: dst,
            dst: src,
            size: header.packet_size(),
            header,
        })
    }

    /// §5.1.5: a COOKIE ECHO from `src` whose cookie verifies (signature, tag, port and
    /// Valid.Cookie.Life) becomes an established association; its bundled DATA, if any, is
    /// processed too. `sources` maps each of the peer's addresses to the local address that
    /// reaches it.
    pub fn accept(
        &self,
        now: Instant,
        src: Addr,
        dst: Addr,
        pkt: &SctpPacket,
        sources: Vec<(Addr, Addr)>,
        rng: RngStream,
    ) -> Option<SctpAssociation> {
        let Control::CookieEcho(cookie) = pkt.control else {
            return None;
        };
        let age_ms = (now.as_nanos() / 1_000_000).checked_sub(cookie.created_ms)?;
        let fresh = age_ms <= self.cfg.cookie_life.as_millis();
        let valid = cookie.mac == self.sign(&cookie)
            && pkt.vtag == cookie.local_tag
            && cookie.local_port == self.port
            && cookie.peer_port == pkt.src_port;
        if !fresh || !valid {
            return None;
        }
        let locals = self.locals.as_slice();
        let mut a = SctpAssociation::from_cookie(now, self.cfg, locals, &cookie, src, sources, rng);
        if pkt.data.is_some() {
            let data_only = SctpPacket {
                control: Control::None,
                ..*pkt
            };
            a.handle_packet(now, src, dst, &data_only);
        }
        Some(a)
    }
}
