//! Congestion control: the [`CongestionController`] trait, one file per algorithm (Reno,
//! CUBIC, and the coupled MPTCP controllers LIA, OLIA, BALIA and wVegas), and the closed enum
//! [`Cc`] that dispatches statically.
//!
//! LIA, OLIA and BALIA each come in two arithmetic modes ([`CcMode`]): `Paper` (the
//! real-valued formula of the RFC / paper, applied per acknowledged byte by exact integer
//! byte counting in the manner of RFC 3465, windows in bytes) and `Linux` (the fixed-point
//! arithmetic of the out-of-tree Linux MPTCP kernel v0.95, windows in segments, ACK events
//! counted in congestion avoidance; `net/mptcp/mptcp_coupled.c`, `mptcp_olia.c`,
//! `mptcp_balia.c` of `multipath-tcp/mptcp`, branch `mptcp_v0.95`).
//!
//! Contract: windows are integer **bytes**; SMSS is the payload of a full-sized segment as the
//! socket sends it (e.g. 1448 with timestamps). The socket calls
//! - [`CongestionController::on_sent`] for every data segment sent,
//! - [`CongestionController::on_ack`] for every ACK that acknowledges new data **outside**
//!   fast recovery (RFC 6675 / RFC 6582 freeze the window during recovery),
//! - [`CongestionController::on_congestion_event`] once when fast recovery starts,
//! - [`CongestionController::on_rto`] on each retransmission timeout.
//!
//! Coupled controllers (LIA/OLIA/BALIA for MPTCP) need the state of the other subflows of the
//! same connection: the owner passes it as a read-only [`Coupling`] argument rather than the
//! controller reaching into the connection. A single-path TCP socket passes
//! [`Coupling::NONE`].

pub mod balia;
pub mod cubic;
pub mod hystart;
pub mod lia;
pub mod olia;
pub mod reno;
pub mod wvegas;

pub use balia::Balia;
pub use cubic::Cubic;
pub use hystart::SlowStart;
pub use lia::Lia;
pub use olia::Olia;
pub use reno::{Reno, RenoGrowth};
pub use wvegas::WVegas;

use sim_core::{Duration, Instant};

/// RFC 3465 §2.2: the slow-start increase per ACK is capped at `L * SMSS`, `L = 2`.
pub const ABC_L: u64 = 2;

/// What one ACK tells the controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AckSample {
    /// When the ACK arrived.
    pub now: Instant,
    /// Payload bytes newly acknowledged (cumulatively).
    pub acked_bytes: u64,
    /// RTT sample this ACK produced, if any.
    pub rtt: Option<Duration>,
    /// Smoothed RTT after this ACK, if known.
    pub srtt: Option<Duration>,
    /// Bytes in flight before this ACK was processed.
    pub bytes_in_flight: u64,
    /// Linux's `tcp_is_cwnd_limited`: the window was fully used in the current flight (or,
    /// in slow start, is below twice the most ever in flight). Window growth is skipped when
    /// false, as every Linux controller's `cong_avoid` does, so a flow limited by its
    /// application, receiver or MPTCP scheduler does not inflate its window.
    pub cwnd_limited: bool,
    /// SND.UNA after this ACK, as a sequence offset (slow-start round tracking).
    pub snd_una: u64,
    /// SND.NXT when this ACK arrived, as a sequence offset.
    pub snd_nxt: u64,
}

/// Read-only state of one other subflow of the same connection (for coupled controllers).
///
/// The owner lists only subflows that can send (established, not failed) and have an RTT
/// estimate, as Linux's `mptcp_sk_can_send(sk) && srtt_us != 0` (`mptcp_coupled.c`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SubflowView {
    /// Its congestion window in bytes.
    pub cwnd: u64,
    /// Its smoothed RTT, if known.
    pub srtt: Option<Duration>,
    /// Its bytes in flight.
    pub bytes_in_flight: u64,
    /// Its SMSS in bytes.
    pub smss: u64,
    /// Its slow-start threshold in bytes (`u64::MAX` before the first loss).
    pub ssthresh: u64,
    /// It is in fast recovery (OLIA's `w^c` is then `ssthresh`, `mptcp_olia.c`).
    pub in_recovery: bool,
    /// OLIA's `ℓ_p`: bytes acknowledged between its last two losses, or since the last loss
    /// if more ([`CongestionController::loss_interval`]).
    pub loss_interval: u64,
}

impl SubflowView {
    /// OLIA's window `w^c` in bytes: `ssthresh` during fast recovery (undoing RFC 5681
    /// inflation, Linux `mptcp_get_crt_cwnd`), else `cwnd`.
    pub fn cwnd_c(&self) -> u64 {
        if self.in_recovery && self.ssthresh != u64::MAX {
            self.ssthresh
        } else {
            self.cwnd
        }
    }
}

