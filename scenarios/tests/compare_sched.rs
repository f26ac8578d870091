//! `mpsim compare --scheduler`: the HoL delay columns and CDF plot, determinism across
//! thread counts, and the error for an unknown scheduler.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sched/heterogeneous-paths.ron")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mpsim-compare-sched-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn mpsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .args(args)
        .output()
        .expect("mpsim runs")
}

fn compare(out: &Path, jobs: &str) -> Output {
    let file = scenario();
    mpsim(&[
        "compare",
        file.to_str().unwrap(),
        "--scheduler",
        "minrtt,blest",
        "--seeds",
        "2",
        "--jobs",
        jobs,
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
fn scheduler_comparison_tabulates_and_plots_hol_delay_deterministically() {
    let (a, b) = (scratch("j1"), scratch("j2"));
    for (dir, jobs) in [(&a, "1"), (&b, "2")] {
        let o = compare(dir, jobs);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let table = std::fs::read_to_string(a.join("table.txt")).unwrap();
    for col in ["HoL p50 ms", "HoL p99 ms", "HoL mean ms", "wasted MB"] {
        assert!(table.contains(col), "no `{col}` in\n{table}");
    }
    assert!(
        table.contains("minrtt") && table.contains("blest"),
        "{table}"
    );
    let csv = std::fs::read_to_string(a.join("compare.csv")).unwrap();
    for m in ["hol_p50_ms", "hol_p99_ms", "hol_mean_ms", "wasted_mb"] {
        assert!(csv.contains(&format!(",{m},")), "no {m} rows in\n{csv}");
    }
    assert!(a.join("hol-cdf.svg").is_file() && a.join("hol-cdf.png").is_file());
    let mut names: Vec<_> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    for n in &names {
        let (x, y) = (
            std::fs::read(a.join(n)).unwrap(),
            std::fs::read(b.join(n)).unwrap(),
        );
        assert!(x == y, "{n:?} differs between --jobs 1 and --jobs 2");
    }
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn unknown_scheduler_exits_2_naming_it() {
    let out = scratch("bad");
    let file = scenario();
    let o = mpsim(&[
        "compare",
        file.to_str().unwrap(),
        "--scheduler",
        "minrtt,fastest",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("fastest"), "{err}");
    assert!(!out.exists());
}
