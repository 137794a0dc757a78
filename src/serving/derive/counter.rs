//! Counter arithmetic over a time window, as Prometheus `increase` / `rate` do it: windows are
//! `(start, end]`, resets add the value before them, and the raw increase is extrapolated
//! towards the window edges (see `histogram` for how that cancels in quantiles).

use crate::domain::Millis;
use crate::world::metrics::Series;

/// A time window `(start, end]` in event-time milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: Millis,
    pub end: Millis,
}

impl Window {
    /// The `range_ms` ending at `end`, like `[5m]` evaluated at `end`.
    pub fn ending_at(end: Millis, range_ms: Millis) -> Self {
        Window {
            start: end - range_ms,
            end,
        }
    }

    /// The window's length in seconds.
    pub fn secs(self) -> f64 {
        (self.end - self.start) as f64 / 1000.0
    }
}

/// A counter's change over the samples of one window, before extrapolation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CounterDelta {
    /// Last minus first, plus the value before each reset.
    pub raw: f64,
    pub first: (Millis, f64),
    pub last: (Millis, f64),
    pub samples: usize,
}

/// Reset-corrected delta of time-ordered points; `None` below two finite samples.
pub fn counter_delta(points: impl IntoIterator<Item = (Millis, f64)>) -> Option<CounterDelta> {
    let mut it = points.into_iter().filter(|p| p.1.is_finite());
    let first = it.next()?;
    let (mut last, mut raw, mut n) = (first, 0.0, 1usize);
    for p in it {
        raw += if p.1 < last.1 { p.1 } else { p.1 - last.1 };
        last = p;
        n += 1;
    }
    (n >= 2).then_some(CounterDelta {
        raw,
        first,
        last,
        samples: n,
    })
}

/// The index of the first point later than `t`. Scrapes are nearly evenly spaced, so the
/// index is guessed from the times at both ends and walked a few steps (fewer cache misses
/// than a binary search over a large store); irregular series fall back to binary search.
pub(crate) fn first_after(p: &std::collections::VecDeque<(Millis, f64)>, t: Millis) -> usize {
    let n = p.len();
    let (Some(first), Some(last)) = (p.front(), p.back()) else {
        return 0;
    };
    if t < first.0 {
        return 0;
    }
    if t >= last.0 {
        return n;
    }
    let span = (last.0 - first.0) as f64;
    let mut i = (((t - first.0) as f64 / span) * (n - 1) as f64) as usize;
    i = i.min(n - 1);
    for _ in 0..8 {
        if i > 0 && p[i - 1].0 > t {
            i -= 1;
        } else if p[i].0 <= t {
            i += 1;
        } else {
            return i;
        }
        if i >= n {
            return n;
        }
    }
    p.partition_point(|x| x.0 <= t)
}

/// The counter delta of one stored series over `w`, in O(log n) from the store's running
/// totals; falls back to a scan when a window edge is not finite. (Non-finite points inside
/// the window count towards `samples`, which only sets the extrapolation's average interval.)
pub fn series_delta(s: &Series, w: Window) -> Option<CounterDelta> {
    let p = &s.points;
    let lo = first_after(p, w.start);
    let hi = first_after(p, w.end);
    if hi < lo + 2 {
        return None;
    }
    let (first, last) = (p[lo], p[hi - 1]);
    if !first.1.is_finite() || !last.1.is_finite() || s.acc.len() != p.len() {
        return counter_delta(p.range(lo..hi).copied());
    }
    Some(CounterDelta {
        raw: s.acc[hi - 1] - s.acc[lo],
        first,
        last,
        samples: hi - lo,
    })
}

/// Prometheus `extrapolatedRate` for a counter, as an increase over `w`.
pub fn extrapolate(d: &CounterDelta, w: Window) -> f64 {
    let sampled = (d.last.0 - d.first.0) as f64;
    if sampled <= 0.0 {
        return d.raw;
    }
    let mut to_start = (d.first.0 - w.start) as f64;
    let mut to_end = (w.end - d.last.0) as f64;
    let avg = sampled / (d.samples - 1) as f64;
    let threshold = avg * 1.1;
    if to_start >= threshold {
        to_start = avg / 2.0;
    }
    // A counter is not extrapolated to before it would have been zero.
    if d.raw > 0.0 && d.first.1 >= 0.0 {
        let to_zero = sampled * (d.first.1 / d.raw);
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    if to_end >= threshold {
        to_end = avg / 2.0;
    }
    d.raw * (sampled + to_start + to_end) / sampled
}

/// Prometheus `increase(x[w])` of one series' points.
pub fn increase(points: impl IntoIterator<Item = (Millis, f64)>, w: Window) -> Option<f64> {
    counter_delta(points).map(|d| extrapolate(&d, w))
}

/// Prometheus `rate(x[w])` of one series' points, per second.
pub fn rate(points: impl IntoIterator<Item = (Millis, f64)>, w: Window) -> Option<f64> {
    let secs = w.secs();
    increase(points, w).filter(|_| secs > 0.0).map(|v| v / secs)
}
