//! The Serving view's latency histograms, indexed: for each histogram the servers export, the
//! bucket series grouped once by `(namespace, pod)` (`serving::derive::hist_index`), kept across
//! refreshes and rebuilt only when the store gained series of that histogram. An endpoint's
//! window quantiles and sparkline steps are read from its pods' groups, with the same answers
//! as the selector path (`histogram::histogram_quantiles`, `serving::latency_sparkline`).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::domain::Millis;
use crate::domain::server::Server;
use crate::serving::derive::hist_index::{
    HistGroup, HistIndex, Scratch, group_quantiles, group_steps, key_of, merge,
};
use crate::serving::derive::histogram::{Gap, Window};
use crate::serving::derive::objectives::{HistSource, metrics_for};
use crate::serving::derive::sparkline::StepQuantiles;
use crate::world::metrics::MetricStore;

/// The labels an endpoint's series are picked by (its namespace, then its pods).
const KEY_LABELS: [&str; 2] = ["namespace", "pod"];

#[derive(Debug, Clone)]
struct Entry {
    index: HistIndex,
    /// Series of the histogram's name, and the newest id, when built.
    count: usize,
    newest: Option<usize>,
    /// The newest series' label set: a store replaced by another (a new context) holds other
    /// label sets, whatever its counts.
    newest_labels: Option<Arc<BTreeMap<String, String>>>,
}

/// The indexes by histogram (bucket series name).
#[derive(Debug, Clone, Default)]
pub struct HistCache {
    indexes: HashMap<String, Entry>,
    /// How many indexes were (re)built, over the cache's life.
    pub builds: usize,
}

/// A cache holds no state of its own: two views are equal whatever their caches hold.
impl PartialEq for HistCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Every bucket series name the view reads for a server.
fn names_of(server: Server) -> impl Iterator<Item = &'static str> {
    let m = metrics_for(server);
    [m.e2e, m.ttft, m.itl, m.queue]
        .into_iter()
        .flat_map(|src| match src {
            HistSource::Buckets { names, .. } => names.iter().copied(),
            HistSource::Absent(_) => [].iter().copied(),
        })
}

impl HistCache {
    /// Forget every index (the world was replaced).
    pub fn clear(&mut self) {
        self.indexes.clear();
    }

    /// Bring the indexes of the servers' histograms, and of the `extra` bucket series names
    /// (alert rules' own metrics), up to date with `store`. Series ids only grow, so a
    /// histogram whose series count and newest series are unchanged has no new series.
    pub fn update<'n>(
        &mut self,
        store: &MetricStore,
        servers: impl IntoIterator<Item = Server>,
        extra: impl IntoIterator<Item = &'n str>,
    ) {
        let mut seen: Vec<Server> = Vec::new();
        let mut names: Vec<&'n str> = extra.into_iter().collect();
        for server in servers {
            if !seen.contains(&server) {
                seen.push(server);
                names.extend(names_of(server).map(|n| -> &'n str { n }));
            }
        }
        for name in names {
            let ids = store.ids_by_name(name);
            let (count, newest) = (ids.len(), ids.last().copied());
            let newest_labels = newest.and_then(|id| store.key(id)).map(|k| &k.labels);
            let fresh = self.indexes.get(name).is_some_and(|e| {
                let same = match (&e.newest_labels, newest_labels) {
                    (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                    (a, b) => a.is_none() && b.is_none(),
                };
                e.count == count && e.newest == newest && same
            });
            if !fresh {
                let index = HistIndex::build_by(store, name, &KEY_LABELS);
                self.indexes.insert(
                    name.to_string(),
                    Entry {
                        index,
                        count,
                        newest,
                        newest_labels: newest_labels.cloned(),
                    },
                );
                self.builds += 1;
            }
        }
    }

    /// One endpoint's histograms: the groups of `pods` in `namespace`.
    pub fn endpoint<'a, 'p>(
        &'a self,
        store: &'a MetricStore,
        namespace: &str,
        pods: impl IntoIterator<Item = &'p str>,
    ) -> EndpointHists<'a> {
        EndpointHists {
            cache: self,
            store,
            keys: pods.into_iter().map(|p| key_of(&[namespace, p])).collect(),
            merged: HashMap::new(),
            scratch: Scratch::default(),
        }
    }
}

/// Quantiles of one endpoint from the cache.
pub struct EndpointHists<'a> {
    cache: &'a HistCache,
    store: &'a MetricStore,
    keys: Vec<String>,
    merged: HashMap<String, Cow<'a, HistGroup>>,
    scratch: Scratch,
}

impl<'a> EndpointHists<'a> {
    /// The endpoint's buckets of `name` (empty when it has none): one pod's group as indexed,
    /// several pods' merged.
    fn group(&mut self, name: &str) -> &HistGroup {
        if !self.merged.contains_key(name) {
            let index = self.cache.indexes.get(name).map(|e| &e.index);
            let mut found = self
                .keys
                .iter()
                .filter_map(|k| index.and_then(|i| i.group(k)));
            let g = match (found.next(), found.next()) {
                (None, _) => Cow::Owned(merge([], name)),
                (Some(one), None) => Cow::Borrowed(one),
                (Some(a), Some(b)) => Cow::Owned(merge([a, b].into_iter().chain(found), name)),
            };
            self.merged.insert(name.to_string(), g);
        }
        self.merged.get(name).map_or(&EMPTY, |g| g.as_ref())
    }

    /// `histogram_quantiles` of the endpoint's series of `name` over `w`.
    pub fn quantiles(&mut self, name: &str, w: Window, qs: &[f64]) -> Vec<Result<f64, Gap>> {
        let mut out = Vec::with_capacity(qs.len());
        let mut scratch = std::mem::take(&mut self.scratch);
        let store = self.store;
        group_quantiles(store, self.group(name), w, qs, &mut scratch, &mut out);
        self.scratch = scratch;
        out
    }

