//! The simulator: event loop, packet forwarding, link changes and host calls.
//!
//! Events are a closed enum in an [`EventQueue`] ordered by `(time, insertion sequence)`:
//! the packet at the head of a link reaching the far end, a host wake-up, or a scheduled link
//! change. A packet sent by a host is routed once, by `(src, dst)`, when it is sent; its slab
//! slot keeps the route, hop index and size apart from the packet itself (module
//! `in_flight`): a router's hop reads those few bytes, never the packet. Each hop costs one
//! event: the link knows the departure when it accepts the packet, so the arrival at the next
//! hop is known at once. The link keeps its packets on the wire in a FIFO (arrivals are FIFO)
//! and only the head's arrival sits in the event queue; the sequence number of every arrival
//! is reserved when the packet is accepted, so events pop in exactly the order they would if
//! each packet held its own heap entry, while the heap holds one entry per busy link instead
//! of one per packet. Routers only forward; at the end of the route the packet goes to
//! [`Host::on_packet`] of the host owning `dst`.
//!
//! When a link goes down the packets on it are freed; the head's pending arrival is
//! recognised as stale (its sequence number no longer heads the wire) and ignored, and each
//! other dropped packet leaves a no-op event at its would-be arrival, so the count of events
//! processed is the same as with one heap entry per packet.
//!
//! A route's hop over a member of a bond ([`crate::bond`]) goes on the member the bond chooses
//! for that packet; a member's loss of carrier is told to the hosts only when every member of
//! its bond has lost it (the bond device's own carrier).
//!
//! In a network whose state outgrows the cache ([`PREFETCH_ABOVE`]), each event first
//! prefetches what the next one will read (its link, the head of the link's wire, its packet
//! slot and host: see [`crate::prefetch`]), and an arrival at a router prefetches the link
//! the packet goes on to before the heap gives way to the next arrival; a hint changes no
//! result.
//!
//! Hosts are called only through the [`Host`] trait; after every call the engine sends the
//! packets the host pushed (in order, at `now`) and re-arms its wake-up from
//! [`Host::poll_timeout`]. At most one wake-up per host is kept armed for its current
//! deadline; a deadline that moves later is picked up when the earlier wake-up fires (a
//! harmless extra [`Host::on_timeout`], as the host contract allows).

use crate::bond::BondState;
use crate::event::{EventQueue, SlotRef};
use crate::host::Host;
use crate::ids::{next_id, HostId, LinkId, RouteId};
use crate::in_flight::{Hop, InFlight};
use crate::link::{
    Attach, LinkChange, LinkRate, LinkState, LinkStats, Offer, OnWire, QueueOccupancy,
};
use crate::middlebox::{Middlebox, NoMiddlebox, Verdict};
use crate::packet::{Addr, FlowKey, Packet};
use crate::rng::stream;
use crate::route_cache::RouteCache;
use crate::time::Instant;
use crate::topology::{Network, TopologyError};

/// Hosts and links taking at least this many bytes make each event prefetch the state of the
/// next ([`crate::prefetch`]): a quarter of a current core's 1 to 2 MiB second-level cache.
/// Above it a host's or a link's state is seldom still cached when its next event comes
/// (with the hints, 1000 TCP host pairs took 0.90 times the CPU time, a k = 8 fat tree 0.78);
/// below it the state stays cached and the hints are pure cost (4 to 6 % on two hosts,
/// forced on). Only speed depends on it, never a result.
pub const PREFETCH_ABOVE: usize = 256 * 1024;

/// What the event queue holds.
#[derive(Clone, Copy, Debug)]
enum Event {
    /// The packet at the head of the link's wire, in the slab slot carried along, reaches the
    /// far end (stale if the event's sequence number no longer heads the wire). The slot
    /// rides in the event so that the packet's forwarding state is fetched in parallel with
    /// the link's state instead of after it: in a large network both are usually out of the
    /// cache.
    Arrival(LinkId, SlotRef),
    /// A packet dropped when its link went down would have arrived now: nothing happens.
    Dropped,
    /// Call the host's `on_timeout`.
    Wake(HostId),
    /// Apply scheduled link change number `.0`.
    Change(u32),
}

