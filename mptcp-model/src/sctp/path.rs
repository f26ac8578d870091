//! One destination transport address of an association (RFC 9260 calls it a path): its RTO
//! (§6.3), congestion window (§7.2), error counter and reachability (§8.2, RFC 7829), and
//! its timers (T3-rtx §6.3.2, heartbeat §8.3).

use super::config::SctpConfig;
use sim_core::{Addr, Duration, Instant};

/// RFC 9260 §6.3.1 G1: clock granularity; RTTVAR is never below it. One millisecond, as
/// Linux's `SCTP_CLOCK_GRANULARITY` of one jiffy at HZ = 1000.
pub const CLOCK_GRANULARITY: Duration = Duration::from_millis(1);

/// Reachability of a destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathState {
    /// Listed by the peer but not yet shown to reach it (§5.4): heartbeats only.
    Unconfirmed,
    /// Reachable: carries data.
    Active,
    /// RFC 7829: errors above PFMR; carries heartbeats (once per RTO) but new data only if
    /// no destination is active.
    PotentiallyFailed,
    /// Errors above Path.Max.Retrans (§8.2): heartbeats only.
    Inactive,
}

/// The state of one destination.
#[derive(Clone, Debug)]
pub struct Path {
    /// The local address packets to this destination leave from.
    pub local: Addr,
    /// The destination address.
    pub remote: Addr,
    /// Reachability.
    pub state: PathState,
    /// §6.3.1: smoothed RTT (None before the first measurement).
    pub srtt: Option<Duration>,
    /// §6.3.1: RTT variation.
    pub rttvar: Duration,
    /// The current RTO (backed off by timeouts).
    pub rto: Duration,
    /// §7.2: congestion window, octets of user data.
    pub cwnd: u64,
    /// §7.2: slow-start threshold.
    pub ssthresh: u64,
    /// §7.2.2: partial_bytes_acked.
    pub partial_bytes_acked: u64,
    /// User data octets outstanding on this destination (sent, not acknowledged, not marked
    /// for retransmission).
    pub flight: u64,
    /// §8.2: consecutive errors.
    pub errors: u32,
    /// T3-rtx timer.
    pub t3: Option<Instant>,
    /// When the next HEARTBEAT is due (if idle then).
    pub hb_due: Option<Instant>,
    /// An unanswered HEARTBEAT: (sent at, nonce, deadline one RTO later).
    pub hb_pending: Option<(Instant, u64, Instant)>,
    /// When a packet was last sent to this destination (idle detection, §8.3).
    pub last_sent: Option<Instant>,
    /// The TSN whose acknowledgement will give the next RTT sample (C4: one per round trip),
    /// with when it was sent.
    pub rtt_probe: Option<(u64, Instant)>,
    /// New-data packets sent at the current transmission opportunity (Max.Burst).
    pub burst: u32,
}

impl Path {
    /// A destination with the initial window and RTO (§6.3.1 C1, §7.2.1); `ssthresh` starts
    /// at the peer's advertised window.
    pub fn new(
        cfg: &SctpConfig,
        local: Addr,
        remote: Addr,
        state: PathState,
        peer_rwnd: u32,
    ) -> Path {
        Path {
            local,
            remote,
            state,
            srtt: None,
            rttvar: Duration::ZERO,
            rto: cfg.rto_initial,
            cwnd: cfg.initial_cwnd(),
            ssthresh: u64::from(peer_rwnd),
            partial_bytes_acked: 0,
            flight: 0,
            errors: 0,
            t3: None,
            hb_due: None,
            hb_pending: None,
            last_sent: None,
            rtt_probe: None,
            burst: 0,
        }
    }

    /// §6.3.1 C2/C3 with RTO.Alpha = 1/8 and RTO.Beta = 1/4 in integer nanoseconds (as
    /// Linux's `sctp_transport_update_rto` with shifts 3 and 2), G1, C6 and C7.
    pub fn on_rtt_sample(&mut self, r: Duration, cfg: &SctpConfig) {
        let r = r.as_nanos();
        let (srtt, rttvar) = match self.srtt {
            None => (r, r / 2),
            Some(s) => {
                let s = s.as_nanos();
                let v = self.rttvar.as_nanos();
                (s - (s >> 3) + (r >> 3), v - (v >> 2) + (s.abs_diff(r) >> 2))
            }
        };
        let rttvar = rttvar.max(CLOCK_GRANULARITY.as_nanos());
        self.srtt = Some(Duration::from_nanos(srtt));
        self.rttvar = Duration::from_nanos(rttvar);
        let rto = Duration::from_nanos(srtt.saturating_add(4 * rttvar));
        self.rto = rto.max(cfg.rto_min).min(cfg.rto_max);
    }

    /// §6.3.3 E2 / §8.3: doubles the RTO up to RTO.Max.
    pub fn back_off(&mut self, cfg: &SctpConfig) {
        self.rto = self.rto.saturating_mul(2).min(cfg.rto_max);
    }

