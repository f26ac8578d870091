//! A set of disjoint half-open `u64` ranges kept sorted, used for the SACK scoreboard and
//! the reassembly queue. Operations cost O(log n) plus the number of ranges they touch
//! (n = number of holes, not the window size).

use std::collections::VecDeque;

/// Sorted, disjoint, non-adjacent ranges `[start, end)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RangeSet {
    ranges: VecDeque<(u64, u64)>,
    total: u64,
}

impl RangeSet {
    /// An empty set.
    pub(crate) fn new() -> Self {
        RangeSet::default()
    }

    /// Total octets covered.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// True when empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Number of ranges.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.ranges.len()
    }

    /// The lowest range.
    pub(crate) fn first(&self) -> Option<(u64, u64)> {
        self.ranges.front().copied()
    }

    /// The highest range.
    pub(crate) fn last(&self) -> Option<(u64, u64)> {
        self.ranges.back().copied()
    }

    /// Ranges from the highest down.
    pub(crate) fn iter_rev(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.ranges.iter().rev().copied()
    }

    /// Ranges from the lowest up.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.ranges.iter().copied()
    }

    /// The range containing `x`, if any.
    pub(crate) fn containing(&self, x: u64) -> Option<(u64, u64)> {
        containing_in(&self.ranges, x, |r| (r.0, r.1))
    }

    /// The range containing `x`, if any, looked for from the top down: for questions about
    /// the highest few ranges (a receiver's SACK blocks: the most recently changed ranges,
    /// which new arrivals above older holes put near the top).
    pub(crate) fn containing_near_top(&self, x: u64) -> Option<(u64, u64)> {
        // The highest range (the newest block, nearly always) without a search.
        let &(lo, hi) = self.ranges.back()?;
        if x >= lo {
            return (x < hi).then_some((lo, hi));
        }
        let mut finger = u16::try_from(self.ranges.len() - 1).unwrap_or(u16::MAX);
        let i = partition_point_from(&self.ranges, &mut finger, |r| r.1 <= x);
        self.ranges.get(i).copied().filter(|r| r.0 <= x)
    }

    /// The index of the first range ending after `x` (the number of ranges if none): a
    /// position for [`Self::get`] walks. No search when it is the first range or none.
    #[inline]
    pub(crate) fn first_ending_after(&self, x: u64) -> usize {
        first_ending_after_in(&self.ranges, x, |r| r.1)
    }

    /// The range at index `i` (lowest first).
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<(u64, u64)> {
        self.ranges.get(i).copied()
    }

    /// The first range starting after `x`.
    pub(crate) fn next_after(&self, x: u64) -> Option<(u64, u64)> {
        // In order arrivals ask below the first range or past the last: no search.
        let i = match (self.ranges.front(), self.ranges.back()) {
            (Some(f), _) if f.0 > x => 0,
            (_, Some(b)) if b.0 <= x => self.ranges.len(),
            _ => self.ranges.partition_point(|r| r.0 <= x),
        };
        self.ranges.get(i).copied()
    }

    /// Adds `[s, e)`; `newly(a, b)` is called for each sub-range that was not covered before.
    /// Returns the number of octets newly covered.
    pub(crate) fn insert_with(&mut self, s: u64, e: u64, mut newly: impl FnMut(u64, u64)) -> u64 {
        if s >= e {
            return 0;
        }
        // Arrivals in sequence touch only the top range (or none): no search, no shift.
        match self.ranges.back_mut() {
            None => return self.push_top(s, e, newly),
            Some(top) if top.1 < s => return self.push_top(s, e, newly),
            Some(top) if top.0 <= s => {
                let added = e.saturating_sub(top.1);
                if added > 0 {
                    newly(top.1, e);
                    top.1 = e;
                    self.total += added;
                }
                return added;
            }
            Some(_) => {}
        }
        // Below the top, a block is nearly always one of the highest few: the blocks a
        // receiver repeats (RFC 2018 §4: the most recently reported ones after the newest),
        // which it keeps near the top. Looked for from there.
        let mut finger = u16::try_from(self.ranges.len()).unwrap_or(u16::MAX);
        let i = partition_point_from(&self.ranges, &mut finger, |r| r.1 < s);
        let mut j = i;
        let (mut lo, mut hi) = (s, e);
        let mut cur = s;
        let mut added = 0;
        while let Some(&(a, b)) = self.ranges.get(j) {
            if a > e {
                break;
            }
            if a > cur {
                newly(cur, a);
                added += a - cur;
            }
            cur = cur.max(b);
            lo = lo.min(a);
            hi = hi.max(b);
            j += 1;
        }
        if cur < e {
            newly(cur, e);
            added += e - cur;
        }
        if j == i {
            self.ranges.insert(i, (lo, hi));
        } else {
            self.ranges[i] = (lo, hi);
            self.ranges.drain(i + 1..j);
        }
        self.total += added;
        added
    }

    /// Adds `[s, e)` above every range, not adjacent to the highest.
    fn push_top(&mut self, s: u64, e: u64, mut newly: impl FnMut(u64, u64)) -> u64 {
        newly(s, e);
        self.ranges.push_back((s, e));
        self.total += e - s;
        e - s
    }

    /// Adds `[s, e)`; returns the number of octets newly covered.
    pub(crate) fn insert(&mut self, s: u64, e: u64) -> u64 {
        self.insert_with(s, e, |_, _| {})
    }

    /// Removes everything below `x`; `removed(a, b)` is called for each removed sub-range.
    pub(crate) fn remove_below(&mut self, x: u64, mut removed: impl FnMut(u64, u64)) {
        while let Some(front) = self.ranges.front_mut() {
            if front.0 >= x {
                break;
            }
            if front.1 <= x {
                removed(front.0, front.1);
                self.total -= front.1 - front.0;
                self.ranges.pop_front();
            } else {
                removed(front.0, x);
                self.total -= x - front.0;
                front.0 = x;
                break;
            }
        }
    }

    /// Octets covered at or above `x`, walking down from the top (cost: ranges above `x`).
    pub(crate) fn total_above(&self, x: u64) -> u64 {
        let mut sum = 0;
        for (s, e) in self.iter_rev() {
            if e <= x {
                break;
            }
            sum += e - s.max(x);
        }
        sum
    }

    /// Octets covered within `[a, b)`, walking down from the top (cost: ranges above `a`).
    pub(crate) fn total_within(&self, a: u64, b: u64) -> u64 {
        let mut sum = 0;
        for (s, e) in self.iter_rev() {
            if e <= a {
                break;
            }
            sum += e.min(b).saturating_sub(s.max(a));
        }
        sum
    }
}

