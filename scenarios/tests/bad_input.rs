//! Every kind of bad scenario input gives a clear message naming the file and the place,
//! and exit code 2 — never a panic.

mod common;

use common::Case;
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

fn write_case(name: &str, text: &str) -> Case {
    common::write_case("bad-input", name, text)
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
        p.to_path_buf(),
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

/// Runs `mpsim validate` on `GOOD` with each `(from, to)` replaced once.
fn validate_with(name: &str, edits: &[(&str, &str)]) -> (i32, String, PathBuf) {
    let mut text = GOOD.to_owned();
    for (from, to) in edits {
        assert!(text.contains(from), "fixture lacks {from}");
        text = text.replacen(from, to, 1);
    }
    let p = write_case(name, &text);
    let out = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .arg("validate")
        .arg(&p)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        p.to_path_buf(),
    )
}

fn assert_error(case: (i32, String, PathBuf), at: &str, says: &str) {
    let (code, err, p) = case;
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with(&format!("error: {}", p.display())), "{err}");
    assert!(
        err.contains(&format!("{}{at}", p.display())),
        "want `{at}`: {err}"
    );
    assert!(err.contains(says), "want `{says}`: {err}");
}

#[test]
fn a_flow_whose_ends_no_link_joins_is_rejected() {
    let host_c = "        Host(name: \"c\", interfaces: [Interface(name: \"eth0\", addr: \"10.0.0.3\")]),\n    ],";
    let case = validate_with(
        "no-route",
        &[
            ("\n    ],\n    links", &format!("\n{host_c}\n    links")),
            ("to: \"b\"", "to: \"c\""),
        ],
    );
    assert_error(
        case,
        ":12:20:",
        "flows[0]: no route from `a.eth0` to `c.eth0`",
    );
}

#[test]
fn queues_that_hold_no_packet_are_rejected() {
    let case = validate_with(
        "packets-0",
        &[("delay: \"5ms\")", "delay: \"5ms\", queue: Packets(0))")],
    );
    assert_error(case, ":8:", "links[0].queue: Packets(0) holds no packet");
    let case = validate_with(
        "bytes-100",
        &[(
            "delay: \"5ms\")",
            "delay: \"5ms\", reverse: Direction(queue: Bytes(\"100B\")))",
        )],
    );
    assert_error(
        case,
        ":8:",
        "links[0].reverse.queue: a byte limit below 1500B",
    );
    let case = validate_with(
        "set-queue-0",
        &[("action: Down", "action: SetQueue(Packets(0))")],
    );
    assert_error(case, ":14:", "events[0].action: Packets(0)");
}

#[test]
fn sampling_and_duration_are_bounded() {
    let case = validate_with(
        "sample-fine",
        &[(
            "\n)\n",
            "\n    output: Output(sample_interval: \"500us\"),\n)\n",
        )],
    );
    assert_error(
        case,
        ":",
        "output.sample_interval: 500us is below the 1ms resolution",
    );
    let case = validate_with(
        "too-many-samples",
        &[
            ("duration: \"2s\"", "duration: \"2000s\""),
            (
                "\n)\n",
                "\n    output: Output(sample_interval: \"1ms\"),\n)\n",
            ),
        ],
    );
    assert_error(
        case,
        ":",
        "2000000 samples, more than 1000000; sample less often (at least every 2ms)",
    );
    // Far beyond memory if anything were allocated per millisecond; rejected at once.
    let case = validate_with("long", &[("duration: \"2s\"", "duration: \"10000000s\"")]);
    assert_error(
        case,
        ":",
        "duration: 10000000s is longer than the longest run",
    );
    let case = validate_with(
        "huge",
        &[("duration: \"2s\"", "duration: \"100000000000s\"")],
    );
    assert_error(case, ":2:", "time `100000000000s` is too large");
    let case = validate_with(
        "overflow",
        &[(
            "duration: \"2s\"",
            "duration: \"340282366920938463463374607431.999s\"",
        )],
    );
    assert_error(case, ":2:", "too large");
}

