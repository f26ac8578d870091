//! Writing results whole or not at all.
//!
//! A run writes its files into a fresh sibling directory `.<name>.partial-<pid>` and renames it
//! into place only when every file is written, so an interrupted run never leaves results that
//! look complete. A previous results directory of the same name is replaced only after the
//! new one is complete.

use crate::error::ScenarioError;
use std::path::{Path, PathBuf};

/// A results directory being written.
pub struct Staging {
    tmp: PathBuf,
    dest: PathBuf,
}

impl Staging {
    /// Starts writing results destined for `dest`.
    pub fn new(dest: &Path) -> Result<Self, ScenarioError> {
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dest
            .file_name()
            .ok_or_else(|| out_err(dest, "the results path has no final component".into()))?
            .to_string_lossy()
            .into_owned();
        std::fs::create_dir_all(&parent).map_err(|e| out_err(&parent, e.to_string()))?;
        let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| out_err(&tmp, e.to_string()))?;
        }
        std::fs::create_dir(&tmp).map_err(|e| out_err(&tmp, e.to_string()))?;
        Ok(Staging {
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    /// The directory files are written into for now.
    pub fn dir(&self) -> &Path {
        &self.tmp
    }

    /// Writes `name` in the staging directory.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), ScenarioError> {
        let p = self.tmp.join(name);
        std::fs::write(&p, bytes).map_err(|e| out_err(&p, e.to_string()))
    }

    /// Moves the finished directory into place, replacing an older one of the same name.
    pub fn commit(self) -> Result<PathBuf, ScenarioError> {
        let dest = self.dest.clone();
        let mut old = None;
        if dest.exists() {
            let parent = self.tmp.parent().unwrap_or(Path::new("."));
            let name = dest
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let o = parent.join(format!(".{name}.old-{}", std::process::id()));
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
            let _ = std::fs::remove_dir_all(o);
        }
        Ok(dest)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.tmp.exists() {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

fn out_err(path: &Path, msg: String) -> ScenarioError {
    ScenarioError::Output {
        path: path.to_path_buf(),
        msg,
    }
}

/// Formats seconds with 6 decimals, the time column of every CSV.
pub fn secs(ns: u64) -> String {
    format!("{}.{:06}", ns / 1_000_000_000, (ns % 1_000_000_000) / 1_000)
}
