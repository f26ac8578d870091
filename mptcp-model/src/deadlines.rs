//! [`Deadlines`]: the next deadline of each of a host's endpoints, in an indexed binary
//! min-heap, so that the host's earliest deadline is read in O(1) and an endpoint's deadline
//! changes in O(log n) — no scan over every connection after every event.
//!
//! Contract: the owner sets an endpoint's deadline ([`Deadlines::set`]) whenever it has
//! called into the endpoint (the only way its deadline can change: endpoints are sans-IO
//! and never change with time alone). Endpoints are dense indexes `0..n`; ties between
//! equal deadlines are broken by index, so the heap's shape, and anything read from it, is
//! a function of the calls made (deterministic). No allocation once the heap has grown to
//! the number of endpoints.
//!
//! [`MinTree`]: the same as a tournament tree (each node the earlier of its two children):
//! a change walks up to the first node it does not change, O(log n) with a small constant,
//! next to nothing for two items. It keeps a host's TCP connections ([`InlineMinTree`]) and
//! a connection's subflows; [`Deadlines`] keeps a host's MPTCP connections and paced
//! applications.

use sim_core::Instant;
use smallvec::{Array, SmallVec};
use std::ops::DerefMut;

/// Deadlines of endpoints `0..n`, each optional. (Its vectors are plain: kept inline, every
/// access asked whether the storage was inline, which cost a two-path run about 3 % of its
/// time; a host's TCP connections, where inline storage pays, are in an [`InlineMinTree`].)
#[derive(Clone, Debug, Default)]
pub(crate) struct Deadlines {
    /// Heap of `(deadline, endpoint)`, smallest first.
    heap: Vec<(Instant, u32)>,
    /// Position in `heap` of each endpoint's entry (`u32::MAX`: no deadline).
    pos: Vec<u32>,
}

/// What [`MinTree`] needs of its storage: a slice it can size.
pub(crate) trait Store<T>: Default + DerefMut<Target = [T]> {
    /// Grows or shrinks to `n` elements, new ones `v`.
    fn resize(&mut self, n: usize, v: T);
}

impl<T: Clone> Store<T> for Vec<T> {
    fn resize(&mut self, n: usize, v: T) {
        Vec::resize(self, n, v);
    }
}

impl<A: Array> Store<A::Item> for SmallVec<A>
where
    A::Item: Clone,
{
    fn resize(&mut self, n: usize, v: A::Item) {
        SmallVec::resize(self, n, v);
    }
}

const ABSENT: u32 = u32::MAX;

/// The earlier of two optional instants (`None`: never).
#[inline]
pub(crate) fn earlier(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

impl Deadlines {
    /// The earliest deadline, if any.
    #[inline]
    pub(crate) fn earliest(&self) -> Option<Instant> {
        self.heap.first().map(|e| e.0)
    }

    /// The deadline of `id`, if it has one.
    #[cfg(test)]
    pub(crate) fn get(&self, id: usize) -> Option<Instant> {
        let p = *self.pos.get(id)?;
        (p != ABSENT).then(|| self.heap[p as usize].0)
    }

    /// Sets (`Some`) or clears (`None`) the deadline of endpoint `id`; returns false when it
    /// already was `at`.
    ///
    /// Inlined where it is called for the common case of a call into an endpoint that left
    /// its deadline as it was (nothing to move in the heap); any other case goes to
    /// [`Self::change`].
    #[inline]
    pub(crate) fn set(&mut self, id: usize, at: Option<Instant>) -> bool {
        let unchanged = match (self.pos.get(id), at) {
            (None | Some(&ABSENT), None) => true,
            (Some(&p), Some(t)) if p != ABSENT => self.heap[p as usize].0 == t,
            _ => false,
        };
        if !unchanged {
            self.change(id, at);
        }
        !unchanged
    }

    /// [`Self::set`] for a deadline that is added, removed or moved.
    fn change(&mut self, id: usize, at: Option<Instant>) {
        if let (Some(t), Some(&0), 1) = (at, self.pos.get(id), self.heap.len()) {
            // The only entry moves (a host with one MPTCP connection, after every call into
            // it): nothing to sift.
            self.heap[0].0 = t;
            return;
        }
        if id >= self.pos.len() {
            if at.is_none() {
                return;
            }
            self.pos.resize(id + 1, ABSENT);
        }
        let p = self.pos[id];
        match (p, at) {
            (ABSENT, None) => {}
            (ABSENT, Some(t)) => {
                let k = self.heap.len();
                // Endpoint indexes fit in u32 (a host has far fewer connections).
                self.heap.push((t, id as u32));
                self.pos[id] = k as u32;
                self.up(k);
            }
            (p, None) => self.remove_at(p as usize),
            (p, Some(t)) => {
                let k = p as usize;
                let old = self.heap[k].0;
                self.heap[k].0 = t;
                if t < old {
                    self.up(k);
                } else if t > old {
                    self.down(k);
                }
            }
        }
    }

    /// Appends to `out` every endpoint whose deadline is at or before `now`, in ascending
    /// endpoint order (the heap is left as it is).
    pub(crate) fn due(&self, now: Instant, out: &mut Vec<usize>) {
        let start = out.len();
        if self.earliest().is_none_or(|t| t > now) {
            return;
        }
        // Depth-first over the part of the heap at or before `now` (a subtree whose root
        // is later holds nothing due): O(due entries). Each step pops one entry and pushes
        // at most its two children, so the stack never holds more than the heap's depth
        // plus one (at most 33 for u32 endpoint indexes).
        let mut stack = [0usize; 40];
        let mut top = 1;
        while top > 0 {
            top -= 1;
            let k = stack[top];
            out.push(self.heap[k].1 as usize);
            for c in [2 * k + 1, 2 * k + 2] {
                if self.heap.get(c).is_some_and(|e| e.0 <= now) {
                    stack[top] = c;
                    top += 1;
                }
            }
        }
        out[start..].sort_unstable();
    }

    /// The heap and the positions, borrowed together for the sift loops below.
    #[inline]
    fn parts(&mut self) -> Sift<'_> {
        Sift {
            heap: &mut self.heap,
            pos: &mut self.pos,
        }
    }

    fn up(&mut self, k: usize) {
        self.parts().up(k);
    }

    fn down(&mut self, k: usize) {
        self.parts().down(k);
    }

    fn remove_at(&mut self, k: usize) {
        let last = self.heap.len() - 1;
        self.parts().swap(k, last);
        if let Some((_, id)) = self.heap.pop() {
            self.pos[id as usize] = ABSENT;
        }
        if k < self.heap.len() {
            self.up(k);
            self.down(k);
        }
    }
}

