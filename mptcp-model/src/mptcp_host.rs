//! The MPTCP side of [`HostStack`]: flows, listeners, demultiplexing of joins by token,
//! subflow port allocation, applications and statistics.

use super::FlowEvent;
use super::{FlowId, HostStack, Slot};
use crate::app::{BulkSender, Paced};
use crate::event::Event;
use crate::mptcp::{
    mptcp_reset, EndpointFlags, LocalAddr, MibField, MptcpConfig, MptcpConnection, MptcpEventKind,
    MptcpMib, MptcpStats, Refusal,
};
use crate::tcp::SocketAddr;
use crate::wire::mptcp::{JoinRepr, MptcpOption};
use crate::wire::TcpHeader;
use sim_core::{Addr, Instant, Packet};

/// First local port the host gives subflows (IANA dynamic range).
pub(super) const FIRST_PORT: u16 = 49152;

/// A change to the MPTCP path-manager endpoint of a local interface (see
/// [`HostStack::schedule_endpoint`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointChange {
    /// Its subflows become backups (`true`) or regular paths; MP_PRIO tells the peers.
    Backup(bool),
    /// An endpoint is added with these flags (`ip mptcp endpoint add`).
    Add(EndpointFlags),
    /// The endpoint is deleted (`ip mptcp endpoint delete`): its subflows close and the
    /// peers get REMOVE_ADDR.
    Delete,
}

/// What the local application of an MPTCP connection does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Sends (then closes) as the [`BulkSender`] says.
    Send(BulkSender),
    /// Reads everything, closes when the peer has closed.
    Receive,
    /// Sends chunks on a schedule from when the connection exists (then closes).
    Paced(Paced),
    /// As `Receive`, and records when each message of this many bytes was complete.
    ReceiveMessages(u64),
    /// No application: a Transport Converter's relay reads and writes (`relay_host.rs`).
    Relay,
}

#[derive(Clone, Debug)]
pub(super) struct MpConn {
    pub(super) flow: FlowId,
    pub(super) role: Role,
    pub(super) conn: MptcpConnection,
    /// When the connection was created here (a paced sender's time zero).
    pub(super) started: Instant,
    /// `ReceiveMessages`: completion time of each message so far.
    messages: Vec<Instant>,
    /// `Paced`: chunks due at the last drive (the next wake-up is chunk `chunks_due`).
    chunks_due: u64,
}

#[derive(Clone, Debug)]
pub(super) struct MpListener {
    flow: FlowId,
    cfg: MptcpConfig,
    role: Role,
    announce: Vec<Addr>,
}

#[derive(Clone, Debug)]
pub(super) struct PendingMp {
    flow: FlowId,
    locals: Vec<LocalAddr>,
    remote: SocketAddr,
    cfg: MptcpConfig,
    role: Role,
}

#[inline]
fn drive(c: &mut MpConn, now: Instant) {
    let (role, conn) = (c.role, &mut c.conn);
    match role {
        Role::Paced(app) => {
            let elapsed = now.saturating_duration_since(c.started);
            c.chunks_due = app.chunks_by(elapsed);
            let due = app.bytes_by(elapsed);
            let written = conn.app_bytes_written();
            if due > written {
                conn.send(due - written);
            }
            if app.done_by(elapsed) && conn.app_bytes_written() >= due && !conn.is_closing() {
                conn.close();
            }
        }
        Role::ReceiveMessages(size) => {
            conn.recv();
            let size = size.max(1);
            while (c.messages.len() as u64 + 1) * size <= conn.app_bytes_read() {
                c.messages.push(now);
            }
            if conn.peer_closed() && !conn.is_closing() {
                conn.close();
            }
        }
        Role::Send(app) => {
            let written = conn.app_bytes_written();
            let want = app.total.map_or(u64::MAX, |t| t.saturating_sub(written));
            let n = if want > 0 { conn.send(want) } else { 0 };
            if app.total.is_some_and(|t| written + n >= t) && !conn.is_closing() {
                conn.close();
            }
        }
        Role::Receive => {
            conn.recv();
            if conn.peer_closed() && !conn.is_closing() {
                conn.close();
            }
        }
        Role::Relay => {}
    }
}

