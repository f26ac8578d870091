//! Sampling flows into typed time-series records: one [`FlowProbe`] per flow remembers the
//! counters of the previous sample so rates are differences over the sample interval, and
//! the subflows it has named so far.

use crate::build::{FlowHandle, Sim};
use crate::plan::{FlowIndex, Plan, PlanFlow, PlanTransport};
use crate::record::sample::{Metric, Sample, Series, SubflowKey, SubflowRecord};
use mptcp_model::mptcp::{MptcpStats, SubflowState};
use sim_core::{Addr, Duration, Instant};

/// Per-flow sampling state.
#[derive(Default)]
pub struct FlowProbe {
    prev_read: u64,
    prev_sent: u64,
    /// Sum and count of sampled SRTTs (ms), for the summary's mean.
    pub srtt_sum_ms: f64,
    /// Number of SRTT samples.
    pub srtt_n: u64,
    /// When a finite transfer was first seen complete.
    pub completed_at: Option<Instant>,
    /// MPTCP: largest receiver out-of-order queue at a sampling instant.
    pub max_ooo_bytes: Option<u64>,
    /// Previous `data_bytes_sent` of each MPTCP subflow, by subflow index.
    prev_subflow: Vec<u64>,
    /// Subflow labels in order of first appearance (their keys).
    labels: Vec<String>,
}

/// Where a probe puts what it found at one sampling instant: subflows seen for the first
/// time, then samples (both emptied by the caller after each flow; their memory is reused).
#[derive(Default)]
pub struct Found {
    /// Subflows seen for the first time.
    pub subflows: Vec<SubflowRecord>,
    /// Samples, in the order they are written.
    pub samples: Vec<Sample>,
}

/// The interface name of `addr` on the hosts of `plan`.
fn iface_name(plan: &Plan, addr: Addr) -> String {
    plan.hosts
        .iter()
        .flat_map(|h| h.ifaces.iter())
        .find(|i| i.addr == addr)
        .map_or_else(|| addr.to_string(), |i| i.name.clone())
}

/// A subflow's label: the opening host's interface name, followed by the listening host's
/// when that host has several interfaces (`wifi`, or `wifi-eth1`).
pub fn subflow_label(plan: &Plan, f: &PlanFlow, local: Addr, remote: Addr) -> String {
    // `local` / `remote` are seen from the data sender.
    let Some(m) = f.mptcp() else {
        return iface_name(plan, local);
    };
    let (open, listen) = if m.opener == f.src {
        (local, remote)
    } else {
        (remote, local)
    };
    let mut label = iface_name(plan, open);
    if plan.host(m.listener.host()).ifaces.len() > 1 {
        label = format!("{label}-{}", iface_name(plan, listen));
    }
    label
}

/// Per-label aggregate of one MPTCP sample.
#[derive(Default, Clone)]
struct LabelSample {
    sent: u64,
    alive: Option<(u64, u64, Option<Duration>)>,
}

fn ms(d: Duration) -> f64 {
    d.as_nanos() as f64 / 1e6
}

impl FlowProbe {
    /// Samples flow `i` (ids `h`) at `t` (`dt` after the previous sample) into `found`.
    #[allow(clippy::too_many_arguments)]
    pub fn sample(
        &mut self,
        plan: &Plan,
        sim: &Sim,
        i: FlowIndex,
        h: FlowHandle,
        t: Instant,
        dt: Duration,
        found: &mut Found,
    ) {
        let f = plan.flow(i);
        let read = sim.host(h.receiver).app_bytes_read(h.id);
        if let (Some(total), None) = (f.bytes, self.completed_at) {
            if read >= total {
                self.completed_at = Some(t);
            }
        }
        let dts = dt.as_secs_f64();
        let at = found.samples.len();
        let sent = match &f.transport {
            PlanTransport::Tcp(_) => self.sample_tcp(sim, i, h, t, found),
            PlanTransport::Mptcp(_) => self.sample_mptcp(plan, sim, (i, h), t, dts, found),
        };
        let goodput = (read - self.prev_read) as f64 * 8.0 / dts;
        let thr = sent.saturating_sub(self.prev_sent) as f64 * 8.0 / dts;
        let flow = |metric, value| Sample {
            at: t,
            series: Series::Flow(i),
            metric,
            value,
        };
        // Goodput and throughput come first.
        found.samples.insert(at, flow(Metric::GoodputBps, goodput));
        found
            .samples
            .insert(at + 1, flow(Metric::ThroughputBps, thr));
        self.prev_read = read;
        self.prev_sent = sent;
    }

