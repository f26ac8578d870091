//! Link configuration, runtime state and statistics.
//!
//! A link carries packets in one direction. It is a FIFO whose departure times are known when
//! a packet is accepted: for a fixed rate `start = max(now, last departure)` and
//! `departure = start + rate.transmit_time(size)`; for a Mahimahi trace the departure is the
//! delivery opportunity that carries the packet's last byte (see [`crate::trace`]). Arrival
//! at the far end is `departure + delay`, kept FIFO (`max` with the previous arrival) if the
//! delay shrinks. The queue occupancy at an instant is the set of accepted packets whose
//! departure is still in the future (including the one being serialized); it is computed from
//! a deque of pending departures with cumulative byte counters, never by rescanning.
//!
//! Changes ([`LinkChange`]) apply to packets accepted from the change on: packets already
//! scheduled keep their departure and arrival times. `Down` is the exception: it drops the
//! queue and every packet on the wire.

use crate::bandwidth::Bandwidth;
use crate::event::SlotRef;
use crate::ids::{HostId, IfaceId, NodeId};
use crate::rng::RngStream;
use crate::time::{Duration, Instant};
use crate::trace::{MahimahiTrace, TraceCursor};
use rand::Rng;
use std::collections::VecDeque;
use std::sync::Arc;

/// The capacity of a link.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkRate {
    /// A constant rate (must be nonzero; use [`LinkChange::Down`] to stop a link).
    Fixed(Bandwidth),
    /// Trace-driven capacity; the trace starts when it is attached (time zero for the
    /// initial configuration, the instant of a [`LinkChange::SetRate`] otherwise).
    Trace(Arc<MahimahiTrace>),
}

impl LinkRate {
    /// The nominal rate: the fixed rate or the trace's mean rate.
    pub fn mean_rate(&self) -> Bandwidth {
        match self {
            LinkRate::Fixed(b) => *b,
            LinkRate::Trace(t) => t.mean_rate(),
        }
    }
}

/// Drop-tail queue limit. The packet being serialized counts as queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueLimit {
    /// At most this many packets queued; one more is refused.
    Packets(u32),
    /// At most this many bytes queued; a packet that would exceed it is refused.
    Bytes(u64),
}

/// Random loss applied to accepted packets, drawn from the link's own RNG stream.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LossModel {
    /// No random loss (no draws).
    None,
    /// Each packet is lost independently with probability `p` (exactly one uniform draw per
    /// packet).
    Bernoulli {
        /// Loss probability in `[0, 1]`.
        p: f64,
    },
    /// Two-state Markov chain, starting in the good state. Per packet: first the state
    /// transition (one uniform), then loss with the new state's probability (one uniform).
    GilbertElliott {
        /// Probability of moving good -> bad at a packet.
        p_good_to_bad: f64,
        /// Probability of moving bad -> good at a packet.
        p_bad_to_good: f64,
        /// Loss probability in the good state.
        loss_good: f64,
        /// Loss probability in the bad state.
        loss_bad: f64,
    },
}

impl LossModel {
    /// Checks every probability lies in `[0, 1]`; the error names the bad field.
    pub fn validate(&self) -> Result<(), String> {
        let fields: &[(&str, f64)] = match self {
            LossModel::None => &[],
            LossModel::Bernoulli { p } => &[("p", *p)],
            LossModel::GilbertElliott {
                p_good_to_bad,
                p_bad_to_good,
                loss_good,
                loss_bad,
            } => &[
                ("p_good_to_bad", *p_good_to_bad),
                ("p_bad_to_good", *p_bad_to_good),
                ("loss_good", *loss_good),
                ("loss_bad", *loss_bad),
            ],
        };
        for (name, v) in fields {
            if !(0.0..=1.0).contains(v) {
                return Err(format!("{name} = {v} is not a probability in [0, 1]"));
            }
        }
        Ok(())
    }

    /// The long-run loss rate. Gilbert–Elliott: with `pi_bad = p_gb / (p_gb + p_bg)`,
    /// `loss = (1 - pi_bad) * loss_good + pi_bad * loss_bad` (a chain that never moves stays
    /// good: `loss_good`).
    pub fn stationary_loss(&self) -> f64 {
        match *self {
            LossModel::None => 0.0,
            LossModel::Bernoulli { p } => p,
            LossModel::GilbertElliott {
                p_good_to_bad,
                p_bad_to_good,
                loss_good,
                loss_bad,
            } => {
                let s = p_good_to_bad + p_bad_to_good;
                let pi_bad = if s > 0.0 { p_good_to_bad / s } else { 0.0 };
                (1.0 - pi_bad) * loss_good + pi_bad * loss_bad
            }
        }
    }
}