impl HostStack {
    /// An MPTCP flow opened at `start` from `locals` (the initial subflow from `locals[0]`,
    /// or the first whose interface is up) to `remote`, then full-mesh joins; the local
    /// application does `role`.
    pub fn add_mptcp_client(
        &mut self,
        flow: FlowId,
        locals: Vec<LocalAddr>,
        remote: SocketAddr,
        start: Instant,
        cfg: MptcpConfig,
        role: Role,
    ) {
        let f = PendingMp {
            flow,
            locals,
            remote,
            cfg,
            role,
        };
        self.mp_pending.push(start, f);
        self.starts_changed();
    }

    /// Listens for MPTCP connections of `flow` on `local`; `announce` are further local
    /// addresses advertised with ADD_ADDR; the local application does `role`.
    pub fn add_mptcp_server(
        &mut self,
        flow: FlowId,
        local: SocketAddr,
        announce: Vec<Addr>,
        cfg: MptcpConfig,
        role: Role,
    ) {
        self.mp_listeners.insert(
            (local.addr, local.port),
            MpListener {
                flow,
                cfg,
                role,
                announce,
            },
        );
    }

    pub(super) fn mp_find(&self, flow: FlowId) -> impl Iterator<Item = &MpConn> {
        let mp = self.by_flow.get(&flow).map_or(&[][..], |f| &f.mp[..]);
        mp.iter().map(|&k| &self.mp_conns[k])
    }

    /// The host's `MPTcpExt` counters (`nstat`): its own (joins for unknown tokens) plus
    /// every MPTCP connection's, past ones included.
    pub fn mptcp_mib(&self) -> MptcpMib {
        let mut m = self.mib;
        for c in &self.mp_conns {
            m.add(c.conn.mib());
        }
        m
    }

    /// Statistics of the MPTCP connection of `flow` on this host.
    pub fn mptcp_stats(&self, flow: FlowId) -> Option<MptcpStats> {
        self.mp_find(flow).next().map(|c| c.conn.stats())
    }

    /// The MPTCP connection of `flow` on this host (read-only).
    pub fn mptcp_connection(&self, flow: FlowId) -> Option<&MptcpConnection> {
        self.mp_find(flow).next().map(|c| &c.conn)
    }

    fn stream_for(&self, flow: FlowId) -> sim_core::RngStream {
        let n = self.mp_conns.len();
        sim_core::rng::stream(
            self.seed,
            &format!("host/{}/mptcp/{}/{n}", self.name, flow.0),
        )
    }

    fn port_free(&self, local: Addr, port: u16, remote: SocketAddr) -> bool {
        !self
            .index
            .contains_key(&(local, port, remote.addr, remote.port))
            && !self
                .pending
                .iter()
                .any(|f| f.local.addr == local && f.local.port == port)
    }

    pub(super) fn pick_port(&mut self, local: Addr, remote: SocketAddr) -> u16 {
        let span = u32::from(u16::MAX - FIRST_PORT) + 1;
        for k in 0..span {
            let off = (u32::from(self.next_port - FIRST_PORT) + k) % span;
            let p = FIRST_PORT + off as u16;
            if self.port_free(local, p, remote) {
                self.next_port = if p == u16::MAX { FIRST_PORT } else { p + 1 };
                return p;
            }
        }
        self.next_port
    }

    /// The next instant the paced application of connection `k` has data to write.
    pub(super) fn next_app_write(&self, k: usize) -> Option<Instant> {
        let c = &self.mp_conns[k];
        match c.role {
            Role::Paced(app) if !c.conn.is_closing() => {
                // Chunks not yet due (a backlog behind a full send buffer is written as it
                // drains, at the next service): strictly in the future.
                let k = c.chunks_due;
                app.total
                    .is_none_or(|t| k.saturating_mul(app.chunk) < t)
                    .then(|| c.started + app.chunk_time(k))
            }
            _ => None,
        }
    }