/// The route of a packet a host sent, keyed by its addresses and (with ECMP) ports: a host
/// sending segment after segment of one flow finds its route here instead of in its address
/// and interface lists and the route cache. Each host keeps [`ROUTE_SETS`] sets of two,
/// chosen by a hash of the key (most recent first in each): a host alternating between two
/// paths (an MPTCP client with two subflows, a server acknowledging both) finds both
/// whatever their hashes, and one with sixteen (a fat-tree host sending on 8 subflows and
/// acknowledging 8) finds most.
#[derive(Clone, Copy, Debug)]
struct LastRoute {
    src: Addr,
    dst: Addr,
    ports: (u16, u16),
    route: RouteId,
    /// The route's first link.
    first: LinkId,
    /// The bond `first` is a member of.
    bond: Option<u32>,
    to: Option<HostId>,
}

/// Sets of [`LastRoute`]s per host (a power of two).
const ROUTE_SETS: usize = 8;

/// The set of a [`LastRoute`] key: its addresses and ports folded by exclusive or to their
/// low bits, so that a host's flows, whose ports are consecutive (the subflows of a
/// connection, the connections of an application), fall in different sets.
#[inline]
fn route_set((src, dst, (sp, dp)): (Addr, Addr, (u16, u16))) -> usize {
    let x = src.0 ^ dst.0 ^ (u32::from(sp) << 16 | u32::from(dp));
    let x = x ^ (x >> 16);
    (x ^ (x >> 8)) as usize & (ROUTE_SETS - 1)
}

/// A deterministic discrete-event simulation of a [`Network`] with one `N` per host and
/// middleboxes `M` on the links the owner attaches ([`Simulator::attach_middlebox`]).
pub struct Simulator<H, N: Host<H>, M: Middlebox<H> = NoMiddlebox> {
    net: Network,
    middlebox: M,
    /// Per link: packets leaving it pass the middlebox.
    hooked: Vec<bool>,
    /// Packets a middlebox dropped, or that ended at a router without being rerouted.
    dropped_by_middlebox: u64,
    routes: RouteCache,
    /// Per host and set (a hash of the key): the routes of the last two packets it sent on
    /// different routes with keys of that set.
    last_route: Vec<[[Option<LastRoute>; 2]; ROUTE_SETS]>,
    hosts: Vec<N>,
    /// Earliest wake-up pushed for each host and not yet fired.
    armed: Vec<Option<Instant>>,
    links: Vec<LinkState>,
    /// Per link: the host at its far end, if a host (whose call a packet leaving the link
    /// usually makes: its state is prefetched with the arrival's).
    far_host: Vec<Option<HostId>>,
    /// Whether each event prefetches the next one's state ([`PREFETCH_ABOVE`]).
    prefetch: bool,
    /// The packets on links: forwarding state and packet apart ([`crate::in_flight`]).
    slab: InFlight<H>,
    queue: EventQueue<Event>,
    changes: Vec<(LinkId, Option<LinkChange>)>,
    now: Instant,
    /// The one transmit buffer lent to hosts (drained after each call, capacity reused).
    tx: Vec<Packet<H>>,
    unroutable: u64,
    events: u64,
    bonds: Vec<BondState>,
}

impl<H: FlowKey + Clone, N: Host<H>> Simulator<H, N, NoMiddlebox> {
    /// A simulator at time zero, without middleboxes. `hosts[i]` lives on `HostId(i)`; each
    /// link's loss process draws from `rng::stream(seed, "link/{name}")`. Hosts that
    /// already report a deadline are armed for it.
    pub fn new(network: Network, hosts: Vec<N>, seed: u64) -> Result<Self, TopologyError> {
        Self::with_middlebox(network, hosts, seed, NoMiddlebox)
    }
}

