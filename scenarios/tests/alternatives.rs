//! MPTCP's alternatives in whole scenarios: SCTP failover, Linux bonding, and the transport
//! comparison of `scenarios/compare/failover.ron`.

use scenarios::compare::{run_compare, transport_variant, Comparison};
use scenarios::run::{run, RunOutput};
use std::path::{Path, PathBuf};

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn run_text(text: &str) -> RunOutput {
    let plan = scenarios::load_str(Path::new("test.ron"), text, None).expect("valid scenario");
    run(&plan, |_| {}).expect("runs")
}

/// A client with two 20 Mbit/s access links (10 and `d2` ms) to a router, a server behind
/// it; access1 fails at 5 s; `extra` goes into the scenario (bonds); one flow `transport`.
fn two_access(d2: u32, transport: &str, to: &str, extra: &str, duration: &str) -> String {
    format!(
        r#"Scenario(
    duration: "{duration}",
    hosts: [
        Host(name: "client", interfaces: [
            Interface(name: "p1", addr: "10.0.1.2"), Interface(name: "p2", addr: "10.0.2.2")]),
        Host(name: "server", interfaces: [Interface(name: "eth0", addr: "10.9.0.1")]),
    ],
    routers: ["r"],
    links: [
        Link(name: "access1", a: "client.p1", b: "r", rate: "20Mbps", delay: "10ms"),
        Link(name: "access2", a: "client.p2", b: "r", rate: "20Mbps", delay: "{d2}ms"),
        Link(name: "core", a: "r", b: "server", rate: "1Gbps", delay: "1ms", queue: Packets(1000)),
    ],
    {extra}
    flows: [Flow(name: "f", from: "server", to: "{to}", transport: {transport})],
    events: [Event(at: "5s", link: "access1", action: Down)],
    output: Output(sample_interval: "100ms", plots: false),
)"#
    )
}

#[test]
fn sctp_fails_over_by_its_timers() {
    // Linux's parameters (SCTP-PF): new data moves at the first T3-rtx timeout, after
    // RTO.Min = 1 s.
    let out = run_text(&two_access(
        10,
        "Sctp(defaults: Linux)",
        "client",
        "",
        "20s",
    ));
    let f = &out.summary.flows[0];
    assert_eq!((f.transport.as_str(), f.cc.as_str()), ("sctp", "linux"));
    let ev = &out.summary.events[0].flows[0];
    assert!(ev.stall_s > 1.0 && ev.stall_s < 1.5, "{ev:?}");
    assert!(ev.recovery_s.is_some_and(|r| r < 3.0), "{ev:?}");
    assert_eq!(f.rto_timeouts, 1);
    let states: Vec<(&str, &str)> = (f.subflows.iter())
        .map(|s| (s.label.as_str(), s.state.as_str()))
        .collect();
    // The server opens (it is the sender): paths are labelled by its interface and the
    // client's.
    assert_eq!(
        states,
        [("eth0-p1", "potentially-failed"), ("eth0-p2", "active")]
    );
    // RFC 9260's: the primary stays in use until its sixth (or, when a late SACK cleared
    // the first error, seventh) consecutive timeout, RTO.Min doubled each time up to
    // RTO.Max: 63 s or 123 s.
    let out = run_text(&two_access(10, "Sctp()", "client", "", "140s"));
    let ev = &out.summary.events[0].flows[0];
    let rec = ev.recovery_s.expect("fails over within the run");
    assert!(rec > 60.0 && rec < 130.0, "{ev:?}");
    let p1 = &out.summary.flows[0].subflows[0];
    assert_eq!(p1.state, "inactive");
    // Conservation: what the receiver got is what the sender wrote and had acknowledged.
    let f = &out.summary.flows[0];
    assert!(f.bytes_delivered <= f.bytes_written);
    assert!(f.bytes_delivered + 4 * (1 << 20) >= f.bytes_written);
}

#[test]
fn finite_sctp_transfer_is_delivered_whole_and_shuts_down() {
    let out = run_text(&two_access(10, "Sctp()", "client", "", "6s").replace(
        "transport: Sctp()",
        "transport: Sctp(), app: Bulk(bytes: \"3MB\")",
    ));
    let f = &out.summary.flows[0];
    assert_eq!((f.bytes_written, f.bytes_delivered), (3_000_000, 3_000_000));
    assert!(f.completed_at_s.is_some());
}

