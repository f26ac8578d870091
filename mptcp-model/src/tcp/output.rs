//! Output of a [`TcpSocket`]: SYNs, data segments, window probes and ACKs, each shaped by a
//! [`SegmentHook`] (options, payload limits, advertised window; [`NoHook`] for plain TCP).

use super::config::RtoMode;
use super::hook::{NoHook, SegmentHook, SegmentInfo, SegmentKind};
use super::rack::XmitTimer;
use super::send::Seg;
use super::socket::TcpSocket;
use super::TcpState;
use crate::cc::CongestionController;
use crate::wire::{SeqNum, TcpFlags, TcpHeader, TcpOptions, Timestamps};
use sim_core::{Instant, Packet};

/// Where an output poll puts the segment it builds: pushed on a `Vec` (a host's send
/// buffer: the segment is built where it will be read from), or held in an `Option`
/// ([`TcpSocket::poll_transmit`]).
pub trait SegmentOut {
    /// Stores `p` and lends it back, for its options to be written in place.
    fn put(&mut self, p: Packet<TcpHeader>) -> &mut Packet<TcpHeader>;
}

impl SegmentOut for Vec<Packet<TcpHeader>> {
    #[inline]
    fn put(&mut self, p: Packet<TcpHeader>) -> &mut Packet<TcpHeader> {
        self.push(p);
        let last = self.len() - 1;
        &mut self[last]
    }
}

impl SegmentOut for Option<Packet<TcpHeader>> {
    #[inline]
    fn put(&mut self, p: Packet<TcpHeader>) -> &mut Packet<TcpHeader> {
        self.insert(p)
    }
}

