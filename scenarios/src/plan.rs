//! The resolved plan of a run: what [`crate::validate`] makes of a scenario, and all that
//! [`crate::build`], the runner and the outputs read.
//!
//! Every name of the scenario is resolved into a typed index ([`HostIndex`], [`IfaceIndex`],
//! [`RouterIndex`], [`LinkIndex`] with a [`Dir`] for one direction, [`FlowIndex`]) into the
//! plan's own tables, and every transport into the model's configuration
//! ([`PlanTransport`]): nothing downstream reads the schema's transport settings again or
//! recomputes an index convention. The engine's ids (`sim_core::HostId`, `LinkId`, ...) are
//! the builder's business; it hands them back as [`crate::build::Handles`].
//!
//! This file holds data only and imports neither the validation nor the builder, so both
//! depend on it and not on each other.

use crate::schema::{ActionSpec, CaptureFormat, CaptureLink, Scenario};
use mptcp_model::app::Paced;
use mptcp_model::host::LocalAddr;
use mptcp_model::mptcp::MptcpConfig;
use mptcp_model::tcp::{SocketAddr, TcpConfig};
use sim_core::{Addr, Duration, Framing, Instant, LinkChange, LinkRate, LossModel, QueueLimit};
use std::path::PathBuf;

/// A host of the plan: index into [`Plan::hosts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostIndex(pub u32);

/// An interface of a plan host: its host and its position among the host's interfaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IfaceIndex {
    /// The host.
    pub host: HostIndex,
    /// Position in [`PlanHost::ifaces`].
    pub nth: u32,
}

/// A router of the plan: index into [`Plan::routers`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RouterIndex(pub u32);

/// A duplex link of the plan: index into [`Plan::links`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkIndex(pub u32);

/// A flow of the plan: index into [`Plan::flows`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowIndex(pub u32);

/// One direction of a duplex link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dir {
    /// `a -> b`.
    Forward,
    /// `b -> a`.
    Reverse,
}

impl Dir {
    /// Both directions, forward first.
    pub const BOTH: [Dir; 2] = [Dir::Forward, Dir::Reverse];

    /// The other direction.
    pub fn flip(self) -> Dir {
        match self {
            Dir::Forward => Dir::Reverse,
            Dir::Reverse => Dir::Forward,
        }
    }
}

/// One direction of one duplex link (a one-way link of the engine).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkDirection {
    /// The duplex link.
    pub link: LinkIndex,
    /// Which way.
    pub dir: Dir,
}

/// One end of a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// A host interface.
    Iface(IfaceIndex),
    /// A router.
    Router(RouterIndex),
}

impl End {
    /// The interface, for a host end.
    pub fn iface(self) -> Option<IfaceIndex> {
        match self {
            End::Iface(i) => Some(i),
            End::Router(_) => None,
        }
    }
}

/// A host interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanIface {
    /// Its name on the host (`wifi`).
    pub name: String,
    /// Its address.
    pub addr: Addr,
}

/// A resolved host.
#[derive(Clone, Debug)]
pub struct PlanHost {
    /// Host name.
    pub name: String,
    /// Interfaces, in the scenario's order.
    pub ifaces: Vec<PlanIface>,
}

/// Resolved parameters of one direction of a link.
#[derive(Clone, Debug)]
pub struct DirParams {
    /// Capacity.
    pub rate: LinkRate,
    /// Propagation delay.
    pub delay: Duration,
    /// Delay variation (uniform `0..=jitter` per packet, FIFO kept).
    pub jitter: Duration,
    /// Queue limit.
    pub queue: QueueLimit,
    /// Loss model.
    pub loss: LossModel,
    /// Link-layer framing.
    pub framing: Framing,
}

/// A resolved duplex link.
#[derive(Clone, Debug)]
pub struct PlanLink {
    /// Link name (the forward direction's name; the reverse is `name.rev`).
    pub name: String,
    /// Forward source.
    pub a: End,
    /// Forward destination.
    pub b: End,
    /// `a -> b`.
    pub fwd: DirParams,
    /// `b -> a`.
    pub rev: DirParams,
}