    fn note_srtt(&mut self, srtt: Option<Duration>) {
        if let Some(s) = srtt {
            self.srtt_sum_ms += ms(s);
            self.srtt_n += 1;
        }
    }

    fn sample_tcp(
        &mut self,
        sim: &Sim,
        i: FlowIndex,
        h: FlowHandle,
        t: Instant,
        found: &mut Found,
    ) -> u64 {
        let Some(s) = sim.host(h.sender).sender_stats(h.id) else {
            return 0;
        };
        self.note_srtt(s.srtt);
        let mut push = |metric, value| {
            let series = Series::Flow(i);
            found.samples.push(Sample {
                at: t,
                series,
                metric,
                value,
            })
        };
        push(Metric::CwndBytes, s.cwnd as f64);
        push(Metric::InflightBytes, s.bytes_in_flight as f64);
        if let Some(srtt) = s.srtt {
            push(Metric::SrttMs, ms(srtt));
        }
        s.payload_bytes_sent
    }

    fn sample_mptcp(
        &mut self,
        plan: &Plan,
        sim: &Sim,
        (i, h): (FlowIndex, FlowHandle),
        t: Instant,
        dts: f64,
        found: &mut Found,
    ) -> u64 {
        let Some(st) = sim.host(h.sender).mptcp_stats(h.id) else {
            return 0;
        };
        let f = plan.flow(i);
        let mut per_label: Vec<LabelSample> = vec![LabelSample::default(); self.labels.len()];
        let (mut cwnd_total, mut inflight_total) = (0u64, 0u64);
        for (k, sf) in st.subflows.iter().enumerate() {
            let label = subflow_label(plan, f, sf.id.local.addr, sf.id.remote.addr);
            let li = match self.labels.iter().position(|l| *l == label) {
                Some(li) => li,
                None => {
                    found.subflows.push(SubflowRecord {
                        flow: i,
                        key: SubflowKey(self.labels.len() as u32),
                        label: label.clone(),
                    });
                    self.labels.push(label);
                    per_label.push(LabelSample::default());
                    self.labels.len() - 1
                }
            };
            if self.prev_subflow.len() <= k {
                self.prev_subflow.resize(k + 1, 0);
            }
            per_label[li].sent += sf.data_bytes_sent.saturating_sub(self.prev_subflow[k]);
            self.prev_subflow[k] = sf.data_bytes_sent;
            if sf.state == SubflowState::Established {
                let t = &sf.tcp;
                per_label[li].alive = Some((t.cwnd, t.bytes_in_flight, t.srtt));
                cwnd_total += t.cwnd;
                inflight_total += t.bytes_in_flight;
                self.note_srtt(t.srtt);
            }
        }
        let ooo = sim
            .host(h.receiver)
            .mptcp_connection(h.id)
            .map_or(0, |c| c.ooo_bytes());
        self.max_ooo_bytes = Some(self.max_ooo_bytes.unwrap_or(0).max(ooo));
        let mut push = |series, metric, value| {
            found.samples.push(Sample {
                at: t,
                series,
                metric,
                value,
            })
        };
        let flow = Series::Flow(i);
        push(flow, Metric::OooBytes, ooo as f64);
        push(flow, Metric::CwndBytes, cwnd_total as f64);
        push(flow, Metric::InflightBytes, inflight_total as f64);
        for (k, s) in per_label.iter().enumerate() {
            let sub = Series::Subflow(i, SubflowKey(k as u32));
            push(sub, Metric::ThroughputBps, s.sent as f64 * 8.0 / dts);
            if let Some((cwnd, inflight, srtt)) = s.alive {
                push(sub, Metric::CwndBytes, cwnd as f64);
                push(sub, Metric::InflightBytes, inflight as f64);
                if let Some(srtt) = srtt {
                    push(sub, Metric::SrttMs, ms(srtt));
                }
            }
        }
        st.data_bytes_sent
    }
}

/// The MPTCP statistics of flow `f` (ids `h`) at its data sender, if it is an MPTCP flow.
pub fn mptcp_stats(f: &PlanFlow, sim: &Sim, h: FlowHandle) -> Option<MptcpStats> {
    f.mptcp()?;
    sim.host(h.sender).mptcp_stats(h.id)
}
