//! BALIA, the Balanced Linked Adaptation algorithm (Peng, Walid, Hwang, Low, "Multipath TCP:
//! Analysis, Design, and Implementation", IEEE/ACM ToN 24(1), 2016, §VI;
//! `draft-walid-mptcp-congestion-control-04` §3): coupled congestion control for the
//! subflows of one MPTCP connection.
//!
//! With `x_k = w_k / rtt_k` and `α_r = max_k x_k / x_r`, per ACK on subflow `r` in congestion
//! avoidance (ToN'16 eq. (14); draft §3)
//!
//! ```text
//! w_r += x_r / (rtt_r (Σ_k x_k)²) · ((1 + α_r) / 2) · ((4 + α_r) / 5)      segments
//! on loss:  w_r -= (w_r / 2) · min(α_r, 1.5)
//! ```
//!
//! Slow start is uncoupled. With one subflow (`α = 1`) both reduce to Reno.
//!
//! # Modes
//! - [`CcMode::Paper`]: real-valued per acknowledged byte, by exact integer byte counting:
//!   the increase is one SMSS per `T = 10 w_r S² / ((x_r + x_max)(4 x_r + x_max))` bytes
//!   acked (rates scaled by `rtt_r`, rounded up). Decrease applied to FlightSize (as RFC 5681
//!   does for Reno): `ssthresh = max(FlightSize (2 − min(α_r, 1.5)) / 2, 2 SMSS)`, with α from
//!   the RTT of the last ACK. A timeout (no coupling view) halves as Reno.
//! - [`CcMode::Linux`]: `net/mptcp/mptcp_balia.c` (v0.95): windows in
//!   segments, `x_k` in bytes/s with *r's* MSS for every k, overflow guard (`>> 5` while
//!   `x_max > 2^25`), `ai` cached and recalculated in slow start, after each increment and on
//!   loss; `snd_cwnd_cnt >= ai` ⇒ `w += 1`; `α` floor-divided so the decrease is exactly
//!   `w − ⌊w/2⌋` (α = 1) or `w − 1.5 ⌊w/2⌋` (α ≥ 2), floor 1 segment. With one subflow the
//!   increase is Reno's; the decrease keeps `⌈w/2⌉` (floor 1) where Reno keeps `⌊w/2⌋`
//!   (floor 2). Differences from the kernel: `md` is recomputed at the loss with the current
//!   coupling (the kernel uses the value cached at the last recalculation, which can exceed
//!   `w` after a timeout and underflow); the 128-bit arithmetic cannot overflow where the
//!   kernel's `u64` `S² · 10` could with many fast subflows.

use super::{
    div128, linux_slow_start, rtt_us, segments, slow_start, srtt_us8, AckSample, CcMode,
    CongestionController, Coupling, SubflowView,
};
use sim_core::{Duration, Instant};

/// Fixed-point scale (bits) of the paper-mode rates `w_k * rtt_r / rtt_k`.
const TERM_SHIFT: u32 = 16;
/// `mptcp_balia.c` (v0.95): `rate_scale_limit = 25`.
const RATE_SCALE_LIMIT: u32 = 25;
/// `mptcp_balia.c` (v0.95): `scale_num = 5`.
const SCALE_NUM: u32 = 5;
/// `mptcp_balia.c` (v0.95): `alpha_scale = 10`.
const ALPHA_SCALE: u32 = 10;

/// Paper mode: bytes acked per SMSS of increase, `T = 10 w_r S² / ((x_r+x_max)(4x_r+x_max))`
/// (ToN'16 eq. (14) per acked byte), rates scaled by `rtt_r`; and `(x_max, x_r)` for α.
pub fn paper_threshold(own: &SubflowView, others: &[SubflowView]) -> Option<(u64, u128, u128)> {
    let tau_r = rtt_us(own.srtt?);
    let y = |v: &SubflowView| {
        Some(div128(
            (u128::from(v.cwnd) * tau_r) << TERM_SHIFT,
            rtt_us(v.srtt?),
        ))
    };
    let y_r = u128::from(own.cwnd) << TERM_SHIFT;
    let (mut s, mut y_max) = (y_r, y_r);
    for v in others {
        if let Some(yk) = y(v) {
            s = s.saturating_add(yk);
            y_max = y_max.max(yk);
        }
    }
    let num = (10 * u128::from(own.cwnd)).saturating_mul(s.saturating_mul(s));
    let den = (y_r + y_max).saturating_mul(4 * y_r + y_max).max(1);
    let t = u64::try_from(num.div_ceil(den)).unwrap_or(u64::MAX);
    Some((t.max(1), y_max, y_r))
}

