//! Accelerator facts read from node labels and from the Ascend device plugin's per-node ConfigMap:
//! GPU-feature-discovery / GPU-operator labels (`nvidia.com/*`), Ascend labels (`accelerator`,
//! `node.kubernetes.io/npu.chip.name`) and `kube-system/mindx-dl-deviceinfo-<node>`, whose
//! `DeviceInfoCfg` JSON lists healthy, unhealthy and network-unhealthy chips.

use std::collections::BTreeMap;

use serde_json::Value;

/// What GPU-feature-discovery and the GPU operator say about a node.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GfdInfo {
    pub product: Option<String>,
    /// `nvidia.com/gpu.memory`, MiB per GPU.
    pub memory_mib: Option<u64>,
    /// `nvidia.com/gpu.count`: physical GPUs (not updated under MIG, k8s-device-plugin#1501).
    pub count: Option<u32>,
    pub family: Option<String>,
    pub mig_capable: Option<bool>,
    /// `single` or `mixed`.
    pub mig_strategy: Option<String>,
    /// e.g. `all-1g.10gb`, `all-balanced`, `all-disabled`.
    pub mig_config: Option<String>,
    /// `success`, `pending`, `rebooting`, `failed`.
    pub mig_config_state: Option<String>,
    /// Profile (`1g.10gb`) -> `nvidia.com/mig-<profile>.count`.
    pub mig_profiles: BTreeMap<String, u32>,
    /// `nvidia.com/cuda.driver-version.full`, else major.minor.revision (or the deprecated names).
    pub driver_version: Option<String>,
    pub cuda_runtime: Option<String>,
    /// `none`, `mps`, `time-slicing`.
    pub sharing_strategy: Option<String>,
    /// `nvidia.com/gpu.replicas`: shares per GPU under time-slicing / MPS.
    pub replicas: Option<u32>,
}

impl GfdInfo {
    /// Whether any GFD / GPU-operator label was found.
    pub fn is_empty(&self) -> bool {
        *self == GfdInfo::default()
    }

    /// Under the `single` MIG strategy `nvidia.com/gpu` counts MIG slices and GFD appends the
    /// profile to the product (`A100-SXM4-40GB-MIG-1g.5gb`): that profile, else `None`.
    pub fn single_mig_profile(&self) -> Option<&str> {
        if self.mig_strategy.as_deref() != Some("single") {
            return None;
        }
        let product = self.product.as_deref()?;
        product.rsplit_once("-MIG-").map(|(_, p)| p)
    }

    /// Replicas per physical GPU when sharing is on (> 1), else `None`.
    pub fn shared_replicas(&self) -> Option<u32> {
        self.replicas.filter(|r| *r > 1)
    }
}

fn label<'a>(labels: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    labels
        .get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

fn owned(labels: &BTreeMap<String, String>, key: &str) -> Option<String> {
    label(labels, key).map(str::to_string)
}

fn version3(labels: &BTreeMap<String, String>, prefix: &str, rev: &str) -> Option<String> {
    let major = label(labels, &format!("{prefix}.major"))?;
    let minor = label(labels, &format!("{prefix}.minor"));
    let revision = label(labels, &format!("{prefix}.{rev}"));
    Some(match (minor, revision) {
        (Some(mi), Some(r)) => format!("{major}.{mi}.{r}"),
        (Some(mi), None) => format!("{major}.{mi}"),
        _ => major.to_string(),
    })
}

/// Read the GFD / GPU-operator labels of a node.
pub fn gfd_info(labels: &BTreeMap<String, String>) -> GfdInfo {
    let mut mig_profiles = BTreeMap::new();
    for (k, v) in labels.range("nvidia.com/mig-".to_string()..) {
        let Some(rest) = k.strip_prefix("nvidia.com/mig-") else {
            break;
        };
        if let Some(profile) = rest.strip_suffix(".count")
            && let Ok(n) = v.trim().parse::<u32>()
        {
            mig_profiles.insert(profile.to_string(), n);
        }
    }
    GfdInfo {
        product: owned(labels, "nvidia.com/gpu.product"),
        memory_mib: label(labels, "nvidia.com/gpu.memory").and_then(|v| v.parse().ok()),
        count: label(labels, "nvidia.com/gpu.count").and_then(|v| v.parse().ok()),
        family: owned(labels, "nvidia.com/gpu.family"),
        mig_capable: label(labels, "nvidia.com/mig.capable").map(|v| v == "true"),
        mig_strategy: owned(labels, "nvidia.com/mig.strategy"),
        mig_config: owned(labels, "nvidia.com/mig.config"),
        mig_config_state: owned(labels, "nvidia.com/mig.config.state"),
        mig_profiles,
        driver_version: owned(labels, "nvidia.com/cuda.driver-version.full")
            .or_else(|| version3(labels, "nvidia.com/cuda.driver-version", "revision"))
            .or_else(|| version3(labels, "nvidia.com/cuda.driver", "rev")),
        cuda_runtime: owned(labels, "nvidia.com/cuda.runtime-version.full")
            .or_else(|| version3(labels, "nvidia.com/cuda.runtime-version", "revision"))
            .or_else(|| version3(labels, "nvidia.com/cuda.runtime", "rev")),
        sharing_strategy: owned(labels, "nvidia.com/gpu.sharing-strategy"),
        replicas: label(labels, "nvidia.com/gpu.replicas").and_then(|v| v.parse().ok()),
    }
}

