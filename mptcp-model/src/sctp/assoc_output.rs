//! What an association sends, in priority order (RFC 9260 §6.1: control chunks first, then
//! retransmissions, then new data), and when it next needs a timer.

use super::{AssocState, SctpAssociation};
use crate::sctp::send::SendQueue;
use crate::wire::sctp::{pad4, Control, DataRun, SctpPacket, COMMON_HEADER_LEN, DATA_HEADER_LEN};
use crate::wire::IPV4_HEADER_LEN;
use sim_core::{Addr, Instant, Packet};

impl SctpAssociation {
    /// The next packet to send at `now`, if any.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Packet<SctpPacket>> {
        let (src, dst, pkt) = self.next_packet(now)?;
        self.stats.packets += 1;
        if let Some(k) = self.paths.iter().position(|p| p.remote == dst) {
            let p = &mut self.paths[k];
            p.last_sent = Some(now);
            if let Some(run) = pkt.data {
                self.path_bytes[k] += run.payload();
                // §6.3.2 R1: a DATA chunk sent starts the destination's timer if idle.
                if p.t3.is_none() {
                    p.t3 = Some(now + p.rto);
                }
            }
        }
        Some(Packet {
            src,
            dst,
            size: pkt.packet_size(),
            header: pkt,
        })
    }

    fn next_packet(&mut self, now: Instant) -> Option<(Addr, Addr, SctpPacket)> {
        if let Some((src, dst, control)) = self.ctl.pop_front() {
            let mut pkt = self.packet(control);
            if matches!(control, Control::Init(_)) {
                pkt.vtag = 0;
            }
            if matches!(control, Control::CookieEcho(_)) && self.state == AssocState::CookieEchoed {
                // §5.1: DATA may ride with the COOKIE ECHO.
                let k = self.primary;
                let max = self.fit(control.buffer_len());
                pkt.data = self.send.take_new(now, k, &mut self.paths, max, &self.cfg);
            }
            return Some((src, dst, pkt));
        }
        if let Some((src, dst, info)) = self.hb_acks.pop_front() {
            return Some((src, dst, self.packet(Control::HeartbeatAck(info))));
        }
        if self.state == AssocState::Closed {
            return None;
        }
        if self.recv.sack_due() {
            let sack = self.recv.make_sack();
            self.stats.sacks += 1;
            let p = &self.paths[self.reply_path.min(self.paths.len().saturating_sub(1))];
            return Some((p.local, p.remote, self.packet(Control::Sack(sack))));
        }
        if !matches!(
            self.state,
            AssocState::Established | AssocState::ShutdownPending | AssocState::ShutdownReceived
        ) {
            return None;
        }
        let mut blocked = None;
        if let Some((_, len, last, by_timeout)) = self.send.first_marked() {
            let k = self.retransmission_path(last, by_timeout);
            let max = self.fit_chunks(0, len);
            let free = self.rtx_free;
            if let Some(run) = self.send.take_retransmission(k, &mut self.paths, max, free) {
                self.rtx_free = false;
                return Some(self.data_packet(k, run));
            }
            blocked = Some(k);
        }
        let k = self.data_path();
        let burst_ok = self.cfg.max_burst == 0 || self.paths[k].burst < self.cfg.max_burst;
        if blocked != Some(k) && burst_ok && self.send.unsent() > 0 {
            let max = self.fit(0);
            if let Some(run) = self.send.take_new(now, k, &mut self.paths, max, &self.cfg) {
                self.paths[k].burst += 1;
                return Some(self.data_packet(k, run));
            }
        }
        None
    }

    fn packet(&self, control: Control) -> SctpPacket {
        SctpPacket {
            src_port: self.local_port,
            dst_port: self.remote_port,
            vtag: self.peer_tag,
            control,
            data: None,
        }
    }

    fn data_packet(&self, k: usize, run: DataRun) -> (Addr, Addr, SctpPacket) {
        let p = &self.paths[k];
        let mut pkt = self.packet(Control::None);
        pkt.data = Some(run);
        (p.local, p.remote, pkt)
    }

    /// New chunks of the next message size that fit a packet after `overhead` octets of
    /// control chunks.
    fn fit(&self, overhead: usize) -> u16 {
        let len = self
            .send
            .unsent()
            .min(u64::from(self.cfg.message_size.max(1)));
        self.fit_chunks(overhead, len.min(u64::from(u16::MAX)) as u16)
    }

    /// Chunks of `len` user-data octets that fit one packet after `overhead` octets.
    fn fit_chunks(&self, overhead: usize, len: u16) -> u16 {
        let room =
            (self.cfg.mtu as usize).saturating_sub(IPV4_HEADER_LEN + COMMON_HEADER_LEN + overhead);
        let per = pad4(DATA_HEADER_LEN + usize::from(len));
        (room / per).clamp(1, usize::from(u16::MAX)) as u16
    }

    /// §6.4 / §6.4.1: where a marked chunk last sent to path `last` goes: after a timeout, to
    /// an active destination other than `last` when there is one; after a fast retransmit
    /// mark, back to `last` while it is usable; else where new data goes.
    fn retransmission_path(&self, last: usize, by_timeout: bool) -> usize {
        let n = self.paths.len();
        if by_timeout {
            if let Some(k) = (1..n)
                .map(|d| (last + d) % n)
                .find(|&k| self.paths[k].is_active())
            {
                return k;
            }
        }
        if self
            .paths
            .get(last)
            .is_some_and(|p| SendQueue::usable(p.state))
        {
            return last;
        }
        self.data_path()
    }

    /// The earliest instant a timer of the association is due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let paths = self.paths.iter().flat_map(|p| {
            [p.t3, p.hb_due, p.hb_pending.map(|(_, _, d)| d)]
                .into_iter()
                .flatten()
        });
        [self.t1, self.t2, self.recv.sack_timer()]
            .into_iter()
            .flatten()
            .chain(paths)
            .min()
    }
}
