//! The sender's loss-recovery scoreboard (RFC 6675, with RACK's time stamps: RFC 8985),
//! kept as sorted ranges.
//!
//! Positions are `u64` sequence offsets. The scoreboard holds
//! - the SACKed ranges above `snd_una`,
//! - `lost_end`: every un-SACKed octet in `[snd_una, lost_end)` is lost. Both RFC 6675's
//!   `IsLost(S)` and RACK on first transmissions (sent in sequence order) mark a prefix, so
//!   one boundary describes it,
//! - the octets retransmitted and presumed in flight ([`Retransmits`], Linux
//!   `TCPCB_SACKED_RETRANS`) with the time of their latest transmission; a retransmission
//!   RACK declares lost leaves this set and is lost again,
//! - the first-transmission times ([`OriginalTimes`]),
//! - a cursor below which every outstanding octet is SACKed or retransmitted (RFC 6675's
//!   `HighRxt`, generalised to retransmissions lost again), where `NextSeg` starts looking.
//!
//! Per-ACK work is O(log n + ranges touched), never a rescan from `snd_una`: `pipe` is kept
//! from running totals, `IsLost` walks down from the top at most [`DUP_THRESH`] ranges.

use super::ranges::RangeSet;
use super::xmit::{OriginalTimes, Retransmits, Stamp, Xmit};
use sim_core::{Duration, Instant};

/// RFC 6675 §2: DupThresh.
pub const DUP_THRESH: u64 = 3;

/// RFC 6675 scoreboard.
///
/// In declaration order (`repr(C)`, see `TcpSocket`'s layout): the first transmissions' times
/// and the lost total, which only a sender's ACK reads, first; the ends every visit reads last.
#[derive(Clone, Debug, Default)]
#[repr(C)]
pub(crate) struct Scoreboard {
    originals: OriginalTimes,
    /// Octets ever marked lost (Linux `tp->lost`, in octets).
    lost_marked: u64,
    rexmit: Retransmits,
    sacked: RangeSet,
    lost_end: u64,
    /// Every octet in `[snd_una, cursor)` is SACKed or retransmitted and in flight.
    cursor: u64,
    /// Un-SACKed octets in `[snd_una, lost_end)`.
    lost_unsacked: u64,
}

/// What RACK's loss scan found (RFC 8985 §6.2 step 5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RackScan {
    /// How long until the latest segment sent before RACK's reference, not yet lost, times
    /// out (the reordering timer), if there is one.
    pub(crate) wait: Option<Duration>,
}

/// Where [`Scoreboard::rack_detect`]'s three searches last ended (positions in the
/// deques searched): hints that keep each search near its previous answer, which moves by a
/// few segments from one ACK to the next (see `ranges::partition_point_from`). Kept by the
/// caller, in space the scoreboard does not have (`SendState`'s tail padding).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RackFingers {
    /// The newest overdue first transmission sent before the reference.
    lost: u16,
    /// The newest first transmission sent before the reference.
    waiting: u16,
    /// The newest logged retransmission sent before the reference.
    logged: u16,
}

/// RACK's reference: the most recently sent segment known delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RackRef {
    /// `RACK.xmit_ts` (with the transmission order in place of `RACK.end_seq`).
    pub(crate) xmit: Stamp,
    /// `RACK.rtt`.
    pub(crate) rtt: Duration,
    /// `RACK.reo_wnd`.
    pub(crate) reo_wnd: Duration,
    /// The time of the scan.
    pub(crate) now: Instant,
}

impl RackRef {
    /// A segment stamped `t` was sent before the reference (RFC 8985 `RACK_sent_after`).
    fn before(&self, t: Stamp) -> bool {
        self.xmit > t
    }

    /// RFC 8985 §6.2 step 5: a segment sent at `at` is overdue once
    /// `RACK.rtt + RACK.reo_wnd − (now − at) <= 0` (Linux `tcp_rack_skb_timeout`).
    fn expired(&self, at: Instant) -> bool {
        at + self.rtt + self.reo_wnd <= self.now
    }

    /// How long until a segment sent at `at` is overdue.
    fn wait(&self, at: Instant) -> Duration {
        (at + self.rtt + self.reo_wnd).saturating_duration_since(self.now)
    }
}

