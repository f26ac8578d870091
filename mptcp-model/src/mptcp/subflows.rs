//! [`Subflows`]: a connection's subflows, with a record of which ones may have changed.
//!
//! The connection derives values from its subflows after every call into it — its
//! deadline, the scheduler's views, which subflows may have something to send — and must not
//! look at every subflow each time: the cost per packet would grow with the number of
//! subflows. Every way to change a subflow goes through this type (its mutable accessors;
//! it gives no `&mut` slice), and each such access marks the subflow as changed for each
//! [`Watcher`]. A watcher looks only at the subflows marked for it, then clears their
//! marks: what it derived from the others still holds, as nothing could change them.
//! Marks are conservative (a mutable access that changes nothing still marks).
//!
//! Marks are the bits of one word: bit `i % 64` for subflow `i`, so a mark costs a single
//! OR. Up to 64 subflows the marks are exact; beyond, a mark stands for every subflow of
//! the same residue (still conservative: a watcher looks at all of them). A mutable access sets the bit in a word of
//! fresh marks shared by the watchers; a watcher that looks first hands the fresh marks to
//! every watcher's own word, so each one still sees every change since it last looked.

use super::subflow::Subflow;
use std::ops::{Deref, Index, IndexMut};

/// Something the connection keeps up to date from the subflows that changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Watcher {
    /// The connection's deadline (each subflow's socket deadline and third-ACK timer).
    Timers = 0,
    /// The scheduler's views of the subflows.
    Sched = 1,
    /// Subflows that may have something to send.
    Output = 2,
    /// The path manager's view of the subflows.
    Pm = 3,
}

/// Number of [`Watcher`]s.
const WATCHERS: usize = 4;

/// The subflows of a connection in creation order (index = subflow number), with their
/// change marks (see the module doc).
#[derive(Clone, Debug, Default)]
pub(crate) struct Subflows {
    list: Vec<Subflow>,
    /// Bit `i % 64`: subflow `i` changed since the watchers' marks were last brought up to
    /// date.
    fresh: u64,
    /// Per watcher, bit `i % 64`: subflow `i` may have changed since the watcher last
    /// looked (with `fresh`).
    watchers: [u64; WATCHERS],
}

impl Subflows {
    /// Adds a subflow, marked as changed for every watcher.
    pub(crate) fn push(&mut self, s: Subflow) {
        self.mark(self.list.len());
        self.list.push(s);
    }

    /// Marks subflow `i` as changed for every watcher.
    #[inline]
    fn mark(&mut self, i: usize) {
        self.fresh |= 1u64 << (i % 64);
    }

    /// Hands the fresh marks to every watcher.
    #[inline]
    fn settle(&mut self) {
        if self.fresh != 0 {
            for w in &mut self.watchers {
                *w |= self.fresh;
            }
            self.fresh = 0;
        }
    }

    /// Marks every subflow as changed for watcher `w`.
    pub(crate) fn mark_all(&mut self, w: Watcher) {
        self.watchers[w as usize] = u64::MAX;
    }

    /// Subflow `i`, mutably (marked as changed).
    pub(crate) fn get_mut(&mut self, i: usize) -> Option<&mut Subflow> {
        self.mark(i);
        self.list.get_mut(i)
    }

    /// Every subflow, mutably (all marked as changed).
    pub(crate) fn iter_mut(&mut self) -> std::slice::IterMut<'_, Subflow> {
        self.fresh = u64::MAX;
        self.list.iter_mut()
    }

    /// Subflow `i`, mutably, without a mark: only for what no watcher reads — the values a
    /// watcher keeps about the subflow itself (the scheduler's view key, RTT extremes and
    /// degraded flag), the socket's event queue.
    #[inline]
    pub(crate) fn untracked_mut(&mut self, i: usize) -> Option<&mut Subflow> {
        self.list.get_mut(i)
    }

    /// The marks of watcher `w` (bit `i % 64` for subflow `i`; see [`marked_indexes`]), for
    /// the checks of debug builds.
    #[cfg(debug_assertions)]
    pub(crate) fn marked(&mut self, w: Watcher) -> u64 {
        self.settle();
        self.watchers[w as usize]
    }

    /// Takes (returns and clears) the marks of watcher `w`.
    #[inline]
    pub(crate) fn take(&mut self, w: Watcher) -> u64 {
        self.settle();
        std::mem::take(&mut self.watchers[w as usize])
    }
}

/// The subflows `0..n` marked in `bits` (see [`Subflows::marked`]), ascending.
#[inline]
pub(crate) fn marked_indexes(bits: u64, n: usize) -> impl Iterator<Item = usize> {
    let mut base = 0;
    let mut rest = bits;
    core::iter::from_fn(move || loop {
        if rest == 0 {
            base += 64;
            if base >= n {
                return None;
            }
            rest = bits;
            continue;
        }
        let i = base + rest.trailing_zeros() as usize;
        rest &= rest - 1;
        // Past `n`, so is every later bit of this word, and `base + 64` too.
        return (i < n).then_some(i);
    })
}

impl Deref for Subflows {
    type Target = [Subflow];

    fn deref(&self) -> &[Subflow] {
        &self.list
    }
}

impl Index<usize> for Subflows {
    type Output = Subflow;

    #[inline]
    fn index(&self, i: usize) -> &Subflow {
        &self.list[i]
    }
}

impl IndexMut<usize> for Subflows {
    /// Subflow `i`, mutably (marked as changed).
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut Subflow {
        self.mark(i);
        &mut self.list[i]
    }
}

impl<'a> IntoIterator for &'a mut Subflows {
    type Item = &'a mut Subflow;
    type IntoIter = std::slice::IterMut<'a, Subflow>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_indexes_ascend() {
        let v: Vec<usize> = marked_indexes(0b1010_0001, 8).collect();
        assert_eq!(v, vec![0, 5, 7]);
        let v: Vec<usize> = marked_indexes(0b1010_0001, 6).collect();
        assert_eq!(v, vec![0, 5]);
        assert_eq!(marked_indexes(0, 100).count(), 0);
        let v: Vec<usize> = marked_indexes(0b11, 130).collect();
        assert_eq!(v, vec![0, 1, 64, 65, 128, 129]);
        let v: Vec<usize> = marked_indexes(1 << 5, 70).collect();
        assert_eq!(v, vec![5, 69]);
        assert_eq!(marked_indexes(1 << 5, 69).collect::<Vec<_>>(), vec![5]);
        assert_eq!(
            marked_indexes(u64::MAX, 3).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        assert_eq!(marked_indexes(u64::MAX, 0).count(), 0);
    }
}
