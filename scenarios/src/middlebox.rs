//! The `middleboxes` section: boxes on links or at routers that strip or rewrite MPTCP
//! options, rewrite payload, translate addresses (NAT) or balance connections over several
//! servers, and an on-path ADD_ADDR forger (RFC 8684 §3.7 and §3.9; the models are
//! [`mptcp_model::middlebox`]).
//!
//! A box named by a router sees every packet arriving at that router; one named by a link
//! sees the packets leaving the chosen direction(s) of it. A NAT's public address and a load
//! balancer's virtual address belong to the router the box is at, so a box that owns an
//! address must sit at a router. A flow reaches a load-balanced service with `via: "box"`:
//! its opening end connects to the box's virtual address, every backend listens, and the
//! listening end the flow names must be one of the backends (the summary reads the backend
//! that took the connection).

use crate::error::{Reporter, ScenarioError};
use crate::names::{check_name, list, Names};
use crate::plan::{End, FlowEnd, HostIndex, IfaceIndex, PlanFlow, PlanLink, RouterIndex};
use crate::schema::{DirectionName, Scenario};
use mptcp_model::middlebox::{MiddleboxKind, OptionField};
use mptcp_model::wire::mptcp::subtype;
use serde::{Deserialize, Serialize};
use sim_core::Addr;

/// A middlebox.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Middlebox")]
pub struct MiddleboxSpec {
    /// Unique name among middleboxes (outputs; its random stream is `middlebox/{name}`).
    pub name: String,
    /// A router name (every packet arriving at the router) or a link name.
    pub at: String,
    /// On a link: the direction(s) whose packets pass the box.
    #[serde(default)]
    pub direction: DirectionName,
    /// What it does.
    pub kind: MiddleboxKindSpec,
}

/// What a middlebox does.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum MiddleboxKindSpec {
    /// Removes every MPTCP option, from SYN segments only (`syn_only: true`) or from all.
    StripMptcp {
        /// Only from SYN and SYN-ACK segments.
        #[serde(default)]
        syn_only: bool,
    },
    /// Removes the MPTCP options of the given kinds from every segment.
    StripOptions(Vec<OptionName>),
    /// Changes one field of the MPTCP options that carry it.
    RewriteOption(OptionFieldName),
    /// Changes one payload octet of data segment `first` (from 1) and then of every
    /// `every`-th one (0: only once); the TCP checksum is fixed, the DSS checksum is not.
    RewritePayload {
        /// The first data segment changed.
        #[serde(default = "one")]
        first: u64,
        /// Then every this many (0: no more).
        #[serde(default)]
        every: u64,
    },
    /// Address and port translation of the interfaces `inside` (`"host.iface"`) to address
    /// `public` (owned by the router the box is at; ports from 61000).
    Nat {
        /// The outside address.
        public: String,
        /// The translated interfaces.
        inside: Vec<String>,
    },
    /// A layer-4 load balancer owning the virtual address `vip` at its router: each new
    /// connection goes to the backend (`"host.iface"` or `"host"`) a keyed hash of its
    /// 5-tuple picks; the backends' own addresses stay reachable directly.
    LoadBalancer {
        /// The virtual address.
        vip: String,
        /// The servers behind it.
        backends: Vec<String>,
    },
    /// An on-path attacker slipping one ADD_ADDR for `addr` with a made-up HMAC into the
    /// first pure ACK after `after` segments.
    ForgeAddAddr {
        /// The address announced.
        addr: String,
        /// Segments let pass first.
        #[serde(default)]
        after: u64,
    },
}

fn one() -> u64 {
    1
}

/// An MPTCP option kind (RFC 8684 §7.2 subtypes).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum OptionName {
    /// MP_CAPABLE.
    MpCapable,
    /// MP_JOIN.
    MpJoin,
    /// DSS.
    Dss,
    /// ADD_ADDR.
    AddAddr,
    /// REMOVE_ADDR.
    RemoveAddr,
    /// MP_PRIO.
    MpPrio,
    /// MP_FAIL.
    MpFail,
    /// MP_FASTCLOSE.
    MpFastclose,
    /// MP_TCPRST.
    MpTcpRst,
}

impl OptionName {
    fn subtype(self) -> u8 {
        match self {
            OptionName::MpCapable => subtype::MP_CAPABLE,
            OptionName::MpJoin => subtype::MP_JOIN,
            OptionName::Dss => subtype::DSS,
            OptionName::AddAddr => subtype::ADD_ADDR,
            OptionName::RemoveAddr => subtype::REMOVE_ADDR,
            OptionName::MpPrio => subtype::MP_PRIO,
            OptionName::MpFail => subtype::MP_FAIL,
            OptionName::MpFastclose => subtype::MP_FASTCLOSE,
            OptionName::MpTcpRst => subtype::MP_TCPRST,
        }
    }
}

/// A rewritten option field ([`OptionField`]).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum OptionFieldName {
    /// DSS mappings' subflow sequence number (+1000).
    DssSubflowSeq,
    /// DSS mappings' data sequence number (+1).
    DssDataSeq,
    /// ADD_ADDR's address (last octet + 1).
    AddAddrAddress,
}

