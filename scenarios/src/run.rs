//! Running a plan: the simulation loop, time-series sampling and the run's summary.
//!
//! The loop advances the simulator from one stop to the next — every sample instant, and every
//! millisecond when the scenario has link events (for the stall and recovery metrics) — and
//! reads the endpoints' counters there, so recording costs O(samples), not O(packets). Nothing
//! here reads the wall clock; the same plan and seed always give the same bytes.

use crate::build::{build, link_ids, link_name, Sim};
use crate::metrics::{event_summaries, phases, DeliveryLog, TICK};
use crate::output::secs;
use crate::probe::{mptcp_stats, subflow_label, FlowProbe};
use crate::schema::{ActionSpec, CcModeName, MptcpCcName, TransportSpec};
pub use crate::summary::*;
use crate::validate::Plan;
use mptcp_model::host::FlowId;
use sim_core::{HostId, Instant, LinkId};
use std::fmt::Write as _;

/// What a run produced, before it is written.
pub struct RunOutput {
    /// The summary.
    pub summary: Summary,
    /// `timeseries.csv` contents (empty when the scenario records none).
    pub timeseries: String,
    /// `events.csv` contents.
    pub events: String,
}

/// What a run produced when its time series went to a writer as it was sampled.
pub struct StreamedRun {
    /// The summary.
    pub summary: Summary,
    /// `events.csv` contents.
    pub events: String,
}

/// Why a run stopped.
#[derive(Debug)]
pub enum RunError {
    /// The plan's network could not be built (the message says why).
    Build(String),
    /// Writing the time series failed.
    Write(std::io::Error),
}

/// Runs `plan`, calling `progress(now)` after each sample.
pub fn run(plan: &Plan, progress: impl FnMut(Instant)) -> Result<RunOutput, String> {
    let mut ts = Vec::new();
    let out = run_streamed(plan, &mut ts, progress).map_err(|e| match e {
        RunError::Build(msg) => msg,
        RunError::Write(e) => e.to_string(),
    })?;
    Ok(RunOutput {
        summary: out.summary,
        // Only `writeln!` of `str` and numbers went in.
        timeseries: String::from_utf8(ts).unwrap_or_default(),
        events: out.events,
    })
}

/// Runs `plan` as [`run`] does, writing `timeseries.csv` (when the scenario records one) to
/// `timeseries` one sample at a time: the memory a run holds does not grow with its
/// simulated duration.
pub fn run_streamed<W: std::io::Write>(
    plan: &Plan,
    timeseries: &mut W,
    mut progress: impl FnMut(Instant),
) -> Result<StreamedRun, RunError> {
    let mut sim = build(plan).map_err(RunError::Build)?;
    let balanced = plan.flows.iter().any(|f| f.via.is_some());
    let mut settled = balanced.then(|| plan.clone());
    let step = plan.scenario.output.sample_interval.0;
    let record = plan.scenario.output.timeseries;
    let end = Instant::ZERO + plan.duration;
    let mut ts = String::from("time_s,kind,name,subflow,metric,value\n");
    let mut probes: Vec<FlowProbe> = plan.flows.iter().map(|_| FlowProbe::default()).collect();
    let links: Vec<(LinkId, String)> = (0..plan.links.len())
        .flat_map(|i| {
            let (f, b) = link_ids(i);
            [f, b]
        })
        .map(|id| (id, link_name(plan, id)))
        .collect();
    let mut link_prev = vec![0u64; links.len()];
    let mut log = (!plan.events.is_empty()).then(|| DeliveryLog::new(plan, &sim));
    if let Some(log) = &mut log {
        log_deliveries(plan, &sim, log);
    }
    let (mut t, mut last_sample) = (Instant::ZERO, Instant::ZERO);
    while t < end {
        let next_sample = (last_sample + step).min(end);
        let next_tick = Instant::from_nanos((t.as_nanos() / TICK.as_nanos() + 1) * TICK.as_nanos());
        let next = if log.is_some() {
            next_sample.min(next_tick)
        } else {
            next_sample
        };
        sim.run_until(next);
        t = next;
        if let Some(p) = &mut settled {
            settle_balanced(p, &sim);
        }
        let plan = settled.as_ref().unwrap_or(plan);
        if let Some(log) = &mut log {
            if t.as_nanos() % TICK.as_nanos() == 0 {
                log_deliveries(plan, &sim, log);
            }
        }
        if t < next_sample {
            continue;
        }
        let dt = t - last_sample;
        last_sample = t;
        drain_events(&mut sim);
        for (i, p) in probes.iter_mut().enumerate() {
            p.sample(plan, &sim, i, t, dt, record.then_some(&mut ts));
        }
        if record {
            let tsec = secs(t.as_nanos());
            for (k, (id, name)) in links.iter().enumerate() {
                let q = sim.link_queue(*id);
                let delivered = sim.link_stats(*id).delivered_bytes;
                let thr = (delivered - link_prev[k]) as f64 * 8.0 / dt.as_secs_f64();
                link_prev[k] = delivered;
                let _ = writeln!(ts, "{tsec},link,{name},,throughput_bps,{thr:.1}");
                let _ = writeln!(ts, "{tsec},link,{name},,queue_packets,{}", q.packets);
                let _ = writeln!(ts, "{tsec},link,{name},,queue_bytes,{}", q.bytes);
            }
            timeseries
                .write_all(ts.as_bytes())
                .map_err(RunError::Write)?;
            ts.clear();
        }
        progress(t);
    }
    if record {
        timeseries.flush().map_err(RunError::Write)?;
    }
    let plan = settled.as_ref().unwrap_or(plan);
    let summary = summarize(plan, &sim, &probes, log.as_ref());
    Ok(StreamedRun {
        summary,
        events: events_csv(plan),
    })
}

