//! Running a plan: the simulation loop, time-series sampling and the run's summary.
//!
//! The loop advances the simulator from one sample instant to the next and reads the
//! endpoints' counters there, so recording costs O(samples), not O(packets). Nothing here
//! reads the wall clock; the same plan and seed always give the same bytes.

use crate::build::{build, link_ids, link_name, Sim};
use crate::output::secs;
use crate::validate::Plan;
use mptcp_model::host::FlowId;
use serde::Serialize;
use sim_core::{Duration, HostId, Instant, LinkId};
use std::fmt::Write as _;

/// Per-flow results.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FlowSummary {
    /// Flow name.
    pub name: String,
    /// Sender interface address.
    pub from: String,
    /// Receiver interface address.
    pub to: String,
    /// `tcp`.
    pub transport: String,
    /// Congestion controller.
    pub cc: String,
    /// Start time (s).
    pub start_s: f64,
    /// Bytes the sending application wrote.
    pub bytes_written: u64,
    /// Bytes delivered in order to the receiving application.
    pub bytes_delivered: u64,
    /// Mean goodput from start to completion (or the end of the run), bit/s.
    pub goodput_bps: f64,
    /// When the receiver got the last byte of a finite transfer (s).
    pub completed_at_s: Option<f64>,
    /// Payload bytes sent, retransmissions included.
    pub bytes_sent: u64,
    /// Payload bytes retransmitted.
    pub bytes_retransmitted: u64,
    /// Segments retransmitted.
    pub segments_retransmitted: u64,
    /// Fast recoveries entered.
    pub fast_recoveries: u64,
    /// Retransmission timeouts.
    pub rto_timeouts: u64,
    /// Mean of the sampled smoothed RTT (ms), when any was measured.
    pub mean_srtt_ms: Option<f64>,
}

/// Per-link (one direction) results.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LinkSummary {
    /// `name` or `name.rev`.
    pub name: String,
    /// Packets accepted for transmission.
    pub tx_packets: u64,
    /// Bytes accepted for transmission.
    pub tx_bytes: u64,
    /// Packets that reached the far end.
    pub delivered_packets: u64,
    /// Bytes that reached the far end.
    pub delivered_bytes: u64,
    /// Packets refused by a full queue.
    pub dropped_queue: u64,
    /// Packets lost by the loss model.
    pub dropped_loss: u64,
    /// Packets lost because the link was down.
    pub dropped_down: u64,
    /// Delivered bits over the run's duration / capacity (fixed-rate links only).
    pub utilization: Option<f64>,
}

/// The whole run's summary (`summary.json`).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Seed used.
    pub seed: u64,
    /// Simulated duration (s).
    pub duration_s: f64,
    /// Flows.
    pub flows: Vec<FlowSummary>,
    /// Links, each direction.
    pub links: Vec<LinkSummary>,
    /// Events the engine processed.
    pub engine_events: u64,
    /// Packets dropped for lack of a route.
    pub unroutable_packets: u64,
}

/// What a run produced, before it is written.
pub struct RunOutput {
    /// The summary.
    pub summary: Summary,
    /// `timeseries.csv` contents.
    pub timeseries: String,
    /// `events.csv` contents.
    pub events: String,
}

struct FlowTrack {
    prev_read: u64,
    prev_sent: u64,
    srtt_sum_ms: f64,
    srtt_n: u64,
    completed_at: Option<Instant>,
}

/// Runs `plan`, calling `progress(now)` after each sample.
pub fn run(plan: &Plan, mut progress: impl FnMut(Instant)) -> Result<RunOutput, String> {
    let mut sim = build(plan)?;
    let step = plan.scenario.output.sample_interval.0;
    let record = plan.scenario.output.timeseries;
    let end = Instant::ZERO + plan.duration;
    let mut ts = String::from("time_s,kind,name,subflow,metric,value\n");
    let mut tracks: Vec<FlowTrack> = plan
        .flows
        .iter()
        .map(|_| FlowTrack {
            prev_read: 0,
            prev_sent: 0,
            srtt_sum_ms: 0.0,
            srtt_n: 0,
            completed_at: None,
        })
        .collect();
    let links: Vec<(LinkId, String)> = (0..plan.links.len())
        .flat_map(|i| {
            let (f, b) = link_ids(i);
            [f, b]
        })
        .map(|id| (id, link_name(plan, id)))
        .collect();
    let mut link_prev = vec![0u64; links.len()];
    let mut t = Instant::ZERO;
    while t < end {
        let next = (t + step).min(end);
        sim.run_until(next);
        let dt = next - t;
        t = next;
        sample_flows(plan, &sim, t, dt, &mut tracks, record.then_some(&mut ts));
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
        }
        progress(t);
    }
    let summary = summarize(plan, &sim, &tracks);
    Ok(RunOutput {
        summary,
        timeseries: ts,
        events: events_csv(plan),
    })
}

