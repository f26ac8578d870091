//! Middleboxes on the path of TCP/MPTCP packets: what RFC 8684 §3.7 and §3.9 and the
//! measurement literature (Honda et al., "Is it still possible to extend TCP?", IMC 2011)
//! say sits between hosts and breaks MPTCP: boxes that strip MPTCP options (from SYNs only,
//! or from every packet), strip or rewrite selected options, rewrite payload octets (an
//! application-level gateway: the DSS checksum sees it), translate addresses and ports (NAT:
//! joins then come from an address the listener never saw), and a layer-4 load balancer in
//! front of several servers that picks a server per connection by a hash of its 5-tuple, so
//! that each MPTCP subflow — a TCP connection of its own to the load balancer's address —
//! may land on a different server ("do subflows land on different origins?"). An on-path
//! attacker that slips a forged ADD_ADDR into a passing packet is here too.
//!
//! [`Middleboxes`] is the engine's [`sim_core::Middlebox`] for mpsim: a closed enum of boxes
//! ([`MiddleboxKind`]) with their state, looked up by the link a packet leaves (a box at a
//! router sees every packet arriving at it). Nothing is allocated per packet but a NAT or
//! load-balancer table entry per new flow; packets of links without a box never get here.
//! Every choice is deterministic: tables are `BTreeMap`s, the load balancer's hash key comes
//! from the run's seed (`rng::stream(seed, "middlebox/{name}")`).

use crate::wire::mptcp::{AddAddrKind, AddAddrRepr, MptcpOption, SeqField};
use crate::wire::tcp::PayloadRewrite;
use crate::wire::tcp_options::MptcpList;
use crate::wire::{TcpHeader, WireHeader};
use rand::Rng;
use sha2::{Digest, Sha256};
use sim_core::{Addr, Instant, LinkId, Packet, Verdict};
use std::collections::BTreeMap;

/// An MPTCP option field a [`MiddleboxKind::RewriteOption`] box changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OptionField {
    /// The relative subflow sequence number of DSS mappings (+1000): the mapping no longer
    /// covers its segment (`DSSNoMatchTCP` at the receiver).
    DssSubflowSeq,
    /// The data sequence number of DSS mappings (+1): the DSS checksum, when in use, no
    /// longer matches.
    DssDataSeq,
    /// The address of ADD_ADDR (low octet + 1), as an application-level gateway that
    /// translates addresses it finds in packets: the ADD_ADDR HMAC no longer verifies.
    AddAddrAddress,
}

/// What a middlebox does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MiddleboxKind {
    /// Removes every MPTCP option: from SYN and SYN-ACK segments only (`syn_only`), or from
    /// every segment.
    StripMptcp {
        /// Only from segments with the SYN flag.
        syn_only: bool,
    },
    /// Removes the MPTCP options whose subtypes are set in `subtypes` (bit `k` = subtype
    /// `k`, RFC 8684 §7.2), from every segment.
    StripOptions {
        /// The subtypes removed.
        subtypes: u16,
    },
    /// Changes one field of the MPTCP options carrying it, in every segment.
    RewriteOption(OptionField),
    /// Flips the octet at offset 100 (or the last one) of the payload of data segment
    /// number `first` (counting from 1) and then of every `every`-th one (0: only once), as
    /// a gateway rewriting content would; the TCP checksum is fixed, the DSS checksum is not.
    RewritePayload {
        /// The first data segment changed.
        first: u64,
        /// Then every this many (0: no more).
        every: u64,
    },
    /// Network address and port translation: segments from an `inside` address leave with
    /// source `public` and a port the box picks (from 61000, in order of first use);
    /// segments to `public` on such a port go back to the inside address and port. Place it
    /// at a router, with `public` an address of that router.
    Nat {
        /// The outside address.
        public: Addr,
        /// The addresses translated.
        inside: Vec<Addr>,
    },
    /// A layer-4 load balancer at a router owning `vip`: each new TCP connection to `vip`
    /// (SYN) goes to the backend a keyed hash of its 5-tuple picks (RFC 2992 hash-threshold
    /// over the backends in order), and the connection's later segments follow it
    /// (connection tracking); the backends' answers leave with source `vip`. A segment to
    /// `vip` of an unknown connection is hashed too. Traffic to a backend's own address
    /// passes untouched.
    LoadBalancer {
        /// The virtual address clients connect to.
        vip: Addr,
        /// The servers behind it.
        backends: Vec<Addr>,
    },
    /// An on-path attacker: into the first pure ACK it sees after `after` segments that has
    /// room, it slips an ADD_ADDR announcing `addr` (id 9) with a made-up HMAC (RFC 8684
    /// §3.4.1, RFC 7430 §2: an ADD_ADDR hijacking attempt). Once.
    ForgeAddAddr {
        /// The address announced (the attacker's).
        addr: Addr,
        /// Segments seen before the attempt.
        after: u64,
    },
}

