//! CUBIC congestion control (RFC 9438).
//!
//! Windows are kept in bytes. The cubic function itself is evaluated in `f64` using only
//! IEEE-754 basic operations (`+ − × ÷`), which are correctly rounded and therefore give
//! identical results on every platform; the cube root for `K` is an exact integer search
//! (no platform `cbrt`). Time never becomes `f64` state: the epoch start and `K` are integer
//! [`Instant`] / [`Duration`]s, and only the difference `t − K` is converted to seconds inside
//! the formula.
//!
//! Slow start (RFC 9438 §4.10) is RFC 5681's with, by default, Linux CUBIC's HyStart
//! ([`SlowStart::HyStart`], net/ipv4/tcp_cubic.c), or RFC 9406 HyStart++
//! ([`SlowStart::HyStartPlusPlus`]). RFC 9438's fast convergence (§4.7) and Reno-friendly
//! region (§4.3) are modelled; so is Linux's choice of `β = 0.7` (717/1024 there).

use super::hystart::{HystartPlusPlus, LinuxHystart, PlusPlusStep, SlowStart, SsAck, L_NON_PACED};
use super::{slow_start, AckSample, CongestionController, Coupling};
use sim_core::{Duration, Instant};

/// RFC 9438 §5: `C = 0.4` (segments / s³).
pub const C: f64 = 0.4;
/// Linux `HZ`: HyStart ignores delays in an epoch's first second.
const ONE_SECOND: Duration = Duration::from_secs(1);

/// RFC 9438 §4.6: `β_cubic = 0.7`.
pub const BETA: f64 = 0.7;
/// RFC 9438 §4.3: `α_cubic = 3 (1 − β_cubic) / (1 + β_cubic)`.
pub const ALPHA: f64 = 3.0 * (1.0 - BETA) / (1.0 + BETA);

/// State of the current congestion-avoidance stage (RFC 9438 §4.2).
#[derive(Clone, Copy, Debug)]
struct Epoch {
    /// `t_epoch`: when this congestion-avoidance stage began.
    start: Instant,
    /// `K`: time for the cubic function to reach `W_max` from `cwnd_epoch`.
    k: Duration,
    /// `W_max` used by this epoch, in bytes.
    w_max: f64,
    /// `W_est`: the Reno-friendly estimate, in bytes (§4.3).
    w_est: f64,
}

/// CUBIC congestion control.
#[derive(Clone, Debug)]
pub struct Cubic {
    smss: u64,
    /// `cwnd` in bytes, fractional so that per-ACK increments are not lost to rounding.
    cwnd: f64,
    ssthresh: u64,
    /// `W_max`: window just before the last reduction, in bytes (0 = none yet / after RTO).
    w_max: f64,
    /// `cwnd_prior`: window before the last reduction (§4.6), for `α_cubic` (§4.3).
    cwnd_prior: f64,
    epoch: Option<Epoch>,
    /// RFC 9438 §4.7 fast convergence (on by default, as in Linux).
    pub fast_convergence: bool,
    slow_start: SlowStart,
    hystart: LinuxHystart,
    hystart_pp: HystartPlusPlus,
}

/// Largest `r` with `r³ <= x`.
fn icbrt(x: u128) -> u128 {
    let (mut lo, mut hi) = (0u128, 1u128 << 43);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        match mid.checked_mul(mid).and_then(|m| m.checked_mul(mid)) {
            Some(c) if c <= x => lo = mid,
            _ => hi = mid - 1,
        }
    }
    lo
}

/// `∛seconds3` as a [`Duration`], truncated to the nanosecond.
fn cbrt_duration(seconds3: f64) -> Duration {
    if seconds3 <= 0.0 {
        return Duration::ZERO;
    }
    // (s · 10⁹)³ = s³ · 10²⁷ ns³; the float-to-int cast saturates (deterministic).
    let ns = icbrt((seconds3 * 1e27) as u128);
    Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX))
}

impl Cubic {
    /// A controller with `cwnd = initial_window`, `ssthresh` infinite.
    pub fn new(smss: u64, initial_window: u64) -> Cubic {
        Cubic {
            smss,
            cwnd: initial_window as f64,
            ssthresh: u64::MAX,
            w_max: 0.0,
            cwnd_prior: 0.0,
            epoch: None,
            fast_convergence: true,
            slow_start: SlowStart::default(),
            hystart: LinuxHystart::default(),
            hystart_pp: HystartPlusPlus::default(),
        }
    }

    /// A controller with the given slow-start variant.
    pub fn with_slow_start(smss: u64, initial_window: u64, slow_start: SlowStart) -> Cubic {
        Cubic {
            slow_start,
            ..Cubic::new(smss, initial_window)
        }
    }

