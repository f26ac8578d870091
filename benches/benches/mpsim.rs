//! The one criterion harness of mpsim: engine, whole runs, and congestion controllers.

// criterion_group! generates undocumented public functions.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main};

mod cc;
mod engine;
mod runs;

criterion_group!(all, engine::benches, runs::benches, cc::benches);
criterion_main!(all);
