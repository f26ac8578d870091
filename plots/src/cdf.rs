//! [`cdf_chart`]: empirical cumulative distribution functions, one step line per sample set.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::axis::{Axis, Scale};
use crate::data::slot_or;
use crate::frame::{draw_note, frame, plot, Grid};
use crate::legend::{LegendEntry, Swatch};
use crate::lines::{draw_traces, emphasis, x_axis, Markers, Trace};
use crate::output::{render, Ctx, DrawResult, Figure};
use crate::style::look;
use crate::{PlotError, PlotOptions, SampleSet};

/// Draws the empirical CDF of each sample set (fraction of samples ≤ x) as a step line and
/// writes one file per format of `opts`. The y axis is "fraction of samples ≤ x" from 0 to 1;
/// legend labels get the sample count appended, e.g. `cubic (n=20)`. Curves that coincide
/// get markers, the lower one an outline (see the crate's line rules).
///
/// Takes [`Samples`](crate::Samples) or [`Series`](crate::Series) (whose points' x values
/// are the samples). Non-finite samples are skipped.
pub fn cdf_chart<S: SampleSet>(
    stem: &Path,
    title: &str,
    x_label: &str,
    samples: &[S],
    opts: &PlotOptions,
) -> Result<Vec<PathBuf>, PlotError> {
    let sets: Vec<(String, Vec<f64>, usize)> = samples
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut v: Vec<f64> = s
                .sample_values()
                .into_iter()
                .filter(|v| v.is_finite())
                .collect();
            v.sort_by(f64::total_cmp);
            (s.label().to_owned(), v, slot_or(s.slot(), i))
        })
        .collect();
    let figure = CdfFigure {
        title,
        x_label,
        sets,
    };
    render(stem, opts, &figure)
}

struct CdfFigure<'a> {
    title: &'a str,
    x_label: &'a str,
    sets: Vec<(String, Vec<f64>, usize)>,
}

/// The step outline of the empirical CDF of `sorted` (ascending, finite).
pub(crate) fn cdf_steps(sorted: &[f64]) -> Vec<(f64, f64)> {
    let n = sorted.len() as f64;
    let mut out = Vec::with_capacity(sorted.len() * 2);
    let mut i = 0;
    while i < sorted.len() {
        let x = sorted[i];
        let below = i as f64 / n;
        // All equal samples rise together.
        while i < sorted.len() && sorted[i] == x {
            i += 1;
        }
        out.push((x, below));
        out.push((x, i as f64 / n));
    }
    out
}

impl Figure for CdfFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, ctx: Ctx) -> DrawResult {
        let lin = (Scale::Linear, Scale::Linear);
        let mut traces: Vec<Trace> = (self.sets.iter())
            .map(|(_, v, slot)| Trace::new(&cdf_steps(v), lin, look(*slot)))
            .collect();
        let x = x_axis(&traces, &[], Scale::Linear);
        // Run each curve from 0 at the left edge to 1 at the right edge of the axis.
        for t in &mut traces {
            if let Some(first) = t.pieces.first_mut() {
                first.insert(0, (x.range.start, 0.0));
            }
            if let Some(last) = t.pieces.last_mut() {
                last.push((x.range.end, 1.0));
            }
        }
        let y = Axis::linear(0.0..1.05, 7);
        let emph = emphasis(&traces, 1.05);
        let legend: Vec<LegendEntry> = (self.sets.iter().zip(&traces).enumerate())
            .map(|(i, ((label, v, _), t))| {
                let marker = emph.markers[i] != Markers::No;
                let swatch = Swatch::Line {
                    look: t.look,
                    marker,
                };
                LegendEntry::new(format!("{label} (n={})", v.len()), swatch)
            })
            .collect();
        let area = frame(root, self.title, &legend, ctx)?;
        let labels = (self.x_label, "fraction of samples ≤ x");
        let plot = plot(&area, x, y, labels, Grid::Both, ctx)?;
        draw_traces(&plot, &traces, &emph, 2.0, &[])?;
        if self.sets.iter().all(|s| s.1.is_empty()) {
            draw_note(&plot, "no data")?;
        }
        Ok(())
    }
}
