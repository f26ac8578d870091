//! The simulator's cache of the routes its packets take.
//!
//! Keyed by source interface, then `(destination address, ports)` in a sorted vector per
//! source (the ports are part of the key only with ECMP, where they choose the path). A miss
//! computes the route once ([`crate::routing`]) and stores its links in one flat vector; a hit
//! costs a short binary search, with no hashing and no allocation. Memory grows with the flows
//! a run carries, never with the square of the hosts. Unroutable keys are cached too.

use crate::ids::{next_id, HostId, IfaceId, LinkId, NodeId, RouteId};
use crate::packet::Addr;
use crate::routing::Scratch;
use crate::topology::Network;

/// A route and where it ends: the host that owns the destination, or `None` for a router
/// that owns it (a middlebox address).
pub(crate) type Routed = (RouteId, Option<HostId>);

#[derive(Clone, Copy, Debug)]
struct Entry {
    /// `dst << 32 | sport << 16 | dport`.
    key: u64,
    /// The route and where it ends, or `None` if unroutable.
    route: Option<Routed>,
}

/// Routes by `(source interface, destination, ports)`, and, for packets a middlebox
/// rewrote, by `(router, source, destination, ports)`.
#[derive(Debug, Default)]
pub(crate) struct RouteCache {
    by_src: Vec<Vec<Entry>>,
    /// Routes from routers (middlebox rewrites only: not on the ordinary path).
    by_router: std::collections::BTreeMap<(u32, u32, u64), Option<Routed>>,
    /// `(start, len)` of each route in `links`.
    spans: Vec<(u32, u32)>,
    links: Vec<LinkId>,
    scratch: Scratch,
}

impl RouteCache {
    pub(crate) fn new(interfaces: usize) -> RouteCache {
        RouteCache {
            by_src: vec![Vec::new(); interfaces],
            ..RouteCache::default()
        }
    }

    /// The route of a packet from interface `s` to `dst` with `ports` (`(0, 0)` unless the
    /// network does ECMP), and the host owning `dst`.
    #[inline]
    pub(crate) fn get(
        &mut self,
        net: &Network,
        s: IfaceId,
        dst: Addr,
        ports: (u16, u16),
    ) -> Option<Routed> {
        let key = u64::from(dst.0) << 32 | u64::from(ports.0) << 16 | u64::from(ports.1);
        let list = &self.by_src[s.index()];
        match list.binary_search_by_key(&key, |e| e.key) {
            Ok(i) => list[i].route,
            Err(i) => self.miss(net, s, dst, ports, key, i),
        }
    }

    #[cold]
    fn miss(
        &mut self,
        net: &Network,
        s: IfaceId,
        dst: Addr,
        ports: (u16, u16),
        key: u64,
        at: usize,
    ) -> Option<Routed> {
        let route = self.compute(net, s, dst, ports);
        self.by_src[s.index()].insert(at, Entry { key, route });
        route
    }

    fn compute(
        &mut self,
        net: &Network,
        s: IfaceId,
        dst: Addr,
        ports: (u16, u16),
    ) -> Option<Routed> {
        let start = self.links.len();
        let (found, to) = match (net.iface_id(dst), net.router_of(dst)) {
            (Some(d), _) => {
                let ok = net.find_route(s, d, ports, &mut self.scratch, &mut self.links);
                (ok, Some(net.iface_host(d)))
            }
            (None, Some(r)) => {
                let (sc, out) = (&mut self.scratch, &mut self.links);
                (net.find_route_to_router(s, r, dst, ports, sc, out), None)
            }
            (None, None) => return None,
        };
        if !found {
            self.links.truncate(start);
            return None;
        }
        Some((self.push_span(start), to))
    }

    fn push_span(&mut self, start: usize) -> RouteId {
        let id = RouteId(next_id(self.spans.len()));
        self.spans
            .push((next_id(start), next_id(self.links.len() - start)));
        id
    }

    /// The route from router `r` of a packet from `src` to `dst` with `ports` (`(0, 0)`
    /// unless ECMP), after a middlebox at `r` changed its addresses.
    pub(crate) fn get_from_router(
        &mut self,
        net: &Network,
        r: NodeId,
        src: Addr,
        dst: Addr,
        ports: (u16, u16),
    ) -> Option<Routed> {
        let key = u64::from(dst.0) << 32 | u64::from(ports.0) << 16 | u64::from(ports.1);
        let k = (r.0, src.0, key);
        if let Some(&hit) = self.by_router.get(&k) {
            return hit;
        }
        let start = self.links.len();
        let (sc, out) = (&mut self.scratch, &mut self.links);
        let route = match net.find_route_from_router(r, src, dst, ports, sc, out) {
            Some(to) => Some((self.push_span(start), to)),
            None => {
                self.links.truncate(start);
                None
            }
        };
        self.by_router.insert(k, route);
        route
    }

    /// Link number `hop` of route `r`, if the route is that long.
    #[inline]
    pub(crate) fn link(&self, r: RouteId, hop: u32) -> Option<LinkId> {
        let (start, len) = self.spans[r.index()];
        (hop < len).then(|| self.links[(start + hop) as usize])
    }

    /// Number of cached keys (routable or not).
    pub(crate) fn len(&self) -> usize {
        self.by_src.iter().map(Vec::len).sum::<usize>() + self.by_router.len()
    }
}
