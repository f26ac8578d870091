//! Running a sweep's runs on worker threads, each into its own results directory, with
//! resume and sharding.
//!
//! Layout of a batch directory `DIR`:
//! - `DIR/batch.json` — the expansion (axes, run ids, values, seeds); identical for every
//!   shard of one sweep, which is what `merge` checks.
//! - `DIR/runs/<id>/` — one run, renamed into place only when whole: `scenario.ron` (the
//!   exact expanded scenario; `mpsim run` on it reproduces the files byte for byte),
//!   `summary.json`, `events.csv`, `timeseries.csv` and plots when enabled; or, for a run
//!   that failed, `error.txt` (and `scenario.ron` when the scenario could be built).
//! - `DIR/summary.csv` — see [`super::table`].
//!
//! Runs share nothing but the read-only sweep, so their files do not depend on the number
//! of threads, the shard or the completion order. A run is complete when its directory
//! holds `summary.json` and its `scenario.ron` equals the run's expansion now: `--resume`
//! skips those and re-runs failed, missing and stale ones (a changed base scenario or
//! `set:` changes the expansion, so stale results are never reused under the same id).
//! Leftover `.<id>.partial-<pid>` directories of the runs this shard owns are removed first
//! when their process is gone (an `.old-<pid>` one, a complete result a killed run had moved
//! aside, goes back into place if nothing took it); other shards' are left alone, so shards
//! may share one directory, and so are those of processes still running (a second batch on
//! the same shard does not delete the first one's work in progress).

use super::error::{out_err, BatchError};
use super::sweep::{RunSpec, Sweep};
use super::table::{write_atomic, write_meta, write_summary, Counts};
use crate::manifest::Manifest;
use crate::output::{sweep_dead_runs, DirKind, Staging};
use crate::schema::Scenario;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// The `I`-th of `N` disjoint slices of a sweep: runs whose position `% N == I`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which slice, from 0.
    pub index: usize,
    /// How many slices.
    pub count: usize,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `I/N` (0 ≤ I < N).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("--shard `{s}`: write I/N, e.g. 0/4"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("--shard `{s}`: `{i}` is not a number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("--shard `{s}`: `{n}` is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!("--shard `{s}`: need 0 <= I < N"));
        }
        Ok(Shard { index, count })
    }

    /// True when run `index` belongs to this shard.
    pub fn owns(self, index: usize) -> bool {
        index % self.count == self.index
    }
}

/// How to run a batch.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    /// The batch directory.
    pub out: PathBuf,
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// The slice to run.
    pub shard: Shard,
    /// Skip runs whose results are complete.
    pub resume: bool,
    /// Show a progress bar when stderr is a terminal.
    pub progress: bool,
}

/// What a batch did.
#[derive(Clone, Debug)]
pub struct BatchReport {
    /// Runs in the whole expansion.
    pub total: usize,
    /// Runs in this shard.
    pub selected: usize,
    /// Runs skipped because their results were complete.
    pub skipped: usize,
    /// Runs run now.
    pub ran: usize,
    /// Runs run now that failed: id and message, in expansion order.
    pub failed: Vec<(String, String)>,
    /// State of the whole directory after the batch.
    pub counts: Counts,
    /// The summary table written.
    pub summary: PathBuf,
}

/// The text of `sc` as a scenario file.
pub fn scenario_text(sc: &Scenario) -> Result<String, String> {
    crate::load::to_ron(sc).map_err(|e| e.to_string())
}

/// The text `scenario.ron` holds for `sc` in a results directory (as
/// [`crate::cli::run_to_dir`] writes it: trace files named by their copies in `traces/`).
pub fn results_scenario_text(sc: &Scenario, base_file: &Path) -> Result<String, String> {
    let base = base_file.parent().unwrap_or(Path::new("."));
    scenario_text(&crate::cli::portable_scenario(sc, base).0)
}