#[test]
fn a_long_run_with_events_allocates_nothing_per_millisecond_up_front() {
    // 11 days simulated with a link event: the per-ms delivery record used to be allocated
    // for the whole duration before anything ran (11.6e8 ticks per flow). The run is stopped
    // after a moment; it must have started (made its staging directory) without aborting.
    let text = GOOD
        .replace("duration: \"2s\"", "duration: \"999999s\"")
        .replace(
            "\n)\n",
            "\n    output: Output(sample_interval: \"1s\", plots: false),\n)\n",
        );
    let p = write_case("long-events", &text);
    let out_dir = p.with_extension("out");
    let _ = std::fs::remove_dir_all(&out_dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .arg("run")
        .arg(&p)
        .arg("--out")
        .arg(&out_dir)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended at once (aborted?)"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn non_utf8_files_name_the_place_and_a_bom_is_ignored() {
    let mut bytes = GOOD.as_bytes().to_vec();
    let at = GOOD.find("\"b\", interfaces").unwrap() + 1;
    bytes[at] = 0xff;
    let p = write_case("latin1", "");
    std::fs::write(&p, &bytes).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .arg("validate")
        .arg(&p)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains(&format!(
            "{}:5:21: the file is not UTF-8 text (byte 0xff)",
            p.display()
        )),
        "{err}"
    );
    let p = write_case("bom", &format!("\u{feff}{GOOD}"));
    let out = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .arg("validate")
        .arg(&p)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_duplicate_name_points_at_the_duplicate() {
    let case = validate_with(
        "dup-link",
        &[("rate: \"10Mbps\", delay: \"5ms\"),", "rate: \"10Mbps\", delay: \"5ms\"),\n        Link(name: \"l\", a: \"a\", b: \"b\", rate: \"1Mbps\", delay: \"1ms\"),")],
    );
    assert_error(case, ":9:20:", "links[1].name: duplicate link name `l`");
    let case = validate_with(
        "dup-host",
        &[(
            "Host(name: \"b\", interfaces: [Interface(name: \"eth0\", addr: \"10.0.0.2\")]),",
            "Host(name: \"a\", interfaces: [Interface(name: \"eth0\", addr: \"10.0.0.2\")]),",
        )],
    );
    assert_error(case, ":5:20:", "hosts[1].name: duplicate host name `a`");
    let case = validate_with("dup-addr", &[("addr: \"10.0.0.2\"", "addr: \"10.0.0.1\"")]);
    assert_error(
        case,
        ":5:",
        "hosts[1].interfaces[0].addr: address 10.0.0.1 is already used",
    );
    let case = validate_with(
        "dup-flow",
        &[("Flow(name: \"f\", from: \"a\", to: \"b\"),", "Flow(name: \"f\", from: \"a\", to: \"b\"),\n        Flow(name: \"f\", from: \"b\", to: \"a\"),")],
    );
    assert_error(case, ":12:20:", "flows[1].name: duplicate flow name `f`");
}

#[test]
fn reverse_overrides_without_some_are_accepted_and_some_of_a_struct_says_what_to_write() {
    let (code, err, _) = validate_with(
        "reverse-bare",
        &[(
            "delay: \"5ms\")",
            "delay: \"5ms\", reverse: Direction(rate: \"5Mbps\"))",
        )],
    );
    assert_eq!(code, 0, "{err}");
    let (code, err, _) = validate_with(
        "reverse-some-fields",
        &[(
            "delay: \"5ms\")",
            "delay: \"5ms\", reverse: Some(rate: \"5Mbps\"))",
        )],
    );
    assert_eq!(code, 0, "{err}");
    let case = validate_with(
        "reverse-some",
        &[(
            "delay: \"5ms\")",
            "delay: \"5ms\", reverse: Some(Direction(rate: Some(\"5Mbps\"))))",
        )],
    );
    assert_error(case, ":8:", "write `Direction(..)` without `Some`");
}

#[test]
fn units_are_exact_and_case_sensitive() {
    let case = validate_with("mbytes", &[("\"10Mbps\"", "\"10MBps\"")]);
    assert_error(
        case,
        ":8:",
        "bytes per second are not accepted; multiply by 8",
    );
    let case = validate_with("lower", &[("\"10Mbps\"", "\"10mbps\"")]);
    assert_error(case, ":8:", "units are case-sensitive");
    let case = validate_with("no-unit", &[("delay: \"5ms\"", "delay: \"5\"")]);
    assert_error(case, ":8:", "needs a unit");
    let case = validate_with("neg-delay", &[("delay: \"5ms\"", "delay: \"-5ms\"")]);
    assert_error(case, ":8:", "must not be negative");
    let case = validate_with(
        "big-percent",
        &[("action: Down", "action: SetLoss(Bernoulli(\"100.5%\"))")],
    );
    assert_error(case, ":14:", "more than 100%");
}

#[test]
fn other_settings_that_would_silently_do_nothing_are_rejected() {
    let case = validate_with(
        "bulk-0",
        &[("to: \"b\")", "to: \"b\", app: Bulk(bytes: \"0B\"))")],
    );
    assert_error(case, ":", "flows[0].app: `bytes: \"0B\"` sends nothing");
    let case = validate_with("no-iface", &[("from: \"a\"", "from: \"a.wlan\"")]);
    assert_error(case, ":11:", "host `a` has no interface `wlan`");
    let case = validate_with("late-start", &[("to: \"b\")", "to: \"b\", start: \"2s\")")]);
    assert_error(
        case,
        ":",
        "flows[0].start: starts at 2s but the run ends at 2s",
    );
    let routers = "    routers: [\"r1\", \"r2\"],\n    links: [\n        Link(name: \"rr\", a: \"r1\", b: \"r2\", rate: \"1Gbps\", delay: \"1ms\"),";
    let case = validate_with(
        "backup-routers",
        &[
            ("    links: [", routers),
            (
                "link: \"l\", action: Down",
                "link: \"rr\", action: SetBackup(true)",
            ),
        ],
    );
    assert_error(
        case,
        ":",
        "events[0].action: SetBackup marks the host interface",
    );
}
