//! The data sender of an association: chunks in flight, SACK processing (RFC 9260 §6.2.1),
//! RTT sampling (§6.3.1 C4, C5), fast retransmit and recovery (§7.2.4) and marking for
//! retransmission after a timeout (§6.3.3).
//!
//! Chunks are kept from the Cumulative TSN Ack Point up, in a deque indexed by unwrapped
//! TSN. Gap-acknowledged and marked-for-retransmission TSNs are also kept as ranges, so a
//! SACK costs the chunks it newly acknowledges and the holes below its highest newly
//! acknowledged TSN, never a rescan of the window. The application's bytes become one
//! message per chunk of `message_size` octets (the last one shorter), cut when sent.

use super::config::SctpConfig;
use super::path::{Path, PathState};
use super::recv::unwrap_tsn;
use crate::tcp::ranges::RangeSet;
use crate::wire::sctp::{DataRun, SackRepr, MAX_ADDRS};
use sim_core::Instant;
use std::collections::VecDeque;

/// Flag: acknowledged by a Gap Ack Block.
const GAP_ACKED: u8 = 1;
/// Flag: marked for retransmission.
const MARKED: u8 = 2;
/// Flag: sent more than once (Karn: no RTT sample).
const RETRANSMITTED: u8 = 4;
/// Flag: fast-retransmitted once already (§7.2.4: at most once).
const FAST_DONE: u8 = 8;
/// Flag: marked by a T3-rtx timeout (retransmitted to an alternate destination, §6.4.1).
const BY_TIMEOUT: u8 = 16;

/// One DATA chunk in flight.
#[derive(Clone, Copy, Debug)]
struct Chunk {
    len: u16,
    /// The destination it was last sent to.
    path: u8,
    flags: u8,
    /// §7.2.4 miss indications.
    misses: u8,
}

/// What a SACK changed, for the association to act on.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SackEffect {
    /// Some chunk was newly acknowledged.
    pub(crate) acked_any: bool,
    /// Paths with newly acknowledged chunks (bit per path index).
    pub(crate) acked_paths: u8,
    /// Chunks newly marked for fast retransmission.
    pub(crate) fast_marked: u32,
}

/// The sending half of an association.
#[derive(Clone, Debug)]
pub(crate) struct SendQueue {
    /// Unwrapped TSN of `chunks[0]` (the Cumulative TSN Ack Point + 1).
    base: u64,
    chunks: VecDeque<Chunk>,
    gap_acked: RangeSet,
    marked: RangeSet,
    /// Octets written by the application and not yet put in a chunk.
    unsent: u64,
    /// Octets written by the application.
    pub(crate) written: u64,
    /// Octets acknowledged cumulatively.
    pub(crate) acked: u64,
    /// Octets in chunks neither cumulatively nor gap acknowledged.
    outstanding: u64,
    /// §6.2.1: the peer's receive window as last advertised, less what was sent since.
    peer_rwnd: u64,
    /// §7.2.4: the Fast Recovery exit point, while in Fast Recovery.
    fast_recovery: Option<u64>,
    /// The unwrapped initial TSN (SSNs count messages from it).
    initial: u64,
    /// Newly gap-acknowledged spans of the SACK being processed (reused).
    scratch: Vec<(u64, u64)>,
    /// Octets sent, retransmitted; chunks retransmitted; fast retransmit episodes.
    pub(crate) sent: u64,
    pub(crate) retransmitted: u64,
    pub(crate) chunks_retransmitted: u64,
    pub(crate) fast_retransmits: u64,
}

impl SendQueue {
    /// A sender starting at `initial_tsn`, the peer advertising `peer_rwnd`.
    pub(crate) fn new(initial_tsn: u32, peer_rwnd: u32) -> SendQueue {
        SendQueue {
            base: (1u64 << 32) + u64::from(initial_tsn),
            chunks: VecDeque::new(),
            gap_acked: RangeSet::new(),
            marked: RangeSet::new(),
            unsent: 0,
            written: 0,
            acked: 0,
            outstanding: 0,
            peer_rwnd: u64::from(peer_rwnd),
            fast_recovery: None,
            initial: (1u64 << 32) + u64::from(initial_tsn),
            scratch: Vec::new(),
            sent: 0,
            retransmitted: 0,
            chunks_retransmitted: 0,
            fast_retransmits: 0,
        }
    }