/// Linux `mptcp_balia_recalc_ai` (`mptcp_balia.c`): `(ai, md)` in segments for own window `w_r`
/// (segments), own MSS `mss_r` and RTT `τ_r` (`srtt_us`), over the other subflows.
pub fn linux_ai_md(w_r: u64, mss_r: u64, tau_r: u64, others: &[SubflowView]) -> (u64, u64) {
    // x_k = (mss_r · w_k · (USEC_PER_SEC << 3)) / srtt_us_k: r's MSS for every k (quirk 4).
    let x = |w: u64, t: u64| {
        (u128::from(mss_r) * u128::from(w) * (1_000_000u128 << 3)) / u128::from(t.max(1))
    };
    let others = others
        .iter()
        .filter_map(|v| Some(x(segments(v.cwnd, v.smss), srtt_us8(v.srtt?))));
    let x_r = x(w_r, tau_r);
    let mut x_max = x_r;
    for xk in others.clone() {
        x_max = x_max.max(xk);
    }
    // alpha = x_max / x_r, floor (quirk 1).
    let alpha = x_max.checked_div(x_r).unwrap_or(u128::from(u64::MAX));
    let mut j = 0;
    while x_max > (1u128 << RATE_SCALE_LIMIT) {
        x_max >>= SCALE_NUM;
        j += 1;
    }
    let sh = SCALE_NUM * j;
    let x_rs = x_r >> sh;
    let s = others.fold(x_rs, |a, xk| a.saturating_add(xk >> sh));
    let ai = ((s.saturating_mul(s).saturating_mul(10)) / (x_rs + x_max).max(1))
        .saturating_mul(u128::from(w_r))
        / (4 * x_rs + x_max).max(1);
    let ai = match u64::try_from(ai) {
        Ok(0) => w_r,
        Ok(a) => a,
        Err(_) => u64::MAX,
    };
    // md = ((w_r >> 1) · min(alpha << 10, (3 << 10) >> 1)) >> 10
    let factor = alpha
        .saturating_mul(1 << ALPHA_SCALE)
        .min((3 << ALPHA_SCALE) >> 1);
    let md = ((u128::from(w_r >> 1) * factor) >> ALPHA_SCALE) as u64;
    (ai, md)
}

/// BALIA controller of one subflow.
#[derive(Clone, Debug)]
pub struct Balia {
    mode: CcMode,
    smss: u64,
    cwnd: u64,
    ssthresh: u64,
    /// Paper: RFC 3465 byte counter. Linux: `snd_cwnd_cnt` (ACK events).
    counter: u64,
    /// Linux: cached `ai` (0 = to be recalculated).
    ai: u64,
    /// Smoothed RTT at the last ACK (for the decrease's α).
    srtt: Option<Duration>,
}

impl Balia {
    /// A controller in `mode` with `cwnd = initial_window`, `ssthresh` infinite.
    pub fn new(mode: CcMode, smss: u64, initial_window: u64) -> Balia {
        let smss = smss.max(1);
        let cwnd = match mode {
            CcMode::Paper => initial_window.max(smss),
            CcMode::Linux => segments(initial_window, smss) * smss,
        };
        Balia {
            mode,
            smss,
            cwnd,
            ssthresh: u64::MAX,
            counter: 0,
            ai: 0,
            srtt: None,
        }
    }

    /// Linux: the cached `ai` (ACK events per one-segment increase).
    pub fn linux_ai(&self) -> u64 {
        self.ai
    }

    fn own_view(&self) -> SubflowView {
        SubflowView {
            cwnd: self.cwnd,
            srtt: self.srtt,
            smss: self.smss,
            ..SubflowView::default()
        }
    }

