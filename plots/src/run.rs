//! [`draw_run`]: redraws one run's standard figures from the files in its results
//! directory (`timeseries.csv`, optional `events.csv`).
//!
//! Input contract (written by the scenario runner):
//! - `timeseries.csv`, header `time_s,kind,name,subflow,metric,value` (columns are found by
//!   name; extra columns are ignored). `kind` is `flow` or `link`; `subflow` is empty for
//!   connection-level rows. Unknown kinds and metrics are ignored; `time_s` and `value` must
//!   parse as floats on every row.
//! - `events.csv`: may be absent or empty. Its scheduled link events become markers labelled
//!   `"<target> <detail>"` (rows whose `event` is `link`; columns `time_s,event,target,
//!   detail`); an older file with columns `time_s,target,action` gives one marker per row.
//! - `subflows.csv` (optional), columns `flow,subflow,label`: a subflow's series (its
//!   `subflow` column holds its number) is labelled `<flow>/<number> <label>` (`download/2
//!   wifi`); without it, `<flow>/<subflow>`.
//!
//! A flow with a single path (a TCP connection, number 0) whose metric also has a
//! flow-level series draws that one only.
//!
//! Series keep the order in which they first appear in the file, and every flow, subflow
//! and link keeps one palette slot (its order of first appearance) in every figure of the
//! run. Lines are broken where a series has no sample (a subflow that did not exist yet, or
//! had closed), and a subflow's non-rate lines (window, RTT, in flight) while it was failed:
//! from its first `subflow_failed` row in `events.csv` (at either end: its interface went
//! down, or retransmission timeouts) to a `subflow_recovered` row. The data sender's socket
//! exists through an outage, with a window frozen at one segment, which is no path state
//! to draw across it; the subflow's throughput stays drawn (zero is what the path carried).
//! A subflow's RTT is not drawn while it is idle (nothing sent in the interval and nothing
//! in flight at either end of it), since its SRTT is then a frozen old value. Rates can be
//! averaged over windows of several samples ([`RunOptions::average_over`]) where per-sample
//! values alias against a periodic application (25 frames/s sampled every 100 ms alternate
//! between 2 and 3 frames).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::table::Table;
use crate::{line_chart, stacked_chart, LineChart, Marker, PlotError, PlotOptions, Series};

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
const METRICS: [&str; 7] = [
    "backoff",
    "goodput_bps",
    "throughput_bps",
    "cwnd_bytes",
    "srtt_ms",
    "inflight_bytes",
    "queue_packets",
];

/// Options of [`draw_run`] beyond the figure options.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RunOptions {
    /// Average the rates (`goodput_bps`, `throughput_bps`) over consecutive windows of this
    /// many seconds (rounded to whole samples) before drawing; `None` or a window of one
    /// sample draws every sample.
    pub average_over: Option<f64>,
}

/// All series of a run, in order of first appearance.
#[derive(Debug, Default)]
pub(crate) struct RunData {
    order: Vec<Key>,
    points: BTreeMap<Key, Vec<(f64, f64)>>,
    /// Flow and subflow identities `(name, subflow)` in order of first appearance.
    flow_slots: Vec<(String, Option<String>)>,
    /// Link names in order of first appearance.
    link_slots: Vec<String>,
    /// The sample interval: the smallest step between two sample times, in seconds.
    step: f64,
    /// Labels of subflows by (flow, subflow number) from `subflows.csv`.
    subflow_labels: BTreeMap<(String, String), String>,
    /// Times `[from, to)` each (flow, subflow number) was failed, from `events.csv`.
    failed: Failures,
}

/// Per (flow, subflow number): the intervals `[from, to)` (seconds) it was failed, in time
/// order; `to` is infinite for a subflow that never recovered.
pub(crate) type Failures = BTreeMap<(String, String), Vec<(f64, f64)>>;

