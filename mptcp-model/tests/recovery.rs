//! Loss recovery: SACK-based (RFC 6675), NewReno (RFC 6582) and the retransmission timeout
//! (RFC 6298), with exact retransmitted ranges, instants and windows.
//!
//! Common setup unless stated: 10 ms one-way delay (RTT 20 ms), no rate limit (a window
//! leaves at once and arrives at once), timestamps on, so SMSS = 1448. The client's data
//! stream offsets are used throughout; `S` is one segment.

mod util;

use mptcp_model::cc::CcKind;
use mptcp_model::tcp::{CwndReduction, LossDetection, NewRenoTimer, RtoMode, TcpConfig, TcpState};
use sim_core::{Bandwidth, Duration, Instant};
use util::*;

const S: u64 = 1448;

fn ms(v: u64) -> Instant {
    Instant::from_millis(v)
}

/// Reno with the RFC 6298 RTO estimator, whose arithmetic the timelines below follow.
fn reno(sack: bool) -> TcpConfig {
    TcpConfig {
        cc: CcKind::Reno,
        sack,
        rto: RtoMode::Rfc6298,
        ..TcpConfig::default()
    }
}

/// [`reno`] with SACK and RFC 6675 DupThresh loss detection (no RACK, no loss probe).
fn dupthresh() -> TcpConfig {
    TcpConfig {
        loss_detection: LossDetection::DupThresh,
        ..reno(true)
    }
}

/// The timeline shared by the SACK and NewReno tests (60 segments, segments 12 and 14 lost
/// once):
/// - t=20 ms: IW = 10 segments (0–9). t=30: the server ACKs 2, 4, 6, 8, 10 — t=40: slow
///   start (+2 S per ACK) to cwnd 20 S, segments 10–29 leave.
/// - t=50: the server ACKs 12, then sends one duplicate per out-of-order segment (13 and
///   15–29). t=60: ACK 12 grows cwnd to 22 S and sends segments 30–33.
fn lossy(sack: bool) -> Pair {
    let mut p = Pair::bulk(reno(sack), 10, 60 * S);
    p.drop = drop_first_tx_of(&[12 * S, 14 * S]);
    p
}

#[test]
fn sack_recovery_retransmits_exactly_the_holes() {
    let mut p = lossy(true);
    // t=60: with SACK, the SACKs for 13 and 15 each release a new segment by limited
    // transmit (34 and 35: RFC 6675 pipe). The ACK SACKing 13, 15 and 16 makes 12 lost (3
    // segments > 2·SMSS SACKed above it, RFC 6675 IsLost): fast recovery. FlightSize without
    // the limited-transmit segments (RFC 5681 §3.2 step 2) = 34 − 12 = 22 S = cwnd, so
    // ssthresh = 11 S, exactly half the window. PRR (RFC 6937, prior cwnd 22 S): the 14
    // segments SACKed from then on (16–29) release ⌈11·14/22⌉ = 7 segments: the holes 12
    // and 14, then 36–40.
    p.run_until(ms(60));
    let s = p.client.stats();
    assert_eq!(s.ssthresh, 11 * S);
    assert_eq!(s.fast_recoveries, 1);
    assert_eq!(p.tx_times(12 * S), vec![ms(40), ms(60)]);
    assert_eq!(p.tx_times(14 * S), vec![ms(40), ms(60)]);
    assert_eq!(p.tx_times(34 * S), vec![ms(60)]);
    assert_eq!(p.tx_times(40 * S), vec![ms(60)]);
    assert!(p.tx_times(41 * S).is_empty());
    // t=80: the cumulative ACK passes RecoveryPoint (36): recovery ends with cwnd = ssthresh
    // = 11 S; that ACK (22 S acknowledged) and the next (2 S) count for congestion avoidance
    // as in Linux (RFC 3465 byte counting: +1 S once 11 S, then 12 S, were acknowledged).
    p.run_until(ms(80));
    let s = p.client.stats();
    assert_eq!((s.ssthresh, s.cwnd), (11 * S, 13 * S));
    p.run(ms(10_000));
    let s = p.client.stats();
    assert_eq!(
        p.retransmitted_ranges(),
        vec![(12 * S, 13 * S), (14 * S, 15 * S)]
    );
    assert_eq!(s.rto_timeouts, 0);
    assert_eq!(s.fast_recoveries, 1);
    assert_eq!(s.segments_retransmitted, 2);
    assert_eq!(s.bytes_retransmitted, 2 * S);
    assert_eq!(p.read, 60 * S);
}