/// Whether the MIG manager's reconfiguration is in a bad or unfinished state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigReconfig {
    Done,
    Pending,
    Failed,
}

/// Classify `nvidia.com/mig.config.state`.
pub fn mig_reconfig(state: Option<&str>) -> MigReconfig {
    match state.map(str::to_ascii_lowercase).as_deref() {
        None | Some("success") | Some("") => MigReconfig::Done,
        Some("failed") | Some("failure") | Some("error") => MigReconfig::Failed,
        Some(_) => MigReconfig::Pending,
    }
}

/// The device plugin's view of a node's Ascend chips, from `mindx-dl-deviceinfo-<node>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AscendDeviceInfo {
    /// Chips the plugin lists as present, per resource (`huawei.com/Ascend910` -> chip names).
    pub devices: BTreeMap<String, Vec<String>>,
    /// Chips listed under `<resource>-Unhealthy`.
    pub unhealthy: Vec<String>,
    /// Chips listed under `<resource>-NetworkUnhealthy`.
    pub network_unhealthy: Vec<String>,
    /// Chips an operator separated by hand (`ManuallySeparateNPU`).
    pub manually_separated: Vec<String>,
    /// `UpdateTime`, seconds since the epoch, when present.
    pub update_time_s: Option<i64>,
}

/// State of the ConfigMap lookup: never a silent empty list.
#[derive(Debug, Clone, PartialEq)]
pub enum AscendCm {
    Missing,
    Unreadable(String),
    Found(AscendDeviceInfo),
}

/// Ascend facts of a node.
#[derive(Debug, Clone, PartialEq)]
pub struct AscendInfo {
    /// `accelerator` label, e.g. `huawei-Ascend910`.
    pub accelerator: Option<String>,
    pub accelerator_type: Option<String>,
    /// `node.kubernetes.io/npu.chip.name`.
    pub chip_name: Option<String>,
    pub device_info: AscendCm,
}

/// Name of the device plugin's ConfigMap for a node (namespace `kube-system`).
pub fn deviceinfo_cm_name(node: &str) -> String {
    format!("mindx-dl-deviceinfo-{node}")
}

