//! [`TcpSocket`]: construction, the application API, the handshake, timers and output.
//! Processing of segments in synchronized states is in `input.rs`, output in `output.rs`.

use super::event::TcpEvent;
use super::rack::XmitTimer;
use super::recv::RecvState;
use super::rtt::RttEstimator;
use super::send::{Recovery, SendState};
use super::stats::{Counters, TcpStats};
use super::{AcceptError, ConnectionError, LossDetection, SocketAddr, TcpConfig, TcpState};
use crate::cc::{Cc, CongestionController, Coupling};
use crate::wire::{SeqNum, TcpFlags, TcpHeader, TcpOptions};
use sim_core::{Duration, Instant, Packet};
use std::collections::VecDeque;

/// Smallest peer MSS accepted (Linux `TCP_MIN_MSS`), so a segment always has payload room.
const MIN_PEER_MSS: u16 = 88;
/// RFC 9293 §3.7.1: MSS assumed when the peer sends none.
const DEFAULT_PEER_MSS: u16 = 536;
/// Octets the timestamps option takes in a data segment (NOP, NOP, TS).
pub(super) const TS_OPTION_LEN: u32 = 12;

/// The smallest shift that fits `buf` in the 16-bit window field (RFC 7323 §2.3, max 14).
fn window_shift(buf: u32) -> u8 {
    let mut s = 0;
    while s < 14 && (buf >> s) > 0xffff {
        s += 1;
    }
    s
}

/// A sans-IO TCP endpoint (one connection). See the [module docs](super).
///
/// ```
/// use mptcp_model::tcp::{SocketAddr, TcpConfig, TcpSocket, TcpState};
/// use mptcp_model::wire::SeqNum;
/// use sim_core::{Addr, Instant};
///
/// let a = SocketAddr::new(Addr::new(10, 0, 0, 1), 40000);
/// let b = SocketAddr::new(Addr::new(10, 0, 0, 2), 80);
/// let now = Instant::ZERO;
/// let mut client = TcpSocket::connect(now, a, b, SeqNum(1), TcpConfig::default());
/// let syn = client.poll_transmit(now).unwrap();
/// let mut server = TcpSocket::accept(now, b, &syn, SeqNum(7), TcpConfig::default()).unwrap();
/// let syn_ack = server.poll_transmit(now).unwrap();
/// client.handle_packet(now, &syn_ack);
/// assert_eq!(client.state(), TcpState::Established);
/// ```
///
/// # Layout
/// Fields are laid out in declaration order (`repr(C)`), for the cache: with many
/// connections a socket is out of the cache at each visit, which costs about the lines it
/// touches. First what no visit reads (the SYN's send time, most of the configuration), then
/// what only a sender's ACK processing reads (the congestion controller, the RTT estimator,
/// the window validation, most counters, `SendState`'s head); then, to the end, what every
/// visit reads, a receiver's (a data segment in, an ACK out) too: the scoreboard's ends,
/// SND.UNA/NXT/WND, the timers, the small flags, `RecvState` (whose SACK list, read when out of
/// order data arrives, comes last). The sub-structures order their own fields the same way.
/// At 1000 flows on one host pair this took the last-level misses per link packet from 18.0
/// to 16.8 (1 MiB simulated).
#[derive(Clone, Debug)]
#[repr(C)]
pub struct TcpSocket {
    pub(super) syn_sent_at: Option<Instant>,
    pub(super) cfg: TcpConfig,
    pub(super) cc: Cc,
    pub(super) rtt: RttEstimator,
    /// Most bytes in flight in the current flight (while not cwnd-limited).
    pub(super) max_flight: u64,
    /// SND.NXT when the current flight started (`cwnd_usage_seq`).
    pub(super) cwnd_usage_seq: u64,
    pub(super) counters: Counters,
    pub(super) snd: SendState,
    /// The retransmission timer slot's deadline; what it is for is `xmit_timer`.
    pub(super) rto_at: Option<Instant>,
    /// When the loss probe was last scheduled with more than one segment in flight (a
    /// burst of new data at that instant cannot change it).
    pub(super) probe_scheduled: Option<Instant>,
    pub(super) persist_at: Option<Instant>,
    pub(super) time_wait_at: Option<Instant>,
    /// The last [`TcpSocket::poll_transmit_with`] found nothing to send, with a hook adding
    /// this many option octets to data segments, and nothing has changed since: polling
    /// again with the same hook would find nothing and change nothing (see [`Self::touch`]).
    pub(super) output_idle: Option<usize>,
    /// [`TcpStats::segments_sent`] (not in [`Counters`]: every visit that sends counts it).
    pub(super) segments_sent: u64,
    /// Events not yet drained by [`TcpSocket::poll_event`].
    pub(super) events: VecDeque<(Instant, TcpEvent)>,
    pub(super) local: SocketAddr,
    pub(super) remote: SocketAddr,
    pub(super) irs: SeqNum,
    pub(super) ts_offset: u32,
    pub(super) syn_retransmits: u32,
    pub(super) persist_backoff: u32,
    /// Changes (wrapping) at every entry point that may change the socket's state and at
    /// every poll that may (one that surely finds nothing does not): see
    /// [`TcpSocket::generation`].
    pub(super) generation: u32,
    pub(super) peer_mss: u16,
    /// `min(mss, peer mss)` (at least [`MIN_PEER_MSS`]), kept with `peer_mss`.
    pub(super) mss_eff: u16,
    /// [`Self::smss`], kept with `peer_mss` and `ts_ok`.
    pub(super) mss_payload: u16,
    pub(super) ts_ok: bool,
    pub(super) sack_ok: bool,
    pub(super) ws_ok: bool,
    pub(super) syn_pending: bool,
    /// A tail loss probe is to be sent at the next poll.
    pub(super) tlp_due: bool,
    /// Linux `tcp_cwnd_validate` state: the current flight used the whole window.
    pub(super) cwnd_limited: bool,
    pub(super) probe_pending: bool,
    /// Send a pure ACK before any data at the next poll (a signal rides on it).
    pub(super) ack_first: bool,
    pub(super) xmit_timer: XmitTimer,
    pub(super) state: TcpState,
    pub(super) error: Option<ConnectionError>,
    /// Changes (wrapping) with every retransmission timeout (`Counters::rto_timeouts`), so
    /// that the comparison after an entry point (`report.rs`) reads it here, on a line every
    /// visit reads, not the counter among the counters.
    pub(super) rto_epoch: u8,
    /// The socket reached ESTABLISHED once (`Counters::established_at` is set), kept here
    /// for the same reason.
    pub(super) ever_established: bool,
    pub(super) rcv: RecvState,
}