/// Empties the hosts' event queues (the model's contract: drained at every sample, so they
/// hold one interval's events). The events are not written out yet.
fn drain_events(sim: &mut Sim) {
    for h in 0..sim.hosts().len() {
        let host = sim.host_mut(HostId(h as u32));
        while host.poll_event().is_some() {}
    }
}

fn log_deliveries(plan: &Plan, sim: &Sim, log: &mut DeliveryLog) {
    for (i, f) in plan.flows.iter().enumerate() {
        log.push(
            i,
            sim.host(HostId(f.dst.host as u32))
                .app_bytes_read(FlowId(i as u32)),
        );
    }
}

fn summarize(plan: &Plan, sim: &Sim, probes: &[FlowProbe], log: Option<&DeliveryLog>) -> Summary {
    let end = Instant::ZERO + plan.duration;
    let flows = plan
        .flows
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let id = FlowId(i as u32);
            let tx = sim.host(HostId(f.src.host as u32));
            let rx = sim.host(HostId(f.dst.host as u32));
            let p = &probes[i];
            let delivered = rx.app_bytes_read(id);
            let active = p.completed_at.unwrap_or(end) - f.start;
            let mut s = FlowSummary {
                name: f.name.clone(),
                from: f.src.addr.to_string(),
                to: f.dst.addr.to_string(),
                transport: String::new(),
                cc: String::new(),
                start_s: f.start.as_secs_f64(),
                bytes_written: tx.app_bytes_written(id),
                bytes_delivered: delivered,
                goodput_bps: if active.is_zero() {
                    0.0
                } else {
                    delivered as f64 * 8.0 / active.as_secs_f64()
                },
                completed_at_s: p.completed_at.map(Instant::as_secs_f64),
                bytes_sent: 0,
                bytes_retransmitted: 0,
                segments_retransmitted: 0,
                fast_recoveries: 0,
                rto_timeouts: 0,
                mean_srtt_ms: (p.srtt_n > 0).then(|| p.srtt_sum_ms / p.srtt_n as f64),
                reinjected_bytes: None,
                scheduler: None,
                redundant_bytes: None,
                wasted_bytes: None,
                opportunistic_retransmissions: None,
                hol_delay_ms: None,
                fct_ms: None,
                max_ooo_bytes: p.max_ooo_bytes,
                fallback: None,
                subflows: Vec::new(),
                phases: log.map_or_else(Vec::new, |l| phases(plan, l, i)),
            };
            fill_transport(plan, sim, i, &mut s);
            s
        })
        .collect();
    Summary {
        scenario: plan.name.clone(),
        seed: plan.seed,
        duration_s: plan.duration.as_secs_f64(),
        flows,
        links: link_summaries(plan, sim),
        events: log.map_or_else(Vec::new, |l| event_summaries(plan, l)),
        hosts: host_summaries(plan, sim),
        middleboxes: (sim.middlebox().stats())
            .map(|(name, st)| MiddleboxSummary {
                name: name.to_owned(),
                seen: st.seen,
                changed: st.changed,
                dropped: st.dropped,
            })
            .collect(),
        engine_events: sim.events_processed(),
        unroutable_packets: sim.unroutable_packets(),
    }
}

