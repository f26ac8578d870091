//! When a [`HostStack`] wants to be woken, and what it runs then.
//!
//! Contract: every TCP connection and MPTCP connection has its next deadline in a
//! [`crate::deadlines::MinTree`] (TCP) or a [`Deadlines`] heap (MPTCP), set again at the
//! end of each call into it (`service`, `service_mp`: the only ways an endpoint's deadline
//! can change), and so does each paced
//! application's next write. Pending flow starts keep their earliest start. The host's
//! deadline ([`sim_core::Host::poll_timeout`]) is then the least of a handful of values —
//! O(1) — however many connections the host carries, and a wake-up looks only at the
//! endpoints that are due: O(due · log n). What runs at a wake-up, and in which order, is
//! as if every endpoint were looked at in index order: flow starts, paced applications
//! (those due and those with a backlog behind a full send buffer), endpoint changes,
//! application aborts, MPTCP starts, then the due TCP and MPTCP timers, each group by index.

use super::mptcp_host::Role;
use super::HostStack;
use crate::deadlines::{earlier, Deadlines, InlineMinTree};
use crate::wire::TcpHeader;
use sim_core::{Instant, Packet};
use std::collections::BTreeSet;

/// The deadlines of a host's endpoints.
///
/// Laid out for [`HostStack::next_deadline`], read after every call into the host: in a run
/// with many hosts each call finds the host out of the cache, and every line read is a
/// memory access. `repr(C, align(64))` keeps the order: the TCP connections' tree and the
/// earliest of every other deadline (`others`) fill the first line, all a TCP host's call
/// reads and writes of them (a connection or two are kept inline, [`InlineMinTree`]); the
/// MPTCP connections' heap and the SCTP associations' deadline the second, the applications'
/// heap begins the third (an MPTCP host's call sets those two heaps); the rest is read only
/// at wake-ups.
#[derive(Clone, Debug, Default)]
#[repr(C, align(64))]
pub(super) struct HostTimers {
    /// Each TCP connection's [`crate::tcp::TcpSocket::poll_timeout`].
    pub(super) tcp: InlineMinTree,
    /// The earliest of `rare`, `mp`, `sctp` and `apps`: kept by [`HostTimers::others_changed`]
    /// wherever one of them changes, so that a TCP host's deadline is read from this line.
    others: Option<Instant>,
    /// Each MPTCP connection's [`crate::mptcp::MptcpConnection::poll_timeout`].
    pub(super) mp: Deadlines,
    /// The earliest SCTP deadline (an association's timer or a pending start), kept by
    /// `HostStack::sctp_changed` wherever one of those changes.
    sctp: Option<Instant>,
    /// Each paced application's next write.
    pub(super) apps: Deadlines,
    /// The earliest of the pending flow starts (`tcp_start`, `mp_start`), endpoint changes
    /// and application aborts: kept by [`HostStack::rare_changed`] wherever one of them
    /// changes, so that reading the host's deadline does not visit them.
    rare: Option<Instant>,
    /// MPTCP connections whose paced application has bytes due that did not fit the send
    /// buffer at its last service, or is done and not yet closed: looked at every wake-up.
    pub(super) app_backlog: BTreeSet<usize>,
    /// The earliest start of a pending TCP flow.
    pub(super) tcp_start: Option<Instant>,
    /// The earliest start of a pending MPTCP flow.
    pub(super) mp_start: Option<Instant>,
    /// Scratch list of due endpoints (reused: no allocation per wake-up).
    due: Vec<usize>,
}

impl HostTimers {
    /// Sets `others` again after `rare`, `mp`, `sctp` or `apps` changed.
    #[inline]
    fn others_changed(&mut self) {
        self.others = [self.mp.earliest(), self.sctp, self.apps.earliest()]
            .into_iter()
            .fold(self.rare, earlier);
    }

    /// Sets the earliest SCTP deadline (see `HostStack::sctp_changed`).
    pub(super) fn set_sctp(&mut self, at: Option<Instant>) {
        self.sctp = at;
        self.others_changed();
    }