impl TcpSocket {
    fn new(local: SocketAddr, remote: SocketAddr, iss: SeqNum, cfg: TcpConfig) -> Self {
        let shift = if cfg.window_scale {
            window_shift(cfg.rcv_buf)
        } else {
            0
        };
        let smss = u64::from(cfg.mss);
        let mut s = TcpSocket {
            cfg,
            local,
            remote,
            state: TcpState::Closed,
            snd: SendState::new(iss),
            rcv: RecvState::new(cfg.rcv_buf, shift),
            cc: Cc::with_options(
                cfg.cc,
                smss,
                smss * u64::from(cfg.init_cwnd_segments),
                &cfg.cc_options(smss),
            ),
            rtt: RttEstimator::new(cfg.initial_rto, cfg.min_rto, cfg.max_rto, cfg.rto),
            irs: SeqNum(0),
            ts_ok: false,
            sack_ok: false,
            ws_ok: false,
            peer_mss: DEFAULT_PEER_MSS,
            mss_eff: 0,
            mss_payload: 0,
            // A per-connection timestamp offset (RFC 7323 §5.4), here the ISN.
            ts_offset: iss.0,
            syn_pending: false,
            syn_sent_at: None,
            syn_retransmits: 0,
            rto_at: None,
            xmit_timer: XmitTimer::Rto,
            tlp_due: false,
            probe_scheduled: None,
            cwnd_limited: false,
            max_flight: 0,
            cwnd_usage_seq: 0,
            persist_at: None,
            persist_backoff: 0,
            probe_pending: false,
            ack_first: false,
            time_wait_at: None,
            error: None,
            counters: Counters::default(),
            events: VecDeque::new(),
            output_idle: None,
            segments_sent: 0,
            rto_epoch: 0,
            ever_established: false,
            generation: 0,
        };
        s.set_mss();
        s
    }

    /// Works out the segment sizes after `peer_mss` or `ts_ok` changed.
    fn set_mss(&mut self) {
        self.mss_eff = self.cfg.mss.min(self.peer_mss).max(MIN_PEER_MSS);
        let ts = if self.ts_ok { TS_OPTION_LEN as u16 } else { 0 };
        self.mss_payload = self.mss_eff - ts;
    }

    /// Every entry point that can change what the socket would send calls this: the next
    /// poll looks again. (A poll that found nothing leaves the socket in a state where the
    /// same poll finds nothing again and changes nothing: the choice of segment does not
    /// depend on the time, and what the empty poll updates — the cwnd-limited flight, the
    /// persist timer, a taken loss probe — is settled by that first poll.)
    #[inline]
    pub(super) fn touch(&mut self) {
        self.output_idle = None;
        self.generation = self.generation.wrapping_add(1);
    }