impl<H: FlowKey + Clone, N: Host<H>, M: Middlebox<H>> Simulator<H, N, M> {
    /// As [`Simulator::new`], with middlebox `middlebox` (attached to no link yet).
    pub fn with_middlebox(
        network: Network,
        hosts: Vec<N>,
        seed: u64,
        middlebox: M,
    ) -> Result<Self, TopologyError> {
        if hosts.len() != network.host_count() {
            return Err(TopologyError::HostCount {
                expected: network.host_count(),
                got: hosts.len(),
            });
        }
        let g = &network.g;
        let links: Vec<LinkState> = g
            .links
            .iter()
            .map(|cfg| {
                let mut l = LinkState::new(
                    cfg,
                    stream(seed, &format!("link/{}", cfg.name)),
                    stream(seed, &format!("link/{}/jitter", cfg.name)),
                );
                for end in [cfg.from, cfg.to] {
                    if let Attach::Iface(i) = end {
                        l.watchers
                            .push((g.iface_host[i.index()], g.iface_addr[i.index()]));
                    }
                }
                l
            })
            .collect();
        let far_host = g
            .links
            .iter()
            .map(|cfg| g.node_of(cfg.to).and_then(|n| g.node_host[n.index()]))
            .collect();
        let bonds = network
            .bonds()
            .iter()
            .cloned()
            .map(BondState::new)
            .collect();
        let state =
            hosts.len() * std::mem::size_of::<N>() + links.len() * std::mem::size_of::<LinkState>();
        let mut sim = Simulator {
            prefetch: state >= PREFETCH_ABOVE,
            bonds,
            middlebox,
            hooked: vec![false; links.len()],
            dropped_by_middlebox: 0,
            routes: RouteCache::new(network.g.iface_addr.len()),
            armed: vec![None; hosts.len()],
            last_route: vec![[[None; 2]; ROUTE_SETS]; hosts.len()],
            hosts,
            net: network,
            links,
            far_host,
            slab: InFlight::new(),
            queue: EventQueue::new(),
            changes: Vec::new(),
            now: Instant::ZERO,
            tx: Vec::new(),
            unroutable: 0,
            events: 0,
        };
        for h in 0..sim.hosts.len() {
            sim.arm(HostId(next_id(h)));
        }
        Ok(sim)
    }

    /// Packets leaving link `l` pass the middlebox from now on.
    ///
    /// # Panics
    /// On an unknown link.
    pub fn attach_middlebox(&mut self, l: LinkId) {
        self.hooked[l.index()] = true;
    }

    /// The middlebox (its state and counters).
    pub fn middlebox(&self) -> &M {
        &self.middlebox
    }

    /// Packets a middlebox dropped, or that ended their route at a router owning their
    /// destination without a middlebox rerouting them.
    pub fn dropped_by_middlebox(&self) -> u64 {
        self.dropped_by_middlebox
    }

    /// The current simulated time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Schedules `change` on `link` at `at` (or now, if `at` is in the past). Changes at the
    /// same instant apply in the order they were scheduled, after earlier-scheduled events
    /// at that instant.
    ///
    /// # Panics
    /// On `SetRate(LinkRate::Fixed(0))` (use `Down`), or an unknown link.
    pub fn schedule_link_change(&mut self, at: Instant, link: LinkId, change: LinkChange) {
        assert!(link.index() < self.links.len(), "unknown link {link}");
        if let LinkChange::SetRate(LinkRate::Fixed(b)) = &change {
            assert!(
                !b.is_zero(),
                "link {link}: zero rate (use LinkChange::Down)"
            );
        }
        let idx = next_id(self.changes.len());
        self.changes.push((link, Some(change)));
        self.queue.push(at.max(self.now), Event::Change(idx));
    }

    /// Ensures `host`'s `on_timeout` is called at `at` (or now, if `at` is in the past).
    pub fn wake_host(&mut self, host: HostId, at: Instant) {
        let at = at.max(self.now);
        self.queue.push(at, Event::Wake(host));
        let a = &mut self.armed[host.index()];
        *a = Some(a.map_or(at, |x| x.min(at)));
    }

    /// Processes every event with time `<= t` in order, then sets the clock to `t` (if later).
    pub fn run_until(&mut self, t: Instant) {
        while self.queue.peek_time().is_some_and(|x| x <= t) {
            self.step();
        }
        self.now = self.now.max(t);
    }

