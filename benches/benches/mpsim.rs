//! The one criterion harness of mpsim: engine, and whole runs.

// criterion_group! generates undocumented public functions.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main};

mod engine;
mod runs;

criterion_group!(all, engine::benches, runs::benches);
criterion_main!(all);
