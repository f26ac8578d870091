//! [`draw_run`]: redraws one run's standard figures from the files in its results
//! directory (`timeseries.csv`, optional `events.csv`).
//!
//! Input contract (written by the scenario runner):
//! - `timeseries.csv`, header `time_s,kind,name,subflow,metric,value` (columns are found by
//!   name; extra columns are ignored). `kind` is `flow` or `link`; `subflow` is empty for
//!   connection-level rows. Unknown kinds and metrics are ignored; `time_s` and `value` must
//!   parse as floats on every row.
//! - `events.csv`, header `time_s,target,action`; may be absent or empty. Each row becomes a
//!   marker labelled `"<target> <action>"`.
//!
//! Series keep the order in which they first appear in the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::table::Table;
use crate::{line_chart, stacked_chart, Format, LineChart, Marker, PlotError, Series};

/// Row kinds of `timeseries.csv` that are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Flow,
    Link,
}

/// Identity of one time series in the tidy file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    kind: Kind,
    name: String,
    /// `None` for connection/flow-level rows.
    subflow: Option<String>,
    metric: String,
}

/// Metrics `draw_run` uses; rows with other metrics are skipped.
const METRICS: [&str; 6] = [
    "goodput_bps",
    "throughput_bps",
    "cwnd_bytes",
    "srtt_ms",
    "inflight_bytes",
    "queue_packets",
];

/// All series of a run, in order of first appearance.
#[derive(Debug, Default)]
pub(crate) struct RunData {
    order: Vec<Key>,
    points: BTreeMap<Key, Vec<(f64, f64)>>,
}

impl RunData {
    fn push(&mut self, key: Key, point: (f64, f64)) {
        if let Some(v) = self.points.get_mut(&key) {
            v.push(point);
        } else {
            self.order.push(key.clone());
            self.points.insert(key, vec![point]);
        }
    }

    /// Flow names in order of first appearance.
    fn flows(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for k in self.order.iter().filter(|k| k.kind == Kind::Flow) {
            if !names.contains(&k.name.as_str()) {
                names.push(&k.name);
            }
        }
        names
    }

    /// Keys matching `kind` and `metric`, in order of first appearance.
    fn keys<'a>(&'a self, kind: Kind, metric: &'a str) -> impl Iterator<Item = &'a Key> + 'a {
        self.order
            .iter()
            .filter(move |k| k.kind == kind && k.metric == metric)
    }

    /// The points of one series, scaled by `scale`, if present.
    fn series(&self, key: &Key, label: String, scale: f64) -> Series {
        let points = self.points[key]
            .iter()
            .map(|&(t, v)| (t, v * scale))
            .collect();
        Series { label, points }
    }

    /// The flow-level series of `flow` for `metric`, if present.
    fn flow_key<'a>(&'a self, flow: &str, metric: &'a str) -> Option<&'a Key> {
        self.keys(Kind::Flow, metric)
            .find(|k| k.name == flow && k.subflow.is_none())
    }
}

