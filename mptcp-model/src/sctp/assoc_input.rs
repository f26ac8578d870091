//! What an association does with a packet and with its timers: the handshake steps, SACKs,
//! heartbeats, shutdown and abort, T1/T2/T3 expiry and the error counters (RFC 9260 §5, §6.3,
//! §8, §9).

use super::{AssocState, SctpAssociation};
use crate::sctp::path::PathState;
use crate::sctp::recv::Receiver;
use crate::sctp::{SctpError, SctpEvent};
use crate::wire::sctp::{Control, HeartbeatInfo, InitRepr, SctpPacket};
use sim_core::{Addr, Duration, Instant};

impl SctpAssociation {
    /// Processes packet `pkt` from `src` to `dst`.
    pub fn handle_packet(&mut self, now: Instant, src: Addr, dst: Addr, pkt: &SctpPacket) {
        self.new_opportunity();
        if self.state == AssocState::Closed || !self.tag_ok(pkt) {
            return;
        }
        let from = self.paths.iter().position(|p| p.remote == src);
        match pkt.control {
            Control::None | Control::Init(_) => {}
            Control::InitAck(init, cookie) => {
                if self.state == AssocState::CookieWait {
                    self.on_init_ack(now, src, &init, cookie);
                }
            }
            Control::CookieEcho(_) => {
                // §5.2.4 case D: our COOKIE ACK was lost; send it again.
                if self.state != AssocState::CookieWait {
                    self.ctl.push_back((dst, src, Control::CookieAck));
                }
            }
            Control::CookieAck => {
                if self.state == AssocState::CookieEchoed {
                    self.establish(now);
                }
            }
            Control::Sack(s) => self.on_sack(now, &s, from),
            Control::Heartbeat(info) => self.hb_acks.push_back((dst, src, info)),
            Control::HeartbeatAck(info) => self.on_heartbeat_ack(now, &info),
            Control::Abort { .. } => self.end(now, Some(SctpError::PeerAborted)),
            Control::Shutdown { cum_tsn } => self.on_shutdown(now, cum_tsn, src, dst),
            Control::ShutdownAck => {
                if matches!(
                    self.state,
                    AssocState::ShutdownSent | AssocState::ShutdownAckSent
                ) {
                    self.ctl
                        .push_back((dst, src, Control::ShutdownComplete { t: false }));
                    self.end(now, None);
                }
            }
            Control::ShutdownComplete { .. } => {
                if self.state == AssocState::ShutdownAckSent {
                    self.end(now, None);
                }
            }
        }
        if let Some(run) = pkt.data {
            if matches!(
                self.state,
                AssocState::Established | AssocState::ShutdownPending | AssocState::ShutdownSent
            ) {
                self.recv.on_data(now, &run, self.cfg.sack_delay);
                self.reply_path = from.unwrap_or(self.primary);
            }
        }
        self.maybe_shutdown(now);
    }

    /// §8.5: the verification tag of packets to this association (an INIT ACK carries ours
    /// too; an ABORT or SHUTDOWN COMPLETE with the T bit carries the peer's).
    fn tag_ok(&self, pkt: &SctpPacket) -> bool {
        match pkt.control {
            Control::Init(_) => false,
            Control::Abort { t: true } | Control::ShutdownComplete { t: true } => {
                pkt.vtag == self.peer_tag
            }
            _ => pkt.vtag == self.local_tag,
        }
    }

    /// A new transmission opportunity: Max.Burst counts afresh.
    fn new_opportunity(&mut self) {
        for p in &mut self.paths {
            p.burst = 0;
        }
    }

    fn on_init_ack(
        &mut self,
        now: Instant,
        src: Addr,
        init: &InitRepr,
        cookie: crate::wire::sctp::CookieRepr,
    ) {
        self.peer_tag = init.initiate_tag;
        self.send.set_peer_rwnd(init.a_rwnd);
        self.recv = Receiver::new(init.initial_tsn, self.cfg.rcv_buf);
        self.set_paths(&init.addrs, src, init.a_rwnd);
        self.cookie = Some(cookie);
        let local = self.paths[self.primary].local;
        self.ctl
            .push_back((local, src, Control::CookieEcho(cookie)));
        self.state = AssocState::CookieEchoed;
        // §5.1 C: T1-cookie restarts from RTO.Initial.
        self.init_tries = 0;
        self.t1_rto = self.cfg.rto_initial;
        self.t1 = Some(now + self.t1_rto);
    }

