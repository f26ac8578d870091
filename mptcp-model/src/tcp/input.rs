//! Segment processing in synchronized states: timestamps, the ACK field (window, SACK,
//! RTT, RTO timer), loss detection and recovery (RFC 6675 with SACK, RFC 6582 without),
//! the receive side and the closing state transitions.

use super::config::{CwndReduction, NewRenoTimer};
use super::prr::{Prr, PrrAck};
use super::sack::DUP_THRESH;
use super::send::Recovery;
use super::socket::TcpSocket;
use super::TcpState;
use crate::cc::{AckSample, CongestionController, Coupling};
use crate::wire::TcpHeader;
use sim_core::{Duration, Instant};

/// What the ACK field of one segment did.
#[derive(Clone, Copy, Debug, Default)]
struct AckInfo {
    /// Sequence space newly acknowledged.
    newly: u64,
    /// Payload bytes newly acknowledged.
    payload: u64,
    /// RFC 5681 / RFC 6675 duplicate ACK.
    dup: bool,
    /// FlightSize before the ACK.
    flight: u64,
    /// FlightSize before the ACK without limited-transmit segments (RFC 5681 §3.2 step 2).
    flight_for_ssthresh: u64,
    /// RFC 6937 DeliveredData: octets newly cumulatively acknowledged or newly SACKed.
    delivered: u64,
    /// The ACK marked more octets lost.
    newly_lost: bool,
    rtt: Option<Duration>,
}

impl TcpSocket {
    /// Processes a non-SYN-handshake segment in a synchronized state.
    pub(super) fn on_synchronized(&mut self, now: Instant, h: &TcpHeader, c: &Coupling<'_>) {
        let seq = h.seq.to_offset(self.irs, self.rcv.nxt);
        if h.flags.syn() {
            // A retransmitted SYN-ACK: our ACK was lost. Answer it.
            self.rcv.ack_now = true;
            return;
        }
        if let Some(ts) = h.options.timestamps.filter(|_| self.ts_ok) {
            // RFC 7323 §4.3: TS.Recent from the segment that Last.ACK.sent points into.
            let newer = ts.tsval.wrapping_sub(self.rcv.ts_recent) as i32 >= 0;
            if newer && seq <= self.rcv.last_ack_sent {
                self.rcv.ts_recent = ts.tsval;
            }
        }
        if h.flags.ack() {
            self.on_ack(now, h, seq, c);
        }
        let mss = self.smss();
        let len = u64::from(h.payload_len);
        self.rcv
            .on_segment(now, seq, len, h.flags.fin(), &self.cfg, mss);
        if self.state == TcpState::TimeWait && h.flags.fin() {
            // RFC 9293 §3.10.7.4: a retransmitted FIN restarts the 2·MSL timer.
            self.time_wait_at = Some(now + self.cfg.time_wait);
        }
        self.update_close_state(now);
    }

