//! The association: states and handshake (RFC 9260 §4, §5), timers, path management and
//! failover (§6.3, §6.4, §8), shutdown (§9.2), and assembling packets to send.

use super::config::SctpConfig;
use super::path::{Path, PathState};
use super::recv::Receiver;
use super::send::SendQueue;
use super::{PathStats, SctpError, SctpEvent, SctpStats};
use crate::wire::sctp::{AddrList, Control, CookieRepr, HeartbeatInfo, InitRepr, MAX_ADDRS};
use rand::Rng;
use sim_core::{Addr, Duration, Instant, RngStream};
use std::collections::VecDeque;

/// Association states (§4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AssocState {
    /// No association (never opened, or ended).
    Closed,
    /// INIT sent, waiting for the INIT ACK.
    CookieWait,
    /// COOKIE ECHO sent, waiting for the COOKIE ACK.
    CookieEchoed,
    /// Data flows both ways.
    Established,
    /// The application closed; waiting for outstanding data to be acknowledged.
    ShutdownPending,
    /// SHUTDOWN sent.
    ShutdownSent,
    /// SHUTDOWN received; sending what is left.
    ShutdownReceived,
    /// SHUTDOWN ACK sent.
    ShutdownAckSent,
}

/// Outbound streams announced, and inbound streams accepted (Linux's defaults).
const OUTBOUND_STREAMS: u16 = 10;
const INBOUND_STREAMS: u16 = 65_535;

/// An SCTP association (see the [module docs](super)).
#[derive(Clone, Debug)]
pub struct SctpAssociation {
    cfg: SctpConfig,
    state: AssocState,
    local_port: u16,
    remote_port: u16,
    local_addrs: AddrList,
    /// `(remote, local)`: the source addresses that reach each destination, in preference
    /// order (routing's choice; a local address whose interface is down is skipped).
    sources: Vec<(Addr, Addr)>,
    /// Local addresses whose interface is down.
    down: AddrList,
    local_tag: u32,
    peer_tag: u32,
    paths: Vec<Path>,
    primary: usize,
    send: SendQueue,
    recv: Receiver,
    rng: RngStream,
    init: InitRepr,
    /// Where the INIT goes (the destination the application named).
    init_dst: Addr,
    cookie: Option<CookieRepr>,
    t1: Option<Instant>,
    t1_rto: Duration,
    init_tries: u32,
    t2: Option<Instant>,
    t2_rto: Duration,
    close_requested: bool,
    /// §8.1: the association's error counter.
    errors: u32,
    /// Control chunks to send: (source, destination, chunk).
    ctl: VecDeque<(Addr, Addr, Control)>,
    /// HEARTBEAT ACKs to send: (source, destination, echoed info).
    hb_acks: VecDeque<(Addr, Addr, HeartbeatInfo)>,
    /// §6.3.3 E3 / §7.2.4: the next retransmission packet goes regardless of the window.
    rtx_free: bool,
    /// The path SACKs go back on (§6.4: where the DATA came from).
    reply_path: usize,
    events: VecDeque<(Instant, SctpEvent)>,
    error: Option<SctpError>,
    stats: SctpStats,
    path_bytes: [u64; MAX_ADDRS],
    read: u64,
}

impl SctpAssociation {
    /// Opens an association from `locals` (all listed in the INIT when more than one) and
    /// `local_port` to `remote:remote_port`; `sources` maps each destination to the local
    /// address that reaches it. The INIT is queued at once (`poll_transmit`).
    #[allow(clippy::too_many_arguments)]
    pub fn connect(
        now: Instant,
        cfg: SctpConfig,
        locals: &[Addr],
        local_port: u16,
        remote: Addr,
        remote_port: u16,
        sources: Vec<(Addr, Addr)>,
        mut rng: RngStream,
    ) -> SctpAssociation {
        let local_tag = nonzero_tag(&mut rng);
        let initial_tsn: u32 = rng.random();
        let init = InitRepr {
            initiate_tag: local_tag,
            a_rwnd: cfg.rcv_buf,
            outbound_streams: OUTBOUND_STREAMS,
            inbound_streams: INBOUND_STREAMS,
            initial_tsn,
            addrs: if locals.len() > 1 {
                AddrList::of(locals)
            } else {
                AddrList::default()
            },
        };
        let mut a = SctpAssociation::blank(cfg, locals, local_port, remote_port, sources, rng);
        a.state = AssocState::CookieWait;
        a.local_tag = local_tag;
        a.init = init;
        a.init_dst = remote;
        a.send = SendQueue::new(initial_tsn, 0);
        a.ctl
            .push_back((a.source_for(remote), remote, Control::Init(init)));
        a.t1 = Some(now + cfg.rto_initial);
        a.t1_rto = cfg.rto_initial;
        a
    }

