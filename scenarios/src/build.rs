//! Turns a validated [`Plan`] into a ready-to-run simulator: the network, the hosts' stacks,
//! the flows' endpoints and the scheduled link events.

use crate::schema::{CcName, TransportSpec};
use crate::validate::{End, Plan};
use mptcp_model::app::BulkSender;
use mptcp_model::cc::CcKind;
use mptcp_model::host::{FlowId, HostStack};
use mptcp_model::tcp::{SocketAddr, TcpConfig};
use mptcp_model::wire::tcp::TcpHeader;
use sim_core::{Attach, HostId, LinkConfig, LinkId, NetworkBuilder, Simulator};

/// The simulator type every scenario runs on.
pub type Sim = Simulator<TcpHeader, HostStack>;

/// Port the receiver of flow `i` listens on.
pub fn server_port(i: usize) -> u16 {
    5000 + i as u16
}

/// Port the sender of flow `i` connects from.
pub fn client_port(i: usize) -> u16 {
    40000 + i as u16
}

/// The directed link ids of plan link `i`: forward (`a -> b`) and reverse.
pub fn link_ids(i: usize) -> (LinkId, LinkId) {
    (LinkId(2 * i as u32), LinkId(2 * i as u32 + 1))
}

/// Output name of a directed link.
pub fn link_name(plan: &Plan, id: LinkId) -> String {
    let l = &plan.links[id.0 as usize / 2];
    if id.0 % 2 == 0 {
        l.name.clone()
    } else {
        format!("{}.rev", l.name)
    }
}

/// Builds the simulator for `plan`.
pub fn build(plan: &Plan) -> Result<Sim, String> {
    let mut nb = NetworkBuilder::new();
    let mut ifaces = Vec::new();
    for h in &plan.hosts {
        let id = nb.add_host(&h.name);
        let mut v = Vec::new();
        for (_, addr) in &h.ifaces {
            v.push(nb.add_interface(id, *addr).map_err(|e| e.to_string())?);
        }
        ifaces.push(v);
    }
    let routers: Vec<_> = plan.routers.iter().map(|r| nb.add_router(r)).collect();
    let attach = |e: End| match e {
        End::Iface { host, iface } => Attach::Iface(ifaces[host][iface]),
        End::Router(i) => Attach::Node(routers[i]),
    };
    for l in &plan.links {
        for (name, from, to, d) in [
            (l.name.clone(), l.a, l.b, &l.fwd),
            (format!("{}.rev", l.name), l.b, l.a, &l.rev),
        ] {
            nb.add_link(LinkConfig {
                name,
                from: attach(from),
                to: attach(to),
                rate: d.rate.clone(),
                delay: d.delay,
                queue: d.queue,
                loss: d.loss,
            });
        }
    }
    for r in &plan.routes {
        let hops = r
            .hops
            .iter()
            .map(|h| {
                let (f, b) = link_ids(h.link);
                if h.forward {
                    f
                } else {
                    b
                }
            })
            .collect();
        nb.add_route(r.src, r.dst, hops)
            .map_err(|e| e.to_string())?;
    }
    let network = nb.build().map_err(|e| e.to_string())?;
    let mut hosts: Vec<HostStack> = plan
        .hosts
        .iter()
        .map(|h| HostStack::new(&h.name, plan.seed))
        .collect();
    for (i, f) in plan.flows.iter().enumerate() {
        let TransportSpec::Tcp(t) = &f.transport;
        let mut cfg = TcpConfig {
            mss: t.mss,
            sack: t.sack,
            timestamps: t.timestamps,
            delayed_ack: t.delayed_ack,
            rcv_buf: clamp_u32(t.rcv_buf.0),
            snd_buf: clamp_u32(t.snd_buf.0),
            init_cwnd_segments: t.init_cwnd,
            min_rto: t.min_rto.0,
            ..TcpConfig::default()
        };
        cfg.cc = match t.cc {
            CcName::Reno => CcKind::Reno,
            CcName::Cubic => CcKind::Cubic,
        };
        let local = SocketAddr {
            addr: f.src.addr,
            port: client_port(i),
        };
        let remote = SocketAddr {
            addr: f.dst.addr,
            port: server_port(i),
        };
        let id = FlowId(i as u32);
        hosts[f.dst.host].add_listener(id, remote, cfg);
        hosts[f.src.host].add_sender(
            id,
            local,
            remote,
            f.start,
            cfg,
            BulkSender { total: f.bytes },
        );
    }
    let mut sim = Simulator::new(network, hosts, plan.seed).map_err(|e| e.to_string())?;
    for ev in &plan.events {
        let (f, b) = link_ids(ev.link);
        if let Some(c) = &ev.fwd_change {
            sim.schedule_link_change(ev.at, f, c.clone());
        }
        if let Some(c) = &ev.rev_change {
            sim.schedule_link_change(ev.at, b, c.clone());
        }
    }
    for f in &plan.flows {
        sim.wake_host(HostId(f.src.host as u32), f.start);
    }
    Ok(sim)
}

fn clamp_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}
