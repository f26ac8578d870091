//! Bad input to the failure-modelling parts of the schema (silent link failures, endpoint
//! and abort events, middleboxes, attackers): a clear message naming the file, the place and
//! the field, exit code 2.

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
    let dir = std::env::temp_dir().join(format!("mpsim-failure-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}.ron"));
    std::fs::write(&p, GOOD.replacen(from, to, 1)).unwrap();
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