    /// A number that changes whenever the socket's state may have changed (a packet, a
    /// timeout, an application call or a poll that may have sent or armed something;
    /// never with time alone): an owner that derived values from the socket (window, RTT, deadlines) may
    /// keep them while the generation is the one it saw.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Active open: a socket in SYN-SENT whose SYN goes out at the next
    /// [`TcpSocket::poll_transmit`].
    pub fn connect(
        _now: Instant,
        local: SocketAddr,
        remote: SocketAddr,
        isn: SeqNum,
        cfg: TcpConfig,
    ) -> Self {
        let mut s = TcpSocket::new(local, remote, isn, cfg);
        s.state = TcpState::SynSent;
        s.syn_pending = true;
        s
    }

    /// Passive open from a received SYN addressed to `local`: a socket in SYN-RECEIVED
    /// whose SYN-ACK goes out at the next [`TcpSocket::poll_transmit`].
    pub fn accept(
        _now: Instant,
        local: SocketAddr,
        syn: &Packet<TcpHeader>,
        isn: SeqNum,
        cfg: TcpConfig,
    ) -> Result<Self, AcceptError> {
        let h = &syn.header;
        if !h.flags.syn() || h.flags.ack() || h.flags.rst() {
            return Err(AcceptError::NotASyn);
        }
        let remote = SocketAddr::new(syn.src, h.src_port);
        let mut s = TcpSocket::new(local, remote, isn, cfg);
        s.negotiate(&h.options);
        s.irs = h.seq;
        s.rcv.on_syn(h.options.timestamps.map(|t| t.tsval));
        s.snd.set_syn_window(h.window, 0);
        s.state = TcpState::SynReceived;
        s.syn_pending = true;
        Ok(s)
    }

    /// Adopts the options of the peer's SYN or SYN-ACK.
    fn negotiate(&mut self, o: &TcpOptions) {
        self.peer_mss = o.mss.unwrap_or(DEFAULT_PEER_MSS).max(MIN_PEER_MSS);
        self.ts_ok = self.cfg.timestamps && o.timestamps.is_some();
        self.set_mss();
        self.sack_ok = self.cfg.sack && o.sack_permitted;
        self.snd.rack_tlp = self.sack_ok && self.cfg.loss_detection == LossDetection::RackTlp;
        match o.window_scale {
            // RFC 7323 §2.3: shifts above 14 are treated as 14.
            Some(ws) if self.cfg.window_scale => {
                self.ws_ok = true;
                self.snd.wscale = ws.min(14);
            }
            _ => {
                self.ws_ok = false;
                self.snd.wscale = 0;
                self.rcv.wscale = 0;
            }
        }
    }

    // ---- application API ----------------------------------------------------------------

    /// The application writes `bytes`; returns how many fit in the send buffer (unacked plus
    /// unsent data is at most `snd_buf`). Nothing is accepted after [`TcpSocket::close`].
    pub fn send(&mut self, bytes: u64) -> u64 {
        self.touch();
        let open = matches!(
            self.state,
            TcpState::SynSent | TcpState::SynReceived | TcpState::Established | TcpState::CloseWait
        );
        if !open || self.snd.fin_queued {
            return 0;
        }
        let used = self.snd.app_end - self.snd.una.max(1);
        let n = bytes.min(u64::from(self.cfg.snd_buf).saturating_sub(used));
        self.snd.app_end += n;
        self.counters.app_bytes_written += n;
        n
    }

    /// Bytes the application has written so far.
    pub fn app_bytes_written(&self) -> u64 {
        self.counters.app_bytes_written
    }

    /// Free space in the send buffer.
    pub fn send_space(&self) -> u64 {
        let used = self.snd.app_end - self.snd.una.max(1);
        u64::from(self.cfg.snd_buf).saturating_sub(used)
    }

    /// The application consumes every in-order byte delivered so far; returns how many.
    /// Opening the window may schedule a window update.
    pub fn recv(&mut self) -> u64 {
        self.touch();
        let mss = self.smss();
        self.rcv.read(mss)
    }

    /// As [`TcpSocket::recv`], at most `max` bytes (the rest stays in the receive buffer,
    /// its window closed by as much).
    pub fn recv_up_to(&mut self, max: u64) -> u64 {
        self.touch();
        let mss = self.smss();
        self.rcv.read_up_to(max, mss)
    }

    /// In-order bytes delivered but not yet read.
    pub fn readable(&self) -> u64 {
        self.rcv.unread
    }

