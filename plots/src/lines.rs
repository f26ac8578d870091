//! Lines as every x/y figure draws them: split at gaps, told apart by colour, dash and marker,
//! kept visible where they overlap, clipped at a robust axis top with the clipped samples
//! marked.
//!
//! - A point with a non-finite y (or, on a log axis, y ≤ 0) ends a line: the next point starts
//!   a new piece, so a series draws nothing where it has no sample.
//! - Sparse series (at most [`SPARSE`] points) get a marker at every point.
//! - A dense series that runs on top of an earlier one (at least [`OVERLAP_SHARE`] of its
//!   points within [`OVERLAP_TOLERANCE`] of the axis height) gets markers at spaced positions,
//!   as does the series under it, which is also drawn wider so that it shows as an outline.

use plotters::prelude::*;

use crate::axis::{Axis, Scale};
use crate::frame::{corner_note, Plot};
use crate::output::DrawResult;
use crate::style::{draw_marker, draw_polyline, Look, Shape};

/// Series with at most this many points get a marker at every point.
pub(crate) const SPARSE: usize = 40;
/// Share of a series' points that must lie on an earlier series for it to count as
/// overlapping.
pub(crate) const OVERLAP_SHARE: f64 = 0.3;
/// Vertical distance, as a share of the axis height, within which points coincide.
pub(crate) const OVERLAP_TOLERANCE: f64 = 0.006;
/// Spaced markers per plot width on overlapping dense series.
const SPACED_MARKERS: usize = 9;

/// One series ready to draw: its look and its pieces in plot coordinates.
#[derive(Clone, Debug)]
pub(crate) struct Trace {
    /// Colour, dash pattern and marker shape.
    pub(crate) look: Look,
    /// Unbroken pieces, in order.
    pub(crate) pieces: Vec<Vec<(f64, f64)>>,
    /// Number of points drawn.
    pub(crate) points: usize,
}

impl Trace {
    /// Maps `points` through the axis scales; a non-finite x drops the point, a non-finite
    /// (or unloggable) y breaks the line.
    pub(crate) fn new(points: &[(f64, f64)], (xs, ys): (Scale, Scale), look: Look) -> Trace {
        let mut pieces = vec![Vec::new()];
        for &(x, y) in points {
            let (x, y) = (xs.apply(x), ys.apply(y));
            if !x.is_finite() {
                continue;
            }
            if y.is_finite() {
                if let Some(p) = pieces.last_mut() {
                    p.push((x, y));
                }
            } else if pieces.last().is_some_and(|p| !p.is_empty()) {
                pieces.push(Vec::new());
            }
        }
        pieces.retain(|p| !p.is_empty());
        let points = pieces.iter().map(Vec::len).sum();
        Trace {
            look,
            pieces,
            points,
        }
    }

    /// Every drawn point, in order.
    pub(crate) fn all_points(&self) -> impl Iterator<Item = &(f64, f64)> {
        self.pieces.iter().flatten()
    }
}

/// Where a trace gets markers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Markers {
    /// None.
    No,
    /// At every point.
    Every,
    /// At spaced positions, phase-shifted by the trace's index.
    Spaced,
}

/// How each trace is drawn: its markers and whether it is widened into an outline.
#[derive(Clone, Debug)]
pub(crate) struct Emphasis {
    /// Marker mode per trace.
    pub(crate) markers: Vec<Markers>,
    /// Drawn wider (a later trace runs on top of it).
    pub(crate) outline: Vec<bool>,
}

/// The y value of the piecewise-linear `piece` (sorted by x) at `x`, if `x` is inside it.
fn value_at(piece: &[(f64, f64)], x: f64) -> Option<f64> {
    let (first, last) = (piece.first()?, piece.last()?);
    if x < first.0 || x > last.0 {
        return None;
    }
    Some(value_at_index(piece, x, piece.partition_point(|p| p.0 < x)))
}

/// [`value_at`] found by walking forward from `*from`, which must not be past the first
/// point at or after `x`; leaves it at that point, where a later, not smaller `x` may start.
/// Over points in x order: one walk along the piece in all, not a search per point.
fn value_from(piece: &[(f64, f64)], x: f64, from: &mut usize) -> Option<f64> {
    let (first, last) = (piece.first()?, piece.last()?);
    if x < first.0 || x > last.0 {
        return None;
    }
    while piece.get(*from).is_some_and(|p| p.0 < x) {
        *from += 1;
    }
    Some(value_at_index(piece, x, *from))
}

