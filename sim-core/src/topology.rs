//! Building a network: hosts, routers, interfaces, links and routes.
//!
//! [`NetworkBuilder`] collects the topology; [`NetworkBuilder::build`] validates it and
//! indexes its links for routing. Pairs of interfaces without an explicit route follow the
//! least-cost path, found when first needed (see [`crate::routing`] for the path rule and
//! ECMP): nothing is stored per pair, so a network's memory is linear in its hosts and links.
//! The resulting [`Network`] is immutable; the [`crate::Simulator`] owns the links' runtime
//! state and caches the routes of the flows it carries.

use crate::graph::Graph;
use crate::ids::{next_id, HostId, IfaceId, LinkId, NodeId};
use crate::link::{Attach, LinkConfig, LinkRate};
use crate::packet::Addr;
use crate::routing::{Adjacency, EcmpKeys, FlowTuple, Scratch, Search};
use rand::Rng;
use std::collections::BTreeMap;

/// An invalid topology. Messages name the links and addresses involved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TopologyError {
    /// Two interfaces share an address.
    #[error("address {addr} is already used by host {host:?}")]
    DuplicateAddress {
        /// The address.
        addr: Addr,
        /// The host that already has it.
        host: String,
    },
    /// A host id that was never created.
    #[error("unknown host {0}")]
    UnknownHost(HostId),
    /// An address that belongs to no interface.
    #[error("address {0} belongs to no interface")]
    UnknownAddress(Addr),
    /// A link id that was never created.
    #[error("unknown link {0}")]
    UnknownLink(LinkId),
    /// A link end refers to a node or interface that does not exist.
    #[error("link {link:?}: endpoint {end:?} does not exist")]
    UnknownEndpoint {
        /// Link name.
        link: String,
        /// The bad end.
        end: Attach,
    },
    /// Two links, or two nodes, share a name.
    #[error("duplicate name {0:?}")]
    DuplicateName(String),
    /// A link has a zero rate.
    #[error("link {link:?}: rate must be nonzero (use a Down change to stop a link)")]
    ZeroRate {
        /// Link name.
        link: String,
    },
    /// A link's loss model has an invalid probability.
    #[error("link {link:?}: loss model: {what}")]
    InvalidLoss {
        /// Link name.
        link: String,
        /// What is wrong.
        what: String,
    },
    /// An explicit route has no links.
    #[error("route {src} -> {dst}: no links")]
    EmptyRoute {
        /// Source address.
        src: Addr,
        /// Destination address.
        dst: Addr,
    },
    /// An explicit route does not start at its source.
    #[error("route {src} -> {dst}: first link {link:?} does not leave {src} or its host")]
    RouteStart {
        /// Source address.
        src: Addr,
        /// Destination address.
        dst: Addr,
        /// First link name.
        link: String,
    },
    /// Two consecutive links of an explicit route do not join.
    #[error("route {src} -> {dst}: link {from:?} does not end where link {next:?} starts")]
    RouteGap {
        /// Source address.
        src: Addr,
        /// Destination address.
        dst: Addr,
        /// The earlier link.
        from: String,
        /// The link after it.
        next: String,
    },
    /// An explicit route does not end at its destination.
    #[error("route {src} -> {dst}: last link {link:?} does not arrive at {dst} or its host")]
    RouteEnd {
        /// Source address.
        src: Addr,
        /// Destination address.
        dst: Addr,
        /// Last link name.
        link: String,
    },
    /// An explicit route uses a link bound to another interface.
    #[error("route {src} -> {dst}: link {link:?} is bound to another interface")]
    RouteInterfaceBound {
        /// Source address.
        src: Addr,
        /// Destination address.
        dst: Addr,
        /// Link name.
        link: String,
    },
    /// Two explicit routes for the same pair.
    #[error("route {src} -> {dst} is defined twice")]
    DuplicateRoute {
        /// Source address.
        src: Addr,
        /// Destination address.
        dst: Addr,
    },
    /// An address was given to a node that is not a router.
    #[error("node {0} is not a router")]
    NotARouter(NodeId),
    /// The simulator was given the wrong number of hosts.
    #[error("network has {expected} hosts but {got} were given")]
    HostCount {
        /// Hosts in the network.
        expected: usize,
        /// Hosts given.
        got: usize,
    },
}

