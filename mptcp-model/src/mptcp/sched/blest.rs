//! BLEST, BLocking ESTimation (Ferlin, Alay, Mehani, Boreli: "BLEST: Blocking
//! Estimation-based MPTCP Scheduler for Heterogeneous Networks", IFIP Networking 2016;
//! `net/mptcp/mptcp_blest.c`, out-of-tree kernel v0.95).
//!
//! Start from the minRTT choice `s`. If it is not the fastest usable subflow `f` (whose
//! window is full), estimate how much `f` could send while a segment sent now on `s` is
//! still in flight, and wait for `f` when that would overrun the peer's window (the segment
//! on `s` would block the receive buffer):
//!
//! - linger on s: `L = max(srtt_s, min_srtt_s + (max_srtt_s − min_srtt_s)·(inflight_s+1)/cwnd_s)`
//!   in packets, or `max_srtt_s` when `inflight_s + 1 ≥ cwnd_s` (`blest_estimate_linger_time`);
//! - RTTs of f in that time: `k = ⌊L / avg_rtt_f⌋ + 1`, `avg_rtt_f = (min_srtt_f + max_srtt_f)/2`;
//! - packets f sends: `cwnd_f·(2^k − 1)` in initial slow start (k ≤ 16), else
//!   `(max(cwnd_f, ssthresh_f + 1) + (k−1)/2)·k` (`blest_estimate_bytes`);
//! - `fast_bytes = λ·mss_f·packets`; wait if `fast_bytes > snd_wnd − (seg_len + inflight_s)`,
//!   `inflight_s` counting everything written to s and not acknowledged.
//!
//! λ (in thousandths, start 1200, within [1000, 1300]) is updated before each such
//! comparison, at most once per `min_srtt_s`: +40 (`dyn_lambda_bad`) if an opportunistic
//! retransmission happened since the last update, else −10 (`dyn_lambda_good`).

use super::{slow_pick, Pick, SchedCtx, SchedView, Scheduler};
use sim_core::{Duration, Instant};

/// `lambda` module parameter: initial λ, thousandths (`mptcp_blest.c`: 12 tenths).
pub const LAMBDA_INIT: u64 = 1200;
/// `max_lambda`: 13 tenths.
pub const LAMBDA_MAX: u64 = 1300;
/// `min_lambda`: 10 tenths.
pub const LAMBDA_MIN: u64 = 1000;
/// `dyn_lambda_bad`: λ increase after opportunistic retransmissions, thousandths.
pub const LAMBDA_BAD: u64 = 40;
/// `dyn_lambda_good`: λ decrease otherwise, thousandths.
pub const LAMBDA_GOOD: u64 = 10;

/// The BLEST scheduler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blest {
    lambda: u64,
    last_update: Option<Instant>,
    seen_opp_rtx: u64,
}

impl Default for Blest {
    fn default() -> Self {
        Blest {
            lambda: LAMBDA_INIT,
            last_update: None,
            seen_opp_rtx: 0,
        }
    }
}

/// `blest_estimate_linger_time`: how long a segment sent now on `s` stays in flight.
pub fn linger(s: &SchedView) -> Duration {
    let inflight = s.in_flight_pkts() + 1;
    let cwnd = s.cwnd / s.mss.max(1);
    let est = if inflight >= cwnd || cwnd == 0 {
        s.srtt_max
    } else {
        let slope = s.srtt_max.saturating_sub(s.srtt_min).as_nanos();
        s.srtt_min + Duration::from_nanos(slope * inflight / cwnd)
    };
    est.max(s.srtt_or_zero())
}

/// `blest_estimate_bytes` without λ: segments `f` sends within `time`.
pub fn packets_within(f: &SchedView, time: Duration) -> u64 {
    let avg = (f.srtt_min.as_nanos() + f.srtt_max.as_nanos()) / 2;
    let k = time.as_nanos().checked_div(avg).map_or(1, |r| r + 1);
    let cwnd = f.cwnd / f.mss.max(1);
    if f.ssthresh == u64::MAX {
        cwnd.saturating_mul((1u64 << k.min(16)) - 1)
    } else {
        let ca = cwnd.max(f.ssthresh / f.mss.max(1) + 1);
        (ca + (k - 1) / 2).saturating_mul(k)
    }
}

