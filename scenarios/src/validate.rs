//! Checks a parsed [`Scenario`] and resolves its names into a [`Plan`] the runner can build.
//!
//! Everything a user can get wrong is caught here, before anything runs, and reported with
//! the file, the field path and, where the value can be found in the text, its line and
//! column: unknown or duplicate names, links joining a node to itself, flows between
//! interfaces of one host, routes that do not connect, flows whose ends no chain of links
//! joins, events at or after the end of the run, missing or malformed trace files, queues that
//! hold no packet, sample intervals below 1 ms or giving too many samples, runs too long to
//! simulate. Limits are constants of this module ([`MAX_DURATION`], [`MIN_SAMPLE_INTERVAL`],
//! [`MAX_SAMPLES`], [`MIN_QUEUE_BYTES`]; the checks are in `checks.rs`).

use crate::error::{Reporter, ScenarioError};
use crate::schema::{ActionSpec, DirectionName, LossSpec, QueueSpec, Scenario, TransportSpec};
use sim_core::{
    Addr, Bandwidth, Duration, Instant, LinkRate, LossModel, MahimahiTrace, QueueLimit,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::checks::{
    results_name_problem, MAX_DURATION, MAX_SAMPLES, MIN_QUEUE_BYTES, MIN_SAMPLE_INTERVAL,
};

/// One end of a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Interface `iface` of host `host` (indices into [`Plan::hosts`]).
    Iface {
        /// Host index.
        host: usize,
        /// Interface index within the host.
        iface: usize,
    },
    /// A router (index into [`Plan::routers`]).
    Router(usize),
}

/// A resolved host.
#[derive(Clone, Debug)]
pub struct PlanHost {
    /// Host name.
    pub name: String,
    /// Interfaces: name and address.
    pub ifaces: Vec<(String, Addr)>,
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
    pub framing: sim_core::Framing,
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

/// One hop of a route: a link and whether it is used forwards (`a -> b`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hop {
    /// Index into [`Plan::links`].
    pub link: usize,
    /// True for `a -> b`.
    pub forward: bool,
}

/// A resolved explicit route.
#[derive(Clone, Debug)]
pub struct PlanRoute {
    /// Source address.
    pub src: Addr,
    /// Destination address.
    pub dst: Addr,
    /// Hops in order.
    pub hops: Vec<Hop>,
}

/// A resolved flow endpoint.
#[derive(Clone, Copy, Debug)]
pub struct FlowEnd {
    /// Host index.
    pub host: usize,
    /// Interface index.
    pub iface: usize,
    /// The interface's address.
    pub addr: Addr,
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
    /// Which end opens the connection.
    pub opener: crate::schema::Opener,
    /// Transport settings as written.
    pub transport: TransportSpec,
    /// MPTCP only: interfaces `(host, iface)` marked backup.
    pub backup: Vec<(usize, usize)>,
    /// Bytes to send (None = unlimited).
    pub bytes: Option<u64>,
    /// MPTCP only: a paced application (constant bit rate, on-off, request/response).
    pub paced: Option<mptcp_model::app::Paced>,
    /// MPTCP only: when the data sender's application aborts (MP_FASTCLOSE).
    pub abort: Option<Instant>,
    /// MPTCP only: the load balancer the opening end connects through.
    pub via: Option<crate::middlebox::Balanced>,
}

/// A resolved link event.
#[derive(Clone, Debug)]
pub struct PlanEvent {
    /// When.
    pub at: Instant,
    /// Index into [`Plan::links`].
    pub link: usize,
    /// Applies to `a -> b`.
    pub forward: bool,
    /// Applies to `b -> a`.
    pub reverse: bool,
    /// What happens.
    pub action: ActionSpec,
    /// The action resolved for the forward direction (rates, queues and losses).
    pub fwd_change: Option<sim_core::LinkChange>,
    /// The action resolved for the reverse direction.
    pub rev_change: Option<sim_core::LinkChange>,
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
    /// Middleboxes.
    pub middleboxes: Vec<crate::middlebox::PlanMiddlebox>,
}

