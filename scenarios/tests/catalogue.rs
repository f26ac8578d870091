//! The failure catalogue (`scenarios/failure/`), modelled on the upstream Linux selftest
//! `tools/testing/selftests/net/mptcp/mptcp_join.sh`: each case runs its scenario and checks
//! the hosts' `MPTcpExt` counters in `summary.json` exactly (every nonzero counter, as
//! `nstat` prints them), the way the selftest's `chk_join_nr`, `chk_add_nr`, `chk_rm_nr`,
//! `chk_prio_nr`, `chk_fclose_nr`, `chk_fail_nr` and `chk_fallback_nr` check the kernel's.

use scenarios::run::{run, RunOutput};
use std::path::Path;

fn run_case(name: &str) -> RunOutput {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("failure/{name}.ron"));
    let plan = scenarios::load(&path, None).expect("shipped scenario is valid");
    run(&plan, |_| {}).expect("runs")
}

/// Runs case `name` and checks both hosts' counters; returns the output for more checks.
fn check(name: &str, client: &[(&str, u64)], server: &[(&str, u64)]) -> RunOutput {
    let out = run_case(name);
    for (host, want) in [("client", client), ("server", server)] {
        let h = out.summary.hosts.iter().find(|h| h.name == host);
        let got: Vec<(&str, u64)> = h.map_or_else(Vec::new, |h| {
            (h.mptcp_ext.0.iter())
                .map(|(k, v)| (k.as_str(), *v))
                .collect()
        });
        assert_eq!(got, want, "{name}: {host}");
    }
    out
}

/// The MP_CAPABLE handshake's counters at the client and the server.
const MPC_CLIENT: [(&str, u64); 2] = [("MPCapableSYNTX", 1), ("MPCapableSYNACKRX", 1)];
const MPC_SERVER: [(&str, u64); 2] = [("MPCapableSYNRX", 1), ("MPCapableACKRX", 1)];

