//! SCTP flows in scenarios: the `Sctp(..)` transport's settings, their checks, building the
//! two ends, and what the summary says about an association.
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

use crate::build::{client_port, mptcp_ends, server_port, Sim};
use crate::error::{Reporter, ScenarioError};
use crate::probe::subflow_label;
use crate::schema::Opener;
use crate::summary::{FlowSummary, SubflowSummary};
use crate::units::{Bytes, Time};
use crate::validate::{Plan, PlanFlow};
use mptcp_model::app::BulkSender;
use mptcp_model::host::{FlowId, HostStack, SctpRole};
use mptcp_model::sctp::{PathState, SctpConfig};
use mptcp_model::tcp::SocketAddr;
use serde::{Deserialize, Serialize};
use sim_core::{Addr, Duration, HostId, Network};

/// Which parameter set an SCTP flow starts from.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum SctpDefaults {
    /// RFC 9260 §16: RTO.Initial 1 s, RTO.Min 1 s, RTO.Max 60 s, HB.interval 30 s,
    /// Path.Max.Retrans 5, Association.Max.Retrans 10, no SCTP-PF.
    #[default]
    Rfc9260,
    /// Linux: as RFC 9260 but RTO.Initial 3 s and SCTP-PF (RFC 7829) with `pf_retrans` 0.
    Linux,
}

/// SCTP settings of a flow.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SctpSpec {
    /// The parameter set the fields below override.
    pub defaults: SctpDefaults,
    /// RTO.Initial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rto_initial: Option<Time>,
    /// RTO.Min.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rto_min: Option<Time>,
    /// RTO.Max.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rto_max: Option<Time>,
    /// HB.interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hb_interval: Option<Time>,
    /// Path.Max.Retrans.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_max_retrans: Option<u32>,
    /// Association.Max.Retrans.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub association_max_retrans: Option<u32>,
    /// SCTP-PF threshold (RFC 7829 PFMR); above `path_max_retrans` it is off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pf_retrans: Option<u32>,
    /// Delayed-SACK timer (at most 500 ms, §6.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sack_delay: Option<Time>,
    /// Max.Burst (0: no limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_burst: Option<u32>,
    /// Path MTU (IPv4 packet octets).
    pub mtu: u32,
    /// Application message size (one DATA chunk each); default: a full packet (MTU − 48).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_size: Option<Bytes>,
    /// Receive buffer.
    pub rcv_buf: Bytes,
    /// Send buffer.
    pub snd_buf: Bytes,
}

impl Default for SctpSpec {
    fn default() -> Self {
        SctpSpec {
            defaults: SctpDefaults::Rfc9260,
            rto_initial: None,
            rto_min: None,
            rto_max: None,
            hb_interval: None,
            path_max_retrans: None,
            association_max_retrans: None,
            pf_retrans: None,
            sack_delay: None,
            max_burst: None,
            mtu: 1500,
            message_size: None,
            rcv_buf: Bytes(6 << 20),
            snd_buf: Bytes(4 << 20),
        }
    }
}

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

/// The interface order of an end's host: `first`, then the others as declared.
fn ordered(plan: &Plan, host: usize, first: usize) -> Vec<Addr> {
    let ifaces = &plan.hosts[host].ifaces;
    std::iter::once(first)
        .chain((0..ifaces.len()).filter(|&k| k != first))
        .map(|k| ifaces[k].1)
        .collect()
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

/// Sets up flow `i`'s association: a listener on the listening end, a client on the
/// opening end.
pub(crate) fn add_sctp_flow(
    hosts: &mut [HostStack],
    net: &Network,
    plan: &Plan,
    i: usize,
    f: &PlanFlow,
    s: &SctpSpec,
) {
    let (open, listen) = mptcp_ends(f);
    let open_addrs = ordered(plan, open.host, open.iface);
    let listen_addrs = ordered(plan, listen.host, listen.iface);
    let cfg = sctp_config(s);
    let sender = SctpRole::Send(BulkSender { total: f.bytes });
    let (open_role, listen_role) = match f.opener {
        Opener::Sender => (sender, SctpRole::Receive),
        Opener::Receiver => (SctpRole::Receive, sender),
    };
    let id = FlowId(i as u32);
    let remote = SocketAddr::new(listen.addr, server_port(i));
    hosts[listen.host].add_sctp_server(
        id,
        remote.port,
        listen_addrs.clone(),
        cfg,
        listen_role,
        sources(net, &listen_addrs, &open_addrs),
    );
    let client_sources = sources(net, &open_addrs, &listen_addrs);
    hosts[open.host].add_sctp_client(
        id,
        open_addrs,
        client_port(i),
        remote,
        f.start,
        cfg,
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

/// Fills the transport fields of flow `i`'s summary from its data sender's association.
pub(crate) fn fill_summary(plan: &Plan, sim: &Sim, i: usize, s: &SctpSpec, out: &mut FlowSummary) {
    let f = &plan.flows[i];
    out.transport = "sctp".into();
    out.cc = match s.defaults {
        SctpDefaults::Rfc9260 => "rfc9260".into(),
        SctpDefaults::Linux => "linux".into(),
    };
    let host = sim.host(HostId(f.src.host as u32));
    let id = FlowId(i as u32);
    let Some(st) = host.sctp_stats(id) else {
        return;
    };
    out.bytes_sent = st.data_bytes_sent;
    out.bytes_retransmitted = st.bytes_retransmitted;
    out.segments_retransmitted = st.chunks_retransmitted;
    out.fast_recoveries = st.fast_retransmits;
    out.rto_timeouts = st.timeouts;
    for p in host.sctp_paths(id) {
        out.subflows.push(SubflowSummary {
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