    fn on_ack(&mut self, now: Instant, h: &TcpHeader, seq: u64, c: &Coupling<'_>) {
        let ack = h.ack.to_offset(self.snd.iss, self.snd.una);
        if ack > self.snd.nxt {
            // Acknowledges something not yet sent: answer with an ACK, ignore.
            self.rcv.ack_now = true;
            return;
        }
        if ack < self.snd.una {
            return;
        }
        // Any ACK may change what a loss probe would be (state, SRTT, RTO).
        self.probe_scheduled = None;
        let wnd_changed = self.snd.update_window(seq, ack, h.window);
        if self.snd.rwnd_room() > 0 {
            self.persist_backoff = 0;
        }
        if ack == self.snd.nxt
            && ack == self.snd.una
            && self.snd.recovery == Recovery::Open
            && self.snd.tlp.is_none()
        {
            self.on_ack_idle();
            return;
        }
        self.snd.idle_settled = u64::MAX;
        let sacked_before = self.snd.board.sacked_bytes();
        let lost_before = self.snd.board.lost_marked();
        let min_rtt = self.rtt.min_rtt();
        // Most segments carry no SACK block: no call then.
        let sacked = if self.sack_ok && !h.options.sack.is_empty() {
            self.snd.apply_sacks(&h.options.sack, ack, now, min_rtt)
        } else {
            0
        };
        let mut info = AckInfo {
            newly: ack - self.snd.una,
            flight: self.snd.flight(),
            flight_for_ssthresh: self.snd.flight_for_ssthresh(),
            ..AckInfo::default()
        };
        // RFC 5681 §2 duplicate ACK (RFC 6675 §2: or one carrying new SACK information).
        info.dup = info.newly == 0
            && h.payload_len == 0
            && !h.flags.fin()
            && info.flight > 0
            && (!wnd_changed || sacked > 0);
        let restart_timer = info.newly > 0 && self.on_new_ack(now, h, ack, &mut info);
        if info.dup {
            self.snd.dupacks += 1;
        }
        // Linux FLAG_NOT_DUP / FLAG_DATA_SACKED for the loss probe's verdict.
        let pure_dup = info.newly == 0 && h.payload_len == 0 && !wnd_changed && sacked == 0;
        self.tlp_on_ack(now, ack, pure_dup, c);
        let reo_armed = self.detect_losses(now);
        // Δ SND.UNA + Δ SACKed: octets SACKed earlier and now cumulatively acknowledged
        // leave the SACKed total, so they are not counted twice.
        info.delivered = (info.newly + self.snd.board.sacked_bytes()).saturating_sub(sacked_before);
        info.newly_lost = self.snd.board.lost_marked() > lost_before;
        self.recovery_step(now, &info, c);
        if self.snd.flight() == 0 {
            self.rto_at = None;
        } else if restart_timer && !reo_armed {
            // RFC 6298 §5.3 (Linux tcp_set_xmit_timer: a loss probe or the RTO).
            self.set_xmit_timer(now);
        }
    }

    /// The rest of [`Self::on_ack`] for an ACK that acknowledges nothing new while nothing is
    /// in flight, outside recovery and any loss-probe episode (a data receiver's ACK
    /// field): no SACK block can lie in the empty `(SND.UNA, SND.MAX]`, the ACK is no
    /// duplicate (RFC 5681 §2 needs data outstanding), and nothing can be lost or recovered;
    /// of the loss detection only the bookkeeping remains (RACK's scan finds nothing with
    /// nothing SACKed or retransmitted in the Open state), and the timer slot is cleared.
    fn on_ack_idle(&mut self) {
        let smss = || {
            if self.rack_tlp() {
                u64::MAX
            } else {
                self.smss()
            }
        };
        if self.snd.idle_settled == self.snd.nxt {
            // Settled by the last idle ACK, and nothing sent, acknowledged or timed out
            // since (each resets the mark): the housekeeping would change nothing.
            #[cfg(debug_assertions)]
            {
                let mut snd = self.snd.clone();
                snd.settle_idle(smss());
                debug_assert_eq!(format!("{:?}", snd.board), format!("{:?}", self.snd.board));
                debug_assert_eq!(format!("{:?}", snd.rack), format!("{:?}", self.snd.rack));
            }
        } else {
            let smss = smss();
            self.snd.settle_idle(smss);
        }
        self.rto_at = None;
    }

    /// The cumulative ACK advanced: RTT sample, counters. Returns whether the retransmission
    /// timer restarts (RFC 6298 §5.3; RFC 6582 §4 for partial ACKs without SACK).
    fn on_new_ack(&mut self, now: Instant, h: &TcpHeader, ack: u64, info: &mut AckInfo) -> bool {
        info.rtt = match h.options.timestamps {
            // RFC 7323 §4.1: every ACK advancing SND.UNA gives a sample from TSecr.
            Some(ts) if self.ts_ok && ts.tsecr != 0 => Some(self.ts_rtt(now, ts.tsecr)),
            _ if self.ts_ok => None,
            // Karn: only a segment timed since the last retransmission.
            _ => match self.snd.timed {
                Some((end, at)) if ack >= end => {
                    self.snd.timed = None;
                    Some(now - at)
                }
                _ => None,
            },
        };
        if let Some(r) = info.rtt {
            self.rtt.on_sample_at(r, ack, self.snd.nxt);
        }
        info.payload = self.snd.payload_in(self.snd.una, ack);
        self.counters.bytes_acked += info.payload;
        let partial = match self.snd.recovery {
            Recovery::Fast { point } => self.snd.newreno_cwnd.is_some() && ack < point,
            _ => false,
        };
        let min_rtt = self.rtt.min_rtt();
        self.snd.advance(ack, now, min_rtt);
        self.rtt.reset_backoff();
        if partial {
            self.snd.partial_acks = self.snd.partial_acks.saturating_add(1);
        }
        if self.snd.fin_acked() && self.counters.all_acked_at.is_none() {
            self.counters.all_acked_at = Some(now);
        }
        !partial || self.rto_restart_on_partial_ack()
    }

