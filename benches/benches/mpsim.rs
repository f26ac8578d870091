//! The one criterion harness of mpsim: engine, whole runs, cost per packet at scale
//! (flows, subflows, a fat tree), congestion controllers and scheduler decisions.

// criterion_group! generates undocumented public functions.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main};

mod cc;
mod engine;
mod runs;
mod scale;
mod sched;

criterion_group!(
    all,
    engine::benches,
    runs::benches,
    scale::benches,
    cc::benches,
    sched::benches
);
criterion_main!(all);
