//! The look shared by every figure: the title and legend around the chart, the axes with
//! their ticks, grid and descriptions, event markers and notes.
//!
//! All layout is computed from measured text at the figure's font scale ([`Ctx::u`]), so
//! nothing depends on the canvas size except where things go, and no text leaves the canvas:
//! long titles and axis descriptions wrap, tick labels at the ends are kept inside.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;

use crate::axis::Axis;
use crate::legend::{self, LegendEntry};
use crate::output::{Ctx, DrawFail, DrawResult};
use crate::text::{font, wrap, AXIS_PX, NOTE_COLOR, NOTE_PX, SMALL_PX, TICK_PX, TITLE_PX};
use crate::Marker;

/// Colour of the event markers (dark grey).
const MARKER_COLOR: RGBColor = RGBColor(60, 60, 60);
/// Grid line colour.
const GRID_COLOR: RGBColor = RGBColor(225, 225, 225);

/// Fills the canvas white, draws the title and the legend (right of or under the chart, see
/// [`legend`]). Returns the area left for the chart.
pub(crate) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    entries: &[LegendEntry],
    ctx: Ctx,
) -> Result<DrawingArea<DB, Shift>, DrawFail> {
    root.fill(&WHITE)?;
    let (w, _) = root.dim_in_pixel();
    // The title never dwarfs a narrow figure: at most a 30th of its width.
    let size = (TITLE_PX * ctx.u)
        .min(f64::from(w) / 30.0)
        .max(AXIS_PX * ctx.u * 0.8);
    let style = font(size);
    let measure = |s: &str| Ok(root.estimate_text_size(s, &style)?.0 as i32);
    let lines = wrap(title, w as i32 - ctx.px(20.0), &measure)?;
    let line_h = (size * 1.2).round() as i32;
    let top = ctx.px(8.0);
    let centred = style.pos(Pos::new(HPos::Center, VPos::Top));
    for (k, line) in lines.iter().enumerate() {
        root.draw_text(line, &centred, (w as i32 / 2, top + k as i32 * line_h))?;
    }
    let title_h = top + lines.len() as i32 * line_h + ctx.px(6.0);
    let (_, body) = root.split_vertically(title_h);
    if entries.is_empty() {
        return Ok(body);
    }
    let lay = legend::layout(root, entries, title_h, ctx)?;
    let (bw, bh) = body.dim_in_pixel();
    if let Some(width) = lay.right {
        let (chart, panel) = body.split_horizontally(bw.saturating_sub(width));
        legend::draw(&panel, &lay, ctx)?;
        Ok(chart)
    } else {
        let (chart, strip) = body.split_vertically(bh.saturating_sub(lay.below));
        legend::draw(&strip, &lay, ctx)?;
        Ok(chart)
    }
}

/// A chart's plotting rectangle inside its area, with the axes that map data to it.
pub(crate) struct Plot<DB: DrawingBackend> {
    /// The chart's whole area (axes included); pixel coordinates below are relative to it.
    pub(crate) area: DrawingArea<DB, Shift>,
    /// Left edge of the plotting rectangle.
    pub(crate) left: i32,
    /// Top edge of the plotting rectangle.
    pub(crate) top: i32,
    /// Width of the plotting rectangle.
    pub(crate) width: i32,
    /// Height of the plotting rectangle.
    pub(crate) height: i32,
    /// The x axis.
    pub(crate) x: Axis,
    /// The y axis.
    pub(crate) y: Axis,
    /// Backend and scale.
    pub(crate) ctx: Ctx,
}

impl<DB: DrawingBackend> Plot<DB> {
    /// The pixel position of plot coordinates `(x, y)`, unclamped.
    pub(crate) fn px(&self, (x, y): (f64, f64)) -> (f64, f64) {
        let (x0, x1) = (self.x.range.start, self.x.range.end);
        let (y0, y1) = (self.y.range.start, self.y.range.end);
        (
            f64::from(self.left) + (x - x0) / (x1 - x0) * f64::from(self.width),
            f64::from(self.top) + (1.0 - (y - y0) / (y1 - y0)) * f64::from(self.height),
        )
    }

