//! Whole-engine tests: a tiny scripted host driven through small topologies.

use crate::*;
use std::collections::VecDeque;
use std::sync::Arc;

/// A host that sends scripted packets at given times and records what it receives.
#[derive(Default)]
struct TestHost {
    script: VecDeque<(Instant, Packet<u64>)>,
    /// Calls of `Host::prefetch` (told the next event calls this host).
    prefetched: std::cell::Cell<u64>,
    received: Vec<(Instant, Packet<u64>)>,
    iface_events: Vec<(Instant, Addr, bool)>,
    echo: bool,
}

impl TestHost {
    fn sending(sends: impl IntoIterator<Item = (Instant, Packet<u64>)>) -> Self {
        TestHost {
            script: sends.into_iter().collect(),
            ..Default::default()
        }
    }
    fn seqs(&self) -> Vec<u64> {
        self.received.iter().map(|(_, p)| p.header).collect()
    }
    fn times(&self) -> Vec<Instant> {
        self.received.iter().map(|(t, _)| *t).collect()
    }
}

impl Host<u64> for TestHost {
    fn on_packet(&mut self, now: Instant, pkt: &Packet<u64>, tx: &mut Vec<Packet<u64>>) {
        self.received.push((now, *pkt));
        if self.echo {
            tx.push(Packet {
                src: pkt.dst,
                dst: pkt.src,
                ..*pkt
            });
        }
    }
    fn on_timeout(&mut self, now: Instant, tx: &mut Vec<Packet<u64>>) {
        while self.script.front().is_some_and(|(t, _)| *t <= now) {
            tx.extend(self.script.pop_front().map(|(_, p)| p));
        }
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.script.front().map(|(t, _)| *t)
    }
    fn prefetch(&self) {
        self.prefetched.set(self.prefetched.get() + 1);
    }
    fn on_interface_change(
        &mut self,
        now: Instant,
        iface: Addr,
        up: bool,
        _: &mut Vec<Packet<u64>>,
    ) {
        self.iface_events.push((now, iface, up));
    }
}

const A: Addr = Addr::new(10, 0, 0, 1);
const B: Addr = Addr::new(10, 0, 1, 1);

fn us(n: u64) -> Instant {
    Instant::from_micros(n)
}
fn pkt(src: Addr, dst: Addr, seq: u64) -> Packet<u64> {
    Packet {
        src,
        dst,
        size: 1500,
        header: seq,
    }
}
fn link(name: &str, from: Attach, to: Attach, mbps: u64, delay_ms: u64) -> LinkConfig {
    LinkConfig {
        name: name.into(),
        from,
        to,
        rate: LinkRate::Fixed(Bandwidth::from_mbps(mbps)),
        delay: Duration::from_millis(delay_ms),
        queue: QueueLimit::Packets(1_000_000),
        loss: LossModel::None,
        jitter: Duration::ZERO,
        framing: Framing::NONE,
    }
}

/// Two hosts A (10.0.0.1) and B (10.0.1.1) joined by interface-bound links both ways;
/// `fwd` is A -> B.
fn pair(fwd: LinkConfig) -> (NetworkBuilder, LinkId, HostId, HostId) {
    let mut nb = NetworkBuilder::new();
    let (ha, hb) = (nb.add_host("a"), nb.add_host("b"));
    let ia = nb.add_interface(ha, A).unwrap();
    let ib = nb.add_interface(hb, B).unwrap();
    let l = nb.add_link(LinkConfig {
        from: Attach::Iface(ia),
        to: Attach::Iface(ib),
        ..fwd
    });
    nb.add_link(link("ba", Attach::Iface(ib), Attach::Iface(ia), 10, 5));
    (nb, l, ha, hb)
}

fn run_pair(
    fwd: LinkConfig,
    sends: Vec<(Instant, Packet<u64>)>,
    seed: u64,
) -> (Simulator<u64, TestHost>, LinkId) {
    let (nb, l, _, _) = pair(fwd);
    let hosts = vec![TestHost::sending(sends), TestHost::default()];
    let mut sim = Simulator::new(nb.build().unwrap(), hosts, seed).unwrap();
    sim.run_until(Instant::from_secs(100));
    (sim, l)
}

