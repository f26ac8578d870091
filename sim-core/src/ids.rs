//! Typed indices for the objects of a network: nodes, hosts, interfaces, links and routes.
//!
//! Each id is a `u32` newtype numbered densely from 0 in creation order, so collections
//! keyed by them are plain `Vec`s (deterministic iteration, no hashing).

use core::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The id as a `usize` index.
            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

id_type!(
    /// A node of the topology graph: a host or a router.
    NodeId,
    "node#"
);
id_type!(
    /// A host (a node where endpoints live); hosts are numbered 0.. in creation order.
    HostId,
    "host#"
);
id_type!(
    /// A network interface of a host, identified on the wire by its address.
    IfaceId,
    "iface#"
);
id_type!(
    /// A one-directional link.
    LinkId,
    "link#"
);
id_type!(
    /// A route: a sequence of links from a source interface to a destination interface.
    RouteId,
    "route#"
);

/// Converts a collection length to the next dense `u32` id.
///
/// # Panics
/// If more than `u32::MAX` objects are created (not a realistic topology).
pub(crate) fn next_id(len: usize) -> u32 {
    u32::try_from(len).expect("more than u32::MAX objects in a topology")
}
