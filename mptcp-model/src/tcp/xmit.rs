//! When the data in flight was sent: what RACK (RFC 8985) compares. Linux keeps one time
//! stamp per segment in its retransmission queue and a time-sorted list of the segments in
//! flight (`tsorted_sent_queue`); here:
//! - [`OriginalTimes`]: first transmissions, one entry per segment, which go out in sequence
//!   order, so stamps rise with sequence numbers;
//! - [`Retransmits`]: octets retransmitted and presumed in flight (Linux `TCPCB_SACKED_RETRANS`)
//!   with the stamp of their latest transmission, by sequence, plus the same segments in order
//!   of transmission for the loss scan.
//!
//! A [`Stamp`] is the send time plus a per-socket transmission counter: segments sent at the
//! same simulated instant keep the order in which they left, as the distinct nanosecond
//! clock readings of Linux's `skb_mstamp_ns` do (RFC 8985's `RACK_sent_after` falls back on
//! sequence numbers, which would put new data sent in the same burst before a retransmission
//! of older data). Costs are O(log n) plus the entries touched; nothing rescans from
//! SND.UNA.

use super::ranges::{first_ending_after_in, partition_point_from};
use sim_core::Instant;
use std::collections::VecDeque;

/// When a segment left: time, then order of transmission among equal times.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Stamp {
    /// Transmission time.
    pub(crate) at: Instant,
    /// Transmissions of the socket before this one.
    pub(crate) order: u64,
}

/// One delivered transmission, as RACK sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Xmit {
    /// When it left.
    pub(crate) stamp: Stamp,
    /// It was a retransmission (Linux `TCPCB_RETRANS`).
    pub(crate) retransmitted: bool,
}

/// First-transmission stamps, one `(start, end, stamp)` per segment, ascending in all three.
#[derive(Clone, Debug, Default)]
pub(crate) struct OriginalTimes {
    segs: VecDeque<(u64, u64, Stamp)>,
}

impl OriginalTimes {
    /// The segment `[start, end)` was sent for the first time.
    pub(crate) fn push(&mut self, start: u64, end: u64, stamp: Stamp) {
        self.segs.push_back((start, end, stamp));
    }

    /// Forgets everything below `una`.
    pub(crate) fn prune(&mut self, una: u64) {
        while self.segs.front().is_some_and(|r| r.1 <= una) {
            self.segs.pop_front();
        }
    }

    /// Forgets everything below `una`, returning the stamp of the segment holding octet
    /// `seq` (below `una`, at or above the oldest segment kept so far) if there is one: the
    /// segment is among those dropped or the first one kept, so one pass over the front
    /// answers [`Self::stamp_of`] and prunes.
    pub(crate) fn prune_finding(&mut self, una: u64, seq: u64) -> Option<Stamp> {
        // The segments are disjoint: at most one holds `seq`.
        let mut found = None;
        while let Some(&(s, e, t)) = self.segs.front() {
            if s <= seq && seq < e {
                found = Some(t);
            }
            if e > una {
                break;
            }
            self.segs.pop_front();
        }
        found
    }

    /// When octet `seq` was first sent.
    #[inline]
    pub(crate) fn stamp_of(&self, seq: u64) -> Option<Stamp> {
        // Most often the oldest segment (SND.UNA's, which the RTO and the loss probe ask
        // for).
        match self.segs.front() {
            Some(f) if f.0 <= seq && seq < f.1 => Some(f.2),
            _ => self.stamp_of_beyond_front(seq),
        }
    }

    fn stamp_of_beyond_front(&self, seq: u64) -> Option<Stamp> {
        // First transmissions are consecutive and nearly all as long as the oldest (full
        // segments): `seq` is then in the segment whose index its distance from the front
        // gives, and the search starting there reads that entry and the one below it (a
        // SACK concerns a segment about a window from either end, where a binary search
        // over the whole window reads log2 n lines out of the cache). A wrong guess
        // (shorter or longer segments below `seq`) only lengthens the search.
        let &(start, end, _) = self.segs.front()?;
        let guess = seq.saturating_sub(start) / (end - start).max(1);
        let mut finger = u16::try_from(guess).unwrap_or(u16::MAX);
        let i = partition_point_from(&self.segs, &mut finger, |r| r.1 <= seq);
        self.segs.get(i).filter(|r| r.0 <= seq).map(|r| r.2)
    }

    /// The newest segment satisfying `pred`, where the segments satisfying it come first (a
    /// time order), as `(start, end, stamp)`. The search starts from `finger`, where the
    /// previous answer to the same question lay, and leaves this answer there.
    pub(crate) fn last_where(
        &self,
        finger: &mut u16,
        pred: impl Fn(&(u64, u64, Stamp)) -> bool,
    ) -> Option<(u64, u64, Stamp)> {
        // RACK's usual answer needs no search: none (the oldest segment already fails).
        if !pred(self.segs.front()?) {
            return None;
        }
        let n = partition_point_from(&self.segs, finger, pred);
        n.checked_sub(1).map(|i| self.segs[i])
    }
}

