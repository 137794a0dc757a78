//! Latency quantiles from raw cumulative Prometheus histogram bucket samples, with the semantics
//! of PromQL `histogram_quantile(q, sum by (le) (rate(x_bucket[w])))`, plus counter increase and
//! rate, and means from `_sum`/`_count` (or any numerator/denominator counter pair).
//!
//! Semantics, following Prometheus (`promql/functions.go` `extrapolatedRate`,
//! `promql/quantile.go` `bucketQuantile`):
//! - A window is `(start, end]` (Prometheus 3 range selectors are left-open).
//! - A series needs two samples in the window, else it yields nothing (and drops out of a sum).
//! - Counter resets: a sample lower than its predecessor adds the predecessor's value.
//! - **Extrapolation: yes**, exactly as Prometheus `increase`/`rate` do: the raw increase is
//!   extended towards the window edges (by at most half an average sample interval past a gap
//!   of 1.1 intervals, and never below zero for counters). For quantiles this is a ratio: when
//!   every bucket series of a histogram shares its sample times (one scrape writes them all)
//!   and none was born inside the window, every bucket gets the same factor and it cancels, so
//!   the quantile equals the one from raw deltas. The "never below zero" clamp depends on each
//!   bucket's first value, so a histogram born mid-window can differ slightly from the raw
//!   quantile; Prometheus has the same property, and we match it.
//! - Buckets are summed by numeric `le`, sorted; `+Inf` is required; counts are forced
//!   monotonic; rank in the `+Inf` bucket returns the last finite upper bound; interpolation is
//!   linear, from 0 for a first bucket with a positive bound; fewer than two buckets (only
//!   `+Inf`) or zero observations give no value (Prometheus: NaN).

use crate::world::metrics::MetricStore;

pub use crate::domain::selector::Selector;
pub use crate::serving::derive::counter::{
    CounterDelta, Window, counter_delta, extrapolate, increase, rate, series_delta,
};

/// Why a number could not be computed; shown as "unavailable: <reason>".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// No series of that name matched the selector.
    NoSeries,
    /// Series exist but none has two samples in the window.
    TooFewSamples,
    /// The histogram has no `+Inf` bucket.
    NoInfBucket,
    /// Only one bucket (the `+Inf` one): no upper bound to interpolate to.
    TooFewBuckets,
    /// Nothing observed in the window (zero count, or a zero denominator).
    NoObservations,
    /// Quantile outside [0, 1] or not a number.
    BadQuantile,
    /// A gauge with no sample inside the window.
    Stale,
}

impl Gap {
    pub fn reason(self) -> &'static str {
        match self {
            Gap::NoSeries => "no such series",
            Gap::TooFewSamples => "fewer than two samples in the window",
            Gap::NoInfBucket => "histogram has no +Inf bucket",
            Gap::TooFewBuckets => "histogram has only the +Inf bucket",
            Gap::NoObservations => "no requests in the window",
            Gap::BadQuantile => "quantile outside 0..1",
            Gap::Stale => "no recent sample",
        }
    }
}

/// `histogram_quantile` over `(le, count)` buckets in any order; duplicate `le`s are summed.
/// The vector is left sorted, merged and monotonic, so calling again for another `q` is cheap
/// and gives the same answer as on the original buckets.
pub fn bucket_quantile(q: f64, buckets: &mut Vec<(f64, f64)>) -> Result<f64, Gap> {
    if !(0.0..=1.0).contains(&q) {
        return Err(Gap::BadQuantile);
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = coalesce(buckets);
    buckets.truncate(n);
    let b = buckets.as_mut_slice();
    if b.last().is_none_or(|l| l.0 != f64::INFINITY) {
        return Err(Gap::NoInfBucket);
    }
    // Forced monotonicity: a count below an earlier one is raised to it.
    let mut max = f64::NEG_INFINITY;
    for x in b.iter_mut() {
        max = max.max(x.1);
        x.1 = max;
    }
    if b.len() < 2 {
        return Err(Gap::TooFewBuckets);
    }
    let total = b[b.len() - 1].1;
    if total <= 0.0 || total.is_nan() {
        return Err(Gap::NoObservations);
    }
    let mut rank = q * total;
    let i = b.partition_point(|x| x.1 < rank);
    if i >= b.len() - 1 {
        return Ok(b[b.len() - 2].0);
    }
    if i == 0 && b[0].0 <= 0.0 {
        return Ok(b[0].0);
    }
    let (mut start, end, mut count) = (0.0, b[i].0, b[i].1);
    if i > 0 {
        start = b[i - 1].0;
        count -= b[i - 1].1;
        rank -= b[i - 1].1;
    }
    if count <= 0.0 {
        return Ok(end);
    }
    Ok(start + (end - start) * (rank / count))
}

/// Merge neighbours with equal `le` (sorted input); returns the new length.
fn coalesce(b: &mut [(f64, f64)]) -> usize {
    let mut n = 0;
    for i in 0..b.len() {
        if n > 0 && b[n - 1].0 == b[i].0 {
            b[n - 1].1 += b[i].1;
        } else {
            b[n] = b[i];
            n += 1;
        }
    }
    n
}

/// Parse an `le` label value (`+Inf` included).
pub fn parse_le(s: &str) -> Option<f64> {
    match s {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        _ => match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => crate::serving::derive::promtext::parse_value(s).filter(|v| !v.is_nan()),
        },
    }
}

