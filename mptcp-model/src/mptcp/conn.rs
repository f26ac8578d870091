//! [`MptcpConnection`]: one Multipath TCP connection (RFC 8684) over several subflows.
//!
//! Sans-IO like [`crate::tcp::TcpSocket`]: the owner (the host) feeds it packets of its
//! subflows ([`MptcpConnection::handle_packet`], in `input.rs`), timer wake-ups and interface
//! changes, drains [`MptcpConnection::poll_transmit`], asks
//! [`MptcpConnection::poll_timeout`], and opens the subflows the path manager asks for
//! ([`MptcpConnection::poll_subflow_request`] then [`MptcpConnection::open_subflow`]: the
//! owner picks the local port, as it owns the port table). The application moves byte
//! counts ([`MptcpConnection::send`], [`MptcpConnection::recv`], [`MptcpConnection::close`]).
//!
//! Data path: the application's bytes enter the data-level send buffer; the scheduler hands
//! them to subflows a segment at a time with a DSS mapping (reinjections first); every
//! segment carries the DATA_ACK and advertises the shared receive window. The connection
//! completes when our DATA_FIN is acknowledged and the peer's received; the subflows then
//! close with FIN.

use super::pm::{AnyPathManager, PathManager, PmLocal, PmSubflow, PmView};
use super::recv::DataRecv;
use super::sched::{AnyScheduler, Pick, SchedCtx, SchedView, Scheduler};
use super::send::DataSend;
use super::stats::{
    FailReason, MptcpEvent, MptcpEventKind, MptcpStats, SubflowState, SubflowStats, MAX_EVENTS,
};
use super::subflow::{dss_data_len, Mapping, Role, Subflow, SubflowHook, SubflowMp, TxCtx};
use super::{LocalAddr, MptcpConfig};
use crate::cc::SubflowView;
use crate::crypto::{idsn, Key};
use crate::tcp::{ConnectionError, SocketAddr, TcpConfig, TcpSocket, TcpState};
use crate::wire::mptcp::{AddAddrKind, AddAddrRepr};
use crate::wire::{SeqNum, TcpHeader};
use rand::Rng;
use sim_core::{Addr, Instant, Packet, RngStream};
use std::collections::VecDeque;

/// A local address of the connection and its interface state.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Local {
    pub(crate) addr: Addr,
    pub(crate) backup: bool,
    pub(crate) up: bool,
}

/// An address the listener announces with ADD_ADDR.
#[derive(Clone, Copy, Debug)]
struct Announce {
    id: u8,
    addr: Addr,
    echoed: bool,
    next_at: Option<Instant>,
}

/// A subflow the path manager wants opened: the owner chooses a free local port and calls
/// [`MptcpConnection::open_subflow`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubflowRequest {
    /// Index of the local address (its address id).
    pub local_index: usize,
    /// Index of the remote address.
    pub remote_index: usize,
    /// The local address (bind the subflow to this interface).
    pub local: Addr,
    /// The remote endpoint.
    pub remote: SocketAddr,
    /// The initial (MP_CAPABLE) subflow rather than a join.
    pub initial: bool,
}

/// One MPTCP connection. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct MptcpConnection {
    pub(crate) cfg: MptcpConfig,
    pub(crate) initiator: bool,
    rng: RngStream,
    pub(crate) local_key: Key,
    pub(crate) remote_key: Option<Key>,
    pub(crate) locals: Vec<Local>,
    pub(crate) remotes: Vec<SocketAddr>,
    announce: Vec<Announce>,
    pub(crate) subflows: Vec<Subflow>,
    /// Per subflow: the path manager must not retry its pair (refused / timed out).
    pub(crate) pm_block: Vec<bool>,
    pub(crate) snd: DataSend,
    pub(crate) rcv: DataRecv,
    sched: AnyScheduler,
    pm: AnyPathManager,
    pub(crate) fully_established: bool,
    pub(crate) established_at: Option<Instant>,
    completed_at: Option<Instant>,
    data_fin_rtx_at: Option<Instant>,
    pub(crate) outbox: VecDeque<Packet<TcpHeader>>,
    events: Vec<MptcpEvent>,
    events_dropped: u64,
    pub(crate) views: Vec<SubflowView>,
    sched_views: Vec<SchedView>,
    /// Opportunistic retransmissions so far, and the last one's (head offset, subflow).
    opp_rtx: u64,
    opp_last: Option<(u64, usize)>,
    pm_locals: Vec<PmLocal>,
    pm_subflows: Vec<PmSubflow>,
    app_written: u64,
    app_read: u64,
}

