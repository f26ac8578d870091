//! The events endpoints report and the ids they report them under: a TCP socket's
//! handshake, loss recoveries, timeouts and close with their exact instants and values; the
//! subflow ids and samples of an MPTCP host.

mod mputil;
mod util;

use mptcp_model::app::BulkSender;
use mptcp_model::cc::CcKind;
use mptcp_model::event::Event;
use mptcp_model::mptcp::{MptcpConfig, MptcpEventKind, PathManagerKind, SubflowState};
use mptcp_model::tcp::{ConnectionError, RecoveryKind, RtoMode, TcpConfig, TcpEvent, TcpSocket};
use sim_core::{Bandwidth, Duration, Instant};
use std::collections::BTreeSet;
use util::{drop_first_tx_of, drop_tx, Pair};

const S: u64 = 1448;

fn ms(v: u64) -> Instant {
    Instant::from_millis(v)
}

fn events(s: &mut TcpSocket) -> Vec<(Instant, TcpEvent)> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn reno_sack() -> TcpConfig {
    TcpConfig {
        cc: CcKind::Reno,
        sack: true,
        rto: RtoMode::Rfc6298,
        ..TcpConfig::default()
    }
}

#[test]
fn fast_recovery_is_entered_and_left() {
    // Segments 12 and 14 lost once (the timeline of recovery.rs): fast recovery at t=60
    // with Reno's ssthresh = FlightSize/2 = 11 S (FlightSize at loss detection, 22 S, does
    // not count the limited-transmit segments: RFC 5681 §3.2 step 2), over at t=80 when the
    // ACK passes the recovery point — that ACK also counts for congestion-avoidance growth
    // (Linux tcp_cong_control), so the window leaves recovery at 12 S; both FINs exchanged
    // at t=120.
    let mut p = Pair::bulk(reno_sack(), 10, 60 * S);
    p.drop = drop_first_tx_of(&[12 * S, 14 * S]);
    p.run(ms(10_000));
    let (kind, w) = (RecoveryKind::Fast, 11 * S);
    assert_eq!(
        events(&mut p.client),
        [
            (ms(20), TcpEvent::Established),
            (
                ms(60),
                TcpEvent::RecoveryEntered {
                    kind,
                    cwnd: w,
                    ssthresh: w
                }
            ),
            (ms(80), TcpEvent::RecoveryLeft { kind, cwnd: w + S }),
            (ms(120), TcpEvent::Closed { error: None }),
        ]
    );
    assert!(events(&mut p.client).is_empty(), "drained");
}

#[test]
fn timeouts_report_their_value_and_back_off() {
    // RTO 300 ms after the handshake (min_rto 1 ms, RFC 6298, R = 100 ms); the lone segment
    // is lost twice: its first copy is sent at 100 ms, the tail loss probe (RFC 8985 §7.2 as
    // Linux: PTO = 2·SRTT + rto_min with one segment in flight = 201 ms) sends the second at
    // 301 ms and re-arms the RTO from there, so the timeout fires at 601 ms (300 ms, first
    // back-off) and sends the third copy, acknowledged at 701 ms. The loss window is one
    // segment, ssthresh 2 S.
    let cfg = TcpConfig {
        min_rto: Duration::from_millis(1),
        rto: RtoMode::Rfc6298,
        ..TcpConfig::default()
    };
    let mut p = Pair::new(cfg, cfg, Duration::from_millis(50));
    p.sender = Some(BulkSender::bytes(1000));
    p.drop = drop_tx(&[(0, 2)]);
    p.run(ms(10_000));
    let rto = |v, backoff| TcpEvent::RtoFired {
        rto: Duration::from_millis(v),
        backoff,
        handshake: false,
    };
    let kind = RecoveryKind::Timeout;
    assert_eq!(
        events(&mut p.client),
        [
            (ms(100), TcpEvent::Established),
            (ms(601), rto(300, 1)),
            (
                ms(601),
                TcpEvent::RecoveryEntered {
                    kind,
                    cwnd: S,
                    ssthresh: 2 * S
                }
            ),
            // Slow start: the loss window plus the 1000 bytes acknowledged.
            (
                ms(701),
                TcpEvent::RecoveryLeft {
                    kind,
                    cwnd: S + 1000
                }
            ),
            (ms(701), TcpEvent::Closed { error: None }),
        ]
    );
}

