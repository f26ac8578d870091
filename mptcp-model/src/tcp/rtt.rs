//! Round-trip time estimation and the retransmission timeout: RFC 6298, or Linux's
//! `tcp_rtt_estimator` (the default, see [`RtoMode`]).

use super::config::RtoMode;

use sim_core::Duration;

/// RFC 6298 §2: clock granularity `G`. Simulated time is exact; 1 ms is used as a typical
/// kernel timer granularity so that `RTO > SRTT` even with a zero variance.
pub const CLOCK_GRANULARITY: Duration = Duration::from_millis(1);

/// SRTT / RTTVAR / RTO state with exponential backoff.
#[derive(Clone, Debug)]
pub struct RttEstimator {
    srtt: Option<Duration>,
    rttvar: Duration,
    latest: Option<Duration>,
    min_rtt: Option<Duration>,
    min_rto: Duration,
    max_rto: Duration,
    initial_rto: Duration,
    backoff: u32,
    mode: RtoMode,
    linux: LinuxVar,
    /// [`Self::rto`], worked out whenever what it depends on changes (read far more often).
    rto: Duration,
}

/// Linux's deviation state (`tcp_sock`: `mdev_us`, `mdev_max_us`, `rttvar_us`, `rtt_seq`),
/// in nanoseconds; `mdev` is 4× the mean deviation, as in the kernel.
#[derive(Clone, Copy, Debug, Default)]
struct LinuxVar {
    mdev: u64,
    mdev_max: u64,
    rttvar: u64,
    rtt_seq: u64,
}

impl RttEstimator {
    /// An estimator with no samples (RFC 6298 §2.1: RTO = `initial_rto`).
    pub fn new(initial_rto: Duration, min_rto: Duration, max_rto: Duration, mode: RtoMode) -> Self {
        let mut e = RttEstimator {
            srtt: None,
            rttvar: Duration::ZERO,
            latest: None,
            min_rtt: None,
            min_rto,
            max_rto,
            initial_rto,
            backoff: 0,
            mode,
            linux: LinuxVar::default(),
            rto: Duration::ZERO,
        };
        e.refresh_rto();
        e
    }

    /// Feeds one RTT measurement `r` taken when SND.UNA became `snd_una` (with SND.NXT at
    /// `snd_nxt`, sequence offsets); the offsets matter only to the Linux estimator, which
    /// resets its per-RTT deviation maximum once SND.UNA passes the SND.NXT of the last reset.
    pub fn on_sample_at(&mut self, r: Duration, snd_una: u64, snd_nxt: u64) {
        match self.mode {
            RtoMode::Rfc6298 => self.on_sample(r),
            RtoMode::Linux => {
                self.on_sample_linux(r, snd_una, snd_nxt);
                self.refresh_rto();
            }
        }
    }

    /// Linux `tcp_rtt_estimator` (net/ipv4/tcp_input.c) and `__tcp_set_rto`
    /// (`rto = srtt + rttvar`), in nanoseconds: SRTT gain 1/8; the deviation `mdev` (4×)
    /// moves by `|err| - mdev/4`, with that step divided by 8 when the RTT fell; `rttvar`
    /// follows the per-RTT maximum of `mdev` but never below `rto_min`, and decays by a
    /// quarter of its excess once per RTT.
    fn on_sample_linux(&mut self, r: Duration, snd_una: u64, snd_nxt: u64) {
        self.latest = Some(r);
        self.min_rtt = Some(self.min_rtt.map_or(r, |m| m.min(r)));
        let m = r.as_nanos().max(1);
        let floor = self.min_rto.as_nanos();
        let lv = &mut self.linux;
        let Some(srtt) = self.srtt else {
            self.srtt = Some(r);
            lv.mdev = m.saturating_mul(2);
            lv.rttvar = lv.mdev.max(floor);
            lv.mdev_max = lv.rttvar;
            lv.rtt_seq = snd_nxt;
            self.rttvar = Duration::from_nanos(lv.mdev / 4);
            return;
        };
        let s = srtt.as_nanos() as i128;
        let err = m as i128 - s;
        let new_srtt = (s + err / 8).max(1) as u64;
        let mut step = err.abs() - (lv.mdev as i128) / 4;
        if err < 0 && step > 0 {
            step /= 8;
        }
        lv.mdev = (lv.mdev as i128 + step).max(0) as u64;
        if lv.mdev > lv.mdev_max {
            lv.mdev_max = lv.mdev;
            if lv.mdev_max > lv.rttvar {
                lv.rttvar = lv.mdev_max;
            }
        }
        if snd_una > lv.rtt_seq {
            if lv.mdev_max < lv.rttvar {
                lv.rttvar -= (lv.rttvar - lv.mdev_max) / 4;
            }
            lv.rtt_seq = snd_nxt;
            lv.mdev_max = floor;
        }
        self.srtt = Some(Duration::from_nanos(new_srtt));
        self.rttvar = Duration::from_nanos(lv.mdev / 4);
    }

