//! Bad input to the failure-modelling parts of the schema (silent link failures, endpoint
//! and abort events, middleboxes, attackers): a clear message naming the file, the place and
//! the field, exit code 2.

mod common;

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
        Flow(name: "f", from: "a", to: "b", transport: Mptcp()),
    ],
    events: [
        Event(at: "1s", link: "l", action: Down, notify: false),
    ],
)
"#;

/// Runs `mpsim validate` on the fixture with `from` replaced by `to`: (exit code, stderr,
/// file).
fn validate(name: &str, from: &str, to: &str) -> (i32, String, PathBuf) {
    assert!(GOOD.contains(from), "fixture lacks {from}");
    let p = common::write_case("failure-input", name, &GOOD.replacen(from, to, 1));
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
fn the_fixture_is_valid() {
    let (code, err, _) = validate("good", "Down", "Down");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn notify_false_applies_to_down_only() {
    let (code, err, p) = validate("notify-up", "action: Down", "action: Up");
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{}:", p.display())), "{err}");
    assert!(err.contains("events[0].action"), "{err}");
    assert!(
        err.contains("`notify: false` applies to a `Down` action only"),
        "{err}"
    );
}

/// `validate` with the fixture's events replaced by `middleboxes` (and a router `r`
/// between the hosts).
fn validate_boxes(name: &str, boxes: &str, via: &str) -> (i32, String) {
    let text = GOOD
        .replace(
            r#"Link(name: "l", a: "a", b: "b", rate: "10Mbps", delay: "5ms"),"#,
            r#"Link(name: "l", a: "a", b: "r", rate: "10Mbps", delay: "5ms"),
        Link(name: "m", a: "r", b: "b", rate: "10Mbps", delay: "5ms"),"#,
        )
        .replace("    links: [", "    routers: [\"r\"],\n    links: [")
        .replace("transport: Mptcp()", &format!("transport: Mptcp(){via}"))
        .replace(
            r#"        Event(at: "1s", link: "l", action: Down, notify: false),"#,
            "",
        )
        .replace(
            "    events: [\n",
            &format!("    middleboxes: [{boxes}],\n    events: [\n"),
        );
    let p = common::write_case("failure-input", name, &text);
    let out = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .arg("validate")
        .arg(&p)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        err.is_empty() || err.contains(&format!("{}:", p.display())),
        "{err}"
    );
    (out.status.code().unwrap_or(-1), err)
}

#[test]
fn middleboxes_are_checked() {
    let lb = r#"Middlebox(name: "lb", at: "r", kind: LoadBalancer(vip: "198.51.100.1", backends: ["b"]))"#;
    assert_eq!(validate_boxes("mb-good", lb, r#", via: "lb""#).0, 0);
    let strip =
        r#"Middlebox(name: "s", at: "l", direction: Forward, kind: StripMptcp(syn_only: true))"#;
    assert_eq!(validate_boxes("mb-strip", strip, "").0, 0);
    let cases = [
        (
            r#"Middlebox(name: "x", at: "nowhere", kind: StripMptcp())"#,
            "",
            "middleboxes[0].at",
            "is neither a router nor a link",
        ),
        (
            r#"Middlebox(name: "n", at: "l", kind: Nat(public: "198.51.100.2", inside: ["a"]))"#,
            "",
            "middleboxes[0].at",
            "must be at a router",
        ),
        (
            r#"Middlebox(name: "lb", at: "r", kind: LoadBalancer(vip: "10.0.0.2", backends: ["b"]))"#,
            "",
            "middleboxes[0].kind.vip",
            "is a host interface's address",
        ),
        (
            r#"Middlebox(name: "lb", at: "r", kind: LoadBalancer(vip: "198.51.100.1", backends: ["zz"]))"#,
            "",
            "middleboxes[0].kind.backends[0]",
            "unknown node `zz`",
        ),
        (
            lb,
            r#", via: "nope""#,
            "flows[0].via",
            "is not a LoadBalancer",
        ),
        (
            r#"Middlebox(name: "p", at: "l", kind: RewritePayload(first: 0))"#,
            "",
            "middleboxes[0].kind.first",
            "must be at least 1",
        ),
    ];
    for (k, (boxes, via, field, msg)) in cases.iter().enumerate() {
        let (code, err) = validate_boxes(&format!("mb-bad-{k}"), boxes, via);
        assert_eq!(code, 2, "{boxes}: {err}");
        assert!(err.contains(field), "{field}: {err}");
        assert!(err.contains(msg), "{msg}: {err}");
    }
}

#[test]
fn aborts_and_endpoint_events_are_checked() {
    let ok = r#"Flow(name: "f", from: "a", to: "b", abort_at: Some("1s"), transport: Mptcp()),"#;
    let (code, err, _) = validate(
        "abort-ok",
        r#"Flow(name: "f", from: "a", to: "b", transport: Mptcp()),"#,
        ok,
    );
    assert_eq!(code, 0, "{err}");
    let cases = [
        (
            r#"transport: Mptcp()),"#,
            r#"abort_at: Some("1s"), transport: Tcp()),"#,
            "flows[0].abort_at",
            "needs an Mptcp transport",
        ),
        (
            r#"transport: Mptcp()),"#,
            r#"abort_at: Some("3s"), transport: Mptcp()),"#,
            "flows[0].abort_at",
            "is not between the flow's start and the end of the run",
        ),
        (
            "action: Down, notify: false",
            "action: EndpointDelete, notify: false",
            "events[0].action",
            "applies to a `Down` action only",
        ),
    ];
    for (k, (from, to, field, msg)) in cases.iter().enumerate() {
        let (code, err, p) = validate(&format!("abort-bad-{k}"), from, to);
        assert_eq!(code, 2, "{to}: {err}");
        assert!(err.contains(&format!("{}:", p.display())), "{err}");
        assert!(err.contains(field), "{field}: {err}");
        assert!(err.contains(msg), "{msg}: {err}");
    }
    let (code, err, _) = validate(
        "endpoint-add",
        "action: Down, notify: false",
        "action: EndpointAdd(subflow: true)",
    );
    assert_eq!(code, 0, "{err}");
}
