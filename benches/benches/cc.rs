//! Per-ACK cost of each congestion controller in congestion avoidance with 2, 8 and 32
//! subflows (the coupling view holds the other n − 1). One element = one ACK.

use criterion::{Criterion, Throughput};
use mptcp_model::cc::{AckSample, Cc, CcKind, CcMode, CongestionController, Coupling, SubflowView};
use sim_core::{Duration, Instant};
use std::hint::black_box;

const SMSS: u64 = 1448;
const ACKS: u64 = 1000;

const KINDS: [(&str, CcKind); 9] = [
    ("reno", CcKind::Reno),
    ("cubic", CcKind::Cubic),
    ("lia", CcKind::Lia),
    ("lia-linux", CcKind::LiaLinux),
    ("olia", CcKind::Olia(CcMode::Paper)),
    ("olia-linux", CcKind::Olia(CcMode::Linux)),
    ("balia", CcKind::Balia(CcMode::Paper)),
    ("balia-linux", CcKind::Balia(CcMode::Linux)),
    ("wvegas", CcKind::WVegas),
];

/// The other `n − 1` subflows: windows of 20–80 segments, RTTs 10–80 ms, some with losses.
fn others(n: usize) -> Vec<SubflowView> {
    (1..n as u64)
        .map(|k| SubflowView {
            cwnd: (20 + (k * 7) % 60) * SMSS,
            srtt: Some(Duration::from_millis(10 + (k * 13) % 70)),
            bytes_in_flight: 20 * SMSS,
            smss: SMSS,
            ssthresh: 30 * SMSS,
            in_recovery: k % 5 == 0,
            loss_interval: 100_000 * k,
        })
        .collect()
}

fn per_ack(c: &mut Criterion) {
    let mut g = c.benchmark_group("cc_per_ack");
    g.throughput(Throughput::Elements(ACKS));
    for n in [2usize, 8, 32] {
        let views = others(n);
        let coupling = Coupling { others: &views };
        for (name, kind) in KINDS {
            let mut base = Cc::new(kind, SMSS, 10 * SMSS);
            // Into congestion avoidance at 40 segments.
            base.on_congestion_event(Instant::ZERO, 80 * SMSS, &coupling);
            g.bench_function(format!("{name}/{n}"), |b| {
                b.iter(|| {
                    let mut cc = base.clone();
                    for i in 0..ACKS {
                        let rtt = Duration::from_micros(20_000 + (i % 17) * 100);
                        let a = AckSample {
                            now: Instant::from_nanos(i * 100_000),
                            acked_bytes: SMSS,
                            rtt: Some(rtt),
                            srtt: Some(rtt),
                            bytes_in_flight: 40 * SMSS,
                            cwnd_limited: true,
                            snd_una: 0,
                            snd_nxt: 0,
                        };
                        cc.on_ack(&a, black_box(&coupling));
                    }
                    black_box(cc.window())
                })
            });
        }
    }
    g.finish();
}

pub(crate) fn benches(c: &mut Criterion) {
    per_ack(c);
}
