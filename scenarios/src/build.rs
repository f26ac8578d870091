//! Turns a validated [`Plan`] into a ready-to-run simulator: the network, the hosts' stacks,
//! the flows' endpoints and the scheduled link events. The plan's transports are already the
//! model's configurations ([`crate::plan::PlanTransport`]); this file only hands them over.
//!
//! It returns the simulator with its [`Handles`]: the engine's ids of the plan's hosts, link
//! directions and flows, which the runner, the metrics and the recorder use. Nothing else
//! converts between the plan's indices and the engine's ids.

use crate::plan::{Dir, FlowIndex, HostIndex, LinkDirection, LinkIndex, Plan, PlanTransport};
use crate::plan::{End, FlowEnd, PlanFlow, PlanMptcp};
use mptcp_model::app::BulkSender;
use mptcp_model::host::{EndpointChange, FlowId, HostStack, Role};
use mptcp_model::middlebox::Middleboxes;
use mptcp_model::tcp::SocketAddr;
use sim_core::{Attach, HostId, LinkConfig, LinkId, Network, NetworkBuilder};

pub use crate::engine::{PacketForm, Sim};

/// The engine's ids of one flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowHandle {
    /// The flow's id at both of its hosts.
    pub id: FlowId,
    /// The data sender's host.
    pub sender: HostId,
    /// The data receiver's host.
    pub receiver: HostId,
    /// The data sender of the flow's own connection (TCP, MPTCP or SCTP): `sender`, or a
    /// Transport Converter standing in for the server's end.
    pub leg_sender: HostId,
    /// The data receiver of the flow's own connection: `receiver`, or the converter.
    pub leg_receiver: HostId,
}

/// The engine's ids of a plan's hosts, link directions and flows.
#[derive(Clone, Debug, Default)]
pub struct Handles {
    hosts: Vec<HostId>,
    links: Vec<[LinkId; 2]>,
    flows: Vec<FlowHandle>,
}

impl Handles {
    /// The engine's host `h`.
    pub fn host(&self, h: HostIndex) -> HostId {
        self.hosts[h.0 as usize]
    }

    /// The engine's one-way link of direction `d`.
    pub fn link(&self, d: LinkDirection) -> LinkId {
        self.links[d.link.0 as usize][d.dir as usize]
    }

    /// Flow `f`'s ids.
    pub fn flow(&self, f: FlowIndex) -> FlowHandle {
        self.flows[f.0 as usize]
    }

    /// Flow `f`'s receiving (`receiver`) or sending host becomes `host` (the backend a
    /// load balancer gave the connection to).
    pub(crate) fn set_flow_end(&mut self, f: FlowIndex, receiver: bool, host: HostId) {
        let h = &mut self.flows[f.0 as usize];
        if receiver {
            h.receiver = host;
            h.leg_receiver = host;
        } else {
            h.sender = host;
            h.leg_sender = host;
        }
    }

    /// Every flow's ids, in the plan's order.
    pub fn flows(&self) -> impl Iterator<Item = (FlowIndex, FlowHandle)> + '_ {
        (self.flows.iter().enumerate()).map(|(i, h)| (FlowIndex(i as u32), *h))
    }

    /// Every engine link with its plan direction, in the plan's order of directions.
    pub fn directions(&self) -> impl Iterator<Item = (LinkDirection, LinkId)> + '_ {
        (self.links.iter().enumerate()).flat_map(|(l, ids)| {
            Dir::BOTH.map(|dir| {
                let d = LinkDirection {
                    link: LinkIndex(l as u32),
                    dir,
                };
                (d, ids[dir as usize])
            })
        })
    }
}

/// A built simulator and the ids of what the plan named in it.
pub struct Built {
    /// The simulator, at time zero.
    pub sim: Sim,
    /// The engine's ids of the plan's hosts, links and flows.
    pub handles: Handles,
}

/// Builds the simulator for `plan`.
pub fn build(plan: &Plan) -> Result<Built, String> {
    build_as(plan, PacketForm::Auto)
}

