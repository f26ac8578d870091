//! Multipath TCP (RFC 8684): the connection, its subflows and its policies.
//!
//! - [`MptcpConnection`]: keys and tokens, the MP_CAPABLE and MP_JOIN handshakes (HMACs
//!   verified on receipt), the data sequence space with DSS mappings, the DATA_ACK and
//!   shared receive window, DATA_FIN, reinjection, ADD_ADDR. Its parts: `conn.rs` (the
//!   connection's state, construction, keys, the application API and snapshots),
//!   `input.rs` (a received packet: handshake gate, subflow TCP, MPTCP options),
//!   `transmit.rs` (scheduling data onto subflows, signals, completion, segments out),
//!   `timers.rs` (deadlines and wake-ups), `lifecycle.rs` (subflows opened, joined, failed,
//!   closed; interface and backup changes; reinjection of a failed subflow's data).
//! - `subflow.rs`: per-subflow MPTCP state, the mapping table and the
//!   [`crate::tcp::SegmentHook`] that puts MPTCP options on a subflow's segments.
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
//!   reinjected, a new subflow joins when the interface is back). After
//!   [`MptcpConfig::subflow_fail_rtos`] consecutive RTOs (default 1) it is "potentially
//!   failed" as in the Linux out-of-tree kernel (`tp->pf`, set by the first RTO): the
//!   scheduler skips it and its unacknowledged data is reinjected; an ACK of new data brings
//!   it back. 0 disables RTO-based failure.
//! - **Receive window**: every subflow advertises the connection-level window
//!   `rcv_buf − unread`, relative to the DATA_ACK (RFC 8684 §3.3.5); the sender hands out no
//!   DSN at or beyond `DATA_UNA + window` (the highest right edge seen), so data in flight at
//!   the data level never exceeds the receiver's buffer.

mod conn;
pub mod event;
mod hol;
mod input;
mod lifecycle;
pub mod pm;
mod recv;
pub mod sched;
mod send;
pub mod stats;
mod subflow;
mod timers;
mod transmit;

pub use conn::{MptcpConnection, SubflowRequest};
pub use event::{FailReason, Handshake, MptcpEvent, MptcpEventKind, Refusal};
pub use hol::bucket_lower as hol_bucket_lower;
pub use input::mptcp_reset;
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
    /// Consecutive RTOs after which a subflow counts as (potentially) failed; 0 = never.
    pub subflow_fail_rtos: u32,
    /// Opportunistic retransmission and penalisation (Raiciu et al., NSDI 2012) with the
    /// schedulers the Linux out-of-tree kernel runs them with (minRTT, BLEST; see
    /// [`SchedulerKind::opportunistic`]); off by default.
    pub opportunistic_retransmission: bool,
    /// Degraded regular subflows join the backup class (service modes); `None`: never.
    pub degraded: Option<Degraded>,
    /// Carry the DSS checksum field (RFC 8684 §3.3.1; length only, the value is 0).
    pub checksum: bool,
}

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
        }
    }
}