    /// The application is done sending: a FIN follows the queued data.
    pub fn close(&mut self) {
        self.touch();
        self.state = match self.state {
            TcpState::Established => TcpState::FinWait1,
            TcpState::CloseWait => TcpState::LastAck,
            s @ (TcpState::SynSent | TcpState::SynReceived) => s,
            _ => return,
        };
        self.snd.fin_queued = true;
    }

    /// True once [`TcpSocket::close`] was called.
    pub fn is_closing(&self) -> bool {
        self.snd.fin_queued
    }

    /// True once the peer's FIN arrived in order (no more data will be delivered).
    pub fn peer_closed(&self) -> bool {
        self.rcv.fin_received
    }

    /// Connection state.
    pub fn state(&self) -> TcpState {
        self.state
    }

    /// Why the connection was aborted, if it was.
    pub fn error(&self) -> Option<ConnectionError> {
        self.error
    }

    /// Local address.
    pub fn local(&self) -> SocketAddr {
        self.local
    }

    /// Remote address.
    pub fn remote(&self) -> SocketAddr {
        self.remote
    }

    /// Payload of a full-sized segment (SMSS): `min(mss, peer mss)` minus the timestamps
    /// option when in use (1448 for the defaults).
    #[inline]
    pub fn smss(&self) -> u64 {
        u64::from(self.mss_payload)
    }

    #[inline]
    pub(super) fn eff_mss(&self) -> u32 {
        u32::from(self.mss_eff)
    }

    /// A snapshot of the counters and current state.
    pub fn stats(&self) -> TcpStats {
        let c = &self.counters;
        TcpStats {
            state: self.state,
            cwnd: self.cwnd(),
            ssthresh: self.cc.ssthresh(),
            srtt: self.rtt.srtt(),
            rttvar: self.rtt.rttvar(),
            rto: self.rtt.rto(),
            backoff: self.rtt.backoff_count(),
            min_rtt: self.rtt.min_rtt(),
            bytes_in_flight: self.snd.flight(),
            pipe: self.snd.board.pipe(self.snd.una, self.snd.nxt),
            sacked_bytes: self.snd.board.sacked_bytes(),
            lost_bytes: self.snd.board.lost_bytes(),
            bytes_received: self.rcv.delivered,
            payload_bytes_sent: c.payload_bytes_sent,
            bytes_retransmitted: c.bytes_retransmitted,
            segments_sent: self.segments_sent,
            segments_retransmitted: c.segments_retransmitted,
            bytes_acked: c.bytes_acked,
            fast_recoveries: c.fast_recoveries,
            rto_timeouts: c.rto_timeouts,
            tail_loss_probes: c.tail_loss_probes,
            app_bytes_written: c.app_bytes_written,
            established_at: c.established_at,
            all_acked_at: c.all_acked_at,
        }
    }

    /// The congestion controller (read-only).
    pub fn congestion_controller(&self) -> &Cc {
        &self.cc
    }

    /// Fast recovery (RFC 6675 / RFC 6582) is in progress.
    pub fn in_fast_recovery(&self) -> bool {
        matches!(self.snd.recovery, super::send::Recovery::Fast { .. })
    }

    // ---- multipath support -------------------------------------------------------------

    /// Makes this socket an MPTCP subflow: the peer's window field no longer limits what it
    /// sends and data beyond its own advertised right edge is accepted, because the window
    /// is connection-level and enforced by the connection (RFC 8684 §3.3.5).
    pub fn set_multipath(&mut self) {
        self.touch();
        self.snd.ignore_wnd = true;
        self.rcv.unbounded = true;
    }

    /// Sequence offset of the next byte the application will write (offset 1 is the first
    /// data byte): where the next [`TcpSocket::send`] lands.
    pub fn send_end(&self) -> u64 {
        self.snd.app_end
    }

    /// SND.UNA as a sequence offset.
    pub fn snd_una(&self) -> u64 {
        self.snd.una
    }

    /// Bytes written by the application and never sent.
    pub fn unsent(&self) -> u64 {
        self.snd.app_end.saturating_sub(self.snd.nxt)
    }

    /// Octets the congestion window still allows: `cwnd − pipe` (RFC 6675).
    pub fn cwnd_room(&self) -> u64 {
        self.snd.cwnd_room(self.cc.window())
    }

