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
use crate::names::{check_name, list, Names};
pub use crate::plan::Plan;
use crate::plan::{
    Dir, DirParams, End, HostIndex, IfaceIndex, LinkDirection, LinkIndex, PlanCapture, PlanEvent,
    PlanLink, PlanRoute,
};
use crate::schema::{ActionSpec, CaptureInterfaces, DirectionName, LossSpec, QueueSpec, Scenario};
use sim_core::{
    Bandwidth, Duration, Instant, LinkChange, LinkRate, LossModel, MahimahiTrace, QueueLimit,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

pub use crate::checks::{
    results_name_problem, MAX_DURATION, MAX_SAMPLES, MIN_QUEUE_BYTES, MIN_SAMPLE_INTERVAL,
};

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
    let bonds = crate::bonds::resolve_bonds(&r, full, &links)?;
    let mut flows = crate::flows::resolve_flows(&r, full, &names)?;
    crate::checks::check_flow_routes(&r, full, &names, &links, &routes, &flows)?;
    let middleboxes = crate::middlebox::resolve_middleboxes(&r, full, &names, &links)?;
    crate::middlebox::resolve_via(&r, full, &middleboxes, &mut flows, &names)?;
    let events = resolve_events(&r, full, &links, duration)?;
    let capture = resolve_capture(&r, full, &names)?;
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
        capture,
        middleboxes,
        bonds,
        scenario: sc,
    })
}

/// The interfaces `output.pcap` names (every one for `All`) and its snaplen, checked.
fn resolve_capture(
    r: &Reporter<'_>,
    sc: &Scenario,
    names: &Names,
) -> Result<Option<PlanCapture>, ScenarioError> {
    let Some(spec) = &sc.output.pcap else {
        return Ok(None);
    };
    if !(1..=262_144).contains(&spec.snaplen) {
        let msg = format!("snaplen {} is outside 1..=262144", spec.snaplen);
        return Err(r.at("pcap", "output.pcap.snaplen".into(), "", msg));
    }
    let ifaces = match &spec.interfaces {
        CaptureInterfaces::All => (names.hosts.iter().enumerate())
            .flat_map(|(h, host)| {
                (0..host.ifaces.len()).map(move |nth| IfaceIndex {
                    host: HostIndex(h as u32),
                    nth: nth as u32,
                })
            })
            .collect(),
        CaptureInterfaces::Only(list) => {
            let mut out: Vec<IfaceIndex> = Vec::new();
            for (k, name) in list.iter().enumerate() {
                let field = format!("output.pcap.interfaces[{k}]");
                match names.end(name) {
                    Ok(End::Iface(i)) if !out.contains(&i) => out.push(i),
                    Ok(End::Iface(_)) => {
                        let msg = format!("`{name}` is captured twice");
                        return Err(r.at("pcap", field, name, msg));
                    }
                    Ok(End::Router(_)) => {
                        let msg = format!("`{name}` is a router; captures are of host interfaces");
                        return Err(r.at("pcap", field, name, msg));
                    }
                    Err(m) => return Err(r.at("pcap", field, name, m)),
                }
            }
            out.sort();
            out
        }
    };
    Ok(Some(PlanCapture {
        ifaces,
        format: spec.format,
        link: spec.link,
        snaplen: spec.snaplen,
    }))
}

