//! Checks that span a scenario, called by [`crate::validate`]: the run's length and sampling
//! against fixed limits, the scenario's name as a results-directory name, a route between
//! every flow's ends, and queues that can hold a packet. Each error names the field and, where
//! the value is written, its line and column.

use crate::error::{Reporter, ScenarioError};
use crate::names::Names;
use crate::plan::{End, FlowEnd, IfaceIndex, PlanFlow, PlanLink, PlanRoute};
use crate::schema::{ActionSpec, QueueSpec, Scenario};
use sim_core::{Addr, Duration};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The longest run: 1,000,000 simulated seconds (11.6 days).
pub const MAX_DURATION: Duration = Duration::from_secs(1_000_000);
/// The shortest sample interval of the time series.
pub const MIN_SAMPLE_INTERVAL: Duration = Duration::from_millis(1);
/// The most time-series samples a run may take (`duration / sample_interval`).
pub const MAX_SAMPLES: u64 = 1_000_000;
/// The smallest byte-limited queue: one 1500-byte packet.
pub const MIN_QUEUE_BYTES: u64 = 1500;

/// Duration and sampling: positive, bounded, and not more samples than [`MAX_SAMPLES`].
pub(crate) fn check_run_length(r: &Reporter<'_>, sc: &Scenario) -> Result<(), ScenarioError> {
    let (duration, step) = (sc.duration.0, sc.output.sample_interval.0);
    let err = |section: &str, field: &str, msg: String| Err(r.at(section, field.into(), "", msg));
    if duration.is_zero() {
        return err("duration", "duration", "must be greater than zero".into());
    }
    if duration > MAX_DURATION {
        let msg = format!(
            "{} is longer than the longest run mpsim simulates ({})",
            sc.duration,
            crate::units::Time(MAX_DURATION)
        );
        return err("duration", "duration", msg);
    }
    if step < MIN_SAMPLE_INTERVAL {
        let msg = format!(
            "{} is below the 1ms resolution of the time series",
            sc.output.sample_interval
        );
        return err("sample_interval", "output.sample_interval", msg);
    }
    let samples = duration.as_nanos().div_ceil(step.as_nanos());
    if samples > MAX_SAMPLES {
        let msg = format!(
            "{} over {} is {samples} samples, more than {MAX_SAMPLES}; sample less often \
             (at least every {})",
            sc.output.sample_interval,
            sc.duration,
            crate::units::Time(Duration::from_nanos(
                duration
                    .as_nanos()
                    .div_ceil(MAX_SAMPLES)
                    .div_ceil(1_000_000)
                    * 1_000_000
            ))
        );
        return err("sample_interval", "output.sample_interval", msg);
    }
    Ok(())
}

/// Every flow's ends must be joined by an explicit route or a chain of links through routers
/// (hosts do not forward), both ways: the data and the acknowledgements. For MPTCP this is
/// the pair the connection is opened on; further subflows are the path manager's business.
pub(crate) fn check_flow_routes(
    r: &Reporter<'_>,
    sc: &Scenario,
    names: &Names,
    links: &[PlanLink],
    routes: &[PlanRoute],
    flows: &[PlanFlow],
) -> Result<(), ScenarioError> {
    let explicit: BTreeSet<(Addr, Addr)> = routes.iter().map(|rt| (rt.src, rt.dst)).collect();
    let reach = Reach::new(links.iter().map(|l| (l.a, l.b)), sc.routers.len());
    for (i, f) in flows.iter().enumerate() {
        let ends = [(f.src, f.dst), (f.dst, f.src)];
        for (from, to) in ends {
            if explicit.contains(&(from.addr, to.addr)) || reach.joins(from.iface, to.iface) {
                continue;
            }
            let name = |e: FlowEnd| names.iface_label(e.iface);
            let msg = format!(
                "no route from `{}` to `{}`: no chain of links through routers joins them \
                 (hosts do not forward); add a link or a `Route`",
                name(from),
                name(to)
            );
            return Err(r.at("flows", format!("flows[{i}]"), &sc.flows[i].name, msg));
        }
    }
    Ok(())
}

