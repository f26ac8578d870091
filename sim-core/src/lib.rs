//! # sim-core — the deterministic event engine of mpsim
//!
//! Integer-nanosecond [`time`], exact [`bandwidth`] arithmetic, seeded [`rng`] streams, the
//! [`packet`] type the network moves, and the [`host`] trait endpoints implement.
//!
//! ```
//! use sim_core::{Bandwidth, Duration};
//! // A 1500-byte packet takes 1.2 ms to serialize at 10 Mbit/s.
//! assert_eq!(Bandwidth::from_mbps(10).transmit_time(1500), Duration::from_micros(1200));
//! ```
#![deny(unsafe_code)]

pub mod bandwidth;
pub mod host;
pub mod packet;
pub mod rng;
pub mod time;

pub use bandwidth::Bandwidth;
pub use host::Host;
pub use packet::{Addr, Packet};
pub use rng::{stream, RngStream};
pub use time::{Duration, Instant};