    /// Processes one event and returns its time, or `None` if no event is queued.
    pub fn step(&mut self) -> Option<Instant> {
        let (t, seq, &ev) = self.queue.peek_with_seq()?;
        debug_assert!(t >= self.now, "time went backwards");
        self.now = t;
        self.events += 1;
        if self.prefetch {
            self.prefetch_next();
        }
        if let Event::Arrival(l, r) = ev {
            // Takes the event off the queue itself.
            self.on_arrival(l, seq, r);
            return Some(t);
        }
        self.queue.pop();
        match ev {
            Event::Arrival(..) | Event::Dropped => {}
            Event::Wake(h) => self.on_wake(h),
            Event::Change(i) => self.on_change(i),
        }
        Some(t)
    }

    /// Starts loading the state the event after the current one will read (its link, its
    /// packet's slot, the host it calls), so that it arrives while the current event runs
    /// ([`crate::prefetch`]). An event pushed in between makes the hint useless, never a
    /// result different. Not inlined: `step` stays as small as without prefetching.
    #[inline(never)]
    fn prefetch_next(&self) {
        let host = match self.queue.peek_second() {
            Some(&Event::Arrival(l, r)) => {
                let far = self.far_host.get(l.index()).copied().flatten();
                if let Some(link) = self.links.get(l.index()) {
                    link.prefetch_arrival();
                }
                self.slab.prefetch(r, far.is_some());
                far
            }
            Some(&Event::Wake(h)) => Some(h),
            _ => None,
        };
        if let Some(h) = host.and_then(|h| self.hosts.get(h.index())) {
            h.prefetch();
        }
    }

    /// Whether each event prefetches the state of the next ([`PREFETCH_ABOVE`]).
    pub fn prefetching(&self) -> bool {
        self.prefetch
    }

    /// Turns prefetching on or off (by default on for networks above [`PREFETCH_ABOVE`]).
    /// Results are the same either way: only the speed differs.
    pub fn set_prefetch(&mut self, on: bool) {
        self.prefetch = on;
    }

    /// The time of the next queued event, if any.
    pub fn next_event_time(&self) -> Option<Instant> {
        self.queue.peek_time()
    }

    /// The endpoint state of host `h`.
    pub fn host(&self, h: HostId) -> &N {
        &self.hosts[h.index()]
    }

    /// Mutable endpoint state of host `h`. The engine does not notice changes: call
    /// [`Simulator::wake_host`] if the host has something to do.
    pub fn host_mut(&mut self, h: HostId) -> &mut N {
        &mut self.hosts[h.index()]
    }

    /// All hosts, indexed by `HostId`.
    pub fn hosts(&self) -> &[N] {
        &self.hosts
    }

    /// The topology.
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// Counters of link `l`.
    pub fn link_stats(&self, l: LinkId) -> LinkStats {
        self.links[l.index()].stats()
    }

    /// What is queued on link `l` at [`Simulator::now`].
    pub fn link_queue(&self, l: LinkId) -> QueueOccupancy {
        self.links[l.index()].occupancy(self.now)
    }

    /// Whether link `l` is up.
    pub fn link_is_up(&self, l: LinkId) -> bool {
        self.links[l.index()].is_up()
    }

    /// Packets dropped because no route matched their `(src, dst)` (or `src` was not an
    /// address of the sending host).
    pub fn unroutable_packets(&self) -> u64 {
        self.unroutable
    }

    /// Events popped so far (including stale ones).
    pub fn events_processed(&self) -> u64 {
        self.events
    }

    /// Events waiting in the event queue (one per busy link, armed host wake-ups and
    /// pending link changes; not one per packet).
    pub fn queued_events(&self) -> usize {
        self.queue.len()
    }

    /// Number of `(source interface, destination, ports)` keys whose route has been looked
    /// up (routing memory grows with this, not with the square of the hosts).
    pub fn cached_routes(&self) -> usize {
        self.routes.len()
    }

    /// Packets currently on links (queued, serializing or propagating).
    pub fn packets_in_flight(&self) -> usize {
        self.slab.len()
    }

