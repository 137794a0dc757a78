//! What the Nodes view derives beside the inventory at each refresh: threshold breaches per
//! node, the MIG layouts (kept for settled nodes) and the pods pending for accelerators.

use std::collections::BTreeMap;

use super::{PendingPod, device_stale};
use crate::accel::derive::inventory::{self, Inventory, InventoryConfig, NodeAccel};
use crate::accel::derive::inventory_local;
use crate::accel::derive::mig_layout::{self, MigLayout};
use crate::accel::derive::staleness::Freshness;
use crate::accel::derive::telemetry::{DeviceTelemetry, Field, Telemetry};
use crate::accel::derive::thresholds::{Breach, Thresholds, evaluate};
use crate::domain::{AccelKind, PodInfo};
use crate::world::World;

/// Pods waiting to be scheduled that ask for an accelerator resource, each with how many nodes
/// offer it and how much of it is free cluster-wide.
pub(super) fn pending_pods(
    world: &World,
    inv: &Inventory,
    cfg: &InventoryConfig,
) -> Vec<PendingPod> {
    // per resource: (nodes offering it, free units), summed once
    let mut offer: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    for l in inv.nodes.iter().flat_map(|n| &n.resources) {
        if l.capacity > 0.0 {
            let e = offer.entry(l.resource.as_str()).or_default();
            e.0 += 1;
            e.1 += l.free;
        }
    }
    let mut out = Vec::new();
    // the index holds only pods bound to no node
    let unbound = world.index.unbound.iter().filter_map(|k| world.pods.get(k));
    for p in unbound {
        if p.phase != "Pending" {
            continue;
        }
        for (res, q) in &p.accel_requests {
            if *q <= 0.0 || !cfg.matcher.matches(res) {
                continue;
            }
            let (offered_by, free) = offer.get(res.as_str()).copied().unwrap_or_default();
            out.push(PendingPod {
                namespace: p.namespace.clone(),
                name: p.name.clone(),
                resource: res.clone(),
                quantity: *q,
                offered_by,
                free,
            });
        }
    }
    out
}

/// The threshold breaches of a node's fresh devices (stale ones are not judged: a device that
/// stopped reporting before its node, or whose readings are stale at `now`).
pub(super) fn node_breaches(
    n: &NodeAccel,
    world: &World,
    th: &Thresholds,
    now: i64,
) -> Vec<Breach> {
    let Telemetry::Present(t) = &n.telemetry else {
        return Vec::new();
    };
    let fresh = Freshness::of(n, &world.metrics, now);
    t.devices
        .iter()
        .filter(|d| device_stale(d, t.last_ms).is_none())
        .filter(|d| fresh.stale(d).is_none())
        .filter_map(|d| {
            let allocated = n.is_allocated(d);
            may_breach(d, th, allocated).then(|| evaluate(d, &world.metrics, th, now, allocated))
        })
        .flatten()
        .collect()
}

/// Whether a device's latest readings are beyond any limit: a rule can only be breached when its
/// latest sample is, so the history is read only for those devices.
fn may_breach(d: &DeviceTelemetry, th: &Thresholds, allocated: bool) -> bool {
    let util = d.util_pct().map(|(v, _)| v);
    d.value(Field::GpuTemp)
        .is_some_and(|v| th.gpu_temp.beyond(v))
        || util.is_some_and(|v| th.gpu_util.beyond(v) || (allocated && th.idle.beyond(v)))
        || d.fb_used_pct().is_some_and(|v| th.fb_used.beyond(v))
        || d.npu_mem_pct().is_some_and(|v| th.npu_mem.beyond(v))
}

/// MIG layouts of the MIG nodes; a settled node (see `InventoryCache::settled`) keeps the one
/// it had, with the utilisation re-read.
pub(super) fn mig_layouts(
    inv: &Inventory,
    world: &World,
    settled: impl Fn(usize) -> bool,
    mut before: BTreeMap<String, MigLayout>,
) -> BTreeMap<String, MigLayout> {
    inv.nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.kind == AccelKind::NvidiaMig)
        .map(|(i, n)| {
            let name = &n.name;
            if settled(i)
                && let Some(mut l) = before.remove(name)
            {
                mig_layout::refresh_util(&mut l, n);
                return (name.clone(), l);
            }
            let on: Vec<&PodInfo> = world
                .index
                .nodes
                .pods_on(name)
                .filter(|p| !inventory::is_terminated(p))
                .collect();
            let mut l = mig_layout::layout(n, &on);
            if !l.inferred && inventory_local::is_local(world, name) {
                l.note = Some(inventory_local::MIG_NOTE.to_string());
            }
            (name.to_string(), l)
        })
        .collect()
}
