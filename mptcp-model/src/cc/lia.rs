//! LIA, the Linked Increases Algorithm (RFC 6356): coupled congestion control for the
//! subflows of one MPTCP connection.
//!
//! Windows are bytes. Slow start is uncoupled (RFC 6356 §3: "the slow start ... are
//! unchanged"), loss halves the subflow's own window exactly as Reno does (RFC 6356 §3:
//! "the decrease ... is unchanged"). In congestion avoidance each ACK of `bytes_acked` on
//! subflow *i* increases `cwnd_i` by (RFC 6356 §3)
//!
//! ```text
//! min( alpha * bytes_acked * MSS_i / cwnd_total ,  bytes_acked * MSS_i / cwnd_i )
//! alpha = cwnd_total * max_k(cwnd_k / rtt_k^2) / (sum_k cwnd_k / rtt_k)^2
//! ```
//!
//! Implemented by byte counting as in [`super::Reno`] (RFC 3465): the increase above is
//! `bytes_acked * MSS_i / T` with `T = max(cwnd_total / alpha, cwnd_i)`, so `bytes_acked` is
//! accumulated and `cwnd_i` grows by one SMSS each time the counter passes `T` (which is
//! also how the Linux kernel applies it, with `T` counted in ACKs, `mptcp_coupled.c`). `T` is
//! computed exactly in integers: `cwnd_total / alpha = (sum_k cwnd_k / rtt_k)^2 /
//! max_k(cwnd_k / rtt_k^2) = (sum_k cwnd_k * rtt_b / rtt_k)^2 / cwnd_b` for the maximising
//! subflow `b`, rounded up (never more aggressive than the RFC). With one subflow `T` is
//! exactly `cwnd_i`: LIA is then Reno, step for step.
//!
//! The set `k` ranges over is this subflow plus the [`Coupling`] view, which the owner fills
//! with the other subflows that can send (established, not failed) and have an RTT
//! estimate (`mptcp_coupled.c`: `mptcp_sk_can_send(sk) && srtt_us != 0`).
//!
//! # Modes
//! [`CcMode::Paper`] is the above. [`CcMode::Linux`] is `net/mptcp/mptcp_coupled.c` of the
//! out-of-tree kernel v0.95: windows in whole segments, `alpha` in fixed
//! point with scales 32 / 10 / 12, **ACK events** counted in congestion avoidance against
//! `T = max((1 << 12) / alpha, w_r)` (an increment after `T + 1` ACKs, whatever each ACK
//! covers), slow start `w += acked segments` without the L cap, loss `w = max(w / 2, 2)`
//! segments from the window (not FlightSize). Differences from the kernel: `alpha` is cached
//! per subflow (the kernel caches it on the meta socket, so a recalculation by one subflow
//! refreshes all); the `tcp_is_cwnd_limited` gate and `snd_cwnd_clamp` are not modelled.
//!
//! Kernel quirks this mode reproduces: `(w << 32) / srtt_us²` truncates to 0 when
//! `srtt_us > 2^16 √w` (srtt above ≈ 8 ms · √w, since `srtt_us` is 8 × µs), so with small
//! windows and RTTs of tens of ms every subflow ties at 0 and `b` is the *last* subflow, not
//! the best: `alpha` then follows the slowest path (see `rtt-mismatch.ron`, where the fast
//! subflow stays near 5 segments). With one subflow `T = 4096 / ⌊4096 / w⌋`, which exceeds
//! `w` from `w = 72`: slightly less aggressive than Reno at large windows.

use super::{
    div128, linux_halve, linux_slow_start, segments, slow_start, srtt_us8, AckSample, CcMode,
    CongestionController, Coupling, SubflowView,
};
use sim_core::{Duration, Instant};

/// `mptcp_coupled.c` (v0.95): `alpha_scale_num = 32`.
const ALPHA_SCALE_NUM: u32 = 32;
/// `mptcp_coupled.c` (v0.95): `alpha_scale_den = 10`.
const ALPHA_SCALE_DEN: u32 = 10;
/// `mptcp_coupled.c` (v0.95): `alpha_scale = alpha_scale_num − 2 · alpha_scale_den = 12`.
const ALPHA_SCALE: u32 = ALPHA_SCALE_NUM - 2 * ALPHA_SCALE_DEN;

/// Fixed-point scale (bits) of the per-subflow terms `cwnd_k * rtt_b / rtt_k`.
const TERM_SHIFT: u32 = 16;

