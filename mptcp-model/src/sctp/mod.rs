//! SCTP (RFC 9260) with multihoming and failover, sans-IO: the baseline MPTCP is compared
//! with.
//!
//! An [`SctpAssociation`] talks to one peer over several destination transport addresses
//! (paths, [`path::Path`]): new data goes to the primary path while it is active; each path
//! has its own RTO (§6.3), congestion window (§7.2) and error counter (§8.2); a T3-rtx timeout
//! backs the path's RTO off and retransmits the outstanding chunks to an alternate path
//! (§6.3.3, §6.4.1); HEARTBEATs probe idle paths once per RTO + HB.interval with ±50 % RTO
//! jitter (§8.3); a path whose errors exceed Path.Max.Retrans is inactive (§8.2) and data
//! fails over to an alternate; the association fails once its errors exceed
//! Association.Max.Retrans (§8.1). Optionally, RFC 7829's potentially-failed state (as Linux
//! enables by default) moves new data off a path at its first timeout. Plain SCTP: one path
//! carries new data at a time (no concurrent multipath transfer).
//!
//! The four-way handshake (INIT, INIT ACK with a signed State Cookie, COOKIE ECHO with data
//! bundled, COOKIE ACK; §5.1), path verification of the peer's other addresses (§5.4), the
//! data receiver (`recv`: delayed SACKs, Gap Ack Blocks, duplicates), fast retransmit and
//! Fast Recovery (§7.2.4) and the graceful SHUTDOWN exchange (§9.2) are modelled; streams
//! beyond one ordered stream, fragmentation, PR-SCTP, ECN, AUTH and dynamic addresses are
//! not. Packets are [`crate::wire::sctp::SctpPacket`]s whose sizes are their encoded sizes.
//!
//! Like the TCP endpoints, an association never reads a clock: `handle_packet(now, ..)`,
//! `handle_timeout(now)`, then `poll_transmit(now)`, `poll_timeout()` and `poll_event()`.
//! Randomness (tags, initial TSNs, heartbeat jitter and nonces) comes from the
//! [`sim_core::RngStream`] it is given.

mod assoc;
pub mod config;
mod listen;
pub mod path;
mod recv;
mod send;
#[cfg(test)]
mod tests;

pub use assoc::{AssocState, SctpAssociation};
pub use config::SctpConfig;
pub use listen::SctpListener;
pub use path::{Path, PathState};

use sim_core::{Addr, Duration, Instant};

/// Why an association ended other than by a graceful shutdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SctpError {
    /// Association.Max.Retrans exceeded: the peer is unreachable (§8.1).
    Unreachable,
    /// The INIT or COOKIE ECHO went unanswered Max.Init.Retransmits times (§5.1).
    InitFailed,
    /// The peer sent an ABORT.
    PeerAborted,
}

/// Something that happened to an association.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SctpEvent {
    /// The handshake completed (COOKIE ACK received, or COOKIE ECHO accepted).
    Established,
    /// A destination changed reachability.
    PathState {
        /// The destination address.
        remote: Addr,
        /// Its previous state.
        from: PathState,
        /// Its new state.
        to: PathState,
    },
    /// The T3-rtx timer of a destination expired; `rto` is its RTO after the back-off.
    Timeout {
        /// The destination address.
        remote: Addr,
        /// Its RTO after the back-off.
        rto: Duration,
    },
    /// Chunks were marked for fast retransmission.
    FastRetransmit {
        /// How many.
        chunks: u32,
    },
    /// The association ended with an error.
    Failed(SctpError),
    /// The SHUTDOWN exchange completed.
    Closed,
}

/// Per-destination counters and state at a sampling instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathStats {
    /// Local address.
    pub local: Addr,
    /// Destination address.
    pub remote: Addr,
    /// Reachability.
    pub state: PathState,
    /// Whether it is the primary path.
    pub primary: bool,
    /// Congestion window (user-data octets).
    pub cwnd: u64,
    /// Octets in flight.
    pub flight: u64,
    /// Smoothed RTT.
    pub srtt: Option<Duration>,
    /// Current RTO.
    pub rto: Duration,
    /// Error counter.
    pub errors: u32,
    /// User-data octets sent to it (first transmissions and retransmissions).
    pub data_bytes_sent: u64,
}

/// Association-wide counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SctpStats {
    /// When the association was established here.
    pub established_at: Option<Instant>,
    /// Octets the application wrote.
    pub bytes_written: u64,
    /// Octets acknowledged cumulatively by the peer.
    pub bytes_acked: u64,
    /// User-data octets sent (first transmissions and retransmissions).
    pub data_bytes_sent: u64,
    /// User-data octets retransmitted.
    pub bytes_retransmitted: u64,
    /// DATA chunks retransmitted.
    pub chunks_retransmitted: u64,
    /// T3-rtx timeouts.
    pub timeouts: u64,
    /// Fast Recovery episodes entered.
    pub fast_retransmits: u64,
    /// HEARTBEATs sent.
    pub heartbeats: u64,
    /// SACKs sent.
    pub sacks: u64,
    /// Packets sent.
    pub packets: u64,
    /// Octets delivered to the application (receiver side).
    pub bytes_delivered: u64,
    /// DATA chunks received, and duplicates among them.
    pub chunks_received: u64,
    /// Duplicate DATA chunks received.
    pub duplicate_chunks: u64,
}
