//! SCTP flows in scenarios: the `Sctp(..)` transport's settings
//! ([`crate::schema::SctpSpec`]) checked and resolved at validation into a
//! [`crate::plan::PlanSctp`] (the model's [`SctpConfig`] and both ends' addresses), the two
//! ends built from it, and what the summary says about an association.
//!
//! ```ron
//! transport: Sctp(defaults: Linux, hb_interval: "5s", pf_retrans: 6),
//! ```
//!
//! `defaults: Rfc9260` (the default) takes RFC 9260 §16's protocol parameters, `Linux` the
//! Linux kernel's `net.sctp` defaults (RTO.Initial 3 s, SCTP-PF with `pf_retrans` 0); every
//! other field overrides one parameter. As in Linux, `pf_retrans` above `path_max_retrans`
//! turns the potentially-failed state off. Like MPTCP, a multihomed host named alone takes
//! part with every interface (the one named, or the first, opens the association and is the
//! primary destination of its peer); each end sends to a peer address from the first of its
//! interfaces that has a route to it.

use crate::build::{FlowHandle, Sim};
use crate::error::{Reporter, ScenarioError};
use crate::names::Names;
use crate::plan::{FlowEnd, Plan, PlanFlow, PlanSctp};
use crate::record::paths::subflow_label;
use crate::schema::{Opener, SctpDefaults, SctpSpec};
use crate::summary::{FlowSummary, SubflowSummary};
use crate::transport::{client_port, server_port};
use crate::units::Time;
use mptcp_model::app::BulkSender;
use mptcp_model::host::{HostStack, SctpRole};
use mptcp_model::sctp::{PathState, SctpConfig};
use mptcp_model::tcp::SocketAddr;
use sim_core::{Addr, Duration, Network};

/// The association parameters `s` describes.
pub fn sctp_config(s: &SctpSpec) -> SctpConfig {
    let mut c = match s.defaults {
        SctpDefaults::Rfc9260 => SctpConfig::rfc9260(),
        SctpDefaults::Linux => SctpConfig::linux(),
    };
    let t = |o: Option<Time>, d: Duration| o.map_or(d, |t| t.0);
    c.rto_initial = t(s.rto_initial, c.rto_initial);
    c.rto_min = t(s.rto_min, c.rto_min);
    c.rto_max = t(s.rto_max, c.rto_max);
    c.hb_interval = t(s.hb_interval, c.hb_interval);
    c.sack_delay = t(s.sack_delay, c.sack_delay);
    c.path_max_retrans = s.path_max_retrans.unwrap_or(c.path_max_retrans);
    c.association_max_retrans = s
        .association_max_retrans
        .unwrap_or(c.association_max_retrans);
    c.pf_retrans = s.pf_retrans.or(c.pf_retrans);
    c.max_burst = s.max_burst.unwrap_or(c.max_burst);
    c.mtu = s.mtu;
    c.message_size = s
        .message_size
        .map_or(c.pmdcs(), |b| u32::try_from(b.0).unwrap_or(u32::MAX));
    c.rcv_buf = u32::try_from(s.rcv_buf.0).unwrap_or(u32::MAX);
    c.snd_buf = u32::try_from(s.snd_buf.0).unwrap_or(u32::MAX);
    c
}

/// Checks flow `i`'s SCTP settings (errors point at `flows[i].transport.<field>`).
pub(crate) fn check(r: &Reporter<'_>, i: usize, s: &SctpSpec) -> Result<(), ScenarioError> {
    let at = |field: &str, msg: String| {
        let path = format!("flows[{i}].transport.{field}");
        r.at("flows", path, "", msg)
    };
    if !(576..=9000).contains(&s.mtu) {
        return Err(at("mtu", format!("mtu {} is outside 576..=9000", s.mtu)));
    }
    let c = sctp_config(s);
    if let Some(m) = s.message_size {
        if m.0 == 0 || m.0 > u64::from(c.pmdcs()) {
            let msg = format!(
                "must be 1..={} (one DATA chunk in a packet of mtu {})",
                c.pmdcs(),
                c.mtu
            );
            return Err(at("message_size", msg));
        }
    }
    if c.rto_min.is_zero() || c.rto_initial.is_zero() || c.rto_max < c.rto_min {
        let msg = "RTO values must be nonzero and rto_min at most rto_max".into();
        return Err(at("rto_min", msg));
    }
    if c.sack_delay > Duration::from_millis(500) {
        return Err(at("sack_delay", "at most 500ms (RFC 9260 §6.2)".into()));
    }
    let bufs = [s.rcv_buf.0, s.snd_buf.0];
    if bufs
        .iter()
        .any(|&b| b < 2 * u64::from(c.mtu) || b > u64::from(u32::MAX))
    {
        let msg = "rcv_buf and snd_buf must hold at least two packets and at most 4 GiB".into();
        return Err(at("rcv_buf", msg));
    }
    Ok(())
}

