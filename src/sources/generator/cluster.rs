//! The mixed accelerator cluster of the incident scenarios: a control-plane node, CPU nodes,
//! 8×H100 nodes, A100 nodes partitioned with MIG (mixed strategy) and Ascend 910 NPU nodes, with
//! the labels GPU feature discovery, NFD and the Ascend device plugin put on them, and the
//! system pods every such cluster runs (kube-proxy, CoreDNS, device plugins, dcgm-exporter).

use serde_json::Value;

use crate::domain::Millis;
use crate::sources::generator::k8s::{self, Container, NodeSpec, PodSpec, PodStatus, fnv, kv};
use crate::sources::generator::k8s_apps;

/// The GPU model name DCGM and NVML report for the H100 nodes.
pub const H100_MODEL: &str = "NVIDIA H100 80GB HBM3";
pub const A100_MODEL: &str = "NVIDIA A100-SXM4-80GB";
pub const DRIVER: &str = "580.159.04";
const KUBELET: &str = "v1.32.4";

/// What a node carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    ControlPlane,
    Cpu,
    H100,
    A100Mig,
    Ascend910,
}

impl NodeKind {
    pub fn is_nvidia(self) -> bool {
        matches!(self, NodeKind::H100 | NodeKind::A100Mig)
    }
}

