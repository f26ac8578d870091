//! Applications driving a [`TcpSocket`]: a bulk sender and a sink.
//!
//! Apps are stateless descriptions; what they did so far is read back from the socket
//! (bytes written) or returned by [`BulkSender::drive`] / [`Sink::drive`] so the owner can
//! count it. Call `drive` after every event that may have changed the socket.

use crate::tcp::TcpSocket;

/// Writes `total` bytes (or without end when `None`), keeping the send buffer full, then
/// closes the connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BulkSender {
    /// Bytes to send; `None` for an unlimited transfer.
    pub total: Option<u64>,
}

impl BulkSender {
    /// A sender of `total` bytes.
    pub const fn bytes(total: u64) -> Self {
        BulkSender { total: Some(total) }
    }

    /// A sender that never stops.
    pub const fn unlimited() -> Self {
        BulkSender { total: None }
    }

    /// Tops up the send buffer; closes once everything is written. Returns bytes written now.
    pub fn drive(&self, sock: &mut TcpSocket) -> u64 {
        let written = sock.app_bytes_written();
        let want = self.total.map_or(u64::MAX, |t| t.saturating_sub(written));
        let n = if want > 0 { sock.send(want) } else { 0 };
        if self.total.is_some_and(|t| written + n >= t) && !sock.is_closing() {
            sock.close();
        }
        n
    }
}

/// Reads everything as soon as it is delivered, and closes when the peer has closed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sink;

impl Sink {
    /// Consumes all delivered bytes; returns how many.
    pub fn drive(&self, sock: &mut TcpSocket) -> u64 {
        let n = sock.recv();
        if sock.peer_closed() && !sock.is_closing() {
            sock.close();
        }
        n
    }
}