    /// The earliest SCTP deadline.
    #[cfg(debug_assertions)]
    pub(super) fn sctp(&self) -> Option<Instant> {
        self.sctp
    }

    /// Hints the fields [`HostStack::next_deadline`] reads (see [`HostStack::prefetch`]).
    #[inline]
    pub(super) fn prefetch(&self) {
        use sim_core::prefetch::prefetch_line as line;
        line(&self.tcp);
        line(&self.mp);
        line(&self.apps);
    }
}

impl HostStack {
    /// The earliest instant at which the host wants [`sim_core::Host::on_timeout`].
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        let t = &self.timers;
        let next = earlier(t.tcp.earliest(), t.others);
        #[cfg(debug_assertions)]
        debug_assert_eq!(
            next,
            earlier(self.scan_deadline(), self.sctp_poll_timeout()),
            "host deadlines out of date"
        );
        next
    }

    /// The host's deadline by looking at every endpoint (the cached value must equal it).
    #[cfg(debug_assertions)]
    fn scan_deadline(&self) -> Option<Instant> {
        let socks = self.conns.iter().filter_map(|c| c.sock.poll_timeout());
        let starts = self.pending.earliest();
        let mp = self.mp_conns.iter().filter_map(|c| c.conn.scan_timeout());
        let mp_starts = self.mp_pending.earliest();
        let changes = self.endpoint_changes.front().map(|c| c.0);
        let aborts = self.aborts.front().map(|c| c.0);
        let apps = (0..self.mp_conns.len()).filter_map(|k| self.next_app_write(k));
        socks
            .chain(starts)
            .chain(mp)
            .chain(mp_starts)
            .chain(changes)
            .chain(aborts)
            .chain(apps)
            .min()
    }

    /// Records TCP connection `i`'s deadline after a call into it.
    pub(super) fn tcp_timer_changed(&mut self, i: usize) {
        let at = self.conns[i].sock.poll_timeout();
        self.timers.tcp.set(i, at);
    }

    /// Records MPTCP connection `k`'s deadlines (its timers, its paced application) after a
    /// call into it at `now`.
    pub(super) fn mp_timer_changed(&mut self, k: usize, now: Instant) {
        let at = self.mp_conns[k].conn.poll_timeout();
        let moved = self.timers.mp.set(k, at);
        if !matches!(self.mp_conns[k].role, Role::Paced(_)) {
            // Only a paced application has write times or a backlog, and a connection's role
            // is fixed when it is made: nothing of this one is in either.
            debug_assert!(self.next_app_write(k).is_none() && !self.app_due(k, now));
            debug_assert!(!self.timers.app_backlog.contains(&k));
            if moved {
                self.timers.others_changed();
            }
            return;
        }
        let write = self.next_app_write(k);
        if self.timers.apps.set(k, write) || moved {
            self.timers.others_changed();
        }
        if self.app_due(k, now) {
            self.timers.app_backlog.insert(k);
        } else {
            self.timers.app_backlog.remove(&k);
        }
    }

    /// Sets the earliest pending starts again (after flows were added or started).
    pub(super) fn starts_changed(&mut self) {
        self.timers.tcp_start = self.pending.earliest();
        self.timers.mp_start = self.mp_pending.earliest();
        self.rare_changed();
    }

    /// Sets the earliest of the rarely changing deadlines again (after a pending start, an
    /// endpoint change or an abort was added or taken).
    pub(super) fn rare_changed(&mut self) {
        let changes = self.endpoint_changes.front().map(|c| c.0);
        let aborts = self.aborts.front().map(|c| c.0);
        let t = &mut self.timers;
        t.rare = [t.mp_start, changes, aborts]
            .into_iter()
            .fold(t.tcp_start, earlier);
        t.others_changed();
    }

    /// True when connection `k` runs a paced application with something to do at `now`:
    /// bytes due and not yet written, or everything due and the connection not yet closed.
    pub(super) fn app_due(&self, k: usize, now: Instant) -> bool {
        let c = &self.mp_conns[k];
        let Role::Paced(app) = c.role else {
            return false;
        };
        let elapsed = now.saturating_duration_since(c.started);
        app.bytes_by(elapsed) > c.conn.app_bytes_written()
            || (app.done_by(elapsed) && !c.conn.is_closing())
    }

    /// Runs whatever is due at `now`: flow starts, applications, backup changes, timers.
    pub(super) fn wake(&mut self, now: Instant, tx: &mut Vec<Packet<TcpHeader>>) {
        if self.timers.tcp_start.is_some_and(|t| t <= now) {
            self.start_due(now, tx);
            self.starts_changed();
        }
        self.run_apps(now, tx);
        while let Some(&(at, addr, change)) = self.endpoint_changes.front() {
            if at > now {
                break;
            }
            self.endpoint_changes.pop_front();
            self.apply_endpoint_change(now, addr, change, tx);
        }
        while let Some(&(at, flow)) = self.aborts.front() {
            if at > now {
                break;
            }
            self.aborts.pop_front();
            self.abort_mptcp(now, flow, tx);
        }
        self.rare_changed();
        if self.timers.mp_start.is_some_and(|t| t <= now) {
            self.start_due_mp(now, tx);
            self.starts_changed();
        }
        let mut due = std::mem::take(&mut self.timers.due);
        due.clear();
        self.timers.tcp.due(now, &mut due);
        for &i in &due {
            if self.conns[i].sock.poll_timeout().is_some_and(|t| t <= now) {
                self.conns[i].sock.handle_timeout(now);
                self.service(i, now, tx);
            }
        }
        due.clear();
        self.timers.mp.due(now, &mut due);
        for &k in &due {
            if self.mp_conns[k]
                .conn
                .poll_timeout()
                .is_some_and(|t| t <= now)
            {
                self.mp_conns[k].conn.handle_timeout(now);
                self.service_mp(k, now, tx);
            }
        }
        self.timers.due = due;
    }

    /// Runs the paced applications due at `now`: those whose next write has come and those
    /// with a backlog, in connection order.
    fn run_apps(&mut self, now: Instant, tx: &mut Vec<Packet<TcpHeader>>) {
        if self.timers.app_backlog.is_empty() && self.timers.apps.earliest().is_none_or(|t| t > now)
        {
            return;
        }
        let mut due = std::mem::take(&mut self.timers.due);
        due.clear();
        self.timers.apps.due(now, &mut due);
        due.extend(self.timers.app_backlog.iter().copied());
        due.sort_unstable();
        due.dedup();
        for &k in &due {
            if self.app_due(k, now) {
                self.service_mp(k, now, tx);
            }
        }
        self.timers.due = due;
    }
}

#[cfg(test)]
mod tests {
    use super::HostTimers;
    use crate::deadlines::InlineMinTree;
    use std::mem::{align_of, offset_of, size_of};

    /// What a TCP host's deadline reads (its connections' tree, the earliest of the others)
    /// shares one cache line; the MPTCP heap starts the next.
    #[test]
    fn the_deadline_read_starts_with_one_line() {
        assert_eq!(align_of::<HostTimers>(), 64);
        let line = |off: usize| off / 64;
        assert_eq!(line(offset_of!(HostTimers, tcp)), 0);
        let tcp_end = offset_of!(HostTimers, tcp) + size_of::<InlineMinTree>() - 1;
        assert_eq!(line(tcp_end), 0);
        let others = offset_of!(HostTimers, others);
        let others_end = others + size_of::<Option<sim_core::Instant>>() - 1;
        assert_eq!(line(others), 0);
        assert_eq!(line(others_end), 0);
        assert_eq!(line(offset_of!(HostTimers, mp)), 1);
        let sctp_end = offset_of!(HostTimers, sctp) + size_of::<Option<sim_core::Instant>>() - 1;
        assert_eq!(line(sctp_end), 1);
    }
}