impl MptcpConnection {
    fn new(cfg: MptcpConfig, initiator: bool, mut rng: RngStream, locals: Vec<Local>) -> Self {
        let local_key = Key(rng.random());
        MptcpConnection {
            cfg,
            initiator,
            rng,
            local_key,
            remote_key: None,
            locals,
            remotes: Vec::new(),
            announce: Vec::new(),
            subflows: Vec::new(),
            pm_block: Vec::new(),
            // The peer's window is unknown until its SYN (-ACK): nothing may be sent.
            snd: DataSend::new(idsn(local_key), cfg.snd_buf, 0),
            rcv: DataRecv::new(cfg.rcv_buf),
            sched: AnyScheduler::new(cfg.scheduler),
            pm: AnyPathManager::new(cfg.path_manager),
            fully_established: false,
            established_at: None,
            completed_at: None,
            data_fin_rtx_at: None,
            outbox: VecDeque::new(),
            events: Vec::new(),
            events_dropped: 0,
            views: Vec::new(),
            sched_views: Vec::new(),
            opp_rtx: 0,
            opp_last: None,
            pm_locals: Vec::new(),
            pm_subflows: Vec::new(),
            app_written: 0,
            app_read: 0,
        }
    }

    /// The initiator's side: a connection to `remote` from `locals` (the initial subflow
    /// from the first local address whose interface is up, `is_up`), keys, nonces and ISNs
    /// from `rng`. Nothing is sent until the owner opens the requested initial subflow.
    pub fn connect(
        cfg: MptcpConfig,
        locals: &[LocalAddr],
        is_up: impl Fn(Addr) -> bool,
        remote: SocketAddr,
        rng: RngStream,
    ) -> Self {
        let locals = locals
            .iter()
            .map(|l| Local {
                addr: l.addr,
                backup: l.backup,
                up: is_up(l.addr),
            })
            .collect();
        let mut c = MptcpConnection::new(cfg, true, rng, locals);
        c.remotes.push(remote);
        c
    }

    /// The listener's side, from a SYN carrying MP_CAPABLE received on `local`; `announce`
    /// are further local addresses advertised with ADD_ADDR (ids 1, 2, ...). `None` when the
    /// SYN is not an MP_CAPABLE SYN.
    pub fn accept(
        now: Instant,
        cfg: MptcpConfig,
        local: SocketAddr,
        syn: &Packet<TcpHeader>,
        announce: &[Addr],
        is_up: impl Fn(Addr) -> bool,
        rng: RngStream,
    ) -> Option<Self> {
        let capable =
            syn.header.options.mptcp.iter().any(
                |o| matches!(o, crate::wire::mptcp::MptcpOption::Capable(c) if c.version == 1),
            );
        if !capable {
            return None;
        }
        let locals = core::iter::once(local.addr)
            .chain(announce.iter().copied())
            .map(|addr| Local {
                addr,
                backup: false,
                up: is_up(addr),
            })
            .collect();
        let mut c = MptcpConnection::new(cfg, false, rng, locals);
        c.remotes
            .push(SocketAddr::new(syn.src, syn.header.src_port));
        // The SYN's (unscaled) window bounds the data level until the first DATA_ACK.
        c.snd.set_initial_window(u64::from(syn.header.window));
        c.announce = announce
            .iter()
            .enumerate()
            .map(|(k, &addr)| Announce {
                id: (k + 1) as u8,
                addr,
                echoed: false,
                next_at: None,
            })
            .collect();
        let isn = SeqNum(c.rng.random());
        let sock = TcpSocket::accept(now, local, syn, isn, c.subflow_cfg()).ok()?;
        let mp = SubflowMp::new(0, Role::CapableServer, 0, 0, false);
        c.push_subflow(sock, mp);
        Some(c)
    }

    /// The token of our key (RFC 8684 §3.2), by which the peer's joins find us.
    pub fn local_token(&self) -> u32 {
        crate::crypto::token(self.local_key)
    }

    /// Our 64-bit key (RFC 8684 §3.1).
    pub fn local_key(&self) -> Key {
        self.local_key
    }

    /// The peer's key, once received.
    pub fn remote_key(&self) -> Option<Key> {
        self.remote_key
    }

    /// Our IDSN (RFC 8684 §3.1: the low 64 bits of SHA-256 of our key); our first data
    /// byte has DSN IDSN + 1.
    pub fn local_idsn(&self) -> u64 {
        self.snd.idsn
    }

    /// The peer's IDSN, once its key is known.
    pub fn remote_idsn(&self) -> Option<u64> {
        self.rcv.idsn
    }

    /// Draws a new local key (the owner does so when the token collides with another
    /// connection's on the same host, RFC 8684 §3.2).
    pub fn regenerate_key(&mut self) {
        debug_assert!(self.subflows.is_empty() || self.remote_key.is_none());
        self.local_key = Key(self.rng.random());
        self.snd.idsn = idsn(self.local_key);
    }