/// Link-layer framing: bytes a link serializes around each network-layer packet.
///
/// A packet of `size` bytes occupies `max(size, min_payload) + overhead` bytes of the link's
/// capacity: serialization time and trace delivery opportunities count these bytes, so the
/// goodput over a link of line rate `R` is what a real interface of that rate delivers. Queue
/// limits in bytes and the link counters keep counting network-layer bytes (`size`), as a
/// Linux qdisc's byte limit and the IP-level counters do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Framing {
    /// Bytes added to every packet.
    pub overhead: u32,
    /// Packets shorter than this are padded to it before the overhead is added.
    pub min_payload: u32,
}

impl Framing {
    /// No framing: the link carries exactly the packet's bytes (the default).
    pub const NONE: Framing = Framing {
        overhead: 0,
        min_payload: 0,
    };
    /// Ethernet on the line (IEEE 802.3 clauses 3 and 4): preamble and start-of-frame
    /// delimiter (8), MAC header (14), frame check sequence (4) and the inter-packet gap (12):
    /// 38 bytes per packet; payloads under 46 bytes are padded to 46 (the 64-byte minimum
    /// frame). A 1500-byte packet takes 1538 byte times: at most 97.5 % of the line rate
    /// carries IP.
    pub const ETHERNET: Framing = Framing {
        overhead: 38,
        min_payload: 46,
    };
    /// The Ethernet frame alone: MAC header and FCS (18 bytes), padded to the 64-byte
    /// minimum frame; for a rate that counts frame bytes (e.g. a shaper on the interface).
    pub const ETHERNET_FRAME: Framing = Framing {
        overhead: 18,
        min_payload: 46,
    };

    /// Fixed `bytes` per packet, no padding.
    pub const fn bytes(bytes: u32) -> Framing {
        Framing {
            overhead: bytes,
            min_payload: 0,
        }
    }

    /// Bytes of link capacity a packet of `size` network-layer bytes occupies.
    pub fn wire_bytes(self, size: u32) -> u32 {
        size.max(self.min_payload).saturating_add(self.overhead)
    }
}

/// One end of a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attach {
    /// A router, or a host node (usable by any of the host's interfaces).
    Node(NodeId),
    /// A specific host interface (usable only by packets from / to that interface).
    Iface(IfaceId),
}

/// The initial configuration of a one-directional link.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkConfig {
    /// Unique name; also names the loss RNG stream (`link/{name}`).
    pub name: String,
    /// Where packets enter.
    pub from: Attach,
    /// Where packets leave.
    pub to: Attach,
    /// Capacity.
    pub rate: LinkRate,
    /// Propagation delay.
    pub delay: Duration,
    /// Drop-tail limit.
    pub queue: QueueLimit,
    /// Random loss.
    pub loss: LossModel,
    /// Delay variation: each accepted packet's propagation delay is increased by a uniform
    /// random `0..=jitter` (whole nanoseconds, from the stream `link/{name}/jitter`), with
    /// arrivals kept FIFO, so jitter never reorders packets on one link. It breaks the
    /// phase effects a perfectly deterministic drop-tail network shows (Floyd & Jacobson,
    /// "On Traffic Phase Effects in Packet-Switched Gateways", 1992). Zero draws nothing.
    pub jitter: Duration,
    /// Link-layer framing added to each packet's serialization ([`Framing::NONE`]: none).
    pub framing: Framing,
}

/// A change to a link at a scheduled instant. Except `Down`, changes affect packets accepted
/// from then on; packets already scheduled keep their times.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkChange {
    /// Drop the queue and every packet on the wire; refuse packets until `Up`. Hosts with
    /// an interface at either end are told (carrier lost), and again at `Up`.
    Down,
    /// As `Down`, but the hosts are not told, then or at `Up`: a black hole they can only
    /// find by their own timeouts (a failure beyond the link layer the host watches, as an
    /// access point whose uplink died).
    DownSilent,
    /// Accept packets again; transmission restarts at the instant of the change.
    Up,
    /// New capacity (nonzero). A trace starts at the instant of the change.
    SetRate(LinkRate),
    /// New propagation delay (arrivals stay FIFO).
    SetDelay(Duration),
    /// New loss model (a Gilbert–Elliott chain restarts in the good state).
    SetLoss(LossModel),
    /// New queue limit (packets already queued are kept even above it).
    SetQueue(QueueLimit),
}

