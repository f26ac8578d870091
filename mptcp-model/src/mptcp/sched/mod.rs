//! Packet schedulers: which subflow carries the next chunk of data.
//!
//! Contract: the connection calls [`Scheduler::pick`] each time it has a chunk to hand out
//! (new data or a reinjection), with a read-only [`SchedView`] of every subflow (index =
//! subflow id); the scheduler returns the index to use, or `None` to hold the data back.
//! Schedulers are one file each behind the closed enum [`AnyScheduler`].

pub mod minrtt;

pub use minrtt::MinRtt;

use sim_core::Duration;

/// What a scheduler sees of one subflow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SchedView {
    /// Established, not failed, not closing: it may carry data.
    pub usable: bool,
    /// A backup path (RFC 8684 §3.3.8 / MP_JOIN `B`).
    pub backup: bool,
    /// Congestion-window space: bytes in flight plus bytes queued are below `cwnd`.
    pub has_space: bool,
    /// Smoothed RTT, once measured.
    pub srtt: Option<Duration>,
}

/// A scheduling policy.
pub trait Scheduler {
    /// The subflow (index into `subflows`) for the next chunk, or `None` to wait.
    fn pick(&mut self, subflows: &[SchedView]) -> Option<usize>;
}

/// Which scheduler a connection uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SchedulerKind {
    /// Lowest smoothed RTT first (the Linux out-of-tree kernel's default).
    #[default]
    MinRtt,
}

/// A scheduler of one of the supported kinds, dispatched by `match`.
#[derive(Clone, Debug)]
pub enum AnyScheduler {
    /// minRTT.
    MinRtt(MinRtt),
}

impl AnyScheduler {
    /// A scheduler of `kind`.
    pub fn new(kind: SchedulerKind) -> Self {
        match kind {
            SchedulerKind::MinRtt => AnyScheduler::MinRtt(MinRtt),
        }
    }
}

impl Scheduler for AnyScheduler {
    fn pick(&mut self, subflows: &[SchedView]) -> Option<usize> {
        match self {
            AnyScheduler::MinRtt(s) => s.pick(subflows),
        }
    }
}
