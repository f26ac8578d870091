//! Loss detection and the retransmission timer slot of a [`TcpSocket`]: RACK-TLP
//! (RFC 8985) or RFC 6675 DupThresh marking, and the one timer Linux multiplexes between
//! the retransmission timeout, RACK's reordering timer and the tail loss probe
//! (`icsk_pending`: `ICSK_TIME_RETRANS`, `ICSK_TIME_REO_TIMEOUT`, `ICSK_TIME_LOSS_PROBE`).

use super::rack::{self, TlpEpisode, TlpVerdict, XmitTimer};
use super::send::Recovery;
use super::socket::TcpSocket;
use super::TcpState;
use crate::cc::{CongestionController, Coupling};
use sim_core::{Duration, Instant};

impl TcpSocket {
    /// RACK-TLP is in force (SACK negotiated and [`super::LossDetection::RackTlp`]).
    pub(super) fn rack_tlp(&self) -> bool {
        self.snd.rack_tlp
    }

    /// Marks losses after an ACK was processed: RACK's scan when its reference moved (and
    /// the reordering timer if a segment is not yet overdue), or RFC 6675 `IsLost`. Returns
    /// whether the reordering timer was armed (the ACK then leaves the timer alone, Linux
    /// clearing `FLAG_SET_XMIT_TIMER`).
    pub(super) fn detect_losses(&mut self, now: Instant) -> bool {
        let armed = self.mark_losses(now);
        self.snd.board.settle_cursor(self.snd.una, self.snd.nxt);
        armed
    }

    fn mark_losses(&mut self, now: Instant) -> bool {
        let una = self.snd.una;
        if !self.rack_tlp() {
            let smss = self.smss();
            self.snd.board.update_lost(una, smss);
            return false;
        }
        // The reordering window is worked out only when the reference moved.
        let scan = if self.snd.rack.take_advanced() {
            let reo = self.reo_wnd();
            self.snd.rack.reference(now, reo)
        } else {
            None
        };
        let b = &self.snd.board;
        // Outside recovery with nothing SACKed and no retransmission in flight, Linux does not
        // look (tcp_ack_is_dubious is false in the Open state): nothing can be lost then.
        let clean = self.snd.recovery == Recovery::Open
            && b.sacked_bytes() == 0
            && b.retransmitted_in_flight() == 0;
        let Some(r) = scan.filter(|_| !clean) else {
            self.snd.board.update_lost(una, u64::MAX);
            return false;
        };
        let scan = self
            .snd
            .board
            .rack_detect(una, &r, &mut self.snd.rack_fingers);
        match scan.wait {
            Some(w) => {
                self.rto_at = Some(now + rack::reo_timeout(w));
                self.xmit_timer = XmitTimer::Reorder;
                true
            }
            None => false,
        }
    }

    /// RACK's reordering window now.
    fn reo_wnd(&self) -> Duration {
        let in_recovery = self.snd.recovery != Recovery::Open;
        let sacked = self.snd.board.sacked_bytes();
        rack::reo_wnd(
            in_recovery,
            sacked,
            self.smss(),
            self.rtt.min_rtt(),
            self.rtt.srtt(),
        )
    }

    /// Linux `tcp_set_xmit_timer`: a loss probe if one may be scheduled, else the RTO.
    pub(super) fn set_xmit_timer(&mut self, now: Instant) {
        if !self.schedule_loss_probe(now, true) {
            self.rearm_rto(now);
        }
    }

    /// Linux `tcp_rearm_rto`: the RTO from now, or, when the slot held the reordering timer
    /// or a loss probe, from the time the head segment was sent (`tcp_rto_delta_us`, at least
    /// one jiffy); off with nothing in flight.
    pub(super) fn rearm_rto(&mut self, now: Instant) {
        if self.snd.flight() == 0 {
            self.rto_at = None;
            self.xmit_timer = XmitTimer::Rto;
            return;
        }
        let rto = self.rtt.rto();
        let at = match self.xmit_timer {
            XmitTimer::Reorder | XmitTimer::LossProbe => self
                .snd
                .board
                .head_sent_at(self.snd.una)
                .map_or(now + rto, |t| (t + rto).max(now + Duration::from_millis(1))),
            _ => now + rto,
        };
        self.rto_at = Some(at);
        self.xmit_timer = XmitTimer::Rto;
    }