/// Packet counters of one link. `tx` counts packets accepted onto the link (queued for
/// transmission), including those later lost; `delivered` counts packets that reached the far
/// end. Losses are counted when decided (at acceptance).
#[derive(Default, Clone, Debug, PartialEq, Eq)]
pub struct LinkStats {
    /// Packets accepted.
    pub tx_packets: u64,
    /// Bytes accepted.
    pub tx_bytes: u64,
    /// Packets that reached the far end.
    pub delivered_packets: u64,
    /// Bytes that reached the far end.
    pub delivered_bytes: u64,
    /// Packets refused by the drop-tail queue.
    pub dropped_queue: u64,
    /// Packets lost by the loss model.
    pub dropped_loss: u64,
    /// Packets refused while down or dropped when the link went down.
    pub dropped_down: u64,
}

/// What is queued on a link at an instant: accepted packets whose departure is in the future.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueOccupancy {
    /// Packets queued (including the one being serialized).
    pub packets: u32,
    /// Their bytes.
    pub bytes: u64,
}

/// The loss process of one link: model, Gilbert–Elliott state and the link's RNG stream.
pub(crate) struct LossProcess {
    model: LossModel,
    bad: bool,
    rng: RngStream,
}

impl LossProcess {
    pub(crate) fn new(model: LossModel, rng: RngStream) -> Self {
        LossProcess {
            model,
            bad: false,
            rng,
        }
    }

    pub(crate) fn set_model(&mut self, model: LossModel) {
        self.model = model;
        self.bad = false;
    }

    /// Decides the fate of one accepted packet: true if lost.
    pub(crate) fn lose(&mut self) -> bool {
        match self.model {
            LossModel::None => false,
            LossModel::Bernoulli { p } => self.rng.random::<f64>() < p,
            LossModel::GilbertElliott {
                p_good_to_bad,
                p_bad_to_good,
                loss_good,
                loss_bad,
            } => {
                let u: f64 = self.rng.random();
                self.bad = if self.bad {
                    u >= p_bad_to_good
                } else {
                    u < p_good_to_bad
                };
                let l = if self.bad { loss_bad } else { loss_good };
                self.rng.random::<f64>() < l
            }
        }
    }
}

/// A packet on the wire of a link: when it reaches the far end, the event-queue sequence
/// number reserved for that arrival when it was accepted, and its slab slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OnWire {
    pub(crate) arrival: Instant,
    pub(crate) seq: u64,
    pub(crate) slot: SlotRef,
}

#[derive(Clone, Copy, Debug)]
struct Pending {
    departure: Instant,
    /// Total bytes accepted before this packet.
    cum_before: u64,
}

/// The outcome of offering a packet to a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Offer {
    /// Refused (down or queue full); already counted.
    Refused,
    /// Accepted but lost by the loss model; already counted.
    Lost,
    /// Accepted; it reaches the far end at `arrival`.
    Accepted {
        /// When the packet reaches the far end.
        arrival: Instant,
    },
}

