//! The batch tables: each run's `summary.json` spread over tidy CSV files, one row per
//! observation, that a data frame reads as they are.
//!
//! Every file starts with the run's key: `run` (position in the expansion), `id`, the axis
//! columns ([`super::columns`]) and `seed`. Then:
//!
//! - `summary.csv` — one row per run × flow: `status` (`ok`, `failed`, `missing`), `error`,
//!   the run-level metrics (`goodput_bps_total`, `jain_goodput` — Jain's index over the flows'
//!   goodput —, `segments_retransmitted_total`, `rto_timeouts_total`, `dropped_total`, then the
//!   summary's own: `scenario`, `duration_s`, `engine_events`, ...), then `flow` (its name)
//!   and the flow's fields as `summary.json` names them, text included (`transport`, `cc`,
//!   `scheduler`, `from`, `to`), nested ones dotted (`hol_delay_ms.p99`, `fct_ms.mean`,
//!   `phases.0.goodput_bps`), and per link event `i` the event (`events.i.time_s`,
//!   `events.i.link`, `events.i.action`) and what it did to this flow (`events.i.stall_s`,
//!   `events.i.recovery_s`, `events.i.capacity_bps`). A run that failed or is missing has one
//!   row with an empty `flow`.
//! - `subflows.csv` — one row per run × flow × subflow: `flow`, `subflow` (the subflow's
//!   number as `summary.json` gives it, the one `events.csv` and `timeseries.csv` use; its
//!   position in the list for a summary without numbers) and the subflow's fields (`label`,
//!   `state`, `data_bytes_sent`, ...).
//! - `hol_histogram.csv` — one row per run × flow × non-empty bucket of the receiver's
//!   head-of-line delay histogram: `flow`, `bin_lo_ms` (inclusive), `bin_hi_ms` (exclusive),
//!   `count`.
//! - `<list>.csv` for every other list of named entries in `summary.json` — `links.csv`:
//!   one row per run × link direction, `link` and its counters.
//!
//! Columns appear in order of first appearance over the runs (in expansion order), so the
//! files depend only on the runs' results, never on threads, shards or completion order.
//! An empty cell is a missing number (a `None` in `summary.json`, such as the recovery time
//! of a flow that did not recover); text is never empty but for `error` and the `flow` of a
//! run without results. A field whose name is taken by a key column is prefixed with its
//! level (`flow.cc` when an axis is called `cc`).

use super::columns::AxisColumns;
use super::sweep::{BatchMeta, RunMeta};
use super::table::{csv_field, RunState};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A CSV table whose columns after a fixed key grow as rows bring new names.
#[derive(Debug, Default)]
pub(crate) struct Table {
    columns: Vec<String>,
    index: BTreeMap<String, usize>,
    /// How many leading columns are the key (names a field may not take).
    key_len: usize,
    rows: Vec<Vec<(usize, String)>>,
}

impl Table {
    fn new(key: Vec<String>) -> Table {
        let mut t = Table {
            key_len: key.len(),
            ..Table::default()
        };
        for k in key {
            t.column(&k);
        }
        t
    }

    /// The index of column `name`, added at the end when new.
    fn column(&mut self, name: &str) -> usize {
        if let Some(&c) = self.index.get(name) {
            return c;
        }
        self.columns.push(name.to_owned());
        self.index.insert(name.to_owned(), self.columns.len() - 1);
        self.columns.len() - 1
    }

    /// `name`, or `level.name` when a key column has that name.
    fn field_name(&self, level: &str, name: &str) -> String {
        match self.index.get(name) {
            Some(&c) if c < self.key_len => format!("{level}.{name}"),
            _ => name.to_owned(),
        }
    }

    /// Adds a row: key cells (in key order) then named cells.
    fn push(&mut self, key: Vec<String>, cells: Vec<(String, String)>) {
        let mut row: Vec<(usize, String)> = key.into_iter().enumerate().collect();
        for (name, v) in cells {
            let c = self.column(&name);
            row.push((c, v));
        }
        self.rows.push(row);
    }

    /// The table as CSV text.
    pub(crate) fn to_csv(&self) -> String {
        let mut out = String::new();
        let header: Vec<String> = self.columns.iter().map(|c| csv_field(c)).collect();
        out.push_str(&header.join(","));
        out.push('\n');
        for row in &self.rows {
            let mut line = vec![String::new(); self.columns.len()];
            for (c, v) in row {
                line[*c] = csv_field(v);
            }
            out.push_str(&line.join(","));
            out.push('\n');
        }
        out
    }
}

