//! Handshake, option negotiation and segment sizes.

mod util;

use mptcp_model::tcp::{TcpConfig, TcpState};
use mptcp_model::wire::{TcpFlags, Timestamps};
use sim_core::{Duration, Instant};
use util::*;

fn ms(v: u64) -> Instant {
    Instant::from_millis(v)
}

#[test]
fn three_way_handshake_exact_segments() {
    let cfg = TcpConfig::default();
    let mut p = Pair::new(cfg, cfg, Duration::from_millis(10));
    assert_eq!(p.client.state(), TcpState::SynSent);
    p.flush();
    // SYN at t = 0.
    let syn = p.log[0];
    assert_eq!((syn.sent, syn.dir), (ms(0), Dir::ToServer));
    let h = syn.pkt.header;
    assert_eq!(h.flags, TcpFlags::SYN);
    assert_eq!(h.seq, CLIENT_ISN);
    assert_eq!(h.options.mss, Some(1460));
    assert_eq!(h.options.window_scale, Some(7));
    assert!(h.options.sack_permitted);
    let client_ts0 = CLIENT_ISN.0; // t = 0 µs plus the ISN offset.
    assert_eq!(
        h.options.timestamps,
        Some(Timestamps {
            tsval: client_ts0,
            tsecr: 0
        })
    );
    assert_eq!(h.window, 65535);
    assert_eq!(syn.pkt.size, 20 + 40);

    p.run_until(ms(10));
    assert_eq!(p.server().state(), TcpState::SynReceived);
    let synack = p.log[1];
    assert_eq!((synack.sent, synack.dir), (ms(10), Dir::ToClient));
    let h = synack.pkt.header;
    assert_eq!(h.flags, TcpFlags::SYN | TcpFlags::ACK);
    assert_eq!(h.seq, SERVER_ISN);
    assert_eq!(h.ack, CLIENT_ISN + 1);
    assert_eq!(h.options.mss, Some(1460));
    assert_eq!(h.options.window_scale, Some(7));
    assert!(h.options.sack_permitted);
    assert_eq!(
        h.options.timestamps,
        Some(Timestamps {
            tsval: SERVER_ISN.0.wrapping_add(10_000),
            tsecr: client_ts0
        })
    );
    assert_eq!(synack.pkt.size, 60);

    p.run_until(ms(20));
    assert_eq!(p.client.state(), TcpState::Established);
    assert_eq!(p.client.stats().established_at, Some(ms(20)));
    assert_eq!(p.client.stats().srtt, Some(Duration::from_millis(20)));
    let ack = p.log[2];
    let h = ack.pkt.header;
    assert_eq!((ack.sent, h.flags), (ms(20), TcpFlags::ACK));
    assert_eq!((h.seq, h.ack), (CLIENT_ISN + 1, SERVER_ISN + 1));
    // Scaled window: 6 MiB >> 7.
    assert_eq!(h.window, 49152);
    assert_eq!(
        h.options.timestamps.unwrap().tsecr,
        SERVER_ISN.0.wrapping_add(10_000)
    );
    assert_eq!(ack.pkt.size, 20 + 32);

    p.run_until(ms(30));
    assert_eq!(p.server().state(), TcpState::Established);
    assert_eq!(p.server().stats().srtt, Some(Duration::from_millis(20)));
    assert_eq!(p.log.len(), 3);
    // Linux (the default): RTO = SRTT + max(mdev = 2·R, rto_min) = 20 + max(40, 200) ms.
    assert_eq!(p.client.stats().rto, Duration::from_millis(220));
    assert_eq!(p.client.smss(), 1448);
}

#[test]
fn full_data_packet_is_1500_bytes_and_mss_is_negotiated() {
    let mut p = Pair::bulk(TcpConfig::default(), 10, 100_000);
    p.run(ms(10_000));
    let first = p.data_sent().next().unwrap();
    assert_eq!(first.sent, ms(20));
    assert_eq!(first.pkt.header.payload_len, 1448);
    assert_eq!(first.pkt.size, 1500);
    // The initial window: 10 segments leave at once (RFC 6928).
    assert_eq!(p.data_sent().filter(|r| r.sent == ms(20)).count(), 10);

    // A peer announcing a smaller MSS limits our segments; without timestamps the
    // payload is the full MSS.
    let server = TcpConfig {
        mss: 1200,
        ..TcpConfig::default()
    };
    let client = TcpConfig {
        timestamps: false,
        ..TcpConfig::default()
    };
    let mut q = Pair::new(client, server, Duration::from_millis(5));
    q.sender = Some(mptcp_model::app::BulkSender::bytes(50_000));
    q.run(ms(10_000));
    let first = q.data_sent().next().unwrap();
    assert_eq!(first.pkt.header.payload_len, 1200);
    assert_eq!(first.pkt.size, 1240);
    assert!(first.pkt.header.options.timestamps.is_none());
    assert_eq!(q.read, 50_000);
}

#[test]
fn bulk_transfer_completes_and_closes_both_ways() {
    let mut p = Pair::bulk(TcpConfig::default(), 10, 1_000_000);
    p.run(ms(60_000));
    assert_eq!(p.read, 1_000_000);
    let c = p.client.stats();
    assert_eq!(c.bytes_acked, 1_000_000);
    assert_eq!(c.bytes_retransmitted, 0);
    assert_eq!(c.rto_timeouts, 0);
    assert!(c.all_acked_at.is_some());
    assert_eq!(p.server().stats().bytes_received, 1_000_000);
    // Both closed: the client lingered in TIME-WAIT, the server went through LAST-ACK.
    assert_eq!(p.client.state(), TcpState::Closed);
    assert_eq!(p.server().state(), TcpState::Closed);
    assert!(p
        .log
        .iter()
        .any(|r| r.dir == Dir::ToClient && r.pkt.header.flags.fin()));
}