/// Checks `sc` (read from `file`, whose text is `text`) and resolves it.
pub fn validate(file: &Path, text: &str, sc: Scenario) -> Result<Plan, ScenarioError> {
    let r = Reporter::new(file, text);
    let base = file.parent().unwrap_or(Path::new("."));
    let duration = sc.duration.0;
    crate::checks::check_run_length(&r, &sc)?;
    let ecmp = sc.ecmp.unwrap_or(sc.topology.is_some());
    let expanded = crate::generate::expand(&r, &sc)?;
    let full: &Scenario = &expanded;
    let names = Names::collect(&r, full)?;
    let links = resolve_links(&r, full, &names, base)?;
    let routes = resolve_routes(&r, full, &names, &links)?;
    let mut flows = crate::flows::resolve_flows(&r, full, &names)?;
    crate::checks::check_flow_routes(&r, full, &names, &links, &routes, &flows)?;
    let middleboxes = crate::middlebox::resolve_middleboxes(&r, full, &names, &links)?;
    crate::middlebox::resolve_via(&r, full, &middleboxes, &mut flows, &names)?;
    let events = resolve_events(&r, full, &links, duration)?;
    let routers = full.routers.clone();
    drop(expanded);
    let name = crate::checks::plan_name(&r, file, &sc)?;
    Ok(Plan {
        file: file.to_path_buf(),
        name,
        duration,
        seed: sc.seed,
        hosts: names.hosts,
        routers,
        ecmp,
        links,
        routes,
        flows,
        events,
        middleboxes,
        scenario: sc,
    })
}

/// Name tables of hosts, interfaces and routers.
pub(crate) struct Names {
    pub(crate) hosts: Vec<PlanHost>,
    host_idx: BTreeMap<String, usize>,
    router_idx: BTreeMap<String, usize>,
}

impl Names {
    fn collect(r: &Reporter<'_>, sc: &Scenario) -> Result<Names, ScenarioError> {
        let mut hosts = Vec::new();
        let mut host_idx = BTreeMap::new();
        let mut addrs: BTreeMap<Addr, String> = BTreeMap::new();
        // Every `name:` of the hosts section in document order, to point at a duplicate.
        let mut written: Vec<&str> = Vec::new();
        let nth = |written: &[&str], name: &str| written.iter().filter(|n| **n == name).count();
        if sc.hosts.is_empty() {
            return Err(r.at(
                "hosts",
                "hosts".into(),
                "",
                "at least one host is needed".into(),
            ));
        }
        for (i, h) in sc.hosts.iter().enumerate() {
            let field = format!("hosts[{i}].name");
            check_name(r, "hosts", &field, &h.name)?;
            if host_idx.insert(h.name.clone(), i).is_some() {
                let n = nth(&written, &h.name);
                let msg = format!("duplicate host name `{}`", h.name);
                return Err(r.at_nth("hosts", "name", &h.name, n, field, msg));
            }
            written.push(&h.name);
            if h.interfaces.is_empty() {
                return Err(r.at(
                    "hosts",
                    format!("hosts[{i}].interfaces"),
                    &h.name,
                    "a host needs at least one interface".into(),
                ));
            }
            let mut ifaces: Vec<(String, Addr)> = Vec::new();
            for (j, itf) in h.interfaces.iter().enumerate() {
                let f = format!("hosts[{i}].interfaces[{j}]");
                check_name(r, "hosts", &format!("{f}.name"), &itf.name)?;
                if ifaces.iter().any(|(n, _)| n == &itf.name) {
                    let n = nth(&written, &itf.name);
                    let msg = format!("duplicate interface `{}` on host `{}`", itf.name, h.name);
                    return Err(r.at_nth("hosts", "name", &itf.name, n, format!("{f}.name"), msg));
                }
                written.push(&itf.name);
                let addr: Addr = itf.addr.parse().map_err(|()| {
                    r.at(
                        "hosts",
                        format!("{f}.addr"),
                        &itf.addr,
                        format!("`{}` is not an IPv4 address", itf.addr),
                    )
                })?;
                if let Some(other) = addrs.insert(addr, format!("{}.{}", h.name, itf.name)) {
                    let n = (h.interfaces.iter().take(j))
                        .chain(sc.hosts[..i].iter().flat_map(|h| &h.interfaces))
                        .filter(|x| x.addr == itf.addr)
                        .count();
                    let msg = format!("address {addr} is already used by `{other}`");
                    return Err(r.at_nth("hosts", "addr", &itf.addr, n, format!("{f}.addr"), msg));
                }
                ifaces.push((itf.name.clone(), addr));
            }
            hosts.push(PlanHost {
                name: h.name.clone(),
                ifaces,
            });
        }
        let mut router_idx = BTreeMap::new();
        for (i, name) in sc.routers.iter().enumerate() {
            let field = format!("routers[{i}]");
            check_name(r, "routers", &field, name)?;
            if host_idx.contains_key(name) || router_idx.insert(name.clone(), i).is_some() {
                let n = sc.routers[..i].iter().filter(|x| *x == name).count();
                let msg = format!("duplicate node name `{name}`");
                return Err(r.at_nth("routers", "", name, n, field, msg));
            }
        }
        Ok(Names {
            hosts,
            host_idx,
            router_idx,
        })
    }