/// All tables of a batch, by file name.
pub(crate) struct Tables {
    axes: Vec<AxisColumns>,
    /// Per axis, its values' labels (what `batch.json` names runs' values by).
    labels: Vec<Vec<String>>,
    /// The run key's column names.
    run_key: Vec<String>,
    /// `summary.csv`.
    pub(crate) summary: Table,
    /// `subflows.csv`.
    pub(crate) subflows: Table,
    /// `hol_histogram.csv`.
    pub(crate) hol: Table,
    /// `<list>.csv` per named list, in order of first appearance.
    pub(crate) lists: Vec<(String, Table)>,
}

impl Tables {
    /// Empty tables for the runs of `meta`.
    pub(crate) fn new(meta: &BatchMeta) -> Tables {
        let axes: Vec<AxisColumns> = meta.axes.iter().map(|a| a.columns()).collect();
        let mut run_key = vec!["run".to_owned(), "id".to_owned()];
        run_key.extend(axes.iter().flat_map(AxisColumns::names));
        run_key.push("seed".to_owned());
        let key = |extra: &[&str]| -> Vec<String> {
            let mut k = run_key.clone();
            k.extend(extra.iter().map(|s| (*s).to_owned()));
            k
        };
        Tables {
            summary: Table::new(key(&["status", "error"])),
            subflows: Table::new(key(&["flow", "subflow"])),
            hol: Table::new(key(&["flow", "bin_lo_ms", "bin_hi_ms", "count"])),
            lists: vec![("links".to_owned(), list_table(&run_key, "links"))],
            labels: meta.axes.iter().map(|a| a.labels().to_vec()).collect(),
            run_key,
            axes,
        }
    }

    /// The key cells of run `i`.
    fn key(&self, i: usize, run: &RunMeta) -> Vec<String> {
        let mut k = vec![i.to_string(), run.id.clone()];
        for ((a, labels), label) in self.axes.iter().zip(&self.labels).zip(&run.values) {
            // Labels name one value each (checked when the sweep is loaded).
            let choice = labels.iter().position(|l| l == label).unwrap_or(0);
            let (value, label) = &a.cells[choice];
            k.push(value.clone());
            k.extend(label.clone());
        }
        k.push(run.seed.to_string());
        k
    }

    /// Adds run `i` in state `state`.
    pub(crate) fn add(&mut self, i: usize, run: &RunMeta, state: &RunState) {
        let key = self.key(i, run);
        let (status, error) = match state {
            RunState::Ok(_) => ("ok", String::new()),
            RunState::Failed(e) => ("failed", e.replace(['\n', '\r'], " ")),
            RunState::Missing => ("missing", String::new()),
        };
        let mut head = key.clone();
        head.extend([status.to_owned(), error]);
        let RunState::Ok(summary) = state else {
            self.summary.push(head, Vec::new());
            return;
        };
        let run_cells = self.run_cells(summary);
        let taken: BTreeSet<String> = run_cells.iter().map(|(k, _)| k.clone()).collect();
        let flows = list(summary, "flows");
        if flows.is_empty() {
            self.summary.push(head.clone(), run_cells.clone());
        }
        for f in flows {
            let name = text(f.get("name"));
            let mut cells = run_cells.clone();
            cells.push(("flow".to_owned(), name.clone()));
            for (k, v) in self.flow_cells(f, summary, &name) {
                // A flow field named like a run-level column gets its level's prefix.
                let k = if taken.contains(&k) || k == "flow" {
                    format!("flow.{k}")
                } else {
                    k
                };
                cells.push((k, v));
            }
            self.summary.push(head.clone(), cells);
            self.add_subflows(&key, &name, f);
            self.add_histogram(&key, &name, f);
        }
        self.add_lists(&key, summary);
    }

    /// Run-level cells: derived totals, then the summary's other fields.
    fn run_cells(&self, summary: &Value) -> Vec<(String, String)> {
        let mut cells = derived(summary);
        if let Some(m) = summary.as_object() {
            for (k, v) in m {
                let skip = matches!(k.as_str(), "seed" | "flows" | "events") || is_named_list(v);
                if !skip {
                    flatten(&self.summary.field_name("run", k), v, &mut cells);
                }
            }
        }
        cells
    }

