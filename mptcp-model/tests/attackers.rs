//! Attackers against an MPTCP connection (RFC 8684 §5, RFC 7430): a host that sends an
//! MP_JOIN with a guessed token, one that knows the token (it travels in clear in every join
//! SYN) but not the keys and forges the third ACK's HMAC, and an on-path box that slips an
//! ADD_ADDR with a made-up HMAC into the connection. Each is refused and counted the way
//! Linux counts it (`MPJoinNoTokenFound`, `MPJoinAckHMacFailure`, `AddAddrDrop`), and the
//! connection carries on exactly as without the attack.

mod mputil;

use mptcp_model::host::FlowId;
use mptcp_model::middlebox::{MiddleboxKind, Middleboxes};
use mptcp_model::mptcp::{MptcpConfig, MptcpEventKind, Refusal};
use mptcp_model::wire::mptcp::{JoinRepr, MptcpOption};
use mptcp_model::wire::{SeqNum, TcpFlags, TcpHeader};
use mputil::{s, Net, FLOW, PORT};
use sim_core::{Addr, Bandwidth, Host, Instant, LinkId, Packet};

const ATTACKER: Addr = Addr::new(10, 66, 0, 1);
const TOTAL: u64 = 2_000_000;

fn ms(v: u64) -> Instant {
    Instant::from_millis(v)
}

fn upload(seed: u64) -> Net {
    let mut net = Net::new(seed, 10, 20, MptcpConfig::default(), TOTAL, true);
    for p in &mut net.paths {
        p.rate = Some(Bandwidth::from_mbps(8));
    }
    net
}

/// A SYN from the attacker to the server's listening port with MP_JOIN `token`.
fn join_syn(token: u32) -> Packet<TcpHeader> {
    let mut h = TcpHeader {
        src_port: 4444,
        dst_port: PORT,
        seq: SeqNum(1000),
        flags: TcpFlags::SYN,
        window: 65535,
        ..TcpHeader::default()
    };
    h.options.mptcp.push(MptcpOption::Join(JoinRepr::Syn {
        backup: false,
        addr_id: 7,
        token,
        random: 0x1234_5678,
    }));
    Packet {
        src: ATTACKER,
        dst: s(0),
        size: h.packet_size(),
        header: h,
    }
}

/// Hands `pkt` to the server now; returns its answers (to the attacker, never on a path).
fn inject(net: &mut Net, pkt: Packet<TcpHeader>) -> Vec<Packet<TcpHeader>> {
    let mut tx = Vec::new();
    net.server.on_packet(net.now, &pkt, &mut tx);
    tx
}

/// What the server's connection reported from `from` on about subflows other than the
/// client's two.
fn foreign_events(net: &Net, from: Instant) -> Vec<(Instant, Option<u32>, MptcpEventKind)> {
    net.events_since(false, from)
        .into_iter()
        .filter(|e| e.1.is_some_and(|n| n >= 2))
        .collect()
}

