//! mpsim never destroys a user's files, through the binary: `--out` on anything that is not
//! an mpsim results directory is refused with exit code 2 and the user's files stay as they
//! were; earlier results are replaced only whole; a run killed with `kill -9` part-way leaves
//! the old results intact and the next run cleans up after it; `compare` and `batch` follow
//! the same rules; a scenario `name` cannot reach outside `results/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const MARKER: &str = ".mpsim-results";

/// A short single-path scenario (named `tiny`).
const TINY: &str = r#"Scenario(
    name: "tiny",
    duration: "1s",
    hosts: [
        Host(name: "a", interfaces: [Interface(name: "eth0", addr: "10.0.0.1")]),
        Host(name: "b", interfaces: [Interface(name: "eth0", addr: "10.0.0.2")]),
    ],
    links: [Link(name: "l", a: "a", b: "b", rate: "10Mbps", delay: "5ms")],
    flows: [Flow(name: "f", from: "a", to: "b")],
    output: Output(plots: false),
)
"#;

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("mpsim-safety-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Scratch(d)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mpsim_in(cwd: Option<&Path>, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mpsim"));
    if let Some(d) = cwd {
        c.current_dir(d);
    }
    c.args(args).output().unwrap()
}

fn mpsim(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    mpsim_in(None, args)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir` (relative path -> bytes), hidden ones included.
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
    out
}

/// Names in `dir` that look like staging leftovers.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial-") || n.contains(".old-"))
        .collect()
}

fn assert_refused(o: &Output, path: &Path, why: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains(why), "{err}");
}

#[test]
fn a_directory_of_the_users_is_refused_and_left_as_it_was() {
    let s = Scratch::new("foreign");
    let scen = s.write("tiny.ron", TINY);
    s.write("data/notes.txt", "three weeks of measurements");
    s.write("data/sub/raw.csv", "1,2,3");
    let before = tree(&s.path("data"));
    let o = mpsim(&[&"run", &scen, &"--out", &s.path("data")]);
    assert_refused(&o, &s.path("data"), "not an mpsim results directory");
    assert_eq!(tree(&s.path("data")), before);
    // A file, and a symbolic link to a results directory, are refused too.
    let file = s.write("file.txt", "keep me");
    let o = mpsim(&[&"run", &scen, &"--out", &file]);
    assert_refused(&o, &file, "it is a file");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
    let real = s.path("real");
    assert!(mpsim(&[&"run", &scen, &"--out", &real]).status.success());
    #[cfg(unix)]
    {
        let link = s.path("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let o = mpsim(&[&"run", &scen, &"--out", &link]);
        assert_refused(&o, &link, "symbolic link");
    }
    // An empty directory is fine.
    std::fs::create_dir(s.path("empty")).unwrap();
    let o = mpsim(&[&"run", &scen, &"--out", &s.path("empty")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(s.path("empty/summary.json").is_file());
}

#[test]
fn the_scenario_is_never_inside_what_gets_replaced() {
    let s = Scratch::new("self");
    let scen = s.write("exp/s.ron", TINY);
    let o = mpsim(&[&"run", &scen, &"--out", &s.path("exp")]);
    assert_refused(&o, &s.path("exp"), "not an mpsim results directory");
    assert_eq!(std::fs::read_to_string(&scen).unwrap(), TINY);
    // Even inside an mpsim results directory, a scenario of the user's is not replaced.
    let res = s.path("res");
    assert!(mpsim(&[&"run", &scen, &"--out", &res]).status.success());
    let mine = s.write("res/mine.ron", TINY);
    let o = mpsim(&[&"run", &mine, &"--out", &res]);
    assert_refused(&o, &res, "which this run reads");
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), TINY);
    // The scenario.ron a run wrote reruns into its own directory (it is written again).
    // Only the manifest's recorded command (which names the scenario file) changes.
    std::fs::remove_file(&mine).unwrap();
    let without_manifest = |dir: &Path| {
        let mut t = tree(dir);
        t.remove("manifest.json");
        t
    };
    let before = without_manifest(&res);
    let o = mpsim(&[&"run", &res.join("scenario.ron"), &"--out", &res]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(without_manifest(&res), before);
}

#[test]
fn earlier_results_are_replaced_whole_and_other_kinds_refused() {
    let s = Scratch::new("replace");
    let scen = s.write("tiny.ron", TINY);
    let out = s.path("r");
    assert!(mpsim(&[&"run", &scen, &"--out", &out]).status.success());
    assert!(out.join(MARKER).is_file());
    std::fs::write(out.join("stale.txt"), "from before").unwrap();
    let o = mpsim(&[&"run", &scen, &"--out", &out, &"--seed", &"7"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out.join("stale.txt").exists(), "replaced whole");
    assert!(leftovers(&s.0).is_empty(), "{:?}", leftovers(&s.0));
    // A batch directory is not a run's results directory.
    let batch = s.path("b");
    std::fs::create_dir(&batch).unwrap();
    std::fs::write(
        batch.join(MARKER),
        "mpsim batch directory: mpsim adds and replaces runs in it\n",
    )
    .unwrap();
    std::fs::write(batch.join("batch.json"), "{}").unwrap();
    let o = mpsim(&[&"run", &scen, &"--out", &batch]);
    assert_refused(&o, &batch, "is a batch directory");
    assert!(batch.join("batch.json").is_file());
    // A marker with other contents is not a marker.
    std::fs::write(out.join(MARKER), "something else").unwrap();
    let o = mpsim(&[&"run", &scen, &"--out", &out]);
    assert_refused(&o, &out, "not an mpsim results directory");
}

#[test]
fn a_scenario_name_cannot_leave_the_results_folder() {
    let s = Scratch::new("name");
    s.write("work/src/lib.rs", "fn main() {}");
    for (name, why) in [
        ("../src", "may not contain `/`"),
        ("..", "`.` and `..` are not names"),
        ("", "the name is empty"),
        ("a\\\\b", "may not contain `/` or `\\`"),
        (".hidden", "may not start with `.`"),
    ] {
        let text = TINY.replace("name: \"tiny\"", &format!("name: \"{name}\""));
        let scen = s.write("work/x.ron", &text);
        let o = mpsim(&[&"validate", &scen]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains("name:"), "{name}: {err}");
        assert!(err.contains(why), "{name}: {err}");
        if !name.is_empty() && !name.contains('\\') {
            assert!(
                err.contains(&format!("{}:2:", scen.display())),
                "{name}: {err}"
            );
        }
    }
    std::fs::create_dir_all(s.path("work/results")).unwrap();
    let text = TINY.replace("name: \"tiny\"", "name: \"../src\"");
    let scen = s.write("work/x.ron", &text);
    let o = mpsim_in(Some(&s.path("work")), &[&"run", &scen]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(s.path("work/src/lib.rs")).unwrap(),
        "fn main() {}"
    );
}

/// A scenario that runs for minutes (a 1 Gbit/s link for 10,000 simulated seconds).
fn long_scenario() -> String {
    TINY.replace("duration: \"1s\"", "duration: \"10000s\"")
        .replace("\"10Mbps\"", "\"1Gbps\"")
}

#[test]
fn kill_9_part_way_keeps_the_old_results_and_the_next_run_cleans_up() {
    let s = Scratch::new("kill");
    let short = s.write("tiny.ron", TINY);
    let long = s.write("long.ron", &long_scenario());
    let out = s.path("r");
    assert!(mpsim(&[&"run", &short, &"--out", &out]).status.success());
    let before = tree(&out);
    let mut child = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .arg("run")
        .arg(&long)
        .arg("--out")
        .arg(&out)
        .arg("--no-plots")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let staging = s.path(&format!(".r.partial-{}", child.id()));
    let mut waited = 0;
    while !staging.join(MARKER).is_file() {
        assert!(waited < 30_000, "the run never made its staging directory");
        std::thread::sleep(std::time::Duration::from_millis(10));
        waited += 10;
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    // SIGKILL: no destructor, no clean-up of its own.
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        staging.is_dir(),
        "the killed run leaves its staging directory"
    );
    assert_eq!(tree(&out), before, "the old results are intact");
    // The next run to the same place removes the leftover and replaces the results.
    let o = mpsim(&[&"run", &short, &"--out", &out, &"--seed", &"2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(leftovers(&s.0).is_empty(), "{:?}", leftovers(&s.0));
    assert_ne!(tree(&out), before);
}

#[test]
fn a_kill_between_the_two_renames_puts_the_old_results_back() {
    let s = Scratch::new("renames");
    let short = s.write("tiny.ron", TINY);
    let out = s.path("r");
    assert!(mpsim(&[&"run", &short, &"--out", &out]).status.success());
    let before = tree(&out);
    // A process that has exited: its pid names the leftovers.
    let dead = dead_pid();
    // As if killed after moving the old results aside, before moving the new ones in.
    let old = s.path(&format!(".r.old-{dead}"));
    std::fs::rename(&out, &old).unwrap();
    let partial = s.path(&format!(".r.partial-{dead}"));
    std::fs::create_dir(&partial).unwrap();
    std::fs::write(partial.join(MARKER), tree(&old)[MARKER].clone()).unwrap();
    // Leftover-looking directories that are not clearly a dead mpsim's stay.
    let alive = s.path(".r.partial-1");
    std::fs::create_dir(&alive).unwrap();
    std::fs::write(alive.join(MARKER), tree(&old)[MARKER].clone()).unwrap();
    let unmarked = s.path(&format!(".r.old-{}", dead + 1_000_000));
    std::fs::create_dir(&unmarked).unwrap();
    std::fs::write(unmarked.join("mine.txt"), "user data").unwrap();
    // Validation does not touch anything; the next run restores, then replaces.
    let o = mpsim(&[&"validate", &short]);
    assert!(o.status.success());
    assert!(old.is_dir() && !out.exists());
    let o = mpsim(&[&"run", &short, &"--out", &out, &"--seed", &"3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!old.exists() && !partial.exists());
    assert!(
        alive.is_dir(),
        "pid 1 is alive: its directory is not ours to remove"
    );
    assert!(
        unmarked.join("mine.txt").is_file(),
        "no marker: not removed"
    );
    assert_ne!(tree(&out), before);
    assert_eq!(tree(&out).len(), before.len());
}

#[test]
fn compare_and_batch_follow_the_same_rules() {
    let s = Scratch::new("cmp");
    let scen = Path::new(env!("CARGO_MANIFEST_DIR")).join("cc/shared-bottleneck.ron");
    s.write("mine/thesis.tex", "chapter 1");
    let before = tree(&s.path("mine"));
    let o = mpsim(&[
        &"compare",
        &scen,
        &"--cc",
        &"lia",
        &"--seeds",
        &"1",
        &"--no-plots",
        &"--out",
        &s.path("mine"),
    ]);
    assert_refused(&o, &s.path("mine"), "not an mpsim results directory");
    assert_eq!(tree(&s.path("mine")), before);
    // A run's results are not a comparison's.
    let tiny = s.write("tiny.ron", TINY);
    assert!(mpsim(&[&"run", &tiny, &"--out", &s.path("run")])
        .status
        .success());
    let o = mpsim(&[
        &"compare",
        &scen,
        &"--cc",
        &"lia",
        &"--seeds",
        &"1",
        &"--no-plots",
        &"--out",
        &s.path("run"),
    ]);
    assert_refused(&o, &s.path("run"), "is the results directory of a run");
    // Batch: the batch directory must be new, empty or a batch directory.
    let sweep = s.write(
        "sweep.ron",
        "Sweep(scenario: \"tiny.ron\", axes: [Axis(name: \"d\", path: \"links.l.delay\", \
         values: [\"5ms\"])])",
    );
    let o = mpsim(&[&"batch", &sweep, &"--jobs", &"1", &"--out", &s.path("mine")]);
    assert_refused(&o, &s.path("mine"), "not an mpsim results directory");
    assert_eq!(tree(&s.path("mine")), before);
    let b = s.path("b");
    let o = mpsim(&[&"batch", &sweep, &"--jobs", &"1", &"--out", &b]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(b.join(MARKER).is_file() && b.join("runs/d=5ms,seed=1").join(MARKER).is_file());
    // A killed batch's temporary summary file goes; the run directories are replaced whole.
    let tmp = b.join(format!(".summary.csv.partial-{}", dead_pid()));
    std::fs::write(&tmp, "half a table").unwrap();
    let o = mpsim(&[&"batch", &sweep, &"--jobs", &"1", &"--out", &b]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!tmp.exists());
    assert!(leftovers(&b.join("runs")).is_empty());
    let o = mpsim(&[&"merge", &b, &"--out", &s.path("mine")]);
    assert_refused(&o, &s.path("mine"), "not an mpsim results directory");
    let o = mpsim(&[&"run", &tiny, &"--out", &b]);
    assert_refused(&o, &b, "is a batch directory");
}

/// A batch removes its runs' staging leftovers (`runs/.<id>.partial-<pid>`, marked as
/// mpsim's) of processes that are gone, never a directory that only has such a name, nor a
/// running process's; a dead run's earlier result moved aside (`.old-<pid>`) goes back.
#[test]
fn a_batch_removes_only_its_own_marked_leftovers() {
    let s = Scratch::new("leftovers");
    s.write("tiny.ron", TINY);
    let sweep = s.write(
        "sweep.ron",
        "Sweep(scenario: \"tiny.ron\", axes: [Axis(name: \"d\", path: \"links.l.delay\", \
         values: [\"5ms\"])])",
    );
    let b = s.path("b");
    let o = mpsim(&[&"batch", &sweep, &"--jobs", &"1", &"--out", &b]);
    assert!(o.status.success(), "{}", stderr(&o));
    let runs = b.join("runs");
    let marked = runs.join(format!(".d=5ms,seed=1.partial-{}", dead_pid()));
    std::fs::create_dir(&marked).unwrap();
    std::fs::copy(runs.join("d=5ms,seed=1").join(MARKER), marked.join(MARKER)).unwrap();
    let unmarked = runs.join(format!(".d=5ms,seed=1.old-{}", dead_pid()));
    std::fs::create_dir(&unmarked).unwrap();
    std::fs::write(unmarked.join("notes.txt"), "mine").unwrap();
    let o = mpsim(&[&"batch", &sweep, &"--jobs", &"1", &"--out", &b]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!marked.exists(), "the marked leftover stays");
    assert_eq!(
        std::fs::read_to_string(unmarked.join("notes.txt")).unwrap(),
        "mine"
    );
    // Another batch writing the same run (pid 1 is alive): its staging directory is not
    // this batch's to remove.
    let running = runs.join(".d=5ms,seed=1.partial-1");
    std::fs::create_dir(&running).unwrap();
    std::fs::copy(runs.join("d=5ms,seed=1").join(MARKER), running.join(MARKER)).unwrap();
    // A batch killed between its two renames: the complete earlier result, moved aside, goes
    // back into place, and `--resume` keeps it.
    let run = runs.join("d=5ms,seed=1");
    let before = tree(&run);
    let aside = runs.join(format!(".d=5ms,seed=1.old-{}", dead_pid()));
    std::fs::rename(&run, &aside).unwrap();
    let o = mpsim(&[&"batch", &sweep, &"--jobs", &"1", &"--resume", &"--out", &b]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!aside.exists());
    assert_eq!(tree(&run), before);
    let said = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    assert!(
        said.contains("0 ran, 1 skipped"),
        "the restored run is complete: {said}"
    );
    assert!(
        running.join(MARKER).is_file(),
        "a live process's staging stays"
    );
}

/// The pid of a process that has exited.
fn dead_pid() -> u32 {
    let mut gone = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .arg("--version")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = gone.id();
    gone.wait().unwrap();
    pid
}

#[test]
fn plot_draws_only_into_a_runs_results() {
    let s = Scratch::new("plot");
    // A folder of the user's that happens to hold a timeseries.csv.
    let tiny = s.write("tiny.ron", TINY);
    assert!(mpsim(&[&"run", &tiny, &"--out", &s.path("r")])
        .status
        .success());
    std::fs::create_dir(s.path("mine")).unwrap();
    for f in ["timeseries.csv", "events.csv", "summary.json"] {
        std::fs::copy(s.path("r").join(f), s.path("mine").join(f)).unwrap();
    }
    s.write("mine/throughput.svg", "my own figure");
    let before = tree(&s.path("mine"));
    let o = mpsim(&[&"plot", &s.path("mine"), &"--formats", &"svg"]);
    assert_refused(&o, &s.path("mine"), "not the results directory of a run");
    assert_eq!(tree(&s.path("mine")), before);
    let o = mpsim(&[&"plot", &s.path("r"), &"--formats", &"svg"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(s.path("r/throughput.svg").is_file());
}
