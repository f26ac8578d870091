//! [`FileSink`]: writes a run's records into its results directory as the run goes:
//! `timeseries.csv` (when the scenario records time series) and `events.csv` are streamed
//! through buffered writers, so memory does not grow with the simulated duration;
//! `summary.json` is written at the end. The directory is the run's staging directory
//! ([`crate::output::Staging`]): a run that fails leaves nothing in place.
//!
//! Formats (tidy: one observation per row, a data frame reads them as they are):
//! - `timeseries.csv`: `time_s,kind,name,subflow,metric,value`; `kind` is `flow` or `link`,
//!   `subflow` the subflow's number (empty for a whole flow or a link); metrics in
//!   [`crate::record::sample::Metric`].
//! - `subflows.csv`: `flow,subflow,label,sender,receiver,sender_iface,receiver_iface,
//!   recreated_from,opened_s`, one row per subflow as it appears: what each number of the
//!   other files is (addresses and ports at the data sender and receiver, their interfaces
//!   as `host.iface`, the subflow it re-creates).
//! - `events.csv`: `time_s,host,flow,subflow,event,...` ([`super::event_text`]), every
//!   event of every endpoint and the scheduled link events, in time order; times to the
//!   nanosecond (9 decimals), as the simulation keeps them.
//! - `pcap/<host>.<iface>.pcapng` (or `.pcap`): the packets of each captured interface
//!   ([`super::pcap`]).

use super::event_text;
use super::fixed::{write_decimal, write_uint, SLOT};
use super::pcap::Captures;
use super::rows::{RowFile, NAME};
use super::sample::{action_text, EventKind, EventRecord, Metric, Sample, Series, SubflowRecord};
use super::sink::Sink;
use crate::output::{secs, secs_exact};
use crate::plan::{Dir, IfaceIndex, Plan};
use crate::summary::Summary;
use mptcp_model::host::CapturedPacket;
use sim_core::Instant;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes the records of a run of `plan` into a directory.
pub struct FileSink {
    dir: PathBuf,
    timeseries: Option<RowFile<File>>,
    events: RowFile<File>,
    subflows: BufWriter<File>,
    /// Names of the hosts, the flows, each link's two directions and the interfaces.
    host_names: Vec<String>,
    flow_names: Vec<String>,
    link_names: Vec<[String; 2]>,
    /// The columns of `timeseries.csv` naming each flow's series and each link direction's
    /// (`,flow,<name>,`, `,link,<name>,`), made once.
    series_columns: (Vec<Vec<u8>>, Vec<[Vec<u8>; 2]>),
    iface_names: BTreeMap<IfaceIndex, String>,
    /// The time column of the last sample written, and its instant.
    time: (Instant, String),
    /// The instant and series of the last sample written, and its columns before the
    /// metric (`time_s,kind,name,subflow,`): samples come instant by instant, series by
    /// series.
    prefix: Option<(Instant, Series, Vec<u8>)>,
    /// The packet captures, when the scenario asks for them.
    captures: Option<Captures>,
}

impl FileSink {
    /// Creates the files of a run of `plan` in `dir` (which exists).
    pub fn create(dir: &Path, plan: &Plan) -> io::Result<FileSink> {
        let timeseries = if plan.scenario.output.timeseries {
            let mut w = RowFile::new(File::create(dir.join("timeseries.csv"))?);
            w.put_all(b"time_s,kind,name,subflow,metric,value\n")?;
            Some(w)
        } else {
            None
        };
        let mut events = RowFile::new(File::create(dir.join("events.csv"))?);
        events.put_all(format!("{}\n", event_text::HEADER).as_bytes())?;
        let mut subflows = BufWriter::new(File::create(dir.join("subflows.csv"))?);
        subflows.write_all(
            b"flow,subflow,label,sender,receiver,sender_iface,receiver_iface,recreated_from,\
              opened_s\n",
        )?;
        Ok(FileSink {
            dir: dir.to_path_buf(),
            timeseries,
            events,
            subflows,
            host_names: plan.hosts.iter().map(|h| h.name.clone()).collect(),
            series_columns: (
                (plan.flows.iter())
                    .map(|f| format!(",flow,{},", f.name).into_bytes())
                    .collect(),
                (plan.links.iter())
                    .map(|l| {
                        Dir::BOTH.map(|d| format!(",link,{},", l.direction_name(d)).into_bytes())
                    })
                    .collect(),
            ),
            flow_names: plan.flows.iter().map(|f| f.name.clone()).collect(),
            link_names: (plan.links.iter())
                .map(|l| Dir::BOTH.map(|d| l.direction_name(d)))
                .collect(),
            iface_names: (plan.host_indices())
                .flat_map(|h| plan.iface_indices(h))
                .map(|i| (i, plan.iface_label(i)))
                .collect(),
            time: (Instant::ZERO, secs(0)),
            prefix: None,
            captures: (plan.capture.as_ref())
                .map(|c| Captures::create(dir, plan, c))
                .transpose()?,
        })
    }
}

impl Sink for FileSink {
    fn subflow(&mut self, r: &SubflowRecord) -> io::Result<()> {
        let iface = |i: Option<IfaceIndex>| i.and_then(|i| self.iface_names.get(&i));
        let none = String::new();
        writeln!(
            self.subflows,
            "{},{},{},{},{},{},{},{},{}",
            self.flow_names[r.flow.0 as usize],
            r.key.0,
            r.label,
            r.sender,
            r.receiver,
            iface(r.sender_iface).unwrap_or(&none),
            iface(r.receiver_iface).unwrap_or(&none),
            r.recreated_from.map(|n| n.to_string()).unwrap_or_default(),
            secs_exact(r.opened.as_nanos()),
        )
    }

