//! Output of an [`MptcpConnection`]: scheduling data onto subflows (a segment per scheduler
//! decision, reinjections first; the redundant scheduler's copies; opportunistic
//! retransmission and penalisation), signals (DATA_FIN, ADD_ADDR), completion, and draining
//! the subflows' segments with their MPTCP options.

use super::conn::MptcpConnection;
use super::event::MptcpEventKind;
use super::sched::{Pick, SchedCtx, SchedView, Scheduler};
use super::stats::SubflowState;
use super::subflow::{dss_data_len, Mapping, Role, Subflow, SubflowHook, TxCtx};
use super::subflows::{marked_indexes, Watcher};
use crate::tcp::TcpState;
use crate::wire::mptcp::{AddAddrKind, AddAddrRepr};
use crate::wire::TcpHeader;
use sim_core::{Instant, Packet};

impl MptcpConnection {
    /// The next packet to send, if any. Call repeatedly until `None` (or use
    /// [`MptcpConnection::transmit`]).
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Packet<TcpHeader>> {
        if self.outbox.is_empty() {
            let mut out = std::mem::take(&mut self.scratch_out);
            self.produce(now, &mut out);
            self.outbox.extend(out.drain(..));
            self.scratch_out = out;
        }
        self.outbox.pop_front()
    }

    /// Appends to `out` every packet to send now: exactly what calling
    /// [`MptcpConnection::poll_transmit`] until `None` returns, in that order, without the
    /// copies through the connection's own queue.
    pub fn transmit(&mut self, now: Instant, out: &mut Vec<Packet<TcpHeader>>) {
        if !self.outbox.is_empty() {
            // Resets and replies queued by input (rare): not a drain per call when empty.
            out.extend(self.outbox.drain(..));
        }
        loop {
            let before = out.len();
            let settled = self.produce(now, out);
            if out.len() == before || settled {
                return;
            }
        }
    }

    /// One pass of output: data to the subflows, signals, completion, then every subflow
    /// that may have something to send. A pass that sends anything is followed by another
    /// (a subflow that sent what it held may have window space for the scheduler now); the
    /// last pass of a round sends nothing, and is cheap: only subflows whose state changed
    /// are looked at again.
    ///
    /// Returns true when another pass would surely send nothing and change nothing: the
    /// scheduler's decisions are a function of the subflows' views alone (minRTT); the
    /// pass ended out of data (subflows sending does not make more), or nothing left after
    /// the scheduler's last decision (the one that found no subflow for the data); and what
    /// follows — opportunistic retransmission, signals, completion — had nothing to do. A
    /// pass that did not change the state the scheduler decided on repeats that decision,
    /// and every subflow was polled since.
    fn produce(&mut self, now: Instant, out: &mut Vec<Packet<TcpHeader>>) -> bool {
        if self.closed_at.is_some() {
            return true;
        }
        let (decided, opp_idle) = self.schedule(now, out);
        // Each idle test is true exactly when the call it guards would do nothing (see
        // their docs): no call then.
        let signal_idle = self.signal_idle();
        let completion_idle = self.completion_idle();
        let quiet = opp_idle
            && matches!(self.cfg.scheduler, super::SchedulerKind::MinRtt)
            && signal_idle
            && completion_idle;
        if !signal_idle {
            self.signal(now);
        }
        if !completion_idle {
            self.maybe_complete(now);
        }
        self.poll_changed_subflows(now, out);
        quiet && decided.is_none_or(|d| out.len() == d)
    }

    /// Polls, in index order, every subflow that may have something to send: those changed
    /// since their last poll left them idle (see [`super::subflows`]). The others would
    /// find nothing and change nothing.
    fn poll_changed_subflows(&mut self, now: Instant, out: &mut Vec<Packet<TcpHeader>>) {
        let ack64 = self.rcv.ack64;
        if self.output_ack64 != Some(ack64) {
            // Idleness is per DSS size: every subflow is polled again.
            self.output_ack64 = Some(ack64);
            self.subflows.mark_all(Watcher::Output);
        }
        // Polling a subflow changes no other. A poll that finds the subflow idle leaves it
        // unmarked; one that calls into its socket marks it again (it is polled once more,
        // at the next pass, and then found idle: as before, when every subflow was).
        let bits = self.subflows.take(Watcher::Output);
        for i in marked_indexes(bits, self.subflows.len()) {
            self.poll_subflow(now, i, out);
        }
        #[cfg(debug_assertions)]
        for i in 0..self.subflows.len() {
            let marked = self.subflows.marked(Watcher::Output) & (1 << (i % 64)) != 0;
            let s = &self.subflows[i];
            let idle = s.mp.dead || s.sock.output_idle(dss_data_len(ack64));
            debug_assert!(marked || idle, "subflow {i} changed without a mark");
        }
    }