/// Which interfaces a packet can pass between over the links, through routers only (as
/// `sim_core::routing` searches; hosts do not forward): built once for every flow. Links are
/// duplex, so two interfaces are joined when a link joins them, or when each has a link to a
/// router of one connected set of routers (routers joined by router-to-router links).
///
/// Built in O(links log links) and asked in O(log interfaces) per pair, where a search per
/// flow over every link at every router it reached made validation grow with the cube of a
/// fat tree's size (k = 24, 3,456 hosts: a minute before the first event).
struct Reach {
    /// Each interface's routers' sets (by a representative router), sorted, distinct.
    sets: BTreeMap<IfaceIndex, Vec<u32>>,
    /// Interfaces joined by a link between them, both orders.
    direct: BTreeSet<(IfaceIndex, IfaceIndex)>,
}

impl Reach {
    /// The interfaces' reach over `links` (their two ends) among `routers` routers.
    fn new(links: impl Iterator<Item = (End, End)> + Clone, routers: usize) -> Self {
        // Union-find over the routers (path halving; the smaller index is the root, so
        // the representatives do not depend on the links' order).
        let mut parent: Vec<u32> = (0..routers as u32).collect();
        fn root(parent: &mut [u32], mut k: u32) -> u32 {
            while parent[k as usize] != k {
                let up = parent[parent[k as usize] as usize];
                parent[k as usize] = up;
                k = up;
            }
            k
        }
        for l in links.clone() {
            if let (End::Router(a), End::Router(b)) = l {
                let (ra, rb) = (root(&mut parent, a.0), root(&mut parent, b.0));
                let (lo, hi) = (ra.min(rb), ra.max(rb));
                parent[hi as usize] = lo;
            }
        }
        let mut sets: BTreeMap<IfaceIndex, Vec<u32>> = BTreeMap::new();
        let mut direct = BTreeSet::new();
        for l in links {
            match l {
                (End::Iface(i), End::Router(k)) | (End::Router(k), End::Iface(i)) => {
                    let set = root(&mut parent, k.0);
                    sets.entry(i).or_default().push(set);
                }
                (End::Iface(a), End::Iface(b)) => {
                    direct.insert((a, b));
                    direct.insert((b, a));
                }
                (End::Router(_), End::Router(_)) => {}
            }
        }
        for v in sets.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        Reach { sets, direct }
    }

    /// Whether a packet from interface `from` can reach interface `to`.
    fn joins(&self, from: IfaceIndex, to: IfaceIndex) -> bool {
        if self.direct.contains(&(from, to)) {
            return true;
        }
        let (Some(a), Some(b)) = (self.sets.get(&from), self.sets.get(&to)) else {
            return false;
        };
        // Two sorted lists share a set.
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }
}

/// The scenario's name (`name:`, else the file's stem), which names its results directory:
/// it must be a plain file-name component.
pub(crate) fn plan_name(
    r: &Reporter<'_>,
    file: &Path,
    sc: &Scenario,
) -> Result<String, ScenarioError> {
    if let Some(n) = &sc.name {
        return match results_name_problem(n) {
            None => Ok(n.clone()),
            Some(why) => Err(r.at("name", "name".into(), n, why)),
        };
    }
    let stem = file
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    match results_name_problem(&stem) {
        None => Ok(stem),
        Some(why) => Err(r.at(
            "",
            "name".into(),
            "",
            format!("the file name gives no usable scenario name ({why}); add `name: \"...\"`"),
        )),
    }
}

/// Why `name` cannot name a results directory (`results/<name>`), if it cannot: it must be
/// one plain path component, not hidden, without control characters, at most 200 bytes.
pub fn results_name_problem(name: &str) -> Option<String> {
    let why = if name.is_empty() {
        "the name is empty"
    } else if name == "." || name == ".." {
        "`.` and `..` are not names"
    } else if name.contains(['/', '\\']) {
        "a name may not contain `/` or `\\` (it names one directory)"
    } else if name.chars().any(char::is_control) {
        "a name may not contain control characters"
    } else if name.starts_with('.') {
        "a name may not start with `.` (a hidden directory)"
    } else if name.len() > 200 {
        "a name may be at most 200 bytes long"
    } else {
        return None;
    };
    Some(format!("`{}`: {why}", name.escape_debug()))
}