    /// Linux `tcp_schedule_loss_probe` (RFC 8985 §7.2): with RACK-TLP, data in flight and no
    /// loss state (Linux `TCP_CA_Open`: nothing SACKed, lost or retransmitted), the slot is
    /// armed for a probe; `advancing` (an ACK advanced SND.UNA) caps the timeout at a whole
    /// RTO, else at the time left until the RTO. Returns whether it armed the probe.
    #[inline]
    pub(super) fn schedule_loss_probe(&mut self, now: Instant, advancing: bool) -> bool {
        if !self.rack_tlp() {
            return false;
        }
        let b = &self.snd.board;
        let open = self.snd.recovery == Recovery::Open
            && b.sacked_bytes() == 0
            && b.lost_bytes() == 0
            && b.retransmitted_in_flight() == 0;
        let synced = !matches!(
            self.state,
            TcpState::Closed | TcpState::SynSent | TcpState::SynReceived
        );
        let flight = self.snd.flight();
        if !self.rack_tlp() || !open || !synced || flight == 0 {
            return false;
        }
        let rto = self.rtt.rto();
        let left = if advancing {
            Some(rto)
        } else {
            self.snd
                .board
                .head_sent_at(self.snd.una)
                .map(|t| (t + rto).saturating_duration_since(now))
        };
        let one_segment = flight <= self.smss() + 1;
        let pto = rack::probe_timeout(self.rtt.srtt(), one_segment, self.cfg.min_rto, left);
        self.rto_at = Some(now + pto);
        self.xmit_timer = XmitTimer::LossProbe;
        self.probe_scheduled = (!one_segment && !advancing).then_some(now);
        true
    }

    /// The slot fired with a loss probe due (Linux `tcp_send_loss_probe`): one probe per
    /// episode; while one is outstanding the RTO takes over.
    pub(super) fn on_probe_timeout(&mut self, now: Instant) {
        if self.snd.tlp.is_some() || self.snd.flight() == 0 {
            self.rearm_rto(now);
            return;
        }
        self.tlp_due = true;
    }

    /// A loss probe `retrans` (else new data) left: the episode starts and the RTO restarts
    /// from now (Linux clears `icsk_pending` before `tcp_rearm_rto`).
    pub(super) fn on_probe_sent(&mut self, now: Instant, retrans: bool) {
        self.snd.tlp = Some(TlpEpisode {
            high_seq: self.snd.nxt,
            retrans,
        });
        self.counters.tail_loss_probes += 1;
        self.rto_at = Some(now + self.rtt.rto());
        self.xmit_timer = XmitTimer::Rto;
    }

    /// RACK's reordering timer fired (Linux `tcp_rack_reo_timeout`): scan again; if that
    /// marked losses, recovery begins (as after one segment delivered) unless under way.
    /// The RTO is then re-armed from the head's send time.
    pub(super) fn on_reorder_timeout(&mut self, now: Instant, c: &Coupling<'_>) {
        let una = self.snd.una;
        let before = self.snd.pipe();
        let reo = self.reo_wnd();
        if let Some(r) = self.snd.rack.reference(now, reo) {
            self.snd
                .board
                .rack_detect(una, &r, &mut self.snd.rack_fingers);
        }
        if self.snd.pipe() != before && !matches!(self.snd.recovery, Recovery::Fast { .. }) {
            self.enter_recovery_on_timer(now, c);
        }
        self.rearm_rto(now);
    }

    /// Linux `tcp_process_tlp_ack` for an ACK of `ack` during a probe episode.
    pub(super) fn tlp_on_ack(&mut self, now: Instant, ack: u64, pure_dup: bool, c: &Coupling<'_>) {
        let Some(e) = self.snd.tlp else {
            return;
        };
        match e.on_ack(ack, pure_dup) {
            TlpVerdict::Pending => {}
            TlpVerdict::Done => self.snd.tlp = None,
            TlpVerdict::Loss => {
                // tcp_init_cwnd_reduction + tcp_end_cwnd_reduction: ssthresh from the
                // controller (Linux's ssthresh() takes the window), cwnd = ssthresh.
                self.snd.tlp = None;
                let w = self.cc.window();
                self.cc.on_congestion_event(now, w, c);
            }
        }
    }
}