fn chip_list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => {
            let t = s.trim();
            if t.starts_with('[') {
                serde_json::from_str::<Value>(t)
                    .map(|inner| chip_list(&inner))
                    .unwrap_or_default()
            } else {
                t.split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect()
            }
        }
        Value::Array(items) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o
                    .get("npu_name")
                    .or_else(|| o.get("NPUName"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn fold_device_list(info: &mut AscendDeviceInfo, list: &serde_json::Map<String, Value>) {
    for (k, v) in list {
        if k.ends_with("-NetworkUnhealthy") {
            info.network_unhealthy.extend(chip_list(v));
        } else if k.ends_with("-Unhealthy") {
            info.unhealthy.extend(chip_list(v));
        } else if k.ends_with("-Fault") || k.ends_with("Recover") {
            // Fault detail lists and recovery markers carry codes, not membership.
        } else if k.contains('/') {
            info.devices.insert(k.clone(), chip_list(v));
        }
    }
}

/// Parse a raw `mindx-dl-deviceinfo-<node>` ConfigMap. Accepts the real shape (`data.DeviceInfoCfg`
/// holding `{"DeviceInfo":{"DeviceList":{...},"UpdateTime":N},"CheckCode":...}`) and the flat
/// shape where the `<resource>-Unhealthy` keys sit directly under `data`.
pub fn parse_deviceinfo_cm(cm: &Value) -> AscendCm {
    let Some(data) = cm.get("data").and_then(Value::as_object) else {
        return AscendCm::Unreadable("ConfigMap has no data".to_string());
    };
    let mut info = AscendDeviceInfo::default();
    if let Some(cfg) = data.get("DeviceInfoCfg") {
        let parsed: Value = match cfg {
            Value::String(s) => match serde_json::from_str(s) {
                Ok(v) => v,
                Err(e) => return AscendCm::Unreadable(format!("DeviceInfoCfg is not JSON: {e}")),
            },
            other => other.clone(),
        };
        let Some(list) = parsed
            .pointer("/DeviceInfo/DeviceList")
            .and_then(Value::as_object)
        else {
            return AscendCm::Unreadable("DeviceInfoCfg has no DeviceInfo.DeviceList".to_string());
        };
        fold_device_list(&mut info, list);
        info.update_time_s = parsed
            .pointer("/DeviceInfo/UpdateTime")
            .and_then(Value::as_i64);
    } else {
        fold_device_list(&mut info, data);
    }
    if let Some(v) = data.get("ManuallySeparateNPU") {
        info.manually_separated = chip_list(v);
    }
    for list in [
        &mut info.unhealthy,
        &mut info.network_unhealthy,
        &mut info.manually_separated,
    ] {
        list.sort();
        list.dedup();
    }
    AscendCm::Found(info)
}

/// Ascend facts of a node, given its labels and (if any) its raw deviceinfo ConfigMap.
pub fn ascend_info(labels: &BTreeMap<String, String>, cm: Option<&Value>) -> AscendInfo {
    AscendInfo {
        accelerator: owned(labels, "accelerator"),
        accelerator_type: owned(labels, "accelerator-type"),
        chip_name: owned(labels, "node.kubernetes.io/npu.chip.name"),
        device_info: cm.map_or(AscendCm::Missing, parse_deviceinfo_cm),
    }
}

/// Whether an `accelerator` label names an Ascend part (`huawei-Ascend910`); GKE-style
/// `accelerator=nvidia-tesla-t4` labels do not count.
pub fn is_ascend_label(labels: &BTreeMap<String, String>) -> bool {
    labels
        .get("accelerator")
        .is_some_and(|a| a.to_ascii_lowercase().contains("ascend"))
        || labels.contains_key("node.kubernetes.io/npu.chip.name")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_real_deviceinfo_shape() {
        let cm = json!({"data": {
            "DeviceInfoCfg": "{\"DeviceInfo\":{\"DeviceList\":{\"huawei.com/Ascend910\":\"Ascend910-1,Ascend910-2\",\"huawei.com/Ascend910-Fault\":\"[]\",\"huawei.com/Ascend910-NetworkUnhealthy\":\"Ascend910-5\",\"huawei.com/Ascend910-Unhealthy\":\"Ascend910-3,Ascend910-0\"},\"UpdateTime\":1718702470},\"CheckCode\":\"x\"}",
            "ManuallySeparateNPU": "Ascend910-7"
        }});
        let AscendCm::Found(info) = parse_deviceinfo_cm(&cm) else {
            panic!("expected Found");
        };
        assert_eq!(info.unhealthy, vec!["Ascend910-0", "Ascend910-3"]);
        assert_eq!(info.network_unhealthy, vec!["Ascend910-5"]);
        assert_eq!(info.manually_separated, vec!["Ascend910-7"]);
        assert_eq!(info.devices["huawei.com/Ascend910"].len(), 2);
        assert_eq!(info.update_time_s, Some(1718702470));
    }

    #[test]
    fn bad_deviceinfo_is_unreadable_not_empty() {
        let cm = json!({"data": {"DeviceInfoCfg": "{not json"}});
        assert!(matches!(parse_deviceinfo_cm(&cm), AscendCm::Unreadable(_)));
        assert!(matches!(
            parse_deviceinfo_cm(&json!({})),
            AscendCm::Unreadable(_)
        ));
    }

    #[test]
    fn mig_state_classes() {
        assert_eq!(mig_reconfig(Some("success")), MigReconfig::Done);
        assert_eq!(mig_reconfig(Some("pending")), MigReconfig::Pending);
        assert_eq!(mig_reconfig(Some("rebooting")), MigReconfig::Pending);
        assert_eq!(mig_reconfig(Some("failed")), MigReconfig::Failed);
        assert_eq!(mig_reconfig(None), MigReconfig::Done);
    }
}
