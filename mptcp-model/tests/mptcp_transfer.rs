//! MPTCP data transfer over two paths: both subflows carry data, every byte is delivered
//! once and in order, DSS mappings cover exactly each segment's payload.

mod mputil;

use mptcp_model::mptcp::{MptcpConfig, SubflowState};
use mptcp_model::wire::mptcp::{MptcpOption, SeqField};
use mputil::*;
use sim_core::{Bandwidth, Instant};

#[test]
fn two_subflows_carry_a_transfer() {
    let total = 2_000_000;
    let mut net = Net::new(1, 10, 20, MptcpConfig::default(), total, true);
    for p in &mut net.paths {
        p.rate = Some(Bandwidth::from_mbps(20));
    }
    net.run_until(Instant::from_secs(30));
    let st = net.stats(true);
    assert_eq!(net.server.app_bytes_read(FLOW), total);
    assert_eq!(net.client.app_bytes_written(FLOW), total);
    assert_eq!(st.data_bytes_acked, total);
    assert!(st.completed_at.is_some(), "{st:?}");
    assert_eq!(st.subflows.len(), 2);
    for sf in &st.subflows {
        assert!(sf.data_bytes_sent > total / 10, "{sf:?}");
        assert_eq!(sf.state, SubflowState::Closed);
    }
    let rx = net.stats(false);
    assert_eq!(rx.data_bytes_delivered, total);
    assert!(rx.completed_at.is_some());
    // Every data segment carries a mapping covering exactly its payload (or the implicit
    // MP_CAPABLE one on the first), and payload = MSS − options.
    for r in net.data_to_server() {
        let h = r.pkt.header;
        let mapped = h.options.mptcp.iter().find_map(|o| match o {
            MptcpOption::Dss(d) => d.mapping.map(|m| u32::from(m.data_len)),
            MptcpOption::Capable(c) => match c.form {
                mptcp_model::wire::mptcp::CapableForm::WithData { data_len, .. } => {
                    Some(u32::from(data_len))
                }
                _ => None,
            },
            _ => None,
        });
        assert_eq!(mapped, Some(h.payload_len), "{h:?}");
        assert!(h.payload_len <= 1424, "{h:?}");
        assert!(r.pkt.size <= 1500);
    }
}

#[test]
fn dss_sizes_as_linux_emits_them() {
    // RFC 8684 §3.3.2 and Linux's use_64bit_ack: a host acknowledges with a 64-bit DATA_ACK
    // only once the peer's mappings carried 64-bit DSNs. The bulk sender receives none, so
    // its data segments carry a 32-bit DATA_ACK and a 64-bit DSN: 4 + 4 + 8 + 4 + 2 = 22,
    // padded to 24 octets (payload 1460 − 12 − 24 = 1424, 1500-octet packets). The
    // receiver's pure ACKs carry a 64-bit DATA_ACK: 12 octets.
    let total = 500_000;
    let mut net = Net::new(1, 10, 20, MptcpConfig::default(), total, true);
    net.run_until(Instant::from_secs(10));
    assert_eq!(net.server.app_bytes_read(FLOW), total);
    let dss_of = |p: &sim_core::Packet<mptcp_model::wire::TcpHeader>| {
        p.header.options.mptcp.iter().find_map(|o| match o {
            MptcpOption::Dss(d) => Some(*d),
            _ => None,
        })
    };
    let mut full = 0;
    for r in net.data_to_server().skip(1) {
        let d = dss_of(&r.pkt).expect("a mapping");
        assert!(matches!(d.data_ack, Some(SeqField::Short(_))), "{d:?}");
        assert!(matches!(d.mapping.unwrap().dsn, SeqField::Long(_)));
        assert_eq!(d.buffer_len(), 22);
        if r.pkt.header.payload_len == 1424 {
            assert_eq!(r.pkt.size, 1500);
            full += 1;
        }
    }
    assert!(full > 300, "{full}");
    let acks: Vec<_> = net
        .log
        .iter()
        .filter(|r| !r.to_server && r.pkt.header.payload_len == 0)
        .filter_map(|r| dss_of(&r.pkt))
        .filter(|d| d.mapping.is_none())
        .collect();
    assert!(!acks.is_empty());
    assert!(acks
        .iter()
        .all(|d| matches!(d.data_ack, Some(SeqField::Long(_))) && d.buffer_len() == 12));
}

#[test]
fn data_goes_only_to_a_subflow_with_a_free_segment_slot() {
    // The out-of-tree kernel's scheduler skips a subflow whose window has no free packet
    // slot (`mptcp_is_temp_unavailable`, `net/mptcp/mptcp_sched.c`); in bytes, a window whose
    // room is less than a data segment's payload (1424 octets here, beside a 24-octet DSS,
    // while the window counts 1448-octet SMSS units: ten segments in a ten-SMSS window leave
    // 240 octets) has none. Data handed to such a subflow would wait there for its
    // next ACK, instead of at the connection for the first subflow with a free slot. So at
    // every step of a cwnd-limited transfer on two paths of different delay, everything
    // handed to a subflow (the connection's `data_bytes_sent`) has left it once.
    let total = 3_000_000;
    let mut net = Net::new(1, 10, 30, MptcpConfig::default(), total, true);
    for p in &mut net.paths {
        p.rate = Some(Bandwidth::from_mbps(20));
    }
    let (mut steps, mut partial_room) = (0, 0);
    while net.step() && net.now < Instant::from_secs(30) {
        let st = net.stats(true);
        let first_sent: u64 = (st.subflows.iter())
            .map(|sf| sf.tcp.payload_bytes_sent - sf.tcp.bytes_retransmitted)
            .sum();
        assert_eq!(first_sent, st.data_bytes_sent, "at {:?}: {st:?}", net.now);
        let room = |sf: &mptcp_model::mptcp::SubflowStats| sf.tcp.cwnd.saturating_sub(sf.tcp.pipe);
        partial_room += usize::from(st.subflows.iter().any(|sf| (1..1424).contains(&room(sf))));
        steps += 1;
    }
    assert_eq!(net.server.app_bytes_read(FLOW), total);
    // The case arises: windows with room for part of a segment, often.
    assert!(partial_room > steps / 10, "{partial_room} of {steps} steps");
}
