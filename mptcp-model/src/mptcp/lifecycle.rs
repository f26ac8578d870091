//! Subflow life cycle of an [`MptcpConnection`]: the subflows the path manager asks for
//! (opened by the owner), joins accepted from the peer, interface changes and backup flags
//! (MP_PRIO), the subflow state machine after a socket changed (join refused or timed out,
//! potential failure after consecutive RTOs and recovery, close), and abandoning a subflow
//! with reinjection of the data it held.

use super::conn::{MptcpConnection, Remote, SubflowRequest};
use super::event::{FailReason, Handshake, MptcpEventKind, Refusal};
use super::mib::MibField;
use super::pm::{PathManager, PmLocal, PmRemote, PmSubflow, PmView};
use super::stats::SubflowState;
use super::subflow::Role;
use super::subflows::{marked_indexes, Watcher};
use crate::tcp::{ConnectionError, SocketAddr, TcpSocket, TcpState};
use crate::wire::{SeqNum, TcpHeader};
use rand::Rng;
use sim_core::{Addr, Instant, Packet};

impl MptcpConnection {
    /// The next subflow the owner should open, if any (call until `None`).
    #[inline]
    pub fn poll_subflow_request(&mut self) -> Option<SubflowRequest> {
        // Asked after every call into the connection: a listener (which never opens
        // subflows) and a closed connection answer here, without a call.
        if !self.initiator || self.closed_at.is_some() {
            return None;
        }
        self.next_subflow_request()
    }

    /// [`Self::poll_subflow_request`] for an initiator that is not closed.
    fn next_subflow_request(&mut self) -> Option<SubflowRequest> {
        let remote_index;
        let local_index;
        let initial = self.remote_key.is_none();
        if self.fallback.is_some() {
            return None;
        }
        if initial {
            // A peer that reset the MP_CAPABLE handshake refused the connection (Linux:
            // ECONNREFUSED): no new attempt. A timed-out attempt is retried (on another
            // interface if the first is down).
            let refused = (self.subflows.iter()).any(|s| {
                matches!(
                    s.sock.error(),
                    Some(ConnectionError::Refused | ConnectionError::Reset)
                )
            });
            if refused || self.subflows.iter().any(|s| s.mp.active()) || self.completed_at.is_some()
            {
                return None;
            }
            local_index = self.locals.iter().position(|l| l.usable())?;
            remote_index = 0;
        } else {
            (local_index, remote_index) = self.next_join()?;
        }
        Some(SubflowRequest {
            local_index,
            remote_index,
            local: self.locals[local_index].addr,
            remote: self.remotes[remote_index].sa,
            initial,
        })
    }

    /// The path manager's next pair to join, asked only when its view changed since it
    /// last found nothing: the local and remote addresses are few and compared in place,
    /// the subflows' entries are read again only for the subflows that changed (see
    /// [`super::subflows`]). No allocation per packet: the view's vectors are kept.
    fn next_join(&mut self) -> Option<(usize, usize)> {
        let mut changed = false;
        let locals = self.locals.iter().map(|l| PmLocal {
            up: l.usable(),
            subflow: l.subflow,
            fullmesh: l.fullmesh,
        });
        changed |= refill(&mut self.pm_locals, locals);
        let deny0 = self.peer_deny_join_id0;
        let remotes = self.remotes.iter().enumerate().map(|(k, r)| PmRemote {
            joinable: !(r.removed || (k == 0 && deny0)),
        });
        changed |= refill(&mut self.pm_remotes, remotes);
        let n = self.subflows.len();
        while self.pm_subflows.len() < n {
            let e = Self::pm_subflow(&self.subflows[self.pm_subflows.len()]);
            self.pm_subflows.push(e);
            changed = true;
        }
        let bits = self.subflows.take(Watcher::Pm);
        for i in marked_indexes(bits, n) {
            let e = Self::pm_subflow(&self.subflows[i]);
            changed |= self.pm_subflows[i] != e;
            self.pm_subflows[i] = e;
        }
        let fully_established = self.fully_established && self.completed_at.is_none();
        #[cfg(debug_assertions)]
        for (s, e) in self.subflows.iter().zip(&self.pm_subflows) {
            debug_assert_eq!(*e, Self::pm_subflow(s), "path manager view out of date");
        }
        let view = PmView {
            initiator: true,
            fully_established,
            locals: &self.pm_locals,
            remotes: &self.pm_remotes,
            subflows: &self.pm_subflows,
        };
        if self.pm_idle && !changed && self.pm_fully_established == fully_established {
            // Path managers are functions of the view: the same view, the same answer.
            debug_assert_eq!(self.pm.clone().next_subflow(&view), None);
            return None;
        }
        self.pm_fully_established = fully_established;
        let next = self.pm.next_subflow(&view);
        self.pm_idle = next.is_none();
        next
    }