/// Arithmetic of a coupled controller (LIA, OLIA, BALIA).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CcMode {
    /// The RFC / paper formula, real-valued, applied per acknowledged byte (exact integer
    /// byte counting); windows in bytes; decrease from FlightSize as RFC 5681.
    #[default]
    Paper,
    /// The Linux out-of-tree MPTCP kernel (v0.95) fixed-point form: windows in segments,
    /// ACK events counted in congestion avoidance, `tcp_reno_ssthresh` style decreases.
    Linux,
}

/// The other subflows of the connection a controller belongs to (empty for plain TCP).
#[derive(Clone, Copy, Debug, Default)]
pub struct Coupling<'a> {
    /// The other subflows; the controller's own state is not included.
    pub others: &'a [SubflowView],
}

impl Coupling<'_> {
    /// No coupling: single-path TCP.
    pub const NONE: Coupling<'static> = Coupling { others: &[] };
}

/// A congestion controller working in bytes.
pub trait CongestionController {
    /// A data segment of `bytes` payload was sent; `bytes_in_flight` includes it.
    fn on_sent(&mut self, now: Instant, bytes: u64, bytes_in_flight: u64);

    /// An ACK acknowledged new data outside fast recovery.
    fn on_ack(&mut self, ack: &AckSample, coupling: &Coupling<'_>);

    /// Loss detected by duplicate ACKs / SACK (start of fast recovery): set `ssthresh` and
    /// reduce `cwnd`. `bytes_in_flight` is RFC 5681's FlightSize at detection.
    fn on_congestion_event(&mut self, now: Instant, bytes_in_flight: u64, coupling: &Coupling<'_>);

    /// Retransmission timeout: `cwnd` becomes the loss window (1 SMSS, RFC 5681 §3.1).
    /// `first` is true for the first timeout of a series (only it reduces `ssthresh`; a
    /// backed-off repeat must not halve it again, as in Linux).
    fn on_rto(&mut self, now: Instant, bytes_in_flight: u64, first: bool);

    /// The congestion window in bytes.
    fn window(&self) -> u64;

    /// The slow-start threshold in bytes (`u64::MAX` until the first congestion event).
    fn ssthresh(&self) -> u64;

    /// Sets the slow-start threshold (an initial value other than "arbitrarily high").
    fn set_ssthresh(&mut self, ssthresh: u64);

    /// OLIA's `ℓ` of this subflow in bytes (0 for controllers that do not track it).
    fn loss_interval(&self) -> u64 {
        0
    }
}

/// Which algorithm a socket uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CcKind {
    /// RFC 5681 Reno with RFC 3465 byte counting.
    Reno,
    /// RFC 9438 CUBIC.
    #[default]
    Cubic,
    /// RFC 6356 LIA, paper form, coupled over the MPTCP subflows in the [`Coupling`] view
    /// (identical to Reno when there is no coupling).
    Lia,
    /// LIA in the Linux fixed-point form (`net/mptcp/mptcp_coupled.c`, v0.95).
    LiaLinux,
    /// OLIA (Khalili et al.) in the given mode.
    Olia(CcMode),
    /// BALIA (Peng, Walid, Hwang, Low) in the given mode.
    Balia(CcMode),
    /// Weighted Vegas (Cao, Xu, Fu), delay based (`net/mptcp/mptcp_wvegas.c`, v0.95).
    WVegas,
}

impl CcKind {
    /// LIA in `mode`.
    pub fn lia(mode: CcMode) -> CcKind {
        match mode {
            CcMode::Paper => CcKind::Lia,
            CcMode::Linux => CcKind::LiaLinux,
        }
    }
}

/// A controller of one of the supported kinds, dispatched by `match` (no `dyn`). The two
/// large ones (CUBIC with HyStart, wVegas) are boxed, once per socket: a socket then
/// carries the size of the small ones (Reno, LIA, OLIA, BALIA) in the cache lines it
/// touches per packet.
#[derive(Clone, Debug)]
pub enum Cc {
    /// Reno.
    Reno(Reno),
    /// CUBIC.
    Cubic(Box<Cubic>),
    /// LIA (either mode).
    Lia(Lia),
    /// OLIA.
    Olia(Olia),
    /// BALIA.
    Balia(Balia),
    /// wVegas.
    WVegas(Box<WVegas>),
}

/// Settings every controller of a socket gets besides its kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CcOptions {
    /// CUBIC's slow start (Linux: HyStart).
    pub slow_start: SlowStart,
    /// Initial `ssthresh` in bytes; `None` = arbitrarily high (RFC 5681 §3.1, Linux).
    pub initial_ssthresh: Option<u64>,
    /// Reno's window growth per ACK.
    pub reno_growth: RenoGrowth,
}

