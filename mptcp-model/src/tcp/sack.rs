//! The sender's loss-recovery scoreboard (RFC 6675), kept as sorted ranges.
//!
//! Positions are `u64` sequence offsets. The scoreboard holds
//! - the SACKed ranges above `snd_una`,
//! - `lost_end`: every un-SACKed octet in `[snd_una, lost_end)` is lost. RFC 6675's
//!   `IsLost(S)` is monotone (an octet below a lost one has at least as much SACKed data
//!   above it), so the lost set is a prefix and one boundary describes it,
//! - `HighRxt`: the highest octet retransmitted in this recovery episode, and the number of
//!   retransmitted octets still un-SACKed and un-acknowledged (they count in `pipe`).
//!
//! Per-ACK work is O(log n + ranges touched), never a rescan from `snd_una`: `pipe` is kept
//! from running totals, `IsLost` walks down from the top at most [`DUP_THRESH`] ranges.

use super::ranges::RangeSet;

/// RFC 6675 §2: DupThresh.
pub const DUP_THRESH: u64 = 3;

/// RFC 6675 scoreboard.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scoreboard {
    sacked: RangeSet,
    lost_end: u64,
    high_rxt: u64,
    /// Un-SACKed octets in `[snd_una, high_rxt)`: retransmitted and presumed in flight.
    retx_unsacked: u64,
    /// Un-SACKed octets in `[snd_una, lost_end)`.
    lost_unsacked: u64,
    /// Octets ever marked lost by [`Scoreboard::update_lost`] (Linux `tp->lost`, in octets).
    lost_marked: u64,
}

impl Scoreboard {
    /// An empty scoreboard whose sequence space starts at `una`.
    pub(crate) fn new(una: u64) -> Self {
        Scoreboard {
            lost_end: una,
            high_rxt: una,
            ..Scoreboard::default()
        }
    }

    /// Octets SACKed above `snd_una`.
    pub(crate) fn sacked_bytes(&self) -> u64 {
        self.sacked.total()
    }

    /// HighRxt.
    #[cfg(test)]
    pub(crate) fn high_rxt(&self) -> u64 {
        self.high_rxt
    }

    /// Records SACK block `[l, r)` (already validated to lie within `(una, snd_max]`);
    /// returns the octets newly SACKed.
    pub(crate) fn on_sack(&mut self, l: u64, r: u64) -> u64 {
        let high_rxt = self.high_rxt;
        let mut rx = 0;
        let added = self.sacked.insert_with(l, r, |a, b| {
            if a < high_rxt {
                rx += b.min(high_rxt) - a;
            }
        });
        self.retx_unsacked = self.retx_unsacked.saturating_sub(rx);
        added
    }

    /// The cumulative ACK moved from `old` to `new`.
    pub(crate) fn advance(&mut self, old: u64, new: u64) {
        let hr = new.min(self.high_rxt);
        let mut sacked_below_hr = 0;
        self.sacked.remove_below(new, |a, b| {
            if a < hr {
                sacked_below_hr += b.min(hr) - a;
            }
        });
        if hr > old {
            let left = (hr - old).saturating_sub(sacked_below_hr);
            self.retx_unsacked = self.retx_unsacked.saturating_sub(left);
        }
        self.high_rxt = self.high_rxt.max(new);
        self.lost_end = self.lost_end.max(new);
    }

    /// RFC 6675 §4 `IsLost`: an octet is lost when DupThresh discontiguous SACKed ranges,
    /// or more than `(DupThresh − 1)·SMSS` SACKed octets, lie above it. Moves `lost_end`
    /// up accordingly and refreshes the lost-octet count.
    pub(crate) fn update_lost(&mut self, una: u64, smss: u64) {
        let old_end = self.lost_end.max(una);
        let (mut count, mut bytes) = (0, 0);
        for (s, e) in self.sacked.iter_rev() {
            count += 1;
            bytes += e - s;
            if count >= DUP_THRESH || bytes > (DUP_THRESH - 1).saturating_mul(smss) {
                self.lost_end = self.lost_end.max(s);
                break;
            }
        }
        self.lost_end = self.lost_end.max(una);
        if self.lost_end > old_end {
            let sacked = self.sacked.total_within(old_end, self.lost_end);
            self.lost_marked += self.lost_end - old_end - sacked;
        }
        let sacked_below = self.sacked.total() - self.sacked.total_above(self.lost_end);
        self.lost_unsacked = (self.lost_end - una).saturating_sub(sacked_below);
    }

    /// Octets ever marked lost (a counter: compare before and after an ACK).
    pub(crate) fn lost_marked(&self) -> u64 {
        self.lost_marked
    }

    /// True when octet `seq` is un-SACKed and considered lost.
    pub(crate) fn is_lost(&self, seq: u64) -> bool {
        seq < self.lost_end && self.sacked.containing(seq).is_none()
    }

    /// RFC 6675 §5.1 after an RTO: every un-SACKed octet outstanding is lost, and
    /// retransmission restarts from `snd_una` (SACKed data is not resent).
    pub(crate) fn mark_all_lost(&mut self, una: u64, snd_max: u64) {
        self.lost_end = snd_max;
        self.high_rxt = una;
        self.retx_unsacked = 0;
        self.update_lost(una, u64::MAX);
    }

