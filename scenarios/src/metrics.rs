//! Event metrics: per link event and flow, the stall (longest time without in-order delivery)
//! and the recovery time (until goodput reaches 90% of the capacity of the paths still up),
//! and goodput per phase between events.
//!
//! The runner records each flow's cumulative delivered bytes every millisecond (only when
//! the scenario has link events), so both metrics have 1 ms resolution and cost O(duration
//! in ms), independent of the packet count.

use crate::build::{link_ids, Sim};
use crate::schema::TransportSpec;
use crate::summary::{EventFlowSummary, EventSummary, PhaseSummary};
use crate::validate::{mean_rate, Plan};
use sim_core::{Duration, LinkChange, LinkRate};
use std::collections::BTreeSet;

/// Resolution of the delivery record.
pub const TICK: Duration = Duration::from_millis(1);
/// Window over which recovery goodput is measured.
pub const RECOVERY_WINDOW_TICKS: usize = 100;
/// Fraction of the remaining capacity that counts as recovered.
pub const RECOVERY_FRACTION: f64 = 0.9;

/// Cumulative delivered bytes per flow, one entry per tick from time 0.
pub struct DeliveryLog {
    cum: Vec<Vec<u64>>,
}

impl DeliveryLog {
    /// An empty log for `flows` flows.
    pub fn new(flows: usize, ticks: usize) -> Self {
        DeliveryLog {
            cum: (0..flows).map(|_| Vec::with_capacity(ticks + 1)).collect(),
        }
    }

    /// Appends one tick's cumulative delivered bytes of `flow`.
    pub fn push(&mut self, flow: usize, delivered: u64) {
        self.cum[flow].push(delivered);
    }

    /// Delivered bytes of `flow` at tick `k` (clamped to what was recorded).
    fn at(&self, flow: usize, k: usize) -> u64 {
        let v = &self.cum[flow];
        v.get(k).or(v.last()).copied().unwrap_or(0)
    }

    /// Longest run of ticks without delivery in `[from, to)`.
    fn longest_stall(&self, flow: usize, from: usize, to: usize) -> usize {
        let (mut best, mut run) = (0, 0);
        for k in from..to {
            if self.at(flow, k + 1) == self.at(flow, k) {
                run += 1;
                best = best.max(run);
            } else {
                run = 0;
            }
        }
        best
    }

    /// First tick `k` in `[from + W, to]` where the goodput over the last W ticks reaches
    /// `bps`, as ticks after `from`.
    fn recovery(&self, flow: usize, from: usize, to: usize, bps: f64) -> Option<usize> {
        let w = RECOVERY_WINDOW_TICKS;
        let need = bps * (w as f64 * TICK.as_secs_f64()) / 8.0;
        (from + w..=to)
            .find(|&k| (self.at(flow, k) - self.at(flow, k - w)) as f64 >= need)
            .map(|k| k - from)
    }
}

/// The state of every directed link (up, rate) after the events up to and including `upto`.
fn link_state(plan: &Plan, upto: usize) -> (Vec<bool>, Vec<f64>) {
    let n = plan.links.len() * 2;
    let mut up = vec![true; n];
    let mut rate: Vec<f64> = (0..n)
        .map(|k| {
            let l = &plan.links[k / 2];
            let d = if k % 2 == 0 { &l.fwd } else { &l.rev };
            mean_rate(&d.rate).as_bps() as f64
        })
        .collect();
    for ev in &plan.events[..=upto] {
        let (f, b) = link_ids(ev.link);
        for (id, change) in [(f, &ev.fwd_change), (b, &ev.rev_change)] {
            let k = id.0 as usize;
            match change {
                Some(LinkChange::Down) => up[k] = false,
                Some(LinkChange::Up) => up[k] = true,
                Some(LinkChange::SetRate(r)) => rate[k] = rate_bps(r),
                _ => {}
            }
        }
    }
    (up, rate)
}

