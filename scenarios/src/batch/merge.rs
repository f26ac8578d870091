//! `mpsim merge`: joins the run directories of several shards of one sweep into one batch
//! directory and rebuilds its `summary.csv`.
//!
//! The shards must have the same `batch.json` (the same expansion). A run missing from the
//! target is copied from the first shard that has it (whole: through a staging directory);
//! a failed run in the target is replaced by a successful one from another shard. The
//! shards' `manifest.json` files agree when one build ran one sweep (the recorded command
//! leaves out `--shard`, `--out` and `--jobs`); the first one found becomes the merged
//! directory's, and any that differs is reported as a warning (shards of different builds or
//! sweep files).

use super::error::{input_err, out_err, BatchError};
use super::table::{
    read_meta, run_state, write_atomic, write_meta, write_summary, Counts, RunState,
};
use crate::output::{DirKind, Staging};
use std::path::{Path, PathBuf};

/// What a merge did.
#[derive(Clone, Debug)]
pub struct MergeReport {
    /// The directory merged into.
    pub target: PathBuf,
    /// Run directories copied.
    pub copied: usize,
    /// State of the merged directory.
    pub counts: Counts,
    /// Shards whose `manifest.json` differs from the one kept.
    pub warnings: Vec<String>,
}

/// Merges `dirs` into `out` (default: the first of `dirs`).
pub fn merge(dirs: &[PathBuf], out: Option<&Path>) -> Result<MergeReport, BatchError> {
    let first = dirs
        .first()
        .ok_or_else(|| input_err(Path::new("."), "no batch directories given"))?;
    let meta = read_meta(first)?;
    for d in &dirs[1..] {
        if read_meta(d)? != meta {
            return Err(input_err(
                &d.join("batch.json"),
                format!(
                    "differs from {}: these are not shards of one sweep",
                    first.join("batch.json").display()
                ),
            ));
        }
    }
    let target = out.unwrap_or(first).to_path_buf();
    crate::output::claim_dir(&target, DirKind::Batch)?;
    let runs = target.join("runs");
    std::fs::create_dir_all(&runs).map_err(|e| out_err(&runs, e))?;
    write_meta(&target, &meta)?;
    let warnings = merge_manifests(dirs, &target)?;
    let same = |d: &Path| {
        let canon = |p: &Path| std::fs::canonicalize(p).ok();
        canon(d).is_some() && canon(d) == canon(&target)
    };
    let mut copied = 0;
    for run in &meta.runs {
        let mut have = run_state(&target, &run.id)?;
        for d in dirs.iter().filter(|d| !same(d)) {
            if matches!(have, RunState::Ok(_)) {
                break;
            }
            let found = run_state(d, &run.id)?;
            let better = matches!(
                (&have, &found),
                (_, RunState::Ok(_)) | (RunState::Missing, RunState::Failed(_))
            );
            if better {
                copy_run(&d.join("runs").join(&run.id), &runs.join(&run.id))?;
                copied += 1;
                have = found;
            }
        }
    }
    let counts = write_summary(&target, &meta)?;
    Ok(MergeReport {
        target,
        copied,
        counts,
        warnings,
    })
}

/// Puts the first shard's `manifest.json` in `target` (unless it is that shard) and names
/// the shards whose manifest differs from it.
fn merge_manifests(dirs: &[PathBuf], target: &Path) -> Result<Vec<String>, BatchError> {
    let mut kept: Option<(PathBuf, Vec<u8>)> = None;
    let mut warnings = Vec::new();
    for d in dirs {
        let p = d.join("manifest.json");
        let Ok(bytes) = std::fs::read(&p) else {
            continue;
        };
        match &kept {
            None => kept = Some((p, bytes)),
            Some((first, k)) if *k != bytes => warnings.push(format!(
                "{} differs from {} (another mpsim build or sweep file); kept the latter",
                p.display(),
                first.display()
            )),
            Some(_) => {}
        }
    }
    if let Some((_, bytes)) = kept {
        let dest = target.join("manifest.json");
        if std::fs::read(&dest).ok().as_ref() != Some(&bytes) {
            write_atomic(&dest, &bytes)?;
        }
    }
    Ok(warnings)
}

/// Copies a run directory (flat or nested) whole.
fn copy_run(src: &Path, dest: &Path) -> Result<(), BatchError> {
    let stage = Staging::new(dest, DirKind::Run, &[])?;
    copy_tree(src, stage.dir())?;
    stage.commit()?;
    Ok(())
}

fn copy_tree(src: &Path, dest: &Path) -> Result<(), BatchError> {
    let mut entries: Vec<_> = std::fs::read_dir(src)
        .map_err(|e| input_err(src, e))?
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let (from, to) = (e.path(), dest.join(e.file_name()));
        if from.is_dir() {
            std::fs::create_dir(&to).map_err(|e| out_err(&to, e))?;
            copy_tree(&from, &to)?;
        } else {
            std::fs::copy(&from, &to).map_err(|e| out_err(&to, e))?;
        }
    }
    Ok(())
}
