//! The record of a run: typed samples, events and subflows ([`sample`]), the [`Recorder`]
//! that reads them off a running simulation, and the sinks they go to ([`sink::Sink`]):
//! files in the results directory ([`files::FileSink`], streamed as the run goes) and
//! memory ([`memory::MemorySink`], for `mpsim compare` and the tests).
//!
//! [`Recorder`]: recorder::Recorder

pub mod event_text;
pub mod files;
mod fixed;
pub mod memory;
pub mod paths;
pub mod pcap;
pub mod recorder;
mod rows;
pub mod sample;
pub mod sink;
