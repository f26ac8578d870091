//! Batch runs: sweep files expanded into many runs, run in parallel or in shards, joined,
//! tabulated and plotted.
//!
//! - [`sweep`]: the sweep file and its expansion into runs with stable ids (axis values
//!   listed or as a `Range`/`Geom` series, `series`);
//! - [`exec`]: running a sweep (threads, `--shard`, `--resume`) into a batch directory;
//! - [`table`]: the batch directory's tables (`summary.csv` and its companions, built by
//!   `tidy` with the axis columns of [`columns`]);
//! - [`mod@merge`]: joining shards;
//! - [`overrides`]: `mpsim run --set`, the sweep machinery on one scenario;
//! - [`mod@report`]: aggregating over seeds with confidence intervals and drawing the result.

pub mod columns;
pub mod error;
pub mod exec;
mod fragment;
pub mod merge;
pub mod overrides;
mod path;
pub mod report;
mod series;
pub mod sweep;
pub mod table;
mod tidy;

pub use error::BatchError;
pub use exec::{plan_runs, run_batch, BatchOptions, BatchReport, Planned, Shard};
pub use merge::{merge, MergeReport};
pub use report::{report, ReportOptions};
pub use sweep::Sweep;
