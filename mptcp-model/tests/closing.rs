//! Closing (RFC 8684 §3.3.3, §3.5): DATA_FIN on every usable subflow; a connection whose
//! subflow died silently still closes (the close timeout fast-closes the subflow whose FIN is
//! never acknowledged); MP_FASTCLOSE when an application aborts, answered by tearing the
//! whole connection down. Exact event order, instants and counters.

mod mputil;

use mptcp_model::mptcp::{MptcpConfig, MptcpEventKind, SubflowState};
use mputil::*;
use sim_core::{Bandwidth, Duration, Instant};

fn ms(v: u64) -> Instant {
    Instant::from_millis(v)
}

fn counter(m: &[(&str, u64)], k: &str) -> u64 {
    m.iter().find(|x| x.0 == k).map_or(0, |x| x.1)
}

/// An upload over paths of 10 and 20 ms at 8 Mbit/s.
fn upload(seed: u64, total: u64) -> Net {
    let mut net = Net::new(seed, 10, 20, MptcpConfig::default(), total, true);
    for p in &mut net.paths {
        p.rate = Some(Bandwidth::from_mbps(8));
    }
    net
}

#[test]
fn data_fin_goes_out_on_every_usable_subflow() {
    let total = 1_000_000;
    let mut net = upload(41, total);
    net.run_until(Instant::from_secs(30));
    assert_eq!(net.server.app_bytes_read(FLOW), total);
    let ev = net.events_since(true, Instant::ZERO);
    let fins: Vec<_> = (ev.iter())
        .filter(|e| matches!(e.2, MptcpEventKind::DataFinSent { .. }))
        .collect();
    assert_eq!(fins.len(), 2, "{fins:?}");
    assert_eq!((fins[0].1, fins[1].1), (Some(0), Some(1)));
    assert_eq!(fins[0].0, fins[1].0, "at the same instant");
    let received = (net.events_since(false, Instant::ZERO).into_iter())
        .filter(|e| matches!(e.2, MptcpEventKind::DataFinReceived { .. }))
        .count();
    assert_eq!(received, 2);
    for client in [true, false] {
        let st = net.stats(client);
        assert!(st.completed_at.is_some());
        assert!(st.subflows.iter().all(|s| s.state == SubflowState::Closed));
        let c = if client { &net.client } else { &net.server };
        assert!(c.mptcp_connection(FLOW).unwrap().is_closed());
    }
}

#[test]
fn a_silently_dead_subflow_does_not_keep_the_connection_open() {
    // Path 1 dies without either host noticing (a black hole). The DATA_FIN still gets
    // through on path 0; the subflows of path 1 never see their FINs acknowledged and are
    // fast-closed 60 s (the close timeout) after completion.
    let total = 2_000_000;
    let mut net = upload(42, total);
    net.run_until(ms(500));
    net.paths[1].up = false;
    net.run_until(Instant::from_secs(100));
    assert_eq!(net.server.app_bytes_read(FLOW), total);
    for client in [true, false] {
        let st = net.stats(client);
        let done = st.completed_at.expect("completes");
        assert!(done < Instant::from_secs(10), "{done}");
        let ev = net.events_since(client, done);
        let closed = MptcpEventKind::FastClosed {
            by_peer: false,
            close_timeout: true,
        };
        let at = done + Duration::from_secs(60);
        assert!(
            ev.contains(&(at, Some(1), MptcpEventKind::FastCloseSent)),
            "{ev:?}"
        );
        assert!(ev.contains(&(at, None, closed)), "{ev:?}");
        assert!(!ev
            .iter()
            .any(|e| e.1 == Some(0) && e.2 == MptcpEventKind::FastCloseSent));
        let c = if client { &net.client } else { &net.server };
        assert!(c.mptcp_connection(FLOW).unwrap().is_closed());
        let m = net.mib(client);
        assert_eq!(counter(&m, "MPFastcloseTx"), 1, "{m:?}");
        assert_eq!(counter(&m, "MPFastcloseRx"), 0, "the RST is lost on path 1");
    }
    // Nothing but the black hole's losses: the last packet leaves at the fast close.
    let last = net.log.last().unwrap();
    assert!(last.pkt.header.flags.rst() && last.dropped);
}

#[test]
fn an_application_abort_fast_closes_both_ends() {
    let total = 20_000_000;
    let mut net = upload(43, total);
    net.client.schedule_abort(ms(1_000), FLOW);
    net.run_until(Instant::from_secs(10));
    assert!(net.server.app_bytes_read(FLOW) < total);
    let ev = net.events_since(true, ms(1_000));
    let ours = MptcpEventKind::FastClosed {
        by_peer: false,
        close_timeout: false,
    };
    assert_eq!(
        ev,
        [
            (ms(1_000), Some(0), MptcpEventKind::FastCloseSent),
            (ms(1_000), Some(1), MptcpEventKind::FastCloseSent),
            (ms(1_000), None, ours),
        ]
    );
    // The first RST to arrive (on path 1: path 0 is queued up with data) tears the
    // server's connection down; the other finds its subflow gone.
    let sev = net.events_since(false, ms(1_000));
    let first = (net.log.iter())
        .filter(|r| r.to_server && r.pkt.header.flags.rst())
        .min_by_key(|r| r.arrival)
        .unwrap();
    let arrival = first.arrival.unwrap();
    let sf = Some(first.path as u32);
    let theirs = MptcpEventKind::FastClosed {
        by_peer: true,
        close_timeout: false,
    };
    let tail: Vec<_> = sev.iter().filter(|e| e.0 >= arrival).copied().collect();
    assert_eq!(
        tail,
        [
            (arrival, sf, MptcpEventKind::FastCloseReceived),
            (arrival, None, theirs),
        ]
    );
    assert!(net.client.mptcp_connection(FLOW).unwrap().is_closed());
    assert!(net.server.mptcp_connection(FLOW).unwrap().is_closed());
    // mptcp_join.sh "fastclose test": chk_fclose_nr 1 1, chk_rst_nr 1 1 invert (here two
    // subflows: two sent, the first one received).
    let (c, s) = (net.mib(true), net.mib(false));
    assert_eq!(
        (counter(&c, "MPFastcloseTx"), counter(&c, "MPRstTx")),
        (2, 2),
        "{c:?}"
    );
    assert_eq!(
        (counter(&s, "MPFastcloseRx"), counter(&s, "MPRstRx")),
        (1, 1),
        "{s:?}"
    );
    // Nothing is sent after the abort but the two RSTs and the RSTs answering segments
    // still in flight to the gone subflows.
    assert!(net
        .log
        .iter()
        .filter(|r| r.t > ms(1_000) && r.to_server)
        .all(|r| r.pkt.header.flags.rst()));
}