/// A [`Deadlines`] heap and its positions, borrowed as slices for sifting.
struct Sift<'a> {
    heap: &'a mut [(Instant, u32)],
    pos: &'a mut [u32],
}

impl Sift<'_> {
    #[inline]
    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.pos[self.heap[a].1 as usize] = a as u32;
        self.pos[self.heap[b].1 as usize] = b as u32;
    }

    fn up(&mut self, mut k: usize) {
        while k > 0 {
            let parent = (k - 1) / 2;
            if self.heap[k] >= self.heap[parent] {
                break;
            }
            self.swap(k, parent);
            k = parent;
        }
    }

    fn down(&mut self, mut k: usize) {
        let n = self.heap.len();
        loop {
            let (l, r) = (2 * k + 1, 2 * k + 2);
            let mut least = k;
            if l < n && self.heap[l] < self.heap[least] {
                least = l;
            }
            if r < n && self.heap[r] < self.heap[least] {
                least = r;
            }
            if least == k {
                return;
            }
            self.swap(k, least);
            k = least;
        }
    }
}

/// Optional deadlines of items `0..n` in a tournament tree: leaves at `cap..2 * cap`
/// (`cap` a power of two), node `k` the earlier of nodes `2k` and `2k + 1`, the root at 1.
/// Deadlines are kept as nanoseconds, `u64::MAX` for none (so comparisons are of plain
/// integers): a deadline at that very instant, 584 years on, counts as none. The nodes are
/// kept in `S`: a vector, or (see [`InlineMinTree`]) one keeping the first nodes inline.
///
/// A change writes its leaf and walks up to the first node it does not change: when an
/// item's deadline moves later (a TCP connection's retransmission timer, re-armed by every
/// ACK) and it was not the earliest of its subtree, that is the leaf's parent — where a
/// binary heap sifts the entry down through every level below it.
#[derive(Clone, Debug, Default)]
pub(crate) struct MinTree<S = Vec<u64>> {
    nodes: S,
}

/// [`MinTree`] keeping up to five nodes inline (two items: a root, two leaves), in the 48
/// bytes a [`Deadlines`]' two vector headers take: for a host's TCP connections. In a
/// network of many hosts with a connection or two each (1000 host pairs, a large fat tree)
/// a call into a host then reads and moves its connection's deadline without touching
/// another cache line; with many connections the nodes spill to the heap.
pub(crate) type InlineMinTree = MinTree<SmallVec<[u64; 5]>>;

const NEVER: u64 = u64::MAX;

impl<S: Store<u64>> MinTree<S> {
    /// The earliest deadline, if any.
    #[inline]
    pub(crate) fn earliest(&self) -> Option<Instant> {
        match self.nodes.get(1) {
            Some(&t) if t != NEVER => Some(Instant::from_nanos(t)),
            _ => None,
        }
    }

    /// Sets (`Some`) or clears (`None`) the deadline of item `id`.
    #[inline]
    pub(crate) fn set(&mut self, id: usize, at: Option<Instant>) {
        let at = at.map_or(NEVER, Instant::as_nanos);
        let cap = self.nodes.len() / 2;
        if id >= cap {
            if at == NEVER {
                return;
            }
            self.grow(id + 1);
        }
        let nodes = &mut *self.nodes;
        let mut k = nodes.len() / 2 + id;
        if nodes[k] == at {
            return;
        }
        nodes[k] = at;
        while k > 1 {
            k /= 2;
            let m = nodes[2 * k].min(nodes[2 * k + 1]);
            if nodes[k] == m {
                return;
            }
            nodes[k] = m;
        }
    }

