//! Receiver behaviour: delayed ACKs (RFC 1122 §4.2.3.2, RFC 5681 §4.2), the receive window
//! of a slow reader, zero-window probing and window updates.

mod util;

use mptcp_model::app::BulkSender;
use mptcp_model::tcp::{RtoMode, TcpConfig};
use sim_core::{Duration, Instant};
use util::*;

const S: u64 = 1448;

fn ms(v: u64) -> Instant {
    Instant::from_millis(v)
}

/// A client that writes `bytes` at t=0 and does not close (so no FIN forces an ACK).
fn writer(bytes: u64, cfg: TcpConfig) -> Pair {
    let mut p = Pair::new(TcpConfig::default(), cfg, Duration::from_millis(10));
    assert_eq!(p.client.send(bytes), bytes);
    p
}

/// `(sent, acked offset)` of the server's ACKs after the handshake.
fn acks(p: &Pair) -> Vec<(Instant, u64)> {
    p.acks()
        .filter(|r| !r.pkt.header.flags.syn())
        .map(|r| (r.sent, r.ack_off()))
        .collect()
}

#[test]
fn one_ack_per_two_full_segments() {
    let mut p = writer(4 * S, TcpConfig::default());
    p.run(ms(1_000));
    // Four segments arrive together at t=30: ACKs after the 2nd and the 4th, none later.
    assert_eq!(acks(&p), vec![(ms(30), 2 * S), (ms(30), 4 * S)]);
}

#[test]
fn lone_segment_is_acked_after_40ms() {
    let mut p = writer(5 * S, TcpConfig::default());
    p.run(ms(1_000));
    assert_eq!(
        acks(&p),
        vec![(ms(30), 2 * S), (ms(30), 4 * S), (ms(70), 5 * S)]
    );
    // A small segment alone is also held for exactly the delayed-ACK timeout.
    let mut q = writer(100, TcpConfig::default());
    q.run(ms(1_000));
    assert_eq!(acks(&q), vec![(ms(70), 100)]);
}

#[test]
fn delayed_ack_off_and_out_of_order_ack_at_once() {
    let cfg = TcpConfig {
        delayed_ack: false,
        ..TcpConfig::default()
    };
    let mut p = writer(3 * S, cfg);
    p.run(ms(1_000));
    assert_eq!(
        acks(&p),
        vec![(ms(30), S), (ms(30), 2 * S), (ms(30), 3 * S)]
    );
    // Segment 1 lost: 0 is held, 2 and 3 (out of order) are ACKed at once with SACK.
    let mut q = writer(4 * S, TcpConfig::default());
    q.drop = drop_first_tx_of(&[S]);
    q.run_until(ms(30));
    let v: Vec<_> = q
        .acks()
        .filter(|r| !r.pkt.header.flags.syn())
        .map(|r| (r.sent, r.ack_off(), r.pkt.header.options.sack.len()))
        .collect();
    assert_eq!(v, vec![(ms(30), S, 1), (ms(30), S, 1)]);
    let blocks = q.acks().last().unwrap().pkt.header.options.sack;
    let (l, r) = blocks.as_slice()[0];
    let off = |x: u32| u64::from(x.wrapping_sub(CLIENT_ISN.0 + 1));
    assert_eq!((off(l.0), off(r.0)), (2 * S, 4 * S));
}

/// The server's buffer is 32 KiB (window scale 0) and its reader stalls until t=1 s.
fn stalled_reader() -> Pair {
    let server = TcpConfig {
        rcv_buf: 32_768,
        ..TcpConfig::default()
    };
    // The persist instants below follow the RFC 6298 RTO arithmetic.
    let client = TcpConfig {
        rto: RtoMode::Rfc6298,
        ..TcpConfig::default()
    };
    let mut p = Pair::new(client, server, Duration::from_millis(10));
    p.sender = Some(BulkSender::bytes(100_000));
    p.reading = false;
    p
}

#[test]
fn slow_reader_limits_the_sender_and_zero_window_recovers() {
    let mut p = stalled_reader();
    p.run_until(ms(999));
    // Exactly the buffer was delivered and acknowledged, and nothing beyond it was sent.
    assert_eq!(p.server().readable(), 32_768);
    let c = p.client.stats();
    assert_eq!((c.bytes_acked, c.bytes_in_flight), (32_768, 0));
    assert!(p.data_sent().all(|r| r.data_range().1 <= 32_768));
    let last = p.acks().last().unwrap();
    assert_eq!((last.ack_off(), last.pkt.header.window), (32_768, 0));
    // 22 full segments fit (t=20, 40); the 912 octets left in the window are sent only when
    // the persist timer (RTO 200 ms after the last ACK at t=60) overrides silly-window
    // avoidance. Then the window is zero and a probe (SND.UNA − 1, no payload) goes out
    // one backed-off persist interval later: 320 + 400 ms.
    assert_eq!(p.tx_times(31_856), vec![ms(260)]);
    let probes: Vec<_> = p
        .data_sent_or_probes()
        .filter(|r| r.pkt.header.payload_len == 0 && r.data_off() == 32_767)
        .map(|r| r.sent)
        .collect();
    assert_eq!(probes, vec![ms(720)]);
    // The reader wakes up: a window update goes out at once and the transfer completes.
    p.run_until(ms(1_000));
    p.resume_reading();
    let upd = p.acks().last().unwrap();
    assert_eq!((upd.sent, upd.pkt.header.window), (ms(1_000), 32_768));
    p.run(ms(60_000));
    assert_eq!(p.read, 100_000);
    let c = p.client.stats();
    assert_eq!((c.bytes_retransmitted, c.rto_timeouts), (0, 0));
    assert_eq!(p.tx_times(32_768), vec![ms(1_010)]);
}

#[test]
fn lost_window_update_is_recovered_by_the_next_probe() {
    let mut p = stalled_reader();
    p.drop = Box::new(|dir, rec| dir == Dir::ToClient && rec.sent == ms(1_000));
    p.run_until(ms(1_000));
    p.resume_reading();
    p.run(ms(60_000));
    assert_eq!(p.read, 100_000);
    // Probes at 720 and, the persist timer re-armed when the probe left and backed off
    // again, 720 + 800 = 1520 ms; its ACK carries the open window: data flows at 1540 ms.
    let probes: Vec<_> = p
        .data_sent_or_probes()
        .filter(|r| r.pkt.header.payload_len == 0 && r.data_off() == 32_767)
        .map(|r| r.sent)
        .collect();
    assert_eq!(probes, vec![ms(720), ms(1_520)]);
    assert_eq!(p.tx_times(32_768), vec![ms(1_540)]);
}

/// A bounded read (`recv_up_to`, what the RFC 8803 converter's relay uses) reopens the window
/// as `recv` does: the update leaves at once, not swallowed by the socket's memory that its
/// last poll found nothing to send.
#[test]
fn bounded_read_sends_the_window_update_at_once() {
    let mut p = stalled_reader();
    p.run_until(ms(1_000));
    let server = p.server.as_mut().expect("accepted");
    assert_eq!(server.recv_up_to(40_000), 32_768);
    p.flush();
    let upd = p.acks().last().unwrap();
    assert_eq!((upd.sent, upd.pkt.header.window), (ms(1_000), 32_768));
}