impl Scoreboard {
    /// An empty scoreboard whose sequence space starts at `una`.
    pub(crate) fn new(una: u64) -> Self {
        Scoreboard {
            lost_end: una,
            cursor: una,
            ..Scoreboard::default()
        }
    }

    /// Octets SACKed above `snd_una`.
    pub(crate) fn sacked_bytes(&self) -> u64 {
        self.sacked.total()
    }

    /// Octets retransmitted and presumed in flight.
    pub(crate) fn retransmitted_in_flight(&self) -> u64 {
        self.rexmit.total()
    }

    /// The NextSeg cursor (RFC 6675 HighRxt).
    #[cfg(test)]
    pub(crate) fn high_rxt(&self) -> u64 {
        self.cursor
    }

    /// The segment `[s, e)` was sent for the first time.
    pub(crate) fn on_first_sent(&mut self, s: u64, e: u64, stamp: Stamp) {
        self.originals.push(s, e, stamp);
    }

    /// Octets `[s, e)` were retransmitted.
    pub(crate) fn on_retransmit(&mut self, s: u64, e: u64, stamp: Stamp) {
        self.rexmit.insert(s, e, stamp);
        if s <= self.cursor {
            self.cursor = self.cursor.max(e);
        }
    }

    /// Records SACK block `[l, r)` (already validated to lie within `(una, snd_max]`);
    /// returns the octets newly SACKed. `delivered` sees the latest transmission of each
    /// newly SACKed part (RACK, RFC 8985 §6.2 step 2).
    pub(crate) fn on_sack(&mut self, l: u64, r: u64, mut delivered: impl FnMut(Xmit)) -> u64 {
        let (rexmit, originals) = (&mut self.rexmit, &self.originals);
        self.sacked.insert_with(l, r, |a, b| {
            if let Some(x) = original_xmit(originals, rexmit, None, a, b) {
                delivered(x);
            }
            rexmit.remove(a, b, |stamp| delivered(retransmission(stamp)));
        })
    }

    /// The cumulative ACK moved from `old` to `new`; `delivered` sees the latest
    /// transmission of the newly delivered octets (those not SACKed before).
    pub(crate) fn advance(&mut self, old: u64, new: u64, mut delivered: impl FnMut(Xmit)) {
        // The first transmissions below `new` are forgotten in the pass that finds the
        // stamp of the newest delivered one.
        let top = top_uncovered(&self.rexmit, Some(&self.sacked), old, new);
        match top {
            Some(x) => {
                if let Some(stamp) = self.originals.prune_finding(new, x) {
                    delivered(Xmit {
                        stamp,
                        retransmitted: false,
                    });
                }
            }
            None => self.originals.prune(new),
        }
        self.rexmit
            .remove(old, new, |stamp| delivered(retransmission(stamp)));
        self.sacked.remove_below(new, |_, _| {});
        self.lost_end = self.lost_end.max(new);
        self.cursor = self.cursor.max(new);
    }

    /// RFC 6675 §4 `IsLost`: an octet is lost when DupThresh discontiguous SACKed ranges,
    /// or more than `(DupThresh − 1)·SMSS` SACKed octets, lie above it. Moves `lost_end`
    /// up accordingly and refreshes the lost-octet count.
    pub(crate) fn update_lost(&mut self, una: u64, smss: u64) {
        if self.sacked.is_empty() {
            // Nothing SACKed (nearly always): `mark_lost_below(una, lost_end)`, which
            // marks nothing new and counts no SACKed octet below `lost_end`.
            self.lost_end = self.lost_end.max(una);
            self.lost_unsacked = self.lost_end - una;
            return;
        }
        let (mut count, mut bytes) = (0, 0);
        let mut end = self.lost_end;
        for (s, e) in self.sacked.iter_rev() {
            count += 1;
            bytes += e - s;
            if count >= DUP_THRESH || bytes > (DUP_THRESH - 1).saturating_mul(smss) {
                end = end.max(s);
                break;
            }
        }
        self.mark_lost_below(una, end);
    }

