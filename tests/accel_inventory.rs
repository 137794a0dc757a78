//! Accelerator inventory over fixture nodes built from published label sets and describe-node
//! excerpts (see tests/fixtures/k8s/SOURCES.md): capacity / allocatable / requested / free, MIG
//! slices by profile, shared GPUs, NPUs, agent pods and health flags.

mod common;

use aicockpit::accel::derive::health::HealthFlag;
use aicockpit::accel::derive::inventory::{
    DaemonState, InventoryConfig, ResourceClass, ResourceMatcher, build,
};
use aicockpit::domain::AccelKind;
use aicockpit::domain::severity::Severity;
use common::{k8s, pod, upsert, waiting, world};
use serde_json::json;

fn ids(flags: &[HealthFlag]) -> Vec<&'static str> {
    flags.iter().map(HealthFlag::id).collect()
}

#[test]
fn h100_mig_mixed_slices_by_profile_with_pod_requests() {
    let node = k8s("node_h100_mig_mixed.json");
    let w = world(&[
        node,
        pod(
            "ml",
            "a",
            "s4124-0073",
            "Running",
            &[("nvidia.com/mig-1g.10gb", 1)],
            None,
        ),
        pod(
            "ml",
            "b",
            "s4124-0073",
            "Running",
            &[("nvidia.com/mig-1g.10gb", 1)],
            None,
        ),
        // finished pods no longer hold a slice
        pod(
            "ml",
            "done",
            "s4124-0073",
            "Succeeded",
            &[("nvidia.com/mig-3g.40gb", 1)],
            None,
        ),
        pod(
            "ml",
            "c",
            "s4124-0073",
            "Pending",
            &[("nvidia.com/mig-2g.20gb", 1)],
            None,
        ),
        pod(
            "kube-system",
            "nvidia-device-plugin-daemonset-x1",
            "s4124-0073",
            "Running",
            &[("", 0)],
            Some("nvidia-device-plugin-daemonset"),
        ),
        pod(
            "kube-system",
            "nvidia-dcgm-exporter-x1",
            "s4124-0073",
            "Running",
            &[("", 0)],
            Some("nvidia-dcgm-exporter"),
        ),
    ]);
    let inv = build(&w, &InventoryConfig::default());
    let n = inv.node("s4124-0073").expect("node in inventory");
    assert_eq!(n.kind, AccelKind::NvidiaMig);
    assert_eq!(n.product.as_deref(), Some("NVIDIA-H100-80GB-HBM3"));
    assert_eq!(n.gfd.mig_strategy.as_deref(), Some("mixed"));
    assert_eq!(n.gfd.mig_config.as_deref(), Some("all-balanced"));
    assert_eq!(n.gfd.driver_version.as_deref(), Some("550.54.15"));
    assert_eq!(n.gfd.memory_mib, Some(81559));
    assert_eq!(n.gfd.mig_profiles.get("1g.10gb"), Some(&2));
    assert_eq!(n.accel_taints, vec!["nvidia.com/gpu:NoSchedule"]);
    let slices = n.mig_slices();
    assert_eq!(slices.len(), 3);
    assert_eq!(slices["1g.10gb"], (2.0, 2.0, 2.0, 0.0));
    assert_eq!(slices["2g.20gb"], (1.0, 1.0, 1.0, 0.0));
    assert_eq!(slices["3g.40gb"], (1.0, 1.0, 0.0, 1.0));
    assert_eq!(n.pods.len(), 3, "{:?}", n.pods);
    assert!(n.device_plugin.is_running());
    assert!(n.exporter.is_running());
    // healthy node, no series yet: the only flags are none; telemetry says why it is missing
    assert!(n.flags.is_empty(), "{:?}", n.flags);
    let mig = inv.by_class[&ResourceClass::Mig];
    assert_eq!((mig.capacity, mig.requested, mig.free), (4.0, 3.0, 1.0));
}

#[test]
fn mig_reconfiguration_state_is_flagged() {
    let mut node = k8s("node_h100_mig_mixed.json");
    node["metadata"]["labels"]["nvidia.com/mig.config.state"] = json!("pending");
    let inv = build(
        &world(std::slice::from_ref(&node)),
        &InventoryConfig::default(),
    );
    assert!(ids(&inv.nodes[0].flags).contains(&"mig.reconfig_pending"));
    node["metadata"]["labels"]["nvidia.com/mig.config.state"] = json!("failed");
    let inv = build(&world(&[node]), &InventoryConfig::default());
    let f = inv.nodes[0]
        .flags
        .iter()
        .find(|f| f.id() == "mig.reconfig_failed");
    assert_eq!(f.map(HealthFlag::severity), Some(Severity::Critical));
}