    /// The arrival event `(l, seq, r)`, still the queue's earliest, happens: it gives way to
    /// the link's next arrival (one sift of the heap instead of a pop and a push), or leaves.
    fn on_arrival(&mut self, l: LinkId, seq: u64, r: SlotRef) {
        let now = self.now;
        let link = &mut self.links[l.index()];
        let Some(head) = link.arrive(seq) else {
            self.queue.pop();
            return; // stale: dropped when its link went down
        };
        debug_assert_eq!(head, r, "an arrival event carries its packet's slot");
        if self.prefetch {
            // At a router, the packet goes on to its route's next link: its lines load while
            // the queue gives way to this link's next arrival. (Found here, with the hop
            // record the previous event asked for, not then: reading that record at once
            // would wait for it.)
            let next = self
                .slab
                .hop(r)
                .and_then(|f| self.routes.link(f.route, f.hop + 1));
            if let Some(next) = next.and_then(|n| self.links.get(n.index())) {
                next.prefetch_offer();
            }
        }
        let link = &mut self.links[l.index()];
        if let Some(next) = link.head() {
            let event = Event::Arrival(l, next.slot);
            self.queue
                .replace_earliest_reserved(next.arrival, next.seq, event);
        } else {
            self.queue.pop();
        }
        let Some(f) = self.slab.hop_mut(r) else {
            debug_assert!(false, "a packet on the wire has a slot");
            return;
        };
        self.links[l.index()].count_delivered(f.size);
        if self.hooked[l.index()] && !self.through_middlebox(now, l, r) {
            return;
        }
        self.forward(r);
    }

    /// The packet in slot `r` leaves link `l`, where a middlebox is attached; returns whether
    /// it goes on along its route (as the middlebox left it), not dropped or rerouted.
    #[cold]
    fn through_middlebox(&mut self, now: Instant, l: LinkId, r: SlotRef) -> bool {
        let Some((f, pkt)) = self.slab.get_mut(r) else {
            return false;
        };
        match self.middlebox.on_link_exit(now, l, pkt) {
            // The middlebox may have resized the packet.
            Verdict::Forward => {
                f.size = pkt.size;
                true
            }
            Verdict::Drop => {
                self.dropped_by_middlebox += 1;
                self.slab.free(r);
                false
            }
            Verdict::Reroute => {
                self.reroute(l, r);
                false
            }
        }
    }

    /// Offers the packet in slot `r` to the next link of its route, or delivers it where
    /// its route ends.
    #[inline]
    fn forward(&mut self, r: SlotRef) {
        let Some(f) = self.slab.hop_mut(r) else {
            return;
        };
        let (next, size) = (f.hop + 1, f.size);
        if let Some(l) = self.routes.link(f.route, next) {
            f.hop = next;
            let l = self.hop_link(l, r);
            self.offer(l, r, size);
        } else {
            self.deliver(r);
        }
    }

    /// Lends the packet in slot `r`, at the end of its route, to its host (dropped if it
    /// ended at a router), then frees the slot: the packet is not copied out of it.
    fn deliver(&mut self, r: SlotRef) {
        let Some((f, pkt)) = self.slab.get(r) else {
            return;
        };
        let Some(to) = f.to else {
            self.dropped_by_middlebox += 1;
            self.slab.free(r);
            return;
        };
        let mut tx = std::mem::take(&mut self.tx);
        self.hosts[to.index()].on_packet(self.now, pkt, &mut tx);
        self.slab.free(r);
        self.after_host_call(to, tx);
    }

    /// A middlebox changed the destination of the packet in slot `r` as it left link `l`:
    /// route it again from the router there (at a host, deliver it if the host owns the new
    /// destination).
    #[cold]
    fn reroute(&mut self, l: LinkId, r: SlotRef) {
        let Some((f, pkt)) = self.slab.get_mut(r) else {
            return;
        };
        let (src, dst) = (pkt.src, pkt.dst);
        let ports = if self.net.is_ecmp() {
            pkt.header.flow_ports()
        } else {
            (0, 0)
        };
        let at = self.net.link_end(l).filter(|&n| self.net.is_router(n));
        let Some(router) = at else {
            // At a host: it takes the packet only if it owns the new destination.
            let owner = self.net.host_of(dst);
            let here = self.net.link_end(l);
            match (owner, here) {
                (Some(h), Some(n)) if self.net.host_node(h) == n => {
                    f.to = Some(h);
                    self.deliver(r);
                }
                _ => {
                    self.dropped_by_middlebox += 1;
                    self.slab.free(r);
                }
            }
            return;
        };
        let found = self
            .routes
            .get_from_router(&self.net, router, src, dst, ports);
        let first = found.and_then(|(route, _)| self.routes.link(route, 0));
        match (found, first) {
            (Some((route, to)), Some(first)) => {
                f.route = route;
                f.hop = 0;
                f.to = to;
                // The middlebox may have resized the packet it rerouted.
                f.size = pkt.size;
                let size = f.size;
                let first = self.hop_link(first, r);
                self.offer(first, r, size);
            }
            _ => {
                self.unroutable += 1;
                self.slab.free(r);
            }
        }
    }

