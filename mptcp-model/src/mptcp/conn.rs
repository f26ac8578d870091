//! [`MptcpConnection`]: one Multipath TCP connection (RFC 8684) over several subflows.
//!
//! This file holds the connection's state, its construction, keys, the application API
//! and snapshots; the rest of its behaviour lives beside it (`input.rs`, `transmit.rs`,
//! `timers.rs`, `lifecycle.rs`).
//!
//! Sans-IO like [`crate::tcp::TcpSocket`]: the owner (the host) feeds it packets of its
//! subflows ([`MptcpConnection::handle_packet`]), timer wake-ups and interface changes,
//! drains [`MptcpConnection::poll_transmit`] and [`MptcpConnection::poll_event`], asks
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

use super::event::{Handshake, MptcpEvent, MptcpEventKind};
use super::mib::MptcpMib;
use super::pm::{AnyPathManager, PmLocal, PmRemote, PmSubflow};
use super::recv::DataRecv;
use super::sched::{AnyScheduler, SchedView};
use super::send::DataSend;
use super::stats::{MptcpStats, SubflowStats};
use super::subflow::{Role, Subflow, SubflowMp};
use super::subflows::Subflows;
use super::{LocalAddr, MptcpConfig};
use crate::cc::SubflowView;
use crate::crypto::{idsn, Key};
use crate::deadlines::MinTree;
use crate::event::{Event, SubflowId};
use crate::tcp::{SocketAddr, TcpConfig, TcpSocket};
use crate::wire::{SeqNum, TcpHeader};
use rand::Rng;
use sim_core::{Addr, Instant, Packet, RngStream};
use std::collections::VecDeque;

/// A local address of the connection (its index is its address id, RFC 8684 §3.2), its
/// interface state and its path-manager endpoint.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Local {
    pub(crate) addr: Addr,
    pub(crate) backup: bool,
    /// The interface's link is up.
    pub(crate) up: bool,
    /// The endpoint was deleted (`ip mptcp endpoint delete`): no subflow uses it.
    pub(crate) removed: bool,
    /// In-kernel endpoint flags `subflow` and `fullmesh`.
    pub(crate) subflow: bool,
    pub(crate) fullmesh: bool,
}

impl Local {
    pub(crate) fn new(addr: Addr, backup: bool, up: bool) -> Self {
        Local {
            addr,
            backup,
            up,
            removed: false,
            subflow: false,
            fullmesh: false,
        }
    }

    /// Subflows may use it.
    pub(crate) fn usable(&self) -> bool {
        self.up && !self.removed
    }
}

/// A remote address of the connection: where subflows go, and its address id.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Remote {
    pub(crate) sa: SocketAddr,
    /// The peer's address id (0: the address the connection was opened to).
    pub(crate) id: u8,
    /// The peer withdrew it (REMOVE_ADDR).
    pub(crate) removed: bool,
}

/// An address the listener announces with ADD_ADDR, retransmitted until echoed.
#[derive(Clone, Copy, Debug)]
pub(super) struct Announce {
    pub(super) id: u8,
    pub(super) addr: Addr,
    pub(super) echoed: bool,
    pub(super) next_at: Option<Instant>,
    /// Sent at least once (a withdrawal then needs a REMOVE_ADDR).
    pub(super) sent: bool,
    /// Retransmissions so far (at most [`super::ADD_ADDR_RETRANS_MAX`]).
    pub(super) retrans: u8,
    /// Withdrawn (endpoint deleted, interface down): no longer announced.
    pub(super) withdrawn: bool,
}

impl Announce {
    /// Address `addr` with id `id`, not yet announced.
    pub(super) fn new(id: u8, addr: Addr) -> Self {
        Announce {
            id,
            addr,
            echoed: false,
            next_at: None,
            sent: false,
            retrans: 0,
            withdrawn: false,
        }
    }

