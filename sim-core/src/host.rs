//! The interface between the engine and the endpoints living on a host.

use crate::packet::{Addr, Packet};
use crate::time::Instant;

/// Something that lives on a host node: it accepts packets and timer wake-ups, and hands
/// packets to send back to the engine through `tx`.
///
/// Contract (sans-IO, as in quinn-proto): the engine never calls into a host except through
/// these methods, always with the current simulated time. After every call the engine asks
/// [`Host::poll_timeout`] and wakes the host at that instant with [`Host::on_timeout`]; a wake-up
/// that finds nothing due must be a harmless no-op (the engine does not cancel stale ones).
/// Packets pushed to `tx` are sent in order, at `now`, from their `src` address; the engine
/// drains `tx` after each call, so hosts must not keep references into it.
pub trait Host<H> {
    /// A packet addressed to one of this host's addresses arrived. It is lent: the engine
    /// frees its slot after the call (a host that keeps it copies it).
    fn on_packet(&mut self, now: Instant, pkt: &Packet<H>, tx: &mut Vec<Packet<H>>);

    /// The deadline last reported by [`Host::poll_timeout`] (or an earlier one) has come.
    fn on_timeout(&mut self, now: Instant, tx: &mut Vec<Packet<H>>);

    /// The earliest instant at which this host wants [`Host::on_timeout`], if any.
    fn poll_timeout(&self) -> Option<Instant>;

    /// The link attached to local interface `iface` went down (`up == false`) or came back
    /// up. Default: ignore (a host that does not watch its carrier just sees losses).
    fn on_interface_change(
        &mut self,
        now: Instant,
        iface: Addr,
        up: bool,
        tx: &mut Vec<Packet<H>>,
    ) {
        let _ = (now, iface, up, tx);
    }

    /// The next event calls this host (for a packet or a wake-up): it may ask the processor
    /// to start loading what that call reads first ([`crate::prefetch`]). Called only when
    /// the engine prefetches (a network whose state exceeds
    /// [`crate::sim::PREFETCH_ABOVE`]), so a host may take the call as a sign that its state
    /// is out of the cache. Must not change anything a call computes. Default: nothing.
    #[inline]
    fn prefetch(&self) {}
}
