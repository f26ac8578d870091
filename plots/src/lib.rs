//! PNG, SVG and PDF figures for mpsim results, drawn from plain series.
//!
//! This crate knows no simulation type: callers hand it labelled `(x, y)` [`Series`],
//! [`Band`]s, [`BarSet`]s, [`Samples`] and event [`Marker`]s, with axis labels that carry
//! the units. [`draw_run`] redraws a past run's figures from its `timeseries.csv` and
//! `events.csv` alone, which is what `mpsim plot RESULTS_DIR` does.
//!
//! Guarantees of every function that writes figures:
//! - **Whole or nothing**: each file is rendered in memory, written to a hidden temporary
//!   file in the same directory and renamed into place; on error no temporary file is left
//!   and the target keeps its old content (or stays absent).
//! - **Deterministic**: text is set in the bundled DejaVu Sans (registered once per
//!   process; the PDF converter sees no other font), layout depends only on the input and
//!   the [`PlotOptions`], and nothing depends on the clock or on hash order, so the same
//!   input gives byte-identical files.
//! - **Readable**: no text leaves the canvas (legends go right of the chart or under it and
//!   wrap long labels instead of cutting them; titles and axis descriptions wrap); series
//!   keep their look across figures through palette slots (Paul Tol's colour-blind-safe
//!   "muted" colours, then dash patterns: no repeat within 36 series); coinciding lines get
//!   markers; dense time series can cut their y axis above single-sample spikes (marked);
//!   log axes for values that double ([`Scale::Log`]).
//! - **Robust**: NaN and infinite values are skipped (a non-finite y breaks a line); empty
//!   or all-zero data draws an empty axis with a note instead of failing.
//!
//! Each function takes a path *stem* and appends `.png` / `.svg` / `.pdf` per requested
//! [`Format`].
//!
//! ```
//! use plots::{line_chart, Format, LineChart, Marker, PlotOptions, Series};
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
//!     ..LineChart::default()
//! };
//! let opts = PlotOptions::default().with_formats(&[Format::Svg]);
//! let written = line_chart(&dir.join("goodput"), &chart, &opts)?;
//! assert_eq!(written, vec![dir.join("goodput.svg")]);
//! assert!(std::fs::read_to_string(&written[0])?.contains("Goodput"));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(unsafe_code)]

mod axis;
mod band;
mod bars;
mod cdf;
mod data;
mod error;
mod frame;
mod legend;
mod line;
mod lines;
mod options;
mod output;
mod range;
mod run;
mod style;
mod table;
mod text;

#[cfg(test)]
mod layout_tests;
#[cfg(test)]
mod tests;

pub use axis::Scale;
pub use band::band_chart;
pub use bars::grouped_bars;
pub use cdf::cdf_chart;
pub use data::{Band, BarSet, LineChart, Marker, SampleSet, Samples, Series};
pub use error::PlotError;
pub use line::{line_chart, stacked_chart};
pub use options::{Format, PlotOptions, FONT_SCALE_LIMITS, SIZE_LIMITS};
pub use run::{draw_run, RunOptions};
