//! Input of an [`MptcpConnection`]: a packet of one of its subflows.
//!
//! Order of work per packet: resets; the handshake gate (MP_CAPABLE keys, MP_JOIN HMACs
//! verified on receipt — a wrong HMAC refuses the subflow with RST + MP_TCPRST and the
//! connection goes on; segments a listener cannot attribute yet are not admitted); the
//! subflow's TCP processing with the coupling view of the other subflows; then the MPTCP
//! options: DATA_ACK and window, DSS mappings (data delivered at the data level, duplicates
//! counted once), DATA_FIN, ADD_ADDR and its echo.

use super::conn::MptcpConnection;
use super::event::{FallbackReason, Handshake, MptcpEventKind, Refusal};
use super::fallback::MappingCheck;
use super::mib::MibField;
use super::send::expand;
use super::stats::SubflowState;
use super::subflow::{dss_data_len, Role};
use crate::cc::{CongestionController, Coupling, SubflowView};
use crate::crypto::{idsn, join_hmac, truncated_hmac160, truncated_hmac64, Key};
use crate::tcp::{reset_reply, TcpState};
use crate::wire::mptcp::{
    CapableForm, DssRepr, JoinRepr, MptcpOption, ResetReason, TcpRstFlags, TcpRstRepr,
};
use crate::wire::{SeqNum, TcpHeader};
use sim_core::{Instant, Packet};

/// The RST (RFC 9293 §3.10.7.1) answering `pkt`, with an MP_TCPRST option (RFC 8684 §3.6,
/// reason "MPTCP-specific error"), or `None` when `pkt` is itself a RST.
pub fn mptcp_reset(pkt: &Packet<TcpHeader>) -> Option<Packet<TcpHeader>> {
    let mut r = reset_reply(pkt)?;
    r.header.options.mptcp.push(MptcpOption::TcpRst(TcpRstRepr {
        flags: TcpRstFlags(0),
        reason: ResetReason::MptcpSpecific,
    }));
    r.size = r.header.packet_size();
    Some(r)
}

fn is_syn_ack(h: &TcpHeader) -> bool {
    h.flags.syn() && h.flags.ack()
}

impl MptcpConnection {
    /// Hints the state a segment of subflow `id` reads first: the subflow's socket and
    /// MPTCP state, and the connection's receive side ([`sim_core::prefetch`]; changes
    /// nothing).
    #[inline]
    pub fn prefetch(&self, id: u32) {
        if let Some(sf) = self.subflows.get(id as usize) {
            sim_core::prefetch::prefetch(sf);
        }
        sim_core::prefetch::prefetch_line(&self.rcv);
    }

    /// A packet for subflow `id` arrived.
    pub fn handle_packet(&mut self, now: Instant, id: u32, pkt: &Packet<TcpHeader>) {
        self.rcv.now = now;
        let i = id as usize;
        let Some(sf) = self.subflows.get(i) else {
            return;
        };
        let h = &pkt.header;
        if sf.mp.dead {
            // The subflow's socket is gone: the TCP stack answers with a plain RST
            // (RFC 9293 §3.10.7.1), as for any segment without a connection.
            self.outbox.extend(reset_reply(pkt));
            return;
        }
        if h.flags.rst() {
            if !self.on_fast_close(now, i, pkt) {
                self.on_rst(now, i, pkt);
            }
            return;
        }
        if !self.admit(now, i, pkt) {
            return;
        }
        let data_off = (h.payload_len > 0).then(|| self.subflows[i].sock.rcv_offset(h.seq));
        let was = self.subflows[i].sock.state();
        let una_before = self.subflows[i].sock.snd_una();
        if self.subflows[i].sock.ack_may_reach_cc() {
            self.fill_views(i);
        } else {
            // Unread (see `ack_may_reach_cc`): not gathered over every subflow.
            self.views.clear();
        }
        let coupling = Coupling {
            others: &self.views,
        };
        self.subflows[i]
            .sock
            .handle_packet_coupled(now, pkt, &coupling);
        self.absorb(i);
        self.after_handshake(now, i, was, h);
        if self.fallback.is_none() && self.remote_key.is_some() {
            self.on_options(now, i, h, data_off);
            self.check_stripped(now, i, h, data_off, una_before);
        }
        if self.fallback.is_some() {
            self.on_fallback_segment(now, i, h, data_off);
        }
        let sf = &mut self.subflows[i];
        sf.sock.recv();
        let una = sf.sock.snd_una();
        sf.mp.map.prune(una);
        self.after_subflow_change(now, i);
    }

