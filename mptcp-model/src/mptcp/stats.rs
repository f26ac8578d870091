//! What an MPTCP connection reports as snapshots: [`MptcpStats`] (per connection and per
//! subflow, each subflow named by its [`SubflowId`]). Events are in [`super::event`]. The
//! model never formats them; the runner does.

pub use super::hol::HolSummary;
use crate::event::SubflowId;
use crate::tcp::TcpStats;
use sim_core::{Duration, Instant};

/// Life cycle of one subflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubflowState {
    /// Handshake in progress (for a join: until the HMACs are verified and, at the
    /// initiator, the listener acknowledged the third ACK).
    Joining,
    /// Usable for data.
    Established,
    /// Failed: its interface went down (permanent, the subflow is abandoned), or it hit
    /// `subflow_fail_rtos` consecutive retransmission timeouts ("potentially failed", as the
    /// Linux out-of-tree kernel's `pf`: skipped by the scheduler, its data reinjected; it
    /// returns to `Established` when an ACK of new data arrives).
    Failed,
    /// Closed after the connection completed, or reset by the peer.
    Closed,
    /// The join was refused (unknown token, wrong HMAC, RST during the handshake) or timed
    /// out.
    Refused,
}

/// A snapshot of one subflow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubflowStats {
    /// The subflow's identity (number, endpoints, the subflow it re-creates).
    pub id: SubflowId,
    /// The subflow is a backup path (MP_JOIN `B` bit, or the local interface's flag).
    pub backup: bool,
    /// Its state.
    pub state: SubflowState,
    /// The TCP socket's counters.
    pub tcp: TcpStats,
    /// Payload this subflow carried, including its own retransmissions.
    pub data_bytes_sent: u64,
}

/// A snapshot of an MPTCP connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MptcpStats {
    /// When the MP_CAPABLE handshake completed.
    pub established_at: Option<Instant>,
    /// Data-level bytes handed to subflows (each mapping once), reinjections included.
    pub data_bytes_sent: u64,
    /// Data-level bytes cumulatively acknowledged (DATA_ACK).
    pub data_bytes_acked: u64,
    /// Bytes delivered in order to the application.
    pub data_bytes_delivered: u64,
    /// Bytes re-sent on another subflow: after their subflow failed, and opportunistic
    /// retransmissions.
    pub reinjected_bytes: u64,
    /// Extra copies the redundant scheduler handed out (bytes beyond each first copy).
    pub redundant_bytes: u64,
    /// Opportunistic retransmissions (their bytes count in `reinjected_bytes`).
    pub opportunistic_retransmissions: u64,
    /// Bytes received that were already there: reinjected, redundant or retransmitted
    /// copies arriving after the data (wasted; counted at the receiver).
    pub duplicate_bytes: u64,
    /// Head-of-line delay at the receiver: time from a segment's arrival on its subflow
    /// to its in-order delivery.
    pub hol: HolSummary,
    /// The head-of-line delay histogram: non-empty buckets as `(exclusive upper bound,
    /// count)`, in increasing order (log-linear buckets, 1/16 of a power of two wide).
    pub hol_histogram: Vec<(Duration, u64)>,
    /// Bytes now waiting in the connection-level out-of-order queue.
    pub ooo_bytes: u64,
    /// The peer's receive window (bytes, relative to the data ACK).
    pub peer_window: u64,
    /// Every subflow ever created, in creation order.
    pub subflows: Vec<SubflowStats>,
    /// When the connection completed (both DATA_FINs acknowledged / received).
    pub completed_at: Option<Instant>,
}
