//! `summary.csv`: one row per run of the expansion, in expansion order, built from the run
//! directories on disk (never from completion order), plus the small CSV and file helpers
//! the batch commands share.
//!
//! Columns: `run` (position), `id`, one per axis (the value's label), `seed`, `status`
//! (`ok`, `failed` or `missing`), `error`, the derived metrics `goodput_bps_total`,
//! `jain_goodput` (Jain's fairness index over the flows' goodput), `segments_retransmitted_total`,
//! `rto_timeouts_total`, `dropped_total`, then every number in `summary.json` flattened to
//! a dotted column name: lists of objects with a `name` are keyed by it
//! (`flows.flow1.goodput_bps`, `links.bottleneck.dropped_queue`), other lists by position
//! (`events.0.recovery_s`). Whatever the summary gains later becomes columns by itself.
//! Columns appear in order of first appearance over the runs; an empty cell is a missing
//! value.

use super::error::{out_err, BatchError};
use super::sweep::BatchMeta;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The outcome of one run as found on disk.
#[derive(Clone, Debug, PartialEq)]
pub enum RunState {
    /// `summary.json` is there (its parsed contents).
    Ok(Value),
    /// `error.txt` is there (its text).
    Failed(String),
    /// No results directory.
    Missing,
}

/// Reads the state of run `id` under `dir/runs/`.
pub fn run_state(dir: &Path, id: &str) -> Result<RunState, BatchError> {
    let run = dir.join("runs").join(id);
    let summary = run.join("summary.json");
    if summary.is_file() {
        let text = std::fs::read_to_string(&summary).map_err(|source| BatchError::Read {
            file: summary.clone(),
            source,
        })?;
        let v = serde_json::from_str(&text)
            .map_err(|e| super::error::input_err(&summary, e.to_string()))?;
        return Ok(RunState::Ok(v));
    }
    let error = run.join("error.txt");
    if error.is_file() {
        let text = std::fs::read_to_string(&error).map_err(|source| BatchError::Read {
            file: error.clone(),
            source,
        })?;
        return Ok(RunState::Failed(text.trim().to_owned()));
    }
    Ok(RunState::Missing)
}

/// Counts of run states in a summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Runs with results.
    pub ok: usize,
    /// Runs that failed.
    pub failed: usize,
    /// Runs not (yet) run.
    pub missing: usize,
}

/// Rebuilds `dir/summary.csv` from `meta` and the run directories; returns the counts.
pub fn write_summary(dir: &Path, meta: &BatchMeta) -> Result<Counts, BatchError> {
    let mut counts = Counts::default();
    let mut columns: Vec<String> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut rows: Vec<(RunState, Vec<(usize, String)>)> = Vec::new();
    for run in &meta.runs {
        let state = run_state(dir, &run.id)?;
        let mut cells = Vec::new();
        if let RunState::Ok(v) = &state {
            let mut flat = derived(v);
            flatten("", v, &mut flat);
            for (k, val) in flat {
                let n = columns.len();
                let c = *index.entry(k.clone()).or_insert(n);
                if c == n {
                    columns.push(k);
                }
                cells.push((c, val));
            }
        }
        match state {
            RunState::Ok(_) => counts.ok += 1,
            RunState::Failed(_) => counts.failed += 1,
            RunState::Missing => counts.missing += 1,
        }
        rows.push((state, cells));
    }
    let mut out = String::from("run,id");
    for a in &meta.axes {
        let _ = write!(out, ",{}", csv_field(&a.name));
    }
    out.push_str(",seed,status,error");
    for c in &columns {
        let _ = write!(out, ",{}", csv_field(c));
    }
    out.push('\n');
    for (i, (run, (state, cells))) in meta.runs.iter().zip(rows).enumerate() {
        let _ = write!(out, "{i},{}", csv_field(&run.id));
        for v in &run.values {
            let _ = write!(out, ",{}", csv_field(v));
        }
        let (status, error) = match &state {
            RunState::Ok(_) => ("ok", String::new()),
            RunState::Failed(e) => ("failed", e.replace(['\n', '\r'], " ")),
            RunState::Missing => ("missing", String::new()),
        };
        let _ = write!(out, ",{},{status},{}", run.seed, csv_field(&error));
        let mut line = vec![String::new(); columns.len()];
        for (c, v) in cells {
            line[c] = v;
        }
        for v in line {
            let _ = write!(out, ",{}", csv_field(&v));
        }
        out.push('\n');
    }
    write_atomic(&dir.join("summary.csv"), out.as_bytes())?;
    Ok(counts)
}