fn sample_flows(
    plan: &Plan,
    sim: &Sim,
    t: Instant,
    dt: Duration,
    tracks: &mut [FlowTrack],
    mut ts: Option<&mut String>,
) {
    let dts = dt.as_secs_f64();
    let tsec = secs(t.as_nanos());
    for (i, f) in plan.flows.iter().enumerate() {
        let id = FlowId(i as u32);
        let tr = &mut tracks[i];
        let rx = sim.host(HostId(f.dst.host as u32));
        let tx = sim.host(HostId(f.src.host as u32));
        let read = rx.app_bytes_read(id);
        let stats = tx.sender_stats(id);
        let sent = stats.as_ref().map_or(0, |s| s.payload_bytes_sent);
        if let (Some(total), None) = (f.bytes, tr.completed_at) {
            if read >= total {
                tr.completed_at = Some(t);
            }
        }
        if let Some(s) = &stats {
            if let Some(srtt) = s.srtt {
                tr.srtt_sum_ms += srtt.as_nanos() as f64 / 1e6;
                tr.srtt_n += 1;
            }
        }
        if let Some(ts) = ts.as_deref_mut() {
            let goodput = (read - tr.prev_read) as f64 * 8.0 / dts;
            let thr = sent.saturating_sub(tr.prev_sent) as f64 * 8.0 / dts;
            let n = &f.name;
            let _ = writeln!(ts, "{tsec},flow,{n},,goodput_bps,{goodput:.1}");
            let _ = writeln!(ts, "{tsec},flow,{n},,throughput_bps,{thr:.1}");
            if let Some(s) = &stats {
                let _ = writeln!(ts, "{tsec},flow,{n},,cwnd_bytes,{}", s.cwnd);
                let _ = writeln!(ts, "{tsec},flow,{n},,inflight_bytes,{}", s.bytes_in_flight);
                if let Some(srtt) = s.srtt {
                    let _ = writeln!(
                        ts,
                        "{tsec},flow,{n},,srtt_ms,{:.3}",
                        srtt.as_nanos() as f64 / 1e6
                    );
                }
            }
        }
        tr.prev_read = read;
        tr.prev_sent = sent;
    }
}

fn summarize(plan: &Plan, sim: &Sim, tracks: &[FlowTrack]) -> Summary {
    let end = Instant::ZERO + plan.duration;
    let flows = plan
        .flows
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let id = FlowId(i as u32);
            let tx = sim.host(HostId(f.src.host as u32));
            let rx = sim.host(HostId(f.dst.host as u32));
            let s = tx.sender_stats(id).unwrap_or_default();
            let tr = &tracks[i];
            let delivered = rx.app_bytes_read(id);
            let active = tr.completed_at.unwrap_or(end) - f.start;
            let crate::schema::TransportSpec::Tcp(t) = &f.transport;
            FlowSummary {
                name: f.name.clone(),
                from: f.src.addr.to_string(),
                to: f.dst.addr.to_string(),
                transport: "tcp".into(),
                cc: format!("{:?}", t.cc).to_lowercase(),
                start_s: f.start.as_secs_f64(),
                bytes_written: tx.app_bytes_written(id),
                bytes_delivered: delivered,
                goodput_bps: if active.is_zero() {
                    0.0
                } else {
                    delivered as f64 * 8.0 / active.as_secs_f64()
                },
                completed_at_s: tr.completed_at.map(Instant::as_secs_f64),
                bytes_sent: s.payload_bytes_sent,
                bytes_retransmitted: s.bytes_retransmitted,
                segments_retransmitted: s.segments_retransmitted,
                fast_recoveries: s.fast_recoveries,
                rto_timeouts: s.rto_timeouts,
                mean_srtt_ms: (tr.srtt_n > 0).then(|| tr.srtt_sum_ms / tr.srtt_n as f64),
            }
        })
        .collect();
    let links = (0..plan.links.len() * 2)
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
        .collect();
    Summary {
        scenario: plan.name.clone(),
        seed: plan.seed,
        duration_s: plan.duration.as_secs_f64(),
        flows,
        links,
        engine_events: sim.events_processed(),
        unroutable_packets: sim.unroutable_packets(),
    }
}

fn events_csv(plan: &Plan) -> String {
    let mut s = String::from("time_s,target,action\n");
    for ev in &plan.events {
        let action = match &ev.action {
            crate::schema::ActionSpec::Down => "down".to_string(),
            crate::schema::ActionSpec::Up => "up".to_string(),
            crate::schema::ActionSpec::SetRate(r) => format!("rate {r}"),
            crate::schema::ActionSpec::SetDelay(d) => format!("delay {d}"),
            crate::schema::ActionSpec::SetLoss(_) => "loss".to_string(),
            crate::schema::ActionSpec::SetQueue(_) => "queue".to_string(),
        };
        let _ = writeln!(
            s,
            "{},{},{}",
            secs(ev.at.as_nanos()),
            plan.links[ev.link].name,
            action
        );
    }
    s
}