/// The value at `x` inside `piece`, `i` the first point at or after `x`.
fn value_at_index(piece: &[(f64, f64)], x: f64, i: usize) -> f64 {
    let (x1, y1) = piece[i.min(piece.len() - 1)];
    if i == 0 || x1 == x {
        return y1;
    }
    let (x0, y0) = piece[i - 1];
    if x1 > x0 {
        y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    } else {
        y1
    }
}

/// True if the points of `t`, its pieces one after another, are in x order (a time series'
/// are; then [`overlaps`] walks where it would search).
fn in_x_order(t: &Trace) -> bool {
    let mut prev = f64::NEG_INFINITY;
    t.all_points().all(|p| {
        let ok = prev <= p.0;
        prev = p.0;
        ok
    })
}

/// True if at least [`OVERLAP_SHARE`] of `b`'s points lie on `a`. `ordered`: both traces
/// are [`in_x_order`]; `from` is scratch space.
fn overlaps(a: &Trace, b: &Trace, y_span: f64, ordered: bool, from: &mut Vec<usize>) -> bool {
    if b.points == 0 {
        return false;
    }
    let tol = OVERLAP_TOLERANCE * y_span;
    from.clear();
    from.resize(a.pieces.len(), 0);
    // Counted until the answer is known: enough points on `a`, or too few left to reach it.
    let need = OVERLAP_SHARE * b.points as f64;
    let (mut on, mut left) = (0usize, b.points);
    for &(x, y) in b.all_points() {
        left -= 1;
        let near = |(p, f): (&Vec<(f64, f64)>, &mut usize)| {
            let ya = if ordered {
                value_from(p, x, f)
            } else {
                value_at(p, x)
            };
            ya.is_some_and(|ya| (ya - y).abs() <= tol)
        };
        if a.pieces.iter().zip(from.iter_mut()).any(near) {
            on += 1;
            if on as f64 >= need {
                return true;
            }
        }
        if ((on + left) as f64) < need {
            return false;
        }
    }
    on as f64 >= need
}

/// Markers before overlaps are looked at: at every point of a sparse trace, none on a dense.
fn sparse_markers(traces: &[Trace]) -> Vec<Markers> {
    (traces.iter())
        .map(|t| {
            if t.points <= SPARSE {
                Markers::Every
            } else {
                Markers::No
            }
        })
        .collect()
}

/// Decides markers and outlines for `traces` drawn in order on a y axis spanning `y_span`.
pub(crate) fn emphasis(traces: &[Trace], y_span: f64) -> Emphasis {
    let n = traces.len();
    let mut markers = sparse_markers(traces);
    let mut outline = vec![false; n];
    let ordered: Vec<bool> = traces.iter().map(in_x_order).collect();
    let mut from = Vec::new();
    for j in 1..n {
        for i in 0..j {
            // A pair whose overlap would change nothing (the earlier trace outlined, both
            // with markers) is not tested: with many series most pairs are such.
            let settled = outline[i] && markers[i] != Markers::No && markers[j] != Markers::No;
            let walk = ordered[i] && ordered[j];
            if !settled
                && traces[j].points > SPARSE
                && overlaps(&traces[i], &traces[j], y_span, walk, &mut from)
            {
                outline[i] = true;
                for k in [i, j] {
                    if markers[k] == Markers::No {
                        markers[k] = Markers::Spaced;
                    }
                }
            }
        }
    }
    Emphasis { markers, outline }
}

/// What was cut at the top of the y axis.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Clipped {
    /// Number of points above the axis.
    pub(crate) count: usize,
    /// The largest of them (in data units).
    pub(crate) max: f64,
}

