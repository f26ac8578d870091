//! Engine micro-benchmarks: event-queue throughput (events/s) and packet forwarding over one
//! link between two trivial hosts (packets/s).

use criterion::{Criterion, Throughput};
use sim_core::{
    Addr, Attach, Bandwidth, Duration, EventQueue, Framing, Host, HostId, Instant, LinkConfig,
    LinkRate, LossModel, NetworkBuilder, Packet, QueueLimit, Simulator,
};
use std::hint::black_box;

/// Deterministic pseudo-random times (a 64-bit LCG, high bits), spread over 1 s.
fn lcg_times(n: usize, seed: u64) -> Vec<Instant> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            Instant::from_nanos((x >> 34) % 1_000_000_000)
        })
        .collect()
}

/// Push 100k events with pseudo-random times, then pop them all (one element = one event
/// pushed and popped); and the classic "hold" model: a queue of 10k events where each
/// operation pops the earliest and pushes one at a later pseudo-random time.
fn event_queue(c: &mut Criterion) {
    const N: usize = 100_000;
    let times = lcg_times(N, 1);
    let mut g = c.benchmark_group("event_queue");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("push_pop_100k", |b| {
        let mut q = EventQueue::new();
        b.iter(|| {
            for (i, &t) in times.iter().enumerate() {
                q.push(t, i as u32);
            }
            let mut acc = 0u32;
            while let Some((_, e)) = q.pop() {
                acc ^= e;
            }
            black_box(acc)
        })
    });
    let incr = lcg_times(N, 2);
    g.bench_function("hold_10k_queued", |b| {
        let mut q = EventQueue::new();
        for (i, &t) in times.iter().take(10_000).enumerate() {
            q.push(t, i as u32);
        }
        b.iter(|| {
            for &d in &incr {
                let (t, e) = q.pop().expect("queue stays at 10k");
                q.push(t + Duration::from_nanos(d.as_nanos()), e);
            }
            black_box(q.peek_time())
        })
    });
    g.finish();
}

/// A host that either sends `remaining` packets in bursts of `burst` every `gap`, or counts
/// what it receives.
struct Trivial {
    src: Addr,
    dst: Addr,
    remaining: u64,
    burst: u64,
    gap: Duration,
    next: Option<Instant>,
    received: u64,
}

impl Host<u64> for Trivial {
    fn on_packet(&mut self, _: Instant, _: &Packet<u64>, _: &mut Vec<Packet<u64>>) {
        self.received += 1;
    }
    fn on_timeout(&mut self, now: Instant, tx: &mut Vec<Packet<u64>>) {
        if self.next.is_some_and(|t| t > now) {
            return;
        }
        let n = self.burst.min(self.remaining);
        for k in 0..n {
            tx.push(Packet {
                src: self.src,
                dst: self.dst,
                size: 1500,
                header: self.remaining - k,
            });
        }
        self.remaining -= n;
        self.next = (self.remaining > 0).then(|| now + self.gap);
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.next
    }
}

/// Sends `packets` 1500-byte packets over one 10 Gbit/s, 1 ms link, in bursts of 64 paced
/// at the link rate; returns the count received.
fn one_link_run(packets: u64) -> u64 {
    let (a, b) = (Addr::new(10, 0, 0, 1), Addr::new(10, 0, 1, 1));
    let mut nb = NetworkBuilder::new();
    let (ha, hb) = (nb.add_host("a"), nb.add_host("b"));
    let ia = nb.add_interface(ha, a).expect("fresh address");
    let ib = nb.add_interface(hb, b).expect("fresh address");
    let rate = Bandwidth::from_gbps(10);
    nb.add_link(LinkConfig {
        name: "ab".into(),
        from: Attach::Iface(ia),
        to: Attach::Iface(ib),
        rate: LinkRate::Fixed(rate),
        delay: Duration::from_millis(1),
        queue: QueueLimit::Packets(1000),
        loss: LossModel::None,
        jitter: Duration::ZERO,
        framing: Framing::NONE,
    });
    let burst = 64;
    let host = |src, dst, remaining| Trivial {
        src,
        dst,
        remaining,
        burst,
        gap: rate.transmit_time(1500 * burst),
        next: (remaining > 0).then_some(Instant::ZERO),
        received: 0,
    };
    let hosts = vec![host(a, b, packets), host(b, a, 0)];
    let net = nb.build().expect("valid topology");
    let mut sim = Simulator::new(net, hosts, 1).expect("two hosts");
    sim.run_until(Instant::from_secs(3600));
    sim.host(HostId(1)).received
}

/// Packet forwarding over one link: one element = one packet sent and delivered.
fn link_forwarding(c: &mut Criterion) {
    const N: u64 = 100_000;
    assert_eq!(one_link_run(N), N, "every packet is delivered");
    let mut g = c.benchmark_group("link_forwarding");
    g.throughput(Throughput::Elements(N));
    g.bench_function("one_link_100k_packets", |b| {
        b.iter(|| black_box(one_link_run(N)))
    });
    g.finish();
}

/// The engine benchmarks (event queue, link forwarding).
pub(crate) fn benches(c: &mut Criterion) {
    event_queue(c);
    link_forwarding(c);
}