/// Collects a topology, then [`NetworkBuilder::build`]s a [`Network`].
#[derive(Debug, Default)]
pub struct NetworkBuilder {
    g: Graph,
    explicit: BTreeMap<(IfaceId, IfaceId), Vec<LinkId>>,
    ecmp_seed: Option<u64>,
}

impl NetworkBuilder {
    /// An empty topology.
    pub fn new() -> Self {
        Self::default()
    }

    fn add_node(&mut self, name: &str, host: Option<HostId>) -> NodeId {
        let id = NodeId(next_id(self.g.node_names.len()));
        self.g.node_names.push(name.to_string());
        self.g.node_host.push(host);
        id
    }

    /// Adds a host (with its node); hosts are numbered 0.. in call order.
    pub fn add_host(&mut self, name: &str) -> HostId {
        let h = HostId(next_id(self.g.host_node.len()));
        let n = self.add_node(name, Some(h));
        self.g.host_node.push(n);
        self.g.host_ifaces.push(Vec::new());
        self.g.host_addrs.push(Vec::new());
        h
    }

    /// Adds a router node.
    pub fn add_router(&mut self, name: &str) -> NodeId {
        self.add_node(name, None)
    }

    /// The node of host `h`.
    ///
    /// # Panics
    /// If `h` was not created by this builder.
    pub fn host_node(&self, h: HostId) -> NodeId {
        self.g.host_node[h.index()]
    }

    /// Gives host `host` an interface with address `addr` (unique in the network).
    pub fn add_interface(&mut self, host: HostId, addr: Addr) -> Result<IfaceId, TopologyError> {
        if host.index() >= self.g.host_node.len() {
            return Err(TopologyError::UnknownHost(host));
        }
        self.check_unused(addr)?;
        let id = IfaceId(next_id(self.g.iface_addr.len()));
        self.g.iface_host.push(host);
        self.g.iface_addr.push(addr);
        self.g.iface_by_addr.insert(addr, id);
        self.g.host_ifaces[host.index()].push(id);
        self.g.host_addrs[host.index()].push(addr);
        Ok(id)
    }

    /// Errors when `addr` belongs to an interface or a router already.
    fn check_unused(&self, addr: Addr) -> Result<(), TopologyError> {
        let owner = match (
            self.g.iface_by_addr.get(&addr),
            self.g.router_by_addr.get(&addr),
        ) {
            (Some(&i), _) => self.g.host_node[self.g.iface_host[i.index()].index()],
            (None, Some(&n)) => n,
            (None, None) => return Ok(()),
        };
        Err(TopologyError::DuplicateAddress {
            addr,
            host: self.g.node_names[owner.index()].clone(),
        })
    }

    /// Gives router `router` the address `addr` (unique in the network): packets sent to it
    /// are routed to the router, where a middlebox must rewrite their destination
    /// ([`crate::Middlebox`], `Verdict::Reroute`); unrewritten they are dropped there.
    pub fn add_router_address(&mut self, router: NodeId, addr: Addr) -> Result<(), TopologyError> {
        if router.index() >= self.g.node_names.len() || !self.g.is_router(router) {
            return Err(TopologyError::NotARouter(router));
        }
        self.check_unused(addr)?;
        self.g.router_by_addr.insert(addr, router);
        Ok(())
    }

    /// Adds a one-directional link (validated in [`NetworkBuilder::build`]).
    pub fn add_link(&mut self, cfg: LinkConfig) -> LinkId {
        let id = LinkId(next_id(self.g.links.len()));
        self.g.links.push(cfg);
        id
    }

    /// Turns on equal-cost multipath at routers: a router with several least-cost next links
    /// towards a destination picks one per flow by a hash of the flow's addresses and ports
    /// under its own key, drawn from `rng::stream(seed, "ecmp/{router name}")` (pass the
    /// run's master seed). Off by default: the lowest link id wins ties.
    pub fn ecmp(&mut self, seed: u64) {
        self.ecmp_seed = Some(seed);
    }