/// Draws `traces` on `plot` in order: lines (`width` in font-scale units, pixel offsets
/// `dodge[i]` to the right), then markers. Points above the y axis are drawn at its top and
/// marked with a small triangle; a corner note says how many there were.
pub(crate) fn draw_traces<DB: DrawingBackend>(
    plot: &Plot<DB>,
    traces: &[Trace],
    emph: &Emphasis,
    width: f64,
    dodge: &[f64],
) -> DrawResult {
    let ctx = plot.ctx;
    let top = plot.y.range.end;
    let bottom = plot.y.range.start;
    let mut clipped = Clipped::default();
    let mut marks: Vec<(f64, RGBColor)> = Vec::new();
    let mut pixel_traces = Vec::with_capacity(traces.len());
    for (i, t) in traces.iter().enumerate() {
        let dx = dodge.get(i).copied().unwrap_or(0.0);
        let pieces: Vec<Vec<(f64, f64)>> = t
            .pieces
            .iter()
            .map(|piece| {
                piece
                    .iter()
                    .map(|&(x, y)| {
                        if y > top {
                            clipped.count += 1;
                            clipped.max = clipped.max.max(plot.y.value_of(y));
                            marks.push((x, t.look.color));
                        }
                        let (px, py) = plot.px((x, y.clamp(bottom, top)));
                        (px + dx, py)
                    })
                    .collect()
            })
            .collect();
        let w = width + if emph.outline[i] { 2.5 } else { 0.0 };
        let w = (w * ctx.u).round().max(1.0) as u32;
        for piece in &pieces {
            draw_polyline(&plot.area, piece, t.look.color, w, t.look.dash, ctx)?;
        }
        pixel_traces.push(pieces);
    }
    let r = (4.5 * ctx.u).round() as i32;
    for (i, (t, pieces)) in traces.iter().zip(&pixel_traces).enumerate() {
        for p in marker_positions(plot, pieces, emph.markers[i], i) {
            draw_marker(&plot.area, p, t.look.shape, t.look.color, r)?;
        }
    }
    for (x, color) in marks {
        let (px, py) = plot.ipx((x, top));
        draw_marker(&plot.area, (px, py + r), Shape::TriangleUp, color, r)?;
    }
    if clipped.count > 0 {
        let note = format!(
            "▲ {} sample{} above the axis (up to {})",
            clipped.count,
            if clipped.count == 1 { "" } else { "s" },
            significant(clipped.max)
        );
        corner_note(plot, &note)?;
    }
    Ok(())
}

/// `v` with three significant digits.
fn significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    format!("{v:.digits$}")
}

fn marker_positions<DB: DrawingBackend>(
    plot: &Plot<DB>,
    pieces: &[Vec<(f64, f64)>],
    mode: Markers,
    index: usize,
) -> Vec<(i32, i32)> {
    let round = |&(x, y): &(f64, f64)| (x.round() as i32, y.round() as i32);
    match mode {
        Markers::No => Vec::new(),
        Markers::Every => pieces.iter().flatten().map(round).collect(),
        Markers::Spaced => {
            let step = f64::from(plot.width) / SPACED_MARKERS as f64;
            // Golden-ratio phases keep the markers of different series apart.
            let phase = (0.3 + index as f64 * 0.618_034).fract();
            let mut out = Vec::new();
            for k in 0..SPACED_MARKERS {
                let target = f64::from(plot.left) + (k as f64 + phase) * step;
                let hit = pieces.iter().find_map(|piece| {
                    let i = piece.partition_point(|p| p.0 < target);
                    piece.get(i).filter(|_| i > 0 || piece[0].0 == target)
                });
                if let Some(p) = hit {
                    out.push(round(p));
                }
            }
            out
        }
    }
}

/// The x and y bounds of `traces`, in plot coordinates.
pub(crate) fn bounds(traces: &[Trace]) -> (crate::range::Bounds, crate::range::Bounds) {
    let (mut xb, mut yb) = (crate::range::Bounds::new(), crate::range::Bounds::new());
    for &(x, y) in traces.iter().flat_map(Trace::all_points) {
        xb.add(x);
        yb.add(y);
    }
    (xb, yb)
}

/// The y axis for `traces` on `scale`: from zero with headroom (linear; cut at the robust
/// top when `robust` and spikes would set it) or spanning the values (log).
pub(crate) fn y_axis(traces: &[Trace], scale: Scale, robust: bool) -> Axis {
    let (_, yb) = bounds(traces);
    match scale {
        Scale::Log => {
            let (lo, hi) = if yb.is_empty() {
                (0.0, 1.0)
            } else {
                (yb.min, yb.max)
            };
            Axis::log(10f64.powf(lo), 10f64.powf(hi))
        }
        Scale::Linear => {
            let top = if robust {
                let values: Vec<Vec<f64>> = traces
                    .iter()
                    .map(|t| {
                        let mut v: Vec<f64> = Vec::new();
                        for piece in &t.pieces {
                            v.extend(piece.iter().map(|p| p.1));
                            v.push(f64::NAN);
                        }
                        v
                    })
                    .collect();
                crate::range::robust_top(&values)
            } else {
                None
            };
            Axis::linear(yb.value_range(top), 7)
        }
    }
}