#[test]
fn a100_mig_mixed_describe_node_counts() {
    let inv = build(
        &world(&[k8s("node_a100_mig_mixed.json")]),
        &InventoryConfig::default(),
    );
    let n = &inv.nodes[0];
    assert_eq!(n.kind, AccelKind::NvidiaMig);
    assert_eq!(n.product.as_deref(), Some("A100-SXM4-40GB"));
    let names: Vec<_> = n.resources.iter().map(|l| l.resource.as_str()).collect();
    assert_eq!(
        names,
        [
            "nvidia.com/mig-1g.5gb",
            "nvidia.com/mig-2g.10gb",
            "nvidia.com/mig-3g.20gb"
        ]
    );
    assert!(
        n.resources
            .iter()
            .all(|l| l.capacity == 1.0 && l.free == 1.0)
    );
    assert_eq!(n.gfd.driver_version.as_deref(), Some("450.80.02"));
    assert_eq!(n.physical_devices, Some(1.0));
}

#[test]
fn seven_of_eight_gpus_is_flagged_missing() {
    let inv = build(
        &world(&[k8s("node_gpu_7_of_8.json")]),
        &InventoryConfig::default(),
    );
    let n = &inv.nodes[0];
    assert_eq!(n.kind, AccelKind::NvidiaGpu);
    let l = n.line("nvidia.com/gpu").expect("gpu line");
    assert_eq!((l.capacity, l.allocatable, l.free), (7.0, 7.0, 7.0));
    let missing = n.flags.iter().find(|f| f.id() == "devices.missing");
    assert_eq!(
        missing,
        Some(&HealthFlag::DevicesMissing {
            expected: 8,
            advertised: 7.0
        })
    );
    // no agent pods seen on this node at all
    assert!(matches!(n.device_plugin, DaemonState::Missing { .. }));
    assert!(ids(&n.flags).contains(&"plugin.missing"));
}

#[test]
fn allocatable_below_capacity_means_unhealthy_devices() {
    let mut node = k8s("node_gpu_7_of_8.json");
    node["status"]["allocatable"]["nvidia.com/gpu"] = json!("5");
    let inv = build(&world(&[node]), &InventoryConfig::default());
    let l = inv.nodes[0].line("nvidia.com/gpu").expect("line");
    // two withheld (7 in capacity, 5 allocatable) and the eighth GPU GFD counts but the plugin
    // does not advertise
    assert_eq!((l.total, l.unhealthy, l.free), (8.0, 3.0, 5.0));
    assert!(ids(&inv.nodes[0].flags).contains(&"devices.unhealthy"));
    assert_eq!(inv.by_class[&ResourceClass::Gpu].unhealthy, 3.0);
}

#[test]
fn time_slicing_counts_replicas_not_gpus() {
    let w = world(&[
        k8s("node_t4_time_slicing.json"),
        pod(
            "ml",
            "s1",
            "t4-node",
            "Running",
            &[("nvidia.com/gpu", 1)],
            None,
        ),
    ]);
    let inv = build(&w, &InventoryConfig::default());
    let n = &inv.nodes[0];
    assert_eq!(n.kind, AccelKind::NvidiaGpu);
    assert_eq!(n.gfd.shared_replicas(), Some(4));
    let l = n.line("nvidia.com/gpu").expect("line");
    assert_eq!(l.class, ResourceClass::GpuShared);
    assert_eq!((l.capacity, l.requested, l.free), (16.0, 1.0, 15.0));
    assert_eq!(n.physical_devices, Some(4.0));
    assert!(!ids(&n.flags).contains(&"devices.missing"), "{:?}", n.flags);
    assert!(!inv.by_class.contains_key(&ResourceClass::Gpu));
}

#[test]
fn gpu_shared_resource_name_is_its_own_class() {
    let mut node = k8s("node_t4_time_slicing.json");
    node["status"]["capacity"] = json!({"nvidia.com/gpu.shared": "16"});
    node["status"]["allocatable"] = json!({"nvidia.com/gpu.shared": "16"});
    let inv = build(&world(&[node]), &InventoryConfig::default());
    let l = inv.nodes[0]
        .line("nvidia.com/gpu.shared")
        .expect("shared line");
    assert_eq!(l.class, ResourceClass::GpuShared);
}

