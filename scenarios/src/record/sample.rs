//! The typed records of a run: time-series [`Sample`]s, [`EventRecord`]s and the
//! [`SubflowRecord`]s that name the subflows the other two refer to. Sinks
//! ([`crate::record::sink::Sink`]) receive them in the order they happen; names are
//! resolved through the plan only when a sink writes text.

use crate::plan::{FlowIndex, HostIndex, IfaceIndex, LinkDirection, LinkIndex};
use crate::schema::ActionSpec;
use mptcp_model::event::Event;
use mptcp_model::tcp::SocketAddr;
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
    /// A path's TCP state as Linux numbers it (`include/net/tcp_states.h`, `tcpi_state`):
    /// 1 ESTABLISHED, 2 SYN_SENT, 3 SYN_RECV, 4 FIN_WAIT1, 5 FIN_WAIT2, 6 TIME_WAIT,
    /// 7 CLOSE, 8 CLOSE_WAIT, 9 LAST_ACK, 10 LISTEN, 11 CLOSING.
    TcpState,
    /// Slow-start threshold, bytes (no sample while it is still infinite, as `ss` shows none).
    SsthreshBytes,
    /// RTT variation, ms.
    RttvarMs,
    /// Retransmission timeout including back-off, ms.
    RtoMs,
    /// Segments retransmitted so far (`tcpi_total_retrans`).
    Retransmissions,
    /// Consecutive timeouts without new data acknowledged (`tcpi_backoff`).
    Backoff,
    /// Payload bytes cumulatively acknowledged (`tcpi_bytes_acked`).
    BytesAcked,
}

impl Metric {
    /// Every metric, in declaration order (`Metric::ALL[m as usize] == m`).
    pub const ALL: [Metric; 15] = [
        Metric::GoodputBps,
        Metric::ThroughputBps,
        Metric::CwndBytes,
        Metric::InflightBytes,
        Metric::SrttMs,
        Metric::OooBytes,
        Metric::QueuePackets,
        Metric::QueueBytes,
        Metric::TcpState,
        Metric::SsthreshBytes,
        Metric::RttvarMs,
        Metric::RtoMs,
        Metric::Retransmissions,
        Metric::Backoff,
        Metric::BytesAcked,
    ];

    /// The `metric` column's text.
    pub const fn name(self) -> &'static str {
        match self {
            Metric::GoodputBps => "goodput_bps",
            Metric::ThroughputBps => "throughput_bps",
            Metric::CwndBytes => "cwnd_bytes",
            Metric::InflightBytes => "inflight_bytes",
            Metric::SrttMs => "srtt_ms",
            Metric::OooBytes => "ooo_bytes",
            Metric::QueuePackets => "queue_packets",
            Metric::QueueBytes => "queue_bytes",
            Metric::TcpState => "tcp_state",
            Metric::SsthreshBytes => "ssthresh_bytes",
            Metric::RttvarMs => "rttvar_ms",
            Metric::RtoMs => "rto_ms",
            Metric::Retransmissions => "retransmissions",
            Metric::Backoff => "backoff",
            Metric::BytesAcked => "bytes_acked",
        }
    }

    /// Decimals the value is written with (0: a whole number).
    pub fn decimals(self) -> usize {
        match self {
            Metric::GoodputBps | Metric::ThroughputBps => 1,
            Metric::SrttMs | Metric::RttvarMs | Metric::RtoMs => 3,
            _ => 0,
        }
    }
}

/// A subflow within its flow: its number. A flow's subflows are numbered as the end that
/// opens them numbers them (creation order from 0, never reused; a plain TCP connection is
/// number 0); the other end's subflows are matched to them by their addresses and ports.
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
    /// Its number within the flow.
    pub key: SubflowKey,
    /// A short human label: the opening host's interface name, followed by the listening
    /// host's when that host has several (`wifi`, `wifi-eth1`).
    pub label: String,
    /// Address and port at the data sender.
    pub sender: SocketAddr,
    /// Address and port at the data receiver.
    pub receiver: SocketAddr,
    /// The data sender's interface.
    pub sender_iface: Option<IfaceIndex>,
    /// The data receiver's interface.
    pub receiver_iface: Option<IfaceIndex>,
    /// The earlier subflow (number) on the same addresses that this one re-creates.
    pub recreated_from: Option<u32>,
    /// When it was opened (first seen, for a subflow the records met before its opening).
    pub opened: Instant,
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
    /// An event of a flow's endpoint (TCP or MPTCP level), as the model reports it.
    Flow {
        /// The host whose endpoint reported it.
        host: HostIndex,
        /// The flow.
        flow: FlowIndex,
        /// The subflow concerned (`None`: the MPTCP connection as a whole).
        subflow: Option<SubflowKey>,
        /// What happened; subflow numbers inside it (a reinjection's origin) are the
        /// records' numbers.
        event: Event,
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
        ActionSpec::EndpointDelete => "endpoint delete".into(),
        ActionSpec::EndpointAdd(_) => "endpoint add".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::Metric;

    #[test]
    fn all_metrics_in_declaration_order() {
        for (i, m) in Metric::ALL.into_iter().enumerate() {
            assert_eq!(m as usize, i, "{m:?}");
        }
        // The last one declared closes the list.
        assert_eq!(Metric::ALL.len(), Metric::BytesAcked as usize + 1);
    }
}