    /// Linux HyStart's state (for inspection).
    pub fn hystart(&self) -> &LinuxHystart {
        &self.hystart
    }

    /// HyStart++'s state (for inspection).
    pub fn hystart_plus_plus(&self) -> &HystartPlusPlus {
        &self.hystart_pp
    }

    /// Linux `cubictcp_acked`: HyStart sees every ACK (not only window-limited ones), except
    /// in the first second of a congestion-avoidance epoch; it ends slow start with
    /// `ssthresh = cwnd`.
    fn hystart_on_ack(&mut self, a: &SsAck) {
        if self.slow_start != SlowStart::HyStart {
            return;
        }
        if self
            .epoch
            .is_some_and(|e| a.now.saturating_duration_since(e.start) < ONE_SECOND)
        {
            return;
        }
        let in_slow_start = (self.cwnd as u64) < self.ssthresh;
        if self.hystart.on_ack(a, in_slow_start) {
            self.ssthresh = self.cwnd as u64;
        }
    }

    /// Slow-start growth for one ACK of `acked` bytes.
    fn slow_start_on_ack(&mut self, a: &SsAck, acked: u64) {
        let cw = self.cwnd as u64;
        if self.slow_start != SlowStart::HyStartPlusPlus {
            self.cwnd = slow_start(cw, self.ssthresh, acked, self.smss) as f64;
            return;
        }
        match self.hystart_pp.on_ack(a) {
            // RFC 9406 §4.2: cwnd += min(N, L·SMSS) / divisor, not beyond ssthresh.
            PlusPlusStep::Grow { divisor } => {
                let inc = acked.min(L_NON_PACED * self.smss) / divisor;
                self.cwnd = cw.saturating_add(inc).min(self.ssthresh.max(cw)) as f64;
            }
            PlusPlusStep::EnterCa => self.ssthresh = cw,
            PlusPlusStep::Standard => {
                self.cwnd = slow_start(cw, self.ssthresh, acked, self.smss) as f64;
            }
        }
    }

    /// `K` of the current congestion-avoidance epoch, if one has started.
    pub fn k(&self) -> Option<Duration> {
        self.epoch.map(|e| e.k)
    }

    /// `W_max` in bytes (of the current epoch once it has started).
    pub fn w_max(&self) -> f64 {
        self.epoch.map_or(self.w_max, |e| e.w_max)
    }

    /// `W_est` (Reno-friendly estimate) of the current epoch, in bytes.
    pub fn w_est(&self) -> Option<f64> {
        self.epoch.map(|e| e.w_est)
    }

    /// RFC 9438 §4.2 eq. (1): `W_cubic(t) = C·(t − K)³ + W_max`, in bytes
    /// (`C` is per segment, hence the factor SMSS); `t` is time since the epoch start.
    pub fn w_cubic(&self, t: Duration) -> Option<f64> {
        let e = self.epoch?;
        let dt_ns = i128::from(t.as_nanos()) - i128::from(e.k.as_nanos());
        let dt = dt_ns as f64 / 1e9;
        Some(C * dt * dt * dt * self.smss as f64 + e.w_max)
    }

    /// RFC 9438 §4.2: a new congestion-avoidance stage starts at `now` with
    /// `cwnd_epoch = cwnd`, `W_est = cwnd_epoch` (§4.3) and eq. (2)
    /// `K = ∛((W_max − cwnd_epoch) / C)`. If `cwnd_epoch >= W_max` (no reduction yet, or after
    /// an RTO, §4.8) then `K = 0` and `W_max = cwnd_epoch`, as Linux does.
    fn start_epoch(&mut self, now: Instant) -> Epoch {
        let (k, w_max) = if self.w_max > self.cwnd {
            let segs = (self.w_max - self.cwnd) / self.smss as f64;
            (cbrt_duration(segs / C), self.w_max)
        } else {
            (Duration::ZERO, self.cwnd)
        };
        Epoch {
            start: now,
            k,
            w_max,
            w_est: self.cwnd,
        }
    }

    /// RFC 9438 §4.6: `ssthresh = max(flight_size · β_cubic, 2·SMSS)` (integer: ×7/10).
    fn reduced_ssthresh(&self, flight: u64) -> u64 {
        (flight.saturating_mul(7) / 10).max(2 * self.smss)
    }

