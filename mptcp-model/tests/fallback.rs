//! DSS checksums (RFC 8684 §3.3.1), MP_FAIL and fallback to TCP (§3.7): negotiation, a
//! payload octet rewritten on the way on the only subflow (infinite mapping) and on a join
//! (MP_FAIL + MP_TCPRST), a peer without MPTCP, MP_CAPABLE stripped from the SYN-ACK or the
//! third ACK, MPTCP options stripped from data. Exact events and counters, as the upstream
//! selftests (`mptcp_join.sh` "Infinite map", "MP_FAIL MP_RST") check them.

mod mputil;

use mptcp_model::mptcp::{
    FailReason, FallbackReason, MptcpConfig, MptcpEventKind, PathManagerKind, SubflowState,
};
use mptcp_model::wire::mptcp::{CapableForm, MptcpOption, ResetReason};
use mptcp_model::wire::tcp::PayloadRewrite;
use mptcp_model::wire::tcp_options::MptcpList;
use mptcp_model::wire::TcpHeader;
use mputil::*;
use sim_core::{Bandwidth, Instant};
use std::cell::Cell;
use std::rc::Rc;

fn counter(m: &[(&str, u64)], k: &str) -> u64 {
    m.iter().find(|x| x.0 == k).map_or(0, |x| x.1)
}

fn rate(net: &mut Net) {
    for p in &mut net.paths {
        p.rate = Some(Bandwidth::from_mbps(8));
    }
}

fn checksums(max_subflows: u8) -> MptcpConfig {
    MptcpConfig {
        checksum: true,
        path_manager: PathManagerKind::FullMesh { max_subflows },
        ..MptcpConfig::default()
    }
}

/// Rewrites octet 100 of the payload of the `nth` data segment to the server on `path`.
fn rewrite_nth_data(net: &mut Net, nth: u32, path: usize) -> Rc<Cell<Option<u64>>> {
    let seen = Rc::new(Cell::new(0u32));
    let rewritten = Rc::new(Cell::new(None));
    let out = rewritten.clone();
    net.mutate = Box::new(move |p, to_server| {
        let on_path = usize::from(p.src == c(1)) == path;
        if to_server && on_path && p.header.payload_len > 200 {
            seen.set(seen.get() + 1);
            if seen.get() == nth {
                p.header.payload_rewrite = Some(PayloadRewrite {
                    offset: 100,
                    mask: 0xff,
                });
                let dsn = p.header.options.mptcp.iter().find_map(|o| match o {
                    MptcpOption::Dss(d) => d.mapping.map(|m| m.dsn.value()),
                    _ => None,
                });
                out.set(dsn);
            }
        }
    });
    rewritten
}

/// Removes every MPTCP option of the packets `strip` selects.
fn strip(h: &mut TcpHeader) {
    h.options.mptcp = MptcpList::new();
}

#[test]
fn checksums_are_used_when_either_end_asks() {
    let server = MptcpConfig::default();
    let mut net = Net::new(51, 10, 20, checksums(8), 500_000, true);
    // Only the client asks (the `A` flag of its SYN); the server follows.
    let _ = server;
    net.run_until(Instant::from_secs(20));
    assert_eq!(net.server.app_bytes_read(FLOW), 500_000);
    let with_sum = |to_server: bool| {
        (net.log.iter())
            .filter(|r| r.to_server == to_server && r.pkt.header.payload_len > 0)
            .all(|r| {
                r.pkt.header.options.mptcp.iter().any(|o| match o {
                    MptcpOption::Dss(d) => d.mapping.is_some_and(|m| m.checksum.is_some()),
                    MptcpOption::Capable(cp) => {
                        matches!(
                            cp.form,
                            CapableForm::WithData {
                                checksum: Some(_),
                                ..
                            }
                        )
                    }
                    _ => false,
                })
            })
    };
    assert!(with_sum(true), "every data segment carries its checksum");
    // (The harness checks each one against the payload octets.)
    assert_eq!(counter(&net.mib(false), "DataCsumErr"), 0);
}

