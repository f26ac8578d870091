//! RACK-TLP (RFC 8985) state as Linux keeps it (net/ipv4/tcp_recovery.c, the loss probe in
//! net/ipv4/tcp_output.c): the most recently sent segment known delivered, the reordering
//! window, and the tail loss probe episode. The loss scan itself walks the scoreboard
//! ([`super::sack::Scoreboard::rack_detect`]). [`XmitTimer`] says what the socket's one
//! retransmission timer slot is armed for; the socket and the loss code both read it.

use super::sack::RackRef;
use super::xmit::{Stamp, Xmit};
use sim_core::{Duration, Instant};

/// Linux `TCP_TIMEOUT_MIN`: 2 jiffies (HZ = 1000), added to the reordering timer and to a
/// loss probe timeout with more than one segment in flight.
pub(crate) const TIMEOUT_MIN: Duration = Duration::from_millis(2);

/// Linux `TCP_TIMEOUT_INIT`: the probe timeout before any RTT sample.
const TIMEOUT_INIT: Duration = Duration::from_secs(1);

/// RACK's reference (Linux `tp->rack`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Rack {
    /// `RACK.xmit_ts` (`None` until something was delivered).
    xmit: Option<Stamp>,
    /// `RACK.rtt`.
    rtt: Duration,
    /// The reference moved since the last loss scan (`rack.advanced`).
    advanced: bool,
}

impl Rack {
    /// Linux `tcp_rack_advance` for one delivered (cumulatively acknowledged or SACKed)
    /// transmission `x` at `now`: a retransmission delivered sooner than `min_rtt` after it
    /// was sent may be the original's delivery and is ignored (RFC 8985 §6.2 step 2).
    pub(crate) fn on_delivered(&mut self, x: Xmit, now: Instant, min_rtt: Option<Duration>) {
        let rtt = now.saturating_duration_since(x.stamp.at);
        if x.retransmitted && min_rtt.is_some_and(|m| rtt < m) {
            return;
        }
        self.advanced = true;
        self.rtt = rtt;
        if self.xmit.is_none_or(|r| x.stamp > r) {
            self.xmit = Some(x.stamp);
        }
    }

    /// Whether the reference moved since the last scan (`tcp_rack_mark_lost`); clears the
    /// flag.
    pub(crate) fn take_advanced(&mut self) -> bool {
        std::mem::take(&mut self.advanced)
    }

    /// The reference for a loss scan at `now` (the reordering timer's scan).
    pub(crate) fn reference(&self, now: Instant, reo_wnd: Duration) -> Option<RackRef> {
        self.xmit.map(|xmit| RackRef {
            xmit,
            rtt: self.rtt,
            reo_wnd,
            now,
        })
    }
}

/// Linux `tcp_rack_reo_wnd` (RFC 8985 §6.2 step 4) with no reordering seen: zero during
/// recovery and once DupThresh segments are SACKed (`sacked_out >= reordering`), else
/// `min(min_rtt / 4, srtt)`.
pub(crate) fn reo_wnd(
    in_recovery: bool,
    sacked_bytes: u64,
    smss: u64,
    min_rtt: Option<Duration>,
    srtt: Option<Duration>,
) -> Duration {
    if in_recovery || sacked_bytes > (super::sack::DUP_THRESH - 1) * smss {
        return Duration::ZERO;
    }
    let quarter = min_rtt.map_or(Duration::ZERO, |m| Duration::from_nanos(m.as_nanos() / 4));
    srtt.map_or(quarter, |s| quarter.min(s))
}

/// The reordering timer for a scan that found a segment `wait` from overdue (Linux
/// `tcp_rack_mark_lost`: `usecs_to_jiffies(timeout) + TCP_TIMEOUT_MIN`, jiffies of 1 ms).
pub(crate) fn reo_timeout(wait: Duration) -> Duration {
    ceil_ms(wait) + TIMEOUT_MIN
}

/// `d` rounded up to whole milliseconds (one jiffy at HZ = 1000).
fn ceil_ms(d: Duration) -> Duration {
    Duration::from_millis(d.as_nanos().div_ceil(1_000_000))
}

/// Linux `tcp_schedule_loss_probe` (RFC 8985 §7.2): PTO = 2·SRTT, plus `rto_min` when only
/// one segment is in flight (to cover the peer's delayed ACK) or `TCP_TIMEOUT_MIN` else; one
/// second before any RTT sample; never later than `rto_left`, the time left until the
/// retransmission timeout would fire.
pub(crate) fn probe_timeout(
    srtt: Option<Duration>,
    one_segment: bool,
    rto_min: Duration,
    rto_left: Option<Duration>,
) -> Duration {
    let pto = srtt.map_or(TIMEOUT_INIT, |s| {
        ceil_ms(s.saturating_mul(2)) + if one_segment { rto_min } else { TIMEOUT_MIN }
    });
    match rto_left {
        Some(left) if !left.is_zero() => pto.min(ceil_ms(left)),
        _ => pto,
    }
}

