//! The transport header a packet carries between hosts: TCP (and MPTCP, whose options ride in
//! TCP headers), a TCP SYN with a Convert message as its data (RFC 8803), or SCTP. Only the
//! host boundary sees this enum ([`crate::host::HostStack`]'s `Host<WireHeader>`): the TCP
//! and MPTCP endpoints keep working on `Packet<TcpHeader>`, the SCTP associations on
//! `Packet<SctpPacket>`.

use super::convert::ConvertMsg;
use super::sctp::SctpPacket;
use super::tcp::TcpHeader;
use sim_core::{FlowKey, Packet};

/// A TCP segment's or an SCTP packet's header. Its size is the larger of the two (the TCP
/// header with its inline option lists) plus the tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireHeader {
    /// A TCP segment (MPTCP options included).
    Tcp(TcpHeader),
    /// A SYN carrying a Convert message (RFC 8803 §4) as TCP Fast Open data (RFC 7413): the
    /// packet's size counts the message's octets; the TCP sequence space of the model does
    /// not (the converter consumes them).
    Convert(TcpHeader, ConvertMsg),
    /// An SCTP packet.
    Sctp(SctpPacket),
}

/// ECMP and bonding hash either protocol's ports.
impl FlowKey for WireHeader {
    fn flow_ports(&self) -> (u16, u16) {
        match self {
            WireHeader::Tcp(h) | WireHeader::Convert(h, _) => h.flow_ports(),
            WireHeader::Sctp(h) => h.flow_ports(),
        }
    }
}

impl From<TcpHeader> for WireHeader {
    fn from(h: TcpHeader) -> Self {
        WireHeader::Tcp(h)
    }
}

impl From<SctpPacket> for WireHeader {
    fn from(h: SctpPacket) -> Self {
        WireHeader::Sctp(h)
    }
}

/// `pkt` with its header wrapped.
pub fn wrap<H: Into<WireHeader>>(pkt: Packet<H>) -> Packet<WireHeader> {
    Packet {
        src: pkt.src,
        dst: pkt.dst,
        size: pkt.size,
        header: pkt.header.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The enum adds at most 16 octets to the TCP header's size: 8 for a Convert SYN's
    /// message beside its TCP header, 8 for the tag (rustc finds no niche for it) — the
    /// figure to keep in mind when shrinking packets.
    #[test]
    fn sizes() {
        let tcp = core::mem::size_of::<TcpHeader>();
        let sctp = core::mem::size_of::<SctpPacket>();
        let wire = core::mem::size_of::<WireHeader>();
        assert!(sctp <= tcp, "SCTP {sctp} > TCP {tcp}");
        assert!(core::mem::size_of::<ConvertMsg>() <= 8);
        assert!(wire <= tcp + 16, "{wire} vs TCP {tcp}");
        eprintln!(
            "size_of: TcpHeader {tcp}, SctpPacket {sctp}, WireHeader {wire}, Packet<WireHeader> {}",
            core::mem::size_of::<Packet<WireHeader>>()
        );
    }
}
