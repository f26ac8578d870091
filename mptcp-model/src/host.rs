//! [`HostStack`]: the [`sim_core::Host`] of a node running TCP endpoints and their apps.
//!
//! Contract: packets are demultiplexed by `(local addr, local port, remote addr, remote
//! port)` in a hash table found in O(1) (`host_demux.rs`); a SYN to a listening `(addr, port)` creates a socket with a
//! [`Sink`]; anything else unknown is answered with a RST (RFC 9293 §3.10.7.1), except RSTs.
//! Flows added with [`HostStack::add_sender`] connect at their start time. ISNs come from the
//! host's own stream `sim_core::rng::stream(seed, "host/{name}")`, drawn in event order, so
//! runs are reproducible. Wake-ups that find nothing due are no-ops. Packets are `Copy`
//! values pushed into the engine's `tx` buffer: no allocation per packet.
//!
//! MPTCP (`mptcp_host.rs`): [`HostStack::add_mptcp_client`] / [`HostStack::add_mptcp_server`]
//! run [`crate::mptcp::MptcpConnection`]s. Their subflows share the demultiplexing table (a key maps to a
//! TCP socket or to a connection's subflow); a SYN with MP_JOIN finds its connection by
//! token (unknown token: RST with MP_TCPRST); subflow ports are picked by the host from
//! 49152 up, skipping any in use. Each connection draws its keys, nonces and ISNs from its
//! own stream `host/{name}/mptcp/{flow}/{n}`. Interface changes reach every connection.
//!
//! SCTP (`sctp_host.rs`): [`HostStack::add_sctp_client`] / [`HostStack::add_sctp_server`] run
//! [`crate::sctp::SctpAssociation`]s; the host's `Host<WireHeader>` face carries both TCP and
//! SCTP packets (the simulators of the scenarios use it).
//!
//! Timers (`host_timers.rs`): every connection's next deadline (and each paced application's
//! next write) is kept in an indexed heap and set again after each call into it, so
//! [`sim_core::Host::poll_timeout`] costs O(1) and a wake-up visits only the endpoints due,
//! however many connections the host carries. A flow's connections are indexed by flow, so
//! its statistics are found without a scan. (SCTP associations, few per host, are scanned.)
//!
//! Records (`host_record.rs`): the endpoints' events gathered into one queue
//! ([`HostStack::poll_event`]), per-path samples ([`HostStack::subflow_samples`]) and an
//! opt-in packet capture per interface ([`HostStack::capture_interface`]).

use crate::app::{BulkSender, Sink};
use crate::start_queue::StartQueue;
use crate::tcp::{reset_reply, SocketAddr, TcpConfig, TcpSocket, TcpState, TcpStats};
use crate::wire::{SeqNum, TcpHeader};
use rand::Rng;
use sim_core::{Addr, Host, Instant, Packet, RngStream};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub use crate::mptcp::LocalAddr;
use host_demux::DemuxTable;
pub use host_record::{CapturedPacket, Direction, FlowEvent, SubflowSample};
use host_timers::HostTimers;
pub use mptcp_host::{EndpointChange, Role};
use mptcp_host::{MpConn, MpListener, PendingMp};
pub use relay_host::{RelayStats, RESPONSE_LEN};
pub use sctp_host::{SctpFlowEvent, SctpRole};

#[path = "host_demux.rs"]
mod host_demux;
#[path = "host_record.rs"]
mod host_record;
#[path = "host_timers.rs"]
mod host_timers;
#[path = "mptcp_host.rs"]
mod mptcp_host;
#[path = "relay_host.rs"]
mod relay_host;
#[path = "sctp_host.rs"]
mod sctp_host;

/// What a demultiplexing key leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// A TCP connection (index into `conns`).
    Tcp(usize),
    /// Subflow `.1` of MPTCP connection `.0` (index into `mp_conns`).
    Mptcp(usize, u32),
}

/// Identifies a flow of the scenario (both its sender and its receiver side).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowId(pub u32);

#[derive(Clone, Copy, Debug)]
enum App {
    Sender(BulkSender),
    Receiver(Sink),
    /// A converter's connection to a server: its relay reads and writes (`relay_host.rs`).
    Relay,
}