    /// The link the packet in slot `r` takes for route hop `l`: `l`, or the member of `l`'s
    /// bond the bond chooses now.
    #[inline]
    fn hop_link(&mut self, l: LinkId, r: SlotRef) -> LinkId {
        let Some(b) = self.net.bond_of(l) else {
            return l;
        };
        match self.slab.get(r) {
            Some((_, p)) => self.bonds[b].pick(self.now, p.src, p.dst, p.header.flow_ports()),
            None => l,
        }
    }

    /// A member link's carrier changed: the bond hears of it; returns whether the hosts at
    /// its ends should (only when the whole bond lost or regained its carrier).
    fn carrier_changed(&mut self, l: LinkId, up: bool) -> bool {
        let Some(b) = self.net.bond_of(l) else {
            return true;
        };
        let bond = &mut self.bonds[b];
        let Some(k) = bond.member_index(l) else {
            return true;
        };
        let before = bond.all_down();
        bond.carrier_changed(self.now, k, up);
        before != bond.all_down()
    }

    /// Offers the packet in slot `r` to link `l`: on the wire, or freed if refused or lost.
    fn offer(&mut self, l: LinkId, r: SlotRef, size: u32) {
        if let Offer::Accepted { arrival } = self.links[l.index()].offer(self.now, size) {
            self.put_on_wire(l, r, arrival);
        } else {
            self.slab.free(r);
        }
    }

    /// Puts the accepted packet in slot `r` on link `l`'s wire, reserving its arrival's
    /// sequence number now; only a packet alone on the wire enters the event queue.
    fn put_on_wire(&mut self, l: LinkId, r: SlotRef, arrival: Instant) {
        let seq = self.queue.reserve();
        let on = OnWire {
            arrival,
            seq,
            slot: r,
        };
        if self.links[l.index()].push_wire(on) {
            self.queue.push_reserved(arrival, seq, Event::Arrival(l, r));
        }
    }

    fn on_wake(&mut self, h: HostId) {
        if self.armed[h.index()] == Some(self.now) {
            self.armed[h.index()] = None;
        }
        let mut tx = std::mem::take(&mut self.tx);
        self.hosts[h.index()].on_timeout(self.now, &mut tx);
        self.after_host_call(h, tx);
    }

    fn on_change(&mut self, i: u32) {
        let (l, change) = &mut self.changes[i as usize];
        let (l, Some(change)) = (*l, change.take()) else {
            return;
        };
        let link = &mut self.links[l.index()];
        match change {
            LinkChange::Down | LinkChange::DownSilent if link.is_up() => {
                let silent = change == LinkChange::DownSilent;
                link.down_silently = silent;
                for (k, on) in link.go_down().enumerate() {
                    self.slab.free(on.slot);
                    if k > 0 {
                        // The head's own (now stale) event is already queued.
                        self.queue.push_reserved(on.arrival, on.seq, Event::Dropped);
                    }
                }
                // A silent failure drops no carrier: neither a bond's MII monitoring nor
                // the hosts notice it.
                if !silent && self.carrier_changed(l, false) {
                    self.notify(l, false);
                }
            }
            LinkChange::Up if !link.is_up() => {
                link.go_up(self.now);
                let silent = std::mem::take(&mut link.down_silently);
                if !silent && self.carrier_changed(l, true) {
                    self.notify(l, true);
                }
            }
            LinkChange::Down | LinkChange::DownSilent | LinkChange::Up => {}
            other => link.apply(self.now, other),
        }
    }

