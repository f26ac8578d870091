//! Turns a validated [`Plan`] into a ready-to-run simulator: the network, the hosts' stacks,
//! the flows' endpoints and the scheduled link events.

use crate::schema::{
    CcModeName, CcName, CwndReductionName, LossDetectionName, MptcpCcName, MptcpSpec,
    NewRenoTimerName, Opener, PathManagerSpec, RenoGrowthName, RtoName, SchedulerName, ServiceMode,
    SlowStartName, TcpSpec, TransportSpec,
};
use crate::validate::{End, FlowEnd, Plan, PlanFlow};
use mptcp_model::app::BulkSender;
use mptcp_model::cc::{CcKind, CcMode, RenoGrowth, SlowStart};
use mptcp_model::host::{FlowId, HostStack, LocalAddr, Role};
use mptcp_model::middlebox::Middleboxes;
use mptcp_model::mptcp::{MptcpCcKind, MptcpConfig, PathManagerKind, SchedulerKind};
use mptcp_model::tcp::{
    CwndReduction, LossDetection, NewRenoTimer, RtoMode, SocketAddr, TcpConfig,
};
use mptcp_model::wire::tcp::TcpHeader;
use sim_core::{Attach, HostId, LinkConfig, LinkId, NetworkBuilder, Simulator};

/// The simulator type every scenario runs on.
pub type Sim = Simulator<TcpHeader, HostStack, Middleboxes>;

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
    if plan.ecmp {
        nb.ecmp(plan.seed);
    }
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
    for m in &plan.middleboxes {
        for (&r, &addr) in m.router.iter().zip(&m.owned) {
            nb.add_router_address(routers[r], addr)
                .map_err(|e| e.to_string())?;
        }
    }
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
                jitter: d.jitter,
                framing: d.framing,
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
    let hosts = host_stacks(plan);
    let mut sim = Simulator::with_middlebox(network, hosts, plan.seed, middleboxes(plan))
        .map_err(|e| e.to_string())?;
    for m in &plan.middleboxes {
        for &l in &m.links {
            sim.attach_middlebox(LinkId(l));
        }
    }
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
        sim.wake_host(HostId(f.dst.host as u32), f.start);
    }
    Ok(sim)
}

/// Every host's stack with its flows, endpoint changes and aborts.
fn host_stacks(plan: &Plan) -> Vec<HostStack> {
    let mut hosts: Vec<HostStack> = plan
        .hosts
        .iter()
        .map(|h| HostStack::new(&h.name, plan.seed))
        .collect();
    for (i, f) in plan.flows.iter().enumerate() {
        match &f.transport {
            TransportSpec::Tcp(t) => add_tcp_flow(&mut hosts, i, f, t),
            TransportSpec::Mptcp(m) => add_mptcp_flow(&mut hosts, plan, i, f, m),
        }
    }
    for ev in &plan.events {
        use crate::schema::ActionSpec;
        use mptcp_model::host::EndpointChange;
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
        let l = &plan.links[ev.link];
        for end in [l.a, l.b] {
            if let End::Iface { host, iface } = end {
                let addr = plan.hosts[host].ifaces[iface].1;
                hosts[host].schedule_endpoint(ev.at, addr, change);
            }
        }
    }
    for (i, f) in plan.flows.iter().enumerate() {
        if let Some(at) = f.abort {
            hosts[f.src.host].schedule_abort(at, FlowId(i as u32));
        }
    }
    hosts
}

/// The plan's middleboxes (attached to their links by [`build`]).
fn middleboxes(plan: &Plan) -> Middleboxes {
    let mut boxes = Middleboxes::new();
    for m in &plan.middleboxes {
        let links: Vec<LinkId> = m.links.iter().map(|&l| LinkId(l)).collect();
        boxes.add(&m.name, m.kind.clone(), &links, plan.seed);
    }
    boxes
}

