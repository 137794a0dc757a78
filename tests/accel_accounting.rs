//! The allocation arithmetic of `accel::derive::accounting` on hand-made nodes: over-allocation
//! clamped and flagged, a node not Ready, a GPU flagged by an XID before the plugin withholds it,
//! GPUs GFD counts that the plugin does not advertise, a MIG node whose plugin withholds every
//! slice, time-sliced GPUs; and the header's count beside each.

mod common;

use aicockpit::accel::derive::inventory::{
    Inventory, InventoryConfig, ResourceClass, Totals, build,
};
use aicockpit::domain::Millis;
use aicockpit::triage::summary::accel_counts;
use aicockpit::world::World;
use common::{k8s, pod, world};
use serde_json::{Value, json};

fn gpu_node(name: &str, ready: bool, cap: u32, alloc: u32) -> Value {
    json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
        "status": {"capacity": {"nvidia.com/gpu": cap.to_string()},
            "allocatable": {"nvidia.com/gpu": alloc.to_string()},
            "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}})
}

fn gpus(n: u32, node: &str, name: &str) -> Value {
    pod("ml", name, node, "Running", &[("nvidia.com/gpu", n)], None)
}

fn inv(w: &World) -> Inventory {
    build(w, &InventoryConfig::default())
}

/// (total, used, free, unhealthy, over-allocated) of a class.
fn units(t: &Totals) -> (f64, f64, f64, f64, f64) {
    (t.total, t.used, t.free, t.unhealthy, t.over_allocated)
}

fn ids(inv: &Inventory) -> Vec<&'static str> {
    inv.nodes[0].flags.iter().map(|f| f.id()).collect()
}

#[test]
fn over_allocation_is_clamped_and_flagged() {
    let i = inv(&world(&[
        gpu_node("n", true, 8, 7),
        gpus(5, "n", "a"),
        gpus(4, "n", "b"),
    ]));
    let g = i.by_class[&ResourceClass::Gpu];
    assert_eq!(units(&g), (8.0, 7.0, 0.0, 1.0, 2.0));
    assert_eq!(g.requested, 9.0, "what the pods ask for stays visible");
    assert!(ids(&i).contains(&"devices.over_allocated"));
    assert_eq!(accel_counts(&i), (7, 8));
}

#[test]
fn a_node_not_ready_has_nothing_healthy() {
    let i = inv(&world(&[gpu_node("n", false, 8, 8), gpus(2, "n", "a")]));
    let g = i.by_class[&ResourceClass::Gpu];
    assert_eq!(units(&g), (8.0, 0.0, 0.0, 8.0, 0.0));
    assert_eq!(accel_counts(&i), (0, 8));
}

#[test]
fn an_xid_makes_a_gpu_unhealthy_before_the_plugin_withholds_it() {
    let mut w = world(&[
        gpu_node("gpu-node-1", true, 8, 8),
        gpus(8, "gpu-node-1", "a"),
    ]);
    let labels = [("gpu", "2"), ("UUID", "GPU-x2"), ("Hostname", "gpu-node-1")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let at: Millis = 60_000;
    w.metrics.push("DCGM_FI_DEV_XID_ERRORS", &labels, at, 79.0);
    let i = inv(&w);
    assert!(ids(&i).contains(&"gpu.xid"), "{:?}", ids(&i));
    // the pod still holds all eight; one of them is on the broken GPU
    let g = i.by_class[&ResourceClass::Gpu];
    assert_eq!(units(&g), (8.0, 7.0, 0.0, 1.0, 0.0));
    assert_eq!(accel_counts(&i), (7, 8));
    // the plugin then withholds it: the same GPU, not a second one
    common::upsert(&mut w, gpu_node("gpu-node-1", true, 8, 7));
    let i = inv(&w);
    assert_eq!(units(&i.by_class[&ResourceClass::Gpu]).3, 1.0);
    assert_eq!(accel_counts(&i), (7, 8));
}

#[test]
fn gpus_the_plugin_does_not_advertise_are_counted_unhealthy() {
    // GFD counts 8, the plugin advertises 7
    let i = inv(&world(&[k8s("node_gpu_7_of_8.json")]));
    assert!(ids(&i).contains(&"devices.missing"));
    let g = i.by_class[&ResourceClass::Gpu];
    assert_eq!((g.capacity, g.allocatable), (7.0, 7.0), "as reported");
    assert_eq!(units(&g), (8.0, 0.0, 7.0, 1.0, 0.0));
    assert_eq!(accel_counts(&i), (7, 8));
}

#[test]
fn a_mig_gpu_whose_slices_are_all_withheld_is_unhealthy() {
    let mut node = k8s("node_a100_mig_mixed.json");
    let i = inv(&world(std::slice::from_ref(&node)));
    let m = i.by_class[&ResourceClass::Mig];
    assert_eq!((m.total, m.devices, m.devices_unhealthy), (3.0, 1.0, 0.0));
    for p in ["1g.5gb", "2g.10gb", "3g.20gb"] {
        node["status"]["allocatable"][format!("nvidia.com/mig-{p}")] = json!("0");
    }
    let i = inv(&world(&[node]));
    let m = i.by_class[&ResourceClass::Mig];
    assert_eq!(units(&m), (3.0, 0.0, 0.0, 3.0, 0.0));
    assert_eq!((m.devices, m.devices_unhealthy), (1.0, 1.0));
    assert_eq!(accel_counts(&i), (0, 1));
}

#[test]
fn time_sliced_gpus_count_replicas_as_units_and_gpus_as_devices() {
    let i = inv(&world(&[
        k8s("node_t4_time_slicing.json"),
        gpus(1, "t4-node", "a"),
    ]));
    let s = i.by_class[&ResourceClass::GpuShared];
    assert_eq!(units(&s), (16.0, 1.0, 15.0, 0.0, 0.0));
    assert_eq!((s.devices, s.devices_unhealthy), (4.0, 0.0));
    assert_eq!(accel_counts(&i), (4, 4));
}

#[test]
fn a_request_for_a_resource_the_node_lacks_is_over_allocation_not_use() {
    let i = inv(&world(&[
        gpu_node("n", true, 8, 8),
        pod(
            "ml",
            "a",
            "n",
            "Running",
            &[("nvidia.com/mig-1g.10gb", 1)],
            None,
        ),
    ]));
    let m = i.by_class[&ResourceClass::Mig];
    assert_eq!(units(&m), (0.0, 0.0, 0.0, 0.0, 1.0));
}
