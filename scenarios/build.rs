//! Build script of `scenarios`: embeds the git commit the `mpsim` binary is built from as the
//! compile-time variable `MPSIM_GIT_COMMIT` (shown by `mpsim --version` and written into every
//! `manifest.json`).
//!
//! The commit is, in this order: the environment variable `MPSIM_GIT_COMMIT` when set and
//! not empty (for packagers building from a tarball of a known commit); the full id of
//! `HEAD` of the git work tree this package lies at the top of (`git rev-parse HEAD`); else
//! `unknown` (no git, or a source tree that is not a clone). Nothing else reaches the build:
//! no date, no host name, no dirty flag (a build from a work tree with uncommitted changes
//! names the commit it started from), so two builds of one commit are the same. The script
//! runs again when `HEAD` or the branch it points to moves.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=MPSIM_GIT_COMMIT");
    let commit = std::env::var("MPSIM_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .map(|c| c.trim().to_owned())
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=MPSIM_GIT_COMMIT={commit}");
}

/// Runs git in the package directory; its trimmed output on success.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_owned())
}

/// `HEAD`'s commit id, when this package is the `scenarios/` folder of a git work tree's
/// top (not some other repository that happens to hold the source).
fn git_commit() -> Option<String> {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let root = dir.parent()?.canonicalize().ok()?;
    let top = PathBuf::from(git(&dir, &["rev-parse", "--show-toplevel"])?);
    if top.canonicalize().ok()? != root {
        return None;
    }
    let head = git(&dir, &["rev-parse", "--verify", "HEAD"])?;
    if head.len() < 40 || !head.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    watch_refs(&dir);
    Some(head)
}

/// Asks cargo to rerun this script when `HEAD` or the branch it names changes (only files
/// that exist: a missing one would rerun it on every build).
fn watch_refs(dir: &Path) {
    let abs = |p: String| {
        let p = PathBuf::from(p);
        if p.is_absolute() {
            p
        } else {
            dir.join(p)
        }
    };
    let mut files = Vec::new();
    if let Some(git_dir) = git(dir, &["rev-parse", "--git-dir"]).map(abs) {
        files.push(git_dir.join("HEAD"));
    }
    if let Some(common) = git(dir, &["rev-parse", "--git-common-dir"]).map(abs) {
        files.push(common.join("packed-refs"));
        if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
            files.push(common.join(branch));
        }
    }
    for f in files.iter().filter(|f| f.is_file()) {
        println!("cargo:rerun-if-changed={}", f.display());
    }
}