/// Flow `i` from `src` to `dst` over SCTP with settings `s`, opened by `opener`: each end
/// takes part with every interface of its host, the one named (or the first) first.
pub(crate) fn resolve_sctp(
    names: &Names,
    i: usize,
    (src, dst): (FlowEnd, FlowEnd),
    opener: Opener,
    s: &SctpSpec,
) -> PlanSctp {
    let (open, listen) = match opener {
        Opener::Sender => (src, dst),
        Opener::Receiver => (dst, src),
    };
    let ordered = |e: FlowEnd| -> Vec<Addr> {
        let ifaces = &names.hosts[e.host().0 as usize].ifaces;
        let first = e.iface.nth as usize;
        (std::iter::once(first).chain((0..ifaces.len()).filter(|&k| k != first)))
            .map(|k| ifaces[k].addr)
            .collect()
    };
    PlanSctp {
        config: sctp_config(s),
        opener: open,
        listener: listen,
        opener_addrs: ordered(open),
        listener_addrs: ordered(listen),
        opener_port: client_port(i),
        listener_port: server_port(i),
    }
}

/// The summary's name of an SCTP flow's parameter set (`rfc9260`, `linux`).
pub(crate) fn sctp_label(s: &SctpSpec) -> String {
    match s.defaults {
        SctpDefaults::Rfc9260 => "rfc9260".into(),
        SctpDefaults::Linux => "linux".into(),
    }
}

/// For each of `remotes`, every one of `locals` with a route to it, in order.
fn sources(net: &Network, locals: &[Addr], remotes: &[Addr]) -> Vec<(Addr, Addr)> {
    remotes
        .iter()
        .flat_map(|&r| {
            locals
                .iter()
                .filter(move |&&l| net.route(l, r).is_some())
                .map(move |&l| (r, l))
        })
        .collect()
}

/// Sets up flow `f`'s association (ids `h`): a listener on the listening end, a client on
/// the opening end. `host` gives a plan host's position in `hosts`.
pub(crate) fn add_sctp_flow(
    hosts: &mut [HostStack],
    net: &Network,
    host: impl Fn(FlowEnd) -> usize,
    h: FlowHandle,
    f: &PlanFlow,
    s: &PlanSctp,
) {
    let sender = SctpRole::Send(BulkSender { total: f.bytes });
    let (open_role, listen_role) = if s.opener == f.src {
        (sender, SctpRole::Receive)
    } else {
        (SctpRole::Receive, sender)
    };
    let remote = SocketAddr::new(s.listener_addrs[0], s.listener_port);
    hosts[host(s.listener)].add_sctp_server(
        h.id,
        remote.port,
        s.listener_addrs.clone(),
        s.config,
        listen_role,
        sources(net, &s.listener_addrs, &s.opener_addrs),
    );
    let client_sources = sources(net, &s.opener_addrs, &s.listener_addrs);
    hosts[host(s.opener)].add_sctp_client(
        h.id,
        s.opener_addrs.clone(),
        s.opener_port,
        remote,
        f.start,
        s.config,
        open_role,
        client_sources,
    );
}

/// The name of a path state in outputs.
pub fn state_name(s: PathState) -> &'static str {
    match s {
        PathState::Unconfirmed => "unconfirmed",
        PathState::Active => "active",
        PathState::PotentiallyFailed => "potentially-failed",
        PathState::Inactive => "inactive",
    }
}

/// Fills the transport fields of flow `f`'s summary (ids `h`) from its data sender's
/// association.
pub(crate) fn fill_summary(
    plan: &Plan,
    sim: &Sim,
    f: &PlanFlow,
    h: FlowHandle,
    out: &mut FlowSummary,
) {
    out.transport = "sctp".into();
    let host = sim.host(h.sender);
    let Some(st) = host.sctp_stats(h.id) else {
        return;
    };
    out.bytes_sent = st.data_bytes_sent;
    out.bytes_retransmitted = st.bytes_retransmitted;
    out.segments_retransmitted = st.chunks_retransmitted;
    out.fast_recoveries = st.fast_retransmits;
    out.rto_timeouts = st.timeouts;
    for (k, p) in host.sctp_paths(h.id).into_iter().enumerate() {
        out.subflows.push(SubflowSummary {
            subflow: k as u32,
            recreated_from: None,
            label: subflow_label(plan, f, p.local, p.remote),
            local: p.local.to_string(),
            remote: p.remote.to_string(),
            backup: !p.primary,
            state: state_name(p.state).into(),
            established_s: st.established_at.map(sim_core::Instant::as_secs_f64),
            data_bytes_sent: p.data_bytes_sent,
            segments_retransmitted: 0,
            rto_timeouts: 0,
        });
    }
}
