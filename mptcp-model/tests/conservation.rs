//! Conservation: whatever the loss pattern, every byte the sending application wrote is
//! delivered exactly once and in order, both sides close, and the counters agree.
//!
//! proptest drives the parameters from a fixed seed (reproducible runs); each case's loss
//! pattern comes from its own ChaCha8 stream, dropping packets in both directions
//! (handshake, data, ACKs, FINs, probes alike).

mod util;

use mptcp_model::app::BulkSender;
use mptcp_model::cc::CcKind;
use mptcp_model::tcp::{TcpConfig, TcpState};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use rand::Rng;
use sim_core::{Bandwidth, Duration, Instant};
use util::*;

#[derive(Clone, Copy, Debug)]
struct Case {
    seed: u64,
    loss_pct: u32,
    total: u64,
    sack: bool,
    timestamps: bool,
    delayed_ack: bool,
    reno: bool,
    rate_mbps: Option<u64>,
    rcv_buf: u32,
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<u64>(),
        0u32..=12,
        1u64..300_000,
        any::<[bool; 4]>(),
        proptest::option::of(1u64..50),
        prop_oneof![Just(6 * 1024 * 1024), 8_000u32..100_000],
    )
        .prop_map(|(seed, loss_pct, total, f, rate_mbps, rcv_buf)| Case {
            seed,
            loss_pct,
            total,
            sack: f[0],
            timestamps: f[1],
            delayed_ack: f[2],
            reno: f[3],
            rate_mbps,
            rcv_buf,
        })
}

fn run_case(c: Case) -> Pair {
    let cfg = TcpConfig {
        sack: c.sack,
        timestamps: c.timestamps,
        delayed_ack: c.delayed_ack,
        cc: if c.reno { CcKind::Reno } else { CcKind::Cubic },
        rcv_buf: c.rcv_buf,
        ..TcpConfig::default()
    };
    let mut p = Pair::new(cfg, cfg, Duration::from_millis(7));
    p.rate = c.rate_mbps.map(Bandwidth::from_mbps);
    p.sender = Some(BulkSender::bytes(c.total));
    let mut rng = sim_core::rng::stream(c.seed, "loss");
    let p_drop = f64::from(c.loss_pct) / 100.0;
    p.drop = Box::new(move |_, _| rng.random::<f64>() < p_drop);
    p.run(Instant::from_secs(3_600));
    p
}

proptest! {
    #![proptest_config(Config {
        cases: 128,
        rng_seed: RngSeed::Fixed(0x6d70_7463_7000),
        failure_persistence: None,
        ..Config::default()
    })]

    #[test]
    fn every_byte_is_delivered_once_in_order(c in case()) {
        let p = run_case(c);
        let server = p.server.as_ref().expect("connected");
        let (cs, ss) = (p.client.stats(), server.stats());
        prop_assert_eq!(p.read, c.total);
        prop_assert_eq!(ss.bytes_received, c.total);
        prop_assert_eq!(cs.app_bytes_written, c.total);
        prop_assert_eq!(cs.bytes_acked, c.total);
        prop_assert!(cs.all_acked_at.is_some());
        prop_assert_eq!(cs.bytes_in_flight, 0);
        prop_assert!(cs.payload_bytes_sent >= c.total);
        prop_assert_eq!(cs.payload_bytes_sent - cs.bytes_retransmitted, c.total);
        prop_assert_eq!(p.client.state(), TcpState::Closed);
        prop_assert_eq!(server.state(), TcpState::Closed);
        if c.loss_pct == 0 {
            prop_assert_eq!(cs.bytes_retransmitted, 0);
        }
    }
}

#[test]
fn heavy_loss_in_one_direction_only() {
    for (seed, to_server) in [(1, true), (2, false), (3, true), (4, false)] {
        let cfg = TcpConfig::default();
        let mut p = Pair::new(cfg, cfg, Duration::from_millis(5));
        p.sender = Some(BulkSender::bytes(150_000));
        let mut rng = sim_core::rng::stream(seed, "loss");
        p.drop = Box::new(move |dir, _| {
            (dir == Dir::ToServer) == to_server && rng.random::<f64>() < 0.25
        });
        p.run(Instant::from_secs(3_600));
        assert_eq!(p.read, 150_000, "seed {seed}");
        assert_eq!(p.client.stats().bytes_acked, 150_000);
    }
}