/// Runtime state of one link.
///
/// Laid out for the data path: a run with many links visits each one rarely, so every
/// visit misses the cache and costs one memory access per cache line it touches. An offer
/// reads the first two 64-byte lines (the departures and the settings, with the counters
/// it moves), an arrival the third (the wire, with the delivery counters): `repr(C)` keeps
/// this order, `align(64)` puts each link at the start of a line, and a test checks it. The
/// drop counters, the jitter, the random streams (about 300 bytes each), the trace cursor
/// and the watchers, read only for drops, lossy, jittered, trace-driven or changing links,
/// come last.
#[repr(C, align(64))]
pub(crate) struct LinkState {
    /// Line 0 (`offer`): departures of accepted packets not yet departed, ...
    pending: VecDeque<Pending>,
    /// ... total bytes accepted, ...
    cum_bytes: u64,
    last_departure: Instant,
    last_arrival: Instant,
    delay: Duration,
    /// ... line 1 (`offer`): the remaining settings it reads and its counters, ...
    rate: LinkRate,
    queue: QueueLimit,
    framing: Framing,
    tx_packets: u64,
    tx_bytes: u64,
    up: bool,
    /// The loss model draws (not [`LossModel::None`]).
    lossy: bool,
    /// The jitter is not zero.
    jittery: bool,
    /// ... line 2 (`arrive`): packets accepted and not lost, not yet arrived, in arrival
    /// order (arrival times and sequence numbers both non-decreasing, so the head is the
    /// earliest event of the link), and the delivery counters. The rest is cold.
    wire: VecDeque<OnWire>,
    delivered_packets: u64,
    delivered_bytes: u64,
    dropped_queue: u64,
    dropped_loss: u64,
    dropped_down: u64,
    jitter: Duration,
    /// The link went down without telling the hosts (so coming up does not either).
    pub(crate) down_silently: bool,
    /// Hosts to notify on down / up: (host, interface address) of `Attach::Iface` ends.
    pub(crate) watchers: Vec<(HostId, crate::packet::Addr)>,
    loss: LossProcess,
    jitter_rng: RngStream,
    cursor: TraceCursor,
}

impl LinkState {
    pub(crate) fn new(cfg: &LinkConfig, rng: RngStream, jitter_rng: RngStream) -> Self {
        LinkState {
            pending: VecDeque::new(),
            cum_bytes: 0,
            last_departure: Instant::ZERO,
            last_arrival: Instant::ZERO,
            delay: cfg.delay,
            rate: cfg.rate.clone(),
            queue: cfg.queue,
            framing: cfg.framing,
            tx_packets: 0,
            tx_bytes: 0,
            up: true,
            lossy: cfg.loss != LossModel::None,
            jittery: !cfg.jitter.is_zero(),
            wire: VecDeque::new(),
            delivered_packets: 0,
            delivered_bytes: 0,
            dropped_queue: 0,
            dropped_loss: 0,
            dropped_down: 0,
            jitter: cfg.jitter,
            down_silently: false,
            watchers: Vec::new(),
            loss: LossProcess::new(cfg.loss, rng),
            jitter_rng,
            cursor: TraceCursor::new(Instant::ZERO),
        }
    }

    pub(crate) fn is_up(&self) -> bool {
        self.up
    }

    /// The link's counters.
    pub(crate) fn stats(&self) -> LinkStats {
        LinkStats {
            tx_packets: self.tx_packets,
            tx_bytes: self.tx_bytes,
            delivered_packets: self.delivered_packets,
            delivered_bytes: self.delivered_bytes,
            dropped_queue: self.dropped_queue,
            dropped_loss: self.dropped_loss,
            dropped_down: self.dropped_down,
        }
    }

    /// Queue occupancy at `now` (binary search over pending departures).
    pub(crate) fn occupancy(&self, now: Instant) -> QueueOccupancy {
        let j = self.pending.partition_point(|p| p.departure <= now);
        let packets = self.pending.len() - j;
        let bytes = self
            .pending
            .get(j)
            .map_or(0, |p| self.cum_bytes - p.cum_before);
        QueueOccupancy {
            packets: u32::try_from(packets).unwrap_or(u32::MAX),
            bytes,
        }
    }

    /// Offers a packet of `size` bytes at `now`: drop-tail, schedule, then loss.
    pub(crate) fn offer(&mut self, now: Instant, size: u32) -> Offer {
        if !self.up {
            self.dropped_down += 1;
            return Offer::Refused;
        }
        if self.last_departure <= now {
            // Every accepted packet has left (the last departure is the latest): the queue
            // is empty, known without reading its entries (on a lightly loaded link, those
            // are out of the cache).
            self.pending.clear();
        } else {
            while self.pending.front().is_some_and(|p| p.departure <= now) {
                self.pending.pop_front();
            }
        }
        let queued_bytes = self
            .pending
            .front()
            .map_or(0, |p| self.cum_bytes - p.cum_before);
        let fits = match self.queue {
            QueueLimit::Packets(n) => self.pending.len() < n as usize,
            QueueLimit::Bytes(b) => queued_bytes + u64::from(size) <= b,
        };
        if !fits {
            self.dropped_queue += 1;
            return Offer::Refused;
        }
        let start = now.max(self.last_departure);
        let wire = self.framing.wire_bytes(size);
        let departure = match &self.rate {
            LinkRate::Fixed(bw) => start + bw.transmit_time(u64::from(wire)),
            LinkRate::Trace(t) => self.cursor.schedule(t, start, wire),
        };
        self.last_departure = departure;
        let extra = if !self.jittery {
            Duration::ZERO
        } else {
            Duration::from_nanos(self.jitter_rng.random_range(0..=self.jitter.as_nanos()))
        };
        let arrival = (departure + self.delay + extra).max(self.last_arrival);
        self.last_arrival = arrival;
        self.pending.push_back(Pending {
            departure,
            cum_before: self.cum_bytes,
        });
        self.cum_bytes += u64::from(size);
        self.tx_packets += 1;
        self.tx_bytes += u64::from(size);
        if self.lossy && self.loss.lose() {
            self.dropped_loss += 1;
            return Offer::Lost;
        }
        Offer::Accepted { arrival }
    }

