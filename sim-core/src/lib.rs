//! # sim-core — the deterministic event engine of mpsim
//!
//! Integer-nanosecond [`time`], exact [`bandwidth`] arithmetic, seeded [`rng`] streams, the
//! [`packet`] type the network moves, the [`host`] trait endpoints implement, and the engine:
//! a [`topology`] of hosts, routers and one-directional [`link`]s (fixed-rate or
//! [`trace`]-driven, drop-tail, random loss, scheduled changes), [`routing`] by shortest
//! path, and the [`sim`] event loop over an [`event`] queue.
//!
//! ```
//! use sim_core::{Bandwidth, Duration};
//! // A 1500-byte packet takes 1.2 ms to serialize at 10 Mbit/s.
//! assert_eq!(Bandwidth::from_mbps(10).transmit_time(1500), Duration::from_micros(1200));
//! ```
#![deny(unsafe_code)]

pub mod bandwidth;
pub mod event;
pub mod host;
pub mod ids;
pub mod link;
pub mod packet;
pub mod rng;
pub mod routing;
pub mod sim;
pub mod time;
pub mod topology;
pub mod trace;

#[cfg(test)]
mod sim_tests;

pub use bandwidth::Bandwidth;
pub use event::{EventQueue, Slab, SlotRef};
pub use host::Host;
pub use ids::{HostId, IfaceId, LinkId, NodeId, RouteId};
pub use link::{
    Attach, LinkChange, LinkConfig, LinkRate, LinkStats, LossModel, QueueLimit, QueueOccupancy,
};
pub use packet::{Addr, Packet};
pub use rng::{stream, RngStream};
pub use sim::Simulator;
pub use time::{Duration, Instant};
pub use topology::{Network, NetworkBuilder, TopologyError};
pub use trace::{MahimahiTrace, TraceError};
