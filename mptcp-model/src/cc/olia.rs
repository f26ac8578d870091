//! OLIA, the Opportunistic Linked Increases Algorithm (Khalili, Gast, Popovic, Le Boudec,
//! "MPTCP is not Pareto-optimal", CoNEXT 2012, §V; ToN 2013): coupled congestion control
//! for the subflows of one MPTCP connection.
//!
//! Per ACK on subflow `r` in congestion avoidance the window grows by (CoNEXT'12 eq. (5))
//!
//! ```text
//! (w_r / rtt_r^2) / (Σ_p w_p / rtt_p)^2  +  α_r / w_r          segments per acked segment
//! α_r = +1 / (n |B\M|)  if r ∈ B\M,   −1 / (n |M|)  if r ∈ M and B\M ≠ ∅,   0 otherwise
//! ```
//!
//! where `M` is the set of paths with the largest window, `B` the set of "best" paths
//! maximising `ℓ_p / rtt_p²` with `ℓ_p` the bytes acknowledged between the last two losses on
//! `p` (or since the last loss if more), and `n` the number of paths. Loss halves `w_r`
//! (Reno). Slow start is uncoupled.
//!
//! # Modes
//! - [`CcMode::Paper`]: the formula above real-valued per acknowledged byte, windows in
//!   bytes, applied by exact integer byte counting: the increase per acked byte is
//!   `SMSS / T` with `T = 1 / g` bytes for the rate `g` above, computed in exact integers and
//!   rounded up; a signed byte counter moves the window by one SMSS when it reaches `±T`
//!   (the α term can make `g` negative for paths in `M`). With one subflow `T = cwnd`: Reno
//!   step for step. Decrease: `max(FlightSize / 2, 2 SMSS)` (RFC 5681).
//! - [`CcMode::Linux`]: `net/mptcp/mptcp_olia.c` (v0.95): scale 10,
//!   `rate = (1 + Σ_p ((w^c_p << 10) τ_r) / τ_p)²`, signed counter `cnt` in ACK events,
//!   `w_r ± 1` at `±(2^10 − 1)` (remainder discarded), `w^c = ssthresh` in recovery, decrease
//!   `max(w / 2, 2)` segments. With one subflow this is *not* exactly Reno: the `1 +` in
//!   `rate` and the truncating division make an increment take a few more ACKs than `w`
//!   (e.g. 103 ACKs at `w = 100`).

use super::{
    div128, linux_halve, linux_slow_start, rtt_us, segments, slow_start, srtt_us8, AckSample,
    CcMode, CongestionController, Coupling, LossIntervals,
};
use sim_core::{Duration, Instant};

/// `mptcp_olia.c` (v0.95): `scale = 10`.
const SCALE: u32 = 10;
/// Fixed-point scale (bits) of the paper-mode terms `w_p * rtt_r / rtt_p`.
const TERM_SHIFT: u32 = 16;

/// OLIA's `α_r` as `(sign, denominator)`: `sign / den` with `sign ∈ {−1, 0, +1}`.
///
/// `paths` yields `(w^c_p, τ_p, ℓ_p)` with the own path first. CoNEXT'12 §V / `mptcp_olia.c`:
/// `M = {p : w_p = max w}`, `B = argmax ℓ_p / τ_p²` (compared as `ℓ_p τ_b² ≥ ℓ_b τ_p²`),
/// `α = +1/(n |B\M|)` on `B\M`, `−1/(n |M|)` on `M` when `B\M ≠ ∅`, else 0.
pub fn epsilon<I>(paths: I) -> (i64, u64)
where
    I: Iterator<Item = (u64, u128, u64)> + Clone,
{
    let mut n = 0u64;
    let mut w_max = 0u64;
    let mut best = (0u128, 1u128); // (ℓ_b, τ_b)
    for (w, t, l) in paths.clone() {
        n += 1;
        w_max = w_max.max(w);
        let (lb, tb) = best;
        if u128::from(l).saturating_mul(tb * tb) >= lb.saturating_mul(t * t) {
            best = (u128::from(l), t);
        }
    }
    let (lb, tb) = best;
    let in_b = |t: u128, l: u64| u128::from(l).saturating_mul(tb * tb) == lb.saturating_mul(t * t);
    let (mut m, mut b_not_m) = (0u64, 0u64);
    for (w, t, l) in paths.clone() {
        if w == w_max {
            m += 1;
        } else if in_b(t, l) {
            b_not_m += 1;
        }
    }
    let Some((w, t, l)) = paths.clone().next() else {
        return (0, 1);
    };
    if b_not_m == 0 {
        (0, 1)
    } else if w == w_max {
        (-1, n * m)
    } else if in_b(t, l) {
        (1, n * b_not_m)
    } else {
        (0, 1)
    }
}