#[test]
fn halve_mode_sets_cwnd_to_ssthresh_at_once() {
    // The same losses with the RFC 5681 / RFC 6675 rule: cwnd = ssthresh = 11 S when
    // recovery begins, and only `cwnd − pipe` may be sent.
    let cfg = TcpConfig {
        cwnd_reduction: CwndReduction::Halve,
        ..reno(true)
    };
    let mut p = Pair::bulk(cfg, 10, 60 * S);
    p.drop = drop_first_tx_of(&[12 * S, 14 * S]);
    p.run_until(ms(60));
    let s = p.client.stats();
    assert_eq!((s.ssthresh, s.cwnd), (11 * S, 11 * S));
    p.run(ms(10_000));
    assert_eq!(
        p.retransmitted_ranges(),
        vec![(12 * S, 13 * S), (14 * S, 15 * S)]
    );
    assert_eq!(p.read, 60 * S);
}

/// A 10 Mbit/s path (a 1500-octet packet every 1.2 ms), 10 ms one way; segment 50 is lost
/// once, while the window is 60 segments.
fn paced_single_loss(reduction: CwndReduction) -> Pair {
    let cfg = TcpConfig {
        cwnd_reduction: reduction,
        ..reno(true)
    };
    let mut p = Pair::bulk(cfg, 10, 200 * S);
    p.rate = Some(Bandwidth::from_mbps(10));
    p.drop = drop_first_tx_of(&[50 * S]);
    p
}

/// Send times of the client's new data segments (first transmissions) in `[from, to)`.
fn new_data_times(p: &Pair, from: Instant, to: Instant) -> Vec<Instant> {
    let mut seen = std::collections::BTreeSet::new();
    p.data_sent()
        .filter(|r| seen.insert(r.data_off()))
        .map(|r| r.sent)
        .filter(|&t| t >= from && t < to)
        .collect()
}

#[test]
fn prr_sends_one_segment_for_every_two_delivered() {
    let mut p = paced_single_loss(CwndReduction::Prr);
    p.run(ms(400));
    let s = p.client.stats();
    // The window was 60 S when the loss was detected (FlightSize 62 S with the two
    // limited-transmit segments): ssthresh = 30 S, halved to the segment.
    assert_eq!(
        (s.ssthresh, s.fast_recoveries, s.rto_timeouts),
        (30 * S, 1, 0)
    );
    let rexmit = p.tx_times(50 * S)[1];
    let acked = p
        .acks()
        .filter(|r| r.ack_off() > 50 * S)
        .map(|r| r.sent)
        .min()
        .unwrap();
    // Duplicate ACKs arrive every 1.2 ms, one per segment delivered. PRR (Reno, β = 1/2)
    // sends one new segment for every two delivered: 2.4 ms apart, from the fast
    // retransmission until its ACK (the window shrinks from 60 to 30 S over that round
    // trip; pipe stays above ssthresh, so PRR-SSRB never acts).
    let times = new_data_times(&p, rexmit, acked);
    let gaps: Vec<u64> = times.windows(2).map(|w| (w[1] - w[0]).as_nanos()).collect();
    assert_eq!(times[0] - rexmit, Duration::from_micros(2_400));
    assert_eq!(gaps, vec![2_400_000; 24]);
    // That ACK (52 octets: 41.6 µs on the wire, then 10 ms) ends recovery: cwnd = ssthresh
    // = 30 S, plus one S of congestion avoidance for the 62 S it acknowledges.
    let mut q = paced_single_loss(CwndReduction::Prr);
    q.run_until(acked + Duration::from_micros(10_041));
    assert_eq!(q.client.stats().cwnd, 30 * S);
    q.run_until(acked + Duration::from_micros(10_042));
    assert_eq!(q.client.stats().cwnd, 31 * S);
}

