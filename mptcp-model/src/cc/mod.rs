//! Congestion control: the [`CongestionController`] trait, one file per algorithm (Reno,
//! CUBIC, and the coupled MPTCP controller LIA), and the closed enum [`Cc`] that dispatches
//! statically. Room is left for OLIA / BALIA / wVegas as further variants.
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

pub mod cubic;
pub mod lia;
pub mod reno;

pub use cubic::Cubic;
pub use lia::Lia;
pub use reno::Reno;

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
}

/// Read-only state of one other subflow of the same connection (for coupled controllers).
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
}

/// Which algorithm a socket uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CcKind {
    /// RFC 5681 Reno with RFC 3465 byte counting.
    Reno,
    /// RFC 9438 CUBIC.
    #[default]
    Cubic,
    /// RFC 6356 LIA, coupled over the MPTCP subflows in the [`Coupling`] view (identical to
    /// Reno when there is no coupling).
    Lia,
}

/// A controller of one of the supported kinds, dispatched by `match` (no `dyn`).
#[derive(Clone, Debug)]
pub enum Cc {
    /// Reno.
    Reno(Reno),
    /// CUBIC.
    Cubic(Cubic),
    /// LIA.
    Lia(Lia),
}

impl Cc {
    /// A controller of `kind` for segments of `smss` bytes with an initial window of
    /// `initial_window` bytes.
    pub fn new(kind: CcKind, smss: u64, initial_window: u64) -> Cc {
        match kind {
            CcKind::Reno => Cc::Reno(Reno::new(smss, initial_window)),
            CcKind::Cubic => Cc::Cubic(Cubic::new(smss, initial_window)),
            CcKind::Lia => Cc::Lia(Lia::new(smss, initial_window)),
        }
    }
}

macro_rules! dispatch {
    ($self:ident, $c:ident => $e:expr) => {
        match $self {
            Cc::Reno($c) => $e,
            Cc::Cubic($c) => $e,
            Cc::Lia($c) => $e,
        }
    };
}

impl CongestionController for Cc {
    fn on_sent(&mut self, now: Instant, bytes: u64, bytes_in_flight: u64) {
        dispatch!(self, c => c.on_sent(now, bytes, bytes_in_flight))
    }
    fn on_ack(&mut self, ack: &AckSample, coupling: &Coupling<'_>) {
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
}

/// RFC 5681 §3.1 / RFC 3465 §2.2 slow start: `cwnd += min(acked, L*SMSS)`, not beyond
/// `ssthresh` (as Linux's `tcp_slow_start`). Returns the new window.
pub(crate) fn slow_start(cwnd: u64, ssthresh: u64, acked: u64, smss: u64) -> u64 {
    let inc = acked.min(ABC_L * smss);
    cwnd.saturating_add(inc).min(ssthresh.max(cwnd))
}
