//! Where records go: the [`Sink`] trait, and [`Tee`] that hands every record to two sinks.
//!
//! A sink receives a run's records as they happen (samples at each sampling instant, events
//! at each drain, in time order) and the summary at the end. Each call costs the sink
//! O(1) in the run's length: a sink that writes files streams them, one that keeps records
//! in memory keeps what it was asked to.

use super::sample::{EventRecord, Sample, SubflowRecord};
use crate::summary::Summary;
use mptcp_model::host::CapturedPacket;
use std::io;

/// A destination of a run's records.
pub trait Sink {
    /// A subflow appeared (before any sample or event names it).
    fn subflow(&mut self, record: &SubflowRecord) -> io::Result<()>;
    /// A time-series sample.
    fn sample(&mut self, sample: &Sample) -> io::Result<()>;
    /// Time-series samples, in order (as many calls of [`Sink::sample`]; a sink may take
    /// them at once).
    fn samples(&mut self, samples: &[Sample]) -> io::Result<()> {
        samples.iter().try_for_each(|s| self.sample(s))
    }
    /// An event.
    fn event(&mut self, event: &EventRecord) -> io::Result<()>;
    /// A packet that crossed a captured interface (only when the scenario captures; in the
    /// order each host saw them). Ignored unless the sink writes captures.
    fn packet(&mut self, _packet: &CapturedPacket) -> io::Result<()> {
        Ok(())
    }
    /// The run is over: its summary. Files are complete when this returns.
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;
}

/// Hands every record to `.0`, then to `.1`.
pub struct Tee<A, B>(pub A, pub B);

impl<A: Sink, B: Sink> Sink for Tee<A, B> {
    fn subflow(&mut self, record: &SubflowRecord) -> io::Result<()> {
        self.0.subflow(record)?;
        self.1.subflow(record)
    }
    fn sample(&mut self, sample: &Sample) -> io::Result<()> {
        self.0.sample(sample)?;
        self.1.sample(sample)
    }
    fn samples(&mut self, samples: &[Sample]) -> io::Result<()> {
        self.0.samples(samples)?;
        self.1.samples(samples)
    }
    fn event(&mut self, event: &EventRecord) -> io::Result<()> {
        self.0.event(event)?;
        self.1.event(event)
    }
    fn packet(&mut self, packet: &CapturedPacket) -> io::Result<()> {
        self.0.packet(packet)?;
        self.1.packet(packet)
    }
    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.0.finish(summary)?;
        self.1.finish(summary)
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn subflow(&mut self, record: &SubflowRecord) -> io::Result<()> {
        (**self).subflow(record)
    }
    fn sample(&mut self, sample: &Sample) -> io::Result<()> {
        (**self).sample(sample)
    }
    fn samples(&mut self, samples: &[Sample]) -> io::Result<()> {
        (**self).samples(samples)
    }
    fn event(&mut self, event: &EventRecord) -> io::Result<()> {
        (**self).event(event)
    }
    fn packet(&mut self, packet: &CapturedPacket) -> io::Result<()> {
        (**self).packet(packet)
    }
    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        (**self).finish(summary)
    }
}
