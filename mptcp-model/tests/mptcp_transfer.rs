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