    fn recovery_step(&mut self, now: Instant, info: &AckInfo, c: &Coupling<'_>) {
        match self.snd.recovery {
            Recovery::Open => {
                if self.time_to_recover() {
                    self.enter_fast_recovery(now, info.flight_for_ssthresh, c);
                    self.prr_on_ack(info);
                } else if info.newly > 0 {
                    self.cc_on_ack(now, info, c);
                }
            }
            Recovery::Fast { point } => {
                if self.recovered(point) {
                    // RFC 6675 / RFC 6582 full ACK: recovery ends with cwnd = ssthresh; the
                    // ACK then counts for window growth, as Linux's tcp_cong_control calls
                    // cong_avoid once tcp_fastretrans_alert has left recovery.
                    self.exit_fast_recovery();
                    self.cc_on_ack(now, info, c);
                } else if self.snd.newreno_cwnd.is_some() {
                    self.newreno_step(info);
                } else {
                    self.prr_on_ack(info);
                }
            }
            Recovery::Loss { point } => {
                if info.newly > 0 {
                    self.cc_on_ack(now, info, c);
                }
                if self.recovered(point) {
                    self.snd.recovery = Recovery::Open;
                }
            }
        }
    }

    /// Linux `tcp_time_to_recover`: with RACK, once something is marked lost; with RFC 6675
    /// DupThresh, once SND.UNA is lost or three duplicate ACKs arrived; without SACK, three
    /// duplicate ACKs (RFC 6582 §3.2 step 1).
    fn time_to_recover(&self) -> bool {
        if self.snd.flight() == 0 {
            return false;
        }
        let dups = u64::from(self.snd.dupacks) >= DUP_THRESH;
        if !self.sack_ok {
            return dups;
        }
        if self.rack_tlp() {
            return self.snd.board.lost_bytes() > 0;
        }
        dups || self.snd.board.is_lost(self.snd.una)
    }

    /// RACK's reordering timer marked losses outside recovery (Linux
    /// `tcp_rack_reo_timeout`): fast recovery begins, and PRR counts one segment delivered.
    pub(super) fn enter_recovery_on_timer(&mut self, now: Instant, c: &Coupling<'_>) {
        let flight = self.snd.flight_for_ssthresh();
        self.enter_fast_recovery(now, flight, c);
        let info = AckInfo {
            delivered: self.smss(),
            ..AckInfo::default()
        };
        self.prr_on_ack(&info);
    }

    /// Recovery up to `point` (SND.MAX when it began) is complete. Without SACK the state is
    /// held while SND.UNA sits exactly at `point` (Linux `tcp_is_non_sack_preventing_reopen`:
    /// "hold old state until something *above* high_seq is ACKed"; RFC 6582 §4.1):
    /// duplicate ACKs for `point` can be echoes of segments sent twice by the go-back-N
    /// retransmission after a timeout and must not start another fast retransmit.
    fn recovered(&self, point: u64) -> bool {
        let una = self.snd.una;
        una > point || (una == point && self.sack_ok)
    }

    /// RFC 6582 §4: whether a partial ACK (or the retransmission it triggers) may restart
    /// the retransmission timer — always when slow-but-steady, only for the first partial
    /// ACK of the recovery when impatient.
    pub(super) fn rto_restart_on_partial_ack(&self) -> bool {
        self.cfg.newreno_timer == NewRenoTimer::SlowButSteady || self.snd.partial_acks <= 1
    }

    /// RFC 6582 §3.2 steps 4–5 for one ACK during NewReno fast recovery.
    fn newreno_step(&mut self, info: &AckInfo) {
        let smss = self.smss();
        let Some(w) = self.snd.newreno_cwnd else {
            return;
        };
        self.snd.newreno_cwnd = Some(if info.newly > 0 {
            // Step 5: partial ACK — retransmit the first unacknowledged segment, deflate by
            // the amount acknowledged and add back one SMSS if at least one SMSS was
            // acknowledged.
            self.snd.rexmit_una = true;
            let back = if info.newly >= smss { smss } else { 0 };
            w.saturating_sub(info.newly) + back
        } else if info.dup {
            // Step 4: inflate by one SMSS per duplicate ACK.
            w + smss
        } else {
            w
        });
    }

