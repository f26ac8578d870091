//! What tells series apart: a colour, a dash pattern and a marker shape per palette *slot*,
//! and the pixel-level drawing of styled polylines and markers.
//!
//! Slot `i` has colour `PALETTE[i % 9]`, dash pattern `DASHES[(i / 9) % 4]` and marker
//! `MARKERS[i % 7]`: no two of the first 36 slots look alike, and a caller that gives a
//! series the same slot in every figure (e.g. a subflow, a scheduler, a sweep group) gets the
//! same look in every figure.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::output::{Ctx, DrawResult};

/// Paul Tol's "muted" qualitative scheme (P. Tol, *Colour Schemes*, SRON/EPS/TN/09-002,
/// 2021, fig. 4): nine colours told apart with any common colour-vision deficiency. Ordered
/// so that neighbours differ in hue and lightness (slots 1 and 2, the two subflows of a
/// typical run, are rose and teal).
pub(crate) const PALETTE: [RGBColor; 9] = [
    RGBColor(0x33, 0x22, 0x88), // indigo
    RGBColor(0xCC, 0x66, 0x77), // rose
    RGBColor(0x44, 0xAA, 0x99), // teal
    RGBColor(0xDD, 0xCC, 0x77), // sand
    RGBColor(0x88, 0xCC, 0xEE), // cyan
    RGBColor(0x88, 0x22, 0x55), // wine
    RGBColor(0x11, 0x77, 0x33), // green
    RGBColor(0xAA, 0x44, 0x99), // purple
    RGBColor(0x99, 0x99, 0x33), // olive
];

/// A dash pattern: lengths of alternating drawn and blank stretches, in font-scale units
/// (multiplied by [`Ctx::u`]); empty = solid.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Dash(pub(crate) &'static [f64]);

/// Solid, dashed, dotted, dash-dotted.
const DASHES: [Dash; 4] = [
    Dash(&[]),
    Dash(&[12.0, 6.0]),
    Dash(&[2.5, 5.0]),
    Dash(&[12.0, 5.0, 2.5, 5.0]),
];

/// Marker shapes, drawn at a series' points (sparse series) or at spaced positions (dense
/// series that overlap another).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    Circle,
    Square,
    TriangleUp,
    Diamond,
    TriangleDown,
    Cross,
    Plus,
}

const MARKERS: [Shape; 7] = [
    Shape::Circle,
    Shape::Square,
    Shape::TriangleUp,
    Shape::Diamond,
    Shape::TriangleDown,
    Shape::Cross,
    Shape::Plus,
];

/// The look of one series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Look {
    /// Line, marker and fill colour.
    pub(crate) color: RGBColor,
    /// Dash pattern of its line.
    pub(crate) dash: Dash,
    /// Marker shape.
    pub(crate) shape: Shape,
}

/// The look of palette slot `slot`.
pub(crate) fn look(slot: usize) -> Look {
    Look {
        color: PALETTE[slot % PALETTE.len()],
        dash: DASHES[(slot / PALETTE.len()) % DASHES.len()],
        shape: MARKERS[slot % MARKERS.len()],
    }
}

/// A solid black look (totals such as a connection's goodput over its subflows).
pub(crate) fn black() -> Look {
    Look {
        color: BLACK,
        dash: DASHES[0],
        shape: Shape::Circle,
    }
}

/// Splits the pixel polyline `points` into the drawn pieces of `dash` (pattern lengths
/// already in pixels); the pattern runs on across vertices.
pub(crate) fn dash_pieces(points: &[(f64, f64)], dash: &[f64]) -> Vec<Vec<(f64, f64)>> {
    if dash.is_empty() || dash.iter().sum::<f64>() <= 0.0 || points.len() < 2 {
        return vec![points.to_vec()];
    }
    let mut pieces = Vec::new();
    let (mut k, mut left) = (0usize, dash[0]);
    let mut current = vec![points[0]];
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let mut done = 0.0;
        while len - done > left {
            done += left;
            let t = done / len;
            let p = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
            if k % 2 == 0 {
                current.push(p);
                pieces.push(std::mem::take(&mut current));
            } else {
                current = vec![p];
            }
            k = (k + 1) % dash.len();
            left = dash[k];
        }
        left -= len - done;
        if k % 2 == 0 {
            current.push(b);
        }
    }
    if k % 2 == 0 && current.len() > 1 {
        pieces.push(current);
    }
    pieces
}

