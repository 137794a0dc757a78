//! Histogram quantiles for many endpoints at once, fast enough for every refresh: the bucket
//! series of one histogram are grouped once (by a label such as `pod`, each group's buckets
//! sorted by parsed `le`), and a refresh then reads only each bucket's first and last point in
//! the window from the store's running totals. Buckets written by one scrape share their sample
//! times, so the window's point indexes are found once per group and checked, not searched,
//! for the other buckets. The result is the same as `histogram::quantiles_of` on the group.
//! Groups may be keyed by several labels (`namespace` and `pod`), and an endpoint's pods merged
//! into one group (`merge`); `group_steps` gives the sparkline's steps with the semantics of
//! `sparkline::quantile_steps` (non-finite samples dropped before the window is taken).

use crate::domain::Millis;
use crate::serving::derive::counter::{CounterDelta, Window, extrapolate, first_after};
use crate::serving::derive::histogram::{Gap, bucket_quantile, parse_le};
use crate::serving::derive::sparkline::StepQuantiles;
use crate::world::metrics::{MetricStore, Series};

/// One group's bucket series: `(le, series id)` sorted by `le`.
#[derive(Debug, Clone, PartialEq)]
pub struct HistGroup {
    pub key: String,
    pub buckets: Vec<(f64, usize)>,
    /// Series of the group without a parsable `le` (they count as "series exist").
    pub unparsed: usize,
}

/// The separator of the label values in a group key built by several labels.
pub const KEY_SEP: char = '\u{1f}';

/// The group key of label values, as `HistIndex::build_by` forms it.
pub fn key_of(values: &[&str]) -> String {
    values.join(&KEY_SEP.to_string())
}

/// One group over several: buckets ordered by `le`, then by series id (the order in which the
/// selector path sums buckets of equal `le`, so the sums round alike).
pub fn merge<'a>(groups: impl IntoIterator<Item = &'a HistGroup>, key: &str) -> HistGroup {
    let mut out = HistGroup {
        key: key.to_string(),
        buckets: Vec::new(),
        unparsed: 0,
    };
    for g in groups {
        out.buckets.extend_from_slice(&g.buckets);
        out.unparsed += g.unparsed;
    }
    out.buckets
        .sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    out
}

/// The groups of one histogram, and how many series the store held when they were built (a
/// store with more series may have new buckets or groups: rebuild).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistIndex {
    pub groups: Vec<HistGroup>,
    pub built_at_series: usize,
}

impl HistIndex {
    /// Group the series of `bucket_name` by the value of `label`; series without it or without
    /// a parsable `le` are left out.
    pub fn build(store: &MetricStore, bucket_name: &str, label: &str) -> Self {
        Self::build_by(store, bucket_name, &[label])
    }

    /// Group the series of `bucket_name` by the values of `labels` (key: `key_of`); series
    /// without one of them are left out, series without a parsable `le` only counted.
    pub fn build_by(store: &MetricStore, bucket_name: &str, labels: &[&str]) -> Self {
        let mut by: std::collections::HashMap<String, (Vec<(f64, usize)>, usize)> =
            Default::default();
        let mut vals: Vec<&str> = Vec::with_capacity(labels.len());
        for &id in store.ids_by_name(bucket_name) {
            let Some(k) = store.key(id) else { continue };
            vals.clear();
            vals.extend(
                labels
                    .iter()
                    .map_while(|l| k.labels.get(*l).map(String::as_str)),
            );
            if vals.len() != labels.len() {
                continue;
            }
            let e = by.entry(key_of(&vals)).or_default();
            match k.labels.get("le").and_then(|v| parse_le(v)) {
                Some(le) => e.0.push((le, id)),
                None => e.1 += 1,
            }
        }
        let mut groups: Vec<HistGroup> = by
            .into_iter()
            .map(|(key, (mut b, unparsed))| {
                b.sort_by(|x, y| x.0.total_cmp(&y.0));
                HistGroup {
                    key,
                    buckets: b,
                    unparsed,
                }
            })
            .collect();
        groups.sort_by(|a, b| a.key.cmp(&b.key));
        HistIndex {
            groups,
            built_at_series: store.len(),
        }
    }

    /// The group of a key, if the histogram has series for it.
    pub fn group(&self, key: &str) -> Option<&HistGroup> {
        let i = self
            .groups
            .binary_search_by(|g| g.key.as_str().cmp(key))
            .ok()?;
        self.groups.get(i)
    }

    /// Whether the store has grown since the index was built.
    pub fn stale(&self, store: &MetricStore) -> bool {
        store.len() != self.built_at_series
    }
}

/// Reusable buffers, so a refresh allocates nothing per group.
#[derive(Debug, Default)]
pub struct Scratch {
    buckets: Vec<(f64, f64)>,
}

/// The delta of `s` over the points `lo..hi` (window bounds already found). `finite_only`:
/// as over the series' finite points alone (the sparkline's preparation), rather than
/// `counter::series_delta` (whose sample count includes non-finite points inside the window).
fn delta_at(s: &Series, lo: usize, hi: usize, finite_only: bool) -> Option<CounterDelta> {
    let p = &s.points;
    if hi < lo + 2 || hi > p.len() {
        return None;
    }
    let (first, last) = (p[lo], p[hi - 1]);
    let inner_nan = finite_only && p.range(lo..hi).any(|x| !x.1.is_finite());
    if inner_nan || !first.1.is_finite() || !last.1.is_finite() || s.acc.len() != p.len() {
        return crate::serving::derive::counter::counter_delta(p.range(lo..hi).copied());
    }
    Some(CounterDelta {
        raw: s.acc[hi - 1] - s.acc[lo],
        first,
        last,
        samples: hi - lo,
    })
}

