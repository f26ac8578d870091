//! The run summary written as `summary.json`.

use serde::Serialize;

/// Per-flow results.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FlowSummary {
    /// Flow name.
    pub name: String,
    /// Data sender's (initial) interface address.
    pub from: String,
    /// Data receiver's (initial) interface address.
    pub to: String,
    /// `tcp` or `mptcp`.
    pub transport: String,
    /// Congestion controller.
    pub cc: String,
    /// Start time (s).
    pub start_s: f64,
    /// Bytes the sending application wrote.
    pub bytes_written: u64,
    /// Bytes delivered in order to the receiving application.
    pub bytes_delivered: u64,
    /// Mean goodput from start to completion (or the end of the run), bit/s.
    pub goodput_bps: f64,
    /// When the receiver got the last byte of a finite transfer (s), at sample resolution.
    pub completed_at_s: Option<f64>,
    /// Payload bytes sent, retransmissions (and MPTCP reinjections) included.
    pub bytes_sent: u64,
    /// Payload bytes retransmitted (all subflows).
    pub bytes_retransmitted: u64,
    /// Segments retransmitted (all subflows).
    pub segments_retransmitted: u64,
    /// Fast recoveries entered (all subflows).
    pub fast_recoveries: u64,
    /// Retransmission timeouts (all subflows).
    pub rto_timeouts: u64,
    /// Mean of the sampled smoothed RTT (ms; for MPTCP the mean over alive subflows).
    pub mean_srtt_ms: Option<f64>,
    /// MPTCP: data-level bytes re-sent on another subflow after a subflow failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reinjected_bytes: Option<u64>,
    /// MPTCP: the packet scheduler (`minrtt`, `blest`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduler: Option<String>,
    /// MPTCP: extra copies the redundant scheduler sent (bytes beyond each first copy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redundant_bytes: Option<u64>,
    /// MPTCP: data bytes the receiver got again after it already had them (reinjected,
    /// redundant or retransmitted copies that arrived late): wasted capacity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wasted_bytes: Option<u64>,
    /// MPTCP: opportunistic retransmissions (their bytes count in `reinjected_bytes`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opportunistic_retransmissions: Option<u64>,
    /// MPTCP: head-of-line delay at the receiver per segment (arrival on a subflow to
    /// in-order delivery), ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hol_delay_ms: Option<HolDelayMs>,
    /// MPTCP paced applications: per message (response or frame), the time from its write
    /// at the sender to its complete delivery (flow completion time), ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fct_ms: Option<FctMs>,
    /// MPTCP: largest out-of-order queue at the receiver seen at the sampling instants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_ooo_bytes: Option<u64>,
    /// MPTCP: why the connection fell back to plain TCP (RFC 8684 §3.7), if it did
    /// (`not_requested`, `syn_ack_without_mp_capable`, `checksum_failure`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// MPTCP: every subflow the connection had, in creation order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subflows: Vec<SubflowSummary>,
    /// Goodput between consecutive link events (only when the scenario has events).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<PhaseSummary>,
}

/// Message completion times (ms) of a paced application.
#[derive(Clone, Copy, Debug, Serialize, PartialEq)]
pub struct FctMs {
    /// Messages written by the sender.
    pub sent: u64,
    /// Messages completely delivered.
    pub completed: u64,
    /// Mean over the completed ones.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 99th percentile (nearest rank).
    pub p99: f64,
    /// Maximum.
    pub max: f64,
}

impl FctMs {
    /// Statistics of `ms` (any order) for `sent` messages.
    pub fn of(sent: u64, mut ms: Vec<f64>) -> Self {
        ms.sort_by(f64::total_cmp);
        let q = |p: f64| {
            if ms.is_empty() {
                return 0.0;
            }
            let rank = ((p * ms.len() as f64).ceil() as usize).clamp(1, ms.len());
            ms[rank - 1]
        };
        FctMs {
            sent,
            completed: ms.len() as u64,
            mean: if ms.is_empty() {
                0.0
            } else {
                ms.iter().sum::<f64>() / ms.len() as f64
            },
            p50: q(0.5),
            p99: q(0.99),
            max: ms.last().copied().unwrap_or(0.0),
        }
    }
}

/// Head-of-line delay statistics (ms) of an MPTCP flow's receiver.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct HolDelayMs {
    /// Segments measured (each that brought new data).
    pub samples: u64,
    /// Mean.
    pub mean: f64,
    /// Median (log-histogram bucket midpoint, within 6.25 %).
    pub p50: f64,
    /// 99th percentile (same resolution).
    pub p99: f64,
    /// Maximum.
    pub max: f64,
    /// The receiver's delay histogram: non-empty log-linear buckets as `[upper_bound_ms,
    /// count]` (every sample in a bucket is below its bound and at least the previous
    /// bucket's), in increasing order.
    pub histogram: Vec<(f64, u64)>,
}

