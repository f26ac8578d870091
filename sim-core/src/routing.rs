//! Automatic shortest-path routing.
//!
//! For a source interface `s`, a usable path starts with a link leaving `s` (`Attach::Iface`)
//! or `s`'s host node (`Attach::Node`), passes only through routers (hosts do not forward),
//! and ends with a link arriving at the destination interface or its host node. A link bound
//! to an interface at its far end is usable only for packets to that interface. Among usable
//! paths the route is the one with the smallest total propagation delay, then the fewest
//! hops, then the lexicographically smallest sequence of link ids. Labels
//! `(delay, hops, links)` are monotone under extension, so a Dijkstra search over routers
//! with these labels is exact.

use crate::ids::{HostId, IfaceId, LinkId, NodeId};
use crate::link::Attach;
use crate::topology::Graph;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A path and its cost: total delay (ns), hop count, link ids.
type Label = (u64, u32, Vec<LinkId>);

fn extend(label: Option<&Label>, l: LinkId, delay_ns: u64) -> Label {
    match label {
        None => (delay_ns, 1, vec![l]),
        Some((d, h, p)) => {
            let mut p = p.clone();
            p.push(l);
            (d.saturating_add(delay_ns), h + 1, p)
        }
    }
}

fn offer(best: &mut Option<Label>, cand: Label) {
    if best.as_ref().is_none_or(|b| cand < *b) {
        *best = Some(cand);
    }
}

/// Best path from interface `s` to every interface (indexed by interface id); `None` for
/// interfaces on `s`'s own host and for unreachable ones.
pub(crate) fn shortest_from(g: &Graph, s: IfaceId) -> Vec<Option<Vec<LinkId>>> {
    let src_host = g.iface_host[s.index()];
    let src_node = g.host_node[src_host.index()];
    let n_nodes = g.node_names.len();
    // Links leaving each router, in id order.
    let mut out: Vec<Vec<LinkId>> = vec![Vec::new(); n_nodes];
    let mut starts = Vec::new();
    for (i, c) in g.links.iter().enumerate() {
        let l = LinkId(crate::ids::next_id(i));
        match c.from {
            Attach::Iface(x) if x == s => starts.push(l),
            Attach::Node(n) if n == src_node => starts.push(l),
            Attach::Node(n) if g.is_router(n) => out[n.index()].push(l),
            _ => {}
        }
    }
    let mut dest: Vec<Option<Label>> = vec![None; g.iface_addr.len()];
    let mut best: Vec<Option<Label>> = vec![None; n_nodes];
    let mut done = vec![false; n_nodes];
    let mut heap: BinaryHeap<Reverse<(Label, NodeId)>> = BinaryHeap::new();
    let mut relax = |from: Option<&Label>,
                     l: LinkId,
                     heap: &mut BinaryHeap<_>,
                     best: &mut Vec<Option<Label>>| {
        let c = &g.links[l.index()];
        let cand = extend(from, l, c.delay.as_nanos());
        match c.to {
            Attach::Node(n) if g.is_router(n) => {
                if best[n.index()].as_ref().is_none_or(|b| cand < *b) {
                    best[n.index()] = Some(cand.clone());
                    heap.push(Reverse((cand, n)));
                }
            }
            Attach::Node(n) => {
                let h: HostId = g.node_host[n.index()].unwrap_or(src_host);
                if h != src_host {
                    for &d in &g.host_ifaces[h.index()] {
                        offer(&mut dest[d.index()], cand.clone());
                    }
                }
            }
            Attach::Iface(d) => {
                if g.iface_host[d.index()] != src_host {
                    offer(&mut dest[d.index()], cand);
                }
            }
        }
    };
    for &l in &starts {
        relax(None, l, &mut heap, &mut best);
    }
    while let Some(Reverse((label, n))) = heap.pop() {
        if done[n.index()] || best[n.index()].as_ref() != Some(&label) {
            continue;
        }
        done[n.index()] = true;
        for &l in &out[n.index()] {
            relax(Some(&label), l, &mut heap, &mut best);
        }
    }
    dest.into_iter().map(|d| d.map(|(_, _, p)| p)).collect()
}
