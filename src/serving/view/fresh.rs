//! Every figure knows its age: an endpoint whose latency histogram has no sample younger than
//! two scrape intervals (the median spacing of its recent samples, 30 s when unknown) at the
//! refresh shows `stale <age>`, not the quantiles of the samples it last had.

use crate::accel::derive::staleness::scrape_interval_ms;
use crate::domain::Millis;
use crate::serving::derive::histogram::{Selector, select};
use crate::serving::derive::objectives::{EndpointStats, Stat};
use crate::world::metrics::MetricStore;

/// The newest sample of the endpoint's latency histogram and the scrape interval of its series.
fn newest(store: &MetricStore, metric: &str, sel: &Selector) -> Option<(Millis, Millis)> {
    let names = [
        format!("{metric}_count"),
        format!("{metric}_bucket"),
        metric.to_string(),
    ];
    let ids = names
        .iter()
        .map(|n| select(store, n, sel))
        .find(|ids| !ids.is_empty())?;
    let series = ids.iter().filter_map(|id| store.series(*id));
    let (at, interval) = series
        .filter_map(|s| Some((s.last()?.0, scrape_interval_ms(&s.points))))
        .max_by_key(|(at, _)| *at)?;
    Some((at, interval.max(1)))
}

/// When the endpoint's figures are stale at `now`, the time of their newest sample; the
/// latency, rate and error figures of `stats` then read unavailable ("stale").
pub fn age_out(
    store: &MetricStore,
    sel: Option<&Selector>,
    stats: Option<&mut EndpointStats>,
    now: Millis,
) -> Option<Millis> {
    let stats = stats?;
    let (at, interval) = newest(store, stats.latency_metric?, sel?)?;
    if now.saturating_sub(at) <= 2 * interval {
        return None;
    }
    let stale = Stat::Unavailable("stale");
    for s in [
        &mut stats.p50,
        &mut stats.p95,
        &mut stats.p99,
        &mut stats.mean,
        &mut stats.req_rate,
        &mut stats.err_ratio,
    ] {
        *s = stale;
    }
    Some(at)
}