/// A TCP connection and its application. Line-aligned, the socket last (`repr(C)`): the
/// socket's lines are the same at every index of the vector, and the part of it every visit
/// reads ends the connection (see `TcpSocket`'s layout).
#[derive(Clone, Debug)]
#[repr(C, align(64))]
struct Conn {
    flow: FlowId,
    /// Connections of the same flow on this host before this one (its path number).
    number: u32,
    read: u64,
    app: App,
    sock: TcpSocket,
}

#[derive(Clone, Copy, Debug)]
struct PendingFlow {
    flow: FlowId,
    local: SocketAddr,
    remote: SocketAddr,
    cfg: TcpConfig,
    app: BulkSender,
}

#[derive(Clone, Copy, Debug)]
struct Listener {
    flow: FlowId,
    cfg: TcpConfig,
    /// What accepted connections send (`None`: they receive, with a [`Sink`]).
    app: Option<BulkSender>,
}

/// TCP endpoints and applications of one host.
///
/// Laid out for a call into the host (`repr(C)`, see the test
/// `a_segment_reads_the_timers_line_and_one_more`): in a network of many hosts each call
/// finds the host out of the cache, so the fields every arriving segment reads come first
/// and share one line after the timers' block — the connections, the hint and capture flags,
/// the demultiplexer's last answer — and the demultiplexer's table, the MPTCP connections
/// and the captured interfaces the next. The rest is read at setup, wake-ups and the end.
#[derive(Debug)]
#[repr(C)]
pub struct HostStack {
    /// The endpoints' deadlines (`host_timers.rs`).
    timers: HostTimers,
    conns: Vec<Conn>,
    /// The engine announced this host's next call ([`HostStack::prefetch`]): the host's
    /// state was likely out of the cache, and the call prefetches the connection a packet
    /// reaches too. A hint only: no result depends on it.
    prefetched: Cell<bool>,
    /// Some interface is captured (`capture` is not empty).
    capturing: bool,
    index: DemuxTable,
    mp_conns: Vec<MpConn>,
    /// Interfaces whose packets are captured (empty: capture off).
    capture: Vec<Addr>,
    name: String,
    seed: u64,
    rng: RngStream,
    listeners: BTreeMap<(Addr, u16), Listener>,
    pending: StartQueue<PendingFlow>,
    mp_listeners: BTreeMap<(Addr, u16), MpListener>,
    mp_pending: StartQueue<PendingMp>,
    tokens: BTreeMap<u32, usize>,
    /// `MPTcpExt` counters of events no connection owns (joins for unknown tokens).
    mib: crate::mptcp::MptcpMib,
    down: BTreeSet<Addr>,
    /// Timed endpoint changes of local interfaces `(at, addr, change)`, by time.
    endpoint_changes: VecDeque<(Instant, Addr, EndpointChange)>,
    /// Timed application aborts of MPTCP flows `(at, flow)`, by time.
    aborts: VecDeque<(Instant, FlowId)>,
    next_port: u16,
    /// Endpoint events not yet drained.
    events: VecDeque<FlowEvent>,
    /// Captured packets not yet drained.
    captured: VecDeque<CapturedPacket>,
    /// SCTP associations and listeners.
    sctp: sctp_host::SctpHost,
    /// Transport Converter and Convert client state.
    relay: relay_host::RelayHost,
    /// TCP packets on their way out through `Host<WireHeader>` (memory reused).
    wire_scratch: Vec<Packet<TcpHeader>>,
    /// Each flow's connections on this host, so that a flow's statistics are found without
    /// a scan over every connection.
    by_flow: BTreeMap<FlowId, FlowConns>,
}

/// Indexes of one flow's connections on a host, in creation order.
#[derive(Clone, Debug, Default)]
struct FlowConns {
    /// Into `HostStack::conns`.
    tcp: Vec<usize>,
    /// Into `HostStack::mp_conns`.
    mp: Vec<usize>,
}

