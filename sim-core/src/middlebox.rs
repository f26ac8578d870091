//! Middleboxes: code that sees, changes or drops packets where they leave a link.
//!
//! The engine knows nothing of headers, so what a middlebox does is the caller's: a type
//! implementing [`Middlebox`] chosen when the [`crate::Simulator`] is built (a closed enum of
//! boxes and their state, for mpsim), called through a generic parameter, never a trait
//! object. Only links the owner attaches ([`crate::Simulator::attach_middlebox`]) call it;
//! any other link costs one branch per packet, and a simulator built without one
//! ([`NoMiddlebox`]) compiles the call away.
//!
//! A middlebox sees a packet when it reaches the far end of an attached link, before the
//! engine forwards it to the next link or hands it to its host. It may change any part of
//! the packet. Its [`Verdict`] says what happens next: the packet goes on along its route;
//! it is dropped; or, when the middlebox changed its destination (NAT, a load balancer), it
//! is routed again from the router where it is (a packet at a host's end is delivered if the
//! host owns the new destination, else dropped). Packets to an address a router owns
//! ([`crate::NetworkBuilder::add_router_address`]) end their route at that router, and are
//! dropped there unless a middlebox reroutes them.

use crate::ids::LinkId;
use crate::packet::Packet;
use crate::time::Instant;

/// What happens to a packet after a middlebox saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It goes on along its route (possibly changed, but not its destination).
    Forward,
    /// It is dropped here.
    Drop,
    /// Its destination changed: route it again from here.
    Reroute,
}

/// Packet processing attached to links (see the [module docs](self)).
pub trait Middlebox<H> {
    /// Packet `pkt` reached the far end of attached link `link` at `now`.
    fn on_link_exit(&mut self, now: Instant, link: LinkId, pkt: &mut Packet<H>) -> Verdict;
}

/// No middlebox: never called.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoMiddlebox;

impl<H> Middlebox<H> for NoMiddlebox {
    fn on_link_exit(&mut self, _: Instant, _: LinkId, _: &mut Packet<H>) -> Verdict {
        Verdict::Forward
    }
}
