//! The data receiver of an association (RFC 9260 §6.2, §6.7): TSN tracking, delivery to the
//! application (which reads everything at once, one ordered stream), duplicate detection, the
//! advertised window and when to send a SACK.
//!
//! TSNs are unwrapped to `u64` near the Cumulative TSN Ack Point. Received chunks above it are
//! kept as their user-data lengths in a deque indexed from the ack point (0: not received),
//! and as ranges (the Gap Ack Blocks); both are reused, so nothing is allocated per packet
//! once they have grown to the window.

use crate::tcp::ranges::RangeSet;
use crate::wire::sctp::{DataRun, SackRepr};
use sim_core::{Duration, Instant};
use std::collections::VecDeque;

/// Unwraps a 32-bit TSN to the `u64` nearest `near` (serial arithmetic, RFC 1982).
pub(crate) fn unwrap_tsn(tsn: u32, near: u64) -> u64 {
    let diff = tsn.wrapping_sub(near as u32) as i32;
    near.wrapping_add_signed(i64::from(diff))
}

/// The receiving half of an association.
#[derive(Clone, Debug)]
pub(crate) struct Receiver {
    /// Cumulative TSN Ack Point (unwrapped; starts at the peer's initial TSN − 1 + 2^32 so
    /// that it never underflows).
    cum: u64,
    /// User-data octets of TSN `cum + 1 + k` at index `k` (0: missing).
    lens: VecDeque<u16>,
    /// TSNs received above `cum`.
    above: RangeSet,
    /// Octets held above `cum` (they count against the window).
    held: u64,
    /// Octets delivered to the application so far.
    delivered: u64,
    /// Receive buffer.
    rcv_buf: u64,
    /// Packets with new DATA since the last SACK.
    unacked_packets: u32,
    /// Send a SACK at the next transmission opportunity.
    sack_now: bool,
    /// The delayed-SACK timer.
    sack_timer: Option<Instant>,
    /// Duplicate TSNs to report (at most the SACK's room).
    dups: SackRepr,
    /// Chunks received, duplicates among them, and chunks dropped for want of buffer.
    pub(crate) chunks: u64,
    pub(crate) duplicates: u64,
    pub(crate) dropped: u64,
}

impl Receiver {
    /// A receiver whose peer starts at `initial_tsn` (§5.1: the first TSN is the initial).
    pub(crate) fn new(initial_tsn: u32, rcv_buf: u32) -> Receiver {
        Receiver {
            cum: (1u64 << 32) + u64::from(initial_tsn) - 1,
            lens: VecDeque::new(),
            above: RangeSet::new(),
            held: 0,
            delivered: 0,
            rcv_buf: u64::from(rcv_buf),
            unacked_packets: 0,
            sack_now: false,
            sack_timer: None,
            dups: SackRepr::default(),
            chunks: 0,
            duplicates: 0,
            dropped: 0,
        }
    }

    /// Octets delivered to the application so far.
    pub(crate) fn delivered(&self) -> u64 {
        self.delivered
    }

    /// The Cumulative TSN Ack Point as on the wire.
    pub(crate) fn cum_tsn(&self) -> u32 {
        self.cum as u32
    }

    /// §6.2.1 / §6.7: takes in a packet's DATA chunks. SACK at once when the packet carried
    /// only duplicates or leaves a gap; otherwise every second packet, or when the delayed-SACK
    /// timer (armed now if idle) expires.
    pub(crate) fn on_data(&mut self, now: Instant, run: &DataRun, sack_delay: Duration) {
        let mut new = false;
        for k in 0..run.count {
            self.chunks += 1;
            let tsn = unwrap_tsn(run.first_tsn.wrapping_add(u32::from(k)), self.cum);
            if tsn <= self.cum || self.above.containing(tsn).is_some() {
                self.duplicates += 1;
                self.dups.push_dup(tsn as u32);
                continue;
            }
            let len = u64::from(run.len);
            if tsn > self.cum + 1 && self.held + len > self.rcv_buf {
                // §6.2: no room above the ack point: the chunk is dropped (the sender will
                // retransmit it).
                self.dropped += 1;
                continue;
            }
            let idx = (tsn - self.cum - 1) as usize;
            if self.lens.len() <= idx {
                self.lens.resize(idx + 1, 0);
            }
            self.lens[idx] = run.len;
            self.above.insert(tsn, tsn + 1);
            self.held += len;
            new = true;
            self.deliver_in_order();
        }
        if !new || !self.above.is_empty() || !self.dups.dups().is_empty() {
            self.sack_now = true;
        }
        if new {
            self.unacked_packets += 1;
            if self.unacked_packets >= 2 {
                self.sack_now = true;
            } else if self.sack_timer.is_none() {
                self.sack_timer = Some(now + sack_delay);
            }
        }
    }

