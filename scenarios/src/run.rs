//! Running a plan: the simulation loop, its records and the run's summary.
//!
//! The loop advances the simulator from one stop to the next — every sample instant, and every
//! millisecond when the scenario has link events (for the stall and recovery metrics) — and
//! reads the endpoints there through a [`Recorder`], so recording costs O(samples + events),
//! not O(packets). Records go to a [`Sink`] as they happen: files for `mpsim run`, memory for
//! `mpsim compare` and the tests ([`run`]). Nothing here reads the wall clock; the same plan
//! and seed always give the same bytes.

use crate::build::{build_as, Built, PacketForm};
use crate::metrics::{DeliveryLog, TICK};
use crate::plan::{FlowIndex, Plan, PlanTransport};
use crate::record::memory::{MemorySink, Record};
use crate::record::recorder::Recorder;
use crate::record::sink::Sink;
use crate::summarize::summarize;
pub use crate::summary::*;
use sim_core::{HostId, Instant};

/// What a run produced, kept in memory.
pub struct RunOutput {
    /// The summary.
    pub summary: Summary,
    /// Every record of the run.
    pub record: Record,
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The plan could not be built into a network.
    #[error("{0}")]
    Build(String),
    /// A sink could not write.
    #[error("{0}")]
    Write(#[from] std::io::Error),
}

/// Runs `plan` with every record kept in memory, calling `progress(now)` after each sample.
pub fn run(plan: &Plan, progress: impl FnMut(Instant)) -> Result<RunOutput, String> {
    run_as(plan, PacketForm::Auto, progress)
}

/// As [`run`], on the packets `form` says.
pub fn run_as(
    plan: &Plan,
    form: PacketForm,
    progress: impl FnMut(Instant),
) -> Result<RunOutput, String> {
    let sink = run_into_as(plan, form, MemorySink::new(), progress).map_err(|e| e.to_string())?;
    let record = sink.into_record();
    let summary = record
        .summary
        .clone()
        .ok_or("the run ended without a summary")?;
    Ok(RunOutput { summary, record })
}

/// Runs `plan`, handing its records to `sink` as they happen and its summary at the end;
/// returns the sink. Calls `progress(now)` after each sample.
pub fn run_into<S: Sink>(
    plan: &Plan,
    sink: S,
    progress: impl FnMut(Instant),
) -> Result<S, RunError> {
    run_into_as(plan, PacketForm::Auto, sink, progress)
}

/// As [`run_into`], on the packets `form` says.
pub fn run_into_as<S: Sink>(
    plan: &Plan,
    form: PacketForm,
    sink: S,
    mut progress: impl FnMut(Instant),
) -> Result<S, RunError> {
    let mut built = build_as(plan, form).map_err(RunError::Build)?;
    let balanced = plan.flows.iter().any(|f| f.via.is_some());
    let mut settled = balanced.then(|| plan.clone());
    let step = plan.scenario.output.sample_interval.0;
    let end = plan.end();
    let mut recorder = Recorder::new(plan, &built, sink);
    let mut log = (!plan.events.is_empty()).then(|| DeliveryLog::new(plan, &built));
    if let Some(log) = &mut log {
        log_deliveries(&built, log);
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
        built.sim.run_until(next);
        t = next;
        if let Some(p) = &mut settled {
            settle_balanced(p, &mut built);
        }
        let plan = settled.as_ref().unwrap_or(plan);
        if let Some(log) = &mut log {
            if t.as_nanos() % TICK.as_nanos() == 0 {
                log_deliveries(&built, log);
            }
        }
        if t < next_sample {
            continue;
        }
        let dt = t - last_sample;
        last_sample = t;
        recorder.sample(plan, &mut built, t, dt)?;
        progress(t);
    }
    let plan = settled.as_ref().unwrap_or(plan);
    let summary = summarize(plan, &built, recorder.state(), log.as_ref());
    Ok(recorder.finish(&summary)?)
}

fn log_deliveries(built: &Built, log: &mut DeliveryLog) {
    for (i, h) in built.handles.flows() {
        log.push(i, built.sim.host(h.receiver).app_bytes_read(h.id));
    }
}

/// For flows through a load balancer: the backend that took the connection becomes the
/// flow's listening end (once one has it), in the plan and in the engine handles.
fn settle_balanced(plan: &mut Plan, built: &mut Built) {
    for (k, f) in plan.flows.iter_mut().enumerate() {
        let Some(v) = &f.via else { continue };
        let PlanTransport::Mptcp(m) = &mut f.transport else {
            continue;
        };
        let i = FlowIndex(k as u32);
        let h = built.handles.flow(i);
        let has = |host: HostId| built.sim.host(host).mptcp_started(h.id).is_some();
        let listen_is_dst = m.listener == f.dst;
        if has(if listen_is_dst { h.receiver } else { h.sender }) {
            continue;
        }
        let found = (v.backends.iter()).find(|b| has(built.handles.host(b.host())));
        let Some(&b) = found else { continue };
        m.listener = b;
        if listen_is_dst {
            f.dst = b;
        } else {
            f.src = b;
        }
        let host = built.handles.host(b.host());
        built.handles.set_flow_end(i, listen_is_dst, host);
    }
}
