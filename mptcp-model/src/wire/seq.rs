//! Sequence numbers with wrap-around ordering.
//!
//! [`SeqNum`] is the 32-bit TCP sequence number (RFC 9293 §3.4): comparisons are done on the
//! signed 32-bit difference, so they are correct as long as the two numbers are less than
//! 2^31 apart. [`DataSeq`] is the 64-bit MPTCP data sequence number (RFC 8684 §3.3.1) with the
//! same kind of ordering on a 64-bit circle.
//!
//! Endpoints keep their own positions as `u64` offsets from the initial sequence number,
//! which never wrap in a simulation; [`SeqNum::to_offset`] and [`SeqNum::from_offset`] convert
//! at the wire boundary.

use core::cmp::Ordering;
use core::fmt;
use core::ops::{Add, Sub};

/// A TCP sequence (or acknowledgment) number as carried on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SeqNum(pub u32);

impl SeqNum {
    /// `self + n` modulo 2^32.
    pub const fn wrapping_add(self, n: u32) -> SeqNum {
        SeqNum(self.0.wrapping_add(n))
    }

    /// `self - n` modulo 2^32.
    pub const fn wrapping_sub(self, n: u32) -> SeqNum {
        SeqNum(self.0.wrapping_sub(n))
    }

    /// The signed distance `self - other` on the 32-bit circle.
    pub const fn diff(self, other: SeqNum) -> i32 {
        self.0.wrapping_sub(other.0) as i32
    }

    /// The later of two sequence numbers (wrap-aware).
    pub fn max(self, other: SeqNum) -> SeqNum {
        if self.diff(other) >= 0 {
            self
        } else {
            other
        }
    }

    /// The earlier of two sequence numbers (wrap-aware).
    pub fn min(self, other: SeqNum) -> SeqNum {
        if self.diff(other) <= 0 {
            self
        } else {
            other
        }
    }

    /// The sequence number at `offset` octets after `base` (the wire form of an offset).
    pub const fn from_offset(base: SeqNum, offset: u64) -> SeqNum {
        // Truncation to 32 bits is the point: sequence numbers wrap.
        SeqNum(base.0.wrapping_add(offset as u32))
    }

    /// The `u64` offset from `base` whose wire form is `self`, choosing among all candidates
    /// (which differ by multiples of 2^32) the one closest to `near`; never negative.
    ///
    /// Inlined: every segment's sequence and acknowledgment numbers come through here. The
    /// candidate less than 2^31 from `near` is the only closest one, `near` plus the signed
    /// 32-bit distance; a tie (exactly 2^31 either way) or a candidate below zero takes the
    /// comparison of the three candidates, `to_offset_by_candidates`.
    #[inline]
    pub fn to_offset(self, base: SeqNum, near: u64) -> u64 {
        // Truncation is the point: the distance on the 32-bit circle.
        let delta = self.0.wrapping_sub(base.0).wrapping_sub(near as u32) as i32;
        if delta != i32::MIN {
            if let Some(off) = near.checked_add_signed(i64::from(delta)) {
                return off;
            }
        }
        self.to_offset_by_candidates(base, near)
    }

    /// [`Self::to_offset`] by comparing the candidates in `near`'s 2^32 block and the two
    /// beside it: ties go to the one in `near`'s block.
    #[inline(never)]
    fn to_offset_by_candidates(self, base: SeqNum, near: u64) -> u64 {
        const SPAN: u64 = 1 << 32;
        let low = u64::from(self.0.wrapping_sub(base.0));
        let cand = (near & !(SPAN - 1)) | low;
        let mut best = cand;
        for c in [cand.checked_sub(SPAN), cand.checked_add(SPAN)]
            .into_iter()
            .flatten()
        {
            if c.abs_diff(near) < best.abs_diff(near) {
                best = c;
            }
        }
        best
    }
}

impl PartialOrd for SeqNum {
    /// Wrap-aware: `a < b` when `b - a`, as a signed 32-bit number, is positive.
    fn partial_cmp(&self, other: &SeqNum) -> Option<Ordering> {
        Some(self.diff(*other).cmp(&0))
    }
}

impl Add<u32> for SeqNum {
    type Output = SeqNum;
    /// Wrapping addition.
    fn add(self, n: u32) -> SeqNum {
        self.wrapping_add(n)
    }
}

