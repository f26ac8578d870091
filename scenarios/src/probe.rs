//! Sampling flows into the tidy time series: one `FlowProbe` per flow remembers the counters
//! of the previous sample so rates are differences over the sample interval.

use crate::build::{mptcp_ends, Sim};
use crate::output::secs;
use crate::schema::{Opener, TransportSpec};
use crate::validate::{Plan, PlanFlow};
use mptcp_model::host::FlowId;
use mptcp_model::mptcp::{MptcpStats, SubflowState};
use sim_core::{Addr, Duration, HostId, Instant};
use std::fmt::Write as _;

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
    /// Subflow labels in order of first appearance.
    labels: Vec<String>,
}

/// The interface name of `addr` on the hosts of `plan`.
fn iface_name(plan: &Plan, addr: Addr) -> String {
    plan.hosts
        .iter()
        .flat_map(|h| h.ifaces.iter())
        .find(|(_, a)| *a == addr)
        .map_or_else(|| addr.to_string(), |(n, _)| n.clone())
}

/// A subflow's label: the opening host's interface name, followed by the listening host's
/// when that host has several interfaces (`wifi`, or `wifi-eth1`).
pub fn subflow_label(plan: &Plan, f: &PlanFlow, local: Addr, remote: Addr) -> String {
    // `local` / `remote` are seen from the data sender.
    let (open, listen) = match f.opener {
        Opener::Sender => (local, remote),
        Opener::Receiver => (remote, local),
    };
    let (_, listen_end) = mptcp_ends(f);
    let mut label = iface_name(plan, open);
    if plan.hosts[listen_end.host].ifaces.len() > 1 {
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

impl FlowProbe {
    /// Samples flow `i` at `t` (`dt` after the previous sample), appending rows to `ts` when
    /// given.
    pub fn sample(
        &mut self,
        plan: &Plan,
        sim: &Sim,
        i: usize,
        t: Instant,
        dt: Duration,
        ts: Option<&mut String>,
    ) {
        let f = &plan.flows[i];
        let id = FlowId(i as u32);
        let read = sim.host(HostId(f.dst.host as u32)).app_bytes_read(id);
        if let (Some(total), None) = (f.bytes, self.completed_at) {
            if read >= total {
                self.completed_at = Some(t);
            }
        }
        let tsec = secs(t.as_nanos());
        let dts = dt.as_secs_f64();
        let mut rows = String::new();
        let sent = match &f.transport {
            TransportSpec::Tcp(_) => self.sample_tcp(sim, f, id, &tsec, &mut rows),
            TransportSpec::Mptcp(_) => self.sample_mptcp(plan, sim, f, id, &tsec, dts, &mut rows),
            TransportSpec::Sctp(_) => self.sample_sctp(plan, sim, f, id, &tsec, dts, &mut rows),
        };
        if let Some(ts) = ts {
            let n = &f.name;
            let goodput = (read - self.prev_read) as f64 * 8.0 / dts;
            let thr = sent.saturating_sub(self.prev_sent) as f64 * 8.0 / dts;
            let _ = writeln!(ts, "{tsec},flow,{n},,goodput_bps,{goodput:.1}");
            let _ = writeln!(ts, "{tsec},flow,{n},,throughput_bps,{thr:.1}");
            ts.push_str(&rows);
        }
        self.prev_read = read;
        self.prev_sent = sent;
    }

    fn note_srtt(&mut self, srtt: Option<Duration>) {
        if let Some(s) = srtt {
            self.srtt_sum_ms += s.as_nanos() as f64 / 1e6;
            self.srtt_n += 1;
        }
    }

    fn sample_tcp(
        &mut self,
        sim: &Sim,
        f: &PlanFlow,
        id: FlowId,
        tsec: &str,
        rows: &mut String,
    ) -> u64 {
        let Some(s) = sim.host(HostId(f.src.host as u32)).sender_stats(id) else {
            return 0;
        };
        self.note_srtt(s.srtt);
        let n = &f.name;
        let _ = writeln!(rows, "{tsec},flow,{n},,cwnd_bytes,{}", s.cwnd);
        let _ = writeln!(
            rows,
            "{tsec},flow,{n},,inflight_bytes,{}",
            s.bytes_in_flight
        );
        if let Some(srtt) = s.srtt {
            let _ = writeln!(
                rows,
                "{tsec},flow,{n},,srtt_ms,{:.3}",
                srtt.as_nanos() as f64 / 1e6
            );
        }
        s.payload_bytes_sent
    }

    #[allow(clippy::too_many_arguments)]
    fn sample_mptcp(
        &mut self,
        plan: &Plan,
        sim: &Sim,
        f: &PlanFlow,
        id: FlowId,
        tsec: &str,
        dts: f64,
        rows: &mut String,
    ) -> u64 {
        let (tx_host, rx_host) = crate::proxy_plan::mptcp_hosts(f);
        let Some(st) = sim.host(HostId(tx_host as u32)).mptcp_stats(id) else {
            return 0;
        };
        let mut per_label: Vec<LabelSample> = vec![LabelSample::default(); self.labels.len()];
        let (mut cwnd_total, mut inflight_total) = (0u64, 0u64);
        for (k, sf) in st.subflows.iter().enumerate() {
            let label = subflow_label(plan, f, sf.id.local.addr, sf.id.remote.addr);
            let li = match self.labels.iter().position(|l| *l == label) {
                Some(li) => li,
                None => {
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
        let n = &f.name;
        let ooo = sim
            .host(HostId(rx_host as u32))
            .mptcp_connection(id)
            .map_or(0, |c| c.ooo_bytes());
        self.max_ooo_bytes = Some(self.max_ooo_bytes.unwrap_or(0).max(ooo));
        let _ = writeln!(rows, "{tsec},flow,{n},,ooo_bytes,{ooo}");
        let _ = writeln!(rows, "{tsec},flow,{n},,cwnd_bytes,{cwnd_total}");
        let _ = writeln!(rows, "{tsec},flow,{n},,inflight_bytes,{inflight_total}");
        for (label, s) in self.labels.iter().zip(&per_label) {
            let thr = s.sent as f64 * 8.0 / dts;
            let _ = writeln!(rows, "{tsec},flow,{n},{label},throughput_bps,{thr:.1}");
            if let Some((cwnd, inflight, srtt)) = s.alive {
                let _ = writeln!(rows, "{tsec},flow,{n},{label},cwnd_bytes,{cwnd}");
                let _ = writeln!(rows, "{tsec},flow,{n},{label},inflight_bytes,{inflight}");
                if let Some(srtt) = srtt {
                    let ms = srtt.as_nanos() as f64 / 1e6;
                    let _ = writeln!(rows, "{tsec},flow,{n},{label},srtt_ms,{ms:.3}");
                }
            }
        }
        st.data_bytes_sent
    }
}

impl FlowProbe {
    /// SCTP: the window and flight over all paths, the SRTT of the path carrying new data,
    /// and each path's throughput (labelled like MPTCP subflows).
    #[allow(clippy::too_many_arguments)]
    fn sample_sctp(
        &mut self,
        plan: &Plan,
        sim: &Sim,
        f: &PlanFlow,
        id: FlowId,
        tsec: &str,
        dts: f64,
        rows: &mut String,
    ) -> u64 {
        let host = sim.host(HostId(f.src.host as u32));
        let Some(st) = host.sctp_stats(id) else {
            return 0;
        };
        let paths = host.sctp_paths(id);
        let n = &f.name;
        let cwnd: u64 = paths.iter().map(|p| p.cwnd).sum();
        let flight: u64 = paths.iter().map(|p| p.flight).sum();
        let _ = writeln!(rows, "{tsec},flow,{n},,cwnd_bytes,{cwnd}");
        let _ = writeln!(rows, "{tsec},flow,{n},,inflight_bytes,{flight}");
        // The path carrying new data: the primary while active, else the first active one.
        let active =
            |p: &mptcp_model::sctp::PathStats| p.state == mptcp_model::sctp::PathState::Active;
        let carrying = (paths.iter().position(|p| p.primary && active(p)))
            .or_else(|| paths.iter().position(active));
        if self.prev_subflow.len() < paths.len() {
            self.prev_subflow.resize(paths.len(), 0);
        }
        for (k, p) in paths.iter().enumerate() {
            let label = subflow_label(plan, f, p.local, p.remote);
            let thr = p.data_bytes_sent.saturating_sub(self.prev_subflow[k]) as f64 * 8.0 / dts;
            self.prev_subflow[k] = p.data_bytes_sent;
            let _ = writeln!(rows, "{tsec},flow,{n},{label},throughput_bps,{thr:.1}");
            let _ = writeln!(rows, "{tsec},flow,{n},{label},cwnd_bytes,{}", p.cwnd);
            if let Some(srtt) = p.srtt {
                let ms = srtt.as_nanos() as f64 / 1e6;
                let _ = writeln!(rows, "{tsec},flow,{n},{label},srtt_ms,{ms:.3}");
                if Some(k) == carrying {
                    self.note_srtt(Some(srtt));
                    let _ = writeln!(rows, "{tsec},flow,{n},,srtt_ms,{ms:.3}");
                }
            }
        }
        st.data_bytes_sent
    }
}

/// The MPTCP statistics of flow `i` at its data sender, if it is an MPTCP flow.
pub fn mptcp_stats(plan: &Plan, sim: &Sim, i: usize) -> Option<MptcpStats> {
    let f = &plan.flows[i];
    match f.transport {
        TransportSpec::Mptcp(_) => sim
            .host(HostId(crate::proxy_plan::mptcp_hosts(f).0 as u32))
            .mptcp_stats(FlowId(i as u32)),
        TransportSpec::Tcp(_) | TransportSpec::Sctp(_) => None,
    }
}
