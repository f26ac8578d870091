//! The engine's packet form: scenarios whose hosts carry only TCP run on TCP segments, the
//! others on the wire form (SCTP packets, Convert SYNs), and a scenario gives the same run —
//! every sample, event, subflow and the summary — on either form.

use scenarios::build::{build, PacketForm};
use scenarios::run::run_as;
use sim_core::Duration;
use std::path::Path;

fn shipped(name: &str, secs: u64) -> scenarios::Plan {
    shipped_with(name, secs, |text| text)
}

/// Shipped scenario `name`, its text changed by `edit`, at most `secs` long (without the
/// events a shorter run no longer reaches).
fn shipped_with(name: &str, secs: u64, edit: impl Fn(String) -> String) -> scenarios::Plan {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    let text = edit(std::fs::read_to_string(&file).expect("a shipped scenario"));
    let mut p = scenarios::load_str(&file, &text, None).expect("a shipped scenario loads");
    if p.duration > Duration::from_secs(secs) {
        p.duration = Duration::from_secs(secs);
        // As validation requires of a scenario file: every event before the end.
        let end = p.end();
        p.events.retain(|e| e.at < end);
    }
    p
}

#[test]
fn tcp_only_scenarios_run_on_tcp_segments_the_others_on_the_wire_form() {
    for (name, tcp_only) in [
        ("two-path.ron", true),
        ("wifi-lte-handover.ron", true),
        ("failure/fallback.ron", true),
        ("compare/failover.ron", true),
        ("deploy/operator-proxy.ron", false),
        ("deploy/hybrid-access.ron", false),
    ] {
        let sim = build(&shipped(name, 1)).expect("builds").sim;
        assert_eq!(sim.is_tcp_only(), tcp_only, "{name}");
    }
    let sim = build(&sctp_failover(1)).expect("builds").sim;
    assert!(!sim.is_tcp_only(), "SCTP needs the wire form");
}

/// The failover comparison with its flow carried by SCTP.
fn sctp_failover(secs: u64) -> scenarios::Plan {
    shipped_with("compare/failover.ron", secs, |t| {
        t.replace("transport: Mptcp(cc: Lia)", "transport: Sctp()")
    })
}

#[test]
fn a_scenario_runs_the_same_on_either_packet_form() {
    for (name, secs) in [
        ("two-path.ron", 5),
        ("wifi-lte-handover.ron", 12),
        ("failure/fallback.ron", 10),
        ("failure/load-balancer.ron", 10),
        ("failure/fastclose.ron", 10),
        ("compare/ecmp.ron", 3),
        ("sched/short-flows.ron", 10),
        ("cc/shared-bottleneck.ron", 5),
    ] {
        same_on_both_forms(name, &shipped(name, secs));
    }
    same_on_both_forms("SCTP failover", &sctp_failover(12));
    same_on_both_forms("operator proxy", &shipped("deploy/operator-proxy.ron", 5));
}

/// Runs `plan` on both packet forms: the records must be equal.
fn same_on_both_forms(name: &str, plan: &scenarios::Plan) {
    let auto = run_as(plan, PacketForm::Auto, |_| {}).expect("runs");
    let wire = run_as(plan, PacketForm::Wire, |_| {}).expect("runs");
    assert!(
        !auto.record.samples.is_empty(),
        "{name}: a run with samples"
    );
    assert!(!auto.record.events.is_empty(), "{name}: a run with events");
    assert_eq!(
        auto.record, wire.record,
        "{name}: same records on both forms"
    );
}
