//! The per-node agent pods an accelerator node depends on: the device plugin (which advertises
//! devices to the kubelet) and the exporter (dcgm-exporter / npu-exporter, which feeds telemetry).
//! Found among the pods bound to the node by DaemonSet owner name, else by pod name.

use crate::accel::derive::health::HealthFlag;
use crate::accel::derive::inventory::{InventoryConfig, NodeAccel};
use crate::domain::{AccelKind, PodInfo};

/// A pod finished for good (it no longer holds devices).
pub fn is_terminated(p: &PodInfo) -> bool {
    matches!(p.phase.as_str(), "Succeeded" | "Failed")
}

/// An agent pod found on the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonPod {
    pub namespace: String,
    pub name: String,
    /// kubectl-style status (Running, CrashLoopBackOff ...).
    pub status: String,
    pub ready: String,
}

/// Whether the node's agent of one role is there and running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DaemonState {
    /// Running and all containers ready.
    Running(DaemonPod),
    NotRunning(DaemonPod),
    /// No pod matching the patterns on this node.
    Missing {
        looked_for: String,
    },
    /// The node kind does not need one (e.g. no accelerator resources at all).
    NotApplicable,
}

impl DaemonState {
    pub fn is_running(&self) -> bool {
        matches!(self, DaemonState::Running(_))
    }
}

fn matches_any(p: &PodInfo, patterns: &[String]) -> bool {
    let owner = p
        .owner
        .as_ref()
        .filter(|(k, _)| k == "DaemonSet")
        .map(|(_, n)| n.as_str());
    patterns
        .iter()
        .any(|pat| owner.is_some_and(|o| o.contains(pat.as_str())) || p.name.contains(pat.as_str()))
}

fn find(pods: &[&PodInfo], patterns: &[String]) -> DaemonState {
    let mut best: Option<DaemonState> = None;
    for p in pods.iter().filter(|p| matches_any(p, patterns)) {
        let dp = DaemonPod {
            namespace: p.namespace.clone(),
            name: p.name.clone(),
            status: p.status.clone(),
            ready: format!("{}/{}", p.ready_containers, p.total_containers),
        };
        let ok = p.phase == "Running"
            && p.status == "Running"
            && p.total_containers > 0
            && p.ready_containers == p.total_containers;
        if ok {
            return DaemonState::Running(dp);
        }
        best.get_or_insert(DaemonState::NotRunning(dp));
    }
    best.unwrap_or_else(|| DaemonState::Missing {
        looked_for: patterns.join(" | "),
    })
}

/// The node's device plugin and exporter.
pub fn daemons(
    pods: &[&PodInfo],
    kind: AccelKind,
    cfg: &InventoryConfig,
) -> (DaemonState, DaemonState) {
    let (plugin_pats, exporter_pats): (Vec<String>, &[String]) = match kind {
        AccelKind::None => return (DaemonState::NotApplicable, DaemonState::NotApplicable),
        AccelKind::AscendNpu => (
            cfg.plugin_patterns
                .iter()
                .filter(|p| !p.contains("nvidia"))
                .cloned()
                .collect(),
            &cfg.npu_exporter_patterns,
        ),
        AccelKind::NvidiaGpu | AccelKind::NvidiaMig => (
            cfg.plugin_patterns
                .iter()
                .filter(|p| !p.contains("ascend"))
                .cloned()
                .collect(),
            &cfg.gpu_exporter_patterns,
        ),
    };
    (find(pods, &plugin_pats), find(pods, exporter_pats))
}

/// Flags for a missing or failing device plugin / exporter.
pub fn daemon_flags(n: &NodeAccel, flags: &mut Vec<HealthFlag>) {
    match &n.device_plugin {
        DaemonState::Missing { looked_for } => flags.push(HealthFlag::PluginMissing {
            which: looked_for.clone(),
        }),
        DaemonState::NotRunning(p) => flags.push(HealthFlag::PluginNotRunning {
            pod: format!("{}/{}", p.namespace, p.name),
            status: format!("{} ({} ready)", p.status, p.ready),
        }),
        _ => {}
    }
    match &n.exporter {
        DaemonState::Missing { looked_for } => flags.push(HealthFlag::ExporterMissing {
            which: looked_for.clone(),
        }),
        DaemonState::NotRunning(p) => flags.push(HealthFlag::ExporterNotRunning {
            pod: format!("{}/{}", p.namespace, p.name),
            status: format!("{} ({} ready)", p.status, p.ready),
        }),
        _ => {}
    }
}