/// Metrics computed across a summary's flows and links.
fn derived(v: &Value) -> Vec<(String, String)> {
    let num = |o: &Value, k: &str| o.get(k).and_then(Value::as_f64);
    let list = |k: &str| {
        v.get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let flows = list("flows");
    let links = list("links");
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
            fmt_f64(sum(&flows, &|k| k == "segments_retransmitted")),
        ),
        (
            "rto_timeouts_total".into(),
            fmt_f64(sum(&flows, &|k| k == "rto_timeouts")),
        ),
        (
            "dropped_total".into(),
            fmt_f64(sum(&links, &|k| k.starts_with("dropped_"))),
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

/// Flattens the numbers (and nulls, as empty cells) of `v` into dotted columns.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Number(n) => out.push((prefix.to_owned(), n.to_string())),
        Value::Bool(b) => out.push((prefix.to_owned(), b.to_string())),
        Value::Null if !prefix.is_empty() => out.push((prefix.to_owned(), String::new())),
        Value::Object(m) => {
            for (k, x) in m {
                if prefix.is_empty() && k == "seed" {
                    continue;
                }
                flatten(&key(k), x, out);
            }
        }
        Value::Array(a) => {
            let names: Vec<&str> = a
                .iter()
                .filter_map(|x| x.get("name").and_then(Value::as_str))
                .collect();
            let mut uniq = names.clone();
            uniq.sort_unstable();
            uniq.dedup();
            let by_name = names.len() == a.len() && uniq.len() == a.len();
            for (i, x) in a.iter().enumerate() {
                let k = if by_name {
                    names[i].to_owned()
                } else {
                    i.to_string()
                };
                flatten(&key(&k), x, out);
            }
        }
        _ => {}
    }
}

/// Quotes a CSV field when it needs it (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Parses CSV text (RFC 4180 quoting) into rows of fields.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// Writes `path` whole or not at all (a temporary sibling renamed into place).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), BatchError> {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        out_err(path, e)
    })?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        out_err(path, e)
    })
}

/// Reads `dir/batch.json`.
pub fn read_meta(dir: &Path) -> Result<BatchMeta, BatchError> {
    let p = dir.join("batch.json");
    let text = std::fs::read_to_string(&p).map_err(|source| BatchError::Read {
        file: p.clone(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| super::error::input_err(&p, e.to_string()))
}

/// Writes `dir/batch.json`.
pub fn write_meta(dir: &Path, meta: &BatchMeta) -> Result<(), BatchError> {
    let p = dir.join("batch.json");
    let text = serde_json::to_string_pretty(meta).map_err(|e| out_err(&p, e))?;
    write_atomic(&p, format!("{text}\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_round_trips_quoted_fields() {
        let row = ["a", "b,c", "say \"hi\"", ""];
        let line: Vec<String> = row.iter().map(|s| csv_field(s)).collect();
        let text = format!("{}\n1,2,3,4\n", line.join(","));
        let rows = parse_csv(&text);
        assert_eq!(rows[0], row);
        assert_eq!(rows[1], ["1", "2", "3", "4"]);
    }

    #[test]
    fn summaries_flatten_by_name_and_derive_fairness() {
        let v = json!({
            "seed": 3,
            "flows": [{"name": "f1", "goodput_bps": 10.0, "rto_timeouts": 1, "cc": "reno"},
                      {"name": "f2", "goodput_bps": 30.0, "rto_timeouts": 2}],
            "links": [{"name": "l", "dropped_queue": 4, "dropped_loss": 1, "utilization": null}],
            "events": [{"stall_s": 0.5}],
        });
        let mut flat = derived(&v);
        flatten("", &v, &mut flat);
        let get = |k: &str| flat.iter().find(|(c, _)| c == k).map(|(_, v)| v.as_str());
        assert_eq!(get("goodput_bps_total"), Some("40"));
        assert_eq!(get("jain_goodput"), Some("0.8"));
        assert_eq!(get("rto_timeouts_total"), Some("3"));
        assert_eq!(get("dropped_total"), Some("5"));
        assert_eq!(get("flows.f2.goodput_bps"), Some("30.0"));
        assert_eq!(get("links.l.utilization"), Some(""));
        assert_eq!(get("events.0.stall_s"), Some("0.5"));
        assert_eq!(get("seed"), None);
        assert_eq!(get("flows.f1.cc"), None);
    }
}
