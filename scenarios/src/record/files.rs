//! [`FileSink`]: writes a run's records into its results directory as the run goes:
//! `timeseries.csv` (when the scenario records time series) and `events.csv` are streamed
//! through buffered writers, so memory does not grow with the simulated duration;
//! `summary.json` is written at the end. The directory is the run's staging directory
//! ([`crate::output::Staging`]): a run that fails leaves nothing in place.
//!
//! Formats (tidy: one observation per row, a data frame reads them as they are):
//! - `timeseries.csv`: `time_s,kind,name,subflow,metric,value`; `kind` is `flow` or `link`,
//!   `subflow` the subflow's label (empty for a whole flow or a link).
//! - `events.csv`: `time_s,target,action`, one row per scheduled link event.

use super::sample::{action_text, EventKind, EventRecord, Sample, Series, SubflowRecord};
use super::sink::Sink;
use crate::output::secs;
use crate::plan::{Dir, Plan};
use crate::summary::Summary;
use sim_core::Instant;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes the records of a run of `plan` into a directory.
pub struct FileSink {
    dir: PathBuf,
    timeseries: Option<BufWriter<File>>,
    events: BufWriter<File>,
    /// Names of the flows, of each link's two directions, and of each flow's subflows by key.
    flow_names: Vec<String>,
    link_names: Vec<[String; 2]>,
    subflow_labels: Vec<Vec<String>>,
    /// The time column of the last sample written, and its instant.
    time: (Instant, String),
}

impl FileSink {
    /// Creates the files of a run of `plan` in `dir` (which exists).
    pub fn create(dir: &Path, plan: &Plan) -> io::Result<FileSink> {
        let timeseries = if plan.scenario.output.timeseries {
            let mut w = BufWriter::new(File::create(dir.join("timeseries.csv"))?);
            w.write_all(b"time_s,kind,name,subflow,metric,value\n")?;
            Some(w)
        } else {
            None
        };
        let mut events = BufWriter::new(File::create(dir.join("events.csv"))?);
        events.write_all(b"time_s,target,action\n")?;
        Ok(FileSink {
            dir: dir.to_path_buf(),
            timeseries,
            events,
            flow_names: plan.flows.iter().map(|f| f.name.clone()).collect(),
            link_names: (plan.links.iter())
                .map(|l| Dir::BOTH.map(|d| l.direction_name(d)))
                .collect(),
            subflow_labels: vec![Vec::new(); plan.flows.len()],
            time: (Instant::ZERO, secs(0)),
        })
    }
}

impl Sink for FileSink {
    fn subflow(&mut self, record: &SubflowRecord) -> io::Result<()> {
        let labels = &mut self.subflow_labels[record.flow.0 as usize];
        let k = record.key.0 as usize;
        if labels.len() <= k {
            labels.resize(k + 1, String::new());
        }
        labels[k].clone_from(&record.label);
        Ok(())
    }

    fn sample(&mut self, s: &Sample) -> io::Result<()> {
        let Some(w) = &mut self.timeseries else {
            return Ok(());
        };
        if self.time.0 != s.at {
            self.time = (s.at, secs(s.at.as_nanos()));
        }
        let t = &self.time.1;
        let (kind, name, subflow) = match s.series {
            Series::Flow(f) => ("flow", &self.flow_names[f.0 as usize], ""),
            Series::Subflow(f, k) => (
                "flow",
                &self.flow_names[f.0 as usize],
                self.subflow_labels[f.0 as usize][k.0 as usize].as_str(),
            ),
            Series::Link(d) => (
                "link",
                &self.link_names[d.link.0 as usize][d.dir as usize],
                "",
            ),
        };
        let (metric, prec, v) = (s.metric.name(), s.metric.decimals(), s.value);
        writeln!(w, "{t},{kind},{name},{subflow},{metric},{v:.prec$}")
    }

    fn event(&mut self, e: &EventRecord) -> io::Result<()> {
        match &e.kind {
            EventKind::Link { link, action } => writeln!(
                self.events,
                "{},{},{}",
                secs(e.at.as_nanos()),
                self.link_names[link.0 as usize][0],
                action_text(action)
            ),
        }
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        if let Some(w) = &mut self.timeseries {
            w.flush()?;
        }
        self.events.flush()?;
        let json = serde_json::to_string_pretty(summary)?;
        std::fs::write(self.dir.join("summary.json"), format!("{json}\n"))
    }
}