/// LIA controller of one subflow.
#[derive(Clone, Debug)]
pub struct Lia {
    mode: CcMode,
    smss: u64,
    cwnd: u64,
    ssthresh: u64,
    /// Paper: RFC 3465 §2.1 byte counter. Linux: `snd_cwnd_cnt` (ACK events).
    bytes_acked: u64,
    /// Linux: the cached fixed-point `alpha` (0 = not yet computed).
    alpha: u64,
    /// Linux: `forced` recalculation flag, set on every congestion state change.
    forced: bool,
}

use super::rtt_us;

/// Linux `mptcp_ccc_recalc_alpha` (`mptcp_coupled.c`) over `own` and `others`, windows in
/// segments, `τ = srtt_us` (8 × µs):
/// `b = argmax (w_i << 32) / τ_i²` (integer division, ties to the later subflow),
/// `D = Σ ((w_i << 10) · τ_b) / τ_i`, `alpha = (w_b << 32) / D²`, 0 → 1.
pub fn linux_alpha(own: &SubflowView, others: &[SubflowView]) -> u64 {
    let seg = |v: &SubflowView| Some((segments(v.cwnd, v.smss), srtt_us8(v.srtt?)));
    let all = core::iter::once(own).chain(others).filter_map(seg);
    let (mut max_num, mut best) = (0u64, None);
    for (w, t) in all.clone() {
        let tmp = (w << ALPHA_SCALE_NUM) / t.saturating_mul(t).max(1);
        if tmp >= max_num {
            max_num = tmp;
            best = Some((w, t));
        }
    }
    let Some((w_b, t_b)) = best else {
        return 1;
    };
    let d: u64 = all
        .map(|(w, t)| ((w << ALPHA_SCALE_DEN).saturating_mul(t_b)) / t)
        .fold(0, u64::saturating_add);
    let d2 = d.saturating_mul(d);
    if d2 == 0 {
        return 1;
    }
    ((w_b << ALPHA_SCALE_NUM) / d2).max(1)
}

/// `cwnd_total / alpha` in bytes (RFC 6356 §3), rounded up, over `own` and `others`
/// (others without an RTT estimate are left out). `None` when `own` has no RTT.
///
/// Runs on every congestion-avoidance ACK over all subflows, so the per-subflow work is
/// done in `u64`: each RTT is converted to µs once per pass and every product is checked.
/// With windows below 2^24 bytes and RTTs below 2^20 µs (≈ 1 s) the largest product,
/// `cwnd_k * rtt_b^2`, stays below 2^64 and so does `cwnd_k * rtt_b << 16`; should any
/// product or the sum overflow `u64`, the whole computation is redone in `u128`
/// (`coupled_threshold_wide`), so the result is bit-identical either way.
pub fn coupled_threshold(own: &SubflowView, others: &[SubflowView]) -> Option<u64> {
    let own_rtt = own.srtt?;
    narrow_threshold(own.cwnd, rtt_us64(own_rtt), others)
        .unwrap_or_else(|| coupled_threshold_wide(own.cwnd, own_rtt, others))
}

/// A smoothed RTT in whole microseconds, at least 1 (the `u64` form of `rtt_us`).
fn rtt_us64(d: Duration) -> u64 {
    (d.as_nanos() / 1_000).max(1)
}

/// `cwnd * rtt^2` when it fits in `u64`.
fn cwnd_rtt2(cwnd: u64, rtt: u64) -> Option<u64> {
    rtt.checked_mul(rtt)?.checked_mul(cwnd)
}

/// [`coupled_threshold`] in `u64` arithmetic: `Some(result)` when no intermediate value
/// overflows, `None` when it would (the caller then uses [`coupled_threshold_wide`]).
fn narrow_threshold(own_cwnd: u64, own_rtt: u64, others: &[SubflowView]) -> Option<Option<u64>> {
    // b = argmax cwnd_k / rtt_k^2, compared exactly as cwnd_k * rtt_b^2 vs cwnd_b * rtt_k^2;
    // ties go to the later subflow, as in Linux's `mptcp_ccc_recalc_alpha` (>=).
    let (mut w_b, mut r_b) = (own_cwnd, own_rtt);
    for v in others {
        let Some(srtt) = v.srtt else { continue };
        let r = rtt_us64(srtt);
        if cwnd_rtt2(v.cwnd, r_b)? >= cwnd_rtt2(w_b, r)? {
            (w_b, r_b) = (v.cwnd, r);
        }
    }
    if w_b == 0 {
        return Some(None);
    }
    let term = |w: u64, r: u64| Some(w.checked_mul(r_b)?.checked_mul(1 << TERM_SHIFT)? / r);
    let mut sum = term(own_cwnd, own_rtt)?;
    for v in others {
        let Some(srtt) = v.srtt else { continue };
        sum = sum.checked_add(term(v.cwnd, rtt_us64(srtt))?)?;
    }
    let sum = u128::from(sum);
    let den = u128::from(w_b) << (2 * TERM_SHIFT);
    let t = (sum * sum).div_ceil(den);
    Some(Some(u64::try_from(t).unwrap_or(u64::MAX)))
}