    fn notify(&mut self, l: LinkId, up: bool) {
        for k in 0..self.links[l.index()].watchers.len() {
            let (h, addr) = self.links[l.index()].watchers[k];
            let mut tx = std::mem::take(&mut self.tx);
            self.hosts[h.index()].on_interface_change(self.now, addr, up, &mut tx);
            self.after_host_call(h, tx);
        }
    }

    /// Sends what host `h` pushed to `tx`, returns the buffer, and re-arms `h`.
    fn after_host_call(&mut self, h: HostId, mut tx: Vec<Packet<H>>) {
        // Each packet is copied once, from `tx` into its slab slot.
        for pkt in &tx {
            self.send(h, pkt);
        }
        tx.clear();
        self.tx = tx;
        self.arm(h);
    }

    #[inline]
    fn arm(&mut self, h: HostId) {
        if let Some(t) = self.hosts[h.index()].poll_timeout() {
            let t = t.max(self.now);
            let a = &mut self.armed[h.index()];
            if a.is_none_or(|x| x > t) {
                *a = Some(t);
                self.queue.push(t, Event::Wake(h));
            }
        }
    }

    fn send(&mut self, from: HostId, pkt: &Packet<H>) {
        let ports = if self.net.is_ecmp() {
            pkt.header.flow_ports()
        } else {
            (0, 0)
        };
        let key = (pkt.src, pkt.dst, ports);
        let set = route_set(key);
        let cached = &mut self.last_route[from.index()][set];
        let last = match *cached {
            [Some(m), _] if (m.src, m.dst, m.ports) == key => m,
            [first, Some(m)] if (m.src, m.dst, m.ports) == key => {
                *cached = [Some(m), first];
                m
            }
            _ => {
                let Some(m) = self.look_up_route(from, pkt.src, pkt.dst, ports) else {
                    self.unroutable += 1;
                    return;
                };
                let cached = &mut self.last_route[from.index()][set];
                *cached = [Some(m), cached[0]];
                m
            }
        };
        let first = match last.bond {
            None => last.first,
            Some(b) => {
                self.bonds[b as usize].pick(self.now, pkt.src, pkt.dst, pkt.header.flow_ports())
            }
        };
        if let Offer::Accepted { arrival } = self.links[first.index()].offer(self.now, pkt.size) {
            let hop = Hop {
                route: last.route,
                hop: 0,
                size: pkt.size,
                to: last.to,
            };
            let r = self.slab.insert(pkt, hop);
            self.put_on_wire(first, r, arrival);
        }
    }

    /// The route of a packet host `from` sends from `src` to `dst` with `ports`, or `None`
    /// if `src` is not one of its addresses or no route matches.
    #[cold]
    fn look_up_route(
        &mut self,
        from: HostId,
        src: Addr,
        dst: Addr,
        ports: (u16, u16),
    ) -> Option<LastRoute> {
        let g = &self.net.g;
        let k = g.host_addrs[from.index()].iter().position(|&a| a == src)?;
        let s = g.host_ifaces[from.index()][k];
        let (route, to) = self.routes.get(&self.net, s, dst, ports)?;
        let Some(first) = self.routes.link(route, 0) else {
            debug_assert!(false, "routes have at least one link");
            return None;
        };
        let bond = self.net.bond_of(first).map(next_id);
        Some(LastRoute {
            src,
            dst,
            ports,
            route,
            first,
            bond,
            to,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{route_set, ROUTE_SETS};
    use crate::Addr;

    /// The sixteen keys of a host of the shipped fat tree (8 subflows sent from ports 49152
    /// to 49159, 8 acknowledged towards those ports of another host) fill every set with
    /// two: all stay cached.
    #[test]
    fn route_sets_spread_a_hosts_flows() {
        let a = Addr::new(10, 0, 3, 5);
        let (b, c) = (Addr::new(10, 0, 3, 3), Addr::new(10, 6, 2, 3));
        let mut used = [0u32; ROUTE_SETS];
        for i in 0..8 {
            used[route_set((a, b, (49_152 + i, 5_015)))] += 1;
            used[route_set((a, c, (5_007, 49_152 + i)))] += 1;
        }
        assert_eq!(used, [2; ROUTE_SETS]);
    }
}
