//! The event queue and the packet slab.
//!
//! [`EventQueue`] is a binary min-heap keyed by `(time, insertion sequence)`: events at the
//! same instant pop in the order they were pushed, which makes every run a pure function of
//! its inputs. The heap's storage grows once and is reused (no allocation per event in steady
//! state). Model: nexosim `util/priority_queue.rs`.
//!
//! A sequence number can be taken ahead of the push ([`EventQueue::reserve`], then
//! [`EventQueue::push_reserved`]): a link takes one for every packet it accepts but keeps only
//! the head of its FIFO in the heap, so the heap stays as small as the number of links and
//! hosts while every event still pops at the `(time, sequence)` it would have had if each
//! packet held its own entry.
//!
//! [`Slab`] stores values in reusable slots with a free list; every slot carries a generation
//! number bumped on removal, so a [`SlotRef`] held by a stale event can be recognised and
//! ignored after the slot is freed (and possibly reused).

use crate::time::Instant;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A queued event under its key `time << 64 | seq` (one `u128` compare orders two
/// entries by time, then sequence number).
struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> Entry<E> {
    #[inline]
    fn new(time: Instant, seq: u64, event: E) -> Self {
        Entry {
            key: (u128::from(time.as_nanos()) << 64) | u128::from(seq),
            event,
        }
    }
    #[inline]
    fn time(&self) -> Instant {
        Instant::from_nanos((self.key >> 64) as u64)
    }
    #[inline]
    fn seq(&self) -> u64 {
        self.key as u64
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the smallest key first.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// A priority queue of events ordered by `(time, insertion sequence)`.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }

    /// Schedules `event` at `time`; it pops after every event already queued for the same
    /// instant.
    pub fn push(&mut self, time: Instant, event: E) {
        let seq = self.reserve();
        self.heap.push(Entry::new(time, seq, event));
    }

    /// Takes the next insertion sequence number without pushing anything: an event pushed
    /// later with [`EventQueue::push_reserved`] under this number pops exactly where an event
    /// pushed now would have.
    pub fn reserve(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Schedules `event` at `time` under a sequence number taken with
    /// [`EventQueue::reserve`] (each number is to be used at most once).
    pub fn push_reserved(&mut self, time: Instant, seq: u64, event: E) {
        debug_assert!(seq < self.next_seq, "sequence number not reserved");
        self.heap.push(Entry::new(time, seq, event));
    }

    /// The earliest event, with its sequence number, left in the queue.
    pub fn peek_with_seq(&self) -> Option<(Instant, u64, &E)> {
        self.heap.peek().map(|e| (e.time(), e.seq(), &e.event))
    }

    /// The event that would pop after the earliest one if nothing were pushed before it (the
    /// earlier of the heap root's two children): for prefetching its state while the
    /// earliest runs.
    #[inline]
    pub fn peek_second(&self) -> Option<&E> {
        let h = self.heap.as_slice();
        match (h.get(1), h.get(2)) {
            (Some(a), Some(b)) if b.key < a.key => Some(&b.event),
            (Some(a), _) => Some(&a.event),
            (None, _) => None,
        }
    }

    /// Replaces the earliest event with `event` at `time` under a sequence number taken with
    /// [`EventQueue::reserve`]: as [`EventQueue::pop`] then [`EventQueue::push_reserved`]
    /// (the same events pop afterwards, in the same order), with one sift instead of two.
    /// Does nothing on an empty queue.
    pub fn replace_earliest_reserved(&mut self, time: Instant, seq: u64, event: E) {
        debug_assert!(seq < self.next_seq, "sequence number not reserved");
        if let Some(mut top) = self.heap.peek_mut() {
            *top = Entry::new(time, seq, event);
        }
    }

    /// Removes and returns the earliest event (ties: first pushed).
    pub fn pop(&mut self) -> Option<(Instant, E)> {
        self.heap.pop().map(|e| (e.time(), e.event))
    }

    /// As [`EventQueue::pop`], with the event's sequence number.
    pub fn pop_with_seq(&mut self) -> Option<(Instant, u64, E)> {
        self.heap.pop().map(|e| (e.time(), e.seq(), e.event))
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<Instant> {
        self.heap.peek().map(|e| e.time())
    }

    /// Number of queued events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when no event is queued.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

/// A handle to a slab slot: index plus the generation it was issued for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotRef {
    /// Slot index.
    pub index: u32,
    /// Generation of the slot when the value was inserted.
    pub generation: u32,
}

struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

/// Values in reusable slots with a free list and per-slot generations.
pub struct Slab<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    len: usize,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Slab<T> {
    /// An empty slab.
    pub fn new() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }

    /// Stores `value`, reusing a free slot when there is one.
    pub fn insert(&mut self, value: T) -> SlotRef {
        self.insert_with(|| value)
    }

    /// Stores what `make` returns, reusing a free slot when there is one: a reused slot
    /// receives the value where it is made (no copy through the stack).
    #[inline]
    pub fn insert_with(&mut self, make: impl FnOnce() -> T) -> SlotRef {
        self.len += 1;
        if let Some(index) = self.free.pop() {
            let slot = &mut self.slots[index as usize];
            debug_assert!(slot.value.is_none());
            slot.value = Some(make());
            return SlotRef {
                index,
                generation: slot.generation,
            };
        }
        let index = crate::ids::next_id(self.slots.len());
        self.slots.push(Slot {
            generation: 0,
            value: Some(make()),
        });
        SlotRef {
            index,
            generation: 0,
        }
    }

    /// Hints that slot `r` is about to be read ([`crate::prefetch`]).
    #[inline]
    pub(crate) fn prefetch(&self, r: SlotRef) {
        if let Some(slot) = self.slots.get(r.index as usize) {
            crate::prefetch::prefetch(slot);
        }
    }

    /// The value behind `r`, or `None` if it was removed since `r` was issued.
    pub fn get(&self, r: SlotRef) -> Option<&T> {
        let slot = self.slots.get(r.index as usize)?;
        if slot.generation == r.generation {
            slot.value.as_ref()
        } else {
            None
        }
    }

    /// Mutable access to the value behind `r`, or `None` if stale.
    pub fn get_mut(&mut self, r: SlotRef) -> Option<&mut T> {
        let slot = self.slots.get_mut(r.index as usize)?;
        if slot.generation == r.generation {
            slot.value.as_mut()
        } else {
            None
        }
    }

    /// Removes and returns the value behind `r` (bumping the slot's generation), or `None`
    /// if `r` is stale.
    pub fn remove(&mut self, r: SlotRef) -> Option<T> {
        let slot = self.slots.get_mut(r.index as usize)?;
        if slot.generation != r.generation {
            return None;
        }
        let value = slot.value.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(r.index);
        self.len -= 1;
        Some(value)
    }

    /// Drops the value behind `r` where it lies (bumping the slot's generation); false if
    /// `r` is stale. As [`Slab::remove`] without moving the value out.
    pub fn free(&mut self, r: SlotRef) -> bool {
        let Some(slot) = self.slots.get_mut(r.index as usize) else {
            return false;
        };
        if slot.generation != r.generation || slot.value.is_none() {
            return false;
        }
        slot.value = None;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(r.index);
        self.len -= 1;
        true
    }

    /// Number of stored values.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peek_second_names_the_event_that_pops_second() {
        // Pushes at pseudo-random times (many ties) and pops, checking before every pop
        // that `peek_second` is what the queue yields right after the earliest.
        let mut q = EventQueue::new();
        let mut x = 12345u64;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 33
        };
        let mut checked = 0;
        for id in 0..5000u64 {
            q.push(Instant::from_micros(next() % 50), id);
            if next() % 3 == 0 {
                let second = q.peek_second().copied();
                q.pop();
                assert_eq!(second, q.peek_with_seq().map(|(_, _, &e)| e));
                checked += 1;
            }
        }
        while !q.is_empty() {
            let second = q.peek_second().copied();
            q.pop();
            assert_eq!(second, q.peek_with_seq().map(|(_, _, &e)| e));
            checked += 1;
        }
        assert_eq!(checked, 5000);
        assert_eq!(q.peek_second(), None);
    }

    #[test]
    fn the_packed_key_orders_by_time_then_sequence_over_the_whole_range() {
        let mut q = EventQueue::new();
        let end = Instant::from_nanos(u64::MAX);
        q.push(end, "end");
        for _ in 0..1000 {
            q.reserve();
        }
        q.push(Instant::from_nanos(1), "one");
        q.push(end, "end, later");
        q.push(Instant::ZERO, "zero");
        let order: Vec<_> = std::iter::from_fn(|| q.pop_with_seq()).collect();
        assert_eq!(
            order,
            [
                (Instant::ZERO, 1003, "zero"),
                (Instant::from_nanos(1), 1001, "one"),
                (end, 0, "end"),
                (end, 1002, "end, later"),
            ]
        );
    }

    #[test]
    fn same_time_events_pop_in_insertion_order() {
        let mut q = EventQueue::new();
        let t = Instant::from_millis(3);
        q.push(t, "a");
        q.push(Instant::from_millis(1), "first");
        q.push(t, "b");
        q.push(t, "c");
        q.push(Instant::from_millis(5), "last");
        q.push(t, "d");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["first", "a", "b", "c", "d", "last"]);
    }

    #[test]
    fn reserved_sequence_numbers_pop_where_they_were_taken() {
        let mut q = EventQueue::new();
        let t = Instant::from_millis(3);
        q.push(t, "a");
        let b = q.reserve();
        q.push(t, "c");
        let d = q.reserve();
        q.push(Instant::from_millis(1), "first");
        q.push_reserved(t, d, "d");
        q.push_reserved(t, b, "b");
        let order: Vec<_> =
            std::iter::from_fn(|| q.pop_with_seq().map(|(_, s, e)| (s, e))).collect();
        assert_eq!(
            order,
            [(4, "first"), (0, "a"), (1, "b"), (2, "c"), (3, "d")]
        );
    }

    #[test]
    fn pops_in_time_order() {
        let mut q = EventQueue::new();
        let mut x: u64 = 12345;
        for i in 0..1000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            q.push(Instant::from_nanos(x >> 40), i);
        }
        let mut last = (Instant::ZERO, 0);
        let mut seen = 0;
        while let Some((t, _)) = q.pop() {
            assert!(t >= last.0);
            last.0 = t;
            seen += 1;
        }
        assert_eq!(seen, 1000);
        assert!(q.is_empty());
    }

    /// Interleaved pushes (plain and reserved, many at equal times) and pops come out
    /// exactly in sorted `(time, seq)` order, as a sorted set of the same keys gives them.
    #[test]
    fn pops_match_a_sorted_set_of_keys() {
        let mut q = EventQueue::new();
        let mut reference = std::collections::BTreeSet::new();
        let mut x: u64 = 99;
        let mut rand = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 33
        };
        let mut now = 0;
        let mut held = Vec::new();
        for _ in 0..20_000 {
            match rand() % 8 {
                0..=2 => {
                    let t = now + rand() % 16;
                    q.push(Instant::from_nanos(t), ());
                    reference.insert((t, q.next_seq - 1));
                }
                3 => held.push(q.reserve()),
                4 if !held.is_empty() && !q.is_empty() && rand() % 2 == 0 => {
                    // The earliest event gives way to a reserved one (a link's next head).
                    let top = q.peek_with_seq().map(|(t, s, ())| (t.as_nanos(), s));
                    assert_eq!(top, reference.pop_first());
                    now = top.map_or(now, |(t, _)| t);
                    let seq = held.swap_remove((rand() as usize) % held.len());
                    let t = now + rand() % 16;
                    q.replace_earliest_reserved(Instant::from_nanos(t), seq, ());
                    reference.insert((t, seq));
                }
                4 if !held.is_empty() => {
                    let seq = held.swap_remove((rand() as usize) % held.len());
                    let t = now + rand() % 16;
                    q.push_reserved(Instant::from_nanos(t), seq, ());
                    reference.insert((t, seq));
                }
                _ => {
                    let got = q.pop_with_seq().map(|(t, s, ())| (t.as_nanos(), s));
                    assert_eq!(got, reference.pop_first());
                    if let Some((t, _)) = got {
                        now = t;
                    }
                }
            }
            assert_eq!(q.len(), reference.len());
        }
        while let Some((t, s, ())) = q.pop_with_seq() {
            assert_eq!(Some((t.as_nanos(), s)), reference.pop_first());
        }
        assert!(reference.is_empty());
    }

    #[test]
    fn slab_generations_invalidate_stale_refs() {
        let mut s = Slab::new();
        let a = s.insert(1);
        let b = s.insert(2);
        assert_eq!(s.remove(a), Some(1));
        assert_eq!(s.get(a), None);
        let c = s.insert(3);
        assert_eq!(c.index, a.index);
        assert_ne!(c.generation, a.generation);
        assert_eq!(s.remove(a), None);
        assert_eq!(s.get(c), Some(&3));
        assert_eq!(s.get(b), Some(&2));
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn free_drops_in_place_and_invalidates_like_remove() {
        let mut s = Slab::new();
        let a = s.insert(1);
        let b = s.insert(2);
        assert!(s.free(a));
        assert!(!s.free(a), "stale");
        assert_eq!(s.get(a), None);
        assert_eq!(s.len(), 1);
        let c = s.insert_with(|| 3);
        assert_eq!(c.index, a.index, "the freed slot is reused");
        assert_ne!(c.generation, a.generation);
        assert_eq!(s.remove(c), Some(3));
        assert!(!s.free(c));
        assert_eq!(s.get(b), Some(&2));
        assert_eq!(s.len(), 1);
    }
}
