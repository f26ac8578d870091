//! Axes: linear or logarithmic [`Scale`], axis ranges and their tick positions and labels.
//!
//! A logarithmic axis works in `log10` of the data: [`Axis::to_plot`] maps a value to its
//! position, and the ticks sit at powers of two (when the data spans at most 2^10, as subflow
//! counts 1–64 do) or of ten, the range widened to the enclosing ticks.

use std::ops::Range;

/// How an axis maps values to positions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scale {
    /// Equal steps for equal differences.
    #[default]
    Linear,
    /// Equal steps for equal ratios (values ≤ 0 are left out).
    Log,
}

impl Scale {
    /// The plot coordinate of value `v`: `v`, or `log10 v` on a log scale (NaN for `v` ≤ 0).
    pub(crate) fn apply(self, v: f64) -> f64 {
        match self {
            Scale::Linear => v,
            Scale::Log if v > 0.0 => v.log10(),
            Scale::Log => f64::NAN,
        }
    }
}

/// One axis: its scale, the range in plot coordinates (`log10` of the values on a log axis)
/// and the ticks `(position, label)`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Axis {
    pub(crate) scale: Scale,
    pub(crate) range: Range<f64>,
    pub(crate) ticks: Vec<(f64, String)>,
}

impl Axis {
    /// A linear axis over `range` with about `target` "nice" ticks (steps of 1, 2, 2.5 or 5
    /// times a power of ten).
    pub(crate) fn linear(range: Range<f64>, target: usize) -> Axis {
        let span = range.end - range.start;
        let step = nice_step(span / target.max(2) as f64);
        let decimals = decimals_for(step);
        let first = (range.start / step - 1e-9).ceil() as i64;
        let last = (range.end / step + 1e-9).floor() as i64;
        let ticks = (first..=last)
            .map(|k| {
                let v = k as f64 * step;
                (v, format_number(v, decimals))
            })
            .collect();
        Axis {
            scale: Scale::Linear,
            range,
            ticks,
        }
    }

    /// A logarithmic axis over the positive values `min..=max`, widened to the enclosing
    /// powers of two (span up to 2^10) or of ten.
    pub(crate) fn log(min: f64, max: f64) -> Axis {
        let (min, max) = if min > 0.0 && max >= min {
            (min, max)
        } else {
            (1.0, 10.0)
        };
        let base: f64 = if max / min <= 1024.0 { 2.0 } else { 10.0 };
        let lo = (min.log(base) + 1e-9).floor() as i32;
        let mut hi = (max.log(base) - 1e-9).ceil() as i32;
        if hi <= lo {
            hi = lo + 1;
        }
        let ticks = (lo..=hi)
            .map(|k| {
                let v = base.powi(k);
                (v.log10(), format_number(v, decimals_for(v)))
            })
            .collect();
        Axis {
            scale: Scale::Log,
            range: base.powi(lo).log10()..base.powi(hi).log10(),
            ticks,
        }
    }

    /// This axis with its range widened by `share` of its span on both sides (room for
    /// markers and whiskers at the ends); the ticks stay.
    pub(crate) fn padded(mut self, share: f64) -> Axis {
        let pad = share * (self.range.end - self.range.start);
        self.range = self.range.start - pad..self.range.end + pad;
        self
    }

    /// The plot coordinate of value `v` (`log10 v` on a log axis; NaN when `v` ≤ 0 there).
    pub(crate) fn to_plot(&self, v: f64) -> f64 {
        self.scale.apply(v)
    }

    /// The value at plot coordinate `p` (inverse of [`Axis::to_plot`]).
    pub(crate) fn value_of(&self, p: f64) -> f64 {
        match self.scale {
            Scale::Linear => p,
            Scale::Log => 10f64.powf(p),
        }
    }

    /// A category axis: `n` slots at 0, 1, ..., labelled with `names`, no grid.
    pub(crate) fn categories(names: &[String]) -> Axis {
        let n = names.len().max(1);
        Axis {
            scale: Scale::Linear,
            range: -0.5..n as f64 - 0.5,
            ticks: names
                .iter()
                .enumerate()
                .map(|(i, s)| (i as f64, s.clone()))
                .collect(),
        }
    }
}

/// The smallest of 1, 2, 2.5, 5, 10 times a power of ten that is at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let nice = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|&n| n >= norm - 1e-9)
        .unwrap_or(10.0);
    nice * mag
}

/// Decimals that show `step` exactly (2.5e-3 needs 4).
fn decimals_for(step: f64) -> usize {
    (0..=9usize)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(9)
}

/// `v` with `decimals` decimals, never `-0`.
pub(crate) fn format_number(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_owned()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(a: &Axis) -> Vec<&str> {
        a.ticks.iter().map(|t| t.1.as_str()).collect()
    }

    #[test]
    fn linear_ticks_are_nice() {
        assert_eq!(
            labels(&Axis::linear(0.0..84.0, 7)),
            ["0", "20", "40", "60", "80"]
        );
        assert_eq!(
            labels(&Axis::linear(0.0..1.05, 7)),
            ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
        );
        assert_eq!(
            labels(&Axis::linear(-0.3..0.3, 6)),
            ["-0.3", "-0.2", "-0.1", "0.0", "0.1", "0.2", "0.3"]
        );
        assert_eq!(labels(&Axis::linear(0.0..0.25, 10))[1], "0.025");
    }

    #[test]
    fn log_axis_of_subflow_counts_uses_powers_of_two() {
        let a = Axis::log(1.0, 64.0);
        assert_eq!(labels(&a), ["1", "2", "4", "8", "16", "32", "64"]);
        assert!((a.range.end - 64f64.log10()).abs() < 1e-12);
        let b = Axis::log(3.0, 20_000.0);
        assert_eq!(labels(&b), ["1", "10", "100", "1000", "10000", "100000"]);
        assert!(a.to_plot(0.0).is_nan());
        assert!((a.value_of(a.to_plot(8.0)) - 8.0).abs() < 1e-12);
    }
}