fn rate_bps(r: &LinkRate) -> f64 {
    r.mean_rate().as_bps() as f64
}

/// Capacity of the paths of flow `i` that are up: the sum of the rates of the distinct
/// bottleneck links of its up paths (in the data direction).
fn capacity(plan: &Plan, sim: &Sim, i: usize, up: &[bool], rate: &[f64]) -> f64 {
    let f = &plan.flows[i];
    let pairs: Vec<(sim_core::Addr, sim_core::Addr)> = match f.transport {
        TransportSpec::Tcp(_) => vec![(f.src.addr, f.dst.addr)],
        TransportSpec::Mptcp(_) => {
            let s = &plan.hosts[f.src.host].ifaces;
            let d = &plan.hosts[f.dst.host].ifaces;
            s.iter()
                .flat_map(|(_, a)| d.iter().map(move |(_, b)| (*a, *b)))
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
pub fn event_summaries(plan: &Plan, sim: &Sim, log: &DeliveryLog) -> Vec<EventSummary> {
    let end = tick_of(sim_core::Instant::ZERO + plan.duration);
    plan.events
        .iter()
        .enumerate()
        .map(|(e, ev)| {
            let (up, rate) = link_state(plan, e);
            let from = tick_of(ev.at);
            let to = plan.events[e + 1..]
                .iter()
                .find(|n| n.at > ev.at)
                .map_or(end, |n| tick_of(n.at));
            let flows = plan
                .flows
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let cap = capacity(plan, sim, i, &up, &rate);
                    let from = from.max(tick_of(f.start));
                    EventFlowSummary {
                        flow: f.name.clone(),
                        stall_s: log.longest_stall(i, from, to) as f64 * TICK.as_secs_f64(),
                        recovery_s: log
                            .recovery(i, from, to, RECOVERY_FRACTION * cap)
                            .map(|k| k as f64 * TICK.as_secs_f64()),
                        capacity_bps: cap,
                    }
                })
                .collect();
            EventSummary {
                time_s: ev.at.as_secs_f64(),
                link: plan.links[ev.link].name.clone(),
                action: crate::run::action_text(&ev.action),
                flows,
            }
        })
        .collect()
}

/// Goodput of flow `i` between consecutive distinct event times.
pub fn phases(plan: &Plan, log: &DeliveryLog, i: usize) -> Vec<PhaseSummary> {
    if plan.events.is_empty() {
        return Vec::new();
    }
    let mut bounds = vec![0usize];
    for ev in &plan.events {
        let t = tick_of(ev.at);
        if bounds.last() != Some(&t) {
            bounds.push(t);
        }
    }
    bounds.push(tick_of(sim_core::Instant::ZERO + plan.duration));
    bounds
        .windows(2)
        .filter(|w| w[1] > w[0])
        .map(|w| {
            let bytes = log.at(i, w[1]) - log.at(i, w[0]);
            let secs = (w[1] - w[0]) as f64 * TICK.as_secs_f64();
            PhaseSummary {
                from_s: w[0] as f64 * TICK.as_secs_f64(),
                to_s: w[1] as f64 * TICK.as_secs_f64(),
                goodput_bps: bytes as f64 * 8.0 / secs,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stall_and_recovery_on_a_made_up_log() {
        let mut log = DeliveryLog::new(1, 1000);
        // 1000 bytes per ms until tick 100, nothing until 150, then 2000 per ms.
        let mut cum = 0;
        for k in 0..=600 {
            log.push(0, cum);
            cum += match k {
                0..=99 => 1000,
                100..=149 => 0,
                _ => 2000,
            };
        }
        assert_eq!(log.longest_stall(0, 90, 600), 50);
        // 2000 B/ms = 16 Mbit/s; 90% of it over 100 ms needs 90 ms of delivery after tick 150.
        assert_eq!(log.recovery(0, 100, 600, 0.9 * 16e6), Some(140));
        assert_eq!(log.recovery(0, 100, 600, 17e6), None);
    }
}
