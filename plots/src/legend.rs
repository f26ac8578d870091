//! The legend: laid out from measured text so that no label is ever cut.
//!
//! Placement: a panel right of the chart when every label fits on one line in at most
//! [`RIGHT_SHARE`] of the canvas width and the rows fit the height; otherwise rows of columns
//! under the chart, labels wrapped to the column width.
//! When that would take more than [`BELOW_SHARE`] of the canvas height the legend text is set smaller (down
//! to [`SHRINK`] of its size); only when even that does not fit are the last entries
//! replaced by a "… and N more" row. Every label that is drawn is drawn in full, in the
//! canvas.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::output::{Ctx, DrawFail, DrawResult};
use crate::style::{draw_marker, draw_polyline, Look};
use crate::text::{font, wrap, LEGEND_PX, NOTE_COLOR};

/// Largest share of the canvas width a legend panel on the right may take.
pub(crate) const RIGHT_SHARE: f64 = 0.3;
/// Text sizes tried, as shares of the normal legend size, for a legend under the chart.
pub(crate) const SHRINK: [f64; 4] = [1.0, 0.85, 0.72, 0.6];
/// Largest share of the canvas height a legend under the chart may take.
pub(crate) const BELOW_SHARE: f64 = 0.4;

/// How a legend entry's swatch looks.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Swatch {
    /// A line in its dash pattern, with its marker when `marker` is set.
    Line { look: Look, marker: bool },
    /// A filled patch (stacked area or bar).
    Fill(RGBColor),
    /// A line over a light patch (mean with interval).
    Band { look: Look, marker: bool },
}

/// One legend row.
#[derive(Clone, Debug)]
pub(crate) struct LegendEntry {
    /// Text of the row.
    pub(crate) label: String,
    /// Its swatch.
    pub(crate) swatch: Swatch,
}

impl LegendEntry {
    /// A legend row.
    pub(crate) fn new(label: impl Into<String>, swatch: Swatch) -> Self {
        LegendEntry {
            label: label.into(),
            swatch,
        }
    }
}

/// Where the legend goes and its entries' wrapped lines.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    /// Right panel (`Some(width)`) or under the chart (`None`).
    pub(crate) right: Option<u32>,
    /// Height taken under the chart (0 for a right panel).
    pub(crate) below: u32,
    columns: usize,
    column_width: i32,
    /// Wrapped lines of each shown entry, and the entry.
    rows: Vec<(Vec<String>, Swatch)>,
    /// Entries left out ("… and N more").
    hidden: usize,
    /// Text size as a share of the normal legend size.
    shrink: f64,
}

/// Geometry in pixels for scale `ctx.u`.
struct Metrics {
    font: f64,
    line: i32,
    gap: i32,
    swatch: i32,
    pad: i32,
}

fn metrics(ctx: Ctx, shrink: f64) -> Metrics {
    let font = LEGEND_PX * ctx.u * shrink;
    Metrics {
        font,
        line: (font * 1.25).round() as i32,
        gap: (font * 0.4).round() as i32,
        swatch: (font * 2.4).round() as i32,
        pad: (font * 0.8).round() as i32,
    }
}

/// Lays out `entries` for a canvas `w` × `h` whose chart body starts `top` pixels down.
pub(crate) fn layout<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    top: i32,
    ctx: Ctx,
) -> Result<Layout, DrawFail> {
    let (w, h) = root.dim_in_pixel();
    let m = metrics(ctx, 1.0);
    let style = font(m.font);
    let measure =
        |s: &str| -> Result<i32, DrawFail> { Ok(root.estimate_text_size(s, &style)?.0 as i32) };
    let widest = entries
        .iter()
        .map(|e| measure(&e.label))
        .try_fold(0, |a, b| b.map(|b| a.max(b)))?;
    let text_room = |width: i32| width - m.swatch - m.gap - 2 * m.pad;
    let avail_h = h as i32 - top - m.pad;

    // Right panel.
    let panel_max = (f64::from(w) * RIGHT_SHARE) as i32;
    let text_w = widest.min(text_room(panel_max)).max(m.font as i32 * 4);
    let mut rows = Vec::new();
    for e in entries {
        rows.push((wrap(&e.label, text_w, &measure)?, e.swatch));
    }
    let height: i32 = rows.iter().map(|r| entry_height(r.0.len(), &m)).sum();
    // A panel is only worth it when no label has to wrap.
    let tidy = rows.iter().all(|r| r.0.len() == 1);
    if tidy && height <= avail_h - m.line {
        let width = (text_w + m.swatch + m.gap + 2 * m.pad) as u32;
        return Ok(Layout {
            right: Some(width),
            below: 0,
            columns: 1,
            column_width: width as i32,
            rows,
            hidden: 0,
            shrink: 1.0,
        });
    }

    // Under the chart, in columns, the text smaller if need be.
    let mut below = None;
    for shrink in SHRINK {
        let lay = layout_below(root, entries, ctx, shrink)?;
        let fits = lay.hidden == 0;
        below = Some(lay);
        if fits {
            break;
        }
    }
    Ok(below.expect("SHRINK is not empty"))
}