fn with<'a>(base: &[(&'a str, u64)], more: &[(&'a str, u64)]) -> Vec<(&'a str, u64)> {
    base.iter().chain(more).copied().collect()
}

fn delivered_all(out: &RunOutput) {
    let f = &out.summary.flows[0];
    assert_eq!(f.bytes_delivered, f.bytes_written);
    assert!(f.completed_at_s.is_some());
}

#[test]
fn join_limits() {
    // `limits subflows 1`: one of the two subflow endpoints joins.
    let join = [("MPJoinSynAckRx", 1), ("MPJoinSynTx", 1)];
    let out = check(
        "join-limits",
        &with(&MPC_CLIENT, &join),
        &with(&MPC_SERVER, &[("MPJoinSynRx", 1), ("MPJoinAckRx", 1)]),
    );
    assert_eq!(out.summary.flows[0].subflows.len(), 2);
    delivered_all(&out);
}

#[test]
fn add_addr_limits() {
    // Two addresses signalled, both verified and echoed; `add_addr_accepted 1`: one joined.
    let client = [
        ("MPJoinSynAckRx", 1),
        ("MPJoinSynTx", 1),
        ("AddAddr", 2),
        ("EchoAddTx", 2),
    ];
    let server = [
        ("MPJoinSynRx", 1),
        ("MPJoinAckRx", 1),
        ("AddAddrTx", 2),
        ("EchoAdd", 2),
    ];
    let out = check(
        "add-addr-limits",
        &with(&MPC_CLIENT, &client),
        &with(&MPC_SERVER, &server),
    );
    delivered_all(&out);
}

#[test]
fn remove_single() {
    // The endpoint delete: REMOVE_ADDR, the subflow reset; its data reinjected.
    let out = check(
        "remove-single",
        &with(
            &MPC_CLIENT,
            &[
                ("MPTCPRetrans", 95),
                ("MPJoinSynAckRx", 1),
                ("MPJoinSynTx", 1),
                ("RmAddrTx", 1),
                ("RmSubflow", 1),
                ("MPRstTx", 1),
            ],
        ),
        &with(
            &MPC_SERVER,
            &[
                ("MPJoinSynRx", 1),
                ("MPJoinAckRx", 1),
                ("RmAddr", 1),
                ("MPRstRx", 1),
            ],
        ),
    );
    delivered_all(&out);
}

#[test]
fn remove_multiple() {
    let out = check(
        "remove-multiple",
        &with(
            &MPC_CLIENT,
            &[
                ("MPTCPRetrans", 99),
                ("MPJoinSynAckRx", 2),
                ("MPJoinSynTx", 2),
                ("RmAddrTx", 2),
                ("RmSubflow", 2),
                ("MPRstTx", 2),
            ],
        ),
        &with(
            &MPC_SERVER,
            &[
                ("MPJoinSynRx", 2),
                ("MPJoinAckRx", 2),
                ("RmAddr", 2),
                ("MPRstRx", 2),
            ],
        ),
    );
    delivered_all(&out);
}

#[test]
fn backup() {
    // The join carries the B flag; then MP_PRIO makes the initial subflow a backup too.
    let out = check(
        "backup",
        &with(
            &MPC_CLIENT,
            &[
                ("MPJoinSynAckRx", 1),
                ("MPJoinSynAckBackupRx", 1),
                ("MPJoinSynTx", 1),
                ("MPPrioTx", 1),
            ],
        ),
        &with(
            &MPC_SERVER,
            &[
                ("MPJoinSynRx", 1),
                ("MPJoinSynBackupRx", 1),
                ("MPJoinAckRx", 1),
                ("MPPrioRx", 1),
            ],
        ),
    );
    assert!(out.summary.flows[0].subflows.iter().all(|s| s.backup));
    delivered_all(&out);
}

#[test]
fn fastclose() {
    // MP_FASTCLOSE on both subflows (RST with the option); the server aborts at the first.
    let out = check(
        "fastclose",
        &with(
            &MPC_CLIENT,
            &[
                ("MPJoinSynAckRx", 1),
                ("MPJoinSynTx", 1),
                ("MPFastcloseTx", 2),
                ("MPRstTx", 2),
            ],
        ),
        &with(
            &MPC_SERVER,
            &[
                ("MPJoinSynRx", 1),
                ("MPJoinAckRx", 1),
                ("MPFastcloseRx", 1),
                ("MPRstRx", 1),
            ],
        ),
    );
    let f = &out.summary.flows[0];
    assert!(f.completed_at_s.is_none() && f.bytes_delivered < f.bytes_written);
    assert!(f.subflows.iter().all(|s| s.state == "closed"));
}

#[test]
fn fail_infinite_map() {
    // One subflow: MP_FAIL both ways, the infinite mapping, TCP from then on (§3.7).
    let out = check(
        "fail-infinite-map",
        &with(
            &MPC_CLIENT,
            &[("InfiniteMapTx", 1), ("MPFailTx", 1), ("MPFailRx", 1)],
        ),
        &with(
            &MPC_SERVER,
            &[
                ("InfiniteMapRx", 1),
                ("DataCsumErr", 1),
                ("MPFailTx", 1),
                ("MPFailRx", 1),
            ],
        ),
    );
    let f = &out.summary.flows[0];
    assert_eq!(f.fallback.as_deref(), Some("checksum_failure"));
    assert_eq!(out.summary.middleboxes[0].changed, 1);
    delivered_all(&out);
}

#[test]
fn fail_reset() {
    // Two subflows: the damaged one is reset with MP_FAIL, its data reinjected.
    let out = check(
        "fail-reset",
        &with(
            &MPC_CLIENT,
            &[
                ("MPTCPRetrans", 77),
                ("MPJoinSynAckRx", 2),
                ("MPJoinSynTx", 2),
                ("MPFailRx", 1),
                ("MPRstRx", 1),
            ],
        ),
        &with(
            &MPC_SERVER,
            &[
                ("MPJoinSynRx", 2),
                ("MPJoinAckRx", 2),
                ("DataCsumErr", 1),
                ("MPFailTx", 1),
                ("MPRstTx", 1),
            ],
        ),
    );
    assert_eq!(out.summary.flows[0].fallback, None);
    delivered_all(&out);
}

#[test]
fn fallback() {
    // MP_CAPABLE stripped from the SYN-ACK: both ends fall back to TCP.
    let out = check(
        "fallback",
        &[("MPCapableSYNTX", 1), ("MPCapableFallbackSYNACK", 1)],
        &[("MPCapableSYNRX", 1), ("MPCapableFallbackACK", 1)],
    );
    let f = &out.summary.flows[0];
    assert_eq!(f.fallback.as_deref(), Some("syn_ack_without_mp_capable"));
    assert_eq!(f.subflows.len(), 1);
    delivered_all(&out);
}

#[test]
fn add_addr_forged() {
    // RFC 8684 §3.4.1: the HMAC does not verify, the address is dropped, not echoed.
    let out = check(
        "add-addr-forged",
        &with(&MPC_CLIENT, &[("AddAddrDrop", 1)]),
        &MPC_SERVER,
    );
    assert_eq!(out.summary.middleboxes[0].changed, 1);
    delivered_all(&out);
    // The connection is unharmed: the transfer ends exactly when it does without attacker.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("failure/add-addr-forged.ron");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("    middleboxes: [").unwrap();
    let end = text[start..].find("    ],\n").unwrap() + start + 7;
    let clean = format!("{}{}", &text[..start], &text[end..]);
    let plan = scenarios::load_str(&path, &clean, None).expect("valid");
    let base = run(&plan, |_| {}).expect("runs");
    assert!(base.summary.middleboxes.is_empty());
    let done = |o: &RunOutput| o.summary.flows[0].completed_at_s;
    assert_eq!(done(&out), done(&base));
    assert_eq!(
        out.summary.flows[0].bytes_sent,
        base.summary.flows[0].bytes_sent
    );
}
