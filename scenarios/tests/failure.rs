//! The shipped failure scenarios (`scenarios/failure/`): the Wi-Fi/LTE handover on an
//! interface-down event (notified and silent), joins through a load balancer without and
//! with the `C` flag remedy, and a join through a NAT. The `mptcp_join.sh` catalogue is in
//! `catalogue.rs`.

use scenarios::plan::FlowIndex;
use scenarios::record::sample::{Metric, Series};
use scenarios::run::{run, FlowSummary, RunOutput};
use std::path::Path;

fn run_file(name: &str) -> RunOutput {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    let plan = scenarios::load(&path, None).expect("shipped scenario is valid");
    run(&plan, |_| {}).expect("runs")
}

/// The smoothed RTT (ms) of subflow `label` of the first flow at `at_s` seconds, from the
/// run's in-memory record.
fn subflow_srtt_ms(out: &RunOutput, label: &str, at_s: f64) -> f64 {
    let flow = FlowIndex(0);
    let key = (out.record.subflow_labelled(flow, label)).expect("the subflow exists");
    let points = out
        .record
        .points(Series::Subflow(flow, key), Metric::SrttMs);
    (points.into_iter())
        .find_map(|(t, v)| (t == at_s).then_some(v))
        .unwrap_or_else(|| panic!("no srtt of {label} at {at_s} s"))
}

#[test]
fn interface_down_handover_resumes_within_two_lte_rtts_without_wifi_rto() {
    let out = run_file("failure/handover-interface-down.ron");
    let s = &out.summary;
    let down = &s.events[0];
    assert_eq!((down.time_s, down.action.as_str()), (5.0, "down"));
    let stall = down.flows[0].stall_s;
    // RFC 8684 §3.4.2: the phone's REMOVE_ADDR goes up LTE, the server reinjects the Wi-Fi
    // subflow's data on LTE at once: one LTE round trip (82 ms of propagation here).
    let lte_rtt_ms = subflow_srtt_ms(&out, "lte", 5.0);
    let bound = (2.0 * lte_rtt_ms + 50.0) / 1000.0;
    assert!(stall <= bound, "stall {stall} s, bound {bound} s");
    // About one LTE round trip: the reinjected data arrives 2 × 41 ms of propagation plus
    // serialization after the down; the gap before it begins with the last in-order delivery
    // of data already on its way (here 9 ms after the down: delivery stops at 5.009 s and
    // resumes at 5.089 s, at 1 ms sampling), so it may be shorter than the round trip.
    assert!((0.072..0.090).contains(&stall), "{stall}");
    // The Wi-Fi subflow is closed by the REMOVE_ADDR, never by its retransmission timer.
    let f = &s.flows[0];
    let wifi = &f.subflows[0];
    assert_eq!(
        (wifi.label.as_str(), wifi.state.as_str()),
        ("wifi", "closed")
    );
    assert_eq!(wifi.rto_timeouts, 0);
    // The phone withdrew the address (REMOVE_ADDR, the subflow closed), the server reset
    // its Wi-Fi subflow at once and reinjected its data.
    assert_eq!(
        counters(&out, "phone"),
        named(&[
            ("MPCapableSYNTX", 1),
            ("MPCapableSYNACKRX", 1),
            ("MPJoinSynAckRx", 2),
            ("MPJoinSynTx", 2),
            ("RmAddrTx", 1),
            ("RmSubflow", 1),
        ])
    );
    assert_eq!(
        counters(&out, "server"),
        named(&[
            ("MPCapableSYNRX", 1),
            ("MPCapableACKRX", 1),
            ("MPTCPRetrans", 61),
            ("MPJoinSynRx", 2),
            ("MPJoinAckRx", 2),
            ("RmAddr", 1),
            ("MPRstTx", 1),
        ])
    );
    // Wi-Fi is joined again when it returns at 8 s.
    assert_eq!(f.subflows.len(), 3);
    assert_eq!(f.subflows[2].label, "wifi");
    assert!(f.subflows[2].established_s.unwrap() > 8.0);
}