impl PlanLink {
    /// The parameters of direction `dir`.
    pub fn params(&self, dir: Dir) -> &DirParams {
        match dir {
            Dir::Forward => &self.fwd,
            Dir::Reverse => &self.rev,
        }
    }

    /// Where direction `dir` starts and ends.
    pub fn ends(&self, dir: Dir) -> (End, End) {
        match dir {
            Dir::Forward => (self.a, self.b),
            Dir::Reverse => (self.b, self.a),
        }
    }

    /// The output name of direction `dir`: `name`, or `name.rev`.
    pub fn direction_name(&self, dir: Dir) -> String {
        match dir {
            Dir::Forward => self.name.clone(),
            Dir::Reverse => format!("{}.rev", self.name),
        }
    }
}

/// A resolved explicit route.
#[derive(Clone, Debug)]
pub struct PlanRoute {
    /// Source address.
    pub src: Addr,
    /// Destination address.
    pub dst: Addr,
    /// The link directions in order.
    pub hops: Vec<LinkDirection>,
}

/// A resolved flow endpoint: an interface and its address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowEnd {
    /// The interface.
    pub iface: IfaceIndex,
    /// Its address.
    pub addr: Addr,
}

impl FlowEnd {
    /// The end's host.
    pub fn host(&self) -> HostIndex {
        self.iface.host
    }
}

/// A plain TCP flow, resolved into the model's configuration.
#[derive(Clone, Debug)]
pub struct PlanTcp {
    /// The sockets' configuration.
    pub config: TcpConfig,
    /// The sender's address and port.
    pub local: SocketAddr,
    /// The receiver's listening address and port.
    pub remote: SocketAddr,
}

/// An MPTCP flow, resolved into the model's configuration and the two ends' roles.
#[derive(Clone, Debug)]
pub struct PlanMptcp {
    /// The connection's configuration (path manager flags set for the opener's interfaces).
    pub config: MptcpConfig,
    /// The end that opens the connection (MP_CAPABLE SYN, then the joins).
    pub opener: FlowEnd,
    /// The end that listens.
    pub listener: FlowEnd,
    /// The opener's addresses in the order it tries them, with their backup flags.
    pub locals: Vec<LocalAddr>,
    /// The listener's address and port.
    pub remote: SocketAddr,
    /// The listener's other addresses it announces (ADD_ADDR).
    pub announce: Vec<Addr>,
    /// The scheduler's name for the summary (`minrtt`, ...).
    pub scheduler_label: &'static str,
}

/// A flow's transport.
#[derive(Clone, Debug)]
pub enum PlanTransport {
    /// Single-path TCP.
    Tcp(PlanTcp),
    /// Multipath TCP.
    Mptcp(PlanMptcp),
}

/// A resolved flow.
#[derive(Clone, Debug)]
pub struct PlanFlow {
    /// Flow name.
    pub name: String,
    /// Data sender.
    pub src: FlowEnd,
    /// Data receiver.
    pub dst: FlowEnd,
    /// Start time.
    pub start: Instant,
    /// The transport, as the model runs it.
    pub transport: PlanTransport,
    /// The congestion controller's name for the summary (`reno`, `lia-linux`, ...).
    pub cc_label: String,
    /// Bytes to send (None = unlimited).
    pub bytes: Option<u64>,
    /// MPTCP only: a paced application (constant bit rate, on-off, request/response).
    pub paced: Option<Paced>,
    /// MPTCP only: when the data sender's application aborts (MP_FASTCLOSE).
    pub abort: Option<Instant>,
    /// MPTCP only: the load balancer the opening end connects through.
    pub via: Option<crate::middlebox::Balanced>,
}

impl PlanFlow {
    /// The MPTCP settings, for an MPTCP flow.
    pub fn mptcp(&self) -> Option<&PlanMptcp> {
        match &self.transport {
            PlanTransport::Mptcp(m) => Some(m),
            PlanTransport::Tcp(_) => None,
        }
    }
}

