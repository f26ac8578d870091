//! The upstream Linux MPTCP selftest `tools/testing/selftests/net/mptcp/simult_flows.sh` as
//! shipped scenarios (`scenarios/linux/simult-flows/`): its five link settings in both
//! directions, 16 MiB, and its pass condition — the transfer completes within
//!
//! ```text
//! max_time = 1000 * size * 8 * 10 / ((rate1 + rate2) * 1000 * 1000 * 9) + 400 + slack  [ms]
//! ```
//!
//! (`size` = 2 · 2048 · 4096 octets, rates in Mbit/s, integer arithmetic as in bash; 10 %
//! for headers, 400 ms for mptcp_connect's MP_JOIN sleeps, `slack` = 50 ms on a non-debug
//! kernel). Completion is sampled every millisecond.

use scenarios::run::run;
use std::path::Path;

/// `run_test rate1 rate2 delay1 delay2 msg` of the selftest, by scenario stem.
const CASES: [(&str, u64, u64, u64, u64); 5] = [
    ("balanced-bwidth", 10, 10, 0, 0),
    ("balanced-bwidth-unbalanced-delay", 10, 10, 1, 50),
    ("unbalanced-bwidth", 30, 10, 0, 0),
    ("unbalanced-bwidth-unbalanced-delay", 30, 10, 1, 50),
    ("unbalanced-bwidth-opposed-delay", 30, 10, 50, 1),
];

/// The selftest's transfer size: `size=$((2 * 2048 * 4096))`.
const SIZE: u64 = 2 * 2048 * 4096;
/// The selftest's `slack` (non-debug kernel).
const SLACK_MS: u64 = 50;

/// The selftest's `max_time` in ms for a case.
fn max_time_ms(rate1: u64, rate2: u64) -> u64 {
    let time = 1000 * SIZE * 8 * 10 / ((rate1 + rate2) * 1000 * 1000 * 9);
    time + 400 + SLACK_MS
}

#[test]
fn max_time_matches_the_selftest_arithmetic() {
    assert_eq!(max_time_ms(10, 10), 7906);
    assert_eq!(max_time_ms(30, 10), 4178);
}

#[test]
fn every_case_completes_within_the_selftests_max_time() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("linux/simult-flows");
    let mut rows = Vec::new();
    for (stem, r1, r2, d1, d2) in CASES {
        for reverse in [false, true] {
            let name = format!("{stem}{}.ron", if reverse { "-reverse" } else { "" });
            let path = dir.join(&name);
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
            // The file says what the selftest says.
            for want in [
                format!("rate: \"{r1}Mbps\", delay: \"{d1}ms\""),
                format!("rate: \"{r2}Mbps\", delay: \"{d2}ms\""),
                "Bulk(bytes: \"16MiB\")".to_string(),
            ] {
                assert!(text.contains(&want), "{name} lacks {want}");
            }
            let text = text.replace(
                "Output(sample_interval: \"100ms\")",
                "Output(sample_interval: \"1ms\", timeseries: false, plots: false)",
            );
            let plan = scenarios::load_str(&path, &text, None).unwrap_or_else(|e| panic!("{e}"));
            let out = run(&plan, |_| {}).expect("runs");
            let f = &out.summary.flows[0];
            assert_eq!(f.bytes_delivered, SIZE, "{name}");
            let done_ms = (f.completed_at_s.expect("completes") * 1000.0).round() as u64;
            let max = max_time_ms(r1, r2);
            rows.push((name.clone(), done_ms, max));
            assert!(
                f.subflows.iter().filter(|s| s.data_bytes_sent > 0).count() == 2,
                "{name}: both subflows carry data: {:?}",
                f.subflows
            );
        }
    }
    for (name, done, max) in &rows {
        println!("{name:<45} {done:>5} ms  (max_time {max} ms)");
    }
    for (name, done, max) in &rows {
        assert!(
            done <= max,
            "{name}: {done} ms > max_time {max} ms: {rows:?}"
        );
    }
}
