//! The typed records of a run: time-series [`Sample`]s, [`EventRecord`]s and the
//! [`SubflowRecord`]s that name the subflows the other two refer to. Sinks
//! ([`crate::record::sink::Sink`]) receive them in the order they happen; names are
//! resolved through the plan only when a sink writes text.

use crate::plan::{FlowIndex, LinkDirection, LinkIndex};
use crate::schema::ActionSpec;
use sim_core::Instant;

/// What a sample measures. Rates are over the interval since the previous sample; counts,
/// windows and times are the value at the sampling instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// Bytes delivered in order to the receiving application, bit/s.
    GoodputBps,
    /// Payload bytes sent (retransmissions included), bit/s; of a link: bytes delivered.
    ThroughputBps,
    /// Congestion window, bytes.
    CwndBytes,
    /// Bytes sent and not cumulatively acknowledged.
    InflightBytes,
    /// Smoothed round-trip time, ms.
    SrttMs,
    /// MPTCP receiver's out-of-order queue, bytes.
    OooBytes,
    /// A link's queue, packets.
    QueuePackets,
    /// A link's queue, bytes.
    QueueBytes,
}

impl Metric {
    /// The `metric` column's text.
    pub fn name(self) -> &'static str {
        match self {
            Metric::GoodputBps => "goodput_bps",
            Metric::ThroughputBps => "throughput_bps",
            Metric::CwndBytes => "cwnd_bytes",
            Metric::InflightBytes => "inflight_bytes",
            Metric::SrttMs => "srtt_ms",
            Metric::OooBytes => "ooo_bytes",
            Metric::QueuePackets => "queue_packets",
            Metric::QueueBytes => "queue_bytes",
        }
    }

    /// Decimals the value is written with (0: a whole number).
    pub fn decimals(self) -> usize {
        match self {
            Metric::GoodputBps | Metric::ThroughputBps => 1,
            Metric::SrttMs => 3,
            _ => 0,
        }
    }
}

/// A subflow within its flow: the number its [`SubflowRecord`] gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubflowKey(pub u32);

/// Which series a sample belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Series {
    /// A flow as a whole (an MPTCP connection, or a TCP connection).
    Flow(FlowIndex),
    /// One subflow of a flow.
    Subflow(FlowIndex, SubflowKey),
    /// One direction of a link.
    Link(LinkDirection),
}

/// One value of one series at one instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// The sampling instant.
    pub at: Instant,
    /// The series.
    pub series: Series,
    /// What is measured.
    pub metric: Metric,
    /// The value, in the metric's unit.
    pub value: f64,
}

/// A subflow as the records name it, announced to the sinks before any record refers to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubflowRecord {
    /// Its flow.
    pub flow: FlowIndex,
    /// Its key within the flow.
    pub key: SubflowKey,
    /// A short human label: the opening host's interface name, followed by the listening
    /// host's when that host has several (`wifi`, `wifi-eth1`).
    pub label: String,
}

/// Something that happened during the run.
#[derive(Clone, Debug, PartialEq)]
pub enum EventKind {
    /// A scheduled scenario event on a link.
    Link {
        /// The link it names.
        link: LinkIndex,
        /// Its action.
        action: ActionSpec,
    },
}

/// One event with its time.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRecord {
    /// When it happened.
    pub at: Instant,
    /// What happened.
    pub kind: EventKind,
}

/// How an event's action is written in `events.csv` and the summary.
pub fn action_text(a: &ActionSpec) -> String {
    match a {
        ActionSpec::Down => "down".into(),
        ActionSpec::Up => "up".into(),
        ActionSpec::SetRate(r) => format!("rate {r}"),
        ActionSpec::SetDelay(d) => format!("delay {d}"),
        ActionSpec::SetLoss(_) => "loss".into(),
        ActionSpec::SetQueue(_) => "queue".into(),
        ActionSpec::SetBackup(b) => format!("backup {b}"),
    }
}
