//! `cargo run --release -p benches --bin bench-report [CRITERION_DIR] [OUT_STEM]`: turns
//! criterion's results of the `scale_flows/<flows>`, `scale_hostpairs/<pairs>` and
//! `scale_subflows/<subflows>` benchmarks (and `scale_fattree`, `whole_run` if present) into a
//! table of wall-clock ns per simulated packet (mean time per iteration / packets per
//! iteration) on stdout, and line charts of ns per packet against the flow count, with one
//! line for flows on one host pair and one for independent host pairs with a flow each
//! (`OUT_STEM_flows.png`/`.svg`), and against the subflow count
//! (`OUT_STEM_subflows.png`/`.svg`).
//!
//! Defaults: `CRITERION_DIR` = `$CARGO_TARGET_DIR/criterion` (or `target/criterion`),
//! `OUT_STEM` = `CRITERION_DIR/scale`. Run the benchmarks first, e.g.
//! `cargo bench -p benches -- 'scale_|whole_run' --warm-up-time 1 --measurement-time 3`.

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

/// `(group, parameter)` of `.../<group>/<parameter>/new/estimates.json` for the groups this
/// report reads.
fn key(p: &Path) -> Option<(String, String)> {
    let comps: Vec<String> = p
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let k = comps
        .iter()
        .position(|c| c.starts_with("scale_") || c == "whole_run")?;
    if comps.get(k + 2).map(String::as_str) != Some("new") {
        return None;
    }
    Some((comps[k].clone(), comps.get(k + 1)?.clone()))
}

/// Mean ns per iteration and packets per iteration of one benchmark directory.
fn ns_per_packet(estimates: &Path) -> Result<Option<f64>, Box<dyn std::error::Error>> {
    let est: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(estimates)?)?;
    let bench = estimates.with_file_name("benchmark.json");
    let b: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(bench)?)?;
    let (Some(ns), Some(packets)) = (
        est["mean"]["point_estimate"].as_f64(),
        b["throughput"]["Elements"].as_f64(),
    ) else {
        return Ok(None);
    };
    Ok((packets > 0.0).then(|| ns / packets))
}

/// One chart: its file suffix, what it shows (for the title), the x axis, and the groups it
/// draws as `(group, series label)`.
struct Figure {
    suffix: &'static str,
    what: &'static str,
    x_label: &'static str,
    groups: &'static [(&'static str, &'static str)],
}

/// `(parameter, ns per packet)` of a group's numeric cases, by parameter.
fn points(rows: &BTreeMap<String, f64>) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|(p, &ns)| Some((p.parse::<f64>().ok()?, ns)))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    pts
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().map(PathBuf::from).unwrap_or_else(|| {
        std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| PathBuf::from("target"), PathBuf::from)
            .join("criterion")
    });
    let stem = args.next().map_or_else(|| dir.join("scale"), PathBuf::from);
    let mut files = Vec::new();
    walk(&dir, &mut files);
    let mut table: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for f in files {
        let Some((group, param)) = key(&f) else {
            continue;
        };
        if let Some(ns) = ns_per_packet(&f)? {
            table.entry(group).or_default().insert(param, ns);
        }
    }
    if table.is_empty() {
        return Err(format!("no scale_* or whole_run results under {}", dir.display()).into());
    }
    println!("{:<16} {:<22} {:>12}", "group", "case", "ns/packet");
    for (group, rows) in &table {
        let mut rows: Vec<(&String, &f64)> = rows.iter().collect();
        rows.sort_by_key(|(p, _)| (p.parse::<u64>().unwrap_or(u64::MAX), (*p).clone()));
        for (param, ns) in rows {
            println!("{group:<16} {param:<22} {ns:>12.1}");
        }
    }
    let figures = [
        Figure {
            suffix: "flows",
            what: "TCP flows",
            x_label: "flows (on one host pair, or one per host pair)",
            groups: &[
                ("scale_flows", "TCP flows on one host pair"),
                ("scale_hostpairs", "independent host pairs, one flow each"),
            ],
        },
        Figure {
            suffix: "subflows",
            what: "subflows of one MPTCP connection",
            x_label: "subflows",
            groups: &[("scale_subflows", "subflows of one MPTCP connection")],
        },
    ];
    for Figure {
        suffix,
        what,
        x_label,
        groups,
    } in figures
    {
        let series: Vec<Series> = groups
            .iter()
            .filter_map(|&(group, label)| {
                Some(Series::new(label.to_string(), points(table.get(group)?)))
            })
            .collect();
        if series.is_empty() {
            continue;
        }
        let title = format!("mpsim: wall-clock cost per simulated packet ({what})");
        let chart = LineChart {
            title: &title,
            x_label,
            y_label: "time per packet (ns)",
            series: &series,
            x_scale: Scale::Log,
            ..LineChart::default()
        };
        let out = PathBuf::from(format!("{}_{suffix}", stem.display()));
        for p in plots::line_chart(&out, &chart, &PlotOptions::default())? {
            eprintln!("wrote {}", p.display());
        }
    }
    Ok(())
}
