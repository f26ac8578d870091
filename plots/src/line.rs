//! Time-series figures: [`line_chart`] (one line per series) and [`stacked_chart`] (stacked
//! areas, e.g. subflow throughput, under a total line, e.g. connection goodput).

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use crate::axis::Scale;
use crate::data::slot_or;
use crate::frame::{draw_markers, draw_note, frame, plot, Grid, Plot};
use crate::legend::{LegendEntry, Swatch};
use crate::lines::{bounds, draw_traces, emphasis, x_axis, y_axis, Emphasis, Markers, Trace};
use crate::output::{render, Ctx, DrawResult, Figure};
use crate::style::{black, draw_polyline, look};
use crate::{LineChart, Marker, PlotError, PlotOptions, Series};

/// Draws `chart` as one line per series (colour, dash and marker from its slot), with
/// dashed vertical event markers, and writes one file per format of `opts`. Returns the
/// written paths in the order of the formats.
///
/// The x axis spans the data and the markers; the y axis starts at zero unless values are
/// negative (or spans the data on a log axis). Series are drawn in the given order: put the
/// most important last. A non-finite y breaks a line. With no finite point at all, an empty
/// axis with the note "no data" is drawn.
pub fn line_chart(
    stem: &Path,
    chart: &LineChart<'_>,
    opts: &PlotOptions,
) -> Result<Vec<PathBuf>, PlotError> {
    render(stem, opts, &LineFigure { chart })
}

pub(crate) struct LineFigure<'a> {
    pub(crate) chart: &'a LineChart<'a>,
}

/// The note for an empty or all-zero figure, if one applies.
pub(crate) fn note_if_degenerate<DB: DrawingBackend>(
    plot: &Plot<DB>,
    traces: &[Trace],
) -> DrawResult {
    let (_, yb) = bounds(traces);
    if yb.is_empty() {
        draw_note(plot, "no data")
    } else if yb.all_zero() && plot.y.scale == Scale::Linear {
        draw_note(plot, "all values are zero")
    } else {
        Ok(())
    }
}

impl Figure for LineFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
        ctx: Ctx,
    ) -> DrawResult {
        let c = self.chart;
        let scales = (c.x_scale, c.y_scale);
        let traces: Vec<Trace> = (c.series.iter().enumerate())
            .map(|(i, s)| Trace::new(&s.points, scales, look(slot_or(s.slot, i))))
            .collect();
        let marker_xs: Vec<f64> = (c.markers.iter())
            .map(|m| c.x_scale.apply(m.x))
            .filter(|x| x.is_finite())
            .collect();
        let mut x = x_axis(&traces, &marker_xs, c.x_scale);
        let mut y = y_axis(&traces, c.y_scale, c.robust_y);
        let emph = emphasis(&traces, y.range.end - y.range.start);
        if !traces.is_empty() && emph.markers.iter().all(|m| *m == Markers::Every) {
            // Room for the markers at the ends.
            x = x.padded(0.03);
            if c.y_scale == Scale::Log {
                y = y.padded(0.03);
            }
        }
        let legend: Vec<LegendEntry> = (c.series.iter().zip(&traces).enumerate())
            .map(|(i, (s, t))| {
                let marker = emph.markers[i] != Markers::No;
                LegendEntry::new(
                    s.label.clone(),
                    Swatch::Line {
                        look: t.look,
                        marker,
                    },
                )
            })
            .collect();
        let area = frame(root, c.title, &legend, ctx)?;
        let plot = plot(&area, x, y, (c.x_label, c.y_label), Grid::Both, ctx)?;
        draw_traces(&plot, &traces, &emph, 2.0, &[])?;
        draw_markers(&plot, c.markers)?;
        note_if_degenerate(&plot, &traces)
    }
}

