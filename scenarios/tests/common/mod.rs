//! Helpers shared by the integration tests that write scenario files.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A scenario file, `<name>.ron` in a directory of its own under the temporary directory
/// (tests run in parallel), which goes with it when it is dropped: a test leaves nothing
/// behind, whatever it ran there.
pub(crate) struct Case(PathBuf);

impl std::ops::Deref for Case {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Case {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<OsStr> for Case {
    fn as_ref(&self) -> &OsStr {
        self.0.as_os_str()
    }
}

impl Drop for Case {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Writes `text` as case `name` in a new directory `mpsim-<suite>-<process>-<n>`.
pub(crate) fn write_case(suite: &str, name: &str, text: &str) -> Case {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("mpsim-{suite}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}.ron"));
    std::fs::write(&p, text).unwrap();
    Case(p)
}
