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

#[cfg(test)]
mod tests {
    use crate::link::{Attach, LinkConfig, LinkRate, LossModel, QueueLimit};
    use crate::topology::{NetworkBuilder, TopologyError};
    use crate::{Addr, Bandwidth, Duration, IfaceId, LinkId, NodeId};

    const A: Addr = Addr::new(10, 0, 0, 1);
    const A2: Addr = Addr::new(10, 0, 0, 2);
    const B: Addr = Addr::new(10, 0, 1, 1);
    const B2: Addr = Addr::new(10, 0, 1, 2);

    fn cfg(name: &str, from: Attach, to: Attach, delay_ms: u64) -> LinkConfig {
        LinkConfig {
            name: name.into(),
            from,
            to,
            rate: LinkRate::Fixed(Bandwidth::from_mbps(10)),
            delay: Duration::from_millis(delay_ms),
            queue: QueueLimit::Packets(100),
            loss: LossModel::None,
            jitter: Duration::ZERO,
        }
    }

    /// Hosts a (A, A2) and b (B, B2) and routers r1, r2; returns the node attachments.
    fn two_hosts() -> (NetworkBuilder, [Attach; 4], [IfaceId; 4]) {
        let mut nb = NetworkBuilder::new();
        let (ha, hb) = (nb.add_host("a"), nb.add_host("b"));
        let ifs = [
            nb.add_interface(ha, A).unwrap(),
            nb.add_interface(ha, A2).unwrap(),
            nb.add_interface(hb, B).unwrap(),
            nb.add_interface(hb, B2).unwrap(),
        ];
        let (r1, r2) = (nb.add_router("r1"), nb.add_router("r2"));
        let nodes = [
            Attach::Node(nb.host_node(ha)),
            Attach::Node(nb.host_node(hb)),
            Attach::Node(r1),
            Attach::Node(r2),
        ];
        (nb, nodes, ifs)
    }

    fn ids(v: &[u32]) -> Vec<LinkId> {
        v.iter().map(|&i| LinkId(i)).collect()
    }

    #[test]
    fn least_delay_then_fewest_hops_then_smallest_ids() {
        let (mut nb, [a, b, r1, r2], _) = two_hosts();
        nb.add_link(cfg("a-r2", a, r2, 1)); // 0
        nb.add_link(cfg("a-r1", a, r1, 1)); // 1
        nb.add_link(cfg("r1-b", r1, b, 2)); // 2
        nb.add_link(cfg("r2-b", r2, b, 2)); // 3: [0,3] vs [1,2] tie -> [0,3]
        nb.add_link(cfg("a-b", a, b, 4)); // 4: direct but slower
        let net = nb.build().unwrap();
        assert_eq!(net.route(A, B).unwrap(), ids(&[0, 3]));
        assert_eq!(net.route(A2, B2).unwrap(), ids(&[0, 3]));
        assert_eq!(net.route(B, A), None);
        assert_eq!(net.route(A, A2), None);

        // Equal delay: the direct (1-hop) path wins over the 2-hop one.
        let (mut nb, [a, b, r1, _], _) = two_hosts();
        nb.add_link(cfg("a-r1", a, r1, 1));
        nb.add_link(cfg("r1-b", r1, b, 2));
        nb.add_link(cfg("a-b", a, b, 3));
        assert_eq!(nb.build().unwrap().route(A, B).unwrap(), ids(&[2]));
    }

    #[test]
    fn lexicographic_tie_break_is_on_the_whole_sequence() {
        // Two 3-hop paths of equal delay: [0, 4, 5] and [0, 2, 3]; the smaller is [0, 2, 3]
        // even though link 4 was the first found from r1 towards r2.
        let (mut nb, [a, b, r1, r2], _) = two_hosts();
        let r3 = Attach::Node(nb.add_router("r3"));
        nb.add_link(cfg("a-r1", a, r1, 1)); // 0
        nb.add_link(cfg("r3-b", r3, b, 1)); // 1
        nb.add_link(cfg("r1-r3", r1, r3, 1)); // 2
        nb.add_link(cfg("r3-b2", r3, b, 1)); // 3
        nb.add_link(cfg("r1-r2", r1, r2, 1)); // 4
        nb.add_link(cfg("r2-b", r2, b, 1)); // 5
        assert_eq!(nb.build().unwrap().route(A, B).unwrap(), ids(&[0, 2, 1]));
    }