    /// The application writes up to `bytes` octets, as far as `snd_buf` has room.
    pub(crate) fn write(&mut self, bytes: u64, snd_buf: u64) -> u64 {
        let room = snd_buf.saturating_sub(self.written - self.acked);
        let n = bytes.min(room);
        self.written += n;
        self.unsent += n;
        n
    }

    /// Octets not yet put in a chunk.
    pub(crate) fn unsent(&self) -> u64 {
        self.unsent
    }

    /// True when everything written has been acknowledged.
    pub(crate) fn all_acked(&self) -> bool {
        self.unsent == 0 && self.chunks.is_empty()
    }

    /// The next TSN to assign (unwrapped).
    fn next_tsn(&self) -> u64 {
        self.base + self.chunks.len() as u64
    }

    /// Leaves Fast Recovery (a T3-rtx timeout ends it, as in Linux).
    pub(crate) fn end_fast_recovery(&mut self) {
        self.fast_recovery = None;
    }

    /// §6.1 A: whether `len` more octets may be sent under the peer's window (one chunk may
    /// always go when nothing is outstanding: the zero-window probe).
    fn rwnd_allows(&self, len: u64) -> bool {
        len <= self.peer_rwnd || self.outstanding == 0
    }

    /// The lowest TSN marked for retransmission, its length and the destination it was last
    /// sent to, and whether a timeout marked it.
    pub(crate) fn first_marked(&mut self) -> Option<(u64, u16, usize, bool)> {
        while let Some((s, _)) = self.marked.first() {
            match self.chunks.get((s - self.base) as usize) {
                Some(c) if c.flags & MARKED != 0 => {
                    return Some((s, c.len, usize::from(c.path), c.flags & BY_TIMEOUT != 0))
                }
                _ => self.marked.remove_below(s + 1, |_, _| {}),
            }
        }
        None
    }

    /// Retransmits up to `max` consecutive marked chunks of equal length from the lowest to
    /// `path`; with `ignore_cwnd` false, only while the destination's flight is below its
    /// window. Returns the run to send.
    pub(crate) fn take_retransmission(
        &mut self,
        path: usize,
        paths: &mut [Path],
        max: u16,
        ignore_cwnd: bool,
    ) -> Option<DataRun> {
        let (first, len, _, _) = self.first_marked()?;
        let mut count = 0u16;
        while count < max {
            let tsn = first + u64::from(count);
            let Some(c) = self.chunks.get_mut((tsn - self.base) as usize) else {
                break;
            };
            let p = &mut paths[path];
            let window_ok = (ignore_cwnd && count == 0) || p.flight < p.cwnd;
            if c.flags & MARKED == 0 || c.len != len || !window_ok {
                break;
            }
            if c.flags & BY_TIMEOUT == 0 {
                c.flags |= FAST_DONE;
            }
            c.flags = (c.flags & !(MARKED | BY_TIMEOUT)) | RETRANSMITTED;
            c.path = path as u8;
            c.misses = 0;
            p.flight += u64::from(len);
            if p.rtt_probe.is_some_and(|(t, _)| t == tsn) {
                p.rtt_probe = None;
            }
            count += 1;
        }
        if count == 0 {
            return None;
        }
        self.marked
            .remove_below(first + u64::from(count), |_, _| {});
        let bytes = u64::from(count) * u64::from(len);
        self.retransmitted += bytes;
        self.chunks_retransmitted += u64::from(count);
        self.sent += bytes;
        self.peer_rwnd = self.peer_rwnd.saturating_sub(bytes);
        Some(self.run(first, count, len))
    }