    pub(crate) fn subflow_cfg(&self) -> TcpConfig {
        TcpConfig {
            cc: self.cfg.cc.subflow_cc(),
            rcv_buf: self.cfg.rcv_buf,
            // The data-level buffer bounds what is handed out; the subflow takes it all.
            snd_buf: u32::MAX,
            ..self.cfg.subflow
        }
    }

    fn push_subflow(&mut self, mut sock: TcpSocket, mp: SubflowMp) -> u32 {
        sock.set_multipath();
        let id = mp.id;
        self.subflows.push(Subflow { sock, mp });
        self.pm_block.push(false);
        id
    }

    pub(crate) fn event(&mut self, at: Instant, subflow: Option<u32>, kind: MptcpEventKind) {
        if self.events.len() < MAX_EVENTS {
            self.events.push(MptcpEvent { at, subflow, kind });
        } else {
            self.events_dropped += 1;
        }
    }

    // ---- subflow management ---------------------------------------------------------------

    /// The next subflow the owner should open, if any (call until `None`).
    pub fn poll_subflow_request(&mut self) -> Option<SubflowRequest> {
        if !self.initiator {
            return None;
        }
        let remote_index;
        let local_index;
        let initial = self.remote_key.is_none();
        if initial {
            if self.subflows.iter().any(|s| s.mp.active()) || self.completed_at.is_some() {
                return None;
            }
            local_index = self.locals.iter().position(|l| l.up)?;
            remote_index = 0;
        } else {
            // Scratch vectors reused across calls: no allocation per packet.
            self.pm_locals.clear();
            self.pm_locals
                .extend(self.locals.iter().map(|l| PmLocal { up: l.up }));
            self.pm_subflows.clear();
            self.pm_subflows
                .extend(
                    self.subflows
                        .iter()
                        .zip(&self.pm_block)
                        .map(|(s, &b)| PmSubflow {
                            local: s.mp.local,
                            remote: s.mp.remote,
                            active: s.mp.active(),
                            refused: b,
                        }),
                );
            let view = PmView {
                initiator: true,
                fully_established: self.fully_established && self.completed_at.is_none(),
                locals: &self.pm_locals,
                remotes: self.remotes.len(),
                subflows: &self.pm_subflows,
            };
            (local_index, remote_index) = self.pm.next_subflow(&view)?;
        }
        Some(SubflowRequest {
            local_index,
            remote_index,
            local: self.locals[local_index].addr,
            remote: self.remotes[remote_index],
            initial,
        })
    }

    /// Opens the subflow `req` asked for from local port `port`; returns its id. Its SYN
    /// goes out at the next [`MptcpConnection::poll_transmit`].
    pub fn open_subflow(&mut self, now: Instant, req: SubflowRequest, port: u16) -> u32 {
        let id = self.subflows.len() as u32;
        let role = if req.initial {
            Role::CapableClient
        } else {
            Role::JoinClient {
                nonce: self.rng.random(),
                peer_nonce: None,
                acked: false,
            }
        };
        let isn = SeqNum(self.rng.random());
        let local = SocketAddr::new(req.local, port);
        let sock = TcpSocket::connect(now, local, req.remote, isn, self.subflow_cfg());
        let backup = self.locals[req.local_index].backup;
        let mp = SubflowMp::new(id, role, req.local_index, req.remote_index, backup);
        self.push_subflow(sock, mp)
    }

    /// A SYN with MP_JOIN for our token arrived on `local`: opens the listener's side of
    /// the subflow (its SYN-ACK carries our HMAC). `None` if the SYN carries no MP_JOIN, the
    /// connection is not established yet, or `local` is not one of our addresses.
    pub fn accept_join(
        &mut self,
        now: Instant,
        local: SocketAddr,
        syn: &Packet<TcpHeader>,
    ) -> Option<u32> {
        use crate::wire::mptcp::{JoinRepr, MptcpOption};
        let (backup, random) = syn.header.options.mptcp.iter().find_map(|o| match o {
            MptcpOption::Join(JoinRepr::Syn { backup, random, .. }) => Some((*backup, *random)),
            _ => None,
        })?;
        self.remote_key?;
        let local_index = self.locals.iter().position(|l| l.addr == local.addr)?;
        let remote = SocketAddr::new(syn.src, syn.header.src_port);
        let remote_index = match self.remotes.iter().position(|r| r.addr == remote.addr) {
            Some(i) => i,
            None => {
                self.remotes
                    .push(SocketAddr::new(remote.addr, self.remotes[0].port));
                self.remotes.len() - 1
            }
        };
        let id = self.subflows.len() as u32;
        let isn = SeqNum(self.rng.random());
        let sock = TcpSocket::accept(now, local, syn, isn, self.subflow_cfg()).ok()?;
        let role = Role::JoinServer {
            nonce: self.rng.random(),
            peer_nonce: random,
        };
        let mp = SubflowMp::new(id, role, local_index, remote_index, backup);
        Some(self.push_subflow(sock, mp))
    }

