//! Fallback to TCP (RFC 8684 §3.7), DSS checksums (§3.3.1) and MP_FAIL.
//!
//! **Fallback.** A connection falls back to plain TCP on its one subflow when MPTCP cannot
//! work on it: the peer's SYN-ACK carries no MP_CAPABLE (a peer without MPTCP, or a
//! middlebox stripped it: counted `MPCapableFallbackSYNACK`), the third ACK carries none
//! (`MPCapableFallbackACK`), data arrives without a DSS mapping, our data is acknowledged
//! without a DATA_ACK before the peer ever sent a DSS, or a DSS checksum fails on the only
//! subflow (the infinite mapping). A connection that never asked for MPTCP (disabled, or a
//! SYN without MP_CAPABLE at a listener) is the same from the start. After a fallback no
//! MPTCP option is sent (but a pending MP_FAIL and the infinite mapping), options received
//! are ignored, and the subflow's byte stream *is* the data stream: its sequence numbers map
//! one to one onto data sequence numbers from the fallback point on (the "infinite
//! mapping"), its cumulative ACK is the DATA_ACK, its FIN the DATA_FIN. No other subflow is
//! opened or accepted. A fallback in the middle of a connection is possible only while it
//! is allowed, as Linux's `allow_infinite_fallback`: no join was ever established and nothing
//! was reinjected, so the one subflow's stream is the whole data stream; otherwise the
//! offending subflow is reset.
//!
//! **Checksums.** Negotiated in the MP_CAPABLE handshake (the `A` flag: used when either
//! end asks), computed by the sender over the mapping's pseudo-header and payload octets
//! (the payload is [`crate::wire::packet::payload_byte`] of the DSN, so a middlebox that
//! rewrites an octet is seen) and verified by the receiver on every segment that carries a
//! whole mapping (the model maps one segment per mapping; retransmissions reuse it). A
//! mismatch (`DataCsumErr`): on the only subflow, while fallback is allowed, the data is
//! kept (Linux delivers it) and an MP_FAIL with the mapping's DSN goes out; the data sender
//! answers with MP_FAIL and an infinite mapping (a DSS with length 0, `InfiniteMapTx` /
//! `InfiniteMapRx`) and both ends fall back. Otherwise the data is discarded and the subflow
//! reset with MP_FAIL and MP_TCPRST "middlebox interference"; the sender reinjects it on
//! another subflow. A mapping that does not cover its segment's subflow sequence numbers
//! (`DSSNoMatchTCP`, an option rewritten on the way) is treated like data without a mapping.

use super::conn::MptcpConnection;
use super::event::{FallbackReason, MptcpEventKind};
use super::mib::MibField;
use super::stats::SubflowState;
use crate::tcp::TcpState;
use crate::wire::mptcp::{
    DssMapping, FailRepr, MptcpOption, ResetReason, SeqField, TcpRstFlags, TcpRstRepr,
};
use crate::wire::packet::dss_checksum_received;
use crate::wire::TcpHeader;
use sim_core::Instant;

/// A connection that fell back to TCP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fallback {
    /// Why.
    pub(crate) reason: FallbackReason,
    /// The subflow that carries the connection.
    pub(crate) subflow: usize,
    /// The infinite mapping of the receive direction: subflow offset `.0` is data offset
    /// `.1`.
    pub(crate) rx: (u64, u64),
}

/// What became of a received mapping's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MappingCheck {
    /// Deliver it.
    Deliver,
    /// Deliver it, but the connection is failing over (MP_FAIL sent).
    DeliverFailed,
    /// Discard it (the subflow was reset, or the connection fell back and maps it itself).
    Discard,
}

impl MptcpConnection {
    /// True while a fallback in the middle of the connection is allowed (Linux
    /// `allow_infinite_fallback`): no join established, nothing reinjected.
    pub(crate) fn infinite_fallback_allowed(&self) -> bool {
        self.infinite_ok && self.snd.reinjected == 0
    }

    /// The connection falls back to TCP on subflow `i` (see the module docs); `rx` is the
    /// receive direction's infinite mapping (subflow offset, data offset).
    pub(crate) fn fall_back(
        &mut self,
        now: Instant,
        i: usize,
        why: FallbackReason,
        rx: (u64, u64),
    ) {
        if self.fallback.is_some() {
            return;
        }
        self.fallback = Some(super::fallback::Fallback {
            reason: why,
            subflow: i,
            rx,
        });
        self.fully_established = true;
        self.event(now, Some(i), MptcpEventKind::FellBack(why));
        // No joins any more: those in progress are abandoned.
        for j in 0..self.subflows.len() {
            if j != i && !self.subflows[j].mp.dead {
                self.kill(now, j, SubflowState::Refused, None);
            }
        }
    }