impl HostStack {
    /// A host named `name`; its ISNs come from `rng::stream(seed, "host/{name}")`.
    pub fn new(name: &str, seed: u64) -> Self {
        HostStack {
            name: name.to_owned(),
            seed,
            rng: sim_core::rng::stream(seed, &format!("host/{name}")),
            conns: Vec::new(),
            index: DemuxTable::default(),
            listeners: BTreeMap::new(),
            pending: StartQueue::default(),
            mp_conns: Vec::new(),
            mp_listeners: BTreeMap::new(),
            mp_pending: StartQueue::default(),
            tokens: BTreeMap::new(),
            mib: crate::mptcp::MptcpMib::new(),
            down: BTreeSet::new(),
            endpoint_changes: VecDeque::new(),
            aborts: VecDeque::new(),
            next_port: mptcp_host::FIRST_PORT,
            events: VecDeque::new(),
            capture: Vec::new(),
            captured: VecDeque::new(),
            sctp: sctp_host::SctpHost::default(),
            relay: relay_host::RelayHost::default(),
            wire_scratch: Vec::new(),
            timers: HostTimers::default(),
            by_flow: BTreeMap::new(),
            prefetched: Cell::new(false),
            capturing: false,
        }
    }

    /// At `at`, local interface `addr` becomes a backup path (`backup`) or a regular one
    /// for every MPTCP connection of this host (MP_PRIO tells the peers).
    pub fn schedule_backup(&mut self, at: Instant, addr: Addr, backup: bool) {
        self.schedule_endpoint(at, addr, EndpointChange::Backup(backup));
    }

    /// At `at`, the MPTCP path-manager endpoint on local interface `addr` changes as
    /// `change` says, for every MPTCP connection and listener of this host (what `ip mptcp
    /// endpoint`, NetworkManager or mptcpd do). Changes at the same instant apply in the
    /// order they were scheduled.
    pub fn schedule_endpoint(&mut self, at: Instant, addr: Addr, change: EndpointChange) {
        let k = self.endpoint_changes.partition_point(|c| c.0 <= at);
        self.endpoint_changes.insert(k, (at, addr, change));
        self.rare_changed();
    }

    /// At `at`, the application of MPTCP flow `flow` on this host aborts its connection:
    /// MP_FASTCLOSE (RFC 8684 §3.5).
    pub fn schedule_abort(&mut self, at: Instant, flow: FlowId) {
        let k = self.aborts.partition_point(|c| c.0 <= at);
        self.aborts.insert(k, (at, flow));
        self.rare_changed();
    }

    /// The host's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A flow from `local` to `remote` that connects at `start` and runs `app`.
    pub fn add_sender(
        &mut self,
        flow: FlowId,
        local: SocketAddr,
        remote: SocketAddr,
        start: Instant,
        cfg: TcpConfig,
        app: BulkSender,
    ) {
        let f = PendingFlow {
            flow,
            local,
            remote,
            cfg,
            app,
        };
        self.pending.push(start, f);
        self.starts_changed();
    }

    /// Listens on `local`; each accepted connection gets a [`Sink`] and counts as `flow`.
    pub fn add_listener(&mut self, flow: FlowId, local: SocketAddr, cfg: TcpConfig) {
        self.listeners.insert(
            (local.addr, local.port),
            Listener {
                flow,
                cfg,
                app: None,
            },
        );
    }

    /// Listens on `local`; each accepted connection sends as `app` says (a server the client
    /// downloads from) and counts as `flow`.
    pub fn add_sending_listener(
        &mut self,
        flow: FlowId,
        local: SocketAddr,
        cfg: TcpConfig,
        app: BulkSender,
    ) {
        self.listeners.insert(
            (local.addr, local.port),
            Listener {
                flow,
                cfg,
                app: Some(app),
            },
        );
    }

    fn find(&self, flow: FlowId, sender: bool) -> impl Iterator<Item = &Conn> {
        let tcp = self.by_flow.get(&flow).map_or(&[][..], |f| &f.tcp[..]);
        tcp.iter()
            .map(|&i| &self.conns[i])
            .filter(move |c| matches!(c.app, App::Sender(_)) == sender)
    }

    /// Statistics of the sending side of `flow` (once it has started).
    pub fn sender_stats(&self, flow: FlowId) -> Option<TcpStats> {
        self.find(flow, true).next().map(|c| c.sock.stats())
    }

    /// The smoothed RTT of the sending side of `flow` (`None`: no such socket; `Some(None)`:
    /// no sample yet): what [`Self::sender_stats`] reports as `srtt`, without the snapshot.
    pub fn sender_srtt(&self, flow: FlowId) -> Option<Option<sim_core::Duration>> {
        self.find(flow, true).next().map(|c| c.sock.srtt())
    }

