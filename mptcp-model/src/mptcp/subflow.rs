//! One subflow: a [`TcpSocket`] plus its MPTCP state — handshake role, DSS mapping table,
//! pending signals — and the [`SegmentHook`] that puts the MPTCP options on its segments.
//!
//! **Mappings.** The connection hands a subflow data one segment's worth at a time and
//! records a [`Mapping`] (subflow offset, data offset, length) in the subflow's
//! [`MappingTable`], as Linux maps per skb. The hook's [`SegmentHook::payload_limit`] stops
//! the socket at the end of the mapping a segment starts in, so a segment never spans two
//! mappings, and [`SegmentHook::decorate`] finds the mapping again (binary search, O(log n))
//! for retransmissions, which therefore carry the very same mapping. Mappings leave the table
//! when the subflow's cumulative ACK passes them. No allocation per packet: the table is a
//! `VecDeque` reused in place.

use super::event::{Handshake, MptcpEvent, MptcpEventKind};
use super::mib::{MibField, MptcpMib};
use super::send::DataSend;
use super::stats::SubflowState;
use crate::crypto::{join_hmac, token, truncated_hmac160, truncated_hmac64, Key};
use crate::event::{Event, SubflowId};
use crate::tcp::{SegmentHook, SegmentInfo, SegmentKind, TcpSocket};
use crate::wire::mptcp::{
    AddAddrKind, AddAddrRepr, CapableFlags, CapableForm, CapableRepr, DssMapping, DssRepr,
    FailRepr, JoinRepr, MptcpOption, PrioRepr, RemoveAddrRepr, SeqField,
};
use crate::wire::packet::dss_checksum;
use crate::wire::tcp_options::MAX_OPTIONS_LEN;
use crate::wire::TcpOptions;
use sim_core::{Addr, Instant};
use std::collections::VecDeque;

/// Octets a data segment's DSS takes (RFC 8684 §3.3): 4, the data ACK, 8 (DSN), 4 (SSN),
/// 2 (length) and, with checksums, 2 more, padded to 4. The data ACK is 4 octets until the
/// peer sends a mapping with a 64-bit DSN, then 8 (§3.3.2; Linux `use_64bit_ack`): 24
/// octets, with or without the checksum, for a 32-bit data ACK, 28 for a 64-bit one.
pub const fn dss_data_len(ack64: bool) -> usize {
    if ack64 {
        28
    } else {
        24
    }
}

/// The DSS of a data segment from a host that receives no data (a bulk sender): Linux sends
/// a 32-bit data ACK with the 64-bit DSN, 24 octets.
pub const DSS_DATA_LEN: usize = dss_data_len(false);

/// `len` octets from subflow offset `ssn` carry data offsets `dsn..dsn + len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Mapping {
    /// Subflow sequence offset (from the subflow ISN; the first data byte is 1).
    pub(crate) ssn: u64,
    /// Data sequence offset (from our IDSN).
    pub(crate) dsn: u64,
    /// Length in bytes.
    pub(crate) len: u64,
}

/// A subflow's live mappings, ordered by subflow offset.
#[derive(Clone, Debug, Default)]
pub(crate) struct MappingTable {
    maps: VecDeque<Mapping>,
}

impl MappingTable {
    /// Appends a mapping (subflow offsets only grow).
    pub(crate) fn push(&mut self, m: Mapping) {
        debug_assert!(self.maps.back().is_none_or(|b| b.ssn + b.len <= m.ssn));
        self.maps.push_back(m);
    }

    /// The mapping containing subflow offset `off`. New data starts in the last mapping and
    /// a retransmission mostly at SND.UNA, in the first: both are answered without a search
    /// (O(1)); anything else by binary search (O(log n)).
    pub(crate) fn find(&self, off: u64) -> Option<Mapping> {
        let (first, last) = (self.maps.front()?, self.maps.back()?);
        if off >= last.ssn {
            return (off < last.ssn + last.len).then_some(*last);
        }
        if off < first.ssn + first.len {
            return (off >= first.ssn).then_some(*first);
        }
        let i = self.maps.partition_point(|m| m.ssn + m.len <= off);
        self.maps.get(i).copied().filter(|m| m.ssn <= off)
    }