    /// The coupling view for subflow `i`: the other subflows that can send and have an RTT.
    /// Each subflow's view is read from its socket again only when the socket changed since
    /// (its generation) or the DSS size did.
    pub(crate) fn fill_views(&mut self, i: usize) {
        self.views.clear();
        let ack64 = self.rcv.ack64;
        for (j, s) in self.subflows.iter().enumerate() {
            if j == i || s.mp.dead || s.mp.state != SubflowState::Established {
                continue;
            }
            let g = s.sock.generation();
            let view = match s.mp.coupling.get() {
                Some((cg, c64, v)) if cg == g && c64 == ack64 => v,
                _ => {
                    let v = SubflowView {
                        cwnd: s.sock.cwnd(),
                        srtt: s.sock.srtt(),
                        bytes_in_flight: s.sock.bytes_in_flight(),
                        smss: s.sock.data_payload(dss_data_len(ack64)),
                        ssthresh: s.sock.congestion_controller().ssthresh(),
                        in_recovery: s.sock.in_fast_recovery(),
                        loss_interval: s.sock.congestion_controller().loss_interval(),
                    };
                    s.mp.coupling.set(Some((g, ack64, v)));
                    v
                }
            };
            if view.srtt.is_some() {
                self.views.push(view);
            }
        }
    }

    fn learn_remote_key(&mut self, k: Key) {
        if self.remote_key.is_none() {
            self.remote_key = Some(k);
            self.rcv.idsn = Some(idsn(k));
        }
    }

    fn refuse(&mut self, now: Instant, i: usize, pkt: &Packet<TcpHeader>, why: Refusal) {
        if let Some(rst) = mptcp_reset(pkt) {
            self.mib.inc(MibField::MpRstTx);
            self.outbox.push_back(rst);
        }
        self.subflows[i].mp.pm_block = true;
        let why = MptcpEventKind::SubflowRefused(why);
        self.kill(now, i, SubflowState::Refused, Some(why));
    }

    /// The handshake gate: keys and HMACs. Returns false when the packet must not reach the
    /// subflow's socket.
    fn admit(&mut self, now: Instant, i: usize, pkt: &Packet<TcpHeader>) -> bool {
        let h = &pkt.header;
        match (self.subflows[i].mp.role, self.subflows[i].sock.state()) {
            (Role::CapableServer, TcpState::SynReceived) => self.admit_capable_ack(now, i, h),
            (Role::CapableClient, TcpState::SynSent) if is_syn_ack(h) => {
                self.admit_capable_syn_ack(now, i, pkt)
            }
            (Role::JoinClient { nonce, .. }, TcpState::SynSent) if is_syn_ack(h) => {
                self.admit_join_syn_ack(now, i, pkt, nonce)
            }
            (Role::JoinServer { nonce, peer_nonce }, TcpState::SynReceived) => {
                self.admit_join_ack(now, i, pkt, (nonce, peer_nonce))
            }
            _ => true,
        }
    }