#[test]
fn packet_arrives_after_transmit_plus_delay_exactly() {
    let sends = (0..3).map(|i| (Instant::ZERO, pkt(A, B, i))).collect();
    let (sim, l) = run_pair(
        link(
            "ab",
            Attach::Node(NodeId(0)),
            Attach::Node(NodeId(0)),
            10,
            5,
        ),
        sends,
        1,
    );
    let b = sim.host(HostId(1));
    assert_eq!(
        b.times(),
        [Instant::from_nanos(6_200_000), us(7_400), us(8_600)]
    );
    assert_eq!(b.seqs(), [0, 1, 2]);
    let s = sim.link_stats(l);
    assert_eq!(
        (s.tx_packets, s.delivered_packets, s.delivered_bytes),
        (3, 3, 4500)
    );
    assert_eq!(sim.packets_in_flight(), 0);
}

#[test]
fn queue_occupancy_at_instants() {
    let (nb, l, _, _) = pair(link(
        "ab",
        Attach::Node(NodeId(0)),
        Attach::Node(NodeId(0)),
        10,
        5,
    ));
    let sends: Vec<_> = (0..4).map(|i| (Instant::ZERO, pkt(A, B, i))).collect();
    let hosts = vec![TestHost::sending(sends), TestHost::default()];
    let mut sim = Simulator::new(nb.build().unwrap(), hosts, 1).unwrap();
    let mut occ = |t| {
        sim.run_until(us(t));
        let q = sim.link_queue(l);
        (q.packets, q.bytes)
    };
    assert_eq!(occ(0), (4, 6000));
    assert_eq!(occ(1_199), (4, 6000));
    assert_eq!(occ(1_200), (3, 4500));
    assert_eq!(occ(3_000), (2, 3000));
    assert_eq!(occ(4_799), (1, 1500));
    assert_eq!(occ(4_800), (0, 0));
    assert_eq!(sim.now(), us(4_800));
}

#[test]
fn drop_tail_in_packets_and_bytes() {
    let sends: Vec<_> = (0..6).map(|i| (Instant::ZERO, pkt(A, B, i))).collect();
    let mut cfg = link(
        "ab",
        Attach::Node(NodeId(0)),
        Attach::Node(NodeId(0)),
        10,
        5,
    );
    cfg.queue = QueueLimit::Packets(2);
    let (sim, l) = run_pair(cfg.clone(), sends.clone(), 1);
    assert_eq!(sim.host(HostId(1)).seqs(), [0, 1]);
    assert_eq!(sim.link_stats(l).dropped_queue, 4);
    cfg.queue = QueueLimit::Bytes(4499);
    let (sim, l) = run_pair(cfg, sends, 1);
    assert_eq!(sim.host(HostId(1)).seqs(), [0, 1]);
    assert_eq!(sim.link_stats(l).dropped_queue, 4);
}

fn lossy(p: f64, name: &str) -> LinkConfig {
    LinkConfig {
        loss: LossModel::Bernoulli { p },
        jitter: Duration::ZERO,
        framing: Framing::NONE,
        ..link(
            name,
            Attach::Node(NodeId(0)),
            Attach::Node(NodeId(0)),
            100_000,
            1,
        )
    }
}

#[test]
fn bernoulli_loss_count_is_binomial() {
    let n = 100_000u64;
    let sends = (0..n).map(|i| (Instant::ZERO, pkt(A, B, i))).collect();
    let (sim, l) = run_pair(lossy(0.01, "ab"), sends, 42);
    let s = sim.link_stats(l);
    // Binomial(100000, 0.01): mean 1000, sd 31.46; 99.9% interval ±3.29 sd.
    assert!(
        (896..=1104).contains(&s.dropped_loss),
        "lost {}",
        s.dropped_loss
    );
    assert_eq!(s.tx_packets, n);
    assert_eq!(s.delivered_packets + s.dropped_loss, n);
    assert_eq!(
        sim.host(HostId(1)).received.len() as u64,
        s.delivered_packets
    );
}

