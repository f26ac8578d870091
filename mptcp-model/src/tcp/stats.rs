//! Counters a socket exposes through [`TcpSocket::stats`](super::TcpSocket::stats): the
//! state `ss -ti` shows of a Linux socket (`tcp_info`), as far as the model has it (no
//! pacing: the model does not pace).

use super::TcpState;
use sim_core::{Duration, Instant};

/// A snapshot of one socket's state and counters. Byte counts are payload octets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TcpStats {
    /// Connection state.
    pub state: TcpState,
    /// Congestion window in bytes.
    pub cwnd: u64,
    /// Slow-start threshold in bytes (`u64::MAX` before the first congestion event).
    pub ssthresh: u64,
    /// Smoothed RTT.
    pub srtt: Option<Duration>,
    /// RTT variation.
    pub rttvar: Duration,
    /// Current RTO including backoff.
    pub rto: Duration,
    /// Consecutive retransmission timeouts without new data acknowledged (`backoff`).
    pub backoff: u32,
    /// Smallest RTT sample (`minrtt`).
    pub min_rtt: Option<Duration>,
    /// Sequence space sent but not cumulatively acknowledged (`unacked`).
    pub bytes_in_flight: u64,
    /// Octets presumed in the network (RFC 6675 `pipe`: unacknowledged − SACKed − lost +
    /// retransmitted; Linux `tcp_packets_in_flight`).
    pub pipe: u64,
    /// Octets SACKed above the cumulative ACK (`sacked`).
    pub sacked_bytes: u64,
    /// Un-SACKed octets considered lost (`lost`).
    pub lost_bytes: u64,
    /// Payload bytes sent, including retransmissions.
    pub payload_bytes_sent: u64,
    /// Payload bytes retransmitted.
    pub bytes_retransmitted: u64,
    /// Segments sent (every segment: SYNs, data, pure ACKs, probes).
    pub segments_sent: u64,
    /// Segments retransmitted (data/FIN retransmissions and SYN/SYN-ACK retransmissions).
    pub segments_retransmitted: u64,
    /// Payload bytes cumulatively acknowledged by the peer.
    pub bytes_acked: u64,
    /// Payload bytes delivered in order to the receive buffer.
    pub bytes_received: u64,
    /// Fast-recovery episodes entered.
    pub fast_recoveries: u64,
    /// Retransmission timeouts (data and handshake).
    pub rto_timeouts: u64,
    /// Tail loss probes sent (RFC 8985 §7).
    pub tail_loss_probes: u64,
    /// Bytes the application wrote with `send`.
    pub app_bytes_written: u64,
    /// When the connection became established.
    pub established_at: Option<Instant>,
    /// When all application data written, and the FIN, were acknowledged.
    pub all_acked_at: Option<Instant>,
}

/// The counters a socket keeps (the rest of a [`TcpStats`] is read from its state when a
/// snapshot is taken): a socket carries no copy of its own state.
///
/// In declaration order (`repr(C)`, see `TcpSocket`'s layout): those read only by a snapshot
/// first, those a sender's ACK updates next. What every visit reads of them is kept on the
/// socket's own lines instead: the segments sent (`TcpSocket::segments_sent`, counted by a
/// receiver's ACKs too), and for the event comparison `rto_epoch` and `ever_established`
/// (set beside `rto_timeouts` and `established_at`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Counters {
    /// [`TcpStats::all_acked_at`].
    pub(crate) all_acked_at: Option<Instant>,
    /// [`TcpStats::bytes_retransmitted`].
    pub(crate) bytes_retransmitted: u64,
    /// [`TcpStats::segments_retransmitted`].
    pub(crate) segments_retransmitted: u64,
    /// [`TcpStats::fast_recoveries`].
    pub(crate) fast_recoveries: u64,
    /// [`TcpStats::tail_loss_probes`].
    pub(crate) tail_loss_probes: u64,
    /// [`TcpStats::bytes_acked`].
    pub(crate) bytes_acked: u64,
    /// [`TcpStats::payload_bytes_sent`].
    pub(crate) payload_bytes_sent: u64,
    /// [`TcpStats::app_bytes_written`].
    pub(crate) app_bytes_written: u64,
    /// [`TcpStats::established_at`].
    pub(crate) established_at: Option<Instant>,
    /// [`TcpStats::rto_timeouts`].
    pub(crate) rto_timeouts: u64,
}
