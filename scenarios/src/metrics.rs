//! Event metrics: per link event and flow, the stall (longest time without in-order delivery)
//! and the recovery time (until goodput reaches 90% of the capacity of the paths still up),
//! and goodput per phase between events.
//!
//! The runner hands each flow's cumulative delivered bytes to a [`DeliveryLog`] every
//! millisecond (only when the scenario has link events), so both metrics have 1 ms resolution.
//! The log computes them as the ticks arrive: it keeps the last 101 ticks per flow, the
//! running stall and first recovery tick per event and flow, and the values at phase
//! boundaries. Its memory is O(flows × events), independent of the run's duration (nothing
//! is allocated in proportion to the duration); its time O(ticks × flows).

use crate::build::Built;
use crate::plan::{FlowIndex, LinkDirection, Plan, PlanEvent, PlanTransport};
use crate::record::sample::action_text;
use crate::summary::{EventFlowSummary, EventSummary, PhaseSummary};
use crate::validate::mean_rate;
use sim_core::{Duration, LinkChange, LinkRate};
use std::collections::BTreeSet;

/// Resolution of the delivery record.
pub const TICK: Duration = Duration::from_millis(1);
/// Window over which recovery goodput is measured.
pub const RECOVERY_WINDOW_TICKS: usize = 100;
/// Fraction of the remaining capacity that counts as recovered.
pub const RECOVERY_FRACTION: f64 = 0.9;

/// One (event, flow) pair's window and what has been measured in it so far.
#[derive(Clone, Debug)]
struct Track {
    /// The event's tick (the window's order).
    event_tick: usize,
    /// First tick measured: the event's, or the flow's start if later.
    from: usize,
    /// Last tick of the window (the next later event's tick, or the end).
    to: usize,
    /// Bytes per recovery window that count as recovered.
    need: f64,
    /// The capacity the flow's paths have after the event.
    capacity_bps: f64,
    /// Ticks without delivery in the current run, and the longest run.
    run: usize,
    longest: usize,
    /// Ticks after `from` when the goodput first reached `need`.
    recovered: Option<usize>,
}

/// Per flow: the last ticks of cumulative delivered bytes and the measurements in progress.
pub struct DeliveryLog {
    /// Ticks recorded so far, per flow.
    ticks: Vec<usize>,
    /// The last `RECOVERY_WINDOW_TICKS + 1` values per flow, at `tick % (W + 1)`.
    ring: Vec<Vec<u64>>,
    /// Per flow, its tracks in event order, and the first one not yet over.
    tracks: Vec<Vec<Track>>,
    open: Vec<usize>,
    /// Distinct phase boundary ticks (0, event ticks, the end), and per flow the value at each.
    bounds: Vec<usize>,
    at_bounds: Vec<Vec<Option<u64>>>,
    /// The last value recorded per flow.
    last: Vec<u64>,
}

impl DeliveryLog {
    /// A log for `plan`'s flows and events; `built` (not yet run) gives the routes that
    /// decide each flow's capacity after each event.
    pub fn new(plan: &Plan, built: &Built) -> Self {
        let end = tick_of(plan.end());
        let caps = event_capacities(plan, built);
        let w = RECOVERY_WINDOW_TICKS;
        let tracks = (0..plan.flows.len())
            .map(|i| {
                let start = tick_of(plan.flows[i].start);
                plan.events
                    .iter()
                    .enumerate()
                    .map(|(e, ev)| {
                        let event_tick = tick_of(ev.at);
                        let to = plan.events[e + 1..]
                            .iter()
                            .find(|n| n.at > ev.at)
                            .map_or(end, |n| tick_of(n.at));
                        let cap = caps[e][i];
                        Track {
                            event_tick,
                            from: event_tick.max(start),
                            to,
                            need: RECOVERY_FRACTION * cap * (w as f64 * TICK.as_secs_f64()) / 8.0,
                            capacity_bps: cap,
                            run: 0,
                            longest: 0,
                            recovered: None,
                        }
                    })
                    .collect()
            })
            .collect();
        Self::with_tracks(plan.flows.len(), tracks, phase_bounds(plan, end))
    }

    fn with_tracks(flows: usize, tracks: Vec<Vec<Track>>, bounds: Vec<usize>) -> Self {
        DeliveryLog {
            ticks: vec![0; flows],
            ring: vec![vec![0; RECOVERY_WINDOW_TICKS + 1]; flows],
            tracks,
            open: vec![0; flows],
            at_bounds: vec![vec![None; bounds.len()]; flows],
            bounds,
            last: vec![0; flows],
        }
    }

