//! The engine a scenario runs on, by the packets it carries.
//!
//! The hosts' stack has two faces ([`HostStack`] implements `sim_core::Host` twice): TCP
//! segments alone (`TcpHeader`), or the wire form that also carries SCTP packets and the
//! Convert messages of Transport Converter SYNs (`WireHeader`, RFC 8803). A scenario whose
//! hosts need neither runs on TCP segments: the same packets at the same instants (both
//! faces hand a segment to the same TCP/MPTCP machinery, and the middleboxes see the same
//! TCP header), without wrapping and unwrapping every packet on its way — about 5 copies of
//! a packet and the converter checks per packet. The choice is made once, at build time
//! ([`HostStack::needs_wire_header`]); the rest of the runner sees one [`Sim`].

use mptcp_model::host::HostStack;
use mptcp_model::middlebox::Middleboxes;
use mptcp_model::wire::{TcpHeader, WireHeader};
use sim_core::{
    HostId, Instant, LinkChange, LinkId, LinkStats, Network, QueueOccupancy, Simulator,
    TopologyError,
};

/// The simulator of a scenario: on TCP segments, or on the wire form when some host carries
/// SCTP or takes part in a Transport Converter.
#[allow(clippy::large_enum_variant)]
pub enum Sim {
    /// Every packet is a TCP segment.
    Tcp(Simulator<TcpHeader, HostStack, Middleboxes>),
    /// TCP segments, Convert SYNs and SCTP packets.
    Wire(Simulator<WireHeader, HostStack, Middleboxes>),
}

/// Which packets a scenario's engine carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PacketForm {
    /// TCP segments unless a host needs the wire form (what `mpsim` does).
    #[default]
    Auto,
    /// The wire form whatever the hosts carry (to check that both forms give the same run).
    Wire,
}

/// Runs `$e` with `$s` bound to the simulator inside `$sim`, whichever it is.
macro_rules! each {
    ($sim:expr, $s:ident => $e:expr) => {
        match $sim {
            Sim::Tcp($s) => $e,
            Sim::Wire($s) => $e,
        }
    };
}

impl Sim {
    /// The simulator of `network` and `hosts` with `middleboxes` (attached to no link yet):
    /// on TCP segments if `form` is [`PacketForm::Auto`] and no host needs the wire form.
    pub fn new(
        network: Network,
        hosts: Vec<HostStack>,
        seed: u64,
        middleboxes: Middleboxes,
        form: PacketForm,
    ) -> Result<Sim, TopologyError> {
        let wire = form == PacketForm::Wire || hosts.iter().any(HostStack::needs_wire_header);
        Ok(if wire {
            Sim::Wire(Simulator::with_middlebox(
                network,
                hosts,
                seed,
                middleboxes,
            )?)
        } else {
            Sim::Tcp(Simulator::with_middlebox(
                network,
                hosts,
                seed,
                middleboxes,
            )?)
        })
    }

    /// True when every packet is a TCP segment ([`Sim::Tcp`]).
    pub fn is_tcp_only(&self) -> bool {
        matches!(self, Sim::Tcp(_))
    }

    /// See [`Simulator::attach_middlebox`].
    pub fn attach_middlebox(&mut self, l: LinkId) {
        each!(self, s => s.attach_middlebox(l))
    }

    /// See [`Simulator::middlebox`].
    pub fn middlebox(&self) -> &Middleboxes {
        each!(self, s => s.middlebox())
    }

    /// See [`Simulator::schedule_link_change`].
    pub fn schedule_link_change(&mut self, at: Instant, link: LinkId, change: LinkChange) {
        each!(self, s => s.schedule_link_change(at, link, change))
    }

    /// See [`Simulator::wake_host`].
    pub fn wake_host(&mut self, host: HostId, at: Instant) {
        each!(self, s => s.wake_host(host, at))
    }

    /// See [`Simulator::run_until`].
    pub fn run_until(&mut self, t: Instant) {
        each!(self, s => s.run_until(t))
    }

    /// See [`Simulator::now`].
    pub fn now(&self) -> Instant {
        each!(self, s => s.now())
    }

    /// See [`Simulator::host`].
    pub fn host(&self, h: HostId) -> &HostStack {
        each!(self, s => s.host(h))
    }

    /// See [`Simulator::host_mut`].
    pub fn host_mut(&mut self, h: HostId) -> &mut HostStack {
        each!(self, s => s.host_mut(h))
    }

    /// See [`Simulator::hosts`].
    pub fn hosts(&self) -> &[HostStack] {
        each!(self, s => s.hosts())
    }

    /// See [`Simulator::network`].
    pub fn network(&self) -> &Network {
        each!(self, s => s.network())
    }

    /// See [`Simulator::link_stats`].
    pub fn link_stats(&self, l: LinkId) -> LinkStats {
        each!(self, s => s.link_stats(l))
    }

    /// See [`Simulator::link_queue`].
    pub fn link_queue(&self, l: LinkId) -> QueueOccupancy {
        each!(self, s => s.link_queue(l))
    }

    /// See [`Simulator::unroutable_packets`].
    pub fn unroutable_packets(&self) -> u64 {
        each!(self, s => s.unroutable_packets())
    }

    /// See [`Simulator::events_processed`].
    pub fn events_processed(&self) -> u64 {
        each!(self, s => s.events_processed())
    }

    /// See [`Simulator::cached_routes`].
    pub fn cached_routes(&self) -> usize {
        each!(self, s => s.cached_routes())
    }
}
