//! Weighted Vegas (Cao, Xu, Fu, "Delay-based Congestion Control for Multipath TCP",
//! ICNP 2012, §III): delay-based coupled congestion control, as in Linux
//! `net/mptcp/mptcp_wvegas.c` (v0.95). Windows in whole segments.
//!
//! Once per RTT (an ACK beyond the `snd_nxt` recorded at the previous update, with at least
//! 3 RTT samples in the round; fewer ⇒ Reno for that ACK):
//!
//! ```text
//! rtt  = mean RTT sample of the round,  base = min RTT sample ever
//! diff = w · (rtt − base) / rtt                                   (ICNP'12 eq. (1))
//! slow start: diff > γ  ⇒  w = min(w, w·base/rtt + 1), leave slow start
//! CA: diff ≥ α_r ⇒ weight_r = rate_r / Σ_p rate_p  (rate = w/rtt),
//!                  α_r = max(2, weight_r · total_alpha)            (ICNP'12 eq. (3))
//!     diff > α_r ⇒ w −= 1;  diff < α_r ⇒ w += 1
//!     queue drain: q = rtt − base, q_min = min q (0 = unset);
//!                  q ≥ 2 q_min ⇒ w = w · base / (2 rtt), q_min reset  (ICNP'12 §III-C)
//! w ≥ 2;  loss: Reno (`w = max(w/2, 2)`)
//! ```
//!
//! The drain fires whenever the round's queueing delay doubles from its minimum since the
//! last drain; with RTT noise (link `jitter`) of the order of the queueing delay it fires
//! often and leaves an uncontended path underused (as the kernel would). Slow start is
//! `cwnd < ssthresh` here (the kernel's `<=` with `tcp_current_ssthresh` can hold the window
//! at `ssthresh` after a loss until a queue builds). The drain needs `q > 0` here: the kernel would also back off when `q = q_min = 0`, which
//! in a jitter-free simulation (mean RTT exactly the base RTT) halves the window every round.
//!
//! Parameters as the kernel module: `initial_alpha = 2`, `total_alpha = 10`, `gamma = 1`.
//! Rates of the other subflows come from the coupling view (`cwnd / srtt`); the kernel uses
//! each subflow's rate stored at its last update. `snd_nxt` is reconstructed as
//! `acked + bytes in flight`.

use super::{
    acked_segments, linux_halve, linux_slow_start, segments, AckSample, CongestionController,
    Coupling,
};
use sim_core::Instant;

/// `initial_alpha` (kernel module parameter).
pub const INITIAL_ALPHA: u64 = 2;
/// `total_alpha` (kernel module parameter).
pub const TOTAL_ALPHA: u64 = 10;
/// `gamma` (kernel module parameter).
pub const GAMMA: u64 = 1;

/// wVegas controller of one subflow.
#[derive(Clone, Debug)]
pub struct WVegas {
    smss: u64,
    cwnd: u64,
    ssthresh: u64,
    /// Reno fallback ACK counter (segments).
    cnt: u64,
    /// Minimum RTT sample (µs + 1), 0 = none.
    base_rtt: u64,
    sampled_rtt: u64,
    cnt_rtt: u64,
    /// Cumulative bytes acknowledged (`snd_una` offset).
    acked_total: u64,
    /// `beg_snd_nxt`: the round ends with an ACK beyond it.
    beg_snd_nxt: u64,
    alpha: u64,
    /// Minimum queueing delay (µs), 0 = unset.
    queue_delay: u64,
}

impl WVegas {
    /// A controller with `cwnd = initial_window` (whole segments), `ssthresh` infinite.
    pub fn new(smss: u64, initial_window: u64) -> WVegas {
        let smss = smss.max(1);
        WVegas {
            smss,
            cwnd: segments(initial_window, smss) * smss,
            ssthresh: u64::MAX,
            cnt: 0,
            base_rtt: 0,
            sampled_rtt: 0,
            cnt_rtt: 0,
            acked_total: 0,
            beg_snd_nxt: 0,
            alpha: INITIAL_ALPHA,
            queue_delay: 0,
        }
    }

    /// The current `α_r` in segments.
    pub fn alpha(&self) -> u64 {
        self.alpha
    }