impl TcpSocket {
    /// The next packet to send, if any. Call repeatedly until `None`.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Packet<TcpHeader>> {
        self.poll_transmit_with(now, &mut NoHook)
    }

    /// As [`TcpSocket::poll_transmit`], with every segment shaped by `hook` (see
    /// [`super::hook`]). Polling again after `None`, with nothing changed in between (no
    /// packet, timeout or application call; the same [`SegmentHook::data_options_len`]),
    /// returns `None` at once.
    #[inline]
    pub fn poll_transmit_with<H: SegmentHook>(
        &mut self,
        now: Instant,
        hook: &mut H,
    ) -> Option<Packet<TcpHeader>> {
        let mut out = None;
        self.poll_transmit_into(now, hook, &mut out);
        out
    }

    /// As [`TcpSocket::poll_transmit_with`], the packet put into `out` (built there, not
    /// copied on its way); returns whether there was one.
    #[inline]
    pub fn poll_transmit_into<H: SegmentHook, O: SegmentOut>(
        &mut self,
        now: Instant,
        hook: &mut H,
        out: &mut O,
    ) -> bool {
        let extra = hook.data_options_len();
        if self.output_idle == Some(extra) {
            #[cfg(debug_assertions)]
            self.check_idle(now, hook, extra);
            return false;
        }
        self.poll_output(now, hook, extra, out)
    }

    /// Debug builds: a poll of a copy finds nothing and changes nothing but the generation,
    /// as `output_idle` promises.
    #[cfg(debug_assertions)]
    fn check_idle<H: SegmentHook>(&self, now: Instant, hook: &mut H, extra: usize) {
        let mut full = self.clone();
        full.output_idle = None;
        let mut out = None;
        assert!(
            !full.poll_full(now, hook, extra, &mut out),
            "an idle socket sent {out:?}"
        );
        full.generation = self.generation;
        assert_eq!(
            format!("{full:?}"),
            format!("{self:?}"),
            "an idle poll changed the socket"
        );
    }

    #[inline(never)]
    fn poll_output<H: SegmentHook, O: SegmentOut>(
        &mut self,
        now: Instant,
        hook: &mut H,
        extra: usize,
        out: &mut O,
    ) -> bool {
        if self.surely_idle() {
            // What the full poll would find, without its cost or a change of generation
            // (nothing changes: see `surely_idle`).
            self.output_idle = Some(extra);
            return false;
        }
        self.poll_full(now, hook, extra, out)
    }

    /// The poll itself: what `poll_output` does when `surely_idle` cannot tell.
    fn poll_full<H: SegmentHook, O: SegmentOut>(
        &mut self,
        now: Instant,
        hook: &mut H,
        extra: usize,
        out: &mut O,
    ) -> bool {
        self.generation = self.generation.wrapping_add(1);
        let sent = match self.state {
            TcpState::Closed | TcpState::Listen => false,
            TcpState::SynSent | TcpState::SynReceived => self.poll_syn(now, hook, out),
            _ => self.poll_synchronized(now, hook, out),
        };
        if sent {
            self.segments_sent += 1;
        } else {
            self.output_idle = Some(extra);
        }
        sent
    }

    /// True when a poll in a synchronized state would find nothing to send and change
    /// nothing: no ACK, probe or loss probe owed, and no segment [`super::send::SendState`]
    /// could offer (then `poll_data` neither validates the window — no data waits — nor
    /// arms the persist timer — nothing is window-blocked).
    #[inline]
    fn surely_idle(&self) -> bool {
        !matches!(
            self.state,
            TcpState::Closed | TcpState::Listen | TcpState::SynSent | TcpState::SynReceived
        ) && !self.ack_first
            && !self.tlp_due
            && !self.probe_pending
            && !self.rcv.ack_now
            && !self.snd.may_send()
    }

    /// If a poll would surely find nothing (see `surely_idle`), records that a poll with a
    /// hook adding `extra` option octets to data segments found nothing, as that poll
    /// would, and returns true: the owner need not build the hook.
    #[inline]
    pub fn settle_idle(&mut self, extra: usize) -> bool {
        let idle = self.surely_idle();
        if idle {
            self.output_idle = Some(extra);
        }
        idle
    }

    /// True when a poll with a hook adding `extra` option octets to data segments would
    /// find nothing to send (the last poll found nothing and nothing changed since).
    pub fn output_idle(&self, extra: usize) -> bool {
        self.output_idle == Some(extra)
    }

    fn poll_syn<H: SegmentHook, O: SegmentOut>(
        &mut self,
        now: Instant,
        hook: &mut H,
        out: &mut O,
    ) -> bool {
        if !self.syn_pending {
            return false;
        }
        self.syn_pending = false;
        if self.syn_sent_at.is_some() {
            self.counters.segments_retransmitted += 1;
        }
        self.syn_sent_at = Some(now);
        self.rto_at = Some(now + self.rtt.rto());
        let synack = self.state == TcpState::SynReceived;
        let mut o = TcpOptions::new();
        o.mss = Some(self.cfg.mss);
        let (sack, ts, ws) = if synack {
            (self.sack_ok, self.ts_ok, self.ws_ok)
        } else {
            (self.cfg.sack, self.cfg.timestamps, self.cfg.window_scale)
        };
        o.sack_permitted = sack;
        o.window_scale = ws.then_some(self.rcv.wscale);
        o.timestamps = ts.then(|| Timestamps {
            tsval: self.tsval(now),
            tsecr: if synack { self.rcv.ts_recent } else { 0 },
        });
        let kind = if synack {
            SegmentKind::SynAck
        } else {
            SegmentKind::Syn
        };
        hook.decorate(&SegmentInfo { kind, fin: false }, &mut o);
        let header = TcpHeader {
            src_port: self.local.port,
            dst_port: self.remote.port,
            seq: self.snd.iss,
            ack: if synack {
                SeqNum::from_offset(self.irs, self.rcv.nxt)
            } else {
                SeqNum(0)
            },
            flags: if synack {
                TcpFlags::SYN | TcpFlags::ACK
            } else {
                TcpFlags::SYN
            },
            window: self.rcv.syn_window_field(),
            options: o,
            payload_len: 0,
            payload_rewrite: None,
        };
        out.put(self.packet(header));
        true
    }

    fn poll_synchronized<H: SegmentHook, O: SegmentOut>(
        &mut self,
        now: Instant,
        hook: &mut H,
        out: &mut O,
    ) -> bool {
        if std::mem::take(&mut self.ack_first) {
            self.pure_ack(self.snd.nxt, now, hook, out);
            return true;
        }
        // With no loss probe due and nothing `next_segment` could offer (a data receiver
        // acknowledging), `poll_data` finds nothing and changes nothing.
        if (self.tlp_due || self.snd.may_send()) && self.poll_data(now, hook, out) {
            return true;
        }
        if self.probe_pending {
            // RFC 9293 §3.8.6.1 zero-window probe, Linux style: an old sequence number
            // (SND.UNA − 1) with no payload, which the peer must answer with an ACK.
            self.probe_pending = false;
            self.pure_ack(self.snd.una - 1, now, hook, out);
            return true;
        }
        if self.rcv.ack_now {
            self.pure_ack(self.snd.nxt, now, hook, out);
            return true;
        }
        self.arm_persist(now);
        false
    }

    /// A pure ACK with sequence offset `start`.
    fn pure_ack<H: SegmentHook, O: SegmentOut>(
        &mut self,
        start: u64,
        now: Instant,
        hook: &mut H,
        out: &mut O,
    ) {
        self.segment(start, 0, TcpFlags::ACK, (hook, out), |sock, hook, opts| {
            sock.write_ack_options(now, opts, true);
            let info = SegmentInfo {
                kind: SegmentKind::Ack,
                fin: false,
            };
            hook.decorate(&info, opts);
        })
    }

    fn poll_data<H: SegmentHook, O: SegmentOut>(
        &mut self,
        now: Instant,
        hook: &mut H,
        out: &mut O,
    ) -> bool {
        let extra = hook.data_options_len();
        // With a hook, the hook's options take precedence: a data segment then carries no
        // SACK blocks, so every full segment has the same payload and the options need not
        // be built before we know there is a segment to send (the common case when a
        // connection polls a cwnd-limited subflow). Without a hook and with no SACK block to
        // report (nearly always), the options are the timestamps alone: written in place
        // too, once there is a segment.
        let ts_len = if self.ts_ok { 12 } else { 0 };
        let (opts, opts_len) = if extra == 0 && self.sack_ok && self.rcv.has_ooo() {
            let o = self.ack_options(now);
            let len = o.buffer_len();
            (Some(o), len)
        } else {
            (None, ts_len + extra)
        };
        let max_payload = u64::from(self.eff_mss())
            .saturating_sub(opts_len as u64)
            .max(1);
        let room = self.snd.cwnd_room(self.cc.window());
        let limit = |s| max_payload.min(hook.payload_limit(s)).max(1);
        let probe = std::mem::take(&mut self.tlp_due);
        let seg = if probe {
            self.snd.probe_segment(limit)
        } else {
            self.snd.next_segment(room, limit)
        };
        let Some(seg) = seg else {
            if probe {
                self.rearm_rto(now);
            }
            // Data waiting and no window for it: the flow is cwnd-limited now.
            if self.snd.app_end > self.snd.nxt && room < max_payload {
                self.cwnd_validate(true);
            }
            return false;
        };
        let prior_flight = self.snd.flight();
        self.snd.on_sent(&seg, now);
        if seg.payload > 0 {
            self.probe_pending = false;
        }
        self.persist_at = None;
        if probe {
            self.on_probe_sent(now, seg.retransmit);
        } else {
            self.arm_after_send(now, &seg, prior_flight);
        }
        self.counters.payload_bytes_sent += seg.payload;
        if seg.retransmit {
            self.counters.bytes_retransmitted += seg.payload;
            self.counters.segments_retransmitted += 1;
        }
        self.cc.on_sent(now, seg.payload, self.snd.flight());
        let room = self.snd.cwnd_room(self.cc.window());
        self.cwnd_validate(room < max_payload);
        let mut flags = TcpFlags::ACK;
        if seg.fin {
            flags |= TcpFlags::FIN;
        }
        if seg.end() >= self.snd.app_end && seg.payload > 0 {
            flags |= TcpFlags::PSH;
        }
        let kind = if seg.payload > 0 {
            SegmentKind::Data {
                start: seg.start,
                len: seg.payload,
                retransmit: seg.retransmit,
            }
        } else {
            SegmentKind::Ack
        };
        let info = SegmentInfo { kind, fin: seg.fin };
        let options = |sock: &Self, hook: &mut H, o: &mut TcpOptions| {
            match opts {
                Some(built) => *o = built,
                // With a hook, or no SACK blocks: timestamps only (see above).
                None => sock.write_ack_options(now, o, false),
            }
            hook.decorate(&info, o);
        };
        self.segment(seg.start, seg.payload, flags, (hook, out), options);
        // Most often after the last segment the window allows: the next poll would find
        // nothing; it returns at once.
        if self.idle_after_send(room, max_payload, |s| {
            max_payload.min(hook.payload_limit(s)).max(1)
        }) {
            self.output_idle = Some(extra);
        }
        true
    }

    /// Just after a data segment left, with `room` octets of congestion window left and
    /// `max_payload` the most payload a segment may carry (`limit(s)` at offset `s`): true
    /// only when the next poll (same hook, nothing changed in between) would find nothing
    /// and change nothing. Such a poll takes no pure ACK (`ack_first` and `tlp_due` were
    /// taken, `ack_now` cleared by the segment), no window probe, no segment from
    /// [`super::send::SendState::next_segment`]; what it does then is settled already:
    /// `cwnd_validate(true)` (called when `room < max_payload`, as just now, with the same
    /// flight and SND.NXT) changes nothing, and the persist timer is not armed.
    fn idle_after_send(&self, room: u64, max_payload: u64, limit: impl Fn(u64) -> u64) -> bool {
        let idle = !self.probe_pending
            && !self.rcv.ack_now
            && !self.ack_first
            && !self.tlp_due
            && (self.rto_at.is_some()
                || self.persist_at.is_some()
                || !self.snd.window_blocked(self.smss()))
            && self.snd.surely_nothing(room, max_payload, &limit);
        debug_assert!(!idle || self.snd.next_segment(room, &limit).is_none());
        idle
    }

    /// The retransmission timer slot after a segment left. RFC 6298 §5.1: armed if idle;
    /// in Linux RTO mode re-armed when the head is retransmitted (tcp_xmit_retransmit_queue:
    /// a fast retransmission gets a whole RTO), unless RACK's reordering timer holds the
    /// slot. With RACK-TLP, new data (Linux tcp_event_new_data_sent, tcp_write_xmit) re-arms
    /// the RTO if nothing was in flight or a probe was pending, then schedules a loss probe.
    fn arm_after_send(&mut self, now: Instant, seg: &Seg, prior_flight: u64) {
        let head = self.rtt.mode() == RtoMode::Linux
            && seg.retransmit
            && seg.start == self.snd.una
            && (self.snd.newreno_cwnd.is_none() || self.rto_restart_on_partial_ack())
            && !(self.rto_at.is_some() && self.xmit_timer == XmitTimer::Reorder);
        if !self.rack_tlp() || seg.retransmit {
            if self.rto_at.is_none() || head {
                self.rto_at = Some(now + self.rtt.rto());
                self.xmit_timer = XmitTimer::Rto;
            }
            return;
        }
        let probe_pending = self.rto_at.is_some() && self.xmit_timer == XmitTimer::LossProbe;
        if probe_pending && self.probe_scheduled == Some(now) {
            // Scheduled at this instant already with more than one segment in flight:
            // re-arming gives the same deadline.
            return;
        }
        // Scheduling the probe sets the whole slot (deadline and purpose) and reads neither,
        // so the RTO re-arm it would overwrite is skipped (same result, one search less).
        let armed = self.schedule_loss_probe(now, false);
        if !armed && (prior_flight == 0 || probe_pending || self.rto_at.is_none()) {
            self.rearm_rto(now);
        }
    }

    /// Starts the persist timer when data waits for a window with nothing in flight.
    fn arm_persist(&mut self, now: Instant) {
        if self.persist_at.is_some() || self.rto_at.is_some() {
            return;
        }
        if self.snd.window_blocked(self.smss()) {
            let mut d = self.rtt.rto();
            for _ in 0..self.persist_backoff {
                d = d.saturating_mul(2).min(self.cfg.max_rto);
            }
            self.persist_at = Some(now + d);
        }
    }

    /// Options of a non-SYN segment: timestamps and SACK blocks (RFC 2018: at most 3
    /// next to timestamps).
    pub(super) fn ack_options(&self, now: Instant) -> TcpOptions {
        let mut o = TcpOptions::new();
        self.write_ack_options(now, &mut o, true);
        o
    }

    /// Writes the options of a non-SYN segment into `o` (empty), SACK blocks only if
    /// `sack`.
    fn write_ack_options(&self, now: Instant, o: &mut TcpOptions, sack: bool) {
        if self.ts_ok {
            o.timestamps = Some(Timestamps {
                tsval: self.tsval(now),
                tsecr: self.rcv.ts_recent,
            });
        }
        if sack && self.sack_ok && self.rcv.has_ooo() {
            let max = if self.ts_ok { 3 } else { 4 };
            let irs = self.irs;
            self.rcv.sack_blocks(max, |l, r| {
                o.sack
                    .push(SeqNum::from_offset(irs, l), SeqNum::from_offset(irs, r));
            });
        }
    }

    /// Puts into `out` a synchronized-state segment (always with ACK) starting at sequence
    /// offset `start`, its options written in place there by `options` (SACK blocks that do
    /// not fit are dropped).
    fn segment<H: SegmentHook, O: SegmentOut>(
        &mut self,
        start: u64,
        payload: u64,
        flags: TcpFlags,
        (hook, out): (&mut H, &mut O),
        options: impl FnOnce(&Self, &mut H, &mut TcpOptions),
    ) {
        let header = TcpHeader {
            src_port: self.local.port,
            dst_port: self.remote.port,
            seq: SeqNum::from_offset(self.snd.iss, start),
            ack: SeqNum::from_offset(self.irs, self.rcv.nxt),
            flags: flags | TcpFlags::ACK,
            window: self.rcv.window_field(hook.receive_window()),
            options: TcpOptions::new(),
            // Bounded by the MSS.
            payload_len: payload as u32,
            payload_rewrite: None,
        };
        let p = out.put(Packet {
            src: self.local.addr,
            dst: self.remote.addr,
            size: 0,
            header,
        });
        let o = &mut p.header.options;
        options(self, hook, o);
        if !o.sack.is_empty() {
            o.fit_sack();
        }
        p.size = p.header.packet_size();
        self.rcv.on_ack_sent();
    }

    pub(super) fn packet(&self, header: TcpHeader) -> Packet<TcpHeader> {
        Packet {
            src: self.local.addr,
            dst: self.remote.addr,
            size: header.packet_size(),
            header,
        }
    }
}

impl TcpSocket {
    /// Linux `tcp_cwnd_validate` (net/ipv4/tcp_output.c): remember, per flight, whether the
    /// window was fully used, else the most that was in flight. A flight ends when SND.UNA
    /// passes the SND.NXT recorded at its start.
    pub(super) fn cwnd_validate(&mut self, limited: bool) {
        let flight = self.snd.flight();
        if self.snd.una >= self.cwnd_usage_seq
            || limited
            || (!self.cwnd_limited && flight > self.max_flight)
        {
            self.cwnd_limited = limited;
            self.max_flight = flight;
            self.cwnd_usage_seq = self.snd.nxt;
        }
    }

    /// Linux `tcp_is_cwnd_limited` (include/net/tcp.h): the flight used the whole window, or,
    /// in slow start, the window is below twice the most that was in flight.
    pub(super) fn is_cwnd_limited(&self) -> bool {
        if self.cwnd_limited {
            return true;
        }
        let cwnd = self.cc.window();
        cwnd < self.cc.ssthresh() && cwnd < 2 * self.max_flight
    }
}
