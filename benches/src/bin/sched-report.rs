//! `cargo run -p benches --bin sched-report [CRITERION_DIR] [OUT_STEM]`: turns criterion's
//! results of the `sched_decision/<scheduler>/<subflows>` benchmarks into a table (stdout,
//! ns per decision, mean point estimate) and a line chart of ns per decision against the
//! subflow count, one line per scheduler with a marker per measurement, both axes
//! logarithmic (subflow counts double from 1 to 64; costs span orders of magnitude), each
//! scheduler keeping its colour and marker (`OUT_STEM.png` and `.svg`).
//!
//! Defaults: `CRITERION_DIR` = `$CARGO_TARGET_DIR/criterion` (or `target/criterion`),
//! `OUT_STEM` = `CRITERION_DIR/sched_decision`. Run the benchmarks first, e.g.
//! `cargo bench -p benches -- sched_decision --warm-up-time 0.5 --measurement-time 1`.

use plots::{LineChart, PlotOptions, Scale, Series};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.file_name().is_some_and(|n| n == "estimates.json") {
            out.push(p);
        }
    }
}

/// `(scheduler, subflows)` of `.../sched_decision_<scheduler>/<subflows>/new/estimates.json`.
fn key(p: &Path) -> Option<(String, u32)> {
    let comps: Vec<String> = p
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let k = comps.iter().position(|c| c.starts_with("sched_decision"))?;
    if comps.get(k + 2).map(String::as_str) != Some("new") {
        return None;
    }
    let name = comps[k]
        .trim_start_matches("sched_decision")
        .trim_start_matches(['_', '/'])
        .to_owned();
    Some((name, comps.get(k + 1)?.parse().ok()?))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().map(PathBuf::from).unwrap_or_else(|| {
        std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| PathBuf::from("target"), PathBuf::from)
            .join("criterion")
    });
    let stem = args
        .next()
        .map_or_else(|| dir.join("sched_decision"), PathBuf::from);
    let mut files = Vec::new();
    walk(&dir, &mut files);
    let mut table: BTreeMap<String, BTreeMap<u32, f64>> = BTreeMap::new();
    for f in files {
        let Some((name, n)) = key(&f) else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&f)?)?;
        if let Some(ns) = v["mean"]["point_estimate"].as_f64() {
            table.entry(name).or_default().insert(n, ns);
        }
    }
    if table.is_empty() {
        return Err(format!("no sched_decision results under {}", dir.display()).into());
    }
    let counts: Vec<u32> = {
        let mut c: Vec<u32> = table.values().flat_map(|m| m.keys().copied()).collect();
        c.sort_unstable();
        c.dedup();
        c
    };
    print!("{:<12}", "ns/decision");
    for n in &counts {
        print!("{n:>9}");
    }
    println!();
    for (name, row) in &table {
        print!("{name:<12}");
        for n in &counts {
            match row.get(n) {
                Some(ns) => print!("{ns:>9.1}"),
                None => print!("{:>9}", "-"),
            }
        }
        println!();
    }
    let series: Vec<Series> = table
        .iter()
        .enumerate()
        .map(|(i, (name, row))| {
            Series::new(
                name.clone(),
                row.iter().map(|(&n, &ns)| (f64::from(n), ns)).collect(),
            )
            .with_slot(i)
        })
        .collect();
    let chart = LineChart {
        title: "MPTCP scheduler: cost of one decision",
        x_label: "subflows",
        y_label: "time per decision (ns)",
        series: &series,
        x_scale: Scale::Log,
        y_scale: Scale::Log,
        ..LineChart::default()
    };
    for p in plots::line_chart(&stem, &chart, &PlotOptions::default())? {
        eprintln!("wrote {}", p.display());
    }
    Ok(())
}
