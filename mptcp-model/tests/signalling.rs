//! Address signalling (RFC 8684 §3.4): an interface going down is withdrawn with REMOVE_ADDR
//! and the peer closes the matching subflow at once; endpoints deleted and added at run time;
//! ADD_ADDR retransmitted until echoed (at most `ADD_ADDR_RETRANS_MAX` times); the in-kernel
//! path manager joins the first address again when it returns. Exact event order, instants
//! and `MPTcpExt` counters.

mod mputil;

use mptcp_model::event::Event;
use mptcp_model::host::EndpointChange;
use mptcp_model::mptcp::pm::InKernel;
use mptcp_model::mptcp::{
    EndpointFlags, FailReason, MptcpConfig, MptcpEventKind, PathManagerKind, SubflowState,
};
use mptcp_model::tcp::TcpEvent;
use mptcp_model::wire::mptcp::{AddAddrKind, MptcpOption, RemoveAddrRepr, ResetReason};
use mputil::*;
use sim_core::{Bandwidth, Duration, Instant};

fn ms(v: u64) -> Instant {
    Instant::from_millis(v)
}

fn rm(ids: &[u8]) -> RemoveAddrRepr {
    RemoveAddrRepr::new(ids).unwrap()
}

/// A download over paths of 10 and 20 ms at 8 Mbit/s.
fn download(seed: u64, total: u64) -> Net {
    let mut net = Net::new(seed, 10, 20, MptcpConfig::default(), total, false);
    for p in &mut net.paths {
        p.rate = Some(Bandwidth::from_mbps(8));
    }
    net
}

/// The arrival at the server of the first client packet carrying a REMOVE_ADDR.
fn remove_addr_arrival(net: &Net) -> (Instant, usize) {
    let r = (net.log.iter())
        .find(|r| {
            r.to_server
                && (r.pkt.header.options.mptcp.iter())
                    .any(|o| matches!(o, MptcpOption::RemoveAddr(_)))
        })
        .expect("a REMOVE_ADDR was sent");
    (r.arrival.expect("delivered"), r.path)
}

#[test]
fn interface_down_is_withdrawn_and_the_peer_closes_the_subflow_at_once() {
    let total = 4_000_000;
    let mut net = download(31, total);
    net.run_until(ms(1_500));
    let before = net.stats(false);
    assert!(
        before.subflows[1].tcp.bytes_in_flight > 0,
        "data in flight on path 1"
    );
    let t = ms(1_500);
    net.set_path(1, false);
    net.run_until(Instant::from_secs(30));
    assert_eq!(net.client.app_bytes_read(FLOW), total);
    // The client: subflow 1 fails; the REMOVE_ADDR for its address id (1) leaves at once on
    // subflow 0, on a pure ACK.
    let ev = net.events_since(true, t);
    assert_eq!(
        ev[..2],
        [
            (
                t,
                Some(1),
                MptcpEventKind::SubflowFailed(FailReason::InterfaceDown)
            ),
            (t, Some(0), MptcpEventKind::RemoveAddrSent(rm(&[1]))),
        ]
    );
    // The server, one path-0 delay later: it resets subflow 1 (the RST is lost on the dead
    // path) and reinjects its data on subflow 0 in the same instant.
    let (arrival, path) = remove_addr_arrival(&net);
    assert_eq!(path, 0);
    assert!(arrival - t < Duration::from_millis(11), "{arrival}");
    let sev = net.events_since(false, t);
    assert_eq!(
        sev[..3],
        [
            (
                arrival,
                Some(0),
                MptcpEventKind::RemoveAddrReceived(rm(&[1]))
            ),
            (
                arrival,
                Some(1),
                MptcpEventKind::SubflowFailed(FailReason::AddressRemoved)
            ),
            (
                arrival,
                Some(1),
                MptcpEventKind::ResetSent {
                    reason: ResetReason::Unspecified
                }
            ),
        ]
    );
    let reinjections: Vec<_> = (sev.iter())
        .filter(|e| matches!(e.2, MptcpEventKind::Reinjected { from: Some(1), .. }))
        .collect();
    assert!(!reinjections.is_empty());
    assert_eq!(reinjections[0].0, arrival, "reinjected at once");
    // No retransmission timeout on the dead subflow after the failure, at either end.
    let rto_after = |evs: &[mptcp_model::host::FlowEvent]| {
        evs.iter().any(|e| {
            e.at >= t
                && e.subflow.is_some_and(|s| s.number == 1)
                && matches!(e.event, Event::Tcp(TcpEvent::RtoFired { .. }))
        })
    };
    assert!(!rto_after(&net.server_events) && !rto_after(&net.client_events));
    let st = net.stats(false);
    assert_eq!(st.subflows[1].state, SubflowState::Closed);
    // Counters (nstat MPTcpExt).
    let retrans = sev
        .iter()
        .filter(|e| matches!(e.2, MptcpEventKind::Reinjected { .. }))
        .count() as u64;
    let client = net.mib(true);
    let server = net.mib(false);
    let get = |m: &[(&str, u64)], k: &str| m.iter().find(|x| x.0 == k).map_or(0, |x| x.1);
    for (k, v) in [
        ("MPCapableSYNTX", 1),
        ("MPCapableSYNACKRX", 1),
        ("MPJoinSynTx", 1),
        ("MPJoinSynAckRx", 1),
        ("RmAddrTx", 1),
        ("RmSubflow", 1),
        ("RmAddr", 0),
        ("MPRstRx", 0),
    ] {
        assert_eq!(get(&client, k), v, "client {k}: {client:?}");
    }
    for (k, v) in [
        ("MPCapableSYNRX", 1),
        ("MPCapableACKRX", 1),
        ("MPJoinSynRx", 1),
        ("MPJoinAckRx", 1),
        ("RmAddr", 1),
        ("RmAddrTx", 0),
        ("MPRstTx", 1),
        ("MPTCPRetrans", retrans),
    ] {
        assert_eq!(get(&server, k), v, "server {k}: {server:?}");
    }
}

