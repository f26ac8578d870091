//! Plain input types the chart functions draw: series, bands, bar sets, sample sets and
//! event markers.
//!
//! None of them knows anything about the simulation; units live in the axis labels the
//! caller passes. Non-finite values (NaN, ±inf) anywhere in them are skipped when drawing.

/// The output formats a figure can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// Portable Network Graphics raster image (`.png`).
    Png,
    /// Scalable Vector Graphics (`.svg`).
    Svg,
}

impl Format {
    /// The file extension for this format, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// One labelled line: `(x, y)` points, drawn in the given order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// `(x, y)` points. Points with a non-finite coordinate are skipped.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// Builds a series from a label and points.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            points,
        }
    }
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
}

/// A labelled set of samples for [`crate::cdf_chart`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Samples {
    /// Legend label.
    pub label: String,
    /// The sample values; non-finite ones are skipped.
    pub values: Vec<f64>,
}

/// Anything [`crate::cdf_chart`] can take as one labelled set of samples.
///
/// Implemented for [`Samples`] and for [`Series`], whose points' `x` values are the samples.
pub trait SampleSet {
    /// Legend label.
    fn label(&self) -> &str;
    /// The sample values, in any order; non-finite ones are skipped by the caller.
    fn sample_values(&self) -> Vec<f64>;
}

impl SampleSet for Samples {
    fn label(&self) -> &str {
        &self.label
    }
    fn sample_values(&self) -> Vec<f64> {
        self.values.clone()
    }
}

impl SampleSet for Series {
    fn label(&self) -> &str {
        &self.label
    }
    fn sample_values(&self) -> Vec<f64> {
        self.points.iter().map(|&(x, _)| x).collect()
    }
}

/// A line chart: several series over a shared x axis, with optional event markers.
#[derive(Clone, Copy, Debug)]
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
}