/// Runs this shard's runs of `sweep` into `opts.out`, then rewrites `summary.csv`.
pub fn run_batch(sweep: &Sweep, opts: &BatchOptions) -> Result<BatchReport, BatchError> {
    crate::output::claim_dir(&opts.out, DirKind::Batch)?;
    let runs_dir = opts.out.join("runs");
    std::fs::create_dir_all(&runs_dir).map_err(|e| out_err(&runs_dir, e))?;
    let meta = sweep.meta();
    write_meta(&opts.out, &meta)?;
    let manifest = opts.out.join("manifest.json");
    write_atomic(&manifest, sweep.manifest().to_json().as_bytes())?;
    let mine: Vec<&RunSpec> = sweep
        .runs
        .iter()
        .filter(|r| opts.shard.owns(r.index))
        .collect();
    clean_partials(&runs_dir, &mine)?;
    let mut todo = Vec::new();
    for r in &mine {
        if !(opts.resume && is_complete(sweep, r, &runs_dir.join(&r.id))) {
            todo.push(*r);
        }
    }
    let skipped = mine.len() - todo.len();
    let bar = progress_bar(opts.progress, todo.len());
    let results = run_all(sweep, &runs_dir, &todo, opts.jobs.max(1), bar.as_ref());
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let failed: Vec<(String, String)> = todo
        .iter()
        .zip(&results)
        .filter_map(|(r, res)| res.as_ref().err().map(|e| (r.id.clone(), e.clone())))
        .collect();
    let counts = write_summary(&opts.out, &meta)?;
    Ok(BatchReport {
        total: sweep.runs.len(),
        selected: mine.len(),
        skipped,
        ran: todo.len(),
        failed,
        counts,
        summary: opts.out.join("summary.csv"),
    })
}

/// What a batch would do with a run (`mpsim batch --dry-run`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Planned {
    /// It would run.
    Run,
    /// Its results are complete; `--resume` skips it.
    Complete,
    /// Its scenario is not valid: the run would fail with this message.
    Invalid(String),
}

/// The runs of `shard` in expansion order and what a batch would do with each: each run's
/// scenario is expanded and validated (not run), and with `resume_in` (the batch directory
/// of `--resume`) complete runs are marked. Nothing is written.
pub fn plan_runs<'s>(
    sweep: &'s Sweep,
    shard: Shard,
    resume_in: Option<&Path>,
) -> Vec<(&'s RunSpec, Planned)> {
    let runs = sweep.runs.iter().filter(|r| shard.owns(r.index));
    runs.map(|r| {
        let complete =
            resume_in.is_some_and(|dir| is_complete(sweep, r, &dir.join("runs").join(&r.id)));
        let state = if complete {
            Planned::Complete
        } else {
            match sweep.scenario(r) {
                Err(msg) => {
                    Planned::Invalid(format!("the expanded scenario does not parse: {msg}"))
                }
                Ok(sc) => match crate::validate::validate(&sweep.base_file, "", sc) {
                    Ok(_) => Planned::Run,
                    Err(e) => Planned::Invalid(portable(sweep, &e.to_string())),
                },
            }
        };
        (r, state)
    })
    .collect()
}

/// Removes `.<id>.partial-<pid>` and `.<id>.old-<pid>` leftovers of this shard's runs
/// whose process is gone, and only directories that carry mpsim's results marker (what
/// [`Staging`] makes); an `.old-` one (a complete earlier result a killed run had moved
/// aside) goes back into place when the run's directory is missing. Leftovers of a process
/// still running (another batch on the same shard) are left alone.
fn clean_partials(runs_dir: &Path, mine: &[&RunSpec]) -> Result<(), BatchError> {
    let ids: std::collections::BTreeSet<&str> = mine.iter().map(|r| r.id.as_str()).collect();
    sweep_dead_runs(runs_dir, |id| ids.contains(id)).map_err(|e| out_err(runs_dir, e))
}