    /// Every un-SACKed octet below `end` is lost; refreshes the counts.
    fn mark_lost_below(&mut self, una: u64, end: u64) {
        let old_end = self.lost_end.max(una);
        self.lost_end = old_end.max(end);
        if self.lost_end > old_end {
            let sacked = self.sacked.total_within(old_end, self.lost_end);
            self.lost_marked += self.lost_end - old_end - sacked;
        }
        let sacked_below = self.sacked.total() - self.sacked.total_above(self.lost_end);
        self.lost_unsacked = (self.lost_end - una).saturating_sub(sacked_below);
    }

    /// RFC 8985 §6.2 step 5 (Linux `tcp_rack_detect_loss`): every segment sent before
    /// RACK's reference and overdue is lost — a prefix of the first transmissions, and the
    /// oldest retransmissions, which leave the in-flight set and become lost again. Returns
    /// how long until the latest segment sent before the reference becomes overdue.
    pub(crate) fn rack_detect(
        &mut self,
        una: u64,
        r: &RackRef,
        fingers: &mut RackFingers,
    ) -> RackScan {
        let mut wait = None;
        // First transmissions: the overdue ones sent before the reference are a prefix.
        let lost = self.originals.last_where(&mut fingers.lost, |&(_, _, t)| {
            r.before(t) && r.expired(t.at)
        });
        self.mark_lost_below(una, lost.map_or(una, |x| x.1));
        let waiting = self
            .originals
            .last_where(&mut fingers.waiting, |&(_, _, t)| r.before(t));
        if let Some((_, e, t)) = waiting.filter(|&(_, _, t)| !r.expired(t.at)) {
            let lo = self.lost_end;
            if e > lo && self.sacked.total_within(lo, e) < e - lo {
                wait = Some(r.wait(t.at));
            }
        }
        // Retransmissions, oldest first.
        while let Some((s, e, t)) = self.rexmit.oldest() {
            if !r.before(t) || !r.expired(t.at) {
                break;
            }
            self.lost_marked += self.rexmit.remove_sent_at(s, e, t);
            self.cursor = self.cursor.min(s.max(una));
            self.rexmit.pop_oldest();
        }
        if let Some((_, _, t)) = self
            .rexmit
            .last_logged(&mut fingers.logged, |&(_, _, t)| r.before(t))
        {
            if !r.expired(t.at) {
                let w = r.wait(t.at);
                wait = Some(wait.map_or(w, |x: Duration| x.max(w)));
            }
        }
        RackScan { wait }
    }

    /// Octets ever marked lost (a counter: compare before and after an ACK).
    pub(crate) fn lost_marked(&self) -> u64 {
        self.lost_marked
    }

    /// Un-SACKed octets considered lost (whether retransmitted since or not).
    pub(crate) fn lost_bytes(&self) -> u64 {
        self.lost_unsacked
    }

    /// True when octet `seq` is un-SACKed and considered lost.
    pub(crate) fn is_lost(&self, seq: u64) -> bool {
        seq < self.lost_end && self.sacked.containing(seq).is_none()
    }

    /// RFC 6675 §5.1 after an RTO: every un-SACKed octet outstanding is lost, and
    /// retransmission restarts from `snd_una` (SACKed data is not resent).
    pub(crate) fn mark_all_lost(&mut self, una: u64, snd_max: u64) {
        self.rexmit.clear();
        self.cursor = una;
        self.mark_lost_below(una, snd_max);
    }

    /// RFC 6675 §4 `SetPipe`: octets presumed in flight =
    /// outstanding − SACKed − lost + retransmitted-and-still-outstanding.
    pub(crate) fn pipe(&self, una: u64, snd_max: u64) -> u64 {
        (snd_max - una)
            .saturating_sub(self.sacked.total())
            .saturating_sub(self.lost_unsacked)
            + self.rexmit.total()
    }