/// Retransmitted octets presumed in flight, with the stamp of their latest transmission.
#[derive(Clone, Debug, Default)]
pub(crate) struct Retransmits {
    /// Disjoint `(start, end, stamp)` sorted by sequence.
    set: VecDeque<(u64, u64, Stamp)>,
    /// The same transmissions in the order they were sent (entries go stale when their
    /// octets are SACKed, acknowledged or declared lost; checked against `set`).
    log: VecDeque<(u64, u64, Stamp)>,
    total: u64,
}

impl Retransmits {
    /// Octets retransmitted and presumed in flight.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// `[s, e)` was retransmitted (replacing any older retransmission of it).
    pub(crate) fn insert(&mut self, s: u64, e: u64, stamp: Stamp) {
        if s >= e {
            return;
        }
        self.remove(s, e, |_| {});
        let i = self.first_ending_after(s);
        self.set.insert(i, (s, e, stamp));
        self.total += e - s;
        self.log.push_back((s, e, stamp));
    }

    /// The index of the first entry ending after `s` (`set.len()` if none). Retransmissions
    /// go out in sequence order and leave from the bottom (acknowledged) or as SACKed,
    /// so the answer is nearly always the first entry or past the last: no search then.
    #[inline]
    pub(crate) fn first_ending_after(&self, s: u64) -> usize {
        first_ending_after_in(&self.set, s, |r| r.1)
    }

    /// The range at index `i` of the set (lowest first).
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<(u64, u64)> {
        self.set.get(i).map(|r| (r.0, r.1))
    }

    /// Removes `[s, e)`; `gone` sees the stamp of each removed part.
    #[inline]
    pub(crate) fn remove(&mut self, s: u64, e: u64, gone: impl FnMut(Stamp)) {
        // Usually no retransmission is in flight: nothing to look at.
        if !self.set.is_empty() {
            self.remove_from_set(s, e, gone);
        }
    }

    fn remove_from_set(&mut self, s: u64, e: u64, mut gone: impl FnMut(Stamp)) {
        let mut i = self.first_ending_after(s);
        while let Some(&(a, b, t)) = self.set.get(i) {
            if a >= e {
                break;
            }
            let (lo, hi) = (a.max(s), b.min(e));
            gone(t);
            self.total -= hi - lo;
            match (a < lo, b > hi) {
                (false, false) => {
                    self.set.remove(i);
                }
                (true, false) => {
                    self.set[i].1 = lo;
                    i += 1;
                }
                (false, true) => self.set[i].0 = hi,
                (true, true) => {
                    self.set[i].1 = lo;
                    self.set.insert(i + 1, (hi, b, t));
                    i += 2;
                }
            }
        }
    }

    /// The retransmitted range containing `seq`, if any.
    pub(crate) fn containing(&self, seq: u64) -> Option<(u64, u64)> {
        self.entry_of(seq).map(|r| (r.0, r.1))
    }

    /// When octet `seq` was last retransmitted, if it is in flight as a retransmission.
    pub(crate) fn stamp_of(&self, seq: u64) -> Option<Stamp> {
        self.entry_of(seq).map(|r| r.2)
    }

    /// The entry of `set` containing `seq`.
    fn entry_of(&self, seq: u64) -> Option<(u64, u64, Stamp)> {
        // Usually no retransmission is in flight, or `seq` lies outside them all, or in
        // the lowest or the highest: no search then.
        super::ranges::containing_in(&self.set, seq, |r| (r.0, r.1))
    }

    /// The first retransmitted range starting after `seq`.
    pub(crate) fn next_after(&self, seq: u64) -> Option<(u64, u64)> {
        let i = match (self.set.front(), self.set.back()) {
            (Some(f), _) if f.0 > seq => 0,
            (_, Some(b)) if b.0 <= seq => return None,
            _ => self.set.partition_point(|r| r.0 <= seq),
        };
        self.set.get(i).map(|r| (r.0, r.1))
    }

    /// Forgets everything.
    pub(crate) fn clear(&mut self) {
        self.set.clear();
        self.log.clear();
        self.total = 0;
    }

    /// The oldest logged retransmission still (partly) in flight, dropping stale entries
    /// from the front.
    pub(crate) fn oldest(&mut self) -> Option<(u64, u64, Stamp)> {
        while let Some(&(s, e, t)) = self.log.front() {
            if self.live(s, e, t) {
                return Some((s, e, t));
            }
            self.log.pop_front();
        }
        None
    }

    /// Drops the oldest logged retransmission.
    pub(crate) fn pop_oldest(&mut self) {
        self.log.pop_front();
    }

    /// The newest logged retransmission satisfying `pred`, when those satisfying it come
    /// first in the log (a time order); searched from `finger` as
    /// [`OriginalTimes::last_where`].
    pub(crate) fn last_logged(
        &self,
        finger: &mut u16,
        pred: impl Fn(&(u64, u64, Stamp)) -> bool,
    ) -> Option<(u64, u64, Stamp)> {
        let n = partition_point_from(&self.log, finger, pred);
        n.checked_sub(1).map(|i| self.log[i])
    }