fn lost_seqs(sim: &Simulator<u64, TestHost>, h: HostId, n: u64) -> Vec<u64> {
    let got = sim.host(h).seqs();
    (0..n).filter(|s| !got.contains(s)).collect()
}

#[test]
fn loss_draws_depend_on_seed_and_link_name_only() {
    let sends: Vec<_> = (0..2000).map(|i| (Instant::ZERO, pkt(A, B, i))).collect();
    let (s1, _) = run_pair(lossy(0.05, "ab"), sends.clone(), 7);
    let (s2, _) = run_pair(lossy(0.05, "ab"), sends.clone(), 7);
    let (s3, _) = run_pair(lossy(0.05, "ab"), sends.clone(), 8);
    let base = lost_seqs(&s1, HostId(1), 2000);
    assert!(!base.is_empty());
    assert_eq!(base, lost_seqs(&s2, HostId(1), 2000));
    assert_ne!(base, lost_seqs(&s3, HostId(1), 2000));

    // Same network plus a second lossy link carrying another flow, created first.
    let (c, d) = (Addr::new(10, 0, 2, 1), Addr::new(10, 0, 3, 1));
    let mut nb = NetworkBuilder::new();
    let (hc, hd) = (nb.add_host("c"), nb.add_host("d"));
    let (ha, hb) = (nb.add_host("a"), nb.add_host("b"));
    let (ic, id) = (
        nb.add_interface(hc, c).unwrap(),
        nb.add_interface(hd, d).unwrap(),
    );
    let (ia, ib) = (
        nb.add_interface(ha, A).unwrap(),
        nb.add_interface(hb, B).unwrap(),
    );
    nb.add_link(LinkConfig {
        from: Attach::Iface(ic),
        to: Attach::Iface(id),
        ..lossy(0.05, "cd")
    });
    nb.add_link(LinkConfig {
        from: Attach::Iface(ia),
        to: Attach::Iface(ib),
        ..lossy(0.05, "ab")
    });
    let other: Vec<_> = (0..500).map(|i| (Instant::ZERO, pkt(c, d, i))).collect();
    let hosts = vec![
        TestHost::sending(other),
        TestHost::default(),
        TestHost::sending(sends),
        TestHost::default(),
    ];
    let mut sim = Simulator::new(nb.build().unwrap(), hosts, 7).unwrap();
    sim.run_until(Instant::from_secs(10));
    assert_eq!(base, lost_seqs(&sim, hb, 2000));
    assert!(sim.link_stats(LinkId(0)).dropped_loss > 0);
}

#[test]
fn down_drops_queue_and_wire_and_up_restores() {
    let mut sends: Vec<_> = (0..10).map(|i| (Instant::ZERO, pkt(A, B, i))).collect();
    sends.push((us(4_000), pkt(A, B, 10))); // refused: link down
    sends.push((us(6_000), pkt(A, B, 11))); // after up
    let (nb, l, ha, hb) = pair(link(
        "ab",
        Attach::Node(NodeId(0)),
        Attach::Node(NodeId(0)),
        10,
        5,
    ));
    let hosts = vec![TestHost::sending(sends), TestHost::default()];
    let mut sim = Simulator::new(nb.build().unwrap(), hosts, 1).unwrap();
    sim.schedule_link_change(us(3_000), l, LinkChange::Down);
    sim.schedule_link_change(us(5_000), l, LinkChange::Up);
    sim.run_until(us(3_000));
    // Two packets have left (on the wire), eight are queued: all dropped.
    assert!(!sim.link_is_up(l));
    assert_eq!(sim.link_stats(l).dropped_down, 10);
    assert_eq!(sim.link_queue(l), QueueOccupancy::default());
    assert_eq!(sim.packets_in_flight(), 0);
    sim.run_until(Instant::from_secs(1));
    assert!(sim.link_is_up(l));
    let s = sim.link_stats(l);
    assert_eq!(
        (s.dropped_down, s.tx_packets, s.delivered_packets),
        (11, 11, 1)
    );
    // The packet sent after Up starts at once: 6 + 1.2 + 5 ms.
    assert_eq!(sim.host(hb).received, [(us(12_200), pkt(A, B, 11))]);
    let want = |a| vec![(us(3_000), a, false), (us(5_000), a, true)];
    assert_eq!(sim.host(ha).iface_events, want(A));
    assert_eq!(sim.host(hb).iface_events, want(B));
    // Three wake-ups of a, two changes, the arrival of packet 11, and the ten dropped
    // packets' would-be arrivals (as if each had kept its own event).
    assert_eq!(sim.events_processed(), 3 + 2 + 1 + 10);
}

