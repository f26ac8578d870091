//! Plain input types the chart functions draw: series, bands, bar sets, sample sets and
//! event markers.
//!
//! None of them knows anything about the simulation; units live in the axis labels the
//! caller passes. Non-finite values (NaN, ±inf) are skipped when drawing; in a [`Series`] a
//! non-finite y also breaks the line (no line is drawn across a missing sample).
//!
//! Every set has an optional palette `slot`: sets with the same slot get the same colour,
//! dash pattern and marker in every figure, so a caller that numbers its series once (a
//! subflow, a scheduler, a sweep group) keeps them recognisable across figures. Without a
//! slot a set takes its position in the chart.

use crate::axis::Scale;

/// One labelled line: `(x, y)` points, drawn in the given order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// `(x, y)` points. A point with a non-finite x is skipped; a non-finite y ends the line
    /// there (the next finite point starts a new piece).
    pub points: Vec<(f64, f64)>,
    /// Palette slot (see the module doc); `None` = position in the chart.
    pub slot: Option<usize>,
}

impl Series {
    /// Builds a series from a label and points.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            points,
            slot: None,
        }
    }

    /// This series with palette slot `slot`.
    pub fn with_slot(mut self, slot: usize) -> Self {
        self.slot = Some(slot);
        self
    }

    /// This series with a break (a NaN point) wherever two consecutive points are more than
    /// 1.5 `step`s apart in x, e.g. where a sampled series has no sample.
    pub fn with_gaps_broken(mut self, step: f64) -> Self {
        self.points = crate::run::break_gaps(&self.points, step);
        self
    }
}

/// The palette slot of the `i`-th set of a chart: its own, else `i`.
pub(crate) fn slot_or(slot: Option<usize>, i: usize) -> usize {
    slot.unwrap_or(i)
}

/// A vertical dashed line at `x` with a small label, e.g. a link event (`"wifi down"`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Marker {
    /// Position on the x axis.
    pub x: f64,
    /// Short text drawn beside the line.
    pub label: String,
}

/// A mean line with a shaded interval around it, e.g. the spread across seeds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Band {
    /// Legend label.
    pub label: String,
    /// `(x, mean, lo, hi)`; the caller computes the interval (normally a 95% confidence
    /// interval). Points with any non-finite value are skipped.
    pub points: Vec<(f64, f64, f64, f64)>,
    /// Palette slot (see the module doc); `None` = position in the chart.
    pub slot: Option<usize>,
}

/// One bar per group for one series of a grouped bar chart (e.g. one congestion controller
/// across several flows).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BarSet {
    /// Legend label (e.g. the controller's name).
    pub label: String,
    /// `(mean, lo, hi)` per group, in the order of the chart's groups. The bar's height is
    /// `mean`; a whisker spans `lo..=hi`. A non-finite mean leaves the bar out; a non-finite
    /// `lo` or `hi` leaves the whisker out. Missing trailing entries leave those bars out.
    pub values: Vec<(f64, f64, f64)>,
    /// Palette slot (see the module doc); `None` = position in the chart.
    pub slot: Option<usize>,
}

/// A labelled set of samples for [`crate::cdf_chart`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Samples {
    /// Legend label.
    pub label: String,
    /// The sample values; non-finite ones are skipped.
    pub values: Vec<f64>,
    /// Palette slot (see the module doc); `None` = position in the chart.
    pub slot: Option<usize>,
}

/// Anything [`crate::cdf_chart`] can take as one labelled set of samples.
///
/// Implemented for [`Samples`] and for [`Series`], whose points' `x` values are the samples.
pub trait SampleSet {
    /// Legend label.
    fn label(&self) -> &str;
    /// The sample values, in any order; non-finite ones are skipped by the caller.
    fn sample_values(&self) -> Vec<f64>;
    /// Palette slot, if the set has one.
    fn slot(&self) -> Option<usize>;
}

impl SampleSet for Samples {
    fn label(&self) -> &str {
        &self.label
    }
    fn sample_values(&self) -> Vec<f64> {
        self.values.clone()
    }
    fn slot(&self) -> Option<usize> {
        self.slot
    }
}

impl SampleSet for Series {
    fn label(&self) -> &str {
        &self.label
    }
    fn sample_values(&self) -> Vec<f64> {
        self.points.iter().map(|&(x, _)| x).collect()
    }
    fn slot(&self) -> Option<usize> {
        self.slot
    }
}

/// A line chart: several series over a shared x axis, with optional event markers.
///
/// Build it with a struct literal ending in `..LineChart::default()` so that new options
/// keep their defaults.
#[derive(Clone, Copy, Debug, Default)]
pub struct LineChart<'a> {
    /// Figure title.
    pub title: &'a str,
    /// X axis description, with unit (e.g. `"time (s)"`).
    pub x_label: &'a str,
    /// Y axis description, with unit (e.g. `"goodput (Mbit/s)"`).
    pub y_label: &'a str,
    /// The lines, one legend entry each.
    pub series: &'a [Series],
    /// Vertical event markers.
    pub markers: &'a [Marker],
    /// X axis scale (log for values that double, e.g. subflow counts).
    pub x_scale: Scale,
    /// Y axis scale.
    pub y_scale: Scale,
    /// Cut the y axis at its robust top so that single-sample spikes do not set it (for dense
    /// time series); the samples above are drawn at the edge and marked.
    pub robust_y: bool,
}