    /// True when nothing waits unsent and the congestion window has room for a full data
    /// segment carrying `extra` option octets: for a window counted in bytes, the
    /// out-of-tree kernel's test that a subflow is not "temp-unavailable" to its scheduler
    /// (`mptcp_is_temp_unavailable`, `net/mptcp/mptcp_sched.c`: `in_flight < snd_cwnd`, in
    /// packets, and nothing queued beyond the free slots). Room for a fraction of a segment
    /// (a window counted in MSS units while data segments also carry a DSS, or grown by a
    /// partial segment's acknowledgment) is no free slot: the socket would not send a full
    /// segment into it (RFC 9293 §3.8.6.2.1), so data handed to it would wait there for
    /// this subflow's next ACK instead of at the connection level for the first subflow
    /// with a free slot.
    pub fn has_segment_room(&self, extra: usize) -> bool {
        self.unsent() == 0 && self.cwnd_room() >= self.data_payload(extra).max(1)
    }

    /// The congestion window in bytes: during SACK-based fast recovery with PRR, the window
    /// PRR allows (Linux's `snd_cwnd` then), else the controller's.
    pub fn cwnd(&self) -> u64 {
        self.snd.window(self.cc.window())
    }

    /// The smoothed RTT, once measured.
    pub fn srtt(&self) -> Option<Duration> {
        self.rtt.srtt()
    }

    /// Segments retransmitted per thousand sent, over the connection's life; 0 until
    /// [`Self::RETRANSMIT_RATE_MIN_SEGMENTS`] were sent (the initial slow start's overshoot
    /// alone would look like heavy loss).
    pub fn retransmit_permille(&self) -> u64 {
        if self.segments_sent < Self::RETRANSMIT_RATE_MIN_SEGMENTS {
            return 0;
        }
        self.counters.segments_retransmitted * 1000 / self.segments_sent
    }

    /// Segments sent before [`Self::retransmit_permille`] reports a rate.
    pub const RETRANSMIT_RATE_MIN_SEGMENTS: u64 = 2000;

    /// The RTT variation (RFC 6298 `RTTVAR`).
    pub fn rttvar(&self) -> Duration {
        self.rtt.rttvar()
    }

    /// The slow-start threshold in bytes (`u64::MAX` before the first loss).
    pub fn ssthresh(&self) -> u64 {
        self.cc.ssthresh()
    }

    /// Opportunistic penalisation (Raiciu et al., NSDI 2012; `mptcp_sched.c`): a subflow
    /// that holds up the connection-level window halves its window, unless it is in slow
    /// start or in loss recovery (the kernel penalises only in `TCP_CA_Open`). The halving
    /// is the controller's congestion response (`cwnd/2`, `ssthresh = cwnd/2` for Reno and
    /// LIA; CUBIC's β = 0.7), entered without retransmitting. Returns whether it acted.
    pub fn penalise(&mut self, now: Instant) -> bool {
        self.touch();
        if self.snd.recovery != Recovery::Open || self.cc.window() < self.cc.ssthresh() {
            return false;
        }
        let flight = self.snd.flight();
        self.cc.on_congestion_event(now, flight, &Coupling::NONE);
        true
    }

    /// The current retransmission timeout, backoff included.
    pub fn rto(&self) -> Duration {
        self.rtt.rto()
    }

    /// Sequence space sent and not cumulatively acknowledged.
    pub fn bytes_in_flight(&self) -> u64 {
        self.snd.flight()
    }

    /// False when no arriving packet can reach the congestion controller, so a
    /// [`Coupling`] given with it goes unread: the connection is synchronized with nothing
    /// in flight (no ACK can acknowledge new data, `tcp_time_to_recover` needs a flight),
    /// no recovery in progress and no loss-probe episode open (the only other ways an ACK
    /// calls the controller). A data receiver's subflows are in this state throughout.
    pub fn ack_may_reach_cc(&self) -> bool {
        let synchronized = !matches!(
            self.state,
            TcpState::Closed | TcpState::Listen | TcpState::SynSent | TcpState::SynReceived
        );
        !(synchronized
            && self.snd.flight() == 0
            && matches!(self.snd.recovery, Recovery::Open)
            && self.snd.tlp.is_none())
    }

    /// Consecutive retransmission timeouts without an acknowledgment of new data.
    pub fn consecutive_rtos(&self) -> u32 {
        self.rtt.backoff_count()
    }

    /// The offset in the peer's sequence space (its first data octet is offset 1) of `seq`.
    pub fn rcv_offset(&self, seq: SeqNum) -> u64 {
        seq.to_offset(self.irs, self.rcv.nxt)
    }

    /// The window-scale shift the peer applies to the window fields it sends.
    pub fn peer_window_shift(&self) -> u8 {
        self.snd.wscale
    }

    /// Payload of a full data segment when every data segment carries `extra` octets of
    /// options besides the timestamps (payload = MSS − options).
    pub fn data_payload(&self, extra: usize) -> u64 {
        let ts = if self.ts_ok { TS_OPTION_LEN } else { 0 };
        u64::from(self.eff_mss().saturating_sub(ts)).saturating_sub(extra as u64)
    }

