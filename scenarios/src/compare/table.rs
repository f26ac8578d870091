//! Per-run results of a comparison, their aggregation over seeds (mean and 95% Student-t
//! interval), the CSV tables (`compare.csv` per run and flow, `compare_subflows.csv`,
//! `aggregate.csv`; every number in the unit its column names: bit/s, bytes, ms, percent),
//! the text table, and the plots.

use crate::batch::report::{aggregate, Cell};
use crate::batch::table::csv_field;
use crate::plan::Plan;
use crate::record::memory::Record;
use crate::record::sample::{self, Metric};
use plots::{BarSet, LineChart, PlotOptions, Series};
use sim_core::Instant;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One subflow (or a single-path flow's only window) in one run.
#[derive(Clone, Debug, PartialEq)]
pub struct SubflowResult {
    /// Subflow: `<number>:<label>` (`1:lte`), or `""` for a flow's total window.
    pub label: String,
    /// Mean sampled congestion window (bytes).
    pub mean_cwnd: f64,
    /// The window over time `(s, bytes)` (first seed only).
    pub series: Vec<(f64, f64)>,
}

/// One flow in one run.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowResult {
    /// Flow name.
    pub name: String,
    /// `tcp` or `mptcp`.
    pub transport: String,
    /// Goodput (bit/s).
    pub goodput_bps: f64,
    /// Retransmitted / sent payload bytes (the sender's view of its loss rate).
    pub loss_rate: f64,
    /// Windows.
    pub subflows: Vec<SubflowResult>,
    /// MPTCP: head-of-line delay at the receiver.
    pub hol: Option<HolResult>,
    /// MPTCP: bytes the receiver got again after it had them.
    pub wasted_bytes: Option<u64>,
}

/// Head-of-line delay of one MPTCP flow in one run (ms).
#[derive(Clone, Debug, PartialEq)]
pub struct HolResult {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Non-empty histogram buckets `(upper bound ms, count)`, increasing.
    pub histogram: Vec<(f64, u64)>,
}

/// One run (a variant under a seed).
#[derive(Clone, Debug, PartialEq)]
pub struct RunResult {
    /// Index of the variant.
    pub variant: usize,
    /// Seed.
    pub seed: u64,
    /// Flows, in scenario order.
    pub flows: Vec<FlowResult>,
}

/// Per (flow, subflow): sum of window samples, their count, and the samples kept.
type CwndAcc = (f64, usize, Vec<(f64, f64)>);

/// Jain's fairness index `(Σx)² / (n Σx²)` of `xs` (1 = equal shares).
pub fn jain(xs: &[f64]) -> f64 {
    let s: f64 = xs.iter().sum();
    let s2: f64 = xs.iter().map(|x| x * x).sum();
    if s2 == 0.0 {
        return f64::NAN;
    }
    s * s / (xs.len() as f64 * s2)
}