/// The hosts with nonzero `MPTcpExt` counters.
fn host_summaries(plan: &Plan, sim: &Sim) -> Vec<HostSummary> {
    (plan.hosts.iter().enumerate())
        .filter_map(|(k, h)| {
            let mib = sim.host(HostId(k as u32)).mptcp_mib();
            let c: Vec<(String, u64)> = mib.nonzero().map(|(n, v)| (n.to_owned(), v)).collect();
            (!c.is_empty()).then(|| HostSummary {
                name: h.name.clone(),
                mptcp_ext: Counters(c),
            })
        })
        .collect()
}

/// For flows through a load balancer: the backend that took the connection becomes the
/// flow's listening end (once it has one).
fn settle_balanced(plan: &mut Plan, sim: &Sim) {
    for (i, f) in plan.flows.iter_mut().enumerate() {
        let Some(v) = &f.via else { continue };
        let id = FlowId(i as u32);
        let has = |h: usize| sim.host(HostId(h as u32)).mptcp_started(id).is_some();
        let listen = match f.opener {
            crate::schema::Opener::Sender => &mut f.dst,
            crate::schema::Opener::Receiver => &mut f.src,
        };
        if has(listen.host) {
            continue;
        }
        if let Some(b) = v.backends.iter().find(|b| has(b.host)) {
            *listen = *b;
        }
    }
}

fn fill_transport(plan: &Plan, sim: &Sim, i: usize, s: &mut FlowSummary) {
    let f = &plan.flows[i];
    match &f.transport {
        TransportSpec::Tcp(t) => {
            let st = sim
                .host(HostId(f.src.host as u32))
                .sender_stats(FlowId(i as u32))
                .unwrap_or_default();
            s.transport = "tcp".into();
            s.cc = format!("{:?}", t.cc).to_lowercase();
            s.bytes_sent = st.payload_bytes_sent;
            s.bytes_retransmitted = st.bytes_retransmitted;
            s.segments_retransmitted = st.segments_retransmitted;
            s.fast_recoveries = st.fast_recoveries;
            s.rto_timeouts = st.rto_timeouts;
        }
        TransportSpec::Mptcp(m) => {
            s.transport = "mptcp".into();
            s.cc = format!("{:?}", m.cc).to_lowercase();
            let moded = matches!(
                m.cc,
                MptcpCcName::Lia | MptcpCcName::Olia | MptcpCcName::Balia
            );
            if moded && m.cc_mode == CcModeName::Linux {
                s.cc.push_str("-linux");
            }
            let Some(st) = mptcp_stats(plan, sim, i) else {
                return;
            };
            let conn = sim
                .host(HostId(f.src.host as u32))
                .mptcp_connection(FlowId(i as u32));
            s.fallback = conn
                .and_then(|c| c.fallback_reason())
                .map(|r| snake(&format!("{r:?}")));
            s.bytes_sent = st.data_bytes_sent;
            s.reinjected_bytes = Some(st.reinjected_bytes);
            s.scheduler = Some(m.scheduler.cli_name().into());
            s.redundant_bytes = Some(st.redundant_bytes);
            s.opportunistic_retransmissions = Some(st.opportunistic_retransmissions);
            s.fct_ms = f.paced.and_then(|p| fct(plan, sim, i, p));
            if let Some(r) = sim
                .host(HostId(f.dst.host as u32))
                .mptcp_stats(FlowId(i as u32))
            {
                let ms = |d: sim_core::Duration| d.as_nanos() as f64 / 1e6;
                s.wasted_bytes = Some(r.duplicate_bytes);
                s.hol_delay_ms = Some(crate::summary::HolDelayMs {
                    samples: r.hol.samples,
                    mean: ms(r.hol.mean),
                    p50: ms(r.hol.p50),
                    p99: ms(r.hol.p99),
                    max: ms(r.hol.max),
                    histogram: (r.hol_histogram.iter()).map(|&(d, c)| (ms(d), c)).collect(),
                });
            }
            for sf in &st.subflows {
                let t = &sf.tcp;
                s.bytes_retransmitted += t.bytes_retransmitted;
                s.segments_retransmitted += t.segments_retransmitted;
                s.fast_recoveries += t.fast_recoveries;
                s.rto_timeouts += t.rto_timeouts;
                s.subflows.push(SubflowSummary {
                    label: subflow_label(plan, f, sf.id.local.addr, sf.id.remote.addr),
                    local: format!("{}:{}", sf.id.local.addr, sf.id.local.port),
                    remote: format!("{}:{}", sf.id.remote.addr, sf.id.remote.port),
                    backup: sf.backup,
                    state: format!("{:?}", sf.state).to_lowercase(),
                    established_s: t.established_at.map(Instant::as_secs_f64),
                    data_bytes_sent: sf.data_bytes_sent,
                    segments_retransmitted: t.segments_retransmitted,
                    rto_timeouts: t.rto_timeouts,
                });
            }
        }
    }
}

