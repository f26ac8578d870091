//! The data-level receive side: reassembly in the 64-bit data sequence space by sorted
//! ranges, the shared receive buffer, the DATA_ACK and the peer's DATA_FIN.
//!
//! Positions are `u64` offsets from the peer's IDSN (its first data byte is offset 1).
//! Every subflow hands the DSN ranges it receives to [`DataRecv::on_data`]; whatever arrives
//! twice (subflow retransmissions, reinjections) is counted once. In-order bytes are
//! delivered to the application exactly once. The window advertised on every subflow is
//! [`DataRecv::window`]: the buffer less the bytes delivered but unread, relative to the
//! DATA_ACK (RFC 8684 §3.3.5), so the out-of-order queue never exceeds the buffer either.
//! Per-segment cost: O(log n) in the number of out-of-order ranges.

use super::hol::HolTracker;
use crate::tcp::ranges::RangeSet;
use sim_core::Instant;

/// Data-level receive state.
#[derive(Clone, Debug)]
pub(crate) struct DataRecv {
    /// The peer's IDSN, once its key is known.
    pub(crate) idsn: Option<u64>,
    /// The DATA_ACK: next in-order offset expected.
    pub(crate) ack: u64,
    ooo: RangeSet,
    /// Delivered in order, not yet read by the application.
    pub(crate) unread: u64,
    /// Delivered in order in total.
    pub(crate) delivered: u64,
    buf: u64,
    fin_at: Option<u64>,
    /// The peer's DATA_FIN was received in order.
    pub(crate) fin_received: bool,
    /// Bytes received that were already there (duplicates at the data level).
    pub(crate) duplicate: u64,
    /// The time of the segment being processed (set by the connection on input).
    pub(crate) now: Instant,
    /// Head-of-line delay per segment.
    pub(crate) hol: HolTracker,
    /// The peer's latest mapping carried a 64-bit DSN (our DATA_ACK is then 64 bits).
    pub(crate) ack64: bool,
}

impl DataRecv {
    /// A receive side with a `buf`-byte shared buffer.
    pub(crate) fn new(buf: u32) -> Self {
        DataRecv {
            idsn: None,
            ack: 1,
            ooo: RangeSet::new(),
            unread: 0,
            delivered: 0,
            buf: u64::from(buf),
            fin_at: None,
            fin_received: false,
            duplicate: 0,
            now: Instant::ZERO,
            hol: HolTracker::new(),
            ack64: false,
        }
    }

    /// The window to advertise (bytes beyond the DATA_ACK the peer may send).
    pub(crate) fn window(&self) -> u64 {
        self.buf.saturating_sub(self.unread)
    }

    /// Bytes waiting in the out-of-order queue.
    pub(crate) fn ooo_bytes(&self) -> u64 {
        self.ooo.total()
    }

    /// Data `[start, start + len)` arrived (on any subflow). Bytes beyond the window are
    /// dropped (a well-behaved sender never sends them). Returns bytes newly delivered.
    pub(crate) fn on_data(&mut self, start: u64, len: u64) -> u64 {
        let edge = self.ack + self.window();
        let (lo, hi) = (start.max(self.ack), (start + len).min(edge));
        self.duplicate += len - hi.saturating_sub(lo);
        if hi <= lo {
            return 0;
        }
        if lo == self.ack && self.ooo.first().is_none_or(|r| r.0 > hi) {
            // In order, nothing queued that it reaches: delivered without reassembly.
            self.hol.arrived(self.now, lo, true);
            self.ack = hi;
            return self.delivered_up_to(lo);
        }
        let added = self.ooo.insert(lo, hi);
        self.duplicate += (hi - lo) - added;
        if added > 0 {
            self.hol.arrived(self.now, lo, lo <= self.ack);
        }
        self.advance()
    }

    fn advance(&mut self) -> u64 {
        let old = self.ack;
        if let Some((a, b)) = self.ooo.first() {
            if a <= self.ack {
                self.ack = self.ack.max(b);
            }
        }
        let ack = self.ack;
        self.ooo.remove_below(ack, |_, _| {});
        self.delivered_up_to(old)
    }

    /// Accounts for the bytes from `old` to the DATA_ACK as delivered; returns how many.
    #[inline]
    fn delivered_up_to(&mut self, old: u64) -> u64 {
        let n = self.ack - old;
        if n > 0 {
            self.hol.delivered(self.now, self.ack);
        }
        self.unread += n;
        self.delivered += n;
        if self.fin_at == Some(self.ack) && !self.fin_received {
            self.ack += 1;
            self.fin_received = true;
        }
        n
    }

    /// The peer's DATA_FIN occupies offset `off`.
    pub(crate) fn on_data_fin(&mut self, off: u64) {
        if self.fin_at.is_none() && off >= self.ack {
            self.fin_at = Some(off);
            self.advance();
        }
    }

    /// The application reads everything delivered; returns how many bytes.
    pub(crate) fn read(&mut self) -> u64 {
        std::mem::take(&mut self.unread)
    }

    /// The application reads at most `max` of the bytes delivered; returns how many.
    pub(crate) fn read_up_to(&mut self, max: u64) -> u64 {
        let n = self.unread.min(max);
        self.unread -= n;
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reassembles_once_in_order_within_the_window() {
        let mut r = DataRecv::new(10_000);
        assert_eq!(r.on_data(1_001, 1_000), 0);
        assert_eq!(r.ooo_bytes(), 1_000);
        assert_eq!(r.on_data(1_001, 1_000), 0, "duplicate");
        assert_eq!(r.on_data(1, 1_000), 2_000);
        assert_eq!((r.ack, r.ooo_bytes(), r.duplicate), (2_001, 0, 1_000));
        assert_eq!(r.on_data(501, 2_000), 500);
        assert_eq!(r.window(), 10_000 - 2_500);
        // Beyond the window: dropped.
        assert_eq!(r.on_data(20_000, 100), 0);
        assert_eq!(r.ooo_bytes(), 0);
        assert_eq!(r.read(), 2_500);
        assert_eq!(r.window(), 10_000);
        r.on_data_fin(3_001);
        assert!(!r.fin_received);
        r.on_data(2_501, 500);
        assert!(r.fin_received);
        assert_eq!((r.ack, r.delivered), (3_002, 3_000));
    }
}
