//! Scheduler behaviour in whole scenarios: head-of-line delay on heterogeneous paths with a
//! small receive buffer (BLEST and ECF below minRTT), the redundant scheduler's copies, and
//! backup subflows.

use scenarios::record::memory::Record;
use scenarios::record::sample::{Metric, Series};
use scenarios::run::{run, RunOutput};
use scenarios::summary::FlowSummary;
use std::path::Path;

fn text(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

fn run_text(text: &str, seed: Option<u64>) -> RunOutput {
    let plan = scenarios::load_str(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("test.ron")
            .as_path(),
        text,
        seed,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    run(&plan, |_| {}).expect("runs")
}

/// `heterogeneous-paths.ron` under `sched` with seed `seed`, without time series.
fn heterogeneous(sched: &str, seed: u64) -> FlowSummary {
    let t = text("sched/heterogeneous-paths.ron")
        .replace("scheduler: MinRtt", &format!("scheduler: {sched}"))
        .replace(
            "output: Output(sample_interval: \"100ms\")",
            "output: Output(timeseries: false, plots: false)",
        );
    run_text(&t, Some(seed)).summary.flows[0].clone()
}

#[test]
fn blest_and_ecf_cut_head_of_line_delay_on_heterogeneous_paths() {
    let seeds = 1..=10u64;
    let mut rows = Vec::new();
    for sched in [
        "MinRtt",
        "RoundRobin",
        "Blest",
        "Ecf",
        "Upstream",
        "Redundant",
    ] {
        let (mut p99, mut mean, mut gp) = (0.0, 0.0, 0.0);
        for seed in seeds.clone() {
            let f = heterogeneous(sched, seed);
            let h = f.hol_delay_ms.expect("an MPTCP flow reports HoL delay");
            assert!(h.samples > 0);
            p99 += h.p99 / 10.0;
            mean += h.mean / 10.0;
            gp += f.goodput_bps / 10.0;
        }
        rows.push((sched, p99, mean, gp));
    }
    for (s, p99, mean, gp) in &rows {
        println!(
            "{s:<10} p99 {p99:7.2} ms  mean {mean:6.2} ms  goodput {:.2} Mbit/s",
            gp / 1e6
        );
    }
    let get = |s: &str| rows.iter().find(|r| r.0 == s).unwrap().1;
    assert!(get("Blest") < get("MinRtt"), "{rows:?}");
    assert!(get("Ecf") < get("MinRtt"), "{rows:?}");
    // Round-robin spreads data evenly regardless of RTT: BLEST and ECF beat it too. It is
    // not reliably worse than minRTT here: with a 30-packet Wi-Fi queue minRTT fills the
    // Wi-Fi window and overflows to LTE as well (p99 over seeds 1..=10: minRTT 172 ms,
    // round-robin 154 ms with Linux's fast-recovery window; 153 / 155 ms when the ACK
    // ending recovery did not count for window growth).
    assert!(get("Blest") < get("RoundRobin"), "{rows:?}");
    assert!(get("Ecf") < get("RoundRobin"), "{rows:?}");
}

const TWO_EQUAL_PATHS: &str = r#"Scenario(
    duration: "20s",
    hosts: [
        Host(name: "c", interfaces: [Interface(name: "a", addr: "10.0.1.1"), Interface(name: "b", addr: "10.0.2.1")]),
        Host(name: "s", interfaces: [Interface(name: "eth0", addr: "10.9.0.1")]),
    ],
    routers: ["r"],
    links: [
        Link(name: "a", a: "c.a", b: "r", rate: "20Mbps", delay: "10ms", jitter: "1ms", queue: Packets(50)),
        Link(name: "b", a: "c.b", b: "r", rate: "20Mbps", delay: "12ms", jitter: "1ms", queue: Packets(50)),
        Link(name: "core", a: "r", b: "s", rate: "1Gbps", delay: "1ms"),
    ],
    flows: [
        Flow(name: "f", from: "c.a", to: "s", transport: Mptcp(cc: Lia, scheduler: SCHED), app: Bulk(bytes: "5MB")),
    ],
    EVENTS
    output: Output(timeseries: false, plots: false),
)"#;

#[test]
fn redundant_sends_every_byte_on_every_subflow_and_delivers_it_once() {
    let t = TWO_EQUAL_PATHS
        .replace("SCHED", "Redundant")
        .replace("EVENTS", "");
    let out = run_text(&t, None);
    let f = &out.summary.flows[0];
    assert_eq!(f.bytes_written, 5_000_000);
    assert_eq!(f.bytes_delivered, 5_000_000);
    assert!(f.completed_at_s.is_some());
    assert_eq!(f.subflows.len(), 2);
    // Every byte on the initial subflow; on the joined one every byte not already
    // data-acknowledged when it joined (copies of acknowledged data are skipped).
    assert!(
        f.subflows[0].data_bytes_sent >= 5_000_000,
        "{:?}",
        f.subflows
    );
    assert!(
        f.subflows[1].data_bytes_sent >= 4_900_000,
        "{:?}",
        f.subflows
    );
    // The second copy of every byte is redundant, and wasted at the receiver.
    let red = f.redundant_bytes.unwrap();
    assert!(red >= 4_800_000, "redundant {red}");
    let wasted = f.wasted_bytes.unwrap();
    assert!(
        wasted >= red - 100_000,
        "wasted {wasted} vs redundant {red}"
    );
    // Other schedulers send each byte once (no loss on these paths).
    let t = TWO_EQUAL_PATHS
        .replace("SCHED", "MinRtt")
        .replace("EVENTS", "");
    let f = run_text(&t, None).summary.flows[0].clone();
    assert_eq!(f.redundant_bytes, Some(0));
    assert_eq!(f.bytes_sent, 5_000_000);
}

/// Bytes the data sender put on the subflows labelled `label` in `(from, to]` s, from their
/// `throughput_bps` samples (every 100 ms).
fn label_bytes(rec: &Record, label: &str, from: f64, to: f64) -> f64 {
    (rec.subflows.iter())
        .filter(|s| s.label == label)
        .flat_map(|s| rec.points(Series::Subflow(s.flow, s.key), Metric::ThroughputBps))
        .filter(|(t, _)| *t > from && *t <= to)
        .map(|(_, bps)| bps * 0.1 / 8.0)
        .sum()
}

#[test]
fn mp_prio_backup_idles_until_the_last_regular_subflow_fails() {
    // A download (the server sends): at 2 s the client marks interface b a backup, which
    // the server learns from MP_PRIO; at 6 s interface a fails.
    let t = TWO_EQUAL_PATHS
        .replace("SCHED", "MinRtt")
        .replace(
            "from: \"c.a\", to: \"s\",",
            "from: \"s\", to: \"c.a\", opener: Receiver,",
        )
        .replace("app: Bulk(bytes: \"5MB\")", "app: Bulk()")
        .replace("duration: \"20s\"", "duration: \"10s\"")
        .replace(
            "EVENTS",
            r#"events: [
        Event(at: "2s", link: "b", action: SetBackup(true)),
        Event(at: "6s", link: "a", action: Down),
    ],"#,
        )
        .replace(
            "output: Output(timeseries: false, plots: false)",
            "output: Output(sample_interval: \"100ms\", plots: false)",
        );
    let out = run_text(&t, None);
    let f = &out.summary.flows[0];
    let b = f
        .subflows
        .iter()
        .find(|s| s.label == "b")
        .expect("subflow b");
    assert!(
        b.backup,
        "the sender learnt the backup flag from MP_PRIO: {b:?}"
    );
    let ts = &out.record;
    assert!(
        label_bytes(ts, "b", 0.5, 2.0) > 500_000.0,
        "b carries data before"
    );
    // Within an RTT of the MP_PRIO the sender stops using b; nothing while a works.
    assert_eq!(label_bytes(ts, "b", 2.2, 6.0), 0.0);
    assert!(label_bytes(ts, "a", 2.2, 6.0) > 5_000_000.0);
    // a fails at 6 s: b carries the data once a's retransmission timer fired: first a tail
    // loss probe (RACK-TLP, 2·SRTT + 2 ms), then the RTO from the probe (min RTO 200 ms;
    // sampled at 100 ms).
    assert!(
        label_bytes(ts, "b", 6.0, 6.4) > 100_000.0,
        "backup takes over"
    );
    assert!(f.bytes_delivered > 15_000_000);
}