    /// Appends the next tick's cumulative delivered bytes of `flow` (ticks from 0).
    pub fn push(&mut self, flow: FlowIndex, delivered: u64) {
        self.push_at(flow.0 as usize, delivered);
    }

    fn push_at(&mut self, flow: usize, delivered: u64) {
        let k = self.ticks[flow];
        let w = RECOVERY_WINDOW_TICKS;
        let ring = &mut self.ring[flow];
        let tracks = &mut self.tracks[flow];
        let open = &mut self.open[flow];
        while tracks.get(*open).is_some_and(|t| t.to < k) {
            *open += 1;
        }
        for t in tracks[*open..].iter_mut() {
            if t.event_tick > k {
                break;
            }
            // The step from tick k-1 to k lies in the window's [from, to).
            if k > t.from && k <= t.to {
                if delivered == ring[(k - 1) % (w + 1)] {
                    t.run += 1;
                    t.longest = t.longest.max(t.run);
                } else {
                    t.run = 0;
                }
            }
            if t.recovered.is_none() && k >= t.from + w && k <= t.to {
                let before = ring[(k - w) % (w + 1)];
                if (delivered - before) as f64 >= t.need {
                    t.recovered = Some(k - t.from);
                }
            }
        }
        ring[k % (w + 1)] = delivered;
        if let Ok(b) = self.bounds.binary_search(&k) {
            self.at_bounds[flow][b] = Some(delivered);
        }
        self.last[flow] = delivered;
        self.ticks[flow] = k + 1;
    }

    /// Delivered bytes of `flow` at phase boundary `b` (the last value when not reached).
    fn at_bound(&self, flow: usize, b: usize) -> u64 {
        self.at_bounds[flow][b].unwrap_or(self.last[flow])
    }
}

/// The distinct tick boundaries of the phases: 0, each event's tick, the end.
fn phase_bounds(plan: &Plan, end: usize) -> Vec<usize> {
    let mut bounds = vec![0usize];
    for ev in &plan.events {
        let t = tick_of(ev.at);
        if bounds.last() != Some(&t) {
            bounds.push(t);
        }
    }
    bounds.push(end);
    bounds.dedup();
    bounds
}

/// The capacity of each flow's paths after each event (`[event][flow]`), replaying the
/// events' link changes in order.
fn event_capacities(plan: &Plan, built: &Built) -> Vec<Vec<f64>> {
    let (mut up, mut rate) = initial_link_state(plan, built);
    plan.events
        .iter()
        .map(|ev| {
            apply_event(built, ev, &mut up, &mut rate);
            (plan.flows.iter())
                .map(|f| capacity(plan, built, f, &up, &rate))
                .collect()
        })
        .collect()
}

/// Every engine link up, at its configured (mean) rate; indexed by the engine's link id.
fn initial_link_state(plan: &Plan, built: &Built) -> (Vec<bool>, Vec<f64>) {
    let n = built.sim.network().link_count();
    let mut rate = vec![0.0; n];
    for (d, id) in built.handles.directions() {
        rate[id.0 as usize] = mean_rate(&plan.direction(d).rate).as_bps() as f64;
    }
    (vec![true; n], rate)
}

/// Applies one event's changes of link state (up, rate).
fn apply_event(built: &Built, ev: &PlanEvent, up: &mut [bool], rate: &mut [f64]) {
    for &(dir, ref change) in &ev.changes {
        let d = LinkDirection { link: ev.link, dir };
        let k = built.handles.link(d).0 as usize;
        match change {
            LinkChange::Down | LinkChange::DownSilent => up[k] = false,
            LinkChange::Up => up[k] = true,
            LinkChange::SetRate(r) => rate[k] = rate_bps(r),
            _ => {}
        }
    }
}

fn rate_bps(r: &LinkRate) -> f64 {
    r.mean_rate().as_bps() as f64
}

