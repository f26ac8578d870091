//! The SCTP side of [`HostStack`] and its `Host<WireHeader>` face.
//!
//! SCTP associations and listeners of a host: flows open at their start time, listeners
//! answer INITs statelessly and turn valid COOKIE ECHOs into associations; packets are
//! demultiplexed by `(local port, remote port, remote address)` over every address of the
//! peer. Each association draws from `host/{name}/sctp/{flow}/{n}`, each listener from
//! `host/{name}/sctp-listen/{port}`.
//!
//! `Host<WireHeader>` is the host as the scenarios' simulator sees it: TCP segments go to the
//! TCP/MPTCP machinery of `Host<TcpHeader>` (through a reused buffer, then wrapped), SCTP
//! packets to the associations. A host driven through `Host<TcpHeader>` only never runs its
//! SCTP endpoints.

use super::{FlowId, HostStack};
use crate::app::BulkSender;
use crate::deadlines::{earlier, Deadlines};
use crate::sctp::{PathStats, SctpAssociation, SctpConfig, SctpEvent, SctpListener, SctpStats};
use crate::start_queue::StartQueue;
use crate::tcp::SocketAddr;
use crate::wire::header::wrap;
use crate::wire::sctp::{Control, SctpPacket};
use crate::wire::{TcpHeader, WireHeader};
use sim_core::{Addr, Host, Instant, Packet, RngStream};
use std::collections::{BTreeMap, VecDeque};

/// What the application of an SCTP association does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SctpRole {
    /// Sends as the [`BulkSender`] says, then shuts down.
    Send(BulkSender),
    /// Reads everything; shuts down once the peer has.
    Receive,
}

#[derive(Clone, Debug)]
struct SctpConn {
    flow: FlowId,
    role: SctpRole,
    assoc: SctpAssociation,
    /// Peer addresses indexed so far.
    indexed: usize,
}

#[derive(Clone, Debug)]
struct PendingSctp {
    flow: FlowId,
    locals: Vec<Addr>,
    local_port: u16,
    remote: SocketAddr,
    cfg: SctpConfig,
    role: SctpRole,
    sources: Vec<(Addr, Addr)>,
}

#[derive(Clone, Debug)]
struct Listening {
    flow: FlowId,
    role: SctpRole,
    listener: SctpListener,
    rng: RngStream,
    sources: Vec<(Addr, Addr)>,
}

/// The SCTP endpoints of a host.
#[derive(Clone, Debug, Default)]
pub(super) struct SctpHost {
    conns: Vec<SctpConn>,
    index: BTreeMap<(u16, u16, Addr), usize>,
    listeners: BTreeMap<u16, Listening>,
    pending: StartQueue<PendingSctp>,
    /// SCTP events not yet drained: (flow, when, event).
    events: VecDeque<(FlowId, Instant, SctpEvent)>,
    /// Each association's deadline, set after every call into it ([`Deadlines`]' contract):
    /// the host's next SCTP deadline and the associations due are read without a scan.
    deadlines: Deadlines,
    /// Scratch list of the associations due at a wake-up.
    due: Vec<usize>,
}

/// An SCTP event of one of the host's associations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SctpFlowEvent {
    /// The flow.
    pub flow: FlowId,
    /// When.
    pub at: Instant,
    /// What.
    pub event: SctpEvent,
}

impl HostStack {
    /// An SCTP association of `flow` opened at `start` from `locals` (all listed in the
    /// INIT) and `local_port` to `remote`; `sources` maps each peer address to the local
    /// address that reaches it.
    #[allow(clippy::too_many_arguments)]
    pub fn add_sctp_client(
        &mut self,
        flow: FlowId,
        locals: Vec<Addr>,
        local_port: u16,
        remote: SocketAddr,
        start: Instant,
        cfg: SctpConfig,
        role: SctpRole,
        sources: Vec<(Addr, Addr)>,
    ) {
        let f = PendingSctp {
            flow,
            locals,
            local_port,
            remote,
            cfg,
            role,
            sources,
        };
        self.sctp.pending.push(start, f);
        self.sctp_changed();
    }

    /// Listens for SCTP associations of `flow` on `port` of every address in `locals`.
    pub fn add_sctp_server(
        &mut self,
        flow: FlowId,
        port: u16,
        locals: Vec<Addr>,
        cfg: SctpConfig,
        role: SctpRole,
        sources: Vec<(Addr, Addr)>,
    ) {
        let mut rng =
            sim_core::rng::stream(self.seed, &format!("host/{}/sctp-listen/{port}", self.name));
        let listener = SctpListener::new(cfg, port, &locals, &mut rng);
        self.sctp.listeners.insert(
            port,
            Listening {
                flow,
                role,
                listener,
                rng,
                sources,
            },
        );
    }

    fn sctp_find(&self, flow: FlowId) -> impl Iterator<Item = &SctpConn> {
        self.sctp.conns.iter().filter(move |c| c.flow == flow)
    }