    fn congestion_avoidance(&mut self, ack: &AckSample) {
        let mut e = match self.epoch {
            Some(e) => e,
            None => self.start_epoch(ack.now),
        };
        self.epoch = Some(e);
        let acked = ack.acked_bytes as f64;
        let smss = self.smss as f64;
        // §4.3: W_est += α·(segments_acked / cwnd), α = 1 once W_est >= cwnd_prior.
        let alpha = if e.w_est >= self.cwnd_prior {
            1.0
        } else {
            ALPHA
        };
        e.w_est += alpha * acked * smss / self.cwnd;
        self.epoch = Some(e);
        let t = ack.now.saturating_duration_since(e.start);
        let rtt = ack.srtt.unwrap_or(Duration::ZERO);
        let w_t = self.w_cubic(t).unwrap_or(self.cwnd);
        if w_t < e.w_est {
            // §4.3 Reno-friendly region: cwnd = W_est.
            self.cwnd = self.cwnd.max(e.w_est);
            return;
        }
        // §4.4/§4.5 concave and convex regions: target = W_cubic(t + RTT) clamped to
        // [cwnd, 1.5·cwnd] (§4.2), and cwnd += (target − cwnd)/cwnd per segment acked.
        let w_next = self.w_cubic(t + rtt).unwrap_or(self.cwnd);
        let target = w_next.max(self.cwnd).min(1.5 * self.cwnd);
        self.cwnd += (target - self.cwnd) * acked / self.cwnd;
    }
}

impl CongestionController for Cubic {
    fn on_sent(&mut self, _now: Instant, _bytes: u64, _in_flight: u64) {}

    /// HyStart first (it may end slow start); then, for a window-limited flow, slow start
    /// below `ssthresh` (RFC 9438 §4.10: RFC 5681 slow start with RFC 3465 L = 2, or
    /// HyStart++'s growth) and the cubic / Reno-friendly increase above it.
    fn on_ack(&mut self, ack: &AckSample, _coupling: &Coupling<'_>) {
        let ss = SsAck {
            now: ack.now,
            rtt: ack.rtt,
            srtt: ack.srtt,
            snd_una: ack.snd_una,
            snd_nxt: ack.snd_nxt,
            cwnd: self.cwnd as u64,
            smss: self.smss,
        };
        self.hystart_on_ack(&ss);
        if !ack.cwnd_limited {
            return;
        }
        if (self.cwnd as u64) < self.ssthresh {
            self.slow_start_on_ack(&ss, ack.acked_bytes);
            return;
        }
        self.congestion_avoidance(ack);
    }

    /// RFC 9438 §4.7 fast convergence: `W_max = cwnd·(1 + β)/2` if `cwnd < W_max`, else
    /// `W_max = cwnd`; §4.6: `cwnd_prior = cwnd`, `ssthresh = max(flight·β, 2·SMSS)`,
    /// `cwnd = ssthresh`; the next ACK in congestion avoidance starts a new epoch.
    fn on_congestion_event(&mut self, _now: Instant, in_flight: u64, _c: &Coupling<'_>) {
        self.w_max = if self.fast_convergence && self.cwnd < self.w_max {
            self.cwnd * (1.0 + BETA) / 2.0
        } else {
            self.cwnd
        };
        self.cwnd_prior = self.cwnd;
        self.ssthresh = self.reduced_ssthresh(in_flight);
        self.cwnd = self.ssthresh as f64;
        self.epoch = None;
        self.hystart_pp.on_congestion();
    }

    /// RFC 9438 §4.8: `ssthresh` as in §4.6, `cwnd = 1 SMSS` (RFC 5681 loss window); the
    /// first congestion-avoidance stage afterwards uses `K = 0` and `W_max` = the window at
    /// its start.
    fn on_rto(&mut self, _now: Instant, in_flight: u64, first: bool) {
        if first {
            self.cwnd_prior = self.cwnd;
            self.ssthresh = self.reduced_ssthresh(in_flight);
        }
        self.cwnd = self.smss as f64;
        self.w_max = 0.0;
        self.epoch = None;
        // Linux cubictcp_state(TCP_CA_Loss): bictcp_reset + bictcp_hystart_reset.
        self.hystart.reset();
        self.hystart_pp.on_congestion();
    }