/// Twenty SCTP associations (Linux's parameters) between one pair of hosts, started 50 ms
/// apart, through the failure of the first access link at 5 s: each one's timers (T3-rtx
/// moving its data to the second path, delayed SACKs, heartbeats) fire from the host's kept
/// deadlines — an association whose deadline was missed would stall — and every one
/// delivers its 1 MB whole and shuts down. (Under debug assertions each host call also
/// checks the kept deadline against a scan of every association.)
#[test]
fn many_sctp_associations_each_run_on_their_own_timers() {
    let flows: Vec<String> = (0..20)
        .map(|i| {
            format!(
                "Flow(name: \"f{i}\", from: \"server\", to: \"client\", \
                 transport: Sctp(defaults: Linux), app: Bulk(bytes: \"1MB\"), start: \"{}ms\")",
                50 * i
            )
        })
        .collect();
    // Access queues of 1000 packets: no handshake is lost to the twenty starts at once
    // (a lost INIT backs off from Linux's 3 s initial RTO, past the end of the run).
    let text = two_access(10, "Sctp()", "client", "", "20s")
        .replace(
            "flows: [Flow(name: \"f\", from: \"server\", to: \"client\", transport: Sctp())]",
            &format!("flows: [{}]", flows.join(", ")),
        )
        .replace("delay: \"10ms\")", "delay: \"10ms\", queue: Packets(1000))");
    let out = run_text(&text);
    assert_eq!(out.summary.flows.len(), 20);
    for f in &out.summary.flows {
        assert_eq!(
            (f.bytes_written, f.bytes_delivered),
            (1_000_000, 1_000_000),
            "{}",
            f.name
        );
        assert!(f.completed_at_s.is_some(), "{} completes", f.name);
    }
    // Those with data in flight on the failed link recovered it by a T3-rtx timeout.
    assert!(out.summary.flows.iter().any(|f| f.rto_timeouts > 0));
}

/// [`two_access`] with both links on the client's one interface `p1`, bonded by `bond`,
/// and no event.
fn bonded_access(d2: u32, transport: &str, bond: &str, duration: &str) -> String {
    two_access(d2, transport, "client.p1", bond, duration)
        .replace(", Interface(name: \"p2\", addr: \"10.0.2.2\")", "")
        .replace("client.p2", "client.p1")
        .replace(
            "events: [Event(at: \"5s\", link: \"access1\", action: Down)],",
            "",
        )
}

