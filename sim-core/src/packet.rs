//! Packets as the network sees them: addresses, size on the wire, and an opaque header; and
//! the one thing routers read from the header, its flow's ports ([`FlowKey`]).

use core::fmt;

/// A network-layer address (IPv4-sized). Displays as a dotted quad.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Addr(pub u32);

impl Addr {
    /// The address `a.b.c.d`.
    pub const fn new(a: u8, b: u8, c: u8, d: u8) -> Self {
        Addr(u32::from_be_bytes([a, b, c, d]))
    }
    /// The four octets, most significant first.
    pub const fn octets(self) -> [u8; 4] {
        self.0.to_be_bytes()
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.octets();
        write!(f, "{a}.{b}.{c}.{d}")
    }
}

impl core::str::FromStr for Addr {
    type Err = ();
    /// Parses a dotted quad such as `10.0.0.1`.
    fn from_str(s: &str) -> Result<Self, ()> {
        let mut out = [0u8; 4];
        let mut parts = s.split('.');
        for o in &mut out {
            *o = parts.next().ok_or(())?.parse().map_err(|_| ())?;
        }
        if parts.next().is_some() {
            return Err(());
        }
        Ok(Addr(u32::from_be_bytes(out)))
    }
}

/// A packet in flight. The engine reads only `src`, `dst` and `size`; `header` is whatever
/// the endpoints put there (a TCP/MPTCP header for mpsim), carried without inspection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet<H> {
    /// Source address (an interface of the sending host).
    pub src: Addr,
    /// Destination address (an interface of the receiving host).
    pub dst: Addr,
    /// Total bytes on the wire (network header + transport header + payload); this is what
    /// links serialize and what queue limits in bytes count.
    pub size: u32,
    /// The transport header, opaque to the engine.
    pub header: H,
}

/// What an ECMP router hashes besides the addresses: the transport ports of a packet's flow
/// (a packet's 5-tuple is its addresses, the protocol, always TCP here, and these ports).
/// The engine reads nothing else of a header.
pub trait FlowKey {
    /// `(source port, destination port)`.
    fn flow_ports(&self) -> (u16, u16);
}

/// Headers without ports (tests, benches) hash on their addresses alone.
macro_rules! portless {
    ($($t:ty),*) => {$(
        impl FlowKey for $t {
            fn flow_ports(&self) -> (u16, u16) {
                (0, 0)
            }
        }
    )*};
}
portless!((), u32, u64);
