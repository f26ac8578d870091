//! Writing results whole or not at all, and never over anything that is not mpsim's.
//!
//! Every results directory holds a marker file, [`MARKER`], saying which command wrote it
//! ([`DirKind`]). An output path is used only when it does not exist, is an empty directory,
//! or is a directory of the same kind with that marker; anything else (a file, a symbolic link,
//! a directory of the user's, a batch directory given to `mpsim run`) is refused before any
//! work starts, with an error naming the path (exit code 2).
//!
//! A run writes its files into a fresh sibling directory `.<name>.partial-<pid>` (holding the
//! marker from its first moment) and renames it into place only when every file is written. A
//! previous results directory of the same name is first renamed to `.<name>.old-<pid>` and
//! removed only after the new one is in place, so at every instant either the old or the new
//! results are whole. A run killed part-way (even by `kill -9`) leaves those staging
//! directories behind; the next run that writes to the same path removes the ones whose
//! process is gone and that hold the marker, and puts a `.old-` directory back in place when
//! the kill came between the two renames.

use crate::error::ScenarioError;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The name of the marker file in every directory mpsim writes.
pub const MARKER: &str = ".mpsim-results";

/// Which command a results directory belongs to (the marker's contents say so).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirKind {
    /// `mpsim run` (also one run of a batch).
    Run,
    /// `mpsim compare`.
    Compare,
    /// `mpsim batch` / `mpsim merge`.
    Batch,
}

impl DirKind {
    const ALL: [DirKind; 3] = [DirKind::Run, DirKind::Compare, DirKind::Batch];

    /// The marker file's contents.
    pub fn marker_text(self) -> &'static str {
        match self {
            DirKind::Run => {
                "mpsim run results: mpsim replaces this directory when told to write here\n"
            }
            DirKind::Compare => {
                "mpsim compare results: mpsim replaces this directory when told to write here\n"
            }
            DirKind::Batch => "mpsim batch directory: mpsim adds and replaces runs in it\n",
        }
    }

    fn what(self) -> &'static str {
        match self {
            DirKind::Run => "the results directory of a run",
            DirKind::Compare => "the results directory of a comparison",
            DirKind::Batch => "a batch directory",
        }
    }
}

/// What is at a path an output is about to go to.
enum Found {
    Nothing,
    EmptyDir,
    Ours(DirKind),
    Foreign(String),
}

fn inspect(dest: &Path) -> Result<Found, ScenarioError> {
    let meta = match std::fs::symlink_metadata(dest) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Found::Nothing),
        Err(e) => return Err(out_err(dest, e.to_string())),
    };
    if meta.file_type().is_symlink() {
        return Ok(Found::Foreign(
            "it is a symbolic link; give the directory it points to, or another path".into(),
        ));
    }
    if !meta.is_dir() {
        return Ok(Found::Foreign("it is a file, not a directory".into()));
    }
    if let Some(kind) = marker_kind(dest) {
        return Ok(Found::Ours(kind));
    }
    let mut entries = std::fs::read_dir(dest).map_err(|e| out_err(dest, e.to_string()))?;
    if entries.next().is_none() {
        return Ok(Found::EmptyDir);
    }
    Ok(Found::Foreign(format!(
        "the directory exists, holds files, and is not an mpsim results directory (no `{MARKER}` \
         file); mpsim never writes over it: give another --out or move it away"
    )))
}

/// The kind named by `dir`'s marker file, if it has a valid one.
pub fn marker_kind(dir: &Path) -> Option<DirKind> {
    let p = dir.join(MARKER);
    let meta = std::fs::symlink_metadata(&p).ok()?;
    if !meta.is_file() || meta.len() > 4096 {
        return None;
    }
    let text = std::fs::read_to_string(&p).ok()?;
    DirKind::ALL.into_iter().find(|k| k.marker_text() == text)
}

/// Checks that `dest` may receive results of `kind`: absent, an empty directory, or a
/// directory of that kind. Refusals are [`ScenarioError::Output`] errors naming `dest`.
pub fn check_out(dest: &Path, kind: DirKind) -> Result<(), ScenarioError> {
    match inspect(dest)? {
        Found::Nothing | Found::EmptyDir => Ok(()),
        Found::Ours(k) if k == kind => Ok(()),
        Found::Ours(k) => Err(out_err(
            dest,
            format!(
                "it is {}, not {}; give another --out",
                k.what(),
                kind.what()
            ),
        )),
        Found::Foreign(why) => Err(out_err(dest, why)),
    }
}