    /// The first octet at or above `max(cursor, una)` neither SACKed nor retransmitted, and
    /// the end of its hole (the next SACKed or retransmitted range, or `snd_max`).
    fn next_hole(&self, una: u64, snd_max: u64) -> Option<(u64, u64)> {
        let mut s = self.cursor.max(una);
        // One walk over both sets from the first range of each ending after `s` (found
        // once; the walk's positions then also give the hole's end): a range there starting
        // at or below `s` covers it.
        let (sacked, rexmit) = (&self.sacked, &self.rexmit);
        let (mut i, mut j) = (sacked.first_ending_after(s), rexmit.first_ending_after(s));
        loop {
            let covering = match (sacked.get(i), rexmit.get(j)) {
                (Some((a, b)), _) if a <= s => b,
                (_, Some((a, b))) if a <= s => b,
                _ => break,
            };
            s = covering;
            while sacked.get(i).is_some_and(|r| r.1 <= s) {
                i += 1;
            }
            while rexmit.get(j).is_some_and(|r| r.1 <= s) {
                j += 1;
            }
        }
        if s >= snd_max {
            return None;
        }
        // The first range of each set starting after `s` is the one the walk stopped at.
        let end = |r: Option<(u64, u64)>| r.map_or(snd_max, |r| r.0);
        Some((s, end(sacked.get(i)).min(end(rexmit.get(j))).min(snd_max)))
    }

    /// Moves the cursor over SACKed and retransmitted octets (keeps `NextSeg` O(1)).
    pub(crate) fn settle_cursor(&mut self, una: u64, snd_max: u64) {
        if self.sacked.is_empty() && self.rexmit.total() == 0 {
            self.cursor = una;
            return;
        }
        let s = self.next_hole(una, snd_max).map_or(snd_max, |h| h.0);
        self.cursor = self.cursor.max(s).max(una);
    }

    /// End of the un-SACKed, un-retransmitted hole starting at `s`.
    pub(crate) fn hole_end(&self, s: u64, snd_max: u64) -> u64 {
        let sacked = self.sacked.next_after(s).map_or(snd_max, |r| r.0);
        let rexmit = self.rexmit.next_after(s).map_or(snd_max, |r| r.0);
        sacked.min(rexmit).min(snd_max)
    }

    /// RFC 6675 §4 `NextSeg` rule (1): the first lost hole not yet retransmitted.
    pub(crate) fn next_lost(&self, una: u64, snd_max: u64) -> Option<(u64, u64)> {
        if self.lost_unsacked == 0 || self.lost_end <= self.cursor.max(una) {
            return None;
        }
        self.next_hole(una, snd_max)
            .filter(|&(s, _)| s < self.lost_end)
            .map(|(s, e)| (s, e.min(self.lost_end)))
    }

    /// RFC 6675 §4 `NextSeg` rule (3): an un-SACKed hole not yet retransmitted and below
    /// the highest SACKed octet, lost or not.
    pub(crate) fn next_unsacked(&self, una: u64, snd_max: u64) -> Option<(u64, u64)> {
        let top = self.sacked.last()?.1;
        self.next_hole(una, snd_max).filter(|&(s, _)| s < top)
    }

    /// When the octet at SND.UNA was last sent (for the RTO measured from the head,
    /// Linux `tcp_rto_delta_us`).
    pub(crate) fn head_sent_at(&self, una: u64) -> Option<Instant> {
        if self.rexmit.total() == 0 {
            // No retransmission in flight (nearly always): the first transmission.
            return self.originals.stamp_of(una).map(|s| s.at);
        }
        self.rexmit
            .stamp_of(una)
            .or_else(|| self.originals.stamp_of(una))
            .map(|s| s.at)
    }
}

/// The latest transmission among the newly delivered octets `[a, b)`: the first
/// transmission of the highest octet not in flight as a retransmission (nor, for a cumulative
/// ACK, SACKed before). Retransmitted parts are reported by the caller from [`Retransmits`].
fn original_xmit(
    originals: &OriginalTimes,
    rexmit: &Retransmits,
    sacked: Option<&RangeSet>,
    a: u64,
    b: u64,
) -> Option<Xmit> {
    let x = top_uncovered(rexmit, sacked, a, b)?;
    originals.stamp_of(x).map(|stamp| Xmit {
        stamp,
        retransmitted: false,
    })
}

