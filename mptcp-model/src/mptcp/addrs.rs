//! Address management of an [`MptcpConnection`] (RFC 8684 §3.4): local endpoints added and
//! deleted at run time (what `ip mptcp endpoint add|delete`, NetworkManager or mptcpd do),
//! interfaces going down and up, and the peer's ADD_ADDR and REMOVE_ADDR.
//!
//! A local address's index is its address id. Deleting an endpoint, or its interface going
//! down (the host then deletes the endpoint, as NetworkManager does when an address goes
//! away), closes the subflows that use it — with a RST and MP_TCPRST when the interface can
//! still carry one — reinjects their data, and withdraws the address with REMOVE_ADDR on a
//! remaining subflow. The peer, on REMOVE_ADDR, closes at once every subflow whose far end has
//! one of the ids (RFC 8684 §3.4.2) and reinjects their data, instead of waiting for their
//! retransmission timeouts. An endpoint added (or an interface back up) is joined again by
//! the path manager; a listener announces a `signal` endpoint with ADD_ADDR.
//!
//! Counters as the kernel's in-kernel path manager (`pm_netlink.c` / `pm.c`): `RmSubflow`
//! per subflow closed for a local removal, `RmAddr` per id of a received REMOVE_ADDR,
//! `RmAddrTx` per REMOVE_ADDR sent, `AddAddr` / `EchoAdd` per ADD_ADDR / echo accepted,
//! `AddAddrDrop` per ADD_ADDR whose HMAC does not verify.

use super::conn::{Announce, Local, MptcpConnection, Remote};
use super::event::{FailReason, MptcpEventKind};
use super::mib::MibField;
use super::stats::SubflowState;
use super::EndpointFlags;
use crate::tcp::SocketAddr;
use crate::wire::mptcp::{
    AddAddrKind, AddAddrRepr, MptcpOption, RemoveAddrRepr, ResetReason, TcpRstFlags, TcpRstRepr,
};
use sim_core::{Addr, Instant};

impl MptcpConnection {
    /// The link of local interface `addr` went down or came up. Down: its subflows fail for
    /// good (nothing can leave the interface), their data is reinjected, and the address is
    /// withdrawn with REMOVE_ADDR on a remaining subflow. Up: the path manager opens new
    /// subflows on it (a listener announces it again).
    pub fn on_interface_change(&mut self, now: Instant, addr: Addr, up: bool) {
        let Some(li) = self.locals.iter().position(|l| l.addr == addr) else {
            return;
        };
        let was = self.locals[li].up;
        self.locals[li].up = up;
        if up {
            if !was {
                self.local_returns(li);
            }
        } else if !self.locals[li].removed {
            self.withdraw_local(now, li, FailReason::InterfaceDown);
        }
    }

    /// A path-manager endpoint is added on local address `addr` (`up`: its interface is up):
    /// a new address gets the next address id; a deleted one is restored with its id and
    /// the new flags. The path manager joins it; a listener announces it if `signal`.
    pub fn add_endpoint(&mut self, addr: Addr, up: bool, flags: EndpointFlags) {
        let li = match self.locals.iter().position(|l| l.addr == addr) {
            Some(li) => li,
            None if self.locals.len() < usize::from(u8::MAX) => {
                self.locals.push(Local::new(addr, flags.backup, up));
                self.locals.len() - 1
            }
            None => return,
        };
        let l = &mut self.locals[li];
        l.removed = false;
        l.up = up;
        l.backup = flags.backup;
        l.subflow = flags.subflow;
        l.fullmesh = flags.fullmesh;
        if !self.initiator && flags.signal && li > 0 {
            let id = li as u8;
            match self.announce.iter_mut().find(|a| a.id == id) {
                Some(a) => a.withdrawn = false,
                None => self.announce.push(Announce::new(id, addr)),
            }
        }
        self.local_returns(li);
    }

    /// The path-manager endpoint on local address `addr` is deleted: its subflows close with
    /// a RST (MP_TCPRST) where its interface can still send one, their data is reinjected,
    /// and the address is withdrawn with REMOVE_ADDR.
    pub fn delete_endpoint(&mut self, now: Instant, addr: Addr) {
        let Some(li) = self.locals.iter().position(|l| l.addr == addr) else {
            return;
        };
        if self.locals[li].removed {
            return;
        }
        self.locals[li].removed = true;
        self.withdraw_local(now, li, FailReason::EndpointRemoved);
    }

    /// Local address `li` can be used again: its pairs may be retried, a REMOVE_ADDR not
    /// yet sent for it is dropped (it would close the new subflows), a listener announces
    /// it again.
    fn local_returns(&mut self, li: usize) {
        let id = li as u8;
        self.pending_rm.retain(|&x| x != id);
        for i in 0..self.subflows.len() {
            if self.subflows[i].mp.local == li {
                self.subflows[i].mp.pm_block = false;
            }
        }
        if let Some(a) = self.announce.iter_mut().find(|a| a.id == id) {
            if !self.locals[li].removed {
                *a = Announce::new(id, a.addr);
            }
        }
    }