/// `sched/handover-modes.ron` under `mode`: MB sent on (Wi-Fi, LTE) in `[from, to)` s.
fn mode_bytes(mode: &str) -> impl Fn(f64, f64) -> (f64, f64) {
    let t = text("sched/handover-modes.ron")
        .replace("mode: Some(Handover())", &format!("mode: Some({mode})"))
        .replace(
            "output: Output(sample_interval: \"100ms\")",
            "output: Output(sample_interval: \"100ms\", plots: false)",
        );
    let ts = run_text(&t, None).record;
    move |a, z| {
        (
            label_bytes(&ts, "wifi", a, z) / 1e6,
            label_bytes(&ts, "lte", a, z) / 1e6,
        )
    }
}

#[test]
fn service_modes_behave_as_defined() {
    // Phases: 0-4 s both fine, 4-8 s Wi-Fi degraded (RTT > 300 ms), 8-12 s Wi-Fi down.
    let h = mode_bytes("Handover()");
    assert_eq!(
        h(0.0, 4.0).1,
        0.0,
        "handover: nothing on LTE before Wi-Fi degrades"
    );
    assert!(h(0.0, 4.0).0 > 8.0);
    assert!(
        h(4.5, 8.0).1 > 3.0,
        "degraded Wi-Fi: LTE used {:?}",
        h(4.5, 8.0)
    );
    assert!(h(8.5, 12.0).1 > 3.0, "Wi-Fi down: LTE carries the data");
    let s = mode_bytes("ActiveStandby");
    assert_eq!(
        s(0.0, 8.0).1,
        0.0,
        "active-standby: LTE idle until Wi-Fi fails"
    );
    assert!(s(8.5, 12.0).1 > 3.0);
    let a = mode_bytes("Aggregate");
    assert!(
        a(0.0, 4.0).1 > 3.0 && a(0.0, 4.0).0 > 8.0,
        "aggregate: both"
    );
    let d = mode_bytes("SmallestDelay");
    assert_eq!(
        d(0.0, 4.0).1,
        0.0,
        "smallest delay: Wi-Fi only while it is faster"
    );
    let (w, l) = d(4.5, 8.0);
    assert!(
        w < 0.05 && l > 3.0,
        "smallest delay: LTE only once Wi-Fi is slower ({w}, {l})"
    );
    let lb = mode_bytes("LoadBalancing(first_percent: 80)");
    let (w, l) = lb(0.0, 4.0);
    let share = w / (w + l);
    assert!((share - 0.8).abs() < 0.03, "load-balancing 80 %: {share}");
    let p = mode_bytes("PriorityBased");
    let (w, l) = p(0.0, 4.0);
    assert!(
        w > 8.0 && l > 0.0,
        "priority: Wi-Fi full, overflow on LTE ({w}, {l})"
    );
}