/// [`coupled_threshold`] in `u128` arithmetic with saturation, for windows or RTTs too large
/// for [`narrow_threshold`].
fn coupled_threshold_wide(own_cwnd: u64, own_rtt: Duration, others: &[SubflowView]) -> Option<u64> {
    let all = core::iter::once((own_cwnd, own_rtt))
        .chain(others.iter().filter_map(|v| Some((v.cwnd, v.srtt?))));
    let mut best = (own_cwnd, rtt_us(own_rtt));
    for (w, r) in all.clone().skip(1) {
        let r = rtt_us(r);
        let lhs = u128::from(w).saturating_mul(best.1 * best.1);
        let rhs = u128::from(best.0).saturating_mul(r * r);
        if lhs >= rhs {
            best = (w, r);
        }
    }
    let (w_b, r_b) = best;
    if w_b == 0 {
        return None;
    }
    // Each term cwnd_k * rtt_b / rtt_k <= sqrt(cwnd_k * cwnd_b) (b maximises cwnd/rtt^2),
    // so the sum fits comfortably in u128 even squared.
    let sum: u128 = all
        .map(|(w, r)| div128((u128::from(w) * r_b) << TERM_SHIFT, rtt_us(r)))
        .fold(0u128, u128::saturating_add);
    let den = u128::from(w_b) << (2 * TERM_SHIFT);
    let t = sum.saturating_mul(sum).div_ceil(den);
    Some(u64::try_from(t).unwrap_or(u64::MAX))
}

/// RFC 6356 §3 `alpha` as a real number, for reporting and tests (the controller itself
/// uses the exact integer [`coupled_threshold`]).
pub fn alpha(own: &SubflowView, others: &[SubflowView]) -> Option<f64> {
    let t = coupled_threshold(own, others)?;
    let total: u64 = own.cwnd
        + others
            .iter()
            .filter(|v| v.srtt.is_some())
            .map(|v| v.cwnd)
            .sum::<u64>();
    Some(total as f64 / t as f64)
}

impl Lia {
    /// A paper-mode controller with `cwnd = initial_window`, `ssthresh` infinite
    /// (RFC 5681 §3.1).
    pub fn new(smss: u64, initial_window: u64) -> Lia {
        Lia::with_mode(CcMode::Paper, smss, initial_window)
    }

    /// A controller in `mode` (Linux mode rounds the initial window down to whole segments).
    pub fn with_mode(mode: CcMode, smss: u64, initial_window: u64) -> Lia {
        let smss = smss.max(1);
        let cwnd = match mode {
            CcMode::Paper => initial_window,
            CcMode::Linux => segments(initial_window, smss) * smss,
        };
        Lia {
            mode,
            smss,
            cwnd,
            ssthresh: u64::MAX,
            bytes_acked: 0,
            alpha: 0,
            forced: true,
        }
    }

    /// The arithmetic mode.
    pub fn mode(&self) -> CcMode {
        self.mode
    }

    /// Linux: the cached fixed-point alpha (`mptcp_coupled.c`).
    pub fn linux_alpha(&self) -> u64 {
        self.alpha
    }

    fn own_view(&self, srtt: Option<Duration>) -> SubflowView {
        SubflowView {
            cwnd: self.cwnd,
            srtt,
            smss: self.smss,
            ..SubflowView::default()
        }
    }

    /// `mptcp_ccc_cong_avoid()` (`mptcp_coupled.c`) per ACK in Linux mode.
    fn on_ack_linux(&mut self, ack: &AckSample, coupling: &Coupling<'_>) {
        let recalc = |s: &Self| linux_alpha(&s.own_view(ack.srtt), coupling.others);
        if self.cwnd < self.ssthresh {
            self.cwnd = linux_slow_start(self.cwnd, self.ssthresh, ack.acked_bytes, self.smss);
            self.alpha = recalc(self);
            return;
        }
        if self.forced || self.alpha == 0 {
            self.alpha = recalc(self);
            self.forced = false;
        }
        let w = segments(self.cwnd, self.smss);
        // T = max((1 << 12) / alpha, w_r): snd_cwnd_cnt >= T ⇒ w_r += 1.
        let t = ((1u64 << ALPHA_SCALE) / self.alpha.max(1)).max(w);
        if self.bytes_acked >= t {
            self.cwnd = (w + 1) * self.smss;
            self.alpha = recalc(self);
            self.bytes_acked = 0;
        } else {
            self.bytes_acked += 1;
        }
    }