    /// Resolves `host.iface`, `host` (single interface) or a router name.
    pub(crate) fn end(&self, spec: &str) -> Result<End, String> {
        if let Some(&i) = self.router_idx.get(spec) {
            return Ok(End::Router(i));
        }
        let (host, iface) = match spec.split_once('.') {
            Some((h, i)) => (h, Some(i)),
            None => (spec, None),
        };
        let Some(&h) = self.host_idx.get(host) else {
            return Err(format!(
                "unknown node `{spec}` (hosts: {}; routers: {})",
                list(self.host_idx.keys()),
                list(self.router_idx.keys())
            ));
        };
        let ifaces = &self.hosts[h].ifaces;
        match iface {
            Some(name) => match ifaces.iter().position(|(n, _)| n == name) {
                Some(j) => Ok(End::Iface { host: h, iface: j }),
                None => Err(format!(
                    "host `{host}` has no interface `{name}` (it has: {})",
                    list(ifaces.iter().map(|(n, _)| n))
                )),
            },
            None if ifaces.len() == 1 => Ok(End::Iface { host: h, iface: 0 }),
            None => Err(format!(
                "host `{host}` has several interfaces; name one as `{host}.<iface>` ({})",
                list(ifaces.iter().map(|(n, _)| n))
            )),
        }
    }

    pub(crate) fn flow_end(&self, spec: &str) -> Result<FlowEnd, String> {
        self.flow_end_of(spec, false)
    }

    /// Resolves a flow end; with `any_iface`, a multi-homed host named alone means its first
    /// interface (MPTCP uses them all).
    pub(crate) fn flow_end_of(&self, spec: &str, any_iface: bool) -> Result<FlowEnd, String> {
        let end = match self.end(spec) {
            Err(e) if any_iface && !spec.contains('.') => match self.host_idx.get(spec) {
                Some(&h) => End::Iface { host: h, iface: 0 },
                None => return Err(e),
            },
            other => other?,
        };
        match end {
            End::Iface { host, iface } => Ok(FlowEnd {
                host,
                iface,
                addr: self.hosts[host].ifaces[iface].1,
            }),
            End::Router(_) => Err(format!(
                "`{spec}` is a router; flows run between host interfaces"
            )),
        }
    }
}

pub(crate) fn list<'a>(it: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = it.map(String::as_str).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

pub(crate) fn check_name(
    r: &Reporter<'_>,
    section: &str,
    field: &str,
    name: &str,
) -> Result<(), ScenarioError> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(r.at(
            section,
            field.into(),
            name,
            format!("`{name}` is not a valid name (use letters, digits, `-` and `_`)"),
        ))
    }
}

fn resolve_links(
    r: &Reporter<'_>,
    sc: &Scenario,
    names: &Names,
    base: &Path,
) -> Result<Vec<PlanLink>, ScenarioError> {
    let mut out: Vec<PlanLink> = Vec::new();
    for (i, l) in sc.links.iter().enumerate() {
        let f = |s: &str| format!("links[{i}].{s}");
        check_name(r, "links", &f("name"), &l.name)?;
        if out.iter().any(|o| o.name == l.name) {
            let n = out.iter().filter(|o| o.name == l.name).count();
            let msg = format!("duplicate link name `{}`", l.name);
            return Err(r.at_nth("links", "name", &l.name, n, f("name"), msg));
        }
        let a = names
            .end(&l.a)
            .map_err(|m| r.at("links", f("a"), &l.a, m))?;
        let b = names
            .end(&l.b)
            .map_err(|m| r.at("links", f("b"), &l.b, m))?;
        let node = |e: End| match e {
            End::Iface { host, .. } => (0, host),
            End::Router(x) => (1, x),
        };
        if node(a) == node(b) {
            return Err(r.at(
                "links",
                f("b"),
                &l.b,
                format!("link `{}` joins a node to itself", l.name),
            ));
        }
        let fwd_rate = rate_of(r, &f(""), l.rate, l.trace.as_deref(), base, &l.name)?;
        let rev = l.reverse.clone().unwrap_or_default();
        let rev_rate = if rev.rate.is_some() || rev.trace.is_some() {
            rate_of(
                r,
                &f("reverse."),
                rev.rate,
                rev.trace.as_deref(),
                base,
                &l.name,
            )?
        } else {
            fwd_rate.clone()
        };
        crate::checks::check_queue(r, &f("queue"), &l.name, l.queue)?;
        if let Some(q) = rev.queue {
            crate::checks::check_queue(r, &f("reverse.queue"), &l.name, q)?;
        }
        let delay = l.delay.0;
        let framing = framing_of(l.framing);
        let fwd = DirParams {
            framing,
            queue: queue_of(l.queue, &fwd_rate),
            loss: loss_of(l.loss),
            rate: fwd_rate,
            delay,
            jitter: l.jitter.0,
        };
        let revp = DirParams {
            framing,
            queue: queue_of(rev.queue.unwrap_or(l.queue), &rev_rate),
            loss: loss_of(rev.loss.unwrap_or(l.loss)),
            rate: rev_rate,
            delay: rev.delay.map_or(delay, |t| t.0),
            jitter: rev.jitter.map_or(l.jitter.0, |t| t.0),
        };
        out.push(PlanLink {
            name: l.name.clone(),
            a,
            b,
            fwd,
            rev: revp,
        });
    }
    Ok(out)
}