#[test]
fn a_silent_interface_failure_is_found_by_timeouts_and_survived() {
    // The same handover, but the Wi-Fi link dies without the phone noticing (a black hole,
    // `notify: false`): no REMOVE_ADDR; the server finds it by its retransmission timeout
    // (`fail_after_rtos: 1`), reinjects on LTE, and uses Wi-Fi again once it carries
    // segments again (the Up is not announced either).
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("failure/handover-interface-down.ron");
    let text = std::fs::read_to_string(&path).unwrap();
    let silent = text.replace("action: Down),", "action: Down, notify: false),");
    assert_ne!(silent, text);
    let plan = scenarios::load_str(&path, &silent, None).expect("valid");
    let out = run(&plan, |_| {}).expect("runs");
    let s = &out.summary;
    let stall = s.events[0].flows[0].stall_s;
    assert!(stall > 0.2, "{stall}: an RTO (at least 200 ms) is needed");
    let f = &s.flows[0];
    assert_eq!(
        f.subflows.len(),
        2,
        "no new join: the subflow was never abandoned"
    );
    let wifi = &f.subflows[0];
    assert!(wifi.rto_timeouts >= 1);
    assert_eq!(wifi.state, "established", "back in use after the Up");
    assert!(f.reinjected_bytes.unwrap() > 0);
}

/// `(name, value)` of the nonzero MPTcpExt counters of host `host`.
fn counters(out: &RunOutput, host: &str) -> Vec<(String, u64)> {
    let h = out.summary.hosts.iter().find(|h| h.name == host);
    h.map_or_else(Vec::new, |h| h.mptcp_ext.0.clone())
}

fn named(c: &[(&str, u64)]) -> Vec<(String, u64)> {
    c.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect()
}

#[test]
fn a_load_balancer_refuses_joins_hashed_to_the_other_server_unless_the_c_flag_is_set() {
    let out = run_file("failure/load-balancer.ron");
    let s = &out.summary;
    let (plain, remedy) = (&s.flows[0], &s.flows[1]);
    // Both connections landed on server1; the plain flow's LTE join was hashed to server2,
    // which knows no connection with its token: refused with a RST (RFC 8684 §3.2).
    assert_eq!(plain.from, "203.0.113.11");
    let labels = |f: &FlowSummary| -> Vec<(String, String)> {
        (f.subflows.iter())
            .map(|x| (x.label.clone(), x.local.clone()))
            .collect()
    };
    assert_eq!(labels(plain), [("wifi".into(), "203.0.113.11:5000".into())]);
    // With the C flag no join goes to the virtual address; the server's own address,
    // announced with ADD_ADDR, is joined from both interfaces, on the same server.
    assert_eq!(remedy.from, "203.0.113.11");
    assert_eq!(
        labels(remedy),
        [
            ("wifi".into(), "203.0.113.11:5001".into()),
            ("wifi".into(), "203.0.113.11:5001".into()),
            ("lte".into(), "203.0.113.11:5001".into()),
        ]
    );
    assert!(remedy.subflows.iter().all(|x| x.state == "established"));
    assert!(remedy.bytes_delivered > plain.bytes_delivered * 13 / 10);
    assert_eq!(
        counters(&out, "phone"),
        named(&[
            ("MPCapableSYNTX", 2),
            ("MPCapableSYNACKRX", 2),
            ("MPJoinSynAckRx", 2),
            ("MPJoinSynTx", 3),
            ("AddAddr", 1),
            ("EchoAddTx", 1),
            ("MPRstRx", 1),
        ])
    );
    assert_eq!(
        counters(&out, "server1"),
        named(&[
            ("MPCapableSYNRX", 2),
            ("MPCapableACKRX", 2),
            ("MPJoinSynRx", 2),
            ("MPJoinAckRx", 2),
            ("AddAddrTx", 1),
            ("EchoAdd", 1),
        ])
    );
    assert_eq!(
        counters(&out, "server2"),
        named(&[
            ("MPJoinNoTokenFound", 1),
            ("MPJoinSynRx", 1),
            ("MPRstTx", 1),
        ])
    );
    let lb = &s.middleboxes[0];
    assert_eq!((lb.name.as_str(), lb.dropped), ("lb", 0));
    assert!(lb.changed > 0 && lb.changed < lb.seen);
}

const NAT_SCENARIO: &str = r#"Scenario(
    duration: "4s",
    hosts: [
        Host(name: "phone", interfaces: [
            Interface(name: "wifi", addr: "192.168.1.10"),
            Interface(name: "lte", addr: "10.64.0.10"),
        ]),
        Host(name: "server", interfaces: [Interface(name: "eth0", addr: "203.0.113.1")]),
    ],
    routers: ["home", "internet"],
    links: [
        Link(name: "wifi", a: "phone.wifi", b: "home", rate: "20Mbps", delay: "10ms"),
        Link(name: "uplink", a: "home", b: "internet", rate: "100Mbps", delay: "2ms"),
        Link(name: "lte", a: "phone.lte", b: "internet", rate: "10Mbps", delay: "40ms"),
        Link(name: "core", a: "internet", b: "server", rate: "1Gbps", delay: "1ms"),
    ],
    middleboxes: [
        Middlebox(name: "nat", at: "home", kind: Nat(public: "198.51.100.7", inside: ["phone.wifi"])),
    ],
    flows: [
        Flow(name: "download", from: "server", to: "phone.lte", opener: Receiver,
             app: Bulk(bytes: "2MB"), transport: Mptcp()),
    ],
    output: Output(sample_interval: "100ms", plots: false),
)
"#;

