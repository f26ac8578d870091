//! The data-level send side: the connection's send buffer in the 64-bit data sequence
//! space, the peer's shared window, and the reinjection queue.
//!
//! Positions are `u64` offsets from our IDSN (RFC 8684 §3.1): offset 0 is the IDSN (the SYN
//! at the data level), the first data byte is offset 1, our DATA_FIN (once the application
//! closed) takes the offset `app_end`. On the wire a position is `IDSN + offset` modulo 2^64.
//! Data is handed to subflows in chunks ([`DataSend::next_chunk`] / [`DataSend::commit`]);
//! everything in `[una, nxt)` was handed out and is kept until the DATA_ACK covers it.
//! [`DataSend::reinject`] holds ranges to re-send on another subflow (their first subflow
//! failed); it is served before new data. Where each queued range came from is kept beside
//! it (by start offset, pruned as the DATA_ACK passes), for the reinjection events.

use crate::tcp::ranges::RangeSet;
use std::collections::BTreeMap;

/// Data-level send state.
#[derive(Clone, Debug)]
pub(crate) struct DataSend {
    /// Our IDSN.
    pub(crate) idsn: u64,
    /// DATA_UNA: the first offset not acknowledged at the data level.
    pub(crate) una: u64,
    /// The next offset never handed to a subflow.
    pub(crate) nxt: u64,
    /// One past the last byte the application wrote.
    pub(crate) app_end: u64,
    /// The application closed: a DATA_FIN at `app_end` follows the data.
    pub(crate) fin_queued: bool,
    /// Highest right edge the peer offered: it may receive up to (not including) this
    /// offset (DATA_ACK + window, RFC 8684 §3.3.5; never moved left).
    pub(crate) right_edge: u64,
    /// The window last advertised (bytes).
    pub(crate) peer_window: u64,
    /// Ranges to reinject.
    pub(crate) reinject: RangeSet,
    /// The subflow (number) each range queued for reinjection came from: start offset ->
    /// (end offset, subflow). Overlapping ranges keep the latest holder.
    reinject_from: BTreeMap<u64, (u64, u32)>,
    snd_buf: u64,
    /// Bytes handed to subflows (each mapping once), reinjections included.
    pub(crate) sent: u64,
    /// Bytes reinjected (after a subflow failure, and opportunistic retransmissions).
    pub(crate) reinjected: u64,
    /// Extra copies handed out by the redundant scheduler (bytes beyond the first copy).
    pub(crate) redundant: u64,
}

impl DataSend {
    /// A send side with IDSN `idsn`, a `snd_buf`-byte buffer and an initial peer window.
    pub(crate) fn new(idsn: u64, snd_buf: u32, initial_window: u64) -> Self {
        DataSend {
            idsn,
            una: 1,
            nxt: 1,
            app_end: 1,
            fin_queued: false,
            right_edge: 1 + initial_window,
            peer_window: initial_window,
            reinject: RangeSet::new(),
            reinject_from: BTreeMap::new(),
            snd_buf: u64::from(snd_buf),
            sent: 0,
            reinjected: 0,
            redundant: 0,
        }
    }

    /// The window of the peer's SYN or SYN-ACK (RFC 7323: never scaled), until its first
    /// DATA_ACK.
    pub(crate) fn set_initial_window(&mut self, wnd: u64) {
        self.peer_window = wnd;
        self.right_edge = self.right_edge.max(self.una + wnd);
    }

    /// Bytes data-acknowledged.
    pub(crate) fn acked(&self) -> u64 {
        self.una.min(self.app_end) - 1
    }

    /// Free space in the send buffer.
    pub(crate) fn space(&self) -> u64 {
        if self.fin_queued {
            return 0;
        }
        self.snd_buf
            .saturating_sub(self.app_end - self.una.min(self.app_end))
    }

    /// The application writes up to `n` bytes; returns how many were accepted.
    pub(crate) fn write(&mut self, n: u64) -> u64 {
        let n = n.min(self.space());
        self.app_end += n;
        n
    }

    /// Our DATA_FIN offset, once every byte has been handed out.
    pub(crate) fn fin_to_send(&self) -> Option<u64> {
        (self.fin_queued && self.nxt >= self.app_end && !self.fin_acked()).then_some(self.app_end)
    }

    /// The DATA_FIN was acknowledged.
    pub(crate) fn fin_acked(&self) -> bool {
        self.fin_queued && self.una > self.app_end
    }

    /// Data in flight at the data level: handed out and not data-acknowledged.
    pub(crate) fn in_flight(&self) -> u64 {
        self.nxt - self.una.min(self.nxt)
    }