fn clamp_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn add_tcp_flow(hosts: &mut [HostStack], i: usize, f: &PlanFlow, t: &TcpSpec) {
    let cfg = TcpConfig {
        mss: t.mss,
        sack: t.sack,
        timestamps: t.timestamps,
        delayed_ack: t.delayed_ack,
        rcv_buf: clamp_u32(t.rcv_buf.0),
        snd_buf: clamp_u32(t.snd_buf.0),
        init_cwnd_segments: t.init_cwnd,
        min_rto: t.min_rto.0,
        rto: rto_mode(t.rto),
        cwnd_reduction: cwnd_reduction(t.cwnd_reduction),
        newreno_timer: newreno_timer(t.newreno_timer),
        loss_detection: loss_detection(t.loss_detection),
        slow_start: slow_start(t.slow_start),
        initial_ssthresh: t.initial_ssthresh,
        reno_growth: match t.reno_growth {
            RenoGrowthName::ByteCounting => RenoGrowth::ByteCounting,
            RenoGrowthName::PerAck => RenoGrowth::PerAck,
        },
        cc: match t.cc {
            CcName::Reno => CcKind::Reno,
            CcName::Cubic => CcKind::Cubic,
        },
        ..TcpConfig::default()
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

/// The controller arithmetic a `cc_mode` names.
fn cc_mode(m: CcModeName) -> CcMode {
    match m {
        CcModeName::Paper => CcMode::Paper,
        CcModeName::Linux => CcMode::Linux,
    }
}

/// The MPTCP configuration a flow's settings describe.
pub fn mptcp_config(m: &MptcpSpec) -> MptcpConfig {
    let s = &m.subflow;
    let subflow = TcpConfig {
        mss: s.mss,
        sack: s.sack,
        timestamps: s.timestamps,
        delayed_ack: s.delayed_ack,
        init_cwnd_segments: s.init_cwnd,
        min_rto: s.min_rto.0,
        rto: rto_mode(s.rto),
        cwnd_reduction: cwnd_reduction(s.cwnd_reduction),
        newreno_timer: newreno_timer(s.newreno_timer),
        loss_detection: loss_detection(s.loss_detection),
        slow_start: slow_start(s.slow_start),
        initial_ssthresh: s.initial_ssthresh,
        ..TcpConfig::default()
    };
    let mut cfg = MptcpConfig {
        subflow,
        cc: match m.cc {
            MptcpCcName::Lia => match m.cc_mode {
                CcModeName::Paper => MptcpCcKind::Lia,
                CcModeName::Linux => MptcpCcKind::Coupled(CcKind::LiaLinux),
            },
            MptcpCcName::Uncoupled => MptcpCcKind::Uncoupled(CcKind::Reno),
            MptcpCcName::UncoupledCubic => MptcpCcKind::Uncoupled(CcKind::Cubic),
            MptcpCcName::Olia => MptcpCcKind::Coupled(CcKind::Olia(cc_mode(m.cc_mode))),
            MptcpCcName::Balia => MptcpCcKind::Coupled(CcKind::Balia(cc_mode(m.cc_mode))),
            MptcpCcName::WVegas => MptcpCcKind::Coupled(CcKind::WVegas),
        },
        scheduler: match m.scheduler {
            SchedulerName::MinRtt => SchedulerKind::MinRtt,
            SchedulerName::RoundRobin => SchedulerKind::RoundRobin,
            SchedulerName::Redundant => SchedulerKind::Redundant,
            SchedulerName::Blest => SchedulerKind::Blest,
            SchedulerName::Ecf => SchedulerKind::Ecf,
            SchedulerName::Upstream => SchedulerKind::Upstream,
        },
        path_manager: match m.path_manager {
            PathManagerSpec::FullMesh { max_subflows } => {
                PathManagerKind::FullMesh { max_subflows }
            }
            PathManagerSpec::NDiffPorts { subflows } => PathManagerKind::NDiffPorts { subflows },
            // The flags are set per flow in `add_mptcp_flow` (they depend on the interfaces).
            PathManagerSpec::InKernel {
                subflows,
                add_addr_accepted,
                ..
            } => PathManagerKind::InKernel(mptcp_model::mptcp::pm::InKernel {
                subflows,
                add_addr_accepted,
                subflow_mask: 0,
                fullmesh_mask: 0,
            }),
        },
        rcv_buf: clamp_u32(m.rcv_buf.0),
        snd_buf: clamp_u32(m.snd_buf.0),
        subflow_fail_rtos: m.fail_after_rtos,
        checksum: m.checksum,
        allow_join_initial_addr: m.allow_join_initial_addr,
        opportunistic_retransmission: m.opportunistic_retransmission,
        degraded: None,
        ..MptcpConfig::default()
    };
    if let Some(mode) = m.mode {
        apply_mode(&mut cfg, mode);
    }
    cfg
}

/// A service mode's scheduler and degradation rule (its backups are set per interface in
/// [`add_mptcp_flow`]).
fn apply_mode(cfg: &mut MptcpConfig, mode: ServiceMode) {
    let degraded = |rtt: crate::units::Time, loss: crate::units::Percent| {
        Some(mptcp_model::mptcp::Degraded {
            rtt: rtt.0,
            loss_permille: (loss.probability() * 1000.0).round() as u64,
        })
    };
    cfg.scheduler = SchedulerKind::MinRtt;
    match mode {
        ServiceMode::Handover {
            degraded_rtt,
            degraded_loss,
        }
        | ServiceMode::Interactive {
            degraded_rtt,
            degraded_loss,
        } => cfg.degraded = degraded(degraded_rtt, degraded_loss),
        ServiceMode::Aggregate | ServiceMode::ActiveStandby => {}
        ServiceMode::SmallestDelay => cfg.scheduler = SchedulerKind::SmallestDelay,
        ServiceMode::LoadBalancing { first_percent } => {
            cfg.scheduler = SchedulerKind::LoadBalancing { first_percent }
        }
        ServiceMode::PriorityBased => cfg.scheduler = SchedulerKind::Priority,
    }
}

/// The ends of an MPTCP flow: (opening end, listening end).
pub fn mptcp_ends(f: &PlanFlow) -> (FlowEnd, FlowEnd) {
    match f.opener {
        Opener::Sender => (f.src, f.dst),
        Opener::Receiver => (f.dst, f.src),
    }
}

fn add_mptcp_flow(hosts: &mut [HostStack], plan: &Plan, i: usize, f: &PlanFlow, m: &MptcpSpec) {
    let (open, listen) = mptcp_ends(f);
    let ifaces = &plan.hosts[open.host].ifaces;
    let order = std::iter::once(open.iface).chain((0..ifaces.len()).filter(|&k| k != open.iface));
    let order: Vec<usize> = order.collect();
    let inkernel = matches!(m.path_manager, PathManagerSpec::InKernel { .. });
    let endpoints = match &m.path_manager {
        PathManagerSpec::InKernel { endpoints, .. } => endpoints.as_slice(),
        _ => &[],
    };
    let endpoint = |host: usize, k: usize| {
        let name = format!("{}.{}", plan.hosts[host].name, plan.hosts[host].ifaces[k].0);
        endpoints.iter().find(|e| e.iface == name)
    };
    let locals = order
        .iter()
        .map(|&k| LocalAddr {
            addr: ifaces[k].1,
            backup: f.backup.contains(&(open.host, k))
                || (m.mode.is_some_and(|md| md.cellular_backup()) && k != open.iface)
                || endpoint(open.host, k).is_some_and(|e| e.backup),
        })
        .collect();
    let remote = SocketAddr {
        addr: f.via.as_ref().map_or(listen.addr, |v| v.vip),
        port: server_port(i),
    };
    let mut announce: Vec<sim_core::Addr> = plan.hosts[listen.host]
        .ifaces
        .iter()
        .enumerate()
        .filter(|(k, _)| *k != listen.iface)
        .filter(|(k, _)| !inkernel || endpoint(listen.host, *k).is_some_and(|e| e.signal))
        .map(|(_, (_, a))| *a)
        .collect();
    let mut cfg = mptcp_config(m);
    if f.via.is_some() && !cfg.allow_join_initial_addr {
        // RFC 8684 §3.1, §3.4.1: behind a load balancer a server that sets the `C` flag
        // announces its own address, which joins reach without the balancer's hash.
        announce.insert(0, listen.addr);
    }
    if let PathManagerKind::InKernel(pm) = &mut cfg.path_manager {
        for (li, &k) in order.iter().enumerate().take(8) {
            if let Some(e) = endpoint(open.host, k) {
                pm.subflow_mask |= u8::from(e.subflow) << li;
                pm.fullmesh_mask |= u8::from(e.fullmesh) << li;
            }
        }
    }
    let sender = || match f.paced {
        Some(p) => Role::Paced(p),
        None => Role::Send(BulkSender { total: f.bytes }),
    };
    let receiver = f
        .paced
        .map_or(Role::Receive, |p| Role::ReceiveMessages(p.chunk));
    let (open_role, listen_role) = match f.opener {
        Opener::Sender => (sender(), receiver),
        Opener::Receiver => (receiver, sender()),
    };
    let id = FlowId(i as u32);
    match &f.via {
        // Every backend listens on its own address; one of them gets the connection.
        Some(v) => {
            for b in &v.backends {
                let mut own = announce.clone();
                if own.first() == Some(&listen.addr) {
                    own[0] = b.addr;
                }
                let local = SocketAddr::new(b.addr, remote.port);
                let role = listen_role;
                hosts[b.host].add_mptcp_server(id, local, own, cfg, role);
            }
        }
        None => {
            let local = SocketAddr::new(listen.addr, remote.port);
            hosts[listen.host].add_mptcp_server(id, local, announce, cfg, listen_role);
        }
    }
    hosts[open.host].add_mptcp_client(id, locals, remote, f.start, cfg, open_role);
}

fn cwnd_reduction(r: CwndReductionName) -> CwndReduction {
    match r {
        CwndReductionName::Prr => CwndReduction::Prr,
        CwndReductionName::Halve => CwndReduction::Halve,
    }
}

fn newreno_timer(r: NewRenoTimerName) -> NewRenoTimer {
    match r {
        NewRenoTimerName::SlowButSteady => NewRenoTimer::SlowButSteady,
        NewRenoTimerName::Impatient => NewRenoTimer::Impatient,
    }
}

fn loss_detection(r: LossDetectionName) -> LossDetection {
    match r {
        LossDetectionName::RackTlp => LossDetection::RackTlp,
        LossDetectionName::DupThresh => LossDetection::DupThresh,
    }
}

fn slow_start(s: SlowStartName) -> SlowStart {
    match s {
        SlowStartName::HyStart => SlowStart::HyStart,
        SlowStartName::HyStartPlusPlus => SlowStart::HyStartPlusPlus,
        SlowStartName::Standard => SlowStart::Standard,
    }
}

fn rto_mode(r: RtoName) -> RtoMode {
    match r {
        RtoName::Linux => RtoMode::Linux,
        RtoName::Rfc6298 => RtoMode::Rfc6298,
    }
}