fn rate_of(
    r: &Reporter<'_>,
    prefix: &str,
    rate: Option<crate::units::Rate>,
    trace: Option<&str>,
    base: &Path,
    link: &str,
) -> Result<LinkRate, ScenarioError> {
    match (rate, trace) {
        (Some(rate), None) => Ok(LinkRate::Fixed(rate.0)),
        (None, Some(t)) => {
            let path = base.join(t);
            let trace = MahimahiTrace::from_file(&path)
                .map_err(|e| r.at("links", format!("{prefix}trace"), t, e.to_string()))?;
            Ok(LinkRate::Trace(Arc::new(trace)))
        }
        (Some(_), Some(t)) => Err(r.at(
            "links",
            format!("{prefix}trace"),
            t,
            format!("link `{link}` has both `rate` and `trace`; give one"),
        )),
        (None, None) => Err(r.at(
            "links",
            format!("{prefix}rate"),
            link,
            format!("link `{link}` needs a `rate` (e.g. \"50Mbps\") or a `trace` file"),
        )),
    }
}

/// Mean capacity of a link direction (its trace's mean for trace-driven links).
pub fn mean_rate(rate: &LinkRate) -> Bandwidth {
    match rate {
        LinkRate::Fixed(b) => *b,
        LinkRate::Trace(t) => t.mean_rate(),
    }
}

fn queue_of(q: QueueSpec, rate: &LinkRate) -> QueueLimit {
    match q {
        QueueSpec::Packets(n) => QueueLimit::Packets(n),
        QueueSpec::Bytes(b) => QueueLimit::Bytes(b.0),
        QueueSpec::Bdp(rtt) => QueueLimit::Bytes(mean_rate(rate).bytes_in(rtt.0).max(1500)),
    }
}

/// Converts a framing spec into the engine's framing.
pub fn framing_of(f: crate::schema::FramingSpec) -> sim_core::Framing {
    use crate::schema::FramingSpec;
    match f {
        FramingSpec::None => sim_core::Framing::NONE,
        FramingSpec::Ethernet => sim_core::Framing::ETHERNET,
        FramingSpec::EthernetFrame => sim_core::Framing::ETHERNET_FRAME,
        FramingSpec::Bytes(n) => sim_core::Framing::bytes(n),
    }
}

/// Converts a loss spec into the engine's model.
pub fn loss_of(l: LossSpec) -> LossModel {
    match l {
        LossSpec::None => LossModel::None,
        LossSpec::Bernoulli(p) => LossModel::Bernoulli { p: p.probability() },
        LossSpec::GilbertElliott {
            p_good_to_bad,
            p_bad_to_good,
            loss_good,
            loss_bad,
        } => LossModel::GilbertElliott {
            p_good_to_bad: p_good_to_bad.probability(),
            p_bad_to_good: p_bad_to_good.probability(),
            loss_good: loss_good.probability(),
            loss_bad: loss_bad.probability(),
        },
    }
}