    /// What the path manager sees of subflow `s`.
    fn pm_subflow(s: &super::subflow::Subflow) -> PmSubflow {
        PmSubflow {
            local: s.mp.local,
            remote: s.mp.remote,
            active: s.mp.active(),
            refused: s.mp.pm_block,
        }
    }

    /// Opens the subflow `req` asked for from local port `port`; returns its id. Its SYN
    /// goes out at the next [`MptcpConnection::poll_transmit`].
    pub fn open_subflow(&mut self, now: Instant, req: SubflowRequest, port: u16) -> u32 {
        let role = if req.initial {
            Role::CapableClient
        } else {
            self.mib.inc(MibField::MpJoinSynTx);
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
        let addrs = (req.local_index, req.remote_index);
        let id = self.push_subflow(now, sock, role, addrs, backup);
        if req.initial && !self.cfg.enabled {
            // MPTCP disabled here: a plain TCP connection from the start (no MP_CAPABLE).
            let i = id as usize;
            self.fall_back(now, i, super::event::FallbackReason::NotRequested, (1, 1));
        }
        id
    }

    /// A SYN with MP_JOIN for our token arrived on `local`: opens the listener's side of
    /// the subflow (its SYN-ACK carries our HMAC). `None` if the SYN carries no MP_JOIN, the
    /// connection is not established yet, or `local` is not one of our addresses (the last
    /// two are reported as [`MptcpEventKind::JoinRejected`]).
    pub fn accept_join(
        &mut self,
        now: Instant,
        local: SocketAddr,
        syn: &Packet<TcpHeader>,
    ) -> Option<u32> {
        use crate::wire::mptcp::{JoinRepr, MptcpOption};
        let (backup, random, addr_id) = syn.header.options.mptcp.iter().find_map(|o| match o {
            MptcpOption::Join(JoinRepr::Syn {
                backup,
                random,
                addr_id,
                ..
            }) => Some((*backup, *random, *addr_id)),
            _ => None,
        })?;
        self.mib.inc(MibField::MpJoinSynRx);
        if backup {
            self.mib.inc(MibField::MpJoinSynBackupRx);
        }
        let remote = SocketAddr::new(syn.src, syn.header.src_port);
        let local_index = (self.locals.iter()).position(|l| l.addr == local.addr && !l.removed);
        let reason = match local_index {
            _ if self.fallback.is_some() => Some(Refusal::FellBack),
            _ if self.remote_key.is_none() => Some(Refusal::NotEstablished),
            None => Some(Refusal::UnknownAddress),
            Some(_) => None,
        };
        if let Some(reason) = reason {
            let kind = MptcpEventKind::JoinRejected {
                reason,
                local,
                remote,
            };
            self.event(now, None, kind);
            return None;
        }
        let local_index = local_index?;
        // The peer's address id names its address (RFC 8684 §3.2): a NAT may change the
        // address a join comes from, and REMOVE_ADDR names ids.
        let remote_index = match self.remotes.iter().position(|r| r.id == addr_id) {
            Some(i) => {
                self.remotes[i].removed = false;
                i
            }
            None => {
                self.remotes.push(Remote {
                    sa: remote,
                    id: addr_id,
                    removed: false,
                });
                self.remotes.len() - 1
            }
        };
        let isn = SeqNum(self.rng.random());
        let sock = TcpSocket::accept(now, local, syn, isn, self.subflow_cfg()).ok()?;
        let role = Role::JoinServer {
            nonce: self.rng.random(),
            peer_nonce: random,
        };
        let n = self.push_subflow(now, sock, role, (local_index, remote_index), backup);
        let i = n as usize;
        self.event(now, Some(i), MptcpEventKind::JoinReceived(Handshake::Syn));
        Some(n)
    }

    /// Local interface `addr` becomes a backup (`backup`) or a regular path: its subflows
    /// change class at once here and tell the peer with MP_PRIO on their next ACK (RFC 8684
    /// §3.3.8; sent once, on a pure ACK, as Linux does); subflows opened later from it
    /// join with the new flag.
    pub fn set_backup(&mut self, addr: Addr, backup: bool) {
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
        }
    }

