//! Quantile time series for sparklines: `histogram_quantile` evaluated at every step of a range,
//! like a Prometheus `query_range`. Each bucket series is prepared once (times, values and a
//! running reset-corrected total), so every step costs two binary searches per series instead
//! of a rescan of its points.

use crate::domain::Millis;
use crate::serving::derive::histogram::{
    CounterDelta, Gap, Selector, Window, bucket_quantile, extrapolate, parse_le, select,
};
use crate::world::metrics::MetricStore;

/// One bucket series, ready for windowed deltas.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedSeries {
    pub le: f64,
    t: Vec<Millis>,
    v: Vec<f64>,
    /// `acc[i]`: reset-corrected increase from point 0 to point i.
    acc: Vec<f64>,
}

impl PreparedSeries {
    pub fn new(le: f64, points: impl IntoIterator<Item = (Millis, f64)>) -> Self {
        let (mut t, mut v, mut acc) = (Vec::new(), Vec::new(), Vec::new());
        for (at, x) in points.into_iter().filter(|p| p.1.is_finite()) {
            let step = match v.last() {
                Some(&prev) if x < prev => x,
                Some(&prev) => x - prev,
                None => 0.0,
            };
            acc.push(acc.last().copied().unwrap_or(0.0) + step);
            t.push(at);
            v.push(x);
        }
        PreparedSeries { le, t, v, acc }
    }

    /// The counter delta of the points in `w`, as `histogram::counter_delta` would give it.
    pub fn delta(&self, w: Window) -> Option<CounterDelta> {
        let lo = self.t.partition_point(|x| *x <= w.start);
        let hi = self.t.partition_point(|x| *x <= w.end);
        if hi < lo + 2 {
            return None;
        }
        let (a, b) = (lo, hi - 1);
        Some(CounterDelta {
            raw: self.acc[b] - self.acc[a],
            first: (self.t[a], self.v[a]),
            last: (self.t[b], self.v[b]),
            samples: hi - lo,
        })
    }
}

/// Quantiles at one step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepQuantiles {
    pub at: Millis,
    pub values: Vec<Result<f64, Gap>>,
}

/// Prepare the bucket series of one histogram (`le`-less series are skipped).
pub fn prepare(store: &MetricStore, bucket_name: &str, sel: &Selector) -> Vec<PreparedSeries> {
    select(store, bucket_name, sel)
        .into_iter()
        .filter_map(|id| {
            let le = parse_le(store.key(id)?.labels.get("le")?)?;
            let s = store.series(id)?;
            Some(PreparedSeries::new(le, s.points.iter().copied()))
        })
        .collect()
}

/// Quantiles `qs` over `range_ms` windows ending at `from, from+step, ... <= to`.
pub fn quantile_steps(
    series: &[PreparedSeries],
    range_ms: Millis,
    from: Millis,
    to: Millis,
    step_ms: Millis,
    qs: &[f64],
) -> Vec<StepQuantiles> {
    let mut out = Vec::new();
    if step_ms <= 0 || to < from {
        return out;
    }
    let mut buckets: Vec<(f64, f64)> = Vec::with_capacity(series.len());
    let mut at = from;
    while at <= to {
        let w = Window::ending_at(at, range_ms);
        buckets.clear();
        buckets.extend(
            series
                .iter()
                .filter_map(|s| s.delta(w).map(|d| (s.le, extrapolate(&d, w)))),
        );
        let values = if series.is_empty() {
            vec![Err(Gap::NoSeries); qs.len()]
        } else if buckets.is_empty() {
            vec![Err(Gap::TooFewSamples); qs.len()]
        } else {
            qs.iter()
                .map(|q| bucket_quantile(*q, &mut buckets))
                .collect()
        };
        out.push(StepQuantiles { at, values });
        at += step_ms;
    }
    out
}