    /// The SCTP association of `flow` on this host (read-only).
    pub fn sctp_association(&self, flow: FlowId) -> Option<&SctpAssociation> {
        self.sctp_find(flow).next().map(|c| &c.assoc)
    }

    /// Counters of the SCTP association of `flow` on this host.
    pub fn sctp_stats(&self, flow: FlowId) -> Option<SctpStats> {
        self.sctp_association(flow).map(|a| a.stats())
    }

    /// Each path of the SCTP association of `flow` on this host.
    pub fn sctp_paths(&self, flow: FlowId) -> Vec<PathStats> {
        self.sctp_association(flow)
            .map(|a| a.path_stats().collect())
            .unwrap_or_default()
    }

    /// The next SCTP event of the host's associations, oldest first.
    pub fn poll_sctp_event(&mut self) -> Option<SctpFlowEvent> {
        self.sctp
            .events
            .pop_front()
            .map(|(flow, at, event)| SctpFlowEvent { flow, at, event })
    }

    /// Octets written by the SCTP applications of `flow`.
    pub(super) fn sctp_written(&self, flow: FlowId) -> u64 {
        self.sctp_find(flow)
            .map(|c| c.assoc.app_bytes_written())
            .sum()
    }

    /// Octets read by the SCTP applications of `flow`.
    pub(super) fn sctp_read(&self, flow: FlowId) -> u64 {
        self.sctp_find(flow).map(|c| c.assoc.app_bytes_read()).sum()
    }

    fn sctp_register(&mut self, flow: FlowId, role: SctpRole, assoc: SctpAssociation) -> usize {
        let k = self.sctp.conns.len();
        self.sctp.conns.push(SctpConn {
            flow,
            role,
            assoc,
            indexed: 0,
        });
        k
    }

    /// Runs association `k`'s application, sends what it has and files its events.
    fn sctp_service(&mut self, k: usize, now: Instant, tx: &mut Vec<Packet<WireHeader>>) {
        let c = &mut self.sctp.conns[k];
        match c.role {
            SctpRole::Send(app) => {
                let written = c.assoc.app_bytes_written();
                let want = app.total.map_or(u64::MAX, |t| t.saturating_sub(written));
                if want > 0 {
                    c.assoc.send(want);
                }
                if app.total.is_some_and(|t| c.assoc.app_bytes_written() >= t) {
                    c.assoc.close();
                }
            }
            SctpRole::Receive => {
                c.assoc.recv();
                if c.assoc.peer_closed() {
                    c.assoc.close();
                }
            }
        }
        while let Some(p) = c.assoc.poll_transmit(now) {
            tx.push(wrap(p));
        }
        while let Some((at, e)) = c.assoc.poll_event() {
            self.sctp.events.push_back((c.flow, at, e));
        }
        self.sctp.deadlines.set(k, c.assoc.poll_timeout());
        let (lp, rp) = (c.assoc.local_port(), c.assoc.remote_port());
        let peers: Vec<Addr> = c.assoc.peer_addrs().skip(c.indexed).collect();
        if !peers.is_empty() {
            c.indexed += peers.len();
            for r in peers {
                self.sctp.index.insert((lp, rp, r), k);
            }
        }
        self.sctp_changed();
    }

    fn sctp_start_due(&mut self, now: Instant, tx: &mut Vec<Packet<WireHeader>>) {
        let due = self.sctp.pending.take_due(now);
        self.sctp_changed();
        for f in due {
            let n = self.sctp.conns.len();
            let rng = sim_core::rng::stream(
                self.seed,
                &format!("host/{}/sctp/{}/{n}", self.name, f.flow.0),
            );
            let a = SctpAssociation::connect(
                now,
                f.cfg,
                &f.locals,
                f.local_port,
                f.remote.addr,
                f.remote.port,
                f.sources,
                rng,
            );
            let k = self.sctp_register(f.flow, f.role, a);
            self.sctp_service(k, now, tx);
        }
    }

    fn on_sctp_packet(
        &mut self,
        now: Instant,
        src: Addr,
        dst: Addr,
        h: &SctpPacket,
        tx: &mut Vec<Packet<WireHeader>>,
    ) {
        if let Some(&k) = self.sctp.index.get(&(h.dst_port, h.src_port, src)) {
            self.sctp.conns[k].assoc.handle_packet(now, src, dst, h);
            self.sctp_service(k, now, tx);
            return;
        }
        let Some(l) = self.sctp.listeners.get_mut(&h.dst_port) else {
            return;
        };
        match h.control {
            Control::Init(_) => {
                if let Some(p) = l.listener.answer_init(now, src, dst, h, &mut l.rng) {
                    tx.push(wrap(p));
                }
            }
            Control::CookieEcho(_) => {
                let (flow, role) = (l.flow, l.role);
                let n = self.sctp.conns.len();
                let rng = sim_core::rng::stream(
                    self.seed,
                    &format!("host/{}/sctp/{}/{n}", self.name, flow.0),
                );
                let sources = l.sources.clone();
                if let Some(a) = l.listener.accept(now, src, dst, h, sources, rng) {
                    let k = self.sctp_register(flow, role, a);
                    self.sctp_service(k, now, tx);
                }
            }
            // Out of the blue (§8.4): ignored.
            _ => {}
        }
    }