    /// Statistics of the (first) receiving side of `flow`.
    pub fn receiver_stats(&self, flow: FlowId) -> Option<TcpStats> {
        self.find(flow, false).next().map(|c| c.sock.stats())
    }

    /// State of the sending side of `flow`.
    pub fn sender_state(&self, flow: FlowId) -> Option<TcpState> {
        self.find(flow, true).next().map(|c| c.sock.state())
    }

    /// Bytes the sending application of `flow` wrote (TCP, MPTCP at the connection level,
    /// or SCTP).
    pub fn app_bytes_written(&self, flow: FlowId) -> u64 {
        let tcp: u64 = self
            .find(flow, true)
            .map(|c| c.sock.app_bytes_written())
            .sum();
        tcp + self
            .mp_find(flow)
            .map(|c| c.conn.app_bytes_written())
            .sum::<u64>()
            + self.sctp_written(flow)
    }

    /// Bytes the receiving application(s) of `flow` read (TCP, MPTCP at the connection
    /// level, or SCTP).
    pub fn app_bytes_read(&self, flow: FlowId) -> u64 {
        // One look-up of the flow for both kinds of connection (asked at every sample).
        let Some(f) = self.by_flow.get(&flow) else {
            return self.sctp_read(flow);
        };
        let tcp: u64 = (f.tcp.iter().map(|&i| &self.conns[i]))
            .filter(|c| !matches!(c.app, App::Sender(_)))
            .map(|c| c.read)
            .sum();
        let mp: u64 = (f.mp.iter().map(|&k| &self.mp_conns[k]))
            .map(|c| {
                let read = c.conn.app_bytes_read();
                read - self.convert_answer_in(flow, read)
            })
            .sum();
        tcp + mp + self.sctp_read(flow)
    }

    /// Runs the app of connection `i` and sends what its socket has to send.
    fn service(&mut self, i: usize, now: Instant, tx: &mut Vec<Packet<TcpHeader>>) {
        let c = &mut self.conns[i];
        match c.app {
            App::Sender(app) => {
                app.drive(&mut c.sock);
            }
            App::Receiver(sink) => c.read += sink.drive(&mut c.sock),
            App::Relay => {}
        }
        // Each segment is built in `tx`, where the engine reads it from.
        while c.sock.poll_transmit_into(now, &mut crate::tcp::NoHook, tx) {}
        self.gather_tcp_events(i);
        self.tcp_timer_changed(i);
    }

    fn insert(&mut self, mut conn: Conn) -> usize {
        let i = self.conns.len();
        let of_flow = &mut self.by_flow.entry(conn.flow).or_default().tcp;
        conn.number = of_flow.len() as u32;
        of_flow.push(i);
        let (l, r) = (conn.sock.local(), conn.sock.remote());
        self.conns.push(conn);
        self.index
            .insert((l.addr, l.port, r.addr, r.port), Slot::Tcp(i));
        i
    }

    fn start_due(&mut self, now: Instant, tx: &mut Vec<Packet<TcpHeader>>) {
        for f in self.pending.take_due(now) {
            let isn = SeqNum(self.rng.random::<u32>());
            let sock = TcpSocket::connect(now, f.local, f.remote, isn, f.cfg);
            let i = self.insert(Conn {
                flow: f.flow,
                number: 0,
                app: App::Sender(f.app),
                sock,
                read: 0,
            });
            self.service(i, now, tx);
        }
    }

    /// Accepts a SYN for a listener, if there is one.
    fn try_accept(&mut self, now: Instant, pkt: &Packet<TcpHeader>) -> Option<usize> {
        let h = &pkt.header;
        if !h.flags.syn() || h.flags.ack() || h.flags.rst() {
            return None;
        }
        let l = *self.listeners.get(&(pkt.dst, h.dst_port))?;
        let isn = SeqNum(self.rng.random::<u32>());
        let local = SocketAddr::new(pkt.dst, h.dst_port);
        let sock = TcpSocket::accept(now, local, pkt, isn, l.cfg).ok()?;
        Some(self.insert(Conn {
            flow: l.flow,
            number: 0,
            app: l.app.map_or(App::Receiver(Sink), App::Sender),
            sock,
            read: 0,
        }))
    }
}