/// A GPU's UUID, derived from its node and index (same shape as NVML's).
pub fn gpu_uuid(node: &str, idx: u32) -> String {
    let a = fnv(&format!("{node}#{idx}"));
    let b = fnv(&format!("{idx}#{node}"));
    format!(
        "GPU-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// The PCI bus id of GPU `idx` on an 8-GPU HGX board.
pub fn pci_bus_id(idx: u32) -> String {
    const BUS: [u32; 8] = [0x18, 0x2a, 0x3a, 0x5d, 0x9a, 0xab, 0xba, 0xdb];
    format!("00000000:{:02X}:00.0", BUS[(idx % 8) as usize])
}

fn common_labels(name: &str) -> Vec<(String, String)> {
    kv(&[
        ("kubernetes.io/arch", "amd64"),
        ("kubernetes.io/os", "linux"),
        ("kubernetes.io/hostname", name),
        ("topology.kubernetes.io/zone", "zone-a"),
    ])
}

fn gfd_labels(product: &str, family: &str, major: &str, strategy: &str) -> Vec<(String, String)> {
    kv(&[
        ("nvidia.com/gpu.present", "true"),
        ("nvidia.com/gpu.product", product),
        ("nvidia.com/gpu.count", "8"),
        ("nvidia.com/gpu.memory", "81559"),
        ("nvidia.com/gpu.family", family),
        ("nvidia.com/gpu.compute.major", major),
        ("nvidia.com/gpu.compute.minor", "0"),
        ("nvidia.com/gpu.machine", "PowerEdge-XE9680"),
        ("nvidia.com/cuda.driver-version.full", DRIVER),
        ("nvidia.com/cuda.runtime-version.full", "13.0"),
        ("nvidia.com/gpu.sharing-strategy", "none"),
        ("nvidia.com/mig.capable", "true"),
        ("nvidia.com/mig.strategy", strategy),
        ("nvidia.com/gpu.deploy.device-plugin", "true"),
        ("nvidia.com/gpu.deploy.dcgm-exporter", "true"),
        ("feature.node.kubernetes.io/network-sriov.capable", "true"),
        ("feature.node.kubernetes.io/network-rdma.available", "true"),
    ])
}

/// Node specs for a cluster with the given counts of each kind, named `<kind>-NN`.
pub fn node_specs(counts: &[(NodeKind, usize)], created: Millis) -> Vec<(NodeKind, NodeSpec)> {
    let mut out = Vec::new();
    let mut ip = 0u32;
    for (kind, n) in counts {
        for i in 1..=*n {
            ip += 1;
            let prefix = match kind {
                NodeKind::ControlPlane => "cp",
                NodeKind::Cpu => "cpu",
                NodeKind::H100 => "gpu-h100",
                NodeKind::A100Mig => "gpu-a100",
                NodeKind::Ascend910 => "npu-910",
            };
            let name = format!("{prefix}-{i:02}");
            out.push((*kind, node_spec(*kind, &name, ip, created)));
        }
    }
    out
}

fn node_spec(kind: NodeKind, name: &str, ip: u32, created: Millis) -> NodeSpec {
    let mut labels = common_labels(name);
    let mut taints = Vec::new();
    let (cpu, mem) = match kind {
        NodeKind::ControlPlane => ("16", "65536Mi"),
        NodeKind::Cpu => ("64", "262144Mi"),
        _ => ("192", "2063400Mi"),
    };
    let mut cap = kv(&[
        ("cpu", cpu),
        ("memory", mem),
        ("pods", "110"),
        ("ephemeral-storage", "1843Gi"),
    ]);
    match kind {
        NodeKind::ControlPlane => {
            labels.extend(kv(&[("node-role.kubernetes.io/control-plane", "")]));
            taints.push((
                "node-role.kubernetes.io/control-plane".into(),
                String::new(),
                "NoSchedule".into(),
            ));
        }
        NodeKind::Cpu => labels.extend(kv(&[("node-role.kubernetes.io/worker", "")])),
        NodeKind::H100 => {
            labels.extend(kv(&[("node-role.kubernetes.io/worker", "")]));
            labels.extend(gfd_labels("NVIDIA-H100-80GB-HBM3", "hopper", "9", "mixed"));
            labels.extend(kv(&[("nvidia.com/mig.config", "all-disabled")]));
            cap.extend(kv(&[
                ("nvidia.com/gpu", "8"),
                ("rdma/rdma_shared_device_a", "63"),
            ]));
            taints.push((
                "nvidia.com/gpu".into(),
                "present".into(),
                "NoSchedule".into(),
            ));
        }
        NodeKind::A100Mig => {
            labels.extend(kv(&[("node-role.kubernetes.io/worker", "")]));
            labels.extend(gfd_labels("NVIDIA-A100-SXM4-80GB", "ampere", "8", "mixed"));
            labels.extend(kv(&[
                ("nvidia.com/mig.config", "all-balanced"),
                ("nvidia.com/mig.config.state", "success"),
            ]));
            for (p, count, memory, sms) in [
                ("1g.10gb", "16", "9728", "14"),
                ("2g.20gb", "8", "19968", "28"),
                ("3g.40gb", "8", "40192", "42"),
            ] {
                labels.extend(kv(&[
                    (&format!("nvidia.com/mig-{p}.count"), count),
                    (&format!("nvidia.com/mig-{p}.memory"), memory),
                    (&format!("nvidia.com/mig-{p}.multiprocessors"), sms),
                    (
                        &format!("nvidia.com/mig-{p}.product"),
                        &format!("NVIDIA-A100-SXM4-80GB-MIG-{p}"),
                    ),
                ]));
                cap.push((format!("nvidia.com/mig-{p}"), count.to_string()));
            }
            taints.push((
                "nvidia.com/gpu".into(),
                "present".into(),
                "NoSchedule".into(),
            ));
        }
        NodeKind::Ascend910 => {
            labels.extend(kv(&[
                ("node-role.kubernetes.io/worker", ""),
                ("accelerator", "huawei-Ascend910"),
                ("accelerator-type", "module-910b-8"),
                ("node.kubernetes.io/npu.chip.name", "910B3"),
                ("host-arch", "huawei-arm"),
            ]));
            labels.retain(|(k, _)| k != "kubernetes.io/arch");
            labels.push(("kubernetes.io/arch".into(), "arm64".into()));
            cap.push(("huawei.com/Ascend910".into(), "8".into()));
            taints.push(("ascend.ai/npu".into(), "true".into(), "NoSchedule".into()));
        }
    }
    let mut alloc = cap.clone();
    for (k, v) in alloc.iter_mut() {
        if k == "cpu" {
            *v = format!("{}", v.parse::<u32>().unwrap_or(1).saturating_sub(1).max(1));
        } else if k == "memory" {
            let mi = v.trim_end_matches("Mi").parse::<u64>().unwrap_or(0);
            *v = format!("{}Mi", mi.saturating_sub(mi / 20));
        }
    }
    NodeSpec {
        name: name.to_string(),
        ip: format!("10.0.{}.{}", ip / 250, ip % 250 + 4),
        labels,
        taints,
        capacity: cap,
        allocatable: alloc,
        created,
        kubelet: KUBELET.into(),
        os_image: if kind == NodeKind::Ascend910 {
            "openEuler 22.03 (LTS-SP4)".into()
        } else {
            "Ubuntu 22.04.5 LTS".into()
        },
        kernel: "5.15.0-139-generic".into(),
    }
}

/// A DaemonSet's pod on one node.
pub fn ds_pod(
    ds: &PodSpec,
    node: &NodeSpec,
    host_network: bool,
    pod_ip: &str,
    created: Millis,
) -> PodSpec {
    let suffix = format!(
        "{:05x}",
        fnv(&format!("{}/{}", ds.name, node.name)) & 0xfffff
    );
    PodSpec {
        name: format!("{}-{}", ds.name, &suffix[..5]),
        node: Some(node.name.clone()),
        ip: if host_network {
            node.ip.clone()
        } else {
            pod_ip.to_string()
        },
        host_ip: node.ip.clone(),
        owner: Some(("apps/v1".into(), "DaemonSet".into(), ds.name.clone())),
        created,
        ..ds.clone()
    }
}

fn sys(ns: &str, name: &str, app: (&str, &str), image: &str, c: Container) -> PodSpec {
    PodSpec {
        namespace: ns.into(),
        name: name.into(),
        labels: kv(&[app]),
        containers: vec![Container {
            image: image.into(),
            ..c
        }],
        ..PodSpec::default()
    }
}

/// A system DaemonSet: (pod template, node selector, the node kinds that run it, host network).
pub type SystemDs = (PodSpec, Vec<(String, String)>, Vec<NodeKind>, bool);

/// The system DaemonSets.
pub fn system_daemonsets() -> Vec<SystemDs> {
    use NodeKind::*;
    let all = vec![ControlPlane, Cpu, H100, A100Mig, Ascend910];
    let nvidia = vec![H100, A100Mig];
    let c = |name: &str| Container {
        name: name.into(),
        ..Container::default()
    };
    let mut plugin = sys(
        "kube-system",
        "nvidia-device-plugin-daemonset",
        ("app", "nvidia-device-plugin-daemonset"),
        "nvcr.io/nvidia/k8s-device-plugin:v0.17.1",
        Container {
            env: kv(&[("MIG_STRATEGY", "mixed"), ("FAIL_ON_INIT_ERROR", "false")]),
            ..c("nvidia-device-plugin-ctr")
        },
    );
    plugin.tolerations = vec![("nvidia.com/gpu".into(), "NoSchedule".into())];
    let mut dcgm = sys(
        "gpu-operator",
        "nvidia-dcgm-exporter",
        ("app", "nvidia-dcgm-exporter"),
        "nvcr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.1.3-ubuntu22.04",
        Container {
            ports: vec![("metrics".into(), 9400)],
            env: kv(&[
                ("DCGM_EXPORTER_LISTEN", ":9400"),
                ("DCGM_EXPORTER_KUBERNETES", "true"),
                (
                    "DCGM_EXPORTER_COLLECTORS",
                    "/etc/dcgm-exporter/dcp-metrics-included.csv",
                ),
            ]),
            ..c("nvidia-dcgm-exporter")
        },
    );
    dcgm.tolerations = plugin.tolerations.clone();
    dcgm.annotations = kv(&[
        ("prometheus.io/scrape", "true"),
        ("prometheus.io/port", "9400"),
    ]);
    let mut ascend = sys(
        "kube-system",
        "ascend-device-plugin-daemonset",
        ("name", "ascend-device-plugin-ds"),
        "ascend-k8sdeviceplugin:v6.0.0",
        c("device-plugin-01"),
    );
    ascend.tolerations = vec![("ascend.ai/npu".into(), "NoSchedule".into())];
    let mut proxy = sys(
        "kube-system",
        "kube-proxy",
        ("k8s-app", "kube-proxy"),
        "registry.k8s.io/kube-proxy:v1.32.4",
        c("kube-proxy"),
    );
    proxy.tolerations = vec![(String::new(), "NoSchedule".into())];
    vec![
        (proxy, Vec::new(), all, true),
        (
            plugin,
            kv(&[("nvidia.com/gpu.deploy.device-plugin", "true")]),
            nvidia.clone(),
            false,
        ),
        (
            dcgm,
            kv(&[("nvidia.com/gpu.deploy.dcgm-exporter", "true")]),
            nvidia,
            false,
        ),
        (
            ascend,
            kv(&[("accelerator", "huawei-Ascend910")]),
            vec![Ascend910],
            true,
        ),
    ]
}

/// Upserts for nodes, system DaemonSets and their pods (all Running since `created`).
pub fn system_objects(nodes: &[(NodeKind, NodeSpec)], created: Millis, now: Millis) -> Vec<Value> {
    let mut out: Vec<Value> = nodes.iter().map(|(_, n)| k8s::node(n, true, now)).collect();
    let mut ip = 0u32;
    for (tpl, selector, kinds, host_net) in system_daemonsets() {
        let mut count = 0;
        let ds = PodSpec {
            created,
            ..tpl.clone()
        };
        for (kind, n) in nodes.iter().filter(|(k, _)| kinds.contains(k)) {
            let _ = kind;
            ip += 1;
            let pod_ip = format!("10.244.{}.{}", 200 + ip / 250, ip % 250 + 2);
            let p = ds_pod(&ds, n, host_net, &pod_ip, created);
            out.push(k8s::pod(&p, &PodStatus::running(created)));
            count += 1;
        }
        out.push(k8s_apps::daemonset(&ds, &selector, count, count));
    }
    out
}

/// The NVIDIA device-plugin and dcgm-exporter DaemonSets and their Running pods on the GPU
/// nodes among `nodes` (for scenarios that upsert their nodes themselves).
pub fn gpu_daemon_objects(nodes: &[(NodeKind, NodeSpec)], created: Millis) -> Vec<Value> {
    system_objects(nodes, created, created)
        .into_iter()
        .filter(|o| o["kind"] != "Node")
        .filter(|o| {
            let name = o["metadata"]["name"].as_str().unwrap_or("");
            name.starts_with("nvidia-device-plugin") || name.starts_with("nvidia-dcgm-exporter")
        })
        .collect()
}
