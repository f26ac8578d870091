//! Criterion benchmarks for mpsim live in `benches/mpsim.rs` (one harness, groups by topic);
//! run them with `cargo bench -p benches`. This library only locates shipped scenario files.

use std::path::PathBuf;

/// The path of a shipped scenario file, e.g. `scenario("single-path.ron")`.
pub fn scenario(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("scenarios")
        .join(name)
}