    fn sample(&mut self, s: &Sample) -> io::Result<()> {
        self.samples(std::slice::from_ref(s))
    }

    fn samples(&mut self, samples: &[Sample]) -> io::Result<()> {
        let Some(w) = &mut self.timeseries else {
            return Ok(());
        };
        for s in samples {
            if (self.prefix.as_ref()).is_none_or(|p| p.0 != s.at || p.1 != s.series) {
                if self.time.0 != s.at {
                    self.time = (s.at, secs(s.at.as_nanos()));
                }
                let mut text = self.prefix.take().map(|p| p.2).unwrap_or_default();
                series_prefix(&mut text, &self.time.1, s.series, &self.series_columns)?;
                self.prefix = Some((s.at, s.series, text));
            }
            let prefix = self.prefix.as_ref().map_or(&[][..], |p| &p.2);
            // The row assembled in place: the prefix, the metric's name and the value.
            let mut row = w.row(prefix.len() + NAME + SLOT + 1)?;
            row.put(prefix);
            row.put_name(&METRIC_FIELDS[s.metric as usize]);
            row.put_fixed(s.value, s.metric.decimals());
            row.put_byte(b'\n');
            row.done();
        }
        Ok(())
    }

    fn event(&mut self, e: &EventRecord) -> io::Result<()> {
        // The time to the nanosecond, as `secs_exact` writes it.
        let ns = e.at.as_nanos();
        let (secs, nanos) = (ns / 1_000_000_000, ns % 1_000_000_000);
        match &e.kind {
            EventKind::Link { link, action } => {
                let mut text = Vec::new();
                write_decimal(&mut text, false, secs, nanos, 9)?;
                writeln!(
                    text,
                    ",,,,link,{},{},,,,,,,",
                    self.link_names[link.0 as usize][0],
                    action_text(action)
                )?;
                self.events.put_all(&text)
            }
            EventKind::Flow {
                host,
                flow,
                subflow,
                event,
            } => {
                let c = event_text::columns(event);
                let (host, flow) = (
                    &self.host_names[host.0 as usize],
                    &self.flow_names[flow.0 as usize],
                );
                // The row assembled in place: names and words copied whole, numbers by
                // the fixed writer (the formatter's machinery cost several times the bytes).
                let words = host.len() + flow.len() + c.event.len() + c.target.len();
                let mut row = self.events.row(words + c.detail.len() + 9 * SLOT + 16)?;
                row.put_decimal(secs, nanos, 9);
                row.put_byte(b',');
                row.put(host.as_bytes());
                row.put_byte(b',');
                row.put(flow.as_bytes());
                row.put_byte(b',');
                row.put_opt(subflow.map(|k| k.0.into()));
                row.put_byte(b',');
                row.put(c.event.as_bytes());
                row.put_byte(b',');
                row.put(c.target.as_bytes());
                row.put_byte(b',');
                row.put(c.detail.as_bytes());
                row.put_byte(b',');
                row.put_opt(c.bytes);
                row.put_byte(b',');
                row.put_opt(c.dsn);
                row.put_byte(b',');
                row.put_opt(c.from_subflow.map(u64::from));
                row.put_byte(b',');
                if let Some(rto) = c.rto {
                    row.put_fixed(rto.as_nanos() as f64 / 1e6, 3);
                }
                row.put_byte(b',');
                row.put_opt(c.backoff.map(u64::from));
                row.put_byte(b',');
                row.put_opt(c.cwnd);
                row.put_byte(b',');
                row.put_opt(c.ssthresh);
                row.put_byte(b'\n');
                row.done();
                Ok(())
            }
        }
    }

    fn packet(&mut self, packet: &CapturedPacket) -> io::Result<()> {
        match &mut self.captures {
            Some(c) => c.write(packet),
            None => Ok(()),
        }
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        if let Some(c) = &mut self.captures {
            c.finish()?;
        }
        if let Some(w) = &mut self.timeseries {
            w.flush()?;
        }
        self.events.flush()?;
        self.subflows.flush()?;
        let json = serde_json::to_string_pretty(summary)?;
        std::fs::write(self.dir.join("summary.json"), format!("{json}\n"))
    }
}

/// The columns of a sample of `series` at `time` before its metric, into `text` (emptied
/// first): `time_s,kind,name,subflow,`.
fn series_prefix(
    text: &mut Vec<u8>,
    time: &str,
    series: Series,
    (flows, links): &(Vec<Vec<u8>>, Vec<[Vec<u8>; 2]>),
) -> io::Result<()> {
    let (columns, subflow) = match series {
        Series::Flow(f) => (&flows[f.0 as usize], None),
        Series::Subflow(f, k) => (&flows[f.0 as usize], Some(k.0)),
        Series::Link(d) => (&links[d.link.0 as usize][d.dir as usize], None),
    };
    text.clear();
    text.extend_from_slice(time.as_bytes());
    text.extend_from_slice(columns);
    if let Some(k) = subflow {
        write_uint(text, k.into())?;
    }
    text.push(b',');
    Ok(())
}

/// Each metric's column and the comma after it, padded to [`NAME`] bytes, with its length.
const METRIC_FIELDS: [([u8; NAME], usize); Metric::ALL.len()] = {
    let mut table = [([0u8; NAME], 0); Metric::ALL.len()];
    let mut i = 0;
    while i < Metric::ALL.len() {
        let name = Metric::ALL[i].name().as_bytes();
        let mut k = 0;
        while k < name.len() {
            table[i].0[k] = name[k];
            k += 1;
        }
        table[i].0[k] = b',';
        table[i].1 = k + 1;
        i += 1;
    }
    table
};