/// The run without attack: when the upload completed and the server's counters.
fn reference() -> (Option<Instant>, Vec<(&'static str, u64)>) {
    let mut net = upload(3);
    net.run_until(ms(20_000));
    (net.stats(true).completed_at, net.mib(false))
}

#[test]
fn a_join_with_a_guessed_token_is_refused_with_a_reset_and_counted() {
    let (done, mib) = reference();
    let mut net = upload(3);
    net.run_until(ms(500));
    let token = net.server.mptcp_connection(FLOW).unwrap().local_token();
    let answers = inject(&mut net, join_syn(token ^ 0x5a5a));
    // RFC 8684 §3.2: an unknown token is answered with a RST (with MP_TCPRST).
    assert_eq!(answers.len(), 1);
    let rst = &answers[0];
    assert!(rst.header.flags.rst());
    assert_eq!((rst.dst, rst.header.dst_port), (ATTACKER, 4444));
    assert!(
        foreign_events(&net, ms(500)).is_empty(),
        "no subflow was made"
    );
    net.run_until(ms(20_000));
    assert_eq!(
        net.stats(true).completed_at,
        done,
        "the connection is unharmed"
    );
    assert_eq!(net.server.app_bytes_read(FlowId(1)), TOTAL);
    let mut want = mib.clone();
    for (k, v) in [
        ("MPJoinNoTokenFound", 1),
        ("MPJoinSynRx", 1),
        ("MPRstTx", 1),
    ] {
        match want.iter_mut().find(|c| c.0 == k) {
            Some(c) => c.1 += v,
            None => want.push((k, v)),
        }
    }
    let order = |m: &mut Vec<(&str, u64)>| m.sort();
    let mut got = net.mib(false);
    order(&mut got);
    order(&mut want);
    assert_eq!(got, want);
}

#[test]
fn a_join_with_a_forged_hmac_is_refused_at_the_third_ack_and_counted() {
    let (done, mib) = reference();
    let mut net = upload(3);
    net.run_until(ms(500));
    let token = net.server.mptcp_connection(FLOW).unwrap().local_token();
    let t0 = net.now;
    let answers = inject(&mut net, join_syn(token));
    // The token is right: the server answers with its SYN-ACK and its truncated HMAC.
    assert_eq!(answers.len(), 1);
    let synack = answers[0];
    assert!(synack.header.flags.syn() && synack.header.flags.ack());
    let is_join_synack = |o: &MptcpOption| matches!(o, MptcpOption::Join(JoinRepr::SynAck { .. }));
    assert!(synack.header.options.mptcp.iter().any(is_join_synack));
    // Without the keys the attacker cannot compute HMAC(Key-B ‖ Key-A, R-A ‖ R-B).
    let mut h = TcpHeader {
        src_port: 4444,
        dst_port: PORT,
        seq: SeqNum(1001),
        ack: synack.header.seq + 1,
        flags: TcpFlags::ACK,
        window: 65535,
        ..TcpHeader::default()
    };
    let hmac = [0xa5; 20];
    h.options
        .mptcp
        .push(MptcpOption::Join(JoinRepr::Ack { hmac }));
    let ack = Packet {
        src: ATTACKER,
        dst: s(0),
        size: h.packet_size(),
        header: h,
    };
    let answers = inject(&mut net, ack);
    assert!(answers.iter().all(|p| p.header.flags.rst()), "{answers:?}");
    assert_eq!(answers.len(), 1);
    // Event order at the server: the join's SYN, then its third ACK, then the refusal.
    net.run_until(t0 + sim_core::Duration::from_millis(1));
    use mptcp_model::mptcp::Handshake;
    use MptcpEventKind::*;
    let t = Some(2);
    assert_eq!(
        foreign_events(&net, t0),
        [
            (t0, t, SubflowOpened),
            (t0, t, JoinReceived(Handshake::Syn)),
            (t0, t, JoinSent(Handshake::SynAck)),
            (t0, t, JoinReceived(Handshake::Ack)),
            (t0, t, SubflowRefused(Refusal::BadHmac)),
        ]
    );
    net.run_until(ms(20_000));
    assert_eq!(
        net.stats(true).completed_at,
        done,
        "the connection is unharmed"
    );
    assert_eq!(net.server.app_bytes_read(FlowId(1)), TOTAL);
    let get = |m: &[(&str, u64)], k: &str| m.iter().find(|c| c.0 == k).map_or(0, |c| c.1);
    let got = net.mib(false);
    assert_eq!(get(&got, "MPJoinAckHMacFailure"), 1);
    assert_eq!(get(&got, "MPJoinSynRx"), get(&mib, "MPJoinSynRx") + 1);
    assert_eq!(get(&got, "MPJoinAckRx"), get(&mib, "MPJoinAckRx"));
    assert_eq!(get(&got, "MPJoinNoTokenFound"), 0);
}

#[test]
fn an_add_addr_with_a_wrong_hmac_is_dropped_and_counted() {
    let (done, _) = reference();
    let mut net = upload(3);
    // An on-path box towards the client slips an ADD_ADDR for the attacker's address with
    // a made-up HMAC into the 50th segment it sees that can carry it.
    let mut boxes = Middleboxes::new();
    let kind = MiddleboxKind::ForgeAddAddr {
        addr: ATTACKER,
        after: 50,
    };
    boxes.add("forger", kind, &[LinkId(0)], 3);
    net.rewrites_options = true;
    net.mutate = Box::new(move |p, to_server| {
        if !to_server {
            sim_core::Middlebox::on_link_exit(&mut boxes, Instant::ZERO, LinkId(0), p);
        }
    });
    net.run_until(ms(20_000));
    let dropped: Vec<_> = (net.events_since(true, Instant::ZERO).into_iter())
        .filter(|e| matches!(e.2, MptcpEventKind::AddAddrDropped { .. }))
        .collect();
    assert_eq!(dropped.len(), 1);
    let MptcpEventKind::AddAddrDropped { id, addr } = dropped[0].2 else {
        unreachable!()
    };
    assert_eq!((id, addr), (9, ATTACKER));
    let get = |m: &[(&str, u64)], k: &str| m.iter().find(|c| c.0 == k).map_or(0, |c| c.1);
    let mib = net.mib(true);
    assert_eq!((get(&mib, "AddAddrDrop"), get(&mib, "AddAddr")), (1, 0));
    assert_eq!(get(&mib, "EchoAddTx"), 0, "not echoed");
    // No subflow to the attacker's address; the upload completes as without the attack.
    let stats = net.stats(true);
    assert!(stats
        .subflows
        .iter()
        .all(|sf| sf.id.remote.addr != ATTACKER));
    assert_eq!(stats.completed_at, done);
}
