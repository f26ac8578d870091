//! Leaving slow start before the first loss: Linux CUBIC's hybrid slow start
//! ([`LinuxHystart`], net/ipv4/tcp_cubic.c `hystart_update`, after Ha & Rhee 2011) and
//! HyStart++ (RFC 9406, [`HystartPlusPlus`]).
//!
//! Linux ships the former with CUBIC (`hystart = 1`, both detectors): slow start ends, with
//! `ssthresh = cwnd`, when within one round the ACKs arrive as an unbroken train (gaps of at
//! most 2 ms) spanning more than half the minimum RTT, or when the round's minimum RTT
//! (over its first 8 samples) exceeds the connection's minimum by `clamp(min/8, 4, 16) ms`.
//! RFC 9406 instead moves to Conservative Slow Start (a quarter of the growth) on a delay
//! increase, returns to slow start if the RTT falls back, and enters congestion avoidance
//! after five CSS rounds.

use sim_core::{Duration, Instant};

/// The slow-start variant of a controller that supports one ([`super::Cubic`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SlowStart {
    /// RFC 5681 slow start until the first loss.
    Standard,
    /// Linux CUBIC's HyStart (ACK train and delay detectors; the Linux default).
    #[default]
    HyStart,
    /// RFC 9406 HyStart++ (non-paced: L = 8).
    HyStartPlusPlus,
}

/// Linux `hystart_low_window`: no detection below 16 segments.
const LOW_WINDOW_SEGMENTS: u64 = 16;
/// Linux `hystart_ack_delta_us`: the largest gap within an ACK train.
const ACK_DELTA: Duration = Duration::from_micros(2000);
/// Linux `HYSTART_MIN_SAMPLES`.
const MIN_SAMPLES: u8 = 8;
/// Linux `HYSTART_DELAY_MIN` / `HYSTART_DELAY_MAX` (RFC 9406 MIN/MAX_RTT_THRESH).
const DELAY_MIN: Duration = Duration::from_millis(4);
const DELAY_MAX: Duration = Duration::from_millis(16);
/// Linux `sk_gso_max_size` (`GSO_LEGACY_MAX_SIZE`) for `hystart_ack_delay`.
const GSO_MAX_SIZE: u64 = 65_536;

/// `clamp(d / 8, 4 ms, 16 ms)` (Linux `HYSTART_DELAY_THRESH(delay_min >> 3)`, RFC 9406
/// `RttThresh`).
fn delay_thresh(d: Duration) -> Duration {
    Duration::from_nanos(d.as_nanos() / 8).clamp(DELAY_MIN, DELAY_MAX)
}

/// What a slow-start helper sees of one ACK.
#[derive(Clone, Copy, Debug)]
pub struct SsAck {
    /// Arrival time.
    pub now: Instant,
    /// The RTT sample the ACK produced.
    pub rtt: Option<Duration>,
    /// The smoothed RTT.
    pub srtt: Option<Duration>,
    /// SND.UNA after the ACK (sequence offset).
    pub snd_una: u64,
    /// SND.NXT (sequence offset).
    pub snd_nxt: u64,
    /// The congestion window, bytes.
    pub cwnd: u64,
    /// SMSS, bytes.
    pub smss: u64,
}

/// Linux CUBIC's HyStart state (`struct bictcp`: `found`, `round_start`, `end_seq`,
/// `last_ack`, `curr_rtt`, `sample_cnt`, `delay_min`).
#[derive(Clone, Copy, Debug, Default)]
pub struct LinuxHystart {
    found: bool,
    round_start: Instant,
    last_ack: Instant,
    /// SND.NXT when the round began (`None`: no round yet, as right after `bictcp_reset`).
    end_seq: Option<u64>,
    curr_rtt: Option<Duration>,
    sample_cnt: u8,
    delay_min: Option<Duration>,
}

impl LinuxHystart {
    /// The connection's minimum RTT as CUBIC tracks it.
    pub fn delay_min(&self) -> Option<Duration> {
        self.delay_min
    }

    /// `bictcp_reset` + `bictcp_hystart_reset` (initialisation and the RTO).
    pub fn reset(&mut self) {
        *self = LinuxHystart::default();
    }

