//! A device field's history read where it lies: the series' ring buffer with a scale applied on
//! read, so threshold checks over thousands of devices copy nothing. Only a device fed by
//! several series (it changed hands, so its history is merged by event time) gets an owned copy.

use std::collections::VecDeque;

use crate::accel::derive::telemetry::{DeviceTelemetry, Field};
use crate::domain::Millis;
use crate::world::metrics::MetricStore;

/// Points oldest first, each value times a scale.
#[derive(Debug, Clone, PartialEq)]
pub enum HistView<'a> {
    Ring {
        points: &'a VecDeque<(Millis, f64)>,
        scale: f64,
    },
    Owned(Vec<(Millis, f64)>),
}

impl<'a> HistView<'a> {
    /// The history of `f` on `d`, times `scale` (what `DeviceTelemetry::scaled_history`
    /// returns, without the copy when one series holds it all).
    pub fn of(d: &DeviceTelemetry, store: &'a MetricStore, f: Field, scale: f64) -> Self {
        if d.older.iter().any(|(g, _)| *g == f) {
            return HistView::Owned(d.scaled_history(store, f, scale));
        }
        match d.history(store, f) {
            Some(s) => HistView::Ring {
                points: &s.points,
                scale,
            },
            None => HistView::Owned(Vec::new()),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            HistView::Ring { points, .. } => points.len(),
            HistView::Owned(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Point `i` (oldest is 0), scaled; `None` past the end.
    pub fn get(&self, i: usize) -> Option<(Millis, f64)> {
        match self {
            HistView::Ring { points, scale } => points.get(i).map(|(t, v)| (*t, v * scale)),
            HistView::Owned(v) => v.get(i).copied(),
        }
    }

    /// Index of the first point later than `t` (points are in time order).
    pub fn partition_after(&self, t: Millis) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.get(mid).is_some_and(|p| p.0 <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accel::derive::telemetry::{DeviceKey, Vendor};
    use std::collections::BTreeMap;

    #[test]
    fn a_ring_view_reads_what_the_copy_holds() {
        let mut store = MetricStore::with_capacity(4);
        let labels = BTreeMap::from([("gpu".to_string(), "0".to_string())]);
        for (t, v) in [(1, 10.0), (2, 20.0), (3, 30.0), (4, 40.0), (5, 50.0)] {
            store.push("DCGM_FI_DEV_GPU_TEMP", &labels, t, v);
        }
        let mut d = DeviceTelemetry::new(
            DeviceKey {
                index: "0".into(),
                mig_instance: None,
            },
            Vendor::Nvidia,
        );
        d.series.insert(Field::GpuTemp, 0);
        let view = HistView::of(&d, &store, Field::GpuTemp, 0.5);
        assert!(matches!(view, HistView::Ring { .. }));
        let copy = d.scaled_history(&store, Field::GpuTemp, 0.5);
        let read: Vec<_> = (0..view.len()).filter_map(|i| view.get(i)).collect();
        assert_eq!(read, copy);
        assert_eq!(
            read.first(),
            Some(&(2, 10.0)),
            "the ring kept the newest four"
        );
        assert_eq!(view.partition_after(3), 2);
        assert_eq!(view.partition_after(0), 0);
        assert_eq!(view.partition_after(9), 4);
        assert_eq!(view.get(4), None);
    }
}