    /// The link of local interface `addr` went down or came up. Down: its subflows fail for
    /// good and their data is reinjected. Up: the path manager opens new subflows on it.
    pub fn on_interface_change(&mut self, now: Instant, addr: Addr, up: bool) {
        let Some(li) = self.locals.iter().position(|l| l.addr == addr) else {
            return;
        };
        self.locals[li].up = up;
        for i in 0..self.subflows.len() {
            if self.subflows[i].mp.local != li {
                continue;
            }
            if up {
                self.pm_block[i] = false;
            } else if !self.subflows[i].mp.dead {
                self.kill(now, i, SubflowState::Failed);
                let id = Some(i as u32);
                self.event(
                    now,
                    id,
                    MptcpEventKind::SubflowFailed(FailReason::InterfaceDown),
                );
            }
        }
    }

    /// Local interface `addr` becomes a backup (`backup`) or a regular path: its subflows
    /// change class at once here and tell the peer with MP_PRIO on their next ACK (RFC 8684
    /// §3.3.8; sent once, on a pure ACK, as Linux does); subflows opened later from it
    /// join with the new flag.
    pub fn set_backup(&mut self, now: Instant, addr: Addr, backup: bool) {
        let Some(li) = self.locals.iter().position(|l| l.addr == addr) else {
            return;
        };
        self.locals[li].backup = backup;
        for i in 0..self.subflows.len() {
            let sf = &mut self.subflows[i];
            if sf.mp.local != li || sf.mp.dead || sf.mp.backup == backup {
                continue;
            }
            sf.mp.backup = backup;
            sf.mp.send_prio = Some(backup);
            sf.sock.request_ack();
            self.event(
                now,
                Some(i as u32),
                MptcpEventKind::PriorityChanged { backup },
            );
        }
    }

    /// The peer sent MP_PRIO on subflow `i`.
    pub(crate) fn on_prio(&mut self, now: Instant, i: usize, backup: bool) {
        if self.subflows[i].mp.backup != backup {
            self.subflows[i].mp.backup = backup;
            self.event(
                now,
                Some(i as u32),
                MptcpEventKind::PriorityChanged { backup },
            );
        }
    }

    /// Abandons subflow `i` for good (state `state`) and reinjects its data.
    pub(crate) fn kill(&mut self, _now: Instant, i: usize, state: SubflowState) {
        let sf = &mut self.subflows[i];
        sf.sock.abort_with(ConnectionError::Reset);
        sf.mp.dead = true;
        sf.mp.state = state;
        sf.mp.third_ack_rtx_at = None;
        self.reinject(i);
    }

    /// Queues the data subflow `i` holds and has not had acknowledged for another subflow.
    pub(crate) fn reinject(&mut self, i: usize) {
        let sf = &self.subflows[i];
        let una = sf.sock.snd_una();
        for m in sf.mp.map.iter() {
            let skip = una.saturating_sub(m.ssn).min(m.len);
            self.snd.queue_reinjection(m.dsn + skip, m.dsn + m.len);
        }
    }

    // ---- application ------------------------------------------------------------------------

    /// The application writes up to `bytes`; returns how many fit in the send buffer.
    pub fn send(&mut self, bytes: u64) -> u64 {
        let n = self.snd.write(bytes);
        self.app_written += n;
        n
    }

    /// Bytes the application wrote.
    pub fn app_bytes_written(&self) -> u64 {
        self.app_written
    }

    /// The application reads every byte delivered in order; returns how many.
    pub fn recv(&mut self) -> u64 {
        let n = self.rcv.read();
        self.app_read += n;
        n
    }

    /// Bytes the application read.
    pub fn app_bytes_read(&self) -> u64 {
        self.app_read
    }

    /// The application is done sending: a DATA_FIN follows the data.
    pub fn close(&mut self) {
        self.snd.fin_queued = true;
    }

    /// True once [`MptcpConnection::close`] was called.
    pub fn is_closing(&self) -> bool {
        self.snd.fin_queued
    }

    /// True once the peer's DATA_FIN arrived in order.
    pub fn peer_closed(&self) -> bool {
        self.rcv.fin_received
    }

    /// When the connection completed.
    pub fn completed_at(&self) -> Option<Instant> {
        self.completed_at
    }

    /// The events so far (at most [`MAX_EVENTS`]).
    pub fn events(&self) -> &[MptcpEvent] {
        &self.events
    }