    /// A SACK (or a SHUTDOWN's cumulative ack) that arrived over path `from`.
    fn on_sack(&mut self, now: Instant, s: &crate::wire::sctp::SackRepr, from: Option<usize>) {
        if !matches!(
            self.state,
            AssocState::Established
                | AssocState::ShutdownPending
                | AssocState::ShutdownSent
                | AssocState::ShutdownReceived
        ) {
            return;
        }
        let fx = self.send.on_sack(now, s, &mut self.paths, &self.cfg);
        if fx.acked_any {
            // §8.1, §8.2: an acknowledgement clears the error counters of the association
            // and of each destination the acknowledged chunks were last sent to. A failed
            // destination is active again only when the SACK itself came from it (Linux
            // `sctp_check_transmitted`): a late SACK for chunks sent before a failure, coming
            // back another way, proves nothing about the path.
            self.errors = 0;
            for k in 0..self.paths.len() {
                if fx.acked_paths & (1 << k) != 0 {
                    self.paths[k].errors = 0;
                    let failed = matches!(
                        self.paths[k].state,
                        PathState::Inactive | PathState::PotentiallyFailed
                    );
                    if failed && from == Some(k) {
                        self.set_state(now, k, PathState::Active);
                    }
                }
            }
        }
        if fx.fast_marked > 0 {
            self.rtx_free = true;
            self.events.push_back((
                now,
                SctpEvent::FastRetransmit {
                    chunks: fx.fast_marked,
                },
            ));
        }
    }

    fn on_heartbeat_ack(&mut self, now: Instant, info: &HeartbeatInfo) {
        let Some(k) = self.paths.iter().position(|p| p.remote == info.dest) else {
            return;
        };
        let p = &mut self.paths[k];
        // §8.3: the echoed time gives an RTT measurement (a stale nonce is ignored).
        if p.hb_pending
            .is_some_and(|(_, nonce, _)| nonce == info.nonce)
        {
            p.hb_pending = None;
            let sent = Instant::from_nanos(info.sent_at_ns);
            p.on_rtt_sample(now.saturating_duration_since(sent), &self.cfg);
        }
        p.errors = 0;
        self.errors = 0;
        self.set_state(now, k, PathState::Active);
    }

    fn on_shutdown(&mut self, now: Instant, cum_tsn: u32, src: Addr, dst: Addr) {
        // §9.2: the SHUTDOWN's Cumulative TSN Ack acknowledges like a SACK's.
        let sack = crate::wire::sctp::SackRepr::new(cum_tsn, self.cfg.rcv_buf);
        let from = self.paths.iter().position(|p| p.remote == src);
        self.on_sack(now, &sack, from);
        match self.state {
            AssocState::Established | AssocState::ShutdownPending => {
                self.state = AssocState::ShutdownReceived;
            }
            AssocState::ShutdownSent => {
                self.ctl.push_back((dst, src, Control::ShutdownAck));
                self.state = AssocState::ShutdownAckSent;
            }
            _ => {}
        }
    }

    /// Sends SHUTDOWN (or SHUTDOWN ACK) once everything written is acknowledged (§9.2).
    pub(super) fn maybe_shutdown(&mut self, now: Instant) {
        let next = match self.state {
            AssocState::ShutdownPending => AssocState::ShutdownSent,
            AssocState::ShutdownReceived => AssocState::ShutdownAckSent,
            _ => return,
        };
        if !self.send.all_acked() {
            return;
        }
        self.state = next;
        let k = self.data_path();
        self.t2_rto = self.paths[k].rto;
        self.t2 = Some(now + self.t2_rto);
        self.queue_shutdown_chunk(k);
    }

