//! MPTCP over two paths under loss, failure and recovery: conservation (every byte once, in
//! order), reinjection, re-joining, the shared receive buffer, backup subflows, ADD_ADDR.

mod mputil;

use mptcp_model::mptcp::{FailReason, MptcpConfig, MptcpEventKind, SubflowState};
use mptcp_model::wire::mptcp::{AddAddrKind, MptcpOption};
use mputil::*;
use sim_core::{Bandwidth, Instant};
use std::cell::Cell;
use std::rc::Rc;

fn ms(v: u64) -> Instant {
    Instant::from_millis(v)
}

/// Checks at every step that the receiver's application has read exactly what the data
/// ACK says was delivered (in order, never more than sent).
fn watch_delivery(net: &mut Net, total: u64) {
    net.on_step = Box::new(move |_, srv| {
        let read = srv.app_bytes_read(FLOW);
        assert!(read <= total);
        if let Some(c) = srv.mptcp_connection(FLOW) {
            assert_eq!(c.app_bytes_read(), read);
        }
    });
}

#[test]
fn lossy_paths_deliver_every_byte_once() {
    for seed in 1..=6u64 {
        let total = 400_000 + seed * 37_111;
        let mut net = Net::new(seed, 8, 25, MptcpConfig::default(), total, seed % 2 == 0);
        net.paths[0].loss = 0.02;
        net.paths[1].loss = 0.05;
        for p in &mut net.paths {
            p.rate = Some(Bandwidth::from_mbps(10));
        }
        net.run_until(Instant::from_secs(120));
        let (snd, rcv) = if seed % 2 == 0 {
            (&net.client, &net.server)
        } else {
            (&net.server, &net.client)
        };
        assert_eq!(rcv.app_bytes_read(FLOW), total, "seed {seed}");
        assert_eq!(snd.app_bytes_written(FLOW), total, "seed {seed}");
        let st = snd.mptcp_stats(FLOW).unwrap();
        let rst = rcv.mptcp_stats(FLOW).unwrap();
        assert_eq!(st.data_bytes_acked, total, "seed {seed}");
        assert_eq!(rst.data_bytes_delivered, total, "seed {seed}");
        assert_eq!(rst.ooo_bytes, 0);
        assert!(
            st.completed_at.is_some() && rst.completed_at.is_some(),
            "seed {seed}"
        );
        assert!(
            st.subflows.iter().all(|s| s.data_bytes_sent > 0),
            "seed {seed}"
        );
        // Subflow payload = first transmissions + subflow retransmissions; data level
        // counts each mapping once.
        let carried: u64 = st.subflows.iter().map(|s| s.data_bytes_sent).sum();
        let rtx: u64 = st.subflows.iter().map(|s| s.tcp.bytes_retransmitted).sum();
        assert_eq!(carried - rtx, st.data_bytes_sent, "seed {seed}");
    }
}

#[test]
fn failed_path_is_reinjected_and_rejoined() {
    let total = 6_000_000;
    let mut net = Net::new(11, 10, 20, MptcpConfig::default(), total, true);
    for p in &mut net.paths {
        p.rate = Some(Bandwidth::from_mbps(8));
    }
    watch_delivery(&mut net, total);
    net.run_until(ms(1_500));
    let before = net.stats(true);
    assert!(before.subflows[1].data_bytes_sent > 0);
    assert!(net.server.app_bytes_read(FLOW) < total);
    // Path 1 fails (both ways) while it has data in flight.
    assert!(before.subflows[1].tcp.bytes_in_flight > 0);
    net.set_path(1, false);
    let st = net.stats(true);
    assert_eq!(st.subflows[1].state, SubflowState::Failed);
    assert!(
        st.reinjected_bytes == 0,
        "reinjection is done as data is scheduled"
    );
    net.run_until(ms(2_500));
    let mid = net.stats(true);
    assert!(mid.reinjected_bytes > 0, "{mid:?}");
    let read_mid = net.server.app_bytes_read(FLOW);
    assert!(read_mid > before.data_bytes_acked);
    // It comes back: a new subflow joins on it and carries data again.
    net.set_path(1, true);
    net.run_until(Instant::from_secs(40));
    let end = net.stats(true);
    assert_eq!(net.server.app_bytes_read(FLOW), total);
    assert!(end.completed_at.is_some());
    assert_eq!(end.subflows.len(), 3, "{:?}", end.subflows);
    assert_eq!(end.subflows[1].state, SubflowState::Failed);
    assert!(end.subflows[2].data_bytes_sent > 0);
    assert_eq!(end.subflows[2].id.local.addr, c(1));
    assert_eq!(
        end.subflows[2].id.recreated_from,
        Some(1),
        "re-creates subflow 1"
    );
    assert_eq!(end.subflows[0].id.recreated_from, None);
    // In order: subflow 1 fails, its data goes to subflow 0, subflow 2 re-joins.
    let ev = net.mptcp_events(true);
    let failed = ev.iter().position(|e| {
        *e == (
            Some(1),
            MptcpEventKind::SubflowFailed(FailReason::InterfaceDown),
        )
    });
    let reinjected = ev.iter().position(|e| {
        matches!(
            e,
            (
                Some(0),
                MptcpEventKind::Reinjected {
                    from: Some(1),
                    opportunistic: false,
                    ..
                }
            )
        )
    });
    let rejoined = (ev.iter()).position(|e| *e == (Some(2), MptcpEventKind::SubflowEstablished));
    assert!(
        failed.is_some() && failed < reinjected && reinjected < rejoined,
        "{ev:?}"
    );
    let bytes: u64 = ev
        .iter()
        .map(|e| match e.1 {
            MptcpEventKind::Reinjected { bytes, .. } => bytes,
            _ => 0,
        })
        .sum();
    assert_eq!(
        bytes, end.reinjected_bytes,
        "every reinjected byte is reported"
    );
}

