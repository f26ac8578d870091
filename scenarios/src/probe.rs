//! Sampling flows into typed time-series records: one [`FlowProbe`] per flow remembers the
//! counters of the previous sample so rates are differences over the sample interval.
//!
//! Per flow and instant: goodput and throughput, (MPTCP) the receiver's out-of-order bytes,
//! the window and bytes in flight summed over established paths; then per path (each MPTCP
//! subflow, a TCP connection's one path number 0), keyed by its number, its state as
//! `ss -ti` shows it: TCP state, cwnd, ssthresh, srtt, rttvar, rto, bytes in flight,
//! retransmissions, back-off, bytes acked, and an MPTCP subflow's throughput. A path has
//! rows while its socket exists (and in the interval it sent its last bytes), so lines
//! break where a subflow did not exist yet or was abandoned.

use crate::build::{FlowHandle, Sim};
use crate::plan::{FlowIndex, Plan, PlanFlow, PlanTransport};
use crate::record::paths::Paths;
use crate::record::sample::{Metric, Sample, Series, SubflowKey, SubflowRecord};
use mptcp_model::event::SubflowId;
use mptcp_model::mptcp::{MptcpStats, SubflowState};
use mptcp_model::sctp::{PathState, PathStats};
use mptcp_model::tcp::{SocketAddr, TcpState, TcpStats};
use sim_core::{Duration, Instant};

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
    /// Payload bytes each path (by number) had sent at the previous sample.
    prev_path_sent: Vec<u64>,
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

fn ms(d: Duration) -> f64 {
    d.as_nanos() as f64 / 1e6
}

/// Linux's number of a TCP state (`include/net/tcp_states.h`).
fn linux_state(s: TcpState) -> u8 {
    match s {
        TcpState::Established => 1,
        TcpState::SynSent => 2,
        TcpState::SynReceived => 3,
        TcpState::FinWait1 => 4,
        TcpState::FinWait2 => 5,
        TcpState::TimeWait => 6,
        TcpState::Closed => 7,
        TcpState::CloseWait => 8,
        TcpState::LastAck => 9,
        TcpState::Listen => 10,
        TcpState::Closing => 11,
    }
}

