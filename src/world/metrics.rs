//! Metric samples kept per series in bounded ring buffers keyed by event time. A series is a
//! metric name plus its sorted label set; names are indexed case-insensitively. Label sets are
//! stored once and shared by every series that carries them (an exporter sends a dozen fields
//! per device with identical labels), and a sample for a known series allocates nothing.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use crate::domain::Millis;

/// Identity of one series.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesKey {
    pub name: String,
    /// Shared with every other series of the same label set.
    pub labels: Arc<BTreeMap<String, String>>,
}

/// One series' recent points, oldest first, at most `cap` of them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub points: VecDeque<(Millis, f64)>,
    /// Running counter total at each point, with resets corrected (a drop adds the new value,
    /// not the difference) and non-finite points adding nothing: the increase between two
    /// points is `acc[j] - acc[i]`, so windowed counter rates need no rescan. Kept at ingest;
    /// meaningless (but harmless) for gauges.
    pub acc: VecDeque<f64>,
}

impl Series {
    pub fn last(&self) -> Option<(Millis, f64)> {
        self.points.back().copied()
    }
}

/// All series, with an index from lower-cased metric name to series ids.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricStore {
    cap: usize,
    keys: Vec<SeriesKey>,
    series: Vec<Series>,
    by_name: HashMap<String, Vec<usize>>,
    /// Per series, the id of its label set: series of one device share one (DCGM exports a
    /// dozen fields per GPU with identical labels), so joins can resolve labels once per set.
    label_set: Vec<u32>,
    set_ids: HashMap<Arc<BTreeMap<String, String>>, u32>,
    /// The shared label sets, by id.
    sets: Vec<Arc<BTreeMap<String, String>>>,
    /// Series ids of each label set (a short list: the fields of one device).
    by_set: Vec<Vec<usize>>,
    /// The newest sample time seen in any series: how far the metric data has arrived.
    newest: Option<Millis>,
    /// Per series, its newest point, held side by side so a join that reads only the latest
    /// values walks one array instead of every series' ring buffer.
    latest: Vec<(Millis, f64)>,
}

impl Default for MetricStore {
    /// A store without a bound; the cockpit bounds its store by `metrics.points` in config.toml
    /// (`World::with_limits`).
    fn default() -> Self {
        MetricStore::with_capacity(usize::MAX)
    }
}

impl MetricStore {
    /// The most points kept per series.
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// A store that keeps at most `cap` points per series.
    pub fn with_capacity(cap: usize) -> Self {
        MetricStore {
            cap: cap.max(1),
            keys: Vec::new(),
            series: Vec::new(),
            by_name: HashMap::new(),
            label_set: Vec::new(),
            set_ids: HashMap::new(),
            sets: Vec::new(),
            by_set: Vec::new(),
            newest: None,
            latest: Vec::new(),
        }
    }

    /// The newest sample time seen in any series (`None` before the first sample).
    pub fn newest_ms(&self) -> Option<Millis> {
        self.newest
    }

    /// Record one sample. Non-finite values are kept (NaN is a real exporter value) but callers
    /// reading them must decide what they mean.
    pub fn push(&mut self, name: &str, labels: &BTreeMap<String, String>, at: Millis, v: f64) {
        let set = match self.set_ids.get(labels) {
            Some(set) => *set,
            None => {
                let set = self.sets.len() as u32;
                let shared = Arc::new(labels.clone());
                self.sets.push(Arc::clone(&shared));
                self.by_set.push(Vec::new());
                self.set_ids.insert(shared, set);
                set
            }
        };
        let found = self.by_set[set as usize]
            .iter()
            .copied()
            .find(|id| self.keys[*id].name == name);
        let id = match found {
            Some(id) => id,
            None => {
                let id = self.series.len();
                self.series.push(Series::default());
                self.latest.push((at, v));
                self.by_name
                    .entry(name.to_ascii_lowercase())
                    .or_default()
                    .push(id);
                self.label_set.push(set);
                self.by_set[set as usize].push(id);
                self.keys.push(SeriesKey {
                    name: name.to_string(),
                    labels: Arc::clone(&self.sets[set as usize]),
                });
                id
            }
        };
        let s = &mut self.series[id];
        let prev = s.points.iter().rev().map(|p| p.1).find(|x| x.is_finite());
        let step = match prev {
            _ if !v.is_finite() => 0.0,
            Some(p) if v < p => v,
            Some(p) => v - p,
            None => 0.0,
        };
        let acc = s.acc.back().copied().unwrap_or(0.0) + step;
        if s.points.len() == self.cap {
            s.points.pop_front();
            s.acc.pop_front();
        }
        s.points.push_back((at, v));
        s.acc.push_back(acc);
        self.newest = Some(self.newest.map_or(at, |n| n.max(at)));
        if let Some(l) = self.latest.get_mut(id) {
            *l = (at, v);
        }
    }

