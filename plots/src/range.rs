//! Axis ranges from data: running bounds, the value range (from zero, with headroom) and the
//! robust top that keeps single-sample spikes from setting a time series' y axis.
//!
//! Robust top (used for dense time series): a spike is a value held for one sample only. For
//! each series of at least [`DENSE`] points the largest value held over two consecutive
//! samples is taken; the axis top is the largest of these and of the 95th percentile of all
//! values. Only when the true maximum exceeds that by more than [`CLIP_RATIO`] is the axis
//! cut there (5% headroom) and the samples above it drawn at the edge and marked; otherwise
//! the axis shows everything.

use std::ops::Range;

/// Series with at least this many points are checked for spikes.
pub(crate) const DENSE: usize = 20;
/// The axis is cut only when the maximum exceeds the robust top by more than this factor.
pub(crate) const CLIP_RATIO: f64 = 1.25;

/// Running minimum and maximum of the finite values seen.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bounds {
    pub(crate) min: f64,
    pub(crate) max: f64,
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

    /// A tight range over the values; degenerate ranges are widened so the axis is never
    /// empty.
    pub(crate) fn tight(&self) -> Range<f64> {
        if self.is_empty() {
            return 0.0..1.0;
        }
        widen(self.min, self.max)
    }

    /// A value range: from zero if no value is negative, with 5% headroom on top (and below,
    /// when negative values exist); the top is `top` instead of the maximum when given.
    pub(crate) fn value_range(&self, top: Option<f64>) -> Range<f64> {
        if self.all_zero() {
            return 0.0..1.0;
        }
        let lo = self.min.min(0.0);
        let hi = top.unwrap_or(self.max).max(0.0);
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

/// The top to cut the y axis at, if the series (each in drawing order, NaN = gap) have
/// spikes that would otherwise set it; `None` to show everything.
pub(crate) fn robust_top(series: &[Vec<f64>]) -> Option<f64> {
    let mut all: Vec<f64> = series
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    if all.is_empty() {
        return None;
    }
    all.sort_by(f64::total_cmp);
    let max = all[all.len() - 1];
    let p95 = all[((all.len() - 1) as f64 * 0.95).round() as usize];
    let mut top = p95;
    for s in series {
        let finite = s.iter().filter(|v| v.is_finite()).count();
        let held = if finite >= DENSE {
            s.windows(2)
                .filter(|w| w[0].is_finite() && w[1].is_finite())
                .map(|w| w[0].min(w[1]))
                .fold(f64::NEG_INFINITY, f64::max)
        } else {
            s.iter()
                .copied()
                .filter(|v| v.is_finite())
                .fold(f64::NEG_INFINITY, f64::max)
        };
        top = top.max(held);
    }
    (top > 0.0 && max > top * CLIP_RATIO).then_some(top)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_sample_spike_is_cut_a_held_peak_is_not() {
        let mut flat = vec![20.0; 100];
        flat[40] = 68.0;
        assert_eq!(robust_top(&[flat.clone()]), Some(20.0));
        // The same peak held for two samples is data, not a spike.
        flat[41] = 66.0;
        assert_eq!(robust_top(&[flat.clone()]), None);
        // A sawtooth's peaks are not cut.
        let saw: Vec<f64> = (0..100).map(|i| 10.0 + (i % 10) as f64).collect();
        assert_eq!(robust_top(&[saw]), None);
        // Short series are never cut.
        assert_eq!(robust_top(&[vec![1.0, 100.0, 1.0]]), None);
    }

    #[test]
    fn value_range_from_zero_with_headroom() {
        let mut b = Bounds::new();
        b.add(2.0);
        b.add(10.0);
        b.add(f64::NAN);
        assert_eq!(b.value_range(None), 0.0..10.5);
        assert_eq!(b.value_range(Some(4.0)), 0.0..4.2);
        assert!(Bounds::new().all_zero());
    }
}