/// Quantiles `qs` of one group over `w`, written to `out` (cleared first).
pub fn group_quantiles(
    store: &MetricStore,
    g: &HistGroup,
    w: Window,
    qs: &[f64],
    scratch: &mut Scratch,
    out: &mut Vec<Result<f64, Gap>>,
) {
    quantiles_in(store, g, w, qs, false, scratch, out)
}

/// Quantiles `qs` of one group over `range_ms` windows ending at `from, from + step, ... <=
/// to`, as `sparkline::quantile_steps` gives them for the group's series.
pub fn group_steps(
    store: &MetricStore,
    g: &HistGroup,
    range_ms: Millis,
    (from, to, step_ms): (Millis, Millis, Millis),
    qs: &[f64],
    scratch: &mut Scratch,
) -> Vec<StepQuantiles> {
    let mut out = Vec::new();
    if step_ms <= 0 || to < from {
        return out;
    }
    let mut at = from;
    while at <= to {
        let mut values = Vec::with_capacity(qs.len());
        let w = Window::ending_at(at, range_ms);
        quantiles_in(store, g, w, qs, true, scratch, &mut values);
        out.push(StepQuantiles { at, values });
        at += step_ms;
    }
    out
}

fn quantiles_in(
    store: &MetricStore,
    g: &HistGroup,
    w: Window,
    qs: &[f64],
    finite_only: bool,
    scratch: &mut Scratch,
    out: &mut Vec<Result<f64, Gap>>,
) {
    out.clear();
    let b = &mut scratch.buckets;
    b.clear();
    // Window indexes of the group's first series, reused where the times line up.
    let mut shared: Option<(usize, usize, i64, i64, usize)> = None;
    for &(le, id) in &g.buckets {
        let Some(s) = store.series(id) else { continue };
        let p = &s.points;
        let reuse = shared.filter(|&(lo, hi, t_lo, t_hi, n)| {
            p.len() == n
                && (lo >= n || p[lo].0 == t_lo)
                && (hi == 0 || p[hi - 1].0 == t_hi)
                && (lo == 0 || p[lo - 1].0 <= w.start)
                && (hi >= n || p[hi].0 > w.end)
        });
        let (lo, hi) = match reuse {
            Some((lo, hi, ..)) => (lo, hi),
            None => {
                let lo = first_after(p, w.start);
                let hi = first_after(p, w.end);
                let t_lo = p.get(lo).map_or(0, |x| x.0);
                let t_hi = hi.checked_sub(1).and_then(|i| p.get(i)).map_or(0, |x| x.0);
                shared = Some((lo, hi, t_lo, t_hi, p.len()));
                (lo, hi)
            }
        };
        if let Some(d) = delta_at(s, lo, hi, finite_only) {
            b.push((le, extrapolate(&d, w)));
        }
    }
    // The sparkline prepares parsed buckets only; the selector path counts any series.
    if g.buckets.is_empty() && (finite_only || g.unparsed == 0) {
        out.extend(qs.iter().map(|_| Err(Gap::NoSeries)));
    } else if b.is_empty() {
        out.extend(qs.iter().map(|_| Err(Gap::TooFewSamples)));
    } else {
        out.extend(qs.iter().map(|q| bucket_quantile(*q, b)));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::serving::derive::histogram::quantiles_of;

    fn labels(pod: &str, le: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("pod".to_string(), pod.to_string()),
            ("le".to_string(), le.to_string()),
        ])
    }

    #[test]
    fn same_answers_as_the_selector_path_with_resets_and_ragged_times() {
        let mut m = MetricStore::with_capacity(50);
        let les = ["0.1", "0.5", "1", "+Inf"];
        for (pod, skew) in [("a", 0), ("b", 3), ("c", 0)] {
            let mut tot = [0.0f64; 4];
            for t in 0..40i64 {
                for (i, le) in les.iter().enumerate() {
                    // Pod b's buckets are scraped a little apart; pod c resets at t = 20.
                    let at = t * 15_000 + if pod == "b" { (i as i64) * skew } else { 0 };
                    tot[i] += (i + 1) as f64 * ((t % 5) + 1) as f64;
                    if pod == "c" && t == 20 {
                        tot = [1.0, 2.0, 3.0, 4.0];
                    }
                    m.push("h_bucket", &labels(pod, le), at, tot[i]);
                }
            }
        }
        // A bucket with a gap: its times differ from the group's first series.
        m.push("h_bucket", &labels("d", "+Inf"), 0, 1.0);
        m.push("h_bucket", &labels("d", "+Inf"), 400_000, 9.0);
        let idx = HistIndex::build(&m, "h_bucket", "pod");
        assert_eq!(idx.groups.len(), 4);
        assert!(!idx.stale(&m));
        let (mut scratch, mut out) = (Scratch::default(), Vec::new());
        let qs = [0.5, 0.9, 0.99];
        for end in [100_000, 310_000, 450_000, 585_000, 900_000] {
            let w = Window::ending_at(end, 120_000);
            for g in &idx.groups {
                group_quantiles(&m, g, w, &qs, &mut scratch, &mut out);
                let ids: Vec<usize> = g.buckets.iter().map(|b| b.1).collect();
                let want = quantiles_of(&m, &ids, w, &qs);
                assert_eq!(out.len(), want.len());
                for (a, b) in out.iter().zip(&want) {
                    match (a, b) {
                        (Ok(x), Ok(y)) => {
                            assert!((x - y).abs() < 1e-12, "{} {end}: {x} {y}", g.key)
                        }
                        _ => assert_eq!(a, b, "{} at {end}", g.key),
                    }
                }
            }
        }
        m.push("h_bucket", &labels("e", "+Inf"), 0, 1.0);
        assert!(idx.stale(&m));
    }
}
