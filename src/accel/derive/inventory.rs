//! Accelerator inventory: per node, every accelerator resource (whole GPUs, shared GPUs, MIG
//! slices by profile, Ascend NPUs) with capacity / allocatable / requested-by-pods as reported
//! and total / used / free / unhealthy as `accounting` defines them, the
//! GFD and Ascend facts, the device-plugin and exporter pods, health flags and (joined by
//! `telemetry`) device series; and a cluster summary per resource class. Pure over `World`.

use std::collections::{BTreeMap, HashMap};

use crate::accel::derive::health::HealthFlag;
use crate::accel::derive::labels::{
    AscendInfo, GfdInfo, ascend_info, deviceinfo_cm_name, gfd_info, is_ascend_label,
};
use crate::accel::derive::telemetry::{self, Telemetry};
use crate::domain::{AccelKind, NodeInfo, ObjKey, PodInfo};
use crate::world::World;

pub use crate::accel::derive::accounting::{Totals, summarize};
pub use crate::accel::derive::inventory_pods::{DaemonPod, DaemonState, is_terminated};
pub use crate::accel::derive::resources::{
    InventoryConfig, ResourceClass, ResourceMatcher, classify,
};

/// One accelerator resource on one node.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceLine {
    pub resource: String,
    pub class: ResourceClass,
    /// `1g.10gb` for `nvidia.com/mig-1g.10gb`.
    pub mig_profile: Option<String>,
    /// `status.capacity`, as reported.
    pub capacity: f64,
    /// `status.allocatable`, as reported (capacity when the node gives none).
    pub allocatable: f64,
    /// Summed over non-terminated pods bound to the node.
    pub requested: f64,
    /// `used + free + unhealthy`; these four are defined in `accounting` and set by
    /// `accounting::settle`, once the node's flags are known.
    pub total: f64,
    /// Requested units on healthy capacity: never above `total - unhealthy`.
    pub used: f64,
    /// Healthy units no pod requests.
    pub free: f64,
    /// `max(requested - allocatable, 0)`: never hidden inside a zero `free`.
    pub over_allocated: f64,
    /// Withheld by the device plugin, missing, flagged critical, or on a node not Ready.
    pub unhealthy: f64,
    /// Pods holding some of it.
    pub pods: u32,
}

/// One accelerator node.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeAccel {
    pub name: String,
    pub kind: AccelKind,
    pub product: Option<String>,
    pub ready: bool,
    pub cordoned: bool,
    /// Taints whose key belongs to an accelerator vendor (`nvidia.com/gpu:NoSchedule` ...).
    pub accel_taints: Vec<String>,
    pub conditions: Vec<String>,
    pub resources: Vec<ResourceLine>,
    pub gfd: GfdInfo,
    pub ascend: Option<AscendInfo>,
    /// Physical devices, when it can be told (GFD count, capacity / replicas, NPU capacity).
    pub physical_devices: Option<f64>,
    pub device_plugin: DaemonState,
    pub exporter: DaemonState,
    /// Non-terminated pods on the node that request accelerator resources, (namespace, name).
    pub pods: Vec<(String, String)>,
    pub flags: Vec<HealthFlag>,
    pub telemetry: Telemetry,
}

impl NodeAccel {
    pub fn line(&self, resource: &str) -> Option<&ResourceLine> {
        self.resources.iter().find(|l| l.resource == resource)
    }

    /// MIG slices by profile: profile -> (capacity, allocatable, requested, free).
    pub fn mig_slices(&self) -> BTreeMap<String, (f64, f64, f64, f64)> {
        self.resources
            .iter()
            .filter_map(|l| {
                let p = l.mig_profile.clone()?;
                Some((p, (l.capacity, l.allocatable, l.requested, l.free)))
            })
            .collect()
    }

    /// Whether a device is held by a pod: the exporter's pod label says so, or every allocatable
    /// unit of the node is requested (so any device on it must be in use).
    pub fn is_allocated(&self, d: &crate::accel::derive::telemetry::DeviceTelemetry) -> bool {
        d.pod.is_some()
            || (!self.resources.is_empty()
                && self
                    .resources
                    .iter()
                    .all(|l| l.allocatable > 0.0 && l.requested >= l.allocatable))
    }