    /// Adds an explicit route for packets from `src` to `dst`, checked now: the first link
    /// leaves `src`'s interface or host node, consecutive links join at a node, the last
    /// arrives at `dst`'s interface or host node, and interface-bound links are used only by
    /// their own interface (as first or last link).
    pub fn add_route(
        &mut self,
        src: Addr,
        dst: Addr,
        links: Vec<LinkId>,
    ) -> Result<(), TopologyError> {
        let s = *self
            .g
            .iface_by_addr
            .get(&src)
            .ok_or(TopologyError::UnknownAddress(src))?;
        let d = *self
            .g
            .iface_by_addr
            .get(&dst)
            .ok_or(TopologyError::UnknownAddress(dst))?;
        if self.explicit.contains_key(&(s, d)) {
            return Err(TopologyError::DuplicateRoute { src, dst });
        }
        self.validate_route(s, d, &links)?;
        self.explicit.insert((s, d), links);
        Ok(())
    }

    fn validate_route(
        &self,
        s: IfaceId,
        d: IfaceId,
        links: &[LinkId],
    ) -> Result<(), TopologyError> {
        let g = &self.g;
        let (src, dst) = (g.iface_addr[s.index()], g.iface_addr[d.index()]);
        let (Some(&first), Some(&last)) = (links.first(), links.last()) else {
            return Err(TopologyError::EmptyRoute { src, dst });
        };
        for &l in links {
            let cfg = g
                .links
                .get(l.index())
                .ok_or(TopologyError::UnknownLink(l))?;
            for end in [cfg.from, cfg.to] {
                if g.node_of(end).is_none() {
                    return Err(TopologyError::UnknownEndpoint {
                        link: cfg.name.clone(),
                        end,
                    });
                }
            }
        }
        let cfg = |l: LinkId| &g.links[l.index()];
        let src_node = g.host_node[g.iface_host[s.index()].index()];
        let dst_node = g.host_node[g.iface_host[d.index()].index()];
        let starts = |a: Attach| a == Attach::Iface(s) || a == Attach::Node(src_node);
        let ends = |a: Attach| a == Attach::Iface(d) || a == Attach::Node(dst_node);
        if !starts(cfg(first).from) {
            let link = g.link_name(first);
            return Err(TopologyError::RouteStart { src, dst, link });
        }
        if !ends(cfg(last).to) {
            let link = g.link_name(last);
            return Err(TopologyError::RouteEnd { src, dst, link });
        }
        for (i, &l) in links.iter().enumerate() {
            let c = cfg(l);
            let bad_from = matches!(c.from, Attach::Iface(x) if i != 0 || x != s);
            let bad_to = matches!(c.to, Attach::Iface(x) if i + 1 != links.len() || x != d);
            if bad_from || bad_to {
                let link = g.link_name(l);
                return Err(TopologyError::RouteInterfaceBound { src, dst, link });
            }
        }
        for w in links.windows(2) {
            if g.node_of(cfg(w[0]).to) != g.node_of(cfg(w[1]).from) {
                return Err(TopologyError::RouteGap {
                    src,
                    dst,
                    from: g.link_name(w[0]),
                    next: g.link_name(w[1]),
                });
            }
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), TopologyError> {
        let mut names = std::collections::BTreeSet::new();
        for n in &self.g.node_names {
            if !names.insert(n.as_str()) {
                return Err(TopologyError::DuplicateName(n.clone()));
            }
        }
        let mut link_names = std::collections::BTreeSet::new();
        for c in &self.g.links {
            if !link_names.insert(c.name.as_str()) {
                return Err(TopologyError::DuplicateName(c.name.clone()));
            }
            for end in [c.from, c.to] {
                if self.g.node_of(end).is_none() {
                    let link = c.name.clone();
                    return Err(TopologyError::UnknownEndpoint { link, end });
                }
            }
            if matches!(c.rate, LinkRate::Fixed(b) if b.is_zero()) {
                return Err(TopologyError::ZeroRate {
                    link: c.name.clone(),
                });
            }
            c.loss
                .validate()
                .map_err(|what| TopologyError::InvalidLoss {
                    link: c.name.clone(),
                    what,
                })?;
        }
        Ok(())
    }

    /// Validates the topology and indexes it for routing (no route is computed here).
    pub fn build(self) -> Result<Network, TopologyError> {
        self.validate()?;
        let NetworkBuilder {
            g,
            explicit,
            ecmp_seed,
        } = self;
        let link_by_name = g
            .links
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), LinkId(next_id(i))))
            .collect();
        let ecmp = ecmp_seed.map(|seed| {
            EcmpKeys(
                g.node_names
                    .iter()
                    .map(|n| crate::rng::stream(seed, &format!("ecmp/{n}")).random())
                    .collect(),
            )
        });
        Ok(Network {
            adj: Adjacency::new(&g),
            g,
            explicit,
            ecmp,
            link_by_name,
        })
    }
}