/// What one middlebox did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MiddleboxStats {
    /// Segments it saw.
    pub seen: u64,
    /// Segments it changed.
    pub changed: u64,
    /// Segments it dropped.
    pub dropped: u64,
}

/// One middlebox and its state.
#[derive(Clone, Debug)]
struct MiddleboxState {
    name: String,
    kind: MiddleboxKind,
    stats: MiddleboxStats,
    /// Data segments seen (payload rewrite).
    data_seen: u64,
    /// NAT: (inside address, inside port) -> public port, and back.
    nat_out: BTreeMap<(Addr, u16), u16>,
    nat_in: BTreeMap<u16, (Addr, u16)>,
    /// Load balancer: (client address, client port, service port) -> backend.
    conntrack: BTreeMap<(Addr, u16, u16), Addr>,
    /// Load balancer hash key.
    key: u64,
    /// ForgeAddAddr: done.
    fired: bool,
}

/// The middleboxes of a run, by the links they sit on ([`sim_core::Middlebox`]).
#[derive(Clone, Debug, Default)]
pub struct Middleboxes {
    boxes: Vec<MiddleboxState>,
    /// Per link id: index into `boxes` + 1 (0: none).
    by_link: Vec<u32>,
}

/// First public port a NAT gives out.
pub const NAT_FIRST_PORT: u16 = 61000;

impl Middleboxes {
    /// No middlebox.
    pub fn new() -> Self {
        Middleboxes::default()
    }

    /// Adds box `name` of `kind` on links `links` (packets leaving them pass it; for a box
    /// at a router, every link into the router). Its random choices come from
    /// `rng::stream(seed, "middlebox/{name}")`.
    pub fn add(&mut self, name: &str, kind: MiddleboxKind, links: &[LinkId], seed: u64) {
        let key = sim_core::rng::stream(seed, &format!("middlebox/{name}")).random();
        self.boxes.push(MiddleboxState {
            name: name.to_owned(),
            kind,
            stats: MiddleboxStats::default(),
            data_seen: 0,
            nat_out: BTreeMap::new(),
            nat_in: BTreeMap::new(),
            conntrack: BTreeMap::new(),
            key,
            fired: false,
        });
        let k = self.boxes.len() as u32;
        for l in links {
            let i = l.0 as usize;
            if self.by_link.len() <= i {
                self.by_link.resize(i + 1, 0);
            }
            self.by_link[i] = k;
        }
    }

    /// `(name, counters)` of every box, in the order they were added.
    pub fn stats(&self) -> impl Iterator<Item = (&str, MiddleboxStats)> + '_ {
        self.boxes.iter().map(|b| (b.name.as_str(), b.stats))
    }

    /// The links with a box.
    pub fn links(&self) -> impl Iterator<Item = LinkId> + '_ {
        (self.by_link.iter().enumerate())
            .filter(|(_, &b)| b != 0)
            .map(|(i, _)| LinkId(i as u32))
    }
}

