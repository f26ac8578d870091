//! # sim-core — the deterministic event engine of mpsim
//!
//! Integer-nanosecond [`time`], exact [`bandwidth`] arithmetic, seeded [`rng`] streams, the
//! [`packet`] type the network moves, the [`host`] trait endpoints implement, and the engine:
//! a [`topology`] of hosts, routers and one-directional [`link`]s (fixed-rate or
//! [`trace`]-driven, drop-tail, random loss, scheduled changes), [`routing`] by least delay
//! computed on demand (optionally ECMP at routers, hashing each flow's addresses and
//! [`FlowKey`] ports), link aggregation as Linux bonding does it ([`bond`]), and the [`sim`]
//! event loop over an [`event`] queue.
//!
//! ```
//! use sim_core::*;
//! // A 1500-byte packet takes 1.2 ms to serialize at 10 Mbit/s.
//! assert_eq!(Bandwidth::from_mbps(10).transmit_time(1500), Duration::from_micros(1200));
//!
//! // Two hosts and one 10 Mbit/s, 5 ms link; host 0 sends one packet when woken.
//! struct H(Option<Packet<()>>, Vec<Instant>);
//! impl Host<()> for H {
//!     fn on_packet(&mut self, now: Instant, _: &Packet<()>, _: &mut Vec<Packet<()>>) {
//!         self.1.push(now);
//!     }
//!     fn on_timeout(&mut self, _: Instant, tx: &mut Vec<Packet<()>>) {
//!         tx.extend(self.0.take());
//!     }
//!     fn poll_timeout(&self) -> Option<Instant> { None }
//! }
//! let (a, b) = (Addr::new(10, 0, 0, 1), Addr::new(10, 0, 0, 2));
//! let mut nb = NetworkBuilder::new();
//! let (ha, hb) = (nb.add_host("a"), nb.add_host("b"));
//! nb.add_interface(ha, a)?;
//! nb.add_interface(hb, b)?;
//! let (na, nb_node) = (nb.host_node(ha), nb.host_node(hb));
//! nb.add_link(LinkConfig {
//!     name: "a->b".into(),
//!     from: Attach::Node(na),
//!     to: Attach::Node(nb_node),
//!     rate: LinkRate::Fixed(Bandwidth::from_mbps(10)),
//!     delay: Duration::from_millis(5),
//!     queue: QueueLimit::Packets(100),
//!     loss: LossModel::None,
//!     jitter: Duration::ZERO,
//!     framing: Framing::NONE,
//! });
//! let pkt = Packet { src: a, dst: b, size: 1500, header: () };
//! let hosts = vec![H(Some(pkt), vec![]), H(None, vec![])];
//! let mut sim = Simulator::new(nb.build()?, hosts, 42)?;
//! sim.wake_host(ha, Instant::ZERO);
//! sim.run_until(Instant::from_secs(1));
//! assert_eq!(sim.host(hb).1, [Instant::from_micros(6_200)]);
//! # Ok::<(), TopologyError>(())
//! ```
#![deny(unsafe_code)]

pub mod bandwidth;
pub mod bond;
pub mod event;
mod graph;
pub mod host;
pub mod ids;
mod in_flight;
pub mod link;
pub mod middlebox;
pub mod packet;
pub mod prefetch;
pub mod rng;
mod route_cache;
pub mod routing;
pub mod sim;
pub mod time;
pub mod topology;
pub mod trace;

#[cfg(test)]
mod bond_tests;
#[cfg(test)]
mod sim_tests;

pub use bandwidth::Bandwidth;
pub use bond::{BondConfig, BondMode};
pub use event::{EventQueue, Slab, SlotRef};
pub use host::Host;
pub use ids::{HostId, IfaceId, LinkId, NodeId, RouteId};
pub use link::{
    Attach, Framing, LinkChange, LinkConfig, LinkRate, LinkStats, LossModel, QueueLimit,
    QueueOccupancy,
};
pub use middlebox::{Middlebox, NoMiddlebox, Verdict};
pub use packet::{Addr, FlowKey, Packet};
pub use rng::{stream, RngStream};
pub use sim::Simulator;
pub use time::{Duration, Instant};
pub use topology::{Network, NetworkBuilder, TopologyError};
pub use trace::{MahimahiTrace, TraceError};
