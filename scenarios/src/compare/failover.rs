//! The comparison's view of a link event: each flow's stall and recovery after the run's
//! first event (the summary's `events[0]`: longest time without in-order delivery, and the
//! time until the goodput over 100 ms reaches 90 % of what the paths still up carry), as
//! rows, a text table, and goodput over time per variant (`goodput-time`, first seed, the
//! events marked). Also each flow's completion time (finite transfers) and message delays
//! (paced applications: request/response, constant bit rate).

use super::table::{Comparison, FlowResult, Row};
use plots::{LineChart, Marker, PlotOptions, Series};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The event rows of one flow over seeds: `stall_s`, `recovery_s` (seeds that recovered)
/// and `recovered` (their share), or nothing without an event.
pub(super) fn event_rows(flows: &[&FlowResult]) -> Vec<(&'static str, Vec<f64>)> {
    let stalls: Vec<f64> = flows.iter().filter_map(|f| f.stall_s).collect();
    if stalls.is_empty() {
        return Vec::new();
    }
    let rec: Vec<f64> = flows.iter().filter_map(|f| f.recovery_s).collect();
    let share = rec.len() as f64 / stalls.len() as f64;
    vec![
        ("stall_s", stalls),
        ("recovery_s", rec),
        ("recovered", vec![share]),
    ]
}

/// The completion rows of one flow over seeds: `completion_s` (seeds whose transfer
/// completed) and `response_p50_ms`, `response_p99_ms`, `response_mean_ms` (paced
/// applications); none for what the flow does not have.
pub(super) fn completion_rows(flows: &[&FlowResult]) -> Vec<(&'static str, Vec<f64>)> {
    let mut rows = Vec::new();
    let done: Vec<f64> = flows.iter().filter_map(|f| f.completion_s).collect();
    if !done.is_empty() {
        rows.push(("completion_s", done));
    }
    let resp: Vec<[f64; 3]> = flows.iter().filter_map(|f| f.response_ms).collect();
    if !resp.is_empty() {
        for (k, m) in ["response_p50_ms", "response_p99_ms", "response_mean_ms"]
            .into_iter()
            .enumerate()
        {
            rows.push((m, resp.iter().map(|r| r[k]).collect()));
        }
    }
    rows
}

impl Comparison {
    /// The completion and response-time table (empty when no flow has either).
    pub(super) fn completion_table(&self, rows: &[Row]) -> String {
        let mut s = String::new();
        let wanted = ["completion_s", "response_p50_ms", "response_p99_ms"];
        if !rows.iter().any(|r| wanted.contains(&r.metric)) {
            return s;
        }
        let _ = writeln!(
            s,
            "\n{:<16} {:<10} {:>18} {:>10} {:>18} {:>18}",
            "variant", "flow", "completion s", "completed", "response p50 ms", "response p99 ms"
        );
        let runs = self.seeds.len();
        let pm = |c: Option<&Row>, p: usize| match c.map(|r| &r.cell) {
            None => "-".to_owned(),
            Some(c) if c.half.is_finite() => format!("{:.p$} ± {:.p$}", c.mean, c.half),
            Some(c) => format!("{:.p$}", c.mean),
        };
        for v in &self.variants {
            for name in self.flow_names() {
                let get = |m: &str| {
                    rows.iter()
                        .find(|r| &r.variant == v && r.flow == name && r.metric == m)
                };
                let (done, p50, p99) = (
                    get("completion_s"),
                    get("response_p50_ms"),
                    get("response_p99_ms"),
                );
                if done.is_none() && p50.is_none() {
                    continue;
                }
                let n = done.map_or(0, |r| r.cell.n);
                let _ = writeln!(
                    s,
                    "{:<16} {:<10} {:>18} {:>10} {:>18} {:>18}",
                    v,
                    name,
                    pm(done, 3),
                    format!("{n}/{runs}"),
                    pm(p50, 1),
                    pm(p99, 1)
                );
            }
        }
        s
    }

    /// The stall and recovery table (empty without a link event).
    pub(super) fn event_table(&self, rows: &[Row]) -> String {
        let mut s = String::new();
        if !rows.iter().any(|r| r.metric == "stall_s") {
            return s;
        }
        let _ = writeln!(
            s,
            "\n{:<16} {:<10} {:>18} {:>16} {:>16} {:>10}",
            "variant", "flow", "goodput Mbit/s", "stall s", "recovery s", "recovered"
        );
        // `scale` turns a metric's base unit into the column's (bit/s to Mbit/s).
        let pm = |c: &crate::batch::report::Cell, p: usize, scale: f64| {
            if c.n == 0 {
                "never".to_owned()
            } else if c.half.is_finite() {
                format!("{:.p$} ± {:.p$}", c.mean * scale, c.half * scale)
            } else {
                format!("{:.p$}", c.mean * scale)
            }
        };
        for v in &self.variants {
            for name in self.flow_names() {
                let get = |m: &str| {
                    rows.iter()
                        .find(|r| &r.variant == v && r.flow == name && r.metric == m)
                };
                let (Some(g), Some(st), Some(rec), Some(share)) = (
                    get("goodput_bps"),
                    get("stall_s"),
                    get("recovery_s"),
                    get("recovered"),
                ) else {
                    continue;
                };
                let _ = writeln!(
                    s,
                    "{:<16} {:<10} {:>18} {:>16} {:>16} {:>9.0}%",
                    v,
                    name,
                    pm(&g.cell, 2, 1e-6),
                    pm(&st.cell, 3, 1.0),
                    pm(&rec.cell, 3, 1.0),
                    share.cell.mean * 100.0
                );
            }
        }
        s
    }

    /// `goodput-time`: every variant's goodput over time (first seed), one line per variant
    /// and flow, with the scenario's events marked. Nothing when no run kept its series.
    pub fn goodput_time(&self, dir: &Path, opts: &PlotOptions) -> Result<Vec<PathBuf>, String> {
        let names = self.flow_names();
        let mut series = Vec::new();
        let mut markers: Vec<Marker> = Vec::new();
        for (v, label) in self.variants.iter().enumerate() {
            let Some(run) = self.runs.iter().find(|r| r.variant == v) else {
                continue;
            };
            for (k, f) in run.flows.iter().enumerate() {
                if f.goodput_series.is_empty() {
                    continue;
                }
                let pts = f
                    .goodput_series
                    .iter()
                    .map(|&(t, g)| (t, g / 1e6))
                    .collect();
                let lab = if names.len() > 1 {
                    format!("{label} {}", f.name)
                } else {
                    label.clone()
                };
                series.push(Series::new(lab, pts).with_slot(v * names.len().max(1) + k));
            }
            if markers.is_empty() {
                markers = run.event_marks.clone();
            }
        }
        if series.is_empty() {
            return Ok(Vec::new());
        }
        let title = format!(
            "{}: goodput over time (seed {})",
            self.scenario, self.seeds[0]
        );
        let chart = LineChart {
            title: &title,
            x_label: "time (s)",
            y_label: "goodput (Mbit/s)",
            series: &series,
            markers: &markers,
            ..LineChart::default()
        };
        plots::line_chart(&dir.join("goodput-time"), &chart, opts).map_err(|e| e.to_string())
    }
}
