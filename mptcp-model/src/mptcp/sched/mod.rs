//! Packet schedulers: which subflow carries the next chunk of data.
//!
//! Contract: the connection calls [`Scheduler::pick`] each time it has a chunk to hand out
//! (new data or a reinjection), with a [`SchedCtx`] of connection-level values and a
//! read-only [`SchedView`] of every subflow (index = subflow id, a `Vec` the connection
//! reuses: no allocation per decision); the scheduler answers with a [`Pick`]: one subflow,
//! a set of subflows (the redundant scheduler) or wait. After handing data out, the
//! connection reports it with [`Scheduler::sent`] (round-robin quotas, upstream bursts).
//! Schedulers are one file each behind the closed enum [`AnyScheduler`]:
//!
//! | kind | file | source |
//! |---|---|---|
//! | [`SchedulerKind::MinRtt`] | `minrtt.rs` | out-of-tree `mptcp_sched.c` |
//! | [`SchedulerKind::RoundRobin`] | `roundrobin.rs` | out-of-tree `mptcp_rr.c` |
//! | [`SchedulerKind::Redundant`] | `redundant.rs` | out-of-tree `mptcp_redundant.c` |
//! | [`SchedulerKind::Blest`] | `blest.rs` | Ferlin et al., IFIP Networking 2016; `mptcp_blest.c` |
//! | [`SchedulerKind::Ecf`] | `ecf.rs` | Lim et al., CoNEXT 2017; `mptcp_ecf.c` v0.96 |
//! | [`SchedulerKind::Upstream`] | `upstream.rs` | Linux `net/mptcp/protocol.c` |
//! | [`SchedulerKind::SmallestDelay`], [`SchedulerKind::Priority`], [`SchedulerKind::LoadBalancing`] | `atsss.rs` | 3GPP TS 23.501 §5.32.8 |
//!
//! Opportunistic retransmission and penalisation (Raiciu et al., NSDI 2012) act on the
//! retransmission queue, not on a single decision; the connection runs them when
//! [`SchedulerKind::opportunistic`] says the kernel pairs them with that scheduler and the
//! configuration switch is on. Shared rule (`mptcp_sched.c`): backup subflows are
//! considered only when no non-backup subflow is usable.

pub mod atsss;
pub mod blest;
pub mod ecf;
pub mod minrtt;
pub mod redundant;
pub mod roundrobin;
pub mod upstream;

pub use atsss::{LoadBalancing, Priority, SmallestDelay};
pub use blest::Blest;
pub use ecf::Ecf;
pub use minrtt::MinRtt;
pub use redundant::Redundant;
pub use roundrobin::RoundRobin;
pub use upstream::Upstream;

use sim_core::{Duration, Instant};

/// What a scheduler sees of one subflow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SchedView {
    /// Established, not failed, not closing: it may carry data.
    pub usable: bool,
    /// A backup path (RFC 8684 §3.3.8 / MP_JOIN `B`, or MP_PRIO).
    pub backup: bool,
    /// Congestion-window space: nothing queued unsent and room in the window for a full data
    /// segment ([`crate::tcp::TcpSocket::has_segment_room`]: the kernel's `in_flight <
    /// snd_cwnd` in packets, for a window counted in bytes).
    pub has_space: bool,
    /// Smoothed RTT, once measured.
    pub srtt: Option<Duration>,
    /// RTT variation (RFC 6298 `RTTVAR`).
    pub rttvar: Duration,
    /// Lowest smoothed RTT this subflow ever had (BLEST's `min_srtt`; zero if unmeasured).
    pub srtt_min: Duration,
    /// Highest smoothed RTT this subflow ever had (BLEST's `max_srtt`).
    pub srtt_max: Duration,
    /// Congestion window, bytes.
    pub cwnd: u64,
    /// Slow-start threshold, bytes (`u64::MAX` until the first loss: initial slow start).
    pub ssthresh: u64,
    /// Bytes sent and not acknowledged on the subflow.
    pub in_flight: u64,
    /// Bytes handed to the subflow and not yet sent.
    pub queued: u64,
    /// Payload of a full segment on this subflow, bytes.
    pub mss: u64,
    /// Consecutive retransmission timeouts without progress.
    pub rtos: u32,
    /// The access (interface) of the multihomed end it runs over: the local address index
    /// at the initiator, the remote address index at the listener (0 = the interface the
    /// connection was opened on). Used by the ATSSS steering schedulers.
    pub path: usize,
}

impl SchedView {
    /// Congestion window in segments (at least 1).
    pub fn cwnd_pkts(&self) -> u64 {
        (self.cwnd / self.mss.max(1)).max(1)
    }

