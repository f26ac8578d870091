//! The look shared by every figure: palette, fonts, axis ranges, the title and legend panel,
//! event markers and the "no data" note.
//!
//! All layout is in fixed pixels on a [`WIDTH`](crate::output::WIDTH) ×
//! [`HEIGHT`](crate::output::HEIGHT) canvas, so output depends only on the input data.

use std::ops::Range;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::output::{Canvas, DrawFail, DrawResult};
use crate::Marker;

/// Font family every text uses (registered to DejaVu Sans by `output::ensure_fonts`).
pub(crate) const FONT: &str = "sans-serif";
/// Width of the legend panel on the right, in pixels.
const LEGEND_WIDTH: u32 = 270;
/// Legend labels longer than this many characters are shortened with an ellipsis.
const LEGEND_MAX_CHARS: usize = 28;

/// Tableau 10: distinct, colour-blind-tolerant series colours.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Colour of the markers (dark grey).
const MARKER_COLOR: RGBColor = RGBColor(60, 60, 60);
/// Colour of notes such as "no data".
const NOTE_COLOR: RGBColor = RGBColor(120, 120, 120);

/// The `i`-th series colour (cycling through the palette).
pub(crate) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The chart type every x/y figure except the bar chart uses.
pub(crate) type XyChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Running minimum and maximum of the finite values seen.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bounds {
    min: f64,
    max: f64,
    count: usize,
}

impl Bounds {
    /// No values yet.
    pub(crate) fn new() -> Self {
        Bounds {
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            count: 0,
        }
    }

    /// Adds `v` unless it is NaN or infinite.
    pub(crate) fn add(&mut self, v: f64) {
        if v.is_finite() {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
            self.count += 1;
        }
    }

    /// True if no finite value was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// True if every value added was zero (or none was added).
    pub(crate) fn all_zero(&self) -> bool {
        self.is_empty() || (self.min == 0.0 && self.max == 0.0)
    }

    /// A tight axis range over the values; degenerate ranges are widened so the axis is
    /// never empty.
    pub(crate) fn tight(&self) -> Range<f64> {
        if self.is_empty() {
            return 0.0..1.0;
        }
        widen(self.min, self.max)
    }

    /// A value axis range: from zero if no value is negative, with 5% headroom on top (and
    /// below, when negative values exist).
    pub(crate) fn value_range(&self) -> Range<f64> {
        if self.all_zero() {
            return 0.0..1.0;
        }
        let lo = self.min.min(0.0);
        let hi = self.max.max(0.0);
        let r = widen(lo, hi);
        let pad = 0.05 * (r.end - r.start);
        let start = if r.start < 0.0 {
            r.start - pad
        } else {
            r.start
        };
        let end = if r.end > 0.0 { r.end + pad } else { r.end };
        start..end
    }
}

fn widen(lo: f64, hi: f64) -> Range<f64> {
    if hi > lo {
        lo..hi
    } else if lo == 0.0 {
        0.0..1.0
    } else {
        let d = lo.abs() * 0.1;
        lo - d..hi + d
    }
}

/// The finite points of `points`, in order.
pub(crate) fn finite_points(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect()
}

/// How a legend entry's swatch looks.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Swatch {
    /// A solid line.
    Line(RGBColor),
    /// A filled patch (stacked area or bar).
    Fill(RGBColor),
    /// A line over a light patch (mean with interval).
    Band(RGBColor),
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

/// Fills the canvas white, draws the title and, when `legend` is non-empty, the legend panel
/// on the right. Returns the area left for the chart.
pub(crate) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    legend: &[LegendEntry],
) -> Result<DrawingArea<DB, Shift>, DrawFail> {
    root.fill(&WHITE)?;
    let body = root
        .margin(10, 0, 0, 0)
        .titled(title, (FONT, 28).into_font().color(&BLACK))?;
    if legend.is_empty() {
        return Ok(body);
    }
    let (w, _) = body.dim_in_pixel();
    let (chart, panel) = body.split_horizontally(w.saturating_sub(LEGEND_WIDTH));
    draw_legend(&panel, legend)?;
    Ok(chart)
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= LEGEND_MAX_CHARS {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(LEGEND_MAX_CHARS - 1).collect();
        s.push('…');
        s
    }
}

