//! Time-series figures: [`line_chart`] (one line per series) and [`stacked_chart`] (stacked
//! areas, e.g. subflow throughput, under a total line, e.g. connection goodput).

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use crate::frame::{
    color, draw_line, draw_markers, finite_points, frame, note_if_degenerate, xy_chart, Bounds,
    LegendEntry, Swatch,
};
use crate::output::{render, Canvas, DrawResult, Figure};
use crate::{Format, LineChart, Marker, PlotError, Series};

/// Draws `chart` as one coloured line per series, with dashed vertical event markers, and
/// writes `stem.png` and/or `stem.svg`. Returns the written paths in the order of `formats`.
///
/// The x axis spans the data and the markers; the y axis starts at zero unless values are
/// negative. Non-finite points are skipped. With no finite point at all, an empty axis
/// with the note "no data" is drawn.
pub fn line_chart(
    stem: &Path,
    chart: &LineChart<'_>,
    formats: &[Format],
) -> Result<Vec<PathBuf>, PlotError> {
    render(stem, formats, &LineFigure { chart })
}

struct LineFigure<'a> {
    chart: &'a LineChart<'a>,
}

impl Figure for LineFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
        canvas: Canvas,
    ) -> DrawResult {
        let c = self.chart;
        let lines: Vec<Vec<(f64, f64)>> =
            c.series.iter().map(|s| finite_points(&s.points)).collect();
        let (mut xb, mut yb) = (Bounds::new(), Bounds::new());
        for &(x, y) in lines.iter().flatten() {
            xb.add(x);
            yb.add(y);
        }
        for m in c.markers {
            xb.add(m.x);
        }
        let legend: Vec<LegendEntry> = c
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| LegendEntry::new(s.label.clone(), Swatch::Line(color(i))))
            .collect();
        let area = frame(root, c.title, &legend)?;
        let mut chart = xy_chart(&area, xb.tight(), yb.value_range(), c.x_label, c.y_label)?;
        for (i, points) in lines.into_iter().enumerate() {
            draw_line(&mut chart, points, color(i).stroke_width(2), canvas)?;
        }
        draw_markers(&mut chart, c.markers)?;
        note_if_degenerate(&chart, &yb)
    }
}

/// Draws `layers` as stacked filled areas (first layer at the bottom) with `total` as a
/// black line on top, plus dashed event markers, and writes `stem.png` and/or `stem.svg`.
///
/// Layers need not share an x grid: the stack is evaluated on the union of all layers'
/// x values, each layer **linearly interpolated** between its own samples and taken as
/// **zero outside its own first..last x** (a subflow that starts late or ends early adds
/// nothing there). Layers sampled on one common grid are therefore drawn exactly. Each
/// layer's points are sorted by x first; non-finite points are skipped.
#[allow(clippy::too_many_arguments)] // the call shape the runner and `mpsim plot` use
pub fn stacked_chart(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    layers: &[Series],
    total: Option<&Series>,
    markers: &[Marker],
    formats: &[Format],
) -> Result<Vec<PathBuf>, PlotError> {
    let figure = StackedFigure {
        title,
        x_label,
        y_label,
        layers,
        total,
        markers,
    };
    render(stem, formats, &figure)
}

struct StackedFigure<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    layers: &'a [Series],
    total: Option<&'a Series>,
    markers: &'a [Marker],
}

/// Finite points sorted by x (stable, so equal x keep their order).
fn sorted_points(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut p = finite_points(points);
    p.sort_by(|a, b| a.0.total_cmp(&b.0));
    p
}

/// The value of the piecewise-linear function through `points` (sorted by x) at `x`; zero
/// outside `points`' x span.
pub(crate) fn interpolate(points: &[(f64, f64)], x: f64) -> f64 {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return 0.0;
    };
    if x < first.0 || x > last.0 {
        return 0.0;
    }
    // Index of the first point with px > x; the last point with px <= x is just before.
    let i = points.partition_point(|p| p.0 <= x);
    let (x0, y0) = points[i - 1];
    match points.get(i) {
        Some(&(x1, y1)) if x1 > x0 && x > x0 => y0 + (y1 - y0) * (x - x0) / (x1 - x0),
        _ => y0,
    }
}

/// Cumulative tops of each layer on `grid`: `tops[k][j]` is the sum of layers `0..=k` at
/// `grid[j]`.
pub(crate) fn stack(layers: &[Vec<(f64, f64)>], grid: &[f64]) -> Vec<Vec<f64>> {
    let mut below = vec![0.0; grid.len()];
    let mut tops = Vec::with_capacity(layers.len());
    for layer in layers {
        let top: Vec<f64> = grid
            .iter()
            .zip(&below)
            .map(|(&x, &b)| b + interpolate(layer, x))
            .collect();
        below.clone_from(&top);
        tops.push(top);
    }
    tops
}

impl Figure for StackedFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
        canvas: Canvas,
    ) -> DrawResult {
        let layers: Vec<Vec<(f64, f64)>> = self
            .layers
            .iter()
            .map(|s| sorted_points(&s.points))
            .collect();
        let mut grid: Vec<f64> = layers.iter().flatten().map(|p| p.0).collect();
        grid.sort_by(f64::total_cmp);
        grid.dedup();
        let tops = stack(&layers, &grid);
        let total = self
            .total
            .map(|s| finite_points(&s.points))
            .unwrap_or_default();

        let (mut xb, mut yb) = (Bounds::new(), Bounds::new());
        for &x in &grid {
            xb.add(x);
        }
        for v in tops.iter().flatten() {
            yb.add(*v);
        }
        for &(x, y) in &total {
            xb.add(x);
            yb.add(y);
        }
        for m in self.markers {
            xb.add(m.x);
        }

        let mut legend: Vec<LegendEntry> = self
            .layers
            .iter()
            .enumerate()
            .map(|(i, s)| LegendEntry::new(s.label.clone(), Swatch::Fill(color(i))))
            .collect();
        if let Some(t) = self.total {
            legend.push(LegendEntry::new(t.label.clone(), Swatch::Line(BLACK)));
        }
        let area = frame(root, self.title, &legend)?;
        let mut chart = xy_chart(
            &area,
            xb.tight(),
            yb.value_range(),
            self.x_label,
            self.y_label,
        )?;

        let zero = vec![0.0; grid.len()];
        for (k, top) in tops.iter().enumerate() {
            if grid.len() < 2 {
                continue;
            }
            let below = if k == 0 { &zero } else { &tops[k - 1] };
            let mut outline: Vec<(f64, f64)> =
                grid.iter().copied().zip(top.iter().copied()).collect();
            outline.extend(grid.iter().copied().zip(below.iter().copied()).rev());
            chart.draw_series(std::iter::once(Polygon::new(
                outline,
                color(k).mix(0.6).filled(),
            )))?;
            let edge: Vec<(f64, f64)> = grid.iter().copied().zip(top.iter().copied()).collect();
            draw_line(&mut chart, edge, color(k).stroke_width(1), canvas)?;
        }
        draw_line(&mut chart, total, BLACK.stroke_width(2), canvas)?;
        draw_markers(&mut chart, self.markers)?;
        note_if_degenerate(&chart, &yb)
    }
}
