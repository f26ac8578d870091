//! The sans-IO TCP endpoint [`TcpSocket`] and its parts.
//!
//! A socket has no clock, queue or I/O of its own (the quinn-proto model): the owner feeds it
//! received packets ([`TcpSocket::handle_packet`]) and timer wake-ups
//! ([`TcpSocket::handle_timeout`]) with the current time, drains packets to send with
//! [`TcpSocket::poll_transmit`] until it returns `None`, and asks
//! [`TcpSocket::poll_timeout`] when to wake it next. Application calls ([`TcpSocket::send`],
//! [`TcpSocket::recv`], [`TcpSocket::close`]) move byte counts only.
//!
//! Parts: [`config`] (TcpConfig), `send` (send side, segment choice), `recv` (reassembly,
//! SACK generation, delayed ACK, window), [`rtt`] (RFC 6298), `sack` (RFC 6675 scoreboard),
//! `prr` (RFC 6937 window during recovery), `rack` (RFC 8985 RACK-TLP state), `xmit` (send
//! times of the data in flight), `ranges` (sorted range set), `input` (ACK processing and
//! loss recovery), `output` (segment construction), [`hook`] (how MPTCP shapes a subflow's
//! segments), [`stats`], [`event`] (what the socket reports, drained with
//! [`TcpSocket::poll_event`]).

pub mod config;
pub mod event;
pub mod hook;
mod input;
mod loss;
mod output;
mod prr;
mod rack;
pub(crate) mod ranges;
mod recv;
mod report;
pub mod rtt;
mod sack;
mod send;
mod socket;
pub mod stats;
mod xmit;

pub use config::{CwndReduction, LossDetection, NewRenoTimer, RtoMode, TcpConfig};
pub use event::{RecoveryKind, TcpEvent};
pub use hook::{NoHook, SegmentHook, SegmentInfo, SegmentKind};
pub use output::SegmentOut;
pub use rtt::RttEstimator;
pub use sack::DUP_THRESH;
pub use socket::TcpSocket;
pub use stats::TcpStats;

use crate::wire::{SeqNum, TcpFlags, TcpHeader, TcpOptions};
use core::fmt;
use sim_core::{Addr, Packet};

/// An endpoint address: network address and port.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SocketAddr {
    /// Network address.
    pub addr: Addr,
    /// Port.
    pub port: u16,
}

impl SocketAddr {
    /// `addr:port`.
    pub const fn new(addr: Addr, port: u16) -> Self {
        SocketAddr { addr, port }
    }
}

impl fmt::Display for SocketAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.addr, self.port)
    }
}

/// Connection states (RFC 9293 §3.3.2). `Listen` is never held by a [`TcpSocket`]: passive
/// opens are made from a received SYN by [`TcpSocket::accept`] (listeners live in the host).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TcpState {
    /// No connection.
    #[default]
    Closed,
    /// Waiting for a SYN (held by the host's listener table, not by sockets).
    Listen,
    /// SYN sent, waiting for the SYN-ACK.
    SynSent,
    /// SYN received and SYN-ACK sent, waiting for its ACK.
    SynReceived,
    /// Data flows both ways.
    Established,
    /// We closed; our FIN is not yet acknowledged.
    FinWait1,
    /// Our FIN is acknowledged; waiting for the peer's FIN.
    FinWait2,
    /// The peer closed; we may still send.
    CloseWait,
    /// Both closed simultaneously; waiting for the ACK of our FIN.
    Closing,
    /// The peer closed, then we did; waiting for the ACK of our FIN.
    LastAck,
    /// Both FINs acknowledged; lingering to ACK a retransmitted FIN.
    TimeWait,
}

/// Why a connection ended abnormally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionError {
    /// The peer sent a RST on an established connection.
    #[error("connection reset by peer")]
    Reset,
    /// The peer answered our SYN with a RST.
    #[error("connection refused")]
    Refused,
    /// The handshake was not answered after all SYN retransmissions.
    #[error("connection timed out")]
    TimedOut,
}

/// Why [`TcpSocket::accept`] refused a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AcceptError {
    /// The packet is not a bare SYN (no ACK, no RST).
    #[error("not a SYN segment")]
    NotASyn,
}

/// RFC 9293 §3.10.7.1: the reset answering `pkt` when no connection exists for it, or
/// `None` when `pkt` is itself a reset (never answer a RST).
pub fn reset_reply(pkt: &Packet<TcpHeader>) -> Option<Packet<TcpHeader>> {
    let h = &pkt.header;
    if h.flags.rst() {
        return None;
    }
    let (seq, ack, flags) = if h.flags.ack() {
        (h.ack, SeqNum(0), TcpFlags::RST)
    } else {
        // seq_len() is payload + SYN + FIN (< 2^32); the u32 wrap is sequence arithmetic.
        let end = h.seq + h.seq_len() as u32;
        (SeqNum(0), end, TcpFlags::RST | TcpFlags::ACK)
    };
    let header = TcpHeader {
        src_port: h.dst_port,
        dst_port: h.src_port,
        seq,
        ack,
        flags,
        window: 0,
        options: TcpOptions::new(),
        payload_len: 0,
        payload_rewrite: None,
    };
    Some(Packet {
        src: pkt.dst,
        dst: pkt.src,
        size: header.packet_size(),
        header,
    })
}
