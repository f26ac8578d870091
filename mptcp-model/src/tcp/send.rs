//! Send side: sequence-space bookkeeping, the peer's window, loss recovery state
//! (RFC 6675 SACK-based with the [`Scoreboard`], RFC 6582 NewReno without SACK) and the
//! choice of the next segment to send.
//!
//! Positions are `u64` offsets from our ISN: the SYN is offset 0, application byte `k` is
//! offset `1 + k`, and the FIN (once queued) is offset `app_end`. The owner provides the bytes
//! available to send (`app_end`); this module decides which range goes next.

use super::prr::Prr;
use super::rack::{Rack, TlpEpisode};
use super::sack::{RackFingers, Scoreboard};
use super::xmit::Stamp;
use crate::wire::{SackBlocks, SeqNum};
use sim_core::{Duration, Instant};

/// Loss-recovery phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Recovery {
    /// No recovery in progress.
    Open,
    /// Fast recovery (RFC 6675 / RFC 6582) until `point` (RecoveryPoint / `recover`) is
    /// cumulatively acknowledged.
    Fast {
        /// RecoveryPoint.
        point: u64,
    },
    /// Recovery after a retransmission timeout until `point` is acknowledged.
    Loss {
        /// Highest sequence sent when the timeout fired.
        point: u64,
    },
}

/// A range of sequence space chosen for transmission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seg {
    /// First offset.
    pub(crate) start: u64,
    /// Payload octets.
    pub(crate) payload: u64,
    /// The segment carries the FIN.
    pub(crate) fin: bool,
    /// Some of it was sent before.
    pub(crate) retransmit: bool,
}

impl Seg {
    /// One past the last offset (including the FIN).
    pub(crate) fn end(&self) -> u64 {
        self.start + self.payload + u64::from(self.fin)
    }

    /// Congestion window the segment needs (a lone FIN counts as one octet).
    pub(crate) fn cost(&self) -> u64 {
        self.payload.max(1)
    }
}

/// Send-side state.
///
/// In declaration order (`repr(C)`, see `TcpSocket`'s layout): first what only a sender's
/// ACK processing reads (NewReno, PRR, the Karn-timed segment, the transmission counts),
/// then the scoreboard, whose own head is sender-only too, then what every visit reads.
#[derive(Clone, Debug)]
#[repr(C)]
pub(crate) struct SendState {
    /// RFC 6582 inflated window during NewReno fast recovery.
    pub(crate) newreno_cwnd: Option<u64>,
    /// RFC 6937 state during SACK-based fast recovery with [`super::CwndReduction::Prr`].
    pub(crate) prr: Option<Prr>,
    /// Karn-timed segment: `(end offset, send time)` (used without timestamps).
    pub(crate) timed: Option<(u64, Instant)>,
    /// New data sent by limited transmit (RFC 3042; RFC 6675 §5: while duplicate ACKs or
    /// SACKs arrive before loss recovery), since SND.UNA last advanced. RFC 5681 §3.2 step 2:
    /// not part of the FlightSize from which `ssthresh` is computed.
    pub(crate) limited_transmit: u64,
    /// Start of the highest segment sent (what a loss probe retransmits).
    pub(crate) last_seg_start: u64,
    /// Segments sent so far (orders transmissions at the same instant).
    tx_count: u64,
    pub(crate) board: Scoreboard,
    /// RACK's reference (RFC 8985).
    pub(crate) rack: Rack,
    pub(crate) recovery: Recovery,
    /// The tail loss probe episode in progress.
    pub(crate) tlp: Option<TlpEpisode>,
    /// SND.UNA.
    pub(crate) una: u64,
    /// SND.MAX: everything below has been sent at least once.
    pub(crate) nxt: u64,
    /// The SND.UNA = SND.MAX at which an idle ACK last settled the scoreboard and RACK
    /// (`TcpSocket::on_ack_idle`), `u64::MAX` when anything may have changed them since: a
    /// data receiver's next ACK at the same point reads neither (two lines of the socket).
    pub(crate) idle_settled: u64,
    /// One past the last application byte written.
    pub(crate) app_end: u64,
    /// Peer's receive window in bytes (SND.WND), and the segment that set it (SND.WL1/2).
    pub(crate) wnd: u64,
    wl1: u64,
    wl2: u64,
    /// Largest window the peer ever offered.
    pub(crate) max_wnd: u64,
    pub(crate) iss: SeqNum,
    pub(crate) dupacks: u32,
    /// Partial ACKs in the current NewReno fast recovery (RFC 6582 §4 timer rules).
    pub(crate) partial_acks: u32,
    /// The application closed: a FIN follows the data.
    pub(crate) fin_queued: bool,
    /// Retransmit the segment at SND.UNA next, regardless of the window (fast retransmit,
    /// RFC 6675 (4.3); RFC 6582 partial ACK).
    pub(crate) rexmit_una: bool,
    /// Send new data even if smaller than a segment (persist timer expired, RFC 1122).
    pub(crate) force: bool,
    /// Ignore the peer's window (an MPTCP subflow: the window is connection-level and
    /// enforced by the connection before it hands data to the subflow, RFC 8684 §3.3.5).
    pub(crate) ignore_wnd: bool,
    /// RACK-TLP loss detection (else RFC 6675 DupThresh with NextSeg rule 3).
    pub(crate) rack_tlp: bool,
    /// Peer's window-scale shift.
    pub(crate) wscale: u8,
    /// Where RACK's loss scan last found its answers (in what was padding: the socket's
    /// layout is unchanged).
    pub(crate) rack_fingers: RackFingers,
}

