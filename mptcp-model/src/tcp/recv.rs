//! Receive side: reassembly by ranges, SACK block generation, delayed ACKs, the advertised
//! window and its scaling.
//!
//! Positions are `u64` offsets from the peer's ISN (its SYN is offset 0, the first data octet
//! offset 1). Payload octets are not stored: delivering means counting.

use super::ranges::RangeSet;
use super::TcpConfig;
use sim_core::Instant;

/// Most SACK blocks remembered (RFC 2018 §3).
const SACK_LIST: usize = 4;

/// Receive-side state.
///
/// In declaration order (`repr(C)`, see `TcpSocket`'s layout): what every visit reads first,
/// the SACK list (kept only while out-of-order data arrives) at the end.
#[derive(Clone, Debug)]
#[repr(C)]
pub(crate) struct RecvState {
    /// Delayed-ACK deadline.
    pub(crate) delack_at: Option<Instant>,
    fin_at: Option<u64>,
    /// RCV.NXT as an offset.
    pub(crate) nxt: u64,
    ooo: RangeSet,
    /// In-order bytes not yet read by the application.
    pub(crate) unread: u64,
    buf: u64,
    /// The highest right edge ever advertised (the window never shrinks, RFC 9293 §3.8.6).
    right_edge: u64,
    pending_bytes: u64,
    /// RCV.NXT carried by the last ACK sent (RFC 7323 `Last.ACK.sent`).
    pub(crate) last_ack_sent: u64,
    /// RFC 7323 `TS.Recent`.
    pub(crate) ts_recent: u32,
    /// Our window-scale shift (what the peer applies to our window field).
    pub(crate) wscale: u8,
    /// The peer's FIN has been received in order.
    pub(crate) fin_received: bool,
    /// The right edge still comes from the (unscaled, at most 64 KiB) SYN window.
    syn_window: bool,
    /// An ACK must go out now.
    pub(crate) ack_now: bool,
    /// Accept data beyond the advertised right edge (an MPTCP subflow: the shared window
    /// is enforced at the data level, RFC 8684 §3.3.5).
    pub(crate) unbounded: bool,
    /// Starts of the most recently reported SACK blocks, most recent first (RFC 2018 §4).
    sack_recent: [u64; SACK_LIST],
    sack_len: usize,
    /// In-order payload bytes delivered in total.
    pub(crate) delivered: u64,
}

/// What a received segment did.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RecvOutcome {
    /// In-order payload bytes newly delivered.
    pub(crate) delivered: u64,
    /// The FIN was consumed by this segment.
    pub(crate) fin: bool,
}

impl RecvState {
    /// Receive state with a `buf`-byte buffer, before the peer's SYN is known.
    pub(crate) fn new(buf: u32, wscale: u8) -> Self {
        RecvState {
            nxt: 0,
            ooo: RangeSet::new(),
            sack_recent: [0; SACK_LIST],
            sack_len: 0,
            unread: 0,
            delivered: 0,
            fin_at: None,
            fin_received: false,
            buf: u64::from(buf),
            wscale,
            right_edge: 0,
            syn_window: true,
            pending_bytes: 0,
            delack_at: None,
            ack_now: false,
            last_ack_sent: 0,
            ts_recent: 0,
            unbounded: false,
        }
    }

    /// The peer's SYN (offset 0) was received.
    pub(crate) fn on_syn(&mut self, tsval: Option<u32>) {
        self.nxt = 1;
        self.last_ack_sent = 1;
        self.ts_recent = tsval.unwrap_or(0);
    }

    /// Bytes of free buffer.
    fn free(&self) -> u64 {
        self.buf.saturating_sub(self.unread)
    }

    /// Processes the payload `[s, s + len)` and FIN flag of an acceptable segment.
    #[inline]
    pub(crate) fn on_segment(
        &mut self,
        now: Instant,
        s: u64,
        len: u64,
        fin: bool,
        cfg: &TcpConfig,
        rcv_mss: u64,
    ) -> RecvOutcome {
        let mut out = RecvOutcome::default();
        let edge = if self.unbounded {
            u64::MAX >> 2
        } else {
            self.right_edge.max(self.nxt)
        };
        if len == 0 && !fin {
            // RFC 9293 §3.10.7.4: an unacceptable segment (a window probe) elicits an ACK.
            if s < self.nxt || s > edge {
                self.ack_now = true;
            }
            return out;
        }
        let (lo, hi) = (s.max(self.nxt), (s + len).min(edge));
        if fin && s + len <= edge {
            self.fin_at = Some(s + len);
        }
        if hi <= lo {
            // Duplicate or outside the window: immediate (duplicate) ACK.
            self.ack_now = true;
        } else if lo == self.nxt {
            out.delivered = self.deliver_in_order(now, hi, cfg, rcv_mss);
        } else {
            self.ooo.insert(lo, hi);
            self.note_sack(lo);
            // RFC 5681 §4.2: out-of-order data is ACKed at once.
            self.ack_now = true;
        }
        if self.fin_at == Some(self.nxt) && !self.fin_received {
            self.nxt += 1;
            self.fin_received = true;
            self.ack_now = true;
            out.fin = true;
        }
        out
    }