/// Makes `dir` a directory of `kind` that results are added to in place (a batch directory):
/// refused as by [`check_out`], else created if needed and marked. Temporary files of its
/// summary files left by killed processes (`.summary.csv.partial-<pid>`,
/// `.batch.json.partial-<pid>`, any `.<file>.partial-<pid>`) are removed.
pub fn claim_dir(dir: &Path, kind: DirKind) -> Result<(), ScenarioError> {
    check_out(dir, kind)?;
    std::fs::create_dir_all(dir).map_err(|e| out_err(dir, e.to_string()))?;
    if marker_kind(dir) != Some(kind) {
        std::fs::write(dir.join(MARKER), kind.marker_text())
            .map_err(|e| out_err(dir, e.to_string()))?;
    }
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix('.')
            .and_then(|n| n.rsplit_once(".partial-"))
            .and_then(|(_, p)| p.parse::<u32>().ok());
        let is_file = e.file_type().is_ok_and(|t| t.is_file());
        if pid.is_some_and(|p| p != std::process::id() && !process_alive(p)) && is_file {
            let _ = std::fs::remove_file(e.path());
        }
    }
    Ok(())
}

/// A results directory being written.
pub struct Staging {
    tmp: PathBuf,
    dest: PathBuf,
    kind: DirKind,
}

impl Staging {
    /// Starts writing results of `kind` destined for `dest`, after checking that `dest` may
    /// be replaced ([`check_out`]) and that none of `inputs` (the files the run reads) lies
    /// inside it, except `scenario.ron` and `traces/` that a run itself writes there.
    /// Removes leftovers of killed runs that wrote to `dest`.
    pub fn new(dest: &Path, kind: DirKind, inputs: &[&Path]) -> Result<Self, ScenarioError> {
        let name = final_name(dest)?;
        check_out(dest, kind)?;
        check_inputs_outside(dest, inputs)?;
        let parent = parent_of(dest);
        std::fs::create_dir_all(&parent).map_err(|e| out_err(dest, e.to_string()))?;
        sweep_dead_runs(&parent, |n| n == name)?;
        let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if marker_kind(&tmp).is_some() {
            std::fs::remove_dir_all(&tmp).map_err(|e| out_err(dest, e.to_string()))?;
        }
        std::fs::create_dir(&tmp).map_err(|e| out_err(dest, e.to_string()))?;
        let stage = Staging {
            tmp,
            dest: dest.to_path_buf(),
            kind,
        };
        stage.write(MARKER, kind.marker_text().as_bytes())?;
        Ok(stage)
    }

    /// The directory files are written into for now.
    pub fn dir(&self) -> &Path {
        &self.tmp
    }

