//! Every value knows its age: a device's readings count as current only while their newest
//! sample is younger than two scrape intervals (the median spacing of the series' recent
//! samples, 30 s when it cannot tell) and its node is Ready with its exporter running. Otherwise
//! they are stale: shown with their age, never judged by thresholds.

use std::collections::VecDeque;

use crate::accel::derive::inventory::{DaemonState, NodeAccel};
use crate::accel::derive::telemetry::{DeviceTelemetry, Field};
use crate::domain::Millis;
use crate::world::metrics::MetricStore;

/// The scrape interval assumed when a series has too few samples to tell.
pub const DEFAULT_SCRAPE_MS: Millis = 30_000;
/// How many recent sample spacings the interval is the median of.
const RECENT_SPACINGS: usize = 8;

/// Why a value no longer counts as current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaleWhy {
    NodeNotReady,
    ExporterDown,
    /// No sample for more than two scrape intervals.
    NoScrape,
}

impl StaleWhy {
    pub fn label(self) -> &'static str {
        match self {
            StaleWhy::NodeNotReady => "node NotReady",
            StaleWhy::ExporterDown => "exporter not running",
            StaleWhy::NoScrape => "no recent scrape",
        }
    }
}

/// A stale value: the time of its newest sample and why it is stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stale {
    pub since: Millis,
    pub why: StaleWhy,
}

/// The median spacing of the newest samples of a series (`DEFAULT_SCRAPE_MS` with fewer than
/// two distinct sample times).
pub fn scrape_interval_ms(points: &VecDeque<(Millis, f64)>) -> Millis {
    if points.len() < 2 {
        return DEFAULT_SCRAPE_MS;
    }
    let start = points.len().saturating_sub(RECENT_SPACINGS + 1);
    let mut gaps: Vec<Millis> = points
        .range(start..)
        .zip(points.range(start + 1..))
        .map(|(a, b)| b.0 - a.0)
        .filter(|g| *g > 0)
        .collect();
    if gaps.is_empty() {
        return DEFAULT_SCRAPE_MS;
    }
    gaps.sort_unstable();
    gaps[gaps.len() / 2]
}

/// What a node's readings are judged against at one refresh.
#[derive(Debug, Clone, Copy)]
pub struct Freshness<'a> {
    pub store: &'a MetricStore,
    /// Event time of the refresh.
    pub now: Millis,
    /// Why every reading of the node is stale whatever its age (NotReady, exporter down).
    pub node: Option<StaleWhy>,
}

impl<'a> Freshness<'a> {
    /// The judge of node `n`'s readings at `now`.
    pub fn of(n: &NodeAccel, store: &'a MetricStore, now: Millis) -> Freshness<'a> {
        let node = if !n.ready {
            Some(StaleWhy::NodeNotReady)
        } else if matches!(n.exporter, DaemonState::NotRunning(_)) {
            Some(StaleWhy::ExporterDown)
        } else {
            None
        };
        Freshness { store, now, node }
    }

    /// When device `d`'s readings (XID aside) are stale, the time of its newest sample and why;
    /// `None` while they are current (or there are none).
    pub fn stale(&self, d: &DeviceTelemetry) -> Option<Stale> {
        let (field, since) = d
            .latest
            .iter()
            .filter(|(f, _)| **f != Field::Xid)
            .map(|(f, (t, _))| (*f, *t))
            .max_by_key(|(_, t)| *t)?;
        if let Some(why) = self.node {
            return Some(Stale { since, why });
        }
        let interval = d
            .history(self.store, field)
            .map_or(DEFAULT_SCRAPE_MS, |s| scrape_interval_ms(&s.points));
        (self.now.saturating_sub(since) > 2 * interval).then_some(Stale {
            since,
            why: StaleWhy::NoScrape,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(ts: &[Millis]) -> VecDeque<(Millis, f64)> {
        ts.iter().map(|t| (*t, 1.0)).collect()
    }

    #[test]
    fn interval_is_the_median_recent_spacing() {
        assert_eq!(scrape_interval_ms(&pts(&[])), DEFAULT_SCRAPE_MS);
        assert_eq!(scrape_interval_ms(&pts(&[5])), DEFAULT_SCRAPE_MS);
        assert_eq!(
            scrape_interval_ms(&pts(&[0, 15_000, 30_000, 90_000])),
            15_000
        );
        let many: Vec<Millis> = (0..40).map(|i| i * 10_000).collect();
        assert_eq!(scrape_interval_ms(&pts(&many)), 10_000);
    }
}