    /// Moves the ack point over every chunk received in sequence and hands their octets to
    /// the application (which reads at once).
    fn deliver_in_order(&mut self) {
        let before = self.cum;
        while let Some(&l) = self.lens.front() {
            if l == 0 {
                break;
            }
            self.lens.pop_front();
            self.cum += 1;
            self.held -= u64::from(l);
            self.delivered += u64::from(l);
        }
        if self.cum != before {
            self.above.remove_below(self.cum + 1, |_, _| {});
        }
    }

    /// The delayed-SACK deadline, if armed.
    pub(crate) fn sack_timer(&self) -> Option<Instant> {
        self.sack_timer
    }

    /// The delayed-SACK timer fired.
    pub(crate) fn on_sack_timer(&mut self, now: Instant) {
        if self.sack_timer.is_some_and(|t| t <= now) {
            self.sack_timer = None;
            self.sack_now = true;
        }
    }

    /// Whether a SACK is due now.
    pub(crate) fn sack_due(&self) -> bool {
        self.sack_now
    }

    /// The advertised window: the buffer less what is held above the ack point (the
    /// application reads everything delivered at once).
    pub(crate) fn a_rwnd(&self) -> u32 {
        u32::try_from(self.rcv_buf.saturating_sub(self.held)).unwrap_or(u32::MAX)
    }

    /// Builds the SACK (§3.3.4: the lowest Gap Ack Blocks first) and resets the SACK
    /// obligations.
    pub(crate) fn make_sack(&mut self) -> SackRepr {
        let mut s = SackRepr::new(self.cum_tsn(), self.a_rwnd());
        let mut next = self.above.first();
        while let Some((a, b)) = next {
            let (Ok(start), Ok(end)) =
                (u16::try_from(a - self.cum), u16::try_from(b - 1 - self.cum))
            else {
                break;
            };
            if !s.push_gap(start, end) {
                break;
            }
            next = self.above.next_after(a);
        }
        for &d in self.dups.dups() {
            s.push_dup(d);
        }
        self.dups = SackRepr::default();
        self.unacked_packets = 0;
        self.sack_now = false;
        self.sack_timer = None;
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(first_tsn: u32, count: u16) -> DataRun {
        DataRun {
            first_tsn,
            count,
            len: 1000,
            ..DataRun::default()
        }
    }

    #[test]
    fn in_order_delayed_sack_gaps_and_duplicates() {
        let t0 = Instant::from_millis(1);
        let delay = Duration::from_millis(200);
        let mut r = Receiver::new(u32::MAX - 1, 100_000);
        // First packet: delayed SACK armed; second packet: SACK now.
        r.on_data(t0, &run(u32::MAX - 1, 1), delay);
        assert_eq!((r.sack_due(), r.sack_timer()), (false, Some(t0 + delay)));
        r.on_data(t0, &run(u32::MAX, 1), delay);
        assert!(r.sack_due());
        let s = r.make_sack();
        assert_eq!(
            (s.cum_tsn, s.a_rwnd, s.gaps()),
            (u32::MAX, 100_000, &[][..])
        );
        // TSNs 0 and 1 (after the wrap) lost; 2..=3 and 5 arrive: gaps at once.
        r.on_data(t0, &run(2, 2), delay);
        assert!(r.sack_due());
        r.on_data(t0, &run(5, 1), delay);
        let s = r.make_sack();
        assert_eq!(s.cum_tsn, u32::MAX);
        assert_eq!(s.gaps(), &[(3, 4), (6, 6)]);
        assert_eq!(s.a_rwnd, 97_000);
        // A duplicate alone: SACK at once, reporting it.
        r.on_data(t0, &run(3, 1), delay);
        assert!(r.sack_due());
        assert_eq!(r.make_sack().dups(), &[3]);
        // The holes fill: everything delivered.
        r.on_data(t0, &run(0, 2), delay);
        r.on_data(t0, &run(4, 1), delay);
        let s = r.make_sack();
        assert_eq!((s.cum_tsn, s.gaps(), s.a_rwnd), (5, &[][..], 100_000));
        assert_eq!(r.delivered(), 8_000);
        assert_eq!((r.chunks, r.duplicates), (9, 1));
    }

    #[test]
    fn no_room_above_the_ack_point_drops() {
        let mut r = Receiver::new(10, 2_500);
        let d = Duration::from_millis(200);
        r.on_data(Instant::ZERO, &run(12, 3), d);
        assert_eq!((r.held, r.dropped), (2_000, 1));
        r.on_data(Instant::ZERO, &run(10, 2), d);
        assert_eq!(r.delivered(), 4_000);
    }
}
