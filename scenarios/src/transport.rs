//! Transport settings of the schema resolved into the model's configurations: a TCP flow's
//! [`TcpConfig`] and ports, an MPTCP flow's [`MptcpConfig`] with its ends' roles, the
//! opener's addresses in the order it tries them (backup flags from the flow, the service
//! mode and the in-kernel endpoints) and the listener's announced addresses. Called by
//! the flow validation (`flows.rs`) once per flow; the builder hands the results to the hosts unchanged.
//!
//! Ports: the receiver of flow `i` listens on `5000 + i`, its sender connects from
//! `40000 + i` (MPTCP joins take ports the host picks).

use crate::names::Names;
use crate::plan::{FlowEnd, PlanMptcp, PlanTcp};
use crate::schema::{
    CcModeName, CcName, CwndReductionName, LossDetectionName, MptcpCcName, MptcpSpec,
    NewRenoTimerName, Opener, PathManagerSpec, RenoGrowthName, RtoName, SchedulerName, ServiceMode,
    SlowStartName, TcpSpec,
};
use mptcp_model::cc::{CcKind, CcMode, RenoGrowth, SlowStart};
use mptcp_model::host::LocalAddr;
use mptcp_model::mptcp::{MptcpCcKind, MptcpConfig, PathManagerKind, SchedulerKind};
use mptcp_model::tcp::{
    CwndReduction, LossDetection, NewRenoTimer, RtoMode, SocketAddr, TcpConfig,
};

/// Port the receiver of flow `i` listens on.
pub fn server_port(i: usize) -> u16 {
    5000 + i as u16
}

/// Port the sender of flow `i` connects from.
pub fn client_port(i: usize) -> u16 {
    40000 + i as u16
}

/// Flow `i` from `src` to `dst` over TCP with settings `t`.
pub(crate) fn resolve_tcp(i: usize, src: FlowEnd, dst: FlowEnd, t: &TcpSpec) -> PlanTcp {
    let config = TcpConfig {
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
    PlanTcp {
        config,
        local: SocketAddr {
            addr: src.addr,
            port: client_port(i),
        },
        remote: SocketAddr {
            addr: dst.addr,
            port: server_port(i),
        },
    }
}

/// The summary's name of a TCP flow's controller (`reno`, `cubic`).
pub(crate) fn tcp_cc_label(t: &TcpSpec) -> String {
    format!("{:?}", t.cc).to_lowercase()
}

/// The summary's name of an MPTCP flow's controller (`lia`, `olia-linux`, ...).
pub(crate) fn mptcp_cc_label(m: &MptcpSpec) -> String {
    let mut s = format!("{:?}", m.cc).to_lowercase();
    let moded = matches!(
        m.cc,
        MptcpCcName::Lia | MptcpCcName::Olia | MptcpCcName::Balia
    );
    if moded && m.cc_mode == CcModeName::Linux {
        s.push_str("-linux");
    }
    s
}

/// Flow `i` from `src` to `dst` over MPTCP with settings `m`, opened by `opener`; `backup`
/// lists the opener's interfaces the flow marks backup.
pub(crate) fn resolve_mptcp(
    names: &Names,
    i: usize,
    (src, dst): (FlowEnd, FlowEnd),
    opener: Opener,
    m: &MptcpSpec,
    backup: &[crate::plan::IfaceIndex],
) -> PlanMptcp {
    let (open, listen) = match opener {
        Opener::Sender => (src, dst),
        Opener::Receiver => (dst, src),
    };
    let host_ifaces = |e: FlowEnd| &names.hosts[e.host().0 as usize].ifaces;
    let ifaces = host_ifaces(open);
    let first = open.iface.nth as usize;
    let order: Vec<usize> =
        (std::iter::once(first).chain((0..ifaces.len()).filter(|&k| k != first))).collect();
    let inkernel = matches!(m.path_manager, PathManagerSpec::InKernel { .. });
    let endpoints = match &m.path_manager {
        PathManagerSpec::InKernel { endpoints, .. } => endpoints.as_slice(),
        _ => &[],
    };
    let endpoint = |e: FlowEnd, k: usize| {
        let iface = crate::plan::IfaceIndex {
            host: e.host(),
            nth: k as u32,
        };
        let name = names.iface_label(iface);
        endpoints.iter().find(|ep| ep.iface == name)
    };
    let at = |k: usize| crate::plan::IfaceIndex {
        host: open.host(),
        nth: k as u32,
    };
    let locals = order
        .iter()
        .map(|&k| LocalAddr {
            addr: ifaces[k].addr,
            backup: backup.contains(&at(k))
                || (m.mode.is_some_and(|md| md.cellular_backup()) && k != first)
                || endpoint(open, k).is_some_and(|e| e.backup),
        })
        .collect();
    let listen_first = listen.iface.nth as usize;
    let announce = (host_ifaces(listen).iter().enumerate())
        .filter(|(k, _)| *k != listen_first)
        .filter(|(k, _)| !inkernel || endpoint(listen, *k).is_some_and(|e| e.signal))
        .map(|(_, x)| x.addr)
        .collect();
    let mut config = mptcp_config(m);
    if let PathManagerKind::InKernel(pm) = &mut config.path_manager {
        for (li, &k) in order.iter().enumerate().take(8) {
            if let Some(e) = endpoint(open, k) {
                pm.subflow_mask |= u8::from(e.subflow) << li;
                pm.fullmesh_mask |= u8::from(e.fullmesh) << li;
            }
        }
    }
    PlanMptcp {
        config,
        opener: open,
        listener: listen,
        locals,
        remote: SocketAddr {
            addr: listen.addr,
            port: server_port(i),
        },
        announce,
        scheduler_label: m.scheduler.cli_name(),
    }
}

/// The controller arithmetic a `cc_mode` names.
fn cc_mode(m: CcModeName) -> CcMode {
    match m {
        CcModeName::Paper => CcMode::Paper,
        CcModeName::Linux => CcMode::Linux,
    }
}

/// The MPTCP configuration a flow's settings describe.
fn mptcp_config(m: &MptcpSpec) -> MptcpConfig {
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
            // The flags are set per flow in `resolve_mptcp` (they depend on the interfaces).
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
/// [`resolve_mptcp`]).
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

fn clamp_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
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