fn resolve_links(
    r: &Reporter<'_>,
    sc: &Scenario,
    names: &Names,
    base: &Path,
) -> Result<Vec<PlanLink>, ScenarioError> {
    let mut out: Vec<PlanLink> = Vec::new();
    // The names so far (a fat tree has tens of thousands of links: no scan per link).
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for (i, l) in sc.links.iter().enumerate() {
        let f = |s: &str| format!("links[{i}].{s}");
        check_name(r, "links", &f("name"), &l.name)?;
        if !seen.insert(&l.name) {
            // The first repeat: the name's second occurrence in the file.
            let msg = format!("duplicate link name `{}`", l.name);
            return Err(r.at_nth("links", "name", &l.name, 1, f("name"), msg));
        }
        let a = names
            .end(&l.a)
            .map_err(|m| r.at("links", f("a"), &l.a, m))?;
        let b = names
            .end(&l.b)
            .map_err(|m| r.at("links", f("b"), &l.b, m))?;
        let node = |e: End| match e {
            End::Iface(i) => (0, i.host.0),
            End::Router(x) => (1, x.0),
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
    let by_name = link_indexes(links);
    for (i, rt) in sc.routes.iter().enumerate() {
        let f = |s: &str| format!("routes[{i}].{s}");
        let src = names
            .flow_end(&rt.from)
            .map_err(|m| r.at("routes", f("from"), &rt.from, m))?;
        let dst = names
            .flow_end(&rt.to)
            .map_err(|m| r.at("routes", f("to"), &rt.to, m))?;
        let mut at = End::Iface(src.iface);
        let mut hops = Vec::new();
        for (k, name) in rt.via.iter().enumerate() {
            let Some(&li) = by_name.get(name.as_str()) else {
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
                        names.end_name(l.a),
                        names.end_name(l.b)
                    ),
                ));
            };
            let dir = if forward { Dir::Forward } else { Dir::Reverse };
            hops.push(LinkDirection {
                link: LinkIndex(li as u32),
                dir,
            });
            at = next;
        }
        if !same_node(at, End::Iface(dst.iface)) || hops.is_empty() {
            return Err(r.at(
                "routes",
                f("via"),
                &rt.to,
                format!("the route does not end at `{}`", rt.to),
            ));
        }
        if rt.symmetric {
            let back: Vec<LinkDirection> = hops
                .iter()
                .rev()
                .map(|h| LinkDirection {
                    link: h.link,
                    dir: h.dir.flip(),
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

/// The links' positions by name (names are distinct once [`resolve_links`] accepted them).
fn link_indexes(links: &[PlanLink]) -> BTreeMap<&str, usize> {
    links
        .iter()
        .enumerate()
        .map(|(i, l)| (l.name.as_str(), i))
        .collect()
}

fn resolve_events(
    r: &Reporter<'_>,
    sc: &Scenario,
    links: &[PlanLink],
    duration: Duration,
) -> Result<Vec<PlanEvent>, ScenarioError> {
    let mut out = Vec::new();
    let by_name = link_indexes(links);
    for (i, ev) in sc.events.iter().enumerate() {
        let f = |s: &str| format!("events[{i}].{s}");
        let Some(&li) = by_name.get(ev.link.as_str()) else {
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
        let dirs: &[Dir] = match ev.direction {
            DirectionName::Both => &Dir::BOTH,
            DirectionName::Forward => &[Dir::Forward],
            DirectionName::Reverse => &[Dir::Reverse],
        };
        let change = |d: &DirParams| match &ev.action {
            ActionSpec::Down if !ev.notify => Some(LinkChange::DownSilent),
            ActionSpec::Down => Some(LinkChange::Down),
            ActionSpec::Up => Some(LinkChange::Up),
            ActionSpec::SetRate(rate) => Some(LinkChange::SetRate(LinkRate::Fixed(rate.0))),
            ActionSpec::SetDelay(t) => Some(LinkChange::SetDelay(t.0)),
            ActionSpec::SetLoss(loss) => Some(LinkChange::SetLoss(loss_of(*loss))),
            ActionSpec::SetQueue(q) => Some(LinkChange::SetQueue(queue_of(*q, &d.rate))),
            // A host-interface event (MP_PRIO): the interfaces at the link's ends.
            ActionSpec::SetBackup(_) | ActionSpec::EndpointDelete | ActionSpec::EndpointAdd(_) => {
                None
            }
        };
        let changes = (dirs.iter())
            .filter_map(|&d| change(l.params(d)).map(|c| (d, c)))
            .collect();
        let endpoints = match ev.action {
            ActionSpec::SetBackup(_) | ActionSpec::EndpointDelete | ActionSpec::EndpointAdd(_) => {
                (l.a.iface().into_iter()).chain(l.b.iface()).collect()
            }
            _ => Vec::new(),
        };
        out.push(PlanEvent {
            at: Instant::ZERO + ev.at.0,
            link: LinkIndex(li as u32),
            action: ev.action.clone(),
            changes,
            endpoints,
        });
    }
    out.sort_by_key(|e| e.at);
    Ok(out)
}
