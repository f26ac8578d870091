//! Wire formats: sequence numbers, the TCP header and its options, SCTP packets ([`sctp`]);
//! for captures, the IPv4 header, the Internet checksum and whole packets as octets ([`packet`]).
//!
//! As in smoltcp, each header or option family has a `Repr` of meaningful values with
//! `parse` (from octets, errors never panics), `emit` (to octets) and `buffer_len` (exact
//! encoded size). The simulation moves `Repr`s as plain `Copy` values; sizes on the wire are
//! always the encoded sizes, so an option costs exactly the octets it would on a real link.

pub mod checksum;
pub mod convert;
pub mod fuzz;
pub mod header;
pub mod ipv4;
pub mod mptcp;
pub mod packet;
pub mod sctp;
pub mod seq;
pub mod tcp;
pub mod tcp_options;

pub use header::WireHeader;
pub use seq::{DataSeq, SeqNum};
pub use tcp::{TcpFlags, TcpHeader, IPV4_HEADER_LEN, TCP_HEADER_LEN};
pub use tcp_options::{SackBlocks, TcpOptions, Timestamps};

/// A wire-format error: what went wrong parsing or emitting octets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The input ends inside a header or option.
    #[error("truncated header or option")]
    Truncated,
    /// An option (of the given kind) or header field has an invalid length or value.
    #[error("malformed option of kind {0}")]
    Malformed(u8),
    /// The options do not fit the 40 octets a TCP header allows.
    #[error("options exceed 40 octets")]
    OptionsTooLong,
    /// The output buffer is shorter than `buffer_len()`.
    #[error("output buffer too small")]
    BufferTooSmall,
    /// A checksum (IPv4 header or TCP) does not verify.
    #[error("bad checksum")]
    Checksum,
}