    #[inline]
    fn deliver_in_order(&mut self, now: Instant, hi: u64, cfg: &TcpConfig, rcv_mss: u64) -> u64 {
        let old = self.nxt;
        self.nxt = hi;
        let had_gap = !self.ooo.is_empty();
        if let Some((a, b)) = self.ooo.first() {
            if a <= self.nxt {
                self.nxt = self.nxt.max(b);
            }
        }
        let nxt = self.nxt;
        self.ooo.remove_below(nxt, |_, _| {});
        let delivered = self.nxt - old;
        self.unread += delivered;
        self.delivered += delivered;
        self.pending_bytes += delivered;
        if had_gap || !cfg.delayed_ack {
            // RFC 5681 §4.2: ACK at once when a segment fills (part of) a gap.
            self.ack_now = true;
        } else if self.pending_bytes >= u64::from(cfg.ack_every.max(1)) * rcv_mss {
            // RFC 1122 §4.2.3.2: at least every second full-sized segment.
            self.ack_now = true;
        } else if self.delack_at.is_none() {
            self.delack_at = Some(now + cfg.delack_timeout);
        }
        delivered
    }

    /// RFC 2018 §4: the block holding the newest segment goes first, then earlier reported
    /// blocks (those not subsumed by it).
    fn note_sack(&mut self, lo: u64) {
        let Some((start, end)) = self.ooo.containing(lo) else {
            return;
        };
        let mut list = [0u64; SACK_LIST];
        list[0] = start;
        let mut n = 1;
        for &old in &self.sack_recent[..self.sack_len] {
            if n < SACK_LIST && !(start..end).contains(&old) {
                list[n] = old;
                n += 1;
            }
        }
        self.sack_recent = list;
        self.sack_len = n;
    }

    /// The current SACK blocks (offsets), at most `max`, most recent first.
    pub(crate) fn sack_blocks(&self, max: usize, mut f: impl FnMut(u64, u64)) {
        let mut emitted = [(0u64, 0u64); SACK_LIST];
        let mut n = 0;
        for &start in &self.sack_recent[..self.sack_len] {
            if n >= max {
                break;
            }
            if let Some(r) = self.ooo.containing_near_top(start) {
                if !emitted[..n].contains(&r) {
                    emitted[n] = r;
                    n += 1;
                    f(r.0, r.1);
                }
            }
        }
    }

    /// True when there is out-of-order data (SACK blocks to report).
    pub(crate) fn has_ooo(&self) -> bool {
        !self.ooo.is_empty()
    }

    /// The window field for a non-SYN segment (RFC 7323 §2.3: scaled down by `wscale`),
    /// never moving the right edge left; `shared` replaces the socket's own free space with
    /// a window the owner computes (MPTCP: relative to the data ACK, RFC 8684 §3.3.5).
    pub(crate) fn window_field(&mut self, shared: Option<u64>) -> u16 {
        let shift = u32::from(self.wscale);
        if let Some(w) = shared {
            self.syn_window = false;
            return (w >> shift).min(0xffff) as u16;
        }
        let mut field = (self.free() >> shift).min(0xffff);
        if self.nxt + (field << shift) < self.right_edge {
            field = ((self.right_edge - self.nxt) >> shift).min(0xffff);
        }
        self.right_edge = self.right_edge.max(self.nxt + (field << shift));
        self.syn_window = false;
        field as u16
    }

    /// The window field for a SYN or SYN-ACK (never scaled, RFC 7323 §2.2).
    pub(crate) fn syn_window_field(&mut self) -> u16 {
        let field = self.free().min(0xffff);
        self.right_edge = self.right_edge.max(self.nxt + field);
        field as u16
    }

    /// An ACK carrying RCV.NXT was just sent.
    pub(crate) fn on_ack_sent(&mut self) {
        self.pending_bytes = 0;
        self.delack_at = None;
        self.ack_now = false;
        self.last_ack_sent = self.nxt;
    }

    /// The application consumed all unread bytes; returns how many. Sends a window update
    /// when the window grows from at most half the buffer to at least double (as Linux's
    /// `tcp_cleanup_rbuf`) by at least `min(buf/2, rcv_mss)` (RFC 1122 §4.2.3.3) — except
    /// while only the SYN's unscaled window was advertised and at least two segments of it
    /// remain: the next ACK opens the full window anyway.
    pub(crate) fn read(&mut self, rcv_mss: u64) -> u64 {
        self.read_up_to(u64::MAX, rcv_mss)
    }

    /// As [`Self::read`], at most `max` bytes.
    pub(crate) fn read_up_to(&mut self, max: u64, rcv_mss: u64) -> u64 {
        let n = self.unread.min(max);
        self.unread -= n;
        if self.unbounded {
            return n;
        }
        let cur = self.right_edge.saturating_sub(self.nxt);
        let new = self.free();
        let grows = cur <= self.buf / 2 && new >= 2 * cur && new - cur >= rcv_mss.min(self.buf / 2);
        let syn_only = self.syn_window && cur >= 2 * rcv_mss;
        if n > 0 && grows && !syn_only {
            self.ack_now = true;
        }
        n
    }

    /// Delayed-ACK timer check.
    pub(crate) fn on_timeout(&mut self, now: Instant) {
        if self.delack_at.is_some_and(|t| t <= now) {
            self.delack_at = None;
            self.ack_now = true;
        }
    }
}