impl SendState {
    /// Send state with initial sequence number `iss`.
    pub(crate) fn new(iss: SeqNum) -> Self {
        SendState {
            iss,
            una: 0,
            nxt: 1,
            idle_settled: u64::MAX,
            app_end: 1,
            fin_queued: false,
            wnd: 0,
            wl1: 0,
            wl2: 0,
            max_wnd: 0,
            wscale: 0,
            board: Scoreboard::new(1),
            recovery: Recovery::Open,
            dupacks: 0,
            rexmit_una: false,
            newreno_cwnd: None,
            partial_acks: 0,
            prr: None,
            limited_transmit: 0,
            timed: None,
            force: false,
            ignore_wnd: false,
            rack_tlp: false,
            rack: Rack::default(),
            tlp: None,
            last_seg_start: 1,
            tx_count: 0,
            rack_fingers: RackFingers::default(),
        }
    }

    /// SND.MAX − SND.UNA (RFC 5681 FlightSize).
    pub(crate) fn flight(&self) -> u64 {
        self.nxt - self.una
    }

    /// End of the sequence space the application has made available (data and FIN).
    fn data_end(&self) -> u64 {
        self.app_end + u64::from(self.fin_queued)
    }

    /// The FIN has been sent and acknowledged.
    pub(crate) fn fin_acked(&self) -> bool {
        self.fin_queued && self.una > self.app_end
    }

    /// Data or FIN not yet sent.
    pub(crate) fn has_unsent(&self) -> bool {
        self.nxt < self.data_end()
    }

    /// Payload octets within `[a, b)` (excluding SYN and FIN positions).
    pub(crate) fn payload_in(&self, a: u64, b: u64) -> u64 {
        b.min(self.app_end).saturating_sub(a.max(1))
    }

    /// The window advertised by the peer in a segment with sequence offset `seq` and
    /// acknowledgment offset `ack` (RFC 9293 §3.10.7.4 SND.WL1/WL2 rule). Returns true
    /// when the window changed.
    pub(crate) fn update_window(&mut self, seq: u64, ack: u64, field: u16) -> bool {
        if seq > self.wl1 || (seq == self.wl1 && ack >= self.wl2) {
            let wnd = u64::from(field) << self.wscale;
            let changed = wnd != self.wnd;
            self.wnd = wnd;
            self.wl1 = seq;
            self.wl2 = ack;
            self.max_wnd = self.max_wnd.max(wnd);
            return changed;
        }
        false
    }

    /// Sets the window from an (unscaled) SYN or SYN-ACK.
    pub(crate) fn set_syn_window(&mut self, field: u16, ack: u64) {
        self.wnd = u64::from(field);
        self.max_wnd = self.wnd;
        self.wl1 = 0;
        self.wl2 = ack;
    }

    /// Applies the SACK blocks of an ACK; returns the octets newly SACKed. Blocks outside
    /// `(SND.UNA, SND.MAX]` (e.g. D-SACK or stale) are ignored (RFC 2883 §4).
    /// `now` and `min_rtt` feed RACK (RFC 8985 §6.2 step 2).
    pub(crate) fn apply_sacks(
        &mut self,
        blocks: &SackBlocks,
        ack: u64,
        now: Instant,
        min_rtt: Option<Duration>,
    ) -> u64 {
        let mut added = 0;
        for &(l, r) in blocks.as_slice() {
            let l = l.to_offset(self.iss, ack);
            let r = r.to_offset(self.iss, ack);
            if l < r && l >= ack.max(self.una) && r <= self.nxt {
                let rack = &mut self.rack;
                added += self
                    .board
                    .on_sack(l, r, |x| rack.on_delivered(x, now, min_rtt));
            }
        }
        added
    }

    /// The cumulative ACK advanced to `ack` (at `now`; `min_rtt` for RACK).
    pub(crate) fn advance(&mut self, ack: u64, now: Instant, min_rtt: Option<Duration>) {
        let rack = &mut self.rack;
        self.board
            .advance(self.una, ack, |x| rack.on_delivered(x, now, min_rtt));
        self.una = ack;
        self.dupacks = 0;
        self.limited_transmit = 0;
    }

