//! What an [`super::MptcpConnection`] reports: [`MptcpEvent`]s, drained with
//! [`super::MptcpConnection::poll_event`] (contract in [`crate::event`]).
//!
//! A subflow's events name it by its [`SubflowId`]; connection-level events (established,
//! DATA_FIN, completion, joins turned away before they became subflows) name none. The TCP
//! events of the subflows' sockets come through the same queue, in order with the MPTCP
//! events they cause (an RTO before the subflow failure it triggers).

use crate::event::{Event, SubflowId};
use crate::tcp::SocketAddr;
use crate::wire::mptcp::{RemoveAddrRepr, ResetReason};
use sim_core::{Addr, Instant};

/// A step of the MP_CAPABLE or MP_JOIN handshake (RFC 8684 §3.1, §3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Handshake {
    /// The SYN.
    Syn,
    /// The SYN-ACK.
    SynAck,
    /// The third ACK (MP_CAPABLE with both keys; MP_JOIN with the initiator's HMAC).
    Ack,
}

/// Why a subflow or a join was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// An MP_JOIN SYN carried a token no connection of this host has (RFC 8684 §3.2).
    UnknownToken,
    /// The peer's HMAC (in the join's SYN-ACK or third ACK) did not verify.
    BadHmac,
    /// A join's SYN-ACK carried no MP_JOIN.
    NotMptcp,
    /// A join arrived before the connection had exchanged keys.
    NotEstablished,
    /// A join arrived on an address that is not one of the connection's.
    UnknownAddress,
    /// The peer answered with a RST during the handshake.
    PeerReset,
    /// The handshake was not answered after all SYN retransmissions.
    TimedOut,
    /// The connection fell back to TCP: it takes no more subflows.
    FellBack,
    /// The listener's `subflows` limit was reached (counted `MPJoinRejected`).
    Limit,
}

/// Why a subflow failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailReason {
    /// The local interface went down.
    InterfaceDown,
    /// `subflow_fail_rtos` consecutive retransmission timeouts.
    RetransmissionTimeouts,
    /// Its local address was removed (endpoint deleted, as when a daemon withdraws an
    /// address): closed and announced to the peer with REMOVE_ADDR.
    EndpointRemoved,
    /// The peer removed the address at the subflow's far end (REMOVE_ADDR received).
    AddressRemoved,
    /// Data arrived without a usable DSS mapping on a subflow that cannot fall back: reset
    /// with MP_TCPRST "MPTCP-specific error".
    Mapping,
    /// A DSS checksum failed on a subflow that cannot fall back: reset with MP_FAIL.
    ChecksumFailure,
}

/// Why a connection fell back to plain TCP (RFC 8684 §3.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FallbackReason {
    /// MPTCP was not asked for: disabled here, or the peer's SYN carried no MP_CAPABLE.
    NotRequested,
    /// The SYN-ACK carried no MP_CAPABLE: the peer does not speak MPTCP, or a middlebox
    /// stripped it.
    SynAckWithoutMpCapable,
    /// The third ACK carried no MP_CAPABLE (stripped on the way).
    AckWithoutMpCapable,
    /// Data arrived without a DSS mapping (options stripped from data).
    DataWithoutDss,
    /// A DSS mapping did not cover its segment's subflow sequence numbers (rewritten).
    MappingMismatch,
    /// Our data was acknowledged without a DATA_ACK before the peer ever sent a DSS.
    AckWithoutDataAck,
    /// A DSS checksum failed on the only subflow: MP_FAIL and the infinite mapping.
    ChecksumFailure,
}