/// Draws `layers` as stacked filled areas (first layer at the bottom) with `total` as a
/// black line on top, plus dashed event markers, and writes one file per format of `opts`.
///
/// Layers need not share an x grid: the stack is evaluated on the union of all layers'
/// x values, each layer **linearly interpolated** between its own samples and taken as
/// **zero outside its own first..last x** (a subflow that starts late or ends early adds
/// nothing there). Layers sampled on one common grid are therefore drawn exactly. Each
/// layer's points are sorted by x first; non-finite points are skipped. The y axis is cut at
/// its robust top (single-sample spikes are drawn at the edge and marked).
#[allow(clippy::too_many_arguments)] // the call shape the runner and `mpsim plot` use
pub fn stacked_chart(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    layers: &[Series],
    total: Option<&Series>,
    markers: &[Marker],
    opts: &PlotOptions,
) -> Result<Vec<PathBuf>, PlotError> {
    let figure = StackedFigure {
        title,
        x_label,
        y_label,
        layers,
        total,
        markers,
    };
    render(stem, opts, &figure)
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
    let mut p: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
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
        ctx: Ctx,
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
        let looks: Vec<_> = (self.layers.iter().enumerate())
            .map(|(i, s)| look(slot_or(s.slot, i)))
            .collect();
        let lin = (Scale::Linear, Scale::Linear);
        // The outline of the stack and the total line decide the axes.
        let mut traces = Vec::new();
        if let (Some(top), Some(&l)) = (tops.last(), looks.last()) {
            let pts: Vec<(f64, f64)> = grid.iter().copied().zip(top.iter().copied()).collect();
            traces.push(Trace::new(&pts, lin, l));
        }
        if let Some(t) = self.total {
            traces.push(Trace::new(&t.points, lin, black()));
        }
        let marker_xs: Vec<f64> = self.markers.iter().map(|m| m.x).collect();
        let x = x_axis(&traces, &marker_xs, Scale::Linear);
        let y = y_axis(&traces, Scale::Linear, true);

        let mut legend: Vec<LegendEntry> = (self.layers.iter().zip(&looks))
            .map(|(s, l)| LegendEntry::new(s.label.clone(), Swatch::Fill(l.color)))
            .collect();
        if let Some(t) = self.total {
            let swatch = Swatch::Line {
                look: black(),
                marker: false,
            };
            legend.push(LegendEntry::new(t.label.clone(), swatch));
        }
        let area = frame(root, self.title, &legend, ctx)?;
        let plot = plot(&area, x, y, (self.x_label, self.y_label), Grid::Both, ctx)?;
        let (lo, hi) = (plot.y.range.start, plot.y.range.end);
        let edge_w = ctx.px(1.0).max(1) as u32;
        let zero = vec![0.0; grid.len()];
        for (k, top) in tops.iter().enumerate() {
            if grid.len() < 2 {
                continue;
            }
            let below = if k == 0 { &zero } else { &tops[k - 1] };
            let at = |x: f64, y: f64| plot.ipx((x, y.clamp(lo, hi)));
            let mut outline: Vec<(i32, i32)> =
                grid.iter().zip(top).map(|(&x, &y)| at(x, y)).collect();
            outline.extend(grid.iter().zip(below).rev().map(|(&x, &y)| at(x, y)));
            plot.area
                .draw(&Polygon::new(outline, looks[k].color.mix(0.6).filled()))?;
            let edge: Vec<(f64, f64)> = (grid.iter().zip(top))
                .map(|(&x, &y)| plot.px((x, y.clamp(lo, hi))))
                .collect();
            draw_polyline(
                &plot.area,
                &edge,
                looks[k].color,
                edge_w,
                looks[k].dash,
                ctx,
            )?;
        }
        // Only the total is drawn as a line; the stack outline is already there.
        let n = traces.len();
        let emph = Emphasis {
            markers: vec![Markers::No; n],
            outline: vec![false; n],
        };
        let drawn: Vec<Trace> = if self.total.is_some() {
            traces.last().cloned().into_iter().collect()
        } else {
            Vec::new()
        };
        draw_traces(&plot, &drawn, &emph, 2.0, &[])?;
        draw_markers(&plot, self.markers)?;
        note_if_degenerate(&plot, &traces)
    }
}