impl sim_core::Middlebox<TcpHeader> for Middleboxes {
    fn on_link_exit(
        &mut self,
        _now: Instant,
        link: LinkId,
        pkt: &mut Packet<TcpHeader>,
    ) -> Verdict {
        let Some(&k) = self.by_link.get(link.0 as usize).filter(|&&k| k != 0) else {
            return Verdict::Forward;
        };
        let b = &mut self.boxes[k as usize - 1];
        b.stats.seen += 1;
        let before = *pkt;
        let verdict = b.process(pkt);
        if verdict == Verdict::Drop {
            b.stats.dropped += 1;
        } else if *pkt != before {
            b.stats.changed += 1;
            pkt.size = pkt.header.packet_size();
        }
        verdict
    }
}

/// On the hosts' wire form: TCP segments (a Convert SYN's TCP header too, its message kept
/// and its octets still counted) go through the boxes; SCTP packets pass untouched (the
/// boxes model TCP middleboxes).
impl sim_core::Middlebox<WireHeader> for Middleboxes {
    fn on_link_exit(
        &mut self,
        now: Instant,
        link: LinkId,
        pkt: &mut Packet<WireHeader>,
    ) -> Verdict {
        let (header, extra) = match pkt.header {
            WireHeader::Tcp(h) => (h, 0),
            WireHeader::Convert(h, msg) => (h, msg.buffer_len() as u32),
            WireHeader::Sctp(_) => return Verdict::Forward,
        };
        let mut tcp = Packet {
            src: pkt.src,
            dst: pkt.dst,
            size: pkt.size - extra,
            header,
        };
        let verdict = self.on_link_exit(now, link, &mut tcp);
        pkt.src = tcp.src;
        pkt.dst = tcp.dst;
        pkt.size = tcp.size + extra;
        match &mut pkt.header {
            WireHeader::Tcp(h) | WireHeader::Convert(h, _) => *h = tcp.header,
            WireHeader::Sctp(_) => {}
        }
        verdict
    }
}

/// Keeps the options `keep` accepts.
fn retain(h: &mut TcpHeader, keep: impl Fn(&MptcpOption) -> bool) {
    if h.options.mptcp.iter().all(&keep) {
        return;
    }
    let mut out = MptcpList::new();
    for o in h.options.mptcp.iter().filter(|o| keep(o)) {
        out.push(*o);
    }
    h.options.mptcp = out;
}

impl MiddleboxState {
    fn process(&mut self, pkt: &mut Packet<TcpHeader>) -> Verdict {
        let h = &mut pkt.header;
        match &self.kind {
            MiddleboxKind::StripMptcp { syn_only } => {
                if !syn_only || h.flags.syn() {
                    h.options.mptcp = MptcpList::new();
                }
            }
            MiddleboxKind::StripOptions { subtypes } => {
                let mask = *subtypes;
                retain(h, |o| mask & (1 << o.subtype()) == 0);
            }
            MiddleboxKind::RewriteOption(field) => rewrite_option(h, *field),
            &MiddleboxKind::RewritePayload { first, every } => {
                if h.payload_len > 0 {
                    self.data_seen += 1;
                    let n = self.data_seen;
                    let hit = n == first || (every > 0 && n > first && (n - first) % every == 0);
                    if hit {
                        let offset = (h.payload_len - 1).min(100) as u16;
                        h.payload_rewrite = Some(PayloadRewrite { offset, mask: 0xff });
                    }
                }
            }
            MiddleboxKind::Nat { .. } => return self.nat(pkt),
            MiddleboxKind::LoadBalancer { .. } => return self.balance(pkt),
            &MiddleboxKind::ForgeAddAddr { addr, after } => {
                self.data_seen += 1;
                let room = h.options.buffer_len() + 16 <= crate::wire::tcp_options::MAX_OPTIONS_LEN;
                let pure_ack = h.payload_len == 0 && !h.flags.syn() && !h.flags.rst();
                let established =
                    (h.options.mptcp.iter()).any(|o| matches!(o, MptcpOption::Dss(_)));
                if !self.fired && self.data_seen > after && pure_ack && established && room {
                    self.fired = true;
                    h.options.mptcp.push(MptcpOption::AddAddr(AddAddrRepr {
                        addr_id: 9,
                        addr: core::net::IpAddr::V4(addr.octets().into()),
                        port: None,
                        kind: AddAddrKind::V1 { hmac: self.key },
                    }));
                }
            }
        }
        Verdict::Forward
    }

