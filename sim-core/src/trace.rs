//! Mahimahi packet-delivery traces: trace-driven link capacity.
//!
//! Format (as in `ravinet/mahimahi`, `traces/`): one integer millisecond offset per line; each
//! line is one opportunity to send [`MahimahiTrace::OPPORTUNITY_BYTES`] (1500) bytes; a
//! timestamp repeated k times is k opportunities in that millisecond. Blank lines are ignored.
//! The trace repeats with a period equal to its last timestamp, so a file holding just `1` is
//! one opportunity per millisecond, i.e. 12 Mbit/s. As in mahimahi, a trace whose last
//! timestamp is 0 is rejected (it would have a zero period and unbounded capacity).
//!
//! Opportunities are numbered by an absolute index `k` across periods: opportunity `k` is at
//! `base + (k / n) * period + ts[k % n]` where `n` is the number of lines and `base` is the
//! instant the trace was attached to its link.

use crate::bandwidth::Bandwidth;
use crate::time::{Duration, Instant};
use core::fmt;
use std::path::{Path, PathBuf};

/// Why a trace could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// A line is not a non-negative integer millisecond count.
    #[error("trace line {line}: {text:?} is not a non-negative integer millisecond offset")]
    NotAnInteger {
        /// 1-based line number.
        line: usize,
        /// The offending text (trimmed).
        text: String,
    },
    /// A timestamp is smaller than the one before it.
    #[error(
        "trace line {line}: timestamp {value} ms is smaller than the previous one ({previous} ms)"
    )]
    Decreasing {
        /// 1-based line number.
        line: usize,
        /// The timestamp on that line.
        value: u64,
        /// The timestamp before it.
        previous: u64,
    },
    /// The trace has no timestamps.
    #[error("trace is empty: no timestamps found")]
    Empty,
    /// The last timestamp is 0, so the trace would repeat with a zero period.
    #[error("trace line {line}: last timestamp is 0; a trace must last a nonzero time")]
    ZeroPeriod {
        /// 1-based line number of the last timestamp.
        line: usize,
    },
    /// Reading or parsing a file failed.
    #[error("{}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: Box<TraceError>,
    },
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// A parsed Mahimahi trace: sorted millisecond timestamps of 1500-byte delivery
/// opportunities, repeating with [`MahimahiTrace::period`].
#[derive(Clone, PartialEq, Eq)]
pub struct MahimahiTrace {
    /// Opportunity timestamps in ms, non-decreasing; the last one is the period (> 0).
    ms: Vec<u64>,
}

impl fmt::Debug for MahimahiTrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MahimahiTrace")
            .field("opportunities", &self.ms.len())
            .field("period", &self.period())
            .finish()
    }
}

impl MahimahiTrace {
    /// Bytes one delivery opportunity can carry (mahimahi's `PACKET_SIZE`).
    pub const OPPORTUNITY_BYTES: u32 = 1500;

    /// Parses trace text: one integer per line (surrounding whitespace and blank lines are
    /// ignored). Errors name the 1-based line.
    pub fn parse(text: &str) -> Result<Self, TraceError> {
        let mut ms = Vec::new();
        let mut last_line = 0;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let t = raw.trim();
            if t.is_empty() {
                continue;
            }
            let value: u64 = t.parse().map_err(|_| TraceError::NotAnInteger {
                line,
                text: t.to_string(),
            })?;
            if let Some(&previous) = ms.last() {
                if value < previous {
                    return Err(TraceError::Decreasing {
                        line,
                        value,
                        previous,
                    });
                }
            }
            ms.push(value);
            last_line = line;
        }
        match ms.last() {
            None => Err(TraceError::Empty),
            Some(0) => Err(TraceError::ZeroPeriod { line: last_line }),
            Some(_) => Ok(MahimahiTrace { ms }),
        }
    }

    /// Reads and parses a trace file; errors include the path.
    pub fn from_file(path: &Path) -> Result<Self, TraceError> {
        let text = std::fs::read_to_string(path).map_err(|source| TraceError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text).map_err(|e| TraceError::File {
            path: path.to_path_buf(),
            source: Box::new(e),
        })
    }

    /// The repeat period: the last timestamp.
    pub fn period(&self) -> Duration {
        Duration::from_millis(self.period_ms())
    }

    /// Number of delivery opportunities in one period (the number of lines).
    pub fn opportunities(&self) -> usize {
        self.ms.len()
    }

    /// Average capacity: `opportunities * 1500 bytes` per period (rounded down).
    pub fn mean_rate(&self) -> Bandwidth {
        let bytes = self.ms.len() as u64 * u64::from(Self::OPPORTUNITY_BYTES);
        Bandwidth::from_bytes_over(bytes, self.period())
    }

    /// The opportunity timestamps of one period, in milliseconds (non-decreasing; the last
    /// one is the period).
    pub fn timestamps_ms(&self) -> &[u64] {
        &self.ms
    }

    fn period_ms(&self) -> u64 {
        // Non-empty with a nonzero last element by construction.
        self.ms.last().copied().unwrap_or(1)
    }

    fn n(&self) -> u64 {
        self.ms.len() as u64
    }

    /// Offset from the trace start of absolute opportunity `k` (saturating).
    pub(crate) fn offset_of(&self, k: u64) -> Duration {
        let n = self.n();
        let ms = (k / n)
            .saturating_mul(self.period_ms())
            .saturating_add(self.ms[(k % n) as usize]);
        Duration::from_millis(ms)
    }

    /// The smallest absolute opportunity index whose offset is `>= rel`, by binary search
    /// within one period.
    pub(crate) fn first_at_or_after(&self, rel: Duration) -> u64 {
        if rel.is_zero() {
            return 0;
        }
        let nanos_per_ms = Duration::from_millis(1).as_nanos();
        let p = self.period_ms();
        // rel_ms = ceil(rel in ms): opportunities are on whole milliseconds.
        let rel_ms = rel.as_nanos().div_ceil(nanos_per_ms);
        // Period q with rel_ms in (q*p, (q+1)*p]; the last entry equals p, so the search
        // always finds an entry inside period q.
        let q = (rel_ms - 1) / p;
        let r = rel_ms - q * p;
        let i = self.ms.partition_point(|&t| t < r) as u64;
        q.saturating_mul(self.n()).saturating_add(i)
    }
}

