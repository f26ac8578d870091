//! [`MemorySink`]: keeps a run's typed records in memory, for `mpsim compare` and the tests
//! (which read them as values, never as CSV text). It can keep only some metrics
//! ([`MemorySink::only`]), so a comparison holds the windows it tabulates and the states that
//! say when each subflow was established, nothing else.

use super::sample::{EventRecord, Metric, Sample, Series, SubflowKey, SubflowRecord};
use super::sink::Sink;
use crate::plan::FlowIndex;
use crate::summary::Summary;
use std::io;

/// The records of one run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    /// Subflows, in order of appearance.
    pub subflows: Vec<SubflowRecord>,
    /// Samples, in the order they were taken.
    pub samples: Vec<Sample>,
    /// Events, in time order.
    pub events: Vec<EventRecord>,
    /// The summary, once the run is over.
    pub summary: Option<Summary>,
}

impl Record {
    /// The `(seconds, value)` points of `metric` in `series`, in time order.
    pub fn points(&self, series: Series, metric: Metric) -> Vec<(f64, f64)> {
        (self.samples.iter())
            .filter(|s| s.series == series && s.metric == metric)
            .map(|s| (s.at.as_secs_f64(), s.value))
            .collect()
    }

    /// The subflows of `flow`, in order of appearance.
    pub fn subflows_of(&self, flow: FlowIndex) -> impl Iterator<Item = &SubflowRecord> {
        self.subflows.iter().filter(move |s| s.flow == flow)
    }

    /// The key of the subflow of `flow` labelled `label`, if any.
    pub fn subflow_labelled(&self, flow: FlowIndex, label: &str) -> Option<SubflowKey> {
        (self.subflows_of(flow))
            .find(|s| s.label == label)
            .map(|s| s.key)
    }
}

/// Keeps records in memory.
#[derive(Clone, Debug, Default)]
pub struct MemorySink {
    /// What was recorded so far.
    pub record: Record,
    /// When set, only samples of these metrics are kept.
    keep: Option<Vec<Metric>>,
}

impl MemorySink {
    /// A sink that keeps everything.
    pub fn new() -> Self {
        MemorySink::default()
    }

    /// A sink that keeps the samples of `metrics` only (and every subflow and event).
    pub fn only(metrics: &[Metric]) -> Self {
        MemorySink {
            record: Record::default(),
            keep: Some(metrics.to_vec()),
        }
    }

    /// The records.
    pub fn into_record(self) -> Record {
        self.record
    }
}

impl Sink for MemorySink {
    fn subflow(&mut self, record: &SubflowRecord) -> io::Result<()> {
        self.record.subflows.push(record.clone());
        Ok(())
    }
    fn sample(&mut self, sample: &Sample) -> io::Result<()> {
        if self
            .keep
            .as_ref()
            .is_none_or(|k| k.contains(&sample.metric))
        {
            self.record.samples.push(*sample);
        }
        Ok(())
    }
    fn event(&mut self, event: &EventRecord) -> io::Result<()> {
        self.record.events.push(event.clone());
        Ok(())
    }
    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.record.summary = Some(summary.clone());
        Ok(())
    }
}
