//! Bonds in the engine: round robin reorders one flow, the layer3+4 hash keeps a flow on one
//! member, active-backup fails over at the MII tick after the carrier is lost.

use crate::*;
use std::collections::VecDeque;

/// A header with a flow's ports and a sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct H {
    sport: u16,
    seq: u32,
}

impl FlowKey for H {
    fn flow_ports(&self) -> (u16, u16) {
        (self.sport, 80)
    }
}

#[derive(Default)]
struct Node {
    script: VecDeque<(Instant, Packet<H>)>,
    got: Vec<(Instant, H)>,
    iface_events: usize,
}

impl Host<H> for Node {
    fn on_packet(&mut self, now: Instant, pkt: &Packet<H>, _: &mut Vec<Packet<H>>) {
        self.got.push((now, pkt.header));
    }
    fn on_timeout(&mut self, now: Instant, tx: &mut Vec<Packet<H>>) {
        while self.script.front().is_some_and(|(t, _)| *t <= now) {
            tx.extend(self.script.pop_front().map(|(_, p)| p));
        }
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.script.front().map(|(t, _)| *t)
    }
    fn on_interface_change(&mut self, _: Instant, _: Addr, _: bool, _: &mut Vec<Packet<H>>) {
        self.iface_events += 1;
    }
}

const A: Addr = Addr::new(10, 0, 0, 1);
const B: Addr = Addr::new(10, 0, 0, 2);

/// Hosts a and b joined by two parallel one-way links a -> b (10 Mbit/s, delays 1 and
/// `delay2` ms) bonded with `mode`; a sends `script`.
fn bonded(mode: BondMode, delay2: u64, script: Vec<(Instant, Packet<H>)>) -> Simulator<H, Node> {
    let mut nb = NetworkBuilder::new();
    let (ha, hb) = (nb.add_host("a"), nb.add_host("b"));
    let ia = nb.add_interface(ha, A).unwrap();
    let ib = nb.add_interface(hb, B).unwrap();
    let mut members = Vec::new();
    for (k, d) in [1, delay2].into_iter().enumerate() {
        members.push(nb.add_link(LinkConfig {
            name: format!("m{k}"),
            from: Attach::Iface(ia),
            to: Attach::Iface(ib),
            rate: LinkRate::Fixed(Bandwidth::from_mbps(10)),
            delay: Duration::from_millis(d),
            queue: QueueLimit::Packets(1000),
            loss: LossModel::None,
            jitter: Duration::ZERO,
            framing: Framing::NONE,
        }));
    }
    nb.add_bond(BondConfig {
        name: "bond0".into(),
        members,
        mode,
        miimon: Duration::from_millis(100),
        updelay: Duration::ZERO,
        downdelay: Duration::ZERO,
    });
    let hosts = vec![
        Node {
            script: script.into(),
            ..Node::default()
        },
        Node::default(),
    ];
    let mut sim = Simulator::new(nb.build().unwrap(), hosts, 1).unwrap();
    sim.wake_host(HostId(0), Instant::ZERO);
    sim
}

fn every_ms(n: u32, flows: u16) -> Vec<(Instant, Packet<H>)> {
    (0..n)
        .map(|k| {
            let h = H {
                sport: 40000 + (k as u16 % flows),
                seq: k,
            };
            let p = Packet {
                src: A,
                dst: B,
                size: 1000,
                header: h,
            };
            (Instant::from_millis(u64::from(k)), p)
        })
        .collect()
}

fn sent_on(sim: &Simulator<H, Node>) -> [u64; 2] {
    [0, 1].map(|k| sim.link_stats(LinkId(k)).tx_packets)
}

#[test]
fn round_robin_spreads_one_flow_and_reorders_it() {
    let mut sim = bonded(BondMode::RoundRobin, 3, every_ms(100, 1));
    sim.run_until(Instant::from_secs(1));
    assert_eq!(sent_on(&sim), [50, 50]);
    let seqs: Vec<u32> = sim.host(HostId(1)).got.iter().map(|g| g.1.seq).collect();
    assert_eq!(seqs.len(), 100);
    // Odd packets take the 3 ms member: each arrives after the next even one (sent 1 ms
    // later over the 1 ms member): 49 of them are overtaken.
    let mut highest = 0;
    let late = seqs
        .iter()
        .filter(|&&s| {
            let l = s < highest;
            highest = highest.max(s);
            l
        })
        .count();
    assert_eq!(late, 49);
}

#[test]
fn layer34_hash_keeps_each_flow_on_one_member() {
    let mut sim = bonded(BondMode::Xor, 3, every_ms(20, 1));
    sim.run_until(Instant::from_secs(1));
    let on = sent_on(&sim);
    let want = bond::layer34_hash(A, B, (40000, 80)) as usize % 2;
    assert_eq!(on[want], 20);
    assert_eq!(on[1 - want], 0);
    // Eight flows: each flow's packets arrive in order (one member each), and the members
    // carry what the hash says.
    let mut sim = bonded(BondMode::Lacp, 3, every_ms(160, 8));
    sim.run_until(Instant::from_secs(1));
    let got = &sim.host(HostId(1)).got;
    for f in 0..8u16 {
        let seqs: Vec<u32> = (got.iter())
            .filter(|g| g.1.sport == 40000 + f)
            .map(|g| g.1.seq)
            .collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "flow {f}: {seqs:?}");
    }
    let on_first: u64 = (0..8u16)
        .filter(|&f| bond::layer34_hash(A, B, (40000 + f, 80)) % 2 == 0)
        .count() as u64
        * 20;
    assert_eq!(sent_on(&sim), [on_first, 160 - on_first]);
}

#[test]
fn active_backup_fails_over_at_the_next_mii_tick() {
    let mut sim = bonded(
        BondMode::ActiveBackup { primary: Some(0) },
        1,
        every_ms(400, 1),
    );
    // The active member loses its carrier at 150.5 ms; the bond notices at the 200 ms tick.
    sim.schedule_link_change(Instant::from_micros(150_500), LinkId(0), LinkChange::Down);
    sim.run_until(Instant::from_secs(1));
    let st0 = sim.link_stats(LinkId(0));
    // Packets 0..=150 went out before the failure (151; 149 and 150, still on the wire,
    // are lost with it), 151..=199 were put on the dead member (49 refused), 200.. on the
    // backup.
    assert_eq!(st0.tx_packets, 151);
    assert_eq!(st0.dropped_down, 2 + 49);
    assert_eq!(sim.link_stats(LinkId(1)).tx_packets, 200);
    assert_eq!(sim.host(HostId(1)).got.len(), 149 + 200);
    // The bond kept its carrier: the hosts heard nothing.
    assert_eq!(sim.host(HostId(0)).iface_events, 0);
}