#[test]
fn a_silent_down_drops_like_down_but_tells_no_host() {
    let sends = [(Instant::ZERO, pkt(A, B, 0)), (us(4_000), pkt(A, B, 1))];
    let (nb, l, ha, hb) = pair(link(
        "ab",
        Attach::Node(NodeId(0)),
        Attach::Node(NodeId(0)),
        10,
        5,
    ));
    let hosts = vec![TestHost::sending(sends), TestHost::default()];
    let mut sim = Simulator::new(nb.build().unwrap(), hosts, 1).unwrap();
    sim.schedule_link_change(us(3_000), l, LinkChange::DownSilent);
    sim.schedule_link_change(us(5_000), l, LinkChange::Up);
    sim.schedule_link_change(us(7_000), l, LinkChange::Down);
    sim.run_until(Instant::from_secs(1));
    // Packet 0 was on the wire at 3 ms (arrival 6.2 ms), packet 1 refused while down.
    assert!(sim.host(hb).received.is_empty());
    assert_eq!(sim.link_stats(l).dropped_down, 2);
    // Neither the silent down nor the up that ends it reaches the hosts; a later
    // ordinary Down does.
    assert_eq!(sim.host(ha).iface_events, [(us(7_000), A, false)]);
    assert_eq!(sim.host(hb).iface_events, [(us(7_000), B, false)]);
}

#[test]
fn only_the_head_of_each_link_waits_in_the_event_queue() {
    let sends = (0..1000).map(|i| (Instant::ZERO, pkt(A, B, i)));
    let (nb, l, _, hb) = pair(link(
        "ab",
        Attach::Node(NodeId(0)),
        Attach::Node(NodeId(0)),
        10,
        5,
    ));
    let hosts = vec![TestHost::sending(sends), TestHost::default()];
    let mut sim = Simulator::new(nb.build().unwrap(), hosts, 1).unwrap();
    sim.run_until(Instant::ZERO);
    assert_eq!(sim.packets_in_flight(), 1000);
    assert_eq!(sim.queued_events(), 1);
    sim.run_until(Instant::from_secs(10));
    assert_eq!(sim.link_stats(l).delivered_packets, 1000);
    assert_eq!(sim.host(hb).seqs(), (0..1000).collect::<Vec<_>>());
    // One wake-up of the sender and one event per packet.
    assert_eq!(sim.events_processed(), 1 + 1000);
    assert_eq!(sim.queued_events(), 0);
}

#[test]
fn rate_and_delay_changes_apply_to_later_packets() {
    let sends: Vec<_> = (0..3)
        .map(|i| (Instant::ZERO, pkt(A, B, i)))
        .chain([(us(3_000), pkt(A, B, 3))])
        .collect();
    let (nb, l, _, hb) = pair(link(
        "ab",
        Attach::Node(NodeId(0)),
        Attach::Node(NodeId(0)),
        10,
        5,
    ));
    let hosts = vec![TestHost::sending(sends), TestHost::default()];
    let mut sim = Simulator::new(nb.build().unwrap(), hosts, 1).unwrap();
    sim.schedule_link_change(
        us(1_000),
        l,
        LinkChange::SetRate(LinkRate::Fixed(Bandwidth::from_mbps(100))),
    );
    sim.schedule_link_change(us(1_000), l, LinkChange::SetDelay(Duration::from_millis(1)));
    sim.run_until(Instant::from_secs(1));
    // Packets 0-2 keep their 10 Mbit/s, 5 ms schedule; packet 3 starts after the last
    // departure (3.6 ms), takes 120 us and 1 ms: 4.72 ms, held behind 8.6 ms (FIFO).
    assert_eq!(
        sim.host(hb).times(),
        [us(6_200), us(7_400), us(8_600), us(8_600)]
    );
}

