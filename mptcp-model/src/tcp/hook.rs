//! Segment hooks: how a protocol layered on TCP shapes the segments a [`TcpSocket`] sends.
//!
//! An MPTCP subflow is a plain [`TcpSocket`] whose owner passes a [`SegmentHook`] to
//! [`TcpSocket::poll_transmit_with`]. The socket asks the hook, for every segment it is about
//! to build:
//! - [`SegmentHook::data_options_len`]: the octets of options the hook will add to a data
//!   segment, so the payload shrinks by exactly that much (payload = MSS − all options);
//! - [`SegmentHook::payload_limit`]: how far a data segment starting at a subflow offset may
//!   reach, so segments never cross a boundary the hook cares about (a DSS mapping), also when
//!   retransmitted;
//! - [`SegmentHook::decorate`]: adds the hook's options to the segment (SACK blocks are then
//!   trimmed to fit the 40 octets);
//! - [`SegmentHook::receive_window`]: the receive window to advertise instead of the socket's
//!   own (RFC 8684 §3.3.5: a shared, connection-level window).
//!
//! [`NoHook`] changes nothing: it is what [`TcpSocket::poll_transmit`] uses.
//!
//! [`TcpSocket`]: super::TcpSocket
//! [`TcpSocket::poll_transmit_with`]: super::TcpSocket::poll_transmit_with
//! [`TcpSocket::poll_transmit`]: super::TcpSocket::poll_transmit

use crate::wire::TcpOptions;

/// What kind of segment is being built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegmentKind {
    /// A SYN (active open).
    Syn,
    /// A SYN-ACK (passive open).
    SynAck,
    /// A segment with payload `[start, start + len)` (sequence offsets from the ISN: the
    /// first data octet is offset 1).
    Data {
        /// Offset of the first payload octet.
        start: u64,
        /// Payload octets.
        len: u64,
        /// Some of it was sent before.
        retransmit: bool,
    },
    /// A segment without payload (pure ACK, window probe, or a lone FIN).
    Ack,
}

/// One segment about to be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentInfo {
    /// Its kind.
    pub kind: SegmentKind,
    /// It carries the FIN.
    pub fin: bool,
}

/// Shapes outgoing segments; every method has a neutral default.
pub trait SegmentHook {
    /// Octets of options (padded to 4) that [`SegmentHook::decorate`] adds to a data segment.
    fn data_options_len(&self) -> usize {
        0
    }

    /// The most payload a data segment starting at offset `start` may carry.
    fn payload_limit(&self, start: u64) -> u64 {
        let _ = start;
        u64::MAX
    }

    /// Adds options to a segment about to be sent.
    fn decorate(&mut self, seg: &SegmentInfo, opts: &mut TcpOptions) {
        let _ = (seg, opts);
    }

    /// The receive window (bytes) to advertise, or `None` for the socket's own.
    fn receive_window(&self) -> Option<u64> {
        None
    }
}

/// The hook that changes nothing (plain TCP).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoHook;

impl SegmentHook for NoHook {}