    pub fn worst(&self) -> Option<crate::domain::severity::Severity> {
        self.flags.iter().map(HealthFlag::severity).max()
    }
}

/// The cluster's accelerators.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Inventory {
    /// Sorted by node name.
    pub nodes: Vec<NodeAccel>,
    pub by_class: BTreeMap<ResourceClass, Totals>,
    /// Exporter series that named no inventory node (or no device): counted, not dropped quietly.
    pub unjoined_series: usize,
}

impl Inventory {
    /// Per accelerator kind: (nodes, nodes with a warning or critical flag).
    pub fn nodes_by_kind(&self) -> BTreeMap<AccelKind, (u32, u32)> {
        let mut out: BTreeMap<AccelKind, (u32, u32)> = BTreeMap::new();
        for n in &self.nodes {
            let e = out.entry(n.kind).or_default();
            e.0 += 1;
            e.1 += u32::from(
                n.worst()
                    .is_some_and(|s| s >= crate::domain::severity::Severity::Warning),
            );
        }
        out
    }

    pub fn node(&self, name: &str) -> Option<&NodeAccel> {
        self.nodes
            .binary_search_by(|n| n.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.nodes[i])
    }
}

/// Whether a node has anything to do with accelerators (resources, GFD or Ascend labels).
pub fn is_accel_node(node: &NodeInfo, cfg: &InventoryConfig) -> bool {
    node.capacity
        .keys()
        .chain(node.allocatable.keys())
        .any(|k| cfg.matcher.matches(k))
        || node.labels.contains_key("nvidia.com/gpu.product")
        || node.labels.contains_key("nvidia.com/gpu.present")
        || node.labels.contains_key("node.kubernetes.io/npu.chip.name")
        || is_ascend_label(&node.labels)
}

fn node_kind(resources: &[ResourceLine], node: &NodeInfo, gfd: &GfdInfo) -> AccelKind {
    let has = |c: ResourceClass| resources.iter().any(|l| l.class == c && l.capacity > 0.0);
    if has(ResourceClass::Mig) {
        AccelKind::NvidiaMig
    } else if has(ResourceClass::Gpu) || has(ResourceClass::GpuShared) {
        AccelKind::NvidiaGpu
    } else if has(ResourceClass::Npu) {
        AccelKind::AscendNpu
    } else if !gfd.is_empty() {
        AccelKind::NvidiaGpu
    } else if is_ascend_label(&node.labels) {
        AccelKind::AscendNpu
    } else {
        node.accel_kind
    }
}

fn resource_lines(
    node: &NodeInfo,
    pods: &[&PodInfo],
    cfg: &InventoryConfig,
    gfd: &GfdInfo,
) -> Vec<ResourceLine> {
    let mut names: Vec<&String> = node
        .capacity
        .keys()
        .chain(node.allocatable.keys())
        .filter(|k| cfg.matcher.matches(k))
        .collect();
    for p in pods {
        names.extend(p.accel_requests.keys().filter(|k| cfg.matcher.matches(k)));
    }
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|res| {
            let capacity = node.capacity.get(res).copied().unwrap_or(0.0);
            let allocatable = node.allocatable.get(res).copied().unwrap_or(capacity);
            let (mut requested, mut holders) = (0.0, 0);
            for p in pods {
                if let Some(q) = p.accel_requests.get(res).filter(|q| **q > 0.0) {
                    requested += q;
                    holders += 1;
                }
            }
            ResourceLine {
                resource: res.clone(),
                class: classify(res, gfd),
                mig_profile: res
                    .strip_prefix("nvidia.com/mig-")
                    .or_else(|| (res == "nvidia.com/gpu").then(|| gfd.single_mig_profile())?)
                    .map(str::to_string),
                capacity,
                allocatable,
                requested,
                // set by `accounting::settle`
                total: 0.0,
                used: 0.0,
                free: 0.0,
                over_allocated: 0.0,
                unhealthy: 0.0,
                pods: holders,
            }
        })
        .collect()
}