#[test]
fn trace_driven_link_in_simulator() {
    let t = Arc::new(MahimahiTrace::parse("1\n1\n3\n").unwrap());
    let cfg = LinkConfig {
        rate: LinkRate::Trace(t),
        ..link("ab", Attach::Node(NodeId(0)), Attach::Node(NodeId(0)), 1, 5)
    };
    let sends = (0..4).map(|i| (Instant::ZERO, pkt(A, B, i))).collect();
    let (sim, _) = run_pair(cfg, sends, 1);
    // Opportunities at 1, 1, 3, then 4, 4, 6, ... ms; +5 ms delay.
    let ms = Instant::from_millis;
    assert_eq!(sim.host(HostId(1)).times(), [ms(6), ms(6), ms(8), ms(9)]);
}

#[test]
fn wrong_host_count_is_an_error() {
    let (nb, ..) = pair(link(
        "ab",
        Attach::Node(NodeId(0)),
        Attach::Node(NodeId(0)),
        10,
        5,
    ));
    let r = Simulator::<u64, TestHost>::new(nb.build().unwrap(), vec![], 1);
    assert!(matches!(
        r,
        Err(TopologyError::HostCount {
            expected: 2,
            got: 0
        })
    ));
}

#[test]
fn echo_round_trip_and_wake_host() {
    let (nb, ..) = pair(link(
        "ab",
        Attach::Node(NodeId(0)),
        Attach::Node(NodeId(0)),
        10,
        5,
    ));
    let hosts = vec![
        TestHost::sending([(us(1_000), pkt(A, B, 9))]),
        TestHost {
            echo: true,
            ..Default::default()
        },
    ];
    let mut sim = Simulator::new(nb.build().unwrap(), hosts, 1).unwrap();
    sim.wake_host(HostId(1), Instant::ZERO);
    assert_eq!(sim.step(), Some(Instant::ZERO));
    sim.run_until(Instant::from_secs(1));
    // 1 ms + 2 * (1.2 + 5) ms.
    assert_eq!(sim.host(HostId(0)).times(), [us(13_400)]);
    assert_eq!(sim.now(), Instant::from_secs(1));
    assert_eq!(sim.step(), None);
}

#[test]
fn unroutable_packets_are_counted_and_dropped() {
    let nowhere = Addr::new(192, 168, 0, 1);
    let sends = vec![
        (Instant::ZERO, pkt(A, nowhere, 0)), // unknown destination
        (Instant::ZERO, pkt(B, A, 1)),       // source not owned by the sender
        (Instant::ZERO, pkt(A, A, 2)),       // same host: no route
        (Instant::ZERO, pkt(A, B, 3)),
    ];
    let (sim, l) = run_pair(
        link(
            "ab",
            Attach::Node(NodeId(0)),
            Attach::Node(NodeId(0)),
            10,
            5,
        ),
        sends,
        1,
    );
    assert_eq!(sim.unroutable_packets(), 3);
    assert_eq!(sim.link_stats(l).tx_packets, 1);
    assert_eq!(sim.host(HostId(1)).seqs(), [3]);
}