impl HostStack {
    fn on_tcp_packet(
        &mut self,
        now: Instant,
        i: Option<usize>,
        pkt: &Packet<TcpHeader>,
        tx: &mut Vec<Packet<TcpHeader>>,
    ) {
        // A closed socket is as good as none: its segments get a RST, a SYN may reopen.
        let existing = i.filter(|&i| self.conns[i].sock.state() != TcpState::Closed);
        let i = match existing {
            Some(i) => {
                self.conns[i].sock.handle_packet(now, pkt);
                i
            }
            None => match self.try_accept(now, pkt) {
                Some(i) => i,
                None => {
                    tx.extend(reset_reply(pkt));
                    return;
                }
            },
        };
        self.service(i, now, tx);
    }
}

impl HostStack {
    /// A TCP segment arrived: to its connection (TCP or an MPTCP subflow), to a listener, or
    /// answered with a RST. Borrowed, so the host's wire face hands it on without a copy.
    pub(super) fn receive_tcp(
        &mut self,
        now: Instant,
        pkt: &Packet<TcpHeader>,
        tx: &mut Vec<Packet<TcpHeader>>,
    ) {
        let start = tx.len();
        if self.capturing {
            self.capture_in(now, pkt);
        }
        let h = &pkt.header;
        let key = (pkt.dst, h.dst_port, pkt.src, h.src_port);
        let slot = self.index.get(&key);
        if self.prefetched.take() {
            // The host was out of the cache, so most likely is the endpoint: ask for all its
            // lines at once, not one by one as the code reaches them.
            match slot {
                Some(Slot::Tcp(i)) => sim_core::prefetch::prefetch(&self.conns[i]),
                Some(Slot::Mptcp(k, id)) => self.mp_conns[k].conn.prefetch(id),
                None => {}
            }
        }
        match slot {
            Some(Slot::Tcp(i)) => self.on_tcp_packet(now, Some(i), pkt, tx),
            Some(Slot::Mptcp(k, id)) => {
                self.mp_conns[k].conn.handle_packet(now, id, pkt);
                self.service_mp(k, now, tx);
            }
            None => {
                if !self.try_mptcp_syn(now, pkt, tx) {
                    self.on_tcp_packet(now, None, pkt, tx);
                }
            }
        }
        if self.capturing {
            self.capture_out(now, &tx[start..]);
        }
    }
}

impl Host<TcpHeader> for HostStack {
    fn on_packet(
        &mut self,
        now: Instant,
        pkt: &Packet<TcpHeader>,
        tx: &mut Vec<Packet<TcpHeader>>,
    ) {
        self.receive_tcp(now, pkt, tx);
    }

    fn on_timeout(&mut self, now: Instant, tx: &mut Vec<Packet<TcpHeader>>) {
        let start = tx.len();
        self.wake(now, tx);
        if self.capturing {
            self.capture_out(now, &tx[start..]);
        }
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
        tx: &mut Vec<Packet<TcpHeader>>,
    ) {
        if up {
            self.down.remove(&iface);
        } else {
            self.down.insert(iface);
        }
        let start = tx.len();
        for k in 0..self.mp_conns.len() {
            self.mp_conns[k].conn.on_interface_change(now, iface, up);
            self.service_mp(k, now, tx);
        }
        if self.capturing {
            self.capture_out(now, &tx[start..]);
        }
    }
}

impl HostStack {
    /// [`sim_core::Host::prefetch`]: hints the fields every call reads first (the line of
    /// the connections and the demultiplexer's last answer, the line of its table and the
    /// MPTCP connections, the deadlines read after each call), and has the coming call hint
    /// the connection a packet reaches. Line by line, not the whole struct: its 1.7 kB are
    /// 27 lines, and asking for all of them costs more than it saves.
    #[inline]
    pub fn prefetch(&self) {
        use sim_core::prefetch::prefetch_line as line;
        line(&self.conns);
        line(&self.mp_conns);
        self.timers.prefetch();
        self.prefetched.set(true);
    }