    /// Segments in flight.
    pub fn in_flight_pkts(&self) -> u64 {
        self.in_flight.div_ceil(self.mss.max(1))
    }

    /// Smoothed RTT or zero.
    pub fn srtt_or_zero(&self) -> Duration {
        self.srtt.unwrap_or(Duration::ZERO)
    }
}

/// Connection-level values a decision may need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchedCtx {
    /// Now (BLEST's λ update period).
    pub now: Instant,
    /// Bytes of the segment to place (`skb->len`).
    pub seg_len: u64,
    /// The chunk is a reinjection.
    pub reinjection: bool,
    /// Bytes the application wrote that no subflow holds yet (ECF's `k`).
    pub unqueued: u64,
    /// The peer's window at the data level (`meta_tp->snd_wnd`), bytes.
    pub peer_window: u64,
    /// Opportunistic retransmissions so far (monotone; BLEST's λ adaptation).
    pub opp_rtx: u64,
}

impl SchedCtx {
    /// A context for a `seg_len`-byte segment of new data at time zero, nothing else known.
    pub fn new(seg_len: u64) -> Self {
        SchedCtx {
            now: Instant::ZERO,
            seg_len,
            reinjection: false,
            unqueued: 0,
            peer_window: u64::MAX,
            opp_rtx: 0,
        }
    }
}

/// A scheduler's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    /// Hold the data back.
    Wait,
    /// This subflow.
    One(usize),
    /// Each subflow in this bit set (bit i = subflow i; subflows from index 64 on are not
    /// representable and never picked this way).
    Many(u64),
}

impl Pick {
    /// `Some(i)` as [`Pick::One`], `None` as [`Pick::Wait`].
    pub fn from_option(i: Option<usize>) -> Self {
        i.map_or(Pick::Wait, Pick::One)
    }
}

/// A scheduling policy.
pub trait Scheduler {
    /// Where the next segment goes.
    fn pick(&mut self, ctx: &SchedCtx, subflows: &[SchedView]) -> Pick;

    /// `bytes` were handed to subflow `i` (after a pick).
    fn sent(&mut self, _i: usize, _bytes: u64) {}
}

/// True when backups are the class to use: no non-backup subflow is usable
/// (`get_subflow_from_selectors` in the out-of-tree `mptcp_sched.c`).
pub fn backup_class(subflows: &[SchedView]) -> bool {
    !subflows.iter().any(|s| s.usable && !s.backup)
}

/// The usable subflow of the class in use with the lowest smoothed RTT, ignoring window
/// space (the "best" subflow BLEST and ECF compare against); unmeasured ones last, ties to
/// the lowest index.
pub fn fastest(subflows: &[SchedView]) -> Option<usize> {
    minrtt::lowest_rtt(subflows, false)
}

/// The common start of BLEST and ECF: both intervene only when the default (minRTT) pick
/// `s` is not the fastest subflow `f`. `Ok((s, f))` when they differ, else the decision
/// itself (`Wait` with nothing sendable, or the default pick).
pub fn slow_pick(subflows: &[SchedView]) -> Result<(usize, usize), Pick> {
    let Some(si) = minrtt::min_rtt(subflows) else {
        return Err(Pick::Wait);
    };
    match fastest(subflows) {
        Some(fi) if fi != si => Ok((si, fi)),
        _ => Err(Pick::One(si)),
    }
}

/// Which scheduler a connection uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SchedulerKind {
    /// Lowest smoothed RTT first (the Linux out-of-tree kernel's default).
    #[default]
    MinRtt,
    /// Round-robin, one segment per subflow in turn, filling every window.
    RoundRobin,
    /// Every segment on every usable subflow.
    Redundant,
    /// BLocking ESTimation.
    Blest,
    /// Earliest Completion First.
    Ecf,
    /// The upstream Linux default (lowest linger time, 64 kB bursts).
    Upstream,
    /// ATSSS smallest delay: only the lowest-RTT access, no overflow.
    SmallestDelay,
    /// ATSSS priority-based: access 0 first, overflow to the next when its window is full.
    Priority,
    /// ATSSS load-balancing: `first_percent` % of the bytes on access 0.
    LoadBalancing {
        /// Share of access 0, percent.
        first_percent: u8,
    },
}

impl SchedulerKind {
    /// Every kind, in a stable order.
    pub const ALL: [SchedulerKind; 9] = [
        SchedulerKind::MinRtt,
        SchedulerKind::RoundRobin,
        SchedulerKind::Redundant,
        SchedulerKind::Blest,
        SchedulerKind::Ecf,
        SchedulerKind::Upstream,
        SchedulerKind::SmallestDelay,
        SchedulerKind::Priority,
        SchedulerKind::LoadBalancing { first_percent: 50 },
    ];