    fn recalc(&mut self, c: &Coupling<'_>) -> u64 {
        let w = segments(self.cwnd, self.smss);
        let Some(srtt) = self.srtt else {
            self.ai = w;
            return w >> 1;
        };
        let (ai, md) = linux_ai_md(w, self.smss, srtt_us8(srtt), c.others);
        self.ai = ai;
        md
    }

    fn on_ack_linux(&mut self, ack: &AckSample, c: &Coupling<'_>) {
        if self.cwnd < self.ssthresh {
            self.cwnd = linux_slow_start(self.cwnd, self.ssthresh, ack.acked_bytes, self.smss);
            self.recalc(c);
            return;
        }
        if self.ai == 0 {
            self.recalc(c);
        }
        if self.counter >= self.ai {
            self.cwnd = (segments(self.cwnd, self.smss) + 1).saturating_mul(self.smss);
            self.recalc(c);
            self.counter = 0;
        } else {
            self.counter += 1;
        }
    }

    fn on_ack_paper(&mut self, ack: &AckSample, c: &Coupling<'_>) {
        if self.cwnd < self.ssthresh {
            self.cwnd = slow_start(self.cwnd, self.ssthresh, ack.acked_bytes, self.smss);
            return;
        }
        let Some((t, _, _)) = paper_threshold(&self.own_view(), c.others) else {
            return;
        };
        self.counter = self.counter.saturating_add(ack.acked_bytes);
        if self.counter >= t {
            self.counter -= t;
            self.cwnd = self.cwnd.saturating_add(self.smss);
        }
    }

    /// Paper decrease from `flight`: `flight (2 − min(α, 1.5)) / 2`, floor 2 SMSS.
    fn paper_decrease(&self, flight: u64, c: &Coupling<'_>) -> u64 {
        let kept = match paper_threshold(&self.own_view(), c.others) {
            // α = y_max / y_r >= 1.5  ⇔  2 y_max >= 3 y_r: keep a quarter.
            Some((_, y_max, y_r)) if 2 * y_max >= 3 * y_r => flight / 4,
            Some((_, y_max, y_r)) => {
                let k = u128::from(flight) * (2 * y_r - y_max) / (2 * y_r).max(1);
                u64::try_from(k).unwrap_or(u64::MAX)
            }
            None => flight / 2,
        };
        kept.max(2 * self.smss)
    }
}

impl CongestionController for Balia {
    fn on_sent(&mut self, _now: Instant, _bytes: u64, _in_flight: u64) {}

    fn on_ack(&mut self, ack: &AckSample, coupling: &Coupling<'_>) {
        if ack.srtt.is_some() {
            self.srtt = ack.srtt;
        }
        match self.mode {
            CcMode::Paper => self.on_ack_paper(ack, coupling),
            CcMode::Linux => self.on_ack_linux(ack, coupling),
        }
    }

    /// ToN'16 §VI: `w_r -= (w_r/2) min(α_r, 1.5)` (see the module doc for each mode).
    fn on_congestion_event(&mut self, _now: Instant, in_flight: u64, c: &Coupling<'_>) {
        self.ssthresh = match self.mode {
            CcMode::Paper => self.paper_decrease(in_flight, c),
            CcMode::Linux => {
                let w = segments(self.cwnd, self.smss);
                let md = self.recalc(c);
                // ssthresh = max(w_r − md, 1) (quirk 3: floor 1 segment).
                w.saturating_sub(md).max(1) * self.smss
            }
        };
        self.cwnd = self.ssthresh;
        self.counter = 0;
        if self.mode == CcMode::Linux {
            // CA_EVENT_COMPLETE_CWR: recalc_ai with the reduced window.
            self.recalc(c);
        }
    }

