//! Per-socket configuration.

use crate::cc::{CcKind, CcOptions, RenoGrowth, SlowStart};
use sim_core::Duration;

/// Configuration of one TCP endpoint. `Default` gives a Linux-like modern stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpConfig {
    /// MSS announced in the SYN (MTU 1500 − 40). Payload per segment is
    /// `min(mss, peer's mss)` minus the option octets the segment carries (RFC 6691).
    pub mss: u16,
    /// Offer / accept SACK (RFC 2018).
    pub sack: bool,
    /// Offer / accept timestamps (RFC 7323).
    pub timestamps: bool,
    /// Delay ACKs (RFC 1122 §4.2.3.2, RFC 5681 §4.2).
    pub delayed_ack: bool,
    /// Delayed-ACK timeout.
    pub delack_timeout: Duration,
    /// ACK at least every `ack_every` full-sized segments' worth of in-order data.
    pub ack_every: u32,
    /// Receive buffer in bytes: the window is `rcv_buf` minus delivered-but-unread bytes.
    pub rcv_buf: u32,
    /// Send buffer in bytes: unacknowledged plus unsent application data.
    pub snd_buf: u32,
    /// Initial window in segments (RFC 6928).
    pub init_cwnd_segments: u32,
    /// Lower bound of the RTO (Linux: 200 ms).
    pub min_rto: Duration,
    /// Upper bound of the RTO (Linux: 120 s).
    pub max_rto: Duration,
    /// RTO before any RTT sample (RFC 6298 §2.1).
    pub initial_rto: Duration,
    /// Congestion control algorithm.
    pub cc: CcKind,
    /// Offer / accept window scaling (RFC 7323 §2).
    pub window_scale: bool,
    /// TIME-WAIT duration (shortened from Linux's 60 s: the simulation has no stray
    /// duplicates older than a few RTTs).
    pub time_wait: Duration,
    /// SYN / SYN-ACK retransmissions before giving up (Linux `tcp_syn_retries`).
    pub syn_retries: u32,
    /// How the retransmission timeout is computed from RTT samples.
    pub rto: RtoMode,
    /// How the window shrinks during SACK-based fast recovery.
    pub cwnd_reduction: CwndReduction,
    /// When partial ACKs restart the retransmission timer during NewReno (non-SACK) fast
    /// recovery (RFC 6582 §4).
    pub newreno_timer: NewRenoTimer,
    /// How losses are detected when SACK is in use.
    pub loss_detection: LossDetection,
    /// CUBIC's slow start (Linux: HyStart).
    pub slow_start: SlowStart,
    /// Initial slow-start threshold in segments; `None`: arbitrarily high (RFC 5681 §3.1,
    /// Linux; htsim uses 100 segments).
    pub initial_ssthresh: Option<u32>,
    /// Reno's window growth per ACK (Linux: byte/segment counting).
    pub reno_growth: RenoGrowth,
}

/// Loss detection with SACK.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LossDetection {
    /// RACK-TLP (RFC 8985) as Linux (`net.ipv4.tcp_recovery = 1`, `tcp_early_retrans = 3`):
    /// a segment is lost once a segment sent after it was delivered and a reordering window
    /// (min_RTT/4, none during recovery or once three segments are SACKed) has passed, which
    /// also catches lost retransmissions; a tail loss probe (2·SRTT after the last send)
    /// retransmits the last segment or sends new data so that a tail loss is repaired
    /// without a timeout. Only lost segments are retransmitted (Linux has no RFC 6675
    /// rule 3).
    #[default]
    RackTlp,
    /// RFC 6675 §4 DupThresh: a segment is lost when three segments (or more than two SMSS)
    /// above it are SACKed; NextSeg rules 1–3; no loss probe.
    DupThresh,
}

/// RFC 6582 §4: resetting the retransmission timer on partial ACKs during NewReno recovery.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum NewRenoTimer {
    /// "Slow-but-Steady": every partial ACK restarts the timer, so recovery retransmits one
    /// hole per round trip however many there are. Linux: every ACK that advances SND.UNA
    /// sets `FLAG_SET_XMIT_TIMER` (`tcp_clean_rtx_queue`), which restarts the timer at
    /// `now + RTO` (`tcp_set_xmit_timer` → `tcp_rearm_rto`; no loss probe outside the Open
    /// state), and the head's retransmission re-arms it again (`tcp_xmit_retransmit_queue`).
    #[default]
    SlowButSteady,
    /// "Impatient" (RFC 6582 §3.2 step 5, the variant the RFC specifies): only the first
    /// partial ACK of a recovery restarts the timer, so after many losses the timeout fires
    /// and recovery continues by slow start from the loss window.
    Impatient,
}

/// The window during SACK-based fast recovery (RFC 6675).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CwndReduction {
    /// Proportional Rate Reduction (RFC 6937) as Linux's `tcp_cwnd_reduction`: the window
    /// falls to `ssthresh` gradually over one round trip, sending about one segment for
    /// every `1/β` delivered, then (PRR-SSRB) grows back towards `ssthresh` if the losses
    /// emptied the pipe. After recovery `cwnd = ssthresh`.
    #[default]
    Prr,
    /// RFC 5681 §3.2 / RFC 6675 §5 (4.2): `cwnd = ssthresh` at once when recovery begins,
    /// and sending while `pipe < cwnd`.
    Halve,
}

/// The retransmission-timeout estimator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RtoMode {
    /// Linux's `tcp_rtt_estimator` / `tcp_set_rto`: RTO = SRTT + max(4·mdev, rto_min), with
    /// the deviation held at its per-RTT maximum and decayed once per RTT (`mdev_max_us`,
    /// `rttvar_us`), and a 1/32 gain when the RTT falls. The 200 ms floor is added to SRTT,
    /// not a lower bound on the RTO, so a bufferbloated path with a smooth RTT does not time
    /// out spuriously.
    #[default]
    Linux,
    /// RFC 6298 §2: RTO = max(min_rto, SRTT + max(G, 4·RTTVAR)).
    Rfc6298,
}

impl Default for TcpConfig {
    fn default() -> Self {
        TcpConfig {
            mss: 1460,
            sack: true,
            timestamps: true,
            delayed_ack: true,
            delack_timeout: Duration::from_millis(40),
            ack_every: 2,
            rcv_buf: 6 * 1024 * 1024,
            snd_buf: 4 * 1024 * 1024,
            init_cwnd_segments: 10,
            min_rto: Duration::from_millis(200),
            max_rto: Duration::from_secs(120),
            initial_rto: Duration::from_secs(1),
            cc: CcKind::Cubic,
            window_scale: true,
            time_wait: Duration::from_secs(1),
            syn_retries: 6,
            rto: RtoMode::Linux,
            cwnd_reduction: CwndReduction::Prr,
            newreno_timer: NewRenoTimer::SlowButSteady,
            loss_detection: LossDetection::RackTlp,
            slow_start: SlowStart::HyStart,
            initial_ssthresh: None,
            reno_growth: RenoGrowth::ByteCounting,
        }
    }
}

impl TcpConfig {
    /// The congestion-control options for segments of `smss` bytes.
    pub fn cc_options(&self, smss: u64) -> CcOptions {
        CcOptions {
            slow_start: self.slow_start,
            initial_ssthresh: self
                .initial_ssthresh
                .map(|s| u64::from(s).saturating_mul(smss)),
            reno_growth: self.reno_growth,
        }
    }
}
