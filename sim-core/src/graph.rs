//! The topology as data: nodes, hosts, interfaces, addresses and link configurations, shared
//! by the builder ([`crate::topology`]) and the routing search ([`crate::routing`]), which
//! both read it. It imports neither, so routing depends on the graph and not on the builder.

use crate::ids::{HostId, IfaceId, LinkId, NodeId};
use crate::link::{Attach, LinkConfig};
use crate::packet::Addr;
use std::collections::BTreeMap;

/// The parts of a topology shared by the builder and the built network.
#[derive(Clone, Debug, Default)]
pub(crate) struct Graph {
    pub(crate) node_names: Vec<String>,
    /// For each node, the host living on it (routers: `None`).
    pub(crate) node_host: Vec<Option<HostId>>,
    pub(crate) host_node: Vec<NodeId>,
    pub(crate) host_ifaces: Vec<Vec<IfaceId>>,
    pub(crate) host_addrs: Vec<Vec<Addr>>,
    pub(crate) iface_host: Vec<HostId>,
    pub(crate) iface_addr: Vec<Addr>,
    pub(crate) iface_by_addr: BTreeMap<Addr, IfaceId>,
    /// Addresses owned by routers (a NAT's public address, a load balancer's virtual one):
    /// routes to them end at the router, where a middlebox rewrites the destination.
    pub(crate) router_by_addr: BTreeMap<Addr, NodeId>,
    pub(crate) links: Vec<LinkConfig>,
}

impl Graph {
    /// The node an attachment point lies on, if it exists.
    pub(crate) fn node_of(&self, a: Attach) -> Option<NodeId> {
        match a {
            Attach::Node(n) => (n.index() < self.node_names.len()).then_some(n),
            Attach::Iface(i) => self
                .iface_host
                .get(i.index())
                .map(|h| self.host_node[h.index()]),
        }
    }

    pub(crate) fn is_router(&self, n: NodeId) -> bool {
        self.node_host[n.index()].is_none()
    }

    pub(crate) fn link_name(&self, l: LinkId) -> String {
        self.links[l.index()].name.clone()
    }
}
