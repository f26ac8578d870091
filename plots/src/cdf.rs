//! [`cdf_chart`]: empirical cumulative distribution functions, one step line per sample set.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::frame::{color, draw_line, frame, xy_chart, Bounds, LegendEntry, Swatch};
use crate::output::{render, Canvas, DrawResult, Figure};
use crate::{Format, PlotError, SampleSet};

/// Draws the empirical CDF of each sample set (fraction of samples ≤ x) as a step line and
/// writes `stem.png` and/or `stem.svg`. The y axis is "fraction of samples ≤ x" from 0 to 1;
/// legend labels get the sample count appended, e.g. `cubic (n=20)`.
///
/// Takes [`Samples`](crate::Samples) or [`Series`](crate::Series) (whose points' x values
/// are the samples). Non-finite samples are skipped.
pub fn cdf_chart<S: SampleSet>(
    stem: &Path,
    title: &str,
    x_label: &str,
    samples: &[S],
    formats: &[Format],
) -> Result<Vec<PathBuf>, PlotError> {
    let sets: Vec<(String, Vec<f64>)> = samples
        .iter()
        .map(|s| {
            let mut v: Vec<f64> = s
                .sample_values()
                .into_iter()
                .filter(|v| v.is_finite())
                .collect();
            v.sort_by(f64::total_cmp);
            (s.label().to_owned(), v)
        })
        .collect();
    let figure = CdfFigure {
        title,
        x_label,
        sets,
    };
    render(stem, formats, &figure)
}

struct CdfFigure<'a> {
    title: &'a str,
    x_label: &'a str,
    sets: Vec<(String, Vec<f64>)>,
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
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        canvas: Canvas,
    ) -> DrawResult {
        let mut xb = Bounds::new();
        for v in self.sets.iter().flat_map(|s| s.1.iter()) {
            xb.add(*v);
        }
        let legend: Vec<LegendEntry> = self
            .sets
            .iter()
            .enumerate()
            .map(|(i, (label, v))| {
                LegendEntry::new(format!("{label} (n={})", v.len()), Swatch::Line(color(i)))
            })
            .collect();
        let area = frame(root, self.title, &legend)?;
        let mut chart = xy_chart(
            &area,
            xb.tight(),
            0.0..1.05,
            self.x_label,
            "fraction of samples ≤ x",
        )?;
        let xr = chart.x_range();
        for (i, (_, v)) in self.sets.iter().enumerate() {
            // Run each curve from 0 at the left edge to 1 at the right edge of the axis.
            let mut steps = cdf_steps(v);
            if !steps.is_empty() {
                steps.insert(0, (xr.start, 0.0));
                steps.push((xr.end, 1.0));
            }
            draw_line(&mut chart, steps, color(i).stroke_width(2), canvas)?;
        }
        if xb.is_empty() {
            crate::frame::draw_note(&chart, "no data")?;
        }
        Ok(())
    }
}
