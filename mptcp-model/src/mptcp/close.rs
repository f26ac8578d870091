//! Closing an [`MptcpConnection`]: the DATA_FIN exchange (RFC 8684 §3.3.3), the close
//! timeout that still ends a connection whose subflow died silently, and MP_FASTCLOSE
//! (§3.5) when an application aborts.
//!
//! - **DATA_FIN** goes out, once every data byte has been handed to a subflow, on a pure ACK
//!   of *every* usable subflow (Linux `mptcp_check_send_data_fin` shuts every subflow down
//!   with `tcp_send_ack`), and again after the largest RTO of those subflows until it is
//!   acknowledged; a subflow that died silently cannot hold it back.
//! - **Completion**: our DATA_FIN acknowledged and the peer's received; the subflows then
//!   close with FINs. A subflow that is still open [`super::MptcpConfig::close_timeout`]
//!   later
//!   (Linux `net.mptcp.close_timeout`, `TCP_TIMEWAIT_LEN` = 60 s by default: its path
//!   died, its FIN is never acknowledged) is torn down as the kernel's `mptcp_worker` does
//!   on `mptcp_close_tout_expired`: a fast close.
//! - **MP_FASTCLOSE**: [`MptcpConnection::abort`] sends, on every subflow, a RST carrying
//!   MP_FASTCLOSE with the peer's key and MP_TCPRST (the RST form of §3.5 that Linux's
//!   `mptcp_do_fastclose` uses) and drops the connection's state at once. The receiver
//!   checks the key is its own (a wrong key is ignored: an attacker cannot close the
//!   connection), then tears down every subflow without answering (their RSTs went out
//!   already). Counted as `MPFastcloseTx` / `MPFastcloseRx` and `MPRstTx` / `MPRstRx`.

use super::conn::MptcpConnection;
use super::event::MptcpEventKind;
use super::mib::MibField;
use super::stats::SubflowState;
use crate::tcp::TcpState;
use crate::wire::mptcp::{FastCloseRepr, MptcpOption, ResetReason, TcpRstFlags, TcpRstRepr};
use crate::wire::TcpHeader;
use sim_core::{Instant, Packet};

impl MptcpConnection {
    /// The application aborts the connection (`close()` with unread data, `SO_LINGER` 0):
    /// MP_FASTCLOSE on every subflow, then nothing more is sent or received.
    pub fn abort(&mut self, now: Instant) {
        if self.closed_at.is_some() || self.remote_key.is_none() {
            return;
        }
        self.fast_close(now, false);
    }

    /// True once the connection is gone: completed and every subflow closed, or
    /// fast-closed by either end.
    pub fn is_closed(&self) -> bool {
        self.closed_at.is_some() || (self.completed_at.is_some() && !self.lingering())
    }

    /// Sends RST + MP_FASTCLOSE + MP_TCPRST on every live subflow and drops the connection.
    fn fast_close(&mut self, now: Instant, timeout: bool) {
        let key = self.remote_key;
        for i in 0..self.subflows.len() {
            if self.subflows[i].mp.dead {
                continue;
            }
            if let (Some(key), Some(mut rst)) = (key, self.subflows[i].sock.reset_segment(now)) {
                let opts = &mut rst.header.options.mptcp;
                let fc = opts.push(MptcpOption::FastClose(FastCloseRepr { receiver_key: key }));
                let rs = opts.push(MptcpOption::TcpRst(TcpRstRepr {
                    flags: TcpRstFlags(0),
                    reason: ResetReason::Unspecified,
                }));
                rst.size = rst.header.packet_size();
                if fc {
                    self.mib.inc(MibField::MpFastcloseTx);
                    self.event(now, Some(i), MptcpEventKind::FastCloseSent);
                }
                if rs {
                    self.mib.inc(MibField::MpRstTx);
                }
                self.outbox.push_back(rst);
            }
            self.kill(now, i, SubflowState::Closed, None);
        }
        let kind = MptcpEventKind::FastClosed {
            by_peer: false,
            close_timeout: timeout,
        };
        self.shut(now, kind);
    }

    /// The connection is gone: timers off, nothing more to send, `kind` reported.
    fn shut(&mut self, now: Instant, kind: MptcpEventKind) {
        self.closed_at = Some(now);
        self.data_fin_rtx_at = None;
        self.close_deadline = None;
        for a in &mut self.announce {
            a.withdrawn = true;
        }
        self.pending_rm.clear();
        self.event(now, None, kind);
    }

    /// A RST on subflow `i` carries MP_FASTCLOSE: with our key, the peer tore the connection
    /// down; every other subflow goes without a word. Returns true when it did.
    pub(crate) fn on_fast_close(
        &mut self,
        now: Instant,
        i: usize,
        pkt: &Packet<TcpHeader>,
    ) -> bool {
        let key = pkt.header.options.mptcp.iter().find_map(|o| match o {
            MptcpOption::FastClose(f) => Some(f.receiver_key),
            _ => None,
        });
        if key != Some(self.local_key) || self.closed_at.is_some() {
            return false;
        }
        self.mib.inc(MibField::MpFastcloseRx);
        if (pkt.header.options.mptcp.iter()).any(|o| matches!(o, MptcpOption::TcpRst(_))) {
            self.mib.inc(MibField::MpRstRx);
        }
        self.event(now, Some(i), MptcpEventKind::FastCloseReceived);
        for j in 0..self.subflows.len() {
            if !self.subflows[j].mp.dead {
                self.kill(now, j, SubflowState::Closed, None);
            }
        }
        let kind = MptcpEventKind::FastClosed {
            by_peer: true,
            close_timeout: false,
        };
        self.shut(now, kind);
        true
    }

    /// DATA_FIN on every usable subflow (RFC 8684 §3.3.3), retransmitted after the largest
    /// of their RTOs until acknowledged.
    pub(crate) fn signal_data_fin(&mut self, now: Instant) {
        if self.snd.fin_to_send().is_none() || self.data_fin_rtx_at.is_some() {
            return;
        }
        let mut rto = None;
        for i in 0..self.subflows.len() {
            let sf = &mut self.subflows[i];
            if !Self::usable(sf) {
                continue;
            }
            sf.mp.send_data_fin = true;
            sf.sock.request_ack();
            rto = rto.max(Some(sf.sock.rto()));
        }
        self.data_fin_rtx_at = rto.map(|r| now + r);
    }

    /// Completion: our DATA_FIN acknowledged and the peer's received. The subflows close
    /// with FINs; the close timeout starts.
    pub(crate) fn maybe_complete(&mut self, now: Instant) {
        if self.completed_at.is_some() || !self.snd.fin_acked() || !self.rcv.fin_received {
            return;
        }
        self.completed_at = Some(now);
        self.data_fin_rtx_at = None;
        self.close_deadline = Some(now + self.cfg.close_timeout);
        self.event(now, None, MptcpEventKind::Completed);
        for s in &mut self.subflows {
            if !s.mp.dead {
                s.mp.third_ack_rtx_at = None;
                s.sock.close();
            }
        }
    }

    /// Some subflow is still open after completion.
    pub(crate) fn lingering(&self) -> bool {
        self.subflows
            .iter()
            .any(|s| !s.mp.dead && !matches!(s.sock.state(), TcpState::Closed | TcpState::TimeWait))
    }

    /// The close timeout expired: subflows still open are fast-closed.
    pub(crate) fn on_close_timeout(&mut self, now: Instant) {
        self.close_deadline = None;
        if self.lingering() && self.closed_at.is_none() {
            self.fast_close(now, true);
        }
    }
}
