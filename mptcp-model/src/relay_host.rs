//! The Transport Converter of RFC 8803 on a [`HostStack`], and its clients.
//!
//! **Client.** An MPTCP flow added with [`HostStack::set_convert`] puts a Convert message
//! with a Connect TLV (the server it wants) into the SYN of its initial subflow, as TCP Fast
//! Open data (RFC 8803 §3, §5.1): the packet leaves as [`WireHeader::Convert`] and is that
//! many octets longer. The converter's answer, a Convert fixed header at the start of the
//! byte stream (§4.1, the first `RESPONSE_LEN` octets), is consumed before the application
//! reads (as libconvert does): they do not count as the flow's delivered bytes.
//!
//! **Converter** ([`HostStack::add_converter`]). A SYN with a Connect TLV arriving at the
//! converter's address and port is held; the converter opens a TCP connection to the
//! requested server, and only when that one is established does it accept the held SYN into
//! its MPTCP listener (its SYN+ACK answers the client's SYN, §5.2: no extra round trip over a
//! direct connection). It then relays both ways with buffers of its own: it reads from one
//! side at most until its buffer for that direction holds `buffer` octets (what it leaves
//! unread closes that side's TCP or MPTCP receive window) and writes into the other side's send buffer as it
//! has room; a FIN on one side is passed on once the buffer toward the other side is empty.
//! A server that refuses the connection (RST) or cannot be reached makes the converter reset
//! the client's connection attempt; so does a SYN without a Convert message (MP_JOINs of
//! relayed connections excepted). Counters: [`RelayStats`].

use super::{App, Conn, FlowId, HostStack, Slot};
use crate::tcp::{reset_reply, SocketAddr, TcpConfig, TcpSocket, TcpState};
use crate::wire::convert::{ConvertMsg, ConvertTlv};
use crate::wire::mptcp::MptcpOption;
use crate::wire::{SeqNum, TcpHeader, WireHeader};
use rand::Rng;
use sim_core::{Addr, Instant, Packet};
use std::collections::BTreeMap;

/// Octets of the converter's answer at the start of its stream (a bare fixed header).
pub const RESPONSE_LEN: u64 = 4;

/// A converter listening on one address and port.
#[derive(Clone, Debug)]
struct Converter {
    tcp: TcpConfig,
    buffer: u64,
    /// The servers it connects to and the flow each relayed connection counts as.
    targets: BTreeMap<SocketAddr, FlowId>,
}

/// Counters of one relayed connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RelayStats {
    /// When the converter received the client's SYN.
    pub syn_at: Option<Instant>,
    /// When the server's connection was established (and the client's SYN accepted).
    pub server_established_at: Option<Instant>,
    /// Octets moved from the server to the client (the converter's answer not included).
    pub bytes_down: u64,
    /// Octets moved from the client to the server.
    pub bytes_up: u64,
    /// Octets read from the server and not yet written toward the client.
    pub buffered_down: u64,
    /// Octets read from the client and not yet written toward the server.
    pub buffered_up: u64,
    /// Most octets buffered toward the client at a service.
    pub max_buffered_down: u64,
}

#[derive(Clone, Debug)]
struct Relay {
    flow: FlowId,
    /// The client's SYN (its Convert message stripped) until the server answers.
    syn: Option<Packet<TcpHeader>>,
    /// The TCP connection to the server (index into `conns`).
    upstream: usize,
    /// The MPTCP connection with the client (index into `mp_conns`).
    downstream: Option<usize>,
    buffer: u64,
    /// Octets of the converter's answer still to write toward the client.
    answer: u64,
    done: bool,
    stats: RelayStats,
}

/// The converter and client state of a host.
#[derive(Clone, Debug, Default)]
pub(super) struct RelayHost {
    converters: BTreeMap<(Addr, u16), Converter>,
    relays: Vec<Relay>,
    /// Client flows and the Convert message of their initial SYN.
    clients: BTreeMap<FlowId, ConvertMsg>,
}

impl HostStack {
    /// Makes MPTCP flow `flow` of this host a Convert client: its initial SYN carries `msg`.
    pub fn set_convert(&mut self, flow: FlowId, msg: ConvertMsg) {
        self.relay.clients.insert(flow, msg);
    }