/// A resolved link event.
#[derive(Clone, Debug)]
pub struct PlanEvent {
    /// When.
    pub at: Instant,
    /// The link it names.
    pub link: LinkIndex,
    /// What happens, as written.
    pub action: ActionSpec,
    /// The engine's change of each direction it applies to (rates, queues, losses, up and
    /// down).
    pub changes: Vec<(Dir, LinkChange)>,
    /// `SetBackup`, `EndpointDelete`, `EndpointAdd`: the host interfaces at the link's ends,
    /// whose MPTCP endpoints change.
    pub endpoints: Vec<IfaceIndex>,
}

/// A packet capture, resolved: the interfaces and how their files are written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanCapture {
    /// The captured interfaces, in plan order.
    pub ifaces: Vec<IfaceIndex>,
    /// pcap or pcapng.
    pub format: CaptureFormat,
    /// Ethernet or raw IP framing.
    pub link: CaptureLink,
    /// Bytes kept of each frame.
    pub snaplen: u32,
}

/// A scenario whose names are resolved and whose values are checked.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The scenario file.
    pub file: PathBuf,
    /// Name used in outputs.
    pub name: String,
    /// The scenario as parsed (with the seed actually used).
    pub scenario: Scenario,
    /// Simulated length.
    pub duration: Duration,
    /// Master seed.
    pub seed: u64,
    /// Hosts.
    pub hosts: Vec<PlanHost>,
    /// Router names.
    pub routers: Vec<String>,
    /// Equal-cost multipath at routers.
    pub ecmp: bool,
    /// Links.
    pub links: Vec<PlanLink>,
    /// Explicit routes (both directions when symmetric).
    pub routes: Vec<PlanRoute>,
    /// Flows.
    pub flows: Vec<PlanFlow>,
    /// Events in time order (stable for equal times).
    pub events: Vec<PlanEvent>,
    /// The packet capture, if the scenario asks for one.
    pub capture: Option<PlanCapture>,
    /// Middleboxes.
    pub middleboxes: Vec<crate::middlebox::PlanMiddlebox>,
}

impl Plan {
    /// The end of the run.
    pub fn end(&self) -> Instant {
        Instant::ZERO + self.duration
    }

    /// Host `h`.
    pub fn host(&self, h: HostIndex) -> &PlanHost {
        &self.hosts[h.0 as usize]
    }

    /// Interface `i`.
    pub fn iface(&self, i: IfaceIndex) -> &PlanIface {
        &self.host(i.host).ifaces[i.nth as usize]
    }

    /// Interface `i` as the scenario names it: `host.iface`.
    pub fn iface_label(&self, i: IfaceIndex) -> String {
        format!("{}.{}", self.host(i.host).name, self.iface(i).name)
    }

    /// Link `l`.
    pub fn link(&self, l: LinkIndex) -> &PlanLink {
        &self.links[l.0 as usize]
    }

    /// Flow `f`.
    pub fn flow(&self, f: FlowIndex) -> &PlanFlow {
        &self.flows[f.0 as usize]
    }

    /// The host indices, in order.
    pub fn host_indices(&self) -> impl Iterator<Item = HostIndex> {
        (0..self.hosts.len() as u32).map(HostIndex)
    }

    /// The interfaces of host `h`, in order.
    pub fn iface_indices(&self, h: HostIndex) -> impl Iterator<Item = IfaceIndex> {
        (0..self.host(h).ifaces.len() as u32).map(move |nth| IfaceIndex { host: h, nth })
    }

    /// The flows, with their indices.
    pub fn flows_indexed(&self) -> impl Iterator<Item = (FlowIndex, &PlanFlow)> {
        (self.flows.iter().enumerate()).map(|(i, f)| (FlowIndex(i as u32), f))
    }

    /// Every link direction: each link's forward, then its reverse, in link order.
    pub fn directions(&self) -> impl Iterator<Item = LinkDirection> {
        (0..self.links.len() as u32).flat_map(|l| {
            Dir::BOTH.map(|dir| LinkDirection {
                link: LinkIndex(l),
                dir,
            })
        })
    }

    /// The parameters of link direction `d`.
    pub fn direction(&self, d: LinkDirection) -> &DirParams {
        self.link(d.link).params(d.dir)
    }

    /// The output name of link direction `d` (`name` or `name.rev`).
    pub fn direction_name(&self, d: LinkDirection) -> String {
        self.link(d.link).direction_name(d.dir)
    }
}
