//! How a [`TcpSocket`] finds its [`TcpEvent`]s: by comparing the socket before and after
//! each entry point ([`TcpSocket::handle_packet`], [`TcpSocket::handle_timeout`], aborts),
//! so loss-recovery code reports without carrying any recording of its own: a handful of
//! comparisons per call, no allocation once the queue has grown to its working size.
//!
//! Dependency direction: this file reads the socket and the event types; the socket calls
//! [`TcpSocket::watch`] and [`TcpSocket::report`] as its own methods and imports nothing
//! from here.

use super::event::{RecoveryKind, TcpEvent};
use super::send::Recovery;
use super::socket::TcpSocket;
use super::TcpState;
use crate::cc::CongestionController;
use sim_core::{Duration, Instant};

/// What the event comparison looks at, taken before an entry point runs.
#[derive(Clone, Copy, Debug)]
pub(super) struct Watch {
    state: TcpState,
    established: bool,
    recovery: Option<RecoveryKind>,
    rto: Duration,
    rto_epoch: u8,
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
            established: self.ever_established,
            recovery: phase(self.snd.recovery),
            rto: if rto { self.rtt.rto() } else { Duration::ZERO },
            rto_epoch: self.rto_epoch,
        }
    }

    /// Queues the events between `before` and now (nearly always none: a few comparisons).
    #[inline]
    pub(super) fn report(&mut self, now: Instant, before: Watch) {
        let unchanged = before.state == self.state
            && before.recovery == phase(self.snd.recovery)
            && before.rto_epoch == self.rto_epoch;
        if !unchanged {
            self.report_changes(now, before);
        }
    }

    #[cold]
    fn report_changes(&mut self, now: Instant, before: Watch) {
        let after = phase(self.snd.recovery);
        let established = self.ever_established;
        if !before.established && established {
            self.events.push_back((now, TcpEvent::Established));
        }
        let (cwnd, ssthresh) = (self.cc.window(), self.cc.ssthresh());
        if let Some(kind) = before.recovery.filter(|&k| after != Some(k)) {
            self.events
                .push_back((now, TcpEvent::RecoveryLeft { kind, cwnd }));
        }
        if self.rto_epoch != before.rto_epoch {
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
