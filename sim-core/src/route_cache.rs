//! The simulator's cache of the routes its packets take.
//!
//! Keyed by source interface, then `(destination address, ports)` in a sorted vector per
//! source (the ports are part of the key only with ECMP, where they choose the path). A miss
//! computes the route once ([`crate::routing`]) and stores its links in one flat vector; a hit
//! costs a short binary search, with no hashing and no allocation. Memory grows with the flows
//! a run carries, never with the square of the hosts. Unroutable keys are cached too.

use crate::ids::{next_id, HostId, IfaceId, LinkId, RouteId};
use crate::packet::Addr;
use crate::routing::Scratch;
use crate::topology::Network;

#[derive(Clone, Copy, Debug)]
struct Entry {
    /// `dst << 32 | sport << 16 | dport`.
    key: u64,
    /// The route and the host that owns `dst`, or `None` if unroutable.
    route: Option<(RouteId, HostId)>,
}

/// Routes by `(source interface, destination, ports)`.
#[derive(Debug, Default)]
pub(crate) struct RouteCache {
    by_src: Vec<Vec<Entry>>,
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
    ) -> Option<(RouteId, HostId)> {
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
    ) -> Option<(RouteId, HostId)> {
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
    ) -> Option<(RouteId, HostId)> {
        let d = net.iface_id(dst)?;
        let start = self.links.len();
        if !net.find_route(s, d, ports, &mut self.scratch, &mut self.links) {
            self.links.truncate(start);
            return None;
        }
        let id = RouteId(next_id(self.spans.len()));
        self.spans
            .push((next_id(start), next_id(self.links.len() - start)));
        Some((id, net.iface_host(d)))
    }

    /// Link number `hop` of route `r`, if the route is that long.
    #[inline]
    pub(crate) fn link(&self, r: RouteId, hop: u32) -> Option<LinkId> {
        let (start, len) = self.spans[r.index()];
        (hop < len).then(|| self.links[(start + hop) as usize])
    }

    /// Number of cached keys (routable or not).
    pub(crate) fn len(&self) -> usize {
        self.by_src.iter().map(Vec::len).sum()
    }
}