impl RunResult {
    /// Extracts the results of a run of `plan` from its typed record (its summary and its
    /// congestion-window samples).
    pub fn from_record(seed: u64, plan: &Plan, record: &Record, keep_series: bool) -> RunResult {
        let Some(s) = record.summary.as_ref() else {
            return RunResult {
                variant: 0,
                seed,
                flows: Vec::new(),
            };
        };
        // Subflows sampled while not ESTABLISHED (a handshake's window, before the MSS is
        // known; a closing one's): the mean window is that of a subflow carrying data.
        let unestablished: BTreeSet<(sample::Series, Instant)> = (record.samples.iter())
            .filter(|x| x.metric == Metric::TcpState && x.value != 1.0)
            .map(|x| (x.series, x.at))
            .collect();
        // Window samples per (flow, subflow label); "" for the flow as a whole.
        let mut cw: BTreeMap<(String, String), CwndAcc> = BTreeMap::new();
        for sample in (record.samples.iter()).filter(|x| x.metric == Metric::CwndBytes) {
            let (flow, sub) = match sample.series {
                sample::Series::Flow(f) => (f, String::new()),
                // A TCP connection's one path repeats its flow.
                sample::Series::Subflow(f, _) if plan.flow(f).mptcp().is_none() => continue,
                s @ sample::Series::Subflow(..) if unestablished.contains(&(s, sample.at)) => {
                    continue
                }
                sample::Series::Subflow(f, k) => {
                    let label = (record.subflows_of(f))
                        .find(|r| r.key == k)
                        .map_or_else(String::new, |r| r.label.clone());
                    (f, format!("{}:{label}", k.0))
                }
                sample::Series::Link(_) => continue,
            };
            let e = cw.entry((plan.flow(flow).name.clone(), sub)).or_default();
            e.0 += sample.value;
            e.1 += 1;
            if keep_series {
                e.2.push((sample.at.as_secs_f64(), sample.value));
            }
        }
        let flows = s
            .flows
            .iter()
            .map(|f| {
                let subflows = cw
                    .iter()
                    .filter(|((n, _), _)| *n == f.name)
                    .map(|((_, l), (sum, n, pts))| SubflowResult {
                        label: l.clone(),
                        mean_cwnd: sum / (*n).max(1) as f64,
                        series: pts.clone(),
                    })
                    .collect();
                FlowResult {
                    name: f.name.clone(),
                    transport: f.transport.clone(),
                    goodput_bps: f.goodput_bps,
                    loss_rate: if f.bytes_sent == 0 {
                        0.0
                    } else {
                        f.bytes_retransmitted as f64 / f.bytes_sent as f64
                    },
                    subflows,
                    hol: f.hol_delay_ms.as_ref().map(|h| HolResult {
                        mean: h.mean,
                        p50: h.p50,
                        p99: h.p99,
                        histogram: h.histogram.clone(),
                    }),
                    wasted_bytes: f.wasted_bytes,
                }
            })
            .collect();
        RunResult {
            variant: 0,
            seed,
            flows,
        }
    }
}

/// All runs of a comparison.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// Scenario name.
    pub scenario: String,
    /// Variant labels.
    pub variants: Vec<String>,
    /// Seeds (the same for every variant).
    pub seeds: Vec<u64>,
    /// Runs, variant-major then seed, in expansion order.
    pub runs: Vec<RunResult>,
    /// Tabulate and plot the MPTCP flows' head-of-line delay and wasted bytes (scheduler
    /// comparisons).
    pub hol_metrics: bool,
}

/// One aggregated row: variant, flow, subflow, metric and its cell.
#[derive(Clone, Debug)]
pub struct Row {
    /// Variant label.
    pub variant: String,
    /// Flow name (empty for whole-run metrics).
    pub flow: String,
    /// Subflow label.
    pub subflow: String,
    /// Metric name.
    pub metric: &'static str,
    /// Mean and interval over seeds.
    pub cell: Cell,
}

impl Comparison {
    fn of(&self, v: usize) -> impl Iterator<Item = &RunResult> {
        self.runs.iter().filter(move |r| r.variant == v)
    }

    /// Flow names of the scenario.
    pub fn flow_names(&self) -> Vec<String> {
        (self.runs.first())
            .map(|r| r.flows.iter().map(|f| f.name.clone()).collect())
            .unwrap_or_default()
    }

    /// Goodput samples (bit/s) of `flow` under variant `v`, one per seed.
    pub fn goodputs(&self, v: usize, flow: &str) -> Vec<f64> {
        self.of(v)
            .filter_map(|r| r.flows.iter().find(|f| f.name == flow))
            .map(|f| f.goodput_bps)
            .collect()
    }

