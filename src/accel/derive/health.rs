//! Health flags of an accelerator node: what is wrong, how bad, and the words to say it. Flags
//! come from the node object (readiness, cordon, conditions, allocatable below capacity, MIG
//! reconfiguration state), the device-plugin / exporter pods, the Ascend deviceinfo ConfigMap and
//! (see `telemetry`) the exporters' own series (XID, ECC, throttling, chip health).

use std::fmt;

use crate::accel::derive::inventory::{NodeAccel, ResourceClass};
use crate::accel::derive::labels::{AscendCm, MigReconfig, mig_reconfig};
use crate::domain::AccelKind;
use crate::domain::severity::Severity;

/// One thing wrong with an accelerator node or one of its devices.
#[derive(Debug, Clone, PartialEq)]
pub enum HealthFlag {
    NotReady,
    Cordoned,
    /// A node condition other than Ready that is True (MemoryPressure, ...).
    Condition(String),
    /// No device-plugin pod seen on the node (`which`: the patterns looked for).
    PluginMissing {
        which: String,
    },
    PluginNotRunning {
        pod: String,
        status: String,
    },
    /// No exporter pod seen on the node (dcgm-exporter / npu-exporter).
    ExporterMissing {
        which: String,
    },
    ExporterNotRunning {
        pod: String,
        status: String,
    },
    /// Allocatable below capacity: the plugin marked devices unhealthy.
    DevicesUnhealthy {
        resource: String,
        capacity: f64,
        allocatable: f64,
    },
    /// `nvidia.com/gpu.count` says more GPUs than the plugin advertises.
    DevicesMissing {
        expected: u32,
        advertised: f64,
    },
    /// Pods bound to the node request more than it offers.
    OverAllocated {
        resource: String,
        requested: f64,
        allocatable: f64,
    },
    MigReconfigPending {
        state: String,
    },
    MigReconfigFailed {
        state: String,
    },
    NpuUnhealthy {
        chips: Vec<String>,
    },
    NpuNetworkUnhealthy {
        chips: Vec<String>,
    },
    NpuSeparated {
        chips: Vec<String>,
    },
    NpuDeviceInfoUnreadable(String),
    /// Last XID a GPU reported (DCGM_FI_DEV_XID_ERRORS), non-zero.
    Xid {
        device: String,
        xid: u32,
    },
    EccDbe {
        device: String,
        volatile: f64,
        aggregate: f64,
    },
    Throttling {
        device: String,
        reason: String,
    },
    RowRemapFailure {
        device: String,
    },
    /// npu-exporter `npu_chip_info_health_status` other than 1 (healthy).
    NpuChipUnhealthy {
        chip: String,
        status: f64,
    },
    NpuLinkDown {
        chip: String,
    },
    /// npu-exporter `npu_chip_info_error_code` non-zero: the chip reports an active error code
    /// (`unhealthy`: its `health_status` is not 1 either).
    NpuErrorCode {
        chip: String,
        code: u64,
        unhealthy: bool,
    },
}

/// An NPU error code as `npu-smi` and npu-exporter logs print it: `0x80E18402`.
pub fn npu_error_hex(code: u64) -> String {
    format!("0x{code:08X}")
}

impl HealthFlag {
    pub fn severity(&self) -> Severity {
        use HealthFlag::*;
        match self {
            NotReady | DevicesMissing { .. } | MigReconfigFailed { .. } | NpuUnhealthy { .. } => {
                Severity::Critical
            }
            EccDbe { volatile, .. } if *volatile > 0.0 => Severity::Critical,
            Xid { xid, .. } => {
                crate::accel::derive::xid::lookup(*xid).map_or(Severity::Warning, |i| i.severity)
            }
            RowRemapFailure { .. } | NpuChipUnhealthy { .. } => Severity::Critical,
            NpuErrorCode {
                unhealthy: true, ..
            } => Severity::Critical,
            PluginNotRunning { .. } | DevicesUnhealthy { .. } => Severity::Critical,
            Cordoned | ExporterMissing { .. } | NpuSeparated { .. } => Severity::Info,
            _ => Severity::Warning,
        }
    }

