//! This machine as an inventory node: when NVML has described the local GPUs (`world.nvml`) and
//! no Kubernetes node is this host, the inventory gets one node named after the host, with the
//! kind and product NVML reports and no Kubernetes resources at all — nothing is allocated
//! through a device plugin here, so no allocation is shown and no plugin or exporter is
//! expected. Its device series come from `nvml_samples` (labelled with the host name) and join
//! like any exporter's. When the host is a Kubernetes node, that node gets the series instead.

use crate::accel::derive::inventory::{DaemonState, NodeAccel};
use crate::accel::derive::labels::GfdInfo;
use crate::accel::derive::telemetry::Telemetry;
use crate::contract::event::{HealthState, NvmlSnapshot};
use crate::domain::{AccelKind, NodeInfo};
use crate::world::World;

/// The MIG layout note of this machine's GPUs.
pub const MIG_NOTE: &str = "read through NVML on this machine: instances numbered by NVML's MIG \
     device index; which process uses a slice is not read";

/// The source-health name NVML reports under (`sources::nvml::SOURCE`).
pub const HEALTH_SOURCE: &str = "nvml";

fn short(host: &str) -> &str {
    host.split('.').next().unwrap_or(host)
}

/// Whether some Kubernetes node is `host` (by name or `kubernetes.io/hostname`, in full or as
/// the first label of a dotted name, as the telemetry join matches hosts).
pub fn is_cluster_node(world: &World, host: &str) -> bool {
    let names = [host, short(host)];
    world.nodes.values().any(|n| {
        names.contains(&n.name.as_str())
            || n.labels
                .get("kubernetes.io/hostname")
                .is_some_and(|h| names.contains(&h.as_str()))
    })
}

/// The snapshot that makes a local node, and its host: NVML has spoken, named its host, and the
/// host is not a Kubernetes node.
pub fn local_snapshot(world: &World) -> Option<(&str, &NvmlSnapshot)> {
    let s = world.nvml.as_ref()?;
    let host = s.hostname.trim();
    (!host.is_empty() && !is_cluster_node(world, host)).then_some((host, s))
}

/// Whether `name` is the local node (a node from NVML, not from Kubernetes).
pub fn is_local(world: &World, name: &str) -> bool {
    local_snapshot(world).is_some_and(|(h, _)| h == name)
}

/// The local node of a snapshot, without telemetry (the join adds it).
pub fn local_node(host: &str, s: &NvmlSnapshot) -> NodeAccel {
    let physical: Vec<_> = s
        .devices
        .iter()
        .filter(|d| d.parent_uuid.is_none())
        .collect();
    let kind = if s.devices.iter().any(|d| d.mig_mode == Some(true)) {
        AccelKind::NvidiaMig
    } else {
        AccelKind::NvidiaGpu
    };
    let product = physical
        .iter()
        .map(|d| d.name.as_str())
        .find(|n| !n.is_empty() && !n.starts_with("unavailable"))
        .map(str::to_string);
    NodeAccel {
        name: host.to_string(),
        kind,
        product,
        ready: true,
        cordoned: false,
        accel_taints: Vec::new(),
        conditions: Vec::new(),
        resources: Vec::new(),
        gfd: GfdInfo::default(),
        ascend: None,
        physical_devices: Some(physical.len() as f64),
        device_plugin: DaemonState::NotApplicable,
        exporter: DaemonState::NotApplicable,
        pods: Vec::new(),
        flags: Vec::new(),
        telemetry: Telemetry::Missing("no readings from NVML yet".to_string()),
    }
}

/// Add the local node to `nodes` (kept sorted by name) when there is one.
pub fn add(world: &World, nodes: &mut Vec<NodeAccel>) {
    let Some((host, s)) = local_snapshot(world) else {
        return;
    };
    if nodes.iter().any(|n| n.name == host) {
        return;
    }
    let at = nodes.partition_point(|n| n.name.as_str() < host);
    nodes.insert(at, local_node(host, s));
}

/// A node record for the local node's table row (it has no Kubernetes object).
pub fn node_info(n: &NodeAccel) -> NodeInfo {
    NodeInfo {
        name: n.name.clone(),
        ready: n.ready,
        accel_kind: n.kind,
        accel_product: n.product.clone(),
        ..NodeInfo::default()
    }
}

/// Why NVML gave nothing, when that is known: the message of its `Unavailable` health.
pub fn nvml_unavailable(world: &World) -> Option<&str> {
    world
        .health
        .get(HEALTH_SOURCE)
        .filter(|h| h.state == HealthState::Unavailable)
        .map(|h| h.message.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::event::NvmlDevice;

    fn snap(host: &str) -> NvmlSnapshot {
        NvmlSnapshot {
            hostname: host.into(),
            devices: vec![NvmlDevice {
                name: "NVIDIA H100 80GB HBM3".into(),
                uuid: "GPU-1".into(),
                mig_mode: Some(false),
                ..NvmlDevice::default()
            }],
            ..NvmlSnapshot::default()
        }
    }

    #[test]
    fn a_local_node_only_for_a_named_host_outside_the_cluster() {
        let mut w = World::default();
        assert!(local_snapshot(&w).is_none());
        w.nvml = Some(snap(""));
        assert!(local_snapshot(&w).is_none(), "no host name, no node");
        w.nvml = Some(snap("gpu-box.lab"));
        assert_eq!(local_snapshot(&w).map(|(h, _)| h), Some("gpu-box.lab"));
        let mut nodes = Vec::new();
        add(&w, &mut nodes);
        assert_eq!(nodes.len(), 1);
        assert_eq!(nodes[0].kind, AccelKind::NvidiaGpu);
        assert_eq!(nodes[0].physical_devices, Some(1.0));
        assert!(nodes[0].resources.is_empty());
        w.nodes.insert(
            "gpu-box".into(),
            NodeInfo {
                name: "gpu-box".into(),
                ..NodeInfo::default()
            },
        );
        assert!(
            !is_local(&w, "gpu-box.lab"),
            "the cluster node is this host"
        );
    }
}