    /// The local and remote endpoints of subflow `id`.
    pub fn subflow_endpoints(&self, id: u32) -> Option<(SocketAddr, SocketAddr)> {
        let s = self.subflows.get(id as usize)?;
        Some((s.sock.local(), s.sock.remote()))
    }

    /// True when subflow `id` was abandoned (failed for good, refused): its segments should
    /// be answered with a RST.
    pub fn subflow_dead(&self, id: u32) -> bool {
        self.subflows.get(id as usize).is_none_or(|s| s.mp.dead)
    }

    /// A snapshot of the connection and every subflow.
    pub fn stats(&self) -> MptcpStats {
        MptcpStats {
            established_at: self.established_at,
            data_bytes_sent: self.snd.sent,
            data_bytes_acked: self.snd.acked(),
            data_bytes_delivered: self.rcv.delivered,
            reinjected_bytes: self.snd.reinjected,
            redundant_bytes: self.snd.redundant,
            opportunistic_retransmissions: self.opp_rtx,
            duplicate_bytes: self.rcv.duplicate,
            hol: self.rcv.hol.summary(),
            hol_histogram: self.rcv.hol.histogram(),
            ooo_bytes: self.rcv.ooo_bytes(),
            peer_window: self.snd.peer_window,
            subflows: self
                .subflows
                .iter()
                .map(|s| {
                    let tcp = s.sock.stats();
                    SubflowStats {
                        id: s.mp.id,
                        local: s.sock.local(),
                        remote: s.sock.remote(),
                        backup: s.mp.backup,
                        state: s.mp.state,
                        data_bytes_sent: tcp.payload_bytes_sent,
                        tcp,
                    }
                })
                .collect(),
            completed_at: self.completed_at,
            events_dropped: self.events_dropped,
        }
    }

    /// Bytes waiting in the connection-level out-of-order queue (receive side).
    pub fn ooo_bytes(&self) -> u64 {
        self.rcv.ooo_bytes()
    }

    /// Data-level bytes handed to subflows and not yet data-acknowledged.
    pub fn data_in_flight(&self) -> u64 {
        self.snd.in_flight()
    }

    // ---- timers -----------------------------------------------------------------------------