#[test]
fn initial_subflow_path_failing_is_survived() {
    let total = 8_000_000;
    let mut net = Net::new(12, 10, 20, MptcpConfig::default(), total, false);
    for p in &mut net.paths {
        p.rate = Some(Bandwidth::from_mbps(8));
    }
    net.run_until(ms(800));
    net.set_path(0, false);
    net.run_until(ms(4_000));
    assert!(net.client.app_bytes_read(FLOW) < total);
    net.set_path(0, true);
    net.run_until(Instant::from_secs(40));
    assert_eq!(net.client.app_bytes_read(FLOW), total);
    let st = net.stats(false);
    assert!(st.completed_at.is_some());
    assert!(
        st.reinjected_bytes > 0,
        "the server reinjects after its RTO"
    );
    let cst = net.stats(true);
    assert_eq!(cst.subflows[0].state, SubflowState::Failed);
    assert_eq!(cst.subflows.len(), 3);
    assert_eq!(cst.subflows[2].id.local.addr, c(0));
}

#[test]
fn small_shared_receive_buffer_bounds_data_in_flight() {
    let total = 1_000_000;
    let cfg = MptcpConfig {
        rcv_buf: 30_000,
        ..MptcpConfig::default()
    };
    let mut net = Net::new(13, 10, 30, cfg, total, true);
    for p in &mut net.paths {
        p.rate = Some(Bandwidth::from_mbps(20));
    }
    let max_seen = Rc::new(Cell::new(0u64));
    let seen = max_seen.clone();
    net.on_step = Box::new(move |cli, srv| {
        let c = cli.mptcp_connection(FLOW).unwrap();
        let f = c.data_in_flight();
        assert!(f <= 30_000, "data in flight {f}");
        seen.set(seen.get().max(f));
        if let Some(s) = srv.mptcp_stats(FLOW) {
            assert!(s.ooo_bytes <= 30_000);
        }
    });
    net.run_until(Instant::from_secs(30));
    assert_eq!(net.server.app_bytes_read(FLOW), total);
    assert!(
        max_seen.get() > 25_000,
        "the window was used: {}",
        max_seen.get()
    );
    assert_eq!(net.stats(true).peer_window, 30_000);
}

#[test]
fn backup_subflow_only_when_the_other_fails() {
    let total = 3_000_000;
    let mut net = Net::build(
        14,
        [20, 5],
        MptcpConfig::default(),
        total,
        true,
        [false, true],
        false,
    );
    for p in &mut net.paths {
        p.rate = Some(Bandwidth::from_mbps(8));
    }
    net.run_until(ms(1_000));
    let st = net.stats(true);
    assert!(st.subflows[1].backup);
    assert_eq!(st.subflows[1].state, SubflowState::Established);
    assert_eq!(st.subflows[1].data_bytes_sent, 0, "lower RTT but backup");
    net.set_path(0, false);
    net.run_until(Instant::from_secs(30));
    let st = net.stats(true);
    assert!(st.subflows[1].data_bytes_sent > 0);
    assert_eq!(net.server.app_bytes_read(FLOW), total);
    // The backup flag travels in the MP_JOIN SYN.
    assert!(net
        .log
        .iter()
        .any(|r| r.pkt.header.options.mptcp.iter().any(|o| matches!(
            o,
            MptcpOption::Join(mptcp_model::wire::mptcp::JoinRepr::Syn { backup: true, .. })
        ))));
}

