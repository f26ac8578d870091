//! The record of a run: the file and memory sinks agree, subflows have stable and distinct
//! numbers, and the event log tells the handover's story in order.

use scenarios::plan::FlowIndex;
use scenarios::record::event_text;
use scenarios::record::files::FileSink;
use scenarios::record::memory::{MemorySink, Record};
use scenarios::record::sample::{EventKind, Metric, Series};
use scenarios::record::sink::Tee;
use scenarios::run::{run, run_into};
use scenarios::Plan;
use std::path::Path;

fn plan_of(text: &str) -> Plan {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("test.ron");
    scenarios::load_str(&file, text, None).unwrap_or_else(|e| panic!("{e}"))
}

fn handover_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("wifi-lte-handover.ron"))
        .unwrap()
}

/// The handover with uncoupled subflows: Wi-Fi is busy when it fails, so its data is
/// reinjected on LTE.
fn uncoupled_handover() -> Plan {
    plan_of(&handover_text().replace(
        "transport: Mptcp(cc: Lia, scheduler: MinRtt)),",
        "transport: Mptcp(cc: Uncoupled, scheduler: MinRtt)),",
    ))
}

fn rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').count();
    lines
        .map(|l| {
            let r: Vec<String> = l.split(',').map(str::to_owned).collect();
            assert_eq!(r.len(), header, "{}: {l}", path.display());
            r
        })
        .collect()
}