    /// Drops the mappings entirely below subflow offset `una`.
    pub(crate) fn prune(&mut self, una: u64) {
        while self.maps.front().is_some_and(|m| m.ssn + m.len <= una) {
            self.maps.pop_front();
        }
    }

    /// The live mappings.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Mapping> + '_ {
        self.maps.iter()
    }
}

/// The handshake role of a subflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// The initial subflow, at the initiator (MP_CAPABLE).
    CapableClient,
    /// The initial subflow, at the listener.
    CapableServer,
    /// A joined subflow, at its initiator; `peer_nonce` once the SYN-ACK verified;
    /// `acked` once the listener acknowledged the third ACK (the "fourth ACK").
    JoinClient {
        nonce: u32,
        peer_nonce: Option<u32>,
        acked: bool,
    },
    /// A joined subflow, at the listener.
    JoinServer { nonce: u32, peer_nonce: u32 },
}

/// The MPTCP state of one subflow (everything but its socket).
#[derive(Clone, Debug)]
pub(crate) struct SubflowMp {
    pub(crate) id: SubflowId,
    /// A later subflow re-creates this one (see [`SubflowId::recreated_from`]).
    pub(crate) recreated: bool,
    pub(crate) role: Role,
    pub(crate) state: SubflowState,
    /// Failed for good (interface down, reset): the socket is abandoned.
    pub(crate) dead: bool,
    pub(crate) backup: bool,
    /// The path manager must not retry this subflow's pair (refused / timed out).
    pub(crate) pm_block: bool,
    /// Index of the local address (its address id).
    pub(crate) local: usize,
    /// Index of the remote address.
    pub(crate) remote: usize,
    /// The peer's address id of the remote end (RFC 8684 §3.2: 0 for the initial subflow,
    /// the MP_JOIN's or the ADD_ADDR's id otherwise).
    pub(crate) remote_id: u8,
    pub(crate) map: MappingTable,
    /// Put the DATA_FIN on the next pure ACK.
    pub(crate) send_data_fin: bool,
    /// ADD_ADDR (announcement or echo) for the next pure ACK.
    pub(crate) add_addr: Option<AddAddrRepr>,
    /// REMOVE_ADDR for the next pure ACK.
    pub(crate) remove_addr: Option<RemoveAddrRepr>,
    /// MP_FAIL (the failed mapping's wire DSN) for the next pure ACK.
    pub(crate) send_fail: Option<u64>,
    /// The infinite mapping for the next data segment (RFC 8684 §3.7).
    pub(crate) send_infinite: Option<DssMapping>,
    /// The last mapping received: (subflow offset, data offset) of its start. On a
    /// connection that only ever had this subflow it aligns the whole stream.
    pub(crate) last_rx_map: Option<(u64, u64)>,
    /// Retransmit the join's third ACK then (RFC 8684 §3.2: until it is acknowledged).
    pub(crate) third_ack_rtx_at: Option<Instant>,
    /// Lifetime extremes of the smoothed RTT (BLEST's `min_srtt` / `max_srtt`).
    pub(crate) srtt_min: Option<sim_core::Duration>,
    pub(crate) srtt_max: Option<sim_core::Duration>,
    /// Last opportunistic penalisation decided from this subflow (`last_rbuf_opti`).
    pub(crate) last_rbuf_opti: Option<Instant>,
    /// Redundant scheduler: the data offset up to which this subflow sent its copy.
    pub(crate) red_nxt: u64,
    /// MP_PRIO to put on the next pure ACK (RFC 8684 §3.3.8): the new backup flag.
    pub(crate) send_prio: Option<bool>,
    /// The socket generation and DSS size the connection's scheduler view of this subflow
    /// was read at (`None`: never).
    pub(crate) sched_key: Option<(u32, bool)>,
    /// The subflow counts as degraded ([`super::Degraded`]), as of `sched_key`.
    pub(crate) degraded: bool,
    /// The coupling view of this subflow and the socket generation and DSS size it was read
    /// at.
    /// (A cache: written through a shared reference, so reading the views marks nothing.)
    pub(crate) coupling: std::cell::Cell<Option<(u32, bool, crate::cc::SubflowView)>>,
    /// The socket's [`TcpSocket::poll_timeout`] and the socket generation it was read at.
    pub(crate) sock_deadline: std::cell::Cell<Option<(u32, Option<Instant>)>>,
}