/// Dumbbell: s1, s2 -> left router -> bottleneck -> right router -> d1, d2 (and back).
#[test]
fn dumbbell_flows_share_the_bottleneck() {
    let mut nb = NetworkBuilder::new();
    let names = ["s1", "s2", "d1", "d2"];
    let hs: Vec<_> = names.iter().map(|n| nb.add_host(n)).collect();
    let addrs: Vec<_> = (0..4).map(|i| Addr::new(10, 0, i, 1)).collect();
    for (h, a) in hs.iter().zip(&addrs) {
        nb.add_interface(*h, *a).unwrap();
    }
    let (l, r) = (
        Attach::Node(nb.add_router("L")),
        Attach::Node(nb.add_router("R")),
    );
    let node = |nb: &NetworkBuilder, i: usize| Attach::Node(nb.host_node(hs[i]));
    for (i, side) in [(0, l), (1, l), (2, r), (3, r)] {
        let n = node(&nb, i);
        nb.add_link(link(&format!("{}-up", names[i]), n, side, 100, 1));
        nb.add_link(link(&format!("{}-down", names[i]), side, n, 100, 1));
    }
    let mut bottleneck = link("L-R", l, r, 10, 10);
    bottleneck.queue = QueueLimit::Packets(1000);
    let bn = nb.add_link(bottleneck);
    nb.add_link(link("R-L", r, l, 10, 10));
    let net = nb.build().unwrap();
    let route: Vec<_> = net
        .route(addrs[0], addrs[2])
        .unwrap()
        .iter()
        .map(|&x| net.link_name(x))
        .collect();
    assert_eq!(route, ["s1-up", "L-R", "d1-down"]);

    let flow = |s: usize, d: usize| {
        TestHost::sending((0..100).map(|k| (Instant::ZERO, pkt(addrs[s], addrs[d], k))))
    };
    let hosts = vec![
        flow(0, 2),
        flow(1, 3),
        TestHost::default(),
        TestHost::default(),
    ];
    let mut sim = Simulator::new(net, hosts, 1).unwrap();
    sim.run_until(Instant::from_secs(1));
    let s = sim.link_stats(bn);
    assert_eq!(
        (s.tx_packets, s.delivered_packets, s.dropped_queue),
        (200, 200, 0)
    );
    // Access links: 120 us per packet, both senders in lockstep, s1 first at each instant.
    // The bottleneck is busy from 1.12 ms: its j-th departure is at 1.12 + 1.2 (j + 1) ms;
    // then 10 ms, 120 us and 1 ms to the receiver. s1's packets are the even j.
    let at = |j: u64| us(1_120 + 1_200 * (j + 1) + 11_120);
    let (d1, d2) = (sim.host(hs[2]), sim.host(hs[3]));
    assert_eq!(d1.seqs(), (0..100).collect::<Vec<_>>());
    assert_eq!(d2.seqs(), (0..100).collect::<Vec<_>>());
    assert_eq!(d1.times(), (0..100).map(|k| at(2 * k)).collect::<Vec<_>>());
    assert_eq!(
        d2.times(),
        (0..100).map(|k| at(2 * k + 1)).collect::<Vec<_>>()
    );
    assert_eq!(d2.times()[99], us(252_240));
    assert_eq!(sim.packets_in_flight(), 0);
    // Two flows, two routes looked up once each.
    assert_eq!(sim.cached_routes(), 2);
}

#[test]
fn runs_are_deterministic() {
    let run = || {
        let sends: Vec<_> = (0..500).map(|i| (us(i * 300), pkt(A, B, i))).collect();
        let mut cfg = lossy(0.1, "ab");
        cfg.rate = LinkRate::Fixed(Bandwidth::from_mbps(20));
        cfg.queue = QueueLimit::Packets(8);
        let (sim, l) = run_pair(cfg, sends, 3);
        (
            sim.host(HostId(1)).received.clone(),
            sim.link_stats(l).clone(),
            sim.events_processed(),
        )
    };
    assert_eq!(run(), run());
}

/// `n` host pairs `a{i}` -> `b{i}` over their own 20 Mbit/s link (8-packet queue, 10 %
/// loss) and a router-free way back; each `a` sends 200 packets 300 us apart, each `b`
/// echoes them.
fn pairs(n: u8, seed: u64) -> Simulator<u64, TestHost> {
    pairs_via(n, seed, false)
}

