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
    let agg = std::fs::read_to_string(a.join("aggregate.csv")).unwrap();
    for m in [
        "hol_p50_ms",
        "hol_p99_ms",
        "hol_mean_ms",
        "wasted_bytes",
        "goodput_bps",
    ] {
        assert!(agg.contains(&format!(",{m},")), "no {m} rows in\n{agg}");
    }
    // The per-run table: one row per run (variant x seed; one flow), base units.
    let csv = std::fs::read_to_string(a.join("compare.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "run,variant,seed,flow,transport,goodput_bps,retransmitted_pct,jain_goodput,\
             hol_p50_ms,hol_p99_ms,hol_mean_ms,wasted_bytes,mean_cwnd_bytes"
        )
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 4);
    let keys: Vec<(&str, &str, &str)> = rows.iter().map(|r| (r[0], r[1], r[2])).collect();
    assert_eq!(
        keys,
        [
            ("0", "minrtt", "1"),
            ("1", "minrtt", "2"),
            ("2", "blest", "1"),
            ("3", "blest", "2")
        ]
    );
    // The aggregate is the mean of the runs' values.
    let goodput = |v: &str| -> f64 {
        let xs: Vec<f64> = rows
            .iter()
            .filter(|r| r[1] == v)
            .map(|r| r[5].parse::<f64>().unwrap())
            .collect();
        xs.iter().sum::<f64>() / xs.len() as f64
    };
    for v in ["minrtt", "blest"] {
        let line = agg
            .lines()
            .find(|l| l.starts_with(&format!("{v},download,,goodput_bps,")))
            .unwrap();
        let mean: f64 = line.split(',').nth(5).unwrap().parse().unwrap();
        assert!(
            (mean - goodput(v)).abs() <= 1e-6,
            "{v}: {mean} vs {}",
            goodput(v)
        );
    }
    let subflows = std::fs::read_to_string(a.join("compare_subflows.csv")).unwrap();
    assert!(subflows.starts_with("run,variant,seed,flow,subflow,mean_cwnd_bytes\n"));
    assert_eq!(subflows.lines().count(), 1 + 4 * 2, "{subflows}");
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
