//! MP_CAPABLE and MP_JOIN handshakes: keys, tokens, IDSNs, exact option bytes, HMAC
//! verification (a corrupted HMAC or an unknown token refuses the subflow with RST +
//! MP_TCPRST, and the connection goes on).

mod mputil;

use mptcp_model::crypto::{idsn, token};
use mptcp_model::mptcp::{MptcpConfig, MptcpEventKind, Refusal, SubflowState};
use mptcp_model::wire::mptcp::{JoinRepr, MptcpOption, ResetReason};
use mptcp_model::wire::tcp_options::KIND_NOP;
use mputil::*;
use sim_core::Instant;

fn mptcp_bytes(opt: &MptcpOption) -> Vec<u8> {
    let mut b = vec![0u8; opt.buffer_len()];
    opt.emit(&mut b).unwrap();
    b
}

#[test]
fn capable_handshake_keys_tokens_idsn_and_exact_bytes() {
    let mut net = Net::new(3, 10, 15, MptcpConfig::default(), 100_000, true);
    net.run_until(Instant::from_secs(10));
    let cc = net.client.mptcp_connection(FLOW).unwrap();
    let sc = net.server.mptcp_connection(FLOW).unwrap();
    let (ck, sk) = (cc.local_key(), sc.local_key());
    assert_eq!(cc.remote_key(), Some(sk));
    assert_eq!(sc.remote_key(), Some(ck));
    assert_eq!(cc.local_token(), token(ck));
    assert_eq!(sc.local_token(), token(sk));
    assert_eq!(cc.local_idsn(), idsn(ck));
    assert_eq!(sc.remote_idsn(), Some(idsn(ck)));
    assert_eq!(cc.remote_idsn(), Some(idsn(sk)));
    assert_eq!(net.server.app_bytes_read(FLOW), 100_000);

    let syn = net.log[0].pkt;
    assert!(syn.header.flags.syn() && !syn.header.flags.ack());
    let o: Vec<_> = syn.header.options.mptcp.iter().collect();
    assert_eq!(o.len(), 1);
    assert_eq!(mptcp_bytes(o[0]), [30, 4, 0x01, 0x01]);
    // MSS 4 + SACK-perm/TS 12 + WS 4 + MP_CAPABLE 4.
    assert_eq!(syn.size, 20 + 20 + 24);

    let synack = net.log[1].pkt;
    assert!(synack.header.flags.syn() && synack.header.flags.ack());
    let o: Vec<_> = synack.header.options.mptcp.iter().collect();
    let mut want = vec![30, 12, 0x01, 0x01];
    want.extend(sk.to_be_bytes());
    assert_eq!(mptcp_bytes(o[0]), want);
    assert_eq!(synack.size, 20 + 20 + 20 + 12);

    // The client sends data at once: its first data segment carries MP_CAPABLE with both
    // keys and the data length (RFC 8684 §3.1), 22 octets + 2 NOPs, as many as the DSS of
    // a data sender (32-bit data ACK + 64-bit DSN: 24): payload 1460 − 12 − 24 = 1424.
    let first = net.data_to_server().next().unwrap().pkt;
    let o: Vec<_> = first.header.options.mptcp.iter().collect();
    let b = mptcp_bytes(o[0]);
    let mut want = vec![30, 22, 0x01, 0x01];
    want.extend(ck.to_be_bytes());
    want.extend(sk.to_be_bytes());
    want.extend(1424u16.to_be_bytes());
    assert_eq!(b, want);
    let mut raw = [0u8; 60];
    let n = first.header.emit(&mut raw).unwrap();
    assert_eq!(&raw[20 + 12 + 22..n], &[KIND_NOP, KIND_NOP]);
    // Its implicit mapping starts at IDSN + 1; the next segment's DSS says so explicitly.
    let second = net.data_to_server().nth(1).unwrap().pkt;
    let dss = second.header.options.mptcp.iter().find_map(|o| match o {
        MptcpOption::Dss(d) => d.mapping,
        _ => None,
    });
    let m = dss.unwrap();
    assert_eq!(m.dsn.value(), idsn(ck).wrapping_add(1 + 1424));
    assert_eq!(m.subflow_seq, 1 + 1424);
}

#[test]
fn third_ack_with_both_keys_when_the_client_only_receives() {
    let mut net = Net::new(4, 10, 15, MptcpConfig::default(), 50_000, false);
    net.run_until(Instant::from_secs(10));
    let cc = net.client.mptcp_connection(FLOW).unwrap();
    let sc = net.server.mptcp_connection(FLOW).unwrap();
    let third = net.log[2].pkt;
    assert!(!third.header.flags.syn() && third.header.payload_len == 0);
    let o: Vec<_> = third.header.options.mptcp.iter().collect();
    let mut want = vec![30, 20, 0x01, 0x01];
    want.extend(cc.local_key().to_be_bytes());
    want.extend(sc.local_key().to_be_bytes());
    assert_eq!(mptcp_bytes(o[0]), want);
    assert_eq!(net.client.app_bytes_read(FLOW), 50_000);
    // The server's first data byte has DSN = its IDSN + 1.
    let first = net
        .log
        .iter()
        .find(|r| !r.to_server && r.pkt.header.payload_len > 0)
        .unwrap();
    let m = first.pkt.header.options.mptcp.iter().find_map(|o| match o {
        MptcpOption::Dss(d) => d.mapping,
        _ => None,
    });
    assert_eq!(m.unwrap().dsn.value(), sc.local_idsn().wrapping_add(1));
    assert_eq!(m.unwrap().subflow_seq, 1);
}