#[test]
fn a_join_through_a_nat_comes_from_the_public_address_and_is_accepted() {
    // The Wi-Fi join leaves the home router as 198.51.100.7:61000 (the NAT's first port);
    // the server knows the connection by its token, not by the address (RFC 8684 §3.2).
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("failure/nat.ron");
    let plan = scenarios::load_str(&path, NAT_SCENARIO, None).expect("valid");
    let out = run(&plan, |_| {}).expect("runs");
    let f = &out.summary.flows[0];
    let ends: Vec<(&str, &str)> = (f.subflows.iter())
        .map(|x| (x.local.as_str(), x.remote.as_str()))
        .collect();
    assert_eq!(
        ends,
        [
            ("203.0.113.1:5000", "10.64.0.10:49152"),
            ("203.0.113.1:5000", "198.51.100.7:61000"),
        ]
    );
    assert_eq!(f.bytes_delivered, 2_000_000);
    assert!(f.subflows.iter().all(|x| x.data_bytes_sent > 0));
    assert_eq!(
        counters(&out, "server"),
        named(&[
            ("MPCapableSYNRX", 1),
            ("MPCapableACKRX", 1),
            ("MPJoinSynRx", 1),
            ("MPJoinAckRx", 1),
        ])
    );
    let nat = &out.summary.middleboxes[0];
    assert_eq!((nat.seen, nat.changed, nat.dropped), (1519, 1519, 0));
    assert_eq!(out.summary.unroutable_packets, 0);
}

/// Runs shipped scenario `file` with `from` replaced by `to`.
fn run_variant(file: &str, from: &str, to: &str) -> RunOutput {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} lacks {from}");
    let plan = scenarios::load_str(&path, &text.replacen(from, to, 1), None).expect("valid");
    run(&plan, |_| {}).expect("runs")
}

#[test]
fn options_stripped_or_rewritten_on_data_make_the_only_subflow_fall_back() {
    // RFC 8684 §3.7: DSS options removed from the client's data: the server takes the data
    // as TCP (no DATA_ACKs from then on) and the client falls back when its data is
    // acknowledged without one.
    let (file, box_kind) = (
        "failure/fail-infinite-map.ron",
        "RewritePayload(first: 100)",
    );
    let out = run_variant(file, box_kind, "StripOptions([Dss])");
    let f = &out.summary.flows[0];
    assert_eq!(f.fallback.as_deref(), Some("ack_without_data_ack"));
    assert_eq!(f.bytes_delivered, 4_000_000);
    let mpc_server = [("MPCapableSYNRX", 1), ("MPCapableACKRX", 1)];
    assert_eq!(counters(&out, "server"), named(&mpc_server));
    assert_eq!(out.summary.middleboxes[0].changed, 9);
    // A rewritten subflow sequence number: the mapping does not cover its segment.
    let out = run_variant(file, box_kind, "RewriteOption(DssSubflowSeq)");
    let f = &out.summary.flows[0];
    assert_eq!(f.fallback.as_deref(), Some("ack_without_data_ack"));
    assert_eq!(f.bytes_delivered, 4_000_000);
    let mut want = mpc_server.to_vec();
    want.push(("DSSNoMatchTCP", 1));
    assert_eq!(counters(&out, "server"), named(&want));
}

#[test]
fn a_rewritten_add_addr_fails_its_hmac_and_is_dropped() {
    // An address-translating gateway changes the ADD_ADDR's address: the HMAC (RFC 8684
    // §3.4.1) covers it, so both announcements are dropped and nothing is joined.
    let out = run_variant(
        "failure/add-addr-limits.ron",
        "    flows: [",
        "    middleboxes: [Middlebox(name: \"alg\", at: \"c0\", direction: Reverse,\n\
         kind: RewriteOption(AddAddrAddress))],\n    flows: [",
    );
    assert_eq!(
        counters(&out, "client"),
        named(&[
            ("MPCapableSYNTX", 1),
            ("MPCapableSYNACKRX", 1),
            ("AddAddrDrop", 2),
        ])
    );
    assert_eq!(
        counters(&out, "server"),
        named(&[
            ("MPCapableSYNRX", 1),
            ("MPCapableACKRX", 1),
            ("AddAddrTx", 2),
        ])
    );
    let f = &out.summary.flows[0];
    assert_eq!((f.subflows.len(), f.bytes_delivered), (1, 4_000_000));
}