    /// When the MPTCP connection of `flow` was created on this host.
    pub fn mptcp_started(&self, flow: FlowId) -> Option<Instant> {
        self.mp_find(flow).next().map(|c| c.started)
    }

    /// `ReceiveMessages`: when each message of `flow` was complete at this host.
    pub fn message_times(&self, flow: FlowId) -> Option<&[Instant]> {
        self.mp_find(flow).next().map(|c| c.messages.as_slice())
    }

    fn register(
        &mut self,
        now: Instant,
        flow: FlowId,
        role: Role,
        mut conn: MptcpConnection,
    ) -> usize {
        while self.tokens.contains_key(&conn.local_token()) {
            conn.regenerate_key();
        }
        let k = self.mp_conns.len();
        self.tokens.insert(conn.local_token(), k);
        self.by_flow.entry(flow).or_default().mp.push(k);
        self.mp_conns.push(MpConn {
            flow,
            role,
            conn,
            started: now,
            messages: Vec::new(),
            chunks_due: 0,
        });
        k
    }

    fn index_subflow(&mut self, k: usize, id: u32) {
        if let Some((l, r)) = self.mp_conns[k].conn.subflow_endpoints(id) {
            self.index
                .insert((l.addr, l.port, r.addr, r.port), Slot::Mptcp(k, id));
        }
    }

    pub(super) fn start_due_mp(&mut self, now: Instant, tx: &mut Vec<Packet<TcpHeader>>) {
        for f in self.mp_pending.take_due(now) {
            let rng = self.stream_for(f.flow);
            let down = &self.down;
            let conn =
                MptcpConnection::connect(f.cfg, &f.locals, |a| !down.contains(&a), f.remote, rng);
            let k = self.register(now, f.flow, f.role, conn);
            self.service_mp(k, now, tx);
        }
    }

    /// A SYN for no known connection: MP_JOIN (by token) or MP_CAPABLE to an MPTCP
    /// listener. Returns false when it is neither (plain TCP handles it).
    pub(super) fn try_mptcp_syn(
        &mut self,
        now: Instant,
        pkt: &Packet<TcpHeader>,
        tx: &mut Vec<Packet<TcpHeader>>,
    ) -> bool {
        let h = &pkt.header;
        if !h.flags.syn() || h.flags.ack() || h.flags.rst() {
            return false;
        }
        let local = SocketAddr::new(pkt.dst, h.dst_port);
        let token = h.options.mptcp.iter().find_map(|o| match o {
            MptcpOption::Join(JoinRepr::Syn { token, .. }) => Some(*token),
            _ => None,
        });
        if let Some(token) = token {
            let joined = self.tokens.get(&token).copied().and_then(|k| {
                let id = self.mp_conns[k].conn.accept_join(now, local, pkt)?;
                Some((k, id))
            });
            match joined {
                Some((k, id)) => {
                    self.index_subflow(k, id);
                    self.service_mp(k, now, tx);
                }
                None => {
                    match self.tokens.get(&token).copied() {
                        Some(k) => {
                            self.mp_conns[k].conn.note_reset_sent();
                            // A refused join may still have changed the connection.
                            self.gather_mptcp_events(k);
                            self.mp_timer_changed(k, now);
                        }
                        None => {
                            self.mib.inc(MibField::MpJoinSynRx);
                            self.mib.inc(MibField::MpJoinNoTokenFound);
                            self.mib.inc(MibField::MpRstTx);
                            self.unknown_token(now, local, pkt);
                        }
                    }
                    // RFC 8684 §3.2: an unknown token is answered with a RST.
                    tx.extend(mptcp_reset(pkt));
                }
            }
            return true;
        }
        self.mptcp_accept(now, pkt, None, tx)
    }