    /// The listener's initial subflow in SYN-RECEIVED: a retransmitted SYN, or the third
    /// ACK (or first data) that must echo our key and carry the peer's.
    fn admit_capable_ack(&mut self, now: Instant, i: usize, h: &TcpHeader) -> bool {
        if h.flags.syn() {
            let kind = MptcpEventKind::CapableReceived(Handshake::Syn);
            self.event(now, Some(i), kind);
            return true;
        }
        let lk = self.local_key;
        let key = h.options.mptcp.iter().find_map(|o| match o {
            MptcpOption::Capable(c) => match c.form {
                CapableForm::BothKeys {
                    sender_key,
                    receiver_key,
                }
                | CapableForm::WithData {
                    sender_key,
                    receiver_key,
                    ..
                } if receiver_key == lk => Some(sender_key),
                _ => None,
            },
            _ => None,
        });
        let Some(k) = key else {
            let capable = (h.options.mptcp.iter()).any(|o| matches!(o, MptcpOption::Capable(_)));
            if !capable && self.fallback.is_none() {
                // RFC 8684 §3.7: the third ACK lost its MP_CAPABLE on the way.
                self.mib.inc(MibField::MpCapableFallbackAck);
                self.fall_back(now, i, FallbackReason::AckWithoutMpCapable, (1, 1));
            }
            return self.fallback.is_some();
        };
        self.mib.inc(MibField::MpCapableAckRx);
        let kind = MptcpEventKind::CapableReceived(Handshake::Ack);
        self.event(now, Some(i), kind);
        self.learn_remote_key(k);
        self.fully_established = true;
        true
    }

    /// The initiator's initial subflow: the SYN-ACK must carry MP_CAPABLE with the peer's
    /// key.
    fn admit_capable_syn_ack(&mut self, now: Instant, i: usize, pkt: &Packet<TcpHeader>) -> bool {
        let h = &pkt.header;
        let key = h.options.mptcp.iter().find_map(|o| match o {
            MptcpOption::Capable(c) => match c.form {
                CapableForm::SenderKey { sender_key } => Some((sender_key, c.flags)),
                _ => None,
            },
            _ => None,
        });
        self.snd.set_initial_window(u64::from(h.window));
        match key {
            Some((k, flags)) if self.fallback.is_none() => {
                let kind = MptcpEventKind::CapableReceived(Handshake::SynAck);
                self.event(now, Some(i), kind);
                self.mib.inc(MibField::MpCapableSynAckRx);
                // RFC 8684 §3.1: checksums if either end asks; `C`: no joins to this address.
                self.checksum_on |= flags.checksum_required();
                self.peer_deny_join_id0 = flags.no_join_initial_address();
                self.learn_remote_key(k);
            }
            None if self.fallback.is_none() => {
                // RFC 8684 §3.7: no MP_CAPABLE (a peer without MPTCP, or stripped on the
                // way): the connection goes on as TCP.
                self.mib.inc(MibField::MpCapableFallbackSynAck);
                self.fall_back(now, i, FallbackReason::SynAckWithoutMpCapable, (1, 1));
            }
            _ => {}
        }
        true
    }

    /// A join's SYN-ACK at the initiator (our nonce `nonce`): the listener's truncated HMAC
    /// must verify.
    fn admit_join_syn_ack(
        &mut self,
        now: Instant,
        i: usize,
        pkt: &Packet<TcpHeader>,
        nonce: u32,
    ) -> bool {
        let kind = MptcpEventKind::JoinReceived(Handshake::SynAck);
        self.event(now, Some(i), kind);
        let got = pkt.header.options.mptcp.iter().find_map(|o| match o {
            MptcpOption::Join(JoinRepr::SynAck {
                truncated_hmac,
                random,
                backup,
                ..
            }) => Some((*truncated_hmac, *random, *backup)),
            _ => None,
        });
        if let Some((_, _, backup)) = got {
            self.mib.inc(MibField::MpJoinSynAckRx);
            if backup {
                self.mib.inc(MibField::MpJoinSynAckBackupRx);
            }
        }
        let got = got.map(|(mac, r, _)| (mac, r));
        // RFC 8684 §3.2: B's HMAC = HMAC(Key-B ‖ Key-A, R-B ‖ R-A), leftmost 64 bits.
        let ok = match (got, self.remote_key) {
            (Some((mac, r)), Some(rk)) => {
                mac == truncated_hmac64(&join_hmac(rk, self.local_key, r, nonce))
            }
            _ => false,
        };
        if let (true, Some((_, r))) = (ok, got) {
            if let Role::JoinClient { peer_nonce, .. } = &mut self.subflows[i].mp.role {
                *peer_nonce = Some(r);
            }
            self.event(now, Some(i), MptcpEventKind::JoinAccepted);
            return true;
        }
        let why = if got.is_some() {
            self.mib.inc(MibField::MpJoinSynAckHmacFailure);
            Refusal::BadHmac
        } else {
            Refusal::NotMptcp
        };
        self.refuse(now, i, pkt, why);
        false
    }

