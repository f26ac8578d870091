//! Cost per simulated packet as a run grows: many flows on one host pair
//! (`scale_flows/<flows>`), many independent host pairs with one flow each
//! (`scale_hostpairs/<pairs>`), many subflows in one MPTCP connection (`scale_subflows/<n>`),
//! and a k = 8 fat tree under a permutation (`scale_fattree/k8_permutation`). Every group sets
//! `Throughput::Elements` to the packet transmissions on links of one run, so criterion
//! reports packets/s; `cargo run --release -p benches --bin bench-report` turns the results
//! into ns per packet against flows (and host pairs) and subflows.
//!
//! The ideal is a flat line: the work per packet should not grow with the flows a host
//! carries, the hosts and links of the network, or the subflows of a connection.

use criterion::{BenchmarkId, Criterion, Throughput};
use scenarios::run::{run, RunOutput};
use std::path::Path;

/// Flow counts of `scale_flows`.
const FLOWS: [usize; 4] = [1, 10, 100, 1000];
/// Host-pair counts of `scale_hostpairs`.
const HOST_PAIRS: [usize; 4] = [1, 10, 100, 1000];
/// Subflow counts of `scale_subflows`.
const SUBFLOWS: [u8; 3] = [2, 8, 32];

/// Packet transmissions on links in a run.
pub(crate) fn packets(out: &RunOutput) -> u64 {
    out.summary.links.iter().map(|l| l.tx_packets).sum()
}

/// Two hosts joined by one 1 Gbit/s, 1 ms link (1000-packet queue) carrying `flows`.
pub(crate) fn pair_scenario(duration: &str, flows: &str) -> String {
    format!(
        r#"Scenario(
    duration: "{duration}",
    hosts: [
        Host(name: "a", interfaces: [Interface(name: "e", addr: "10.0.0.1")]),
        Host(name: "b", interfaces: [Interface(name: "e", addr: "10.0.0.2")]),
    ],
    links: [Link(name: "l", a: "a", b: "b", rate: "1Gbps", delay: "1ms", queue: Packets(1000))],
    flows: [{flows}],
    output: Output(sample_interval: "100ms", timeseries: true, plots: false),
)"#
    )
}

/// `n` bulk TCP (Reno) flows from `a` to `b`.
pub(crate) fn flows_scenario(n: usize) -> String {
    let flows: String = (0..n)
        .map(|i| format!(r#"Flow(name: "f{i}", from: "a", to: "b", transport: Tcp(cc: Reno)),"#))
        .collect();
    pair_scenario("1s", &flows)
}

/// `n` independent host pairs `a{i}` -> `b{i}`, each joined by its own 10 Mbit/s, 1 ms link
/// (100-packet queue) and carrying one bulk TCP (Reno) flow; the same duration for every
/// `n`, so start-up weighs alike in the cost per packet.
pub(crate) fn host_pairs_scenario(n: usize) -> String {
    let mut hosts = String::new();
    let mut links = String::new();
    let mut flows = String::new();
    for i in 0..n {
        let (hi, lo) = (i / 256, i % 256);
        hosts.push_str(&format!(
            r#"Host(name: "a{i}", interfaces: [Interface(name: "e", addr: "10.{hi}.{lo}.1")]),
        Host(name: "b{i}", interfaces: [Interface(name: "e", addr: "10.{}.{lo}.2")]),
        "#,
            100 + hi
        ));
        links.push_str(&format!(
            r#"Link(name: "l{i}", a: "a{i}", b: "b{i}", rate: "10Mbps", delay: "1ms", queue: Packets(100)),
        "#
        ));
        flows.push_str(&format!(
            r#"Flow(name: "f{i}", from: "a{i}", to: "b{i}", transport: Tcp(cc: Reno)),
        "#
        ));
    }
    format!(
        r#"Scenario(
    duration: "1s",
    hosts: [{hosts}],
    links: [{links}],
    flows: [{flows}],
    output: Output(sample_interval: "100ms", timeseries: true, plots: false),
)"#
    )
}

/// One MPTCP-LIA connection from `a` to `b` with `n` subflows (ndiffports).
pub(crate) fn subflows_scenario(n: u8) -> String {
    pair_scenario(
        "1s",
        &format!(
            r#"Flow(name: "mp", from: "a", to: "b",
                transport: Mptcp(cc: Lia, path_manager: NDiffPorts(subflows: {n}), rcv_buf: "16MiB", snd_buf: "16MiB")),"#
        ),
    )
}

fn bench_text(c: &mut Criterion, group: &str, id: BenchmarkId, text: &str, samples: usize) {
    let plan = scenarios::load_str(Path::new("bench.ron"), text, None).expect("valid scenario");
    let first = run(&plan, |_| {}).expect("runs");
    let mut g = c.benchmark_group(group);
    g.sample_size(samples);
    g.throughput(Throughput::Elements(packets(&first)));
    g.bench_function(id, |b| {
        b.iter(|| std::hint::black_box(packets(&run(&plan, |_| {}).expect("runs"))))
    });
    g.finish();
}

/// The scale benchmarks.
pub(crate) fn benches(c: &mut Criterion) {
    for n in FLOWS {
        let id = BenchmarkId::from_parameter(n);
        bench_text(c, "scale_flows", id, &flows_scenario(n), 10);
    }
    for n in HOST_PAIRS {
        let id = BenchmarkId::from_parameter(n);
        bench_text(c, "scale_hostpairs", id, &host_pairs_scenario(n), 10);
    }
    for n in SUBFLOWS {
        let id = BenchmarkId::from_parameter(n);
        bench_text(c, "scale_subflows", id, &subflows_scenario(n), 10);
    }
    let file = benches::scenario("datacenter/fattree-permutation.ron");
    let text = std::fs::read_to_string(&file).expect("shipped scenario");
    let short = text.replace(r#"duration: "5s""#, r#"duration: "100ms""#);
    assert_ne!(short, text, "the fat-tree scenario's duration is set here");
    let id = BenchmarkId::from_parameter("k8_permutation");
    bench_text(c, "scale_fattree", id, &short, 10);
}