    /// Linux `cubictcp_acked` for one ACK with an RTT sample: tracks the minimum delay and,
    /// in slow start with at least 16 segments, runs the detectors. Returns true when slow
    /// start should end now (`ssthresh = cwnd`).
    pub fn on_ack(&mut self, a: &SsAck, in_slow_start: bool) -> bool {
        let Some(rtt) = a.rtt else {
            return false;
        };
        let delay = rtt.max(Duration::from_micros(1));
        let delay_min = self.delay_min.map_or(delay, |m| m.min(delay));
        self.delay_min = Some(delay_min);
        if self.found || !in_slow_start || a.cwnd < LOW_WINDOW_SEGMENTS * a.smss {
            return false;
        }
        if self.end_seq.is_none_or(|e| a.snd_una > e) {
            self.round_start = a.now;
            self.last_ack = a.now;
            self.end_seq = Some(a.snd_nxt);
            self.curr_rtt = None;
            self.sample_cnt = 0;
        }
        // ACK train: the round's ACKs kept coming for half the minimum RTT (+ the pacing
        // allowance `hystart_ack_delay`).
        if a.now.saturating_duration_since(self.last_ack) <= ACK_DELTA {
            self.last_ack = a.now;
            let threshold = Duration::from_nanos((delay_min + ack_delay(a)).as_nanos() / 2);
            if a.now.saturating_duration_since(self.round_start) > threshold {
                self.found = true;
            }
        }
        // Delay increase over the round's first samples.
        let curr = self.curr_rtt.map_or(delay, |c| c.min(delay));
        self.curr_rtt = Some(curr);
        if self.sample_cnt < MIN_SAMPLES {
            self.sample_cnt += 1;
        } else if curr > delay_min + delay_thresh(delay_min) {
            self.found = true;
        }
        self.found
    }
}

/// Linux `hystart_ack_delay`: `min(1 ms, 4·gso_max_size / pacing rate)`, the pacing rate
/// (computed even without pacing, `tcp_update_pacing_rate`) being 2·cwnd/SRTT in slow start.
fn ack_delay(a: &SsAck) -> Duration {
    let Some(srtt) = a.srtt.filter(|s| !s.is_zero()) else {
        return Duration::ZERO;
    };
    let rate_den = 2 * u128::from(a.cwnd.max(1));
    let ns = u128::from(4 * GSO_MAX_SIZE) * u128::from(srtt.as_nanos()) / rate_den;
    Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX)).min(Duration::from_millis(1))
}

/// RFC 9406 §4.3 `N_RTT_SAMPLE`.
const N_RTT_SAMPLE: u32 = 8;
/// RFC 9406 §4.3 `CSS_GROWTH_DIVISOR`.
pub const CSS_GROWTH_DIVISOR: u64 = 4;
/// RFC 9406 §4.3 `CSS_ROUNDS`.
const CSS_ROUNDS: u32 = 5;
/// RFC 9406 §4.3 `L` without pacing: at most 8 SMSS of growth per ACK.
pub const L_NON_PACED: u64 = 8;

/// The phase of HyStart++.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PlusPlusPhase {
    /// Standard slow start with delay monitoring.
    #[default]
    SlowStart,
    /// Conservative Slow Start, in its `n`-th round.
    Css(u32),
    /// Over: congestion avoidance (after CSS or a loss); standard slow start afterwards.
    Done,
}

/// RFC 9406 HyStart++ state.
#[derive(Clone, Copy, Debug, Default)]
pub struct HystartPlusPlus {
    phase: PlusPlusPhase,
    window_end: Option<u64>,
    last_round_min: Option<Duration>,
    current_round_min: Option<Duration>,
    samples: u32,
    css_baseline: Option<Duration>,
}

/// What HyStart++ makes of one ACK.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlusPlusStep {
    /// Grow by `min(N, L·SMSS) / divisor` (1 in slow start, 4 in CSS).
    Grow {
        /// The growth divisor.
        divisor: u64,
    },
    /// CSS is over: enter congestion avoidance (`ssthresh = cwnd`).
    EnterCa,
    /// HyStart++ no longer applies: standard slow start.
    Standard,
}

impl HystartPlusPlus {
    /// The current phase.
    pub fn phase(&self) -> PlusPlusPhase {
        self.phase
    }

    /// A loss or timeout: HyStart++ is over for this connection (RFC 9406 §4.3: only the
    /// initial slow start uses it).
    pub fn on_congestion(&mut self) {
        self.phase = PlusPlusPhase::Done;
    }