#[test]
fn a_rewritten_payload_on_the_only_subflow_falls_back_with_an_infinite_mapping() {
    // mptcp_join.sh "Infinite map": chk_join_nr 0 0 0 +1 +0 1 0 1; chk_fail_nr 1 -1 invert.
    let total = 2_000_000;
    let mut net = Net::new(52, 10, 20, checksums(1), total, true);
    rate(&mut net);
    let failed = rewrite_nth_data(&mut net, 20, 0);
    net.run_until(Instant::from_secs(30));
    let dsn = failed.get().expect("a segment was rewritten");
    // Every byte arrives (the rewritten one too, as Linux delivers it) and the connection
    // completes as TCP.
    assert_eq!(net.server.app_bytes_read(FLOW), total);
    for client in [true, false] {
        let st = net.stats(client);
        assert!(st.completed_at.is_some(), "client {client}");
        assert_eq!(st.subflows.len(), 1);
    }
    let sev: Vec<_> = (net.events_since(false, Instant::ZERO).into_iter())
        .map(|e| (e.1, e.2))
        .filter(|e| {
            matches!(
                e.1,
                MptcpEventKind::ChecksumFailed { .. }
                    | MptcpEventKind::FailSent { .. }
                    | MptcpEventKind::FailReceived { .. }
                    | MptcpEventKind::InfiniteMappingReceived
                    | MptcpEventKind::FellBack(_)
            )
        })
        .collect();
    assert_eq!(
        sev,
        [
            (Some(0), MptcpEventKind::ChecksumFailed { dsn }),
            (Some(0), MptcpEventKind::FailSent { dsn }),
            // The data sender's answer, on the pure ACK before its infinite mapping.
            (Some(0), MptcpEventKind::FailReceived { dsn }),
            (Some(0), MptcpEventKind::InfiniteMappingReceived),
            (
                Some(0),
                MptcpEventKind::FellBack(FallbackReason::ChecksumFailure)
            ),
        ]
    );
    let cev: Vec<_> = (net.events_since(true, Instant::ZERO).into_iter())
        .map(|e| e.2)
        .filter(|e| {
            matches!(
                e,
                MptcpEventKind::FailSent { .. }
                    | MptcpEventKind::FailReceived { .. }
                    | MptcpEventKind::InfiniteMappingSent
                    | MptcpEventKind::FellBack(_)
            )
        })
        .collect();
    assert_eq!(
        cev,
        [
            MptcpEventKind::FailReceived { dsn },
            MptcpEventKind::FellBack(FallbackReason::ChecksumFailure),
            MptcpEventKind::FailSent { dsn },
            MptcpEventKind::InfiniteMappingSent,
        ]
    );
    let (c, s) = (net.mib(true), net.mib(false));
    assert_eq!(counter(&s, "DataCsumErr"), 1, "{s:?}");
    assert_eq!(counter(&c, "DataCsumErr"), 0);
    assert_eq!((counter(&s, "MPFailTx"), counter(&c, "MPFailRx")), (1, 1));
    assert_eq!(counter(&c, "MPFailTx"), 1, "the data sender answers");
    assert_eq!(counter(&s, "MPFailRx"), 1, "the selftest allows 0 or 1");
    assert_eq!(
        (counter(&c, "InfiniteMapTx"), counter(&s, "InfiniteMapRx")),
        (1, 1)
    );
    assert_eq!((counter(&c, "MPRstTx"), counter(&s, "MPRstTx")), (0, 0));
    // Once the infinite mapping has arrived no MPTCP option is sent by either end.
    let infinite = (net.log.iter())
        .find(|r| {
            (r.pkt.header.options.mptcp.iter()).any(
                |o| matches!(o, MptcpOption::Dss(d) if d.mapping.is_some_and(|m| m.data_len == 0)),
            )
        })
        .unwrap();
    let arrived = infinite.arrival.unwrap();
    let later_options = (net.log.iter())
        .filter(|r| r.t >= arrived && !r.pkt.header.options.mptcp.is_empty())
        .count();
    assert_eq!(later_options, 0);
}