#[test]
fn halve_mode_pauses_then_sends_one_per_ack() {
    let mut p = paced_single_loss(CwndReduction::Halve);
    p.run(ms(400));
    let s = p.client.stats();
    assert_eq!(
        (s.ssthresh, s.fast_recoveries, s.rto_timeouts),
        (30 * S, 1, 0)
    );
    let rexmit = p.tx_times(50 * S)[1];
    let times = new_data_times(&p, rexmit, rexmit + Duration::from_millis(40));
    // cwnd = ssthresh = 30 S at once: nothing new until pipe falls below 30 S, i.e. after
    // 30 more duplicate ACKs (36 ms), then one segment per ACK.
    let gaps: Vec<u64> = times.windows(2).map(|w| (w[1] - w[0]).as_nanos()).collect();
    assert!(
        times[0] - rexmit >= Duration::from_millis(30),
        "{:?}",
        times[0] - rexmit
    );
    assert!(gaps.iter().all(|&g| g == 1_200_000), "{gaps:?}");
}

#[test]
fn newreno_recovers_two_losses_with_a_partial_ack() {
    let mut p = lossy(false);
    // t=60: no SACK, so nothing is sent on the first duplicates. The third duplicate
    // starts fast recovery: FlightSize = 34 − 12 = 22 S, ssthresh = 11 S, recover = 34,
    // cwnd = ssthresh + 3 S; 12 is retransmitted. The 13 further duplicates inflate the
    // window to 27 S: segments 34–38 leave.
    p.run_until(ms(60));
    let s = p.client.stats();
    assert_eq!(s.ssthresh, 11 * S);
    assert_eq!(p.tx_times(12 * S), vec![ms(40), ms(60)]);
    assert_eq!(p.tx_times(14 * S), vec![ms(40)]);
    assert_eq!(p.tx_times(38 * S), vec![ms(60)]);
    assert!(p.tx_times(39 * S).is_empty());
    // t=80: four duplicates (for 30–33) inflate to 31 S and send 39–42; then the partial
    // ACK for 14 (< recover) retransmits 14 (RFC 6582 §3.2 step 5) and deflates to
    // 31 − 2 + 1 = 30 S, which admits 43; five more duplicates admit 44–48.
    p.run_until(ms(80));
    assert_eq!(p.tx_times(14 * S), vec![ms(40), ms(80)]);
    assert_eq!(p.tx_times(43 * S), vec![ms(80)]);
    assert_eq!(p.tx_times(48 * S), vec![ms(80)]);
    assert!(p.tx_times(49 * S).is_empty());
    // t=100: the full ACK (43 ≥ recover) ends recovery with cwnd = ssthresh = 11 S; it
    // acknowledges 29 S, which counts for congestion avoidance (+1 S, 18 S left over), and
    // the next ACK brings the count to 20 S ≥ 12 S: cwnd 13 S.
    p.run_until(ms(100));
    let s = p.client.stats();
    assert_eq!((s.ssthresh, s.cwnd), (11 * S, 13 * S));
    p.run(ms(10_000));
    let s = p.client.stats();
    assert_eq!(
        p.retransmitted_ranges(),
        vec![(12 * S, 13 * S), (14 * S, 15 * S)]
    );
    assert_eq!((s.fast_recoveries, s.rto_timeouts), (1, 0));
    assert_eq!(p.read, 60 * S);
}

#[test]
fn rto_after_failed_fast_retransmit_keeps_sacked_data() {
    // 10 segments, all in the initial window; segment 0 and its fast retransmission are
    // lost. The RTO timer started with the first transmission at t=20 (RTO 200 ms: SRTT
    // 20 ms, RTTVAR 10 ms, below min_rto) and duplicate ACKs do not restart it, so it fires
    // at exactly t=220 and resends only segment 0: 1–9 (and the FIN) were SACKed. (With
    // RACK the timer is re-armed from the fast retransmission: see
    // `rack_rearms_the_rto_from_the_lost_fast_retransmission`.)
    let mut p = Pair::bulk(dupthresh(), 10, 10 * S);
    p.drop = drop_tx(&[(0, 2)]);
    p.run_until(ms(219));
    let s = p.client.stats();
    assert_eq!((s.fast_recoveries, s.rto_timeouts), (1, 0));
    // FlightSize at detection = 10 S + FIN = 14_481 → ssthresh = 7_240.
    assert_eq!(s.ssthresh, 7_240);
    p.run_until(ms(220));
    let s = p.client.stats();
    assert_eq!(s.rto_timeouts, 1);
    // Loss window; ssthresh is not reduced again for the same window.
    assert_eq!((s.cwnd, s.ssthresh), (S, 7_240));
    assert_eq!(s.rto, Duration::from_millis(400));
    p.run(ms(10_000));
    assert_eq!(p.tx_times(0), vec![ms(20), ms(40), ms(220)]);
    assert_eq!(p.retransmitted_ranges(), vec![(0, S), (0, S)]);
    let s = p.client.stats();
    assert_eq!(s.all_acked_at, Some(ms(240)));
    assert_eq!(p.client.state(), TcpState::Closed);
}