/// The entry of `entries` (sorted, disjoint `[start, end)` spans given by `span`) that
/// contains `x`, if any. Most questions concern the lowest or the highest entry (SACK blocks
/// of in-order arrivals above a hole, the scoreboard's first hole, the retransmission just
/// sent), or lie outside them all: those are answered without a search.
pub(crate) fn containing_in<T: Copy>(
    entries: &VecDeque<T>,
    x: u64,
    span: impl Fn(&T) -> (u64, u64),
) -> Option<T> {
    let (first, last) = (entries.front()?, entries.back()?);
    let ((first_lo, first_hi), (last_lo, last_hi)) = (span(first), span(last));
    if x < first_lo || x >= last_hi {
        return None;
    }
    if x >= last_lo {
        return Some(*last);
    }
    if x < first_hi {
        return Some(*first);
    }
    let i = entries.partition_point(|e| span(e).1 <= x);
    entries.get(i).copied().filter(|e| span(e).0 <= x)
}

/// The index of the first entry of `entries` (sorted, disjoint spans whose ends `end` gives)
/// ending after `x`, `entries.len()` if none: the first entry or none are answered without a
/// search.
#[inline]
pub(crate) fn first_ending_after_in<T>(
    entries: &VecDeque<T>,
    x: u64,
    end: impl Fn(&T) -> u64,
) -> usize {
    match (entries.front(), entries.back()) {
        (Some(f), _) if end(f) > x => 0,
        (_, Some(b)) if end(b) <= x => entries.len(),
        _ => entries.partition_point(|e| end(e) <= x),
    }
}