    /// NAT (see [`MiddleboxKind::Nat`]).
    fn nat(&mut self, pkt: &mut Packet<TcpHeader>) -> Verdict {
        let MiddleboxKind::Nat { public, inside } = &self.kind else {
            return Verdict::Forward;
        };
        let public = *public;
        if inside.contains(&pkt.src) {
            let inner = (pkt.src, pkt.header.src_port);
            let next = NAT_FIRST_PORT.saturating_add(self.nat_out.len() as u16);
            let port = *self.nat_out.entry(inner).or_insert(next);
            self.nat_in.insert(port, inner);
            pkt.src = public;
            pkt.header.src_port = port;
            return Verdict::Forward;
        }
        if pkt.dst == public {
            let Some(&(addr, port)) = self.nat_in.get(&pkt.header.dst_port) else {
                return Verdict::Drop;
            };
            pkt.dst = addr;
            pkt.header.dst_port = port;
            return Verdict::Reroute;
        }
        Verdict::Forward
    }

    /// The load balancer (see [`MiddleboxKind::LoadBalancer`]).
    fn balance(&mut self, pkt: &mut Packet<TcpHeader>) -> Verdict {
        let MiddleboxKind::LoadBalancer { vip, backends } = &self.kind else {
            return Verdict::Forward;
        };
        let vip = *vip;
        let h = &pkt.header;
        if pkt.dst == vip {
            let flow = (pkt.src, h.src_port, h.dst_port);
            let backend = match self.conntrack.get(&flow) {
                Some(&b) if !h.flags.syn() || h.flags.ack() => b,
                _ => {
                    let b =
                        backends[self.pick(pkt.src, h.src_port, vip, h.dst_port, backends.len())];
                    self.conntrack.insert(flow, b);
                    b
                }
            };
            pkt.dst = backend;
            return Verdict::Reroute;
        }
        let back = (pkt.dst, h.dst_port, h.src_port);
        if self.conntrack.get(&back) == Some(&pkt.src) {
            pkt.src = vip;
        }
        Verdict::Forward
    }

    /// RFC 2992 §4 hash-threshold over `n` backends of the 5-tuple under the box's key (as
    /// Linux IPVS / Maglev-style balancers hash the tuple with a secret).
    fn pick(&self, src: Addr, sport: u16, dst: Addr, dport: u16, n: usize) -> usize {
        let mut sha = Sha256::new();
        sha.update(self.key.to_le_bytes());
        sha.update(src.0.to_be_bytes());
        sha.update(dst.0.to_be_bytes());
        sha.update([6u8]);
        sha.update(sport.to_be_bytes());
        sha.update(dport.to_be_bytes());
        let d: [u8; 32] = sha.finalize().into();
        let x = u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]);
        ((u128::from(x) * n as u128) >> 64) as usize
    }
}