    /// A flow's cells: its fields (not its subflows or histogram), then the link events.
    fn flow_cells(&self, f: &Value, summary: &Value, name: &str) -> Vec<(String, String)> {
        let mut cells = Vec::new();
        for (k, v) in f.as_object().into_iter().flatten() {
            match (k.as_str(), v) {
                ("name" | "subflows", _) => {}
                ("hol_delay_ms", Value::Object(m)) => {
                    let rest: Map<String, Value> = m
                        .iter()
                        .filter(|(k, _)| *k != "histogram")
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    flatten(k, &Value::Object(rest), &mut cells);
                }
                _ => flatten(&self.summary.field_name("flow", k), v, &mut cells),
            }
        }
        for (i, ev) in list(summary, "events").iter().enumerate() {
            for (k, v) in ev.as_object().into_iter().flatten() {
                if k != "flows" {
                    flatten(&format!("events.{i}.{k}"), v, &mut cells);
                    continue;
                }
                let mine = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|e| e.get("flow").and_then(Value::as_str) == Some(name));
                for (k2, v2) in mine.and_then(Value::as_object).into_iter().flatten() {
                    if k2 != "flow" {
                        flatten(&format!("events.{i}.{k2}"), v2, &mut cells);
                    }
                }
            }
        }
        cells
    }

    fn add_subflows(&mut self, key: &[String], flow: &str, f: &Value) {
        for (j, sf) in list(f, "subflows").iter().enumerate() {
            let number = sf.get("subflow").and_then(Value::as_u64);
            let mut k = key.to_vec();
            k.extend([flow.to_owned(), number.unwrap_or(j as u64).to_string()]);
            let mut cells = Vec::new();
            for (name, v) in sf.as_object().into_iter().flatten() {
                if name == "subflow" && number.is_some() {
                    continue;
                }
                flatten(&self.subflows.field_name("subflow", name), v, &mut cells);
            }
            self.subflows.push(k, cells);
        }
    }

    fn add_histogram(&mut self, key: &[String], flow: &str, f: &Value) {
        let buckets = f
            .get("hol_delay_ms")
            .and_then(|h| h.get("histogram"))
            .and_then(Value::as_array);
        for b in buckets.into_iter().flatten() {
            let (Some(hi_ms), Some(count)) = (
                b.get(0).and_then(Value::as_f64),
                b.get(1).and_then(Value::as_u64),
            ) else {
                continue;
            };
            // The bounds are whole nanoseconds printed in ms.
            let hi = (hi_ms * 1e6).round() as u64;
            let lo = mptcp_model::mptcp::hol_bucket_lower(hi).unwrap_or(hi);
            let ms = |ns: u64| super::columns::decimal(u128::from(ns), 6);
            let mut k = key.to_vec();
            k.extend([flow.to_owned(), ms(lo), ms(hi), count.to_string()]);
            self.hol.push(k, Vec::new());
        }
    }

    fn add_lists(&mut self, key: &[String], summary: &Value) {
        for (name, v) in summary.as_object().into_iter().flatten() {
            if name == "flows" || !is_named_list(v) {
                continue;
            }
            let t = match self.lists.iter().position(|(n, _)| n == name) {
                Some(t) => t,
                None => {
                    self.lists
                        .push((name.clone(), list_table(&self.run_key, name)));
                    self.lists.len() - 1
                }
            };
            let table = &mut self.lists[t].1;
            for item in v.as_array().into_iter().flatten() {
                let mut k = key.to_vec();
                k.push(text(item.get("name")));
                let mut cells = Vec::new();
                for (field, x) in item.as_object().into_iter().flatten() {
                    if field != "name" {
                        flatten(&table.field_name(name, field), x, &mut cells);
                    }
                }
                table.push(k, cells);
            }
        }
    }
}

/// The table of list `name` (`links`): the run key, then the entry's name in a column named
/// after the list without its final `s` (`link`; `links.name` if an axis took that name).
fn list_table(run_key: &[String], name: &str) -> Table {
    let entry = name.strip_suffix('s').unwrap_or(name).to_owned();
    let mut k = run_key.to_vec();
    k.push(if run_key.contains(&entry) {
        format!("{name}.name")
    } else {
        entry
    });
    Table::new(k)
}