    fn blank(
        cfg: SctpConfig,
        locals: &[Addr],
        local_port: u16,
        remote_port: u16,
        sources: Vec<(Addr, Addr)>,
        rng: RngStream,
    ) -> SctpAssociation {
        SctpAssociation {
            cfg,
            state: AssocState::Closed,
            local_port,
            remote_port,
            local_addrs: AddrList::of(locals),
            sources,
            down: AddrList::default(),
            local_tag: 0,
            peer_tag: 0,
            paths: Vec::new(),
            primary: 0,
            send: SendQueue::new(0, 0),
            recv: Receiver::new(0, cfg.rcv_buf),
            rng,
            init: InitRepr::default(),
            init_dst: Addr::default(),
            cookie: None,
            t1: None,
            t1_rto: cfg.rto_initial,
            init_tries: 0,
            t2: None,
            t2_rto: cfg.rto_initial,
            close_requested: false,
            errors: 0,
            ctl: VecDeque::new(),
            hb_acks: VecDeque::new(),
            rtx_free: false,
            reply_path: 0,
            events: VecDeque::new(),
            error: None,
            stats: SctpStats::default(),
            path_bytes: [0; MAX_ADDRS],
            read: 0,
        }
    }

    /// The association a listener builds from a valid COOKIE ECHO received from `src` on
    /// `dst` (§5.1.5): established at once, the COOKIE ACK queued.
    pub(super) fn from_cookie(
        now: Instant,
        cfg: SctpConfig,
        locals: &[Addr],
        cookie: &CookieRepr,
        src: Addr,
        sources: Vec<(Addr, Addr)>,
        rng: RngStream,
    ) -> SctpAssociation {
        let mut a = SctpAssociation::blank(
            cfg,
            locals,
            cookie.local_port,
            cookie.peer_port,
            sources,
            rng,
        );
        a.local_tag = cookie.local_tag;
        a.peer_tag = cookie.peer_tag;
        a.send = SendQueue::new(cookie.local_initial_tsn, cookie.peer_rwnd);
        a.recv = Receiver::new(cookie.peer_initial_tsn, cfg.rcv_buf);
        a.set_paths(&cookie.peer_addrs, src, cookie.peer_rwnd);
        let local = a.paths[a.primary].local;
        a.ctl.push_back((local, src, Control::CookieAck));
        a.establish(now);
        a
    }

    /// The paths to the peer's addresses `addrs` (its packet's source `src` alone when it
    /// listed none): `src` is confirmed and primary (§5.4, §6.4), the others unconfirmed.
    fn set_paths(&mut self, addrs: &AddrList, src: Addr, peer_rwnd: u32) {
        let list: Vec<Addr> = if addrs.is_empty() || !addrs.as_slice().contains(&src) {
            let mut v = vec![src];
            v.extend(addrs.as_slice().iter().copied().filter(|&a| a != src));
            v.truncate(MAX_ADDRS);
            v
        } else {
            addrs.as_slice().to_vec()
        };
        self.paths = list
            .iter()
            .map(|&r| {
                let state = if r == src {
                    PathState::Active
                } else {
                    PathState::Unconfirmed
                };
                Path::new(&self.cfg, self.source_for(r), r, state, peer_rwnd)
            })
            .collect();
        self.primary = list.iter().position(|&r| r == src).unwrap_or(0);
        self.reply_path = self.primary;
    }

    /// The local address packets to `remote` leave from: the first that reaches it and is
    /// up (else the first that reaches it, else the first local address).
    fn source_for(&self, remote: Addr) -> Addr {
        let mut reach = self.sources.iter().filter(|(r, _)| *r == remote);
        let first = reach.clone().next().map(|s| s.1);
        let fallback = self.local_addrs.as_slice().first().copied();
        reach
            .find(|(_, l)| !self.down.as_slice().contains(l))
            .map(|s| s.1)
            .or(first)
            .or(fallback)
            .unwrap_or_default()
    }

    /// Local interface `local` went down or came back: packets to each destination leave
    /// from the first local address that reaches it and is up (as routes through a link
    /// without carrier are withdrawn).
    pub fn on_interface_change(&mut self, local: Addr, up: bool) {
        let mut down = AddrList::default();
        for &a in self.down.as_slice() {
            if a != local {
                down.push(a);
            }
        }
        if !up {
            down.push(local);
        }
        self.down = down;
        for k in 0..self.paths.len() {
            self.paths[k].local = self.source_for(self.paths[k].remote);
        }
    }

    fn establish(&mut self, now: Instant) {
        self.state = AssocState::Established;
        self.t1 = None;
        self.stats.established_at = Some(now);
        self.events.push_back((now, SctpEvent::Established));
        for k in 0..self.paths.len() {
            self.paths[k].hb_due = Some(if self.paths[k].state == PathState::Unconfirmed {
                now
            } else {
                self.next_heartbeat(now, k)
            });
        }
        if self.close_requested {
            self.state = AssocState::ShutdownPending;
        }
    }