#[test]
fn rto_follows_rfc6298_and_backs_off() {
    // min_rto 1 ms so that RFC 6298 alone decides: 50 ms one-way delay, the handshake
    // gives R = 100 ms: SRTT = 100, RTTVAR = 50, RTO = 100 + 4·50 = 300 ms.
    // (No loss probe: a lone segment's probe would come at 2·SRTT + 1 ms.)
    let cfg = TcpConfig {
        min_rto: Duration::from_millis(1),
        rto: RtoMode::Rfc6298,
        loss_detection: LossDetection::DupThresh,
        ..TcpConfig::default()
    };
    let mut p = Pair::new(cfg, cfg, Duration::from_millis(50));
    p.sender = Some(mptcp_model::app::BulkSender::bytes(1000));
    p.drop = drop_tx(&[(0, 2)]);
    p.run_until(ms(100));
    assert_eq!(p.client.stats().rto, Duration::from_millis(300));
    p.run(ms(10_000));
    // Sent at 100; timeouts at 100 + 300 and 400 + 600 (doubled); delivered the third time.
    assert_eq!(p.tx_times(0), vec![ms(100), ms(400), ms(1000)]);
    assert_eq!(p.retransmitted_ranges(), vec![(0, 1000), (0, 1000)]);
    let s = p.client.stats();
    assert_eq!(s.rto_timeouts, 2);
    assert_eq!(s.fast_recoveries, 0);
    assert_eq!(s.all_acked_at, Some(ms(1100)));
    // The ACK of the last transmission echoes its timestamp: R = 100 ms; backoff reset:
    // RTTVAR = 3/4 · 50 = 37.5, RTO = 100 + 150 = 250 ms.
    assert_eq!(s.rttvar, Duration::from_micros(37_500));
    assert_eq!(s.rto, Duration::from_millis(250));
}

#[test]
fn tail_loss_is_recovered_by_the_rto_200ms_after_the_last_ack() {
    // 20 segments: 10–19 leave at t=40 (19 carries the FIN) and 19 is lost. The server
    // ACKs 12, 14, 16, 18 at t=50 and, 40 ms later, the lone 18th segment's delayed ACK
    // (t=90, arriving t=100). That last new ACK restarts the timer: RTO 200 ms → t=300.
    // RFC 6675 without a loss probe; RACK-TLP: `tail_loss_probe_repairs_the_tail_without_rto`.
    let mut p = Pair::bulk(dupthresh(), 10, 20 * S);
    p.drop = drop_first_tx_of(&[19 * S]);
    p.run(ms(10_000));
    assert_eq!(p.tx_times(19 * S), vec![ms(40), ms(300)]);
    let last_ack = p
        .acks()
        .filter(|r| r.sent < ms(300) && r.ack_off() == 19 * S)
        .map(|r| r.sent)
        .min();
    assert_eq!(last_ack, Some(ms(90)));
    let s = p.client.stats();
    assert_eq!((s.rto_timeouts, s.fast_recoveries), (1, 0));
    assert_eq!(p.retransmitted_ranges(), vec![(19 * S, 20 * S)]);
    assert_eq!(p.read, 20 * S);
}

#[test]
fn linux_rto_adds_rto_min_to_srtt_and_rearms_on_the_head_retransmission() {
    // The same loss as `rto_after_failed_fast_retransmit_keeps_sacked_data`, with Linux's
    // estimator: the handshake sample R = 20 ms gives mdev = 40 ms, rttvar = max(40, 200) ms,
    // RTO = 220 ms. The fast retransmission of the head (segment 0) at t=40 re-arms the
    // timer (tcp_xmit_retransmit_queue), so the RTO fires at 40 + RTO, not 20 + RTO.
    let cfg = TcpConfig {
        cc: CcKind::Reno,
        ..TcpConfig::default()
    };
    let mut p = Pair::bulk(cfg, 10, 10 * S);
    p.drop = drop_tx(&[(0, 2)]);
    p.run_until(ms(30));
    let rto = p.client.stats().rto;
    p.run(ms(10_000));
    let times = p.tx_times(0);
    assert_eq!(times[..2], [ms(20), ms(40)]);
    assert!(rto >= Duration::from_millis(220), "{rto:?}");
    assert!(times[2] >= ms(40) + Duration::from_millis(220), "{times:?}");
    assert_eq!(p.client.stats().rto_timeouts, 1);
}