#[test]
fn ndiffports_opens_n_subflows_over_one_address_pair() {
    let t = TWO_EQUAL_PATHS
        .replace("SCHED", "MinRtt, path_manager: NDiffPorts(subflows: 3)")
        .replace("EVENTS", "");
    let f = run_text(&t, None).summary.flows[0].clone();
    assert_eq!(f.subflows.len(), 3, "{:?}", f.subflows);
    assert!(f.subflows.iter().all(|s| s.label == "a"));
    let ports: std::collections::BTreeSet<_> = f.subflows.iter().map(|s| &s.local).collect();
    assert_eq!(ports.len(), 3, "distinct source ports");
    assert!(f.subflows.iter().all(|s| s.data_bytes_sent > 0));
    assert_eq!(f.bytes_delivered, 5_000_000);
}

#[test]
fn in_kernel_path_manager_follows_endpoints_and_limits() {
    let pm = |pm: &str| {
        let t = TWO_EQUAL_PATHS
            .replace("SCHED", &format!("MinRtt, path_manager: {pm}"))
            .replace("EVENTS", "");
        run_text(&t, None).summary.flows[0].clone()
    };
    // No endpoints (the Linux default): the initial subflow only.
    assert_eq!(pm("InKernel()").subflows.len(), 1);
    // A `subflow` + `backup` endpoint on interface b: a backup subflow that idles.
    let f = pm(r#"InKernel(endpoints: [Endpoint(iface: "c.b", subflow: true, backup: true)])"#);
    assert_eq!(f.subflows.len(), 2, "{:?}", f.subflows);
    assert!(f.subflows[1].backup && f.subflows[1].data_bytes_sent == 0);
    // Limit 0: no extra subflow.
    let f = pm(r#"InKernel(subflows: 0, endpoints: [Endpoint(iface: "c.b", subflow: true)])"#);
    assert_eq!(f.subflows.len(), 1);
}

fn sched_run(file: &str, sched: &str) -> FlowSummary {
    let t = text(file)
        .replace("scheduler: MinRtt", &format!("scheduler: {sched}"))
        .replace(
            "output: Output(sample_interval: \"100ms\")",
            "output: Output(timeseries: false, plots: false)",
        );
    run_text(&t, None).summary.flows[0].clone()
}

#[test]
fn paced_applications_report_completion_times() {
    // 4 Mbit/s video, 20 kB frames every 40 ms for 20 s: every frame arrives, and minRTT
    // keeps it on Wi-Fi (one-way 10 ms + 8 ms of transmission).
    let f = sched_run("sched/streaming.ron", "MinRtt");
    let fct = f.fct_ms.expect("frame delays");
    assert_eq!((fct.sent, fct.completed), (500, 500));
    assert!(fct.p50 < 25.0, "{fct:?}");
    assert_eq!(f.bytes_delivered, 10_000_000);
    // Round-robin puts every other segment on LTE: frames wait for it.
    let rr = sched_run("sched/streaming.ron", "RoundRobin")
        .fct_ms
        .unwrap();
    assert!(rr.p50 > fct.p50 + 40.0, "{rr:?}");
    // 150 responses of 100 kB: all complete; ECF (waiting for Wi-Fi) beats minRTT.
    let m = sched_run("sched/short-flows.ron", "MinRtt").fct_ms.unwrap();
    let e = sched_run("sched/short-flows.ron", "Ecf").fct_ms.unwrap();
    assert_eq!((m.sent, m.completed, e.completed), (150, 150, 150));
    assert!(e.mean < m.mean, "ECF {e:?} vs minRTT {m:?}");
}