    /// RFC 6937 / Linux `tcp_cwnd_reduction` for one ACK during SACK-based recovery.
    fn prr_on_ack(&mut self, info: &AckInfo) {
        let smss = self.smss();
        let ack = PrrAck {
            delivered: info.delivered,
            pipe: self.snd.pipe(),
            ssthresh: self.cc.ssthresh(),
            una_advanced: info.newly > 0,
            newly_lost: info.newly_lost,
        };
        if let Some(p) = self.snd.prr.as_mut() {
            p.on_ack(&ack, smss);
        }
    }

    /// Loss detected by duplicate ACKs or SACK: fast recovery begins (RFC 6675 §5 (4.1)–(4.3),
    /// RFC 6582 §3.2 steps 2–3). The controller sets `ssthresh` (and its `cwnd`, the value
    /// after recovery) from the FlightSize without limited-transmit segments (RFC 5681 §3.2
    /// step 2); RecoveryPoint = SND.MAX; the first unacknowledged segment is retransmitted.
    /// Without SACK, cwnd is inflated to `ssthresh + 3·SMSS` (RFC 6582); with SACK the window
    /// during recovery is PRR's (RFC 6937, starting from the window before the reduction) or,
    /// with [`CwndReduction::Halve`], `ssthresh` at once.
    fn enter_fast_recovery(&mut self, now: Instant, flight: u64, c: &Coupling<'_>) {
        let prior_cwnd = self.cc.window();
        self.cc.on_congestion_event(now, flight, c);
        self.snd.tlp = None;
        self.snd.recovery = Recovery::Fast {
            point: self.snd.nxt,
        };
        self.snd.rexmit_una = true;
        self.snd.limited_transmit = 0;
        if !self.sack_ok {
            self.snd.newreno_cwnd = Some(self.cc.ssthresh() + 3 * self.smss());
            self.snd.partial_acks = 0;
        } else if self.cfg.cwnd_reduction == CwndReduction::Prr {
            self.snd.prr = Some(Prr::new(prior_cwnd));
        }
        self.counters.fast_recoveries += 1;
    }

    /// Fast recovery ends (RecoveryPoint cumulatively acknowledged): the window is the
    /// controller's again, `ssthresh` (Linux `tcp_end_cwnd_reduction`).
    fn exit_fast_recovery(&mut self) {
        self.snd.recovery = Recovery::Open;
        self.snd.newreno_cwnd = None;
        self.snd.prr = None;
        self.snd.rexmit_una = false;
    }

    fn cc_on_ack(&mut self, now: Instant, info: &AckInfo, c: &Coupling<'_>) {
        let sample = AckSample {
            now,
            acked_bytes: info.payload,
            rtt: info.rtt,
            srtt: self.rtt.srtt(),
            bytes_in_flight: info.flight,
            cwnd_limited: self.is_cwnd_limited(),
            snd_una: self.snd.una,
            snd_nxt: self.snd.nxt,
        };
        self.cc.on_ack(&sample, c);
    }

    /// RFC 9293 §3.10.7.4 closing transitions after the ACK and FIN were processed.
    fn update_close_state(&mut self, now: Instant) {
        let fin_acked = self.snd.fin_acked();
        let fin_rcvd = self.rcv.fin_received;
        let next = match self.state {
            TcpState::Established if fin_rcvd => TcpState::CloseWait,
            TcpState::FinWait1 if fin_acked && fin_rcvd => TcpState::TimeWait,
            TcpState::FinWait1 if fin_acked => TcpState::FinWait2,
            TcpState::FinWait1 if fin_rcvd => TcpState::Closing,
            TcpState::FinWait2 if fin_rcvd => TcpState::TimeWait,
            TcpState::Closing if fin_acked => TcpState::TimeWait,
            TcpState::LastAck if fin_acked => TcpState::Closed,
            s => s,
        };
        if next == self.state {
            return;
        }
        self.state = next;
        if matches!(next, TcpState::TimeWait | TcpState::Closed) {
            self.rto_at = None;
        }
        if next == TcpState::TimeWait {
            self.time_wait_at = Some(now + self.cfg.time_wait);
        }
    }
}