impl SubflowMp {
    /// MPTCP state for subflow `id` of role `role` between local `local` and remote `remote`.
    pub(crate) fn new(
        id: SubflowId,
        role: Role,
        local: usize,
        remote: usize,
        backup: bool,
    ) -> Self {
        SubflowMp {
            id,
            recreated: false,
            role,
            state: SubflowState::Joining,
            dead: false,
            backup,
            pm_block: false,
            local,
            remote,
            remote_id: 0,
            map: MappingTable::default(),
            send_data_fin: false,
            add_addr: None,
            remove_addr: None,
            send_fail: None,
            send_infinite: None,
            last_rx_map: None,
            third_ack_rtx_at: None,
            srtt_min: None,
            srtt_max: None,
            last_rbuf_opti: None,
            red_nxt: 0,
            send_prio: None,
            sched_key: None,
            degraded: false,
            coupling: std::cell::Cell::new(None),
            sock_deadline: std::cell::Cell::new(None),
        }
    }

    /// Joining, established or potentially failed (not dead, closed or refused).
    pub(crate) fn active(&self) -> bool {
        !self.dead
            && matches!(
                self.state,
                SubflowState::Joining | SubflowState::Established | SubflowState::Failed
            )
    }
}

/// One subflow.
#[derive(Clone, Debug)]
pub(crate) struct Subflow {
    pub(crate) sock: TcpSocket,
    pub(crate) mp: SubflowMp,
}

impl Subflow {
    /// The socket's next deadline, asked of the socket again only when its generation
    /// changed since the last answer (the connection's deadline is the least over its
    /// subflows, wanted after every call into the connection).
    #[inline]
    pub(crate) fn sock_deadline(&self) -> Option<Instant> {
        let g = self.sock.generation();
        match self.mp.sock_deadline.get() {
            Some((cg, t)) if cg == g => {
                debug_assert_eq!(t, self.sock.poll_timeout(), "stale subflow deadline");
                t
            }
            _ => {
                let t = self.sock.poll_timeout();
                self.mp.sock_deadline.set(Some((g, t)));
                t
            }
        }
    }
}

/// Connection-level values every segment's options need (copied before polling).
#[derive(Clone, Copy, Debug)]
pub(crate) struct TxCtx {
    pub(crate) local_key: Key,
    pub(crate) remote_key: Option<Key>,
    /// Wire DATA_ACK (peer IDSN + our ack offset), once the peer's key is known.
    pub(crate) data_ack: Option<u64>,
    /// Shared receive window to advertise (bytes).
    pub(crate) window: u64,
    /// The initiator has received a DSS: the listener surely has both keys.
    pub(crate) fully_established: bool,
    /// Wire DSN of our DATA_FIN, if it is to be sent.
    pub(crate) data_fin: Option<u64>,
    /// Our IDSN.
    pub(crate) idsn: u64,
    /// DSS checksums in use (RFC 8684 §3.3.1): computed over each mapping's payload.
    pub(crate) checksum: bool,
    /// The connection fell back to TCP: no MPTCP options but a pending MP_FAIL and the
    /// infinite mapping.
    pub(crate) fallback: bool,
    /// We ask the peer not to join our initial address (MP_CAPABLE `C` flag).
    pub(crate) deny_join_id0: bool,
    /// The peer's last mapping had a 64-bit DSN: our data ACK is 64 bits too (RFC 8684
    /// §3.3.2), else 32 (Linux `use_64bit_ack`).
    pub(crate) ack64: bool,
}

impl TxCtx {
    /// The DATA_ACK field as sent: 64 or 32 bits.
    fn data_ack_field(&self) -> Option<SeqField> {
        self.data_ack.map(|a| {
            if self.ack64 {
                SeqField::Long(a)
            } else {
                // The least significant 32 bits (RFC 8684 §3.3.1).
                SeqField::Short(a as u32)
            }
        })
    }
}