/// One MPTCP subflow (as seen by the data sender).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SubflowSummary {
    /// Its number: the `subflow` of `timeseries.csv`, `events.csv` and `subflows.csv`.
    pub subflow: u32,
    /// The subflow (number) it re-creates, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recreated_from: Option<u32>,
    /// Its label: the opening host's interface name (with the listener's when that host
    /// has several).
    pub label: String,
    /// Local address:port at the data sender.
    pub local: String,
    /// Remote address:port.
    pub remote: String,
    /// Backup subflow.
    pub backup: bool,
    /// Final state.
    pub state: String,
    /// When it was established (s).
    pub established_s: Option<f64>,
    /// Data payload bytes it carried (retransmissions included).
    pub data_bytes_sent: u64,
    /// Segments it retransmitted.
    pub segments_retransmitted: u64,
    /// Its retransmission timeouts.
    pub rto_timeouts: u64,
}

/// Goodput of a flow during one phase between link events.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PhaseSummary {
    /// Phase start (s).
    pub from_s: f64,
    /// Phase end (s).
    pub to_s: f64,
    /// Mean goodput in the phase (bit/s).
    pub goodput_bps: f64,
}

/// Per-link (one direction) results.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LinkSummary {
    /// `name` or `name.rev`.
    pub name: String,
    /// Packets accepted for transmission.
    pub tx_packets: u64,
    /// Bytes accepted for transmission.
    pub tx_bytes: u64,
    /// Packets that reached the far end.
    pub delivered_packets: u64,
    /// Bytes that reached the far end.
    pub delivered_bytes: u64,
    /// Packets refused by a full queue.
    pub dropped_queue: u64,
    /// Packets lost by the loss model.
    pub dropped_loss: u64,
    /// Packets lost because the link was down.
    pub dropped_down: u64,
    /// Delivered bits over the run's duration / capacity (fixed-rate links only).
    pub utilization: Option<f64>,
}

/// What one link event did to each flow.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EventSummary {
    /// When (s).
    pub time_s: f64,
    /// The link.
    pub link: String,
    /// What happened (`down`, `up`, `rate 5Mbps`, ...).
    pub action: String,
    /// Per flow.
    pub flows: Vec<EventFlowSummary>,
}

/// Stall and recovery of one flow after one event.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EventFlowSummary {
    /// Flow name.
    pub flow: String,
    /// Longest time without any in-order delivery to the application after the event, until
    /// the next event (s, 1 ms resolution).
    pub stall_s: f64,
    /// Time from the event until the goodput over the last 100 ms first reaches 90% of
    /// `capacity_bps` (s, 1 ms resolution); `None` when it does not before the next event.
    pub recovery_s: Option<f64>,
    /// Capacity of the flow's paths still up after the event: the sum of the distinct
    /// bottleneck links' rates (bit/s).
    pub capacity_bps: f64,
}

/// The whole run's summary (`summary.json`).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Seed used.
    pub seed: u64,
    /// Simulated duration (s).
    pub duration_s: f64,
    /// Flows.
    pub flows: Vec<FlowSummary>,
    /// Links, each direction.
    pub links: Vec<LinkSummary>,
    /// Link events with their effect on each flow.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventSummary>,
    /// Per host with any, its nonzero `MPTcpExt` counters as Linux `nstat` names them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<HostSummary>,
    /// What each middlebox did.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub middleboxes: Vec<MiddleboxSummary>,
    /// Events the engine processed.
    pub engine_events: u64,
    /// Packets dropped for lack of a route.
    pub unroutable_packets: u64,
}

/// One host's MPTCP counters.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct HostSummary {
    /// Host name.
    pub name: String,
    /// Nonzero `MPTcpExt` counters (`MPJoinSynRx`, `AddAddr`, `MPFailRx`, ...), in the
    /// kernel's order.
    #[serde(rename = "MPTcpExt")]
    pub mptcp_ext: Counters,
}

/// Named counters written as a JSON object in their given order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counters(pub Vec<(String, u64)>);

impl Counters {
    /// The value of counter `name` (0 when absent, as `nstat` prints nothing for zero).
    pub fn get(&self, name: &str) -> u64 {
        self.0.iter().find(|(n, _)| n == name).map_or(0, |c| c.1)
    }
}

impl Serialize for Counters {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// What one middlebox did.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct MiddleboxSummary {
    /// Its name.
    pub name: String,
    /// Segments it saw.
    pub seen: u64,
    /// Segments it changed.
    pub changed: u64,
    /// Segments it dropped.
    pub dropped: u64,
}
