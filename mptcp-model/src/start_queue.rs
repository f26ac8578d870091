//! Flows waiting for their start time, kept in start order.
//!
//! A host holds every flow of a scenario from the beginning, most of them waiting for a
//! start time. Taking the due ones out of a plain list moved every later entry once per
//! start (quadratic in the flows: 1000 flows cost ~67 M instructions of copying before the
//! first packet). Here the entries are sorted by start on insertion, the due ones are a
//! prefix taken from the front, and the earliest start is the front's.

use sim_core::Instant;
use std::collections::VecDeque;

/// One waiting entry: its start, its insertion number, the flow.
#[derive(Clone, Debug)]
struct Waiting<T> {
    start: Instant,
    seq: u64,
    item: T,
}

/// Entries sorted by start time; entries with equal starts keep their insertion order.
#[derive(Clone, Debug)]
pub(crate) struct StartQueue<T> {
    items: VecDeque<Waiting<T>>,
    next_seq: u64,
}

impl<T> Default for StartQueue<T> {
    fn default() -> Self {
        StartQueue {
            items: VecDeque::new(),
            next_seq: 0,
        }
    }
}

impl<T> StartQueue<T> {
    /// Adds `item`, due at `start`.
    pub(crate) fn push(&mut self, start: Instant, item: T) {
        let at = self.items.partition_point(|w| w.start <= start);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.items.insert(at, Waiting { start, seq, item });
    }

    /// The earliest start, if anything waits.
    pub(crate) fn earliest(&self) -> Option<Instant> {
        self.items.front().map(|w| w.start)
    }

    /// The waiting entries (in start order).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.items.iter().map(|w| &w.item)
    }

    /// Removes the entries due at `now` (start ≤ `now`) and returns them in the order they
    /// were added, the order a host starts them in.
    pub(crate) fn take_due(&mut self, now: Instant) -> Vec<T> {
        let n = self.items.partition_point(|w| w.start <= now);
        let mut due: Vec<Waiting<T>> = self.items.drain(..n).collect();
        due.sort_by_key(|w| w.seq);
        due.into_iter().map(|w| w.item).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Due entries come out in insertion order whatever their starts; later ones stay, and
    /// the earliest start follows.
    #[test]
    fn due_in_insertion_order() {
        let t = Instant::from_nanos;
        let mut q = StartQueue::default();
        for (start, name) in [(5, "a"), (1, "b"), (5, "c"), (9, "d"), (3, "e")] {
            q.push(t(start), name);
        }
        assert_eq!(q.earliest(), Some(t(1)));
        assert_eq!(
            q.iter().copied().collect::<Vec<_>>(),
            ["b", "e", "a", "c", "d"]
        );
        assert!(q.take_due(t(0)).is_empty());
        assert_eq!(q.take_due(t(5)), ["a", "b", "c", "e"]);
        assert_eq!(q.earliest(), Some(t(9)));
        assert_eq!(q.take_due(t(9)), ["d"]);
        assert_eq!(q.earliest(), None);
    }
}