impl TxCtx {
    /// Values from the connection's state.
    pub(crate) fn new(snd: &DataSend, base: TxCtx) -> Self {
        TxCtx {
            data_fin: snd.fin_to_send().map(|o| snd.dsn(o)),
            ..base
        }
    }

    fn capable_flags(&self) -> CapableFlags {
        let mut f = CapableFlags::HMAC_SHA256;
        if self.checksum {
            f |= CapableFlags::CHECKSUM_REQUIRED;
        }
        if self.deny_join_id0 {
            f |= CapableFlags::NO_JOIN_INITIAL_ADDRESS;
        }
        CapableFlags(f)
    }
}

/// The [`SegmentHook`] of an MPTCP subflow. It reports the handshake steps and signals it
/// puts on segments into `events` (as sent at `now`).
pub(crate) struct SubflowHook<'a> {
    pub(crate) mp: &'a mut SubflowMp,
    pub(crate) ctx: TxCtx,
    pub(crate) events: &'a mut VecDeque<MptcpEvent>,
    pub(crate) mib: &'a mut MptcpMib,
    pub(crate) now: Instant,
}

fn push(opts: &mut TcpOptions, o: MptcpOption) -> bool {
    let fits = opts.buffer_len() - sack_octets(opts) + o.buffer_len().next_multiple_of(4)
        <= MAX_OPTIONS_LEN;
    fits && opts.mptcp.push(o)
}

fn sack_octets(o: &TcpOptions) -> usize {
    if o.sack.is_empty() {
        0
    } else {
        4 + 8 * o.sack.len()
    }
}

