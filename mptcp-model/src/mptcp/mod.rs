//! Multipath TCP (RFC 8684): the connection, its subflows and its policies.
//!
//! - [`MptcpConnection`]: keys and tokens, the MP_CAPABLE and MP_JOIN handshakes (HMACs
//!   verified on receipt), the data sequence space with DSS mappings, the DATA_ACK and
//!   shared receive window, DATA_FIN, reinjection, ADD_ADDR. Its parts: `conn.rs` (the
//!   connection's state, construction, keys, the application API and snapshots),
//!   `input.rs` (a received packet: handshake gate, subflow TCP, MPTCP options),
//!   `transmit.rs` (scheduling data onto subflows, signals, completion, segments out),
//!   `timers.rs` (deadlines and wake-ups), `lifecycle.rs` (subflows opened, joined, failed,
//!   closed; backup changes; reinjection of a failed subflow's data), `addrs.rs` (endpoints
//!   added and deleted, interfaces down and up, ADD_ADDR and REMOVE_ADDR).
//! - [`mib`]: the `MPTcpExt` counters, kept where the Linux kernel keeps them.
//! - `subflow.rs`: per-subflow MPTCP state, the mapping table and the
//!   [`crate::tcp::SegmentHook`] that puts MPTCP options on a subflow's segments;
//!   `subflows.rs`: the connection's list of subflows, which marks those that changed so
//!   that per-packet work looks at them alone (not at every subflow).
//! - `send.rs` / `recv.rs`: the data-level send buffer (mappings handed out, reinjection
//!   queue, the peer's window) and receive side (reassembly by ranges, delivery once).
//! - [`sched`]: packet schedulers (minRTT, round-robin, redundant, BLEST, ECF, upstream
//!   Linux, ATSSS steering); [`pm`]: path managers (full mesh, ndiffports, in-kernel).
//! - `hol.rs`: the receiver's head-of-line delay (log histogram).
//! - Backup subflows change class at run time through [`MptcpConnection::set_backup`] and
//!   MP_PRIO; [`Degraded`] lets a degraded regular subflow share the backup class.
//! - [`stats`]: snapshots; [`event`]: the events drained with
//!   [`MptcpConnection::poll_event`].
//!
//! Coupled congestion control (LIA) lives with the other controllers in [`crate::cc`]; the
//! connection passes each subflow's controller the read-only view of the others.
//!
//! Choices the RFC leaves open, made here:
//! - **Mappings** are per segment (Linux maps per skb); subflow retransmissions reuse them.
//! - **Failure**: a subflow whose interface goes down fails for good (its data is
//!   reinjected, a new subflow joins when the interface is back) and the address is
//!   withdrawn with REMOVE_ADDR on a remaining subflow, so the peer closes its side at once
//!   (`addrs.rs`: the host deletes the interface's endpoint as NetworkManager does). After
//!   [`MptcpConfig::subflow_fail_rtos`] consecutive RTOs (default 1) it is "potentially
//!   failed" as in the Linux out-of-tree kernel (`tp->pf`, set by the first RTO): the
//!   scheduler skips it and its unacknowledged data is reinjected; an ACK of new data brings
//!   it back. 0 disables RTO-based failure.
//! - **Receive window**: every subflow advertises the connection-level window
//!   `rcv_buf − unread`, relative to the DATA_ACK (RFC 8684 §3.3.5); the sender hands out no
//!   DSN at or beyond `DATA_UNA + window` (the highest right edge seen), so data in flight at
//!   the data level never exceeds the receiver's buffer.

mod addrs;
mod close;
mod conn;
pub mod event;
mod fallback;
mod hol;
mod input;
mod lifecycle;
pub mod mib;
pub mod pm;
mod recv;
pub mod sched;
mod send;
pub mod stats;
mod subflow;
mod subflows;
mod timers;
mod transmit;

pub use conn::{MptcpConnection, SubflowRequest};
pub use event::{FailReason, FallbackReason, Handshake, MptcpEvent, MptcpEventKind, Refusal};
pub use hol::bucket_lower as hol_bucket_lower;
pub use input::mptcp_reset;
pub use mib::{MibField, MptcpMib};
pub use pm::PathManagerKind;
pub use sched::SchedulerKind;
pub use stats::{HolSummary, MptcpStats, SubflowState, SubflowStats};
pub use subflow::{dss_data_len, DSS_DATA_LEN};

use crate::cc::CcKind;
use crate::tcp::TcpConfig;
use sim_core::{Addr, Duration};

/// A local address an MPTCP initiator may use, with its backup flag (MP_JOIN `B` bit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalAddr {
    /// The interface address.
    pub addr: Addr,
    /// Subflows from this address are backups (used only when no other subflow is usable).
    pub backup: bool,
}

/// The flags of a path-manager endpoint added at run time (`ip mptcp endpoint add ADDR
/// FLAGS`, Linux `MPTCP_PM_ADDR_FLAG_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct EndpointFlags {
    /// Announce it to the peer with ADD_ADDR (listener).
    pub signal: bool,
    /// Open a subflow from it (initiator, in-kernel path manager; the full mesh uses every
    /// address anyway).
    pub subflow: bool,
    /// Its subflows are backups.
    pub backup: bool,
    /// Open subflows from it to every accepted peer address (in-kernel).
    pub fullmesh: bool,
}

