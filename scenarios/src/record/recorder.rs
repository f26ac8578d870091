//! [`Recorder`]: reads a running simulation at each sampling instant and hands typed records
//! to a [`Sink`]: the flows' samples (through their [`FlowProbe`]s), the links' rates and
//! queues, and the scheduled link events that have happened. The model's own event queues
//! are drained at the same instants (the hosts' contract), so memory holds at most one
//! sampling interval's events. Recording costs O(samples + events), never O(packets).

use super::sample::{EventKind, EventRecord, Metric, Sample, Series};
use super::sink::Sink;
use crate::build::Built;
use crate::plan::{FlowIndex, Plan};
use crate::probe::{FlowProbe, Found};
use sim_core::{Duration, Instant};
use std::io;

/// Turns a run's state into records for a sink.
pub struct Recorder<S> {
    sink: S,
    /// Whether time series go to the sink (the probes sample regardless: the summary reads
    /// them).
    series: bool,
    probes: Vec<FlowProbe>,
    /// Bytes each link direction had delivered at the previous sample.
    link_prev: Vec<u64>,
    /// Scheduled events recorded so far.
    events_done: usize,
    found: Found,
}

impl<S: Sink> Recorder<S> {
    /// A recorder of a run of `plan` into `sink`.
    pub fn new(plan: &Plan, sink: S) -> Self {
        Recorder {
            sink,
            series: plan.scenario.output.timeseries,
            probes: plan.flows.iter().map(|_| FlowProbe::default()).collect(),
            link_prev: vec![0; plan.links.len() * 2],
            events_done: 0,
            found: Found::default(),
        }
    }

    /// The flows' probes (their running measurements feed the summary).
    pub fn probes(&self) -> &[FlowProbe] {
        &self.probes
    }

    /// Records the state at sampling instant `t`, `dt` after the previous one.
    pub fn sample(
        &mut self,
        plan: &Plan,
        built: &mut Built,
        t: Instant,
        dt: Duration,
    ) -> io::Result<()> {
        self.drain_events(plan, built, t)?;
        let sim = &built.sim;
        for (k, probe) in self.probes.iter_mut().enumerate() {
            let i = FlowIndex(k as u32);
            let h = built.handles.flow(i);
            probe.sample(plan, sim, i, h, t, dt, &mut self.found);
            for s in self.found.subflows.drain(..) {
                self.sink.subflow(&s)?;
            }
            for s in self.found.samples.drain(..) {
                if self.series {
                    self.sink.sample(&s)?;
                }
            }
        }
        if !self.series {
            return Ok(());
        }
        for (k, (d, id)) in built.handles.directions().enumerate() {
            let q = sim.link_queue(id);
            let delivered = sim.link_stats(id).delivered_bytes;
            let thr = (delivered - self.link_prev[k]) as f64 * 8.0 / dt.as_secs_f64();
            self.link_prev[k] = delivered;
            let series = Series::Link(d);
            for (metric, value) in [
                (Metric::ThroughputBps, thr),
                (Metric::QueuePackets, q.packets as f64),
                (Metric::QueueBytes, q.bytes as f64),
            ] {
                let s = Sample {
                    at: t,
                    series,
                    metric,
                    value,
                };
                self.sink.sample(&s)?;
            }
        }
        Ok(())
    }

    /// Empties the hosts' event queues (the model's events are not recorded yet) and records
    /// the scheduled events up to `t`.
    fn drain_events(&mut self, plan: &Plan, built: &mut Built, t: Instant) -> io::Result<()> {
        for h in plan.host_indices() {
            let host = built.sim.host_mut(built.handles.host(h));
            while host.poll_event().is_some() {}
        }
        while let Some(ev) = plan.events.get(self.events_done).filter(|e| e.at <= t) {
            let record = EventRecord {
                at: ev.at,
                kind: EventKind::Link {
                    link: ev.link,
                    action: ev.action.clone(),
                },
            };
            self.sink.event(&record)?;
            self.events_done += 1;
        }
        Ok(())
    }

    /// Hands the summary to the sink and returns the sink.
    pub fn finish(mut self, summary: &crate::summary::Summary) -> io::Result<S> {
        self.sink.finish(summary)?;
        Ok(self.sink)
    }
}