/// The highest octet of `[a, b)` not in flight as a retransmission (nor in `sacked`).
#[inline]
fn top_uncovered(rexmit: &Retransmits, sacked: Option<&RangeSet>, a: u64, b: u64) -> Option<u64> {
    if b <= a {
        return None;
    }
    let mut x = b - 1;
    loop {
        let skip = rexmit
            .containing(x)
            .or_else(|| sacked.and_then(|r| r.containing(x)));
        match skip {
            Some((s, _)) if s <= a => return None,
            Some((s, _)) => x = s - 1,
            None => return Some(x),
        }
    }
}

/// A delivered retransmission stamped `stamp`.
fn retransmission(stamp: Stamp) -> Xmit {
    Xmit {
        stamp,
        retransmitted: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: u64 = 100;

    fn t0() -> Stamp {
        Stamp::default()
    }

    fn sack(b: &mut Scoreboard, l: u64, r: u64) -> u64 {
        b.on_sack(l, r, |_| {})
    }

    #[test]
    fn is_lost_needs_three_segments_above() {
        let mut b = Scoreboard::new(0);
        // Segments of 100: [0,100) lost, SACKs arrive for 100.., 200.., 300..
        sack(&mut b, 100, 200);
        b.update_lost(0, M);
        assert!(!b.is_lost(0));
        sack(&mut b, 200, 300);
        b.update_lost(0, M);
        assert!(!b.is_lost(0));
        assert_eq!(b.pipe(0, 1000), 800);
        sack(&mut b, 300, 400);
        b.update_lost(0, M);
        assert!(b.is_lost(0));
        assert!(!b.is_lost(150));
        assert!(!b.is_lost(400));
        assert_eq!(b.pipe(0, 1000), 600);
        assert_eq!(b.next_lost(0, 1000), Some((0, 100)));
        b.on_retransmit(0, 100, t0());
        assert_eq!(b.pipe(0, 1000), 700);
        assert_eq!(b.next_lost(0, 1000), None);
        assert_eq!(b.next_unsacked(0, 1000), None);
    }

    #[test]
    fn three_discontiguous_blocks_and_retransmission_accounting() {
        let mut b = Scoreboard::new(0);
        for s in [100, 300, 500, 700] {
            sack(&mut b, s, s + 50);
        }
        b.update_lost(0, M);
        // Three blocks above [0,100) and [150,300): both lost; [350,500) not yet
        // (two blocks, 100 octets above it).
        assert!(b.is_lost(0) && b.is_lost(200) && !b.is_lost(400));
        assert_eq!(b.next_lost(0, 800), Some((0, 100)));
        b.on_retransmit(0, 100, t0());
        assert_eq!(b.next_lost(0, 800), Some((150, 300)));
        b.on_retransmit(150, 250, t0());
        b.settle_cursor(0, 800);
        assert_eq!(b.high_rxt(), 250);
        assert_eq!(b.next_lost(0, 800), Some((250, 300)));
        assert_eq!(b.next_unsacked(0, 800), Some((250, 300)));
        // pipe: outstanding 800 − sacked 200 − lost 250 + retransmitted 200 = 550
        assert_eq!(b.pipe(0, 800), 550);
        // The retransmitted [150,250) gets SACKed: octet by octet (RFC 6675 SetPipe) the
        // pipe is [0,100) + [350,500) + [550,700) + [750,800) = 450.
        sack(&mut b, 150, 250);
        b.update_lost(0, M);
        assert_eq!(b.pipe(0, 800), 450);
        // Cumulative ACK to 150: [250,300) lost, the rest as before: 350.
        b.advance(0, 150, |_| {});
        b.update_lost(150, M);
        assert_eq!(b.sacked_bytes(), 250);
        assert_eq!(b.pipe(150, 800), 350);
    }

    /// `next_hole`'s one walk finds what stepping over the covering ranges one look-up at a
    /// time finds, for SACKed and retransmitted ranges overlapping, adjacent or apart.
    #[test]
    fn next_hole_agrees_with_range_by_range_lookups() {
        let stepwise = |b: &Scoreboard, una: u64, snd_max: u64| {
            let mut s = b.cursor.max(una);
            while let Some((_, e)) = b.sacked.containing(s).or_else(|| b.rexmit.containing(s)) {
                s = e;
            }
            (s < snd_max).then(|| (s, b.hole_end(s, snd_max)))
        };
        let mut x: u64 = 7;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for _ in 0..300 {
            let mut b = Scoreboard::new(0);
            for _ in 0..next(8) {
                let l = next(40) * 10;
                sack(&mut b, l, l + 10 * (1 + next(4)));
            }
            for k in 0..next(8) {
                let l = next(40) * 10;
                b.on_retransmit(l, l + 10 * (1 + next(3)), Stamp { order: k, ..t0() });
            }
            b.cursor = next(40) * 10;
            for una in [0, 5, 100, 200] {
                for snd_max in [150, 300, 450] {
                    if una < snd_max {
                        assert_eq!(b.next_hole(una, snd_max), stepwise(&b, una, snd_max));
                    }
                }
            }
        }
    }

    #[test]
    fn rto_marks_everything_unsacked_lost() {
        let mut b = Scoreboard::new(0);
        sack(&mut b, 300, 400);
        b.mark_all_lost(0, 1000);
        assert_eq!(b.pipe(0, 1000), 0);
        assert_eq!(b.next_lost(0, 1000), Some((0, 300)));
        b.on_retransmit(0, 100, t0());
        assert_eq!(b.pipe(0, 1000), 100);
        b.advance(0, 100, |_| {});
        b.update_lost(100, M);
        assert_eq!(b.pipe(100, 1000), 0);
        assert_eq!(b.next_lost(100, 1000), Some((100, 300)));
        b.on_retransmit(100, 300, t0());
        assert_eq!(b.next_lost(100, 1000), Some((400, 1000)));
    }

    #[test]
    fn rack_marks_by_send_time_and_loses_retransmissions_again() {
        let st = |ms: u64, order: u64| Stamp {
            at: Instant::from_millis(ms),
            order,
        };
        let mut b = Scoreboard::new(0);
        for k in 0..10 {
            b.on_first_sent(k * M, (k + 1) * M, st(k, k));
        }
        // Segment 5 (sent at 5 ms) is SACKed at 30 ms: RACK.rtt = 25 ms.
        let mut seen = Vec::new();
        b.on_sack(5 * M, 6 * M, |x| seen.push(x));
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].stamp, st(5, 5));
        let mut f = RackFingers::default();
        let r = |at: Stamp, now: u64, rtt: u64, reo: u64| RackRef {
            xmit: at,
            rtt: Duration::from_millis(rtt),
            reo_wnd: Duration::from_millis(reo),
            now: Instant::from_millis(now),
        };
        // reo_wnd 4 ms: segments sent at 0..=1 ms are overdue at 30 ms (0 + 25 + 4 <= 30),
        // 2..=4 are not yet; the latest of them (4 ms) becomes overdue in 3 ms.
        let scan = b.rack_detect(0, &r(st(5, 5), 30, 25, 4), &mut f);
        assert_eq!(scan.wait, Some(Duration::from_millis(3)));
        assert!(b.is_lost(150) && !b.is_lost(250));
        assert_eq!(b.lost_bytes(), 2 * M);
        // Without a reordering window everything sent before segment 5 is lost.
        let scan = b.rack_detect(0, &r(st(5, 5), 30, 25, 0), &mut f);
        assert_eq!(scan.wait, None);
        assert_eq!(b.lost_bytes(), 5 * M);
        assert_eq!(b.pipe(0, 10 * M), 4 * M);
        // Segments 0 and 1 are retransmitted at 31 ms; segment 9's SACK (sent at 9 ms) does
        // not make them lost again; the SACK of something sent after them, overdue, does.
        b.on_retransmit(0, M, st(31, 10));
        b.on_retransmit(M, 2 * M, st(31, 11));
        assert_eq!(b.next_lost(0, 10 * M), Some((2 * M, 5 * M)));
        b.rack_detect(0, &r(st(9, 9), 40, 31, 0), &mut f);
        assert_eq!(b.retransmitted_in_flight(), 2 * M);
        b.rack_detect(0, &r(st(31, 12), 60, 29, 0), &mut f);
        assert_eq!(b.retransmitted_in_flight(), 0);
        assert_eq!(b.next_lost(0, 10 * M), Some((0, 5 * M)));
    }
}