/// Congestion control of the subflows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MptcpCcKind {
    /// Each subflow runs its own, uncoupled controller.
    Uncoupled(CcKind),
    /// RFC 6356 LIA (coupled), paper form.
    #[default]
    Lia,
    /// A coupled controller ([`CcKind::LiaLinux`], [`CcKind::Olia`], [`CcKind::Balia`],
    /// [`CcKind::WVegas`], or [`CcKind::Lia`]) on every subflow.
    Coupled(CcKind),
}

impl MptcpCcKind {
    /// The controller each subflow socket runs.
    pub fn subflow_cc(self) -> CcKind {
        match self {
            MptcpCcKind::Uncoupled(k) => k,
            MptcpCcKind::Lia => CcKind::Lia,
            MptcpCcKind::Coupled(k) => k,
        }
    }
}

/// When a regular (non-backup) subflow counts as degraded: the scheduler then sees it as a
/// backup, so that backups share the load with it (Apple's handover mode: cellular is used
/// when Wi-Fi fails *or degrades*). Either threshold suffices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Degraded {
    /// Smoothed RTT above this.
    pub rtt: Duration,
    /// Segments retransmitted per thousand sent (over the subflow's life) above this.
    pub loss_permille: u64,
}

impl Degraded {
    /// True if a subflow with `srtt` and `retransmit_permille` is degraded.
    pub fn applies(&self, srtt: Option<Duration>, retransmit_permille: u64) -> bool {
        srtt.is_some_and(|r| r > self.rtt) || retransmit_permille > self.loss_permille
    }
}

/// Configuration of an MPTCP connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MptcpConfig {
    /// Subflow TCP configuration (its `cc`, `rcv_buf` and `snd_buf` are overridden by the
    /// fields below).
    pub subflow: TcpConfig,
    /// Congestion control.
    pub cc: MptcpCcKind,
    /// Packet scheduler.
    pub scheduler: SchedulerKind,
    /// Path manager.
    pub path_manager: PathManagerKind,
    /// Shared receive buffer (connection level), bytes.
    pub rcv_buf: u32,
    /// Send buffer (connection level), bytes.
    pub snd_buf: u32,
    /// Consecutive RTOs after which a subflow counts as (potentially) failed — skipped by
    /// the scheduler, its unacknowledged data reinjected (`SubflowStale`), usable again at
    /// the next ACK of new data (`SubflowRecover`); 0 = never. This is how the host finds a
    /// silent failure (a black hole it is not told of: a link `Down` with `notify: false`).
    ///
    /// The out-of-tree Linux kernel marks a subflow potentially failed (`tp->pf`) at its
    /// first RTO: the default 1. Upstream Linux counts instead, each time the MPTCP-level
    /// retransmission timer fires (`mptcp_pm_subflow_chk_stale`), the intervals in which a
    /// subflow with data outstanding received nothing, and marks it stale after
    /// `net.mptcp.stale_loss_cnt` (default 4) of them when another subflow is in better
    /// shape; those intervals are at least the subflow's own (backed-off) RTO, so upstream's
    /// default is about `subflow_fail_rtos: 5` here.
    pub subflow_fail_rtos: u32,
    /// Opportunistic retransmission and penalisation (Raiciu et al., NSDI 2012) with the
    /// schedulers the Linux out-of-tree kernel runs them with (minRTT, BLEST; see
    /// [`SchedulerKind::opportunistic`]); off by default.
    pub opportunistic_retransmission: bool,
    /// Degraded regular subflows join the backup class (service modes); `None`: never.
    pub degraded: Option<Degraded>,
    /// Ask for DSS checksums (RFC 8684 §3.3.1: used when either end asks; computed over the
    /// pseudo-header and the payload octets, verified on receipt, a mismatch leads to MP_FAIL).
    pub checksum: bool,
    /// Interval between retransmissions of an unechoed ADD_ADDR (Linux
    /// `net.mptcp.add_addr_timeout`, default 120 s); at most [`ADD_ADDR_RETRANS_MAX`] of
    /// them (Linux `ADD_ADDR_RETRANS_MAX`).
    pub add_addr_timeout: Duration,
    /// How long subflows may stay open after the connection completed before they are
    /// torn down with MP_FASTCLOSE (Linux `net.mptcp.close_timeout`, default 60 s).
    pub close_timeout: Duration,
    /// Use MPTCP at all (Linux `net.mptcp.enabled`): when false this end speaks plain TCP
    /// (no MP_CAPABLE), and its peer falls back.
    pub enabled: bool,
    /// The listener lets the peer join its initial address (Linux
    /// `net.mptcp.allow_join_initial_addr_port`, default true); false sets the MP_CAPABLE
    /// `C` flag (RFC 8684 §3.1), e.g. behind a load balancer whose address reaches any of
    /// several servers, which then announce their own addresses.
    pub allow_join_initial_addr: bool,
}

/// Retransmissions of an unechoed ADD_ADDR (Linux `ADD_ADDR_RETRANS_MAX`, `pm_netlink.c`).
pub const ADD_ADDR_RETRANS_MAX: u8 = 3;

impl Default for MptcpConfig {
    fn default() -> Self {
        let subflow = TcpConfig::default();
        MptcpConfig {
            subflow,
            cc: MptcpCcKind::Lia,
            scheduler: SchedulerKind::MinRtt,
            path_manager: PathManagerKind::default(),
            rcv_buf: subflow.rcv_buf,
            snd_buf: subflow.snd_buf,
            subflow_fail_rtos: 1,
            opportunistic_retransmission: false,
            degraded: None,
            checksum: false,
            add_addr_timeout: Duration::from_secs(120),
            close_timeout: Duration::from_secs(60),
            enabled: true,
            allow_join_initial_addr: true,
        }
    }
}