fn join_syn_acks(net: &Net) -> Vec<&Rec> {
    net.log
        .iter()
        .filter(|r| {
            r.pkt
                .header
                .options
                .mptcp
                .iter()
                .any(|o| matches!(o, MptcpOption::Join(JoinRepr::SynAck { .. })))
        })
        .collect()
}

fn rsts_with_tcprst(net: &Net) -> usize {
    net.log
        .iter()
        .filter(|r| {
            r.pkt.header.flags.rst()
                && r.pkt.header.options.mptcp.iter().any(|o| {
                    matches!(o, MptcpOption::TcpRst(t) if t.reason == ResetReason::MptcpSpecific)
                })
        })
        .count()
}

#[test]
fn join_with_correct_hmac_succeeds() {
    let mut net = Net::new(5, 10, 15, MptcpConfig::default(), 300_000, true);
    net.run_until(Instant::from_secs(10));
    assert_eq!(join_syn_acks(&net).len(), 1);
    assert_eq!(rsts_with_tcprst(&net), 0);
    let st = net.stats(true);
    assert_eq!(st.subflows.len(), 2);
    assert!(st.subflows[1].data_bytes_sent > 0);
    // The join's handshake, step by step, at each end.
    let join = |client: bool| -> Vec<MptcpEventKind> {
        net.mptcp_events(client)
            .into_iter()
            .filter(|e| e.0 == Some(1))
            .map(|e| e.1)
            .take(5)
            .collect()
    };
    use mptcp_model::mptcp::Handshake::{Ack, Syn, SynAck};
    use MptcpEventKind::*;
    assert_eq!(
        join(true),
        [
            SubflowOpened,
            JoinSent(Syn),
            JoinReceived(SynAck),
            JoinAccepted,
            JoinSent(Ack)
        ]
    );
    assert_eq!(
        join(false),
        [
            SubflowOpened,
            JoinReceived(Syn),
            JoinSent(SynAck),
            JoinReceived(Ack),
            JoinAccepted
        ]
    );
    for client in [true, false] {
        let est = net.mptcp_events(client);
        let n = est.iter().filter(|e| e.1 == SubflowEstablished).count();
        assert_eq!(n, 2, "client {client}: {est:?}");
    }
}

type Mutate = Box<dyn FnMut(&mut sim_core::Packet<mptcp_model::wire::TcpHeader>, bool)>;

fn flip(which: u8) -> Mutate {
    let mut done = false;
    Box::new(move |p, _| {
        if done {
            return;
        }
        let mut opts = p.header.options;
        let mut changed = false;
        let mut list = mptcp_model::wire::tcp_options::MptcpList::new();
        for o in p.header.options.mptcp.iter() {
            let mut o = *o;
            match (&mut o, which) {
                (MptcpOption::Join(JoinRepr::SynAck { truncated_hmac, .. }), 0) => {
                    *truncated_hmac ^= 1 << 17;
                    changed = true;
                }
                (MptcpOption::Join(JoinRepr::Ack { hmac }), 1) => {
                    hmac[7] ^= 0x10;
                    changed = true;
                }
                (MptcpOption::Join(JoinRepr::Syn { token, .. }), 2) => {
                    *token ^= 1;
                    changed = true;
                }
                _ => {}
            }
            list.push(o);
        }
        if changed {
            opts.mptcp = list;
            p.header.options = opts;
            done = true;
        }
    })
}

fn refused_join_leaves_the_connection_running(which: u8) -> Net {
    let total = 300_000;
    let mut net = Net::new(6, 10, 15, MptcpConfig::default(), total, true);
    net.mutate = flip(which);
    net.run_until(Instant::from_secs(20));
    assert_eq!(rsts_with_tcprst(&net), 1, "one RST + MP_TCPRST on the wire");
    let st = net.stats(true);
    assert_eq!(st.subflows.len(), 2, "the refused pair is not retried");
    assert_eq!(st.subflows[1].state, SubflowState::Refused);
    assert_eq!(st.subflows[1].data_bytes_sent, 0);
    assert_eq!(st.subflows[0].data_bytes_sent, total);
    assert!(st.completed_at.is_some());
    assert_eq!(net.server.app_bytes_read(FLOW), total);
    net
}

/// The refusals recorded at one end: (subflow number, why).
fn refusals(net: &Net, client: bool) -> Vec<(Option<u32>, Refusal)> {
    net.mptcp_events(client)
        .into_iter()
        .filter_map(|(n, k)| match k {
            MptcpEventKind::SubflowRefused(r) => Some((n, r)),
            MptcpEventKind::JoinRejected { reason, .. } => Some((n, reason)),
            _ => None,
        })
        .collect()
}

#[test]
fn join_with_a_flipped_synack_hmac_bit_is_refused_by_the_initiator() {
    let net = refused_join_leaves_the_connection_running(0);
    assert_eq!(refusals(&net, true), [(Some(1), Refusal::BadHmac)]);
    assert_eq!(refusals(&net, false), [(Some(1), Refusal::PeerReset)]);
}

#[test]
fn join_with_a_flipped_third_ack_hmac_bit_is_refused_by_the_listener() {
    let net = refused_join_leaves_the_connection_running(1);
    assert_eq!(refusals(&net, false), [(Some(1), Refusal::BadHmac)]);
    assert_eq!(refusals(&net, true), [(Some(1), Refusal::PeerReset)]);
}

#[test]
fn join_with_an_unknown_token_is_refused() {
    let net = refused_join_leaves_the_connection_running(2);
    assert_eq!(refusals(&net, false), [(None, Refusal::UnknownToken)]);
    assert_eq!(refusals(&net, true), [(Some(1), Refusal::PeerReset)]);
}