    /// The kernel runs opportunistic retransmission / penalisation with this scheduler
    /// (`mptcp_rcv_buf_optimization` is called from the default and BLEST schedulers).
    pub fn opportunistic(self) -> bool {
        matches!(self, SchedulerKind::MinRtt | SchedulerKind::Blest)
    }

    /// A short lowercase name (`minrtt`, `roundrobin`, ...).
    pub fn name(self) -> &'static str {
        match self {
            SchedulerKind::MinRtt => "minrtt",
            SchedulerKind::RoundRobin => "roundrobin",
            SchedulerKind::Redundant => "redundant",
            SchedulerKind::Blest => "blest",
            SchedulerKind::Ecf => "ecf",
            SchedulerKind::Upstream => "upstream",
            SchedulerKind::SmallestDelay => "smallestdelay",
            SchedulerKind::Priority => "priority",
            SchedulerKind::LoadBalancing { .. } => "loadbalancing",
        }
    }
}

/// A scheduler of one of the supported kinds, dispatched by `match`.
#[derive(Clone, Debug)]
pub enum AnyScheduler {
    /// minRTT.
    MinRtt(MinRtt),
    /// Round-robin.
    RoundRobin(RoundRobin),
    /// Redundant.
    Redundant(Redundant),
    /// BLEST.
    Blest(Blest),
    /// ECF.
    Ecf(Ecf),
    /// Upstream Linux default.
    Upstream(Upstream),
    /// ATSSS smallest delay.
    SmallestDelay(SmallestDelay),
    /// ATSSS priority-based.
    Priority(Priority),
    /// ATSSS load-balancing.
    LoadBalancing(LoadBalancing),
}

impl AnyScheduler {
    /// A scheduler of `kind`.
    pub fn new(kind: SchedulerKind) -> Self {
        match kind {
            SchedulerKind::MinRtt => AnyScheduler::MinRtt(MinRtt),
            SchedulerKind::RoundRobin => AnyScheduler::RoundRobin(RoundRobin::default()),
            SchedulerKind::Redundant => AnyScheduler::Redundant(Redundant),
            SchedulerKind::Blest => AnyScheduler::Blest(Blest::default()),
            SchedulerKind::Ecf => AnyScheduler::Ecf(Ecf::default()),
            SchedulerKind::Upstream => AnyScheduler::Upstream(Upstream::default()),
            SchedulerKind::SmallestDelay => AnyScheduler::SmallestDelay(SmallestDelay),
            SchedulerKind::Priority => AnyScheduler::Priority(Priority),
            SchedulerKind::LoadBalancing { first_percent } => {
                AnyScheduler::LoadBalancing(LoadBalancing::new(first_percent))
            }
        }
    }
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            AnyScheduler::MinRtt($s) => $e,
            AnyScheduler::RoundRobin($s) => $e,
            AnyScheduler::Redundant($s) => $e,
            AnyScheduler::Blest($s) => $e,
            AnyScheduler::Ecf($s) => $e,
            AnyScheduler::Upstream($s) => $e,
            AnyScheduler::SmallestDelay($s) => $e,
            AnyScheduler::Priority($s) => $e,
            AnyScheduler::LoadBalancing($s) => $e,
        }
    };
}

impl Scheduler for AnyScheduler {
    fn pick(&mut self, ctx: &SchedCtx, subflows: &[SchedView]) -> Pick {
        dispatch!(self, s => s.pick(ctx, subflows))
    }
    fn sent(&mut self, i: usize, bytes: u64) {
        dispatch!(self, s => s.sent(i, bytes))
    }
}

/// Scripted subflow states for the schedulers' unit tests.
#[cfg(test)]
pub(crate) mod testutil {
    use super::SchedView;
    use sim_core::Duration;

    /// An established subflow with `rtt_ms` RTT (lifetime extremes equal), a 10-segment
    /// window of 1400-byte segments, nothing in flight, in congestion avoidance.
    pub(crate) fn sf(rtt_ms: u64) -> SchedView {
        let rtt = Duration::from_millis(rtt_ms);
        SchedView {
            usable: true,
            backup: false,
            has_space: true,
            srtt: Some(rtt),
            rttvar: Duration::from_millis(rtt_ms / 4),
            srtt_min: rtt,
            srtt_max: rtt,
            cwnd: 14_000,
            ssthresh: 14_000,
            in_flight: 0,
            queued: 0,
            mss: 1_400,
            rtos: 0,
            path: 0,
        }
    }

    /// `s` with a full window.
    pub(crate) fn full(s: SchedView) -> SchedView {
        SchedView {
            has_space: false,
            in_flight: s.cwnd,
            ..s
        }
    }
}
