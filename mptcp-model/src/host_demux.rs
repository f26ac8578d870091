//! [`DemuxTable`]: the host's demultiplexing table, `(local addr, local port, remote addr,
//! remote port)` → the connection or subflow that owns those four values.
//!
//! Looked up once per arriving segment, so its cost must not grow with the number of
//! connections the host carries (a `BTreeMap` search over 2000 keys was ~200 instructions
//! per packet): a hash table, found in O(1). Its hash is fixed and seedless (the MurmurHash3
//! 64-bit finaliser over the packed key), so runs stay reproducible, and the table offers no
//! iteration at all: nothing that could depend on its order can be written against it.

use super::Slot;
use sim_core::Addr;
use std::cell::Cell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// `(local addr, local port, remote addr, remote port)`.
pub(super) type ConnKey = (Addr, u16, Addr, u16);

/// Key → connection map with O(1) lookups and no iteration.
///
/// `repr(C)`: the last answer first, where the host keeps it in the line of its other
/// per-segment fields (see `HostStack`), the table in the next.
#[derive(Debug, Default)]
#[repr(C)]
pub(super) struct DemuxTable {
    /// The key last found and its slot: a host with one busy connection finds it without
    /// hashing (segments of a flow arrive in runs).
    last: Cell<Option<(PackedKey, Slot)>>,
    slots: HashMap<PackedKey, Slot, BuildHasherDefault<KeyHasher>>,
}

impl DemuxTable {
    /// Where the last answer lies in the table, and its size (for `HostStack`'s layout test).
    #[cfg(test)]
    pub(super) const LAST_OFFSET: usize = core::mem::offset_of!(DemuxTable, last);
    #[cfg(test)]
    pub(super) const LAST_SIZE: usize = core::mem::size_of::<Cell<Option<(PackedKey, Slot)>>>();

    /// What `key` leads to, if anything.
    #[inline]
    pub(super) fn get(&self, key: &ConnKey) -> Option<Slot> {
        let key = PackedKey::of(key);
        match self.last.get() {
            Some((last, slot)) if last == key => Some(slot),
            _ => {
                let slot = self.slots.get(&key).copied()?;
                self.last.set(Some((key, slot)));
                Some(slot)
            }
        }
    }

    /// True when `key` is taken.
    pub(super) fn contains_key(&self, key: &ConnKey) -> bool {
        self.slots.contains_key(&PackedKey::of(key))
    }

    /// Maps `key` to `slot`, replacing what it led to before.
    pub(super) fn insert(&mut self, key: ConnKey, slot: Slot) {
        let key = PackedKey::of(&key);
        self.slots.insert(key, slot);
        if self.last.get().is_some_and(|(last, _)| last == key) {
            self.last.set(Some((key, slot)));
        }
    }
}

/// The four values in two words: both addresses, then both ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PackedKey {
    addrs: u64,
    ports: u32,
}

impl PackedKey {
    #[inline]
    fn of(&(la, lp, ra, rp): &ConnKey) -> Self {
        PackedKey {
            addrs: u64::from(la.0) << 32 | u64::from(ra.0),
            ports: u32::from(lp) << 16 | u32::from(rp),
        }
    }
}

impl Hash for PackedKey {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        // MurmurHash3's fmix64 (Appleby, public domain): every input bit reaches every
        // output bit, which the table's bucket (low bits) and tag (high bits) both need.
        let mut h = self.addrs ^ u64::from(self.ports).rotate_left(23);
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^= h >> 33;
        state.write_u64(h);
    }
}

/// Passes on the one word [`PackedKey`] hashes to.
#[derive(Debug, Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    #[inline]
    fn write_u64(&mut self, h: u64) {
        self.0 = h;
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not reached by `PackedKey`; folds anything else in, still deterministically.
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u32) -> ConnKey {
        (
            Addr(10 << 24 | 1),
            49152 + n as u16,
            Addr(10 << 24 | 2),
            5001,
        )
    }

    /// Every key finds what was put under it, a replaced key its new slot (also when it was
    /// the key last found), and keys
    /// differing in any one field are told apart.
    #[test]
    fn finds_replaces_and_tells_keys_apart() {
        let mut t = DemuxTable::default();
        for n in 0..2000 {
            t.insert(key(n), Slot::Tcp(n as usize));
        }
        for n in 0..2000 {
            assert_eq!(t.get(&key(n)), Some(Slot::Tcp(n as usize)));
        }
        // Replaced while it is the key last found.
        assert_eq!(t.get(&key(7)), Some(Slot::Tcp(7)));
        t.insert(key(7), Slot::Mptcp(3, 1));
        assert_eq!(t.get(&key(7)), Some(Slot::Mptcp(3, 1)));
        let (la, lp, ra, rp) = key(0);
        for other in [
            (Addr(la.0 + 1), lp, ra, rp),
            (la, lp, Addr(ra.0 + 1), rp),
            (la, lp, ra, rp + 1),
            (ra, lp, la, rp),
            (la, rp, ra, lp),
        ] {
            assert!(!t.contains_key(&other), "{other:?}");
        }
        assert!(t.contains_key(&key(1999)));
        assert_eq!(t.get(&key(2000)), None);
    }
}
