//! Every congestion controller driven with random ACK / loss / timeout sequences and random
//! coupling views (including absurd ones): the window never falls below one SMSS (the floor
//! of every controller: the RTO loss window), never overflows (a debug build panics on
//! integer overflow; in release a wrapped value would break the bound checked here),
//! `ssthresh` never below one SMSS, and nothing is NaN (all controllers but CUBIC are integer).

use mptcp_model::cc::{AckSample, Cc, CcKind, CcMode, CongestionController, Coupling, SubflowView};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use sim_core::{Duration, Instant};

const SMSS: u64 = 1448;

const KINDS: [CcKind; 9] = [
    CcKind::Reno,
    CcKind::Cubic,
    CcKind::Lia,
    CcKind::LiaLinux,
    CcKind::Olia(CcMode::Paper),
    CcKind::Olia(CcMode::Linux),
    CcKind::Balia(CcMode::Paper),
    CcKind::Balia(CcMode::Linux),
    CcKind::WVegas,
];

#[derive(Clone, Debug)]
enum Op {
    Ack { segs: u64, rtt_us: u64, flight: u64 },
    Loss { flight: u64 },
    Rto { first: bool },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        20 => (1u64..5, 100u64..2_000_000, 0u64..10_000_000)
            .prop_map(|(segs, rtt_us, flight)| Op::Ack { segs, rtt_us, flight }),
        2 => (0u64..10_000_000).prop_map(|flight| Op::Loss { flight }),
        1 => any::<bool>().prop_map(|first| Op::Rto { first }),
    ]
}

fn views() -> impl Strategy<Value = Vec<SubflowView>> {
    let v = (
        1u64..100_000_000,
        prop::option::of(1u64..5_000_000),
        1u64..u64::MAX,
        any::<bool>(),
        0u64..u64::MAX / 4,
        prop::sample::select(vec![536u64, 1448, 1460, 9000]),
    )
        .prop_map(
            |(cwnd, srtt, ssthresh, in_recovery, loss_interval, smss)| SubflowView {
                cwnd,
                srtt: srtt.map(Duration::from_micros),
                bytes_in_flight: cwnd,
                smss,
                ssthresh,
                in_recovery,
                loss_interval,
            },
        );
    prop::collection::vec(v, 0..6)
}

proptest! {
    #![proptest_config(Config {
        cases: 192,
        rng_seed: RngSeed::Fixed(0x6363_7072_6f70),
        failure_persistence: None,
        ..Config::default()
    })]

    #[test]
    fn windows_stay_sane(ops in prop::collection::vec(op(), 1..400), others in views(), k in 0usize..KINDS.len()) {
        let mut cc = Cc::new(KINDS[k], SMSS, 10 * SMSS);
        let c = Coupling { others: &others };
        let mut now = Instant::ZERO;
        for o in ops {
            now += Duration::from_millis(1);
            match o {
                Op::Ack { segs, rtt_us, flight } => {
                    let r = Duration::from_micros(rtt_us);
                    let a = AckSample { now, acked_bytes: segs * SMSS, rtt: Some(r), srtt: Some(r), bytes_in_flight: flight, cwnd_limited: true, snd_una: 0, snd_nxt: 0 };
                    cc.on_sent(now, SMSS, flight);
                    cc.on_ack(&a, &c);
                }
                Op::Loss { flight } => cc.on_congestion_event(now, flight, &c),
                Op::Rto { first } => cc.on_rto(now, 0, first),
            }
            let w = cc.window();
            prop_assert!(w >= SMSS, "{:?}: window {} below one SMSS", KINDS[k], w);
            prop_assert!(w < 1 << 48, "{:?}: window {} overflowed", KINDS[k], w);
            prop_assert!(cc.ssthresh() >= SMSS, "{:?}: ssthresh {}", KINDS[k], cc.ssthresh());
            prop_assert!((w as f64).is_finite());
        }
    }
}