    /// Still to be (re)sent.
    pub(super) fn pending(&self) -> bool {
        !self.echoed && !self.withdrawn && self.retrans < super::ADD_ADDR_RETRANS_MAX
    }
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

/// One MPTCP connection (the parts are listed in [`crate::mptcp`]): sans-IO, fed packets,
/// timer wake-ups and interface changes by its owner, drained of packets and events.
#[derive(Clone, Debug)]
pub struct MptcpConnection {
    pub(crate) cfg: MptcpConfig,
    pub(crate) initiator: bool,
    pub(super) rng: RngStream,
    pub(crate) local_key: Key,
    pub(crate) remote_key: Option<Key>,
    pub(crate) locals: Vec<Local>,
    pub(crate) remotes: Vec<Remote>,
    pub(super) announce: Vec<Announce>,
    /// Local address ids to withdraw with REMOVE_ADDR on the next signal.
    pub(super) pending_rm: Vec<u8>,
    /// The `MPTcpExt` counters of this connection.
    pub(crate) mib: MptcpMib,
    /// Fell back to TCP (RFC 8684 §3.7).
    pub(crate) fallback: Option<super::fallback::Fallback>,
    /// DSS checksums in use: asked for here, or by the peer's MP_CAPABLE `A` flag.
    pub(crate) checksum_on: bool,
    /// No join was ever established: a fallback in the middle is still possible.
    pub(crate) infinite_ok: bool,
    /// We sent MP_FAIL (or answered one).
    pub(crate) fail_sent: bool,
    /// The subflows, with marks of those changed since each derived value was last
    /// brought up to date (the deadline, scheduler views, output polling).
    pub(crate) subflows: Subflows,
    /// Each subflow's deadline (socket timers, third-ACK retransmission), as of its last
    /// change: the connection's deadline without a scan over every subflow.
    pub(super) subflow_deadlines: MinTree,
    pub(crate) snd: DataSend,
    pub(crate) rcv: DataRecv,
    pub(super) sched: AnyScheduler,
    pub(super) pm: AnyPathManager,
    pub(crate) fully_established: bool,
    pub(crate) established_at: Option<Instant>,
    pub(super) completed_at: Option<Instant>,
    pub(super) data_fin_rtx_at: Option<Instant>,
    /// When subflows still open after completion are torn down.
    pub(super) close_deadline: Option<Instant>,
    /// When the connection was torn down (fast close).
    pub(super) closed_at: Option<Instant>,
    pub(crate) outbox: VecDeque<Packet<TcpHeader>>,
    /// Reused buffer for [`MptcpConnection::poll_transmit`]'s output passes.
    pub(super) scratch_out: Vec<Packet<TcpHeader>>,
    /// Events not yet drained by [`MptcpConnection::poll_event`].
    pub(super) events: VecDeque<MptcpEvent>,
    pub(crate) views: Vec<SubflowView>,
    pub(super) sched_views: Vec<SchedView>,
    /// The DSS size (`rcv.ack64`) the scheduler views were filled at (`None`: never).
    pub(super) sched_ack64: Option<bool>,
    /// The largest segment payload among the usable subflows' views.
    pub(super) sched_mss: u64,
    /// The DSS size (`rcv.ack64`) of the subflows' last output polls (`None`: never).
    pub(super) output_ack64: Option<bool>,
    /// Opportunistic retransmissions so far, and the last one's (head offset, subflow).
    pub(super) opp_rtx: u64,
    pub(super) opp_last: Option<(u64, usize)>,
    pub(super) pm_locals: Vec<PmLocal>,
    pub(super) pm_remotes: Vec<PmRemote>,
    /// The peer's MP_CAPABLE set the `C` flag: no joins to its initial address (RFC 8684
    /// §3.1).
    pub(crate) peer_deny_join_id0: bool,
    /// The path manager's view of each subflow, kept up to date from the changed ones.
    pub(super) pm_subflows: Vec<PmSubflow>,
    /// The path manager found nothing to open with the view as it is (`pm_locals`,
    /// `pm_remotes`, `pm_subflows` and the connection's state): asked again only when it
    /// changed.
    pub(super) pm_idle: bool,
    /// The `fully_established` of the path manager's last view.
    pub(super) pm_fully_established: bool,
    pub(super) app_written: u64,
    pub(super) app_read: u64,
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
            pending_rm: Vec::new(),
            mib: MptcpMib::new(),
            fallback: None,
            checksum_on: cfg.checksum,
            infinite_ok: true,
            fail_sent: false,
            subflows: Subflows::default(),
            subflow_deadlines: MinTree::default(),
            // The peer's window is unknown until its SYN (-ACK): nothing may be sent.
            snd: DataSend::new(idsn(local_key), cfg.snd_buf, 0),
            rcv: DataRecv::new(cfg.rcv_buf),
            sched: AnyScheduler::new(cfg.scheduler),
            pm: AnyPathManager::new(cfg.path_manager),
            fully_established: false,
            established_at: None,
            completed_at: None,
            data_fin_rtx_at: None,
            close_deadline: None,
            closed_at: None,
            outbox: VecDeque::new(),
            scratch_out: Vec::new(),
            events: VecDeque::new(),
            views: Vec::new(),
            sched_views: Vec::new(),
            sched_ack64: None,
            sched_mss: 0,
            output_ack64: None,
            opp_rtx: 0,
            opp_last: None,
            pm_locals: Vec::new(),
            pm_remotes: Vec::new(),
            peer_deny_join_id0: false,
            pm_subflows: Vec::new(),
            pm_idle: false,
            pm_fully_established: false,
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
        let flags = |k: usize| match cfg.path_manager {
            super::PathManagerKind::InKernel(pm) => pm.initial_flags(k),
            _ => (false, false),
        };
        let locals = (locals.iter().enumerate())
            .map(|(k, l)| {
                let (subflow, fullmesh) = flags(k);
                Local {
                    subflow,
                    fullmesh,
                    ..Local::new(l.addr, l.backup, is_up(l.addr))
                }
            })
            .collect();
        let mut c = MptcpConnection::new(cfg, true, rng, locals);
        c.remotes.push(Remote {
            sa: remote,
            id: 0,
            removed: false,
        });
        c
    }