    /// Asks for an ACK at the next [`TcpSocket::poll_transmit`].
    pub fn request_ack(&mut self) {
        self.touch();
        if self.state != TcpState::Closed {
            self.rcv.ack_now = true;
        }
    }

    /// Asks for a pure ACK (no payload) at the next [`TcpSocket::poll_transmit`], before any
    /// data segment: a layer above puts a signal on it that no data segment has room for
    /// (as Linux's MPTCP sends ADD_ADDR / REMOVE_ADDR / MP_FAIL on `tcp_send_ack`).
    pub fn request_pure_ack(&mut self) {
        self.touch();
        if matches!(
            self.state,
            TcpState::Closed | TcpState::Listen | TcpState::SynSent | TcpState::SynReceived
        ) {
            return;
        }
        self.ack_first = true;
        self.rcv.ack_now = true;
    }

    /// The RST this socket sends to abort its connection (RFC 9293 §3.10.7.1, Linux
    /// `tcp_send_active_reset`): RST + ACK at SND.NXT, acknowledging RCV.NXT, with timestamps
    /// if in use. `None` before the SYN exchange completed or once closed. The socket's state
    /// is not changed (abort it separately).
    pub fn reset_segment(&self, now: Instant) -> Option<Packet<TcpHeader>> {
        if matches!(
            self.state,
            TcpState::Closed | TcpState::Listen | TcpState::SynSent | TcpState::TimeWait
        ) {
            return None;
        }
        let mut options = self.ack_options(now);
        options.sack = crate::wire::SackBlocks::new();
        let header = TcpHeader {
            src_port: self.local.port,
            dst_port: self.remote.port,
            seq: SeqNum::from_offset(self.snd.iss, self.snd.nxt),
            ack: SeqNum::from_offset(self.irs, self.rcv.nxt),
            flags: TcpFlags::RST | TcpFlags::ACK,
            window: 0,
            options,
            payload_len: 0,
            payload_rewrite: None,
        };
        Some(self.packet(header))
    }

    /// Aborts the connection at `now` without sending anything (the owner sends a RST if
    /// it wants).
    pub fn abort_with(&mut self, now: Instant, e: ConnectionError) {
        self.touch();
        let before = self.watch(false);
        self.abort(e);
        self.report(now, before);
    }

    // ---- timers ---------------------------------------------------------------------------