/// Paper mode: the signed byte-counting threshold `T = 1 / g` (bytes acked per SMSS of
/// window change) for own window `w_r` (bytes) and RTT `τ_r`, over `paths` yielding
/// `(w_p, τ_p)` with the own path first. `None` when `g = 0`.
///
/// `g = 1/T1 + s/(m w_r)` with `T1 = (Σ_p w_p τ_r/τ_p)² / w_r` (the first OLIA term) and
/// `α_r = s/m`; so `T = T1 m w_r / (m w_r ± T1)`, rounded up.
pub fn paper_threshold<I>(w_r: u64, tau_r: u128, paths: I, eps: (i64, u64)) -> Option<i128>
where
    I: Iterator<Item = (u64, u128)>,
{
    let sum: u128 = paths
        .map(|(w, t)| div128((u128::from(w) * tau_r) << TERM_SHIFT, t.max(1)))
        .fold(0, u128::saturating_add);
    let num1 = sum.saturating_mul(sum);
    let den1 = u128::from(w_r.max(1)) << (2 * TERM_SHIFT);
    let to_i = |v: u128| i128::try_from(v).unwrap_or(i128::MAX);
    let (s, m) = eps;
    if s == 0 {
        return Some(to_i(num1.div_ceil(den1)));
    }
    let mw = u128::from(m) * u128::from(w_r.max(1));
    let n = num1.saturating_mul(mw);
    let a = den1.saturating_mul(mw);
    if s > 0 {
        return Some(to_i(n.div_ceil(a.saturating_add(num1))));
    }
    match a.cmp(&num1) {
        core::cmp::Ordering::Greater => Some(to_i(n.div_ceil(a - num1))),
        core::cmp::Ordering::Equal => None,
        core::cmp::Ordering::Less => Some(-to_i(n.div_ceil(num1 - a))),
    }
}

/// OLIA controller of one subflow.
#[derive(Clone, Debug)]
pub struct Olia {
    mode: CcMode,
    smss: u64,
    cwnd: u64,
    ssthresh: u64,
    /// Paper: signed byte counter. Linux: `mptcp_snd_cwnd_cnt` (scaled by 2^10).
    credit: i64,
    loss: LossIntervals,
}

impl Olia {
    /// A controller in `mode` with `cwnd = initial_window`, `ssthresh` infinite.
    pub fn new(mode: CcMode, smss: u64, initial_window: u64) -> Olia {
        let smss = smss.max(1);
        let cwnd = match mode {
            CcMode::Paper => initial_window.max(smss),
            CcMode::Linux => segments(initial_window, smss) * smss,
        };
        Olia {
            mode,
            smss,
            cwnd,
            ssthresh: u64::MAX,
            credit: 0,
            loss: LossIntervals::default(),
        }
    }

    /// The signed counter (paper: bytes; Linux: `cnt`).
    pub fn counter(&self) -> i64 {
        self.credit
    }

    fn on_ack_paper(&mut self, ack: &AckSample, srtt: Duration, c: &Coupling<'_>) {
        let tau_r = rtt_us(srtt);
        let own = (self.cwnd, tau_r, self.loss.value());
        let others = c
            .others
            .iter()
            .filter_map(|v| Some((v.cwnd_c(), rtt_us(v.srtt?), v.loss_interval)));
        let paths = core::iter::once(own).chain(others);
        let eps = epsilon(paths.clone());
        let wt = paths.map(|(w, t, _)| (w, t));
        let Some(t) = paper_threshold(self.cwnd, tau_r, wt, eps) else {
            return;
        };
        let acked = i64::try_from(ack.acked_bytes).unwrap_or(i64::MAX);
        let t = i64::try_from(t).unwrap_or(if t > 0 { i64::MAX } else { -i64::MAX });
        if t > 0 {
            self.credit = self.credit.saturating_add(acked);
            if self.credit >= t {
                self.credit -= t;
                self.cwnd = self.cwnd.saturating_add(self.smss);
            }
        } else {
            self.credit = self.credit.saturating_sub(acked);
            if self.credit <= t {
                self.credit -= t;
                self.cwnd = self.cwnd.saturating_sub(self.smss).max(self.smss);
            }
        }
    }

