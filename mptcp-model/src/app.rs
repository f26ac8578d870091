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

/// A paced sender: `chunk` bytes at `start + k·period` for k = 0, 1, ... — a constant bit
/// rate (a video frame per period), on-off traffic (chunks only during the first `on` of
/// every `on + off` cycle; `off` zero = always on) or open-loop request/response (a
/// response of `chunk` bytes per request, one request per period). At most `total` bytes
/// (`None`: without end); closes once everything is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paced {
    /// Bytes written at each instant.
    pub chunk: u64,
    /// Time between chunks.
    pub period: sim_core::Duration,
    /// On-phase length (ignored when `off` is zero).
    pub on: sim_core::Duration,
    /// Off-phase length; zero = always on.
    pub off: sim_core::Duration,
    /// Bytes in all; `None` = unlimited.
    pub total: Option<u64>,
}

impl Paced {
    fn per_cycle(&self) -> u64 {
        let p = self.period.as_nanos().max(1);
        self.on.as_nanos().div_ceil(p).max(1)
    }

    /// When chunk `k` is written (relative to the start).
    pub fn chunk_time(&self, k: u64) -> sim_core::Duration {
        let p = self.period.as_nanos();
        if self.off.is_zero() {
            return sim_core::Duration::from_nanos(k.saturating_mul(p));
        }
        let n = self.per_cycle();
        let cycle = self.on.as_nanos() + self.off.as_nanos();
        sim_core::Duration::from_nanos((k / n).saturating_mul(cycle) + (k % n) * p)
    }

    /// Chunks written by `elapsed` after the start (capped by `total`).
    pub fn chunks_by(&self, elapsed: sim_core::Duration) -> u64 {
        let (t, p) = (elapsed.as_nanos(), self.period.as_nanos().max(1));
        let k = if self.off.is_zero() {
            t / p + 1
        } else {
            let cycle = self.on.as_nanos() + self.off.as_nanos();
            let n = self.per_cycle();
            (t / cycle) * n + (t % cycle / p + 1).min(n)
        };
        match self.total {
            Some(total) => k.min(total.div_ceil(self.chunk.max(1))),
            None => k,
        }
    }

    /// Bytes the application has written by `elapsed`.
    pub fn bytes_by(&self, elapsed: sim_core::Duration) -> u64 {
        let b = self.chunks_by(elapsed).saturating_mul(self.chunk);
        self.total.map_or(b, |t| b.min(t))
    }

    /// True once every byte is due.
    pub fn done_by(&self, elapsed: sim_core::Duration) -> bool {
        self.total.is_some_and(|t| self.bytes_by(elapsed) >= t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::Duration;

    #[test]
    fn paced_schedules() {
        let ms = Duration::from_millis;
        let cbr = Paced {
            chunk: 1_000,
            period: ms(10),
            on: Duration::ZERO,
            off: Duration::ZERO,
            total: Some(3_500),
        };
        assert_eq!(cbr.bytes_by(ms(0)), 1_000);
        assert_eq!(cbr.bytes_by(ms(25)), 3_000);
        assert_eq!(cbr.bytes_by(ms(100)), 3_500);
        assert!(cbr.done_by(ms(30)));
        assert_eq!(cbr.chunk_time(2), ms(20));
        // On 20 ms (2 chunks), off 30 ms.
        let onoff = Paced {
            on: ms(20),
            off: ms(30),
            total: None,
            ..cbr
        };
        assert_eq!(onoff.chunk_time(2), ms(50));
        assert_eq!(onoff.chunks_by(ms(15)), 2);
        assert_eq!(onoff.chunks_by(ms(49)), 2);
        assert_eq!(onoff.chunks_by(ms(50)), 3);
    }
}