/// A validated topology (immutable; runtime link state lives in the simulator).
#[derive(Debug, Clone)]
pub struct Network {
    pub(crate) g: Graph,
    adj: Adjacency,
    explicit: BTreeMap<(IfaceId, IfaceId), Vec<LinkId>>,
    ecmp: Option<EcmpKeys>,
    link_by_name: BTreeMap<String, LinkId>,
}

impl Network {
    /// The link called `name`.
    pub fn link_id(&self, name: &str) -> Option<LinkId> {
        self.link_by_name.get(name).copied()
    }
    /// The name of link `l`.
    pub fn link_name(&self, l: LinkId) -> &str {
        &self.g.links[l.index()].name
    }
    /// Number of links (ids are `0..link_count`).
    pub fn link_count(&self) -> usize {
        self.g.links.len()
    }
    /// The initial configuration of link `l`.
    pub fn link_config(&self, l: LinkId) -> &LinkConfig {
        &self.g.links[l.index()]
    }
    /// Whether routers spread flows over equal-cost paths ([`NetworkBuilder::ecmp`]).
    pub fn is_ecmp(&self) -> bool {
        self.ecmp.is_some()
    }
    /// The links packets from `src` to `dst` take if they carry no ports (or ports `(0, 0)`),
    /// if routable. Computed on each call (the simulator caches what it uses).
    pub fn route(&self, src: Addr, dst: Addr) -> Option<Vec<LinkId>> {
        self.flow_route(src, dst, (0, 0))
    }
    /// The links the packets of the flow `src:ports.0 -> dst:ports.1` take, if routable (the
    /// ports matter only with ECMP).
    pub fn flow_route(&self, src: Addr, dst: Addr, ports: (u16, u16)) -> Option<Vec<LinkId>> {
        let (s, d) = (self.iface_id(src)?, self.iface_id(dst)?);
        let mut out = Vec::new();
        self.find_route(s, d, ports, &mut Scratch::default(), &mut out)
            .then_some(out)
    }
    /// Appends to `out` the route from `s` to `d` for a flow with `ports` (an explicit route
    /// if there is one) and returns true, or returns false if there is none.
    pub(crate) fn find_route(
        &self,
        s: IfaceId,
        d: IfaceId,
        ports: (u16, u16),
        sc: &mut Scratch,
        out: &mut Vec<LinkId>,
    ) -> bool {
        if let Some(r) = self.explicit.get(&(s, d)) {
            out.extend_from_slice(r);
            return true;
        }
        let search = Search::new(&self.g, &self.adj, d);
        search.costs(sc);
        let tuple = FlowTuple {
            src: self.g.iface_addr[s.index()],
            dst: self.g.iface_addr[d.index()],
            ports,
        };
        search.walk(s, self.ecmp.as_ref().map(|k| (k, tuple)), sc, out)
    }
    /// The number of distinct least-cost paths from `src` to `dst` (the equal-cost set ECMP
    /// spreads flows over; saturating), ignoring explicit routes; 0 if unroutable.
    pub fn equal_cost_paths(&self, src: Addr, dst: Addr) -> u64 {
        let (Some(s), Some(d)) = (self.iface_id(src), self.iface_id(dst)) else {
            return 0;
        };
        let search = Search::new(&self.g, &self.adj, d);
        let mut sc = Scratch::default();
        search.costs(&mut sc);
        search.count_paths(s, &sc)
    }
    /// Heap bytes of the routing state (adjacency lists and explicit routes): linear in
    /// links and interfaces, with nothing per pair of hosts.
    pub fn routing_bytes(&self) -> usize {
        self.adj.heap_bytes()
            + self
                .explicit
                .values()
                .map(|r| r.capacity() * 4 + 32)
                .sum::<usize>()
    }
    /// The router owning address `addr` ([`NetworkBuilder::add_router_address`]).
    pub fn router_of(&self, addr: Addr) -> Option<NodeId> {
        self.g.router_by_addr.get(&addr).copied()
    }
    /// The node a link arrives at.
    pub fn link_end(&self, l: LinkId) -> Option<NodeId> {
        self.g.node_of(self.g.links[l.index()].to)
    }
    /// Whether node `n` is a router.
    pub fn is_router(&self, n: NodeId) -> bool {
        self.g.is_router(n)
    }
    /// Appends to `out` the route from interface `s` to router `r` (the owner of an
    /// address) for a flow with `ports`; false if there is none.
    pub(crate) fn find_route_to_router(
        &self,
        s: IfaceId,
        r: NodeId,
        dst: Addr,
        ports: (u16, u16),
        sc: &mut Scratch,
        out: &mut Vec<LinkId>,
    ) -> bool {
        let search = Search::to_router(&self.g, &self.adj, r);
        search.costs(sc);
        let tuple = FlowTuple {
            src: self.g.iface_addr[s.index()],
            dst,
            ports,
        };
        search.walk(s, self.ecmp.as_ref().map(|k| (k, tuple)), sc, out)
    }
    /// Appends to `out` the route from router `r` to `dst` (an interface or another
    /// router's address) for a packet from `src` with `ports`, after a middlebox at `r`
    /// rewrote it; returns where it ends (`Some(None)`: at a router), or `None` if
    /// unroutable.
    pub(crate) fn find_route_from_router(
        &self,
        r: NodeId,
        src: Addr,
        dst: Addr,
        ports: (u16, u16),
        sc: &mut Scratch,
        out: &mut Vec<LinkId>,
    ) -> Option<Option<HostId>> {
        let (search, host) = match (self.iface_id(dst), self.router_of(dst)) {
            (Some(d), _) => (Search::new(&self.g, &self.adj, d), Some(self.iface_host(d))),
            (None, Some(n)) => (Search::to_router(&self.g, &self.adj, n), None),
            (None, None) => return None,
        };
        search.costs(sc);
        let tuple = FlowTuple { src, dst, ports };
        let ecmp = self.ecmp.as_ref().map(|k| (k, tuple));
        search.walk_from_router(r, ecmp, sc, out).then_some(host)
    }
    /// The host owning address `addr`.
    pub fn host_of(&self, addr: Addr) -> Option<HostId> {
        self.iface_id(addr).map(|i| self.g.iface_host[i.index()])
    }
    /// Number of hosts (ids are `0..host_count`).
    pub fn host_count(&self) -> usize {
        self.g.host_node.len()
    }
    /// The node of host `h`.
    pub fn host_node(&self, h: HostId) -> NodeId {
        self.g.host_node[h.index()]
    }
    /// The name of node `n` (host or router).
    pub fn node_name(&self, n: NodeId) -> &str {
        &self.g.node_names[n.index()]
    }
    /// The addresses of host `h`'s interfaces, in creation order.
    pub fn interfaces_of(&self, h: HostId) -> &[Addr] {
        &self.g.host_addrs[h.index()]
    }
    /// The interface ids of host `h`, in creation order (parallel to
    /// [`Network::interfaces_of`]).
    pub fn interface_ids_of(&self, h: HostId) -> &[IfaceId] {
        &self.g.host_ifaces[h.index()]
    }
    /// The interface with address `addr`.
    pub fn iface_id(&self, addr: Addr) -> Option<IfaceId> {
        self.g.iface_by_addr.get(&addr).copied()
    }
    /// The address of interface `i`.
    pub fn iface_addr(&self, i: IfaceId) -> Addr {
        self.g.iface_addr[i.index()]
    }
    /// The host of interface `i`.
    pub fn iface_host(&self, i: IfaceId) -> HostId {
        self.g.iface_host[i.index()]
    }
}