    /// A join at the listener in SYN-RECEIVED (`nonces`: ours, the initiator's): a
    /// retransmitted SYN, or the third ACK whose full HMAC must verify.
    fn admit_join_ack(
        &mut self,
        now: Instant,
        i: usize,
        pkt: &Packet<TcpHeader>,
        nonces: (u32, u32),
    ) -> bool {
        let h = &pkt.header;
        if h.flags.syn() {
            self.event(now, Some(i), MptcpEventKind::JoinReceived(Handshake::Syn));
            return true;
        }
        let mac = h.options.mptcp.iter().find_map(|o| match o {
            MptcpOption::Join(JoinRepr::Ack { hmac }) => Some(*hmac),
            _ => None,
        });
        let Some(mac) = mac else {
            return false;
        };
        self.event(now, Some(i), MptcpEventKind::JoinReceived(Handshake::Ack));
        let (nonce, peer_nonce) = nonces;
        // RFC 8684 §3.2: A's HMAC = HMAC(Key-A ‖ Key-B, R-A ‖ R-B), 160 bits.
        let ok = self.remote_key.is_some_and(|rk| {
            mac == truncated_hmac160(&join_hmac(rk, self.local_key, peer_nonce, nonce))
        });
        if ok {
            self.mib.inc(MibField::MpJoinAckRx);
            self.event(now, Some(i), MptcpEventKind::JoinAccepted);
        } else {
            self.mib.inc(MibField::MpJoinAckHmacFailure);
            self.refuse(now, i, pkt, Refusal::BadHmac);
        }
        ok
    }

    fn after_handshake(&mut self, now: Instant, i: usize, was: TcpState, h: &TcpHeader) {
        let id = Some(i);
        let handshaking = |s: TcpState| matches!(s, TcpState::SynSent | TcpState::SynReceived);
        let sf = &mut self.subflows[i];
        let became = handshaking(was) && !handshaking(sf.sock.state());
        match &mut sf.mp.role {
            Role::CapableClient | Role::CapableServer if became => {
                sf.mp.state = SubflowState::Established;
                if self.established_at.is_none() {
                    self.established_at = Some(now);
                    self.event(now, None, MptcpEventKind::ConnectionEstablished);
                }
                self.event(now, id, MptcpEventKind::SubflowEstablished);
            }
            Role::JoinServer { .. } if became => {
                sf.mp.state = SubflowState::Established;
                // RFC 8684 §3.2: the listener acknowledges the third ACK.
                sf.sock.request_ack();
                self.infinite_ok = false;
                self.event(now, id, MptcpEventKind::SubflowEstablished);
            }
            Role::JoinClient {
                acked,
                peer_nonce: Some(_),
                ..
            } if !*acked => {
                if became {
                    sf.mp.third_ack_rtx_at = Some(now + sf.sock.rto());
                } else if !handshaking(was) && !h.flags.syn() && h.flags.ack() {
                    *acked = true;
                    sf.mp.state = SubflowState::Established;
                    sf.mp.third_ack_rtx_at = None;
                    self.infinite_ok = false;
                    self.event(now, id, MptcpEventKind::SubflowEstablished);
                }
            }
            _ => {}
        }
        let has_dss = h
            .options
            .mptcp
            .iter()
            .any(|o| matches!(o, MptcpOption::Dss(_)));
        if self.initiator && has_dss {
            self.fully_established = true;
        }
    }