fn link_summaries(plan: &Plan, sim: &Sim) -> Vec<LinkSummary> {
    (0..plan.links.len() * 2)
        .map(|k| {
            let id = LinkId(k as u32);
            let st = sim.link_stats(id);
            let l = &plan.links[k / 2];
            let dir = if k % 2 == 0 { &l.fwd } else { &l.rev };
            let utilization = match dir.rate {
                sim_core::LinkRate::Fixed(b) => Some(
                    st.delivered_bytes as f64 * 8.0
                        / (b.as_bps() as f64 * plan.duration.as_secs_f64()),
                ),
                sim_core::LinkRate::Trace(_) => None,
            };
            LinkSummary {
                name: link_name(plan, id),
                tx_packets: st.tx_packets,
                tx_bytes: st.tx_bytes,
                delivered_packets: st.delivered_packets,
                delivered_bytes: st.delivered_bytes,
                dropped_queue: st.dropped_queue,
                dropped_loss: st.dropped_loss,
                dropped_down: st.dropped_down,
                utilization,
            }
        })
        .collect()
}

/// `CamelCase` as `snake_case`.
fn snake(s: &str) -> String {
    let mut out = String::new();
    for (k, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if k > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// How an event's action is written in `events.csv` and the summary.
pub fn action_text(a: &ActionSpec) -> String {
    match a {
        ActionSpec::Down => "down".into(),
        ActionSpec::Up => "up".into(),
        ActionSpec::SetRate(r) => format!("rate {r}"),
        ActionSpec::SetDelay(d) => format!("delay {d}"),
        ActionSpec::SetLoss(_) => "loss".into(),
        ActionSpec::SetQueue(_) => "queue".into(),
        ActionSpec::SetBackup(b) => format!("backup {b}"),
        ActionSpec::EndpointDelete => "endpoint delete".into(),
        ActionSpec::EndpointAdd(_) => "endpoint add".into(),
    }
}

fn events_csv(plan: &Plan) -> String {
    let mut s = String::from("time_s,target,action\n");
    for ev in &plan.events {
        let _ = writeln!(
            s,
            "{},{},{}",
            secs(ev.at.as_nanos()),
            plan.links[ev.link].name,
            action_text(&ev.action)
        );
    }
    s
}

/// Completion times of the messages of a paced MPTCP flow `i`.
fn fct(
    plan: &Plan,
    sim: &Sim,
    i: usize,
    p: mptcp_model::app::Paced,
) -> Option<crate::summary::FctMs> {
    let f = &plan.flows[i];
    let id = FlowId(i as u32);
    let start = sim.host(HostId(f.src.host as u32)).mptcp_started(id)?;
    let done = sim
        .host(HostId(f.dst.host as u32))
        .message_times(id)
        .unwrap_or(&[]);
    let end = Instant::ZERO + plan.duration;
    let sent = p.chunks_by(end.saturating_duration_since(start));
    let ms = done
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let written = start + p.chunk_time(k as u64);
            t.saturating_duration_since(written).as_nanos() as f64 / 1e6
        })
        .collect();
    Some(crate::summary::FctMs::of(sent, ms))
}