fn resolve_routes(
    r: &Reporter<'_>,
    sc: &Scenario,
    names: &Names,
    links: &[PlanLink],
) -> Result<Vec<PlanRoute>, ScenarioError> {
    let mut out = Vec::new();
    for (i, rt) in sc.routes.iter().enumerate() {
        let f = |s: &str| format!("routes[{i}].{s}");
        let src = names
            .flow_end(&rt.from)
            .map_err(|m| r.at("routes", f("from"), &rt.from, m))?;
        let dst = names
            .flow_end(&rt.to)
            .map_err(|m| r.at("routes", f("to"), &rt.to, m))?;
        let mut at = End::Iface {
            host: src.host,
            iface: src.iface,
        };
        let mut hops = Vec::new();
        for (k, name) in rt.via.iter().enumerate() {
            let Some(li) = links.iter().position(|l| &l.name == name) else {
                return Err(r.at(
                    "routes",
                    format!("routes[{i}].via[{k}]"),
                    name,
                    format!("unknown link `{name}`"),
                ));
            };
            let l = &links[li];
            let (forward, next) = if same_node(l.a, at) {
                (true, l.b)
            } else if same_node(l.b, at) {
                (false, l.a)
            } else {
                return Err(r.at(
                    "routes",
                    format!("routes[{i}].via[{k}]"),
                    name,
                    format!(
                        "link `{name}` does not continue the route (it joins {} and {})",
                        end_name(names, l.a),
                        end_name(names, l.b)
                    ),
                ));
            };
            hops.push(Hop { link: li, forward });
            at = next;
        }
        if !same_node(
            at,
            End::Iface {
                host: dst.host,
                iface: dst.iface,
            },
        ) || hops.is_empty()
        {
            return Err(r.at(
                "routes",
                f("via"),
                &rt.to,
                format!("the route does not end at `{}`", rt.to),
            ));
        }
        if rt.symmetric {
            let back: Vec<Hop> = hops
                .iter()
                .rev()
                .map(|h| Hop {
                    link: h.link,
                    forward: !h.forward,
                })
                .collect();
            out.push(PlanRoute {
                src: dst.addr,
                dst: src.addr,
                hops: back,
            });
        }
        out.push(PlanRoute {
            src: src.addr,
            dst: dst.addr,
            hops,
        });
    }
    Ok(out)
}

/// Whether a link end `e` is at the position `at` (interfaces must match exactly; a route
/// position on a host interface matches a link end on that interface).
fn same_node(e: End, at: End) -> bool {
    e == at
}

fn end_name(names: &Names, e: End) -> String {
    match e {
        End::Iface { host, iface } => format!(
            "{}.{}",
            names.hosts[host].name, names.hosts[host].ifaces[iface].0
        ),
        End::Router(i) => names
            .router_idx
            .iter()
            .find(|(_, &v)| v == i)
            .map_or_else(String::new, |(k, _)| k.clone()),
    }
}

fn resolve_events(
    r: &Reporter<'_>,
    sc: &Scenario,
    links: &[PlanLink],
    duration: Duration,
) -> Result<Vec<PlanEvent>, ScenarioError> {
    let mut out = Vec::new();
    for (i, ev) in sc.events.iter().enumerate() {
        let f = |s: &str| format!("events[{i}].{s}");
        let Some(li) = links.iter().position(|l| l.name == ev.link) else {
            return Err(r.at(
                "events",
                f("link"),
                &ev.link,
                format!(
                    "unknown link `{}` (links: {})",
                    ev.link,
                    list(links.iter().map(|l| &l.name))
                ),
            ));
        };
        if ev.at.0 >= duration {
            return Err(r.at(
                "events",
                f("at"),
                "",
                format!(
                    "event at {} is not before the end of the run ({})",
                    ev.at, sc.duration
                ),
            ));
        }
        let l = &links[li];
        crate::checks::check_event_action(r, sc, i, l)?;
        let (forward, reverse) = match ev.direction {
            DirectionName::Both => (true, true),
            DirectionName::Forward => (true, false),
            DirectionName::Reverse => (false, true),
        };
        let change = |d: &DirParams| {
            Some(match &ev.action {
                ActionSpec::Down if !ev.notify => sim_core::LinkChange::DownSilent,
                ActionSpec::Down => sim_core::LinkChange::Down,
                ActionSpec::Up => sim_core::LinkChange::Up,
                ActionSpec::SetRate(rate) => sim_core::LinkChange::SetRate(LinkRate::Fixed(rate.0)),
                ActionSpec::SetDelay(t) => sim_core::LinkChange::SetDelay(t.0),
                ActionSpec::SetLoss(loss) => sim_core::LinkChange::SetLoss(loss_of(*loss)),
                ActionSpec::SetQueue(q) => sim_core::LinkChange::SetQueue(queue_of(*q, &d.rate)),
                // A host-interface event (MP_PRIO), applied by the builder.
                ActionSpec::SetBackup(_)
                | ActionSpec::EndpointDelete
                | ActionSpec::EndpointAdd(_) => return None,
            })
        };
        out.push(PlanEvent {
            at: Instant::ZERO + ev.at.0,
            link: li,
            forward,
            reverse,
            action: ev.action.clone(),
            fwd_change: forward.then(|| change(&l.fwd)).flatten(),
            rev_change: reverse.then(|| change(&l.rev)).flatten(),
        });
    }
    out.sort_by_key(|e| e.at);
    Ok(out)
}