    fn on_options(&mut self, now: Instant, i: usize, h: &TcpHeader, data_off: Option<u64>) {
        for opt in h.options.mptcp.iter() {
            match opt {
                MptcpOption::Dss(d) => self.on_dss(now, i, h, d, data_off),
                MptcpOption::Capable(c) if !self.initiator => {
                    if let (
                        CapableForm::WithData {
                            data_len, checksum, ..
                        },
                        Some(off),
                    ) = (c.form, data_off)
                    {
                        // RFC 8684 §3.1: the implicit mapping DSN = IDSN + 1, SSN = 1.
                        let m = crate::wire::mptcp::DssMapping {
                            dsn: crate::wire::mptcp::SeqField::Long(0),
                            subflow_seq: 1,
                            data_len,
                            checksum,
                        };
                        let wire = self.rcv.idsn.unwrap_or(0).wrapping_add(1);
                        self.subflows[i].mp.last_rx_map = Some((1, 1));
                        let check = self.check_checksum(now, i, h, &m, wire, 1, off, false);
                        if check != MappingCheck::Discard {
                            let len = u64::from(data_len);
                            self.on_mapped_data(1, 1, len, off, u64::from(h.payload_len));
                        }
                    }
                }
                MptcpOption::Fail(f) => self.on_mp_fail(now, i, f.dsn),
                MptcpOption::AddAddr(a) => self.on_add_addr(now, i, a),
                MptcpOption::Prio(p) => self.on_prio(now, i, p.backup),
                MptcpOption::RemoveAddr(r) => self.on_remove_addr(now, i, r),
                _ => {}
            }
        }
    }

    fn on_dss(
        &mut self,
        now: Instant,
        i: usize,
        h: &TcpHeader,
        d: &DssRepr,
        data_off: Option<u64>,
    ) {
        if let Some(ack) = d.data_ack {
            let off = self.snd.ack_offset(ack);
            // RFC 8684 §3.3.5: the window field is relative to the DATA_ACK.
            let wnd = u64::from(h.window) << self.subflows[i].sock.peer_window_shift();
            self.snd.on_data_ack(off, wnd);
        }
        let (Some(m), Some(base)) = (d.mapping, self.rcv.idsn) else {
            return;
        };
        let dsn = expand(m.dsn, base, self.rcv.ack);
        let len = u64::from(m.data_len);
        if d.data_fin && m.subflow_seq == 0 && len == 1 {
            // RFC 8684 §3.3.3: a DATA_FIN not attached to subflow data.
            self.on_data_fin(now, i, base, dsn);
            return;
        }
        // RFC 8684 §3.3.2: a 64-bit DSN is acknowledged with a 64-bit DATA_ACK (Linux
        // get_mapping_status: use_64bit_ack = dsn64 of the latest mapping).
        self.rcv.ack64 = matches!(m.dsn, crate::wire::mptcp::SeqField::Long(_));
        let Some(off) = data_off else {
            return;
        };
        let ssn = SeqNum(m.subflow_seq).to_offset(SeqNum(0), off);
        if len == 0 && !d.data_fin {
            // RFC 8684 §3.7: the infinite mapping; this segment is the first it maps.
            self.on_infinite_mapping(now, i, ssn, dsn);
            return;
        }
        if !(ssn..ssn + len).contains(&off) {
            // The mapping does not cover the segment (Linux `validate_mapping`).
            self.mib.inc(MibField::DssNoMatchTcp);
            self.on_unmapped_data(now, i, FallbackReason::MappingMismatch);
            return;
        }
        self.subflows[i].mp.last_rx_map = Some((ssn, dsn));
        let wire = base.wrapping_add(dsn);
        match self.check_checksum(now, i, h, &m, wire, ssn, off, d.data_fin) {
            MappingCheck::Discard => return,
            MappingCheck::Deliver | MappingCheck::DeliverFailed => {}
        }
        self.on_mapped_data(ssn, dsn, len, off, u64::from(h.payload_len));
        if d.data_fin && len > 0 {
            self.on_data_fin(now, i, base, dsn + len - 1);
        }
    }