/// A tail loss probe episode (Linux `tlp_high_seq`, `tlp_retrans`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TlpEpisode {
    /// SND.NXT after the probe was sent.
    pub(crate) high_seq: u64,
    /// The probe retransmitted the last segment (rather than sending new data).
    pub(crate) retrans: bool,
}

/// What Linux's `tcp_process_tlp_ack` makes of an ACK during a probe episode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TlpVerdict {
    /// The episode goes on.
    Pending,
    /// The episode ends without a loss (new data probed, or original and probe both
    /// arrived: a pure duplicate ACK).
    Done,
    /// The ACK passes the probe's SND.NXT: the probe repaired a loss, and the window is
    /// reduced as for fast recovery (RFC 8985 §7.4.2).
    Loss,
}

impl TlpEpisode {
    /// Linux `tcp_process_tlp_ack` for an ACK of `ack`; `pure_dup`: the ACK advanced
    /// nothing, carried no data, no window update and no new SACK information.
    pub(crate) fn on_ack(&self, ack: u64, pure_dup: bool) -> TlpVerdict {
        if ack < self.high_seq {
            TlpVerdict::Pending
        } else if !self.retrans {
            TlpVerdict::Done
        } else if ack > self.high_seq {
            TlpVerdict::Loss
        } else if pure_dup {
            TlpVerdict::Done
        } else {
            TlpVerdict::Pending
        }
    }
}

/// What the retransmission timer slot (`TcpSocket::rto_at`) is armed for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum XmitTimer {
    /// The retransmission timeout (RFC 6298).
    #[default]
    Rto,
    /// RACK's reordering timer (RFC 8985 §6.2 step 5).
    Reorder,
    /// The tail loss probe timeout (RFC 8985 §7.2).
    LossProbe,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    /// The reference for a loss scan at `now` if it moved since the last scan, as the loss
    /// detection asks for it (`take_advanced`, then `reference`).
    fn take_scan(r: &mut Rack, now: Instant, reo_wnd: Duration) -> Option<RackRef> {
        if !r.take_advanced() {
            return None;
        }
        r.reference(now, reo_wnd)
    }

    #[test]
    fn reference_follows_the_latest_sent_and_skips_ambiguous_retransmissions() {
        let at = Instant::from_millis;
        let mut r = Rack::default();
        let x = |t: u64, order: u64, retransmitted: bool| Xmit {
            stamp: Stamp { at: at(t), order },
            retransmitted,
        };
        r.on_delivered(x(10, 2, false), at(50), None);
        r.on_delivered(x(5, 1, false), at(50), None);
        let s = take_scan(&mut r, at(50), ms(0)).unwrap();
        // The reference stays the newest sent; RACK.rtt is the last one processed.
        assert_eq!((s.xmit.order, s.rtt), (2, ms(45)));
        assert!(take_scan(&mut r, at(50), ms(0)).is_none(), "nothing new");
        // A retransmission "delivered" 5 ms after it was sent, with min_rtt 40 ms: the
        // original's delivery; ignored.
        r.on_delivered(x(60, 3, true), at(65), Some(ms(40)));
        assert!(take_scan(&mut r, at(65), ms(0)).is_none());
        r.on_delivered(x(60, 3, true), at(101), Some(ms(40)));
        assert_eq!(take_scan(&mut r, at(101), ms(0)).unwrap().xmit.order, 3);
    }

    #[test]
    fn reordering_window_and_timeouts() {
        let s = 1000;
        assert_eq!(reo_wnd(false, s, s, Some(ms(40)), Some(ms(50))), ms(10));
        assert_eq!(reo_wnd(false, 3 * s, s, Some(ms(40)), Some(ms(50))), ms(0));
        assert_eq!(reo_wnd(true, s, s, Some(ms(40)), Some(ms(50))), ms(0));
        assert_eq!(reo_timeout(Duration::from_micros(2_100)), ms(5));
        // PTO = 2·SRTT + 2 ms; + rto_min with one segment; capped by the RTO.
        assert_eq!(probe_timeout(Some(ms(20)), false, ms(200), None), ms(42));
        assert_eq!(probe_timeout(Some(ms(20)), true, ms(200), None), ms(240));
        assert_eq!(
            probe_timeout(Some(ms(20)), true, ms(200), Some(ms(220))),
            ms(220)
        );
        assert_eq!(probe_timeout(None, false, ms(200), None), ms(1000));
    }

    #[test]
    fn probe_episode_verdicts() {
        let e = TlpEpisode {
            high_seq: 500,
            retrans: true,
        };
        assert_eq!(e.on_ack(400, false), TlpVerdict::Pending);
        assert_eq!(e.on_ack(500, false), TlpVerdict::Pending);
        assert_eq!(e.on_ack(500, true), TlpVerdict::Done);
        assert_eq!(e.on_ack(600, false), TlpVerdict::Loss);
        let new_data = TlpEpisode {
            retrans: false,
            ..e
        };
        assert_eq!(new_data.on_ack(500, false), TlpVerdict::Done);
    }
}