/// Where the next packet on a trace-driven link will start: absolute opportunity `k` with
/// `bytes_left` bytes still unused (always `> 0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TraceCursor {
    /// When opportunity 0 happens (the instant the trace was attached).
    pub(crate) base: Instant,
    /// Next opportunity with room, or `None` before the first packet / after a restart.
    pub(crate) next: Option<(u64, u32)>,
}

impl TraceCursor {
    /// A cursor for a trace attached at `base`.
    pub(crate) fn new(base: Instant) -> Self {
        TraceCursor { base, next: None }
    }

    /// Schedules a packet of `size` bytes entering at `now` and returns its departure:
    /// the time of the opportunity carrying its last byte (mahimahi `bytes_to_transmit`).
    /// A partly used opportunity that is still at or after `now` is shared with the previous
    /// packet; opportunities before `now` are wasted.
    pub(crate) fn schedule(&mut self, trace: &MahimahiTrace, now: Instant, size: u32) -> Instant {
        let full = MahimahiTrace::OPPORTUNITY_BYTES;
        let (mut k, mut left) = match self.next {
            Some((k, left)) if self.base + trace.offset_of(k) >= now => (k, left),
            _ => (trace.first_at_or_after(now - self.base), full),
        };
        if size > left {
            // Whole further opportunities needed for the rest (u64: no overflow).
            let rest = u64::from(size - left);
            let extra = rest.div_ceil(u64::from(full));
            k = k.saturating_add(extra);
            // < 1500 by construction.
            left = u32::try_from(extra * u64::from(full) - rest).unwrap_or(0);
        } else {
            left -= size;
        }
        let departure = self.base + trace.offset_of(k);
        self.next = if left == 0 {
            Some((k.saturating_add(1), full))
        } else {
            Some((k, left))
        };
        departure
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Mahimahi traces shipped with the scenarios (provenance in their README).
    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/traces");

    fn ms(t: u64) -> Instant {
        Instant::from_millis(t)
    }

    #[test]
    fn parse_errors_name_the_line() {
        let e = MahimahiTrace::parse("1\n2\nx3\n").unwrap_err();
        assert!(matches!(e, TraceError::NotAnInteger { line: 3, .. }), "{e}");
        assert!(e.to_string().contains("line 3"));
        let e = MahimahiTrace::parse("1\n5\n\n4\n").unwrap_err();
        assert!(matches!(
            e,
            TraceError::Decreasing {
                line: 4,
                value: 4,
                previous: 5
            }
        ));
        assert!(matches!(
            MahimahiTrace::parse("\n \n"),
            Err(TraceError::Empty)
        ));
        assert!(matches!(
            MahimahiTrace::parse("0\n0\n"),
            Err(TraceError::ZeroPeriod { line: 2 })
        ));
        assert!(MahimahiTrace::parse("-1").is_err());
    }

    #[test]
    fn from_file_error_includes_path() {
        let p = Path::new("/nonexistent/dir/foo.down");
        let e = MahimahiTrace::from_file(p).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/dir/foo.down"), "{e}");
    }

    #[test]
    fn single_line_one_is_12_mbps() {
        let t = MahimahiTrace::parse("1\n").unwrap();
        assert_eq!(t.period(), Duration::from_millis(1));
        assert_eq!(t.opportunities(), 1);
        assert_eq!(t.mean_rate(), Bandwidth::from_mbps(12));
    }

    #[test]
    fn real_traces_parse_with_plausible_rates() {
        for (file, lines) in [
            ("Verizon-LTE-short.down", 58_655),
            ("Verizon-LTE-short.up", 69_367),
            ("ATT-LTE-driving-2016.down", 45_604),
            ("ATT-LTE-driving-2016.up", 19_101),
        ] {
            let t = MahimahiTrace::from_file(&Path::new(DIR).join(file)).unwrap();
            assert_eq!(t.opportunities(), lines, "{file}");
            let mbps = t.mean_rate().as_bps() as f64 / 1e6;
            assert!((0.5..100.0).contains(&mbps), "{file}: {mbps} Mbit/s");
        }
        let v = MahimahiTrace::from_file(&Path::new(DIR).join("Verizon-LTE-short.down")).unwrap();
        assert_eq!(v.period(), Duration::from_millis(140_000));
        // 58,655 * 12,000 bit / 140 s.
        assert_eq!(v.mean_rate().as_bps(), 58_655 * 12_000 / 140);
    }

    #[test]
    fn first_at_or_after_uses_whole_periods() {
        // Opportunities at 2, 2, 5, 10 ms; period 10 ms.
        let t = MahimahiTrace::parse("2\n2\n5\n10\n").unwrap();
        let f = |n: u64| t.first_at_or_after(Duration::from_nanos(n));
        assert_eq!(f(0), 0);
        assert_eq!(f(1), 0);
        assert_eq!(f(2_000_000), 0);
        assert_eq!(f(2_000_001), 2);
        assert_eq!(f(10_000_000), 3); // opportunity at 10 ms is the period's last entry
        assert_eq!(f(10_000_001), 4); // 12 ms, second period
        assert_eq!(f(25_000_000), 10); // 25 ms = third period's 5 ms entry
        assert_eq!(t.offset_of(10), Duration::from_millis(25));
    }

    #[test]
    fn departures_follow_opportunities_exactly() {
        // Opportunities at 2, 2, 5, 10 ms (period 10 ms), repeating at 12, 12, 15, 20, ...
        let t = MahimahiTrace::parse("2\n2\n5\n10\n").unwrap();
        let mut c = TraceCursor::new(Instant::ZERO);
        // Two 1500-byte packets at t=0 use the two opportunities at 2 ms (repeats).
        assert_eq!(c.schedule(&t, ms(0), 1500), ms(2));
        assert_eq!(c.schedule(&t, ms(0), 1500), ms(2));
        // Two 700-byte packets share the 5 ms opportunity; a third spills into 10 ms.
        assert_eq!(c.schedule(&t, ms(1), 700), ms(5));
        assert_eq!(c.schedule(&t, ms(1), 700), ms(5));
        assert_eq!(c.schedule(&t, ms(1), 700), ms(10));
        // 900 bytes remain at 10 ms; a 4000-byte packet uses 10, 12, 12 (900+1500+1500=3900)
        // and its last 100 bytes leave at 15 ms.
        assert_eq!(c.schedule(&t, ms(3), 4000), ms(15));
        // Idle until 16 ms: the rest of the 15 ms opportunity is wasted; next is 20 ms.
        assert_eq!(c.schedule(&t, ms(16), 100), ms(20));
        // Idle until 31 ms (wrap-around twice): 32 ms.
        assert_eq!(c.schedule(&t, ms(31), 1500), ms(32));
        // An opportunity exactly at `now` is usable.
        assert_eq!(c.schedule(&t, ms(35), 1500), ms(35));
        // A huge packet spans many periods without overflow. 35 ms is opportunity 14, used
        // up, so it starts at 15 (40 ms) and needs ceil(u32::MAX / 1500) = 2,863,312 of them.
        let k = 15 + 2_863_312 - 1;
        let want = Instant::ZERO + t.offset_of(k);
        assert_eq!(c.schedule(&t, ms(35), u32::MAX), want);
    }

    #[test]
    fn cursor_respects_base_and_large_counts() {
        let t = MahimahiTrace::parse("1\n").unwrap();
        let mut c = TraceCursor::new(Instant::from_micros(500));
        // First opportunity is at base + 1 ms.
        assert_eq!(c.schedule(&t, ms(0), 1500), Instant::from_micros(1500));
        // 1000 back-to-back packets: one per ms.
        let mut last = Instant::ZERO;
        for _ in 0..1000 {
            last = c.schedule(&t, ms(0), 1500);
        }
        assert_eq!(last, Instant::from_micros(1_001_500));
    }
}