#[test]
fn file_and_memory_sinks_agree() {
    let plan = uncoupled_handover();
    let dir = std::env::temp_dir().join(format!("mpsim-record-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let sinks = Tee(MemorySink::new(), FileSink::create(&dir, &plan).unwrap());
    let Tee(memory, _) = run_into(&plan, sinks, |_| {}).unwrap();
    let rec: Record = memory.into_record();

    // summary.json is the memory's summary.
    let json = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    let summary = rec.summary.as_ref().unwrap();
    assert_eq!(
        json,
        format!("{}\n", serde_json::to_string_pretty(summary).unwrap())
    );

    // timeseries.csv: one row per sample, same time, series, metric and value.
    let ts = rows(&dir.join("timeseries.csv"));
    assert_eq!(ts.len(), rec.samples.len());
    for (row, s) in ts.iter().zip(&rec.samples) {
        assert_eq!(
            row[0].parse::<f64>().unwrap(),
            s.at.as_secs_f64(),
            "{row:?}"
        );
        assert_eq!(row[4], s.metric.name());
        // Half a unit of the last decimal written (and the binary value's own error).
        let tol = 0.500_001 * 10f64.powi(-(s.metric.decimals() as i32));
        assert!(
            (row[5].parse::<f64>().unwrap() - s.value).abs() <= tol,
            "{row:?} {s:?}"
        );
        match s.series {
            Series::Flow(f) => assert_eq!(
                (&*row[1], &row[2], &*row[3]),
                ("flow", &plan.flow(f).name, "")
            ),
            Series::Subflow(f, k) => {
                assert_eq!((&*row[1], &row[2]), ("flow", &plan.flow(f).name));
                assert_eq!(row[3], k.0.to_string());
            }
            Series::Link(d) => {
                assert_eq!((&*row[1], row[2].clone()), ("link", plan.direction_name(d)))
            }
        }
    }
    // events.csv: one row per event, same time and name.
    let ev = rows(&dir.join("events.csv"));
    let header = std::fs::read_to_string(dir.join("events.csv")).unwrap();
    assert!(header.starts_with(event_text::HEADER));
    assert_eq!(ev.len(), rec.events.len());
    for (row, e) in ev.iter().zip(&rec.events) {
        assert_eq!(row[0].parse::<f64>().unwrap(), e.at.as_secs_f64());
        let name = match &e.kind {
            EventKind::Link { .. } => "link",
            EventKind::Flow { event, .. } => event_text::columns(event).event,
        };
        assert_eq!(row[4], name);
    }
    // subflows.csv: every subflow once, in order.
    let sf = rows(&dir.join("subflows.csv"));
    assert_eq!(sf.len(), rec.subflows.len());
    for (row, s) in sf.iter().zip(&rec.subflows) {
        assert_eq!(row[1], s.key.0.to_string());
        assert_eq!(row[3], s.sender.to_string());
        assert_eq!(row[4], s.receiver.to_string());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ndiffports_subflows_have_distinct_numbers_and_series() {
    let text = r#"Scenario(
    duration: "3s",
    hosts: [
        Host(name: "a", interfaces: [Interface(name: "eth0", addr: "10.0.0.1")]),
        Host(name: "b", interfaces: [Interface(name: "eth0", addr: "10.0.0.2")]),
    ],
    links: [Link(name: "l", a: "a", b: "b", rate: "20Mbps", delay: "10ms")],
    flows: [Flow(name: "f", from: "a", to: "b",
                 transport: Mptcp(path_manager: NDiffPorts(subflows: 4)))],
)"#;
    let out = run(&plan_of(text), |_| {}).unwrap();
    let f = FlowIndex(0);
    let subs: Vec<_> = out.record.subflows_of(f).collect();
    assert_eq!(subs.len(), 4, "{subs:?}");
    let mut numbers: Vec<u32> = subs.iter().map(|s| s.key.0).collect();
    numbers.dedup();
    assert_eq!(numbers, [0, 1, 2, 3]);
    let mut ports: Vec<u16> = subs.iter().map(|s| s.sender.port).collect();
    ports.sort_unstable();
    ports.dedup();
    assert_eq!(ports.len(), 4, "each subflow its own port: {subs:?}");
    assert!(subs
        .iter()
        .all(|s| s.label == "eth0" && s.recreated_from.is_none()));
    // Four throughput series, each carrying data.
    for s in &subs {
        let pts = out
            .record
            .points(Series::Subflow(f, s.key), Metric::ThroughputBps);
        assert!(pts.iter().any(|p| p.1 > 0.0), "subflow {} idle", s.key.0);
    }
    let summary: Vec<u32> = out.summary.flows[0]
        .subflows
        .iter()
        .map(|s| s.subflow)
        .collect();
    assert_eq!(summary, [0, 1, 2, 3]);
}

/// An event as the handover test reads it: time, host, subflow, name, detail.
type Entry = (f64, u32, Option<u32>, &'static str, String);

#[test]
fn handover_log_shows_failure_reinjection_and_rejoin_in_order() {
    let plan = uncoupled_handover();
    let out = run(&plan, |_| {}).unwrap();
    let rec = &out.record;
    let host = |name: &str| plan.hosts.iter().position(|h| h.name == name).unwrap() as u32;
    let (phone, server) = (host("phone"), host("server"));
    // (time, host, subflow, event name, detail) of the flow's events.
    let log: Vec<Entry> = (rec.events.iter())
        .map(|e| match &e.kind {
            EventKind::Flow {
                host,
                subflow,
                event,
                ..
            } => {
                let c = event_text::columns(event);
                (
                    e.at.as_secs_f64(),
                    host.0,
                    subflow.map(|k| k.0),
                    c.event,
                    c.detail.into_owned(),
                )
            }
            EventKind::Link { .. } => (e.at.as_secs_f64(), u32::MAX, None, "link", String::new()),
        })
        .collect();
    let find = |from: usize, pred: &dyn Fn(&Entry) -> bool| {
        (log[from..].iter().position(pred)).map(|k| from + k)
    };
    let wifi = rec
        .subflows_of(FlowIndex(0))
        .find(|s| s.label == "wifi")
        .unwrap()
        .key
        .0;
    let lte = rec
        .subflows_of(FlowIndex(0))
        .find(|s| s.label == "lte")
        .unwrap()
        .key
        .0;
    let down = find(0, &|e| e.3 == "link" && e.0 == 10.0).expect("wifi down at 10 s");
    let failed = find(down, &|e| {
        e.1 == phone && e.2 == Some(wifi) && e.3 == "subflow_failed" && e.4 == "interface_down"
    })
    .expect("the phone's Wi-Fi subflow fails with its interface");
    assert_eq!(log[failed].0, 10.0);
    let reinjected = find(failed, &|e| {
        e.1 == server && e.3 == "reinjected" && e.2 == Some(lte)
    })
    .expect("the server reinjects on LTE");
    let EventKind::Flow { event, .. } = &rec.events[reinjected].kind else {
        unreachable!()
    };
    let c = event_text::columns(event);
    assert_eq!((&*c.detail, c.from_subflow), ("failure", Some(wifi)));
    assert!(c.bytes.unwrap() > 0);
    let up = find(reinjected, &|e| e.3 == "link" && e.0 == 20.0).expect("wifi up at 20 s");
    let rejoin = find(up, &|e| {
        e.1 == phone && e.3 == "mp_join_sent" && e.4 == "syn"
    })
    .expect("a join on Wi-Fi after it comes back");
    let new = log[rejoin].2.unwrap();
    let established = find(rejoin, &|e| {
        e.2 == Some(new) && e.3 == "subflow_established"
    });
    assert!(established.is_some(), "the new subflow is established");
    let record = rec
        .subflows_of(FlowIndex(0))
        .find(|s| s.key.0 == new)
        .unwrap();
    assert_eq!(
        (record.label.as_str(), record.recreated_from),
        ("wifi", Some(wifi))
    );
    assert!(
        log.windows(2).all(|w| w[0].0 <= w[1].0),
        "events in time order"
    );
}

/// `compare`'s mean window of a subflow counts the instants it was ESTABLISHED: the second
/// path of two-path is still in its handshake (SYN_SENT, a window of 10 x 1460 bytes before
/// the MSS is known) at the first sample.
#[test]
fn compare_windows_are_those_of_established_subflows() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("two-path.ron"))
        .unwrap();
    let plan = plan_of(&text);
    let rec = run(&plan, |_| {}).unwrap().record;
    let f = FlowIndex(0);
    let second = rec.subflows_of(f).nth(1).unwrap().key;
    let states = rec.points(Series::Subflow(f, second), Metric::TcpState);
    assert_eq!(states[0].1, 2.0, "SYN_SENT at the first sample");
    let established: Vec<f64> = (states.iter())
        .filter(|p| p.1 == 1.0)
        .map(|p| p.0)
        .collect();
    let result = scenarios::compare::RunResult::from_record(1, &plan, &rec, true);
    let sub = (result.flows[0].subflows.iter())
        .find(|s| s.label.starts_with(&format!("{}:", second.0)))
        .unwrap();
    let times: Vec<f64> = sub.series.iter().map(|p| p.0).collect();
    assert_eq!(times, established);
    let windows = rec.points(Series::Subflow(f, second), Metric::CwndBytes);
    let mean = (windows.iter().zip(&states))
        .filter(|(_, s)| s.1 == 1.0)
        .map(|(w, _)| w.1)
        .sum::<f64>()
        / established.len() as f64;
    assert_eq!(sub.mean_cwnd, mean);
}

/// Without time series the probes read less of each TCP socket (its smoothed RTT, not its
/// whole statistics): the summary and the subflow records are those of the same run with
/// time series, and so are the events; only the samples are missing.
#[test]
fn a_run_without_time_series_summarizes_the_same() {
    let text = |series: bool| {
        format!(
            r#"Scenario(
    duration: "6s",
    hosts: [
        Host(name: "a", interfaces: [Interface(name: "e", addr: "10.0.0.1")]),
        Host(name: "b", interfaces: [Interface(name: "e", addr: "10.0.0.2")]),
    ],
    links: [Link(name: "l", a: "a", b: "b", rate: "20Mbps", delay: "15ms",
        queue: Packets(40), loss: Bernoulli("0.2%"))],
    flows: [
        Flow(name: "bulk", from: "a", to: "b", transport: Tcp(cc: Reno)),
        Flow(name: "sized", from: "a", to: "b", transport: Tcp(cc: Cubic), app: Bulk(bytes: "2MB")),
        Flow(name: "late", from: "b", to: "a", transport: Tcp(cc: Reno), start: "1050ms"),
    ],
    output: Output(sample_interval: "100ms", timeseries: {series}, plots: false),
)"#
        )
    };
    let with = run(&plan_of(&text(true)), |_| {}).expect("runs");
    let without = run(&plan_of(&text(false)), |_| {}).expect("runs");
    assert!(!with.record.samples.is_empty() && without.record.samples.is_empty());
    assert_eq!(with.summary, without.summary);
    assert_eq!(with.record.subflows, without.record.subflows);
    assert_eq!(with.record.events, without.record.events);
    let f = &without.summary.flows;
    assert!(f.iter().all(|f| f.mean_srtt_ms.is_some()), "{f:?}");
    assert!(f[1].completed_at_s.is_some() && f[0].rto_timeouts + f[0].fast_recoveries > 0);
}