    /// Linux `tcp_reno_cong_avoid` (4.19): slow start, else `tcp_cong_avoid_ai(w, acked)`.
    fn reno(&mut self, acked_bytes: u64) {
        if self.cwnd < self.ssthresh {
            self.cwnd = linux_slow_start(self.cwnd, self.ssthresh, acked_bytes, self.smss);
            return;
        }
        let w = segments(self.cwnd, self.smss);
        self.cnt += acked_segments(acked_bytes, self.smss);
        if self.cnt >= w {
            let delta = self.cnt / w;
            self.cnt -= delta * w;
            self.cwnd = (w + delta).saturating_mul(self.smss);
        }
    }

    /// The per-RTT update with mean RTT `rtt` (µs + 1).
    fn update(&mut self, rtt: u64, acked_bytes: u64, c: &Coupling<'_>) {
        let mut w = segments(self.cwnd, self.smss);
        let base = self.base_rtt;
        let target = w.saturating_mul(base) / rtt;
        let diff = w.saturating_mul(rtt - base.min(rtt)) / rtt;
        let in_ss = self.cwnd < self.ssthresh;
        if in_ss && diff > GAMMA {
            w = w.min(target + 1);
            self.ssthresh = self.ssthresh.min(w.saturating_sub(1).max(2) * self.smss);
        } else if in_ss {
            self.cwnd = linux_slow_start(self.cwnd, self.ssthresh, acked_bytes, self.smss);
            w = segments(self.cwnd, self.smss);
        } else {
            if diff >= self.alpha {
                // weight_r = rate_r / Σ rate (×2^16), rate = w / rtt.
                let own = (u128::from(w) << 16) / u128::from(rtt);
                let sum = c
                    .others
                    .iter()
                    .filter_map(|v| {
                        let t = u128::from((v.srtt?.as_nanos() / 1000).max(1));
                        Some((u128::from(segments(v.cwnd, v.smss)) << 16) / t)
                    })
                    .fold(own, u128::saturating_add);
                let weight = (own << 16) / sum.max(1);
                let a = (weight * u128::from(TOTAL_ALPHA)) >> 16;
                self.alpha = u64::try_from(a).unwrap_or(u64::MAX).max(2);
            }
            if diff > self.alpha {
                w -= 1;
                self.ssthresh = self.ssthresh.min(w.saturating_sub(1).max(2) * self.smss);
            } else if diff < self.alpha {
                w += 1;
            }
            // Queue drain (ICNP'12 §III-C).
            let q = rtt - base.min(rtt);
            if self.queue_delay == 0 || self.queue_delay > q {
                self.queue_delay = q;
            }
            if q > 0 && q >= 2 * self.queue_delay {
                let backoff = (base << 12) / (rtt << 1);
                w = (w * backoff) >> 12;
                self.queue_delay = 0;
            }
        }
        let w = w.max(2);
        self.cwnd = w.saturating_mul(self.smss);
        if !in_ss || self.cwnd >= self.ssthresh {
            // tcp_current_ssthresh: max(ssthresh, 3/4 w) outside recovery.
            let three_q = ((w >> 1) + (w >> 2)) * self.smss;
            if self.ssthresh != u64::MAX {
                self.ssthresh = self.ssthresh.max(three_q);
            }
        }
    }
}

impl CongestionController for WVegas {
    fn on_sent(&mut self, _now: Instant, _bytes: u64, _in_flight: u64) {}

    fn on_ack(&mut self, ack: &AckSample, c: &Coupling<'_>) {
        if let Some(r) = ack.rtt {
            // pkts_acked: vrtt = rtt_us + 1.
            let v = r.as_nanos() / 1000 + 1;
            self.base_rtt = if self.base_rtt == 0 {
                v
            } else {
                self.base_rtt.min(v)
            };
            self.sampled_rtt = self.sampled_rtt.saturating_add(v);
            self.cnt_rtt += 1;
        }
        let nxt = self.acked_total.saturating_add(ack.bytes_in_flight);
        self.acked_total = self.acked_total.saturating_add(ack.acked_bytes);
        if self.acked_total > self.beg_snd_nxt {
            self.beg_snd_nxt = nxt.max(self.acked_total);
            if self.cnt_rtt <= 2 {
                self.reno(ack.acked_bytes);
            } else {
                let rtt = (self.sampled_rtt / self.cnt_rtt).max(1);
                self.update(rtt, ack.acked_bytes, c);
            }
            self.cnt_rtt = 0;
            self.sampled_rtt = 0;
        } else if self.cwnd < self.ssthresh {
            self.cwnd = linux_slow_start(self.cwnd, self.ssthresh, ack.acked_bytes, self.smss);
        }
    }