/// One TCP flow (window held under the path's capacity by its receive buffer, so no queue
/// overflows) over a bond of two links with 10 and 14 ms delays: round robin puts
/// consecutive segments on both, so they arrive out of order and trigger fast
/// retransmissions without any loss; the layer3+4 hash keeps the flow on one link.
#[test]
fn bond_round_robin_reorders_and_the_hash_does_not() {
    let run_mode = |mode: &str| {
        let bond =
            format!(r#"bonds: [Bond(name: "b0", links: ["access1", "access2"], mode: {mode})],"#);
        run_text(&bonded_access(14, "Tcp(rcv_buf: \"48KB\")", &bond, "4s"))
    };
    let rr = run_mode("BalanceRr");
    let xor = run_mode("BalanceXor");
    let (frr, fxor) = (&rr.summary.flows[0], &xor.summary.flows[0]);
    let drops = |o: &RunOutput| -> u64 {
        o.summary
            .links
            .iter()
            .map(|l| l.dropped_queue + l.dropped_loss)
            .sum()
    };
    // Both members carry the flow under round robin; one under the hash.
    let used = |o: &RunOutput| {
        (o.summary.links.iter())
            .filter(|l| l.name.starts_with("access") && l.name.ends_with(".rev"))
            .filter(|l| l.delivered_packets > 100)
            .count()
    };
    assert_eq!((used(&rr), used(&xor)), (2, 1));
    assert_eq!((drops(&rr), drops(&xor)), (0, 0));
    assert_eq!((fxor.fast_recoveries, fxor.segments_retransmitted), (0, 0));
    assert!(frr.fast_recoveries > 0, "reordering alone: {frr:?}");
}

#[test]
fn bond_errors_name_the_field() {
    let bad = [
        (
            r#"bonds: [Bond(name: "b", links: ["access1", "nope"])],"#,
            "bonds[0].links[1]",
        ),
        (
            r#"bonds: [Bond(name: "b", links: ["access1", "core"])],"#,
            "bonds[0].links[1]",
        ),
        (
            r#"bonds: [Bond(name: "b", links: ["access1", "access2"], miimon: "0ms")],"#,
            "bonds[0].miimon",
        ),
        (
            r#"bonds: [Bond(name: "b", links: ["access1"])],"#,
            "bonds[0].links",
        ),
        (
            r#"bonds: [Bond(name: "b", links: ["access1", "access2"], primary: Some("access1"))],"#,
            "bonds[0].primary",
        ),
    ];
    for (extra, field) in bad {
        let text = bonded_access(10, "Tcp()", extra, "2s");
        let e = scenarios::load_str(Path::new("t.ron"), &text, None).unwrap_err();
        assert!(e.to_string().contains(field), "{e}");
    }
}

/// The shipped comparison, shortened to 90 s and one seed: who stalls how long when access1
/// fails at 10 s.
#[test]
fn failover_comparison_stall_and_recovery() {
    let names = [
        "mptcp",
        "mptcp-backup",
        "sctp",
        "sctp-linux",
        "bond-ab",
        "tcp",
    ];
    let variants: Vec<_> = names
        .iter()
        .map(|n| {
            transport_variant(n, &[0])
                .unwrap()
                .with("duration", "\"90s\"")
        })
        .collect();
    let file = shipped("compare/failover.ron");
    let cmp: Comparison = run_compare(&file, &variants, &[1], 2, |_, _| {}).unwrap();
    let get = |v: &str| {
        let k = names.iter().position(|n| *n == v).unwrap();
        let r = cmp.runs.iter().find(|r| r.variant == k).unwrap();
        let f = &r.flows[0];
        (f.stall_s.unwrap(), f.recovery_s, f.goodput_bps / 1e6)
    };
    let (stall, rec, _) = get("mptcp");
    assert!(stall < 0.5 && rec.unwrap() < 1.0, "mptcp {stall} {rec:?}");
    let (stall, rec, _) = get("bond-ab");
    assert!(stall < 0.5 && rec.unwrap() < 1.0, "bond {stall} {rec:?}");
    let (stall, rec, _) = get("sctp-linux");
    assert!(
        stall > 1.0 && stall < 2.0 && rec.unwrap() < 5.0,
        "pf {stall} {rec:?}"
    );
    let (stall, rec, _) = get("sctp");
    assert!(stall > 10.0 && rec.unwrap() > 60.0, "rfc {stall} {rec:?}");
    let (stall, rec, g) = get("tcp");
    assert!(
        stall > 79.0 && rec.is_none() && g < 6.0,
        "tcp {stall} {rec:?} {g}"
    );
    let text = cmp.text();
    assert!(text.contains("stall s") && text.contains("never"), "{text}");
}

/// ECMP (scenarios/compare/ecmp.ron, 2 s, seeds 1..=3): single-path TCP flows hashed onto
/// four equal spines collide in some seeds and leave capacity idle; MPTCP with four
/// subflows per connection gets closer to the hosts' 4 x 100 Mbit/s and shares it evenly.
#[test]
fn ecmp_tcp_collides_where_mptcp_subflows_spread() {
    let names = ["tcp", "mptcp"];
    let variants: Vec<_> = (names.iter())
        .map(|n| {
            transport_variant(n, &[0, 1, 2, 3])
                .unwrap()
                .with("duration", "\"2s\"")
        })
        .collect();
    let seeds = [1, 2, 3];
    let cmp = run_compare(
        &shipped("compare/ecmp.ron"),
        &variants,
        &seeds,
        2,
        |_, _| {},
    )
    .unwrap();
    let total = |v: usize| -> Vec<f64> {
        (cmp.runs.iter().filter(|r| r.variant == v))
            .map(|r| r.flows.iter().map(|f| f.goodput_bps / 1e6).sum())
            .collect()
    };
    let (tcp, mptcp) = (total(0), total(1));
    for (t, m) in tcp.iter().zip(&mptcp) {
        assert!(m > t && *m > 340.0, "tcp {tcp:?} mptcp {mptcp:?}");
    }
    // Some seed puts two TCP flows on one spine: a flow at about half a link.
    let slowest = (cmp.runs.iter().filter(|r| r.variant == 0))
        .flat_map(|r| r.flows.iter().map(|f| f.goodput_bps / 1e6))
        .fold(f64::INFINITY, f64::min);
    assert!(slowest < 60.0, "{slowest}");
}