    /// The earliest instant the host wants a wake-up (either face of [`Host`]): its TCP and
    /// MPTCP endpoints' deadline or its SCTP associations' (kept together, `host_timers.rs`).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next_deadline()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A segment for a TCP connection the demultiplexer found last reads, of the host
    /// itself, the timers' first line and one more: the connections, the hint and capture
    /// flags and the last answer share the line after the timers' block.
    #[test]
    fn a_segment_reads_the_timers_line_and_one_more() {
        use core::mem::{offset_of, size_of};
        let line = |off: usize| off / 64;
        let hot = line(size_of::<HostTimers>());
        assert_eq!(offset_of!(HostStack, timers), 0);
        assert_eq!(size_of::<HostTimers>() % 64, 0);
        let conns = offset_of!(HostStack, conns);
        assert_eq!(line(conns), hot);
        assert_eq!(line(conns + size_of::<Vec<Conn>>() - 1), hot);
        assert_eq!(line(offset_of!(HostStack, prefetched)), hot);
        assert_eq!(line(offset_of!(HostStack, capturing)), hot);
        let last = offset_of!(HostStack, index) + DemuxTable::LAST_OFFSET;
        assert_eq!(line(last), hot);
        assert_eq!(line(last + DemuxTable::LAST_SIZE - 1), hot);
        // The table and the MPTCP connections begin the next line.
        assert_eq!(line(offset_of!(HostStack, mp_conns)), hot + 1);
    }
    use crate::event::{Event, SubflowId};
    use crate::tcp::{ConnectionError, TcpEvent};
    use sim_core::Duration;

