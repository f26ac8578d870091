//! Link rates as integer bits per second, with exact serialization times.

use crate::time::Duration;
use core::fmt;

/// A data rate in bits per second.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bandwidth(u64);

impl Bandwidth {
    /// A rate of `bps` bits per second.
    pub const fn from_bps(bps: u64) -> Self {
        Bandwidth(bps)
    }
    /// A rate of `kbps` kilobits (10^3) per second.
    pub const fn from_kbps(kbps: u64) -> Self {
        Bandwidth(kbps.saturating_mul(1_000))
    }
    /// A rate of `mbps` megabits (10^6) per second.
    pub const fn from_mbps(mbps: u64) -> Self {
        Bandwidth(mbps.saturating_mul(1_000_000))
    }
    /// A rate of `gbps` gigabits (10^9) per second.
    pub const fn from_gbps(gbps: u64) -> Self {
        Bandwidth(gbps.saturating_mul(1_000_000_000))
    }
    /// The rate in bits per second.
    pub const fn as_bps(self) -> u64 {
        self.0
    }
    /// True for a zero rate (nothing can be sent).
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Time to serialize `bytes` onto a link of this rate: `ceil(bytes * 8 * 10^9 / bps)`
    /// nanoseconds, computed exactly in 128-bit integers and rounded **up** so that a link
    /// never sends faster than its rate. A zero rate gives [`Duration::MAX`].
    #[inline]
    pub fn transmit_time(self, bytes: u64) -> Duration {
        if self.0 == 0 {
            return Duration::MAX;
        }
        // Up to 2.3 GB (every packet) the numerator fits 64 bits: the same quotient by the
        // processor's 64-bit divide instead of the 128-bit division routine.
        if let Some(num) = bytes.checked_mul(8_000_000_000) {
            return Duration::from_nanos(num.div_ceil(self.0));
        }
        let num = u128::from(bytes) * 8 * 1_000_000_000;
        let den = u128::from(self.0);
        let ns = num.div_ceil(den);
        Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX))
    }

    /// Bytes that can be sent at this rate in `d` (rounded down).
    pub fn bytes_in(self, d: Duration) -> u64 {
        let b = u128::from(self.0) * u128::from(d.as_nanos()) / (8 * 1_000_000_000);
        u64::try_from(b).unwrap_or(u64::MAX)
    }

    /// The rate of `bytes` delivered over `d` (rounded down); zero for a zero duration.
    pub fn from_bytes_over(bytes: u64, d: Duration) -> Bandwidth {
        if d.is_zero() {
            return Bandwidth(0);
        }
        let bps = u128::from(bytes) * 8 * 1_000_000_000 / u128::from(d.as_nanos());
        Bandwidth(u64::try_from(bps).unwrap_or(u64::MAX))
    }
}

impl fmt::Display for Bandwidth {
    /// Human units: `50Mbps`, `1.5Gbps`, `800kbps`, `12bps`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (div, unit) = match self.0 {
            b if b >= 1_000_000_000 => (1e9, "Gbps"),
            b if b >= 1_000_000 => (1e6, "Mbps"),
            b if b >= 1_000 => (1e3, "kbps"),
            _ => (1.0, "bps"),
        };
        write!(f, "{}{}", self.0 as f64 / div, unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transmit_time_is_the_same_on_both_sides_of_the_64_bit_path() {
        let exact = |bw: u64, bytes: u64| {
            let ns = (u128::from(bytes) * 8_000_000_000).div_ceil(u128::from(bw));
            Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX))
        };
        let limit = u64::MAX / 8_000_000_000;
        let sizes = [
            0,
            1,
            40,
            1500,
            9000,
            65_535,
            limit - 1,
            limit,
            limit + 1,
            u64::MAX,
        ];
        let rates = [1, 3, 1_000, 56_000, 12_345_678, 10_000_000_000, u64::MAX];
        for &bw in &rates {
            for &bytes in &sizes {
                let got = Bandwidth(bw).transmit_time(bytes);
                assert_eq!(got, exact(bw, bytes), "{bw} bit/s, {bytes} B");
            }
        }
    }

    #[test]
    fn transmit_time_is_exact_and_rounds_up() {
        assert_eq!(
            Bandwidth::from_mbps(10).transmit_time(1500),
            Duration::from_micros(1200)
        );
        // 1 byte at 3 bit/s: 8/3 s = 2.666...s, rounded up to the nanosecond.
        assert_eq!(
            Bandwidth::from_bps(3).transmit_time(1),
            Duration::from_nanos(2_666_666_667)
        );
        assert_eq!(Bandwidth::from_bps(0).transmit_time(1), Duration::MAX);
    }

    #[test]
    fn display_uses_units() {
        assert_eq!(Bandwidth::from_mbps(50).to_string(), "50Mbps");
        assert_eq!(Bandwidth::from_kbps(1500).to_string(), "1.5Mbps");
    }
}