    /// Every series of a metric name (case-insensitive), with its key.
    pub fn by_name<'a>(&'a self, name: &str) -> impl Iterator<Item = (&'a SeriesKey, &'a Series)> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .map(|id| (&self.keys[*id], &self.series[*id]))
    }

    /// Every series of a metric name (case-insensitive) with its id. Ids are stable for the life
    /// of the store (series are never removed), so callers may keep them to read history later.
    pub fn entries_by_name<'a>(
        &'a self,
        name: &str,
    ) -> impl Iterator<Item = (usize, &'a SeriesKey, &'a Series)> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .map(|id| (*id, &self.keys[*id], &self.series[*id]))
    }

    /// The label-set id of a series (equal label sets, equal ids), and how many sets there are.
    pub fn label_set_of(&self, id: usize) -> Option<usize> {
        self.label_set.get(id).map(|s| *s as usize)
    }

    pub fn label_set_count(&self) -> usize {
        self.set_ids.len()
    }

    /// The shared labels of one label set (the same allocation every series of the set holds,
    /// so a cache may keep it and compare by pointer to know it is still this store's set).
    pub fn set_labels(&self, set: usize) -> Option<&Arc<BTreeMap<String, String>>> {
        self.sets.get(set)
    }

    /// Ids of the series of one label set, oldest first (empty for an unknown set).
    pub fn set_series(&self, set: usize) -> &[usize] {
        self.by_set.get(set).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The newest point of a series (its ring buffer's last), if the id exists.
    pub fn last(&self, id: usize) -> Option<(Millis, f64)> {
        self.latest.get(id).copied()
    }

    /// The series with this id, if any.
    pub fn entry(&self, id: usize) -> Option<(&SeriesKey, &Series)> {
        Some((self.keys.get(id)?, self.series.get(id)?))
    }

    /// Ids of every series of a metric name (case-insensitive); stable for the store's life.
    pub fn ids_by_name(&self, name: &str) -> &[usize] {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The key of a series id, if the id exists.
    pub fn key(&self, id: usize) -> Option<&SeriesKey> {
        self.keys.get(id)
    }

    /// The series of an id, if the id exists.
    pub fn series(&self, id: usize) -> Option<&Series> {
        self.series.get(id)
    }

    /// Points of one series with `from < t <= to` (Prometheus 3 range-selector bounds), oldest
    /// first. Points are assumed pushed in time order, as event time is; found by binary search.
    pub fn points_in(
        &self,
        id: usize,
        from: Millis,
        to: Millis,
    ) -> impl Iterator<Item = (Millis, f64)> + '_ {
        const EMPTY: &VecDeque<(Millis, f64)> = &VecDeque::new();
        let p = self.series.get(id).map(|s| &s.points).unwrap_or(EMPTY);
        let lo = p.partition_point(|x| x.0 <= from);
        let hi = p.partition_point(|x| x.0 <= to).max(lo);
        p.range(lo..hi).copied()
    }

    /// Number of series held.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_is_bounded_and_names_are_case_insensitive() {
        let mut m = MetricStore::with_capacity(3);
        let labels = BTreeMap::from([("gpu".to_string(), "0".to_string())]);
        for t in 0..5 {
            m.push("DCGM_FI_DEV_GPU_UTIL", &labels, t, t as f64);
        }
        let all: Vec<_> = m.by_name("dcgm_fi_dev_gpu_util").collect();
        assert_eq!(all.len(), 1);
        let pts: Vec<_> = all[0].1.points.iter().map(|p| p.0).collect();
        assert_eq!(pts, vec![2, 3, 4]);
    }

    #[test]
    fn series_with_equal_labels_share_a_label_set() {
        let mut m = MetricStore::default();
        let a = BTreeMap::from([("gpu".to_string(), "0".to_string())]);
        let b = BTreeMap::from([("gpu".to_string(), "1".to_string())]);
        m.push("DCGM_FI_DEV_GPU_UTIL", &a, 0, 1.0);
        m.push("DCGM_FI_DEV_GPU_TEMP", &a, 0, 50.0);
        m.push("DCGM_FI_DEV_GPU_UTIL", &b, 0, 2.0);
        assert_eq!(m.label_set_count(), 2);
        assert_eq!(m.label_set_of(0), m.label_set_of(1));
        assert_ne!(m.label_set_of(0), m.label_set_of(2));
        let ids: Vec<usize> = m
            .entries_by_name("dcgm_fi_dev_gpu_util")
            .map(|x| x.0)
            .collect();
        assert_eq!(ids, vec![0, 2]);
        assert_eq!(
            m.entry(1).map(|(k, _)| k.name.as_str()),
            Some("DCGM_FI_DEV_GPU_TEMP")
        );
    }

    #[test]
    fn points_in_is_left_open_right_closed() {
        let mut m = MetricStore::with_capacity(10);
        let labels = BTreeMap::new();
        for t in 0..6 {
            m.push("x", &labels, t * 10, t as f64);
        }
        let id = m.ids_by_name("X")[0];
        let got: Vec<_> = m.points_in(id, 10, 40).map(|p| p.0).collect();
        assert_eq!(got, vec![20, 30, 40]);
        assert_eq!(m.points_in(id, 50, 40).count(), 0);
        assert_eq!(m.points_in(99, 0, 100).count(), 0);
        assert!(m.key(id).is_some_and(|k| k.name == "x"));
        assert_eq!(m.last(id), m.series(id).and_then(Series::last));
        assert_eq!(m.last(id), Some((50, 5.0)));
        assert_eq!(m.last(99), None);
    }
}