    fn queue_shutdown_chunk(&mut self, k: usize) {
        let chunk = match self.state {
            AssocState::ShutdownSent => Control::Shutdown {
                cum_tsn: self.recv.cum_tsn(),
            },
            _ => Control::ShutdownAck,
        };
        let (local, remote) = (self.paths[k].local, self.paths[k].remote);
        self.ctl.push_back((local, remote, chunk));
    }

    /// Ends the association (closed gracefully with `None`).
    pub(super) fn end(&mut self, now: Instant, error: Option<SctpError>) {
        if self.state == AssocState::Closed {
            return;
        }
        self.state = AssocState::Closed;
        self.error = error;
        self.t1 = None;
        self.t2 = None;
        for p in &mut self.paths {
            p.t3 = None;
            p.hb_due = None;
            p.hb_pending = None;
        }
        let ev = error.map_or(SctpEvent::Closed, SctpEvent::Failed);
        self.events.push_back((now, ev));
    }

    /// Moves path `k` to `to`, reporting the change.
    pub(super) fn set_state(&mut self, now: Instant, k: usize, to: PathState) {
        let from = self.paths[k].state;
        if from == to {
            return;
        }
        self.paths[k].state = to;
        let remote = self.paths[k].remote;
        self.events
            .push_back((now, SctpEvent::PathState { remote, from, to }));
        if to == PathState::PotentiallyFailed || from == PathState::PotentiallyFailed {
            // RFC 7829 §5.1: heartbeats once per RTO while potentially failed.
            self.paths[k].hb_due = Some(self.next_heartbeat(now, k));
        }
    }
}