    /// Runs a Transport Converter on `local`: an MPTCP listener there (add it with
    /// [`HostStack::add_mptcp_server`] and [`super::Role::Relay`]) whose connections are
    /// relayed over TCP (`tcp` settings) with `buffer` octets per direction. A Connect to
    /// `server` counts as `flow` (both connections of the relay). Called again for the same
    /// `local`, it adds a server (the settings of the last call apply). A Connect to a server
    /// it was not given is refused (a RST, as for RFC 8803 §4.2.7's Not Authorized).
    pub fn add_converter(
        &mut self,
        flow: FlowId,
        local: SocketAddr,
        server: SocketAddr,
        tcp: TcpConfig,
        buffer: u64,
    ) {
        let c = (self.relay.converters)
            .entry((local.addr, local.port))
            .or_insert_with(|| Converter {
                tcp,
                buffer,
                targets: BTreeMap::new(),
            });
        c.tcp = tcp;
        c.buffer = buffer;
        c.targets.insert(server, flow);
    }

    /// Counters of the relayed connections of `flow` on this host, in creation order.
    pub fn relay_stats(&self, flow: FlowId) -> Vec<RelayStats> {
        (self.relay.relays.iter())
            .filter(|r| r.flow == flow)
            .map(|r| r.stats)
            .collect()
    }

    /// Octets of the Convert answer among the `read` octets the MPTCP connection of `flow`
    /// delivered (0 for flows that are not Convert clients).
    pub(super) fn convert_answer_in(&self, flow: FlowId, read: u64) -> u64 {
        if self.relay.clients.contains_key(&flow) {
            read.min(RESPONSE_LEN)
        } else {
            0
        }
    }

    /// True when the host is a Transport Converter or a client of one.
    pub(super) fn takes_part_in_conversion(&self) -> bool {
        let r = &self.relay;
        !r.converters.is_empty() || !r.clients.is_empty() || !r.relays.is_empty()
    }

    /// The wire form of TCP packet `p`: a Convert client's MP_CAPABLE SYNs carry its
    /// message (joins do not).
    pub(super) fn wire_of(&self, p: Packet<TcpHeader>) -> Packet<WireHeader> {
        let h = &p.header;
        let capable = || (h.options.mptcp.iter()).any(|o| matches!(o, MptcpOption::Capable(_)));
        if !self.relay.clients.is_empty() && h.flags.syn() && !h.flags.ack() && capable() {
            let key = (p.src, h.src_port, p.dst, h.dst_port);
            if let Some(Slot::Mptcp(k, _)) = self.index.get(&key) {
                if let Some(&msg) = self.relay.clients.get(&self.mp_conns[k].flow) {
                    return Packet {
                        src: p.src,
                        dst: p.dst,
                        size: p.size + msg.buffer_len() as u32,
                        header: WireHeader::Convert(p.header, msg),
                    };
                }
            }
        }
        crate::wire::header::wrap(p)
    }

    /// A SYN with a Convert message arrived: a converter here holds it and connects to the
    /// server (true); otherwise (false) it is handled as a plain SYN.
    pub(super) fn converter_syn(
        &mut self,
        now: Instant,
        syn: Packet<TcpHeader>,
        msg: ConvertMsg,
        tx: &mut Vec<Packet<TcpHeader>>,
    ) -> bool {
        let Some(c) = self.relay.converters.get(&(syn.dst, syn.header.dst_port)) else {
            return false;
        };
        let (tcp, buffer) = (c.tcp, c.buffer);
        let h = &syn.header;
        if self
            .index
            .contains_key(&(syn.dst, h.dst_port, syn.src, h.src_port))
        {
            // A retransmitted SYN of a connection already accepted: TCP's business.
            return false;
        }
        let target = match msg.tlv {
            Some(ConvertTlv::Connect { addr, port }) => SocketAddr::new(addr, port),
            // §4.2.2: without a Connect TLV there is nowhere to go.
            _ => {
                tx.extend(reset_reply(&syn));
                return true;
            }
        };
        let Some(&flow) = c.targets.get(&target) else {
            tx.extend(reset_reply(&syn));
            return true;
        };
        // A retransmitted SYN of a connection already being set up is dropped.
        if self.relay.relays.iter().any(|r| {
            r.syn
                .is_some_and(|s| s.src == syn.src && s.header.src_port == syn.header.src_port)
        }) {
            return true;
        }
        let local = SocketAddr::new(syn.dst, self.pick_port(syn.dst, target));
        let isn = SeqNum(self.rng.random::<u32>());
        let sock = TcpSocket::connect(now, local, target, isn, tcp);
        let upstream = self.insert(Conn {
            flow,
            number: 0,
            app: App::Relay,
            sock,
            read: 0,
        });
        self.relay.relays.push(Relay {
            flow,
            syn: Some(syn),
            upstream,
            downstream: None,
            buffer,
            answer: RESPONSE_LEN,
            done: false,
            stats: RelayStats {
                syn_at: Some(now),
                ..RelayStats::default()
            },
        });
        self.service(upstream, now, tx);
        true
    }