    /// RFC 5681 FlightSize without the segments limited transmit sent (RFC 5681 §3.2 step 2,
    /// RFC 3042 §2): what `ssthresh` is computed from when a loss is detected.
    pub(crate) fn flight_for_ssthresh(&self) -> u64 {
        self.flight().saturating_sub(self.limited_transmit)
    }

    /// RFC 6675 `pipe`.
    pub(crate) fn pipe(&self) -> u64 {
        self.board.pipe(self.una, self.nxt)
    }

    /// The window in force: PRR's during SACK-based fast recovery, else `cwnd`.
    pub(crate) fn window(&self, cwnd: u64) -> u64 {
        self.prr.map_or(cwnd, |p| p.cwnd())
    }

    /// Octets the congestion window (or RFC 6582's inflated window) still allows:
    /// `cwnd − pipe` (RFC 6675; `cwnd` is PRR's during recovery), or
    /// `inflated cwnd − FlightSize` (RFC 6582).
    pub(crate) fn cwnd_room(&self, cwnd: u64) -> u64 {
        match self.newreno_cwnd {
            Some(w) => w.saturating_sub(self.flight()),
            None => self.window(cwnd).saturating_sub(self.pipe()),
        }
    }

    /// A segment starting at `s`, at most `max_payload` payload, ending by `bound`; the FIN
    /// rides along when the data ends right before it.
    fn fit(&self, s: u64, bound: u64, max_payload: u64, retransmit: bool) -> Seg {
        let data_to = bound.min(self.app_end).min(s + max_payload);
        let payload = data_to.saturating_sub(s);
        let fin = self.fin_queued && data_to == self.app_end && bound > self.app_end;
        Seg {
            start: s,
            payload,
            fin,
            retransmit,
        }
    }

    /// RFC 6675 §5 `NextSeg` (rules 1–3), or the forced first retransmission, within
    /// `room` octets of congestion window; `max_payload(s)` is the most payload a segment
    /// starting at offset `s` may carry (a full segment, or less at a boundary the owner
    /// keeps segments from crossing).
    pub(crate) fn next_segment(&self, room: u64, max_payload: impl Fn(u64) -> u64) -> Option<Seg> {
        let una_lost = || {
            self.board
                .next_lost(self.una, self.nxt)
                .is_some_and(|h| h.0 == self.una)
        };
        if self.rexmit_una && self.una < self.nxt && (!self.rack_tlp || una_lost()) {
            let bound = self.board.hole_end(self.una, self.nxt);
            return Some(self.fit(self.una, bound, max_payload(self.una), true));
        }
        // Rule 1: lost data.
        if let Some((s, e)) = self.board.next_lost(self.una, self.nxt) {
            let seg = self.fit(s, e, max_payload(s), true);
            return (seg.cost() <= room).then_some(seg);
        }
        // Rule 2: new data.
        if let Some(seg) = self.new_data(room, || max_payload(self.nxt)) {
            return Some(seg);
        }
        // Rule 3: un-SACKed data below the highest SACK, during fast recovery (not with
        // RACK: Linux retransmits only segments marked lost).
        if matches!(self.recovery, Recovery::Fast { .. }) && !self.rack_tlp {
            if let Some((s, e)) = self.board.next_unsacked(self.una, self.nxt) {
                let seg = self.fit(s, e, max_payload(s), true);
                return (seg.cost() <= room).then_some(seg);
            }
        }
        None
    }

    /// False when [`SendState::next_segment`] surely finds nothing, whatever the window: no
    /// data or FIN unsent, no forced retransmission, nothing marked lost, and no RFC 6675
    /// rule (3) recovery (a cheap test for the common poll after the last segment left).
    pub(crate) fn may_send(&self) -> bool {
        self.has_unsent() || self.may_retransmit()
    }

    /// True when [`SendState::next_segment`] may offer a retransmission: a forced one,
    /// data marked lost, or RFC 6675 rule (3) recovery.
    fn may_retransmit(&self) -> bool {
        // Nothing outstanding, nothing lost: a data receiver's polls leave the scoreboard's
        // line unread.
        debug_assert!(self.una < self.nxt || self.board.lost_bytes() == 0);
        (self.una < self.nxt && (self.rexmit_una || self.board.lost_bytes() > 0))
            || (matches!(self.recovery, Recovery::Fast { .. }) && !self.rack_tlp)
    }

