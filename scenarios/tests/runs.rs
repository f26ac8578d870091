//! Whole-scenario behaviour: determinism, utilization, fairness, conservation of bytes.

use scenarios::plan::{Dir, LinkDirection, LinkIndex};
use scenarios::record::sample::{Metric, Series};
use scenarios::run::{run, RunOutput};
use scenarios::Plan;
use std::path::{Path, PathBuf};

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn run_text(text: &str, seed: Option<u64>) -> RunOutput {
    let plan = scenarios::load_str(Path::new("test.ron"), text, seed).expect("valid scenario");
    run(&plan, |_| {}).expect("runs")
}

fn run_file(name: &str) -> (Plan, RunOutput) {
    let plan = scenarios::load(&shipped(name), None).expect("shipped scenario is valid");
    let out = run(&plan, |_| {}).expect("runs");
    (plan, out)
}

/// The `(time_s, value)` samples of `metric` of the forward direction of link `name`.
fn link_series(plan: &Plan, out: &RunOutput, name: &str, metric: Metric) -> Vec<(f64, f64)> {
    let link = plan
        .links
        .iter()
        .position(|l| l.name == name)
        .expect("link");
    let d = LinkDirection {
        link: LinkIndex(link as u32),
        dir: Dir::Forward,
    };
    out.record.points(Series::Link(d), metric)
}

/// Two hosts, two disjoint lossy paths (one per interface pair); `flows` picks the flows.
fn two_paths(flows: &str, bytes: &str) -> String {
    format!(
        r#"Scenario(
    duration: "20s",
    hosts: [
        Host(name: "a", interfaces: [Interface(name: "p", addr: "10.0.0.1"), Interface(name: "q", addr: "10.0.1.1")]),
        Host(name: "b", interfaces: [Interface(name: "p", addr: "10.1.0.1"), Interface(name: "q", addr: "10.1.1.1")]),
    ],
    links: [
        Link(name: "lp", a: "a.p", b: "b.p", rate: "10Mbps", delay: "10ms", queue: Packets(50), loss: Bernoulli("1%")),
        Link(name: "lq", a: "a.q", b: "b.q", rate: "10Mbps", delay: "15ms", queue: Packets(50), loss: Bernoulli("1%")),
    ],
    flows: [{flows}],
)"#,
        flows = flows.replace("BYTES", bytes)
    )
}

const FLOW_P: &str = r#"Flow(name: "fp", from: "a.p", to: "b.p", app: Bulk(bytes: BYTES)),"#;
const FLOW_Q: &str = r#"Flow(name: "fq", from: "a.q", to: "b.q", app: Bulk(bytes: BYTES)),"#;

#[test]
fn same_seed_gives_identical_bytes_and_another_seed_differs() {
    let text = two_paths(&format!("{FLOW_P}{FLOW_Q}"), "None");
    let a = run_text(&text, Some(7));
    let b = run_text(&text, Some(7));
    let json = |o: &RunOutput| serde_json::to_string_pretty(&o.summary).unwrap();
    assert_eq!(json(&a), json(&b));
    assert_eq!(a.record, b.record);
    let c = run_text(&text, Some(8));
    let losses =
        |o: &RunOutput| -> Vec<u64> { o.summary.links.iter().map(|l| l.dropped_loss).collect() };
    assert_ne!(losses(&a), losses(&c), "another seed draws other losses");
    assert_ne!(a.record.samples, c.record.samples);
}

#[test]
fn adding_a_flow_on_another_path_does_not_change_the_first() {
    let alone = run_text(&two_paths(FLOW_P, "None"), Some(3));
    let both = run_text(&two_paths(&format!("{FLOW_P}{FLOW_Q}"), "None"), Some(3));
    assert_eq!(alone.summary.flows[0], both.summary.flows[0]);
    assert_eq!(alone.summary.links[0], both.summary.links[0]);
    assert!(alone.summary.links[0].dropped_loss > 0);
}

#[test]
fn every_byte_written_is_delivered_once_in_order() {
    let out = run_text(
        &two_paths(&format!("{FLOW_P}{FLOW_Q}"), "\"5MB\""),
        Some(11),
    );
    for f in &out.summary.flows {
        assert_eq!(f.bytes_written, 5_000_000, "{}", f.name);
        assert_eq!(f.bytes_delivered, 5_000_000, "{}", f.name);
        assert!(f.completed_at_s.is_some(), "{}", f.name);
        assert!(f.bytes_retransmitted > 0, "1% loss forces retransmissions");
    }
}

#[test]
fn single_path_fills_the_link_after_slow_start() {
    let (plan, out) = run_file("single-path.ron");
    let thr = link_series(&plan, &out, "path", Metric::ThroughputBps);
    let after: Vec<f64> = thr
        .iter()
        .filter(|(t, _)| *t > 5.0)
        .map(|(_, v)| *v)
        .collect();
    let mean = after.iter().sum::<f64>() / after.len() as f64;
    assert!(
        mean >= 0.95 * 20e6,
        "link utilization after slow start {:.4}",
        mean / 20e6
    );
}

#[test]
fn two_reno_flows_share_a_bottleneck_fairly() {
    let (_, out) = run_file("dumbbell.ron");
    let x: Vec<f64> = out.summary.flows.iter().map(|f| f.goodput_bps).collect();
    let jain =
        x.iter().sum::<f64>().powi(2) / (x.len() as f64 * x.iter().map(|v| v * v).sum::<f64>());
    assert!(jain >= 0.95, "Jain's index {jain:.4} for goodputs {x:?}");
    let total: f64 = x.iter().sum();
    assert!(
        total > 0.9 * 20e6 * 1448.0 / 1500.0,
        "bottleneck used: {total}"
    );
}