    /// Some octet of `[s, e)` is still in flight as the retransmission stamped `t`.
    fn live(&self, s: u64, e: u64, t: Stamp) -> bool {
        let i = self.first_ending_after(s);
        self.set
            .range(i..)
            .take_while(|r| r.0 < e)
            .any(|r| r.2 == t)
    }

    /// Removes the parts of `[s, e)` still in flight as the retransmission stamped `t` (one
    /// declared lost); returns the octets removed.
    pub(crate) fn remove_sent_at(&mut self, s: u64, e: u64, t: Stamp) -> u64 {
        let mut removed = 0;
        loop {
            let i = self.first_ending_after(s);
            let hit = self
                .set
                .range(i..)
                .take_while(|r| r.0 < e)
                .find(|r| r.2 == t)
                .map(|r| (r.0.max(s), r.1.min(e)));
            let Some((a, b)) = hit else {
                return removed;
            };
            self.remove(a, b, |_| {});
            removed += b - a;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64, order: u64) -> Stamp {
        Stamp {
            at: Instant::from_millis(ms),
            order,
        }
    }

    #[test]
    fn original_segments_by_sequence_and_time() {
        let mut o = OriginalTimes::default();
        o.push(1, 101, t(10, 0));
        o.push(101, 201, t(10, 1));
        o.push(201, 301, t(20, 2));
        assert_eq!(o.stamp_of(150), Some(t(10, 1)));
        assert_eq!(o.stamp_of(201), Some(t(20, 2)));
        assert_eq!(o.stamp_of(301), None);
        // The finger left by one search starts the next; a stale one (past the end after
        // the prune) changes nothing.
        let mut f = 0;
        let b = |o: &OriginalTimes, f: &mut u16, x| o.last_where(f, |r| r.2 < x);
        assert_eq!(b(&o, &mut f, t(20, 0)), Some((101, 201, t(10, 1))));
        assert_eq!(f, 2);
        assert_eq!(b(&o, &mut f, t(30, 0)), Some((201, 301, t(20, 2))));
        assert_eq!(f, 3);
        assert_eq!(b(&o, &mut f, t(10, 0)), None);
        assert_eq!(b(&o, &mut f, t(20, 0)), Some((101, 201, t(10, 1))));
        o.prune(201);
        assert_eq!(o.stamp_of(100), None);
        f = 9;
        assert_eq!(b(&o, &mut f, t(30, 0)), Some((201, 301, t(20, 2))));
        assert_eq!(f, 1);
        assert_eq!(b(&o, &mut f, t(20, 0)), None);
    }

    /// `stamp_of` guesses a segment's index from its distance to the front: right for
    /// full segments, and still exact past short ones (the guess then too high) or longer
    /// ones (too low).
    #[test]
    fn stamp_of_past_segments_of_other_lengths() {
        let mut o = OriginalTimes::default();
        let mut s = 0;
        for (k, len) in [100, 100, 10, 10, 100, 100, 250, 100, 100, 100]
            .into_iter()
            .enumerate()
        {
            let k = k as u64;
            o.push(s, s + len, t(k, k));
            s += len;
        }
        let mut s = 0;
        for (k, len) in [100, 100, 10, 10, 100, 100, 250, 100, 100, 100]
            .into_iter()
            .enumerate()
        {
            let k = k as u64;
            for x in [s, s + len / 2, s + len - 1] {
                assert_eq!(o.stamp_of(x), Some(t(k, k)), "octet {x}");
            }
            s += len;
        }
        assert_eq!(o.stamp_of(s), None);
    }

    #[test]
    fn retransmits_split_and_go_stale() {
        let mut r = Retransmits::default();
        r.insert(100, 200, t(5, 0));
        r.insert(200, 300, t(5, 1));
        r.insert(500, 600, t(6, 2));
        assert_eq!(r.total(), 300);
        assert_eq!(r.containing(250), Some((200, 300)));
        assert_eq!(r.next_after(250), Some((500, 600)));
        assert_eq!(r.next_after(50), Some((100, 200)));
        assert_eq!(r.next_after(500), None);
        assert_eq!(r.containing(99), None);
        assert_eq!(r.containing(100), Some((100, 200)));
        assert_eq!(r.containing(599), Some((500, 600)));
        assert_eq!((r.containing(300), r.containing(600)), (None, None));
        assert_eq!(r.stamp_of(450), None);
        let mut gone = Vec::new();
        r.remove(150, 520, |x| gone.push(x));
        assert_eq!(gone, vec![t(5, 0), t(5, 1), t(6, 2)]);
        assert_eq!(r.total(), 130);
        assert_eq!(r.oldest(), Some((100, 200, t(5, 0))));
        r.remove(100, 150, |_| {});
        // The first two log entries have nothing left in flight: dropped.
        assert_eq!(r.oldest(), Some((500, 600, t(6, 2))));
        r.insert(520, 600, t(9, 3));
        // 520..600 now belongs to the newer transmission: the old entry is stale.
        assert_eq!(r.oldest(), Some((520, 600, t(9, 3))));
        assert_eq!(r.stamp_of(550), Some(t(9, 3)));
        assert_eq!(r.remove_sent_at(520, 600, t(9, 3)), 80);
        assert_eq!((r.total(), r.oldest()), (0, None));
    }
}