// Timers.
impl SctpAssociation {
    /// Runs every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.new_opportunity();
        if self.t1.is_some_and(|t| t <= now) {
            self.on_t1(now);
        }
        if self.t2.is_some_and(|t| t <= now) {
            self.on_t2(now);
        }
        for k in 0..self.paths.len() {
            if self.state == AssocState::Closed {
                return;
            }
            if self.paths[k].t3.is_some_and(|t| t <= now) {
                self.on_t3(now, k);
            }
            if self.paths[k].hb_pending.is_some_and(|(_, _, d)| d <= now) {
                self.paths[k].hb_pending = None;
                self.strike(now, k, true);
            }
            if self.state != AssocState::Closed && self.paths[k].hb_due.is_some_and(|t| t <= now) {
                self.on_heartbeat_due(now, k);
            }
        }
        self.recv.on_sack_timer(now);
    }

    /// §5.1: T1-init / T1-cookie expired: retransmit with back-off, or give up.
    fn on_t1(&mut self, now: Instant) {
        self.init_tries += 1;
        if self.init_tries > self.cfg.max_init_retransmits {
            self.end(now, Some(SctpError::InitFailed));
            return;
        }
        self.t1_rto = self.t1_rto.saturating_mul(2).min(self.cfg.rto_max);
        self.t1 = Some(now + self.t1_rto);
        match (self.state, self.cookie) {
            (AssocState::CookieWait, _) => {
                let dst = self.init_dst;
                self.ctl
                    .push_back((self.source_for(dst), dst, Control::Init(self.init)));
            }
            (AssocState::CookieEchoed, Some(c)) => {
                let p = &self.paths[self.primary];
                self.ctl
                    .push_back((p.local, p.remote, Control::CookieEcho(c)));
            }
            _ => self.t1 = None,
        }
    }

    /// §9.2: T2-shutdown expired: count an error, back off, send again.
    fn on_t2(&mut self, now: Instant) {
        self.errors += 1;
        if self.errors > self.cfg.association_max_retrans {
            self.abort(now, SctpError::Unreachable);
            return;
        }
        self.t2_rto = self.t2_rto.saturating_mul(2).min(self.cfg.rto_max);
        self.t2 = Some(now + self.t2_rto);
        let k = self.data_path();
        self.queue_shutdown_chunk(k);
    }

    /// §6.3.3: the T3-rtx timer of path `k` expired.
    fn on_t3(&mut self, now: Instant, k: usize) {
        self.paths[k].t3 = None;
        self.stats.timeouts += 1;
        self.strike(now, k, false);
        if self.state == AssocState::Closed {
            return;
        }
        let mtu = u64::from(self.cfg.mtu);
        // E1: slow start on the path; Fast Recovery ends (Linux).
        self.paths[k].on_timeout_loss(mtu);
        self.send.end_fast_recovery();
        // E3: the outstanding chunks are retransmitted (to an alternate destination, §6.4.1),
        // the first packet at once.
        self.send.mark_path_for_timeout(k, &mut self.paths);
        self.rtx_free = true;
        let (remote, rto) = (self.paths[k].remote, self.paths[k].rto);
        self.events
            .push_back((now, SctpEvent::Timeout { remote, rto }));
    }

    /// §8.1 / §8.2 (and RFC 7829): one more error on path `k` (a T3-rtx timeout, or a
    /// HEARTBEAT unanswered for one RTO): the RTO backs off (E2), the counters rise, and the
    /// thresholds are checked.
    fn strike(&mut self, now: Instant, k: usize, heartbeat: bool) {
        let state = self.paths[k].state;
        // A path-verification heartbeat does not count against the association (Linux).
        if !(heartbeat && state == PathState::Unconfirmed) {
            self.errors += 1;
        }
        if state != PathState::Inactive {
            self.paths[k].errors += 1;
        }
        self.paths[k].back_off(&self.cfg);
        if self.errors > self.cfg.association_max_retrans {
            self.abort(now, SctpError::Unreachable);
            return;
        }
        let errors = self.paths[k].errors;
        if errors > self.cfg.path_max_retrans {
            self.set_state(now, k, PathState::Inactive);
        } else if let Some(pf) = self.cfg.pf_retrans {
            if state == PathState::Active && errors > pf {
                self.set_state(now, k, PathState::PotentiallyFailed);
            }
        }
    }

    /// Sends an ABORT and ends the association with `error`.
    fn abort(&mut self, now: Instant, error: SctpError) {
        if let Some(p) = self.paths.get(self.data_path()) {
            self.ctl
                .push_back((p.local, p.remote, Control::Abort { t: false }));
        }
        self.end(now, Some(error));
    }

    /// §8.3: path `k`'s heartbeat time came: a HEARTBEAT if the path has been idle for the
    /// heartbeat period, otherwise the timer moves to the end of that period.
    fn on_heartbeat_due(&mut self, now: Instant, k: usize) {
        if !matches!(
            self.state,
            AssocState::Established
                | AssocState::ShutdownPending
                | AssocState::ShutdownSent
                | AssocState::ShutdownReceived
        ) {
            self.paths[k].hb_due = None;
            return;
        }
        let base = self.paths[k].hb_base(&self.cfg);
        if let Some(last) = self.paths[k].last_sent {
            if self.paths[k].state != PathState::Unconfirmed && now < last + base {
                self.paths[k].hb_due = Some(last + base);
                return;
            }
        }
        let nonce: u64 = rand::Rng::random(&mut self.rng);
        let p = &self.paths[k];
        let info = HeartbeatInfo {
            dest: p.remote,
            sent_at_ns: now.as_nanos(),
            nonce,
        };
        self.ctl
            .push_back((p.local, p.remote, Control::Heartbeat(info)));
        let deadline = now + p.rto.max(Duration::from_millis(1));
        self.paths[k].hb_pending = Some((now, nonce, deadline));
        self.paths[k].hb_due = Some(self.next_heartbeat(now, k));
        self.stats.heartbeats += 1;
    }

    /// The destination for new data (§6.4): the primary while active, else the first active
    /// path, else (RFC 7829) the potentially failed one with the fewest errors, else the
    /// primary.
    pub(super) fn data_path(&self) -> usize {
        if self.paths.get(self.primary).is_some_and(|p| p.is_active()) {
            return self.primary;
        }
        if let Some(k) = self.paths.iter().position(|p| p.is_active()) {
            return k;
        }
        self.paths
            .iter()
            .enumerate()
            .filter(|(_, p)| p.state == PathState::PotentiallyFailed)
            .min_by_key(|(k, p)| (p.errors, *k))
            .map_or(self.primary, |(k, _)| k)
    }
}