    /// Every aggregated row, variant-major.
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for (v, label) in self.variants.iter().enumerate() {
            let row = |flow: &str, sub: &str, metric, xs: Vec<f64>| Row {
                variant: label.clone(),
                flow: flow.to_owned(),
                subflow: sub.to_owned(),
                metric,
                cell: aggregate(&xs),
            };
            let jains: Vec<f64> = self
                .of(v)
                .map(|r| jain(&r.flows.iter().map(|f| f.goodput_bps).collect::<Vec<_>>()))
                .collect();
            rows.push(row("", "", "jain_goodput", jains));
            for name in self.flow_names() {
                let flows: Vec<&FlowResult> = self
                    .of(v)
                    .filter_map(|r| r.flows.iter().find(|f| f.name == name))
                    .collect();
                let g = flows.iter().map(|f| f.goodput_bps).collect();
                rows.push(row(&name, "", "goodput_bps", g));
                let l = flows.iter().map(|f| f.loss_rate * 100.0).collect();
                rows.push(row(&name, "", "retransmitted_pct", l));
                if self.hol_metrics {
                    let hol: Vec<&HolResult> =
                        flows.iter().filter_map(|f| f.hol.as_ref()).collect();
                    if !hol.is_empty() {
                        let m = |g: fn(&HolResult) -> f64| hol.iter().map(|h| g(h)).collect();
                        rows.push(row(&name, "", "hol_p50_ms", m(|h| h.p50)));
                        rows.push(row(&name, "", "hol_p99_ms", m(|h| h.p99)));
                        rows.push(row(&name, "", "hol_mean_ms", m(|h| h.mean)));
                        let w = flows
                            .iter()
                            .filter_map(|f| f.wasted_bytes)
                            .map(|b| b as f64)
                            .collect();
                        rows.push(row(&name, "", "wasted_bytes", w));
                    }
                }
                let labels: Vec<String> = (flows.first())
                    .map(|f| f.subflows.iter().map(|s| s.label.clone()).collect())
                    .unwrap_or_default();
                for lab in labels {
                    let c = flows
                        .iter()
                        .filter_map(|f| f.subflows.iter().find(|s| s.label == lab))
                        .map(|s| s.mean_cwnd)
                        .collect();
                    rows.push(row(&name, &lab, "mean_cwnd_bytes", c));
                }
            }
        }
        rows
    }

    /// `aggregate.csv`: one row per variant, flow, subflow and metric (the metrics of
    /// [`Comparison::csv`], in the same units) with `n`, `mean`, `ci95_half`, `ci95_low` and
    /// `ci95_high` over the seeds (Student t).
    pub fn aggregate_csv(&self) -> String {
        let mut s =
            String::from("variant,flow,subflow,metric,n,mean,ci95_half,ci95_low,ci95_high\n");
        for r in self.rows() {
            let c = &r.cell;
            let _ = writeln!(
                s,
                "{},{},{},{},{},{},{},{},{}",
                csv_field(&r.variant),
                csv_field(&r.flow),
                csv_field(&r.subflow),
                r.metric,
                c.n,
                c.mean,
                c.half,
                c.mean - c.half,
                c.mean + c.half
            );
        }
        s
    }

    /// `compare.csv`: the per-run table, one row per run and flow, in run order: `run`
    /// (position), `variant`, `seed`, `flow`, `transport`, `goodput_bps`,
    /// `retransmitted_pct` (retransmitted / sent payload bytes, the sender's view of its loss
    /// rate), `jain_goodput` (the run's Jain index over its flows' goodput), MPTCP flows'
    /// `hol_p50_ms`, `hol_p99_ms`, `hol_mean_ms` (head-of-line delay) and `wasted_bytes`, and
    /// `mean_cwnd_bytes` (the flow's mean sampled window; per subflow in
    /// [`Comparison::subflows_csv`]). An empty cell is a value the flow does not have.
    pub fn csv(&self) -> String {
        let mut s = String::from(
            "run,variant,seed,flow,transport,goodput_bps,retransmitted_pct,jain_goodput,\
             hol_p50_ms,hol_p99_ms,hol_mean_ms,wasted_bytes,mean_cwnd_bytes\n",
        );
        let num = |x: f64| {
            if x.is_finite() {
                format!("{x}")
            } else {
                String::new()
            }
        };
        for (i, r) in self.runs.iter().enumerate() {
            let j = jain(&r.flows.iter().map(|f| f.goodput_bps).collect::<Vec<_>>());
            for f in &r.flows {
                let hol =
                    |g: fn(&HolResult) -> f64| f.hol.as_ref().map_or(String::new(), |h| num(g(h)));
                let cwnd = f.subflows.iter().find(|s| s.label.is_empty());
                let _ = writeln!(
                    s,
                    "{i},{},{},{},{},{},{},{},{},{},{},{},{}",
                    csv_field(&self.variants[r.variant]),
                    r.seed,
                    csv_field(&f.name),
                    csv_field(&f.transport),
                    num(f.goodput_bps),
                    num(f.loss_rate * 100.0),
                    num(j),
                    hol(|h| h.p50),
                    hol(|h| h.p99),
                    hol(|h| h.mean),
                    f.wasted_bytes.map_or(String::new(), |w| w.to_string()),
                    cwnd.map_or(String::new(), |c| num(c.mean_cwnd)),
                );
            }
        }
        s
    }

    /// `compare_subflows.csv`: one row per run, flow and subflow (interface label), in run
    /// order: `run`, `variant`, `seed`, `flow`, `subflow`, `mean_cwnd_bytes`.
    pub fn subflows_csv(&self) -> String {
        let mut s = String::from("run,variant,seed,flow,subflow,mean_cwnd_bytes\n");
        for (i, r) in self.runs.iter().enumerate() {
            for f in &r.flows {
                for sf in f.subflows.iter().filter(|s| !s.label.is_empty()) {
                    let _ = writeln!(
                        s,
                        "{i},{},{},{},{},{}",
                        csv_field(&self.variants[r.variant]),
                        r.seed,
                        csv_field(&f.name),
                        csv_field(&sf.label),
                        sf.mean_cwnd
                    );
                }
            }
        }
        s
    }

    /// The text table printed by `mpsim compare`.
    pub fn text(&self) -> String {
        let seeds = self.seeds.len();
        let mut s = format!(
            "{}: {} variants x {seeds} seeds; mean ± 95% CI half-width (Student t, df = {})\n\n",
            self.scenario,
            self.variants.len(),
            seeds.saturating_sub(1)
        );
        let _ = writeln!(
            s,
            "{:<16} {:<10} {:>18} {:>14}",
            "variant", "flow", "goodput Mbit/s", "loss %"
        );
        let rows = self.rows();
        let pm = |c: &Cell, p: usize| {
            if c.half.is_finite() {
                format!("{:.p$} ± {:.p$}", c.mean, c.half)
            } else {
                format!("{:.p$}", c.mean)
            }
        };
        for v in &self.variants {
            let mine: Vec<&Row> = rows.iter().filter(|r| &r.variant == v).collect();
            for name in self.flow_names() {
                let get = |m| mine.iter().find(|r| r.flow == name && r.metric == m);
                let (Some(g), Some(l)) = (get("goodput_bps"), get("retransmitted_pct")) else {
                    continue;
                };
                let _ = writeln!(
                    s,
                    "{:<16} {:<10} {:>18} {:>14}",
                    v,
                    name,
                    pm(&scaled(&g.cell, 1e-6), 2),
                    pm(&l.cell, 3)
                );
            }
            if let Some(j) = mine.iter().find(|r| r.metric == "jain_goodput") {
                let _ = writeln!(s, "{:<16} {:<10} {:>18}", v, "Jain", pm(&j.cell, 4));
            }
        }
        if self.hol_metrics && rows.iter().any(|r| r.metric == "hol_p50_ms") {
            let _ = writeln!(
                s,
                "\n{:<16} {:<10} {:>16} {:>18} {:>16} {:>16}",
                "variant", "flow", "HoL p50 ms", "HoL p99 ms", "HoL mean ms", "wasted MB"
            );
            for v in &self.variants {
                let mine: Vec<&Row> = rows.iter().filter(|r| &r.variant == v).collect();
                for name in self.flow_names() {
                    let get = |m| mine.iter().find(|r| r.flow == name && r.metric == m);
                    let (Some(p50), Some(p99), Some(mean), Some(w)) = (
                        get("hol_p50_ms"),
                        get("hol_p99_ms"),
                        get("hol_mean_ms"),
                        get("wasted_bytes"),
                    ) else {
                        continue;
                    };
                    let _ = writeln!(
                        s,
                        "{:<16} {:<10} {:>16} {:>18} {:>16} {:>16}",
                        v,
                        name,
                        pm(&p50.cell, 2),
                        pm(&p99.cell, 1),
                        pm(&mean.cell, 2),
                        pm(&scaled(&w.cell, 1e-6), 3)
                    );
                }
            }
        }
        let _ = writeln!(
            s,
            "\n{:<16} {:<10} {:<10} {:>18}",
            "variant", "flow", "subflow", "mean cwnd KB"
        );
        for r in rows.iter().filter(|r| r.metric == "mean_cwnd_bytes") {
            let sub = if r.subflow.is_empty() {
                "(all)"
            } else {
                &r.subflow
            };
            let _ = writeln!(
                s,
                "{:<16} {:<10} {:<10} {:>18}",
                r.variant,
                r.flow,
                sub,
                pm(&scaled(&r.cell, 1e-3), 1)
            );
        }
        s
    }

    /// Draws `goodput` (grouped bars per flow, one bar per variant, 95% whiskers) and one
    /// `cwnd-<variant>` line chart per variant (MPTCP subflows, first seed) into `dir`. A
    /// variant keeps its colour in every figure, and so does a subflow across the cwnd
    /// figures.
    pub fn plots(&self, dir: &Path, opts: &PlotOptions) -> Result<Vec<PathBuf>, String> {
        let names = self.flow_names();
        let bars: Vec<BarSet> = (self.variants.iter().enumerate())
            .map(|(v, label)| BarSet {
                label: label.clone(),
                slot: Some(v),
                values: names
                    .iter()
                    .map(|n| {
                        let xs: Vec<f64> = self.goodputs(v, n).iter().map(|g| g / 1e6).collect();
                        let c = aggregate(&xs);
                        (c.mean, c.mean - c.half, c.mean + c.half)
                    })
                    .collect(),
            })
            .collect();
        let title = format!(
            "{}: goodput per flow ({} seeds)",
            self.scenario,
            self.seeds.len()
        );
        let mut out = plots::grouped_bars(
            &dir.join("goodput"),
            &title,
            "goodput (Mbit/s)",
            &names,
            &bars,
            opts,
        )
        .map_err(|e| e.to_string())?;
        let firsts: Vec<Option<&RunResult>> = (0..self.variants.len())
            .map(|v| self.of(v).next())
            .collect();
        // One slot per (flow, subflow) over all variants, in order of first appearance.
        let mut slots: Vec<(&str, &str)> = Vec::new();
        for f in firsts.iter().flatten().flat_map(|r| &r.flows) {
            for s in f.subflows.iter().filter(|s| !s.label.is_empty()) {
                if !slots.contains(&(&f.name, &s.label)) {
                    slots.push((&f.name, &s.label));
                }
            }
        }
        for (v, label) in self.variants.iter().enumerate() {
            let Some(run) = firsts[v] else {
                continue;
            };
            let series: Vec<Series> = (run.flows.iter())
                .filter(|f| f.transport == "mptcp")
                .flat_map(|f| {
                    let slots = &slots;
                    f.subflows
                        .iter()
                        .filter(|s| !s.label.is_empty())
                        .map(move |s| {
                            let pts: Vec<(f64, f64)> =
                                s.series.iter().map(|&(t, w)| (t, w / 1000.0)).collect();
                            let step = pts
                                .windows(2)
                                .map(|w| w[1].0 - w[0].0)
                                .filter(|d| *d > 1e-9)
                                .fold(f64::INFINITY, f64::min);
                            let slot = slots.iter().position(|k| *k == (&f.name, &s.label));
                            Series::new(format!("{} {}", f.name, s.label), pts)
                                .with_gaps_broken(step)
                                .with_slot(slot.unwrap_or(0))
                        })
                })
                .collect();
            let title = format!(
                "{}: {label} — cwnd per subflow (seed {})",
                self.scenario, run.seed
            );
            let chart = LineChart {
                title: &title,
                x_label: "time (s)",
                y_label: "cwnd (KB)",
                series: &series,
                robust_y: true,
                ..LineChart::default()
            };
            let stem = dir.join(format!("cwnd-{}", crate::batch::sweep::slug(label)));
            out.extend(plots::line_chart(&stem, &chart, opts).map_err(|e| e.to_string())?);
        }
        if self.hol_metrics {
            out.extend(self.hol_cdf(dir, opts)?);
        }
        Ok(out)
    }

    /// The HoL delay histogram of `flow` under variant `v`, merged over seeds:
    /// `(upper bound ms, count)`, increasing.
    pub fn hol_histogram(&self, v: usize, flow: &str) -> Vec<(f64, u64)> {
        // Keyed by the bound in integer nanoseconds (the model's unit), so that equal
        // bounds from different seeds merge exactly.
        let mut m: BTreeMap<u64, (f64, u64)> = BTreeMap::new();
        for f in self
            .of(v)
            .filter_map(|r| r.flows.iter().find(|f| f.name == flow))
        {
            for &(ub, c) in f.hol.iter().flat_map(|h| &h.histogram) {
                let e = m.entry((ub * 1e6).round() as u64).or_insert((ub, 0));
                e.1 += c;
            }
        }
        m.into_values().collect()
    }

    /// `hol-cdf`: the CDF of the head-of-line delay of every MPTCP flow per variant, all
    /// seeds pooled (a step at each histogram bucket's upper bound).
    pub fn hol_cdf(&self, dir: &Path, opts: &PlotOptions) -> Result<Vec<PathBuf>, String> {
        let names: Vec<String> = (self.runs.first())
            .map(|r| {
                (r.flows.iter())
                    .filter(|f| f.hol.is_some())
                    .map(|f| f.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        let mut series = Vec::new();
        let mut top = 0.0f64;
        for (v, label) in self.variants.iter().enumerate() {
            for name in &names {
                let h = self.hol_histogram(v, name);
                let total: u64 = h.iter().map(|&(_, c)| c).sum();
                if total == 0 {
                    continue;
                }
                let mut pts = vec![(0.0, 0.0)];
                let mut seen = 0u64;
                for &(ub, c) in &h {
                    let before = seen as f64 / total as f64;
                    seen += c;
                    // A step: flat up to the bucket's bound, then up.
                    if ub > 0.0 && pts.last().is_some_and(|p| p.0 < ub) {
                        pts.push((ub, before));
                    }
                    pts.push((ub, seen as f64 / total as f64));
                }
                // The x range ends at the largest 99.9th percentile so that the tails of
                // a few segments do not squash the curves.
                let q = h
                    .iter()
                    .scan(0u64, |s, &(ub, c)| {
                        *s += c;
                        Some((ub, *s))
                    })
                    .find(|&(_, s)| s as f64 >= 0.999 * total as f64)
                    .map_or(0.0, |(ub, _)| ub);
                top = top.max(q);
                let lab = if names.len() > 1 {
                    format!("{label} {name}")
                } else {
                    label.clone()
                };
                series.push(
                    Series::new(lab, pts).with_slot(v * names.len() + series_in(&names, name)),
                );
            }
        }
        if series.is_empty() {
            return Ok(Vec::new());
        }
        let top = if top > 0.0 { top * 1.05 } else { 1.0 };
        for s in &mut series {
            let last = s.points.last().map_or(1.0, |p| p.1);
            s.points.retain(|p| p.0 <= top);
            s.points.push((top, s.points.last().map_or(last, |p| p.1)));
        }
        let title = format!(
            "{}: head-of-line delay CDF ({} seeds pooled)",
            self.scenario,
            self.seeds.len()
        );
        let chart = LineChart {
            title: &title,
            x_label: "HoL delay (ms)",
            y_label: "fraction of segments ≤ x",
            series: &series,
            ..LineChart::default()
        };
        plots::line_chart(&dir.join("hol-cdf"), &chart, opts).map_err(|e| e.to_string())
    }
}

/// `c` with its mean and spread multiplied by `k` (a change of unit for display).
fn scaled(c: &Cell, k: f64) -> Cell {
    Cell {
        n: c.n,
        mean: c.mean * k,
        sd: c.sd * k,
        half: c.half * k,
    }
}

/// The index of `name` in `names` (0 when absent).
fn series_in(names: &[String], name: &str) -> usize {
    names.iter().position(|n| n == name).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jain_index() {
        assert_eq!(jain(&[5.0, 5.0, 5.0]), 1.0);
        assert_eq!(jain(&[1.0, 0.0]), 0.5);
        assert!((jain(&[1.0, 3.0]) - 16.0 / 20.0).abs() < 1e-12);
        assert!(jain(&[0.0, 0.0]).is_nan());
    }
}