#[test]
fn ascend_atlas800_healthy_then_degraded() {
    let inv = build(
        &world(&[k8s("node_atlas800_ascend910x8.json")]),
        &InventoryConfig::default(),
    );
    let n = &inv.nodes[0];
    assert_eq!(n.kind, AccelKind::AscendNpu);
    assert_eq!(n.product.as_deref(), Some("huawei-Ascend910"));
    let l = n.line("huawei.com/Ascend910").expect("npu line");
    assert_eq!(
        (l.capacity, l.allocatable, l.class),
        (8.0, 8.0, ResourceClass::Npu)
    );
    assert!(!ids(&n.flags).contains(&"npu.unhealthy"));

    let mut node = k8s("node_atlas800_ascend910x8.json");
    node["status"]["allocatable"]["huawei.com/Ascend910"] = json!("7");
    let mut w = world(&[node, k8s("cm_mindx_dl_deviceinfo_ubuntu.json")]);
    upsert(
        &mut w,
        pod(
            "ai",
            "infer-0",
            "ubuntu",
            "Running",
            &[("huawei.com/Ascend910", 4)],
            None,
        ),
    );
    let inv = build(&w, &InventoryConfig::default());
    let n = &inv.nodes[0];
    let l = n.line("huawei.com/Ascend910").expect("npu line");
    assert_eq!(
        (l.allocatable, l.requested, l.free, l.unhealthy),
        (7.0, 4.0, 3.0, 1.0)
    );
    let f = ids(&n.flags);
    assert!(
        f.contains(&"npu.unhealthy") && f.contains(&"devices.unhealthy"),
        "{f:?}"
    );
    let chips = n.flags.iter().find_map(|f| match f {
        HealthFlag::NpuUnhealthy { chips } => Some(chips.clone()),
        _ => None,
    });
    assert_eq!(chips, Some(vec!["Ascend910-3".to_string()]));
    let npu = inv.by_class[&ResourceClass::Npu];
    assert_eq!((npu.nodes, npu.flagged_nodes, npu.unhealthy), (1, 1, 1.0));
}

#[test]
fn seed_ascend_resource_and_taint() {
    let node = json!({"apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "npu-a", "labels": {"node-type": "ascend-high-performance",
                                                 "kubernetes.io/arch": "arm64"}},
        "spec": {"taints": [{"key": "ascend.ai/npu", "value": "true", "effect": "NoSchedule"}]},
        "status": {"capacity": {"ascend.ai/npu": "8"}, "allocatable": {"ascend.ai/npu": "8"},
                   "conditions": [{"type": "Ready", "status": "True"}]}});
    let inv = build(&world(&[node]), &InventoryConfig::default());
    let n = &inv.nodes[0];
    assert_eq!(n.kind, AccelKind::AscendNpu);
    assert_eq!(n.accel_taints, vec!["ascend.ai/npu=true:NoSchedule"]);
    assert_eq!(
        n.line("ascend.ai/npu").map(|l| l.class),
        Some(ResourceClass::Npu)
    );
}

#[test]
fn agent_pods_not_running_are_flagged() {
    let w = world(&[
        k8s("node_gpu_7_of_8.json"),
        pod(
            "gpu-operator",
            "nvidia-device-plugin-daemonset-abc",
            "gpu-node-1",
            "Running",
            &[("", 0)],
            Some("nvidia-device-plugin-daemonset"),
        ),
        waiting(
            pod(
                "gpu-operator",
                "nvidia-dcgm-exporter-abc",
                "gpu-node-1",
                "Running",
                &[("", 0)],
                Some("nvidia-dcgm-exporter"),
            ),
            "CrashLoopBackOff",
        ),
    ]);
    let inv = build(&w, &InventoryConfig::default());
    let n = &inv.nodes[0];
    assert!(n.device_plugin.is_running());
    assert!(matches!(&n.exporter, DaemonState::NotRunning(p) if p.status == "CrashLoopBackOff"));
    assert!(ids(&n.flags).contains(&"exporter.not_running"));
}

#[test]
fn not_ready_and_cordoned_nodes_are_flagged() {
    let mut node = k8s("node_gpu_7_of_8.json");
    node["spec"]["unschedulable"] = json!(true);
    node["status"]["conditions"] = json!([
        {"type": "Ready", "status": "False"}, {"type": "MemoryPressure", "status": "True"}]);
    let inv = build(&world(&[node]), &InventoryConfig::default());
    let f = ids(&inv.nodes[0].flags);
    for want in ["node.not_ready", "node.cordoned", "node.condition"] {
        assert!(f.contains(&want), "{want} missing from {f:?}");
    }
}

