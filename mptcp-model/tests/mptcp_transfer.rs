//! MPTCP data transfer over two paths: both subflows carry data, every byte is delivered
//! once and in order, DSS mappings cover exactly each segment's payload.

mod mputil;

use mptcp_model::mptcp::{MptcpConfig, SubflowState};
use mptcp_model::wire::mptcp::MptcpOption;
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
        assert!(h.payload_len <= 1420, "{h:?}");
        assert!(r.pkt.size <= 1500);
    }
}