#[test]
fn a_rewritten_payload_on_a_join_resets_it_with_mp_fail() {
    // mptcp_join.sh "MP_FAIL MP_RST": chk_join_nr 1 1 1 1 0 1 1 0.
    let total = 3_000_000;
    // As the selftest: limits 0 1 on both ends, the client's second address a `subflow`
    // endpoint (the in-kernel path manager does not re-create a subflow that was reset).
    let pm = mptcp_model::mptcp::pm::InKernel {
        subflows: 1,
        add_addr_accepted: 0,
        subflow_mask: 0b10,
        fullmesh_mask: 0,
    };
    let cfg = MptcpConfig {
        path_manager: PathManagerKind::InKernel(pm),
        ..checksums(8)
    };
    let mut net = Net::new(53, 10, 20, cfg, total, true);
    rate(&mut net);
    let failed = rewrite_nth_data(&mut net, 10, 1);
    net.run_until(Instant::from_secs(30));
    let dsn = failed.get().expect("a segment was rewritten");
    assert_eq!(net.server.app_bytes_read(FLOW), total);
    let st = net.stats(true);
    assert!(st.completed_at.is_some());
    assert_eq!(st.subflows[1].state, SubflowState::Closed);
    assert!(st.reinjected_bytes > 0);
    let sev: Vec<_> = (net.events_since(false, Instant::ZERO).into_iter())
        .map(|e| (e.1, e.2))
        .filter(|e| e.0 == Some(1) && !matches!(e.1, MptcpEventKind::JoinSent(_)))
        .skip_while(|e| !matches!(e.1, MptcpEventKind::ChecksumFailed { .. }))
        .take(4)
        .collect();
    let reason = ResetReason::MiddleboxInterference;
    assert_eq!(
        sev,
        [
            (Some(1), MptcpEventKind::ChecksumFailed { dsn }),
            (
                Some(1),
                MptcpEventKind::SubflowFailed(FailReason::ChecksumFailure)
            ),
            (Some(1), MptcpEventKind::FailSent { dsn }),
            (Some(1), MptcpEventKind::ResetSent { reason }),
        ]
    );
    let cev: Vec<_> = (net.events_since(true, Instant::ZERO).into_iter())
        .filter(|e| e.1 == Some(1))
        .map(|e| e.2)
        .skip_while(|e| !matches!(e, MptcpEventKind::FailReceived { .. }))
        .take(3)
        .collect();
    assert_eq!(
        cev,
        [
            MptcpEventKind::FailReceived { dsn },
            MptcpEventKind::ResetReceived {
                reason: Some(reason)
            },
            MptcpEventKind::SubflowClosed { reset: true },
        ]
    );
    let (c, s) = (net.mib(true), net.mib(false));
    assert_eq!(counter(&s, "DataCsumErr"), 1, "{s:?}");
    assert_eq!((counter(&s, "MPFailTx"), counter(&c, "MPFailRx")), (1, 1));
    assert_eq!((counter(&s, "MPRstTx"), counter(&c, "MPRstRx")), (1, 1));
    assert_eq!(
        (counter(&c, "InfiniteMapTx"), counter(&s, "InfiniteMapRx")),
        (0, 0)
    );
    assert_eq!(
        (
            counter(&s, "MPJoinSynRx"),
            counter(&c, "MPJoinSynAckRx"),
            counter(&s, "MPJoinAckRx")
        ),
        (1, 1, 1)
    );
}

#[test]
fn a_peer_without_mptcp_gets_plain_tcp() {
    let mut net = Net::new(54, 10, 20, MptcpConfig::default(), 1_000_000, true);
    // The server has MPTCP disabled (net.mptcp.enabled = 0).
    let off = MptcpConfig {
        enabled: false,
        ..MptcpConfig::default()
    };
    net.server = mptcp_model::host::HostStack::new("server", 54);
    net.server.add_mptcp_server(
        FLOW,
        mptcp_model::tcp::SocketAddr::new(s(0), PORT),
        vec![],
        off,
        mptcp_model::host::Role::Receive,
    );
    net.run_until(Instant::from_secs(20));
    assert_eq!(net.server.app_bytes_read(FLOW), 1_000_000);
    assert!(net
        .log
        .iter()
        .all(|r| r.to_server || r.pkt.header.options.mptcp.is_empty()));
    let c = net.mib(true);
    assert_eq!(counter(&c, "MPCapableFallbackSYNACK"), 1, "{c:?}");
    assert_eq!(counter(&c, "MPJoinSynTx"), 0, "no join after a fallback");
    assert!(net.mib(false).is_empty(), "{:?}", net.mib(false));
    let fell = |client| {
        (net.events_since(client, Instant::ZERO).into_iter()).find_map(|e| match e.2 {
            MptcpEventKind::FellBack(r) => Some(r),
            _ => None,
        })
    };
    assert_eq!(fell(true), Some(FallbackReason::SynAckWithoutMpCapable));
    assert_eq!(fell(false), Some(FallbackReason::NotRequested));
    for client in [true, false] {
        assert!(net.stats(client).completed_at.is_some());
    }
}

