//! [`band_chart`]: a mean line with a shaded interval per group, e.g. goodput over time
//! averaged across seeds with its 95% confidence interval.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::frame::{
    color, draw_line, frame, note_if_degenerate, xy_chart, Bounds, LegendEntry, Swatch,
};
use crate::output::{render, Canvas, DrawResult, Figure};
use crate::{Band, Format, PlotError};

/// Draws each band as its mean line over a light shaded `lo..hi` area and writes
/// `stem.png` and/or `stem.svg`.
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
    formats: &[Format],
) -> Result<Vec<PathBuf>, PlotError> {
    let figure = BandFigure {
        title,
        x_label,
        y_label,
        bands,
    };
    render(stem, formats, &figure)
}

struct BandFigure<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    bands: &'a [Band],
}

impl Figure for BandFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        canvas: Canvas,
    ) -> DrawResult {
        let bands: Vec<Vec<(f64, f64, f64, f64)>> = self
            .bands
            .iter()
            .map(|b| {
                b.points
                    .iter()
                    .copied()
                    .filter(|p| {
                        p.0.is_finite() && p.1.is_finite() && p.2.is_finite() && p.3.is_finite()
                    })
                    .collect()
            })
            .collect();
        let (mut xb, mut yb) = (Bounds::new(), Bounds::new());
        for &(x, m, lo, hi) in bands.iter().flatten() {
            xb.add(x);
            yb.add(m);
            yb.add(lo);
            yb.add(hi);
        }
        let legend: Vec<LegendEntry> = self
            .bands
            .iter()
            .enumerate()
            .map(|(i, b)| LegendEntry::new(b.label.clone(), Swatch::Band(color(i))))
            .collect();
        let area = frame(root, self.title, &legend)?;
        let mut chart = xy_chart(
            &area,
            xb.tight(),
            yb.value_range(),
            self.x_label,
            self.y_label,
        )?;
        // All shaded areas first, so no mean line is hidden under another band's shade.
        for (i, pts) in bands.iter().enumerate() {
            if pts.len() < 2 {
                continue;
            }
            let mut outline: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.3)).collect();
            outline.extend(pts.iter().rev().map(|p| (p.0, p.2)));
            chart.draw_series(std::iter::once(Polygon::new(
                outline,
                color(i).mix(0.2).filled(),
            )))?;
        }
        for (i, pts) in bands.iter().enumerate() {
            if pts.len() == 1 {
                // A lone point: show its interval as a whisker.
                let (x, _, lo, hi) = pts[0];
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x, lo), (x, hi)],
                    color(i).stroke_width(2),
                )))?;
            }
            let mean: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.1)).collect();
            draw_line(&mut chart, mean, color(i).stroke_width(2), canvas)?;
        }
        note_if_degenerate(&chart, &yb)
    }
}