    /// A short stable id (for filters and tests).
    pub fn id(&self) -> &'static str {
        use HealthFlag::*;
        match self {
            NotReady => "node.not_ready",
            Cordoned => "node.cordoned",
            Condition(_) => "node.condition",
            PluginMissing { .. } => "plugin.missing",
            PluginNotRunning { .. } => "plugin.not_running",
            ExporterMissing { .. } => "exporter.missing",
            ExporterNotRunning { .. } => "exporter.not_running",
            DevicesUnhealthy { .. } => "devices.unhealthy",
            DevicesMissing { .. } => "devices.missing",
            OverAllocated { .. } => "devices.over_allocated",
            MigReconfigPending { .. } => "mig.reconfig_pending",
            MigReconfigFailed { .. } => "mig.reconfig_failed",
            NpuUnhealthy { .. } => "npu.unhealthy",
            NpuNetworkUnhealthy { .. } => "npu.network_unhealthy",
            NpuSeparated { .. } => "npu.separated",
            NpuDeviceInfoUnreadable(_) => "npu.deviceinfo_unreadable",
            Xid { .. } => "gpu.xid",
            EccDbe { .. } => "gpu.ecc_dbe",
            Throttling { .. } => "gpu.throttling",
            RowRemapFailure { .. } => "gpu.row_remap_failure",
            NpuChipUnhealthy { .. } => "npu.chip_unhealthy",
            NpuLinkDown { .. } => "npu.link_down",
            NpuErrorCode { .. } => "npu.error_code",
        }
    }
}

fn chips(f: &mut fmt::Formatter<'_>, what: &str, list: &[String]) -> fmt::Result {
    write!(f, "{} {what}: {}", list.len(), list.join(", "))
}

impl fmt::Display for HealthFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use HealthFlag::*;
        match self {
            NotReady => write!(f, "node NotReady"),
            Cordoned => write!(f, "node cordoned (unschedulable)"),
            Condition(c) => write!(f, "node condition {c}"),
            PluginMissing { which } => write!(f, "no device-plugin pod on node ({which})"),
            PluginNotRunning { pod, status } => write!(f, "device plugin {pod} is {status}"),
            ExporterMissing { which } => write!(f, "no exporter pod on node ({which})"),
            ExporterNotRunning { pod, status } => write!(f, "exporter {pod} is {status}"),
            DevicesUnhealthy {
                resource,
                capacity,
                allocatable,
            } => write!(
                f,
                "{resource}: allocatable {allocatable} < capacity {capacity} ({} marked unhealthy)",
                capacity - allocatable
            ),
            DevicesMissing {
                expected,
                advertised,
            } => write!(
                f,
                "gpu.count label says {expected} GPUs, plugin advertises {advertised}"
            ),
            OverAllocated {
                resource,
                requested,
                allocatable,
            } => write!(
                f,
                "{resource}: pods request {requested} but node offers {allocatable}"
            ),
            MigReconfigPending { state } => write!(f, "MIG reconfiguration {state}"),
            MigReconfigFailed { state } => write!(f, "MIG reconfiguration {state}"),
            NpuUnhealthy { chips: c } => chips(f, "NPU chips unhealthy", c),
            NpuNetworkUnhealthy { chips: c } => chips(f, "NPU chips network-unhealthy", c),
            NpuSeparated { chips: c } => chips(f, "NPU chips separated by hand", c),
            NpuDeviceInfoUnreadable(why) => write!(f, "deviceinfo ConfigMap unreadable: {why}"),
            Xid { device, xid } => {
                let name =
                    crate::accel::derive::xid::lookup(*xid).map_or("unlisted XID", |i| i.name);
                write!(f, "{device}: XID {xid} ({name})")
            }
            EccDbe {
                device,
                volatile,
                aggregate,
            } => write!(
                f,
                "{device}: double-bit ECC errors (volatile {volatile}, aggregate {aggregate})"
            ),
            Throttling { device, reason } => write!(f, "{device}: clocks throttled ({reason})"),
            RowRemapFailure { device } => write!(f, "{device}: row remapping failed"),
            NpuChipUnhealthy { chip, status } => {
                write!(f, "NPU {chip}: health_status {status} (1 = healthy)")
            }
            NpuLinkDown { chip } => write!(f, "NPU {chip}: link DOWN"),
            NpuErrorCode { chip, code, .. } => write!(
                f,
                "NPU {chip}: error code {} (npu_chip_info_error_code)",
                npu_error_hex(*code)
            ),
        }
    }
}

