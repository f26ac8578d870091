//! What a [`TcpSocket`] reports as it runs: [`TcpEvent`]s, queued inside the socket with
//! their time and drained by the owner with [`TcpSocket::poll_event`] (the quinn-proto
//! `poll_event` model).
//!
//! Contract: the queue is unbounded and costs nothing until an event happens; events are
//! rare (a handshake, a timeout, a recovery episode, a close — never one per segment), so
//! an owner that drains after each call into the socket, or at a fixed sampling interval,
//! holds at most the events of that interval. An owner that never drains keeps every event
//! of the socket's life.
//!
//! This file holds the event types only; `report.rs` finds them (by comparing the socket
//! before and after each entry point), so the socket depends on these types and nothing
//! here depends on the socket.
//!
//! [`TcpSocket`]: super::TcpSocket
//! [`TcpSocket::poll_event`]: super::TcpSocket::poll_event

use super::ConnectionError;
use sim_core::Duration;

/// Which loss recovery (Linux `tcp_ca_state` `Recovery` and `Loss`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecoveryKind {
    /// Fast recovery (RFC 6675 with SACK, RFC 6582 NewReno without).
    Fast,
    /// Recovery after a retransmission timeout (RFC 6298 §5, RFC 5681 §3.1).
    Timeout,
}

/// Something that happened to one TCP connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpEvent {
    /// The three-way handshake completed (SYN-SENT or SYN-RECEIVED to ESTABLISHED).
    Established,
    /// The retransmission timer fired (data or handshake).
    RtoFired {
        /// The timeout that expired (before this expiry's back-off doubled it).
        rto: Duration,
        /// Consecutive timeouts without new data acknowledged, this one included.
        backoff: u32,
        /// It fired during the handshake (a SYN or SYN-ACK is retransmitted).
        handshake: bool,
    },
    /// Loss recovery began; the window and threshold after the congestion response.
    RecoveryEntered {
        /// Fast recovery or after a timeout.
        kind: RecoveryKind,
        /// Congestion window, bytes.
        cwnd: u64,
        /// Slow-start threshold, bytes.
        ssthresh: u64,
    },
    /// Loss recovery ended: its recovery point was acknowledged, or a timeout ended fast
    /// recovery (a `RecoveryEntered` of kind `Timeout` follows).
    RecoveryLeft {
        /// The recovery that ended.
        kind: RecoveryKind,
        /// Congestion window after it, bytes.
        cwnd: u64,
    },
    /// The connection is over: both FINs exchanged (TIME-WAIT or CLOSED), or aborted.
    Closed {
        /// Why it was aborted (`None`: an orderly close).
        error: Option<ConnectionError>,
    },
}