fn is_complete(sweep: &Sweep, run: &RunSpec, dir: &Path) -> bool {
    if !dir.join("summary.json").is_file() {
        return false;
    }
    let expected = sweep
        .scenario(run)
        .ok()
        .and_then(|sc| results_scenario_text(&sc, &sweep.base_file).ok());
    let found = std::fs::read_to_string(dir.join("scenario.ron")).ok();
    expected.is_some() && expected == found
}

/// Runs `todo` on `jobs` threads; results in the order of `todo`.
fn run_all(
    sweep: &Sweep,
    runs_dir: &Path,
    todo: &[&RunSpec],
    jobs: usize,
    bar: Option<&indicatif::ProgressBar>,
) -> Vec<Result<(), String>> {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    let mut results = vec![Ok(()); todo.len()];
    std::thread::scope(|s| {
        for _ in 0..jobs.min(todo.len()) {
            let tx = tx.clone();
            let next = &next;
            s.spawn(move || loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(run) = todo.get(k) else { break };
                let res = run_one(sweep, run, &runs_dir.join(&run.id));
                if tx.send((k, res)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut failures = 0;
        for (k, res) in rx {
            if res.is_err() {
                failures += 1;
            }
            results[k] = res;
            if let Some(b) = bar {
                b.set_message(format!("{failures} failed"));
                b.inc(1);
            }
        }
    });
    results
}

/// Runs one run into `dest`; a failure is recorded there as `error.txt` and returned.
fn run_one(sweep: &Sweep, run: &RunSpec, dest: &Path) -> Result<(), String> {
    let sc = match sweep.scenario(run) {
        Ok(sc) => sc,
        Err(msg) => {
            let msg = format!("the expanded scenario does not parse: {msg}");
            return record_failure(dest, run.seed, None, msg);
        }
    };
    // The scenario's text is written only beside a failure (a run that succeeds writes its
    // own `scenario.ron`): serialized then, from a copy, not for every run.
    let copy = sc.clone();
    let text = || scenario_text(&copy).ok();
    let plan = match crate::validate::validate(&sweep.base_file, "", sc) {
        Ok(p) => p,
        Err(e) => return record_failure(dest, run.seed, text(), portable(sweep, &e.to_string())),
    };
    match crate::cli::run_to_dir(&plan, dest, None, false) {
        Ok(_) => Ok(()),
        Err(e) => record_failure(dest, run.seed, text(), portable(sweep, &e.to_string())),
    }
}

/// Shows the base scenario's path in a message as the sweep file writes it, so results do
/// not depend on where the sweep was run from.
fn portable(sweep: &Sweep, msg: &str) -> String {
    let real = sweep.base_file.display().to_string();
    match msg.strip_prefix(&real) {
        Some(rest) => format!("{}{rest}", sweep.base_written),
        None => msg.to_owned(),
    }
}

fn record_failure(
    dest: &Path,
    seed: u64,
    scenario: Option<String>,
    msg: String,
) -> Result<(), String> {
    let write = || -> Result<(), crate::ScenarioError> {
        let stage = Staging::new(dest, DirKind::Run, &[])?;
        stage.write("error.txt", format!("{msg}\n").as_bytes())?;
        if let Some(text) = &scenario {
            stage.write("scenario.ron", text.as_bytes())?;
            let manifest = Manifest::run(text.as_bytes(), seed);
            stage.write("manifest.json", manifest.to_json().as_bytes())?;
        }
        stage.commit().map(drop)
    };
    match write() {
        Ok(()) => Err(msg),
        Err(e) => Err(format!("{msg} (and the error could not be recorded: {e})")),
    }
}

fn progress_bar(wanted: bool, len: usize) -> Option<indicatif::ProgressBar> {
    if !wanted || len == 0 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "batch [{bar:40}] {pos}/{len} runs, {msg} ({elapsed}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message("0 failed");
    Some(bar)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition() {
        let s = Shard::parse("1/3").unwrap();
        assert_eq!(s, Shard { index: 1, count: 3 });
        assert!(s.owns(4) && !s.owns(3));
        for bad in ["3/3", "1", "a/2", "0/0"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