    /// RFC 5681 §3.1 eq. (4): `ssthresh = max(FlightSize / 2, 2 * SMSS)` (RFC 6356 §3 keeps
    /// the decrease of standard TCP).
    fn halve(&self, flight: u64) -> u64 {
        (flight / 2).max(2 * self.smss)
    }

    /// The byte-counting threshold `T = max(cwnd_total / alpha, cwnd_i)` for this ACK.
    pub fn increase_threshold(&self, srtt: Option<Duration>, coupling: &Coupling<'_>) -> u64 {
        let own = self.own_view(srtt);
        coupled_threshold(&own, coupling.others).map_or(self.cwnd, |t| t.max(self.cwnd))
    }
}

impl CongestionController for Lia {
    fn on_sent(&mut self, _now: Instant, _bytes: u64, _in_flight: u64) {}

    /// Slow start uncoupled (RFC 6356 §3); congestion avoidance by byte counting against
    /// `T = max(cwnd_total / alpha, cwnd_i)`, i.e. RFC 6356 §3's per-ACK increase
    /// `min(alpha * bytes_acked * MSS_i / cwnd_total, bytes_acked * MSS_i / cwnd_i)`.
    fn on_ack(&mut self, ack: &AckSample, coupling: &Coupling<'_>) {
        if self.mode == CcMode::Linux {
            return self.on_ack_linux(ack, coupling);
        }
        if self.cwnd < self.ssthresh {
            self.cwnd = slow_start(self.cwnd, self.ssthresh, ack.acked_bytes, self.smss);
            return;
        }
        self.bytes_acked += ack.acked_bytes;
        let t = self.increase_threshold(ack.srtt, coupling);
        if self.bytes_acked >= t {
            self.bytes_acked -= t;
            self.cwnd += self.smss;
        }
    }

    /// RFC 6356 §3: the decrease is standard TCP's: `cwnd = ssthresh = max(flight/2, 2 SMSS)`.
    /// Linux: `tcp_reno_ssthresh`, `w = max(w / 2, 2)` segments; `forced` recalculation.
    fn on_congestion_event(&mut self, _now: Instant, in_flight: u64, _c: &Coupling<'_>) {
        self.ssthresh = match self.mode {
            CcMode::Paper => self.halve(in_flight),
            CcMode::Linux => linux_halve(self.cwnd, self.smss),
        };
        self.cwnd = self.ssthresh;
        self.bytes_acked = 0;
        self.forced = true;
    }