    /// The earliest instant at which [`MptcpConnection::handle_timeout`] must run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let socks = self.subflows.iter().filter(|s| !s.mp.dead).flat_map(|s| {
            [s.sock.poll_timeout(), s.mp.third_ack_rtx_at]
                .into_iter()
                .flatten()
        });
        let ann = self
            .announce
            .iter()
            .filter(|a| !a.echoed)
            .filter_map(|a| a.next_at);
        socks.chain(ann).chain(self.data_fin_rtx_at).min()
    }

    /// Runs the timers due at `now` (a wake-up with nothing due is a no-op).
    pub fn handle_timeout(&mut self, now: Instant) {
        let due = |t: Option<Instant>| t.is_some_and(|t| t <= now);
        for i in 0..self.subflows.len() {
            if self.subflows[i].mp.dead {
                continue;
            }
            if due(self.subflows[i].sock.poll_timeout()) {
                self.subflows[i].sock.handle_timeout(now);
                self.after_subflow_change(now, i);
            }
            let sf = &mut self.subflows[i];
            if due(sf.mp.third_ack_rtx_at) {
                sf.sock.request_ack();
                sf.mp.third_ack_rtx_at = Some(now + sf.sock.rto());
            }
        }
        if due(self.data_fin_rtx_at) {
            self.data_fin_rtx_at = None;
        }
        for a in &mut self.announce {
            if due(a.next_at) {
                // Resent at the next output, when a subflow can carry it.
                a.next_at = None;
            }
        }
    }

    /// Subflow state after its socket changed: join timeouts, potential failure after
    /// `subflow_fail_rtos` consecutive RTOs (and recovery), closes.
    pub(crate) fn after_subflow_change(&mut self, now: Instant, i: usize) {
        let id = Some(i as u32);
        let n = self.cfg.subflow_fail_rtos;
        let sf = &mut self.subflows[i];
        let tcp = sf.sock.state();
        match sf.mp.state {
            SubflowState::Joining if tcp == TcpState::Closed => {
                self.pm_block[i] = true;
                self.kill(now, i, SubflowState::Refused);
                self.event(now, id, MptcpEventKind::SubflowRefused);
            }
            SubflowState::Established | SubflowState::Failed
                if matches!(tcp, TcpState::Closed | TcpState::TimeWait) =>
            {
                let reset = sf.sock.error().is_some();
                sf.mp.state = SubflowState::Closed;
                if reset {
                    self.kill(now, i, SubflowState::Closed);
                }
                self.event(now, id, MptcpEventKind::SubflowClosed);
            }
            SubflowState::Established if n > 0 && sf.sock.consecutive_rtos() >= n => {
                sf.mp.state = SubflowState::Failed;
                self.reinject(i);
                let kind = MptcpEventKind::SubflowFailed(FailReason::RetransmissionTimeouts);
                self.event(now, id, kind);
            }
            SubflowState::Failed if !sf.mp.dead && sf.sock.consecutive_rtos() == 0 => {
                sf.mp.state = SubflowState::Established;
                self.event(now, id, MptcpEventKind::SubflowRecovered);
            }
            _ => {}
        }
        let sf = &mut self.subflows[i];
        if sf.sock.peer_closed() && !sf.sock.is_closing() {
            // As the TCP sink: a subflow the peer closed is closed too.
            sf.sock.close();
        }
    }

    // ---- output -----------------------------------------------------------------------------

    /// The next packet to send, if any. Call repeatedly until `None`.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Packet<TcpHeader>> {
        if self.outbox.is_empty() {
            self.produce(now);
        }
        self.outbox.pop_front()
    }

    fn produce(&mut self, now: Instant) {
        self.schedule(now);
        self.signal(now);
        self.maybe_complete(now);
        for i in 0..self.subflows.len() {
            self.poll_subflow(now, i);
        }
    }

    pub(crate) fn tx_ctx(&self) -> TxCtx {
        let base = TxCtx {
            local_key: self.local_key,
            remote_key: self.remote_key,
            data_ack: self.rcv.idsn.map(|i| i.wrapping_add(self.rcv.ack)),
            window: self.rcv.window(),
            fully_established: self.fully_established,
            data_fin: None,
            idsn: self.snd.idsn,
            checksum: self.cfg.checksum,
            ack64: self.rcv.ack64,
        };
        TxCtx::new(&self.snd, base)
    }

    fn poll_subflow(&mut self, now: Instant, i: usize) {
        let ctx = self.tx_ctx();
        let Subflow { sock, mp } = &mut self.subflows[i];
        if mp.dead {
            return;
        }
        let mut hook = SubflowHook { mp, ctx };
        while let Some(p) = sock.poll_transmit_with(now, &mut hook) {
            self.outbox.push_back(p);
        }
    }

    fn usable(s: &Subflow) -> bool {
        s.mp.state == SubflowState::Established
            && !s.mp.dead
            && s.sock.state() == TcpState::Established
            && !matches!(s.mp.role, Role::JoinClient { acked: false, .. })
    }

    /// Refreshes the scheduler's view of every subflow (a reused `Vec`); returns the
    /// largest segment payload among the usable ones.
    fn fill_sched_views(&mut self) -> u64 {
        self.sched_views.clear();
        let mut mss = 0;
        let initiator = self.initiator;
        let degraded = self.cfg.degraded;
        for s in &mut self.subflows {
            let usable = Self::usable(s);
            let srtt = s.sock.srtt();
            if let Some(r) = srtt {
                let (lo, hi) = (&mut s.mp.srtt_min, &mut s.mp.srtt_max);
                *lo = Some(lo.map_or(r, |x| x.min(r)));
                *hi = Some(hi.map_or(r, |x| x.max(r)));
            }
            let payload = s.sock.data_payload(dss_data_len(self.rcv.ack64));
            if usable {
                mss = mss.max(payload);
            }
            self.sched_views.push(SchedView {
                usable,
                backup: s.mp.backup
                    || degraded.is_some_and(|d| d.applies(srtt, s.sock.retransmit_permille())),
                has_space: s.sock.unsent() == 0 && s.sock.cwnd_room() > 0,
                srtt,
                rttvar: s.sock.rttvar(),
                srtt_min: s.mp.srtt_min.unwrap_or_default(),
                srtt_max: s.mp.srtt_max.unwrap_or_default(),
                cwnd: s.sock.cwnd(),
                ssthresh: s.sock.ssthresh(),
                in_flight: s.sock.bytes_in_flight(),
                queued: s.sock.unsent(),
                mss: payload,
                rtos: s.sock.consecutive_rtos(),
                path: if initiator { s.mp.local } else { s.mp.remote },
            });
        }
        mss
    }

    /// Hands data to subflows, a segment's worth per scheduler decision.
    fn schedule(&mut self, now: Instant) {
        if self.remote_key.is_none() {
            return;
        }
        let mut redundant = None;
        while let Some((start, avail, reinjection)) = self.snd.next_chunk() {
            let mss = self.fill_sched_views();
            let ctx = SchedCtx {
                now,
                seg_len: avail.min(mss),
                reinjection,
                // ECF's k: written, not yet on a subflow, and within the peer's window
                // (the kernel's meta write queue is bounded by a send buffer autotuned to
                // the subflows' windows; a fixed multi-MB `snd_buf` would make k all of it).
                unqueued: self
                    .snd
                    .app_end
                    .min(self.snd.right_edge)
                    .saturating_sub(self.snd.nxt),
                peer_window: self.snd.peer_window,
                opp_rtx: self.opp_rtx,
            };
            let accepted = match self.sched.pick(&ctx, &self.sched_views) {
                Pick::Wait => 0,
                Pick::One(i) => self.hand_out(now, i, start, avail),
                Pick::Many(set) => {
                    redundant = Some(set);
                    self.hand_out_redundant(now, set, (start, avail, reinjection))
                }
            };
            if accepted == 0 {
                break;
            }
            self.snd.commit(start, accepted, reinjection);
        }
        if let Some(set) = redundant {
            self.redundant_copies(now, set);
        } else if matches!(self.cfg.scheduler, super::SchedulerKind::Redundant) {
            // No new data: the subflows may still owe copies.
            self.fill_sched_views();
            let ctx = SchedCtx::new(0);
            if let Pick::Many(set) = self.sched.pick(&ctx, &self.sched_views) {
                self.redundant_copies(now, set);
            }
        }
        self.opportunistic(now);
    }

    /// Queues up to a segment of `[start, start + avail)` on subflow `i`; returns the bytes.
    fn hand_out(&mut self, now: Instant, i: usize, start: u64, avail: u64) -> u64 {
        let Some(sf) = self.subflows.get_mut(i) else {
            return 0;
        };
        let len = avail
            .min(sf.sock.data_payload(dss_data_len(self.rcv.ack64)))
            .min(u64::from(u16::MAX));
        if len == 0 {
            return 0;
        }
        let ssn = sf.sock.send_end();
        let accepted = sf.sock.send(len);
        debug_assert_eq!(accepted, len);
        sf.mp.map.push(Mapping {
            ssn,
            dsn: start,
            len: accepted,
        });
        self.sched.sent(i, accepted);
        self.poll_subflow(now, i);
        accepted
    }

    fn has_space(&self, i: usize) -> bool {
        let s = &self.subflows[i].sock;
        s.unsent() == 0 && s.cwnd_room() > 0
    }

    /// The redundant scheduler's pick (`mptcp_redundant.c` with the fixes of
    /// `multipath-tcp/mptcp#474/#478`): each subflow of `set` with window space first sends
    /// copies of the data handed out before, from its own position (`red_nxt`, never below
    /// DATA_UNA: data already acknowledged is skipped), then the first one with space takes
    /// the new chunk. Returns the new bytes handed out.
    fn hand_out_redundant(&mut self, now: Instant, set: u64, chunk: (u64, u64, bool)) -> u64 {
        self.redundant_copies(now, set);
        let (start, avail, reinjection) = chunk;
        let n = self.subflows.len().min(64);
        let Some(i) = (0..n).find(|&i| set & (1 << i) != 0 && self.has_space(i)) else {
            return 0;
        };
        let len = self.hand_out(now, i, start, avail);
        if !reinjection {
            self.subflows[i].mp.red_nxt = start + len;
        }
        len
    }

    /// Copies of data already handed out, on the subflows of `set` that have space.
    fn redundant_copies(&mut self, now: Instant, set: u64) {
        for i in (0..self.subflows.len().min(64)).filter(|i| set & (1 << i) != 0) {
            while self.has_space(i) {
                let pos = self.subflows[i].mp.red_nxt.max(self.snd.una);
                if pos >= self.snd.nxt {
                    break;
                }
                let len = self.hand_out(now, i, pos, self.snd.nxt - pos);
                if len == 0 {
                    break;
                }
                self.subflows[i].mp.red_nxt = pos + len;
                self.snd.redundant += len;
                self.snd.sent += len;
            }
        }
    }

    /// Opportunistic retransmission and penalisation (Raiciu et al., NSDI 2012 §4.2; the
    /// out-of-tree kernel's `mptcp_rcv_buf_optimization`, ALGORITHMS.md b5), when the
    /// scheduler has it, the switch is on, and the peer's window blocks new data: the
    /// segment at DATA_UNA, held by a slower subflow `s`, is sent again on the subflow `f`
    /// minRTT picks if `cwnd_s ≤ 4` segments or `4·srtt_f < srtt_s`; at most once per RTT
    /// of `f`, the slower holder is penalised ([`TcpSocket::penalise`]).
    fn opportunistic(&mut self, now: Instant) {
        let blocked = self.snd.nxt >= self.snd.right_edge && self.snd.app_end > self.snd.nxt;
        if !self.cfg.opportunistic_retransmission
            || !self.cfg.scheduler.opportunistic()
            || !blocked
            || self.snd.una >= self.snd.nxt
        {
            return;
        }
        let head = self.snd.una;
        if self.opp_last.is_some_and(|(h, _)| h == head) {
            return;
        }
        self.fill_sched_views();
        let Some(f) = super::sched::minrtt::min_rtt(&self.sched_views) else {
            return;
        };
        let srtt_f = self.sched_views[f].srtt_or_zero();
        let holds = |s: &Subflow| -> Option<Mapping> {
            s.mp.map
                .iter()
                .find(|m| m.dsn <= head && head < m.dsn + m.len)
                .copied()
        };
        if holds(&self.subflows[f]).is_some() {
            return;
        }
        // Penalise the slower holder, at most once per RTT of f.
        let due = self.subflows[f]
            .mp
            .last_rbuf_opti
            .is_none_or(|t| now.saturating_duration_since(t) >= srtt_f);
        let mut do_retrans = false;
        let mut seg = None;
        for (j, s) in self.subflows.iter_mut().enumerate() {
            if j == f || s.mp.dead {
                continue;
            }
            let Some(m) = holds(s) else {
                continue;
            };
            seg = seg.or(Some(m));
            let v = self.sched_views[j];
            if due && v.srtt.is_some_and(|r| srtt_f < r) {
                s.sock.penalise(now);
            }
            if v.cwnd_pkts() <= 4 {
                do_retrans = true;
                break;
            }
            if 4 * srtt_f.as_nanos() >= v.srtt_or_zero().as_nanos() {
                do_retrans = false;
                break;
            }
            do_retrans = true;
        }
        if due {
            self.subflows[f].mp.last_rbuf_opti = Some(now);
        }
        let Some(m) = seg else {
            return;
        };
        if !do_retrans || !self.sched_views[f].has_space {
            return;
        }
        let avail = m.dsn + m.len - head;
        let sent = self.hand_out(now, f, head, avail);
        if sent > 0 {
            self.snd.reinjected += sent;
            self.snd.sent += sent;
            self.opp_rtx += 1;
            self.opp_last = Some((head, f));
        }
    }

    /// The lowest-RTT usable subflow, for signals (DATA_FIN, ADD_ADDR).
    fn signal_subflow(&self) -> Option<usize> {
        self.subflows
            .iter()
            .enumerate()
            .filter(|(_, s)| Self::usable(s))
            .min_by_key(|(i, s)| (s.sock.srtt().is_none(), s.sock.srtt(), *i))
            .map(|(i, _)| i)
    }

    /// DATA_FIN and ADD_ADDR (re)transmissions.
    fn signal(&mut self, now: Instant) {
        if self.snd.fin_to_send().is_some() && self.data_fin_rtx_at.is_none() {
            if let Some(i) = self.signal_subflow() {
                let sf = &mut self.subflows[i];
                sf.mp.send_data_fin = true;
                sf.sock.request_ack();
                self.data_fin_rtx_at = Some(now + sf.sock.rto());
            }
        }
        if self.remote_key.is_none() || self.announce.is_empty() || self.completed_at.is_some() {
            return;
        }
        let Some(i) = self.signal_subflow() else {
            return;
        };
        let due = self
            .announce
            .iter()
            .position(|a| !a.echoed && a.next_at.is_none_or(|t| t <= now));
        let (Some(k), Some(rk)) = (due, self.remote_key) else {
            return;
        };
        let sf = &mut self.subflows[i];
        if sf.mp.add_addr.is_some() {
            return;
        }
        let a = &mut self.announce[k];
        let mut repr = AddAddrRepr {
            addr_id: a.id,
            addr: core::net::IpAddr::V4(a.addr.octets().into()),
            port: None,
            kind: AddAddrKind::V1Echo,
        };
        // RFC 8684 §3.4.1: HMAC with key Key-A ‖ Key-B, A the announcing host.
        repr.kind = AddAddrKind::V1 {
            hmac: repr.expected_hmac(self.local_key, rk),
        };
        sf.mp.add_addr = Some(repr);
        sf.sock.request_ack();
        a.next_at = Some(now + sf.sock.rto());
    }

    /// The ADD_ADDR echo for announced address `id` arrived.
    pub(crate) fn on_add_addr_echo(&mut self, id: u8) {
        if let Some(a) = self.announce.iter_mut().find(|a| a.id == id) {
            a.echoed = true;
        }
    }

    fn maybe_complete(&mut self, now: Instant) {
        if self.completed_at.is_some() || !self.snd.fin_acked() || !self.rcv.fin_received {
            return;
        }
        self.completed_at = Some(now);
        self.data_fin_rtx_at = None;
        self.event(now, None, MptcpEventKind::Completed);
        for s in &mut self.subflows {
            if !s.mp.dead {
                s.mp.third_ack_rtx_at = None;
                s.sock.close();
            }
        }
    }
}