fn physical_devices(lines: &[ResourceLine], gfd: &GfdInfo, kind: AccelKind) -> Option<f64> {
    let sum = |c: ResourceClass| -> f64 {
        lines
            .iter()
            .filter(|l| l.class == c)
            .map(|l| l.capacity)
            .sum()
    };
    match kind {
        AccelKind::AscendNpu => Some(sum(ResourceClass::Npu)),
        AccelKind::NvidiaMig => gfd.count.map(f64::from),
        _ => match (gfd.count, gfd.shared_replicas()) {
            (Some(c), _) => Some(f64::from(c)),
            (None, Some(r)) => Some(sum(ResourceClass::GpuShared) / f64::from(r)),
            (None, None) => Some(sum(ResourceClass::Gpu)),
        },
    }
}

/// One node's inventory, without telemetry. `pods` are the pods bound to the node.
pub fn node_accel(
    node: &NodeInfo,
    pods: &[&PodInfo],
    world: &World,
    cfg: &InventoryConfig,
) -> NodeAccel {
    let gfd = gfd_info(&node.labels);
    let live: Vec<&PodInfo> = pods.iter().copied().filter(|p| !is_terminated(p)).collect();
    let resources = resource_lines(node, &live, cfg, &gfd);
    let kind = node_kind(&resources, node, &gfd);
    let ascend = (kind == AccelKind::AscendNpu || is_ascend_label(&node.labels)).then(|| {
        let key = ObjKey::new(
            "ConfigMap",
            &cfg.deviceinfo_namespace,
            &deviceinfo_cm_name(&node.name),
        );
        ascend_info(&node.labels, world.objects.get(&key))
    });
    let (device_plugin, exporter) = crate::accel::derive::inventory_pods::daemons(pods, kind, cfg);
    let accel_pods = live
        .iter()
        .filter(|p| {
            p.accel_requests
                .iter()
                .any(|(k, q)| *q > 0.0 && cfg.matcher.matches(k))
        })
        .map(|p| (p.namespace.clone(), p.name.clone()))
        .collect();
    let physical = physical_devices(&resources, &gfd, kind);
    let mut n = NodeAccel {
        name: node.name.clone(),
        kind,
        product: gfd
            .product
            .clone()
            .or_else(|| {
                ascend
                    .as_ref()
                    .and_then(|a| a.chip_name.clone().or(a.accelerator.clone()))
            })
            .or_else(|| node.accel_product.clone()),
        ready: node.ready,
        cordoned: node.unschedulable,
        accel_taints: node
            .taints
            .iter()
            .filter(|t| {
                ["nvidia.com/", "huawei.com/", "ascend.ai/"]
                    .iter()
                    .any(|p| t.starts_with(p))
            })
            .cloned()
            .collect(),
        conditions: node.problems.clone(),
        resources,
        gfd,
        ascend,
        physical_devices: physical,
        device_plugin,
        exporter,
        pods: accel_pods,
        flags: Vec::new(),
        telemetry: Telemetry::Missing("telemetry not joined".to_string()),
    };
    crate::accel::derive::health::static_flags(&mut n);
    crate::accel::derive::accounting::settle(&mut n);
    n
}

/// The inventory of every accelerator node, with telemetry joined and telemetry-derived flags,
/// built from nothing: pods grouped by a pass over every pod. The cockpit refreshes through
/// `inventory_cache::InventoryCache`, which must always give the same result (its tests compare
/// the two); this is the reference, and the choice for worlds assembled by hand.
pub fn build(world: &World, cfg: &InventoryConfig) -> Inventory {
    let mut by_node: HashMap<&str, Vec<&PodInfo>> = HashMap::with_capacity(world.nodes.len());
    for p in world.pods.values() {
        if let Some(n) = p.node.as_deref() {
            by_node.entry(n).or_default().push(p);
        }
    }
    let mut nodes: Vec<NodeAccel> = world
        .nodes
        .values()
        .filter(|n| is_accel_node(n, cfg))
        .map(|n| {
            let pods = by_node.get(n.name.as_str()).map_or(&[][..], Vec::as_slice);
            node_accel(n, pods, world, cfg)
        })
        .collect();
    crate::accel::derive::inventory_local::add(world, &mut nodes);
    let unjoined_series = telemetry::join(world, &mut nodes);
    let by_class = crate::accel::derive::accounting::finish(&mut nodes);
    Inventory {
        nodes,
        by_class,
        unjoined_series,
    }
}