    /// Where the results will be.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Writes `name` (a path relative to the results directory; its parent directories are
    /// created) in the staging directory. Errors name the file under the final path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), ScenarioError> {
        let p = self.tmp.join(name);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| out_err(&self.dest.join(name), e.to_string()))?;
        }
        std::fs::write(&p, bytes).map_err(|e| out_err(&self.dest.join(name), e.to_string()))
    }

    /// Moves the finished directory into place, replacing an older one of the same kind.
    pub fn commit(self) -> Result<PathBuf, ScenarioError> {
        let dest = self.dest.clone();
        // The destination may have changed while the run went on.
        check_out(&dest, self.kind)?;
        let name = final_name(&dest)?;
        let mut old = None;
        if std::fs::symlink_metadata(&dest).is_ok() {
            let o = parent_of(&dest).join(format!(".{name}.old-{}", std::process::id()));
            std::fs::rename(&dest, &o).map_err(|e| out_err(&dest, e.to_string()))?;
            old = Some(o);
        }
        if let Err(e) = std::fs::rename(&self.tmp, &dest) {
            if let Some(o) = &old {
                let _ = std::fs::rename(o, &dest);
            }
            return Err(out_err(&dest, e.to_string()));
        }
        if let Some(o) = old {
            // A failure here leaves `.old-<pid>`, which the next run removes.
            let _ = std::fs::remove_dir_all(o);
        }
        Ok(dest)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if marker_kind(&self.tmp).is_some() {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// The final component of an output path, which staging names are built from.
fn final_name(dest: &Path) -> Result<String, ScenarioError> {
    match dest.file_name() {
        Some(n) => Ok(n.to_string_lossy().into_owned()),
        None => Err(out_err(
            dest,
            "the path has no final name (such as `.` or `..`); name the directory".into(),
        )),
    }
}

fn parent_of(dest: &Path) -> PathBuf {
    match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Refuses a destination that holds one of the run's own input files (other than the
/// `scenario.ron` and `traces/` a run writes, which the new results hold again).
fn check_inputs_outside(dest: &Path, inputs: &[&Path]) -> Result<(), ScenarioError> {
    let Ok(dest_abs) = std::fs::canonicalize(dest) else {
        return Ok(());
    };
    for input in inputs {
        let Ok(abs) = std::fs::canonicalize(input) else {
            continue;
        };
        let Ok(rel) = abs.strip_prefix(&dest_abs) else {
            continue;
        };
        if rel == Path::new("scenario.ron") || rel.starts_with("traces") {
            continue;
        }
        return Err(out_err(
            dest,
            format!(
                "it holds {}, which this run reads; give another --out",
                input.display()
            ),
        ));
    }
    Ok(())
}

/// True unless the process `pid` is known to be gone (Linux `/proc`; where there is no
/// `/proc`, every process counts as alive and nothing is removed).
fn process_alive(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Removes the `.<name>.partial-<pid>` and `.<name>.old-<pid>` directories in `parent` of
/// runs that are gone (their process no longer exists and the directory holds the marker),
/// for every results name `wanted` accepts (one run's, or a batch's runs of one shard):
/// leftovers of processes still running — another batch writing the same run, say — are
/// left alone, and a dead run's `.old-` directory (the earlier results it had moved aside)
/// goes back to `parent/<name>` when nothing took its place.
pub fn sweep_dead_runs(parent: &Path, wanted: impl Fn(&str) -> bool) -> Result<(), ScenarioError> {
    for (old, path, name) in dead_leftovers(parent, wanted) {
        put_back_or_remove(old, &path, &parent.join(name))?;
    }
    Ok(())
}

/// What a leftover's file name `.<name>.partial-<pid>` or `.<name>.old-<pid>` says: the
/// results directory's name, whether it is an `.old-` one, and the process.
fn leftover_name(path: &Path) -> Option<(&str, bool, u32)> {
    let rest = path.file_name()?.to_str()?.strip_prefix('.')?;
    let (name, old, pid) = if let Some((name, pid)) = rest.rsplit_once(".partial-") {
        (name, false, pid)
    } else {
        let (name, pid) = rest.rsplit_once(".old-")?;
        (name, true, pid)
    };
    Some((name, old, pid.parse().ok()?))
}

/// The leftovers in `parent` (whether `.old-`, the path, the results name; sorted) of
/// processes that are gone, for the results names `wanted` accepts: only directories
/// holding the marker.
fn dead_leftovers(parent: &Path, wanted: impl Fn(&str) -> bool) -> Vec<(bool, PathBuf, String)> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        let Some((name, old, pid)) = leftover_name(&path) else {
            continue;
        };
        if !wanted(name)
            || pid == std::process::id()
            || process_alive(pid)
            || marker_kind(&path).is_none()
        {
            continue;
        }
        let name = name.to_owned();
        found.push((old, path, name));
    }
    found.sort();
    found
}

/// Puts a dead run's `.old-` directory back at `dest` when `dest` is missing; otherwise
/// (or for a `.partial-` one) removes it.
fn put_back_or_remove(old: bool, path: &Path, dest: &Path) -> Result<(), ScenarioError> {
    let missing =
        matches!(std::fs::symlink_metadata(dest), Err(e) if e.kind() == ErrorKind::NotFound);
    if old && missing {
        std::fs::rename(path, dest).map_err(|e| out_err(dest, e.to_string()))
    } else {
        std::fs::remove_dir_all(path).map_err(|e| out_err(path, e.to_string()))
    }
}

fn out_err(path: &Path, msg: String) -> ScenarioError {
    ScenarioError::Output {
        path: path.to_path_buf(),
        msg,
    }
}

/// Formats seconds with 6 decimals, the time column of the sampled CSV files.
pub fn secs(ns: u64) -> String {
    format!("{}.{:06}", ns / 1_000_000_000, (ns % 1_000_000_000) / 1_000)
}

/// Formats seconds with 9 decimals (exact nanoseconds), the time of events.
pub fn secs_exact(ns: u64) -> String {
    format!("{}.{:09}", ns / 1_000_000_000, ns % 1_000_000_000)
}