    /// As [`Plot::px`], rounded.
    pub(crate) fn ipx(&self, p: (f64, f64)) -> (i32, i32) {
        let (x, y) = self.px(p);
        (x.round() as i32, y.round() as i32)
    }
}

/// Which grid lines to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grid {
    /// At both axes' ticks.
    Both,
    /// Horizontal lines only (bar charts).
    YOnly,
}

/// Lays out the axes of a chart on `area`, draws grid, axis lines, ticks, tick labels and the
/// axis descriptions, and returns the plotting rectangle.
pub(crate) fn plot<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x: Axis,
    y: Axis,
    (x_label, y_label): (&str, &str),
    grid: Grid,
    ctx: Ctx,
) -> Result<Plot<DB>, DrawFail> {
    let (aw, ah) = area.dim_in_pixel();
    let (aw, ah) = (aw as i32, ah as i32);
    let tick_font = font(TICK_PX * ctx.u);
    let desc_font = font(AXIS_PX * ctx.u);
    let size = |s: &str, f: &TextStyle| -> Result<(i32, i32), DrawFail> {
        let (w, h) = area.estimate_text_size(s, f)?;
        Ok((w as i32, h as i32))
    };
    let tick_h = size("0123456789", &tick_font)?.1;
    let desc_line = (AXIS_PX * ctx.u * 1.2).round() as i32;
    let mut widest = 0;
    for (_, label) in &y.ticks {
        widest = widest.max(size(label, &tick_font)?.0);
    }
    let (gap, tick_len, pad) = (ctx.px(8.0), ctx.px(6.0), ctx.px(10.0));
    let top = tick_h / 2 + ctx.px(8.0);
    let first_guess_h = ah - top - (tick_len + gap + tick_h + gap + desc_line + pad);
    // The y description is set smaller rather than broken when it is longer than the axis.
    let room = first_guess_h.max(ctx.px(40.0));
    let mut y_size = AXIS_PX * ctx.u;
    while y_size > AXIS_PX * ctx.u * 0.6
        && area.estimate_text_size(y_label, &font(y_size))?.0 as i32 > room
    {
        y_size *= 0.9;
    }
    let y_font = font(y_size);
    let measure_y = |s: &str| Ok(area.estimate_text_size(s, &y_font)?.0 as i32);
    let y_desc = wrap(y_label, room, &measure_y)?;
    let y_line = (y_size * 1.2).round() as i32;
    let measure_desc = |s: &str| Ok(area.estimate_text_size(s, &desc_font)?.0 as i32);
    let left = pad + y_desc.len() as i32 * y_line + gap + widest + gap + tick_len;
    let last_half = match x.ticks.last() {
        Some((_, l)) if grid == Grid::Both => size(l, &tick_font)?.0 / 2,
        _ => 0,
    };
    let right = ctx.px(25.0).max(last_half + ctx.px(4.0));
    let width = (aw - left - right).max(ctx.px(40.0));
    let x_desc = wrap(x_label, width, &measure_desc)?;
    // Category labels may wrap to their slot's width.
    let slot_w = if grid == Grid::YOnly {
        width / x.ticks.len().max(1) as i32 - ctx.px(6.0)
    } else {
        i32::MAX
    };
    let measure_tick = |s: &str| Ok(area.estimate_text_size(s, &tick_font)?.0 as i32);
    let mut x_ticks = Vec::new();
    for (pos, label) in &x.ticks {
        x_ticks.push((*pos, wrap(label, slot_w.max(ctx.px(30.0)), &measure_tick)?));
    }
    let tick_lines = x_ticks.iter().map(|t| t.1.len()).max().unwrap_or(1) as i32;
    let tick_line_h = (TICK_PX * ctx.u * 1.2).round() as i32;
    let bottom =
        tick_len + gap + tick_lines * tick_line_h + gap + x_desc.len() as i32 * desc_line + pad;
    let height = (ah - top - bottom).max(ctx.px(40.0));
    let plot = Plot {
        area: area.clone(),
        left,
        top,
        width,
        height,
        x,
        y,
        ctx,
    };
    draw_axes(&plot, grid, &x_ticks, tick_line_h)?;

    // Axis descriptions.
    let centred = desc_font.pos(Pos::new(HPos::Center, VPos::Top));
    let y0 = top + height + tick_len + gap + tick_lines * tick_line_h + gap;
    for (k, line) in x_desc.iter().enumerate() {
        area.draw_text(
            line,
            &centred,
            (left + width / 2, y0 + k as i32 * desc_line),
        )?;
    }
    let rotated = y_font
        .transform(FontTransform::Rotate270)
        .pos(Pos::new(HPos::Center, VPos::Center));
    for (k, line) in y_desc.iter().enumerate() {
        let x = pad + k as i32 * y_line + y_line / 2;
        area.draw_text(line, &rotated, (x, top + height / 2))?;
    }
    Ok(plot)
}