/// A resolved middlebox.
#[derive(Clone, Debug)]
pub struct PlanMiddlebox {
    /// Its name.
    pub name: String,
    /// The directed link ids (`2 * link + reverse`) whose packets it sees.
    pub links: Vec<u32>,
    /// The router it is at (index into [`crate::validate::Plan::routers`]), if at one.
    pub router: Option<usize>,
    /// Addresses it owns at its router (NAT public, load balancer VIP).
    pub owned: Vec<Addr>,
    /// What it does.
    pub kind: MiddleboxKind,
}

/// A flow reaching a load-balanced service ([`crate::schema::FlowSpec::via`]).
#[derive(Clone, Debug)]
pub struct Balanced {
    /// Index of the load balancer in [`crate::validate::Plan::middleboxes`].
    pub middlebox: usize,
    /// The address the opening end connects to.
    pub vip: Addr,
    /// Every backend; each listens.
    pub backends: Vec<FlowEnd>,
}

/// Checks the `middleboxes` section and resolves it.
pub(crate) fn resolve_middleboxes(
    r: &Reporter<'_>,
    sc: &Scenario,
    names: &Names,
    links: &[PlanLink],
) -> Result<Vec<PlanMiddlebox>, ScenarioError> {
    let mut out: Vec<PlanMiddlebox> = Vec::new();
    for (i, m) in sc.middleboxes.iter().enumerate() {
        let err = |field: &str, value: &str, msg: String| {
            r.at(
                "middleboxes",
                format!("middleboxes[{i}].{field}"),
                value,
                msg,
            )
        };
        let name_field = format!("middleboxes[{i}].name");
        check_name(r, "middleboxes", &name_field, &m.name)?;
        if out.iter().any(|o| o.name == m.name) {
            let msg = format!("duplicate middlebox `{}`", m.name);
            return Err(err("name", &m.name, msg));
        }
        let (links_in, router) = placement(m, names, links).map_err(|msg| err("at", &m.at, msg))?;
        let (kind, owned) = resolve_kind(&m.kind, names).map_err(|(f, v, msg)| err(&f, &v, msg))?;
        if !owned.is_empty() && router.is_none() {
            let msg = format!(
                "a box with an address of its own must be at a router, not `{}`",
                m.at
            );
            return Err(err("at", &m.at, msg));
        }
        if let Some(a) = owned
            .iter()
            .find(|a| out.iter().any(|o| o.owned.contains(a)))
        {
            return Err(err(
                "kind",
                "",
                format!("{a} is owned by another middlebox"),
            ));
        }
        if let Some(o) = out
            .iter()
            .find(|o| o.links.iter().any(|l| links_in.contains(l)))
        {
            let msg = format!("`{}` already has middlebox `{}` on it", m.at, o.name);
            return Err(err("at", &m.at, msg));
        }
        out.push(PlanMiddlebox {
            name: m.name.clone(),
            links: links_in,
            router,
            owned,
            kind,
        });
    }
    Ok(out)
}

/// Where box `m` sits: the directed links it sees and its router, if at one.
fn placement(
    m: &MiddleboxSpec,
    names: &Names,
    links: &[PlanLink],
) -> Result<(Vec<u32>, Option<usize>), String> {
    if let Ok(End::Router(k)) = names.end(&m.at) {
        return Ok((router_inputs(links, k), Some(k.0 as usize)));
    }
    let Some(li) = links.iter().position(|l| l.name == m.at) else {
        return Err(format!(
            "`{}` is neither a router nor a link (links: {})",
            m.at,
            list(links.iter().map(|l| &l.name))
        ));
    };
    let (fwd, rev) = match m.direction {
        DirectionName::Both => (true, true),
        DirectionName::Forward => (true, false),
        DirectionName::Reverse => (false, true),
    };
    let id = 2 * li as u32;
    let ids = [(fwd, id), (rev, id + 1)];
    Ok((ids.iter().filter(|x| x.0).map(|x| x.1).collect(), None))
}

/// A field error: (path below the box, offending text, message).
type KindError = (String, String, String);