    /// True when [`Self::signal`] would do nothing: no fallback, no REMOVE_ADDR waiting,
    /// no DATA_FIN to signal (or its retransmission timer running), no ADD_ADDR pending.
    fn signal_idle(&self) -> bool {
        self.fallback.is_none()
            && (self.pending_rm.is_empty() || self.remote_key.is_none())
            && (self.snd.fin_to_send().is_none() || self.data_fin_rtx_at.is_some())
            && (self.remote_key.is_none()
                || self.completed_at.is_some()
                || !self.announce.iter().any(|a| a.pending()))
    }

    /// True when [`Self::maybe_complete`] would do nothing.
    fn completion_idle(&self) -> bool {
        self.completed_at.is_some() || !self.snd.fin_acked() || !self.rcv.fin_received
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
            checksum: self.checksum_on,
            ack64: self.rcv.ack64,
            fallback: self.fallback.is_some(),
            deny_join_id0: !self.initiator && !self.cfg.allow_join_initial_addr,
        };
        TxCtx::new(&self.snd, base)
    }

    /// Sends what subflow `i` has to send (nothing, at the cost of two comparisons, when
    /// its socket found nothing at its last poll and has not changed since). Inlined: most
    /// polls end at these comparisons, without the call into [`Self::poll_subflow_output`].
    #[inline]
    fn poll_subflow(&mut self, now: Instant, i: usize, out: &mut Vec<Packet<TcpHeader>>) {
        let s = &self.subflows[i];
        if s.mp.dead || s.sock.output_idle(dss_data_len(self.rcv.ack64)) {
            return;
        }
        self.poll_subflow_output(now, i, out);
    }

    /// [`Self::poll_subflow`] for a subflow that may have something to send.
    #[inline(never)]
    fn poll_subflow_output(&mut self, now: Instant, i: usize, out: &mut Vec<Packet<TcpHeader>>) {
        let s = &mut self.subflows[i];
        // What `SubflowHook::data_options_len` would report.
        let extra = if self.fallback.is_some() && s.mp.send_infinite.is_none() {
            0
        } else {
            dss_data_len(self.rcv.ack64)
        };
        if s.sock.settle_idle(extra) {
            return;
        }
        let ctx = self.tx_ctx();
        let Subflow { sock, mp } = &mut self.subflows[i];
        let events = &mut self.events;
        let mut hook = SubflowHook {
            mp,
            ctx,
            events,
            mib: &mut self.mib,
            now,
        };
        // Each segment is built in `out`, where the host's caller reads it from.
        while sock.poll_transmit_into(now, &mut hook, out) {}
    }

    pub(crate) fn usable(s: &Subflow) -> bool {
        s.mp.state == SubflowState::Established
            && !s.mp.dead
            && s.sock.state() == TcpState::Established
            && !matches!(s.mp.role, Role::JoinClient { acked: false, .. })
    }

    /// Brings the scheduler's view of every subflow up to date (a `Vec` kept between
    /// decisions); returns the largest segment payload among the usable ones. Only the
    /// subflows that changed since the last call are looked at (all of them when the DSS
    /// size changed, see [`super::subflows`]); of those, what a view reads from a socket is
    /// read again only when the socket changed since (its
    /// [`crate::tcp::TcpSocket::generation`]), the MPTCP state (usable, backup) every time.
    fn fill_sched_views(&mut self) -> u64 {
        let ack64 = self.rcv.ack64;
        if self.sched_views.len() != self.subflows.len() {
            self.sched_views
                .resize(self.subflows.len(), SchedView::default());
        }
        if self.sched_ack64 != Some(ack64) {
            self.sched_ack64 = Some(ack64);
            self.subflows.mark_all(Watcher::Sched);
        }
        let mut mss_stale = false;
        let bits = self.subflows.take(Watcher::Sched);
        for i in marked_indexes(bits, self.subflows.len()) {
            mss_stale |= self.refresh_sched_view(i, ack64);
        }
        if mss_stale {
            self.sched_mss = (self.sched_views.iter())
                .filter(|v| v.usable)
                .map(|v| v.mss)
                .max()
                .unwrap_or(0);
        }
        #[cfg(debug_assertions)]
        self.check_sched_views();
        self.sched_mss
    }

    /// Brings subflow `i`'s scheduler view up to date (see [`Self::fill_sched_views`]);
    /// returns true when what it adds to the largest usable segment payload changed.
    fn refresh_sched_view(&mut self, i: usize, ack64: bool) -> bool {
        let initiator = self.initiator;
        let degraded = self.cfg.degraded;
        let (Some(s), Some(v)) = (self.subflows.untracked_mut(i), self.sched_views.get_mut(i))
        else {
            return false;
        };
        let before = (v.usable, v.mss);
        let key = (s.sock.generation(), ack64);
        if s.mp.sched_key != Some(key) {
            s.mp.sched_key = Some(key);
            let srtt = s.sock.srtt();
            if let Some(r) = srtt {
                let (lo, hi) = (&mut s.mp.srtt_min, &mut s.mp.srtt_max);
                *lo = Some(lo.map_or(r, |x| x.min(r)));
                *hi = Some(hi.map_or(r, |x| x.max(r)));
            }
            s.mp.degraded = degraded.is_some_and(|d| d.applies(srtt, s.sock.retransmit_permille()));
            *v = SchedView {
                usable: false,
                backup: false,
                has_space: s.sock.has_segment_room(dss_data_len(ack64)),
                srtt,
                rttvar: s.sock.rttvar(),
                srtt_min: s.mp.srtt_min.unwrap_or_default(),
                srtt_max: s.mp.srtt_max.unwrap_or_default(),
                cwnd: s.sock.cwnd(),
                ssthresh: s.sock.ssthresh(),
                in_flight: s.sock.bytes_in_flight(),
                queued: s.sock.unsent(),
                mss: s.sock.data_payload(dss_data_len(ack64)),
                rtos: s.sock.consecutive_rtos(),
                path: if initiator { s.mp.local } else { s.mp.remote },
            };
        }
        v.usable = Self::usable(s);
        v.backup = s.mp.backup || s.mp.degraded;
        before != (v.usable, v.mss)
    }

    /// Every view is as a full refresh would leave it: the socket generation each was read
    /// at is the socket's now (no subflow changed without a mark), the MPTCP state is as
    /// read, and the largest usable payload is the maximum over the views.
    #[cfg(debug_assertions)]
    fn check_sched_views(&self) {
        let ack64 = self.rcv.ack64;
        for (s, v) in self.subflows.iter().zip(&self.sched_views) {
            debug_assert_eq!(s.mp.sched_key, Some((s.sock.generation(), ack64)));
            debug_assert_eq!(v.usable, Self::usable(s));
            debug_assert_eq!(v.backup, s.mp.backup || s.mp.degraded);
        }
        let mss = (self.sched_views.iter())
            .filter(|v| v.usable)
            .map(|v| v.mss)
            .max();
        debug_assert_eq!(self.sched_mss, mss.unwrap_or(0), "stale largest payload");
    }

    /// Hands data to subflows, a segment's worth per scheduler decision. Returns how many
    /// packets `out` held after the decision that stopped it (`None`: it ran out of data),
    /// and whether opportunistic retransmission then had nothing to do (see
    /// [`Self::produce`]).
    fn schedule(
        &mut self,
        now: Instant,
        out: &mut Vec<Packet<TcpHeader>>,
    ) -> (Option<usize>, bool) {
        if self.remote_key.is_none() && self.fallback.is_none() {
            return (Some(out.len()), true);
        }
        let mut stopped = false;
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
            let (accepted, to) = match self.sched.pick(&ctx, &self.sched_views) {
                Pick::Wait => (0, None),
                Pick::One(i) => (self.hand_out(now, i, start, avail, out), Some(i)),
                Pick::Many(set) => {
                    redundant = Some(set);
                    self.hand_out_redundant(now, set, (start, avail, reinjection), out)
                }
            };
            if accepted == 0 {
                stopped = true;
                break;
            }
            if let (true, Some(to)) = (reinjection, to) {
                let from = self.snd.reinjected_from(start);
                self.note_reinjected(now, to, (start, accepted), from, false);
            }
            self.snd.commit(start, accepted, reinjection);
        }
        let decided = stopped.then_some(out.len());
        if let Some(set) = redundant {
            self.redundant_copies(now, set, out);
        } else if matches!(self.cfg.scheduler, super::SchedulerKind::Redundant) {
            // No new data: the subflows may still owe copies.
            self.fill_sched_views();
            let ctx = SchedCtx::new(0);
            if let Pick::Many(set) = self.sched.pick(&ctx, &self.sched_views) {
                self.redundant_copies(now, set, out);
            }
        }
        let opp_idle = self.opportunistic(now, out);
        (decided, opp_idle)
    }

    /// Queues up to a segment of `[start, start + avail)` on subflow `i`; returns the bytes.
    fn hand_out(
        &mut self,
        now: Instant,
        i: usize,
        start: u64,
        avail: u64,
        out: &mut Vec<Packet<TcpHeader>>,
    ) -> u64 {
        let Some(sf) = self.subflows.get_mut(i) else {
            return 0;
        };
        // A fallen-back connection's segments carry no DSS: the whole MSS is payload.
        let extra = if self.fallback.is_some() {
            0
        } else {
            dss_data_len(self.rcv.ack64)
        };
        let len = avail
            .min(sf.sock.data_payload(extra))
            .min(u64::from(u16::MAX));
        if len == 0 {
            return 0;
        }
        let ssn = sf.sock.send_end();
        let fresh_key = Some((sf.sock.generation(), self.rcv.ack64));
        let view_fresh = sf.mp.sched_key == fresh_key;
        let accepted = sf.sock.send(len);
        debug_assert_eq!(accepted, len);
        sf.mp.map.push(Mapping {
            ssn,
            dsn: start,
            len: accepted,
        });
        self.sched.sent(i, accepted);
        self.poll_subflow(now, i, out);
        if view_fresh {
            self.refresh_sent_view(i);
        }
        accepted
    }

    /// Brings subflow `i`'s scheduler view, up to date before data was handed to it, up to
    /// date again after that send and the output poll that followed: only what sending can
    /// change is read again — what is queued and in flight, the window (a controller may
    /// adjust it as it sends, `cc::CongestionController::on_sent`), the timeout count and
    /// the retransmission rate behind `degraded`. The RTT estimate (ACKs and timeouts
    /// only), the segment size and the path stay as they were.
    fn refresh_sent_view(&mut self, i: usize) {
        let ack64 = self.rcv.ack64;
        let degraded = self.cfg.degraded;
        let (Some(s), Some(v)) = (self.subflows.untracked_mut(i), self.sched_views.get_mut(i))
        else {
            return;
        };
        s.mp.sched_key = Some((s.sock.generation(), ack64));
        if degraded.is_some() {
            s.mp.degraded =
                degraded.is_some_and(|d| d.applies(v.srtt, s.sock.retransmit_permille()));
        }
        v.has_space = s.sock.has_segment_room(dss_data_len(ack64));
        v.cwnd = s.sock.cwnd();
        v.ssthresh = s.sock.ssthresh();
        v.in_flight = s.sock.bytes_in_flight();
        v.queued = s.sock.unsent();
        v.rtos = s.sock.consecutive_rtos();
        debug_assert_eq!(
            (v.srtt, v.rttvar, v.mss),
            (
                s.sock.srtt(),
                s.sock.rttvar(),
                s.sock.data_payload(dss_data_len(ack64))
            ),
            "a send changed a view field that is not read again"
        );
    }

    fn has_space(&self, i: usize) -> bool {
        let s = &self.subflows[i].sock;
        s.has_segment_room(dss_data_len(self.rcv.ack64))
    }

    /// The redundant scheduler's pick (`mptcp_redundant.c` with the fixes of
    /// `multipath-tcp/mptcp#474/#478`): each subflow of `set` with window space first sends
    /// copies of the data handed out before, from its own position (`red_nxt`, never below
    /// DATA_UNA: data already acknowledged is skipped), then the first one with space takes
    /// the new chunk. Returns the new bytes handed out.
    fn hand_out_redundant(
        &mut self,
        now: Instant,
        set: u64,
        chunk: (u64, u64, bool),
        out: &mut Vec<Packet<TcpHeader>>,
    ) -> (u64, Option<usize>) {
        self.redundant_copies(now, set, out);
        let (start, avail, reinjection) = chunk;
        let n = self.subflows.len().min(64);
        let Some(i) = (0..n).find(|&i| set & (1 << i) != 0 && self.has_space(i)) else {
            return (0, None);
        };
        let len = self.hand_out(now, i, start, avail, out);
        if !reinjection {
            self.subflows[i].mp.red_nxt = start + len;
        }
        (len, Some(i))
    }

    /// Reports data offsets `[start, start + len)` (`range`) handed to subflow `to` again.
    fn note_reinjected(
        &mut self,
        now: Instant,
        to: usize,
        range: (u64, u64),
        from: Option<u32>,
        opportunistic: bool,
    ) {
        self.mib.inc(super::mib::MibField::MpTcpRetrans);
        let kind = MptcpEventKind::Reinjected {
            dsn: self.snd.dsn(range.0),
            bytes: range.1,
            from,
            opportunistic,
        };
        self.event(now, Some(to), kind);
    }

    /// Copies of data already handed out, on the subflows of `set` that have space.
    fn redundant_copies(&mut self, now: Instant, set: u64, out: &mut Vec<Packet<TcpHeader>>) {
        for i in (0..self.subflows.len().min(64)).filter(|i| set & (1 << i) != 0) {
            while self.has_space(i) {
                let pos = self.subflows[i].mp.red_nxt.max(self.snd.una);
                if pos >= self.snd.nxt {
                    break;
                }
                let len = self.hand_out(now, i, pos, self.snd.nxt - pos, out);
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
    /// out-of-tree kernel's `mptcp_rcv_buf_optimization` in `mptcp_sched.c`), when the
    /// scheduler has it, the switch is on, and the peer's window blocks new data: the
    /// segment at DATA_UNA, held by a slower subflow `s`, is sent again on the subflow `f`
    /// minRTT picks if `cwnd_s ≤ 4` segments or `4·srtt_f < srtt_s`; at most once per RTT
    /// of `f`, the slower holder is penalised ([`crate::tcp::TcpSocket::penalise`]).
    /// Returns true when it had nothing to do (switched off, not blocked, or done for this
    /// head already): then it changed nothing either.
    fn opportunistic(&mut self, now: Instant, out: &mut Vec<Packet<TcpHeader>>) -> bool {
        let blocked = self.snd.nxt >= self.snd.right_edge && self.snd.app_end > self.snd.nxt;
        if !self.cfg.opportunistic_retransmission
            || !self.cfg.scheduler.opportunistic()
            || !blocked
            || self.snd.una >= self.snd.nxt
        {
            return true;
        }
        let head = self.snd.una;
        if self.opp_last.is_some_and(|(h, _)| h == head) {
            return true;
        }
        self.fill_sched_views();
        let Some(f) = super::sched::minrtt::min_rtt(&self.sched_views) else {
            return false;
        };
        let srtt_f = self.sched_views[f].srtt_or_zero();
        let holds = |s: &Subflow| -> Option<Mapping> {
            s.mp.map
                .iter()
                .find(|m| m.dsn <= head && head < m.dsn + m.len)
                .copied()
        };
        if holds(&self.subflows[f]).is_some() {
            return false;
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
            seg = seg.or(Some((m, s.mp.id.number)));
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
        let Some((m, holder)) = seg else {
            return false;
        };
        if !do_retrans || !self.sched_views[f].has_space {
            return false;
        }
        let avail = m.dsn + m.len - head;
        let sent = self.hand_out(now, f, head, avail, out);
        if sent > 0 {
            self.note_reinjected(now, f, (head, sent), Some(holder), true);
            self.snd.reinjected += sent;
            self.snd.sent += sent;
            self.opp_rtx += 1;
            self.opp_last = Some((head, f));
        }
        false
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

    /// DATA_FIN, REMOVE_ADDR and ADD_ADDR (re)transmissions.
    fn signal(&mut self, now: Instant) {
        if self.fallback.is_some() {
            self.fallback_close();
            return;
        }
        self.signal_remove_addr();
        self.signal_data_fin(now);
        if self.remote_key.is_none() || self.announce.is_empty() || self.completed_at.is_some() {
            return;
        }
        let Some(i) = self.signal_subflow() else {
            return;
        };
        let due = self
            .announce
            .iter()
            .position(|a| a.pending() && a.next_at.is_none_or(|t| t <= now));
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
        sf.sock.request_pure_ack();
        if a.sent {
            a.retrans += 1;
        }
        a.sent = true;
        a.next_at = Some(now + self.cfg.add_addr_timeout);
    }

    /// Puts the pending REMOVE_ADDR ids on a pure ACK of the signal subflow (RFC 8684
    /// §3.4.2; as Linux `mptcp_pm_nl_addr_send_ack`, once, not retransmitted). They wait
    /// while no subflow is usable.
    fn signal_remove_addr(&mut self) {
        if self.pending_rm.is_empty() || self.remote_key.is_none() {
            return;
        }
        let Some(i) = self.signal_subflow() else {
            return;
        };
        let sf = &mut self.subflows[i];
        if sf.mp.remove_addr.is_some() {
            return;
        }
        let n = self
            .pending_rm
            .len()
            .min(crate::wire::mptcp::MAX_REMOVE_IDS);
        sf.mp.remove_addr = crate::wire::mptcp::RemoveAddrRepr::new(&self.pending_rm[..n]);
        self.pending_rm.drain(..n);
        sf.sock.request_pure_ack();
    }
}