    /// A DATA_ACK for offset `ack` with a window of `wnd` bytes (RFC 8684 §3.3.5).
    /// Returns the bytes newly acknowledged. Acks of data never sent are ignored.
    pub(crate) fn on_data_ack(&mut self, ack: u64, wnd: u64) -> u64 {
        let limit = self.nxt.max(self.app_end) + u64::from(self.fin_queued);
        if ack > limit || ack < self.una {
            return 0;
        }
        let newly = ack - self.una;
        self.una = ack;
        self.reinject.remove_below(ack, |_, _| {});
        if !self.reinject_from.is_empty() {
            self.forget_origins_below(ack);
        }
        self.peer_window = wnd;
        self.right_edge = self.right_edge.max(ack.saturating_add(wnd));
        newly
    }

    /// The next chunk to hand out: `(start, available bytes, is a reinjection)`; new data
    /// only below the peer's right edge (the sender never schedules DSN >= DATA_UNA +
    /// window).
    pub(crate) fn next_chunk(&self) -> Option<(u64, u64, bool)> {
        if let Some((s, e)) = self.reinject.first() {
            return Some((s, e - s, true));
        }
        let end = self.app_end.min(self.right_edge);
        (self.nxt < end).then(|| (self.nxt, end - self.nxt, false))
    }

    /// `[start, start + len)` was handed to a subflow.
    pub(crate) fn commit(&mut self, start: u64, len: u64, reinjection: bool) {
        if reinjection {
            // next_chunk served the lowest range, so this removes exactly [start, start + len).
            self.reinject.remove_below(start + len, |_, _| {});
            self.reinjected += len;
        } else {
            debug_assert_eq!(start, self.nxt);
            self.nxt = start + len;
        }
        self.sent += len;
    }

    /// Queues `[s, e)` (handed to subflow `from`, which failed) for reinjection, clipped
    /// to what is still unacknowledged.
    pub(crate) fn queue_reinjection(&mut self, s: u64, e: u64, from: u32) {
        let (s, e) = (s.max(self.una), e.min(self.nxt));
        if s < e {
            self.reinject.insert(s, e);
            self.reinject_from.insert(s, (e, from));
        }
    }

    /// Forgets the origins of reinjection ranges entirely below `ack` (acknowledged).
    #[cold]
    fn forget_origins_below(&mut self, ack: u64) {
        while let Some((_, &(end, _))) = self.reinject_from.first_key_value() {
            if end > ack {
                break;
            }
            self.reinject_from.pop_first();
        }
    }

    /// The subflow (number) offset `off`, queued for reinjection, came from.
    pub(crate) fn reinjected_from(&self, off: u64) -> Option<u32> {
        let (_, &(end, from)) = self.reinject_from.range(..=off).next_back()?;
        (off < end).then_some(from)
    }

    /// The wire DSN of offset `off`.
    pub(crate) fn dsn(&self, off: u64) -> u64 {
        self.idsn.wrapping_add(off)
    }

    /// The offset of a 64-bit wire DATA_ACK, or of a 32-bit one expanded near DATA_UNA.
    pub(crate) fn ack_offset(&self, v: crate::wire::mptcp::SeqField) -> u64 {
        expand(v, self.idsn, self.una)
    }
}

/// The offset (from `base`) of a wire data sequence value: 8-octet values are exact,
/// 4-octet ones (RFC 8684 §3.3.1: the low 32 bits) are expanded to the candidate closest to
/// `near`.
pub(crate) fn expand(v: crate::wire::mptcp::SeqField, base: u64, near: u64) -> u64 {
    use crate::wire::mptcp::SeqField;
    match v {
        SeqField::Long(x) => x.wrapping_sub(base),
        SeqField::Short(x) => {
            let low = crate::wire::SeqNum(x);
            low.to_offset(crate::wire::SeqNum(base as u32), near)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_bounds_new_data_and_reinjection_comes_first() {
        let mut s = DataSend::new(1000, 100_000, 5_000);
        assert_eq!(s.write(20_000), 20_000);
        assert_eq!(s.next_chunk(), Some((1, 5_000, false)));
        s.commit(1, 1_400, false);
        s.commit(1_401, 1_400, false);
        assert_eq!(s.next_chunk(), Some((2_801, 2_200, false)));
        s.queue_reinjection(1, 1_401, 3);
        assert_eq!(s.reinjected_from(1_000), Some(3));
        assert_eq!(s.reinjected_from(1_401), None);
        assert_eq!(s.next_chunk(), Some((1, 1_400, true)));
        s.commit(1, 1_000, true);
        assert_eq!(s.next_chunk(), Some((1_001, 400, true)));
        // The DATA_ACK moves the edge and clears reinjection below it.
        assert_eq!(s.on_data_ack(1_201, 5_000), 1_200);
        assert_eq!(s.next_chunk(), Some((1_201, 200, true)));
        assert_eq!(s.right_edge, 6_201);
        // An older ACK with a smaller window never moves the edge left.
        assert_eq!(s.on_data_ack(1_201, 10), 0);
        assert_eq!(s.right_edge, 6_201);
        assert_eq!(s.on_data_ack(99_999, 10), 0, "acks data never sent");
        assert_eq!((s.sent, s.reinjected, s.in_flight()), (3_800, 1_000, 1_600));
        assert_eq!(s.dsn(1), 1001);
    }
}
