//! The `scenario.ron` a run writes reruns to identical results: every kind of quantity prints
//! exactly (`0.7%` stays `0.7%`), and trace files travel with the results.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Every unit kind, with values that do not print as written (decimals, odd precisions).
const EVERY_UNIT: &str = r#"Scenario(
    name: "every-unit",
    duration: "2.5s",
    seed: 18446744073709551615,
    hosts: [
        Host(name: "a", interfaces: [Interface(name: "e0", addr: "10.0.0.1"),
                                     Interface(name: "e1", addr: "10.0.1.1")]),
        Host(name: "b", interfaces: [Interface(name: "eth0", addr: "10.0.9.1")]),
    ],
    routers: ["r"],
    links: [
        Link(name: "l0", a: "a.e0", b: "r", rate: "1.5Mbps", delay: "12.345678ms",
             jitter: "1500us", queue: Bytes("2.5KiB"), loss: Bernoulli("0.7%"),
             reverse: Direction(rate: "0.75Mbps", delay: "0.000001s",
                                loss: GilbertElliott(p_good_to_bad: "33.333333333333%",
                                                     p_bad_to_good: "10.1%", loss_bad: "0.3%"))),
        Link(name: "l1", a: "a.e1", b: "r", rate: "12345678bps", delay: "7ms",
             queue: Bdp("40.5ms")),
        Link(name: "core", a: "r", b: "b", rate: "1.000000001Gbps", delay: "0.3ms",
             queue: Packets(77)),
    ],
    flows: [
        Flow(name: "tcp", from: "a.e0", to: "b", start: "0.0105s",
             transport: Tcp(cc: Reno, rcv_buf: "1.5MB", snd_buf: "3.25MiB", min_rto: "0.2s",
                            mss: 1400),
             app: Bulk(bytes: "1.25MB")),
        Flow(name: "mp", from: "b", to: "a", opener: Receiver,
             transport: Mptcp(cc: Olia, mode: Handover(degraded_rtt: "0.15s",
                                                       degraded_loss: "2.5%"))),
    ],
    events: [
        Event(at: "0.5s", link: "l1", action: SetRate("7.5Mbps")),
        Event(at: "1.25s", link: "l1", action: SetDelay("33.3ms")),
        Event(at: "1.5s", link: "l0", direction: Reverse,
              action: SetLoss(GilbertElliott(p_good_to_bad: "0.05%", p_bad_to_good: "50%",
                                             loss_good: "0.001%", loss_bad: "99.9%"))),
        Event(at: "2s", link: "l0", action: SetQueue(Bytes("96KiB"))),
    ],
    output: Output(sample_interval: "12.5ms", plots: false),
)
"#;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mpsim-round-trip-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(file: &Path, out: &Path) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .arg("run")
        .arg(file)
        .arg("--out")
        .arg(out)
        .arg("--no-plots")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// Every file under `dir` but `manifest.json`, which records the command line (and so the
/// scenario file's path) and differs between a run and its rerun from `scenario.ron`.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out.remove("manifest.json");
    out
}

#[test]
fn a_written_scenario_reruns_to_identical_results_for_every_unit() {
    let d = scratch("units");
    let file = d.join("every-unit.ron");
    std::fs::write(&file, EVERY_UNIT).unwrap();
    run(&file, &d.join("first"));
    let written = std::fs::read_to_string(d.join("first/scenario.ron")).unwrap();
    for exact in [
        "\"0.7%\"",
        "\"33.333333333333%\"",
        "\"10.1%\"",
        "\"2.5%\"",
        "\"0.001%\"",
        "\"99.9%\"",
        "\"1500kbps\"",
        "\"12345678bps\"",
        "\"1000000001bps\"",
        "\"12345678ns\"",
        "\"1500us\"",
        "\"2560B\"",
        "\"3328KiB\"",
        "\"40500us\"",
        "\"1250KB\"",
        "18446744073709551615",
    ] {
        assert!(written.contains(exact), "{exact} not in\n{written}");
    }
    run(&d.join("first/scenario.ron"), &d.join("second"));
    run(&d.join("second/scenario.ron"), &d.join("third"));
    let (a, b, c) = (
        tree(&d.join("first")),
        tree(&d.join("second")),
        tree(&d.join("third")),
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(b[k] == *v && c[k] == *v, "{k} differs after a round trip");
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_trace_driven_run_reruns_from_its_results_directory_alone() {
    let d = scratch("trace");
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("wifi-lte-trace.ron");
    run(&shipped, &d.join("first"));
    let first = tree(&d.join("first"));
    // The traces travel with the results, byte for byte.
    let traces = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces");
    for t in ["Verizon-LTE-short.down", "Verizon-LTE-short.up"] {
        assert_eq!(
            first[&format!("traces/{t}")],
            std::fs::read(traces.join(t)).unwrap()
        );
    }
    // Moved elsewhere, the results directory reruns to the same files.
    std::fs::rename(d.join("first"), d.join("moved")).unwrap();
    run(&d.join("moved/scenario.ron"), &d.join("second"));
    assert_eq!(tree(&d.join("second")), first);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn the_readme_example_and_every_shipped_scenario_are_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md")).unwrap();
    let start = readme.find("```ron\n").expect("a RON example") + "```ron\n".len();
    let example = &readme[start..start + readme[start..].find("```").unwrap()];
    // As if it were a file in scenarios/, where its trace paths lead.
    let plan = scenarios::load_str(&root.join("readme-example.ron"), example, None)
        .unwrap_or_else(|e| panic!("the README's example: {e}"));
    assert_eq!(plan.flows.len(), 2);
    let mut n = 0;
    for dir in [root.to_path_buf(), root.join("cc"), root.join("sched")] {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "ron") {
                scenarios::load(&p, None).unwrap_or_else(|e| panic!("{e}"));
                n += 1;
            }
        }
    }
    assert!(n >= 13, "{n} shipped scenarios");
}