    /// The earliest instant at which [`TcpSocket::handle_timeout`] must run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        use crate::deadlines::earlier;
        earlier(
            earlier(self.rto_at, self.persist_at),
            earlier(self.rcv.delack_at, self.time_wait_at),
        )
    }

    /// Runs the timers due at `now`; a wake-up with nothing due is a no-op.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.handle_timeout_coupled(now, &Coupling::NONE);
    }

    /// As [`TcpSocket::handle_timeout`], giving the congestion controller a view of the other
    /// subflows of the same MPTCP connection (for a recovery RACK's reordering timer starts).
    pub fn handle_timeout_coupled(&mut self, now: Instant, coupling: &Coupling<'_>) {
        self.touch();
        let before = self.watch(true);
        self.run_timers(now, coupling);
        self.report(now, before);
    }

    fn run_timers(&mut self, now: Instant, coupling: &Coupling<'_>) {
        self.snd.idle_settled = u64::MAX;
        let due = |t: Option<Instant>| t.is_some_and(|t| t <= now);
        self.rcv.on_timeout(now);
        if due(self.rto_at) {
            self.rto_at = None;
            // Linux tcp_write_timer_handler leaves icsk_pending set for the reordering timer
            // and the probe, so that tcp_rearm_rto measures the RTO from the head.
            match self.xmit_timer {
                XmitTimer::Rto => self.on_rto(now),
                XmitTimer::Reorder => self.on_reorder_timeout(now, coupling),
                XmitTimer::LossProbe => self.on_probe_timeout(now),
            }
        }
        if due(self.persist_at) {
            self.persist_at = None;
            self.persist_backoff = self.persist_backoff.saturating_add(1);
            if self.snd.rwnd_room() > 0 {
                // RFC 1122 §4.2.3.4: override silly-window avoidance after a timeout.
                self.snd.force = true;
            } else {
                self.probe_pending = true;
            }
        }
        if due(self.time_wait_at) {
            self.time_wait_at = None;
            self.state = TcpState::Closed;
        }
    }

    fn on_rto(&mut self, now: Instant) {
        match self.state {
            TcpState::SynSent | TcpState::SynReceived => {
                if self.syn_retransmits >= self.cfg.syn_retries {
                    self.abort(ConnectionError::TimedOut);
                    return;
                }
                self.syn_retransmits += 1;
                self.count_rto();
                self.rtt.backoff();
                self.syn_pending = true;
            }
            _ if self.snd.flight() > 0 => self.on_data_rto(now),
            _ => {}
        }
    }

    /// Counts a retransmission timeout, and moves the epoch the event comparison reads.
    fn count_rto(&mut self) {
        self.counters.rto_timeouts += 1;
        self.rto_epoch = self.rto_epoch.wrapping_add(1);
    }

    /// RFC 6298 §5.4–5.6 and RFC 5681 §3.1: the loss window, backoff, and retransmission
    /// of everything not SACKed starting at SND.UNA (RFC 6675 §5.1). `ssthresh` is reduced
    /// only by the first timeout of a series and not when fast recovery already reduced it
    /// for this window (as Linux's `tcp_enter_loss`).
    fn on_data_rto(&mut self, now: Instant) {
        self.count_rto();
        let in_fast = matches!(self.snd.recovery, Recovery::Fast { .. });
        let first = self.rtt.backoff_count() == 0 && !in_fast;
        self.cc.on_rto(now, self.snd.flight_for_ssthresh(), first);
        self.rtt.backoff();
        let (una, nxt) = (self.snd.una, self.snd.nxt);
        self.snd.board.mark_all_lost(una, nxt);
        self.snd.recovery = Recovery::Loss { point: nxt };
        self.snd.newreno_cwnd = None;
        self.snd.prr = None;
        self.snd.limited_transmit = 0;
        self.snd.tlp = None;
        self.tlp_due = false;
        self.snd.dupacks = 0;
        self.snd.rexmit_una = false;
        self.snd.timed = None;
    }

    pub(super) fn abort(&mut self, e: ConnectionError) {
        self.state = TcpState::Closed;
        self.error = Some(e);
        self.rto_at = None;
        self.persist_at = None;
        self.time_wait_at = None;
        self.rcv.delack_at = None;
        self.rcv.ack_now = false;
        self.syn_pending = false;
        self.probe_pending = false;
    }

    // ---- input ------------------------------------------------------------------------------

    /// A packet for this connection arrived.
    pub fn handle_packet(&mut self, now: Instant, pkt: &Packet<TcpHeader>) {
        self.handle_packet_coupled(now, pkt, &Coupling::NONE);
    }

    /// As [`TcpSocket::handle_packet`], giving the congestion controller a view of the other
    /// subflows of the same MPTCP connection.
    #[inline]
    pub fn handle_packet_coupled(
        &mut self,
        now: Instant,
        pkt: &Packet<TcpHeader>,
        coupling: &Coupling<'_>,
    ) {
        self.touch();
        let before = self.watch(false);
        let h = &pkt.header;
        if h.flags.rst() {
            self.on_rst(h);
        } else {
            match self.state {
                TcpState::Closed | TcpState::Listen => {}
                TcpState::SynSent => self.on_syn_ack(now, h),
                TcpState::SynReceived => {
                    if h.flags.syn() && !h.flags.ack() {
                        // The peer retransmitted its SYN: our SYN-ACK was lost.
                        self.syn_pending = true;
                    } else if h.flags.ack() && h.ack == self.snd.iss + 1 {
                        self.handshake_rtt(now, h);
                        self.snd.advance(1, now, None);
                        self.established(now);
                        self.on_synchronized(now, h, coupling);
                    }
                }
                _ => self.on_synchronized(now, h, coupling),
            }
        }
        self.report(now, before);
    }

    fn on_syn_ack(&mut self, now: Instant, h: &TcpHeader) {
        // Simultaneous open (a SYN without ACK) is not supported and ignored.
        if !h.flags.syn() || !h.flags.ack() || h.ack != self.snd.iss + 1 {
            return;
        }
        self.negotiate(&h.options);
        self.irs = h.seq;
        self.rcv.on_syn(h.options.timestamps.map(|t| t.tsval));
        self.snd.set_syn_window(h.window, 1);
        self.handshake_rtt(now, h);
        self.snd.advance(1, now, None);
        self.established(now);
        self.rcv.ack_now = true;
    }

    /// RTT sample from the handshake: the echoed timestamp, or (Karn) the SYN's send time
    /// when it was not retransmitted.
    fn handshake_rtt(&mut self, now: Instant, h: &TcpHeader) {
        let sample = match h.options.timestamps {
            Some(ts) if self.ts_ok && ts.tsecr != 0 => Some(self.ts_rtt(now, ts.tsecr)),
            _ if self.syn_retransmits == 0 => self.syn_sent_at.map(|t| now - t),
            _ => None,
        };
        if let Some(r) = sample {
            self.rtt.on_sample_at(r, self.snd.una, self.snd.nxt);
        }
    }

    /// Entering ESTABLISHED (or FIN-WAIT-1 when the application already closed): the
    /// congestion controller starts with IW = `init_cwnd_segments`·SMSS (RFC 6928), or one
    /// segment if the SYN or SYN-ACK had to be retransmitted (RFC 5681 §3.1).
    fn established(&mut self, now: Instant) {
        self.state = if self.snd.fin_queued {
            TcpState::FinWait1
        } else {
            TcpState::Established
        };
        self.counters.established_at = Some(now);
        self.ever_established = true;
        let smss = self.smss();
        let segs = if self.syn_retransmits > 0 {
            1
        } else {
            u64::from(self.cfg.init_cwnd_segments.max(1))
        };
        self.cc = Cc::with_options(self.cfg.cc, smss, segs * smss, &self.cfg.cc_options(smss));
        self.rto_at = None;
        self.rtt.reset_backoff();
    }

    fn on_rst(&mut self, h: &TcpHeader) {
        match self.state {
            TcpState::Closed | TcpState::Listen => {}
            TcpState::TimeWait => {
                // RFC 9293 §3.10.7.4 / RFC 1337: the connection is over anyway.
                self.state = TcpState::Closed;
                self.time_wait_at = None;
            }
            TcpState::SynSent => {
                if h.flags.ack() && h.ack == self.snd.iss + 1 {
                    self.abort(ConnectionError::Refused);
                }
            }
            _ => {
                // RFC 9293 §3.10.7.4: a RST is acceptable when its sequence number is in
                // the receive window.
                let seq = h.seq.to_offset(self.irs, self.rcv.nxt);
                if seq >= self.rcv.nxt && seq <= self.rcv.nxt + u64::from(self.cfg.rcv_buf) {
                    self.abort(ConnectionError::Reset);
                }
            }
        }
    }

    /// Timestamp clock: microseconds plus the per-connection offset.
    pub(super) fn tsval(&self, now: Instant) -> u32 {
        // Truncation is the point: the timestamp clock wraps (RFC 7323 §5.2).
        ((now.as_nanos() / 1_000) as u32).wrapping_add(self.ts_offset)
    }

    /// RTT from an echoed timestamp.
    pub(super) fn ts_rtt(&self, now: Instant, tsecr: u32) -> Duration {
        Duration::from_micros(u64::from(self.tsval(now).wrapping_sub(tsecr)))
    }
}

