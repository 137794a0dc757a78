//! Device telemetry: exporter series (dcgm-exporter `DCGM_*`, npu-exporter `npu_chip_info_*`)
//! joined to nodes and devices by their labels, with latest values, stable series ids for
//! sparklines, and honest gaps: a node with no series says why (`Telemetry::Missing`), a MIG
//! instance says why its utilisation comes from `DCGM_FI_PROF_GR_ENGINE_ACTIVE`.

use crate::domain::Millis;
use crate::world::metrics::{MetricStore, Series};

pub use crate::accel::derive::field_map::FieldMap;
pub use crate::accel::derive::telemetry_join::join;
pub use crate::accel::derive::xid_events::{XidEvent, xid_events};

/// Which exporter a field comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vendor {
    Nvidia,
    Ascend,
}

/// A device measurement, whatever the exporter calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    GpuUtil,
    GrEngineActive,
    FbUsed,
    FbFree,
    GpuTemp,
    MemTemp,
    Power,
    SmClock,
    Xid,
    EccSbeVol,
    EccDbeVol,
    EccSbeAgg,
    EccDbeAgg,
    PcieReplay,
    RowRemapFailure,
    PowerViolation,
    ThermalViolation,
    ThrottleReasons,
    NpuUtil,
    NpuHbmUsed,
    NpuHbmTotal,
    NpuUsedMem,
    NpuTotalMem,
    NpuTemp,
    NpuPower,
    NpuHealth,
    NpuErrorCode,
    NpuLinkStatus,
    NpuNetworkStatus,
}

impl Field {
    /// Every field, NVIDIA first.
    pub const ALL: &'static [Field] = &[
        Field::GpuUtil,
        Field::GrEngineActive,
        Field::FbUsed,
        Field::FbFree,
        Field::GpuTemp,
        Field::MemTemp,
        Field::Power,
        Field::SmClock,
        Field::Xid,
        Field::EccSbeVol,
        Field::EccDbeVol,
        Field::EccSbeAgg,
        Field::EccDbeAgg,
        Field::PcieReplay,
        Field::RowRemapFailure,
        Field::PowerViolation,
        Field::ThermalViolation,
        Field::ThrottleReasons,
        Field::NpuUtil,
        Field::NpuHbmUsed,
        Field::NpuHbmTotal,
        Field::NpuUsedMem,
        Field::NpuTotalMem,
        Field::NpuTemp,
        Field::NpuPower,
        Field::NpuHealth,
        Field::NpuErrorCode,
        Field::NpuLinkStatus,
        Field::NpuNetworkStatus,
    ];

    /// Metric names (matched case-insensitively) carrying this field; the first is canonical.
    pub fn names(self) -> &'static [&'static str] {
        use Field::*;
        match self {
            GpuUtil => &["DCGM_FI_DEV_GPU_UTIL", "dcgm_gpu_utilization"],
            GrEngineActive => &["DCGM_FI_PROF_GR_ENGINE_ACTIVE"],
            FbUsed => &["DCGM_FI_DEV_FB_USED"],
            FbFree => &["DCGM_FI_DEV_FB_FREE"],
            GpuTemp => &["DCGM_FI_DEV_GPU_TEMP", "dcgm_gpu_temp"],
            MemTemp => &["DCGM_FI_DEV_MEMORY_TEMP"],
            Power => &["DCGM_FI_DEV_POWER_USAGE", "dcgm_power_usage"],
            SmClock => &["DCGM_FI_DEV_SM_CLOCK"],
            Xid => &["DCGM_FI_DEV_XID_ERRORS"],
            EccSbeVol => &["DCGM_FI_DEV_ECC_SBE_VOL_TOTAL"],
            EccDbeVol => &["DCGM_FI_DEV_ECC_DBE_VOL_TOTAL"],
            EccSbeAgg => &["DCGM_FI_DEV_ECC_SBE_AGG_TOTAL"],
            EccDbeAgg => &["DCGM_FI_DEV_ECC_DBE_AGG_TOTAL"],
            PcieReplay => &["DCGM_FI_DEV_PCIE_REPLAY_COUNTER"],
            RowRemapFailure => &["DCGM_FI_DEV_ROW_REMAP_FAILURE"],
            PowerViolation => &["DCGM_FI_DEV_POWER_VIOLATION"],
            ThermalViolation => &["DCGM_FI_DEV_THERMAL_VIOLATION"],
            ThrottleReasons => &[
                "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS",
                "DCGM_FI_DEV_CLOCKS_EVENT_REASONS",
            ],
            NpuUtil => &["npu_chip_info_utilization"],
            NpuHbmUsed => &["npu_chip_info_hbm_used_memory"],
            NpuHbmTotal => &["npu_chip_info_hbm_total_memory"],
            NpuUsedMem => &["npu_chip_info_used_memory"],
            NpuTotalMem => &["npu_chip_info_total_memory"],
            NpuTemp => &["npu_chip_info_temperature"],
            NpuPower => &["npu_chip_info_power"],
            NpuHealth => &["npu_chip_info_health_status"],
            NpuErrorCode => &["npu_chip_info_error_code"],
            NpuLinkStatus => &["npu_chip_info_link_status"],
            NpuNetworkStatus => &["npu_chip_info_network_status"],
        }
    }

    pub fn vendor(self) -> Vendor {
        if (self as u8) >= (Field::NpuUtil as u8) {
            Vendor::Ascend
        } else {
            Vendor::Nvidia
        }
    }
}