/// A list of objects that all have a distinct `name`.
fn is_named_list(v: &Value) -> bool {
    let Some(a) = v.as_array() else {
        return false;
    };
    let names: Vec<&str> = a
        .iter()
        .filter_map(|x| x.get("name").and_then(Value::as_str))
        .collect();
    let mut uniq = names.clone();
    uniq.sort_unstable();
    uniq.dedup();
    !a.is_empty() && names.len() == a.len() && uniq.len() == a.len()
}

fn list<'v>(v: &'v Value, key: &str) -> &'v [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Metrics computed across a summary's flows and links.
fn derived(v: &Value) -> Vec<(String, String)> {
    let num = |o: &Value, k: &str| o.get(k).and_then(Value::as_f64);
    let flows = list(v, "flows");
    let links = list(v, "links");
    let goodputs: Vec<f64> = flows.iter().filter_map(|f| num(f, "goodput_bps")).collect();
    let total: f64 = goodputs.iter().sum();
    let squares: f64 = goodputs.iter().map(|x| x * x).sum();
    let jain = if goodputs.is_empty() || squares == 0.0 {
        String::new()
    } else {
        fmt_f64(total * total / (goodputs.len() as f64 * squares))
    };
    let sum = |items: &[Value], pred: &dyn Fn(&str) -> bool| -> f64 {
        items
            .iter()
            .filter_map(Value::as_object)
            .flat_map(|o| o.iter())
            .filter(|(k, _)| pred(k))
            .filter_map(|(_, x)| x.as_f64())
            .sum()
    };
    vec![
        ("goodput_bps_total".into(), fmt_f64(total)),
        ("jain_goodput".into(), jain),
        (
            "segments_retransmitted_total".into(),
            fmt_f64(sum(flows, &|k| k == "segments_retransmitted")),
        ),
        (
            "rto_timeouts_total".into(),
            fmt_f64(sum(flows, &|k| k == "rto_timeouts")),
        ),
        (
            "dropped_total".into(),
            fmt_f64(sum(links, &|k| k.starts_with("dropped_"))),
        ),
    ]
}

fn fmt_f64(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// Flattens `v` into dotted columns under `prefix`: numbers, booleans and text as they are,
/// `null` as an empty cell, objects by field name, lists by position.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    let key = |k: &str| format!("{prefix}.{k}");
    match v {
        Value::Number(n) => out.push((prefix.to_owned(), n.to_string())),
        Value::Bool(b) => out.push((prefix.to_owned(), b.to_string())),
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        Value::Null => out.push((prefix.to_owned(), String::new())),
        Value::Object(m) => {
            for (k, x) in m {
                flatten(&key(k), x, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&key(&i.to_string()), x, out);
            }
        }
    }
}