    #[test]
    fn interface_bound_links_serve_only_their_interface() {
        let (mut nb, [_, b, r1, _], [ia, _, ib, _]) = two_hosts();
        nb.add_link(cfg("a1-r1", Attach::Iface(ia), r1, 1));
        nb.add_link(cfg("r1-b", r1, b, 1));
        nb.add_link(cfg("r1-bB", r1, Attach::Iface(ib), 0)); // faster but only to B
        let net = nb.build().unwrap();
        assert_eq!(net.route(A, B).unwrap(), ids(&[0, 2]));
        assert_eq!(net.route(A, B2).unwrap(), ids(&[0, 1]));
        assert_eq!(net.route(A2, B), None);
        assert_eq!(net.route(A2, B2), None);
    }

    #[test]
    fn hosts_do_not_forward() {
        let mut nb = NetworkBuilder::new();
        let hs: Vec<_> = (0..3).map(|i| nb.add_host(&format!("h{i}"))).collect();
        let addrs = [A, B, B2];
        for (h, a) in hs.iter().zip(addrs) {
            nb.add_interface(*h, a).unwrap();
        }
        let n = |i: usize| Attach::Node(nb.host_node(hs[i]));
        let (n0, n1, n2) = (n(0), n(1), n(2));
        nb.add_link(cfg("0-1", n0, n1, 1));
        nb.add_link(cfg("1-2", n1, n2, 1));
        let net = nb.build().unwrap();
        assert_eq!(net.route(A, B).unwrap(), ids(&[0]));
        assert_eq!(net.route(A, B2), None);
    }

    #[test]
    fn explicit_routes_are_validated_and_override() {
        let (mut nb, [a, b, r1, r2], [ia, _, ib, _]) = two_hosts();
        let a_r1 = nb.add_link(cfg("a-r1", a, r1, 1));
        let r1_b = nb.add_link(cfg("r1-b", r1, b, 1));
        let a_r2 = nb.add_link(cfg("a-r2", a, r2, 5));
        let r2_b = nb.add_link(cfg("r2-b", r2, b, 5));
        let a1_r1 = nb.add_link(cfg("a1-r1", Attach::Iface(ia), r1, 1));
        let r1_bb = nb.add_link(cfg("r1-bB", r1, Attach::Iface(ib), 1));
        let err =
            |nb: &mut NetworkBuilder, s, d, l: Vec<LinkId>| nb.add_route(s, d, l).unwrap_err();
        assert!(matches!(
            err(&mut nb, A, B, vec![]),
            TopologyError::EmptyRoute { .. }
        ));
        let e = err(&mut nb, A, B, vec![r1_b]);
        assert!(matches!(e, TopologyError::RouteStart { .. }), "{e}");
        assert!(e.to_string().contains("\"r1-b\""), "{e}");
        let e = err(&mut nb, A, B, vec![a_r1, r2_b]);
        assert_eq!(
            e.to_string(),
            "route 10.0.0.1 -> 10.0.1.1: link \"a-r1\" does not end where link \"r2-b\" starts"
        );
        assert!(matches!(
            err(&mut nb, A, B, vec![a_r1]),
            TopologyError::RouteEnd { .. }
        ));
        // Interface-bound links: another interface may not start or end with them ...
        let e = err(&mut nb, A2, B, vec![a1_r1, r1_b]);
        assert!(matches!(e, TopologyError::RouteStart { .. }), "{e}");
        let e = err(&mut nb, A, B2, vec![a_r1, r1_bb]);
        assert!(matches!(e, TopologyError::RouteEnd { .. }), "{e}");
        // ... nor use them mid-route.
        let bb_r2 = nb.add_link(cfg("bB-r2", Attach::Iface(ib), r2, 1));
        let e = err(&mut nb, A, B, vec![a_r1, r1_bb, bb_r2, r2_b]);
        assert!(
            matches!(e, TopologyError::RouteInterfaceBound { .. }),
            "{e}"
        );
        let unknown = Addr::new(1, 2, 3, 4);
        assert_eq!(
            err(&mut nb, unknown, B, vec![a_r1]),
            TopologyError::UnknownAddress(unknown)
        );
        assert!(matches!(
            err(&mut nb, A, B, vec![LinkId(99)]),
            TopologyError::UnknownLink(_)
        ));
        nb.add_route(A, B, vec![a_r2, r2_b]).unwrap();
        nb.add_route(A, B2, vec![a1_r1, r1_b]).unwrap();
        assert!(matches!(
            err(&mut nb, A, B, vec![a_r1, r1_b]),
            TopologyError::DuplicateRoute { .. }
        ));
        let net = nb.build().unwrap();
        assert_eq!(net.route(A, B).unwrap(), [a_r2, r2_b]);
        assert_eq!(net.route(A, B2).unwrap(), [a1_r1, r1_b]);
        assert_eq!(net.route(A2, B).unwrap(), [a_r1, r1_b]);
    }

