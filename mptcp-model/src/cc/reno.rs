//! Reno congestion control (RFC 5681) with appropriate byte counting (RFC 3465), or the
//! classic per-ACK increase.

use super::{slow_start, AckSample, CongestionController, Coupling};
use sim_core::Instant;

/// How Reno's window grows with each ACK.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RenoGrowth {
    /// By the bytes acknowledged (RFC 3465; Linux counts acknowledged segments, the same
    /// for full-sized ones): slow start `+min(acked, 2·SMSS)`, one SMSS per window of
    /// bytes acknowledged in congestion avoidance, whatever the ACK frequency.
    #[default]
    ByteCounting,
    /// Per ACK (RFC 5681 §3.1 eq. (2) and (3) without byte counting): slow start
    /// `+min(acked, SMSS)`, congestion avoidance `+SMSS·SMSS/cwnd`. With delayed ACKs the
    /// window grows by half an SMSS per round trip: the Mathis et al. case with `b = 2`.
    PerAck,
}

/// Reno: slow start, additive increase, multiplicative decrease by half.
#[derive(Clone, Debug)]
pub struct Reno {
    smss: u64,
    cwnd: u64,
    ssthresh: u64,
    /// RFC 3465 §2.1 `bytes_acked` counter for congestion avoidance; with per-ACK growth,
    /// the accumulated `SMSS²` not yet worth a whole byte of window.
    bytes_acked: u64,
    growth: RenoGrowth,
}

impl Reno {
    /// RFC 5681 §3.1: `cwnd = IW`, `ssthresh` arbitrarily high.
    pub fn new(smss: u64, initial_window: u64) -> Reno {
        Reno::with_growth(smss, initial_window, RenoGrowth::ByteCounting)
    }

    /// As [`Reno::new`] with the given growth rule.
    pub fn with_growth(smss: u64, initial_window: u64, growth: RenoGrowth) -> Reno {
        Reno {
            smss,
            cwnd: initial_window,
            ssthresh: u64::MAX,
            bytes_acked: 0,
            growth,
        }
    }

    /// RFC 5681 §3.1 eq. (4): `ssthresh = max(FlightSize / 2, 2 * SMSS)`.
    fn halve(&self, flight: u64) -> u64 {
        (flight / 2).max(2 * self.smss)
    }
}

impl CongestionController for Reno {
    fn on_sent(&mut self, _now: Instant, _bytes: u64, _in_flight: u64) {}

    /// Slow start while `cwnd < ssthresh` (RFC 5681 §3.1 eq. (2) with RFC 3465 L = 2);
    /// otherwise congestion avoidance by byte counting (RFC 3465 §2.1, RFC 5681 §3.1): once
    /// `bytes_acked >= cwnd`, `bytes_acked -= cwnd` and `cwnd += SMSS`.
    /// With [`RenoGrowth::PerAck`]: `cwnd += min(acked, SMSS)` in slow start (eq. (2)) and
    /// `cwnd += SMSS·SMSS / cwnd` per ACK in congestion avoidance (eq. (3)), the fractions
    /// carried over exactly.
    fn on_ack(&mut self, ack: &AckSample, _coupling: &Coupling<'_>) {
        if self.growth == RenoGrowth::PerAck {
            if self.cwnd < self.ssthresh {
                let inc = ack.acked_bytes.min(self.smss);
                self.cwnd = self
                    .cwnd
                    .saturating_add(inc)
                    .min(self.ssthresh.max(self.cwnd));
                return;
            }
            self.bytes_acked += self.smss * self.smss;
            let inc = self.bytes_acked / self.cwnd.max(1);
            self.bytes_acked -= inc * self.cwnd.max(1);
            self.cwnd += inc;
            return;
        }
        if self.cwnd < self.ssthresh {
            self.cwnd = slow_start(self.cwnd, self.ssthresh, ack.acked_bytes, self.smss);
            return;
        }
        self.bytes_acked += ack.acked_bytes;
        if self.bytes_acked >= self.cwnd {
            self.bytes_acked -= self.cwnd;
            self.cwnd += self.smss;
        }
    }

    /// RFC 5681 §3.2 steps 2–3 / RFC 6675 §5 (4.2): `ssthresh = max(FlightSize/2, 2*SMSS)`,
    /// `cwnd = ssthresh` (the value kept after recovery; no window inflation here).
    fn on_congestion_event(&mut self, _now: Instant, in_flight: u64, _c: &Coupling<'_>) {
        self.ssthresh = self.halve(in_flight);
        self.cwnd = self.ssthresh;
        self.bytes_acked = 0;
    }