    /// Sends up to `max` new chunks to `path`, each only while the destination's flight is
    /// below its window and the peer's window has room. Returns the run to send.
    pub(crate) fn take_new(
        &mut self,
        now: Instant,
        path: usize,
        paths: &mut [Path],
        max: u16,
        cfg: &SctpConfig,
    ) -> Option<DataRun> {
        let msg = u64::from(cfg.message_size.clamp(1, cfg.pmdcs().max(1)));
        let len = self.unsent.min(msg);
        if len == 0 {
            return None;
        }
        let first = self.next_tsn();
        let mut count = 0u16;
        let p = &mut paths[path];
        while count < max && self.unsent >= len && p.flight < p.cwnd && self.rwnd_allows(len) {
            self.chunks.push_back(Chunk {
                len: len as u16,
                path: path as u8,
                flags: 0,
                misses: 0,
            });
            self.unsent -= len;
            self.outstanding += len;
            self.peer_rwnd = self.peer_rwnd.saturating_sub(len);
            self.sent += len;
            p.flight += len;
            count += 1;
        }
        if count == 0 {
            return None;
        }
        if p.rtt_probe.is_none() {
            p.rtt_probe = Some((first, now));
        }
        Some(self.run(first, count, len as u16))
    }

    fn run(&self, first: u64, count: u16, len: u16) -> DataRun {
        DataRun {
            first_tsn: first as u32,
            count,
            len,
            stream: 0,
            // Whole messages on stream 0 in order: the SSN advances with the TSN.
            first_ssn: (first - self.initial) as u16,
            ppid: 0,
        }
    }

    /// §6.3.3 E3 and Linux's `sctp_retransmit_mark`: every chunk outstanding on `path` is
    /// marked for retransmission (to an alternate destination) and leaves its flight.
    pub(crate) fn mark_path_for_timeout(&mut self, path: usize, paths: &mut [Path]) -> u32 {
        let mut n = 0;
        for (k, c) in self.chunks.iter_mut().enumerate() {
            if usize::from(c.path) != path || c.flags & (GAP_ACKED | MARKED) != 0 {
                continue;
            }
            c.flags |= MARKED | BY_TIMEOUT;
            let tsn = self.base + k as u64;
            self.marked.insert(tsn, tsn + 1);
            paths[path].flight = paths[path].flight.saturating_sub(u64::from(c.len));
            n += 1;
        }
        paths[path].rtt_probe = None;
        n
    }

    /// Processes a SACK (§6.2.1) received at `now`. RTT samples, window growth (§7.2.1,
    /// §7.2.2), the T3-rtx rules R2 and R3 (§6.3.2) and miss indications with the HTNA rule
    /// (§7.2.4) are applied to `paths`.
    pub(crate) fn on_sack(
        &mut self,
        now: Instant,
        sack: &SackRepr,
        paths: &mut [Path],
        cfg: &SctpConfig,
    ) -> SackEffect {
        let mut fx = SackEffect::default();
        let cum = unwrap_tsn(sack.cum_tsn, self.base - 1);
        if cum < self.base - 1 || cum >= self.next_tsn() {
            // Out of date, or acknowledging what was never sent: ignored.
            return fx;
        }
        let mut flight_before = [0u64; MAX_ADDRS];
        let mut acked = [0u64; MAX_ADDRS];
        let mut cum_acked = [false; MAX_ADDRS];
        for (k, p) in paths.iter().enumerate().take(MAX_ADDRS) {
            flight_before[k] = p.flight;
        }
        let mut htna: Option<u64> = None;
        while self.base <= cum {
            let Some(c) = self.chunks.pop_front() else {
                break;
            };
            let tsn = self.base;
            self.base += 1;
            self.acked += u64::from(c.len);
            if c.flags & GAP_ACKED == 0 {
                // R3: a chunk outstanding on its path is acknowledged cumulatively, so the
                // path's earliest outstanding chunk is too.
                cum_acked[usize::from(c.path)] = true;
                self.newly_acked(now, tsn, c, paths, &mut acked, cfg);
                htna = Some(tsn);
            }
        }
        self.gap_acked.remove_below(self.base, |_, _| {});
        self.marked.remove_below(self.base, |_, _| {});
        for &(s, e) in sack.gaps() {
            let (lo, hi) = (
                cum + u64::from(s),
                (cum + u64::from(e) + 1).min(self.next_tsn()),
            );
            if lo >= hi || lo < self.base {
                continue;
            }
            let mut spans = std::mem::take(&mut self.scratch);
            spans.clear();
            self.gap_acked
                .insert_with(lo, hi, |a, b| spans.push((a, b)));
            for &(a, b) in &spans {
                for tsn in a..b {
                    let c = &mut self.chunks[(tsn - self.base) as usize];
                    c.flags |= GAP_ACKED;
                    let c = *c;
                    self.newly_acked(now, tsn, c, paths, &mut acked, cfg);
                    htna = Some(htna.map_or(tsn, |h| h.max(tsn)));
                }
            }
            self.scratch = spans;
        }
        if self.fast_recovery.is_some_and(|x| cum >= x) {
            self.fast_recovery = None;
        }
        let mtu = u64::from(cfg.mtu);
        for (k, p) in paths.iter_mut().enumerate().take(MAX_ADDRS) {
            if acked[k] > 0 {
                p.raise_cwnd(
                    acked[k],
                    flight_before[k],
                    self.fast_recovery.is_some(),
                    mtu,
                );
                fx.acked_paths |= 1 << k;
                fx.acked_any = true;
            }
            // R2: nothing outstanding, timer off; R3: progress, restarted.
            if p.flight == 0 {
                p.t3 = None;
                p.partial_bytes_acked = 0;
            } else if cum_acked[k] {
                p.t3 = Some(now + p.rto);
            }
        }
        if let Some(h) = htna {
            fx.fast_marked = self.count_misses(h, paths, mtu);
        }
        self.peer_rwnd = u64::from(sack.a_rwnd).saturating_sub(self.outstanding);
        fx
    }

