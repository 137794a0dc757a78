//! Which extended resources are accelerators and in what unit they count: the configurable
//! `ResourceMatcher` (vendor prefixes), the `InventoryConfig` (matcher plus the agent pod name
//! patterns) and `ResourceClass` (whole GPU, shared GPU replica, MIG slice, NPU).

use serde::Deserialize;

use crate::accel::derive::labels::GfdInfo;
use crate::domain::AccelKind;

/// Which extended resources count as accelerators: by prefix, minus sharing side-resources
/// (HAMi's `nvidia.com/gpumem`, `gpucores`, `huawei.com/Ascend910B3-memory` ...).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct ResourceMatcher {
    pub prefixes: Vec<String>,
    pub exclude_suffixes: Vec<String>,
}

impl Default for ResourceMatcher {
    fn default() -> Self {
        ResourceMatcher::from_prefixes(crate::world::objects::ACCEL_PREFIXES.iter().copied())
    }
}

impl ResourceMatcher {
    /// A matcher for the given prefixes, with the default side-resource exclusions.
    pub fn from_prefixes<I, S>(prefixes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ResourceMatcher {
            prefixes: prefixes.into_iter().map(Into::into).collect(),
            exclude_suffixes: ["mem", "memory", "core", "cores", "percentage"]
                .map(String::from)
                .to_vec(),
        }
    }

    pub fn matches(&self, resource: &str) -> bool {
        self.prefixes
            .iter()
            .any(|p| resource.starts_with(p.as_str()))
            && !self
                .exclude_suffixes
                .iter()
                .any(|s| resource.ends_with(s.as_str()))
    }
}

/// What an inventory looks for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct InventoryConfig {
    pub matcher: ResourceMatcher,
    /// Substrings of DaemonSet (or pod) names of device plugins.
    pub plugin_patterns: Vec<String>,
    pub gpu_exporter_patterns: Vec<String>,
    pub npu_exporter_patterns: Vec<String>,
    /// Namespace of `mindx-dl-deviceinfo-<node>`.
    pub deviceinfo_namespace: String,
}

impl Default for InventoryConfig {
    fn default() -> Self {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
        InventoryConfig {
            matcher: ResourceMatcher::default(),
            plugin_patterns: v(&[
                "nvidia-device-plugin",
                "nvidia-gpu-device-plugin",
                "ascend-device-plugin",
            ]),
            gpu_exporter_patterns: v(&["dcgm-exporter"]),
            npu_exporter_patterns: v(&["npu-exporter"]),
            deviceinfo_namespace: "kube-system".to_string(),
        }
    }
}

/// Unit a resource counts in; totals are only summed within one class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceClass {
    /// Whole GPUs.
    Gpu,
    /// Time-slicing / MPS replicas (`nvidia.com/gpu.shared`, or `nvidia.com/gpu` with replicas).
    GpuShared,
    /// MIG slices (`nvidia.com/mig-<profile>`).
    Mig,
    Npu,
}

impl ResourceClass {
    pub fn label(self) -> &'static str {
        match self {
            ResourceClass::Gpu => "gpu",
            ResourceClass::GpuShared => "gpu-shared",
            ResourceClass::Mig => "mig",
            ResourceClass::Npu => "npu",
        }
    }

    pub fn kind(self) -> AccelKind {
        match self {
            ResourceClass::Gpu | ResourceClass::GpuShared => AccelKind::NvidiaGpu,
            ResourceClass::Mig => AccelKind::NvidiaMig,
            ResourceClass::Npu => AccelKind::AscendNpu,
        }
    }
}

/// Class of a resource on a node (the node's GFD facts tell whether `nvidia.com/gpu` is shared).
pub fn classify(resource: &str, gfd: &GfdInfo) -> ResourceClass {
    if resource == "nvidia.com/gpu.shared" {
        ResourceClass::GpuShared
    } else if resource.starts_with("nvidia.com/mig-") {
        ResourceClass::Mig
    } else if resource.starts_with("nvidia.com/") {
        if resource == "nvidia.com/gpu" && gfd.single_mig_profile().is_some() {
            ResourceClass::Mig
        } else if gfd.shared_replicas().is_some() {
            ResourceClass::GpuShared
        } else {
            ResourceClass::Gpu
        }
    } else if resource.starts_with("huawei.com/")
        || resource.starts_with("ascend.ai/")
        || resource.to_ascii_lowercase().contains("npu")
    {
        ResourceClass::Npu
    } else {
        ResourceClass::Gpu
    }
}