#[test]
fn an_application_limited_sender_does_not_grow_its_window() {
    // Linux tcp_is_cwnd_limited: a sender that writes one segment every 50 ms (RTT 20 ms)
    // never fills its 10-segment initial window, so congestion avoidance must not grow it,
    // while a bulk sender on the same path does grow.
    let cfg = reno(true);
    let mut p = Pair::new(cfg, cfg, Duration::from_millis(10));
    p.run_until(ms(100));
    let s = p.client.smss();
    assert_eq!(s, 1448);
    for k in 0..40 {
        p.run_until(ms(100 + 50 * k));
        p.client.send(s);
    }
    p.run_until(ms(2_200));
    assert_eq!(p.read, 40 * s);
    assert_eq!(p.client.stats().cwnd, 10 * s);
    let mut bulk = Pair::bulk(cfg, 10, 400 * s);
    bulk.run_until(ms(300));
    assert!(bulk.client.stats().cwnd > 10 * s);
}

/// NewReno (no SACK) with 20 losses in one window: segments 30, 32, …, 68 of the t=60 ms
/// flight (slow start: 40 segments, 30–69) are each lost once.
fn newreno_many_losses(timer: NewRenoTimer) -> Pair {
    let cfg = TcpConfig {
        newreno_timer: timer,
        ..reno(false)
    };
    let mut p = Pair::bulk(cfg, 10, 200 * S);
    let lost: Vec<u64> = (0..20).map(|k| (30 + 2 * k) * S).collect();
    p.drop = drop_first_tx_of(&lost);
    p
}

#[test]
fn newreno_slow_but_steady_repairs_one_hole_per_round_trip() {
    // Linux's timer handling (every ACK advancing SND.UNA restarts the RTO): each partial
    // ACK retransmits the next hole, one per 20 ms round trip, and the timer never fires.
    let mut p = newreno_many_losses(NewRenoTimer::SlowButSteady);
    p.run(ms(10_000));
    let s = p.client.stats();
    assert_eq!((s.fast_recoveries, s.rto_timeouts), (1, 0));
    let rexmits: Vec<Instant> = (0..20).map(|k| p.tx_times((30 + 2 * k) * S)[1]).collect();
    let gaps: Vec<Duration> = rexmits.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps, vec![Duration::from_millis(20); 19]);
    assert_eq!(p.read, 200 * S);
}

#[test]
fn newreno_impatient_times_out_after_the_first_partial_ack() {
    // RFC 6582 §4 impatient: only the first partial ACK restarts the timer; the RTO then
    // fires one RTO after it and the remaining holes are resent in slow start.
    let mut p = newreno_many_losses(NewRenoTimer::Impatient);
    let mut q = newreno_many_losses(NewRenoTimer::SlowButSteady);
    p.run(ms(10_000));
    q.run(ms(10_000));
    let s = p.client.stats();
    assert_eq!((s.fast_recoveries, s.rto_timeouts), (1, 1));
    // The first partial ACK arrives at t=100 and retransmits 32 (timer: 100 + 200 ms).
    // Later partial ACKs keep repairing one hole per round trip (34 at 120, …, 52 at 300)
    // without touching the timer, which fires at t=300: 52 goes out a second time at once
    // (go-back-N from SND.UNA), 54 follows in slow start at 320. Without SACK the timeout's
    // recovery point (SND.MAX = 136) is then held until an ACK passes it, so the
    // duplicate ACKs the go-back-N resends provoke start no second fast recovery.
    assert_eq!(p.tx_times(32 * S)[1], ms(100));
    assert_eq!(p.tx_times(52 * S)[1..], [ms(300), ms(300)]);
    assert_eq!(p.tx_times(54 * S)[1], ms(320));
    assert_eq!(p.read, 200 * S);
    let done = |x: &Pair| x.client.stats().all_acked_at.unwrap();
    assert!(done(&p) < done(&q), "{:?} vs {:?}", done(&p), done(&q));
}