#[test]
fn deleting_an_endpoint_resets_its_subflow_and_re_adding_it_joins_again() {
    let total = 6_000_000;
    let mut net = download(32, total);
    let flags = EndpointFlags {
        subflow: true,
        ..EndpointFlags::default()
    };
    net.client
        .schedule_endpoint(ms(1_000), c(1), EndpointChange::Delete);
    net.client
        .schedule_endpoint(ms(2_000), c(1), EndpointChange::Add(flags));
    net.run_until(Instant::from_secs(40));
    assert_eq!(net.client.app_bytes_read(FLOW), total);
    // The interface is up: the RST with MP_TCPRST reaches the server on path 1, 20 ms
    // later; the REMOVE_ADDR, on path 0, gets there first.
    let ev = net.events_since(true, ms(1_000));
    let reset = MptcpEventKind::ResetSent {
        reason: ResetReason::Unspecified,
    };
    assert_eq!(
        ev[..3],
        [
            (
                ms(1_000),
                Some(1),
                MptcpEventKind::SubflowFailed(FailReason::EndpointRemoved)
            ),
            (ms(1_000), Some(1), reset),
            (ms(1_000), Some(0), MptcpEventKind::RemoveAddrSent(rm(&[1]))),
        ]
    );
    let sev = net.events_since(false, ms(1_000));
    let kinds: Vec<_> = sev.iter().map(|e| (e.1, e.2)).take(3).collect();
    assert_eq!(
        kinds,
        [
            (Some(0), MptcpEventKind::RemoveAddrReceived(rm(&[1]))),
            (
                Some(1),
                MptcpEventKind::SubflowFailed(FailReason::AddressRemoved)
            ),
            (Some(1), reset),
        ]
    );
    // Re-added at 2 s: a new subflow from the same address, re-creating subflow 1.
    let cst = net.stats(true);
    assert_eq!(cst.subflows.len(), 3);
    assert_eq!(cst.subflows[2].id.local.addr, c(1));
    assert_eq!(cst.subflows[2].id.recreated_from, Some(1));
    assert!(
        cst.subflows[2].data_bytes_sent > 0 || net.stats(false).subflows[2].data_bytes_sent > 0
    );
    let opened = (ev.iter()).find(|e| e.1 == Some(2) && e.2 == MptcpEventKind::SubflowOpened);
    assert_eq!(opened.map(|e| e.0), Some(ms(2_000)));
    let get = |m: &[(&str, u64)], k: &str| m.iter().find(|x| x.0 == k).map_or(0, |x| x.1);
    let (client, server) = (net.mib(true), net.mib(false));
    assert_eq!(get(&client, "MPJoinSynTx"), 2, "{client:?}");
    assert_eq!(get(&client, "RmSubflow"), 1);
    assert_eq!(get(&client, "RmAddrTx"), 1);
    assert_eq!(get(&client, "MPRstTx"), 1);
    assert_eq!(get(&server, "RmAddr"), 1, "{server:?}");
    assert_eq!(get(&server, "MPJoinAckRx"), 2);
    // The server's reset of its subflow 1; segments still in flight to a closed subflow
    // are answered by plain RSTs (no socket, no MP_TCPRST), not counted.
    assert_eq!(get(&server, "MPRstTx"), 1);
    assert_eq!(
        get(&server, "MPRstRx"),
        0,
        "the REMOVE_ADDR got there first"
    );
}