impl RunData {
    /// Adds the series `key` with its `points` (a key not seen before: its flow, subflow
    /// or link takes the next palette slot if it has none yet).
    fn push_series(&mut self, key: Key, points: Vec<(f64, f64)>) {
        debug_assert!(!self.points.contains_key(&key), "series added twice");
        match key.kind {
            Kind::Flow => {
                let id = (key.name.clone(), key.subflow.clone());
                if !self.flow_slots.contains(&id) {
                    self.flow_slots.push(id);
                }
            }
            Kind::Link => {
                if !self.link_slots.contains(&key.name) {
                    self.link_slots.push(key.name.clone());
                }
            }
        }
        self.order.push(key.clone());
        self.points.insert(key, points);
    }

    /// The palette slot of the flow, subflow or link of `key`.
    fn slot(&self, key: &Key) -> usize {
        match key.kind {
            Kind::Flow => {
                let id = (key.name.clone(), key.subflow.clone());
                self.flow_slots.iter().position(|s| *s == id).unwrap_or(0)
            }
            Kind::Link => self
                .link_slots
                .iter()
                .position(|s| *s == key.name)
                .unwrap_or(0),
        }
    }

    /// Sets [`RunData::step`] from the sample times.
    fn find_step(&mut self) {
        let mut times: Vec<f64> = self.points.values().flatten().map(|p| p.0).collect();
        times.sort_by(f64::total_cmp);
        self.step = times
            .windows(2)
            .map(|w| w[1] - w[0])
            .filter(|d| *d > 1e-9)
            .fold(f64::INFINITY, f64::min);
    }

    /// The value of `key` at sample index `i` (time / step, rounded), if sampled there.
    fn value_at(&self, key: &Key, i: i64) -> Option<f64> {
        let pts = self.points.get(key)?;
        let k = pts.partition_point(|p| self.index(p.0) < i);
        pts.get(k).filter(|p| self.index(p.0) == i).map(|p| p.1)
    }

