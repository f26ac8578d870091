//! The one criterion harness of mpsim: engine, whole runs, congestion controllers and
//! scheduler decisions.

// criterion_group! generates undocumented public functions.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main};

mod cc;
mod engine;
mod runs;
mod sched;

criterion_group!(
    all,
    engine::benches,
    runs::benches,
    cc::benches,
    sched::benches
);
criterion_main!(all);