#[test]
fn tail_loss_probe_repairs_the_tail_without_rto() {
    // RACK-TLP (RFC 8985 §7): 20 segments, the last two (18 and 19, 19 with the FIN) lost.
    // The last ACK (for 16–17) arrives at t=60 with two segments in flight: PTO = 2·SRTT +
    // 2 ms = 42 ms, so at t=102 the probe resends the last segment. Its SACK (t=122) shows
    // 18, sent at t=40, overdue (RACK: sent before a delivered segment, 40 + RACK.rtt 20 +
    // reo_wnd min_RTT/4 = 5 ms <= 122): fast recovery retransmits it at once. No RTO.
    let mut p = Pair::bulk(reno(true), 10, 20 * S);
    p.drop = drop_first_tx_of(&[18 * S, 19 * S]);
    p.run(ms(10_000));
    assert_eq!(p.tx_times(19 * S), vec![ms(40), ms(102)]);
    assert_eq!(p.tx_times(18 * S), vec![ms(40), ms(122)]);
    let s = p.client.stats();
    assert_eq!(
        (s.tail_loss_probes, s.fast_recoveries, s.rto_timeouts),
        (1, 1, 0)
    );
    assert_eq!(s.all_acked_at, Some(ms(142)));
    assert_eq!(p.read, 20 * S);
}

#[test]
fn a_lone_tail_segment_is_probed_after_the_delayed_ack_allowance() {
    // One segment in flight: PTO = 2·SRTT + rto_min, capped by the RTO (200 ms here): the
    // probe replaces the timeout at t=100 + 200 (timestamps: the probe is no RTO, cwnd kept).
    let mut p = Pair::bulk(reno(true), 10, 20 * S);
    p.drop = drop_first_tx_of(&[19 * S]);
    p.run(ms(10_000));
    assert_eq!(p.tx_times(19 * S), vec![ms(40), ms(300)]);
    let s = p.client.stats();
    assert_eq!(
        (s.tail_loss_probes, s.fast_recoveries, s.rto_timeouts),
        (1, 0, 0)
    );
    assert_eq!(p.read, 20 * S);
}

#[test]
fn rack_detects_a_lost_fast_retransmission() {
    // Segment 12 and its fast retransmission (t=60) are lost. New data sent after the
    // retransmission in the same burst (PRR) is SACKed at t=80: RACK (reo_wnd 0 during
    // recovery) finds the retransmission overdue and sends it again at once. RFC 6675
    // DupThresh cannot tell and waits for the RTO.
    let mut p = Pair::bulk(reno(true), 10, 60 * S);
    p.drop = drop_tx(&[(12 * S, 2)]);
    p.run(ms(10_000));
    assert_eq!(p.tx_times(12 * S), vec![ms(40), ms(60), ms(80)]);
    let s = p.client.stats();
    assert_eq!((s.fast_recoveries, s.rto_timeouts), (1, 0));
    assert_eq!(p.read, 60 * S);
    let mut q = Pair::bulk(dupthresh(), 10, 60 * S);
    q.drop = drop_tx(&[(12 * S, 2)]);
    q.run(ms(10_000));
    assert_eq!(q.client.stats().rto_timeouts, 1);
    assert_eq!(q.read, 60 * S);
}

#[test]
fn rack_rearms_the_rto_from_the_lost_fast_retransmission() {
    // The failed-fast-retransmission case with RACK: the first SACK (t=40) finds segment 0
    // not yet overdue (reo_wnd = min_RTT/4 = 5 ms with one segment SACKed) and arms the
    // reordering timer in the retransmission timer's slot; the third SACK marks it lost
    // and it is retransmitted. When the reordering timer fires, the RTO is re-armed from
    // the head's latest transmission (Linux tcp_rearm_rto): 40 + 200 ms.
    let mut p = Pair::bulk(reno(true), 10, 10 * S);
    p.drop = drop_tx(&[(0, 2)]);
    p.run(ms(10_000));
    assert_eq!(p.tx_times(0), vec![ms(20), ms(40), ms(240)]);
    let s = p.client.stats();
    assert_eq!((s.fast_recoveries, s.rto_timeouts), (1, 1));
    assert_eq!(s.all_acked_at, Some(ms(260)));
}