/// Ids of the series of `name` that match `sel`.
pub fn select(store: &MetricStore, name: &str, sel: &Selector) -> Vec<usize> {
    store
        .ids_by_name(name)
        .iter()
        .copied()
        .filter(|id| store.key(*id).is_some_and(|k| sel.matches(&k.labels)))
        .collect()
}

/// The series of `name`, grouped by the value of `label` (e.g. `pod` or `model_name`), for
/// computing every endpoint in one pass; series without the label are left out.
pub fn group_by_label<'a>(
    store: &'a MetricStore,
    name: &str,
    label: &str,
) -> std::collections::HashMap<&'a str, Vec<usize>> {
    let mut out: std::collections::HashMap<&'a str, Vec<usize>> = Default::default();
    for &id in store.ids_by_name(name) {
        if let Some(v) = store.key(id).and_then(|k| k.labels.get(label)) {
            out.entry(v.as_str()).or_default().push(id);
        }
    }
    out
}

/// Summed per-`le` increases of bucket series `ids` over `w`.
pub fn bucket_increases(
    store: &MetricStore,
    ids: &[usize],
    w: Window,
) -> Result<Vec<(f64, f64)>, Gap> {
    if ids.is_empty() {
        return Err(Gap::NoSeries);
    }
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        let Some(le) = store
            .key(id)
            .and_then(|k| k.labels.get("le"))
            .and_then(|v| parse_le(v))
        else {
            continue;
        };
        if let Some(d) = store.series(id).and_then(|s| series_delta(s, w)) {
            out.push((le, extrapolate(&d, w)));
        }
    }
    if out.is_empty() {
        return Err(Gap::TooFewSamples);
    }
    Ok(out)
}

/// Quantiles `qs` of the bucket series `ids` (already selected) over `w`.
pub fn quantiles_of(
    store: &MetricStore,
    ids: &[usize],
    w: Window,
    qs: &[f64],
) -> Vec<Result<f64, Gap>> {
    match bucket_increases(store, ids, w) {
        Ok(mut b) => qs.iter().map(|q| bucket_quantile(*q, &mut b)).collect(),
        Err(g) => vec![Err(g); qs.len()],
    }
}

/// `histogram_quantile(q, sum by (le) (rate(<bucket_name>{sel}[w])))` for each `q` in `qs`.
/// `bucket_name` is the full series name (`x_bucket`; Triton's first-response histogram has
/// no `_bucket` suffix).
pub fn histogram_quantiles(
    store: &MetricStore,
    bucket_name: &str,
    sel: &Selector,
    w: Window,
    qs: &[f64],
) -> Vec<Result<f64, Gap>> {
    quantiles_of(store, &select(store, bucket_name, sel), w, qs)
}

/// `sum(rate(<name>{sel}[w]))`, per second.
pub fn sum_rate(store: &MetricStore, name: &str, sel: &Selector, w: Window) -> Result<f64, Gap> {
    let ids = select(store, name, sel);
    if ids.is_empty() {
        return Err(Gap::NoSeries);
    }
    let mut any = false;
    let mut total = 0.0;
    for id in ids {
        if let Some(d) = store.series(id).and_then(|s| series_delta(s, w))
            && w.secs() > 0.0
        {
            total += extrapolate(&d, w) / w.secs();
            any = true;
        }
    }
    if any {
        Ok(total)
    } else {
        Err(Gap::TooFewSamples)
    }
}

/// `sum(rate(num[w])) / sum(rate(den[w])) * scale`: the mean from `_sum`/`_count`, or
/// Triton's cumulative microsecond counters (scale 1e-6 for seconds) over a request counter.
pub fn mean_ratio(
    store: &MetricStore,
    num: &str,
    den: &str,
    sel: &Selector,
    w: Window,
    scale: f64,
) -> Result<f64, Gap> {
    let d = sum_rate(store, den, sel, w)?;
    let n = sum_rate(store, num, sel, w)?;
    if d <= 0.0 {
        return Err(Gap::NoObservations);
    }
    Ok(n / d * scale)
}

/// The latest finite value of each matching gauge series, from samples inside `w` (a gauge not
/// updated within the window is stale, not current).
pub fn gauge_values(
    store: &MetricStore,
    name: &str,
    sel: &Selector,
    w: Window,
) -> Result<Vec<f64>, Gap> {
    let ids = select(store, name, sel);
    if ids.is_empty() {
        return Err(Gap::NoSeries);
    }
    let vals: Vec<f64> = ids
        .iter()
        .filter_map(|id| {
            store
                .points_in(*id, w.start, w.end)
                .filter(|p| p.1.is_finite())
                .last()
        })
        .map(|p| p.1)
        .collect();
    if vals.is_empty() {
        return Err(Gap::Stale);
    }
    Ok(vals)
}

#[cfg(test)]
#[path = "histogram_tests.rs"]
mod tests;
