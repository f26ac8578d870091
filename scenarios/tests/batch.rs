//! `mpsim batch`, `merge` and `report` end to end: grid expansion and its errors, results
//! byte-identical across thread counts, shards and a lone `mpsim run`, interrupted batches
//! that resume without redoing finished runs, and failed runs recorded beside good ones.

use scenarios::batch::Sweep;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A short two-flow scenario; `DURATION` is replaced per test.
const BASE: &str = r#"Scenario(
    name: "tiny",
    duration: "DURATION",
    hosts: [
        Host(name: "a", interfaces: [Interface(name: "eth0", addr: "10.0.0.1")]),
        Host(name: "b", interfaces: [Interface(name: "eth0", addr: "10.0.0.2")]),
    ],
    links: [
        Link(name: "access", a: "a", b: "r", rate: "RATE", delay: "1ms"),
        Link(name: "core", a: "r", b: "b", rate: "RATE", delay: "5ms", loss: Bernoulli("0.05%")),
    ],
    routers: ["r"],
    flows: [
        Flow(name: "f1", from: "a", to: "b", transport: Tcp(cc: Reno)),
        Flow(name: "f2", from: "a", to: "b", transport: Tcp(cc: Reno), start: "100ms"),
    ],
    events: [Event(at: "1s", link: "core", action: SetRate("5Mbps"))],
    output: Output(plots: false),
)
"#;

struct Fixture {
    dir: PathBuf,
}

impl Fixture {
    fn new(name: &str, duration: &str, rate: &str) -> Fixture {
        let dir = std::env::temp_dir().join(format!("mpsim-batch-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sweeps")).unwrap();
        let base = BASE.replace("DURATION", duration).replace("RATE", rate);
        std::fs::write(dir.join("tiny.ron"), base).unwrap();
        Fixture { dir }
    }

