//! The batch directory's files around the runs: the state of each run on disk, the tables
//! built from them in expansion order (never in completion order; their layout is
//! `batch::tidy`'s), `batch.json`, and the small CSV and file helpers the batch commands
//! share.

use super::error::{out_err, BatchError};
use super::sweep::BatchMeta;
use super::tidy::{self, Tables};
use serde_json::Value;
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

/// Rebuilds the batch tables (`summary.csv`, `subflows.csv`, `hol_histogram.csv`,
/// `links.csv`, ...; see `batch::tidy`) in `dir` from `meta` and the run directories;
/// returns the counts. Each file is written whole.
pub fn write_summary(dir: &Path, meta: &BatchMeta) -> Result<Counts, BatchError> {
    let mut counts = Counts::default();
    let mut tables = Tables::new(meta);
    for (i, run) in meta.runs.iter().enumerate() {
        let state = run_state(dir, &run.id)?;
        match state {
            RunState::Ok(_) => counts.ok += 1,
            RunState::Failed(_) => counts.failed += 1,
            RunState::Missing => counts.missing += 1,
        }
        tables.add(i, run, &state);
    }
    for (name, text) in tidy::files(&tables) {
        write_atomic(&dir.join(name), text.as_bytes())?;
    }
    Ok(counts)
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

    #[test]
    fn csv_round_trips_quoted_fields() {
        let row = ["a", "b,c", "say \"hi\"", ""];
        let line: Vec<String> = row.iter().map(|s| csv_field(s)).collect();
        let text = format!("{}\n1,2,3,4\n", line.join(","));
        let rows = parse_csv(&text);
        assert_eq!(rows[0], row);
        assert_eq!(rows[1], ["1", "2", "3", "4"]);
    }
}