    /// A minimal engine: two hosts, a fixed one-way delay, events in time order.
    fn run(a: &mut HostStack, b: &mut HostStack, delay: Duration, until: Instant) {
        // (arrival, sequence) -> (to b?, packet)
        let mut flight: BTreeMap<(Instant, u64), (bool, Packet<TcpHeader>)> = BTreeMap::new();
        let mut seq = 0u64;
        let mut tx = Vec::new();
        loop {
            let next_pkt = flight.keys().next().copied();
            let next_timer = [a.poll_timeout(), b.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            let Some(now) = [next_pkt.map(|k| k.0), next_timer]
                .into_iter()
                .flatten()
                .min()
            else {
                break;
            };
            if now > until {
                break;
            }
            if let Some(k) = next_pkt.filter(|k| k.0 == now) {
                let (to_b, pkt) = flight.remove(&k).unwrap();
                let host = if to_b { &mut *b } else { &mut *a };
                host.on_packet(now, &pkt, &mut tx);
                for p in tx.drain(..) {
                    seq += 1;
                    flight.insert((now + delay, seq), (!to_b, p));
                }
                continue;
            }
            for (host, to_b) in [(&mut *a, true), (&mut *b, false)] {
                if host.poll_timeout().is_some_and(|t| t <= now) {
                    host.on_timeout(now, &mut tx);
                    for p in tx.drain(..) {
                        seq += 1;
                        flight.insert((now + delay, seq), (to_b, p));
                    }
                }
            }
        }
    }

    fn addrs() -> (SocketAddr, SocketAddr) {
        (
            SocketAddr::new(Addr::new(10, 0, 0, 1), 40_000),
            SocketAddr::new(Addr::new(10, 0, 0, 2), 5001),
        )
    }

    #[test]
    fn flow_starts_on_time_and_completes() {
        let (ca, sa) = addrs();
        let mut a = HostStack::new("a", 7);
        let mut b = HostStack::new("b", 7);
        let cfg = TcpConfig::default();
        a.add_sender(
            FlowId(1),
            ca,
            sa,
            Instant::from_millis(100),
            cfg,
            BulkSender::bytes(200_000),
        );
        b.add_listener(FlowId(1), sa, cfg);
        assert_eq!(a.poll_timeout(), Some(Instant::from_millis(100)));
        assert!(a.sender_stats(FlowId(1)).is_none());
        // A stale wake-up is harmless.
        let mut tx: Vec<Packet<TcpHeader>> = Vec::new();
        a.on_timeout(Instant::from_millis(50), &mut tx);
        assert!(tx.is_empty());
        run(
            &mut a,
            &mut b,
            Duration::from_millis(5),
            Instant::from_secs(30),
        );
        let s = a.sender_stats(FlowId(1)).unwrap();
        assert_eq!(s.established_at, Some(Instant::from_millis(110)));
        assert_eq!(s.bytes_acked, 200_000);
        assert_eq!(a.app_bytes_written(FlowId(1)), 200_000);
        assert_eq!(b.app_bytes_read(FlowId(1)), 200_000);
        assert_eq!(b.receiver_stats(FlowId(1)).unwrap().bytes_received, 200_000);
        assert_eq!(a.sender_state(FlowId(1)), Some(TcpState::Closed));
    }

    #[test]
    fn tcp_flow_reports_events_samples_and_captures() {
        let (ca, sa) = addrs();
        let mut a = HostStack::new("a", 7);
        let mut b = HostStack::new("b", 7);
        let cfg = TcpConfig::default();
        a.add_sender(
            FlowId(1),
            ca,
            sa,
            Instant::ZERO,
            cfg,
            BulkSender::bytes(20_000),
        );
        b.add_listener(FlowId(1), sa, cfg);
        a.capture_interface(ca.addr);
        run(
            &mut a,
            &mut b,
            Duration::from_millis(5),
            Instant::from_secs(30),
        );
        let events: Vec<_> = core::iter::from_fn(|| a.poll_event()).collect();
        let id = SubflowId {
            number: 0,
            local: ca,
            remote: sa,
            recreated_from: None,
        };
        let ev = |ms, e| FlowEvent {
            flow: FlowId(1),
            at: Instant::from_millis(ms),
            subflow: Some(id),
            event: Event::Tcp(e),
        };
        // Established at the SYN-ACK (10 ms); 20 kB in the initial window, all ACKed by
        // 20 ms; our FIN goes with the data and the peer's FIN follows its read: TIME-WAIT.
        let closed = events.last().map(|e| e.at);
        assert_eq!(
            events,
            [
                ev(10, TcpEvent::Established),
                FlowEvent {
                    at: closed.unwrap(),
                    ..ev(0, TcpEvent::Closed { error: None })
                }
            ]
        );
        let samples: Vec<_> = a.subflow_samples().collect();
        assert_eq!(samples.len(), 1);
        let s = &samples[0];
        assert_eq!(
            (s.flow, s.id, s.mptcp, s.backup),
            (FlowId(1), id, None, false)
        );
        assert_eq!((s.tcp.state, s.tcp.bytes_acked), (TcpState::Closed, 20_000));
        // Every packet a sent left on its interface; every packet it got arrived there.
        let caught: Vec<_> = core::iter::from_fn(|| a.poll_captured()).collect();
        let out = caught.iter().filter(|c| c.direction == Direction::Out);
        let sent = a.sender_stats(FlowId(1)).unwrap().segments_sent;
        let got = b.receiver_stats(FlowId(1)).unwrap().segments_sent;
        assert_eq!(out.count() as u64, sent);
        assert_eq!(caught.len() as u64, sent + got);
        assert!(caught.iter().all(|c| c.iface == ca.addr));
        assert!(caught.windows(2).all(|w| w[0].at <= w[1].at));
        let first = caught[0];
        assert_eq!((first.at, first.direction), (Instant::ZERO, Direction::Out));
        assert!(first.packet.header.flags.syn());
        assert!(b.poll_captured().is_none(), "capture is off on b");
    }

    #[test]
    fn syn_to_closed_port_is_refused_by_rst() {
        let (ca, sa) = addrs();
        let mut a = HostStack::new("a", 1);
        let mut b = HostStack::new("b", 1);
        a.add_sender(
            FlowId(2),
            ca,
            sa,
            Instant::ZERO,
            TcpConfig::default(),
            BulkSender::bytes(1),
        );
        run(
            &mut a,
            &mut b,
            Duration::from_millis(5),
            Instant::from_secs(5),
        );
        let c = &a.conns[0].sock;
        assert_eq!(c.state(), TcpState::Closed);
        assert_eq!(c.error(), Some(ConnectionError::Refused));
        assert!(b.receiver_stats(FlowId(2)).is_none());
    }

    #[test]
    fn isns_are_reproducible_per_seed_and_name() {
        let (ca, sa) = addrs();
        let isn = |seed, name| {
            let mut h = HostStack::new(name, seed);
            h.add_sender(
                FlowId(0),
                ca,
                sa,
                Instant::ZERO,
                TcpConfig::default(),
                BulkSender::bytes(1),
            );
            let mut tx: Vec<Packet<TcpHeader>> = Vec::new();
            h.on_timeout(Instant::ZERO, &mut tx);
            tx[0].header.seq
        };
        assert_eq!(isn(3, "a"), isn(3, "a"));
        assert_ne!(isn(3, "a"), isn(4, "a"));
        assert_ne!(isn(3, "a"), isn(3, "b"));
    }
}
