//! The deployment scenarios of `scenarios/deploy/`: an operator's Transport Converter
//! (RFC 8803), Download Booster, Siri's interactive mode, the blog testbed and hybrid access.

use scenarios::compare::{run_compare, transport_variant, Comparison};
use scenarios::run::{run, RunOutput};
use std::path::{Path, PathBuf};

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(name)
}

fn run_file(name: &str) -> RunOutput {
    let plan = scenarios::load(&shipped(name), None).expect("valid scenario");
    run(&plan, |_| {}).expect("runs")
}

/// The proxied downloads arrive whole (the converter's answer not counted), the MPTCP leg
/// runs between the phone and the converter on both interfaces, and the bulk download gets
/// more than Wi-Fi alone could carry.
#[test]
fn operator_proxy_delivers_end_to_end() {
    let out = run_file("operator-proxy.ron");
    for f in &out.summary.flows {
        assert_eq!(f.bytes_delivered, f.bytes_written, "{}", f.name);
        assert!(f.completed_at_s.is_some(), "{}", f.name);
        let legs: Vec<(&str, &str)> = (f.subflows.iter())
            .map(|s| (s.label.as_str(), s.local.as_str()))
            .collect();
        assert_eq!(
            legs,
            [("wifi", "10.200.0.1:5124"), ("lte", "10.200.0.1:5124")],
            "{}",
            f.name
        );
    }
    let video = &out.summary.flows[1];
    assert!(video.goodput_bps > 50e6, "{}", video.goodput_bps);
}

/// Against the same phone downloading directly over Wi-Fi with TCP.
#[test]
fn operator_proxy_against_direct_tcp() {
    let names = ["mptcp", "tcp"];
    let variants: Vec<_> = (names.iter())
        .map(|n| transport_variant(n, &[0, 1]).unwrap())
        .collect();
    let cmp: Comparison = run_compare(
        &shipped("operator-proxy.ron"),
        &variants,
        &[1],
        2,
        |_, _| {},
    )
    .unwrap();
    let goodput = |v: usize, flow: usize| {
        let r = cmp.runs.iter().find(|r| r.variant == v).unwrap();
        r.flows[flow].goodput_bps / 1e6
    };
    // The bulk download: Wi-Fi (30 Mbit/s) and LTE (40 Mbit/s) against Wi-Fi alone.
    assert!(goodput(0, 1) > 60.0 && goodput(1, 1) < 30.0);
    assert!(goodput(0, 1) > 2.0 * goodput(1, 1));
}

#[test]
fn proxy_errors_name_the_field() {
    let text = std::fs::read_to_string(shipped("operator-proxy.ron")).unwrap();
    let page = concat!(
        "transport: Mptcp(cc: Lia),\n",
        "             proxy: Convert(host: \"converter\", buffer: \"1MB\")"
    );
    assert!(text.contains(page));
    let bad = [
        (
            "Sctp(),\n proxy: Convert(host: \"converter\")",
            "flows[0].proxy.host",
        ),
        (
            "Mptcp(), proxy: Convert(host: \"server\")",
            "flows[0].proxy.host",
        ),
        (
            "Mptcp(), proxy: Convert(host: \"nowhere\")",
            "flows[0].proxy.host",
        ),
        (
            "Mptcp(), proxy: Convert(host: \"converter\", buffer: \"1kB\")",
            "flows[0].proxy.buffer",
        ),
    ];
    for (with, field) in bad {
        let t = text.replacen(page, &format!("transport: {with}"), 1);
        let e = scenarios::load_str(Path::new("t.ron"), &t, None).unwrap_err();
        assert!(e.to_string().contains(field), "{field}: {e}");
    }
}