#[test]
fn mp_capable_stripped_from_the_syn_ack_falls_back_at_both_ends() {
    let mut net = Net::new(55, 10, 20, MptcpConfig::default(), 1_000_000, true);
    net.mutate = Box::new(|p, to_server| {
        if !to_server && p.header.flags.syn() {
            strip(&mut p.header);
        }
    });
    net.rewrites_options = true;
    net.run_until(Instant::from_secs(20));
    assert_eq!(net.server.app_bytes_read(FLOW), 1_000_000);
    let (c, s) = (net.mib(true), net.mib(false));
    assert_eq!(counter(&c, "MPCapableFallbackSYNACK"), 1, "{c:?}");
    // The client's third ACK has no MP_CAPABLE: the server falls back too.
    assert_eq!(counter(&s, "MPCapableFallbackACK"), 1, "{s:?}");
    assert_eq!(counter(&s, "MPCapableSYNRX"), 1);
    assert_eq!(net.stats(true).subflows.len(), 1);
    for client in [true, false] {
        assert!(net.stats(client).completed_at.is_some());
    }
}

#[test]
fn mp_capable_stripped_from_the_third_ack_falls_back_at_both_ends() {
    let mut net = Net::new(56, 10, 20, MptcpConfig::default(), 1_000_000, true);
    rate(&mut net);
    // Every MP_CAPABLE from the client after its SYN is removed (the third ACK and the
    // first data segment that repeats the keys).
    net.mutate = Box::new(|p, to_server| {
        let capable = (p.header.options.mptcp.iter())
            .any(|o| matches!(o, MptcpOption::Capable(cp) if cp.form != CapableForm::Syn));
        if to_server && capable {
            strip(&mut p.header);
        }
    });
    net.rewrites_options = true;
    net.run_until(Instant::from_secs(20));
    assert_eq!(net.server.app_bytes_read(FLOW), 1_000_000);
    let s = net.mib(false);
    assert_eq!(counter(&s, "MPCapableFallbackACK"), 1, "{s:?}");
    let fell = |client| {
        (net.events_since(client, Instant::ZERO).into_iter()).find_map(|e| match e.2 {
            MptcpEventKind::FellBack(r) => Some(r),
            _ => None,
        })
    };
    assert_eq!(fell(false), Some(FallbackReason::AckWithoutMpCapable));
    // The client learns it from the server's ACK of its data, which has no DATA_ACK.
    assert_eq!(fell(true), Some(FallbackReason::AckWithoutDataAck));
    for client in [true, false] {
        assert!(net.stats(client).completed_at.is_some());
    }
}

#[test]
fn options_stripped_from_data_fall_back_on_a_single_subflow() {
    let total = 1_000_000;
    let mut net = Net::new(57, 10, 20, checksums(1), total, true);
    rate(&mut net);
    // From the 5th data segment on, every MPTCP option of client data is removed.
    let seen = Rc::new(Cell::new(0));
    net.mutate = Box::new(move |p, to_server| {
        if to_server && p.header.payload_len > 0 {
            seen.set(seen.get() + 1);
            if seen.get() >= 5 {
                strip(&mut p.header);
            }
        }
    });
    net.rewrites_options = true;
    net.run_until(Instant::from_secs(20));
    assert_eq!(net.server.app_bytes_read(FLOW), total);
    let fell = |client| {
        (net.events_since(client, Instant::ZERO).into_iter()).find_map(|e| match e.2 {
            MptcpEventKind::FellBack(r) => Some(r),
            _ => None,
        })
    };
    assert_eq!(fell(false), Some(FallbackReason::DataWithoutDss));
    assert_eq!(fell(true), Some(FallbackReason::AckWithoutDataAck));
    for client in [true, false] {
        assert!(net.stats(client).completed_at.is_some());
    }
}