/// A device within a node: GPU index (or NPU id), plus the MIG GPU-instance id when it is one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceKey {
    pub index: String,
    pub mig_instance: Option<String>,
}

/// Where a utilisation figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UtilSource {
    /// `DCGM_FI_DEV_GPU_UTIL` (percent).
    GpuUtil,
    /// `DCGM_FI_PROF_GR_ENGINE_ACTIVE` (ratio, shown as percent): the MIG-capable metric.
    GrEngineActive,
    /// `npu_chip_info_utilization` (AI core, percent).
    NpuUtil,
}

/// One device's series.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceTelemetry {
    pub key: DeviceKey,
    pub vendor: Vendor,
    pub uuid: Option<String>,
    pub model: Option<String>,
    /// MIG profile from `GPU_I_PROFILE` (`1g.5gb`).
    pub mig_profile: Option<String>,
    /// (namespace, pod, container) from the exporter's Kubernetes mapping labels.
    pub pod: Option<(String, String, String)>,
    /// Sample time of the series the pod mapping was read from.
    pub pod_seen_ms: Option<Millis>,
    /// Latest (time, value) per field.
    pub latest: FieldMap<(Millis, f64)>,
    /// Series id per field, for `MetricStore::series` (history / sparklines).
    pub series: FieldMap<usize>,
    /// Older series of the same device and field (the exporter's pod labels changed, so a new
    /// label set began): merged into the device's history by event time.
    pub older: Vec<(Field, usize)>,
    /// Why something is absent or derived.
    pub notes: Vec<String>,
}

impl DeviceTelemetry {
    pub fn new(key: DeviceKey, vendor: Vendor) -> Self {
        DeviceTelemetry {
            key,
            vendor,
            uuid: None,
            model: None,
            mig_profile: None,
            pod: None,
            pod_seen_ms: None,
            latest: FieldMap::with_capacity(12),
            series: FieldMap::with_capacity(12),
            older: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// `gpu0`, `gpu0/mig13 (1g.5gb)`, `npu3`.
    pub fn label(&self) -> String {
        let base = match self.vendor {
            Vendor::Nvidia => format!("gpu{}", self.key.index),
            Vendor::Ascend => format!("npu{}", self.key.index),
        };
        match (&self.key.mig_instance, &self.mig_profile) {
            (Some(i), Some(p)) => format!("{base}/mig{i} ({p})"),
            (Some(i), None) => format!("{base}/mig{i}"),
            _ => base,
        }
    }

    pub fn value(&self, f: Field) -> Option<f64> {
        self.latest
            .get(&f)
            .map(|(_, v)| *v)
            .filter(|v| v.is_finite())
    }

    /// Utilisation in percent and where it came from.
    pub fn util_pct(&self) -> Option<(f64, UtilSource)> {
        self.value(Field::GpuUtil)
            .map(|v| (v, UtilSource::GpuUtil))
            .or_else(|| {
                self.value(Field::GrEngineActive)
                    .map(|v| (v * 100.0, UtilSource::GrEngineActive))
            })
            .or_else(|| self.value(Field::NpuUtil).map(|v| (v, UtilSource::NpuUtil)))
    }

    /// Framebuffer used, percent of used + free.
    pub fn fb_used_pct(&self) -> Option<f64> {
        let used = self.value(Field::FbUsed)?;
        let total = used + self.value(Field::FbFree)?;
        (total > 0.0).then(|| used / total * 100.0)
    }

    /// NPU memory used, percent: HBM when reported, else DDR.
    pub fn npu_mem_pct(&self) -> Option<f64> {
        let pair = |u: Field, t: Field| {
            let total = self.value(t)?;
            (total > 0.0).then(|| self.value(u).map(|used| used / total * 100.0))?
        };
        pair(Field::NpuHbmUsed, Field::NpuHbmTotal)
            .or_else(|| pair(Field::NpuUsedMem, Field::NpuTotalMem))
    }

    /// The ring buffer behind a field.
    pub fn history<'a>(&self, store: &'a MetricStore, f: Field) -> Option<&'a Series> {
        store.series(*self.series.get(&f)?)
    }