    /// The peer sent MP_PRIO on subflow `i`.
    pub(crate) fn on_prio(&mut self, now: Instant, i: usize, backup: bool) {
        self.mib.inc(MibField::MpPrioRx);
        self.event(now, Some(i), MptcpEventKind::PrioReceived { backup });
        self.subflows[i].mp.backup = backup;
    }

    /// Abandons subflow `i` for good (state `state`), reporting `why` first, and reinjects
    /// its data.
    pub(crate) fn kill(
        &mut self,
        now: Instant,
        i: usize,
        state: SubflowState,
        why: Option<MptcpEventKind>,
    ) {
        if let Some(kind) = why {
            self.event(now, Some(i), kind);
        }
        // The in-kernel path manager does not reuse an endpoint whose subflow closed: its
        // address id becomes available again only when the endpoint is removed and added
        // back (`id_avail_bitmap` in `pm_netlink.c`; `local_returns` clears the block).
        if matches!(self.cfg.path_manager, super::PathManagerKind::InKernel(_)) {
            self.subflows[i].mp.pm_block = true;
        }
        let sf = &mut self.subflows[i];
        sf.sock.abort_with(now, ConnectionError::Reset);
        sf.mp.dead = true;
        sf.mp.state = state;
        sf.mp.third_ack_rtx_at = None;
        self.absorb(i);
        self.reinject(i);
    }

    /// Queues the data subflow `i` holds and has not had acknowledged for another subflow,
    /// remembering where it came from.
    pub(crate) fn reinject(&mut self, i: usize) {
        let sf = &self.subflows[i];
        let una = sf.sock.snd_una();
        let from = sf.mp.id.number;
        for m in sf.mp.map.iter() {
            let skip = una.saturating_sub(m.ssn).min(m.len);
            self.snd
                .queue_reinjection(m.dsn + skip, m.dsn + m.len, from);
        }
    }

    /// Subflow state after its socket changed: join timeouts, potential failure after
    /// `subflow_fail_rtos` consecutive RTOs (and recovery), closes.
    pub(crate) fn after_subflow_change(&mut self, now: Instant, i: usize) {
        let id = Some(i);
        let n = self.cfg.subflow_fail_rtos;
        let sf = &mut self.subflows[i];
        let tcp = sf.sock.state();
        match sf.mp.state {
            SubflowState::Joining if tcp == TcpState::Closed => {
                sf.mp.pm_block = true;
                let why = match sf.sock.error() {
                    Some(ConnectionError::Refused | ConnectionError::Reset) => Refusal::PeerReset,
                    Some(ConnectionError::TimedOut) | None => Refusal::TimedOut,
                };
                let why = MptcpEventKind::SubflowRefused(why);
                self.kill(now, i, SubflowState::Refused, Some(why));
            }
            SubflowState::Established | SubflowState::Failed
                if matches!(tcp, TcpState::Closed | TcpState::TimeWait) =>
            {
                let reset = sf.sock.error().is_some();
                sf.mp.state = SubflowState::Closed;
                let why = MptcpEventKind::SubflowClosed { reset };
                if reset {
                    self.kill(now, i, SubflowState::Closed, Some(why));
                } else {
                    self.event(now, id, why);
                }
            }
            SubflowState::Established if n > 0 && sf.sock.consecutive_rtos() >= n => {
                sf.mp.state = SubflowState::Failed;
                self.reinject(i);
                self.mib.inc(MibField::SubflowStale);
                let kind = MptcpEventKind::SubflowFailed(FailReason::RetransmissionTimeouts);
                self.event(now, id, kind);
            }
            SubflowState::Failed if !sf.mp.dead && sf.sock.consecutive_rtos() == 0 => {
                sf.mp.state = SubflowState::Established;
                self.mib.inc(MibField::SubflowRecover);
                self.event(now, id, MptcpEventKind::SubflowRecovered);
            }
            _ => {}
        }
        let sf = &mut self.subflows[i];
        if sf.sock.peer_closed() && !sf.sock.is_closing() && self.fallback.is_none() {
            // As the TCP sink: a subflow the peer closed is closed too (after a fallback
            // the subflow is the connection: it closes when our data is done).
            sf.sock.close();
        }
    }
}

/// Sets `v` to the items of `items`; returns true when that changed it.
fn refill<T: PartialEq + Copy>(v: &mut Vec<T>, items: impl ExactSizeIterator<Item = T>) -> bool {
    let mut changed = v.len() != items.len();
    v.truncate(items.len());
    for (k, x) in items.enumerate() {
        match v.get_mut(k) {
            Some(y) if *y == x => {}
            Some(y) => {
                *y = x;
                changed = true;
            }
            None => v.push(x),
        }
    }
    changed
}
