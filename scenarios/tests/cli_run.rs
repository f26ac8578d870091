//! `mpsim run` and `mpsim plot` end to end: the results directory is complete, byte-identical
//! across runs with the same seed, and replaces an older one only when whole.

use std::path::{Path, PathBuf};
use std::process::Command;

fn mpsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .args(args)
        .output()
        .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mpsim-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn shipped(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(name)
        .display()
        .to_string()
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn run_twice_gives_byte_identical_results_and_plot_redraws_them() {
    let (a, b) = (scratch("a"), scratch("b"));
    for d in [&a, &b] {
        let out = mpsim(&[
            "run",
            &shipped("dumbbell.ron"),
            "--out",
            d.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (fa, fb) = (files(&a), files(&b));
    let names: Vec<&str> = fa.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "summary.json",
        "timeseries.csv",
        "events.csv",
        "scenario.ron",
        "throughput.png",
        "throughput.svg",
        "cwnd.svg",
        "rtt.svg",
        "queue.svg",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    assert_eq!(fa, fb, "same scenario and seed must give the same bytes");

    // Redrawing from the files gives the same figures again.
    let svg_before = std::fs::read(a.join("throughput.svg")).unwrap();
    std::fs::remove_file(a.join("throughput.svg")).unwrap();
    let out = mpsim(&["plot", a.to_str().unwrap(), "--formats", "svg"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(a.join("throughput.svg")).unwrap(), svg_before);

    // Another seed changes the results; the directory is replaced whole.
    let out = mpsim(&[
        "run",
        &shipped("dumbbell.ron"),
        "--out",
        b.to_str().unwrap(),
        "--seed",
        "2",
        "--no-plots",
    ]);
    assert!(out.status.success());
    let names_b: Vec<String> = files(&b).into_iter().map(|(n, _)| n).collect();
    assert!(
        !names_b.iter().any(|n| n.ends_with(".png")),
        "--no-plots run replaced the old directory whole: {names_b:?}"
    );
    // This run's staging directory (`.<name>.partial-<pid>` beside `b`) is gone; other
    // programs' files in the shared temporary directory are none of its business.
    let own = format!(".{}.partial-", b.file_name().unwrap().to_string_lossy());
    let leftovers: Vec<_> = std::fs::read_dir(b.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&own))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

/// A simulating command starts itself again with glibc's malloc on transparent huge pages
/// (`scenarios/src/huge_pages.rs`) unless `GLIBC_TUNABLES` already chooses: the results are
/// the same bytes either way.
#[test]
fn huge_pages_change_no_result() {
    let (on, off) = (scratch("huge-on"), scratch("huge-off"));
    for (dir, tunables) in [(&on, None), (&off, Some("glibc.malloc.hugetlb=0"))] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mpsim"));
        cmd.args([
            "run",
            &shipped("two-path.ron"),
            "--set",
            "duration=2s",
            "--no-plots",
            "--out",
            dir.to_str().unwrap(),
        ]);
        match tunables {
            Some(t) => cmd.env("GLIBC_TUNABLES", t),
            None => cmd.env_remove("GLIBC_TUNABLES"),
        };
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(files(&on), files(&off));
    let _ = std::fs::remove_dir_all(&on);
    let _ = std::fs::remove_dir_all(&off);
}

#[test]
fn a_run_that_cannot_write_leaves_nothing_behind() {
    let base = scratch("blocked");
    std::fs::create_dir_all(&base).unwrap();
    let file = base.join("not-a-dir");
    std::fs::write(&file, "user data").unwrap();
    let target = file.join("results");
    let out = mpsim(&[
        "run",
        &shipped("single-path.ron"),
        "--out",
        target.to_str().unwrap(),
        "--no-plots",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    // The message names the path the user gave, not a staging directory.
    assert!(err.contains(target.to_str().unwrap()), "{err}");
    assert!(!err.contains(".partial-"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "user data");
    let _ = std::fs::remove_dir_all(&base);
}

/// The commit `git` reports for this source tree, when it is a git clone.
fn git_head() -> Option<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[test]
fn version_and_manifest_say_which_mpsim_made_the_results() {
    let out = mpsim(&["--version"]);
    assert!(out.status.success());
    let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let commit = scenarios::manifest::GIT_COMMIT;
    assert_eq!(
        version,
        format!("mpsim {} (commit {commit})", env!("CARGO_PKG_VERSION"))
    );
    if std::env::var_os("MPSIM_GIT_COMMIT").is_none() {
        if let Some(head) = git_head() {
            assert_eq!(commit, head, "the build embeds the checked-out commit");
        }
    }

    let dir = scratch("manifest");
    let out = mpsim(&[
        "run",
        &shipped("single-path.ron"),
        "--out",
        dir.to_str().unwrap(),
        "--seed",
        "5",
        "--no-plots",
    ]);
    assert!(out.status.success());
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let scenario = std::fs::read(dir.join("scenario.ron")).unwrap();
    assert_eq!(m["kind"], "run");
    assert_eq!(m["mpsim_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(m["git_commit"], commit);
    assert_eq!(m["seed"], 5);
    assert_eq!(
        m["scenario_sha256"],
        scenarios::manifest::sha256_hex(&scenario)
    );
    assert_eq!(
        m["command"],
        serde_json::json!([
            "mpsim",
            "run",
            shipped("single-path.ron"),
            "--seed",
            "5",
            "--no-plots"
        ]),
        "--out is left out: the results do not depend on it"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