    /// True only when [`SendState::next_segment`] with `room` would find nothing; `cap` is
    /// at least every `max_payload(s)`. Cheaper than asking it: false at once when a
    /// forced retransmission, lost data or RFC 6675 rule (3) recovery may offer a segment
    /// (then the answer needs the full search), or when new data fills a whole segment;
    /// `max_payload` is asked only for a window with room for less than `cap`.
    pub(crate) fn surely_nothing(
        &self,
        room: u64,
        cap: u64,
        max_payload: impl FnOnce(u64) -> u64,
    ) -> bool {
        if self.may_retransmit() {
            return false;
        }
        // Rules (1) and (3) find nothing (`next_lost` with nothing lost): rule (2) decides.
        if !self.has_unsent() || room == 0 {
            return true;
        }
        let queued = self.app_end.saturating_sub(self.nxt);
        if queued.min(room).min(self.rwnd_room()) >= cap {
            // `new_data` would send a full segment (`usable == max_payload`).
            return false;
        }
        self.new_data(room, || max_payload(self.nxt)).is_none()
    }

    /// A tail loss probe (Linux `tcp_send_loss_probe`, RFC 8985 §7.3): one segment of new
    /// data regardless of the congestion window if the peer's window allows, else the last
    /// segment sent again.
    pub(crate) fn probe_segment(&self, max_payload: impl Fn(u64) -> u64) -> Option<Seg> {
        if let Some(seg) = self.new_data(u64::MAX >> 2, || max_payload(self.nxt)) {
            return Some(seg);
        }
        if self.una >= self.nxt {
            return None;
        }
        let s = self.last_seg_start.max(self.una);
        Some(self.fit(s, self.nxt, max_payload(s), true))
    }

    /// New data within the peer's window and `room`, with sender-side silly window
    /// avoidance (RFC 1122 §4.2.3.4): send a full segment, or all that is queued, or at
    /// least half the largest window ever offered; `force` overrides after a persist
    /// timeout. A lone FIN needs congestion window but no receive window. `max_payload` is
    /// asked only when there is something to send (it may cost a mapping lookup).
    fn new_data(&self, room: u64, max_payload: impl FnOnce() -> u64) -> Option<Seg> {
        if !self.has_unsent() || room == 0 {
            return None;
        }
        let max_payload = max_payload();
        let queued = self.app_end.saturating_sub(self.nxt);
        if queued == 0 {
            return Some(self.fit(self.nxt, self.nxt + 1, max_payload, false));
        }
        let usable = queued.min(self.rwnd_room()).min(room).min(max_payload);
        if usable == 0 {
            return None;
        }
        let ok = usable == max_payload
            || usable == queued
            || (!self.ignore_wnd && self.max_wnd > 0 && usable >= self.max_wnd / 2)
            || self.force;
        ok.then(|| self.fit(self.nxt, self.nxt + usable + 1, usable, false))
    }

    /// Octets of new data the peer's window still admits.
    pub(crate) fn rwnd_room(&self) -> u64 {
        if self.ignore_wnd {
            return u64::MAX >> 2;
        }
        (self.una + self.wnd).saturating_sub(self.nxt)
    }

    /// True when unsent data waits for the peer's window with nothing in flight: the
    /// persist timer must run (RFC 9293 §3.8.6.1), lest a lost window update deadlock.
    pub(crate) fn window_blocked(&self, max_payload: u64) -> bool {
        let queued = self.app_end.saturating_sub(self.nxt);
        self.flight() == 0 && queued > 0 && self.rwnd_room() < queued.min(max_payload)
    }

    /// An idle ACK's housekeeping (nothing outstanding): RACK's advance flag taken, loss
    /// marks (`smss`: RACK's or the dupack threshold's unit) and the scoreboard's cursor
    /// settled at SND.UNA; remembers the SND.MAX it ran at (`idle_settled`).
    pub(crate) fn settle_idle(&mut self, smss: u64) {
        self.rack.take_advanced();
        self.board.update_lost(self.una, smss);
        self.board.settle_cursor(self.una, self.nxt);
        self.idle_settled = self.nxt;
    }

    /// Records that `seg` was sent at `now`.
    pub(crate) fn on_sent(&mut self, seg: &Seg, now: Instant) {
        self.idle_settled = u64::MAX;
        let end = seg.end();
        let stamp = Stamp {
            at: now,
            order: self.tx_count,
        };
        self.tx_count += 1;
        if let Some(p) = self.prr.as_mut() {
            p.on_sent();
        }
        let disorder = self.dupacks > 0 || self.board.sacked_bytes() > 0;
        if !seg.retransmit && self.recovery == Recovery::Open && disorder {
            self.limited_transmit += seg.cost();
        }
        if seg.retransmit {
            self.board.on_retransmit(seg.start, end, stamp);
            self.timed = None;
            if seg.start == self.una {
                self.rexmit_una = false;
            }
        } else {
            self.board.on_first_sent(seg.start, end, stamp);
            self.last_seg_start = seg.start;
            if self.timed.is_none() {
                self.timed = Some((end, now));
            }
        }
        self.nxt = self.nxt.max(end);
        self.force = false;
    }
}