    /// Feeds one RTT measurement `r`.
    ///
    /// RFC 6298 §2.2 (first): `SRTT = R`, `RTTVAR = R/2`.
    /// RFC 6298 §2.3 (later), with α = 1/8, β = 1/4, in integer nanoseconds (floor):
    /// `RTTVAR = (3·RTTVAR + |SRTT − R|) / 4`, then `SRTT = (7·SRTT + R) / 8`.
    pub fn on_sample(&mut self, r: Duration) {
        self.latest = Some(r);
        self.min_rtt = Some(self.min_rtt.map_or(r, |m| m.min(r)));
        match self.srtt {
            None => {
                self.srtt = Some(r);
                self.rttvar = Duration::from_nanos(r.as_nanos() / 2);
            }
            Some(srtt) => {
                let dev = srtt.as_nanos().abs_diff(r.as_nanos());
                let var = (3 * u128::from(self.rttvar.as_nanos()) + u128::from(dev)) / 4;
                let s = (7 * u128::from(srtt.as_nanos()) + u128::from(r.as_nanos())) / 8;
                self.rttvar = Duration::from_nanos(var as u64);
                self.srtt = Some(Duration::from_nanos(s as u64));
            }
        }
        self.refresh_rto();
    }

    /// RFC 6298 §2.2–2.4: `RTO = SRTT + max(G, K·RTTVAR)`, K = 4, clamped to
    /// `[min_rto, max_rto]` (`min_rto` 200 ms as Linux rather than §2.4's 1 s); before any
    /// sample, the initial RTO. Without backoff.
    pub fn base_rto(&self) -> Duration {
        let rto = match (self.srtt, self.mode) {
            (None, _) => self.initial_rto,
            (Some(srtt), RtoMode::Rfc6298) => {
                srtt + CLOCK_GRANULARITY.max(self.rttvar.saturating_mul(4))
            }
            (Some(srtt), RtoMode::Linux) => srtt + Duration::from_nanos(self.linux.rttvar),
        };
        rto.max(self.min_rto).min(self.max_rto)
    }

    /// The RTO with the current backoff: `base · 2^backoff`, capped at `max_rto`
    /// (RFC 6298 §5.5, §2.5).
    #[inline]
    pub fn rto(&self) -> Duration {
        self.rto
    }

    /// Works out [`Self::rto`] again after a sample or a change of the backoff.
    fn refresh_rto(&mut self) {
        let mut rto = self.base_rto();
        for _ in 0..self.backoff {
            if rto >= self.max_rto {
                break;
            }
            rto = rto.saturating_mul(2);
        }
        self.rto = rto.min(self.max_rto);
    }

    /// The estimator in use.
    pub fn mode(&self) -> RtoMode {
        self.mode
    }

    /// Doubles the RTO (RFC 6298 §5.5), up to `max_rto`.
    pub fn backoff(&mut self) {
        self.backoff = self.backoff.saturating_add(1).min(32);
        self.refresh_rto();
    }

    /// Forget the backoff (an ACK for new data arrived).
    pub fn reset_backoff(&mut self) {
        if self.backoff != 0 {
            self.backoff = 0;
            self.refresh_rto();
        }
    }

    /// Number of consecutive backoffs.
    pub fn backoff_count(&self) -> u32 {
        self.backoff
    }

    /// Smoothed RTT, once there is a sample.
    pub fn srtt(&self) -> Option<Duration> {
        self.srtt
    }

    /// RTT variation.
    pub fn rttvar(&self) -> Duration {
        self.rttvar
    }

    /// The most recent sample.
    pub fn latest(&self) -> Option<Duration> {
        self.latest
    }

    /// The smallest sample seen.
    pub fn min_rtt(&self) -> Option<Duration> {
        self.min_rtt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    #[test]
    fn rfc6298_arithmetic() {
        let mut e = RttEstimator::new(ms(1000), ms(200), ms(120_000), RtoMode::Rfc6298);
        assert_eq!(e.rto(), ms(1000));
        e.on_sample(ms(100));
        assert_eq!((e.srtt(), e.rttvar()), (Some(ms(100)), ms(50)));
        assert_eq!(e.rto(), ms(300));
        e.on_sample(ms(200));
        // RTTVAR = (3·50 + 100)/4 = 62.5; SRTT = (7·100 + 200)/8 = 112.5
        assert_eq!(e.rttvar(), Duration::from_micros(62_500));
        assert_eq!(e.srtt(), Some(Duration::from_micros(112_500)));
        assert_eq!(e.rto(), Duration::from_micros(362_500));
        // Small RTT: clamped to min_rto; zero variance uses G.
        let mut f = RttEstimator::new(ms(1000), ms(200), ms(120_000), RtoMode::Rfc6298);
        f.on_sample(ms(10));
        assert_eq!(f.rto(), ms(200));
        let mut g = RttEstimator::new(ms(1000), ms(0), ms(120_000), RtoMode::Rfc6298);
        g.on_sample(ms(10));
        for _ in 0..200 {
            g.on_sample(ms(10));
        }
        assert_eq!(g.rto(), ms(11));
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let mut e = RttEstimator::new(ms(1000), ms(200), ms(5000), RtoMode::Rfc6298);
        e.backoff();
        assert_eq!(e.rto(), ms(2000));
        e.backoff();
        assert_eq!(e.rto(), ms(4000));
        e.backoff();
        assert_eq!(e.rto(), ms(5000));
        e.reset_backoff();
        assert_eq!(e.rto(), ms(1000));
    }
}
