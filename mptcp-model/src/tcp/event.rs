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
//! Events are found by comparing the socket before and after each entry point
//! ([`TcpSocket::handle_packet`], [`TcpSocket::handle_timeout`], aborts), so loss-recovery
//! code reports without carrying any recording of its own: a handful of comparisons per
//! call, no allocation once the queue has grown to its working size.

use super::send::Recovery;
use super::socket::TcpSocket;
use super::{ConnectionError, TcpState};
use crate::cc::CongestionController;
use sim_core::{Duration, Instant};

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

/// What the event comparison looks at, taken before an entry point runs.
#[derive(Clone, Copy, Debug)]
pub(super) struct Watch {
    state: TcpState,
    established: bool,
    recovery: Option<RecoveryKind>,
    rto: Duration,
    rto_timeouts: u64,
}

fn phase(r: Recovery) -> Option<RecoveryKind> {
    match r {
        Recovery::Open => None,
        Recovery::Fast { .. } => Some(RecoveryKind::Fast),
        Recovery::Loss { .. } => Some(RecoveryKind::Timeout),
    }
}

fn over(s: TcpState) -> bool {
    matches!(s, TcpState::Closed | TcpState::TimeWait)
}

impl TcpSocket {
    /// The next event, oldest first, with the time it happened.
    pub fn poll_event(&mut self) -> Option<(Instant, TcpEvent)> {
        self.events.pop_front()
    }

    /// The state the comparison after an entry point starts from (`rto`: the timeout that
    /// would fire, read only where a timeout can fire).
    #[inline]
    pub(super) fn watch(&self, rto: bool) -> Watch {
        Watch {
            state: self.state,
            established: self.counters.established_at.is_some(),
            recovery: phase(self.snd.recovery),
            rto: if rto { self.rtt.rto() } else { Duration::ZERO },
            rto_timeouts: self.counters.rto_timeouts,
        }
    }

    /// Queues the events between `before` and now (nearly always none: a few comparisons).
    #[inline]
    pub(super) fn report(&mut self, now: Instant, before: Watch) {
        let unchanged = before.state == self.state
            && before.recovery == phase(self.snd.recovery)
            && before.rto_timeouts == self.counters.rto_timeouts;
        if !unchanged {
            self.report_changes(now, before);
        }
    }

    #[cold]
    fn report_changes(&mut self, now: Instant, before: Watch) {
        let after = phase(self.snd.recovery);
        let established = self.counters.established_at.is_some();
        if !before.established && established {
            self.events.push_back((now, TcpEvent::Established));
        }
        let (cwnd, ssthresh) = (self.cc.window(), self.cc.ssthresh());
        if let Some(kind) = before.recovery.filter(|&k| after != Some(k)) {
            self.events
                .push_back((now, TcpEvent::RecoveryLeft { kind, cwnd }));
        }
        if self.counters.rto_timeouts > before.rto_timeouts {
            let e = TcpEvent::RtoFired {
                rto: before.rto,
                backoff: self.rtt.backoff_count(),
                handshake: matches!(before.state, TcpState::SynSent | TcpState::SynReceived),
            };
            self.events.push_back((now, e));
        }
        if let Some(kind) = after.filter(|&k| before.recovery != Some(k)) {
            let e = TcpEvent::RecoveryEntered {
                kind,
                cwnd,
                ssthresh,
            };
            self.events.push_back((now, e));
        }
        if !over(before.state) && over(self.state) {
            let e = TcpEvent::Closed { error: self.error };
            self.events.push_back((now, e));
        }
    }
}