impl SubflowHook<'_> {
    /// Reports that this subflow's segment carries `kind`.
    fn sent(&mut self, kind: MptcpEventKind) {
        self.events.push_back(MptcpEvent {
            at: self.now,
            subflow: Some(self.mp.id),
            event: Event::Mptcp(kind),
        });
    }

    fn capable(&self, form: CapableForm) -> MptcpOption {
        MptcpOption::Capable(CapableRepr {
            version: CapableRepr::VERSION_1,
            flags: self.ctx.capable_flags(),
            form,
        })
    }

    fn syn(&self, synack: bool) -> Option<MptcpOption> {
        let ctx = &self.ctx;
        Some(match (self.mp.role, synack) {
            (Role::CapableClient, false) => self.capable(CapableForm::Syn),
            (Role::CapableServer, true) => self.capable(CapableForm::SenderKey {
                sender_key: ctx.local_key,
            }),
            (Role::JoinClient { nonce, .. }, false) => MptcpOption::Join(JoinRepr::Syn {
                backup: self.mp.backup,
                addr_id: self.mp.local as u8,
                token: token(ctx.remote_key?),
                random: nonce,
            }),
            (Role::JoinServer { nonce, peer_nonce }, true) => {
                // RFC 8684 §3.2: B's HMAC = HMAC(Key-B ‖ Key-A, R-B ‖ R-A), leftmost 64 bits.
                let h = join_hmac(ctx.local_key, ctx.remote_key?, nonce, peer_nonce);
                MptcpOption::Join(JoinRepr::SynAck {
                    backup: self.mp.backup,
                    addr_id: self.mp.local as u8,
                    truncated_hmac: truncated_hmac64(&h),
                    random: nonce,
                })
            }
            _ => return None,
        })
    }

    fn data(&self, start: u64, len: u64) -> Option<MptcpOption> {
        let ctx = &self.ctx;
        let m = self.mp.map.find(start)?;
        debug_assert!(start + len <= m.ssn + m.len, "segment crosses its mapping");
        let dsn = ctx.idsn.wrapping_add(m.dsn);
        // RFC 8684 §3.3.1: over the pseudo-header and the mapping's payload octets.
        let checksum = ctx
            .checksum
            .then(|| dss_checksum(dsn, m.ssn as u32, m.len as u16, false));
        if self.mp.role == Role::CapableClient && !ctx.fully_established && m.dsn == 1 {
            // RFC 8684 §3.1: the first data packet repeats both keys (the third ACK may
            // have been lost); its mapping is implicit (DSN = IDSN + 1, SSN 1).
            if let (Some(remote), true) = (ctx.remote_key, m.ssn == 1) {
                return Some(self.capable(CapableForm::WithData {
                    sender_key: ctx.local_key,
                    receiver_key: remote,
                    data_len: m.len as u16,
                    checksum,
                }));
            }
        }
        Some(MptcpOption::Dss(DssRepr {
            data_ack: ctx.data_ack_field(),
            mapping: Some(DssMapping {
                dsn: SeqField::Long(dsn),
                // The relative subflow sequence number is 32 bits on the wire.
                subflow_seq: m.ssn as u32,
                data_len: m.len as u16,
                checksum,
            }),
            data_fin: false,
        }))
    }

    /// MP_FAIL (RFC 8684 §3.7) for the next pure ACK, if one is pending.
    fn fail(&mut self, opts: &mut TcpOptions) {
        if let Some(dsn) = self.mp.send_fail {
            if push(opts, MptcpOption::Fail(FailRepr { dsn })) {
                self.mp.send_fail = None;
                self.mib.inc(MibField::MpFailTx);
                self.sent(MptcpEventKind::FailSent { dsn });
            }
        }
    }

    /// The infinite mapping (RFC 8684 §3.7), on the next data segment after a fallback.
    fn infinite(&mut self) -> Option<MptcpOption> {
        let m = self.mp.send_infinite?;
        Some(MptcpOption::Dss(DssRepr {
            data_ack: self.ctx.data_ack_field(),
            mapping: Some(m),
            data_fin: false,
        }))
    }

    fn pure_ack(&mut self, opts: &mut TcpOptions) {
        let ctx = self.ctx;
        self.fail(opts);
        if ctx.fallback {
            return;
        }
        match self.mp.role {
            Role::JoinClient {
                nonce,
                peer_nonce: Some(peer),
                acked: false,
            } => {
                if let Some(rk) = ctx.remote_key {
                    // RFC 8684 §3.2: A's HMAC = HMAC(Key-A ‖ Key-B, R-A ‖ R-B), 160 bits.
                    let h = join_hmac(ctx.local_key, rk, nonce, peer);
                    let ack = MptcpOption::Join(JoinRepr::Ack {
                        hmac: truncated_hmac160(&h),
                    });
                    if push(opts, ack) {
                        self.sent(MptcpEventKind::JoinSent(Handshake::Ack));
                    }
                }
                return;
            }
            Role::CapableClient if !ctx.fully_established => {
                if let Some(rk) = ctx.remote_key {
                    let keys = self.capable(CapableForm::BothKeys {
                        sender_key: ctx.local_key,
                        receiver_key: rk,
                    });
                    if push(opts, keys) {
                        self.sent(MptcpEventKind::CapableSent(Handshake::Ack));
                    }
                }
                return;
            }
            _ => {}
        }
        if ctx.data_ack.is_none() {
            return;
        }
        let fin = ctx.data_fin.filter(|_| self.mp.send_data_fin);
        let dss = DssRepr {
            data_ack: ctx.data_ack_field(),
            // RFC 8684 §3.3.3: a DATA_FIN without data has a mapping of length 1 and
            // subflow sequence number 0.
            mapping: fin.map(|dsn| DssMapping {
                dsn: SeqField::Long(dsn),
                subflow_seq: 0,
                data_len: 1,
                checksum: ctx.checksum.then(|| dss_checksum(dsn, 0, 1, true)),
            }),
            data_fin: fin.is_some(),
        };
        if let (true, Some(dsn)) = (push(opts, MptcpOption::Dss(dss)), fin) {
            self.mp.send_data_fin = false;
            self.sent(MptcpEventKind::DataFinSent { dsn });
        }
        if let Some(b) = self.mp.send_prio {
            let prio = MptcpOption::Prio(PrioRepr {
                backup: b,
                addr_id: None,
            });
            if push(opts, prio) {
                self.mp.send_prio = None;
                self.mib.inc(MibField::MpPrioTx);
                self.sent(MptcpEventKind::PrioSent { backup: b });
            }
        }
        if let Some(r) = self.mp.remove_addr {
            if push(opts, MptcpOption::RemoveAddr(r)) {
                self.mp.remove_addr = None;
                self.mib.inc(MibField::RmAddrTx);
                self.sent(MptcpEventKind::RemoveAddrSent(r));
            }
        }
        if let Some(a) = self.mp.add_addr {
            if push(opts, MptcpOption::AddAddr(a)) {
                self.mp.add_addr = None;
                let echo = a.kind == AddAddrKind::V1Echo;
                self.mib.inc(if echo {
                    MibField::EchoAddTx
                } else {
                    MibField::AddAddrTx
                });
                if let core::net::IpAddr::V4(v4) = a.addr {
                    self.sent(MptcpEventKind::AddAddrSent {
                        id: a.addr_id,
                        addr: Addr(u32::from(v4)),
                        echo,
                    });
                }
            }
        }
    }
}