    /// A segment of the fallen-back connection on subflow `i`: its payload at subflow offset
    /// `data_off` is data by the infinite mapping, the subflow's ACK is the DATA_ACK, the
    /// peer's FIN its DATA_FIN.
    pub(crate) fn on_fallback_segment(
        &mut self,
        now: Instant,
        i: usize,
        h: &TcpHeader,
        data_off: Option<u64>,
    ) {
        let Some(fb) = self.fallback.filter(|f| f.subflow == i) else {
            return;
        };
        if let Some(off) = data_off {
            let (s, d) = fb.rx;
            let payload = u64::from(h.payload_len);
            let skip = s.saturating_sub(off).min(payload);
            self.rcv.on_data(d + (off + skip - s), payload - skip);
        }
        let sf = &self.subflows[i];
        if sf.sock.peer_closed() && !self.rcv.fin_received {
            let off = self.rcv.ack;
            self.rcv.on_data_fin(off);
            let dsn = self.rcv.idsn.unwrap_or(0).wrapping_add(off);
            self.event(now, Some(i), MptcpEventKind::DataFinReceived { dsn });
        }
        let sf = &self.subflows[i];
        let una = sf.sock.snd_una();
        let mut ack = sf
            .mp
            .map
            .find(una)
            .map_or(self.snd.nxt, |m| m.dsn + (una - m.ssn));
        let fin_acked = sf.sock.is_closing()
            && matches!(
                sf.sock.state(),
                TcpState::FinWait2 | TcpState::TimeWait | TcpState::Closed
            );
        if fin_acked {
            ack = self.snd.app_end + 1;
        }
        let wnd = u64::from(h.window) << sf.sock.peer_window_shift();
        self.snd.on_data_ack(ack, wnd);
    }

    /// Closes the fallen-back connection's subflow once the application closed and every
    /// byte is on it: its FIN is the DATA_FIN.
    pub(crate) fn fallback_close(&mut self) {
        let Some(fb) = self.fallback else {
            return;
        };
        let sf = &mut self.subflows[fb.subflow];
        if self.snd.fin_queued && self.snd.nxt >= self.snd.app_end && !sf.sock.is_closing() {
            sf.sock.close();
        }
    }

    /// Data arrived on subflow `i` without a usable mapping (none, or one that does not
    /// cover it: options stripped or rewritten on the way). Falls back when allowed (the
    /// receive mapping continues the last one seen), else resets the subflow.
    pub(crate) fn on_unmapped_data(&mut self, now: Instant, i: usize, why: FallbackReason) {
        if self.infinite_fallback_allowed() && i == 0 {
            let rx = self.subflows[i].mp.last_rx_map.unwrap_or((1, 1));
            self.fall_back(now, i, why, rx);
        } else {
            let kind = MptcpEventKind::SubflowFailed(super::event::FailReason::Mapping);
            self.reset_subflow(now, i, ResetReason::MptcpSpecific, kind);
        }
    }