impl FlowProbe {
    /// Samples flow `i` (ids `h`) at `t` (`dt` after the previous sample) into `found`,
    /// numbering its subflows with `paths`.
    #[allow(clippy::too_many_arguments)]
    pub fn sample(
        &mut self,
        plan: &Plan,
        sim: &Sim,
        (i, h): (FlowIndex, FlowHandle),
        paths: &mut Paths,
        t: Instant,
        dt: Duration,
        found: &mut Found,
    ) {
        let f = plan.flow(i);
        let series = plan.scenario.output.timeseries;
        let read = sim.host(h.receiver).app_bytes_read(h.id);
        if let (Some(total), None) = (f.bytes, self.completed_at) {
            if read >= total {
                self.completed_at = Some(t);
            }
        }
        let dts = dt.as_secs_f64();
        let flow = Series::Flow(i);
        // The flow's own rows come first: their places are kept, their values filled in at
        // the end (`flow_rows_at`).
        let first = found.samples.len();
        found.samples.extend(
            [
                Metric::GoodputBps,
                Metric::ThroughputBps,
                Metric::CwndBytes,
                Metric::InflightBytes,
            ]
            .map(|m| sample(t, flow, m, 0.0)),
        );
        let mut totals = (0u64, 0u64);
        let sent = match &f.transport {
            PlanTransport::Tcp(tcp) => {
                let host = sim.host(h.sender);
                let id = SubflowId {
                    number: 0,
                    local: tcp.local,
                    remote: tcp.remote,
                    recreated_from: None,
                };
                if !series {
                    // No time series: the summary reads the SRTT and the path's first
                    // sighting only, not the socket's whole statistics (a cold read).
                    if let Some(srtt) = host.sender_srtt(h.id) {
                        paths.key(plan, (i, h.sender), id, t, &mut found.subflows);
                        self.note_srtt(srtt);
                    }
                    return self.flow_rows_at(first, dts, (read, 0), totals, found);
                }
                let Some(s) = host.sender_stats(h.id) else {
                    return self.flow_rows_at(first, dts, (read, 0), totals, found);
                };
                let key = paths.key(plan, (i, h.sender), id, t, &mut found.subflows);
                self.note_srtt(s.srtt);
                totals = (s.cwnd, s.bytes_in_flight);
                self.path_rows((i, key), &s, None, (t, dts), found);
                s.payload_bytes_sent
            }
            PlanTransport::Sctp(_) => {
                let host = sim.host(h.sender);
                let Some(st) = host.sctp_stats(h.id) else {
                    return self.flow_rows_at(first, dts, (read, 0), totals, found);
                };
                totals = self.sctp_rows(plan, (i, h), host.sctp_paths(h.id), paths, t, dts, found);
                st.data_bytes_sent
            }
            PlanTransport::Mptcp(m) => {
                // Through a converter: the MPTCP connection's ends (the converter at one).
                let (sender, receiver) = (h.leg_sender, h.leg_receiver);
                let Some(st) = sim.host(sender).mptcp_stats(h.id) else {
                    return self.flow_rows_at(first, dts, (read, 0), totals, found);
                };
                // The receiver's out-of-order bytes follow the flow's throughput.
                let ooo_at = first + 2;
                (found.samples).insert(ooo_at, sample(t, flow, Metric::OooBytes, 0.0));
                let opener = if m.opener == f.src { sender } else { receiver };
                if opener != sender {
                    // The opener's numbers name the subflows: meet them first.
                    let conn = sim.host(opener).mptcp_connection(h.id);
                    for sf in conn.into_iter().flat_map(|c| c.subflow_stats()) {
                        paths.key(plan, (i, opener), sf.id, t, &mut found.subflows);
                    }
                }
                for sf in &st.subflows {
                    let key = paths.key(plan, (i, sender), sf.id, t, &mut found.subflows);
                    if sf.state == SubflowState::Established {
                        totals.0 += sf.tcp.cwnd;
                        totals.1 += sf.tcp.bytes_in_flight;
                        self.note_srtt(sf.tcp.srtt);
                    }
                    let sent = Some(sf.data_bytes_sent);
                    self.path_rows((i, key), &sf.tcp, sent, (t, dts), found);
                }
                let ooo = (sim.host(receiver).mptcp_connection(h.id)).map_or(0, |c| c.ooo_bytes());
                self.max_ooo_bytes = Some(self.max_ooo_bytes.unwrap_or(0).max(ooo));
                found.samples[ooo_at].value = ooo as f64;
                st.data_bytes_sent
            }
        };
        self.flow_rows_at(first, dts, (read, sent), totals, found);
    }

    /// Fills in the flow's own rows kept at `first`: goodput and throughput, then (after
    /// an MPTCP flow's out-of-order bytes) its window and bytes in flight.
    fn flow_rows_at(
        &mut self,
        first: usize,
        dts: f64,
        (read, sent): (u64, u64),
        (cwnd, inflight): (u64, u64),
        found: &mut Found,
    ) {
        let goodput = (read - self.prev_read) as f64 * 8.0 / dts;
        let thr = sent.saturating_sub(self.prev_sent) as f64 * 8.0 / dts;
        self.prev_read = read;
        self.prev_sent = sent;
        let rows = &mut found.samples[first..];
        let ooo = usize::from(rows[2].metric == Metric::OooBytes);
        rows[0].value = goodput;
        rows[1].value = thr;
        rows[2 + ooo].value = cwnd as f64;
        rows[3 + ooo].value = inflight as f64;
    }