/// Draws the polyline `points` (pixels relative to `area`) in `color`, `width` pixels wide,
/// dashed as `dash` says. On a raster canvas a wide line is a square brush of 1-px lines: the
/// bitmap backend's wide-line polygons show notches on steep edges.
pub(crate) fn draw_polyline<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    points: &[(f64, f64)],
    color: RGBColor,
    width: u32,
    dash: Dash,
    ctx: Ctx,
) -> DrawResult {
    let pattern: Vec<f64> = dash
        .0
        .iter()
        .map(|d| d * ctx.u * f64::from(width.max(1)) / 2.0)
        .collect();
    for piece in dash_pieces(points, &pattern) {
        let mut px: Vec<(i32, i32)> = piece
            .iter()
            .map(|&(x, y)| (x.round() as i32, y.round() as i32))
            .collect();
        px.dedup();
        if px.len() < 2 {
            if let Some(&p) = px.first() {
                let r = (width / 2).max(1);
                area.draw(&Circle::new(p, r, color.filled()))?;
            }
            continue;
        }
        if ctx.raster && width > 1 {
            let w = width as i32;
            let lo = -(w - 1) / 2;
            let thin = color.stroke_width(1);
            for dx in lo..lo + w {
                for dy in lo..lo + w {
                    let shifted: Vec<(i32, i32)> =
                        px.iter().map(|&(x, y)| (x + dx, y + dy)).collect();
                    area.draw(&PathElement::new(shifted, thin))?;
                }
            }
        } else {
            area.draw(&PathElement::new(px, color.stroke_width(width)))?;
        }
    }
    Ok(())
}

/// Draws marker `shape` centred at `(x, y)` (pixels relative to `area`), `r` pixels from the
/// centre to its edge, filled in `color` with a thin white outline so stacked markers stay
/// apart.
pub(crate) fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    shape: Shape,
    color: RGBColor,
    r: i32,
) -> DrawResult {
    let r = r.max(2);
    let outline = WHITE.stroke_width(1);
    let poly = |pts: Vec<(i32, i32)>| -> DrawResult {
        area.draw(&Polygon::new(pts.clone(), color.filled()))?;
        let mut closed = pts;
        closed.push(closed[0]);
        area.draw(&PathElement::new(closed, outline))?;
        Ok(())
    };
    match shape {
        Shape::Circle => {
            area.draw(&Circle::new((x, y), r, color.filled()))?;
            area.draw(&Circle::new((x, y), r, outline))?;
        }
        Shape::Square => {
            let s = r * 85 / 100;
            poly(vec![
                (x - s, y - s),
                (x + s, y - s),
                (x + s, y + s),
                (x - s, y + s),
            ])?;
        }
        Shape::TriangleUp => poly(vec![(x, y - r - 1), (x + r + 1, y + r), (x - r - 1, y + r)])?,
        Shape::TriangleDown => poly(vec![(x, y + r + 1), (x + r + 1, y - r), (x - r - 1, y - r)])?,
        Shape::Diamond => poly(vec![
            (x, y - r - 1),
            (x + r + 1, y),
            (x, y + r + 1),
            (x - r - 1, y),
        ])?,
        Shape::Cross | Shape::Plus => {
            let w = (r / 2).max(2) as u32;
            let (a, b) = if shape == Shape::Cross {
                (
                    ((x - r, y - r), (x + r, y + r)),
                    ((x - r, y + r), (x + r, y - r)),
                )
            } else {
                (
                    ((x - r - 1, y), (x + r + 1, y)),
                    ((x, y - r - 1), (x, y + r + 1)),
                )
            };
            for (p, q) in [a, b] {
                let pts = [
                    (f64::from(p.0), f64::from(p.1)),
                    (f64::from(q.0), f64::from(q.1)),
                ];
                draw_polyline(
                    area,
                    &pts,
                    color,
                    w,
                    DASHES[0],
                    Ctx {
                        raster: true,
                        u: 1.0,
                    },
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_36_slots_look_different() {
        let looks: Vec<(RGBColor, Dash)> = (0..36).map(|i| (look(i).color, look(i).dash)).collect();
        for (i, a) in looks.iter().enumerate() {
            for b in &looks[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(look(3), look(3));
        // Slot 9 repeats slot 0's colour, with another dash and marker.
        assert_ne!(look(0).shape, look(9).shape);
    }

    #[test]
    fn dashes_split_a_line_by_length() {
        let line = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)];
        let pieces = dash_pieces(&line, &[4.0, 2.0]);
        // 20 px: drawn 0-4, 6-10 (corner), 12-16, 18-20.
        assert_eq!(pieces.len(), 4);
        assert_eq!(pieces[0], vec![(0.0, 0.0), (4.0, 0.0)]);
        assert_eq!(pieces[1], vec![(6.0, 0.0), (10.0, 0.0), (10.0, 0.0)]);
        assert_eq!(pieces[2], vec![(10.0, 2.0), (10.0, 6.0)]);
        assert_eq!(pieces[3], vec![(10.0, 8.0), (10.0, 10.0)]);
        assert_eq!(dash_pieces(&line, &[]), vec![line.to_vec()]);
    }
}
