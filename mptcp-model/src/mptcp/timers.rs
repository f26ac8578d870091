//! Timers of an [`MptcpConnection`]: the earliest deadline over its subflows' sockets, the
//! joins' third-ACK retransmissions, DATA_FIN and ADD_ADDR retransmissions, the close
//! timeout; a wake-up with nothing due is a no-op.

use super::conn::MptcpConnection;
use super::subflow::Subflow;
use super::subflows::{marked_indexes, Watcher};
use crate::cc::Coupling;
use crate::deadlines::earlier;
use sim_core::Instant;

impl MptcpConnection {
    /// The earliest instant at which [`MptcpConnection::handle_timeout`] must run.
    ///
    /// Each subflow's deadline is kept in a heap and read again only for the subflows that
    /// changed since the last call (see `mptcp::subflows`): O(changed · log n), not a scan
    /// over every subflow.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        self.refresh_subflow_deadlines();
        let mut next = earlier(self.data_fin_rtx_at, self.subflow_deadlines.earliest());
        for a in self.announce.iter().filter(|a| a.pending()) {
            next = earlier(next, a.next_at);
        }
        let next = earlier(next, self.close_deadline.filter(|_| self.lingering()));
        debug_assert_eq!(next, self.scan_timeout(), "connection deadline out of date");
        next
    }

    /// [`MptcpConnection::poll_timeout`] by a scan over every subflow (what the kept
    /// deadlines must equal).
    pub(crate) fn scan_timeout(&self) -> Option<Instant> {
        let mut next = self.data_fin_rtx_at;
        for s in self.subflows.iter() {
            next = earlier(next, Self::subflow_deadline(s));
        }
        for a in self.announce.iter().filter(|a| a.pending()) {
            next = earlier(next, a.next_at);
        }
        earlier(next, self.close_deadline.filter(|_| self.lingering()))
    }

    /// Subflow `s`'s deadline: its socket's and its third-ACK retransmission's (none once
    /// abandoned).
    fn subflow_deadline(s: &Subflow) -> Option<Instant> {
        if s.mp.dead {
            None
        } else {
            earlier(s.sock_deadline(), s.mp.third_ack_rtx_at)
        }
    }

    /// Sets the kept deadline of every subflow that changed since the last call.
    fn refresh_subflow_deadlines(&mut self) {
        let bits = self.subflows.take(Watcher::Timers);
        for i in marked_indexes(bits, self.subflows.len()) {
            let at = Self::subflow_deadline(&self.subflows[i]);
            self.subflow_deadlines.set(i, at);
        }
    }

    /// Runs the timers due at `now` (a wake-up with nothing due is a no-op).
    pub fn handle_timeout(&mut self, now: Instant) {
        let due = |t: Option<Instant>| t.is_some_and(|t| t <= now);
        for i in 0..self.subflows.len() {
            if self.subflows[i].mp.dead {
                continue;
            }
            if due(self.subflows[i].sock_deadline()) {
                // A recovery the RACK reordering timer starts sees the other subflows.
                self.fill_views(i);
                let coupling = Coupling {
                    others: &self.views,
                };
                self.subflows[i].sock.handle_timeout_coupled(now, &coupling);
                self.absorb(i);
                self.after_subflow_change(now, i);
            }
            let sf = &mut self.subflows[i];
            if due(sf.mp.third_ack_rtx_at) {
                sf.sock.request_ack();
                sf.mp.third_ack_rtx_at = Some(now + sf.sock.rto());
            }
        }
        if due(self.data_fin_rtx_at) {
            self.data_fin_rtx_at = None;
        }
        if due(self.close_deadline) {
            self.on_close_timeout(now);
        }
        for a in &mut self.announce {
            if due(a.next_at) {
                // Resent at the next output, when a subflow can carry it.
                a.next_at = None;
            }
        }
    }
}
