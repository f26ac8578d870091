//! Whole scenario runs: simulated packets per wall-clock second.
//!
//! "Packets" are packet transmissions on links (a packet crossing two links counts twice), the
//! engine's unit of work; the figure is `Throughput::Elements` per iteration.

use criterion::{Criterion, Throughput};

fn whole_run(c: &mut Criterion, file: &str) {
    let path = benches::scenario(file);
    let plan = scenarios::load(&path, None).expect("shipped scenario loads");
    let packets = |out: &scenarios::run::RunOutput| -> u64 {
        out.summary.links.iter().map(|l| l.tx_packets).sum()
    };
    let first = scenarios::run::run(&plan, |_| {}).expect("shipped scenario runs");
    let mut g = c.benchmark_group("whole_run");
    g.sample_size(10);
    g.throughput(Throughput::Elements(packets(&first)));
    g.bench_function(file, |b| {
        b.iter(|| {
            let out = scenarios::run::run(&plan, |_| {}).expect("runs");
            std::hint::black_box(packets(&out))
        })
    });
    g.finish();
}

/// Benchmarks of whole shipped scenarios.
pub(crate) fn benches(c: &mut Criterion) {
    whole_run(c, "single-path.ron");
    whole_run(c, "two-path.ron");
    whole_run(c, "wifi-lte-handover.ron");
}