fn draw_legend<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
) -> DrawResult {
    const ROW: i32 = 26;
    const TOP: i32 = 30;
    let (_, h) = panel.dim_in_pixel();
    let rows = ((h as i32 - TOP - ROW) / ROW).max(1) as usize;
    let style = (FONT, 17).into_font().color(&BLACK);
    let shown = if entries.len() > rows {
        rows - 1
    } else {
        entries.len()
    };
    for (i, entry) in entries.iter().take(shown).enumerate() {
        let y = TOP + ROW * i as i32;
        match entry.swatch {
            Swatch::Line(c) => {
                panel.draw(&PathElement::new(vec![(8, y), (40, y)], c.stroke_width(3)))?;
            }
            Swatch::Fill(c) => {
                panel.draw(&Rectangle::new(
                    [(8, y - 8), (40, y + 8)],
                    c.mix(0.75).filled(),
                ))?;
            }
            Swatch::Band(c) => {
                panel.draw(&Rectangle::new(
                    [(8, y - 8), (40, y + 8)],
                    c.mix(0.2).filled(),
                ))?;
                panel.draw(&PathElement::new(vec![(8, y), (40, y)], c.stroke_width(3)))?;
            }
        }
        let text = style.pos(Pos::new(HPos::Left, VPos::Center));
        // DejaVu's visual centre sits a few pixels above plotters' layout centre.
        panel.draw_text(&shorten(&entry.label), &text, (48, y + 3))?;
    }
    if shown < entries.len() {
        let y = TOP + ROW * shown as i32;
        let text = (FONT, 16)
            .into_font()
            .color(&NOTE_COLOR)
            .pos(Pos::new(HPos::Left, VPos::Center));
        panel.draw_text(
            &format!("… and {} more", entries.len() - shown),
            &text,
            (48, y + 3),
        )?;
    }
    Ok(())
}

/// Formats a tick value with as many decimals as the axis span needs, trimming noise such as
/// `0.30000000000000004`.
pub(crate) fn tick_formatter(range: &Range<f64>) -> impl Fn(&f64) -> String {
    let span = (range.end - range.start).abs();
    let decimals = if span > 0.0 && span.is_finite() {
        (-(span / 10.0).log10().floor()).clamp(0.0, 6.0) as usize
    } else {
        0
    };
    move |v: &f64| {
        let s = format!("{v:.decimals$}");
        // Avoid "-0" and "-0.00".
        if s.trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            s.trim_start_matches('-').to_owned()
        } else {
            s
        }
    }
}

/// Builds an x/y chart on `area` with the house axis style and draws its mesh.
pub(crate) fn xy_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: Range<f64>,
    y: Range<f64>,
    x_label: &str,
    y_label: &str,
) -> Result<XyChart<'a, DB>, DrawFail> {
    let mut chart = ChartBuilder::on(area)
        .margin(15)
        .margin_right(30)
        .x_label_area_size(60)
        .y_label_area_size(85)
        .build_cartesian_2d(x.clone(), y.clone())?;
    let fx = tick_formatter(&x);
    let fy = tick_formatter(&y);
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .axis_desc_style((FONT, 20).into_font().color(&BLACK))
        .label_style((FONT, 16).into_font().color(&BLACK))
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215))
        .max_light_lines(4)
        .x_labels(10)
        .y_labels(8)
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .draw()?;
    Ok(chart)
}