fn draw_axes<DB: DrawingBackend>(
    plot: &Plot<DB>,
    grid: Grid,
    x_ticks: &[(f64, Vec<String>)],
    tick_line_h: i32,
) -> DrawResult {
    let (area, ctx) = (&plot.area, plot.ctx);
    let (l, t, w, h) = (plot.left, plot.top, plot.width, plot.height);
    let tick_len = ctx.px(6.0);
    let gap = ctx.px(8.0);
    let line_w = ctx.px(1.0).max(1) as u32;
    let tick_font = font(TICK_PX * ctx.u);
    let (aw, _) = area.dim_in_pixel();
    for (pos, label) in &plot.y.ticks {
        let py = plot.ipx((plot.x.range.start, *pos)).1;
        if py < t - 1 || py > t + h + 1 {
            continue;
        }
        area.draw(&PathElement::new(
            vec![(l, py), (l + w, py)],
            GRID_COLOR.stroke_width(line_w),
        ))?;
        area.draw(&PathElement::new(
            vec![(l - tick_len, py), (l, py)],
            BLACK.stroke_width(line_w),
        ))?;
        let style = tick_font.pos(Pos::new(HPos::Right, VPos::Center));
        area.draw_text(label, &style, (l - tick_len - gap / 2, py))?;
    }
    for (pos, lines) in x_ticks {
        let px = plot.ipx((*pos, plot.y.range.start)).0;
        if px < l - 1 || px > l + w + 1 {
            continue;
        }
        if grid == Grid::Both {
            area.draw(&PathElement::new(
                vec![(px, t), (px, t + h)],
                GRID_COLOR.stroke_width(line_w),
            ))?;
            area.draw(&PathElement::new(
                vec![(px, t + h), (px, t + h + tick_len)],
                BLACK.stroke_width(line_w),
            ))?;
        }
        for (k, line) in lines.iter().enumerate() {
            let half = area.estimate_text_size(line, &tick_font)?.0 as i32 / 2;
            // Keep the end labels inside the canvas.
            let cx = px.clamp(half + 1, aw as i32 - half - 1);
            let style = tick_font.pos(Pos::new(HPos::Center, VPos::Top));
            area.draw_text(
                line,
                &style,
                (cx, t + h + tick_len + gap / 2 + k as i32 * tick_line_h),
            )?;
        }
    }
    area.draw(&PathElement::new(
        vec![(l, t), (l, t + h), (l + w, t + h)],
        BLACK.stroke_width(line_w),
    ))?;
    Ok(())
}