    /// RFC 5681 §3.1: on timeout `ssthresh` per eq. (4) and `cwnd = LW = 1 SMSS`.
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

    fn set_ssthresh(&mut self, ssthresh: u64) {
        self.ssthresh = ssthresh;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ack(bytes: u64) -> AckSample {
        AckSample {
            now: Instant::ZERO,
            acked_bytes: bytes,
            rtt: None,
            srtt: None,
            bytes_in_flight: 0,
            cwnd_limited: true,
            snd_una: 0,
            snd_nxt: 0,
        }
    }

    #[test]
    fn slow_start_abc_and_cap() {
        let mut r = Reno::new(1000, 10_000);
        r.on_ack(&ack(1000), &Coupling::NONE);
        assert_eq!(r.window(), 11_000);
        r.on_ack(&ack(2000), &Coupling::NONE);
        assert_eq!(r.window(), 13_000);
        // A stretch ACK of 5 segments counts for at most L = 2 SMSS.
        r.on_ack(&ack(5000), &Coupling::NONE);
        assert_eq!(r.window(), 15_000);
    }

    #[test]
    fn loss_then_congestion_avoidance() {
        let mut r = Reno::new(1000, 10_000);
        r.on_congestion_event(Instant::ZERO, 21_500, &Coupling::NONE);
        assert_eq!(r.ssthresh(), 10_750);
        assert_eq!(r.window(), 10_750);
        // 10 ACKs of 1000 bytes: 10_000 < 10_750, no increase yet.
        for _ in 0..10 {
            r.on_ack(&ack(1000), &Coupling::NONE);
        }
        assert_eq!(r.window(), 10_750);
        r.on_ack(&ack(1000), &Coupling::NONE);
        assert_eq!(r.window(), 11_750);
        // Remaining counter 250: needs 11_500 more bytes for the next SMSS.
        for _ in 0..11 {
            r.on_ack(&ack(1000), &Coupling::NONE);
        }
        assert_eq!(r.window(), 11_750);
        r.on_ack(&ack(1000), &Coupling::NONE);
        assert_eq!(r.window(), 12_750);
        // Small flight: ssthresh floor of 2 SMSS.
        r.on_congestion_event(Instant::ZERO, 3000, &Coupling::NONE);
        assert_eq!(r.ssthresh(), 2000);
    }

    #[test]
    fn per_ack_growth_ignores_the_bytes_acknowledged() {
        let mut r = Reno::with_growth(1000, 10_000, RenoGrowth::PerAck);
        // Slow start: +1 SMSS per ACK even when it acknowledges two segments.
        r.on_ack(&ack(2000), &Coupling::NONE);
        assert_eq!(r.window(), 11_000);
        r.set_ssthresh(11_000);
        // Congestion avoidance: +SMSS²/cwnd per ACK (90.9 bytes at first), the remainder
        // carried: after 11 ACKs (one window at two segments per ACK, a delayed-ACK
        // receiver) the window has grown by 961 bytes, about half a segment per window.
        for _ in 0..11 {
            r.on_ack(&ack(2000), &Coupling::NONE);
        }
        assert_eq!(r.window(), 11_961);
        r.on_ack(&ack(2000), &Coupling::NONE);
        assert_eq!(r.window(), 12_045);
    }

    #[test]
    fn rto_sets_loss_window_and_slow_starts_to_ssthresh() {
        let mut r = Reno::new(1000, 10_000);
        r.on_rto(Instant::ZERO, 20_000, true);
        assert_eq!((r.window(), r.ssthresh()), (1000, 10_000));
        r.on_rto(Instant::ZERO, 1000, false);
        assert_eq!((r.window(), r.ssthresh()), (1000, 10_000));
        for _ in 0..4 {
            r.on_ack(&ack(2000), &Coupling::NONE);
        }
        assert_eq!(r.window(), 9000);
        r.on_ack(&ack(2000), &Coupling::NONE);
        assert_eq!(r.window(), 10_000, "slow start stops at ssthresh");
        r.on_ack(&ack(2000), &Coupling::NONE);
        assert_eq!(r.window(), 10_000, "now in congestion avoidance");
    }
}