impl Cc {
    /// A controller of `kind` with the given options.
    pub fn with_options(kind: CcKind, smss: u64, initial_window: u64, o: &CcOptions) -> Cc {
        let mut cc = match kind {
            CcKind::Reno => Cc::Reno(Reno::with_growth(smss, initial_window, o.reno_growth)),
            CcKind::Cubic => Cc::Cubic(Box::new(Cubic::with_slow_start(
                smss,
                initial_window,
                o.slow_start,
            ))),
            _ => Cc::new(kind, smss, initial_window),
        };
        if let Some(s) = o.initial_ssthresh {
            cc.set_ssthresh(s);
        }
        cc
    }

    /// A controller of `kind` for segments of `smss` bytes with an initial window of
    /// `initial_window` bytes, with the default [`CcOptions`].
    pub fn new(kind: CcKind, smss: u64, initial_window: u64) -> Cc {
        match kind {
            CcKind::Reno => Cc::Reno(Reno::new(smss, initial_window)),
            CcKind::Cubic => Cc::Cubic(Box::new(Cubic::new(smss, initial_window))),
            CcKind::Lia => Cc::Lia(Lia::new(smss, initial_window)),
            CcKind::LiaLinux => Cc::Lia(Lia::with_mode(CcMode::Linux, smss, initial_window)),
            CcKind::Olia(m) => Cc::Olia(Olia::new(m, smss, initial_window)),
            CcKind::Balia(m) => Cc::Balia(Balia::new(m, smss, initial_window)),
            CcKind::WVegas => Cc::WVegas(Box::new(WVegas::new(smss, initial_window))),
        }
    }
}

macro_rules! dispatch {
    ($self:ident, $c:ident => $e:expr) => {
        match $self {
            Cc::Reno($c) => $e,
            Cc::Cubic($c) => $e,
            Cc::Lia($c) => $e,
            Cc::Olia($c) => $e,
            Cc::Balia($c) => $e,
            Cc::WVegas($c) => $e,
        }
    };
}

impl CongestionController for Cc {
    fn on_sent(&mut self, now: Instant, bytes: u64, bytes_in_flight: u64) {
        dispatch!(self, c => c.on_sent(now, bytes, bytes_in_flight))
    }
    fn on_ack(&mut self, ack: &AckSample, coupling: &Coupling<'_>) {
        // Linux: `if (!tcp_is_cwnd_limited(sk)) return;` opens reno, cubic, lia, olia and
        // balia's cong_avoid. wVegas always runs: its per-RTT delay logic needs every ACK;
        // CUBIC applies the gate itself after HyStart, which sees every ACK (pkts_acked).
        if !ack.cwnd_limited && !matches!(self, Cc::WVegas(_) | Cc::Cubic(_)) {
            return;
        }
        dispatch!(self, c => c.on_ack(ack, coupling))
    }
    fn on_congestion_event(&mut self, now: Instant, bytes_in_flight: u64, coupling: &Coupling<'_>) {
        dispatch!(self, c => c.on_congestion_event(now, bytes_in_flight, coupling))
    }
    fn on_rto(&mut self, now: Instant, bytes_in_flight: u64, first: bool) {
        dispatch!(self, c => c.on_rto(now, bytes_in_flight, first))
    }
    fn window(&self) -> u64 {
        dispatch!(self, c => c.window())
    }
    fn ssthresh(&self) -> u64 {
        dispatch!(self, c => c.ssthresh())
    }
    fn set_ssthresh(&mut self, ssthresh: u64) {
        dispatch!(self, c => c.set_ssthresh(ssthresh))
    }
    fn loss_interval(&self) -> u64 {
        dispatch!(self, c => c.loss_interval())
    }
}

/// RFC 5681 §3.1 / RFC 3465 §2.2 slow start: `cwnd += min(acked, L*SMSS)`, not beyond
/// `ssthresh` (as Linux's `tcp_slow_start`). Returns the new window.
pub(crate) fn slow_start(cwnd: u64, ssthresh: u64, acked: u64, smss: u64) -> u64 {
    let inc = acked.min(ABC_L * smss);
    cwnd.saturating_add(inc).min(ssthresh.max(cwnd))
}

/// `a / b`, through a 64-bit division when both fit (a 128-bit division is a slow library
/// call, and the per-subflow terms of the coupled controllers almost always fit).
#[inline]
pub(crate) fn div128(a: u128, b: u128) -> u128 {
    match (u64::try_from(a), u64::try_from(b)) {
        (Ok(a), Ok(b)) => u128::from(a / b),
        _ => a / b,
    }
}

/// A smoothed RTT in microseconds, at least 1 (for exact integer ratios).
pub(crate) fn rtt_us(d: Duration) -> u128 {
    u128::from((d.as_nanos() / 1_000).max(1))
}