    /// Checks a received mapping `m` (wire DSN `dsn`, 64 bits; subflow offset `ssn`) of a
    /// segment with payload at subflow offset `off`: its DSS checksum when checksums are in
    /// use and the segment carries the whole mapping. A failure is handled here.
    ///
    /// Inlined: without checksums (the default) every mapping is delivered at the first test.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub(crate) fn check_checksum(
        &mut self,
        now: Instant,
        i: usize,
        h: &TcpHeader,
        m: &DssMapping,
        dsn: u64,
        ssn: u64,
        off: u64,
        fin: bool,
    ) -> MappingCheck {
        let Some(sum) = m.checksum.filter(|_| self.checksum_on) else {
            return MappingCheck::Deliver;
        };
        self.check_checksum_sum(now, i, h, m, (dsn, ssn, off, fin), sum)
    }

    /// [`Self::check_checksum`] with checksums in use and the mapping's checksum `sum`.
    #[inline(never)]
    fn check_checksum_sum(
        &mut self,
        now: Instant,
        i: usize,
        h: &TcpHeader,
        m: &DssMapping,
        (dsn, ssn, off, fin): (u64, u64, u64, bool),
        sum: u16,
    ) -> MappingCheck {
        if off != ssn || u64::from(h.payload_len) != u64::from(m.data_len) {
            return MappingCheck::Deliver;
        }
        let got = dss_checksum_received(dsn, m.subflow_seq, m.data_len, fin, h.payload_rewrite);
        if got == sum {
            return MappingCheck::Deliver;
        }
        self.mib.inc(MibField::DataCsumErr);
        self.event(now, Some(i), MptcpEventKind::ChecksumFailed { dsn });
        if self.infinite_fallback_allowed() && i == 0 {
            // RFC 8684 §3.7: MP_FAIL on the only subflow; the data is kept, as Linux does.
            let sf = &mut self.subflows[i];
            sf.mp.send_fail = Some(dsn);
            sf.sock.request_pure_ack();
            self.fail_sent = true;
            MappingCheck::DeliverFailed
        } else {
            self.reset_with_fail(now, i, dsn);
            MappingCheck::Discard
        }
    }

    /// Resets subflow `i` with MP_FAIL (`dsn`) and MP_TCPRST "middlebox interference".
    fn reset_with_fail(&mut self, now: Instant, i: usize, dsn: u64) {
        let why = MptcpEventKind::SubflowFailed(super::event::FailReason::ChecksumFailure);
        self.event(now, Some(i), why);
        if let Some(mut rst) = self.subflows[i].sock.reset_segment(now) {
            let opts = &mut rst.header.options.mptcp;
            let reason = ResetReason::MiddleboxInterference;
            let fail = opts.push(MptcpOption::Fail(FailRepr { dsn }));
            let tcprst = opts.push(MptcpOption::TcpRst(TcpRstRepr {
                flags: TcpRstFlags(0),
                reason,
            }));
            rst.size = rst.header.packet_size();
            if fail {
                self.mib.inc(MibField::MpFailTx);
                self.event(now, Some(i), MptcpEventKind::FailSent { dsn });
            }
            if tcprst {
                self.mib.inc(MibField::MpRstTx);
                self.event(now, Some(i), MptcpEventKind::ResetSent { reason });
            }
            self.outbox.push_back(rst);
        }
        self.kill(now, i, SubflowState::Closed, None);
    }

    /// An MP_FAIL for `dsn` arrived on subflow `i` (not on a RST). The data sender answers
    /// with MP_FAIL and an infinite mapping at the failed mapping, and falls back; the end
    /// that sent the first MP_FAIL just takes the answer.
    pub(crate) fn on_mp_fail(&mut self, now: Instant, i: usize, dsn: u64) {
        self.mib.inc(MibField::MpFailRx);
        self.event(now, Some(i), MptcpEventKind::FailReceived { dsn });
        if self.fail_sent || self.fallback.is_some() {
            return;
        }
        let off = dsn.wrapping_sub(self.snd.idsn);
        let ssn = self.ssn_of(i, off);
        let sf = &mut self.subflows[i];
        sf.mp.send_fail = Some(dsn);
        sf.mp.send_infinite = Some(DssMapping {
            dsn: SeqField::Long(dsn),
            // Relative subflow sequence numbers are 32 bits on the wire.
            subflow_seq: ssn as u32,
            data_len: 0,
            checksum: self.checksum_on.then_some(0),
        });
        sf.sock.request_pure_ack();
        self.fail_sent = true;
        let rx = sf.mp.last_rx_map.unwrap_or((1, 1));
        self.fall_back(now, i, FallbackReason::ChecksumFailure, rx);
    }

    /// The subflow offset at which subflow `i` carries data offset `off`, by the one-to-one
    /// alignment of a connection that never used another subflow.
    fn ssn_of(&self, i: usize, off: u64) -> u64 {
        let sf = &self.subflows[i];
        match sf.mp.map.iter().next() {
            Some(m) => (m.ssn + off).saturating_sub(m.dsn),
            None => sf
                .sock
                .send_end()
                .saturating_sub(self.snd.nxt.saturating_sub(off)),
        }
    }

    /// An infinite mapping (a DSS mapping of length 0, RFC 8684 §3.7) arrived on subflow
    /// `i` for subflow offset `ssn` and data offset `dsn`: the peer fell back.
    pub(crate) fn on_infinite_mapping(&mut self, now: Instant, i: usize, ssn: u64, dsn: u64) {
        self.mib.inc(MibField::InfiniteMapRx);
        self.event(now, Some(i), MptcpEventKind::InfiniteMappingReceived);
        self.fall_back(now, i, FallbackReason::ChecksumFailure, (ssn, dsn));
    }
}