#[test]
fn an_unanswered_handshake_backs_off_and_times_out() {
    // Every SYN lost: RTO 1 s doubling, six retransmissions (1 + 2 + ... + 32 s), then the
    // seventh timeout at 127 s gives up (Linux `tcp_syn_retries` = 6).
    let mut p = Pair::bulk(TcpConfig::default(), 10, 10 * S);
    p.drop = Box::new(|_, r| r.pkt.header.flags.syn());
    p.run(ms(200_000));
    let mut want = Vec::new();
    let mut at = 0;
    for k in 0..6 {
        let rto = 1000 << k;
        at += rto;
        let e = TcpEvent::RtoFired {
            rto: Duration::from_millis(rto),
            backoff: k + 1,
            handshake: true,
        };
        want.push((ms(at), e));
    }
    let error = Some(ConnectionError::TimedOut);
    want.push((ms(127_000), TcpEvent::Closed { error }));
    assert_eq!(events(&mut p.client), want);
}

#[test]
fn ndiffports_subflows_have_distinct_ids_and_re_creations_name_their_predecessor() {
    let cfg = MptcpConfig {
        path_manager: PathManagerKind::NDiffPorts { subflows: 4 },
        ..MptcpConfig::default()
    };
    let mut net = mputil::Net::new(3, 10, 10, cfg, 4_000_000, true);
    for p in &mut net.paths {
        p.rate = Some(Bandwidth::from_mbps(8));
    }
    net.run_until(ms(1_000));
    let st = net.stats(true);
    let ids: Vec<_> = st.subflows.iter().map(|s| s.id).collect();
    assert_eq!(
        ids.iter().map(|i| i.number).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    let ports: BTreeSet<_> = ids.iter().map(|i| i.local.port).collect();
    assert_eq!(ports.len(), 4, "{ids:?}");
    assert!(ids.iter().all(|i| i.local.addr == mputil::c(0)));
    assert!(ids.iter().all(|i| i.recreated_from.is_none()));
    // The listener numbers the same subflows in the order their SYNs arrived.
    let srv: Vec<_> = net.stats(false).subflows.iter().map(|s| s.id).collect();
    for (c, s) in ids.iter().zip(&srv) {
        assert_eq!((c.local, c.remote), (s.remote, s.local));
    }
    // The path fails and comes back: four new subflows, each re-creating one of the old.
    net.set_path(0, false);
    net.run_until(ms(1_500));
    net.set_path(0, true);
    net.run_until(ms(3_000));
    let st = net.stats(true);
    let again: Vec<_> = st.subflows[4..].iter().map(|s| s.id).collect();
    assert_eq!(again.len(), 4, "{:?}", st.subflows);
    for (k, id) in again.iter().enumerate() {
        assert_eq!(
            (id.number, id.recreated_from),
            (4 + k as u32, Some(k as u32))
        );
    }
    let states: Vec<_> = st.subflows.iter().map(|s| s.state).collect();
    assert_eq!(&states[..4], [SubflowState::Failed; 4]);
    assert_eq!(&states[4..], [SubflowState::Established; 4]);
    // The host's samples list the same subflows under the same ids.
    let sampled: Vec<_> = net.client.subflow_samples().map(|s| s.id).collect();
    let all: Vec<_> = st.subflows.iter().map(|s| s.id).collect();
    assert_eq!(sampled, all);
    // Every subflow was reported opened once, under its id, in number order.
    let opened: Vec<_> = (net.client_events.iter())
        .filter(|e| e.event == Event::Mptcp(MptcpEventKind::SubflowOpened))
        .map(|e| e.subflow.unwrap())
        .collect();
    assert_eq!(opened, all);
}
