//! Transparent huge pages for the heap of a simulating process: `mpsim run`, `batch` and
//! `compare`, and the criterion benches, which measure whole runs as `mpsim` makes them.
//!
//! A large network's state (a thousand host pairs: 2,000 hosts, their sockets, queues and
//! packets in flight, about 75 MiB) is spread over many small allocations, and each event
//! touches a few of them far apart: with 4 KiB pages the processor's TLB covers a few
//! megabytes of it and misses on nearly every event. Backed by 2 MiB pages the same state
//! takes a few dozen TLB entries (the 1000-host-pair run: 0.88 to 1.02 of the CPU in five
//! sets of paired runs on a shared machine, median 0.93; the k = 8 fat tree 0.93; a two-path
//! run, whose state fits the TLB either way, is unchanged). Results never depend on it:
//! pages change where memory sits, not what the program computes.
//!
//! Linux backs memory with huge pages where the program asks for them (`madvise`, the
//! kernel's default `transparent_hugepage=madvise` mode); glibc's malloc asks for its whole
//! heap when its `glibc.malloc.hugetlb=1` tunable is set (glibc 2.35, `GLIBC_TUNABLES`,
//! read once when the process starts). So a simulating command that starts without that
//! tunable runs itself again, the same binary (`/proc/self/exe`) with the same arguments,
//! standard streams and process id (`execve`), with the tunable added to `GLIBC_TUNABLES`.
//! A user who sets `glibc.malloc.hugetlb` there themselves (`=0` turns huge pages off) is
//! left alone, and so is the second start; where the new start cannot be made, the command
//! runs on without huge pages. So is a process started with `LD_PRELOAD`: something
//! interposes on it (valgrind's tools, whose `/proc/self/exe` is not a program to start, or
//! another malloc, for which glibc's tunable means nothing). Elsewhere (another C library or
//! system) this is a no-op: older glibc ignores the unknown tunable.

/// The glibc tunable that makes malloc ask the kernel for transparent huge pages.
const TUNABLE: &str = "glibc.malloc.hugetlb";

/// The `GLIBC_TUNABLES` value that adds `glibc.malloc.hugetlb=1` to `current`, or `None`
/// when `current` already sets that tunable (this process is the second start, or the user
/// chose) or is not Unicode, or when libraries are preloaded (`preload`, `LD_PRELOAD`).
fn tunables_with_huge_pages(
    current: Option<&std::ffi::OsStr>,
    preload: Option<&std::ffi::OsStr>,
) -> Option<String> {
    if preload.is_some_and(|p| !p.is_empty()) {
        return None;
    }
    let Some(current) = current else {
        return Some(format!("{TUNABLE}=1"));
    };
    let current = current.to_str()?;
    if current
        .split(':')
        .any(|t| t.split('=').next() == Some(TUNABLE))
    {
        return None;
    }
    Some(if current.is_empty() {
        format!("{TUNABLE}=1")
    } else {
        format!("{current}:{TUNABLE}=1")
    })
}

/// Starts this process again with glibc's malloc on transparent huge pages, unless it
/// already is (or the user set the tunable); returns only when it does not start again.
/// Call it first thing in `main`, before threads or files are opened: the new start keeps
/// the arguments, environment, open standard streams and process id, nothing else.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn use_huge_pages() {
    use std::os::unix::process::CommandExt;
    let Some(tunables) = tunables_with_huge_pages(
        std::env::var_os("GLIBC_TUNABLES").as_deref(),
        std::env::var_os("LD_PRELOAD").as_deref(),
    ) else {
        return;
    };
    let mut args = std::env::args_os();
    let mut again = std::process::Command::new("/proc/self/exe");
    if let Some(arg0) = args.next() {
        again.arg0(arg0);
    }
    // `exec` returns only when the new start failed (no /proc, say): run on as we are.
    let _ = again.args(args).env("GLIBC_TUNABLES", tunables).exec();
}

/// Starts this process again with glibc's malloc on transparent huge pages: a no-op where
/// the C library is not glibc on Linux.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn use_huge_pages() {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn the_tunable_is_added_once_and_a_users_choice_kept() {
        assert_eq!(
            tunables_with_huge_pages(None, None).as_deref(),
            Some("glibc.malloc.hugetlb=1")
        );
        assert_eq!(
            tunables_with_huge_pages(Some(OsStr::new("")), None).as_deref(),
            Some("glibc.malloc.hugetlb=1")
        );
        assert_eq!(
            tunables_with_huge_pages(Some(OsStr::new("glibc.malloc.arena_max=2")), None).as_deref(),
            Some("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1")
        );
        // The second start, and a user's own setting (0: off), are left as they are.
        for set in [
            "glibc.malloc.hugetlb=1",
            "glibc.malloc.hugetlb=0",
            "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2",
        ] {
            assert_eq!(tunables_with_huge_pages(Some(OsStr::new(set)), None), None);
        }
        // Under valgrind (or any preloaded library) the process is left as it is.
        let vg = OsStr::new("/usr/libexec/valgrind/vgpreload_core-amd64-linux.so");
        assert_eq!(tunables_with_huge_pages(None, Some(vg)), None);
        assert_eq!(
            tunables_with_huge_pages(None, Some(OsStr::new(""))).as_deref(),
            Some("glibc.malloc.hugetlb=1")
        );
        // A longer name that only starts like it is another tunable.
        assert_eq!(
            tunables_with_huge_pages(Some(OsStr::new("glibc.malloc.hugetlbx=1")), None).as_deref(),
            Some("glibc.malloc.hugetlbx=1:glibc.malloc.hugetlb=1")
        );
    }
}