    /// Accounting for chunk `tsn` acknowledged for the first time.
    fn newly_acked(
        &mut self,
        now: Instant,
        tsn: u64,
        c: Chunk,
        paths: &mut [Path],
        acked: &mut [u64; MAX_ADDRS],
        cfg: &SctpConfig,
    ) {
        let len = u64::from(c.len);
        let p = &mut paths[usize::from(c.path)];
        self.outstanding -= len;
        if c.flags & MARKED == 0 {
            p.flight = p.flight.saturating_sub(len);
        }
        acked[usize::from(c.path)] += len;
        if let Some((t, at)) = p.rtt_probe {
            if t == tsn {
                p.rtt_probe = None;
                // C5 (Karn): never from a retransmitted chunk.
                if c.flags & RETRANSMITTED == 0 {
                    p.on_rtt_sample(now.saturating_duration_since(at), cfg);
                }
            }
        }
    }

    /// §7.2.4 with HTNA: one miss indication for every TSN still missing below `htna`; the
    /// third marks it for fast retransmission and, outside Fast Recovery, halves the window of
    /// the destination it was sent to and enters Fast Recovery. Returns the chunks marked.
    fn count_misses(&mut self, htna: u64, paths: &mut [Path], mtu: u64) -> u32 {
        let mut marked = 0;
        let mut lossy: u8 = 0;
        let mut tsn = self.base;
        while tsn < htna {
            if let Some((_, e)) = self.gap_acked.containing(tsn) {
                tsn = e;
                continue;
            }
            let hole_end = self
                .gap_acked
                .next_after(tsn)
                .map_or(htna, |(s, _)| s)
                .min(htna);
            for t in tsn..hole_end {
                let c = &mut self.chunks[(t - self.base) as usize];
                if c.flags & (MARKED | FAST_DONE) != 0 {
                    continue;
                }
                c.misses = c.misses.saturating_add(1);
                if c.misses >= 3 {
                    c.flags |= MARKED;
                    let (len, p) = (u64::from(c.len), usize::from(c.path));
                    paths[p].flight = paths[p].flight.saturating_sub(len);
                    lossy |= 1 << p;
                    self.marked.insert(t, t + 1);
                    marked += 1;
                }
            }
            tsn = hole_end;
        }
        if marked > 0 && self.fast_recovery.is_none() {
            for (k, p) in paths.iter_mut().enumerate().take(MAX_ADDRS) {
                if lossy & (1 << k) != 0 {
                    p.on_fast_loss(mtu);
                }
            }
            self.fast_recovery = Some(self.next_tsn() - 1);
            self.fast_retransmits += 1;
        }
        marked
    }

    /// Sets the peer's window (from the handshake).
    pub(crate) fn set_peer_rwnd(&mut self, rwnd: u32) {
        self.peer_rwnd = u64::from(rwnd);
    }

    /// Whether a path in `state` may carry retransmissions in preference to the path new
    /// data takes (RFC 7829 §5: not a potentially failed one).
    pub(crate) fn usable(state: PathState) -> bool {
        state == PathState::Active
    }
}