    /// RFC 9406 §4.2 for one ACK in slow start.
    pub fn on_ack(&mut self, a: &SsAck) -> PlusPlusStep {
        if self.phase == PlusPlusPhase::Done {
            return PlusPlusStep::Standard;
        }
        if self.window_end.is_none_or(|e| a.snd_una >= e) {
            // A new round.
            self.window_end = Some(a.snd_nxt);
            self.last_round_min = self.current_round_min;
            self.current_round_min = None;
            self.samples = 0;
            if let PlusPlusPhase::Css(n) = self.phase {
                if n >= CSS_ROUNDS {
                    self.phase = PlusPlusPhase::Done;
                    return PlusPlusStep::EnterCa;
                }
                self.phase = PlusPlusPhase::Css(n + 1);
            }
        }
        if let Some(rtt) = a.rtt {
            self.current_round_min = Some(self.current_round_min.map_or(rtt, |m| m.min(rtt)));
            self.samples += 1;
        }
        if self.samples >= N_RTT_SAMPLE {
            if let (Some(cur), Some(last)) = (self.current_round_min, self.last_round_min) {
                match self.phase {
                    PlusPlusPhase::SlowStart if cur >= last + delay_thresh(last) => {
                        self.css_baseline = Some(cur);
                        self.phase = PlusPlusPhase::Css(1);
                    }
                    PlusPlusPhase::Css(_) if self.css_baseline.is_some_and(|b| cur < b) => {
                        self.css_baseline = None;
                        self.phase = PlusPlusPhase::SlowStart;
                    }
                    _ => {}
                }
            }
        }
        PlusPlusStep::Grow {
            divisor: match self.phase {
                PlusPlusPhase::Css(_) => CSS_GROWTH_DIVISOR,
                _ => 1,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1000;

    fn ack(now_us: u64, rtt_ms: u64, una: u64, nxt: u64, cwnd: u64) -> SsAck {
        SsAck {
            now: Instant::from_micros(now_us),
            rtt: Some(Duration::from_millis(rtt_ms)),
            srtt: Some(Duration::from_millis(rtt_ms)),
            snd_una: una,
            snd_nxt: nxt,
            cwnd,
            smss: S,
        }
    }

    #[test]
    fn delay_detector_after_eight_samples() {
        let mut h = LinuxHystart::default();
        // Round 1 (40 ms RTT) sets delay_min; ACKs 3 ms apart: no train.
        for k in 0..10 {
            assert!(!h.on_ack(&ack(k * 3000, 40, k * S, 20 * S, 20 * S), true));
        }
        // Round 2: the RTT is 44 ms (< 40 + max(5, 4) ms): nothing; then 46 ms: > 45 ms
        // after 8 samples.
        for k in 0..10 {
            let una = 21 * S + k * S;
            assert!(!h.on_ack(&ack(100_000 + k * 3000, 44, una, 40 * S, 20 * S), true));
        }
        let mut found_at = None;
        for k in 0..10 {
            let una = 41 * S + k * S;
            if h.on_ack(&ack(200_000 + k * 3000, 46, una, 60 * S, 20 * S), true) {
                found_at = Some(k);
                break;
            }
        }
        // The 9th ACK of the round (samples 1..8 fill the window first).
        assert_eq!(found_at, Some(8));
        assert_eq!(h.delay_min(), Some(Duration::from_millis(40)));
    }

    #[test]
    fn ack_train_spanning_half_the_min_rtt() {
        let mut h = LinuxHystart::default();
        // 40 ms RTT; ACKs every 1 ms: the train passes (40 + 1) / 2 = 20.5 ms on the 22nd.
        let mut found = None;
        for k in 0..40 {
            if h.on_ack(&ack(k * 1000, 40, k * S + 1, 100 * S, 16 * S), true) {
                found = Some(k);
                break;
            }
        }
        assert_eq!(found, Some(21));
        // Below the low window nothing is detected.
        let mut g = LinuxHystart::default();
        assert!((0..40).all(|k| !g.on_ack(&ack(k * 1000, 40, k * S + 1, 100 * S, 15 * S), true)));
    }

    #[test]
    fn plus_plus_css_then_congestion_avoidance() {
        let mut h = HystartPlusPlus::default();
        let grow1 = PlusPlusStep::Grow { divisor: 1 };
        let grow4 = PlusPlusStep::Grow { divisor: 4 };
        let round = |h: &mut HystartPlusPlus, r: u64, rtt: u64| {
            (0..10)
                .map(|k| h.on_ack(&ack(0, rtt, r * 100 + k + 1, (r + 1) * 100, 0)))
                .collect::<Vec<_>>()
        };
        assert!(round(&mut h, 0, 40).iter().all(|s| *s == grow1));
        // +5 ms >= max(4, 40/8) ms: CSS from the 8th sample of the round.
        let r1 = round(&mut h, 1, 45);
        assert_eq!(r1[..7], [grow1; 7]);
        assert_eq!(r1[7..], [grow4; 3]);
        assert_eq!(h.phase(), PlusPlusPhase::Css(1));
        for r in 2..=5 {
            assert!(round(&mut h, r, 45).iter().all(|s| *s == grow4));
        }
        assert_eq!(h.phase(), PlusPlusPhase::Css(5));
        assert_eq!(round(&mut h, 6, 45)[0], PlusPlusStep::EnterCa);
        assert_eq!(h.phase(), PlusPlusPhase::Done);
    }

    #[test]
    fn plus_plus_returns_to_slow_start_when_the_rtt_falls() {
        let mut h = HystartPlusPlus::default();
        let round = |h: &mut HystartPlusPlus, r: u64, rtt: u64| {
            for k in 0..10 {
                h.on_ack(&ack(0, rtt, r * 100 + k + 1, (r + 1) * 100, 0));
            }
        };
        round(&mut h, 0, 40);
        round(&mut h, 1, 45);
        assert_eq!(h.phase(), PlusPlusPhase::Css(1));
        round(&mut h, 2, 41);
        assert_eq!(h.phase(), PlusPlusPhase::SlowStart);
    }
}