    /// Appends to `out` every item whose deadline is at or before `now`, in ascending item
    /// order: depth first over the subtrees whose root is due (a later root holds nothing
    /// due), left before right. O(due items · log n).
    pub(crate) fn due(&self, now: Instant, out: &mut Vec<usize>) {
        let now = now.as_nanos();
        let nodes = &*self.nodes;
        let cap = nodes.len() / 2;
        if nodes.get(1).is_none_or(|&t| t == NEVER || t > now) {
            return;
        }
        // Each step pops a node and pushes at most its two children: the stack holds at
        // most the tree's depth plus one (at most 64 levels for a `usize` index).
        let mut stack = [0usize; 66];
        stack[0] = 1;
        let mut top = 1;
        while top > 0 {
            top -= 1;
            let k = stack[top];
            if k >= cap {
                out.push(k - cap);
                continue;
            }
            for c in [2 * k + 1, 2 * k] {
                if nodes[c] <= now && nodes[c] != NEVER {
                    stack[top] = c;
                    top += 1;
                }
            }
        }
    }

    /// Makes room for items `0..n` (the leaves kept, the inner nodes computed again).
    fn grow(&mut self, n: usize) {
        let old_cap = self.nodes.len() / 2;
        let cap = n.next_power_of_two().max(2);
        let mut nodes = S::default();
        nodes.resize(2 * cap, NEVER);
        nodes[cap..cap + old_cap].copy_from_slice(&self.nodes[old_cap..]);
        for k in (1..cap).rev() {
            nodes[k] = nodes[2 * k].min(nodes[2 * k + 1]);
        }
        self.nodes = nodes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random updates against a plain table: the earliest deadline, each endpoint's
    /// deadline, whether a set changed anything, and the due sets always agree — for one
    /// endpoint, two and fifty.
    #[test]
    fn deadlines_agree_with_a_table() {
        for n in [1u64, 2, 50] {
            let mut d = Deadlines::default();
            let mut table: Vec<Option<Instant>> = vec![None; n as usize];
            let mut x: u64 = 12345;
            let mut due = Vec::new();
            for step in 0..20_000u64 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let id = (x % n) as usize;
                let at = (x % 7 != 0).then(|| Instant::from_nanos((x >> 8) % 1000));
                assert_eq!(d.set(id, at), table[id] != at);
                table[id] = at;
                assert_eq!(d.earliest(), table.iter().flatten().min().copied());
                assert_eq!(d.get(id), at);
                let now = Instant::from_nanos(step % 1000);
                due.clear();
                d.due(now, &mut due);
                let want: Vec<usize> = (0..n as usize)
                    .filter(|&i| table[i].is_some_and(|t| t <= now))
                    .collect();
                assert_eq!(due, want);
            }
        }
    }

    /// The inline nodes cost no space: a host's TCP tree is the size of the heap it replaced
    /// (two vector headers), so its timers' first cache line holds what it did.
    #[test]
    fn inline_storage_is_free() {
        let two_vecs = 2 * core::mem::size_of::<Vec<u64>>();
        assert_eq!(core::mem::size_of::<Deadlines>(), two_vecs);
        assert_eq!(core::mem::size_of::<InlineMinTree>(), two_vecs);
    }

    /// Random updates against a plain table: the tree's earliest and its due items are
    /// always the table's, in vectors and inline (five nodes inline, the rest spilled).
    fn min_tree_agrees<S: Store<u64> + core::fmt::Debug>() {
        let mut t = MinTree::<S>::default();
        assert_eq!(t.earliest(), None);
        let mut table: Vec<Option<Instant>> = vec![None; 70];
        let mut x: u64 = 987654321;
        let mut due = Vec::new();
        for step in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Items appear in growing numbers, as subflows and connections do.
            let id = (x % (1 + (step / 300).min(69))) as usize;
            let at = (x % 5 != 0).then(|| Instant::from_nanos((x >> 8) % 1000));
            t.set(id, at);
            table[id] = at;
            assert_eq!(t.earliest(), table.iter().flatten().min().copied());
            let now = Instant::from_nanos(step % 1000);
            due.clear();
            t.due(now, &mut due);
            let want: Vec<usize> = (0..table.len())
                .filter(|&i| table[i].is_some_and(|t| t <= now))
                .collect();
            assert_eq!(due, want);
        }
    }

    #[test]
    fn min_tree_agrees_with_a_table() {
        min_tree_agrees::<Vec<u64>>();
    }

    #[test]
    fn inline_min_tree_agrees_with_a_table() {
        min_tree_agrees::<SmallVec<[u64; 5]>>();
    }
}
