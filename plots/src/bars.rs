//! [`grouped_bars`]: one cluster of bars per group (e.g. per flow), one bar per set (e.g.
//! per congestion controller), each with a whisker for its interval.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::frame::{color, frame, tick_formatter, Bounds, LegendEntry, Swatch, FONT};
use crate::output::{render, Canvas, DrawResult, Figure};
use crate::{BarSet, Format, PlotError};

/// Fraction of a group's slot that its bars occupy.
const CLUSTER: f64 = 0.8;

/// Draws a grouped bar chart and writes `stem.png` and/or `stem.svg`.
///
/// `groups` name the x categories (e.g. flows); `bars[k].values[g]` is `(mean, lo, hi)` of
/// set `k` in group `g`: a bar of height `mean` with a whisker from `lo` to `hi`. The y axis
/// includes zero. With no finite mean at all an empty axis with the note "no data" is drawn.
pub fn grouped_bars(
    stem: &Path,
    title: &str,
    y_label: &str,
    groups: &[String],
    bars: &[BarSet],
    formats: &[Format],
) -> Result<Vec<PathBuf>, PlotError> {
    let figure = BarsFigure {
        title,
        y_label,
        groups,
        bars,
    };
    render(stem, formats, &figure)
}

struct BarsFigure<'a> {
    title: &'a str,
    y_label: &'a str,
    groups: &'a [String],
    bars: &'a [BarSet],
}

impl BarsFigure<'_> {
    /// Bounds of all drawn values (means, and whisker ends of drawn bars).
    fn value_bounds(&self) -> Bounds {
        let mut yb = Bounds::new();
        for set in self.bars {
            for &(mean, lo, hi) in set.values.iter().take(self.groups.len()) {
                if mean.is_finite() {
                    yb.add(mean);
                    if lo.is_finite() && hi.is_finite() {
                        yb.add(lo);
                        yb.add(hi);
                    }
                }
            }
        }
        yb
    }
}

impl Figure for BarsFigure<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _canvas: Canvas,
    ) -> DrawResult {
        let yb = self.value_bounds();
        let legend: Vec<LegendEntry> = self
            .bars
            .iter()
            .enumerate()
            .map(|(i, b)| LegendEntry::new(b.label.clone(), Swatch::Fill(color(i))))
            .collect();
        let area = frame(root, self.title, &legend)?;
        let n = self.groups.len().max(1);
        let y = yb.value_range();
        let mut chart = ChartBuilder::on(&area)
            .margin(15)
            .margin_right(30)
            .x_label_area_size(50)
            .y_label_area_size(85)
            .build_cartesian_2d(-0.5..n as f64 - 0.5, y.clone())?;
        let fy = tick_formatter(&y);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_desc(self.y_label)
            .axis_desc_style((FONT, 20).into_font().color(&BLACK))
            .label_style((FONT, 16).into_font().color(&BLACK))
            .light_line_style(RGBColor(240, 240, 240))
            .bold_line_style(RGBColor(215, 215, 215))
            .max_light_lines(4)
            .x_labels(0)
            .y_labels(8)
            .y_label_formatter(&fy)
            .draw()?;

        // Group names centred under their clusters (the mesh draws no x labels).
        let name_style = (FONT, 18)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top));
        for (g, name) in self.groups.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(g as f64, y.start));
            root.draw_text(name, &name_style, (px, py + 10))?;
        }

        let k = self.bars.len().max(1) as f64;
        let slot = CLUSTER / k;
        for (i, set) in self.bars.iter().enumerate() {
            for (g, &(mean, lo, hi)) in set.values.iter().take(self.groups.len()).enumerate() {
                if !mean.is_finite() {
                    continue;
                }
                let left = g as f64 - CLUSTER / 2.0 + i as f64 * slot;
                let (x0, x1) = (left + 0.06 * slot, left + 0.94 * slot);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x0, 0.0), (x1, mean)],
                    color(i).mix(0.85).filled(),
                )))?;
                if lo.is_finite() && hi.is_finite() {
                    let xc = left + slot / 2.0;
                    let cap = slot * 0.15;
                    let style = BLACK.stroke_width(2);
                    chart.draw_series([
                        PathElement::new(vec![(xc, lo), (xc, hi)], style),
                        PathElement::new(vec![(xc - cap, lo), (xc + cap, lo)], style),
                        PathElement::new(vec![(xc - cap, hi), (xc + cap, hi)], style),
                    ])?;
                }
            }
        }
        if yb.is_empty() {
            let centre = ((n as f64 - 1.0) / 2.0, (y.start + y.end) / 2.0);
            let style = (FONT, 24)
                .into_font()
                .color(&RGBColor(120, 120, 120))
                .pos(Pos::new(HPos::Center, VPos::Center));
            chart
                .plotting_area()
                .draw(&(EmptyElement::at(centre) + Text::new("no data", (0, 0), style)))?;
        }
        Ok(())
    }
}
