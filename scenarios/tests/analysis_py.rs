//! The batch tables as pandas reads them, and `examples/analysis.py` against `mpsim report`.
//!
//! Needs a Python with pandas and matplotlib (`examples/requirements.txt`): `MPSIM_PYTHON`
//! names it (default `python3`). Without one the test is skipped with a message on the
//! terminal, unless `MPSIM_REQUIRE_PYTHON` is set (as `.ci/run` does), which makes it fail.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mpsim(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The Python to use, if it has pandas and matplotlib.
fn python() -> Option<String> {
    let py = std::env::var("MPSIM_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let works = Command::new(&py)
        .args(["-c", "import pandas, matplotlib"])
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        return Some(py);
    }
    let required = std::env::var_os("MPSIM_REQUIRE_PYTHON").is_some_and(|v| !v.is_empty());
    assert!(
        !required,
        "MPSIM_REQUIRE_PYTHON is set but `{py}` cannot import pandas and matplotlib \
         (pip install -r examples/requirements.txt)"
    );
    // Straight to the terminal: the test harness captures eprintln! of passing tests.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED analysis_py: `{py}` cannot import pandas and matplotlib; set \
         MPSIM_PYTHON to a Python with examples/requirements.txt installed (.ci/run does) ***\n"
    );
    None
}

/// Checks the tables' layout in pandas (plain `read_csv`): numeric axes, `none` kept, text
/// kept, a row per run and flow, histograms that add up to the sample counts.
const LAYOUT_CHECK: &str = r#"
import sys
import pandas as pd
from pandas.api.types import is_numeric_dtype, is_string_dtype
d = sys.argv[1]
s = pd.read_csv(f"{d}/summary.csv")
assert len(s) == 8 and s["run"].nunique() == 8, s
assert s["lte_delay_ms"].dtype.kind == "i", s.dtypes
assert list(s["lte_delay_label"].unique()) == ["20ms", "80ms"]
assert s["mode"].notna().all() and list(s["mode"].unique()) == ["none", "ActiveStandby"]
assert s.groupby(["mode", "lte_delay_ms"]).size().sum() == 8, "no run is dropped"
for col in ["transport", "cc", "scheduler", "flow", "events.0.action"]:
    assert is_string_dtype(s[col]), (col, s[col].dtype)
for col in ["goodput_bps", "events.0.stall_s", "hol_delay_ms.p99", "goodput_bps_total"]:
    assert is_numeric_dtype(s[col]), (col, s[col].dtype)
assert (s["transport"] == "mptcp").all() and (s["status"] == "ok").all()
sub = pd.read_csv(f"{d}/subflows.csv")
assert len(sub) >= 16 and is_string_dtype(sub["label"]) and set(sub["label"]) >= {"wifi", "lte"}
assert (sub.groupby("run").size() >= 2).all()
hol = pd.read_csv(f"{d}/hol_histogram.csv")
assert (hol["bin_lo_ms"] < hol["bin_hi_ms"]).all() and (hol["count"] > 0).all()
counts = hol.groupby("run")["count"].sum()
samples = s.set_index("run")["hol_delay_ms.samples"]
assert (counts == samples.loc[counts.index]).all(), (counts, samples)
links = pd.read_csv(f"{d}/links.csv")
assert len(links) == 8 * 6 and set(links["link"]) >= {"wifi", "lte.rev"}
print("layout ok")
"#;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mpsim-analysis-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `(group and x text, n, mean)` per row of a report table (`mpsim report` or analysis.py).
fn read_table(path: &Path) -> (String, Vec<(String, u64, f64)>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_owned();
    let n_at = header.split(',').position(|c| c == "n").unwrap();
    let rows = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[..n_at].join(","),
                f[n_at].parse().unwrap(),
                f[n_at + 1].parse().unwrap(),
            )
        })
        .collect();
    (header, rows)
}

#[test]
fn pandas_reads_the_tables_and_analysis_py_redraws_the_report() {
    let Some(py) = python() else { return };
    let dir = scratch("handover");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = root.join("wifi-lte-handover.ron");
    let sweep = dir.join("sweep.ron");
    std::fs::write(
        &sweep,
        format!(
            r#"Sweep(scenario: {:?},
                axes: [
                    Axis(name: "mode", path: "flows.download.transport.mode",
                         values: [None, Some(ActiveStandby)]),
                    Axis(name: "lte_delay", path: "links.lte.delay", values: ["20ms", "80ms"]),
                ],
                seeds: Count(2))"#,
            base.display().to_string()
        ),
    )
    .unwrap();
    let batch = dir.join("batch");
    ok(&mpsim(&[
        &"batch", &sweep, &"--out", &batch, &"--jobs", &"2",
    ]));

    let out = Command::new(&py)
        .args(["-c", LAYOUT_CHECK])
        .arg(&batch)
        .output()
        .unwrap();
    assert!(ok(&out).contains("layout ok"));

    let args = [
        "--x",
        "lte_delay",
        "--y",
        "events.0.stall_s",
        "--group",
        "mode",
    ];
    ok(&mpsim(&[
        &"report",
        &batch,
        &args[0],
        &args[1],
        &args[2],
        &args[3],
        &args[4],
        &args[5],
        &"--formats",
        &"svg",
    ]));
    let script = root.join("../examples/analysis.py");
    let printed = ok(&Command::new(&py)
        .arg(&script)
        .arg(&batch)
        .args(args)
        .output()
        .unwrap());
    assert!(printed.contains("hol-cdf.png"), "{printed}");
    for f in ["events.0.stall_s-vs-lte_delay.png", "hol-cdf.png"] {
        let png = std::fs::read(batch.join("analysis").join(f)).unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{f}");
    }
    // The same numbers as mpsim report's table, group by group.
    let (h_report, report) = read_table(&batch.join("report/events.0.stall_s-vs-lte_delay.csv"));
    let (h_py, py_rows) = read_table(&batch.join("analysis/events.0.stall_s-vs-lte_delay.csv"));
    assert_eq!(h_report, h_py);
    assert_eq!(h_py, "mode,lte_delay,n,mean,sd,ci95_low,ci95_high");
    assert_eq!(report.len(), 4);
    assert_eq!(report.len(), py_rows.len());
    for (r, p) in report.iter().zip(&py_rows) {
        assert_eq!((&r.0, r.1), (&p.0, p.1));
        assert!((r.2 - p.2).abs() <= 1e-12 * r.2.abs(), "{r:?} vs {p:?}");
    }
    assert_eq!(report[0].0, "none,20ms");
    let _ = std::fs::remove_dir_all(&dir);
}