#[test]
fn lost_syn_is_retransmitted_after_initial_rto() {
    let cfg = TcpConfig::default();
    let mut p = Pair::new(cfg, cfg, Duration::from_millis(10));
    let mut n = 0;
    p.drop = Box::new(move |dir, rec| {
        let syn = dir == Dir::ToServer && rec.pkt.header.flags.syn();
        n += u32::from(syn);
        syn && n <= 2
    });
    p.run(ms(10_000));
    let syns: Vec<_> = p
        .log
        .iter()
        .filter(|r| r.pkt.header.flags == TcpFlags::SYN)
        .map(|r| r.sent)
        .collect();
    // Initial RTO 1 s, then backed off to 2 s.
    assert_eq!(syns, vec![ms(0), ms(1000), ms(3000)]);
    assert_eq!(p.client.state(), TcpState::Established);
    assert_eq!(p.client.stats().established_at, Some(ms(3020)));
    // RFC 5681 §3.1: after a lost SYN the initial window is one segment.
    assert_eq!(p.client.stats().cwnd, 1448);
}

#[test]
fn close_walks_through_the_rfc9293_states() {
    // A small send buffer makes the application write over time, so the client is
    // ESTABLISHED before it closes.
    let cfg = TcpConfig {
        snd_buf: 16 * 1024,
        ..TcpConfig::default()
    };
    let mut p = Pair::new(cfg, cfg, Duration::from_millis(10));
    p.sender = Some(mptcp_model::app::BulkSender::bytes(100_000));
    let (mut cs, mut ss) = (vec![p.client.state()], vec![]);
    while p.step() {
        if cs.last() != Some(&p.client.state()) {
            cs.push(p.client.state());
        }
        if let Some(s) = p.server.as_ref() {
            if ss.last() != Some(&s.state()) {
                ss.push(s.state());
            }
        }
    }
    use TcpState::*;
    // The server's sink closes as soon as it sees our FIN, so its FIN rides on the ACK of
    // ours: FIN-WAIT-1 goes straight to TIME-WAIT.
    assert_eq!(cs, vec![SynSent, Established, FinWait1, TimeWait, Closed]);
    // Likewise CLOSE-WAIT lasts no simulated time (see the FIN-WAIT-2 test for both).
    assert_eq!(ss, vec![SynReceived, Established, LastAck, Closed]);
    assert_eq!(p.read, 100_000);
    // TIME-WAIT lasts `time_wait` after the peer's FIN was acknowledged.
    let fin = p
        .log
        .iter()
        .find(|r| r.dir == Dir::ToClient && r.pkt.header.flags.fin())
        .unwrap();
    assert_eq!(p.now, fin.sent + Duration::from_millis(10) + cfg.time_wait);
}

#[test]
fn rst_aborts_an_established_connection() {
    let cfg = TcpConfig::default();
    let mut p = Pair::new(cfg, cfg, Duration::from_millis(10));
    p.client.send(1_000_000);
    p.run_until(ms(45));
    assert_eq!(p.client.state(), TcpState::Established);
    // The peer forgets the connection: its answer to our last segment is a RST.
    let last = p
        .log
        .iter()
        .rev()
        .find(|r| r.dir == Dir::ToServer)
        .unwrap()
        .pkt;
    let rst = mptcp_model::tcp::reset_reply(&last).unwrap();
    assert!(rst.header.flags.rst());
    p.client.handle_packet(p.now, &rst);
    assert_eq!(p.client.state(), TcpState::Closed);
    assert_eq!(
        p.client.error(),
        Some(mptcp_model::tcp::ConnectionError::Reset)
    );
    assert_eq!(p.client.poll_transmit(p.now), None);
    assert_eq!(p.client.poll_timeout(), None);
}

#[test]
fn window_scaling_needs_both_sides() {
    let server = TcpConfig {
        window_scale: false,
        ..TcpConfig::default()
    };
    let mut p = Pair::new(TcpConfig::default(), server, Duration::from_millis(10));
    p.run_until(ms(20));
    let synack = p.log[1].pkt.header;
    assert_eq!(synack.options.window_scale, None);
    // The client's ACK now carries its window unscaled, clamped to 16 bits.
    let ack = p.log[2].pkt.header;
    assert_eq!(ack.window, 65535);
}

#[test]
fn fin_wait_2_when_the_peer_closes_later() {
    let cfg = TcpConfig::default();
    let mut p = Pair::bulk(cfg, 10, 10_000);
    // The server application neither reads nor closes until t=1 s.
    p.reading = false;
    p.run_until(ms(500));
    assert_eq!(p.client.state(), TcpState::FinWait2);
    assert_eq!(p.server().state(), TcpState::CloseWait);
    assert!(p.server().peer_closed());
    p.run_until(ms(1_000));
    p.resume_reading();
    assert_eq!(p.server().state(), TcpState::LastAck);
    p.run(ms(10_000));
    assert_eq!(p.client.state(), TcpState::Closed);
    assert_eq!(p.server().state(), TcpState::Closed);
    assert_eq!(p.read, 10_000);
}
