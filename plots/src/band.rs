//! [`band_chart`]: a mean line with its interval per group, e.g. goodput against a swept
//! delay averaged across seeds with its 95% confidence interval.
//!
//! With few x values (at most [`WHISKER_POINTS`] per band, as in a sweep) each mean gets a
//! marker and its interval a whisker, and the groups are spread a few pixels apart around
//! each x ("dodged") so that equal means and intervals stay visible side by side. With many
//! x values the interval is a light shaded area under the lines.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::axis::Scale;
use crate::data::slot_or;
use crate::frame::{frame, plot, Grid, Plot};
use crate::legend::{LegendEntry, Swatch};
use crate::line::note_if_degenerate;
use crate::lines::{draw_traces, emphasis, Markers, Trace};
use crate::output::{render, Ctx, DrawResult, Figure};
use crate::range::Bounds;
use crate::style::{look, Look};
use crate::{Band, PlotError, PlotOptions};

/// Bands with at most this many points are drawn as markers with whiskers.
pub(crate) const WHISKER_POINTS: usize = 12;

/// Draws each band as its mean line with its `lo..hi` interval and writes one file per
/// format of `opts`.
///
/// The interval is drawn exactly as given (compute the 95% interval before calling). Points
/// are drawn in the given order (sort them by x); a point with any non-finite value is
/// skipped.
pub fn band_chart(
    stem: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    bands: &[Band],
    opts: &PlotOptions,
) -> Result<Vec<PathBuf>, PlotError> {
    let figure = BandFigure {
        title,
        x_label,
        y_label,
        bands,
    };
    render(stem, opts, &figure)
}

pub(crate) struct BandFigure<'a> {
    pub(crate) title: &'a str,
    pub(crate) x_label: &'a str,
    pub(crate) y_label: &'a str,
    pub(crate) bands: &'a [Band],
}

type Point4 = (f64, f64, f64, f64);

impl Figure for BandFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, ctx: Ctx) -> DrawResult {
        let bands: Vec<Vec<Point4>> = (self.bands.iter())
            .map(|b| {
                (b.points.iter().copied())
                    .filter(|p| [p.0, p.1, p.2, p.3].iter().all(|v| v.is_finite()))
                    .collect()
            })
            .collect();
        let looks: Vec<Look> = (self.bands.iter().enumerate())
            .map(|(i, b)| look(slot_or(b.slot, i)))
            .collect();
        let lin = (Scale::Linear, Scale::Linear);
        let traces: Vec<Trace> = (bands.iter().zip(&looks))
            .map(|(pts, &l)| {
                let mean: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.1)).collect();
                Trace::new(&mean, lin, l)
            })
            .collect();
        let (mut xb, mut yb) = (Bounds::new(), Bounds::new());
        for &(x, m, lo, hi) in bands.iter().flatten() {
            xb.add(x);
            for v in [m, lo, hi] {
                yb.add(v);
            }
        }
        let sparse = bands.iter().all(|b| b.len() <= WHISKER_POINTS);
        let x = crate::axis::Axis::linear(xb.tight(), 10);
        let x = if sparse { x.padded(0.04) } else { x };
        let y = crate::axis::Axis::linear(yb.value_range(None), 7);
        let mut emph = emphasis(&traces, y.range.end - y.range.start);
        if !sparse {
            emph.markers.iter_mut().for_each(|m| *m = Markers::No);
        }
        let legend: Vec<LegendEntry> = (self.bands.iter().zip(&looks).enumerate())
            .map(|(i, (b, &l))| {
                let marker = emph.markers[i] != Markers::No;
                let swatch = if sparse {
                    Swatch::Line { look: l, marker }
                } else {
                    Swatch::Band { look: l, marker }
                };
                LegendEntry::new(b.label.clone(), swatch)
            })
            .collect();
        let area = frame(root, self.title, &legend, ctx)?;
        let plot = plot(&area, x, y, (self.x_label, self.y_label), Grid::Both, ctx)?;
        let dodge = if sparse && bands.len() > 1 {
            dodge_offsets(&plot, &bands)
        } else {
            vec![0.0; bands.len()]
        };
        if sparse {
            draw_whiskers(&plot, &bands, &looks, &dodge)?;
        } else {
            draw_shades(&plot, &bands, &looks)?;
        }
        draw_traces(&plot, &traces, &emph, 2.0, &dodge)?;
        note_if_degenerate(&plot, &traces)
    }
}

/// Pixel offsets that spread the bands around each x: up to 6 units apart, at most a third
/// of the smallest gap between neighbouring x values in all.
fn dodge_offsets<DB: DrawingBackend>(plot: &Plot<DB>, bands: &[Vec<Point4>]) -> Vec<f64> {
    let mut xs: Vec<f64> = bands
        .iter()
        .flatten()
        .map(|p| plot.px((p.0, 0.0)).0)
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup_by(|a, b| (*a - *b).abs() < 0.5);
    let min_gap = xs
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::from(plot.width), f64::min);
    let n = bands.len() as f64;
    let step = (6.0 * plot.ctx.u).min(min_gap / 3.0 / n);
    (0..bands.len())
        .map(|i| (i as f64 - (n - 1.0) / 2.0) * step)
        .collect()
}

fn draw_whiskers<DB: DrawingBackend>(
    plot: &Plot<DB>,
    bands: &[Vec<Point4>],
    looks: &[Look],
    dodge: &[f64],
) -> DrawResult {
    let ctx = plot.ctx;
    let w = ctx.px(1.5).max(1) as u32;
    let cap = ctx.px(4.0);
    for ((pts, l), dx) in bands.iter().zip(looks).zip(dodge) {
        for &(x, _, lo, hi) in pts {
            let (px, plo) = plot.px((x, lo));
            let (_, phi) = plot.px((x, hi));
            let px = (px + dx).round() as i32;
            let (plo, phi) = (plo.round() as i32, phi.round() as i32);
            let style = l.color.stroke_width(w);
            plot.area
                .draw(&PathElement::new(vec![(px, plo), (px, phi)], style))?;
            for y in [plo, phi] {
                plot.area
                    .draw(&PathElement::new(vec![(px - cap, y), (px + cap, y)], style))?;
            }
        }
    }
    Ok(())
}

fn draw_shades<DB: DrawingBackend>(
    plot: &Plot<DB>,
    bands: &[Vec<Point4>],
    looks: &[Look],
) -> DrawResult {
    // All shaded areas first, so no mean line is hidden under another band's shade.
    for (pts, l) in bands.iter().zip(looks) {
        if pts.len() < 2 {
            continue;
        }
        let mut outline: Vec<(i32, i32)> = pts.iter().map(|p| plot.ipx((p.0, p.3))).collect();
        outline.extend(pts.iter().rev().map(|p| plot.ipx((p.0, p.2))));
        plot.area
            .draw(&Polygon::new(outline, l.color.mix(0.2).filled()))?;
    }
    Ok(())
}
