//! The run's summary ([`Summary`]), read off the simulator at the end of a run, the flows'
//! probes and the delivery log of the event metrics.

use crate::build::{Built, FlowHandle};
use crate::metrics::{event_summaries, phases, DeliveryLog};
use crate::plan::{FlowIndex, Plan, PlanTransport};
use crate::probe::{mptcp_stats, FlowProbe};
use crate::record::event_text::snake;
use crate::record::paths::{subflow_label, Paths};
use crate::summary::{
    Counters, FctMs, FlowSummary, HolDelayMs, HostSummary, LinkSummary, MiddleboxSummary,
    SubflowSummary, Summary,
};
use sim_core::Instant;

/// The summary of a finished run.
pub fn summarize(
    plan: &Plan,
    built: &Built,
    (probes, paths): (&[FlowProbe], &Paths),
    log: Option<&DeliveryLog>,
) -> Summary {
    let end = plan.end();
    let sim = &built.sim;
    let flows = built
        .handles
        .flows()
        .map(|(i, h)| {
            let f = plan.flow(i);
            let p = &probes[i.0 as usize];
            let delivered = sim.host(h.receiver).app_bytes_read(h.id);
            let active = p.completed_at.unwrap_or(end) - f.start;
            let mut s = FlowSummary {
                name: f.name.clone(),
                from: f.src.addr.to_string(),
                to: f.dst.addr.to_string(),
                transport: String::new(),
                cc: f.cc_label.clone(),
                start_s: f.start.as_secs_f64(),
                bytes_written: sim.host(h.sender).app_bytes_written(h.id),
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
            fill_transport((plan, built, paths), i, h, &mut s);
            s
        })
        .collect();
    Summary {
        scenario: plan.name.clone(),
        seed: plan.seed,
        duration_s: plan.duration.as_secs_f64(),
        flows,
        links: link_summaries(plan, built),
        events: log.map_or_else(Vec::new, |l| event_summaries(plan, l)),
        hosts: host_summaries(plan, built),
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

fn fill_transport(
    (plan, built, paths): (&Plan, &Built, &Paths),
    i: FlowIndex,
    h: FlowHandle,
    s: &mut FlowSummary,
) {
    let f = plan.flow(i);
    let sim = &built.sim;
    match &f.transport {
        PlanTransport::Tcp(_) => {
            let st = sim.host(h.sender).sender_stats(h.id).unwrap_or_default();
            s.transport = "tcp".into();
            s.bytes_sent = st.payload_bytes_sent;
            s.bytes_retransmitted = st.bytes_retransmitted;
            s.segments_retransmitted = st.segments_retransmitted;
            s.fast_recoveries = st.fast_recoveries;
            s.rto_timeouts = st.rto_timeouts;
        }
        PlanTransport::Mptcp(m) => {
            s.transport = "mptcp".into();
            let Some(st) = mptcp_stats(f, sim, h) else {
                return;
            };
            s.fallback = (sim.host(h.sender).mptcp_connection(h.id))
                .and_then(|c| c.fallback_reason())
                .map(snake);
            s.bytes_sent = st.data_bytes_sent;
            s.reinjected_bytes = Some(st.reinjected_bytes);
            s.scheduler = Some(m.scheduler_label.into());
            s.redundant_bytes = Some(st.redundant_bytes);
            s.opportunistic_retransmissions = Some(st.opportunistic_retransmissions);
            s.fct_ms = f.paced.and_then(|p| fct(plan, built, i, p));
            if let Some(r) = sim.host(h.receiver).mptcp_stats(h.id) {
                let ms = |d: sim_core::Duration| d.as_nanos() as f64 / 1e6;
                s.wasted_bytes = Some(r.duplicate_bytes);
                s.hol_delay_ms = Some(HolDelayMs {
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
                let number = |n: u32| paths.number(i, h.sender, n).unwrap_or(n);
                s.subflows.push(SubflowSummary {
                    subflow: number(sf.id.number),
                    recreated_from: sf.id.recreated_from.map(number),
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

/// The hosts with nonzero `MPTcpExt` counters.
fn host_summaries(plan: &Plan, built: &Built) -> Vec<HostSummary> {
    (plan.host_indices())
        .filter_map(|k| {
            let mib = built.sim.host(built.handles.host(k)).mptcp_mib();
            let c: Vec<(String, u64)> = mib.nonzero().map(|(n, v)| (n.to_owned(), v)).collect();
            (!c.is_empty()).then(|| HostSummary {
                name: plan.host(k).name.clone(),
                mptcp_ext: Counters(c),
            })
        })
        .collect()
}

fn link_summaries(plan: &Plan, built: &Built) -> Vec<LinkSummary> {
    (built.handles.directions())
        .map(|(d, id)| {
            let st = built.sim.link_stats(id);
            let utilization = match plan.direction(d).rate {
                sim_core::LinkRate::Fixed(b) => Some(
                    st.delivered_bytes as f64 * 8.0
                        / (b.as_bps() as f64 * plan.duration.as_secs_f64()),
                ),
                sim_core::LinkRate::Trace(_) => None,
            };
            LinkSummary {
                name: plan.direction_name(d),
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

/// Completion times of the messages of a paced MPTCP flow `i`.
fn fct(plan: &Plan, built: &Built, i: FlowIndex, p: mptcp_model::app::Paced) -> Option<FctMs> {
    let h = built.handles.flow(i);
    let start = built.sim.host(h.sender).mptcp_started(h.id)?;
    let done = (built.sim.host(h.receiver))
        .message_times(h.id)
        .unwrap_or(&[]);
    let sent = p.chunks_by(plan.end().saturating_duration_since(start));
    let ms = done
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let written = start + p.chunk_time(k as u64);
            t.saturating_duration_since(written).as_nanos() as f64 / 1e6
        })
        .collect();
    Some(FctMs::of(sent, ms))
}