/// The x axis spanning `traces` and the extra positions `also` (plot coordinates).
pub(crate) fn x_axis(traces: &[Trace], also: &[f64], scale: Scale) -> Axis {
    let (mut xb, _) = bounds(traces);
    for &x in also {
        xb.add(x);
    }
    match scale {
        Scale::Log => {
            let (lo, hi) = if xb.is_empty() {
                (0.0, 1.0)
            } else {
                (xb.min, xb.max)
            };
            Axis::log(10f64.powf(lo), 10f64.powf(hi))
        }
        Scale::Linear => Axis::linear(xb.tight(), 10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::style::look;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn trace(points: Vec<(f64, f64)>, slot: usize) -> Trace {
        Trace::new(&points, (Scale::Linear, Scale::Linear), look(slot))
    }

    /// The definitions, computed in full: every point of `b` tested, every pair tested.
    fn emphasis_in_full(traces: &[Trace], y_span: f64) -> Emphasis {
        let tol = OVERLAP_TOLERANCE * y_span;
        let overlaps = |a: &Trace, b: &Trace| {
            let on = (b.all_points())
                .filter(|&&(x, y)| {
                    (a.pieces.iter())
                        .filter_map(|p| value_at(p, x))
                        .any(|ya| (ya - y).abs() <= tol)
                })
                .count();
            b.points > 0 && on as f64 >= OVERLAP_SHARE * b.points as f64
        };
        let n = traces.len();
        let mut markers = sparse_markers(traces);
        let mut outline = vec![false; n];
        for j in 1..n {
            for i in 0..j {
                if traces[j].points > SPARSE && overlaps(&traces[i], &traces[j]) {
                    outline[i] = true;
                    for k in [i, j] {
                        if markers[k] == Markers::No {
                            markers[k] = Markers::Spaced;
                        }
                    }
                }
            }
        }
        Emphasis { markers, outline }
    }

    /// Random sets of traces (step-like values from a few levels, so that some coincide,
    /// gaps, sparse and dense ones, some out of x order): the pairs skipped, the counts cut
    /// short and the walks along ordered traces decide as the full definitions do.
    #[test]
    fn emphasis_matches_the_full_definition() {
        let mut rng = ChaCha8Rng::seed_from_u64(15);
        let mut next = move |m: u64| rng.random_range(0..m);
        let mut outlined = 0;
        for _ in 0..300 {
            let n = 1 + next(12) as usize;
            let traces: Vec<Trace> = (0..n)
                .map(|slot| {
                    let len = [10, 45, 80][next(3) as usize];
                    // One in four out of x order (a permutation of the times).
                    let shuffled = next(4) == 0;
                    let points = (0..len)
                        .map(|k| {
                            let x = if shuffled { (k * 37) % len } else { k };
                            let y = match next(10) {
                                0 => f64::NAN,
                                v => (v % 3) as f64 + next(2) as f64 * 0.001,
                            };
                            (x as f64, y)
                        })
                        .collect();
                    trace(points, slot)
                })
                .collect();
            let (got, want) = (emphasis(&traces, 2.0), emphasis_in_full(&traces, 2.0));
            assert_eq!(got.markers, want.markers);
            assert_eq!(got.outline, want.outline);
            outlined += want.outline.iter().filter(|&&o| o).count();
        }
        assert!(outlined > 100, "{outlined}");
    }

    #[test]
    fn non_finite_y_breaks_the_line() {
        let t = trace(
            vec![
                (0.0, 1.0),
                (1.0, 2.0),
                (2.0, f64::NAN),
                (3.0, 4.0),
                (f64::NAN, 1.0),
            ],
            0,
        );
        assert_eq!(
            t.pieces,
            vec![vec![(0.0, 1.0), (1.0, 2.0)], vec![(3.0, 4.0)]]
        );
        assert_eq!(t.points, 3);
        let log = Trace::new(
            &[(1.0, 0.0), (2.0, 10.0)],
            (Scale::Log, Scale::Log),
            look(0),
        );
        assert_eq!(log.pieces, vec![vec![(2f64.log10(), 1.0)]]);
    }

    #[test]
    fn a_line_on_top_of_another_gets_markers_and_the_lower_one_an_outline() {
        let base: Vec<(f64, f64)> = (0..100).map(|i| (f64::from(i), f64::from(i % 7))).collect();
        let other: Vec<(f64, f64)> = (0..100)
            .map(|i| (f64::from(i), 50.0 + f64::from(i % 5)))
            .collect();
        let traces = [trace(base.clone(), 0), trace(other, 1), trace(base, 2)];
        let e = emphasis(&traces, 60.0);
        assert_eq!(e.markers, [Markers::Spaced, Markers::No, Markers::Spaced]);
        assert_eq!(e.outline, [true, false, false]);
        let sparse = [trace(vec![(1.0, 1.0), (2.0, 2.0)], 0)];
        assert_eq!(emphasis(&sparse, 2.0).markers, [Markers::Every]);
    }
}