/// The CSV text of every table, by file name, in a fixed order.
pub(crate) fn files(t: &Tables) -> Vec<(String, String)> {
    let mut out = vec![
        ("summary.csv".to_owned(), t.summary.to_csv()),
        ("subflows.csv".to_owned(), t.subflows.to_csv()),
        ("hol_histogram.csv".to_owned(), t.hol.to_csv()),
    ];
    for (name, table) in &t.lists {
        out.push((format!("{name}.csv"), table.to_csv()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::sweep::AxisMeta;
    use super::*;
    use serde_json::json;

    fn header(csv: &str) -> Vec<String> {
        let first = csv.lines().next().unwrap_or_default();
        first.split(',').map(str::to_owned).collect()
    }

    fn meta() -> BatchMeta {
        BatchMeta {
            scenario: "s.ron".into(),
            axes: vec![
                AxisMeta {
                    name: "cc".into(),
                    path: "flows[*].transport.cc".into(),
                    values: vec!["Lia".into(), "None".into()],
                    labels: None,
                },
                AxisMeta {
                    name: "delay".into(),
                    path: "links.l.delay".into(),
                    values: vec!["10ms".into()],
                    labels: None,
                },
            ],
            runs: vec![
                RunMeta {
                    id: "a".into(),
                    values: vec!["Lia".into(), "10ms".into()],
                    seed: 1,
                },
                RunMeta {
                    id: "b".into(),
                    values: vec!["None".into(), "10ms".into()],
                    seed: 1,
                },
            ],
        }
    }

    fn summary() -> Value {
        json!({
            "scenario": "s", "seed": 1, "duration_s": 2.0,
            "flows": [
                {"name": "f1", "transport": "mptcp", "cc": "lia", "goodput_bps": 10.0,
                 "rto_timeouts": 1, "completed_at_s": null,
                 "hol_delay_ms": {"samples": 3, "p99": 1.5,
                                  "histogram": [[1e-6, 2], [0.000136, 1]]},
                 "subflows": [{"subflow": 0, "label": "wifi", "state": "closed"},
                              {"subflow": 3, "label": "lte", "state": "established"}]},
                {"name": "f2", "transport": "tcp", "cc": "reno", "goodput_bps": 30.0,
                 "rto_timeouts": 2},
            ],
            "links": [{"name": "l", "dropped_queue": 4, "dropped_loss": 1, "utilization": null}],
            "events": [{"time_s": 1.0, "link": "l", "action": "down",
                        "flows": [{"flow": "f1", "stall_s": 0.5, "recovery_s": null},
                                  {"flow": "f2", "stall_s": 0.25, "recovery_s": 0.1}]}],
            "engine_events": 99,
        })
    }

    #[test]
    fn one_row_per_run_and_flow_with_text_kept_and_none_explicit() {
        let m = meta();
        let mut t = Tables::new(&m);
        t.add(0, &m.runs[0], &RunState::Ok(summary()));
        t.add(1, &m.runs[1], &RunState::Failed("boom\nline".into()));
        let csv = t.summary.to_csv();
        let h = header(&csv);
        let at = |name: &str| h.iter().position(|c| c == name).unwrap();
        assert_eq!(
            h[..8],
            [
                "run",
                "id",
                "cc",
                "delay_ms",
                "delay_label",
                "seed",
                "status",
                "error"
            ]
        );
        assert!(at("flow") > at("engine_events"), "{h:?}");
        // The flows' own `cc` is taken by the axis: prefixed.
        assert!(h.contains(&"flow.cc".to_owned()) && h.contains(&"transport".to_owned()));
        let rows: Vec<Vec<String>> = super::super::table::parse_csv(&csv)[1..].to_vec();
        assert_eq!(rows.len(), 3);
        let cell = |r: usize, c: &str| rows[r][at(c)].as_str();
        assert_eq!(
            (cell(0, "flow"), cell(1, "flow"), cell(2, "flow")),
            ("f1", "f2", "")
        );
        assert_eq!(cell(2, "cc"), "none");
        assert_eq!(cell(0, "delay_ms"), "10");
        assert_eq!(cell(2, "error"), "boom line");
        assert_eq!(cell(1, "goodput_bps_total"), "40");
        assert_eq!(cell(1, "jain_goodput"), "0.8");
        assert_eq!(cell(0, "dropped_total"), "5");
        assert_eq!(cell(1, "flow.cc"), "reno");
        assert_eq!(cell(0, "hol_delay_ms.p99"), "1.5");
        assert_eq!(cell(0, "completed_at_s"), "");
        assert_eq!(
            (cell(0, "events.0.stall_s"), cell(1, "events.0.stall_s")),
            ("0.5", "0.25")
        );
        assert_eq!(cell(1, "events.0.action"), "down");
        assert!(!h
            .iter()
            .any(|c| c.contains("histogram") || c.contains("links")));

        let sub = t.subflows.to_csv();
        assert_eq!(
            header(&sub)[6..],
            ["flow", "subflow", "label", "state"].map(String::from)
        );
        assert!(
            sub.contains("\n0,a,Lia,10,10ms,1,f1,3,lte,established\n"),
            "{sub}"
        );
        let hol = t.hol.to_csv();
        assert!(
            hol.contains("\n0,a,Lia,10,10ms,1,f1,0,0.000001,2\n"),
            "{hol}"
        );
        assert!(hol.contains(",f1,0.000128,0.000136,1\n"), "{hol}");
        let links = &t.lists[0].1.to_csv();
        assert!(links.starts_with("run,id,cc,delay_ms,delay_label,seed,link,dropped_loss,"));
        assert!(links.contains("\n0,a,Lia,10,10ms,1,l,1,4,\n"), "{links}");
    }
}
