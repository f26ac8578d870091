//! PNG and SVG figures for mpsim results, drawn from plain series.
//!
//! This crate knows no simulation type: callers hand it labelled `(x, y)` [`Series`],
//! [`Band`]s, [`BarSet`]s, [`Samples`] and event [`Marker`]s, with axis labels that carry
//! the units. [`draw_run`] redraws a past run's figures from its `timeseries.csv` and
//! `events.csv` alone, which is what `mpsim plot RESULTS_DIR` does.
//!
//! Guarantees of every function that writes figures:
//! - **Whole or nothing**: each file is rendered to a hidden temporary file in the same
//!   directory and renamed into place; on error no temporary file is left and the target
//!   keeps its old content (or stays absent).
//! - **Deterministic**: text is set in the bundled DejaVu Sans (registered once per
//!   process), the canvas is a fixed 1200 × 700 pixels, and nothing depends on the clock or
//!   on hash order, so the same input gives byte-identical files.
//! - **Robust**: NaN and infinite values are skipped; empty or all-zero data draws an empty
//!   axis with a note instead of failing.
//!
//! Each function takes a path *stem* and appends `.png` / `.svg` per requested [`Format`].
//!
//! ```
//! use plots::{line_chart, Format, LineChart, Marker, Series};
//!
//! let dir = std::env::temp_dir().join(format!("plots-doctest-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let series = [Series::new("flow0", vec![(0.0, 0.0), (1.0, 9.5), (2.0, 9.8)])];
//! let markers = [Marker { x: 1.5, label: "wifi down".into() }];
//! let chart = LineChart {
//!     title: "Goodput",
//!     x_label: "time (s)",
//!     y_label: "goodput (Mbit/s)",
//!     series: &series,
//!     markers: &markers,
//! };
//! let written = line_chart(&dir.join("goodput"), &chart, &[Format::Svg])?;
//! assert_eq!(written, vec![dir.join("goodput.svg")]);
//! assert!(std::fs::read_to_string(&written[0])?.contains("Goodput"));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(unsafe_code)]

mod band;
mod bars;
mod cdf;
mod data;
mod error;
mod frame;
mod line;
mod output;
mod run;
mod table;

#[cfg(test)]
mod tests;

pub use band::band_chart;
pub use bars::grouped_bars;
pub use cdf::cdf_chart;
pub use data::{Band, BarSet, Format, LineChart, Marker, SampleSet, Samples, Series};
pub use error::PlotError;
pub use line::{line_chart, stacked_chart};
pub use run::draw_run;