    /// A SYN to a converter without a Convert message (and not an MP_JOIN of a relayed
    /// connection, nor a retransmission for a connection it has): reset (true), as there is
    /// no server to connect it to (RFC 8803 §5.2 reaches the converter only with one).
    pub(super) fn converter_refuses(
        &self,
        syn: &Packet<TcpHeader>,
        tx: &mut Vec<Packet<TcpHeader>>,
    ) -> bool {
        let h = &syn.header;
        let fresh_syn = h.flags.syn() && !h.flags.ack() && !h.flags.rst();
        if self.relay.converters.is_empty()
            || !fresh_syn
            || !self.relay.converters.contains_key(&(syn.dst, h.dst_port))
            || (h.options.mptcp.iter()).any(|o| matches!(o, MptcpOption::Join(_)))
            || (self.index).contains_key(&(syn.dst, h.dst_port, syn.src, h.src_port))
        {
            return false;
        }
        tx.extend(reset_reply(syn));
        true
    }

    /// Moves what every relay can move, opens the held SYNs whose server answered, and passes
    /// FINs on.
    pub(super) fn pump_relays(&mut self, now: Instant, tx: &mut Vec<Packet<TcpHeader>>) {
        for r in 0..self.relay.relays.len() {
            if self.relay.relays[r].done {
                continue;
            }
            self.relay_accept(now, r, tx);
            self.relay_move(r);
            let rl = &self.relay.relays[r];
            let up = rl.upstream;
            let down = rl.downstream;
            self.service(up, now, tx);
            if let Some(k) = down {
                self.service_mp(k, now, tx);
            }
        }
    }

    /// Accepts relay `r`'s held SYN once the server connection is up, or resets it if the
    /// server refused or could not be reached.
    fn relay_accept(&mut self, now: Instant, r: usize, tx: &mut Vec<Packet<TcpHeader>>) {
        let rl = &self.relay.relays[r];
        let Some(syn) = rl.syn else {
            return;
        };
        match self.conns[rl.upstream].sock.state() {
            TcpState::Established => {
                self.relay.relays[r].syn = None;
                self.relay.relays[r].stats.server_established_at = Some(now);
                let flow = self.relay.relays[r].flow;
                if self.mptcp_accept(now, &syn, Some(flow), tx) {
                    let h = &syn.header;
                    let key = (syn.dst, h.dst_port, syn.src, h.src_port);
                    if let Some(Slot::Mptcp(k, _)) = self.index.get(&key) {
                        self.relay.relays[r].downstream = Some(k);
                    }
                }
            }
            TcpState::Closed => {
                self.relay.relays[r].syn = None;
                self.relay.relays[r].done = true;
                tx.extend(reset_reply(&syn));
            }
            _ => {}
        }
    }

    /// Relay `r`'s data and FINs, both ways.
    fn relay_move(&mut self, r: usize) {
        let Some(k) = self.relay.relays[r].downstream else {
            return;
        };
        let up = self.relay.relays[r].upstream;
        let rl = &mut self.relay.relays[r];
        let sock = &mut self.conns[up].sock;
        let conn = &mut self.mp_conns[k].conn;
        // Server -> client: the answer first, then the server's bytes.
        rl.stats.buffered_down += sock.recv_up_to(rl.buffer - rl.stats.buffered_down);
        rl.stats.max_buffered_down = rl.stats.max_buffered_down.max(rl.stats.buffered_down);
        if rl.answer > 0 {
            rl.answer -= conn.send(rl.answer);
        }
        if rl.answer == 0 && rl.stats.buffered_down > 0 {
            let n = conn.send(rl.stats.buffered_down);
            rl.stats.buffered_down -= n;
            rl.stats.bytes_down += n;
        }
        // Client -> server.
        rl.stats.buffered_up += conn.recv_up_to(rl.buffer - rl.stats.buffered_up);
        if rl.stats.buffered_up > 0 {
            let n = sock.send(rl.stats.buffered_up);
            rl.stats.buffered_up -= n;
            rl.stats.bytes_up += n;
        }
        // A FIN is passed on once everything before it was: read and written on.
        let down_drained = sock.readable() == 0 && rl.stats.buffered_down == 0 && rl.answer == 0;
        if sock.peer_closed() && down_drained && !conn.is_closing() {
            conn.close();
        }
        let up_drained = conn.readable() == 0 && rl.stats.buffered_up == 0;
        if conn.peer_closed() && up_drained && !sock.is_closing() {
            sock.close();
        }
        if sock.state() == TcpState::Closed && conn.is_closing() && conn.peer_closed() {
            rl.done = true;
        }
    }
}