/// [`pairs`], each pair joined directly or (`routed`) through a router of its own, whose
/// 10 Mbit/s link on to B queues what A's 20 Mbit/s link brings.
fn pairs_via(n: u8, seed: u64, routed: bool) -> Simulator<u64, TestHost> {
    let mut nb = NetworkBuilder::new();
    let mut hosts = Vec::new();
    for i in 0..n {
        let (a, b) = (Addr::new(10, 1, i, 1), Addr::new(10, 2, i, 1));
        let (ha, hb) = (nb.add_host(&format!("a{i}")), nb.add_host(&format!("b{i}")));
        let ia = Attach::Iface(nb.add_interface(ha, a).unwrap());
        let ib = Attach::Iface(nb.add_interface(hb, b).unwrap());
        let r = routed.then(|| Attach::Node(nb.add_router(&format!("r{i}"))));
        let mut fwd = lossy(0.1, &format!("ab{i}"));
        fwd.from = ia;
        fwd.to = r.unwrap_or(ib);
        fwd.rate = LinkRate::Fixed(Bandwidth::from_mbps(20));
        fwd.queue = QueueLimit::Packets(8);
        nb.add_link(fwd);
        if let Some(r) = r {
            nb.add_link(link(&format!("rb{i}"), r, ib, 10, 1));
            nb.add_link(link(&format!("br{i}"), ib, r, 10, 2));
        }
        nb.add_link(link(&format!("ba{i}"), r.unwrap_or(ib), ia, 10, 5));
        let start = u64::from(i) * 7;
        let sends = (0..200).map(|k| (us(start + k * 300), pkt(a, b, k)));
        hosts.push(TestHost::sending(sends));
        hosts.push(TestHost {
            echo: true,
            ..Default::default()
        });
    }
    Simulator::new(nb.build().unwrap(), hosts, seed).unwrap()
}

#[test]
fn prefetching_changes_no_result() {
    // On by default only above the size threshold: two hosts stay below it, 2 x 250 hosts
    // and 500 links (a link's state alone fills more than a cache line) above it.
    let (nb, _, _, _) = pair(link(
        "ab",
        Attach::Node(NodeId(0)),
        Attach::Node(NodeId(0)),
        1,
        1,
    ));
    let small = Simulator::new(
        nb.build().unwrap(),
        vec![TestHost::default(), TestHost::default()],
        1,
    );
    assert!(!small.unwrap().prefetching());
    assert!(pairs(250, 1).prefetching());
    // Directly joined pairs, then pairs through routers (where the engine also hints the
    // link a packet goes on to, and queues build).
    for routed in [false, true] {
        same_with_and_without_prefetching(routed);
    }
}

fn same_with_and_without_prefetching(routed: bool) {
    let run = |on: bool| {
        let mut sim = pairs_via(60, 5, routed);
        sim.set_prefetch(on);
        sim.run_until(Instant::from_secs(1));
        let received: Vec<_> = sim.hosts().iter().map(|h| h.received.clone()).collect();
        let hints: u64 = sim.hosts().iter().map(|h| h.prefetched.get()).sum();
        let stats: Vec<_> = (0..sim.network().link_count())
            .map(|l| sim.link_stats(LinkId(l as u32)).clone())
            .collect();
        ((received, stats, sim.events_processed()), hints)
    };
    let ((on, hints_on), (off, hints_off)) = (run(true), run(false));
    let delivered: usize = on.0.iter().map(Vec::len).sum();
    assert!(delivered > 10_000, "{delivered} packets delivered");
    assert!(hints_on > 10_000, "{hints_on} hints");
    assert_eq!(hints_off, 0);
    assert_eq!(on, off);
}

/// A load-balancer-like middlebox: packets to the virtual address `V` are sent to `B`
/// (even header) or `C` (odd); packets with header 99 are dropped.
#[derive(Default)]
struct Balancer {
    seen: Vec<(Instant, LinkId, u64)>,
}

const C: Addr = Addr::new(10, 0, 2, 1);
const V: Addr = Addr::new(198, 51, 100, 80);