    /// `serving::latency_sparkline` of the endpoint: p50/p95/p99 of the server's end-to-end
    /// histogram (the first one with series) at each step, in seconds.
    pub fn sparkline(
        &mut self,
        server: Server,
        range_ms: Millis,
        steps: (Millis, Millis, Millis),
    ) -> Result<Vec<StepQuantiles>, &'static str> {
        let (names, scale) = match metrics_for(server).e2e {
            HistSource::Buckets { names, scale } => (names, scale),
            HistSource::Absent(why) => return Err(why),
        };
        let name = names
            .iter()
            .find(|n| {
                let g = self.group(n);
                !g.buckets.is_empty() || g.unparsed > 0
            })
            .ok_or("latency histogram not exported")?;
        let mut scratch = std::mem::take(&mut self.scratch);
        let store = self.store;
        let qs = [0.5, 0.95, 0.99];
        let mut out = group_steps(store, self.group(name), range_ms, steps, &qs, &mut scratch);
        self.scratch = scratch;
        for s in &mut out {
            for v in &mut s.values {
                *v = v.map(|x| x * scale);
            }
        }
        Ok(out)
    }
}

static EMPTY: HistGroup = HistGroup {
    key: String::new(),
    buckets: Vec::new(),
    unparsed: 0,
};

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::serving::derive::histogram::{Selector, histogram_quantiles};
    use crate::serving::derive::objectives::latency_sparkline;

    const E2E: &str = "vllm:e2e_request_latency_seconds_bucket";

    fn labels(ns: &str, pod: &str, le: Option<&str>) -> BTreeMap<String, String> {
        let mut l = BTreeMap::from([
            ("namespace".to_string(), ns.to_string()),
            ("pod".to_string(), pod.to_string()),
        ]);
        if let Some(le) = le {
            l.insert("le".to_string(), le.to_string());
        }
        l
    }

    /// Pods a and b in `ai` (b resets, and has a NaN sample), a namesake of a in `other`, and
    /// pod c whose only series has no `le`.
    fn store() -> MetricStore {
        let mut m = MetricStore::with_capacity(200);
        let les = ["0.1", "0.25", "1", "+Inf"];
        for (ns, pod, k) in [("ai", "a", 1.0), ("ai", "b", 3.0), ("other", "a", 7.0)] {
            let mut tot = [0.0f64; 4];
            for t in 0..80i64 {
                for (i, le) in les.iter().enumerate() {
                    tot[i] += k * (i + 1) as f64 * ((t % 7) + 1) as f64;
                    let mut v = tot[i];
                    if pod == "b" && t == 40 {
                        tot = [2.0, 3.0, 5.0, 8.0];
                        v = tot[i];
                    }
                    if pod == "b" && t == 55 && i == 1 {
                        v = f64::NAN;
                    }
                    m.push(E2E, &labels(ns, pod, Some(le)), t * 15_000, v);
                }
            }
        }
        m.push(E2E, &labels("ai", "c", None), 0, 1.0);
        m
    }

    #[test]
    fn endpoint_answers_match_the_selector_path() {
        let m = store();
        let mut cache = HistCache::default();
        cache.update(&m, [Server::Vllm, Server::Vllm], []);
        let builds = cache.builds;
        assert!(builds > 0);
        let mut values = 0;
        for pods in [vec!["a"], vec!["a", "b"], vec!["b"], vec!["c"], vec!["zz"]] {
            let sel = Selector::all()
                .eq("namespace", "ai")
                .one_of("pod", pods.clone());
            let mut eh = cache.endpoint(&m, "ai", pods.iter().copied());
            for end in [60_000, 400_000, 700_000, 840_000, 1_185_000] {
                let w = Window::ending_at(end, 300_000);
                let qs = [0.5, 0.95, 0.99];
                let got = eh.quantiles(E2E, w, &qs);
                let want = histogram_quantiles(&m, E2E, &sel, w, &qs);
                assert_eq!(got, want, "{pods:?} at {end}");
                values += got.iter().filter(|x| x.is_ok()).count();
            }
            let got = eh.sparkline(Server::Vllm, 120_000, (0, 1_200_000, 30_000));
            let want = latency_sparkline(&m, Server::Vllm, &sel, 120_000, 0, 1_200_000, 30_000);
            assert_eq!(got, want, "{pods:?}");
            let steps = got.iter().flatten().flat_map(|s| &s.values);
            values += steps.filter(|x| x.is_ok()).count();
        }
        assert!(values > 100, "{values} values compared");
        // Nothing new in the store: nothing rebuilt. A new series of the histogram: rebuilt.
        cache.update(&m, [Server::Vllm], []);
        assert_eq!(cache.builds, builds);
        let mut m = m;
        m.push(E2E, &labels("ai", "d", Some("+Inf")), 0, 1.0);
        cache.update(&m, [Server::Vllm], []);
        assert_eq!(cache.builds, builds + 1);
        let mut eh = cache.endpoint(&m, "ai", ["d"]);
        let w = Window::ending_at(60_000, 60_000);
        assert_eq!(eh.quantiles(E2E, w, &[0.5]), vec![Err(Gap::TooFewSamples)]);
        // A store replaced by one of the same shape (a new context): rebuilt all the same.
        let mut other = store();
        other.push(E2E, &labels("ai", "d", Some("+Inf")), 0, 1.0);
        assert_eq!(other.ids_by_name(E2E), m.ids_by_name(E2E));
        cache.update(&other, [Server::Vllm], []);
        assert_eq!(cache.builds, builds + 2);
    }
}