    /// Utilisation history in percent, oldest first (same source as `util_pct`).
    pub fn util_history(&self, store: &MetricStore) -> Vec<(Millis, f64)> {
        match self.util_field() {
            Some((field, scale)) => self.scaled_history(store, field, scale),
            None => Vec::new(),
        }
    }

    /// The field `util_pct` reads and the scale that makes it percent.
    pub fn util_field(&self) -> Option<(Field, f64)> {
        Some(match self.util_pct()?.1 {
            UtilSource::GpuUtil => (Field::GpuUtil, 1.0),
            UtilSource::GrEngineActive => (Field::GrEngineActive, 100.0),
            UtilSource::NpuUtil => (Field::NpuUtil, 1.0),
        })
    }

    /// A field's history times `scale`, oldest first: the current series merged with the
    /// device's older ones (one per pod that held it), by event time.
    pub fn scaled_history(&self, store: &MetricStore, f: Field, scale: f64) -> Vec<(Millis, f64)> {
        let mut out: Vec<(Millis, f64)> = self
            .history(store, f)
            .map(|s| s.points.iter().map(|(t, v)| (*t, v * scale)).collect())
            .unwrap_or_default();
        let mut merged = false;
        for (_, id) in self.older.iter().filter(|(g, _)| *g == f) {
            if let Some(s) = store.series(*id) {
                out.extend(s.points.iter().map(|(t, v)| (*t, v * scale)));
                merged = true;
            }
        }
        if merged {
            out.sort_by_key(|p| p.0);
            out.dedup_by_key(|p| p.0);
        }
        out
    }
}

/// A node's telemetry, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum Telemetry {
    Missing(String),
    Present(NodeTelemetry),
}

impl Telemetry {
    pub fn devices(&self) -> &[DeviceTelemetry] {
        match self {
            Telemetry::Present(t) => &t.devices,
            Telemetry::Missing(_) => &[],
        }
    }

    pub fn device(&self, index: &str, mig_instance: Option<&str>) -> Option<&DeviceTelemetry> {
        self.devices()
            .iter()
            .find(|d| d.key.index == index && d.key.mig_instance.as_deref() == mig_instance)
    }
}

/// The devices of one node that have series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeTelemetry {
    /// Sorted by key (GPU index, then MIG instance).
    pub devices: Vec<DeviceTelemetry>,
    /// Newest sample time over all devices.
    pub last_ms: Millis,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_split_and_names() {
        assert_eq!(Field::GpuUtil.vendor(), Vendor::Nvidia);
        assert_eq!(Field::ThrottleReasons.vendor(), Vendor::Nvidia);
        assert_eq!(Field::NpuUtil.vendor(), Vendor::Ascend);
        assert_eq!(Field::NpuNetworkStatus.vendor(), Vendor::Ascend);
        assert!(Field::ALL.iter().all(|f| !f.names().is_empty()));
    }

    #[test]
    fn mig_util_comes_from_gr_engine() {
        let mut d = DeviceTelemetry::new(
            DeviceKey {
                index: "0".into(),
                mig_instance: Some("13".into()),
            },
            Vendor::Nvidia,
        );
        d.latest.insert(Field::GrEngineActive, (1, 0.5));
        assert_eq!(d.util_pct(), Some((50.0, UtilSource::GrEngineActive)));
        d.latest.insert(Field::FbUsed, (1, 900.0));
        d.latest.insert(Field::FbFree, (1, 100.0));
        assert_eq!(d.fb_used_pct(), Some(90.0));
    }
}