    /// `mptcp_olia_cong_avoid()` (`mptcp_olia.c`) in congestion avoidance (Linux mode).
    fn on_ack_linux(&mut self, srtt: Duration, c: &Coupling<'_>) {
        let w_r = segments(self.cwnd, self.smss);
        let tau_r = srtt_us8(srtt);
        let own = (w_r, u128::from(tau_r), self.loss.value());
        let others = c.others.iter().filter_map(|v| {
            let t = u128::from(srtt_us8(v.srtt?));
            Some((segments(v.cwnd_c(), v.smss), t, v.loss_interval))
        });
        let paths = core::iter::once(own).chain(others);
        let (e_num, e_den) = epsilon(paths.clone());
        // rate = (1 + Σ_p ((w^c_p << 10) · τ_r) / τ_p)²
        let sum = paths
            .map(|(w, t, _)| div128((u128::from(w) << SCALE) * u128::from(tau_r), t))
            .fold(1u128, u128::saturating_add);
        let rate = sum.saturating_mul(sum);
        let cws = u128::from(w_r) << SCALE;
        let cws2 = cws.saturating_mul(cws);
        let den = u128::from(e_den);
        let inc_den = den
            .saturating_mul(u128::from(w_r))
            .saturating_mul(rate)
            .max(1);
        let to_i = |v: u128| i64::try_from(v).unwrap_or(i64::MAX);
        let delta = if e_num >= 0 {
            let num = (u128::from(e_num as u64) * rate).saturating_add(den.saturating_mul(cws2));
            to_i(num.saturating_mul(1 << SCALE) / inc_den)
        } else {
            let a = den.saturating_mul(cws2);
            if a >= rate {
                to_i((a - rate).saturating_mul(1 << SCALE) / inc_den)
            } else {
                -to_i((rate - a).saturating_mul(1 << SCALE) / inc_den)
            }
        };
        self.credit = self.credit.saturating_add(delta);
        let lim = (1i64 << SCALE) - 1;
        if self.credit >= lim {
            self.cwnd = (w_r + 1).saturating_mul(self.smss);
            self.credit = 0;
        } else if self.credit <= -lim {
            self.cwnd = w_r.saturating_sub(1).max(1) * self.smss;
            self.credit = 0;
        }
    }

    fn decrease(&self, in_flight: u64) -> u64 {
        match self.mode {
            CcMode::Paper => (in_flight / 2).max(2 * self.smss),
            CcMode::Linux => linux_halve(self.cwnd, self.smss),
        }
    }
}

impl CongestionController for Olia {
    fn on_sent(&mut self, _now: Instant, _bytes: u64, _in_flight: u64) {}

    /// Slow start uncoupled; congestion avoidance per the module doc. `ℓ` counts every
    /// acknowledged byte (Linux: `loss3 = snd_una` on every `cong_avoid()` call).
    fn on_ack(&mut self, ack: &AckSample, coupling: &Coupling<'_>) {
        self.loss.on_acked(ack.acked_bytes);
        if self.cwnd < self.ssthresh {
            self.cwnd = match self.mode {
                CcMode::Paper => slow_start(self.cwnd, self.ssthresh, ack.acked_bytes, self.smss),
                CcMode::Linux => {
                    linux_slow_start(self.cwnd, self.ssthresh, ack.acked_bytes, self.smss)
                }
            };
            return;
        }
        let Some(srtt) = ack.srtt else {
            return;
        };
        match self.mode {
            CcMode::Paper => self.on_ack_paper(ack, srtt, coupling),
            CcMode::Linux => self.on_ack_linux(srtt, coupling),
        }
    }

    /// CoNEXT'12 §V: "for each loss on path r, w_r ← w_r / 2" (Reno); `ℓ` shifts.
    fn on_congestion_event(&mut self, _now: Instant, in_flight: u64, _c: &Coupling<'_>) {
        self.loss.on_loss();
        self.ssthresh = self.decrease(in_flight);
        self.cwnd = self.ssthresh;
        self.credit = 0;
    }