    /// The listener's side, from a SYN received on `local`; `announce` are further local
    /// addresses advertised with ADD_ADDR (ids 1, 2, ...). A SYN without MP_CAPABLE (or MPTCP
    /// disabled here) gives a connection that is plain TCP from the start (RFC 8684 §3.7).
    /// `None` when the SYN cannot open a socket.
    pub fn accept(
        now: Instant,
        cfg: MptcpConfig,
        local: SocketAddr,
        syn: &Packet<TcpHeader>,
        announce: &[Addr],
        is_up: impl Fn(Addr) -> bool,
        rng: RngStream,
    ) -> Option<Self> {
        let capable = syn.header.options.mptcp.iter().find_map(|o| match o {
            crate::wire::mptcp::MptcpOption::Capable(c) if c.version == 1 => Some(c.flags),
            _ => None,
        });
        let locals = core::iter::once(local.addr)
            .chain(announce.iter().copied())
            .map(|addr| Local::new(addr, false, is_up(addr)))
            .collect();
        let mut c = MptcpConnection::new(cfg, false, rng, locals);
        c.remotes.push(Remote {
            sa: SocketAddr::new(syn.src, syn.header.src_port),
            id: 0,
            removed: false,
        });
        // The SYN's (unscaled) window bounds the data level until the first DATA_ACK.
        c.snd.set_initial_window(u64::from(syn.header.window));
        c.announce = announce
            .iter()
            .enumerate()
            .map(|(k, &addr)| Announce::new((k + 1) as u8, addr))
            .collect();
        let isn = SeqNum(c.rng.random());
        let sock = TcpSocket::accept(now, local, syn, isn, c.subflow_cfg()).ok()?;
        match capable.filter(|_| cfg.enabled) {
            Some(flags) => {
                c.mib.inc(super::mib::MibField::MpCapableSynRx);
                // RFC 8684 §3.1: checksums when either end asks for them.
                c.checksum_on |= flags.checksum_required();
            }
            None => c.announce.clear(),
        }
        c.push_subflow(now, sock, Role::CapableServer, (0, 0), false);
        if capable.is_some() && cfg.enabled {
            let kind = MptcpEventKind::CapableReceived(Handshake::Syn);
            c.event(now, Some(0), kind);
        } else {
            // A SYN without MP_CAPABLE, or MPTCP disabled here: plain TCP (RFC 8684 §3.7).
            c.fall_back(now, 0, super::event::FallbackReason::NotRequested, (1, 1));
        }
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

    /// Adds subflow `sock` of role `role` between local and remote address indexes
    /// `addrs`: numbers it, finds the abandoned subflow it re-creates (the first on the same
    /// addresses that is neither active nor already re-created), and reports it opened.
    /// Returns its number.
    pub(super) fn push_subflow(
        &mut self,
        now: Instant,
        mut sock: TcpSocket,
        role: Role,
        addrs: (usize, usize),
        backup: bool,
    ) -> u32 {
        sock.set_multipath();
        let (local, remote) = (sock.local(), sock.remote());
        let same_pair =
            |s: &Subflow| s.sock.local().addr == local.addr && s.sock.remote().addr == remote.addr;
        let recreates =
            (self.subflows.iter()).position(|s| same_pair(s) && !s.mp.active() && !s.mp.recreated);
        if let Some(j) = recreates {
            self.subflows[j].mp.recreated = true;
        }
        let id = SubflowId {
            number: self.subflows.len() as u32,
            local,
            remote,
            recreated_from: recreates.map(|j| j as u32),
        };
        let mut mp = SubflowMp::new(id, role, addrs.0, addrs.1, backup);
        mp.remote_id = self.remotes.get(addrs.1).map_or(0, |r| r.id);
        self.subflows.push(Subflow { sock, mp });
        self.event(
            now,
            Some(self.subflows.len() - 1),
            MptcpEventKind::SubflowOpened,
        );
        id.number
    }

    /// Queues an MPTCP event of subflow `subflow` (index), or of the connection.
    pub(crate) fn event(&mut self, at: Instant, subflow: Option<usize>, kind: MptcpEventKind) {
        let subflow = subflow.map(|i| self.subflows[i].mp.id);
        self.events.push_back(MptcpEvent {
            at,
            subflow,
            event: Event::Mptcp(kind),
        });
    }

    /// Moves the TCP events of subflow `i`'s socket into the connection's queue (called
    /// right after every call into the socket, so they stay in order with the MPTCP events
    /// they cause).
    pub(super) fn absorb(&mut self, i: usize) {
        // Draining a socket's events changes nothing a watcher of the subflows reads.
        let Some(sf) = self.subflows.untracked_mut(i) else {
            return;
        };
        while let Some((at, e)) = sf.sock.poll_event() {
            self.events.push_back(MptcpEvent {
                at,
                subflow: Some(sf.mp.id),
                event: Event::Tcp(e),
            });
        }
    }

    /// The next event, oldest first (contract in [`crate::event`]).
    pub fn poll_event(&mut self) -> Option<MptcpEvent> {
        self.events.pop_front()
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

    /// As [`MptcpConnection::recv`], at most `max` bytes (the rest stays in the receive
    /// buffer, the data-level window closed by as much).
    pub fn recv_up_to(&mut self, max: u64) -> u64 {
        let n = self.rcv.read_up_to(max);
        self.app_read += n;
        n
    }

    /// Bytes delivered in order and not yet read.
    pub fn readable(&self) -> u64 {
        self.rcv.unread
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

    /// Why the connection fell back to plain TCP (RFC 8684 §3.7), if it did.
    pub fn fallback_reason(&self) -> Option<super::event::FallbackReason> {
        self.fallback.map(|f| f.reason)
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
            subflows: self.subflow_stats().collect(),
            completed_at: self.completed_at,
        }
    }

    /// A snapshot of every subflow ever created, in creation order (no allocation: the
    /// owner samples them at its interval, as `ss -tiM` lists a connection's subflows).
    pub fn subflow_stats(&self) -> impl Iterator<Item = SubflowStats> + '_ {
        self.subflows.iter().map(|s| {
            let tcp = s.sock.stats();
            SubflowStats {
                id: s.mp.id,
                backup: s.mp.backup,
                state: s.mp.state,
                data_bytes_sent: tcp.payload_bytes_sent,
                tcp,
            }
        })
    }

    /// The owner answered a join SYN for this connection with a RST carrying MP_TCPRST
    /// (counted here as `MPRstTx`).
    pub fn note_reset_sent(&mut self) {
        self.mib.inc(super::mib::MibField::MpRstTx);
    }

    /// The `MPTcpExt` counters of this connection (see [`super::mib`]).
    pub fn mib(&self) -> &MptcpMib {
        &self.mib
    }

    /// Bytes waiting in the connection-level out-of-order queue (receive side).
    pub fn ooo_bytes(&self) -> u64 {
        self.rcv.ooo_bytes()
    }

    /// Data-level bytes handed to subflows and not yet data-acknowledged.
    pub fn data_in_flight(&self) -> u64 {
        self.snd.in_flight()
    }
}