    /// An MP_CAPABLE SYN to an MPTCP listener: a new connection, counted under `flow` if
    /// given (a Transport Converter's relayed connections), else the listener's flow. False
    /// when no MPTCP listener is there.
    pub(super) fn mptcp_accept(
        &mut self,
        now: Instant,
        pkt: &Packet<TcpHeader>,
        flow: Option<FlowId>,
        tx: &mut Vec<Packet<TcpHeader>>,
    ) -> bool {
        let local = SocketAddr::new(pkt.dst, pkt.header.dst_port);
        let Some(l) = self.mp_listeners.get(&(pkt.dst, pkt.header.dst_port)) else {
            return false;
        };
        let (flow, cfg, role) = (flow.unwrap_or(l.flow), l.cfg, l.role);
        let announce = l.announce.clone();
        let rng = self.stream_for(flow);
        let down = &self.down;
        let Some(conn) =
            MptcpConnection::accept(now, cfg, local, pkt, &announce, |a| !down.contains(&a), rng)
        else {
            tx.extend(mptcp_reset(pkt));
            return true;
        };
        let k = self.register(now, flow, role, conn);
        self.index_subflow(k, 0);
        self.service_mp(k, now, tx);
        true
    }

    /// Reports a join for a token no connection here has, under the flow listening where it
    /// arrived (with no MPTCP listener there, no flow to report it under).
    fn unknown_token(&mut self, now: Instant, local: SocketAddr, pkt: &Packet<TcpHeader>) {
        let Some(l) = self.mp_listeners.get(&(local.addr, local.port)) else {
            return;
        };
        let kind = MptcpEventKind::JoinRejected {
            reason: Refusal::UnknownToken,
            local,
            remote: SocketAddr::new(pkt.src, pkt.header.src_port),
        };
        self.events.push_back(FlowEvent {
            flow: l.flow,
            at: now,
            subflow: None,
            event: Event::Mptcp(kind),
        });
    }

    /// Applies an endpoint change of local interface `addr` to every connection and
    /// listener.
    pub(super) fn apply_endpoint_change(
        &mut self,
        now: Instant,
        addr: Addr,
        change: EndpointChange,
        tx: &mut Vec<Packet<TcpHeader>>,
    ) {
        let up = !self.down.contains(&addr);
        for l in self.mp_listeners.values_mut() {
            match change {
                EndpointChange::Add(f) if f.signal && !l.announce.contains(&addr) => {
                    l.announce.push(addr);
                }
                EndpointChange::Delete => l.announce.retain(|&a| a != addr),
                _ => {}
            }
        }
        for k in 0..self.mp_conns.len() {
            let conn = &mut self.mp_conns[k].conn;
            match change {
                EndpointChange::Backup(b) => conn.set_backup(addr, b),
                EndpointChange::Add(f) => conn.add_endpoint(addr, up, f),
                EndpointChange::Delete => conn.delete_endpoint(now, addr),
            }
            self.service_mp(k, now, tx);
        }
    }

    /// The application of every MPTCP connection of `flow` here aborts it.
    pub(super) fn abort_mptcp(
        &mut self,
        now: Instant,
        flow: FlowId,
        tx: &mut Vec<Packet<TcpHeader>>,
    ) {
        for k in 0..self.mp_conns.len() {
            if self.mp_conns[k].flow == flow {
                self.mp_conns[k].conn.abort(now);
                self.service_mp(k, now, tx);
            }
        }
    }

    /// Opens requested subflows, runs the application and sends what connection `k` has.
    pub(super) fn service_mp(&mut self, k: usize, now: Instant, tx: &mut Vec<Packet<TcpHeader>>) {
        loop {
            let mut opened = false;
            while let Some(req) = self.mp_conns[k].conn.poll_subflow_request() {
                let port = self.pick_port(req.local, req.remote);
                let id = self.mp_conns[k].conn.open_subflow(now, req, port);
                self.index_subflow(k, id);
                opened = true;
            }
            let c = &mut self.mp_conns[k];
            drive(c, now);
            c.conn.transmit(now, tx);
            if !opened {
                break;
            }
        }
        self.gather_mptcp_events(k);
        self.mp_timer_changed(k, now);
    }
}