    /// Records that an accepted packet is now on the wire (call after [`Offer::Accepted`]);
    /// true if it is the only one, so its arrival is now the link's next event.
    pub(crate) fn push_wire(&mut self, on: OnWire) -> bool {
        debug_assert!(self
            .wire
            .back()
            .is_none_or(|b| (b.arrival, b.seq) < (on.arrival, on.seq)));
        self.wire.push_back(on);
        self.wire.len() == 1
    }

    /// Hints the lines an arrival reads ([`LinkState::arrive`] and the delivery count: the
    /// wire's line, with the counters, and the wire's head entry, in a buffer of its own: its address is
    /// read from the wire's line, a read that waits for that line while the current event
    /// goes on; [`crate::prefetch`]).
    #[inline]
    pub(crate) fn prefetch_arrival(&self) {
        crate::prefetch::prefetch_line(&self.wire);
        if let Some(front) = self.wire.front() {
            crate::prefetch::prefetch_line(front);
        }
    }

    /// Hints the lines an offer reads and writes ([`LinkState::offer`], then
    /// [`LinkState::push_wire`]: the departures, the settings and counters, the wire).
    #[inline]
    pub(crate) fn prefetch_offer(&self) {
        crate::prefetch::prefetch_bytes(self, 3 * crate::prefetch::LINE);
    }

    /// The packet at the head of the wire, whose arrival is the link's next event.
    pub(crate) fn head(&self) -> Option<&OnWire> {
        self.wire.front()
    }

    /// The head packet reached the far end, if its arrival is event `seq` (otherwise the
    /// event is stale: the packet was dropped when the link went down).
    pub(crate) fn arrive(&mut self, seq: u64) -> Option<SlotRef> {
        if self.wire.front()?.seq != seq {
            return None;
        }
        self.wire.pop_front().map(|on| on.slot)
    }

    /// Counts a delivered packet of `size` bytes.
    pub(crate) fn count_delivered(&mut self, size: u32) {
        self.delivered_packets += 1;
        self.delivered_bytes += u64::from(size);
    }

