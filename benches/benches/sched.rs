//! Cost of one scheduling decision per scheduler and subflow count (1 to 64): the group
//! `sched_decision/<scheduler>/<subflows>` with `Throughput::Elements(1)`, so criterion
//! reports decisions/s; `cargo run -p benches --bin sched-report` plots ns per decision
//! against the subflow count from `target/criterion/**/estimates.json`.
//!
//! The scripted state makes every decision do its full work: subflow 0 is the fastest and
//! its window is full, the others have room with RTTs growing with their index, so BLEST
//! and ECF run their estimate against the fastest; the upstream scheduler's burst is ended
//! after each pick (a fresh choice each time); round-robin cycles through its quotas.

use criterion::{BenchmarkId, Criterion, Throughput};
use mptcp_model::mptcp::sched::{AnyScheduler, Pick, SchedCtx, SchedView, Scheduler};
use mptcp_model::mptcp::SchedulerKind;
use sim_core::{Duration, Instant};
use std::hint::black_box;

/// Subflow counts measured.
pub(crate) const SUBFLOWS: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];

/// `n` scripted subflows (see the module docs).
pub(crate) fn views(n: usize) -> Vec<SchedView> {
    (0..n)
        .map(|k| {
            let rtt = Duration::from_millis(10 + 3 * k as u64);
            SchedView {
                usable: true,
                backup: false,
                has_space: k != 0,
                srtt: Some(rtt),
                rttvar: Duration::from_nanos(rtt.as_nanos() / 4),
                srtt_min: rtt,
                srtt_max: Duration::from_nanos(rtt.as_nanos() * 3 / 2),
                cwnd: 14_000,
                ssthresh: 14_000,
                in_flight: if k == 0 {
                    14_000
                } else {
                    1_400 * (k as u64 % 10)
                },
                queued: 0,
                mss: 1_400,
                rtos: 0,
                path: k,
            }
        })
        .collect()
}

fn decisions(c: &mut Criterion) {
    for kind in SchedulerKind::ALL {
        let mut g = c.benchmark_group(format!("sched_decision/{}", kind.name()));
        g.throughput(Throughput::Elements(1));
        for n in SUBFLOWS {
            let v = views(n);
            let ctx = SchedCtx {
                now: Instant::ZERO,
                seg_len: 1_400,
                reinjection: false,
                unqueued: 14_000,
                peer_window: 200_000,
                opp_rtx: 0,
            };
            let mut s = AnyScheduler::new(kind);
            g.bench_with_input(BenchmarkId::from_parameter(n), &v, |b, v| {
                b.iter(|| {
                    let p = s.pick(black_box(&ctx), black_box(v));
                    if let Pick::One(i) = p {
                        s.sent(i, u64::MAX);
                    }
                    p
                })
            });
        }
        g.finish();
    }
}

/// The scheduler benchmarks.
pub(crate) fn benches(c: &mut Criterion) {
    decisions(c);
}