/// The model of a box's `kind` and the addresses it owns.
fn resolve_kind(
    kind: &MiddleboxKindSpec,
    names: &Names,
) -> Result<(MiddleboxKind, Vec<Addr>), KindError> {
    let bad = |field: &str, s: &str, msg: String| (field.to_owned(), s.to_owned(), msg);
    let parse = |field: &str, s: &str| -> Result<Addr, KindError> {
        s.parse()
            .map_err(|()| bad(field, s, format!("`{s}` is not an IPv4 address")))
    };
    let own = |field: &str, s: &str| -> Result<Addr, KindError> {
        let a = parse(field, s)?;
        if names
            .hosts
            .iter()
            .any(|h| h.ifaces.iter().any(|x| x.addr == a))
        {
            return Err(bad(field, s, format!("{a} is a host interface's address")));
        }
        Ok(a)
    };
    let ifaces = |field: &str, list: &[String]| -> Result<Vec<Addr>, KindError> {
        (list.iter().enumerate())
            .map(|(k, s)| {
                let f = format!("{field}[{k}]");
                (names.flow_end_of(s, false).map(|e| e.addr)).map_err(|msg| bad(&f, s, msg))
            })
            .collect()
    };
    Ok(match kind {
        &MiddleboxKindSpec::StripMptcp { syn_only } => {
            (MiddleboxKind::StripMptcp { syn_only }, vec![])
        }
        MiddleboxKindSpec::StripOptions(kinds) => {
            let subtypes = kinds.iter().fold(0u16, |m, k| m | 1 << k.subtype());
            (MiddleboxKind::StripOptions { subtypes }, vec![])
        }
        MiddleboxKindSpec::RewriteOption(field) => {
            let field = match field {
                OptionFieldName::DssSubflowSeq => OptionField::DssSubflowSeq,
                OptionFieldName::DssDataSeq => OptionField::DssDataSeq,
                OptionFieldName::AddAddrAddress => OptionField::AddAddrAddress,
            };
            (MiddleboxKind::RewriteOption(field), vec![])
        }
        &MiddleboxKindSpec::RewritePayload { first, every } => {
            if first == 0 {
                return Err(bad("kind.first", "", "must be at least 1".into()));
            }
            (MiddleboxKind::RewritePayload { first, every }, vec![])
        }
        MiddleboxKindSpec::Nat { public, inside } => {
            let public = own("kind.public", public)?;
            let inside = ifaces("kind.inside", inside)?;
            (MiddleboxKind::Nat { public, inside }, vec![public])
        }
        MiddleboxKindSpec::LoadBalancer { vip, backends } => {
            let vip = own("kind.vip", vip)?;
            if backends.is_empty() {
                return Err(bad("kind.backends", "", "at least one backend".into()));
            }
            let backends = ifaces("kind.backends", backends)?;
            (MiddleboxKind::LoadBalancer { vip, backends }, vec![vip])
        }
        MiddleboxKindSpec::ForgeAddAddr { addr, after } => {
            let addr = parse("kind.addr", addr)?;
            let after = *after;
            (MiddleboxKind::ForgeAddAddr { addr, after }, vec![])
        }
    })
}

/// The directed links arriving at router `k`.
fn router_inputs(links: &[PlanLink], k: RouterIndex) -> Vec<u32> {
    let mut v = Vec::new();
    for (i, l) in links.iter().enumerate() {
        if l.b == End::Router(k) {
            v.push(2 * i as u32);
        }
        if l.a == End::Router(k) {
            v.push(2 * i as u32 + 1);
        }
    }
    v
}

/// Resolves the `via` of each flow against the middleboxes.
pub(crate) fn resolve_via(
    r: &Reporter<'_>,
    sc: &Scenario,
    boxes: &[PlanMiddlebox],
    flows: &mut [PlanFlow],
    names: &Names,
) -> Result<(), ScenarioError> {
    for (i, (spec, flow)) in sc.flows.iter().zip(flows.iter_mut()).enumerate() {
        let Some(via) = &spec.via else { continue };
        let field = format!("flows[{i}].via");
        let lb = boxes.iter().enumerate().find_map(|(k, b)| match &b.kind {
            MiddleboxKind::LoadBalancer { vip, backends } if b.name == *via => {
                Some((k, *vip, backends.clone()))
            }
            _ => None,
        });
        let Some((k, vip, backends)) = lb else {
            let msg = format!("`{via}` is not a LoadBalancer middlebox");
            return Err(r.at("flows", field, via, msg));
        };
        if !matches!(spec.transport, crate::schema::TransportSpec::Mptcp(_)) {
            return Err(r.at("flows", field, via, "`via` needs an Mptcp transport".into()));
        }
        let Some(listen) = flow.mptcp().map(|m| m.listener) else {
            return Err(r.at("flows", field, via, "`via` needs an Mptcp transport".into()));
        };
        if !backends.contains(&listen.addr) {
            let msg = format!(
                "the listening end {} is not a backend of `{via}`",
                listen.addr
            );
            return Err(r.at("flows", field, via, msg));
        }
        let backends = backends
            .iter()
            .filter_map(|a| {
                let host = names
                    .hosts
                    .iter()
                    .position(|h| h.ifaces.iter().any(|x| x.addr == *a))?;
                let nth = names.hosts[host].ifaces.iter().position(|x| x.addr == *a)?;
                let iface = IfaceIndex {
                    host: HostIndex(host as u32),
                    nth: nth as u32,
                };
                Some(FlowEnd { iface, addr: *a })
            })
            .collect();
        if let crate::plan::PlanTransport::Mptcp(m) = &mut flow.transport {
            m.remote.addr = vip;
            if !m.config.allow_join_initial_addr {
                // RFC 8684 §3.1, §3.4.1: behind a load balancer a server that sets the `C`
                // flag announces its own address, which joins reach without the hash.
                m.announce.insert(0, listen.addr);
            }
        }
        flow.via = Some(Balanced {
            middlebox: k,
            vip,
            backends,
        });
    }
    Ok(())
}