    fn sweep(&self, name: &str, body: &str) -> PathBuf {
        let p = self.dir.join("sweeps").join(format!("{name}.ron"));
        std::fs::write(&p, format!("Sweep(scenario: \"../tiny.ron\", {body})")).unwrap();
        p
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn mpsim(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir`, by relative path (hidden entries are reported too).
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn assert_same_tree(a: &Path, b: &Path) {
    assert_same_tree_except(a, b, &[]);
}

/// As [`assert_same_tree`], leaving out the files named `skip` (relative paths).
fn assert_same_tree_except(a: &Path, b: &Path, skip: &[&str]) {
    let (mut ta, mut tb) = (tree(a), tree(b));
    for k in skip {
        ta.remove(*k);
        tb.remove(*k);
    }
    let names = |t: &BTreeMap<String, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&ta), names(&tb), "{} vs {}", a.display(), b.display());
    for (k, v) in &ta {
        assert!(
            v == &tb[k],
            "{k} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

const GRID: &str = r#"axes: [
        Axis(name: "cc", path: "flows[*].transport.cc", values: [Reno, Cubic]),
        Axis(path: "links.core.delay", values: ["5ms", "10ms", "20ms"]),
    ], seeds: List([1, 7])"#;

#[test]
fn cross_product_and_zip_give_the_expected_run_ids() {
    let fx = Fixture::new("grid", "1s", "10Mbps");
    let sweep = Sweep::load(&fx.sweep("grid", GRID)).unwrap();
    let ids: Vec<&str> = sweep.runs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 12);
    assert_eq!(
        &ids[..3],
        [
            "cc=Reno,delay=5ms,seed=1",
            "cc=Reno,delay=5ms,seed=7",
            "cc=Reno,delay=10ms,seed=1"
        ]
    );
    assert_eq!(ids[11], "cc=Cubic,delay=20ms,seed=7");

    // Zipped axes may repeat a value when their partners differ; the tuples stay unique.
    let repeat = fx.sweep(
        "zip-repeat",
        r#"axes: [
            Axis(name: "cc", path: "flows[0].transport.cc", values: [Reno, Reno, Cubic]),
            Axis(name: "rtt", path: "links[1].delay", values: ["5ms", "50ms", "5ms"]),
        ], zip: [["cc", "rtt"]], seeds: Count(1)"#,
    );
    let sweep = Sweep::load(&repeat).unwrap();
    let ids: Vec<&str> = sweep.runs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "cc=Reno,rtt=5ms,seed=1",
            "cc=Reno,rtt=50ms,seed=1",
            "cc=Cubic,rtt=5ms,seed=1"
        ]
    );

    let zipped = fx.sweep(
        "zip",
        r#"axes: [
            Axis(name: "cc", path: "flows[0].transport.cc", values: [Reno, Cubic]),
            Axis(name: "rtt", path: "links[1].delay", values: ["5ms", "50ms"]),
            Axis(name: "queue", path: "links.core.queue", values: [Packets(10), Bdp("20ms")]),
        ], zip: [["rtt", "queue"]], seeds: Count(1),
        set: {"links.access.reverse": Direction(delay: "3ms", loss: Bernoulli("1%"))}"#,
    );
    let sweep = Sweep::load(&zipped).unwrap();
    let ids: Vec<&str> = sweep.runs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 4);
    assert!(
        ids[0].starts_with("cc=Reno,rtt=5ms,queue=Packets_10~"),
        "{ids:?}"
    );
    assert!(
        ids[1].starts_with("cc=Reno,rtt=50ms,queue=Bdp_20ms~"),
        "{ids:?}"
    );
    assert!(
        ids[3].starts_with("cc=Cubic,rtt=50ms,queue=Bdp_20ms~"),
        "{ids:?}"
    );
    // The values really land in the scenario, typed.
    let sc = sweep.scenario(&sweep.runs[3]).unwrap();
    assert_eq!(sc.links[1].delay.to_string(), "50ms");
    assert_eq!(
        sc.links[1].queue,
        scenarios::schema::QueueSpec::Bdp("20ms".parse_time())
    );
    assert_eq!(sc.seed, 1);
    let rev = sc.links[0].reverse.as_ref().unwrap();
    assert_eq!(rev.delay.unwrap().to_string(), "3ms");
    assert!(matches!(
        rev.loss,
        Some(scenarios::schema::LossSpec::Bernoulli(_))
    ));
}

#[test]
fn ranges_geometric_series_and_labels_expand_into_runs() {
    let fx = Fixture::new("series", "1s", "10Mbps");
    let s = fx.sweep(
        "series",
        r#"axes: [
            Axis(name: "delay", path: "links.core.delay", values: Range("10ms", "30ms", "10ms")),
            Axis(name: "rate", path: "links.access.rate", values: Geom("1Mbps", "4Mbps", 2),
                 labels: ["slow", "mid", "fast"]),
        ], seeds: Count(1)"#,
    );
    let sweep = Sweep::load(&s).unwrap();
    let ids: Vec<&str> = sweep.runs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 9);
    assert_eq!(
        &ids[..3],
        [
            "delay=10ms,rate=slow,seed=1",
            "delay=10ms,rate=mid,seed=1",
            "delay=10ms,rate=fast,seed=1"
        ]
    );
    let sc = sweep.scenario(&sweep.runs[5]).unwrap();
    assert_eq!(sc.links[1].delay.to_string(), "20ms");
    assert_eq!(sc.links[0].rate.unwrap().to_string(), "4Mbps");
    let meta = sweep.meta();
    assert_eq!(meta.axes[1].values, ["1Mbps", "2Mbps", "4Mbps"]);
    assert_eq!(meta.axes[1].labels(), ["slow", "mid", "fast"]);
    let cols = meta.axes[1].columns();
    assert_eq!(cols.names(), ["rate_bps", "rate_label"]);
    assert_eq!(cols.cells[2], ("4000000".into(), Some("fast".into())));

    for (axis, want) in [
        (r#"values: Range("10ms", "30ms")"#, "three values"),
        (r#"values: Range(1, 3, 1)"#, "value `1`"),
        (r#"values: Geom("1ms", "8ms", 1)"#, "above 1"),
        (
            r#"values: ["5ms", "6ms"], labels: ["a"]"#,
            "1 labels for 2 values",
        ),
        (
            r#"values: ["5ms", "6ms"], labels: ["a", "a"]"#,
            "names two values",
        ),
        (r#"values: Reno"#, "neither a list"),
    ] {
        let s = fx.sweep(
            "bad-series",
            &format!(r#"axes: [Axis(name: "d", path: "links.core.delay", {axis})]"#),
        );
        let e = Sweep::load(&s).unwrap_err().to_string();
        assert!(
            e.contains("axes[0] (`d`)") && e.contains(want),
            "{axis}: {e}"
        );
    }
    // Axis columns may not clash with the tables' or each other's.
    let s = fx.sweep(
        "clash",
        r#"axes: [Axis(name: "d", path: "links.core.delay", values: ["5ms"]),
                  Axis(name: "d_label", path: "flows[*].transport.cc", values: [Reno])]"#,
    );
    let e = Sweep::load(&s).unwrap_err().to_string();
    assert!(e.contains("`d_label` is taken"), "{e}");
}

trait ParseTime {
    fn parse_time(&self) -> scenarios::units::Time;
}
impl ParseTime for str {
    fn parse_time(&self) -> scenarios::units::Time {
        scenarios::units::Time::parse(self).unwrap()
    }
}

#[test]
fn bad_paths_and_values_are_errors_naming_the_axis() {
    let fx = Fixture::new("bad", "1s", "10Mbps");
    let cases = [
        (
            r#"Axis(name: "d", path: "links.wlan.delay", values: ["5ms"])"#,
            "axes[0] (`d`)",
            "named `wlan`",
        ),
        (
            r#"Axis(path: "flows[0].transport.ccc", values: [Reno])"#,
            "axes[0] (`ccc`)",
            "no field `ccc`",
        ),
        (
            r#"Axis(name: "cc", path: "flows[0].transport.cc", values: [Reno, Vegas])"#,
            "axes[0] (`cc`)",
            "unknown variant `Vegas`",
        ),
        (
            r#"Axis(name: "d", path: "links[0].delay", values: [5])"#,
            "value `5`",
            "axes[0] (`d`)",
        ),
        (
            r#"Axis(name: "r", path: "links[0].rate", values: ["0Mbps"])"#,
            "axes[0] (`r`)",
            "greater than zero",
        ),
    ];
    for (i, (axis, want1, want2)) in cases.iter().enumerate() {
        let s = fx.sweep(&format!("bad{i}"), &format!("axes: [{axis}]"));
        let out = mpsim(&[&"batch", &s, &"--out", &fx.path("out")]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{axis}: {err}");
        assert!(err.contains(want1) && err.contains(want2), "{axis}: {err}");
        assert!(err.contains(&format!("bad{i}.ron")), "{err}");
    }
    let s = fx.sweep("zipbad", &format!("{GRID}, zip: [[\"cc\", \"delay\"]]"));
    let out = mpsim(&[&"batch", &s, &"--out", &fx.path("out")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("zip[0]"), "{}", stderr(&out));
    assert!(!fx.path("out").exists(), "nothing ran");
}

#[test]
fn threads_shards_and_lone_runs_give_byte_identical_results() {
    let fx = Fixture::new("same", "2s", "10Mbps");
    let s = fx.sweep("same", GRID);
    let (j1, j2, s0, s1) = (fx.path("j1"), fx.path("j2"), fx.path("s0"), fx.path("s1"));
    for (dir, extra) in [
        (&j1, vec!["--jobs", "1"]),
        (&j2, vec!["--jobs", "2"]),
        (&s0, vec!["--shard", "0/2"]),
        (&s1, vec!["--shard", "1/2"]),
    ] {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"batch", &s, &"--out", dir];
        for e in &extra {
            args.push(e);
        }
        let out = mpsim(&args);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_same_tree(&j1, &j2);
    let summary = std::fs::read_to_string(s0.join("summary.csv")).unwrap();
    // 6 runs of 2 flows each, and a row for each of the 6 other shard's runs.
    assert_eq!(summary.matches(",ok,").count(), 6 * 2);
    assert_eq!(summary.matches(",missing,").count(), 6);
    let out = mpsim(&[&"merge", &s0, &s1]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_same_tree(&j1, &s0);
    let out = mpsim(&[&"merge", &s1, &j2, &"--out", &fx.path("m")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_same_tree(&j1, &fx.path("m"));

    // One run alone with `mpsim run` on its scenario.ron gives the same files.
    let run = j1.join("runs").join("cc=Cubic,delay=10ms,seed=7");
    let lone = fx.path("lone");
    let out = mpsim(&[&"run", &run.join("scenario.ron"), &"--out", &lone]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_same_tree_except(&run, &lone, &["manifest.json"]);
    // Their manifests differ only in the command that made them.
    let (in_batch, alone) = (manifest(&run), manifest(&lone));
    for key in [
        "kind",
        "mpsim_version",
        "git_commit",
        "scenario_sha256",
        "seed",
    ] {
        assert_eq!(in_batch[key], alone[key], "{key}");
    }
    let command = |m: &serde_json::Value| -> Vec<String> {
        serde_json::from_value(m["command"].clone()).unwrap()
    };
    assert_eq!(
        command(&in_batch),
        ["mpsim", "batch", &s.display().to_string()]
    );
    assert_eq!(
        command(&alone),
        [
            "mpsim",
            "run",
            &run.join("scenario.ron").display().to_string()
        ]
    );
    // `mpsim run --set` with the run's axis values (same paths) gives the same files.
    let set = fx.path("set");
    let out = mpsim(&[
        &"run",
        &fx.path("tiny.ron"),
        &"--set",
        &"links.core.delay=10ms",
        &"--set",
        &"flows[*].transport.cc=Cubic",
        &"--seed",
        &"7",
        &"--out",
        &set,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_same_tree_except(&run, &set, &["manifest.json"]);
    let batch_manifest = manifest(&j1);
    assert_eq!(batch_manifest["kind"], "batch");
    assert_eq!(batch_manifest["seeds"], serde_json::json!([1, 7]));
    assert_eq!(command(&batch_manifest), command(&in_batch));
    assert_eq!(
        batch_manifest["sweep_sha256"],
        scenarios::manifest::sha256_hex(&std::fs::read(&s).unwrap())
    );
    assert_eq!(
        batch_manifest["scenario_sha256"],
        scenarios::manifest::sha256_hex(&std::fs::read(fx.path("tiny.ron")).unwrap())
    );

    // The tables: a row per run and flow, per subflow, per link, per histogram bucket.
    let csv = std::fs::read_to_string(j1.join("summary.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.starts_with(
            "run,id,cc,delay_ms,delay_label,seed,status,error,goodput_bps_total,jain_goodput,"
        ),
        "{header}"
    );
    assert!(header.contains(",flow,") && header.contains(",goodput_bps,"));
    assert!(header.contains(",events.0.stall_s,") && header.contains(",events.0.action,"));
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 12 * 2);
    assert!(rows[0].starts_with("0,\"cc=Reno,delay=5ms,seed=1\",Reno,5,5ms,1,ok,,"));
    assert!(rows[1].starts_with("0,\"cc=Reno,delay=5ms,seed=1\",Reno,5,5ms,1,ok,,"));
    assert!(rows[23].starts_with("11,\"cc=Cubic,delay=20ms,seed=7\",Cubic,20,20ms,7,ok,,"));
    let links = std::fs::read_to_string(j1.join("links.csv")).unwrap();
    assert!(links.starts_with("run,id,cc,delay_ms,delay_label,seed,link,"));
    assert!(links.lines().next().unwrap().contains(",dropped_loss,"));
    // Four link directions (access, core, each way) per run.
    assert_eq!(links.lines().count(), 1 + 12 * 4);
    for f in ["subflows.csv", "hol_histogram.csv"] {
        let text = std::fs::read_to_string(j1.join(f)).unwrap();
        assert_eq!(
            text.lines().count(),
            1,
            "{f}: TCP flows have no subflows or HoL delay"
        );
    }

    // The report aggregates over seeds and draws.
    let out = mpsim(&[
        &"report",
        &j1,
        &"--x",
        &"delay",
        &"--y",
        &"goodput_bps",
        &"--flow",
        &"f1",
        &"--formats",
        &"svg",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = std::fs::read_to_string(j1.join("report/goodput_bps-vs-delay.csv")).unwrap();
    assert_eq!(
        table.lines().next(),
        Some("cc,delay,n,mean,sd,ci95_low,ci95_high")
    );
    assert_eq!(table.lines().count(), 7);
    assert!(
        table
            .lines()
            .skip(1)
            .all(|l| l.split(',').nth(2) == Some("2")),
        "{table}"
    );
    assert!(j1.join("report/goodput_bps-vs-delay.svg").exists());
    // Without --flow, each flow is a group of its own.
    let out = mpsim(&[&"report", &j1, &"--x", &"delay", &"--y", &"goodput_bps"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = std::fs::read_to_string(j1.join("report/goodput_bps-vs-delay.csv")).unwrap();
    assert_eq!(
        table.lines().next(),
        Some("cc,flow,delay,n,mean,sd,ci95_low,ci95_high")
    );
    assert_eq!(table.lines().count(), 13);
    let out = mpsim(&[&"report", &j1, &"--x", &"cc", &"--formats", &"svg"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = mpsim(&[&"report", &j1, &"--y", &"no_such_metric"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`no_such_metric`"),
        "{}",
        stderr(&out)
    );
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn complete_runs(runs: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(runs)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'));
    v.sort();
    v
}

#[test]
fn an_interrupted_batch_resumes_to_the_same_results_without_redoing_runs() {
    use std::os::unix::fs::MetadataExt;
    // Long enough runs (about 0.1 s each) that the batch is caught part-way.
    let fx = Fixture::new("resume", "20s", "1Gbps");
    let s = fx.sweep(
        "resume",
        r#"axes: [Axis(name: "cc", path: "flows[*].transport.cc", values: [Reno, Cubic])], seeds: Count(6)"#,
    );
    let (full, cut) = (fx.path("full"), fx.path("cut"));
    let out = mpsim(&[&"batch", &s, &"--out", &full, &"--jobs", &"2"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let mut child = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .arg("batch")
        .arg(&s)
        .arg("--out")
        .arg(&cut)
        .args(["--jobs", "1"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut polls = 0;
    while complete_runs(&cut.join("runs")).len() < 3 {
        polls += 1;
        assert!(polls < 6000, "the batch made no progress");
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    let done = complete_runs(&cut.join("runs"));
    assert!(
        done.len() < 12,
        "the batch finished before it could be interrupted"
    );
    let stamp = |p: &Path| {
        let m = std::fs::metadata(p.join("summary.json")).unwrap();
        (m.ino(), m.mtime(), m.mtime_nsec())
    };
    let before: Vec<_> = done.iter().map(|p| stamp(p)).collect();

    let out = mpsim(&[&"batch", &s, &"--out", &cut, &"--jobs", &"2", &"--resume"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("skipped {} complete", done.len())),
        "{}",
        stderr(&out)
    );
    let after: Vec<_> = done.iter().map(|p| stamp(p)).collect();
    assert_eq!(before, after, "complete runs were not redone");
    assert_same_tree(&full, &cut);
}

#[test]
fn a_failing_run_is_recorded_and_the_others_complete() {
    let fx = Fixture::new("fail", "2s", "10Mbps");
    // The event at 1 s is after the end of a 500 ms run.
    let s = fx.sweep(
        "fail",
        r#"axes: [Axis(name: "dur", path: "duration", values: ["2s", "500ms"]),
                  Axis(name: "cc", path: "flows[*].transport.cc", values: [Reno, Cubic])],
           seeds: Count(2)"#,
    );
    let out = mpsim(&[&"batch", &s, &"--out", &fx.path("o")]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("4 failed")
            && err.contains("failed: dur=500ms,cc=Reno,seed=1: ../tiny.ron: events[0].at"),
        "{err}"
    );
    let csv = std::fs::read_to_string(fx.path("o/summary.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    // Two flows in each of the 4 runs that ran, one row for each failed run.
    assert_eq!(rows.len(), 4 * 2 + 4);
    for r in &rows[..8] {
        assert!(r.contains(",ok,,"), "{r}");
    }
    for r in &rows[8..] {
        assert!(r.contains(",failed,../tiny.ron: events[0].at:"), "{r}");
    }
    let e = std::fs::read_to_string(fx.path("o/runs/dur=500ms,cc=Cubic,seed=2/error.txt")).unwrap();
    assert!(e.contains("events[0].at"), "{e}");
    // A failed run is not complete: --resume tries it again (and it fails again).
    let out = mpsim(&[&"batch", &s, &"--out", &fx.path("o"), &"--resume"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("skipped 4 complete"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn dry_runs_list_the_runs_and_validate_checks_sweeps() {
    let fx = Fixture::new("dry", "2s", "10Mbps");
    let s = fx.sweep("dry", GRID);
    let out = mpsim(&[
        &"batch",
        &s,
        &"--dry-run",
        &"--shard",
        &"1/4",
        &"--out",
        &fx.path("o"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        listed,
        "1\tcc=Reno,delay=5ms,seed=7\trun\n5\tcc=Reno,delay=20ms,seed=7\trun\n\
         9\tcc=Cubic,delay=10ms,seed=7\trun\n"
    );
    assert!(stderr(&out).contains("12 runs, 3 in shard 1/4: 3 to run, 0 complete, 0 invalid"));
    assert!(!fx.path("o").exists(), "a dry run writes nothing");
    // With --resume, complete runs are marked.
    let out = mpsim(&[&"batch", &s, &"--shard", &"1/4", &"--out", &fx.path("o")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = mpsim(&[
        &"batch",
        &s,
        &"--dry-run",
        &"--resume",
        &"--out",
        &fx.path("o"),
    ]);
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        listed.matches("\tcomplete (skipped)").count(),
        3,
        "{listed}"
    );
    assert_eq!(listed.matches("\trun\n").count(), 9, "{listed}");

    // A sweep whose shortened runs end before their event: invalid runs named.
    let bad = fx.sweep(
        "bad",
        r#"axes: [Axis(name: "dur", path: "duration", values: ["2s", "500ms"])]"#,
    );
    let out = mpsim(&[&"batch", &bad, &"--dry-run", &"--out", &fx.path("o2")]);
    assert_eq!(out.status.code(), Some(1));
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        listed.contains("1\tdur=500ms,seed=1\tinvalid: ../tiny.ron: events[0].at"),
        "{listed}"
    );
    let out = mpsim(&[&"validate", &bad]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("run dur=500ms,seed=1: ../tiny.ron: events[0].at"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("1 of 2 runs have an invalid scenario"));
    let out = mpsim(&[&"validate", &s]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("ok (sweep of 12 runs: axes cc (2), delay (3); seeds 2"));

    // Every shipped sweep validates, and so does the README's example.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md")).unwrap();
    let start = readme.find("```ron\nSweep(").expect("a sweep example") + "```ron\n".len();
    let example = &readme[start..start + readme[start..].find("```").unwrap()];
    let dumbbell = root.join("dumbbell.ron").display().to_string();
    let example = example.replace("\"../dumbbell.ron\"", &format!("{dumbbell:?}"));
    let readme_sweep = fx.path("sweeps/readme.ron");
    std::fs::write(&readme_sweep, example).unwrap();
    let out = mpsim(&[&"validate", &readme_sweep]);
    assert!(out.status.success(), "the README's sweep: {}", stderr(&out));
    for f in [
        "sweeps/cc-vs-rtt.ron",
        "sweeps/dumbbell-cc.ron",
        "sweeps/handover-recovery.ron",
        "sweeps/sched-heterogeneous.ron",
        "datacenter/fattree-permutation-sweep.ron",
    ] {
        let out = mpsim(&[&"validate", &root.join(f)]);
        assert!(out.status.success(), "{f}: {}", stderr(&out));
    }
}

#[test]
fn shell_completions_know_the_subcommands() {
    for shell in ["bash", "zsh", "fish"] {
        let out = mpsim(&[&"completions", &shell]);
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout).into_owned();
        for word in ["batch", "dry-run", "completions", "set"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let out = mpsim(&[&"completions", &"tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}