    /// Closes every live subflow on local address `li` for `why` and queues its REMOVE_ADDR.
    fn withdraw_local(&mut self, now: Instant, li: usize, why: FailReason) {
        let deliverable = self.locals[li].up;
        let mut used = false;
        for i in 0..self.subflows.len() {
            let sf = &self.subflows[i];
            if sf.mp.local != li || sf.mp.dead {
                continue;
            }
            used = true;
            let kind = MptcpEventKind::SubflowFailed(why);
            if deliverable {
                self.reset_subflow(now, i, ResetReason::Unspecified, kind);
            } else {
                self.kill(now, i, SubflowState::Failed, Some(kind));
            }
            self.mib.inc(MibField::RmSubflow);
        }
        let id = li as u8;
        let mut announced = false;
        if let Some(a) = self.announce.iter_mut().find(|a| a.id == id) {
            announced = a.sent;
            a.withdrawn = true;
        }
        if (used || announced) && self.remote_key.is_some() && !self.pending_rm.contains(&id) {
            self.pending_rm.push(id);
        }
    }

    /// Resets subflow `i`: reports `why`, sends a RST with MP_TCPRST (`reason`) if the socket
    /// is synchronized, and abandons it (its data is reinjected).
    pub(crate) fn reset_subflow(
        &mut self,
        now: Instant,
        i: usize,
        reason: ResetReason,
        why: MptcpEventKind,
    ) {
        self.event(now, Some(i), why);
        if let Some(mut rst) = self.subflows[i].sock.reset_segment(now) {
            let opt = MptcpOption::TcpRst(TcpRstRepr {
                flags: TcpRstFlags(0),
                reason,
            });
            if rst.header.options.mptcp.push(opt) {
                rst.size = rst.header.packet_size();
                self.mib.inc(MibField::MpRstTx);
                self.event(now, Some(i), MptcpEventKind::ResetSent { reason });
            }
            self.outbox.push_back(rst);
        }
        self.kill(now, i, SubflowState::Closed, None);
    }

    /// The peer sent REMOVE_ADDR `r` on subflow `i` (RFC 8684 §3.4.2): every subflow whose
    /// far end has one of its ids is reset at once and its data reinjected; an initiator
    /// stops using the removed addresses.
    pub(crate) fn on_remove_addr(&mut self, now: Instant, i: usize, r: &RemoveAddrRepr) {
        self.event(now, Some(i), MptcpEventKind::RemoveAddrReceived(*r));
        for &id in r.ids() {
            self.mib.inc(MibField::RmAddr);
            for remote in self.remotes.iter_mut().filter(|x| x.id == id) {
                remote.removed = true;
            }
            for j in 0..self.subflows.len() {
                let sf = &self.subflows[j].mp;
                if sf.dead || sf.remote_id != id {
                    continue;
                }
                let why = MptcpEventKind::SubflowFailed(FailReason::AddressRemoved);
                self.reset_subflow(now, j, ResetReason::Unspecified, why);
            }
        }
    }

    /// An ADD_ADDR (announcement or echo) arrived on subflow `i`: an announcement whose HMAC
    /// verifies (RFC 8684 §3.4.1, the announcing host's key first) becomes a remote address
    /// and is echoed; one that does not is dropped and counted.
    pub(crate) fn on_add_addr(&mut self, now: Instant, i: usize, a: &AddAddrRepr) {
        let core::net::IpAddr::V4(v4) = a.addr else {
            return;
        };
        let (id, addr) = (a.addr_id, Addr(u32::from(v4)));
        match a.kind {
            AddAddrKind::V1 { .. } if self.initiator => {
                let Some(rk) = self.remote_key else {
                    return;
                };
                if !a.verify_hmac(rk, self.local_key) {
                    self.mib.inc(MibField::AddAddrDrop);
                    let kind = MptcpEventKind::AddAddrDropped { id, addr };
                    self.event(now, Some(i), kind);
                    return;
                }
                self.mib.inc(MibField::AddAddr);
                let echo = false;
                let kind = MptcpEventKind::AddAddrReceived { id, addr, echo };
                self.event(now, Some(i), kind);
                let port = a.port.unwrap_or(self.remotes[0].sa.port);
                let sa = SocketAddr::new(addr, port);
                match self.remotes.iter_mut().find(|r| r.sa == sa) {
                    Some(r) => {
                        r.removed = false;
                        r.id = id;
                    }
                    None => self.remotes.push(Remote {
                        sa,
                        id,
                        removed: false,
                    }),
                }
                let sf = &mut self.subflows[i];
                sf.mp.add_addr = Some(AddAddrRepr {
                    kind: AddAddrKind::V1Echo,
                    ..*a
                });
                // Linux `mptcp_pm_add_addr_send_ack`: the echo leaves on a pure ACK at once.
                sf.sock.request_pure_ack();
            }
            AddAddrKind::V1Echo if !self.initiator => {
                self.mib.inc(MibField::EchoAdd);
                let echo = true;
                let kind = MptcpEventKind::AddAddrReceived { id, addr, echo };
                self.event(now, Some(i), kind);
                if let Some(a) = self.announce.iter_mut().find(|a| a.id == id) {
                    a.echoed = true;
                }
            }
            _ => {}
        }
    }
}
