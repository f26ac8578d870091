//! [`grouped_bars`]: one cluster of bars per group (e.g. per flow), one bar per set (e.g.
//! per congestion controller), each with a whisker for its interval.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::axis::Axis;
use crate::data::slot_or;
use crate::frame::{draw_note, frame, plot, Grid};
use crate::legend::{LegendEntry, Swatch};
use crate::output::{render, Ctx, DrawResult, Figure};
use crate::range::Bounds;
use crate::style::look;
use crate::{BarSet, PlotError, PlotOptions};

/// Fraction of a group's slot that its bars occupy.
const CLUSTER: f64 = 0.8;

/// Draws a grouped bar chart and writes one file per format of `opts`.
///
/// `groups` name the x categories (e.g. flows); `bars[k].values[g]` is `(mean, lo, hi)` of
/// set `k` in group `g`: a bar of height `mean` with a whisker from `lo` to `hi`. The y axis
/// includes zero. Long group names wrap under their cluster. With no finite mean at all an
/// empty axis with the note "no data" is drawn.
pub fn grouped_bars(
    stem: &Path,
    title: &str,
    y_label: &str,
    groups: &[String],
    bars: &[BarSet],
    opts: &PlotOptions,
) -> Result<Vec<PathBuf>, PlotError> {
    let figure = BarsFigure {
        title,
        y_label,
        groups,
        bars,
    };
    render(stem, opts, &figure)
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
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, ctx: Ctx) -> DrawResult {
        let yb = self.value_bounds();
        let looks: Vec<_> = (self.bars.iter().enumerate())
            .map(|(i, b)| look(slot_or(b.slot, i)))
            .collect();
        let legend: Vec<LegendEntry> = (self.bars.iter().zip(&looks))
            .map(|(b, l)| LegendEntry::new(b.label.clone(), Swatch::Fill(l.color)))
            .collect();
        let area = frame(root, self.title, &legend, ctx)?;
        let x = Axis::categories(self.groups);
        let y = Axis::linear(yb.value_range(None), 7);
        let plot = plot(&area, x, y, ("", self.y_label), Grid::YOnly, ctx)?;
        let k = self.bars.len().max(1) as f64;
        let slot = CLUSTER / k;
        let whisker = BLACK.stroke_width(ctx.px(2.0).max(1) as u32);
        let zero = 0f64.clamp(plot.y.range.start, plot.y.range.end);
        for (i, set) in self.bars.iter().enumerate() {
            for (g, &(mean, lo, hi)) in set.values.iter().take(self.groups.len()).enumerate() {
                if !mean.is_finite() {
                    continue;
                }
                let left = g as f64 - CLUSTER / 2.0 + i as f64 * slot;
                let (x0, x1) = (left + 0.06 * slot, left + 0.94 * slot);
                plot.area.draw(&Rectangle::new(
                    [plot.ipx((x0, zero)), plot.ipx((x1, mean))],
                    looks[i].color.mix(0.9).filled(),
                ))?;
                if lo.is_finite() && hi.is_finite() {
                    let xc = left + slot / 2.0;
                    let cap = slot * 0.15;
                    for seg in [
                        [(xc, lo), (xc, hi)],
                        [(xc - cap, lo), (xc + cap, lo)],
                        [(xc - cap, hi), (xc + cap, hi)],
                    ] {
                        let pts = vec![plot.ipx(seg[0]), plot.ipx(seg[1])];
                        plot.area.draw(&PathElement::new(pts, whisker))?;
                    }
                }
            }
        }
        if yb.is_empty() {
            draw_note(&plot, "no data")?;
        }
        Ok(())
    }
}
