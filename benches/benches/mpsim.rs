//! The one criterion harness of mpsim: engine, whole runs, cost per packet at scale
//! (flows, subflows, a fat tree), congestion controllers and scheduler decisions.

// criterion_group! generates undocumented public functions.
#![allow(missing_docs)]

use criterion::criterion_group;

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
/// The groups, as `criterion_main!` runs them, on the heap `mpsim` runs on: glibc's malloc
/// on transparent huge pages (`scenarios::huge_pages`), which the scale benches' large
/// networks depend on as `mpsim run` does.
fn main() {
    scenarios::huge_pages::use_huge_pages();
    all();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