    /// RFC 5681 §3.1 loss window. No coupling view here: the paper mode halves FlightSize;
    /// Linux uses `w − ⌊w/2⌋` (the single-path `md`), floor 1, and recalculates `ai` later.
    fn on_rto(&mut self, _now: Instant, in_flight: u64, first: bool) {
        if first {
            self.ssthresh = match self.mode {
                CcMode::Paper => (in_flight / 2).max(2 * self.smss),
                CcMode::Linux => {
                    let w = segments(self.cwnd, self.smss);
                    (w - (w >> 1)).max(1) * self.smss
                }
            };
        }
        self.cwnd = self.smss;
        self.counter = 0;
        self.ai = 0;
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
    use crate::cc::testutil::{ack, view, LinuxReno};
    use crate::cc::Reno;

    /// Paper mode, MSS 1000, own w = 10 000 B at 100 ms. Rates scaled by rtt_r:
    /// - other 20 000 B at 200 ms: x = 10 000 each, α = 1, S = 20 000:
    ///   T = 10·10 000·20 000² / (20 000 · 50 000) = 40 000;
    /// - other 40 000 B at 200 ms: x_o = 20 000, α = 2, S = 30 000:
    ///   T = 10·10 000·30 000² / (30 000 · 60 000) = 50 000;
    ///   real-valued: x_r/(τ_r S²)·(3/2)(6/5) per segment = 1.8 · 10 000/(30 000²) ·
    ///   (1/10 000 per byte) ... = 1/50 000 per acked byte ✓.
    ///
    /// Decrease keeps FlightSize·(2 − min(α, 1.5))/2: α = 2 ⇒ ¼; α = 1.25 (other 25 000 B) ⇒
    /// 0.375; α = 1 ⇒ ½.
    #[test]
    fn paper_mode_hand_computed() {
        let own = view(10_000, 100);
        assert_eq!(
            paper_threshold(&own, &[view(20_000, 200)]).unwrap().0,
            40_000
        );
        assert_eq!(
            paper_threshold(&own, &[view(40_000, 200)]).unwrap().0,
            50_000
        );
        let other = [view(40_000, 200)];
        let c = Coupling { others: &other };
        let mut b = Balia::new(CcMode::Paper, 1000, 10_000);
        b.ssthresh = 10_000;
        for _ in 0..49 {
            b.on_ack(&ack(1000, 100), &c);
        }
        assert_eq!(b.window(), 10_000);
        b.on_ack(&ack(1000, 100), &c);
        assert_eq!(b.window(), 11_000);
        b.on_congestion_event(Instant::ZERO, 16_000, &c);
        assert_eq!((b.window(), b.ssthresh()), (4000, 4000));
        let mid = [view(25_000, 200)];
        let mut b = Balia::new(CcMode::Paper, 1000, 10_000);
        b.on_ack(&ack(1000, 100), &Coupling::NONE);
        b.on_congestion_event(Instant::ZERO, 16_000, &Coupling { others: &mid });
        // cwnd at the event is 11 000: x_r = 11 000, x_o = 12 500, α = 1.136..:
        // 16 000 · (22 000 − 12 500) / 22 000 = 6909.
        assert_eq!(b.window(), 6909);
        let mut b = Balia::new(CcMode::Paper, 1000, 10_000);
        b.on_ack(&ack(1000, 100), &Coupling::NONE);
        b.on_congestion_event(Instant::ZERO, 16_001, &Coupling::NONE);
        assert_eq!(b.window(), 8000);
    }

    /// Linux mode (`mptcp_balia.c`), MSS 1000, own w = 10 at 1 ms (srtt_us 8000):
    /// x_r = 1000·10·8e6/8000 = 1e7 B/s.
    /// - other w = 20 at 2 ms: x = 1e7, α = 1, S = 2e7: ai = ((4e14·10)/2e7)·10/5e7 = 40,
    ///   md = 5·1024 >> 10 = 5;
    /// - other w = 40 at 2 ms: x = 2e7, α = 2: ai = ((9e14·10)/3e7)·10/6e7 = 50,
    ///   md = (5·min(2048, 1536)) >> 10 = 7 ⇒ ssthresh = 10 − 7 = 3;
    /// - overflow guard: own w = 100 at 1 ms (x = 1e8 > 2^25 ⇒ >> 5: 3 125 000), other
    ///   w = 50 at 1 ms (5e7 >> 5 = 1 562 500): S = 4 687 500,
    ///   ai = ((S²·10)/6 250 000)·100/15 625 000 = 35 156 250·100/15 625 000 = 225.
    #[test]
    fn linux_mode_hand_computed() {
        assert_eq!(linux_ai_md(10, 1000, 8000, &[view(20_000, 2)]), (40, 5));
        assert_eq!(linux_ai_md(10, 1000, 8000, &[view(40_000, 2)]), (50, 7));
        assert_eq!(linux_ai_md(100, 1000, 8000, &[view(50_000, 1)]), (225, 50));
        assert_eq!(linux_ai_md(100, 1000, 8000, &[]), (100, 50));
        // x_k with r's MSS: the other's 1448-byte MSS does not matter.
        let o = SubflowView {
            smss: 1448,
            cwnd: 20 * 1448,
            ..view(0, 2)
        };
        assert_eq!(linux_ai_md(10, 1000, 8000, &[o]), (40, 5));

        let other = [view(20_000, 2)];
        let c = Coupling { others: &other };
        let mut b = Balia::new(CcMode::Linux, 1000, 20_000);
        b.on_ack(&ack(1000, 1), &c);
        b.on_congestion_event(Instant::ZERO, 1, &c);
        // w = 21 at the event: x_r = 2.1e7 = x_max, α = 1, md = 10: ssthresh 11.
        assert_eq!((b.window(), b.ssthresh()), (11_000, 11_000));
        let mut b = Balia::new(CcMode::Linux, 1000, 10_000);
        b.ssthresh = 10_000;
        for _ in 0..40 {
            b.on_ack(&ack(1000, 1), &c);
        }
        assert_eq!((b.window(), b.linux_ai()), (10_000, 40));
        b.on_ack(&ack(1000, 1), &c);
        assert_eq!(b.window(), 11_000);
        let fast = [view(40_000, 1)];
        b.on_congestion_event(Instant::ZERO, 1, &Coupling { others: &fast });
        // x_max = 4e7, x_r = 1.1e7 ⇒ α = 3 ⇒ md = 5·1536 >> 10 = 7; 11 − 7 = 4.
        assert_eq!(b.window(), 4000);
    }

    #[test]
    fn paper_one_subflow_is_reno_step_for_step() {
        let mut b = Balia::new(CcMode::Paper, 1448, 14_480);
        let mut reno = Reno::new(1448, 14_480);
        let pattern = [1448u64, 2896, 1448, 700, 4344, 1448];
        for round in 0..2000u64 {
            let a = ack(pattern[(round % 6) as usize], 40 + round % 7);
            b.on_ack(&a, &Coupling::NONE);
            reno.on_ack(&a, &Coupling::NONE);
            if round % 500 == 100 {
                b.on_congestion_event(Instant::ZERO, 60_001 + round, &Coupling::NONE);
                reno.on_congestion_event(Instant::ZERO, 60_001 + round, &Coupling::NONE);
            }
            if round == 1250 {
                b.on_rto(Instant::ZERO, 30_000, true);
                reno.on_rto(Instant::ZERO, 30_000, true);
            }
            assert_eq!(
                (b.window(), b.ssthresh()),
                (reno.window(), reno.ssthresh()),
                "round {round}"
            );
        }
    }

    /// Linux mode, one subflow: `ai = w` exactly ⇒ Reno's increase; the decrease keeps
    /// `w − ⌊w/2⌋` (floor 1) — kernel quirk 3 / b3.5.
    #[test]
    fn linux_one_subflow_is_reno_with_ceil_decrease() {
        let mut b = Balia::new(CcMode::Linux, 1000, 10_000);
        let mut reno = LinuxReno {
            w: 10,
            ss: u64::MAX,
            cnt: 0,
            keep: |w| (w - w / 2).max(1),
        };
        for round in 0..5000u64 {
            let bytes = [1000u64, 2000, 1000, 500][(round % 4) as usize];
            b.on_ack(&ack(bytes, 30 + round % 5), &Coupling::NONE);
            reno.ack(bytes.div_ceil(1000));
            if round % 333 == 20 {
                b.on_congestion_event(Instant::ZERO, 1, &Coupling::NONE);
                reno.loss();
            }
            if round == 2000 {
                b.on_rto(Instant::ZERO, 1, true);
                reno.rto();
            }
            assert_eq!(b.window(), reno.w * 1000, "round {round}");
        }
    }
}