    /// RFC 6675 §4 `SetPipe`: octets presumed in flight =
    /// outstanding − SACKed − lost + retransmitted-and-still-outstanding.
    pub(crate) fn pipe(&self, una: u64, snd_max: u64) -> u64 {
        (snd_max - una)
            .saturating_sub(self.sacked.total())
            .saturating_sub(self.lost_unsacked)
            + self.retx_unsacked
    }

    /// The first un-SACKed octet at or above `max(HighRxt, una)`, and the end of its hole
    /// (the next SACKed range or `snd_max`).
    fn next_hole(&self, una: u64, snd_max: u64) -> Option<(u64, u64)> {
        let mut s = self.high_rxt.max(una);
        if let Some((_, e)) = self.sacked.containing(s) {
            s = e;
        }
        if s >= snd_max {
            return None;
        }
        Some((s, self.hole_end(s, snd_max)))
    }

    /// End of the un-SACKed hole starting at `s`: the next SACKed range or `snd_max`.
    pub(crate) fn hole_end(&self, s: u64, snd_max: u64) -> u64 {
        self.sacked.next_after(s).map_or(snd_max, |r| r.0)
    }

    /// RFC 6675 §4 `NextSeg` rule (1): the first lost, un-SACKed hole above HighRxt.
    pub(crate) fn next_lost(&self, una: u64, snd_max: u64) -> Option<(u64, u64)> {
        self.next_hole(una, snd_max)
            .filter(|&(s, _)| s < self.lost_end)
    }

    /// RFC 6675 §4 `NextSeg` rule (3): an un-SACKed hole above HighRxt and below the
    /// highest SACKed octet, lost or not.
    pub(crate) fn next_unsacked(&self, una: u64, snd_max: u64) -> Option<(u64, u64)> {
        let top = self.sacked.last()?.1;
        self.next_hole(una, snd_max).filter(|&(s, _)| s < top)
    }

    /// Octets `[s, e)` were retransmitted.
    pub(crate) fn on_retransmit(&mut self, s: u64, e: u64) {
        if e > self.high_rxt {
            self.retx_unsacked += e - s.max(self.high_rxt);
            self.high_rxt = e;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: u64 = 100;

    #[test]
    fn is_lost_needs_three_segments_above() {
        let mut b = Scoreboard::new(0);
        // Segments of 100: [0,100) lost, SACKs arrive for 100.., 200.., 300..
        b.on_sack(100, 200);
        b.update_lost(0, M);
        assert!(!b.is_lost(0));
        b.on_sack(200, 300);
        b.update_lost(0, M);
        assert!(!b.is_lost(0));
        assert_eq!(b.pipe(0, 1000), 800);
        b.on_sack(300, 400);
        b.update_lost(0, M);
        assert!(b.is_lost(0));
        assert!(!b.is_lost(150));
        assert!(!b.is_lost(400));
        assert_eq!(b.pipe(0, 1000), 600);
        assert_eq!(b.next_lost(0, 1000), Some((0, 100)));
        b.on_retransmit(0, 100);
        assert_eq!(b.pipe(0, 1000), 700);
        assert_eq!(b.next_lost(0, 1000), None);
        assert_eq!(b.next_unsacked(0, 1000), None);
    }

    #[test]
    fn three_discontiguous_blocks_and_retransmission_accounting() {
        let mut b = Scoreboard::new(0);
        for s in [100, 300, 500, 700] {
            b.on_sack(s, s + 50);
        }
        b.update_lost(0, M);
        // Three blocks above [0,100) and [150,300): both lost; [350,500) not yet
        // (two blocks, 100 octets above it).
        assert!(b.is_lost(0) && b.is_lost(200) && !b.is_lost(400));
        assert_eq!(b.next_lost(0, 800), Some((0, 100)));
        b.on_retransmit(0, 100);
        assert_eq!(b.next_lost(0, 800), Some((150, 300)));
        b.on_retransmit(150, 250);
        assert_eq!(b.high_rxt(), 250);
        assert_eq!(b.next_lost(0, 800), Some((250, 300)));
        assert_eq!(b.next_unsacked(0, 800), Some((250, 300)));
        // pipe: outstanding 800 − sacked 200 − lost 250 + retransmitted 200 = 550
        assert_eq!(b.pipe(0, 800), 550);
        // The retransmitted [150,250) gets SACKed: octet by octet (RFC 6675 SetPipe) the
        // pipe is [0,100) + [350,500) + [550,700) + [750,800) = 450.
        b.on_sack(150, 250);
        b.update_lost(0, M);
        assert_eq!(b.pipe(0, 800), 450);
        // Cumulative ACK to 150: [250,300) lost, the rest as before: 350.
        b.advance(0, 150);
        b.update_lost(150, M);
        assert_eq!(b.sacked_bytes(), 250);
        assert_eq!(b.pipe(150, 800), 350);
    }

    #[test]
    fn rto_marks_everything_unsacked_lost() {
        let mut b = Scoreboard::new(0);
        b.on_sack(300, 400);
        b.mark_all_lost(0, 1000);
        assert_eq!(b.pipe(0, 1000), 0);
        assert_eq!(b.next_lost(0, 1000), Some((0, 300)));
        b.on_retransmit(0, 100);
        assert_eq!(b.pipe(0, 1000), 100);
        b.advance(0, 100);
        b.update_lost(100, M);
        assert_eq!(b.pipe(100, 1000), 0);
        assert_eq!(b.next_lost(100, 1000), Some((100, 300)));
        b.on_retransmit(100, 300);
        assert_eq!(b.next_lost(100, 1000), Some((400, 1000)));
    }
}