    /// Takes the link down: clears the queue and returns the packets on the wire (counted
    /// as `dropped_down`) for the caller to free. No-op (empty) if already down.
    pub(crate) fn go_down(&mut self) -> std::collections::vec_deque::Drain<'_, OnWire> {
        self.up = false;
        self.pending.clear();
        self.dropped_down += self.wire.len() as u64;
        self.wire.drain(..)
    }

    /// Brings the link up: transmission restarts at `now`.
    pub(crate) fn go_up(&mut self, now: Instant) {
        self.up = true;
        self.last_departure = now;
        self.last_arrival = now;
        self.cursor.next = None;
    }

    /// Applies a change other than `Down` / `Up`.
    pub(crate) fn apply(&mut self, now: Instant, change: LinkChange) {
        match change {
            LinkChange::Down | LinkChange::DownSilent | LinkChange::Up => {
                debug_assert!(false, "Down/Up are handled by the simulator");
            }
            LinkChange::SetRate(rate) => {
                if let LinkRate::Trace(_) = rate {
                    self.cursor = TraceCursor::new(now);
                }
                self.rate = rate;
            }
            LinkChange::SetDelay(d) => self.delay = d,
            LinkChange::SetLoss(l) => {
                self.lossy = l != LossModel::None;
                self.loss.set_model(l);
            }
            LinkChange::SetQueue(q) => self.queue = q,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    fn cfg(rate: LinkRate, queue: QueueLimit) -> LinkConfig {
        LinkConfig {
            name: "l".into(),
            from: Attach::Node(NodeId(0)),
            to: Attach::Node(NodeId(1)),
            rate,
            delay: Duration::from_millis(5),
            queue,
            loss: LossModel::None,
            jitter: Duration::ZERO,
            framing: Framing::NONE,
        }
    }

    fn us(n: u64) -> Instant {
        Instant::from_micros(n)
    }

    fn arrival(o: Offer) -> Instant {
        match o {
            Offer::Accepted { arrival } => arrival,
            other => panic!("not accepted: {other:?}"),
        }
    }

    #[test]
    fn fifo_departures_and_occupancy() {
        let c = cfg(
            LinkRate::Fixed(Bandwidth::from_mbps(10)),
            QueueLimit::Packets(100),
        );
        let mut l = LinkState::new(&c, stream(0, "x"), stream(0, "x/jitter"));
        // Three back-to-back 1500-byte packets at t=0: departures 1.2, 2.4, 3.6 ms.
        assert_eq!(arrival(l.offer(us(0), 1500)), us(6_200));
        assert_eq!(arrival(l.offer(us(0), 1500)), us(7_400));
        assert_eq!(arrival(l.offer(us(0), 1000)), us(8_200));
        let occ = |t| l.occupancy(us(t));
        assert_eq!(
            occ(0),
            QueueOccupancy {
                packets: 3,
                bytes: 4000
            }
        );
        assert_eq!(
            occ(1_199),
            QueueOccupancy {
                packets: 3,
                bytes: 4000
            }
        );
        assert_eq!(
            occ(1_200),
            QueueOccupancy {
                packets: 2,
                bytes: 2500
            }
        );
        assert_eq!(
            occ(2_400),
            QueueOccupancy {
                packets: 1,
                bytes: 1000
            }
        );
        assert_eq!(
            occ(3_199),
            QueueOccupancy {
                packets: 1,
                bytes: 1000
            }
        );
        assert_eq!(occ(3_200), QueueOccupancy::default());
        // Idle link: a packet at 10 ms starts at once.
        assert_eq!(arrival(l.offer(us(10_000), 1500)), us(16_200));
        assert_eq!(l.stats().tx_packets, 4);
        assert_eq!(l.stats().tx_bytes, 5500);
    }

    #[test]
    fn framing_adds_to_serialization_only() {
        let mut c = cfg(
            LinkRate::Fixed(Bandwidth::from_mbps(100)),
            QueueLimit::Bytes(3000),
        );
        c.framing = Framing::ETHERNET;
        let mut l = LinkState::new(&c, stream(0, "x"), stream(0, "x/jitter"));
        // 1538 byte times at 100 Mbit/s = 123.04 us, then 5 ms.
        assert_eq!(
            arrival(l.offer(us(0), 1500)),
            Instant::from_nanos(5_123_040)
        );
        // A 40-byte ACK is padded to 46: 84 byte times = 6.72 us.
        assert_eq!(arrival(l.offer(us(0), 40)), Instant::from_nanos(5_129_760));
        // Queue limits count IP bytes: 1500 + 40 + 1460 = 3000 fits, one more byte does not.
        assert!(matches!(l.offer(us(0), 1460), Offer::Accepted { .. }));
        assert_eq!(l.offer(us(0), 1), Offer::Refused);
        assert_eq!(l.occupancy(us(0)).bytes, 3000);
        assert_eq!(l.stats().tx_bytes, 3000);
        assert_eq!(Framing::ETHERNET_FRAME.wire_bytes(1500), 1518);
        assert_eq!(Framing::bytes(8).wire_bytes(20), 28);
        assert_eq!(Framing::NONE.wire_bytes(20), 20);
    }

    /// The data path's fields sit in the cache lines the type's doc names: an offer reads
    /// lines 0 and 1, an arrival line 2.
    #[test]
    fn hot_fields_share_few_cache_lines() {
        use std::mem::{align_of, offset_of, size_of};
        let line = |off: usize| off / 64;
        let end = |off: usize, size: usize| line(off + size - 1);
        assert_eq!(align_of::<LinkState>(), 64);
        assert_eq!(line(offset_of!(LinkState, pending)), 0);
        assert_eq!(end(offset_of!(LinkState, delay), size_of::<Duration>()), 0);
        assert_eq!(line(offset_of!(LinkState, rate)), 1);
        assert_eq!(end(offset_of!(LinkState, tx_bytes), size_of::<u64>()), 1);
        assert_eq!(line(offset_of!(LinkState, jittery)), 1);
        assert_eq!(line(offset_of!(LinkState, wire)), 2);
        let delivered = offset_of!(LinkState, delivered_bytes);
        assert_eq!(end(delivered, size_of::<u64>()), 2);
    }

    #[test]
    fn drop_tail_in_packets_and_bytes() {
        let c = cfg(
            LinkRate::Fixed(Bandwidth::from_mbps(10)),
            QueueLimit::Packets(2),
        );
        let mut l = LinkState::new(&c, stream(0, "x"), stream(0, "x/jitter"));
        let o: Vec<_> = (0..4).map(|_| l.offer(us(0), 1500)).collect();
        assert!(matches!(o[1], Offer::Accepted { .. }));
        assert_eq!((o[2], o[3]), (Offer::Refused, Offer::Refused));
        // At 1.2 ms the first has left: room for exactly one more.
        assert!(matches!(l.offer(us(1_200), 1500), Offer::Accepted { .. }));
        assert_eq!(l.offer(us(1_200), 1500), Offer::Refused);
        assert_eq!(l.stats().dropped_queue, 3);

        let c = cfg(
            LinkRate::Fixed(Bandwidth::from_mbps(10)),
            QueueLimit::Bytes(3000),
        );
        let mut l = LinkState::new(&c, stream(0, "x"), stream(0, "x/jitter"));
        let sizes = [1000, 1500, 600, 500, 1];
        let ok: Vec<bool> = sizes
            .iter()
            .map(|&s| matches!(l.offer(us(0), s), Offer::Accepted { .. }))
            .collect();
        // 1000 + 1500 = 2500; +600 > 3000 refused; +500 = 3000 fits; +1 refused.
        assert_eq!(ok, [true, true, false, true, false]);
        assert_eq!(l.stats().dropped_queue, 2);
        assert_eq!(l.occupancy(us(0)).bytes, 3000);
    }

    #[test]
    fn the_queue_empties_at_the_last_departure_exactly() {
        let c = cfg(
            LinkRate::Fixed(Bandwidth::from_mbps(10)),
            QueueLimit::Packets(2),
        );
        let mut l = LinkState::new(&c, stream(0, "x"), stream(0, "x/jitter"));
        // Departures at 1.2 and 2.4 ms.
        assert_eq!(arrival(l.offer(us(0), 1500)), us(6_200));
        assert_eq!(arrival(l.offer(us(0), 1500)), us(7_400));
        // 1 ns before the second leaves: one queued, room for one (it leaves at 3.6 ms).
        let just_before = Instant::from_nanos(2_399_999);
        assert_eq!(arrival(l.offer(just_before, 1500)), us(8_600));
        assert_eq!(l.offer(just_before, 1500), Offer::Refused);
        // At the last departure exactly the queue is empty: two fit, starting at once.
        assert_eq!(arrival(l.offer(us(3_600), 1500)), us(9_800));
        assert_eq!(arrival(l.offer(us(3_600), 1500)), us(11_000));
        assert_eq!(l.offer(us(3_600), 1500), Offer::Refused);
        assert_eq!(
            l.occupancy(us(3_600)),
            QueueOccupancy {
                packets: 2,
                bytes: 3000
            }
        );
        assert_eq!(l.stats().dropped_queue, 2);
    }

    #[test]
    fn jitter_adds_bounded_delay_keeps_fifo_and_is_reproducible() {
        let mut c = cfg(
            LinkRate::Fixed(Bandwidth::from_mbps(10)),
            QueueLimit::Packets(1000),
        );
        c.jitter = Duration::from_millis(2);
        let run = |seed: u64| -> Vec<Instant> {
            let mut l = LinkState::new(&c, stream(seed, "x"), stream(seed, "x/jitter"));
            (0..200).map(|_| arrival(l.offer(us(0), 1500))).collect()
        };
        let a = run(1);
        for (k, t) in a.iter().enumerate() {
            let base = us(1_200 * (k as u64 + 1) + 5_000);
            assert!(
                *t >= base && *t <= base + Duration::from_millis(2),
                "packet {k}: {t}"
            );
            if k > 0 {
                assert!(*t >= a[k - 1], "FIFO");
            }
        }
        assert_eq!(a, run(1));
        assert_ne!(a, run(2));
        assert!(a
            .iter()
            .enumerate()
            .any(|(k, t)| *t != us(1_200 * (k as u64 + 1) + 5_000)));
    }

    #[test]
    fn shrinking_delay_keeps_arrivals_fifo() {
        let c = cfg(
            LinkRate::Fixed(Bandwidth::from_mbps(10)),
            QueueLimit::Packets(10),
        );
        let mut l = LinkState::new(&c, stream(0, "x"), stream(0, "x/jitter"));
        assert_eq!(arrival(l.offer(us(0), 1500)), us(6_200));
        l.apply(us(0), LinkChange::SetDelay(Duration::ZERO));
        // Departs at 2.4 ms, would arrive before the first: held to 6.2 ms.
        assert_eq!(arrival(l.offer(us(0), 1500)), us(6_200));
        assert_eq!(arrival(l.offer(us(7_000), 1500)), us(8_200));
    }

    #[test]
    fn trace_rate_uses_opportunities_and_queue_limits() {
        let t = Arc::new(MahimahiTrace::parse("1\n").unwrap());
        let c = cfg(LinkRate::Trace(t), QueueLimit::Packets(2));
        let mut l = LinkState::new(&c, stream(0, "x"), stream(0, "x/jitter"));
        assert_eq!(arrival(l.offer(us(0), 1500)), us(6_000));
        assert_eq!(arrival(l.offer(us(0), 1500)), us(7_000));
        assert_eq!(l.offer(us(0), 1500), Offer::Refused);
        assert_eq!(l.occupancy(us(1_000)).packets, 1);
    }

    /// Gilbert–Elliott long-run loss. The loss indicators form a Markov-modulated Bernoulli
    /// sequence; with `lambda = 1 - p_gb - p_bg` the state autocorrelation at lag k is
    /// `lambda^k`, so the variance of the sum of N indicators is about
    /// `N * [L(1-L) + (loss_bad - loss_good)^2 * pi_g * pi_b * 2*lambda/(1-lambda)]`.
    /// For the parameters below that is `N * 0.147`; with N = 10^6 the loss rate has
    /// sd ~ 0.00038, and we accept 5 sd (plus the start-in-good bias, < 1e-5).
    #[test]
    fn gilbert_elliott_converges_to_stationary_loss() {
        let (p_gb, p_bg, lg, lb) = (0.01, 0.1, 0.001, 0.3);
        let m = LossModel::GilbertElliott {
            p_good_to_bad: p_gb,
            p_bad_to_good: p_bg,
            loss_good: lg,
            loss_bad: lb,
        };
        let l_inf = m.stationary_loss();
        let (pi_b, lambda) = (p_gb / (p_gb + p_bg), 1.0 - p_gb - p_bg);
        let var = l_inf * (1.0 - l_inf)
            + (lb - lg).powi(2) * (1.0 - pi_b) * pi_b * 2.0 * lambda / (1.0 - lambda);
        let n = 1_000_000u32;
        let sd = (var / f64::from(n)).sqrt();
        let mut p = LossProcess::new(m, stream(7, "link/ge"));
        let lost = (0..n).filter(|_| p.lose()).count();
        let rate = lost as f64 / f64::from(n);
        assert!((l_inf - 0.028_18).abs() < 1e-4);
        assert!(
            (rate - l_inf).abs() < 5.0 * sd,
            "rate {rate}, expected {l_inf} ± {}",
            5.0 * sd
        );
    }

    #[test]
    fn loss_validation_names_the_field() {
        assert!(LossModel::Bernoulli { p: 0.5 }.validate().is_ok());
        let e = LossModel::Bernoulli { p: 1.5 }.validate().unwrap_err();
        assert!(e.contains("p = 1.5"), "{e}");
        let e = LossModel::GilbertElliott {
            p_good_to_bad: 0.1,
            p_bad_to_good: f64::NAN,
            loss_good: 0.0,
            loss_bad: 1.0,
        }
        .validate()
        .unwrap_err();
        assert!(e.contains("p_bad_to_good"), "{e}");
    }
}