/// A queue must hold at least one packet.
pub(crate) fn check_queue(
    r: &Reporter<'_>,
    field: &str,
    link: &str,
    q: QueueSpec,
) -> Result<(), ScenarioError> {
    let msg = match q {
        QueueSpec::Packets(0) => "Packets(0) holds no packet: every packet would be dropped",
        QueueSpec::Bytes(b) if b.0 < MIN_QUEUE_BYTES => {
            "a byte limit below 1500B holds no full-sized packet: write at least Bytes(\"1500B\")"
        }
        _ => return Ok(()),
    };
    Err(r.at("links", field.into(), link, msg.into()))
}

/// An event's action must be able to act: a queue it sets holds a packet, and `SetBackup`
/// has a host interface at an end of its link. Errors point at the event's `link`.
pub(crate) fn check_event_action(
    r: &Reporter<'_>,
    sc: &Scenario,
    i: usize,
    link: &PlanLink,
) -> Result<(), ScenarioError> {
    let ev = &sc.events[i];
    let field = format!("events[{i}].action");
    let nth = sc.events[..i].iter().filter(|e| e.link == ev.link).count();
    let err = |msg: String| r.at_nth("events", "link", &ev.link, nth, field.clone(), msg);
    if !ev.notify && ev.action != ActionSpec::Down {
        return Err(err(
            "`notify: false` applies to a `Down` action only (its `Up` tells no host either)"
                .into(),
        ));
    }
    match ev.action {
        ActionSpec::SetQueue(q) => match check_queue(r, &field, &ev.link, q) {
            Err(ScenarioError::Invalid { msg, .. }) => Err(err(msg)),
            other => other,
        },
        ActionSpec::SetBackup(_) | ActionSpec::EndpointDelete | ActionSpec::EndpointAdd(_) => {
            let host_end = |e: End| matches!(e, End::Iface(_));
            if host_end(link.a) || host_end(link.b) {
                return Ok(());
            }
            let action = match ev.action {
                ActionSpec::SetBackup(_) => "SetBackup",
                ActionSpec::EndpointDelete => "EndpointDelete",
                _ => "EndpointAdd",
            };
            Err(err(format!(
                "{action} marks the host interface at an end of the link, but `{}` joins two \
                 routers",
                link.name
            )))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{HostIndex, RouterIndex};
    use rand::Rng;

    /// The search `Reach` replaced: from `from`, over every link at every router reached.
    fn searched(links: &[(End, End)], routers: usize, from: IfaceIndex, to: IfaceIndex) -> bool {
        let mut seen = vec![false; routers];
        let mut todo = vec![End::Iface(from)];
        while let Some(at) = todo.pop() {
            for &(x, y) in links {
                for (a, b) in [(x, y), (y, x)] {
                    if a != at {
                        continue;
                    }
                    match b {
                        End::Iface(i) if i == to => return true,
                        End::Router(k) if !seen[k.0 as usize] => {
                            seen[k.0 as usize] = true;
                            todo.push(b);
                        }
                        _ => {}
                    }
                }
            }
        }
        false
    }

    /// On 400 random networks (up to 8 routers, 10 interfaces, 14 links, any ends), `Reach`
    /// answers as the search does for every pair of interfaces.
    #[test]
    fn reach_answers_as_the_search_over_the_links() {
        let mut rng = sim_core::stream(1, "checks/reach");
        let mut next = |n: u64| rng.random_range(0..n);
        let iface = |k: u64| IfaceIndex {
            host: HostIndex((k / 2) as u32),
            nth: (k % 2) as u32,
        };
        let (mut joined, mut apart) = (0, 0);
        for _ in 0..400 {
            let routers = 1 + next(8) as usize;
            let ifaces = 2 + next(9);
            let end = |next: &mut dyn FnMut(u64) -> u64| {
                if next(3) == 0 {
                    End::Iface(iface(next(ifaces)))
                } else {
                    End::Router(RouterIndex(next(routers as u64) as u32))
                }
            };
            let n = next(15);
            let links: Vec<(End, End)> = (0..n).map(|_| (end(&mut next), end(&mut next))).collect();
            let reach = Reach::new(links.iter().copied(), routers);
            for a in 0..ifaces {
                for b in 0..ifaces {
                    let want = searched(&links, routers, iface(a), iface(b));
                    assert_eq!(reach.joins(iface(a), iface(b)), want, "{links:?} {a} {b}");
                    if want {
                        joined += 1;
                    } else {
                        apart += 1;
                    }
                }
            }
        }
        // Both answers were asked about often.
        assert!(joined > 1000 && apart > 1000, "{joined} {apart}");
    }
}
