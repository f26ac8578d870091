//! Leaving the initial slow start: Linux CUBIC's HyStart (the default), RFC 9406 HyStart++
//! and plain RFC 5681 slow start, on a 20 Mbit/s path with 20 ms one-way delay and an
//! unlimited queue (so only the detectors, not a loss, can end slow start).
//!
//! Common numbers: a 1500-octet packet takes 0.6 ms at 20 Mbit/s and the receiver ACKs
//! every second segment, so a round's ACKs come 1.2 ms apart. The first RTT sample (the
//! delayed ACK of segments 0–1, echoing segment 0's timestamp) is 40 ms + 2 × 0.6 ms +
//! 20.8 µs for the ACK itself, 41.22 ms on the microsecond timestamp clock: CUBIC's
//! `delay_min`. The delay threshold is
//! `delay_min + clamp(delay_min / 8, 4, 16) ms` = 46.37 ms.

mod util;

use mptcp_model::cc::hystart::PlusPlusPhase;
use mptcp_model::cc::{Cc, SlowStart};
use mptcp_model::tcp::TcpConfig;
use sim_core::{Bandwidth, Duration, Instant};
use util::*;

const S: u64 = 1448;

fn path(slow_start: SlowStart) -> Pair {
    let cfg = TcpConfig {
        slow_start,
        ..TcpConfig::default()
    };
    let mut p = Pair::bulk(cfg, 20, 3000 * S);
    p.rate = Some(Bandwidth::from_mbps(20));
    p
}

fn us(v: u64) -> Instant {
    Instant::from_micros(v)
}

fn plus_plus_phase(p: &Pair) -> PlusPlusPhase {
    match p.client.congestion_controller() {
        Cc::Cubic(c) => c.hystart_plus_plus().phase(),
        _ => unreachable!("CUBIC"),
    }
}

#[test]
fn hystart_ends_slow_start_on_the_round_delay_increase() {
    // The ACK-train detector never fires here: a round's ACKs come in sub-trains broken
    // by idle gaps of the bottleneck (slow start sends in bursts), none spanning
    // (41.22 + 1) / 2 ms. The round whose first ACK arrives at 233.7312 ms sees a
    // standing queue: its first 8 RTT samples all exceed 46.37 ms, so its 9th ACK
    // (8 × 1.2 ms later) ends slow start with ssthresh = cwnd = 144 segments.
    let mut p = path(SlowStart::HyStart);
    p.run_until(Instant::from_nanos(243_331_199));
    assert_eq!(p.client.stats().ssthresh, u64::MAX);
    p.run_until(Instant::from_nanos(243_331_200));
    let s = p.client.stats();
    assert_eq!(s.ssthresh, 144 * S);
    match p.client.congestion_controller() {
        Cc::Cubic(c) => {
            assert_eq!(c.hystart().delay_min(), Some(Duration::from_micros(41_220)));
        }
        _ => unreachable!(),
    }
    p.run_until(us(1_000_000));
    assert_eq!(p.client.stats().ssthresh, 144 * S, "no later exit, no loss");
}

#[test]
fn hystart_plus_plus_enters_css_then_congestion_avoidance_after_five_rounds() {
    // RFC 9406: the same ACK sees the round's minimum RTT (8 samples) at least
    // `lastRoundMinRTT + RttThresh` above the previous round's: Conservative Slow Start
    // (growth / 4). The RTT keeps rising (unlimited queue) and after five CSS rounds
    // (the partial first one included) congestion avoidance begins with ssthresh = cwnd.
    let mut p = path(SlowStart::HyStartPlusPlus);
    p.run_until(Instant::from_nanos(243_331_199));
    assert_eq!(plus_plus_phase(&p), PlusPlusPhase::SlowStart);
    p.run_until(Instant::from_nanos(243_331_200));
    assert_eq!(plus_plus_phase(&p), PlusPlusPhase::Css(1));
    assert_eq!(p.client.stats().ssthresh, u64::MAX);
    p.run_until(us(800_000));
    assert_eq!(plus_plus_phase(&p), PlusPlusPhase::Css(5));
    let mut t = 800_000;
    while plus_plus_phase(&p) != PlusPlusPhase::Done {
        t += 100;
        p.run_until(us(t));
        assert!(t < 1_000_000, "still in CSS at 1 s");
    }
    let s = p.client.stats();
    assert!(s.ssthresh < u64::MAX);
    assert!(
        s.cwnd.abs_diff(s.ssthresh) < S,
        "{} vs {}",
        s.cwnd,
        s.ssthresh
    );
    // The window grew by a quarter of slow start's rate in CSS: 1.25 × per round at most,
    // far below the doubling of slow start (cwnd 144 S when CSS began).
    assert!(s.ssthresh < 144 * S * 5, "{}", s.ssthresh / S);
}

#[test]
fn standard_slow_start_runs_until_a_loss() {
    let mut p = path(SlowStart::Standard);
    p.run_until(us(600_000));
    assert_eq!(p.client.stats().ssthresh, u64::MAX);
}

#[test]
fn an_initial_ssthresh_ends_slow_start_there() {
    // htsim's setting: ssthresh = 100 segments from the start. Reno (no HyStart) leaves
    // slow start at exactly 100 segments and then grows by one segment per window.
    let cfg = TcpConfig {
        cc: mptcp_model::cc::CcKind::Reno,
        initial_ssthresh: Some(100),
        ..TcpConfig::default()
    };
    let mut p = Pair::bulk(cfg, 20, 3000 * S);
    p.rate = Some(Bandwidth::from_mbps(20));
    assert_eq!(
        p.client.stats().ssthresh,
        100 * 1460,
        "before the handshake: MSS 1460"
    );
    p.run_until(us(60_000));
    assert_eq!(p.client.stats().ssthresh, 100 * S);
    let mut t = 60_000;
    while p.client.stats().cwnd < 100 * S {
        t += 100;
        p.run_until(us(t));
    }
    assert_eq!(p.client.stats().cwnd, 100 * S);
    p.run_until(us(t + 40_000));
    let s = p.client.stats();
    assert_eq!(s.ssthresh, 100 * S);
    assert!(s.cwnd <= 101 * S, "{}", s.cwnd / S);
}