/// The legend under the chart with its text at `shrink` of the normal size: as many
/// columns as fit the width, rows up to half the canvas height.
fn layout_below<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    ctx: Ctx,
    shrink: f64,
) -> Result<Layout, DrawFail> {
    let (w, h) = root.dim_in_pixel();
    let m = metrics(ctx, shrink);
    let style = font(m.font);
    let measure =
        |s: &str| -> Result<i32, DrawFail> { Ok(root.estimate_text_size(s, &style)?.0 as i32) };
    let widest = entries
        .iter()
        .map(|e| measure(&e.label))
        .try_fold(0, |a, b| b.map(|b| a.max(b)))?;
    let text_room = |width: i32| width - m.swatch - m.gap - 2 * m.pad;
    let full = w as i32 - 2 * m.pad;
    let text_w = widest.min(text_room(full)).max(m.font as i32 * 4);
    let column_width = text_w + m.swatch + m.gap + 2 * m.pad;
    let columns = (full / column_width).max(1) as usize;
    let mut rows = Vec::new();
    for e in entries {
        rows.push((wrap(&e.label, text_w, &measure)?, e.swatch));
    }
    let budget = (f64::from(h) * BELOW_SHARE) as i32;
    let (mut shown, mut used) = (0, m.pad);
    for chunk in rows.chunks(columns) {
        let hgt = chunk
            .iter()
            .map(|r| entry_height(r.0.len(), &m))
            .max()
            .unwrap_or(0);
        if used + hgt > budget && shown > 0 {
            break;
        }
        used += hgt;
        shown += chunk.len();
    }
    let mut hidden = entries.len() - shown;
    if hidden > 0 {
        // Make room for the "… and N more" row.
        let last_row = shown.saturating_sub(1) / columns * columns;
        if shown - last_row == columns {
            shown -= 1;
            hidden += 1;
        }
    }
    rows.truncate(shown);
    Ok(Layout {
        right: None,
        below: used as u32 + m.pad as u32,
        columns,
        column_width,
        rows,
        hidden,
        shrink,
    })
}

fn entry_height(lines: usize, m: &Metrics) -> i32 {
    lines.max(1) as i32 * m.line + m.gap
}

/// Draws the legend laid out as `lay` into `area` (the right panel or the strip under the
/// chart).
pub(crate) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lay: &Layout,
    ctx: Ctx,
) -> DrawResult {
    let m = metrics(ctx, lay.shrink);
    let style = font(m.font).pos(Pos::new(HPos::Left, VPos::Center));
    // DejaVu's visual centre sits a little above plotters' layout centre.
    let nudge = (m.font * 0.1).round() as i32;
    let top0 = if lay.right.is_some() { m.line } else { m.pad };
    let mut y = top0;
    let mut slot = 0;
    let mut row_height = 0;
    for (lines, swatch) in &lay.rows {
        let col = slot % lay.columns;
        let x = m.pad + col as i32 * lay.column_width;
        let small = Ctx {
            u: ctx.u * lay.shrink,
            ..ctx
        };
        draw_swatch(area, *swatch, x, y + m.line / 2, &m, small)?;
        for (k, line) in lines.iter().enumerate() {
            let cy = y + k as i32 * m.line + m.line / 2 + nudge;
            area.draw_text(line, &style, (x + m.swatch + m.gap, cy))?;
        }
        row_height = row_height.max(entry_height(lines.len(), &m));
        slot += 1;
        if slot % lay.columns == 0 {
            y += row_height;
            row_height = 0;
        }
    }
    if lay.hidden > 0 {
        let col = slot % lay.columns;
        let x = m.pad + col as i32 * lay.column_width;
        let note = font(m.font)
            .color(&NOTE_COLOR)
            .pos(Pos::new(HPos::Left, VPos::Center));
        area.draw_text(
            &format!("… and {} more", lay.hidden),
            &note,
            (x + m.swatch + m.gap, y + m.line / 2 + nudge),
        )?;
    }
    Ok(())
}

fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    x: i32,
    y: i32,
    m: &Metrics,
    ctx: Ctx,
) -> DrawResult {
    let (x0, x1) = (x, x + m.swatch);
    let half = (m.font * 0.42) as i32;
    let line = [(f64::from(x0), f64::from(y)), (f64::from(x1), f64::from(y))];
    let width = (2.5 * ctx.u).round().max(1.0) as u32;
    match swatch {
        Swatch::Fill(c) => {
            area.draw(&Rectangle::new(
                [(x0, y - half), (x1, y + half)],
                c.mix(0.8).filled(),
            ))?;
        }
        Swatch::Line { look, marker } | Swatch::Band { look, marker } => {
            if matches!(swatch, Swatch::Band { .. }) {
                area.draw(&Rectangle::new(
                    [(x0, y - half), (x1, y + half)],
                    look.color.mix(0.2).filled(),
                ))?;
            }
            draw_polyline(area, &line, look.color, width, look.dash, ctx)?;
            if marker {
                let r = (4.5 * ctx.u).round() as i32;
                draw_marker(area, ((x0 + x1) / 2, y), look.shape, look.color, r)?;
            }
        }
    }
    Ok(())
}