    fn window(&self) -> u64 {
        self.cwnd as u64
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

    fn ack(now_ms: u64, bytes: u64, srtt_ms: u64) -> AckSample {
        AckSample {
            now: Instant::from_millis(now_ms),
            acked_bytes: bytes,
            rtt: None,
            srtt: Some(Duration::from_millis(srtt_ms)),
            bytes_in_flight: 0,
            cwnd_limited: true,
            snd_una: 0,
            snd_nxt: 0,
        }
    }

    #[test]
    fn integer_cube_root() {
        assert_eq!(icbrt(0), 0);
        assert_eq!(icbrt(26), 2);
        assert_eq!(icbrt(27), 3);
        assert_eq!(icbrt(u128::MAX), 6_981_463_658_331);
        assert_eq!(cbrt_duration(8.0), Duration::from_secs(2));
    }

    #[test]
    fn reduction_k_and_cubic_curve() {
        let mut c = Cubic::new(1000, 100_000);
        c.on_congestion_event(Instant::ZERO, 100_000, &Coupling::NONE);
        // ssthresh = 0.7 · 100_000; W_max = cwnd (first loss, no fast convergence).
        assert_eq!((c.window(), c.ssthresh()), (70_000, 70_000));
        assert_eq!(c.w_max(), 100_000.0);
        c.on_ack(&ack(0, 1000, 100), &Coupling::NONE);
        // K = ∛((100 − 70) / 0.4) = ∛75 s = 4.217163326508746 s, truncated to ns.
        assert_eq!(c.k(), Some(Duration::from_nanos(4_217_163_326)));
        let w = |s: u64| c.w_cubic(Duration::from_millis(s)).unwrap();
        assert!((w(0) - 70_000.0).abs() < 1e-3);
        assert!((w(4_217) - 100_000.0).abs() < 1e-3);
        // W(t) at t = 2 s: 100_000 − 400 · 2.217163326^3 = 95_640.34
        assert!((w(2_000) - 95_640.34).abs() < 0.01, "{}", w(2000));
        // t = 6 s: 100_000 + 400 · 1.782836674^3 = 102_266.70
        assert!((w(6_000) - 102_266.70).abs() < 0.01, "{}", w(6000));
    }

    #[test]
    fn reno_friendly_then_concave_increase() {
        let mut c = Cubic::new(1000, 100_000);
        c.on_congestion_event(Instant::ZERO, 100_000, &Coupling::NONE);
        // First ACK at the epoch start: W_cubic(0) ≈ 70_000 < W_est = 70_000 + α·10⁶/70_000
        // = 70_007.563 → Reno-friendly region, cwnd = W_est.
        c.on_ack(&ack(0, 1000, 100), &Coupling::NONE);
        let w_est = 70_000.0 + ALPHA * 1e6 / 70_000.0;
        assert!((c.w_est().unwrap() - 70_007.563).abs() < 1e-3);
        assert_eq!(c.window(), 70_007);
        // At t = 2 s W_cubic(2 s) = 95_640 > W_est: concave region, target = W_cubic(2.1 s)
        // = 96_204.03, cwnd += (target − cwnd) · 1000 / cwnd = 70_381.8.
        c.on_ack(&ack(2_000, 1000, 100), &Coupling::NONE);
        let target = c.w_cubic(Duration::from_millis(2_100)).unwrap();
        assert!((target - 96_204.03).abs() < 0.01, "{target}");
        let expect = w_est + (target - w_est) * 1000.0 / w_est;
        assert!((c.cwnd - expect).abs() < 1e-6);
        assert_eq!(c.window(), 70_381);
    }

    #[test]
    fn target_is_capped_at_one_and_a_half_cwnd() {
        let mut c = Cubic::new(1000, 10_000);
        c.on_congestion_event(Instant::ZERO, 10_000, &Coupling::NONE);
        c.on_ack(&ack(0, 1000, 100), &Coupling::NONE);
        let cw = c.cwnd;
        // Far in the convex region: W_cubic ≫ 1.5 cwnd, so cwnd += 0.5·cwnd·acked/cwnd.
        c.on_ack(&ack(60_000, 1000, 100), &Coupling::NONE);
        assert!((c.cwnd - (cw + 500.0)).abs() < 1e-9);
    }

    #[test]
    fn fast_convergence_and_rto() {
        let mut c = Cubic::new(1000, 100_000);
        c.on_congestion_event(Instant::ZERO, 100_000, &Coupling::NONE);
        // Second loss below W_max: W_max = 70_000 · 1.7 / 2 = 59_500.
        c.on_congestion_event(Instant::ZERO, 70_000, &Coupling::NONE);
        assert_eq!(c.w_max(), 59_500.0);
        assert_eq!((c.window(), c.ssthresh()), (49_000, 49_000));
        c.on_rto(Instant::ZERO, 49_000, true);
        assert_eq!((c.window(), c.ssthresh()), (1000, 34_300));
        // Slow start to ssthresh, then an epoch with K = 0 and W_max = cwnd_epoch.
        while c.window() < c.ssthresh() {
            c.on_ack(&ack(0, 2000, 100), &Coupling::NONE);
        }
        assert_eq!(c.window(), 34_300);
        c.on_ack(&ack(0, 1000, 100), &Coupling::NONE);
        assert_eq!(c.k(), Some(Duration::ZERO));
        assert_eq!(c.w_max(), 34_300.0);
    }
}
