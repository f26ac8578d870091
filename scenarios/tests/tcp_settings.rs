//! The TCP settings of the schema (loss recovery, loss detection, slow start, initial
//! ssthresh, Reno's growth): accepted with their values, rejected with the field path and
//! exit code 2 where they cannot apply.

mod common;

use std::process::Command;

fn scenario(transport: &str) -> String {
    format!(
        r#"Scenario(
    duration: "2s",
    hosts: [
        Host(name: "a", interfaces: [Interface(name: "eth0", addr: "10.0.0.1")]),
        Host(name: "b", interfaces: [Interface(name: "eth0", addr: "10.0.0.2")]),
    ],
    links: [Link(name: "l", a: "a", b: "b", rate: "10Mbps", delay: "5ms")],
    flows: [Flow(name: "f", from: "a", to: "b", transport: {transport})],
)
"#
    )
}

/// `mpsim validate` on a scenario whose flow has `transport`: (exit code, stderr).
fn validate(name: &str, transport: &str) -> (i32, String) {
    let p = common::write_case("tcp-settings", name, &scenario(transport));
    let out = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .arg("validate")
        .arg(&p)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_setting_is_accepted_where_it_applies() {
    for t in [
        "Tcp(cc: Reno, cwnd_reduction: Halve, loss_detection: DupThresh, reno_growth: PerAck, initial_ssthresh: Some(100))",
        "Tcp(cc: Reno, sack: false, newreno_timer: Impatient)",
        "Tcp(cc: Cubic, slow_start: HyStartPlusPlus, loss_detection: RackTlp, cwnd_reduction: Prr)",
        "Tcp(cc: Cubic, slow_start: Standard)",
        "Mptcp(cc: UncoupledCubic, subflow: Subflow(slow_start: Standard, initial_ssthresh: Some(2)))",
        "Mptcp(cc: Lia, subflow: Subflow(cwnd_reduction: Halve, loss_detection: DupThresh))",
    ] {
        let (code, err) = validate("ok", t);
        assert_eq!(code, 0, "{t}: {err}");
    }
}

#[test]
fn settings_that_cannot_apply_name_their_field() {
    for (t, field, msg) in [
        (
            "Tcp(initial_ssthresh: Some(1))",
            "flows[0].transport.initial_ssthresh",
            "at least 2 segments",
        ),
        (
            "Tcp(cc: Reno, slow_start: HyStartPlusPlus)",
            "flows[0].transport.slow_start",
            "CUBIC only",
        ),
        (
            "Tcp(cc: Cubic, reno_growth: PerAck)",
            "flows[0].transport.reno_growth",
            "Reno",
        ),
        (
            "Mptcp(cc: Lia, subflow: Subflow(slow_start: Standard))",
            "flows[0].transport.subflow.slow_start",
            "CUBIC only",
        ),
    ] {
        let (code, err) = validate("bad", t);
        assert_eq!(code, 2, "{t}: {err}");
        assert!(err.contains(field), "{t}: {err}");
        assert!(err.contains(msg), "{t}: {err}");
    }
}

#[test]
fn an_unknown_variant_is_a_parse_error() {
    let (code, err) = validate("variant", "Tcp(loss_detection: Fack)");
    assert_eq!(code, 2);
    assert!(err.contains("Fack"), "{err}");
}
