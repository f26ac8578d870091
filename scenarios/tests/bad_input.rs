//! Every kind of bad scenario input gives a clear message naming the file and the place,
//! and exit code 2 — never a panic.

use std::path::PathBuf;
use std::process::Command;

const GOOD: &str = r#"Scenario(
    duration: "2s",
    hosts: [
        Host(name: "a", interfaces: [Interface(name: "eth0", addr: "10.0.0.1")]),
        Host(name: "b", interfaces: [Interface(name: "eth0", addr: "10.0.0.2")]),
    ],
    links: [
        Link(name: "l", a: "a", b: "b", rate: "10Mbps", delay: "5ms"),
    ],
    flows: [
        Flow(name: "f", from: "a", to: "b"),
    ],
    events: [
        Event(at: "1s", link: "l", action: Down),
    ],
)
"#;

fn write_case(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mpsim-bad-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}.ron"));
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs `mpsim validate` on `text` with `from` replaced by `to`; returns (exit code, stderr).
fn validate(name: &str, from: &str, to: &str) -> (i32, String, PathBuf) {
    assert!(GOOD.contains(from), "fixture lacks {from}");
    let p = write_case(name, &GOOD.replacen(from, to, 1));
    let out = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .arg("validate")
        .arg(&p)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        p,
    )
}

#[test]
fn the_fixture_itself_is_valid() {
    let p = write_case("good", GOOD);
    let out = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .arg("validate")
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ron_syntax_error_names_line_and_column() {
    let (code, err, p) = validate("syntax", "delay: \"5ms\")", "delay: \"5ms\"");
    assert_eq!(code, 2);
    assert!(
        err.starts_with(&format!("error: {}:", p.display())),
        "{err}"
    );
    // The parser stops at line 10, where the link's closing parenthesis is missing.
    assert!(err.contains(":9:") || err.contains(":10:"), "{err}");
}

#[test]
fn unknown_field_is_rejected_with_its_position() {
    let (code, err, p) = validate(
        "unknown-field",
        "delay: \"5ms\")",
        "delay: \"5ms\", colour: \"red\")",
    );
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{}:8:", p.display())), "{err}");
    assert!(err.contains("colour"), "{err}");
}

#[test]
fn unknown_host_in_a_flow_names_the_field() {
    let (code, err, p) = validate("unknown-host", "to: \"b\"", "to: \"c\"");
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{}:11:", p.display())), "{err}");
    assert!(err.contains("flows[0].to"), "{err}");
    assert!(err.contains("unknown node `c`"), "{err}");
}

#[test]
fn unknown_link_in_an_event_names_the_field() {
    let (code, err, _) = validate("unknown-link", "link: \"l\"", "link: \"wifi\"");
    assert_eq!(code, 2);
    assert!(err.contains("events[0].link"), "{err}");
    assert!(err.contains("unknown link `wifi`"), "{err}");
}

#[test]
fn zero_and_negative_rates_are_rejected() {
    let (code, err, p) = validate("zero-rate", "\"10Mbps\"", "\"0Mbps\"");
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{}:8:", p.display())), "{err}");
    assert!(err.contains("must be greater than zero"), "{err}");
    let (code, err, _) = validate("negative-rate", "\"10Mbps\"", "\"-10Mbps\"");
    assert_eq!(code, 2);
    assert!(err.contains("must not be negative"), "{err}");
}

#[test]
fn an_event_after_the_end_is_rejected() {
    let (code, err, _) = validate("late-event", "at: \"1s\"", "at: \"3s\"");
    assert_eq!(code, 2);
    assert!(err.contains("events[0].at"), "{err}");
    assert!(err.contains("not before the end of the run"), "{err}");
}

#[test]
fn a_missing_trace_file_is_rejected() {
    let (code, err, p) = validate(
        "missing-trace",
        "rate: \"10Mbps\"",
        "trace: \"no-such.down\"",
    );
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{}:8:", p.display())), "{err}");
    assert!(err.contains("links[0].trace"), "{err}");
    assert!(err.contains("no-such.down"), "{err}");
}

#[test]
fn a_missing_scenario_file_is_an_error_not_a_panic() {
    let out = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .args(["run", "/nonexistent/scenario.ron"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/nonexistent/scenario.ron: cannot read the scenario"),
        "{err}"
    );
}