/// Draws each marker inside the x range as a dashed vertical line with its label near the
/// top; labels of nearby markers are staggered over three rows.
pub(crate) fn draw_markers<DB: DrawingBackend>(
    chart: &mut XyChart<'_, DB>,
    markers: &[Marker],
) -> DrawResult {
    let xr = chart.x_range();
    let yr = chart.y_range();
    let style = (FONT, 15).into_font().color(&MARKER_COLOR);
    let visible = markers
        .iter()
        .filter(|m| m.x.is_finite() && m.x >= xr.start && m.x <= xr.end);
    for (i, m) in visible.enumerate() {
        chart.draw_series(std::iter::once(DashedPathElement::new(
            vec![(m.x, yr.start), (m.x, yr.end)],
            8,
            5,
            MARKER_COLOR.stroke_width(2),
        )))?;
        if m.label.is_empty() {
            continue;
        }
        let (w, h) = chart.plotting_area().estimate_text_size(&m.label, &style)?;
        let (w, h) = (w as i32, h as i32);
        let dy = 6 + (i % 3) as i32 * (h + 8);
        let right_side = (m.x - xr.start) <= 0.8 * (xr.end - xr.start);
        let x0 = if right_side { 5 } else { -5 - w - 6 };
        let label = EmptyElement::at((m.x, yr.end))
            + Rectangle::new(
                [(x0, dy - 4), (x0 + w + 6, dy + h + 1)],
                WHITE.mix(0.85).filled(),
            )
            + Text::new(m.label.clone(), (x0 + 3, dy), style.clone());
        chart.plotting_area().draw(&label)?;
    }
    Ok(())
}

/// Writes `note` in grey in the middle of the plotting area (used for "no data").
pub(crate) fn draw_note<DB: DrawingBackend>(chart: &XyChart<'_, DB>, note: &str) -> DrawResult {
    let xr = chart.x_range();
    let yr = chart.y_range();
    let centre = ((xr.start + xr.end) / 2.0, (yr.start + yr.end) / 2.0);
    let style = (FONT, 24)
        .into_font()
        .color(&NOTE_COLOR)
        .pos(Pos::new(HPos::Center, VPos::Center));
    chart
        .plotting_area()
        .draw(&(EmptyElement::at(centre) + Text::new(note.to_owned(), (0, 0), style)))?;
    Ok(())
}

/// Draws the note that explains an empty or all-zero figure, if it applies.
pub(crate) fn note_if_degenerate<DB: DrawingBackend>(
    chart: &XyChart<'_, DB>,
    values: &Bounds,
) -> DrawResult {
    if values.is_empty() {
        draw_note(chart, "no data")
    } else if values.all_zero() {
        draw_note(chart, "all values are zero")
    } else {
        Ok(())
    }
}

/// Draws one polyline (or a dot, for a single point) in `style`. On a raster canvas a wide
/// line is drawn as a square brush of 1-px lines (see [`Canvas::raster`]).
pub(crate) fn draw_line<DB: DrawingBackend>(
    chart: &mut XyChart<'_, DB>,
    points: Vec<(f64, f64)>,
    style: ShapeStyle,
    canvas: Canvas,
) -> DrawResult {
    match points.len() {
        0 => {}
        1 => {
            chart.draw_series(std::iter::once(Circle::new(points[0], 3, style.filled())))?;
        }
        _ if canvas.raster && style.stroke_width > 1 => {
            // A square brush of 1-px lines instead of the polygon fill.
            let area = chart.plotting_area();
            let (bx, by) = area.get_base_pixel();
            let mut px: Vec<(i32, i32)> = points
                .iter()
                .map(|p| {
                    let (x, y) = chart.backend_coord(p);
                    (x - bx, y - by)
                })
                .collect();
            px.dedup();
            let flat = area.strip_coord_spec();
            let thin = ShapeStyle {
                stroke_width: 1,
                ..style
            };
            let w = style.stroke_width as i32;
            let lo = -(w - 1) / 2;
            for dx in lo..lo + w {
                for dy in lo..lo + w {
                    let shifted: Vec<(i32, i32)> =
                        px.iter().map(|&(x, y)| (x + dx, y + dy)).collect();
                    flat.draw(&PathElement::new(shifted, thin))?;
                }
            }
        }
        _ => {
            chart.draw_series(std::iter::once(PathElement::new(points, style)))?;
        }
    }
    Ok(())
}
