//! Segment processing in synchronized states: timestamps, the ACK field (window, SACK,
//! RTT, RTO timer), loss detection and recovery (RFC 6675 with SACK, RFC 6582 without),
//! the receive side and the closing state transitions.

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
        let wnd_changed = self.snd.update_window(seq, ack, h.window);
        if self.snd.rwnd_room() > 0 {
            self.persist_backoff = 0;
        }
        let sacked = if self.sack_ok {
            self.snd.apply_sacks(&h.options.sack, ack)
        } else {
            0
        };
        let mut info = AckInfo {
            newly: ack - self.snd.una,
            flight: self.snd.flight(),
            ..AckInfo::default()
        };
        // RFC 5681 §2 duplicate ACK (RFC 6675 §2: or one carrying new SACK information).
        info.dup = info.newly == 0
            && h.payload_len == 0
            && !h.flags.fin()
            && info.flight > 0
            && (!wnd_changed || sacked > 0);
        if info.newly > 0 {
            self.on_new_ack(now, h, ack, &mut info);
        } else if info.dup {
            self.snd.dupacks += 1;
        }
        let smss = self.smss();
        self.snd.board.update_lost(self.snd.una, smss);
        self.recovery_step(now, &info, c);
    }

    /// The cumulative ACK advanced: RTT sample, counters, RTO timer (RFC 6298 §5.2–5.3).
    fn on_new_ack(&mut self, now: Instant, h: &TcpHeader, ack: u64, info: &mut AckInfo) {
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
        self.snd.advance(ack);
        self.rtt.reset_backoff();
        self.rto_at = (self.snd.flight() > 0).then(|| now + self.rtt.rto());
        if self.snd.fin_acked() && self.counters.all_acked_at.is_none() {
            self.counters.all_acked_at = Some(now);
        }
    }

    fn recovery_step(&mut self, now: Instant, info: &AckInfo, c: &Coupling<'_>) {
        let smss = self.smss();
        match self.snd.recovery {
            Recovery::Open => {
                let lost = self.sack_ok && self.snd.board.is_lost(self.snd.una);
                let dups = u64::from(self.snd.dupacks) >= DUP_THRESH;
                if (lost || dups) && self.snd.flight() > 0 {
                    self.enter_fast_recovery(now, info.flight, c);
                } else if info.newly > 0 {
                    self.cc_on_ack(now, info, c);
                }
            }
            Recovery::Fast { point } => {
                if self.snd.una >= point {
                    // RFC 6675 / RFC 6582 full ACK: recovery ends, cwnd = ssthresh.
                    self.snd.recovery = Recovery::Open;
                    self.snd.newreno_cwnd = None;
                    self.snd.rexmit_una = false;
                } else if let Some(w) = self.snd.newreno_cwnd {
                    self.snd.newreno_cwnd = Some(if info.newly > 0 {
                        // RFC 6582 §3.2 step 5: partial ACK — retransmit the first
                        // unacknowledged segment, deflate by the amount acknowledged and
                        // add back one SMSS if at least one SMSS was acknowledged.
                        self.snd.rexmit_una = true;
                        let back = if info.newly >= smss { smss } else { 0 };
                        w.saturating_sub(info.newly) + back
                    } else if info.dup {
                        // RFC 6582 §3.2 step 4: inflate by one SMSS per duplicate ACK.
                        w + smss
                    } else {
                        w
                    });
                }
            }
            Recovery::Loss { point } => {
                if info.newly > 0 {
                    self.cc_on_ack(now, info, c);
                }
                if self.snd.una >= point {
                    self.snd.recovery = Recovery::Open;
                }
            }
        }
    }

    /// RFC 6675 §5 (4.1–4.3) / RFC 6582 §3.2 steps 2–3: ssthresh and cwnd from the
    /// controller, RecoveryPoint = SND.MAX, retransmit the first unacknowledged segment;
    /// without SACK, cwnd is inflated to `ssthresh + 3·SMSS`.
    fn enter_fast_recovery(&mut self, now: Instant, flight: u64, c: &Coupling<'_>) {
        self.cc.on_congestion_event(now, flight, c);
        self.snd.recovery = Recovery::Fast {
            point: self.snd.nxt,
        };
        self.snd.rexmit_una = true;
        if !self.sack_ok {
            self.snd.newreno_cwnd = Some(self.cc.ssthresh() + 3 * self.smss());
        }
        self.counters.fast_recoveries += 1;
    }

    fn cc_on_ack(&mut self, now: Instant, info: &AckInfo, c: &Coupling<'_>) {
        let sample = AckSample {
            now,
            acked_bytes: info.payload,
            rtt: info.rtt,
            srtt: self.rtt.srtt(),
            bytes_in_flight: info.flight,
            cwnd_limited: self.is_cwnd_limited(),
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
