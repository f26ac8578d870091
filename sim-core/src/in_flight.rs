//! The packets travelling through the network, split in two by how often each part is read.
//!
//! A router forwarding a packet reads only where the packet is on its route and how big it is:
//! a few bytes, kept in a [`Slab`] of [`Hop`]s (two to a cache line), which also holds the
//! slot's generation. The packet itself (addresses and the endpoints' header: over 200 bytes
//! for TCP with MPTCP options) lies in a parallel array at the same index and is read when it
//! is sent, delivered, or handed to a middlebox or a bond. In a multi-hop network (a fat tree:
//! up to six links per packet) most hops therefore touch one small record instead of the four
//! cache lines of the whole packet, which in a large run is usually out of the cache.

use crate::event::{Slab, SlotRef};
use crate::ids::{HostId, RouteId};
use crate::packet::Packet;

/// What forwarding reads of a packet in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hop {
    /// Its route.
    pub(crate) route: RouteId,
    /// The index, within the route, of the link it is on.
    pub(crate) hop: u32,
    /// Its size on the wire (the packet's `size`, kept here so that a hop need not read the
    /// packet; set again when a middlebox may have changed it).
    pub(crate) size: u32,
    /// The host its route ends at (`None`: a router that owns the destination address).
    pub(crate) to: Option<HostId>,
}

/// Packets in flight: each a [`Hop`] in a slab slot and its packet at the same index.
pub(crate) struct InFlight<H> {
    hops: Slab<Hop>,
    /// `packets[i]` is the packet of slot `i` while the slot is occupied; a freed slot's
    /// packet stays until the slot is reused (at most as many as were ever in flight at once).
    packets: Vec<Packet<H>>,
}

impl<H: Clone> InFlight<H> {
    /// Nothing in flight.
    pub(crate) fn new() -> Self {
        InFlight {
            hops: Slab::new(),
            packets: Vec::new(),
        }
    }

    /// Stores a copy of `pkt` with its forwarding state `hop`.
    #[inline]
    pub(crate) fn insert(&mut self, pkt: &Packet<H>, hop: Hop) -> SlotRef {
        let r = self.hops.insert(hop);
        let i = r.index as usize;
        if let Some(slot) = self.packets.get_mut(i) {
            slot.clone_from(pkt);
        } else {
            debug_assert_eq!(i, self.packets.len(), "slots are issued densely");
            self.packets.push(pkt.clone());
        }
        r
    }

    /// The forwarding state of `r`, or `None` if `r` was freed.
    #[inline]
    pub(crate) fn hop_mut(&mut self, r: SlotRef) -> Option<&mut Hop> {
        self.hops.get_mut(r)
    }

    /// The forwarding state of `r`, or `None` if `r` was freed.
    #[inline]
    pub(crate) fn hop(&self, r: SlotRef) -> Option<&Hop> {
        self.hops.get(r)
    }

    /// Hints that the forwarding state of `r` (and its packet, with `packet`) is about to be
    /// read.
    #[inline]
    pub(crate) fn prefetch(&self, r: SlotRef, packet: bool) {
        self.hops.prefetch(r);
        if packet {
            if let Some(p) = self.packets.get(r.index as usize) {
                crate::prefetch::prefetch(p);
            }
        }
    }

    /// The forwarding state and the packet of `r`, or `None` if `r` was freed.
    #[inline]
    pub(crate) fn get(&self, r: SlotRef) -> Option<(&Hop, &Packet<H>)> {
        let hop = self.hops.get(r)?;
        Some((hop, self.packets.get(r.index as usize)?))
    }

    /// Mutable access to the forwarding state and the packet of `r`, or `None` if freed.
    #[inline]
    pub(crate) fn get_mut(&mut self, r: SlotRef) -> Option<(&mut Hop, &mut Packet<H>)> {
        let hop = self.hops.get_mut(r)?;
        Some((hop, self.packets.get_mut(r.index as usize)?))
    }

    /// Frees `r` (its packet is left where it lies, to be overwritten); false if stale.
    #[inline]
    pub(crate) fn free(&mut self, r: SlotRef) -> bool {
        self.hops.free(r)
    }

    /// Number of packets in flight.
    pub(crate) fn len(&self) -> usize {
        self.hops.len()
    }
}

#[cfg(test)]
mod tests {
    use super::{Hop, InFlight};
    use crate::ids::{HostId, RouteId};
    use crate::packet::{Addr, Packet};

    fn pkt(size: u32) -> Packet<u32> {
        Packet {
            src: Addr(1),
            dst: Addr(2),
            size,
            header: size * 10,
        }
    }

    fn hop(size: u32) -> Hop {
        Hop {
            route: RouteId(7),
            hop: 0,
            size,
            to: Some(HostId(3)),
        }
    }

    #[test]
    fn a_reused_slot_holds_the_new_packet_and_a_stale_ref_sees_nothing() {
        let mut f = InFlight::new();
        let a = f.insert(&pkt(100), hop(100));
        let b = f.insert(&pkt(200), hop(200));
        assert_eq!(f.len(), 2);
        assert!(f.free(a));
        assert!(!f.free(a), "freed twice");
        assert!(f.get(a).is_none());
        let c = f.insert(&pkt(300), hop(300));
        assert_eq!(c.index, a.index, "the freed slot is reused");
        assert!(f.get(a).is_none(), "the old generation stays stale");
        let (h, p) = f.get(c).unwrap();
        assert_eq!((h.size, p.size, p.header), (300, 300, 3000));
        let (h, p) = f.get(b).unwrap();
        assert_eq!((h.size, p.header), (200, 2000));
        f.hop_mut(b).unwrap().hop = 2;
        assert_eq!(f.get_mut(b).unwrap().0.hop, 2);
        assert_eq!(f.len(), 2);
    }

    #[test]
    fn a_hop_is_small() {
        // Two to a 64-byte cache line with the slot's generation and tag.
        assert!(core::mem::size_of::<Hop>() <= 24);
    }
}
