//! NVML snapshots as device series. Each reading of a local GPU (or MIG instance) becomes a
//! sample under the name dcgm-exporter gives the same field, with dcgm-exporter's labels
//! (`Hostname`, `gpu`, `UUID`, `modelName`, `pci_bus_id`, and `GPU_I_ID` / `GPU_I_PROFILE` for a
//! MIG instance) plus `source="nvml"`. The telemetry join, the sparklines, the thresholds and
//! the health flags then treat this machine's GPUs exactly like scraped ones.
//!
//! What NVML does not give is left absent rather than zero: a MIG instance has no utilisation
//! (NVML, like DCGM's `GPU_UTIL`, reports none for MIG), so its util note explains the gap. A
//! snapshot without a host name (recorded before snapshots carried one) names no node and is
//! not turned into series.

use std::collections::BTreeMap;

use crate::contract::event::{NvmlDevice, NvmlSnapshot};
use crate::domain::Millis;
use crate::world::metrics::MetricStore;

/// The label that marks series read through NVML on this machine.
pub const SOURCE_LABEL: &str = "source";
/// Its value.
pub const SOURCE_VALUE: &str = "nvml";

/// dcgm-exporter's `modelName` for a device: a MIG instance's name is its parent's model with
/// ` MIG <profile>` appended.
fn model(d: &NvmlDevice) -> &str {
    match d.parent_uuid {
        Some(_) => d.name.split_once(" MIG ").map_or(&d.name, |(m, _)| m),
        None => &d.name,
    }
}

fn labels(host: &str, d: &NvmlDevice, instance: Option<u32>) -> BTreeMap<String, String> {
    let mut l = BTreeMap::new();
    let mut put = |k: &str, v: &str| {
        if !v.is_empty() {
            l.insert(k.to_string(), v.to_string());
        }
    };
    put("Hostname", host);
    put("gpu", &d.index.to_string());
    // dcgm-exporter labels a MIG instance with its parent GPU's UUID
    put("UUID", d.parent_uuid.as_deref().unwrap_or(&d.uuid));
    put("modelName", model(d));
    put("pci_bus_id", &d.pci_bus_id);
    put(SOURCE_LABEL, SOURCE_VALUE);
    if let Some(i) = instance {
        put("GPU_I_ID", &i.to_string());
        put(
            "GPU_I_PROFILE",
            d.mig_profile.as_deref().unwrap_or_default(),
        );
    }
    l
}

/// The readings of one device as (dcgm-exporter field name, value); absent readings are left out.
pub fn readings(d: &NvmlDevice) -> Vec<(&'static str, f64)> {
    let mig = d.parent_uuid.is_some();
    let free = match (d.fb_used_mib, d.fb_total_mib) {
        (Some(u), Some(t)) => Some((t - u).max(0.0)),
        _ => None,
    };
    let count = |v: Option<u64>| v.map(|n| n as f64);
    [
        // NVML reports no utilisation for a MIG instance; never stand in a zero for it
        ("DCGM_FI_DEV_GPU_UTIL", d.gpu_util.filter(|_| !mig)),
        ("DCGM_FI_DEV_FB_USED", d.fb_used_mib),
        ("DCGM_FI_DEV_FB_FREE", free),
        ("DCGM_FI_DEV_GPU_TEMP", d.temp_c),
        ("DCGM_FI_DEV_POWER_USAGE", d.power_w),
        ("DCGM_FI_DEV_SM_CLOCK", d.sm_clock_mhz),
        ("DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", count(d.ecc_sbe_volatile)),
        ("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", count(d.ecc_dbe_volatile)),
        // NVML's clocks-event (throttle) reason bits are the ones DCGM exports
        (
            "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS",
            count(d.throttle_reasons),
        ),
    ]
    .into_iter()
    .filter_map(|(name, v)| Some((name, v?)))
    .collect()
}