/// Changes `field` in the options of `h` that carry it.
fn rewrite_option(h: &mut TcpHeader, field: OptionField) {
    let mut out = MptcpList::new();
    for o in h.options.mptcp.iter() {
        let mut o = *o;
        match (&mut o, field) {
            (MptcpOption::Dss(d), OptionField::DssSubflowSeq) => {
                if let Some(m) = d.mapping.as_mut().filter(|m| m.data_len > 1) {
                    m.subflow_seq = m.subflow_seq.wrapping_add(1000);
                }
            }
            (MptcpOption::Dss(d), OptionField::DssDataSeq) => {
                if let Some(m) = d.mapping.as_mut().filter(|m| m.data_len > 1) {
                    m.dsn = match m.dsn {
                        SeqField::Long(x) => SeqField::Long(x.wrapping_add(1)),
                        SeqField::Short(x) => SeqField::Short(x.wrapping_add(1)),
                    };
                }
            }
            (MptcpOption::AddAddr(a), OptionField::AddAddrAddress) => {
                if let core::net::IpAddr::V4(v4) = a.addr {
                    let mut o = v4.octets();
                    o[3] = o[3].wrapping_add(1);
                    a.addr = core::net::IpAddr::V4(o.into());
                }
            }
            _ => {}
        }
        out.push(o);
    }
    h.options.mptcp = out;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::mptcp::{DssMapping, DssRepr};
    use crate::wire::TcpFlags;
    use sim_core::Middlebox;

    fn seg(src: Addr, sport: u16, dst: Addr, dport: u16, syn: bool) -> Packet<TcpHeader> {
        let mut h = TcpHeader {
            src_port: sport,
            dst_port: dport,
            flags: if syn { TcpFlags::SYN } else { TcpFlags::ACK },
            payload_len: 1000,
            ..TcpHeader::default()
        };
        h.options.mptcp.push(MptcpOption::Dss(DssRepr {
            data_ack: None,
            mapping: Some(DssMapping {
                dsn: SeqField::Long(5),
                subflow_seq: 1,
                data_len: 1000,
                checksum: None,
            }),
            data_fin: false,
        }));
        Packet {
            src,
            dst,
            size: h.packet_size(),
            header: h,
        }
    }

    const IN: Addr = Addr::new(192, 168, 1, 10);
    const OUT: Addr = Addr::new(203, 0, 113, 1);
    const PUB: Addr = Addr::new(198, 51, 100, 7);

    #[test]
    fn nat_translates_both_ways_and_drops_unknown_ports() {
        let mut m = Middleboxes::new();
        let kind = MiddleboxKind::Nat {
            public: PUB,
            inside: vec![IN],
        };
        m.add("nat", kind, &[LinkId(0), LinkId(1)], 1);
        let t = Instant::ZERO;
        let mut a = seg(IN, 40000, OUT, 80, true);
        assert_eq!(m.on_link_exit(t, LinkId(0), &mut a), Verdict::Forward);
        assert_eq!((a.src, a.header.src_port), (PUB, NAT_FIRST_PORT));
        let mut b = seg(IN, 40001, OUT, 80, true);
        m.on_link_exit(t, LinkId(0), &mut b);
        assert_eq!(b.header.src_port, NAT_FIRST_PORT + 1);
        let mut back = seg(OUT, 80, PUB, NAT_FIRST_PORT + 1, false);
        assert_eq!(m.on_link_exit(t, LinkId(1), &mut back), Verdict::Reroute);
        assert_eq!((back.dst, back.header.dst_port), (IN, 40001));
        let mut stray = seg(OUT, 80, PUB, 7, false);
        assert_eq!(m.on_link_exit(t, LinkId(1), &mut stray), Verdict::Drop);
        let mut other = seg(OUT, 80, Addr::new(1, 2, 3, 4), 9, false);
        assert_eq!(m.on_link_exit(t, LinkId(5), &mut other), Verdict::Forward);
        let stats: Vec<_> = m.stats().collect();
        assert_eq!(
            stats,
            [(
                "nat",
                MiddleboxStats {
                    seen: 4,
                    changed: 3,
                    dropped: 1
                }
            )]
        );
    }

    #[test]
    fn load_balancer_tracks_connections_and_answers_from_the_vip() {
        let (vip, b1, b2) = (PUB, Addr::new(10, 9, 0, 1), Addr::new(10, 9, 0, 2));
        let mut m = Middleboxes::new();
        let kind = MiddleboxKind::LoadBalancer {
            vip,
            backends: vec![b1, b2],
        };
        m.add("lb", kind, &[LinkId(0)], 7);
        let t = Instant::ZERO;
        let mut landed = [0usize; 2];
        for port in 40000..40064 {
            let mut syn = seg(IN, port, vip, 80, true);
            assert_eq!(m.on_link_exit(t, LinkId(0), &mut syn), Verdict::Reroute);
            landed[usize::from(syn.dst == b2)] += 1;
            // The rest of the connection follows the SYN, the answer leaves from the VIP.
            let mut data = seg(IN, port, vip, 80, false);
            m.on_link_exit(t, LinkId(0), &mut data);
            assert_eq!(data.dst, syn.dst);
            let mut answer = seg(syn.dst, 80, IN, port, false);
            assert_eq!(m.on_link_exit(t, LinkId(0), &mut answer), Verdict::Forward);
            assert_eq!(answer.src, vip);
        }
        // 64 connections over two backends: both used, Binomial(64, 1/2) within 4 sigma.
        assert!(landed[0].abs_diff(32) <= 16, "{landed:?}");
        // Traffic to a backend's own address passes untouched.
        let mut direct = seg(IN, 50000, b1, 80, true);
        assert_eq!(m.on_link_exit(t, LinkId(0), &mut direct), Verdict::Forward);
        assert_eq!(direct.dst, b1);
        let mut answer = seg(b1, 80, IN, 50000, false);
        m.on_link_exit(t, LinkId(0), &mut answer);
        assert_eq!(answer.src, b1);
    }

    #[test]
    fn strippers_rewriters_and_payload_rewrite() {
        let mut m = Middleboxes::new();
        m.add(
            "syn",
            MiddleboxKind::StripMptcp { syn_only: true },
            &[LinkId(0)],
            1,
        );
        let dss = 1 << crate::wire::mptcp::subtype::DSS;
        m.add(
            "dss",
            MiddleboxKind::StripOptions { subtypes: dss },
            &[LinkId(1)],
            1,
        );
        let rw = MiddleboxKind::RewriteOption(OptionField::DssSubflowSeq);
        m.add("rw", rw, &[LinkId(2)], 1);
        let pl = MiddleboxKind::RewritePayload { first: 2, every: 3 };
        m.add("payload", pl, &[LinkId(3)], 1);
        let t = Instant::ZERO;
        let mut syn = seg(IN, 1, OUT, 2, true);
        let mut ack = seg(IN, 1, OUT, 2, false);
        m.on_link_exit(t, LinkId(0), &mut syn);
        m.on_link_exit(t, LinkId(0), &mut ack);
        assert!(syn.header.options.mptcp.is_empty());
        assert!(!ack.header.options.mptcp.is_empty(), "not a SYN");
        assert!(syn.size < ack.size, "the size follows the options");
        let mut d = seg(IN, 1, OUT, 2, false);
        m.on_link_exit(t, LinkId(1), &mut d);
        assert!(d.header.options.mptcp.is_empty());
        let mut d = seg(IN, 1, OUT, 2, false);
        m.on_link_exit(t, LinkId(2), &mut d);
        let Some(MptcpOption::Dss(x)) = d.header.options.mptcp.iter().next() else {
            panic!()
        };
        assert_eq!(x.mapping.unwrap().subflow_seq, 1001);
        let hits: Vec<bool> = (1..=8)
            .map(|_| {
                let mut d = seg(IN, 1, OUT, 2, false);
                m.on_link_exit(t, LinkId(3), &mut d);
                d.header.payload_rewrite.is_some()
            })
            .collect();
        assert_eq!(hits, [false, true, false, false, true, false, false, true]);
    }
}
