//! # mptcp-model — sans-IO TCP (and, later, Multipath TCP) endpoints for mpsim
//!
//! - [`wire`]: sequence numbers, the TCP header `Repr` and its options with real
//!   `parse` / `emit` / `buffer_len`.
//! - [`cc`]: the [`cc::CongestionController`] trait, Reno and CUBIC behind the closed
//!   enum [`cc::Cc`].
//! - [`tcp`]: the sans-IO endpoint [`tcp::TcpSocket`] (handshake, SACK / NewReno loss
//!   recovery, RFC 6298 RTO, delayed ACKs, window scaling, persist timer, close).
//! - [`app`]: a bulk sender and a sink; [`host`]: [`host::HostStack`], the
//!   [`sim_core::Host`] that demultiplexes packets to sockets and runs their applications.
//! - [`sctp`]: SCTP (RFC 9260) associations with multihoming, heartbeats and failover (and
//!   RFC 7829's potentially-failed state), the baseline MPTCP is compared with.
//! - [`event`]: what endpoints report (typed events drained with `poll_event`) and the
//!   [`event::SubflowId`] that names a path.
//! - [`middlebox`]: option strippers and rewriters, NAT, a load balancer and an on-path
//!   attacker, attached to links through [`sim_core::Middlebox`].
//!
//! Endpoints never read a clock: every entry point takes `now`, outputs are polled.
//!
//! ```
//! use mptcp_model::tcp::{SocketAddr, TcpConfig, TcpSocket, TcpState};
//! use mptcp_model::wire::SeqNum;
//! use sim_core::{Addr, Duration, Instant};
//!
//! let (a, b) = (
//!     SocketAddr::new(Addr::new(10, 0, 0, 1), 40000),
//!     SocketAddr::new(Addr::new(10, 0, 0, 2), 80),
//! );
//! let cfg = TcpConfig::default();
//! let mut now = Instant::ZERO;
//! let mut client = TcpSocket::connect(now, a, b, SeqNum(1), cfg);
//! client.send(3000);
//! let syn = client.poll_transmit(now).unwrap();
//! let mut server = TcpSocket::accept(now, b, &syn, SeqNum(9), cfg).unwrap();
//! // A 5 ms path, stepping by hand: deliver everything each side sends.
//! for _ in 0..4 {
//!     now += Duration::from_millis(5);
//!     while let Some(p) = server.poll_transmit(now) {
//!         client.handle_packet(now, &p);
//!     }
//!     while let Some(p) = client.poll_transmit(now) {
//!         server.handle_packet(now, &p);
//!     }
//! }
//! assert_eq!(client.state(), TcpState::Established);
//! assert_eq!(server.recv(), 3000);
//! ```
#![deny(unsafe_code)]

pub mod app;
pub mod cc;
pub mod crypto;
mod deadlines;
pub mod event;
pub mod host;
pub mod middlebox;
pub mod mptcp;
pub mod sctp;
mod start_queue;
pub mod tcp;
pub mod wire;
