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
//! also how the Linux kernel applies it, with `T` counted in ACKs, ALGORITHMS.md b1). `T` is
//! computed exactly in integers: `cwnd_total / alpha = (sum_k cwnd_k / rtt_k)^2 /
//! max_k(cwnd_k / rtt_k^2) = (sum_k cwnd_k * rtt_b / rtt_k)^2 / cwnd_b` for the maximising
//! subflow `b`, rounded up (never more aggressive than the RFC). With one subflow `T` is
//! exactly `cwnd_i`: LIA is then Reno, step for step.
//!
//! The set `k` ranges over is this subflow plus the [`Coupling`] view, which the owner fills
//! with the other subflows that can send (established, not failed) and have an RTT
//! estimate (ALGORITHMS.md b1: `mptcp_sk_can_send(sk) && srtt_us != 0`).

use super::{slow_start, AckSample, CongestionController, Coupling, SubflowView};
use sim_core::{Duration, Instant};

/// Fixed-point scale (bits) of the per-subflow terms `cwnd_k * rtt_b / rtt_k`.
const TERM_SHIFT: u32 = 16;

/// LIA controller of one subflow.
#[derive(Clone, Debug)]
pub struct Lia {
    smss: u64,
    cwnd: u64,
    ssthresh: u64,
    /// RFC 3465 §2.1 byte counter for congestion avoidance.
    bytes_acked: u64,
}

fn rtt_us(d: Duration) -> u128 {
    u128::from((d.as_nanos() / 1_000).max(1))
}

/// `cwnd_total / alpha` in bytes (RFC 6356 §3), rounded up, over `own` and `others`
/// (others without an RTT estimate are left out). `None` when `own` has no RTT.
pub fn coupled_threshold(own: &SubflowView, others: &[SubflowView]) -> Option<u64> {
    let own_rtt = own.srtt?;
    let all = core::iter::once((own.cwnd, own_rtt))
        .chain(others.iter().filter_map(|v| Some((v.cwnd, v.srtt?))));
    // b = argmax cwnd_k / rtt_k^2, compared exactly as cwnd_k * rtt_b^2 vs cwnd_b * rtt_k^2;
    // ties go to the later subflow, as in Linux's `mptcp_ccc_recalc_alpha` (>=).
    let mut best = (own.cwnd, rtt_us(own_rtt));
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
        .map(|(w, r)| ((u128::from(w) * r_b) << TERM_SHIFT) / rtt_us(r))
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
    /// A controller with `cwnd = initial_window`, `ssthresh` infinite (RFC 5681 §3.1).
    pub fn new(smss: u64, initial_window: u64) -> Lia {
        Lia {
            smss,
            cwnd: initial_window,
            ssthresh: u64::MAX,
            bytes_acked: 0,
        }
    }

    /// RFC 5681 §3.1 eq. (4): `ssthresh = max(FlightSize / 2, 2 * SMSS)` (RFC 6356 §3 keeps
    /// the decrease of standard TCP).
    fn halve(&self, flight: u64) -> u64 {
        (flight / 2).max(2 * self.smss)
    }

    /// The byte-counting threshold `T = max(cwnd_total / alpha, cwnd_i)` for this ACK.
    pub fn increase_threshold(&self, srtt: Option<Duration>, coupling: &Coupling<'_>) -> u64 {
        let own = SubflowView {
            cwnd: self.cwnd,
            srtt,
            bytes_in_flight: 0,
            smss: self.smss,
        };
        coupled_threshold(&own, coupling.others).map_or(self.cwnd, |t| t.max(self.cwnd))
    }
}

impl CongestionController for Lia {
    fn on_sent(&mut self, _now: Instant, _bytes: u64, _in_flight: u64) {}

    /// Slow start uncoupled (RFC 6356 §3); congestion avoidance by byte counting against
    /// `T = max(cwnd_total / alpha, cwnd_i)`, i.e. RFC 6356 §3's per-ACK increase
    /// `min(alpha * bytes_acked * MSS_i / cwnd_total, bytes_acked * MSS_i / cwnd_i)`.
    fn on_ack(&mut self, ack: &AckSample, coupling: &Coupling<'_>) {
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
    fn on_congestion_event(&mut self, _now: Instant, in_flight: u64, _c: &Coupling<'_>) {
        self.ssthresh = self.halve(in_flight);
        self.cwnd = self.ssthresh;
        self.bytes_acked = 0;
    }

    /// RFC 5681 §3.1: the loss window of one SMSS; `ssthresh` halved on the first timeout.
    fn on_rto(&mut self, _now: Instant, in_flight: u64, first: bool) {
        if first {
            self.ssthresh = self.halve(in_flight);
        }
        self.cwnd = self.smss;
        self.bytes_acked = 0;
    }

    fn window(&self) -> u64 {
        self.cwnd
    }

    fn ssthresh(&self) -> u64 {
        self.ssthresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cc::Reno;

    fn view(cwnd: u64, rtt_ms: u64) -> SubflowView {
        SubflowView {
            cwnd,
            srtt: Some(Duration::from_millis(rtt_ms)),
            bytes_in_flight: 0,
            smss: 1000,
        }
    }

    fn ack(bytes: u64, srtt_ms: u64) -> AckSample {
        AckSample {
            now: Instant::ZERO,
            acked_bytes: bytes,
            rtt: None,
            srtt: Some(Duration::from_millis(srtt_ms)),
            bytes_in_flight: 0,
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
}