/// How many leading entries of `v` satisfy `pred` (those satisfying it come first, as
/// `partition_point`), searched from `*finger`, which is left at the answer.
///
/// A galloping search (exponential steps away from the finger, then a binary search in the
/// last step): about `2 log2 d` probes for an answer `d` entries from the finger, all of them
/// near it. When the answer is near a known place (where the previous one was, as RACK's
/// from one ACK to the next; near the top), this reads one or two lines of the deque where
/// a binary search over all of it reads `log2 n`, each of them out of the cache when many
/// connections take turns. The finger is only a hint: a stale one (the deque's front
/// popped since, or the answer moved far) lengthens the search, never changes the answer.
/// It saturates at `u16::MAX`.
pub(crate) fn partition_point_from<T>(
    v: &VecDeque<T>,
    finger: &mut u16,
    pred: impl Fn(&T) -> bool,
) -> usize {
    let len = v.len();
    let h = usize::from(*finger).min(len);
    // Every entry below `lo` satisfies `pred`, none at or above `hi` does.
    let (mut lo, mut hi) = (0, len);
    if h < len && pred(&v[h]) {
        lo = h + 1;
        let mut step = 1;
        while lo + step - 1 < len {
            let p = lo + step - 1;
            if pred(&v[p]) {
                lo = p + 1;
                step *= 2;
            } else {
                hi = p;
                break;
            }
        }
    } else {
        hi = h;
        let mut step = 1;
        while step <= hi {
            let p = hi - step;
            if pred(&v[p]) {
                lo = p + 1;
                break;
            }
            hi = p;
            step *= 2;
        }
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(&v[mid]) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *finger = u16::try_from(lo).unwrap_or(u16::MAX);
    lo
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_merges_and_reports_new_parts() {
        let mut r = RangeSet::new();
        assert_eq!(r.insert(10, 20), 10);
        assert_eq!(r.insert(30, 40), 10);
        assert_eq!(r.insert(50, 60), 10);
        let mut new = Vec::new();
        assert_eq!(r.insert_with(15, 55, |a, b| new.push((a, b))), 20);
        assert_eq!(new, vec![(20, 30), (40, 50)]);
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![(10, 60)]);
        // Adjacent ranges merge.
        r.insert(60, 70);
        r.insert(5, 10);
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![(5, 70)]);
        assert_eq!(r.total(), 65);
        assert_eq!(r.insert(20, 30), 0);
    }

    /// Inserts at the top (extending, adjacent, overlapping, contained, above) and below
    /// it agree with a plain bitmap, and so do both look-ups.
    #[test]
    fn insert_agrees_with_a_bitmap() {
        let mut r = RangeSet::new();
        let mut bits = [false; 200];
        let mut x: u64 = 99;
        for _ in 0..5_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let s = x % 190;
            let e = s + 1 + (x >> 20) % 10;
            let mut new = Vec::new();
            let added = r.insert_with(s, e, |a, b| new.push((a, b)));
            let want: Vec<u64> = (s..e).filter(|&k| !bits[k as usize]).collect();
            let got: Vec<u64> = new.iter().flat_map(|&(a, b)| a..b).collect();
            assert_eq!(got, want);
            assert_eq!(added, want.len() as u64);
            for k in s..e {
                bits[k as usize] = true;
            }
            let mut runs = Vec::new();
            for k in 0..200u64 {
                match runs.last_mut() {
                    Some((_, b)) if bits[k as usize] && *b == k => *b = k + 1,
                    _ if bits[k as usize] => runs.push((k, k + 1)),
                    _ => {}
                }
            }
            assert_eq!(r.iter().collect::<Vec<_>>(), runs);
            for k in 0..200u64 {
                let run = runs.iter().copied().find(|&(a, b)| (a..b).contains(&k));
                assert_eq!(r.containing(k), run, "{k} in {runs:?}");
                assert_eq!(r.containing_near_top(k), run, "{k} in {runs:?}");
            }
            assert_eq!(r.total(), bits.iter().filter(|&&b| b).count() as u64);
            if x % 97 == 0 {
                r = RangeSet::new();
                bits = [false; 200];
            }
        }
    }

    #[test]
    fn queries_and_removal() {
        let mut r = RangeSet::new();
        r.insert(10, 20);
        r.insert(30, 40);
        r.insert(50, 60);
        assert_eq!(r.containing(10), Some((10, 20)));
        assert_eq!(r.containing(20), None);
        assert_eq!(r.containing(39), Some((30, 40)));
        assert_eq!(r.next_after(10), Some((30, 40)));
        assert_eq!(r.next_after(5), Some((10, 20)));
        assert_eq!(r.next_after(50), None);
        assert_eq!(r.total_above(35), 15);
        assert_eq!(r.total_above(0), 30);
        assert_eq!(r.total_within(15, 55), 20);
        assert_eq!(r.total_within(20, 30), 0);
        let mut gone = Vec::new();
        r.remove_below(35, |a, b| gone.push((a, b)));
        assert_eq!(gone, vec![(10, 20), (30, 35)]);
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![(35, 40), (50, 60)]);
        assert_eq!(r.total(), 15);
        assert_eq!(r.len(), 2);
        assert_eq!((r.first(), r.last()), (Some((35, 40)), Some((50, 60))));
    }

    /// The galloping search gives `partition_point`'s answer from every finger, on deques
    /// of every length up to 40 and every answer, wrapped around their buffer or not, and
    /// leaves the finger at it.
    #[test]
    fn galloping_search_agrees_with_partition_point() {
        for len in 0..=40usize {
            for wrap in [0, 7] {
                let mut v = VecDeque::with_capacity(64);
                for i in 0..wrap {
                    v.push_back(i);
                }
                for i in 0..len {
                    v.push_back(i);
                }
                for _ in 0..wrap {
                    v.pop_front();
                }
                for answer in 0..=len {
                    for hint in 0..=len + 3 {
                        let mut f = u16::try_from(hint).unwrap();
                        let n = partition_point_from(&v, &mut f, |&x| x < answer);
                        assert_eq!(n, v.partition_point(|&x| x < answer));
                        assert_eq!(n, answer, "len {len} hint {hint}");
                        assert_eq!(usize::from(f), answer);
                    }
                }
            }
        }
        // The finger saturates beyond `u16::MAX`.
        let v: VecDeque<u32> = (0..70_000).collect();
        let mut f = 0;
        assert_eq!(partition_point_from(&v, &mut f, |&x| x < 69_999), 69_999);
        assert_eq!(f, u16::MAX);
        assert_eq!(partition_point_from(&v, &mut f, |&x| x < 69_000), 69_000);
        assert_eq!(f, u16::MAX);
    }
}