/// Every sample of a snapshot as (name, labels, value). Empty when the snapshot names no host.
pub fn samples(s: &NvmlSnapshot) -> Vec<(&'static str, BTreeMap<String, String>, f64)> {
    let host = s.hostname.trim();
    if host.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    // per parent GPU, how many MIG instances were listed so far (for instances without an index)
    let mut seen: BTreeMap<u32, u32> = BTreeMap::new();
    for d in &s.devices {
        let instance = d.parent_uuid.as_ref().map(|_| {
            let n = seen.entry(d.index).or_default();
            let i = d.mig_index.unwrap_or(*n);
            *n += 1;
            i
        });
        let l = labels(host, d, instance);
        for (name, v) in readings(d) {
            out.push((name, l.clone(), v));
        }
    }
    out
}

/// Append a snapshot's readings, taken at `at_ms`, to the metric store.
pub fn feed(store: &mut MetricStore, s: &NvmlSnapshot, at_ms: Millis) {
    for (name, labels, v) in samples(s) {
        store.push(name, &labels, at_ms, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpu() -> NvmlDevice {
        NvmlDevice {
            index: 0,
            name: "NVIDIA H100 80GB HBM3".into(),
            uuid: "GPU-9bec4383-bb05-efe5-af54-59229ff98fdc".into(),
            gpu_util: Some(99.0),
            fb_used_mib: Some(1618.0),
            fb_total_mib: Some(81559.0),
            throttle_reasons: Some(4),
            mig_mode: Some(false),
            ..NvmlDevice::default()
        }
    }

    #[test]
    fn readings_use_dcgm_names_and_leave_gaps() {
        let r = readings(&gpu());
        let get = |n: &str| r.iter().find(|(k, _)| *k == n).map(|(_, v)| *v);
        assert_eq!(get("DCGM_FI_DEV_GPU_UTIL"), Some(99.0));
        assert_eq!(get("DCGM_FI_DEV_FB_FREE"), Some(81559.0 - 1618.0));
        assert_eq!(get("DCGM_FI_DEV_CLOCK_THROTTLE_REASONS"), Some(4.0));
        assert_eq!(get("DCGM_FI_DEV_GPU_TEMP"), None, "no temperature read");
        let mig = NvmlDevice {
            parent_uuid: Some("GPU-p".into()),
            gpu_util: Some(0.0),
            ..gpu()
        };
        assert!(
            readings(&mig)
                .iter()
                .all(|(k, _)| *k != "DCGM_FI_DEV_GPU_UTIL")
        );
    }

    #[test]
    fn mig_instances_carry_instance_and_profile_labels() {
        let parent = NvmlDevice {
            mig_mode: Some(true),
            ..gpu()
        };
        let inst = |k: u32, p: &str| NvmlDevice {
            name: format!("NVIDIA H100 80GB HBM3 MIG {p}"),
            uuid: format!("MIG-{k}"),
            parent_uuid: Some(parent.uuid.clone()),
            mig_profile: Some(p.into()),
            mig_index: Some(k),
            ..gpu()
        };
        let s = NvmlSnapshot {
            hostname: "vm".into(),
            devices: vec![parent.clone(), inst(0, "3g.40gb"), inst(1, "4g.40gb")],
            ..NvmlSnapshot::default()
        };
        let all = samples(&s);
        let fb: Vec<_> = all
            .iter()
            .filter(|(n, _, _)| *n == "DCGM_FI_DEV_FB_USED")
            .map(|(_, l, _)| l)
            .collect();
        assert_eq!(fb.len(), 3);
        assert_eq!(fb[0].get("GPU_I_ID"), None);
        assert_eq!(
            fb[1].get("GPU_I_PROFILE").map(String::as_str),
            Some("3g.40gb")
        );
        assert_eq!(fb[2].get("GPU_I_ID").map(String::as_str), Some("1"));
        assert_eq!(fb[2].get("UUID"), Some(&parent.uuid));
        assert_eq!(
            fb[2].get("modelName").map(String::as_str),
            Some("NVIDIA H100 80GB HBM3")
        );
        assert!(
            fb.iter()
                .all(|l| l.get("source").map(String::as_str) == Some("nvml"))
        );
        let nameless = NvmlSnapshot {
            hostname: String::new(),
            ..s
        };
        assert!(samples(&nameless).is_empty());
    }
}
