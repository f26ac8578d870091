//! What a [`HostStack`] reports to the runner: its endpoints' events ([`FlowEvent`], drained
//! with [`HostStack::poll_event`]), per-path state at a sampling instant
//! ([`HostStack::subflow_samples`], like `ss -tiM`), and, when asked for, the packets that
//! cross its interfaces ([`CapturedPacket`], drained with [`HostStack::poll_captured`]).
//!
//! Contract (see [`crate::event`]): events are always queued and the owner drains them at
//! least at every sampling instant, so the queue holds at most one interval's events.
//! Capture is off until [`HostStack::capture_interface`] names an interface; while off it
//! costs one branch per host call. While on, the owner drains the packets at every sampling
//! instant (the queue reuses its memory: no allocation per packet once grown). Packets are
//! captured as the host sees them: arriving ones before they are processed, leaving ones
//! once the call that produced them returns; nothing leaves an interface the host knows is
//! down (as a real capture sees nothing on a link without carrier).

use super::{Conn, FlowId, HostStack};
use crate::event::{Event, SubflowId};
use crate::mptcp::SubflowState;
use crate::tcp::TcpStats;
use crate::wire::TcpHeader;
use sim_core::{Addr, Instant, Packet};

/// An event of one of the host's endpoints, tagged with its flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowEvent {
    /// The flow.
    pub flow: FlowId,
    /// When it happened.
    pub at: Instant,
    /// The path concerned (a subflow, or a plain TCP connection); `None`: the MPTCP
    /// connection as a whole.
    pub subflow: Option<SubflowId>,
    /// What happened.
    pub event: Event,
}

/// The state of one path (an MPTCP subflow or a plain TCP connection) at a sampling instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubflowSample {
    /// The flow.
    pub flow: FlowId,
    /// The path.
    pub id: SubflowId,
    /// The MPTCP subflow's state (`None`: a plain TCP connection).
    pub mptcp: Option<SubflowState>,
    /// A backup subflow.
    pub backup: bool,
    /// The socket's state and counters (cwnd, ssthresh, RTT, RTO, in flight, ...).
    pub tcp: TcpStats,
}

/// Which way a captured packet crossed the interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Arrived at the host.
    In,
    /// Left the host.
    Out,
}

/// A packet that crossed one of the host's captured interfaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapturedPacket {
    /// When.
    pub at: Instant,
    /// The interface (its address).
    pub iface: Addr,
    /// Which way.
    pub direction: Direction,
    /// The packet.
    pub packet: Packet<TcpHeader>,
}

impl HostStack {
    /// The next event of the host's endpoints, oldest first.
    pub fn poll_event(&mut self) -> Option<FlowEvent> {
        self.events.pop_front()
    }

    /// The state of every path of the host: each plain TCP connection (sender and receiver
    /// sides) and each subflow of each MPTCP connection, in creation order.
    pub fn subflow_samples(&self) -> impl Iterator<Item = SubflowSample> + '_ {
        let tcp = self.conns.iter().map(|c| SubflowSample {
            flow: c.flow,
            id: tcp_id(c),
            mptcp: None,
            backup: false,
            tcp: c.sock.stats(),
        });
        let mp = self.mp_conns.iter().flat_map(|c| {
            c.conn.subflow_stats().map(move |s| SubflowSample {
                flow: c.flow,
                id: s.id,
                mptcp: Some(s.state),
                backup: s.backup,
                tcp: s.tcp,
            })
        });
        tcp.chain(mp)
    }

    /// Captures the packets crossing local interface `addr` from now on.
    pub fn capture_interface(&mut self, addr: Addr) {
        if !self.capture.contains(&addr) {
            self.capture.push(addr);
            self.capturing = true;
        }
    }

    /// The next captured packet, oldest first.
    pub fn poll_captured(&mut self) -> Option<CapturedPacket> {
        self.captured.pop_front()
    }

    /// Moves the events of plain TCP connection `i` into the host's queue.
    pub(super) fn gather_tcp_events(&mut self, i: usize) {
        let c = &mut self.conns[i];
        let id = tcp_id(c);
        while let Some((at, e)) = c.sock.poll_event() {
            self.events.push_back(FlowEvent {
                flow: c.flow,
                at,
                subflow: Some(id),
                event: Event::Tcp(e),
            });
        }
    }

    /// Moves the events of MPTCP connection `k` into the host's queue.
    pub(super) fn gather_mptcp_events(&mut self, k: usize) {
        let c = &mut self.mp_conns[k];
        while let Some(e) = c.conn.poll_event() {
            self.events.push_back(FlowEvent {
                flow: c.flow,
                at: e.at,
                subflow: e.subflow,
                event: e.event,
            });
        }
    }

    /// Captures `pkt` arriving on `pkt.dst` if that interface is captured.
    pub(super) fn capture_in(&mut self, now: Instant, pkt: &Packet<TcpHeader>) {
        if self.capture.contains(&pkt.dst) {
            self.captured.push_back(CapturedPacket {
                at: now,
                iface: pkt.dst,
                direction: Direction::In,
                packet: *pkt,
            });
        }
    }

    /// Captures the packets the host produced (`tx`) on the captured interfaces that are up.
    pub(super) fn capture_out(&mut self, now: Instant, tx: &[Packet<TcpHeader>]) {
        for p in tx {
            if self.capture.contains(&p.src) && !self.down.contains(&p.src) {
                self.captured.push_back(CapturedPacket {
                    at: now,
                    iface: p.src,
                    direction: Direction::Out,
                    packet: *p,
                });
            }
        }
    }
}

/// The path id of plain TCP connection `c`.
fn tcp_id(c: &Conn) -> SubflowId {
    SubflowId {
        number: c.number,
        local: c.sock.local(),
        remote: c.sock.remote(),
        recreated_from: None,
    }
}
