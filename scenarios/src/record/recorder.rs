//! [`Recorder`]: reads a running simulation at each sampling instant and hands typed records
//! to a [`Sink`]: the flows' samples (through their [`FlowProbe`]s), the links' rates and
//! queues, the scheduled link events that have happened and every event the model's
//! endpoints queued since the previous instant (drained there, as the hosts' contract asks,
//! so memory holds at most one sampling interval's events). Subflows are numbered across
//! both ends of each flow ([`Paths`]). Recording costs O(samples + events), never
//! O(packets).

use super::paths::Paths;
use super::sample::{EventKind, EventRecord, Metric, Sample, Series};
use super::sink::Sink;
use crate::build::Built;
use crate::plan::{FlowIndex, HostIndex, Plan};
use crate::probe::{FlowProbe, Found};
use mptcp_model::event::{Event, MptcpEventKind};
use mptcp_model::host::FlowEvent;
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
    /// The numbering of each flow's subflows.
    paths: Paths,
    /// The model's events of one interval, with their host: gathered, then sorted by time.
    pending: Vec<(HostIndex, FlowEvent)>,
}

impl<S: Sink> Recorder<S> {
    /// A recorder of a run of `plan` into `sink`.
    pub fn new(plan: &Plan, built: &Built, sink: S) -> Self {
        Recorder {
            paths: Paths::new(plan, &built.handles),
            pending: Vec::new(),
            sink,
            series: plan.scenario.output.timeseries,
            probes: plan.flows.iter().map(|_| FlowProbe::default()).collect(),
            link_prev: vec![0; plan.links.len() * 2],
            events_done: 0,
            found: Found::default(),
        }
    }

    /// The flows' probes (their running measurements feed the summary) and the numbering
    /// of their subflows.
    pub fn state(&self) -> (&[FlowProbe], &Paths) {
        (&self.probes, &self.paths)
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
        if let Some(capture) = &plan.capture {
            // Each capturing host once, its packets in the order it saw them.
            let mut last = None;
            for i in &capture.ifaces {
                if last == Some(i.host) {
                    continue;
                }
                last = Some(i.host);
                let host = built.sim.host_mut(built.handles.host(i.host));
                while let Some(p) = host.poll_captured() {
                    self.sink.packet(&p)?;
                }
            }
        }
        let sim = &built.sim;
        for (k, probe) in self.probes.iter_mut().enumerate() {
            let i = FlowIndex(k as u32);
            let h = built.handles.flow(i);
            let paths = &mut self.paths;
            probe.sample(plan, sim, (i, h), paths, t, dt, &mut self.found);
            for s in self.found.subflows.drain(..) {
                self.sink.subflow(&s)?;
            }
            if self.series {
                self.sink.samples(&self.found.samples)?;
            }
            self.found.samples.clear();
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

    /// Records the events up to `t`: the scheduled link events, and the model's events the
    /// hosts queued (drained, as their contract asks), merged in time order (a link event
    /// before what its host makes of it at the same instant).
    fn drain_events(&mut self, plan: &Plan, built: &mut Built, t: Instant) -> io::Result<()> {
        for h in plan.host_indices() {
            let host = built.sim.host_mut(built.handles.host(h));
            while let Some(e) = host.poll_event() {
                self.pending.push((h, e));
            }
            // SCTP's association events are drained unrecorded (events.csv names TCP and
            // MPTCP events only).
            while host.poll_sctp_event().is_some() {}
        }
        self.pending.sort_by_key(|(h, e)| (e.at, *h));
        let mut next = 0;
        loop {
            let link = plan.events.get(self.events_done).filter(|e| e.at <= t);
            let model = self.pending.get(next);
            match (link, model) {
                (Some(ev), m) if m.is_none_or(|(_, e)| ev.at <= e.at) => {
                    let kind = EventKind::Link {
                        link: ev.link,
                        action: ev.action.clone(),
                    };
                    self.sink.event(&EventRecord { at: ev.at, kind })?;
                    self.events_done += 1;
                }
                (_, Some(&(h, e))) => {
                    self.model_event(plan, built, h, e)?;
                    next += 1;
                }
                _ => break,
            }
        }
        self.pending.clear();
        Ok(())
    }

    /// Records one event of the model, numbering the subflows it names.
    fn model_event(
        &mut self,
        plan: &Plan,
        built: &Built,
        host: HostIndex,
        e: FlowEvent,
    ) -> io::Result<()> {
        let flow = FlowIndex(e.flow.0);
        let engine_host = built.handles.host(host);
        let subflow = e.subflow.map(|id| {
            (self.paths).key(
                plan,
                (flow, engine_host),
                id,
                e.at,
                &mut self.found.subflows,
            )
        });
        for s in self.found.subflows.drain(..) {
            self.sink.subflow(&s)?;
        }
        let mut event = e.event;
        if let Event::Mptcp(MptcpEventKind::Reinjected { from, .. }) = &mut event {
            *from = from.and_then(|n| self.paths.number(flow, engine_host, n));
        }
        let kind = EventKind::Flow {
            host,
            flow,
            subflow,
            event,
        };
        self.sink.event(&EventRecord { at: e.at, kind })
    }

    /// Hands the summary to the sink and returns the sink.
    pub fn finish(mut self, summary: &crate::summary::Summary) -> io::Result<S> {
        self.sink.finish(summary)?;
        Ok(self.sink)
    }
}