/// Reads a file that may be absent.
fn read_optional(path: &Path) -> Result<Option<String>, PlotError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(PlotError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Parses a `timeseries.csv` text read from `path`.
pub(crate) fn parse_timeseries(path: &Path, text: &str) -> Result<RunData, PlotError> {
    let table = Table::parse(path, text)?;
    let mut data = RunData::default();
    if table.is_empty() {
        return Ok(data);
    }
    let [time, kind, name, subflow, metric, value] =
        ["time_s", "kind", "name", "subflow", "metric", "value"].map(|c| table.column(c));
    let (time, kind, name, subflow, metric, value) =
        (time?, kind?, name?, subflow?, metric?, value?);
    for rec in &table.records {
        let t = table.number(rec, time)?;
        let v = table.number(rec, value)?;
        let kind = match rec.fields[kind].trim() {
            "flow" => Kind::Flow,
            "link" => Kind::Link,
            _ => continue,
        };
        let m = rec.fields[metric].trim();
        if !METRICS.contains(&m) {
            continue;
        }
        let sf = rec.fields[subflow].trim();
        let key = Key {
            kind,
            name: rec.fields[name].trim().to_owned(),
            subflow: (!sf.is_empty()).then(|| sf.to_owned()),
            metric: m.to_owned(),
        };
        data.push(key, (t, v));
    }
    Ok(data)
}

/// Parses an `events.csv` text read from `path` into markers, in file order.
pub(crate) fn parse_events(path: &Path, text: &str) -> Result<Vec<Marker>, PlotError> {
    let table = Table::parse(path, text)?;
    if table.is_empty() {
        return Ok(Vec::new());
    }
    let (time, target, action) = (
        table.column("time_s")?,
        table.column("target")?,
        table.column("action")?,
    );
    table
        .records
        .iter()
        .map(|rec| {
            Ok(Marker {
                x: table.number(rec, time)?,
                label: format!(
                    "{} {}",
                    rec.fields[target].trim(),
                    rec.fields[action].trim()
                ),
            })
        })
        .collect()
}

/// A flow name made safe for a file name: characters other than ASCII letters, digits,
/// `-`, `_` and `.` become `_`.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Label of a series: the flow or link name, plus `/subflow` for subflow rows.
fn label(key: &Key) -> String {
    match &key.subflow {
        Some(sf) => format!("{}/{sf}", key.name),
        None => key.name.clone(),
    }
}

/// Redraws the standard figures of the run in `dir` from `dir/timeseries.csv` and
/// `dir/events.csv`, writing them into `dir` in each of `formats`. Returns the written paths,
/// sorted.
///
/// Figures (each skipped when its data is absent; every one carries the events as markers):
/// - `throughput`: with one flow, its goodput in Mbit/s, or, if it has subflows, the
///   subflows' throughput stacked under the flow's goodput line. With several flows, one
///   goodput line per flow, plus a stacked `throughput-<flow>` figure for each flow with
///   subflows. A flow without `goodput_bps` rows falls back to its flow-level
///   `throughput_bps`.
/// - `cwnd`: congestion window in kB (10³ bytes) per flow and subflow.
/// - `rtt`: smoothed RTT in ms per flow and subflow.
/// - `queue`: queue length in packets per link.
///
/// Errors: [`PlotError::MissingInput`] without `timeseries.csv`; [`PlotError::Csv`] naming
/// file and line for malformed input; I/O and drawing errors otherwise.
pub fn draw_run(dir: &Path, formats: &[Format]) -> Result<Vec<PathBuf>, PlotError> {
    let ts_path = dir.join("timeseries.csv");
    let text = read_optional(&ts_path)?.ok_or(PlotError::MissingInput {
        path: ts_path.clone(),
    })?;
    let data = parse_timeseries(&ts_path, &text)?;
    let ev_path = dir.join("events.csv");
    let markers = match read_optional(&ev_path)? {
        Some(text) => parse_events(&ev_path, &text)?,
        None => Vec::new(),
    };
    let mut written = Vec::new();
    written.extend(draw_throughput(dir, &data, &markers, formats)?);
    let simple = [
        (
            "cwnd",
            Kind::Flow,
            "cwnd_bytes",
            1e-3,
            "Congestion window",
            "cwnd (kB)",
        ),
        (
            "rtt",
            Kind::Flow,
            "srtt_ms",
            1.0,
            "Smoothed round-trip time",
            "srtt (ms)",
        ),
        (
            "queue",
            Kind::Link,
            "queue_packets",
            1.0,
            "Queue length",
            "queue (packets)",
        ),
    ];
    for (stem, kind, metric, scale, title, y_label) in simple {
        let series: Vec<Series> = data
            .keys(kind, metric)
            .map(|k| data.series(k, label(k), scale))
            .collect();
        if series.is_empty() {
            continue;
        }
        let chart = LineChart {
            title,
            x_label: "time (s)",
            y_label,
            series: &series,
            markers: &markers,
        };
        written.extend(line_chart(&dir.join(stem), &chart, formats)?);
    }
    written.sort();
    Ok(written)
}

/// The goodput series of `flow` in Mbit/s (falling back to flow-level throughput).
fn goodput(data: &RunData, flow: &str) -> Option<Series> {
    let key = data
        .flow_key(flow, "goodput_bps")
        .or_else(|| data.flow_key(flow, "throughput_bps"))?;
    Some(data.series(key, format!("{flow} goodput"), 1e-6))
}

/// The subflow throughput series of `flow` in Mbit/s.
fn subflow_layers(data: &RunData, flow: &str) -> Vec<Series> {
    data.keys(Kind::Flow, "throughput_bps")
        .filter(|k| k.name == flow && k.subflow.is_some())
        .map(|k| {
            let sf = k.subflow.as_deref().unwrap_or_default();
            data.series(k, format!("subflow {sf}"), 1e-6)
        })
        .collect()
}

fn draw_throughput(
    dir: &Path,
    data: &RunData,
    markers: &[Marker],
    formats: &[Format],
) -> Result<Vec<PathBuf>, PlotError> {
    const X: &str = "time (s)";
    const Y: &str = "throughput (Mbit/s)";
    let flows = data.flows();
    let mut written = Vec::new();
    let stacked = |stem: &str, flow: &str, layers: &[Series]| {
        let total = goodput(data, flow);
        let title = format!("Throughput of {flow}: subflows stacked, goodput line");
        stacked_chart(
            &dir.join(stem),
            &title,
            X,
            Y,
            layers,
            total.as_ref(),
            markers,
            formats,
        )
    };
    if let [flow] = flows[..] {
        let layers = subflow_layers(data, flow);
        if !layers.is_empty() {
            return stacked("throughput", flow, &layers);
        }
    }
    let lines: Vec<Series> = flows.iter().filter_map(|f| goodput(data, f)).collect();
    if !lines.is_empty() {
        let chart = LineChart {
            title: "Goodput per flow",
            x_label: X,
            y_label: "goodput (Mbit/s)",
            series: &lines,
            markers,
        };
        written.extend(line_chart(&dir.join("throughput"), &chart, formats)?);
    }
    if flows.len() > 1 {
        for flow in &flows {
            let layers = subflow_layers(data, flow);
            if !layers.is_empty() {
                let stem = format!("throughput-{}", file_safe(flow));
                written.extend(stacked(&stem, flow, &layers)?);
            }
        }
    }
    Ok(written)
}