/// Linux `srtt_us`: 8 × the smoothed RTT in microseconds (at least 1); the factor cancels in
/// every ratio of `mptcp_coupled.c`, `mptcp_olia.c` and `mptcp_balia.c`.
pub(crate) fn srtt_us8(d: Duration) -> u64 {
    (d.as_nanos() / 1_000).saturating_mul(8).max(1)
}

/// Segments acknowledged by an ACK of `bytes` (a partial segment counts as one, as Linux
/// counts packets).
pub(crate) fn acked_segments(bytes: u64, smss: u64) -> u64 {
    bytes.div_ceil(smss.max(1))
}

/// A window of `bytes` in whole segments of `smss` (at least 1).
pub(crate) fn segments(bytes: u64, smss: u64) -> u64 {
    (bytes / smss.max(1)).max(1)
}

/// OLIA's `ℓ` bookkeeping, shared by both modes (`mptcp_olia.c`; Khalili et al. §IV:
/// "ℓ_r = max(ℓ_{1r}, ℓ_{2r})", bytes acked between the last two losses and since the last).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LossIntervals {
    /// Bytes acknowledged since the last loss (`loss3 − loss2`).
    pub(crate) since_last: u64,
    /// Bytes acknowledged between the two losses before (`loss2 − loss1`).
    pub(crate) previous: u64,
}

impl LossIntervals {
    pub(crate) fn on_acked(&mut self, bytes: u64) {
        self.since_last = self.since_last.saturating_add(bytes);
    }
    /// A loss: Linux shifts only when `loss3 != loss2` (something was acked since).
    pub(crate) fn on_loss(&mut self) {
        if self.since_last != 0 {
            self.previous = self.since_last;
            self.since_last = 0;
        }
    }
    pub(crate) fn value(&self) -> u64 {
        self.since_last.max(self.previous)
    }
}

/// Linux `tcp_slow_start` in segments: `w = min(w + acked, ssthresh)` (no L cap), on a
/// window of whole segments in bytes. Returns the new window in bytes.
pub(crate) fn linux_slow_start(cwnd: u64, ssthresh: u64, acked_bytes: u64, smss: u64) -> u64 {
    let w = segments(cwnd, smss);
    let ss = ssthresh / smss.max(1);
    w.saturating_add(acked_segments(acked_bytes, smss))
        .min(ss.max(w))
        .saturating_mul(smss)
}

/// Linux `tcp_reno_ssthresh`: `max(w / 2, 2)` segments, in bytes.
pub(crate) fn linux_halve(cwnd: u64, smss: u64) -> u64 {
    (segments(cwnd, smss) / 2).max(2) * smss
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Fabricated ACKs and views, and a reference Linux ACK-counting Reno.
    use super::{AckSample, SubflowView};
    use sim_core::{Duration, Instant};

    /// A view of `cwnd` bytes at `rtt_ms` (MSS 1000).
    pub(crate) fn view(cwnd: u64, rtt_ms: u64) -> SubflowView {
        SubflowView {
            cwnd,
            srtt: Some(Duration::from_millis(rtt_ms)),
            smss: 1000,
            ssthresh: u64::MAX,
            ..SubflowView::default()
        }
    }

    /// An ACK of `bytes` with smoothed RTT `srtt_ms`.
    pub(crate) fn ack(bytes: u64, srtt_ms: u64) -> AckSample {
        AckSample {
            now: Instant::ZERO,
            acked_bytes: bytes,
            rtt: Some(Duration::from_millis(srtt_ms)),
            srtt: Some(Duration::from_millis(srtt_ms)),
            bytes_in_flight: 0,
            cwnd_limited: true,
            snd_una: 0,
            snd_nxt: 0,
        }
    }

    /// The single-path behaviour of the kernel's coupled controllers (segments): slow start
    /// `w = min(w + acked, ssthresh)`, congestion avoidance `cnt >= w ⇒ w += 1, cnt = 0,
    /// else cnt += 1`, loss `ssthresh = keep(w)`.
    pub(crate) struct LinuxReno {
        pub(crate) w: u64,
        pub(crate) ss: u64,
        pub(crate) cnt: u64,
        pub(crate) keep: fn(u64) -> u64,
    }

    impl LinuxReno {
        pub(crate) fn ack(&mut self, segs: u64) {
            if self.w < self.ss {
                self.w = (self.w + segs).min(self.ss);
            } else if self.cnt >= self.w {
                self.w += 1;
                self.cnt = 0;
            } else {
                self.cnt += 1;
            }
        }
        pub(crate) fn loss(&mut self) {
            self.ss = (self.keep)(self.w);
            self.w = self.ss;
            self.cnt = 0;
        }
        pub(crate) fn rto(&mut self) {
            self.ss = (self.keep)(self.w);
            self.w = 1;
            self.cnt = 0;
        }
    }
}