    fn sctp_wake(&mut self, now: Instant, tx: &mut Vec<Packet<WireHeader>>) {
        self.sctp_start_due(now, tx);
        // In index order, as a scan would find them; an association's timers touch no other.
        let mut due = std::mem::take(&mut self.sctp.due);
        due.clear();
        self.sctp.deadlines.due(now, &mut due);
        for &k in &due {
            self.sctp.conns[k].assoc.handle_timeout(now);
            self.sctp_service(k, now, tx);
        }
        self.sctp.due = due;
    }

    /// True when the host carries packets only its `Host<WireHeader>` face can: it has SCTP
    /// associations, listeners or pending SCTP flows, or takes part in a Transport Converter
    /// (a converter, or a client whose SYN carries a Convert message). Otherwise every packet
    /// it sends or takes is a TCP segment, and driving it through `Host<TcpHeader>` alone
    /// gives the same packets at the same instants (without wrapping each one).
    pub fn needs_wire_header(&self) -> bool {
        let s = &self.sctp;
        !s.conns.is_empty()
            || !s.listeners.is_empty()
            || s.pending.earliest().is_some()
            || self.takes_part_in_conversion()
    }

    /// Sets the earliest SCTP deadline again (after an association's timer or the pending
    /// starts changed), where the host's deadline reads it (`HostTimers::sctp`).
    pub(super) fn sctp_changed(&mut self) {
        let at = earlier(self.sctp.deadlines.earliest(), self.sctp.pending.earliest());
        self.timers.set_sctp(at);
    }

    /// The earliest SCTP deadline (an association's timer or a pending start) as kept, checked
    /// against a scan of the associations: what the host's kept deadline must include.
    #[cfg(debug_assertions)]
    pub(super) fn sctp_poll_timeout(&self) -> Option<Instant> {
        let next = self.timers.sctp();
        let scan = (self.sctp.conns.iter())
            .filter_map(|c| c.assoc.poll_timeout())
            .chain(self.sctp.pending.earliest())
            .min();
        debug_assert_eq!(next, scan, "SCTP deadlines out of date");
        next
    }

    /// Runs the TCP/MPTCP machinery with the reused buffer, then the converters' relays, and
    /// wraps what they sent.
    fn with_tcp(
        &mut self,
        now: Instant,
        tx: &mut Vec<Packet<WireHeader>>,
        f: impl FnOnce(&mut Self, &mut Vec<Packet<TcpHeader>>),
    ) {
        let mut out = std::mem::take(&mut self.wire_scratch);
        f(self, &mut out);
        self.pump_relays(now, &mut out);
        for p in out.drain(..) {
            tx.push(self.wire_of(p));
        }
        self.wire_scratch = out;
    }
}

impl Host<WireHeader> for HostStack {
    fn on_packet(
        &mut self,
        now: Instant,
        pkt: &Packet<WireHeader>,
        tx: &mut Vec<Packet<WireHeader>>,
    ) {
        match &pkt.header {
            WireHeader::Tcp(header) => {
                let p = Packet {
                    src: pkt.src,
                    dst: pkt.dst,
                    size: pkt.size,
                    header: *header,
                };
                self.with_tcp(now, tx, |h, out| {
                    if !h.converter_refuses(&p, out) {
                        h.receive_tcp(now, &p, out);
                    }
                });
            }
            WireHeader::Convert(header, msg) => {
                let p = Packet {
                    src: pkt.src,
                    dst: pkt.dst,
                    size: pkt.size - msg.buffer_len() as u32,
                    header: *header,
                };
                let msg = *msg;
                self.with_tcp(now, tx, |h, out| {
                    if !h.converter_syn(now, p, msg, out) {
                        Host::<TcpHeader>::on_packet(h, now, &p, out);
                    }
                });
            }
            WireHeader::Sctp(h) => self.on_sctp_packet(now, pkt.src, pkt.dst, h, tx),
        }
    }

    fn on_timeout(&mut self, now: Instant, tx: &mut Vec<Packet<WireHeader>>) {
        self.with_tcp(now, tx, |h, out| Host::<TcpHeader>::on_timeout(h, now, out));
        self.sctp_wake(now, tx);
    }

    fn poll_timeout(&self) -> Option<Instant> {
        HostStack::poll_timeout(self)
    }

    fn prefetch(&self) {
        HostStack::prefetch(self);
    }

    fn on_interface_change(
        &mut self,
        now: Instant,
        iface: Addr,
        up: bool,
        tx: &mut Vec<Packet<WireHeader>>,
    ) {
        self.with_tcp(now, tx, |h, out| {
            Host::<TcpHeader>::on_interface_change(h, now, iface, up, out)
        });
        for k in 0..self.sctp.conns.len() {
            self.sctp.conns[k].assoc.on_interface_change(iface, up);
            self.sctp_service(k, now, tx);
        }
    }
}