impl Sub<u32> for SeqNum {
    type Output = SeqNum;
    /// Wrapping subtraction.
    fn sub(self, n: u32) -> SeqNum {
        self.wrapping_sub(n)
    }
}

impl Sub<SeqNum> for SeqNum {
    type Output = i32;
    /// Signed distance on the 32-bit circle.
    fn sub(self, other: SeqNum) -> i32 {
        self.diff(other)
    }
}

impl fmt::Display for SeqNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An MPTCP data sequence number (RFC 8684 §3.3.1): 64 bits, wrap-aware ordering.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DataSeq(pub u64);

impl DataSeq {
    /// `self + n` modulo 2^64.
    pub const fn wrapping_add(self, n: u64) -> DataSeq {
        DataSeq(self.0.wrapping_add(n))
    }

    /// The signed distance `self - other` on the 64-bit circle.
    pub const fn diff(self, other: DataSeq) -> i64 {
        self.0.wrapping_sub(other.0) as i64
    }

    /// The low 32 bits, as carried by a 4-octet DSS mapping (RFC 8684 §3.3).
    pub const fn low32(self) -> u32 {
        self.0 as u32
    }
}

impl PartialOrd for DataSeq {
    /// Wrap-aware: `a < b` when `b - a`, as a signed 64-bit number, is positive.
    fn partial_cmp(&self, other: &DataSeq) -> Option<Ordering> {
        Some(self.diff(*other).cmp(&0))
    }
}

impl Add<u64> for DataSeq {
    type Output = DataSeq;
    /// Wrapping addition.
    fn add(self, n: u64) -> DataSeq {
        self.wrapping_add(n)
    }
}

impl fmt::Display for DataSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering_wraps() {
        let a = SeqNum(u32::MAX - 10);
        let b = a + 20;
        assert_eq!(b.0, 9);
        assert!(a < b);
        assert!(b > a);
        assert_eq!(b - a, 20);
        assert_eq!(a - b, -20);
        assert_eq!(a.max(b), b);
        assert_eq!(a.min(b), a);
        assert!(DataSeq(u64::MAX) < DataSeq(3));
    }

    #[test]
    fn offsets_round_trip_across_wrap() {
        let isn = SeqNum(u32::MAX - 5);
        for off in [0u64, 5, 6, 7, 1 << 32, (1 << 32) + 100, 3 << 32] {
            let s = SeqNum::from_offset(isn, off);
            assert_eq!(s.to_offset(isn, off), off);
            assert_eq!(s.to_offset(isn, off.saturating_sub(1000)), off);
            assert_eq!(s.to_offset(isn, off + 1000), off);
        }
        // Never negative: a number "before" the base near zero maps to the far side.
        assert_eq!(SeqNum(isn.0 - 1).to_offset(isn, 0), (1 << 32) - 1);
    }

    /// The direct form of `to_offset` gives what comparing the three candidates gives, at
    /// the ties (exactly 2^31 away on either side), near zero and near `u64::MAX`, and over
    /// a spread of values.
    #[test]
    fn to_offset_equals_the_candidate_comparison() {
        let half = 1u64 << 31;
        let mut nears = vec![0, 1, half - 1, half, half + 1, (1 << 32) - 1, 1 << 32];
        nears.extend([
            (5 << 32) + 17,
            (5 << 32) + half,
            u64::MAX - half,
            u64::MAX - 1,
            u64::MAX,
        ]);
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2_000 {
            // splitmix64: a fixed spread of 64-bit values.
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            nears.push(z ^ (z >> 31));
        }
        for (k, &near) in nears.iter().enumerate() {
            let base = SeqNum((k as u32).wrapping_mul(0x0123_4567));
            let n = near as u32;
            let lows = [
                0,
                1,
                (1 << 31) - 1,
                1 << 31,
                u32::MAX,
                n,
                n.wrapping_add(1),
                n.wrapping_sub(1),
                n ^ (1 << 31),
                n.wrapping_add(1 << 31).wrapping_add(1),
            ];
            for low in lows {
                let s = base.wrapping_add(low);
                assert_eq!(
                    s.to_offset(base, near),
                    s.to_offset_by_candidates(base, near),
                    "near {near:#x}, low {low:#x}"
                );
            }
        }
    }
}
