//! What endpoints report as they run, and the identity of the paths they report on.
//!
//! Every endpoint queues typed events in the order they happen and its owner drains them
//! (the quinn-proto `poll_event` model): a [`crate::tcp::TcpSocket`] queues
//! [`TcpEvent`]s, an [`crate::mptcp::MptcpConnection`] queues [`MptcpEvent`]s (its own and,
//! moved in order right after each call into a subflow, the TCP events of its subflows),
//! and [`crate::host::HostStack`] gathers both kinds from all its endpoints into one queue
//! of [`crate::host::FlowEvent`]s tagged with the flow.
//!
//! Contract: queues are unbounded `VecDeque`s that cost nothing until an event happens and
//! never allocate once grown to their working size; events are rare (handshake steps,
//! timeouts, recovery episodes, signals, subflow changes, reinjected segments — never one per
//! ordinary segment). The owner of a host drains it at least at every sampling instant, so
//! memory holds at most one sampling interval's events; recording costs O(events).
//!
//! Paths are named by a [`SubflowId`]: the subflow's number within its connection (creation
//! order from 0, never reused), its endpoints, and the earlier subflow it re-creates, if any.
//! A plain TCP connection is its flow's one path, number 0 (a host that accepts several
//! connections of one flow numbers them in order).

pub use crate::mptcp::event::{MptcpEvent, MptcpEventKind};
use crate::tcp::SocketAddr;
pub use crate::tcp::TcpEvent;

/// The stable identity of a subflow (or of a plain TCP connection, number 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubflowId {
    /// Number within the connection: creation order from 0, never reused.
    pub number: u32,
    /// Local address and port.
    pub local: SocketAddr,
    /// Remote address and port.
    pub remote: SocketAddr,
    /// The earlier subflow (by number) on the same local and remote addresses that this one
    /// replaces, once that one was abandoned (failed for good, closed, refused).
    pub recreated_from: Option<u32>,
}

/// An event of a TCP connection or subflow, or of an MPTCP connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The TCP level: a plain TCP connection or one subflow's socket.
    Tcp(TcpEvent),
    /// The MPTCP level: the connection or one of its subflows.
    Mptcp(MptcpEventKind),
}