#[test]
fn min_rtt_prefers_the_faster_path() {
    let total = 200_000;
    let mut net = Net::new(15, 40, 5, MptcpConfig::default(), total, true);
    net.run_until(Instant::from_secs(10));
    let st = net.stats(true);
    assert_eq!(net.server.app_bytes_read(FLOW), total);
    // The initial subflow (40 ms) sends its initial window before the join is usable;
    // afterwards the 5 ms subflow carries most.
    assert!(
        st.subflows[1].data_bytes_sent > st.subflows[0].data_bytes_sent,
        "{st:?}"
    );
}

#[test]
fn add_addr_is_verified_echoed_and_joined() {
    let total = 2_000_000;
    let mut net = Net::build(
        16,
        [10, 15],
        MptcpConfig::default(),
        total,
        true,
        [false, false],
        true,
    );
    net.run_until(Instant::from_secs(30));
    assert_eq!(net.server.app_bytes_read(FLOW), total);
    let st = net.stats(true);
    let pairs: Vec<_> = st
        .subflows
        .iter()
        .map(|s| (s.id.local.addr, s.id.remote.addr))
        .collect();
    assert_eq!(pairs.len(), 4, "{pairs:?}");
    for (l, r) in [(c(0), s(0)), (c(0), s(1)), (c(1), s(0)), (c(1), s(1))] {
        assert!(pairs.contains(&(l, r)), "{l} -> {r}");
    }
    let sc = net.server.mptcp_connection(FLOW).unwrap();
    let cc = net.client.mptcp_connection(FLOW).unwrap();
    let ann = net
        .log
        .iter()
        .find_map(|r| {
            r.pkt.header.options.mptcp.iter().find_map(|o| match o {
                MptcpOption::AddAddr(a) if matches!(a.kind, AddAddrKind::V1 { .. }) => Some(*a),
                _ => None,
            })
        })
        .unwrap();
    assert!(ann.verify_hmac(sc.local_key(), cc.local_key()));
    assert!(net.log.iter().any(|r| r.to_server
        && r.pkt.header.options.mptcp.iter().any(|o| matches!(
            o,
            MptcpOption::AddAddr(a) if a.kind == AddAddrKind::V1Echo
        ))));
    let ev = net.mptcp_events(true);
    let learnt = MptcpEventKind::AddAddrReceived {
        id: 1,
        addr: s(1),
        echo: false,
    };
    assert!(ev.iter().any(|e| e.1 == learnt), "{ev:?}");
    let echoed = MptcpEventKind::AddAddrSent {
        id: 1,
        addr: s(1),
        echo: true,
    };
    assert!(ev.iter().any(|e| e.1 == echoed), "{ev:?}");
}

#[test]
fn add_addr_with_a_bad_hmac_is_ignored() {
    let mut net = Net::build(
        17,
        [10, 15],
        MptcpConfig::default(),
        300_000,
        true,
        [false, false],
        true,
    );
    net.mutate = Box::new(|p, _| {
        let mut list = mptcp_model::wire::tcp_options::MptcpList::new();
        for o in p.header.options.mptcp.iter() {
            let mut o = *o;
            if let MptcpOption::AddAddr(a) = &mut o {
                if let AddAddrKind::V1 { hmac } = &mut a.kind {
                    *hmac ^= 1;
                }
            }
            list.push(o);
        }
        p.header.options.mptcp = list;
    });
    net.run_until(Instant::from_secs(30));
    assert_eq!(net.server.app_bytes_read(FLOW), 300_000);
    let st = net.stats(true);
    assert_eq!(st.subflows.len(), 2, "S1 never learnt");
    assert!(st.subflows.iter().all(|sf| sf.id.remote.addr == s(0)));
}

#[test]
fn prefetch_hints_change_nothing() {
    // The engine hints a host before each call in a large network (`HostStack::prefetch`):
    // the host then prefetches the connection and subflow the packet reaches. Hinting both
    // hosts before every step gives the same packets, at the same instants, the same events
    // and statistics as never hinting.
    let run = |hint: bool| {
        let mut net = Net::new(4, 8, 25, MptcpConfig::default(), 600_000, true);
        net.paths[0].loss = 0.02;
        net.paths[1].loss = 0.05;
        for p in &mut net.paths {
            p.rate = Some(Bandwidth::from_mbps(10));
        }
        if hint {
            net.on_step = Box::new(|cli, srv| {
                cli.prefetch();
                srv.prefetch();
            });
        }
        net.run_until(Instant::from_secs(60));
        assert_eq!(net.server.app_bytes_read(FLOW), 600_000);
        format!(
            "{:?} {:?} {:?} {:?} {:?}",
            net.log,
            net.client_events,
            net.server_events,
            net.stats(true),
            net.stats(false)
        )
    };
    assert_eq!(run(true), run(false));
}