    /// Reno: `tcp_reno_ssthresh`, `w = max(w/2, 2)`.
    fn on_congestion_event(&mut self, _now: Instant, _in_flight: u64, _c: &Coupling<'_>) {
        self.ssthresh = linux_halve(self.cwnd, self.smss);
        self.cwnd = self.ssthresh;
        self.cnt = 0;
        self.queue_delay = 0;
    }

    fn on_rto(&mut self, _now: Instant, _in_flight: u64, first: bool) {
        if first {
            self.ssthresh = linux_halve(self.cwnd, self.smss);
        }
        self.cwnd = self.smss;
        self.cnt = 0;
        self.queue_delay = 0;
    }

    fn window(&self) -> u64 {
        self.cwnd
    }

    fn ssthresh(&self) -> u64 {
        self.ssthresh
    }

    fn set_ssthresh(&mut self, ssthresh: u64) {
        self.ssthresh = ssthresh;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cc::testutil::view;
    use crate::cc::AckSample;
    use sim_core::Duration;

    fn ack(rtt_ms: u64, flight: u64) -> AckSample {
        AckSample {
            now: Instant::ZERO,
            acked_bytes: 1000,
            rtt: Some(Duration::from_millis(rtt_ms)),
            srtt: Some(Duration::from_millis(rtt_ms)),
            bytes_in_flight: flight,
            cwnd_limited: true,
            snd_una: 0,
            snd_nxt: 0,
        }
    }

    /// MSS 1000, w = 10 in congestion avoidance. ACK 1 (RTT 100 ms ⇒ vrtt 100 001 µs) ends
    /// round 0 with one sample ⇒ Reno (cnt 1). ACKs 2–11 at 120 ms: round 1 ends at ACK 11
    /// (acked 11 000 > beg 10 000), mean 120 001: diff = 10·20 000/120 001 = 1 < α = 2 ⇒
    /// w = 11; q = 20 000 = q_min. ACKs 12–21 at 200 ms: diff = 11·100 000/200 001 = 5 ≥ 2 ⇒
    /// weight 1 (alone) ⇒ α = 10; 5 < 10 ⇒ w = 12; q = 100 000 ≥ 2·20 000 ⇒ drain:
    /// backoff = (100 001 << 12)/(200 001 << 1) = 1024 ⇒ w = 12·1024 >> 12 = 3.
    #[test]
    fn per_rtt_updates_hand_computed() {
        let mut v = WVegas::new(1000, 10_000);
        v.ssthresh = 10_000;
        let none = Coupling::NONE;
        v.on_ack(&ack(100, 10_000), &none);
        assert_eq!(v.window(), 10_000);
        for _ in 0..10 {
            v.on_ack(&ack(120, 10_000), &none);
        }
        assert_eq!((v.window(), v.alpha()), (11_000, 2));
        for _ in 0..9 {
            v.on_ack(&ack(200, 10_000), &none);
        }
        assert_eq!(v.window(), 11_000);
        v.on_ack(&ack(200, 10_000), &none);
        assert_eq!((v.window(), v.alpha()), (3000, 10));
        // Weighted α: equal rates on two subflows ⇒ weight ½ ⇒ α = 5.
        let mut v = WVegas::new(1000, 10_000);
        v.ssthresh = 10_000;
        let other = [view(10_000, 200)];
        let c = Coupling { others: &other };
        v.on_ack(&ack(100, 10_000), &c);
        for _ in 0..10 {
            v.on_ack(&ack(200, 10_000), &c);
        }
        // diff = 10·100 000/200 001 = 4 ≥ 2 ⇒ rates (10 << 16)/200 001 = 3 and
        // (10 << 16)/200 000 = 3 ⇒ weight = (3 << 16)/6 = ½ ⇒ α = max(2, 5) = 5; 4 < 5 ⇒ w = 11.
        assert_eq!((v.window(), v.alpha()), (11_000, 5));
        // Loss: Reno.
        v.on_congestion_event(Instant::ZERO, 1, &c);
        assert_eq!(v.window(), 5000);
    }
}