/// Flags that follow from the node object, its agent pods and the Ascend ConfigMap (telemetry
/// adds its own in `telemetry_join`).
pub fn static_flags(n: &mut NodeAccel) {
    let mut flags = Vec::new();
    if !n.ready {
        flags.push(HealthFlag::NotReady);
    }
    if n.cordoned {
        flags.push(HealthFlag::Cordoned);
    }
    flags.extend(n.conditions.iter().cloned().map(HealthFlag::Condition));
    crate::accel::derive::inventory_pods::daemon_flags(n, &mut flags);
    for l in &n.resources {
        if l.capacity > l.allocatable {
            flags.push(HealthFlag::DevicesUnhealthy {
                resource: l.resource.clone(),
                capacity: l.capacity,
                allocatable: l.allocatable,
            });
        }
        if l.requested > l.allocatable {
            flags.push(HealthFlag::OverAllocated {
                resource: l.resource.clone(),
                requested: l.requested,
                allocatable: l.allocatable,
            });
        }
    }
    if n.kind == AccelKind::NvidiaGpu
        && let (Some(expected), Some(physical)) = (n.gfd.count, n.physical_devices)
    {
        let advertised = match n.gfd.shared_replicas() {
            Some(r) => {
                n.resources
                    .iter()
                    .filter(|l| l.class == ResourceClass::GpuShared)
                    .map(|l| l.capacity)
                    .sum::<f64>()
                    / f64::from(r)
            }
            None => n.line("nvidia.com/gpu").map_or(physical, |l| l.capacity),
        };
        if advertised < f64::from(expected) {
            flags.push(HealthFlag::DevicesMissing {
                expected,
                advertised,
            });
        }
    }
    let state = n.gfd.mig_config_state.clone().unwrap_or_default();
    match mig_reconfig(n.gfd.mig_config_state.as_deref()) {
        MigReconfig::Done => {}
        MigReconfig::Pending => flags.push(HealthFlag::MigReconfigPending { state }),
        MigReconfig::Failed => flags.push(HealthFlag::MigReconfigFailed { state }),
    }
    if let Some(a) = &n.ascend {
        match &a.device_info {
            AscendCm::Found(d) => {
                if !d.unhealthy.is_empty() {
                    flags.push(HealthFlag::NpuUnhealthy {
                        chips: d.unhealthy.clone(),
                    });
                }
                if !d.network_unhealthy.is_empty() {
                    flags.push(HealthFlag::NpuNetworkUnhealthy {
                        chips: d.network_unhealthy.clone(),
                    });
                }
                if !d.manually_separated.is_empty() {
                    flags.push(HealthFlag::NpuSeparated {
                        chips: d.manually_separated.clone(),
                    });
                }
            }
            AscendCm::Unreadable(why) => {
                flags.push(HealthFlag::NpuDeviceInfoUnreadable(why.clone()))
            }
            AscendCm::Missing => {}
        }
    }
    n.flags = flags;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_and_text() {
        let f = HealthFlag::DevicesUnhealthy {
            resource: "nvidia.com/gpu".into(),
            capacity: 8.0,
            allocatable: 7.0,
        };
        assert_eq!(f.severity(), Severity::Critical);
        assert!(f.to_string().contains("1 marked unhealthy"), "{f}");
        let x = HealthFlag::Xid {
            device: "gpu0".into(),
            xid: 79,
        };
        assert_eq!(x.severity(), Severity::Critical);
        assert!(x.to_string().contains("fallen off the bus"), "{x}");
        assert_eq!(HealthFlag::Cordoned.severity(), Severity::Info);
    }

    #[test]
    fn npu_error_code_is_hex_and_critical_only_with_an_unhealthy_chip() {
        let mut f = HealthFlag::NpuErrorCode {
            chip: "npu5".into(),
            code: 0x80E1_8402,
            unhealthy: false,
        };
        assert_eq!(f.severity(), Severity::Warning);
        assert_eq!(
            f.to_string(),
            "NPU npu5: error code 0x80E18402 (npu_chip_info_error_code)"
        );
        assert_eq!(npu_error_hex(0x2A), "0x0000002A");
        if let HealthFlag::NpuErrorCode { unhealthy, .. } = &mut f {
            *unhealthy = true;
        }
        assert_eq!(f.severity(), Severity::Critical);
    }
}