/// Builds the simulator for `plan`, on the packets `form` says.
pub fn build_as(plan: &Plan, form: PacketForm) -> Result<Built, String> {
    let mut nb = NetworkBuilder::new();
    if plan.ecmp {
        nb.ecmp(plan.seed);
    }
    let mut handles = Handles::default();
    let mut ifaces = Vec::new();
    for h in &plan.hosts {
        let id = nb.add_host(&h.name);
        handles.hosts.push(id);
        let v = (h.ifaces.iter())
            .map(|i| nb.add_interface(id, i.addr).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        ifaces.push(v);
    }
    let routers: Vec<_> = plan.routers.iter().map(|r| nb.add_router(r)).collect();
    for m in &plan.middleboxes {
        for (&r, &addr) in m.router.iter().zip(&m.owned) {
            nb.add_router_address(routers[r], addr)
                .map_err(|e| e.to_string())?;
        }
    }
    let attach = |e: End| match e {
        End::Iface(i) => Attach::Iface(ifaces[i.host.0 as usize][i.nth as usize]),
        End::Router(r) => Attach::Node(routers[r.0 as usize]),
    };
    for l in &plan.links {
        let ids = Dir::BOTH.map(|dir| {
            let (from, to) = l.ends(dir);
            let d = l.params(dir);
            nb.add_link(LinkConfig {
                name: l.direction_name(dir),
                from: attach(from),
                to: attach(to),
                rate: d.rate.clone(),
                delay: d.delay,
                queue: d.queue,
                loss: d.loss,
                jitter: d.jitter,
                framing: d.framing,
            })
        });
        handles.links.push(ids);
    }
    for r in &plan.routes {
        let hops = r.hops.iter().map(|&d| handles.link(d)).collect();
        nb.add_route(r.src, r.dst, hops)
            .map_err(|e| e.to_string())?;
    }
    for b in &plan.bonds {
        for dir in Dir::BOTH {
            nb.add_bond(crate::bonds::engine_bond(b, dir, &handles));
        }
    }
    let network = nb.build().map_err(|e| e.to_string())?;
    let mut hosts: Vec<HostStack> = plan
        .hosts
        .iter()
        .map(|h| HostStack::new(&h.name, plan.seed))
        .collect();
    for (i, f) in plan.flows_indexed() {
        let (leg_sender, leg_receiver) = f.leg_hosts();
        let handle = FlowHandle {
            id: FlowId(i.0),
            sender: handles.host(f.src.host()),
            receiver: handles.host(f.dst.host()),
            leg_sender: handles.host(leg_sender),
            leg_receiver: handles.host(leg_receiver),
        };
        handles.flows.push(handle);
        add_flow(&mut hosts, (&handles, &network), handle, f);
    }
    for &iface in plan.capture.iter().flat_map(|c| &c.ifaces) {
        hosts[handles.host(iface.host).0 as usize].capture_interface(plan.iface(iface).addr);
    }
    schedule_host_events(&mut hosts, plan, &handles);
    let boxes = middleboxes(plan, &handles);
    let mut sim = Sim::new(network, hosts, plan.seed, boxes, form).map_err(|e| e.to_string())?;
    for m in &plan.middleboxes {
        for &l in &m.links {
            sim.attach_middlebox(handles.link(directed(l)));
        }
    }
    for ev in &plan.events {
        for (dir, change) in &ev.changes {
            let d = LinkDirection {
                link: ev.link,
                dir: *dir,
            };
            sim.schedule_link_change(ev.at, handles.link(d), change.clone());
        }
    }
    for f in &handles.flows {
        let start = plan.flows[f.id.0 as usize].start;
        sim.wake_host(f.sender, start);
        sim.wake_host(f.receiver, start);
    }
    Ok(Built { sim, handles })
}

/// Endpoint changes (MP_PRIO, `ip mptcp endpoint delete/add`) at the host interfaces the
/// events name, and the applications' aborts (MP_FASTCLOSE).
fn schedule_host_events(hosts: &mut [HostStack], plan: &Plan, handles: &Handles) {
    for ev in &plan.events {
        use crate::schema::ActionSpec;
        let change = match ev.action {
            ActionSpec::SetBackup(backup) => EndpointChange::Backup(backup),
            ActionSpec::EndpointDelete => EndpointChange::Delete,
            ActionSpec::EndpointAdd(e) => EndpointChange::Add(mptcp_model::mptcp::EndpointFlags {
                signal: e.signal,
                subflow: e.subflow,
                backup: e.backup,
                fullmesh: e.fullmesh,
            }),
            _ => continue,
        };
        for &iface in &ev.endpoints {
            let host = &mut hosts[handles.host(iface.host).0 as usize];
            host.schedule_endpoint(ev.at, plan.iface(iface).addr, change);
        }
    }
    for (i, f) in plan.flows_indexed() {
        if let Some(at) = f.abort {
            hosts[handles.host(f.src.host()).0 as usize].schedule_abort(at, FlowId(i.0));
        }
    }
}

/// A middlebox's directed link id (`2 * link + reverse`) as a plan direction.
fn directed(l: u32) -> LinkDirection {
    let dir = if l % 2 == 0 {
        Dir::Forward
    } else {
        Dir::Reverse
    };
    LinkDirection {
        link: LinkIndex(l / 2),
        dir,
    }
}

/// The plan's middleboxes (attached to their links by [`build`]).
fn middleboxes(plan: &Plan, handles: &Handles) -> Middleboxes {
    let mut boxes = Middleboxes::new();
    for m in &plan.middleboxes {
        let links: Vec<LinkId> = m.links.iter().map(|&l| handles.link(directed(l))).collect();
        boxes.add(&m.name, m.kind.clone(), &links, plan.seed);
    }
    boxes
}

/// Gives flow `f`'s endpoints (ids `h`) to its hosts.
fn add_flow(
    hosts: &mut [HostStack],
    (handles, network): (&Handles, &Network),
    h: FlowHandle,
    f: &PlanFlow,
) {
    let id = h.id;
    let host = |h: HostIndex| handles.host(h).0 as usize;
    match &f.transport {
        PlanTransport::Sctp(s) => {
            let at = |e: FlowEnd| host(e.host());
            crate::sctp_plan::add_sctp_flow(hosts, network, at, h, f, s);
        }
        PlanTransport::Tcp(t) => {
            hosts[host(f.dst.host())].add_listener(id, t.remote, t.config);
            let app = BulkSender { total: f.bytes };
            hosts[host(f.src.host())].add_sender(id, t.local, t.remote, f.start, t.config, app);
        }
        PlanTransport::Mptcp(m) => {
            let (open_role, listen_role) = roles(f, m);
            if let Some(p) = &f.proxy {
                let at = |e: FlowEnd| host(e.host());
                crate::proxy_plan::add_proxy(hosts, at, (id, f), p, m, &open_role);
                let converter = &mut hosts[host(p.end.host())];
                let announce = m.announce.clone();
                converter.add_mptcp_server(id, m.remote, announce, m.config, Role::Relay);
                let open = &mut hosts[host(m.opener.host())];
                open.add_mptcp_client(id, m.locals.clone(), m.remote, f.start, m.config, open_role);
                return;
            }
            match &f.via {
                // Every backend listens on its own address; one of them gets the connection.
                Some(v) => {
                    for b in &v.backends {
                        let mut own = m.announce.clone();
                        if own.first() == Some(&m.listener.addr) {
                            own[0] = b.addr;
                        }
                        let local = SocketAddr::new(b.addr, m.remote.port);
                        let role = listen_role;
                        hosts[host(b.host())].add_mptcp_server(id, local, own, m.config, role);
                    }
                }
                None => {
                    let listen = &mut hosts[host(m.listener.host())];
                    let announce = m.announce.clone();
                    listen.add_mptcp_server(id, m.remote, announce, m.config, listen_role);
                }
            }
            let open = &mut hosts[host(m.opener.host())];
            open.add_mptcp_client(id, m.locals.clone(), m.remote, f.start, m.config, open_role);
        }
    }
}

/// The applications of an MPTCP flow's (opening, listening) ends.
fn roles(f: &PlanFlow, m: &PlanMptcp) -> (Role, Role) {
    let sender = match f.paced {
        Some(p) => Role::Paced(p),
        None => Role::Send(BulkSender { total: f.bytes }),
    };
    let receiver = f
        .paced
        .map_or(Role::Receive, |p| Role::ReceiveMessages(p.chunk));
    if m.opener == f.src {
        (sender, receiver)
    } else {
        (receiver, sender)
    }
}