impl crate::Middlebox<u64> for Balancer {
    fn on_link_exit(&mut self, now: Instant, link: LinkId, pkt: &mut Packet<u64>) -> Verdict {
        self.seen.push((now, link, pkt.header));
        if pkt.header == 99 {
            return Verdict::Drop;
        }
        if pkt.dst == V {
            pkt.dst = if pkt.header % 2 == 0 { B } else { C };
            return Verdict::Reroute;
        }
        Verdict::Forward
    }
}

#[test]
fn a_middlebox_reroutes_packets_to_a_router_address_and_drops_others() {
    // a -> r (1 ms) -> b (2 ms) / c (3 ms), 10 Mbit/s everywhere; r owns V.
    let mut nb = NetworkBuilder::new();
    let hs: Vec<_> = ["a", "b", "c"].iter().map(|n| nb.add_host(n)).collect();
    for (h, addr) in hs.iter().zip([A, B, C]) {
        nb.add_interface(*h, addr).unwrap();
    }
    let r = nb.add_router("r");
    nb.add_router_address(r, V).unwrap();
    assert!(nb.add_router_address(r, B).is_err(), "B is an interface's");
    assert!(nb
        .add_router_address(nb.host_node(hs[0]), Addr::new(1, 1, 1, 1))
        .is_err());
    let node = |nb: &NetworkBuilder, i: usize| Attach::Node(nb.host_node(hs[i]));
    let into_r = nb.add_link(link("ar", node(&nb, 0), Attach::Node(r), 10, 1));
    nb.add_link(link("ra", Attach::Node(r), node(&nb, 0), 10, 1));
    for (i, d) in [(1, 2), (2, 3)] {
        nb.add_link(link(&format!("r{i}"), Attach::Node(r), node(&nb, i), 10, d));
        nb.add_link(link(&format!("{i}r"), node(&nb, i), Attach::Node(r), 10, d));
    }
    let sends = vec![
        (Instant::ZERO, pkt(A, V, 0)),
        (us(10_000), pkt(A, V, 1)),
        (us(20_000), pkt(A, V, 99)),
        (us(30_000), pkt(A, B, 4)),
    ];
    let hosts = vec![
        TestHost::sending(sends),
        TestHost::default(),
        TestHost::default(),
    ];
    let net = nb.build().unwrap();
    let mut sim = Simulator::with_middlebox(net, hosts, 1, Balancer::default()).unwrap();
    sim.attach_middlebox(into_r);
    sim.run_until(Instant::from_secs(1));
    // 1.2 ms per hop of serialization; 1 ms then 2 ms (b) or 3 ms (c) of propagation.
    assert_eq!(
        sim.host(hs[1]).received,
        [(us(5_400), pkt(A, B, 0)), (us(35_400), pkt(A, B, 4)),]
    );
    assert_eq!(sim.host(hs[2]).received, [(us(16_400), pkt(A, C, 1))]);
    assert_eq!(sim.dropped_by_middlebox(), 1);
    let seen: Vec<u64> = sim.middlebox().seen.iter().map(|s| s.2).collect();
    assert_eq!(seen, [0, 1, 99, 4]);
    assert_eq!(sim.middlebox().seen[0], (us(2_200), into_r, 0));
    assert_eq!(sim.unroutable_packets(), 0);
}

#[test]
fn a_packet_to_a_router_address_that_no_middlebox_reroutes_is_dropped_there() {
    let (mut nb, _, ha, _) = pair(link(
        "ab",
        Attach::Node(NodeId(0)),
        Attach::Node(NodeId(0)),
        10,
        5,
    ));
    let r = nb.add_router("r");
    nb.add_router_address(r, V).unwrap();
    let a = Attach::Node(nb.host_node(ha));
    nb.add_link(link("ar", a, Attach::Node(r), 10, 1));
    let hosts = vec![
        TestHost::sending([(Instant::ZERO, pkt(A, V, 0))]),
        TestHost::default(),
    ];
    let mut sim = Simulator::new(nb.build().unwrap(), hosts, 1).unwrap();
    sim.run_until(Instant::from_secs(1));
    assert_eq!(sim.dropped_by_middlebox(), 1);
    assert_eq!(sim.unroutable_packets(), 0);
}