impl SegmentHook for SubflowHook<'_> {
    fn data_options_len(&self) -> usize {
        if self.ctx.fallback && self.mp.send_infinite.is_none() {
            0
        } else {
            dss_data_len(self.ctx.ack64)
        }
    }

    fn payload_limit(&self, start: u64) -> u64 {
        self.mp
            .map
            .find(start)
            .map_or(u64::MAX, |m| m.ssn + m.len - start)
    }

    fn decorate(&mut self, seg: &SegmentInfo, opts: &mut TcpOptions) {
        if self.ctx.fallback {
            match seg.kind {
                SegmentKind::Data { .. } => {
                    if let Some(o) = self.infinite() {
                        if push(opts, o) {
                            self.mp.send_infinite = None;
                            self.mib.inc(MibField::InfiniteMapTx);
                            self.sent(MptcpEventKind::InfiniteMappingSent);
                        }
                    }
                }
                SegmentKind::Ack => self.fail(opts),
                SegmentKind::Syn | SegmentKind::SynAck => {}
            }
            return;
        }
        let (opt, step) = match seg.kind {
            SegmentKind::Syn => (self.syn(false), Some(Handshake::Syn)),
            SegmentKind::SynAck => (self.syn(true), Some(Handshake::SynAck)),
            SegmentKind::Data { start, len, .. } => (self.data(start, len), None),
            SegmentKind::Ack => {
                self.pure_ack(opts);
                (None, None)
            }
        };
        let Some(o) = opt else {
            return;
        };
        if !push(opts, o) {
            return;
        }
        let capable = matches!(self.mp.role, Role::CapableClient | Role::CapableServer);
        match (step, o) {
            (Some(step), _) if capable => {
                if step == Handshake::Syn {
                    self.mib.inc(MibField::MpCapableSynTx);
                }
                self.sent(MptcpEventKind::CapableSent(step));
            }
            (Some(step), _) => self.sent(MptcpEventKind::JoinSent(step)),
            // RFC 8684 §3.1: the first data segment may carry both keys (the third ACK's).
            (None, MptcpOption::Capable(_)) => {
                self.sent(MptcpEventKind::CapableSent(Handshake::Ack));
            }
            _ => {}
        }
    }

    fn receive_window(&self) -> Option<u64> {
        Some(self.ctx.window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_lookup_and_prune() {
        let mut t = MappingTable::default();
        for k in 0..4u64 {
            t.push(Mapping {
                ssn: 1 + k * 100,
                dsn: 1000 + k * 100,
                len: 100,
            });
        }
        assert_eq!(t.find(0), None);
        assert_eq!(t.find(1).map(|m| m.dsn), Some(1000));
        assert_eq!(t.find(150).map(|m| m.dsn), Some(1100));
        assert_eq!(t.find(401).map(|m| m.dsn), None);
        t.prune(201);
        assert_eq!(t.find(150), None);
        assert_eq!(t.iter().count(), 2);
    }

    /// The first/last fast paths agree with a linear scan, gaps between mappings included.
    #[test]
    fn mapping_lookup_matches_a_scan() {
        let mut t = MappingTable::default();
        assert_eq!(t.find(1), None);
        for (ssn, len) in [(1, 50), (51, 10), (80, 20), (100, 1), (150, 40)] {
            t.push(Mapping {
                ssn,
                dsn: ssn * 7,
                len,
            });
            for off in 0..200 {
                let scan = t.iter().find(|m| m.ssn <= off && off < m.ssn + m.len);
                assert_eq!(t.find(off), scan.copied(), "offset {off}");
            }
        }
    }
}