#[test]
fn over_allocation_is_reported_not_hidden() {
    let w = world(&[
        k8s("node_gpu_7_of_8.json"),
        pod(
            "ml",
            "big",
            "gpu-node-1",
            "Running",
            &[("nvidia.com/gpu", 4), ("nvidia.com/gpu", 4)],
            None,
        ),
    ]);
    let inv = build(&w, &InventoryConfig::default());
    let l = inv.nodes[0].line("nvidia.com/gpu").expect("line");
    // two containers of 4 each: the pod requests 8, the node offers 7
    assert_eq!((l.requested, l.free, l.over_allocated), (8.0, 0.0, 1.0));
    assert!(ids(&inv.nodes[0].flags).contains(&"devices.over_allocated"));
}

#[test]
fn matcher_is_configurable_and_skips_side_resources() {
    let m = ResourceMatcher::default();
    assert!(m.matches("nvidia.com/gpu") && m.matches("nvidia.com/mig-1g.5gb"));
    assert!(m.matches("huawei.com/Ascend910") && m.matches("huawei.com/Ascend310P-IPro"));
    assert!(!m.matches("nvidia.com/gpumem") && !m.matches("nvidia.com/gpucores"));
    assert!(!m.matches("huawei.com/Ascend910B3-memory"));
    assert!(!m.matches("cpu"));
    let only_npu = InventoryConfig {
        matcher: ResourceMatcher::from_prefixes(["huawei.com/"]),
        ..InventoryConfig::default()
    };
    let inv = build(&world(&[k8s("node_gpu_7_of_8.json")]), &only_npu);
    // the GPU node still shows (its GFD count label), but with no resource lines
    assert!(inv.nodes.iter().all(|n| n.resources.is_empty()));
}

#[test]
fn cpu_nodes_are_not_in_the_inventory() {
    let cpu = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "cpu-1"},
                     "status": {"capacity": {"cpu": "8"}}});
    let inv = build(
        &world(&[cpu, k8s("node_t4_time_slicing.json")]),
        &InventoryConfig::default(),
    );
    let names: Vec<_> = inv.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["t4-node"]);
}

#[test]
fn mig_single_strategy_counts_slices_as_mig() {
    // all-disabled: single strategy, plain product, nvidia.com/gpu is a whole GPU
    let node = k8s("node_h100_mig_single_all_disabled.json");
    let inv = build(
        &world(std::slice::from_ref(&node)),
        &InventoryConfig::default(),
    );
    let n = &inv.nodes[0];
    assert_eq!(n.kind, AccelKind::NvidiaGpu);
    assert_eq!(
        n.line("nvidia.com/gpu").map(|l| l.class),
        Some(ResourceClass::Gpu)
    );
    assert!(
        n.flags.iter().all(|f| f.severity() < Severity::Critical),
        "{:?}",
        n.flags
    );
    // all-1g.10gb under single: GFD renames the product and nvidia.com/gpu counts slices
    let mut node = node;
    let labels = &mut node["metadata"]["labels"];
    labels["nvidia.com/mig.config"] = json!("all-1g.10gb");
    labels["nvidia.com/gpu.product"] = json!("NVIDIA-H100-80GB-HBM3-MIG-1g.10gb");
    node["status"]["capacity"]["nvidia.com/gpu"] = json!("7");
    node["status"]["allocatable"]["nvidia.com/gpu"] = json!("7");
    let inv = build(&world(&[node]), &InventoryConfig::default());
    let n = &inv.nodes[0];
    assert_eq!(n.kind, AccelKind::NvidiaMig);
    let l = n.line("nvidia.com/gpu").expect("line");
    assert_eq!(
        (l.class, l.mig_profile.as_deref()),
        (ResourceClass::Mig, Some("1g.10gb"))
    );
    assert_eq!(n.physical_devices, Some(1.0));
    assert!(
        !n.flags.iter().any(|f| f.id() == "devices.missing"),
        "{:?}",
        n.flags
    );
}

#[test]
fn gke_style_accelerator_label_is_not_ascend() {
    let node = json!({"apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "gke-t4", "labels": {"accelerator": "nvidia-tesla-t4"}},
        "status": {"capacity": {"nvidia.com/gpu": "1"}, "allocatable": {"nvidia.com/gpu": "1"},
                   "conditions": [{"type": "Ready", "status": "True"}]}});
    let inv = build(&world(&[node]), &InventoryConfig::default());
    assert_eq!(inv.nodes[0].kind, AccelKind::NvidiaGpu);
    assert!(inv.nodes[0].ascend.is_none());
    assert_eq!(inv.nodes_by_kind()[&AccelKind::NvidiaGpu].0, 1);
}