    /// RFC 5681 §3.1 loss window; `ℓ` shifts on the first timeout only (Linux:
    /// `icsk_retransmits == 0`).
    fn on_rto(&mut self, _now: Instant, in_flight: u64, first: bool) {
        if first {
            self.loss.on_loss();
            self.ssthresh = self.decrease(in_flight);
        }
        self.cwnd = self.smss;
        self.credit = 0;
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

    fn loss_interval(&self) -> u64 {
        self.loss.value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cc::testutil::{ack, view, LinuxReno};
    use crate::cc::{Reno, SubflowView};

    fn with_ell(v: SubflowView, ell: u64) -> SubflowView {
        SubflowView {
            loss_interval: ell,
            ..v
        }
    }

    #[test]
    fn epsilon_sets() {
        // No loss yet: every ℓ = 0, so every path is in B; M = {largest window}.
        let t = |ms: u128| ms * 1000;
        let p = [(10u64, t(10), 0u64), (20, t(20), 0), (20, t(30), 0)];
        // own (first, w = 10) ∉ M, ∈ B ⇒ B\M = {own}: +1/(n·1) = +1/3.
        assert_eq!(epsilon(p.iter().copied()), (1, 3));
        let q = [(10u64, t(10), 5000u64), (20, t(20), 100), (20, t(30), 100)];
        assert_eq!(epsilon(q.iter().copied()), (1, 3));
        // own ∈ M (two paths of 20): −1/(n |M|) = −1/6.
        let r = [(20u64, t(20), 100u64), (10, t(10), 5000), (20, t(30), 100)];
        assert_eq!(epsilon(r.iter().copied()), (-1, 6));
        // own neither in M nor in B: 0.
        let s = [(15u64, t(30), 100u64), (10, t(10), 5000), (20, t(30), 100)];
        assert_eq!(epsilon(s.iter().copied()), (0, 1));
        // B ⊆ M: no redistribution.
        let u = [(20u64, t(10), 5000u64), (10, t(10), 100)];
        assert_eq!(epsilon(u.iter().copied()), (0, 1));
    }

    /// Paper mode, MSS 1000. Own w = 10 000 B at 100 ms with ℓ = 50 000; other w = 20 000 B
    /// at 200 ms with ℓ = 10 000. ℓ/τ²: 50 000/1e10 > 10 000/4e10 ⇒ B = {own}; M = {other};
    /// own ∈ B\M ⇒ α = +1/(2·1). T1 = (10 000 + 20 000·100/200)² / 10 000 = 40 000;
    /// g = 1/40 000 + 0.5/10 000 = 7.5e-5 ⇒ T = 13 333.3 → 13 334 bytes per SMSS.
    /// The other side: ∈ M, α = −1/2; T1 = (10 000·2 + 20 000)² / 20 000 = 80 000;
    /// g = 1/80 000 − 0.5/20 000 = −1.25e-5 ⇒ T = −80 000.
    #[test]
    fn paper_mode_hand_computed() {
        let other = [with_ell(view(20_000, 200), 10_000)];
        let c = Coupling { others: &other };
        let mut o = Olia::new(CcMode::Paper, 1000, 10_000);
        o.ssthresh = 10_000;
        o.loss.since_last = 50_000;
        for _ in 0..13 {
            o.on_ack(&ack(1000, 100), &c);
        }
        assert_eq!((o.window(), o.counter()), (10_000, 13_000));
        o.on_ack(&ack(1000, 100), &c);
        assert_eq!((o.window(), o.counter()), (11_000, 666));
        assert_eq!(o.loss_interval(), 64_000);

        let mine = [with_ell(view(10_000, 100), 50_000)];
        let c = Coupling { others: &mine };
        let mut m = Olia::new(CcMode::Paper, 1000, 20_000);
        m.ssthresh = 20_000;
        m.loss.previous = 10_000;
        for _ in 0..79 {
            m.on_ack(&ack(1000, 200), &c);
        }
        assert_eq!((m.window(), m.counter()), (20_000, -79_000));
        m.on_ack(&ack(1000, 200), &c);
        assert_eq!((m.window(), m.counter()), (19_000, 0));
        // Loss halves FlightSize (Reno) and shifts ℓ: previous = 80 000 acked since.
        m.on_congestion_event(Instant::ZERO, 30_000, &c);
        assert_eq!(
            (m.window(), m.ssthresh(), m.loss_interval()),
            (15_000, 15_000, 80_000)
        );
    }

    /// Linux mode (`mptcp_olia.c`), MSS 1000. Own w = 10 at 1 ms (srtt_us 8000), other
    /// w = 20 at 2 ms, own ∈ B\M ⇒ ε = (1, 2). rate = (1 + 10 240 + 20 480·8000/16000)² =
    /// 20 481² = 419 471 361; inc_den = 2·10·rate = 8 389 427 220; per ACK
    /// cnt += ((rate + 2·10 240²) << 10) / inc_den = 644 287 038 464 / 8 389 427 220 = 76;
    /// 13 ACKs: 988; the 14th: 1064 ≥ 1023 ⇒ w = 11, cnt = 0 (real-valued: 13.3 ACKs).
    /// Other side (∈ M, ε = (−1, 2)): rate = (1 + 10 240·2 + 20 480)² = 40 961²
    /// = 1 677 803 521; d = 2·20 480² − rate < 0 ⇒ cnt −= ((rate − 838 860 800) << 10) /
    /// (2·20·rate) = 859 077 346 304 / 67 112 140 840 = 12; 85 ACKs: −1020; 86th ⇒ w = 19.
    #[test]
    fn linux_mode_hand_computed() {
        let other = [with_ell(view(20_000, 2), 10_000)];
        let c = Coupling { others: &other };
        let mut o = Olia::new(CcMode::Linux, 1000, 10_000);
        o.ssthresh = 10_000;
        o.loss.since_last = 50_000;
        o.on_ack(&ack(1000, 1), &c);
        assert_eq!(o.counter(), 76);
        for _ in 1..13 {
            o.on_ack(&ack(1000, 1), &c);
        }
        assert_eq!((o.window(), o.counter()), (10_000, 988));
        o.on_ack(&ack(1000, 1), &c);
        assert_eq!((o.window(), o.counter()), (11_000, 0));

        let mine = [with_ell(view(10_000, 1), 50_000)];
        let c = Coupling { others: &mine };
        let mut m = Olia::new(CcMode::Linux, 1000, 20_000);
        m.ssthresh = 20_000;
        m.loss.previous = 10_000;
        for _ in 0..85 {
            m.on_ack(&ack(1000, 2), &c);
        }
        assert_eq!((m.window(), m.counter()), (20_000, -1020));
        m.on_ack(&ack(1000, 2), &c);
        assert_eq!((m.window(), m.counter()), (19_000, 0));
        // In recovery the other's w^c is its ssthresh (`mptcp_olia.c`).
        let rec = SubflowView {
            in_recovery: true,
            ssthresh: 5000,
            ..view(7000, 1)
        };
        assert_eq!(rec.cwnd_c(), 5000);
        // Loss: max(w/2, 2) segments of the window.
        m.on_congestion_event(Instant::ZERO, 1, &c);
        assert_eq!((m.window(), m.ssthresh()), (9000, 9000));
    }

    /// With one subflow: paper mode is Reno step for step (ε = 0, T = cwnd exactly).
    #[test]
    fn paper_one_subflow_is_reno_step_for_step() {
        let mut o = Olia::new(CcMode::Paper, 1448, 14_480);
        let mut reno = Reno::new(1448, 14_480);
        let pattern = [1448u64, 2896, 1448, 700, 4344, 1448];
        for round in 0..2000u64 {
            let a = ack(pattern[(round % 6) as usize], 40 + round % 7);
            o.on_ack(&a, &Coupling::NONE);
            reno.on_ack(&a, &Coupling::NONE);
            if round % 500 == 100 {
                o.on_congestion_event(Instant::ZERO, 60_000 + round, &Coupling::NONE);
                reno.on_congestion_event(Instant::ZERO, 60_000 + round, &Coupling::NONE);
            }
            if round == 1250 {
                o.on_rto(Instant::ZERO, 30_000, true);
                reno.on_rto(Instant::ZERO, 30_000, true);
            }
            assert_eq!(
                (o.window(), o.ssthresh()),
                (reno.window(), reno.ssthresh()),
                "round {round}"
            );
        }
    }

    /// Linux mode with one subflow: ε = 0, per ACK `cnt += 2^30 w / (1 + 2^10 w)²`
    /// (truncated), an increment at cnt ≥ 1023. That equals the kernel's Reno (`w + 1` ACKs)
    /// for most small windows but not all: w = 10: 102 per ACK ⇒ 11 ACKs (Reno 11);
    /// w = 3: 341 ⇒ 3 ACKs (Reno 4); w = 40: 25 ⇒ 41 (Reno 41); w = 38: 26 ⇒ 40 (Reno 39).
    #[test]
    fn linux_one_subflow_near_reno() {
        for (w, acks) in [(10u64, 11u64), (3, 3), (40, 41), (38, 40), (100, 103)] {
            let mut o = Olia::new(CcMode::Linux, 1000, w * 1000);
            o.ssthresh = w * 1000;
            let mut reno = LinuxReno {
                w,
                ss: w,
                cnt: 0,
                keep: |w| (w / 2).max(2),
            };
            for i in 1..=acks {
                o.on_ack(&ack(1000, 5), &Coupling::NONE);
                assert_eq!(o.window() == w * 1000, i < acks, "w {w} ack {i}");
            }
            let mut n = 0;
            while reno.w == w {
                reno.ack(1);
                n += 1;
            }
            assert_eq!(n, w + 1);
        }
    }
}
