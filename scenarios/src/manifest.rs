//! `manifest.json`: which mpsim made a results directory, from what and how.
//!
//! Every directory mpsim writes results into holds one: a run's results directory (also each
//! `runs/<id>/` of a batch), a batch directory and a comparison's directory. Fields:
//!
//! - `kind`: `run`, `batch` or `compare`;
//! - `mpsim_version`: the package version; `git_commit`: the commit the binary was built from
//!   (embedded at build time by `scenarios/build.rs`; `unknown` when built outside a git
//!   clone);
//! - `scenario_sha256`: SHA-256 of the scenario file exactly as read or written — for a run
//!   the `scenario.ron` beside it, for a batch its base scenario, for a comparison the given
//!   file; a batch also records `sweep_sha256` of the sweep file;
//! - `seed` (a run) or `seeds` (a batch or comparison);
//! - `command`: the command line, program name written `mpsim`, without the options that only
//!   choose where results go and how fast they come (`--out`, `--jobs`, `--shard`,
//!   `--resume`): results do not depend on them, so a batch run with any thread count, in any
//!   shard or merged, has byte-identical manifests. `null` when the results were made through
//!   the library rather than the `mpsim` binary.
//!
//! The manifest holds no time stamp or host name, so it is as reproducible as the results.

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::sync::OnceLock;

/// The package version (`Cargo.toml`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit the binary was built from, or `unknown`.
pub const GIT_COMMIT: &str = env!("MPSIM_GIT_COMMIT");

/// `mpsim --version`'s text after the program name: `0.1.0 (commit 0123abcd...)`.
pub const VERSION_LINE: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("MPSIM_GIT_COMMIT"),
    ")"
);

/// Options that do not change results, with whether they take a value.
const NOT_RECORDED: [(&str, bool); 4] = [
    ("--out", true),
    ("--jobs", true),
    ("--shard", true),
    ("--resume", false),
];

static COMMAND: OnceLock<Vec<String>> = OnceLock::new();

/// Records this process's command line (the arguments after the program name) for the
/// manifests it writes; the first call wins. Options listed in the module doc are dropped.
pub fn set_command<I: IntoIterator<Item = String>>(args: I) {
    let _ = COMMAND.set(recorded(args));
}

/// The recorded command line, if [`set_command`] was called.
pub fn command() -> Option<&'static [String]> {
    COMMAND.get().map(Vec::as_slice)
}

/// `mpsim` followed by `args` without the options that do not change results.
fn recorded<I: IntoIterator<Item = String>>(args: I) -> Vec<String> {
    let mut out = vec!["mpsim".to_owned()];
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        if a == "--" {
            out.push(a);
            out.extend(args.by_ref());
            break;
        }
        let (name, inline_value) = match a.split_once('=') {
            Some((n, _)) if n.starts_with("--") => (n, true),
            _ => (a.as_str(), false),
        };
        match NOT_RECORDED.iter().find(|(n, _)| *n == name) {
            Some((_, takes_value)) => {
                if *takes_value && !inline_value {
                    args.next();
                }
            }
            None => out.push(a),
        }
    }
    out
}

/// SHA-256 of `bytes` as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A manifest (see the module doc); fields that do not apply are left out.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Manifest {
    /// `run`, `batch` or `compare`.
    pub kind: &'static str,
    /// [`VERSION`].
    pub mpsim_version: &'static str,
    /// [`GIT_COMMIT`].
    pub git_commit: &'static str,
    /// SHA-256 of the scenario file (hex).
    pub scenario_sha256: String,
    /// SHA-256 of the sweep file (batches).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep_sha256: Option<String>,
    /// The run's master seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The seeds of a batch or comparison.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seeds: Option<Vec<u64>>,
    /// The command line (see the module doc).
    pub command: Option<Vec<String>>,
}

impl Manifest {
    /// A manifest of `kind` for the scenario text `scenario`, with this build's version and
    /// commit and this process's command line.
    pub fn new(kind: &'static str, scenario: &[u8]) -> Manifest {
        Manifest {
            kind,
            mpsim_version: VERSION,
            git_commit: GIT_COMMIT,
            scenario_sha256: sha256_hex(scenario),
            sweep_sha256: None,
            seed: None,
            seeds: None,
            command: command().map(<[String]>::to_vec),
        }
    }

    /// The manifest of a run of `scenario` (the exact `scenario.ron` text) with `seed`.
    pub fn run(scenario: &[u8], seed: u64) -> Manifest {
        Manifest {
            seed: Some(seed),
            ..Manifest::new("run", scenario)
        }
    }

    /// The manifest with `scenario_sha256` set to an already computed hash.
    pub fn with_scenario_sha256(mut self, hex: String) -> Manifest {
        self.scenario_sha256 = hex;
        self
    }

    /// The file's contents: pretty JSON and a final newline.
    pub fn to_json(&self) -> String {
        let text = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_owned());
        format!("{text}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn recorded_commands_drop_where_and_how_fast() {
        let args = strs(&[
            "batch",
            "s.ron",
            "--out",
            "r",
            "--jobs=2",
            "--shard",
            "0/4",
            "--resume",
            "--dry-run",
        ]);
        assert_eq!(
            recorded(args),
            strs(&["mpsim", "batch", "s.ron", "--dry-run"])
        );
        let args = strs(&["run", "x.ron", "--seed", "3", "--", "--out"]);
        assert_eq!(
            recorded(args),
            strs(&["mpsim", "run", "x.ron", "--seed", "3", "--", "--out"])
        );
    }

    #[test]
    fn hashes_are_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let m = Manifest::run(b"abc", 7);
        let json = m.to_json();
        assert!(json.contains("\"seed\": 7") && json.contains("\"kind\": \"run\""));
        assert!(!json.contains("seeds") && json.ends_with("}\n"));
    }
}