    /// When the next HEARTBEAT to path `k` is due after one sent (or scheduled) at `now`:
    /// RTO/2 (+ HB.interval) + U[0, RTO) (§8.3, Linux `sctp_transport_reset_hb_timer`).
    fn next_heartbeat(&mut self, now: Instant, k: usize) -> Instant {
        let p = &self.paths[k];
        let base = p.hb_base(&self.cfg);
        let jitter = self.rng.random_range(0..p.rto.as_nanos().max(1));
        now + base + Duration::from_nanos(jitter)
    }
}

/// A random nonzero verification tag (§5.3.1: the tag must not be 0).
fn nonzero_tag(rng: &mut RngStream) -> u32 {
    loop {
        let t: u32 = rng.random();
        if t != 0 {
            return t;
        }
    }
}

// The application's side.
impl SctpAssociation {
    /// Writes up to `bytes` octets (as far as the send buffer has room); returns how many.
    pub fn send(&mut self, bytes: u64) -> u64 {
        match self.state {
            AssocState::CookieWait | AssocState::CookieEchoed | AssocState::Established => {
                self.send.write(bytes, u64::from(self.cfg.snd_buf))
            }
            _ => 0,
        }
    }

    /// Reads everything delivered since the last call; returns how many octets.
    pub fn recv(&mut self) -> u64 {
        let n = self.recv.delivered() - self.read;
        self.read += n;
        n
    }

    /// Octets the application has written.
    pub fn app_bytes_written(&self) -> u64 {
        self.send.written
    }

    /// Octets delivered to (and read by) the application.
    pub fn app_bytes_read(&self) -> u64 {
        self.read
    }

    /// Starts the graceful shutdown once everything written is acknowledged (§9.2).
    pub fn close(&mut self) {
        match self.state {
            AssocState::Established => self.state = AssocState::ShutdownPending,
            AssocState::CookieWait | AssocState::CookieEchoed => self.close_requested = true,
            _ => {}
        }
    }

    /// Whether the application has asked to close, or the peer has started to.
    pub fn is_closing(&self) -> bool {
        self.close_requested
            || !matches!(
                self.state,
                AssocState::CookieWait | AssocState::CookieEchoed | AssocState::Established
            )
    }

    /// Whether the peer has sent SHUTDOWN (it will send nothing more).
    pub fn peer_closed(&self) -> bool {
        matches!(
            self.state,
            AssocState::ShutdownReceived | AssocState::ShutdownAckSent
        ) || (self.state == AssocState::Closed && self.error.is_none())
    }

    /// The state.
    pub fn state(&self) -> AssocState {
        self.state
    }

    /// Why the association failed, if it did.
    pub fn error(&self) -> Option<SctpError> {
        self.error
    }

    /// The local port.
    pub fn local_port(&self) -> u16 {
        self.local_port
    }

    /// The peer's port.
    pub fn remote_port(&self) -> u16 {
        self.remote_port
    }

    /// The paths (destinations), in the peer's address order.
    pub fn paths(&self) -> &[Path] {
        &self.paths
    }

    /// The peer's addresses this association accepts packets from.
    pub fn peer_addrs(&self) -> impl Iterator<Item = Addr> + '_ {
        let init = (self.paths.is_empty()).then_some(self.init_dst);
        init.into_iter().chain(self.paths.iter().map(|p| p.remote))
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<(Instant, SctpEvent)> {
        self.events.pop_front()
    }

    /// Association-wide counters.
    pub fn stats(&self) -> SctpStats {
        SctpStats {
            bytes_written: self.send.written,
            bytes_acked: self.send.acked,
            data_bytes_sent: self.send.sent,
            bytes_retransmitted: self.send.retransmitted,
            chunks_retransmitted: self.send.chunks_retransmitted,
            fast_retransmits: self.send.fast_retransmits,
            bytes_delivered: self.recv.delivered(),
            chunks_received: self.recv.chunks,
            duplicate_chunks: self.recv.duplicates,
            ..self.stats
        }
    }

    /// Each path's state and counters.
    pub fn path_stats(&self) -> impl Iterator<Item = PathStats> + '_ {
        self.paths.iter().enumerate().map(|(k, p)| PathStats {
            local: p.local,
            remote: p.remote,
            state: p.state,
            primary: k == self.primary,
            cwnd: p.cwnd,
            flight: p.flight,
            srtt: p.srtt,
            rto: p.rto,
            errors: p.errors,
            data_bytes_sent: self.path_bytes[k],
        })
    }
}

#[path = "assoc_input.rs"]
mod input;
#[path = "assoc_output.rs"]
mod output;