/// Draws each marker inside the x range as a dashed vertical line with its label near the
/// top; labels of nearby markers are staggered over three rows, and markers at the same
/// instant share one line with their labels joined.
pub(crate) fn draw_markers<DB: DrawingBackend>(plot: &Plot<DB>, markers: &[Marker]) -> DrawResult {
    let (area, ctx) = (&plot.area, plot.ctx);
    let style = font(SMALL_PX * ctx.u).color(&MARKER_COLOR);
    let xr = &plot.x.range;
    let mut merged: Vec<(f64, String)> = Vec::new();
    for m in markers {
        let x = plot.x.to_plot(m.x);
        if !(x.is_finite() && x >= xr.start && x <= xr.end) {
            continue;
        }
        match merged.iter_mut().find(|(mx, _)| *mx == x) {
            Some((_, label)) if !m.label.is_empty() => {
                if !label.is_empty() {
                    label.push_str(", ");
                }
                label.push_str(&m.label);
            }
            Some(_) => {}
            None => merged.push((x, m.label.clone())),
        }
    }
    let (aw, _) = area.dim_in_pixel();
    for (i, (x, label)) in merged.iter().enumerate() {
        let (px, _) = plot.ipx((*x, 0.0));
        let (t, b) = (plot.top, plot.top + plot.height);
        area.draw(&DashedPathElement::new(
            vec![(px, t), (px, b)],
            ctx.px(8.0).max(2) as u32,
            ctx.px(5.0).max(2) as u32,
            MARKER_COLOR.stroke_width(ctx.px(2.0).max(1) as u32),
        ))?;
        if label.is_empty() {
            continue;
        }
        let (w, h) = area.estimate_text_size(label, &style)?;
        let (w, h) = (w as i32, h as i32);
        let dy = t + ctx.px(5.0) + (i % 3) as i32 * (h + ctx.px(8.0));
        let right_side = px + ctx.px(6.0) + w + ctx.px(6.0) <= plot.left + plot.width;
        let x0 = if right_side {
            px + ctx.px(5.0)
        } else {
            px - ctx.px(5.0) - w - ctx.px(6.0)
        };
        let x0 = x0.clamp(0, (aw as i32 - w - ctx.px(6.0)).max(0));
        area.draw(&Rectangle::new(
            [
                (x0, dy - ctx.px(3.0)),
                (x0 + w + ctx.px(6.0), dy + h + ctx.px(2.0)),
            ],
            WHITE.mix(0.85).filled(),
        ))?;
        area.draw_text(
            label,
            &style.pos(Pos::new(HPos::Left, VPos::Top)),
            (x0 + ctx.px(3.0), dy),
        )?;
    }
    Ok(())
}

/// Writes `note` in grey in the middle of the plotting rectangle (used for "no data").
pub(crate) fn draw_note<DB: DrawingBackend>(plot: &Plot<DB>, note: &str) -> DrawResult {
    let style = font(NOTE_PX * plot.ctx.u)
        .color(&NOTE_COLOR)
        .pos(Pos::new(HPos::Center, VPos::Center));
    plot.area.draw_text(
        note,
        &style,
        (plot.left + plot.width / 2, plot.top + plot.height / 2),
    )?;
    Ok(())
}

/// Writes a small grey `note` in the top right corner of the plotting rectangle, over a white
/// patch (e.g. how many samples were clipped).
pub(crate) fn corner_note<DB: DrawingBackend>(plot: &Plot<DB>, note: &str) -> DrawResult {
    let ctx = plot.ctx;
    let style = font(SMALL_PX * ctx.u).color(&NOTE_COLOR);
    let (w, h) = plot.area.estimate_text_size(note, &style)?;
    let (w, h) = (w as i32, h as i32);
    let x1 = plot.left + plot.width - ctx.px(4.0);
    let y0 = plot.top + ctx.px(16.0);
    plot.area.draw(&Rectangle::new(
        [
            (x1 - w - ctx.px(6.0), y0 - ctx.px(3.0)),
            (x1, y0 + h + ctx.px(3.0)),
        ],
        WHITE.mix(0.85).filled(),
    ))?;
    plot.area.draw_text(
        note,
        &style.pos(Pos::new(HPos::Right, VPos::Top)),
        (x1 - ctx.px(3.0), y0),
    )?;
    Ok(())
}