    fn index(&self, t: f64) -> i64 {
        (t / self.step).round() as i64
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

    /// The points of one series, scaled by `scale`, rates averaged as `opts` says, idle
    /// RTT samples left out, broken where samples are missing.
    fn series(&self, key: &Key, label: String, scale: f64, opts: &RunOptions) -> Series {
        let mut points: Vec<(f64, f64)> = self.points[key]
            .iter()
            .map(|&(t, v)| (t, v * scale))
            .collect();
        let mut step = self.step;
        if key.metric == "srtt_ms" {
            self.hide_idle(key, &mut points);
        }
        if !key.metric.ends_with("_bps") {
            self.hide_failed(key, &mut points);
        }
        if key.metric.ends_with("_bps") && step.is_finite() {
            if let Some(w) = opts.average_over {
                let k = (w / step).round().max(1.0) as i64;
                if k > 1 {
                    points = self.average(&points, k);
                    step *= k as f64;
                }
            }
        }
        Series::new(label, break_gaps(&points, step)).with_slot(self.slot(key))
    }

    /// Sets the RTT samples of `key` to NaN where its flow or subflow is idle (nothing sent
    /// in the interval and nothing in flight at its start or end) or in RTO back-off (its
    /// `backoff` sample is nonzero: no RTT is measured then).
    fn hide_idle(&self, key: &Key, points: &mut [(f64, f64)]) {
        let other = |metric: &str| Key {
            metric: metric.to_owned(),
            ..key.clone()
        };
        let (mut thr, infl) = (other("throughput_bps"), other("inflight_bytes"));
        if !self.points.contains_key(&thr) {
            // A TCP connection's path: the flow's own throughput is the path's.
            thr.subflow = None;
        }
        if !self.points.contains_key(&thr) || !self.points.contains_key(&infl) {
            return;
        }
        let backoff = other("backoff");
        for p in points.iter_mut() {
            let i = self.index(p.0);
            let zero = |k: &Key, i| self.value_at(k, i).unwrap_or(0.0) == 0.0;
            // In RTO back-off no RTT is measured (Karn): the value is a frozen old one.
            if (zero(&thr, i) && zero(&infl, i) && zero(&infl, i - 1)) || !zero(&backoff, i) {
                p.1 = f64::NAN;
            }
        }
    }

    /// Sets the samples of subflow series `key` to NaN while the subflow was failed.
    fn hide_failed(&self, key: &Key, points: &mut [(f64, f64)]) {
        let Some(sf) = &key.subflow else {
            return;
        };
        let Some(spans) = self.failed.get(&(key.name.clone(), sf.clone())) else {
            return;
        };
        for p in points.iter_mut() {
            if spans.iter().any(|&(from, to)| p.0 >= from && p.0 < to) {
                p.1 = f64::NAN;
            }
        }
    }

    /// Means of `points` over consecutive windows of `k` samples (aligned to the sample
    /// grid: samples 1..=k, k+1..=2k, ...), each at the window's end.
    fn average(&self, points: &[(f64, f64)], k: i64) -> Vec<(f64, f64)> {
        let mut out: Vec<(f64, f64)> = Vec::new();
        let mut current: Option<(i64, f64, usize)> = None;
        for &(t, v) in points {
            let w = (self.index(t) - 1).div_euclid(k);
            match &mut current {
                Some((cw, sum, n)) if *cw == w => {
                    *sum += v;
                    *n += 1;
                }
                _ => {
                    if let Some((cw, sum, n)) = current.take() {
                        out.push((((cw + 1) * k) as f64 * self.step, sum / n as f64));
                    }
                    current = Some((w, v, 1));
                }
            }
        }
        if let Some((cw, sum, n)) = current {
            out.push((((cw + 1) * k) as f64 * self.step, sum / n as f64));
        }
        out
    }

    /// The flow-level series of `flow` for `metric`, if present.
    fn flow_key<'a>(&'a self, flow: &str, metric: &'a str) -> Option<&'a Key> {
        self.keys(Kind::Flow, metric)
            .find(|k| k.name == flow && k.subflow.is_none())
    }
}

/// Opens a file that may be absent.
fn open_optional(path: &Path) -> Result<Option<std::fs::File>, PlotError> {
    match std::fs::File::open(path) {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(PlotError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Parses a `timeseries.csv` read from `input` (from `path`). The rows are read a block at a
/// time and kept only as the points of their series; a series' key is made once, at its
/// first row, and found again by its names.
pub(crate) fn parse_timeseries(path: &Path, input: impl Read) -> Result<RunData, PlotError> {
    let (table, records) = Table::read(path, input)?;
    let mut data = RunData::default();
    if table.is_empty() {
        return Ok(data);
    }
    let [time, kind, name, subflow, metric, value] =
        ["time_s", "kind", "name", "subflow", "metric", "value"].map(|c| table.column(c));
    let (time, kind, name, subflow, metric, value) =
        (time?, kind?, name?, subflow?, metric?, value?);
    // Series in order of first appearance, and their index by kind, name, subflow and
    // metric joined into one string, each part after its length (no two keys join alike,
    // whatever their names hold), built in `joined`, not allocated per row.
    let mut keys: Vec<Key> = Vec::new();
    let mut series: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut joined = String::new();
    records.for_each(|rec| {
        let t = table.number(rec, time)?;
        let v = table.number(rec, value)?;
        let kind = match rec.fields[kind].trim() {
            "flow" => Kind::Flow,
            "link" => Kind::Link,
            _ => return Ok(()),
        };
        let Some(&m) = METRICS.iter().find(|&&m| m == rec.fields[metric].trim()) else {
            return Ok(());
        };
        let (n, sf) = (rec.fields[name].trim(), rec.fields[subflow].trim());
        joined.clear();
        for part in [if kind == Kind::Flow { "f" } else { "l" }, n, sf, m] {
            // Writing to a `String` cannot fail.
            let _ = write!(joined, "{}:{part}", part.len());
        }
        if let Some(&i) = index.get(joined.as_str()) {
            series[i].push((t, v));
        } else {
            index.insert(joined.clone(), series.len());
            keys.push(Key {
                kind,
                name: n.to_owned(),
                subflow: (!sf.is_empty()).then(|| sf.to_owned()),
                metric: m.to_owned(),
            });
            series.push(vec![(t, v)]);
        }
        Ok(())
    })?;
    for (key, points) in keys.into_iter().zip(series) {
        data.push_series(key, points);
    }
    data.find_step();
    Ok(data)
}

/// Parses an `events.csv` text read from `path` into markers (its link events), in file
/// order.
pub(crate) fn parse_events(path: &Path, input: impl Read) -> Result<Vec<Marker>, PlotError> {
    let (table, records) = Table::read(path, input)?;
    if table.is_empty() {
        return Ok(Vec::new());
    }
    let (time, target) = (table.column("time_s")?, table.column("target")?);
    // The older form: every row a link event, its action in `action`.
    let (event, detail) = match table.column("action") {
        Ok(action) => (None, action),
        Err(_) => (Some(table.column("event")?), table.column("detail")?),
    };
    let mut out = Vec::new();
    records.for_each(|rec| {
        if event.is_some_and(|e| rec.fields[e].trim() != "link") {
            return Ok(());
        }
        out.push(Marker {
            x: table.number(rec, time)?,
            label: format!(
                "{} {}",
                rec.fields[target].trim(),
                rec.fields[detail].trim()
            ),
        });
        Ok(())
    })?;
    Ok(out)
}

/// The failure intervals of every subflow in an `events.csv` text read from `path`: from a
/// `subflow_failed` row (at either end; the first while not yet failed) to the next
/// `subflow_recovered` row of the same flow and subflow. An older file without `event`
/// and `subflow` columns has none.
pub(crate) fn parse_failures(path: &Path, input: impl Read) -> Result<Failures, PlotError> {
    let (table, records) = Table::read(path, input)?;
    let mut out = Failures::new();
    let (Ok(event), Ok(flow), Ok(subflow)) = (
        table.column("event"),
        table.column("flow"),
        table.column("subflow"),
    ) else {
        return Ok(out);
    };
    let time = table.column("time_s")?;
    let mut since: BTreeMap<(String, String), f64> = BTreeMap::new();
    records.for_each(|rec| {
        let id = || {
            (
                rec.fields[flow].trim().to_owned(),
                rec.fields[subflow].trim().to_owned(),
            )
        };
        match rec.fields[event].trim() {
            "subflow_failed" => {
                let t = table.number(rec, time)?;
                since.entry(id()).or_insert(t);
            }
            "subflow_recovered" => {
                if let Some(from) = since.remove(&id()) {
                    let to = table.number(rec, time)?;
                    out.entry(id()).or_default().push((from, to));
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    for (id, from) in since {
        out.entry(id).or_default().push((from, f64::INFINITY));
    }
    for spans in out.values_mut() {
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    Ok(out)
}

/// Reads the labels of `subflows.csv` text: (flow, number) -> label.
pub(crate) fn parse_subflows(
    path: &Path,
    input: impl Read,
) -> Result<BTreeMap<(String, String), String>, PlotError> {
    let (table, records) = Table::read(path, input)?;
    if table.is_empty() {
        return Ok(BTreeMap::new());
    }
    let [flow, subflow, label] = ["flow", "subflow", "label"].map(|c| table.column(c));
    let (flow, subflow, label) = (flow?, subflow?, label?);
    let mut out = BTreeMap::new();
    records.for_each(|r| {
        let key = (
            r.fields[flow].trim().to_owned(),
            r.fields[subflow].trim().to_owned(),
        );
        out.insert(key, r.fields[label].trim().to_owned());
        Ok(())
    })?;
    Ok(out)
}

/// `points` with a NaN point inserted wherever two consecutive samples are more than 1.5
/// sample steps apart, so that the line breaks there.
pub(crate) fn break_gaps(points: &[(f64, f64)], step: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len());
    for (i, &p) in points.iter().enumerate() {
        if i > 0 && step.is_finite() && p.0 - points[i - 1].0 > 1.5 * step {
            out.push(((p.0 + points[i - 1].0) / 2.0, f64::NAN));
        }
        out.push(p);
    }
    out
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

/// Label of a series: the flow or link name, plus `/subflow` (and the subflow's label from
/// `subflows.csv`) for subflow rows.
fn label(data: &RunData, key: &Key) -> String {
    match &key.subflow {
        Some(sf) => match data.subflow_labels.get(&(key.name.clone(), sf.clone())) {
            Some(l) => format!("{}/{sf} {l}", key.name),
            None => format!("{}/{sf}", key.name),
        },
        None => key.name.clone(),
    }
}

/// Whether subflow series `key` only repeats its flow's series of the same metric (the
/// flow's one path, when the flow has a series of its own).
fn repeats_flow(data: &RunData, keys: &[&Key], key: &Key) -> bool {
    key.subflow.is_some()
        && keys
            .iter()
            .any(|k| k.subflow.is_none() && k.name == key.name)
        && keys
            .iter()
            .filter(|k| k.subflow.is_some() && k.name == key.name)
            .count()
            == 1
        && data.points.contains_key(key)
}

/// Redraws the standard figures of the run in `dir` from `dir/timeseries.csv` and
/// `dir/events.csv`, writing them into `dir` as `opts` says. Returns the written paths,
/// sorted.
///
/// Figures (each skipped when its data is absent; every one carries the events as markers,
/// and its y axis is cut at the robust top, see the crate doc):
/// - `throughput`: with one flow, its goodput in Mbit/s, or, if it has subflows, the
///   subflows' throughput stacked under the flow's goodput line. With several flows, one
///   goodput line per flow, plus a stacked `throughput-<flow>` figure for each flow with
///   subflows. A flow without `goodput_bps` rows falls back to its flow-level
///   `throughput_bps`. Averaged over `run.average_over` when set.
/// - `cwnd`: congestion window in kB (10³ bytes) per subflow, then per flow (on top); a
///   subflow's line breaks while it is failed.
/// - `rtt`: smoothed RTT in ms, likewise; not drawn while a (sub)flow is idle or failed.
/// - `queue`: queue length in packets per link; links whose queue stayed empty are left
///   out (the title says how many).
///
/// Errors: [`PlotError::MissingInput`] without `timeseries.csv`; [`PlotError::Csv`] naming
/// file and line for malformed input; I/O and drawing errors otherwise.
pub fn draw_run(
    dir: &Path,
    opts: &PlotOptions,
    run: &RunOptions,
) -> Result<Vec<PathBuf>, PlotError> {
    let ts_path = dir.join("timeseries.csv");
    let file = open_optional(&ts_path)?.ok_or(PlotError::MissingInput {
        path: ts_path.clone(),
    })?;
    let mut data = parse_timeseries(&ts_path, file)?;
    let sf_path = dir.join("subflows.csv");
    if let Some(file) = open_optional(&sf_path)? {
        data.subflow_labels = parse_subflows(&sf_path, file)?;
    }
    let ev_path = dir.join("events.csv");
    let markers = match open_optional(&ev_path)? {
        Some(file) => {
            data.failed = parse_failures(&ev_path, file)?;
            // Read a second time for the markers (an `events.csv` can be large too).
            let again = std::fs::File::open(&ev_path).map_err(|source| PlotError::Io {
                path: ev_path.clone(),
                source,
            })?;
            parse_events(&ev_path, again)?
        }
        None => Vec::new(),
    };
    let mut written = Vec::new();
    written.extend(draw_throughput(dir, &data, &markers, opts, run)?);
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
        // Subflows first, flow-level lines last (drawn on top).
        let mut keys: Vec<&Key> = data.keys(kind, metric).collect();
        keys.sort_by_key(|k| k.subflow.is_none());
        let all = keys.clone();
        keys.retain(|k| !repeats_flow(&data, &all, k));
        let mut series: Vec<Series> = keys
            .iter()
            .map(|k| data.series(k, label(&data, k), scale, run))
            .collect();
        let before = series.len();
        if kind == Kind::Link {
            // Links appear in this figure only: number the ones shown.
            series.retain(|s| s.points.iter().any(|p| p.1.is_finite() && p.1 != 0.0));
            for (i, s) in series.iter_mut().enumerate() {
                s.slot = Some(i);
            }
        }
        if before == 0 {
            continue;
        }
        let left_out = before - series.len();
        let title = match left_out {
            0 => title.to_owned(),
            1 => format!("{title} (1 link with an always-empty queue not shown)"),
            n => format!("{title} ({n} links with an always-empty queue not shown)"),
        };
        let chart = LineChart {
            title: &title,
            x_label: "time (s)",
            y_label,
            series: &series,
            markers: &markers,
            robust_y: true,
            ..LineChart::default()
        };
        written.extend(line_chart(&dir.join(stem), &chart, opts)?);
    }
    written.sort();
    Ok(written)
}

/// The goodput series of `flow` in Mbit/s (falling back to flow-level throughput).
fn goodput(data: &RunData, flow: &str, run: &RunOptions) -> Option<Series> {
    let key = data
        .flow_key(flow, "goodput_bps")
        .or_else(|| data.flow_key(flow, "throughput_bps"))?;
    Some(data.series(key, format!("{flow} goodput"), 1e-6, run))
}

/// The subflow throughput series of `flow` in Mbit/s.
fn subflow_layers(data: &RunData, flow: &str, run: &RunOptions) -> Vec<Series> {
    data.keys(Kind::Flow, "throughput_bps")
        .filter(|k| k.name == flow && k.subflow.is_some())
        .map(|k| {
            let sf = k.subflow.as_deref().unwrap_or_default();
            let name = match data.subflow_labels.get(&(k.name.clone(), sf.to_owned())) {
                Some(l) => format!("subflow {sf} {l}"),
                None => format!("subflow {sf}"),
            };
            data.series(k, name, 1e-6, run)
        })
        .collect()
}

fn draw_throughput(
    dir: &Path,
    data: &RunData,
    markers: &[Marker],
    opts: &PlotOptions,
    run: &RunOptions,
) -> Result<Vec<PathBuf>, PlotError> {
    const X: &str = "time (s)";
    let averaged = run
        .average_over
        .filter(|w| data.step.is_finite() && (w / data.step).round() > 1.0);
    let unit = match averaged {
        Some(w) => format!("Mbit/s, means over {} ms", (w * 1e3).round()),
        None => "Mbit/s".to_owned(),
    };
    let y = format!("throughput ({unit})");
    let flows = data.flows();
    let mut written = Vec::new();
    let stacked = |stem: &str, flow: &str, layers: &[Series]| {
        let total = goodput(data, flow, run);
        let title = format!("Throughput of {flow}: subflows stacked, goodput line");
        stacked_chart(
            &dir.join(stem),
            &title,
            X,
            &y,
            layers,
            total.as_ref(),
            markers,
            opts,
        )
    };
    if let [flow] = flows[..] {
        let layers = subflow_layers(data, flow, run);
        if !layers.is_empty() {
            return stacked("throughput", flow, &layers);
        }
    }
    let lines: Vec<Series> = flows.iter().filter_map(|f| goodput(data, f, run)).collect();
    if !lines.is_empty() {
        let y_goodput = format!("goodput ({unit})");
        let chart = LineChart {
            title: "Goodput per flow",
            x_label: X,
            y_label: &y_goodput,
            series: &lines,
            markers,
            robust_y: true,
            ..LineChart::default()
        };
        written.extend(line_chart(&dir.join("throughput"), &chart, opts)?);
    }
    if flows.len() > 1 {
        for flow in &flows {
            let layers = subflow_layers(data, flow, run);
            if !layers.is_empty() {
                let stem = format!("throughput-{}", file_safe(flow));
                written.extend(stacked(&stem, flow, &layers)?);
            }
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS: &str = "time_s,host,flow,subflow,event,target,detail\n\
        10.0,,,,link,wifi,down\n\
        10.0,phone,f,0,subflow_failed,,interface_down\n\
        10.3,server,f,0,subflow_failed,,retransmission_timeouts\n\
        12.0,server,f,1,subflow_failed,,retransmission_timeouts\n\
        13.5,server,f,1,subflow_recovered,,\n\
        20.0,,,,link,wifi,up\n";

    #[test]
    fn failures_run_from_the_first_failure_to_the_recovery() {
        let f = parse_failures(Path::new("events.csv"), EVENTS.as_bytes()).unwrap();
        let span = |sf: &str| f[&("f".to_owned(), sf.to_owned())].clone();
        assert_eq!(span("0"), [(10.0, f64::INFINITY)]);
        assert_eq!(span("1"), [(12.0, 13.5)]);
        assert_eq!(f.len(), 2);
        // The older form has no subflow events.
        let old = parse_failures(
            Path::new("e.csv"),
            "time_s,target,action\n1,l,down\n".as_bytes(),
        );
        assert!(old.unwrap().is_empty());
    }

    /// One flow `f`, subflow 0, samples every second from 1 to 6 s; `throughput_bps` and
    /// `inflight_bytes` zero at 3 and 4 s; no sample at all at 5 s.
    fn data() -> RunData {
        let mut ts = String::from("time_s,kind,name,subflow,metric,value\n");
        for t in [1, 2, 3, 4, 6] {
            let busy = if t == 3 || t == 4 { 0 } else { 1000 };
            for (m, v) in [
                ("cwnd_bytes", 14480),
                ("srtt_ms", 50),
                ("throughput_bps", busy),
                ("inflight_bytes", busy),
            ] {
                ts += &format!("{t},flow,f,0,{m},{v}\n");
            }
        }
        parse_timeseries(Path::new("ts.csv"), ts.as_bytes()).unwrap()
    }

    /// Series are told apart by their names, whatever the names hold: a name with a NUL
    /// or a colon in it does not run into the next column.
    #[test]
    fn series_keys_do_not_run_together() {
        let ts = "time_s,kind,name,subflow,metric,value\n\
                  1,flow,a\u{0}b,,cwnd_bytes,1\n\
                  1,flow,a,b\u{0},cwnd_bytes,2\n\
                  1,flow,1:a,,cwnd_bytes,3\n\
                  1,flow,1:a,1:,cwnd_bytes,4\n\
                  2,flow,a\u{0}b,,cwnd_bytes,5\n";
        let data = parse_timeseries(Path::new("ts.csv"), ts.as_bytes()).unwrap();
        let keys: Vec<_> = (data.keys(Kind::Flow, "cwnd_bytes"))
            .map(|k| (k.name.as_str(), k.subflow.as_deref(), data.points[k].len()))
            .collect();
        assert_eq!(
            keys,
            [
                ("a\u{0}b", None, 2),
                ("a", Some("b\u{0}"), 1),
                ("1:a", None, 1),
                ("1:a", Some("1:"), 1)
            ]
        );
    }

    fn values(data: &RunData, metric: &str) -> Vec<(f64, Option<f64>)> {
        let key = data.keys(Kind::Flow, metric).next().unwrap().clone();
        let s = data.series(&key, String::new(), 1.0, &RunOptions::default());
        s.points
            .iter()
            .map(|p| (p.0, p.1.is_finite().then_some(p.1)))
            .collect()
    }

    #[test]
    fn lines_break_at_missing_samples_and_while_failed_rtt_not_drawn_while_idle() {
        let mut d = data();
        // A sample missing at 5 s: a NaN point between 4 and 6 s.
        let cwnd = values(&d, "cwnd_bytes");
        assert_eq!(cwnd[4], (5.0, None));
        assert_eq!(cwnd.len(), 6);
        // Idle at 4 s (nothing sent, nothing in flight at 3 or 4 s): no RTT there. At 3 s
        // data was in flight at 2 s, so the sample stands.
        let rtt = values(&d, "srtt_ms");
        assert_eq!(rtt[2], (3.0, Some(50.0)));
        assert_eq!(rtt[3], (4.0, None));
        assert_eq!(rtt[5], (6.0, Some(50.0)));
        // Failed from 2 s to 3.5 s: window and RTT broken there, throughput kept.
        d.failed
            .insert(("f".to_owned(), "0".to_owned()), vec![(2.0, 3.5)]);
        let cwnd = values(&d, "cwnd_bytes");
        assert_eq!(
            cwnd.iter().map(|p| p.1.is_some()).collect::<Vec<_>>(),
            [true, false, false, true, false, true]
        );
        assert_eq!(values(&d, "srtt_ms")[1], (2.0, None));
        let thr = values(&d, "throughput_bps");
        assert_eq!((thr[1], thr[2]), ((2.0, Some(1000.0)), (3.0, Some(0.0))));
    }
}