    /// RFC 5681 §3.1: the loss window of one SMSS; `ssthresh` halved on the first timeout.
    fn on_rto(&mut self, _now: Instant, in_flight: u64, first: bool) {
        if first {
            self.ssthresh = match self.mode {
                CcMode::Paper => self.halve(in_flight),
                CcMode::Linux => linux_halve(self.cwnd, self.smss),
            };
        }
        self.cwnd = self.smss;
        self.bytes_acked = 0;
        self.forced = true;
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
    use crate::cc::testutil::{view, LinuxReno};
    use crate::cc::Reno;

    /// The `u64` fast path agrees with the `u128` computation, including windows and RTTs
    /// large enough to overflow `u64` (which fall back to `u128`).
    #[test]
    fn narrow_threshold_matches_wide() {
        let cwnds = [0, 1, 1460, 14_600, 1 << 24, 1 << 40, u64::MAX / 3, u64::MAX];
        let rtts_ns = [1, 999, 1_000, 1_500_000, 40_000_000, 1 << 40, u64::MAX];
        let sv = |w: u64, r: u64| SubflowView {
            cwnd: w,
            srtt: Some(Duration::from_nanos(r)),
            ..SubflowView::default()
        };
        for &w1 in &cwnds {
            for &r1 in &rtts_ns {
                for &w2 in &cwnds {
                    for &r2 in &rtts_ns {
                        let (a, b) = (sv(w1, r1), sv(w2, r2));
                        let others = [b, view(20_000, 30), SubflowView::default()];
                        let wide = coupled_threshold_wide(a.cwnd, a.srtt.unwrap(), &others);
                        assert_eq!(coupled_threshold(&a, &others), wide, "{w1} {r1} {w2} {r2}");
                    }
                }
            }
        }
    }

    fn ack(bytes: u64, srtt_ms: u64) -> AckSample {
        AckSample {
            now: Instant::ZERO,
            acked_bytes: bytes,
            rtt: None,
            srtt: Some(Duration::from_millis(srtt_ms)),
            bytes_in_flight: 0,
            cwnd_limited: true,
            snd_una: 0,
            snd_nxt: 0,
        }
    }

    /// Two subflows, MSS 1000: w1 = 10 000 B at 100 ms, w2 = 20 000 B at 200 ms.
    /// By hand: sum w/rtt = 0.1 + 0.1 = 0.2 B/us; max w/rtt^2 = 1e-6 (subflow 1);
    /// cwnd_total / alpha = 0.04 / 1e-6 = 40 000 B; alpha = 30 000 * 1e-6 / 0.04 = 0.75.
    /// Per ACK of 1000 B on subflow 1: min(0.75 * 1000 * 1000 / 30 000, 1000 * 1000 / 10 000)
    /// = min(25, 100) = 25 B, so one MSS after 40 ACKs (Reno: 10).
    #[test]
    fn hand_computed_rfc6356_values() {
        let (s1, s2) = (view(10_000, 100), view(20_000, 200));
        assert_eq!(coupled_threshold(&s1, &[s2]), Some(40_000));
        assert_eq!(coupled_threshold(&s2, &[s1]), Some(40_000));
        assert!((alpha(&s1, &[s2]).unwrap() - 0.75).abs() < 1e-12);
        let mut lia = Lia::new(1000, 10_000);
        lia.on_congestion_event(Instant::ZERO, 20_000, &Coupling::NONE);
        assert_eq!(lia.window(), 10_000);
        let others = [s2];
        let c = Coupling { others: &others };
        assert_eq!(lia.increase_threshold(s1.srtt, &c), 40_000);
        for _ in 0..39 {
            lia.on_ack(&ack(1000, 100), &c);
        }
        assert_eq!(lia.window(), 10_000);
        lia.on_ack(&ack(1000, 100), &c);
        assert_eq!(lia.window(), 11_000);
        // Now w1 = 11 000: sum = 0.11 + 0.1 = 0.21; max = 1.1e-6 (subflow 1);
        // T = 0.0441 / 1.1e-6 = 40 090.9.. -> 40 091 B.
        assert_eq!(lia.increase_threshold(s1.srtt, &c), 40_091);
        // Equal RTTs: T = (sum w)^2 / max w; 3 paths of 10 000 at 50 ms: 90 000 vs cwnd.
        let (a, b) = (view(10_000, 50), view(10_000, 50));
        assert_eq!(coupled_threshold(&a, &[a, b]), Some(90_000));
        // A path much better than the others: T falls to its own window (TCP-fair cap).
        let fast = view(50_000, 10);
        let slow = view(5_000, 300);
        let t = coupled_threshold(&fast, &[slow]).unwrap();
        // (50 000 + 5 000 * 10/300)^2 / 50 000 = 50 166.66..^2 / 50 000 = 50 333.9.. -> 50 334
        assert_eq!(t, 50_334);
        // Others without an RTT estimate are left out.
        let unknown = SubflowView {
            srtt: None,
            ..view(99_000, 1)
        };
        assert_eq!(coupled_threshold(&s1, &[s2, unknown]), Some(40_000));
    }

    #[test]
    fn one_subflow_is_reno_step_for_step() {
        let mut lia = Lia::new(1448, 14_480);
        let mut reno = Reno::new(1448, 14_480);
        let pattern = [1448u64, 2896, 1448, 700, 4344, 1448];
        for round in 0..400u64 {
            let bytes = pattern[(round % 6) as usize];
            let a = ack(bytes, 40 + round % 7);
            lia.on_ack(&a, &Coupling::NONE);
            reno.on_ack(&a, &Coupling::NONE);
            if round == 100 {
                lia.on_congestion_event(Instant::ZERO, 60_000, &Coupling::NONE);
                reno.on_congestion_event(Instant::ZERO, 60_000, &Coupling::NONE);
            }
            if round == 250 {
                lia.on_rto(Instant::ZERO, 30_000, true);
                reno.on_rto(Instant::ZERO, 30_000, true);
            }
            assert_eq!(
                (lia.window(), lia.ssthresh()),
                (reno.window(), reno.ssthresh()),
                "round {round}"
            );
        }
    }

    /// Linux mode (`mptcp_coupled.c`), MSS 1000: own w = 10 at 1 ms (srtt_us = 8000), other
    /// w = 20 at 2 ms (16 000). max_numerator: (10 << 32) / 8000² = 671, (20 << 32) / 16000²
    /// = 335 ⇒ b = own. D = (10 << 10)·8000/8000 + (20 << 10)·8000/16000 = 20 480;
    /// alpha = (10 << 32) / 20480² = 102 (102.4); T = max(4096 / 102, 10) = 40: the increment
    /// comes at the 41st ACK (cnt counts 0..40). Then w = 11: (11 << 32)/8000² = 738 ⇒ b own,
    /// D = 11 264 + 10 240 = 21 504, alpha = 47 244 640 256 / 462 422 016 = 102, T = 40.
    #[test]
    fn linux_mode_hand_computed() {
        let other = [view(20_000, 2)];
        let c = Coupling { others: &other };
        let own = view(10_000, 1);
        assert_eq!(linux_alpha(&own, &other), 102);
        let mut lia = Lia::with_mode(CcMode::Linux, 1000, 20_000);
        lia.on_congestion_event(Instant::ZERO, 999_999, &c);
        assert_eq!((lia.window(), lia.ssthresh()), (10_000, 10_000));
        for _ in 0..40 {
            lia.on_ack(&ack(1000, 1), &c);
        }
        assert_eq!((lia.window(), lia.linux_alpha()), (10_000, 102));
        lia.on_ack(&ack(1000, 1), &c);
        assert_eq!((lia.window(), lia.linux_alpha()), (11_000, 102));
        // ACK events, not bytes: 40 stretch ACKs of 3 segments still take 41 ACKs.
        for _ in 0..40 {
            lia.on_ack(&ack(3000, 1), &c);
        }
        assert_eq!(lia.window(), 11_000);
        lia.on_ack(&ack(3000, 1), &c);
        assert_eq!(lia.window(), 12_000);
        // Quirk: at 100 ms / 200 ms, (w << 32) / srtt_us² truncates to 0 for both; the tie
        // goes to the later subflow (w = 20, srtt_us 1.6e6): D = 10240·2 + 20480 = 40 960,
        // alpha = (20 << 32) / 40960² = 51, T = 4096 / 51 = 80 (real-valued: 40).
        assert_eq!(linux_alpha(&view(10_000, 100), &[view(20_000, 200)]), 51);
        // Loss: w = max(w / 2, 2) segments from the window, not FlightSize; RTO: w = 1.
        lia.on_congestion_event(Instant::ZERO, 1, &c);
        assert_eq!((lia.window(), lia.ssthresh()), (6000, 6000));
        lia.on_rto(Instant::ZERO, 1, true);
        assert_eq!((lia.window(), lia.ssthresh()), (1000, 3000));
        // Slow start: + acked segments (no L = 2 cap), capped at ssthresh.
        lia.on_ack(&ack(1500, 1), &c);
        assert_eq!(lia.window(), 3000);
    }

    /// With one subflow Linux-mode LIA is the kernel's ACK-counting Reno as long as
    /// `4096 / (4096 / w) == w` (w < 72 segments; at w = 72, T = 73).
    #[test]
    fn linux_one_subflow_is_reno_below_72_segments() {
        let mut lia = Lia::with_mode(CcMode::Linux, 1000, 10_000);
        let mut reno = LinuxReno {
            w: 10,
            ss: u64::MAX,
            cnt: 0,
            keep: |w| (w / 2).max(2),
        };
        for round in 0..3000u64 {
            let bytes = [1000u64, 2000, 1000, 500][(round % 4) as usize];
            lia.on_ack(&ack(bytes, 30 + round % 5), &Coupling::NONE);
            reno.ack(bytes.div_ceil(1000));
            if round % 150 == 20 {
                lia.on_congestion_event(Instant::ZERO, 1, &Coupling::NONE);
                reno.loss();
            }
            if round == 2000 {
                lia.on_rto(Instant::ZERO, 1, true);
                reno.rto();
            }
            assert!(reno.w < 72);
            assert_eq!(lia.window(), reno.w * 1000, "round {round}");
        }
        let own = view(72_000, 10);
        assert_eq!(linux_alpha(&own, &[]), 4096 / 72);
        assert_eq!(4096 / linux_alpha(&own, &[]), 73);
    }
}