    #[test]
    fn builder_rejects_bad_topologies() {
        let (mut nb, [a, b, ..], _) = two_hosts();
        let e = nb.add_interface(crate::HostId(0), B).unwrap_err();
        assert_eq!(
            e.to_string(),
            "address 10.0.1.1 is already used by host \"b\""
        );
        let mut zero = cfg("zero", a, b, 1);
        zero.rate = LinkRate::Fixed(Bandwidth::from_bps(0));
        nb.add_link(zero);
        assert!(matches!(nb.build(), Err(TopologyError::ZeroRate { link }) if link == "zero"));

        let (mut nb, [a, b, ..], _) = two_hosts();
        nb.add_link(cfg("x", a, b, 1));
        nb.add_link(cfg("x", b, a, 1));
        assert_eq!(
            nb.build().unwrap_err(),
            TopologyError::DuplicateName("x".into())
        );

        let (mut nb, [a, b, ..], _) = two_hosts();
        let mut l = cfg("lossy", a, b, 1);
        l.loss = LossModel::Bernoulli { p: -0.1 };
        nb.add_link(l);
        assert!(matches!(nb.build(), Err(TopologyError::InvalidLoss { .. })));

        let (mut nb, [a, ..], _) = two_hosts();
        nb.add_link(cfg("dangling", a, Attach::Node(NodeId(77)), 1));
        assert!(matches!(
            nb.build(),
            Err(TopologyError::UnknownEndpoint { .. })
        ));
    }

    #[test]
    fn network_queries() {
        let (mut nb, [a, _, r1, _], [_, _, ib, _]) = two_hosts();
        nb.add_link(cfg("a-r1", a, r1, 1));
        nb.add_link(cfg("r1-B", r1, Attach::Iface(ib), 1));
        let net = nb.build().unwrap();
        assert_eq!(net.link_id("r1-B"), Some(LinkId(1)));
        assert_eq!(net.link_id("nope"), None);
        assert_eq!(net.link_name(LinkId(0)), "a-r1");
        assert_eq!(net.link_count(), 2);
        assert_eq!(net.link_config(LinkId(1)).delay, Duration::from_millis(1));
        assert_eq!(net.host_count(), 2);
        assert_eq!(net.host_of(B2), Some(crate::HostId(1)));
        assert_eq!(net.host_of(Addr::new(9, 9, 9, 9)), None);
        assert_eq!(net.interfaces_of(crate::HostId(0)), [A, A2]);
        assert_eq!(net.node_name(net.host_node(crate::HostId(1))), "b");
        assert_eq!(net.route(A, B).unwrap(), ids(&[0, 1]));
        assert_eq!(net.route(A, B2), None);
    }
}