    /// The `ss -ti`-like rows of one path (while its socket exists, or in the interval its
    /// last bytes left), and its throughput when it is an MPTCP subflow (`sent`).
    fn path_rows(
        &mut self,
        (i, key): (FlowIndex, SubflowKey),
        s: &TcpStats,
        sent: Option<u64>,
        (t, dts): (Instant, f64),
        found: &mut Found,
    ) {
        let k = key.0 as usize;
        if self.prev_path_sent.len() <= k {
            self.prev_path_sent.resize(k + 1, 0);
        }
        let delta = s.payload_bytes_sent.saturating_sub(self.prev_path_sent[k]);
        self.prev_path_sent[k] = s.payload_bytes_sent;
        if s.state == TcpState::Closed && delta == 0 {
            return;
        }
        let series = Series::Subflow(i, key);
        let mut push = |metric, value: f64| found.samples.push(sample(t, series, metric, value));
        if sent.is_some() {
            push(Metric::ThroughputBps, delta as f64 * 8.0 / dts);
        }
        push(Metric::TcpState, f64::from(linux_state(s.state)));
        push(Metric::CwndBytes, s.cwnd as f64);
        if s.ssthresh < u64::from(u32::MAX) {
            push(Metric::SsthreshBytes, s.ssthresh as f64);
        }
        if let Some(srtt) = s.srtt {
            push(Metric::SrttMs, ms(srtt));
            push(Metric::RttvarMs, ms(s.rttvar));
        }
        push(Metric::RtoMs, ms(s.rto));
        push(Metric::InflightBytes, s.bytes_in_flight as f64);
        push(Metric::Retransmissions, s.segments_retransmitted as f64);
        push(Metric::Backoff, f64::from(s.backoff));
        push(Metric::BytesAcked, s.bytes_acked as f64);
    }

    /// SCTP: each path's throughput, window, SRTT and flight, keyed like MPTCP subflows
    /// (path `k` is number `k`); the SRTT of the path carrying new data (the primary while
    /// active, else the first active one) goes into the flow's mean. Returns the window and
    /// flight summed over all paths.
    #[allow(clippy::too_many_arguments)]
    fn sctp_rows(
        &mut self,
        plan: &Plan,
        (i, h): (FlowIndex, FlowHandle),
        sctp_paths: Vec<PathStats>,
        paths: &mut Paths,
        t: Instant,
        dts: f64,
        found: &mut Found,
    ) -> (u64, u64) {
        let PlanTransport::Sctp(s) = &plan.flow(i).transport else {
            return (0, 0);
        };
        let active = |p: &PathStats| p.state == PathState::Active;
        let carrying = (sctp_paths.iter().position(|p| p.primary && active(p)))
            .or_else(|| sctp_paths.iter().position(active));
        let (local_port, remote_port) = if s.opener == plan.flow(i).src {
            (s.opener_port, s.listener_port)
        } else {
            (s.listener_port, s.opener_port)
        };
        let mut totals = (0, 0);
        for (k, p) in sctp_paths.iter().enumerate() {
            let id = SubflowId {
                number: k as u32,
                local: SocketAddr::new(p.local, local_port),
                remote: SocketAddr::new(p.remote, remote_port),
                recreated_from: None,
            };
            let key = paths.key(plan, (i, h.sender), id, t, &mut found.subflows);
            totals.0 += p.cwnd;
            totals.1 += p.flight;
            if self.prev_path_sent.len() <= k {
                self.prev_path_sent.resize(k + 1, 0);
            }
            let delta = p.data_bytes_sent.saturating_sub(self.prev_path_sent[k]);
            self.prev_path_sent[k] = p.data_bytes_sent;
            let series = Series::Subflow(i, key);
            let mut push =
                |metric, value: f64| found.samples.push(sample(t, series, metric, value));
            push(Metric::ThroughputBps, delta as f64 * 8.0 / dts);
            push(Metric::CwndBytes, p.cwnd as f64);
            if let Some(srtt) = p.srtt {
                push(Metric::SrttMs, ms(srtt));
            }
            push(Metric::RtoMs, ms(p.rto));
            push(Metric::InflightBytes, p.flight as f64);
            if Some(k) == carrying {
                self.note_srtt(p.srtt);
            }
        }
        totals
    }

    fn note_srtt(&mut self, srtt: Option<Duration>) {
        if let Some(s) = srtt {
            self.srtt_sum_ms += ms(s);
            self.srtt_n += 1;
        }
    }
}

fn sample(at: Instant, series: Series, metric: Metric, value: f64) -> Sample {
    Sample {
        at,
        series,
        metric,
        value,
    }
}

/// The MPTCP statistics of flow `f` (ids `h`) at its data sender, if it is an MPTCP flow.
pub fn mptcp_stats(f: &PlanFlow, sim: &Sim, h: FlowHandle) -> Option<MptcpStats> {
    f.mptcp()?;
    sim.host(h.leg_sender).mptcp_stats(h.id)
}