/// Capacity of the paths of flow `f` that are up: the sum of the rates of the distinct
/// bottleneck links of its up paths (in the data direction).
fn capacity(
    plan: &Plan,
    built: &Built,
    f: &crate::plan::PlanFlow,
    up: &[bool],
    rate: &[f64],
) -> f64 {
    let sim = &built.sim;
    let pairs: Vec<(sim_core::Addr, sim_core::Addr)> = match f.transport {
        PlanTransport::Tcp(_) => vec![(f.src.addr, f.dst.addr)],
        PlanTransport::Mptcp(_) => {
            let s = &plan.host(f.src.host()).ifaces;
            let d = &plan.host(f.dst.host()).ifaces;
            s.iter()
                .flat_map(|a| d.iter().map(move |b| (a.addr, b.addr)))
                .collect()
        }
    };
    let mut bottlenecks = BTreeSet::new();
    for (a, b) in pairs {
        let Some(route) = sim.network().route(a, b) else {
            continue;
        };
        if route.iter().all(|l| up[l.0 as usize]) {
            let bn = route
                .iter()
                .min_by(|x, y| rate[x.0 as usize].total_cmp(&rate[y.0 as usize]));
            if let Some(l) = bn {
                bottlenecks.insert(l.0 as usize);
            }
        }
    }
    bottlenecks.iter().map(|&k| rate[k]).sum()
}

fn tick_of(t: sim_core::Instant) -> usize {
    (t.as_nanos() / TICK.as_nanos()) as usize
}

/// Stall and recovery of every flow after every event.
pub fn event_summaries(plan: &Plan, log: &DeliveryLog) -> Vec<EventSummary> {
    plan.events
        .iter()
        .enumerate()
        .map(|(e, ev)| {
            let flows = plan
                .flows
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let t = &log.tracks[i][e];
                    EventFlowSummary {
                        flow: f.name.clone(),
                        stall_s: t.longest as f64 * TICK.as_secs_f64(),
                        recovery_s: t.recovered.map(|k| k as f64 * TICK.as_secs_f64()),
                        capacity_bps: t.capacity_bps,
                    }
                })
                .collect();
            EventSummary {
                time_s: ev.at.as_secs_f64(),
                link: plan.link(ev.link).name.clone(),
                action: action_text(&ev.action),
                flows,
            }
        })
        .collect()
}

/// Goodput of flow `i` between consecutive distinct event times.
pub fn phases(plan: &Plan, log: &DeliveryLog, i: FlowIndex) -> Vec<PhaseSummary> {
    let i = i.0 as usize;
    if plan.events.is_empty() {
        return Vec::new();
    }
    (1..log.bounds.len())
        .map(|b| {
            let (w0, w1) = (log.bounds[b - 1], log.bounds[b]);
            let bytes = log.at_bound(i, b) - log.at_bound(i, b - 1);
            let secs = (w1 - w0) as f64 * TICK.as_secs_f64();
            PhaseSummary {
                from_s: w0 as f64 * TICK.as_secs_f64(),
                to_s: w1 as f64 * TICK.as_secs_f64(),
                goodput_bps: bytes as f64 * 8.0 / secs,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(from: usize, to: usize, bps: f64) -> Track {
        Track {
            event_tick: from,
            from,
            to,
            need: bps * (RECOVERY_WINDOW_TICKS as f64 * TICK.as_secs_f64()) / 8.0,
            capacity_bps: bps,
            run: 0,
            longest: 0,
            recovered: None,
        }
    }

    #[test]
    fn stall_and_recovery_on_a_made_up_log() {
        // Windows: [90, 600) for the stall; [100, 600] at 90% of 16 Mbit/s; [100, 600] at
        // 17 Mbit/s (never reached).
        let tracks = vec![vec![
            track(90, 600, 1e9),
            track(100, 600, 0.9 * 16e6),
            track(100, 600, 17e6),
        ]];
        let mut log = DeliveryLog::with_tracks(1, tracks, vec![0, 100, 600]);
        // 1000 bytes per ms until tick 100, nothing until 150, then 2000 per ms.
        let mut cum = 0;
        for k in 0..=600 {
            log.push_at(0, cum);
            cum += match k {
                0..=99 => 1000,
                100..=149 => 0,
                _ => 2000,
            };
        }
        assert_eq!(log.tracks[0][0].longest, 50);
        // 2000 B/ms = 16 Mbit/s; 90% of it over 100 ms needs 90 ms of delivery after tick 150.
        assert_eq!(log.tracks[0][1].recovered, Some(140));
        assert_eq!(log.tracks[0][2].recovered, None);
        assert_eq!(log.at_bound(0, 1), 100_000);
        assert_eq!(log.at_bound(0, 2), 100_000 + 450 * 2000);
    }
}