#[cfg(test)]
mod layout_tests {
    use super::TcpSocket;
    use std::mem::offset_of;

    /// The fields a receiver's visit reads follow everything only a sender reads (see
    /// [`TcpSocket`]'s layout): a field added in the wrong place shows here.
    #[test]
    fn a_receivers_fields_follow_the_senders() {
        let shared = offset_of!(TcpSocket, snd.board);
        for (name, off) in [
            ("cfg", offset_of!(TcpSocket, cfg)),
            ("cc", offset_of!(TcpSocket, cc)),
            ("rtt", offset_of!(TcpSocket, rtt)),
            ("max_flight", offset_of!(TcpSocket, max_flight)),
            ("snd.prr", offset_of!(TcpSocket, snd.prr)),
            ("snd.timed", offset_of!(TcpSocket, snd.timed)),
            ("snd.newreno_cwnd", offset_of!(TcpSocket, snd.newreno_cwnd)),
        ] {
            assert!(off < shared, "{name} at {off}, the shared part at {shared}");
        }
        for (name, off) in [
            ("snd.una", offset_of!(TcpSocket, snd.una)),
            ("rto_at", offset_of!(TcpSocket, rto_at)),
            ("output_idle", offset_of!(TcpSocket, output_idle)),
            ("generation", offset_of!(TcpSocket, generation)),
            ("segments_sent", offset_of!(TcpSocket, segments_sent)),
            ("rto_epoch", offset_of!(TcpSocket, rto_epoch)),
            ("ever_established", offset_of!(TcpSocket, ever_established)),
            ("rcv.nxt", offset_of!(TcpSocket, rcv.nxt)),
        ] {
            assert!(off > shared, "{name} at {off}, the shared part at {shared}");
        }
        // The counters are a sender's: what every visit reads of them (segments sent, the
        // timeouts and the establishment, for the events) is kept beside the shared part.
        assert!(offset_of!(TcpSocket, counters) < shared);
        // No padding to speak of: the order costs no space.
        assert!(std::mem::size_of::<TcpSocket>() <= 1_208);
    }
}