#[test]
fn add_addr_is_retransmitted_until_echoed_at_most_three_times() {
    // The client's echoes are dropped (as the selftest's "ADD_ADDR timeout" iptables rule):
    // the server sends the ADD_ADDR 1 + 3 times, `add_addr_timeout` apart; the client
    // accepts the first and joins the address.
    let cfg = MptcpConfig {
        add_addr_timeout: Duration::from_secs(1),
        ..MptcpConfig::default()
    };
    let mut net = Net::build(33, [10, 15], cfg, 8_000_000, true, [false, false], true);
    for p in &mut net.paths {
        p.rate = Some(Bandwidth::from_mbps(8));
    }
    net.drop_if = Box::new(|p, to_server| {
        to_server
            && p.header
                .options
                .mptcp
                .iter()
                .any(|o| matches!(o, MptcpOption::AddAddr(a) if a.kind == AddAddrKind::V1Echo))
    });
    net.run_until(Instant::from_secs(30));
    let sent: Vec<Instant> = (net.log.iter())
        .filter(|r| {
            !r.to_server
                && r.pkt.header.options.mptcp.iter().any(|o| {
                    matches!(o, MptcpOption::AddAddr(a) if matches!(a.kind, AddAddrKind::V1 { .. }))
                })
        })
        .map(|r| r.t)
        .collect();
    assert_eq!(sent.len(), 4, "{sent:?}");
    for w in sent.windows(2) {
        assert_eq!(w[1] - w[0], Duration::from_secs(1));
    }
    let get = |m: &[(&str, u64)], k: &str| m.iter().find(|x| x.0 == k).map_or(0, |x| x.1);
    let (client, server) = (net.mib(true), net.mib(false));
    assert_eq!(get(&server, "AddAddrTx"), 4, "{server:?}");
    assert_eq!(get(&server, "EchoAdd"), 0);
    assert_eq!(get(&client, "AddAddr"), 4, "{client:?} {sent:?}");
    assert_eq!(get(&client, "EchoAddTx"), 4);
    // The address was learnt at the first one: subflows to S1 were joined.
    let st = net.stats(true);
    assert!(st.subflows.iter().any(|sf| sf.id.remote.addr == s(1)));
}

#[test]
fn in_kernel_pm_joins_the_first_address_again_when_it_returns() {
    let pm = InKernel {
        subflows: 2,
        add_addr_accepted: 0,
        subflow_mask: 0b10,
        fullmesh_mask: 0,
    };
    let cfg = MptcpConfig {
        path_manager: PathManagerKind::InKernel(pm),
        ..MptcpConfig::default()
    };
    let total = 8_000_000;
    let mut net = Net::new(34, 10, 20, cfg, total, false);
    for p in &mut net.paths {
        p.rate = Some(Bandwidth::from_mbps(8));
    }
    net.run_until(ms(800));
    net.set_path(0, false);
    net.run_until(ms(2_000));
    net.set_path(0, true);
    net.run_until(Instant::from_secs(40));
    assert_eq!(net.client.app_bytes_read(FLOW), total);
    let st = net.stats(true);
    let pairs: Vec<_> = (st.subflows.iter())
        .map(|s| (s.id.local.addr, s.state))
        .collect();
    assert_eq!(pairs.len(), 3, "{pairs:?}");
    assert_eq!(st.subflows[2].id.local.addr, c(0), "{pairs:?}");
    assert_eq!(st.subflows[2].id.recreated_from, Some(0));
    // The server learnt of the loss from the REMOVE_ADDR for id 0 on subflow 1, and the
    // re-created subflow 2 carries address id 0 again.
    let (arrival, path) = remove_addr_arrival(&net);
    assert_eq!(path, 1);
    let sev = net.events_since(false, ms(800));
    assert_eq!(
        sev[..2],
        [
            (
                arrival,
                Some(1),
                MptcpEventKind::RemoveAddrReceived(rm(&[0]))
            ),
            (
                arrival,
                Some(0),
                MptcpEventKind::SubflowFailed(FailReason::AddressRemoved)
            ),
        ]
    );
}