    /// After the options of a segment with payload at `data_off` on subflow `i`: data
    /// without any mapping, or our data acknowledged by a segment without any DSS (every ACK
    /// of an MPTCP peer carries its DATA_ACK), means options are stripped on the way (RFC
    /// 8684 §3.7).
    fn check_stripped(
        &mut self,
        now: Instant,
        i: usize,
        h: &TcpHeader,
        data_off: Option<u64>,
        una_before: u64,
    ) {
        if self.subflows[i].mp.dead || self.fallback.is_some() {
            return;
        }
        let mapped = h.options.mptcp.iter().any(|o| match o {
            MptcpOption::Dss(d) => d.mapping.is_some(),
            MptcpOption::Capable(c) => matches!(c.form, CapableForm::WithData { .. }),
            _ => false,
        });
        if data_off.is_some() && !mapped {
            self.on_unmapped_data(now, i, FallbackReason::DataWithoutDss);
            return;
        }
        let has_dss = (h.options.mptcp.iter()).any(|o| matches!(o, MptcpOption::Dss(_)));
        let acked_data = self.subflows[i].sock.snd_una() > una_before.max(1);
        if acked_data && !has_dss && i == 0 && self.infinite_fallback_allowed() {
            let rx = self.subflows[i].mp.last_rx_map.unwrap_or((1, 1));
            self.fall_back(now, i, FallbackReason::AckWithoutDataAck, rx);
        }
    }

    /// The peer's DATA_FIN at data offset `off` (from its IDSN `base`) arrived on subflow `i`.
    fn on_data_fin(&mut self, now: Instant, i: usize, base: u64, off: u64) {
        self.rcv.on_data_fin(off);
        self.subflows[i].sock.request_ack();
        let dsn = base.wrapping_add(off);
        self.event(now, Some(i), MptcpEventKind::DataFinReceived { dsn });
    }

    /// Payload `[off, off + payload)` of a segment under the mapping `len` octets from
    /// subflow offset `ssn` to data offset `dsn`: the part inside the mapping goes to the
    /// data level (anything outside it is ignored, never trusted).
    fn on_mapped_data(&mut self, ssn: u64, dsn: u64, len: u64, off: u64, payload: u64) {
        let (lo, hi) = (off.max(ssn), (off + payload).min(ssn + len));
        if lo < hi {
            self.rcv.on_data(dsn + (lo - ssn), hi - lo);
        }
    }

    fn on_rst(&mut self, now: Instant, i: usize, pkt: &Packet<TcpHeader>) {
        let reason = pkt.header.options.mptcp.iter().find_map(|o| match o {
            MptcpOption::TcpRst(r) => Some(r.reason),
            _ => None,
        });
        if reason.is_some() {
            self.mib.inc(MibField::MpRstRx);
        }
        let fail = pkt.header.options.mptcp.iter().find_map(|o| match o {
            MptcpOption::Fail(f) => Some(f.dsn),
            _ => None,
        });
        if let Some(dsn) = fail {
            self.mib.inc(MibField::MpFailRx);
            self.event(now, Some(i), MptcpEventKind::FailReceived { dsn });
        }
        self.subflows[i].sock.handle_packet(now, pkt);
        self.absorb(i);
        if self.subflows[i].sock.state() != TcpState::Closed {
            return;
        }
        self.event(now, Some(i), MptcpEventKind::ResetReceived { reason });
        if self.subflows[i].mp.state == SubflowState::Joining {
            self.subflows[i].mp.pm_block = true;
            let why = MptcpEventKind::SubflowRefused(Refusal::PeerReset);
            self.kill(now, i, SubflowState::Refused, Some(why));
        } else {
            let closed = self.subflows[i].mp.state == SubflowState::Closed;
            let why = MptcpEventKind::SubflowClosed { reset: true };
            self.kill(now, i, SubflowState::Closed, (!closed).then_some(why));
        }
    }
}