impl Blest {
    /// λ, thousandths.
    pub fn lambda(&self) -> u64 {
        self.lambda
    }

    fn update_lambda(&mut self, ctx: &SchedCtx, s: &SchedView) {
        if self
            .last_update
            .is_some_and(|t| ctx.now.saturating_duration_since(t) < s.srtt_min)
        {
            return;
        }
        if ctx.opp_rtx > self.seen_opp_rtx {
            self.lambda = (self.lambda + LAMBDA_BAD).min(LAMBDA_MAX);
        } else {
            self.lambda = self.lambda.saturating_sub(LAMBDA_GOOD).max(LAMBDA_MIN);
        }
        self.seen_opp_rtx = ctx.opp_rtx;
        self.last_update = Some(ctx.now);
    }
}

impl Scheduler for Blest {
    fn pick(&mut self, ctx: &SchedCtx, subflows: &[SchedView]) -> Pick {
        let (si, fi) = match slow_pick(subflows) {
            Ok(pair) => pair,
            Err(pick) => return pick,
        };
        let (s, f) = (&subflows[si], &subflows[fi]);
        self.update_lambda(ctx, s);
        let packets = packets_within(f, linger(s));
        let fast_bytes = u128::from(self.lambda) * u128::from(f.mss) * u128::from(packets) / 1000;
        let slow_bytes = ctx.seg_len + s.in_flight + s.queued;
        let avail = ctx.peer_window.saturating_sub(slow_bytes);
        if fast_bytes > u128::from(avail) {
            Pick::Wait
        } else {
            Pick::One(si)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{full, sf};
    use super::*;

    #[test]
    fn refuses_the_slow_path_when_the_fast_window_opens_in_time() {
        let c = SchedCtx {
            peer_window: 100_000,
            ..SchedCtx::new(1_400)
        };
        // Fast (10 ms) full, slow (80 ms) free. Linger 80 ms ⇒ k = 9 RTTs of f; in CA
        // f sends (max(10, 10+1) + 4)·9 = 135 segments; ×1.19 (λ after one "good"
        // update) × 1400 ≈ 225 kB > 100 kB − 1400: wait for f.
        let v = [full(sf(10)), sf(80)];
        assert_eq!(packets_within(&v[0], linger(&v[1])), 135);
        let mut b = Blest::default();
        assert_eq!(b.pick(&c, &v), Pick::Wait);
        assert_eq!(b.lambda(), 1190);
        // A large window: the slow path is worth it.
        let big = SchedCtx {
            peer_window: 1_000_000,
            ..c
        };
        assert_eq!(b.pick(&big, &v), Pick::One(1));
        // The fast path has space: it is minRTT's pick anyway.
        assert_eq!(b.pick(&c, &[sf(10), sf(80)]), Pick::One(0));
        // Initial slow start: cwnd·(2^k − 1).
        let ss = SchedView {
            ssthresh: u64::MAX,
            ..sf(10)
        };
        assert_eq!(packets_within(&ss, Duration::from_millis(25)), 10 * 7);
    }

    #[test]
    fn lambda_adapts_at_most_once_per_min_srtt() {
        let v = [full(sf(10)), sf(80)];
        let mut b = Blest::default();
        let mut c = SchedCtx::new(1_400);
        let _ = b.pick(&c, &v);
        assert_eq!(b.lambda(), 1190);
        c.opp_rtx = 1;
        c.now = Instant::ZERO + Duration::from_millis(50);
        let _ = b.pick(&c, &v);
        assert_eq!(b.lambda(), 1190, "within min_srtt of the slow subflow");
        c.now = Instant::ZERO + Duration::from_millis(80);
        let _ = b.pick(&c, &v);
        assert_eq!(b.lambda(), 1230);
        for k in 0..10 {
            c.opp_rtx += 1;
            c.now += Duration::from_millis(80 + k);
            let _ = b.pick(&c, &v);
        }
        assert_eq!(b.lambda(), LAMBDA_MAX);
    }
}