    /// §7.2.1 / §7.2.2: the window's growth for `acked` newly acknowledged octets, given the
    /// flight size before the SACK; nothing in slow start during Fast Recovery. Arithmetic as
    /// Linux's `sctp_transport_raise_cwnd` (RFC 4960 errata 3.12, 3.22, 3.26).
    pub fn raise_cwnd(&mut self, acked: u64, flight_before: u64, fast_recovery: bool, mtu: u64) {
        if self.cwnd <= self.ssthresh {
            if fast_recovery || flight_before < self.cwnd {
                return;
            }
            self.cwnd += acked.min(mtu);
        } else {
            self.partial_bytes_acked += acked;
            if self.partial_bytes_acked > self.cwnd && flight_before < self.cwnd {
                self.partial_bytes_acked = self.cwnd;
            }
            if self.partial_bytes_acked >= self.cwnd && flight_before >= self.cwnd {
                self.partial_bytes_acked -= self.cwnd;
                self.cwnd += mtu;
            }
        }
    }

    /// §7.2.3 on loss detected through SACKs: `ssthresh = max(cwnd/2, 4·MTU)`,
    /// `cwnd = ssthresh`.
    pub fn on_fast_loss(&mut self, mtu: u64) {
        self.ssthresh = (self.cwnd / 2).max(4 * mtu);
        self.cwnd = self.ssthresh;
        self.partial_bytes_acked = 0;
    }

    /// §7.2.3 on a T3-rtx timeout: `ssthresh = max(cwnd/2, 4·MTU)`, `cwnd = 1·MTU`.
    pub fn on_timeout_loss(&mut self, mtu: u64) {
        self.ssthresh = (self.cwnd / 2).max(4 * mtu);
        self.cwnd = mtu;
        self.partial_bytes_acked = 0;
    }

    /// True when this destination may carry new data in preference to others.
    pub fn is_active(&self) -> bool {
        self.state == PathState::Active
    }

    /// The base of the heartbeat period (Linux `sctp_transport_timeout`): RTO/2, plus
    /// HB.interval for a confirmed destination that is not potentially failed; the jitter
    /// `U[0, RTO)` is added by the caller, giving RTO + HB.interval ± RTO/2 (§8.3).
    pub fn hb_base(&self, cfg: &SctpConfig) -> Duration {
        let half = Duration::from_nanos(self.rto.as_nanos() / 2);
        match self.state {
            PathState::Unconfirmed | PathState::PotentiallyFailed => half,
            PathState::Active | PathState::Inactive => half.saturating_add(cfg.hb_interval),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rto_follows_section_6_3_1() {
        let cfg = SctpConfig {
            rto_min: Duration::from_millis(10),
            ..SctpConfig::rfc9260()
        };
        let a = Addr::new(10, 0, 0, 1);
        let mut p = Path::new(&cfg, a, a, PathState::Active, 65_535);
        assert_eq!(p.rto, Duration::from_secs(1));
        // C2: SRTT = R, RTTVAR = R/2, RTO = 3R.
        p.on_rtt_sample(Duration::from_millis(100), &cfg);
        assert_eq!(p.rto, Duration::from_millis(300));
        // C3: RTTVAR = 3/4·50 + 1/4·|100 − 60| = 47.5, SRTT = 7/8·100 + 60/8 = 95,
        // RTO = 95 + 190 = 285 ms.
        p.on_rtt_sample(Duration::from_millis(60), &cfg);
        assert_eq!(p.srtt, Some(Duration::from_millis(95)));
        assert_eq!(p.rttvar, Duration::from_micros(47_500));
        assert_eq!(p.rto, Duration::from_millis(285));
        // C6 with the RFC's RTO.Min of 1 s; back-off doubles up to RTO.Max.
        let rfc = SctpConfig::rfc9260();
        p.on_rtt_sample(Duration::from_millis(60), &rfc);
        assert_eq!(p.rto, Duration::from_secs(1));
        for want in [2, 4, 8, 16, 32, 60, 60] {
            p.back_off(&rfc);
            assert_eq!(p.rto, Duration::from_secs(want));
        }
    }

    #[test]
    fn window_growth_and_reduction() {
        let cfg = SctpConfig::rfc9260();
        let a = Addr::new(10, 0, 0, 1);
        let mut p = Path::new(&cfg, a, a, PathState::Active, 100_000);
        // §7.2.1: min(4·1500, max(2·1500, 4404)) = 4404.
        assert_eq!(p.cwnd, 4404);
        // Slow start only with the window in use, by at most one MTU per SACK.
        p.raise_cwnd(2904, 4000, false, 1500);
        assert_eq!(p.cwnd, 4404);
        p.raise_cwnd(2904, 4404, false, 1500);
        assert_eq!(p.cwnd, 5904);
        p.raise_cwnd(1452, 5904, true, 1500);
        assert_eq!(p.cwnd, 5904, "no slow start in fast recovery");
        p.on_fast_loss(1500);
        assert_eq!((p.ssthresh, p.cwnd), (6000, 6000));
        // cwnd = ssthresh is still slow start; above it, congestion avoidance: one MTU per
        // window of acknowledged octets.
        p.raise_cwnd(4000, 6000, false, 1500);
        assert_eq!(p.cwnd, 7500);
        p.raise_cwnd(4000, 7500, false, 1500);
        assert_eq!((p.cwnd, p.partial_bytes_acked), (7500, 4000));
        p.raise_cwnd(4000, 7500, false, 1500);
        assert_eq!((p.cwnd, p.partial_bytes_acked), (9000, 500));
        p.on_timeout_loss(1500);
        assert_eq!((p.ssthresh, p.cwnd), (6000, 1500));
        assert_eq!(SctpConfig::linux().initial_cwnd(), 4380);
    }
}