/// Something that happened to an MPTCP connection or one of its subflows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MptcpEventKind {
    /// A subflow was created (the initiator opens it, or the listener accepts its SYN); its
    /// id says whether it re-creates an earlier one.
    SubflowOpened,
    /// We sent a step of the MP_CAPABLE handshake, each time it is sent (retransmissions
    /// too; the third ACK's keys ride on pure ACKs, or on the first data segment, until the
    /// connection is fully established).
    CapableSent(Handshake),
    /// We received a step of the MP_CAPABLE handshake.
    CapableReceived(Handshake),
    /// We sent a step of the MP_JOIN handshake (the third ACK each time it is sent).
    JoinSent(Handshake),
    /// We received a step of the MP_JOIN handshake.
    JoinReceived(Handshake),
    /// The peer's HMAC verified: at the initiator the SYN-ACK's, at the listener the third
    /// ACK's.
    JoinAccepted,
    /// The subflow was refused (by us or the peer) or its handshake timed out.
    SubflowRefused(Refusal),
    /// A join SYN was turned away before it became a subflow of this connection.
    JoinRejected {
        /// Why.
        reason: Refusal,
        /// Where it arrived.
        local: SocketAddr,
        /// Where it came from.
        remote: SocketAddr,
    },
    /// The MP_CAPABLE handshake completed: keys exchanged.
    ConnectionEstablished,
    /// The subflow can carry data (the initial one once established; a join once verified
    /// and, at the initiator, its third ACK acknowledged).
    SubflowEstablished,
    /// An ADD_ADDR went out on this subflow.
    AddAddrSent {
        /// Address id.
        id: u8,
        /// The address announced (or echoed).
        addr: Addr,
        /// It is the echo of the peer's announcement.
        echo: bool,
    },
    /// An ADD_ADDR arrived on this subflow (announcements only when their HMAC verifies).
    AddAddrReceived {
        /// Address id.
        id: u8,
        /// The address announced (or echoed).
        addr: Addr,
        /// It is the echo of our announcement.
        echo: bool,
    },
    /// An ADD_ADDR announcement arrived whose HMAC did not verify: dropped (counted as
    /// `AddAddrDrop`), the address is not used.
    AddAddrDropped {
        /// Address id.
        id: u8,
        /// The address announced.
        addr: Addr,
    },
    /// A REMOVE_ADDR went out on this subflow (RFC 8684 §3.4.2).
    RemoveAddrSent(RemoveAddrRepr),
    /// A REMOVE_ADDR arrived on this subflow; the subflows to the removed addresses close.
    RemoveAddrReceived(RemoveAddrRepr),
    /// We reset the subflow: a RST with MP_TCPRST (RFC 8684 §3.6) went out.
    ResetSent {
        /// The MP_TCPRST reason.
        reason: ResetReason,
    },
    /// The peer reset the subflow; `reason` is its MP_TCPRST reason, if it sent one.
    ResetReceived {
        /// The MP_TCPRST reason.
        reason: Option<ResetReason>,
    },
    /// An MP_PRIO went out on this subflow (RFC 8684 §3.3.8).
    PrioSent {
        /// The backup flag it carries.
        backup: bool,
    },
    /// An MP_PRIO arrived on this subflow.
    PrioReceived {
        /// The backup flag it carries.
        backup: bool,
    },
    /// The subflow failed (for good when its interface went down; "potentially" after
    /// consecutive RTOs).
    SubflowFailed(FailReason),
    /// A potentially-failed subflow got an ACK of new data again.
    SubflowRecovered,
    /// The subflow closed.
    SubflowClosed {
        /// It was reset (by the peer, or abandoned by us) rather than closed with FINs.
        reset: bool,
    },
    /// Data already sent on another subflow was handed to this one.
    Reinjected {
        /// Wire DSN of the first byte.
        dsn: u64,
        /// Bytes.
        bytes: u64,
        /// The subflow (number) that held the data before.
        from: Option<u32>,
        /// An opportunistic retransmission (the data is also still on `from`), not a
        /// reinjection after a failure.
        opportunistic: bool,
    },
    /// Our DATA_FIN went out on this subflow.
    DataFinSent {
        /// Its wire DSN.
        dsn: u64,
    },
    /// The peer's DATA_FIN arrived on this subflow.
    DataFinReceived {
        /// Its wire DSN.
        dsn: u64,
    },
    /// Our DATA_FIN was acknowledged and the peer's received: the connection is complete
    /// and its subflows close.
    Completed,
    /// The connection fell back to plain TCP on this subflow.
    FellBack(FallbackReason),
    /// The DSS checksum of the mapping at this wire DSN failed (counted `DataCsumErr`).
    ChecksumFailed {
        /// The mapping's DSN.
        dsn: u64,
    },
    /// An MP_FAIL went out on this subflow (on a pure ACK, or on the RST resetting it).
    FailSent {
        /// The DSN it names.
        dsn: u64,
    },
    /// An MP_FAIL arrived on this subflow.
    FailReceived {
        /// The DSN it names.
        dsn: u64,
    },
    /// The infinite mapping (a DSS mapping of length 0) went out on this subflow.
    InfiniteMappingSent,
    /// The infinite mapping arrived on this subflow.
    InfiniteMappingReceived,
    /// A RST with MP_FASTCLOSE (RFC 8684 §3.5) went out on this subflow.
    FastCloseSent,
    /// A RST with MP_FASTCLOSE carrying our key arrived on this subflow.
    FastCloseReceived,
    /// The connection was torn down at once: by our MP_FASTCLOSE (an application abort, or
    /// subflows still open at the close timeout) or by the peer's.
    FastClosed {
        /// The peer's MP_FASTCLOSE.
        by_peer: bool,
        /// Ours, because subflows were still open `close_timeout` after completion.
        close_timeout: bool,
    },
}

/// One event of a connection: when, which subflow, what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MptcpEvent {
    /// When it happened.
    pub at: Instant,
    /// The subflow concerned, if any.
    pub subflow: Option<SubflowId>,
    /// What happened.
    pub event: Event,
}
