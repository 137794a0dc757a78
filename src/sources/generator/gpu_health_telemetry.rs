//! Pods and telemetry of the `gpu-health` scenario: MIG notebooks and an NPU job, npu-exporter
//! DaemonSet pods, agent logs (the device plugin's XID 79 lines follow a real
//! k8s-device-plugin log), and the scrape rounds: DCGM for the H100s (XID series included),
//! per-MIG-instance DCGM series on gpu-a100-01 (`GPU_I_ID`, `GPU_I_PROFILE`,
//! `DCGM_FI_PROF_GR_ENGINE_ACTIVE`), parent-GPU series only on gpu-a100-02, npu-exporter chips.

use serde_json::Value;

use crate::domain::Millis;
use crate::sources::generator::Timeline;
use crate::sources::generator::cluster::{
    A100_MODEL, H100_MODEL, NodeKind, ds_pod, gpu_uuid, pci_bus_id,
};
use crate::sources::generator::gpu_health::{BAD_CHIP, END, NPU_NODE, XID_GPU, XID_NODE, at};
use crate::sources::generator::k8s::{self, Container, NodeSpec, PodSpec, PodStatus, kv};
use crate::sources::generator::k8s_apps;
use crate::sources::generator::telemetry::{DCGM_FB_USED, DCGM_POWER, DCGM_TEMP, h100_series, r1};
use crate::sources::generator::workloads::{TEMP_SPREAD, container, dcgm_round, simple_pod};

/// DCGM scrape interval in this scenario.
pub const SCRAPE: Millis = 15_000;
const XID: &str = "DCGM_FI_DEV_XID_ERRORS";
const GR: &str = "DCGM_FI_PROF_GR_ENGINE_ACTIVE";
const FB_FREE: &str = "DCGM_FI_DEV_FB_FREE";

/// MIG instances per A100 under `all-balanced`: (GPU_I_ID, profile, memory MiB).
pub const BALANCED: &[(&str, &str, f64)] = &[
    ("1", "3g.40gb", 40_192.0),
    ("5", "2g.20gb", 19_968.0),
    ("13", "1g.10gb", 9_728.0),
    ("14", "1g.10gb", 9_728.0),
];

/// (pod, gpu, GPU_I_ID, resource) of the notebooks on gpu-a100-01.
pub const NOTEBOOKS: &[(&str, u32, &str, &str)] = &[
    ("notebook-bob-0", 0, "1", "nvidia.com/mig-3g.40gb"),
    ("notebook-alice-0", 0, "13", "nvidia.com/mig-1g.10gb"),
    ("notebook-chen-0", 1, "5", "nvidia.com/mig-2g.20gb"),
];

/// npu-exporter DaemonSet and its pods on the Ascend nodes.
pub fn npu_exporters(tl: &mut Timeline, nodes: &[(NodeKind, NodeSpec)], created: Millis) {
    let ds = PodSpec {
        namespace: "npu-exporter".into(),
        name: "npu-exporter".into(),
        labels: kv(&[("app", "npu-exporter")]),
        containers: vec![Container {
            ports: vec![("http".into(), 8082)],
            ..container("npu-exporter", "npu-exporter:v6.0.0")
        }],
        tolerations: vec![("ascend.ai/npu".into(), "NoSchedule".into())],
        created,
        ..PodSpec::default()
    };
    let mut count = 0;
    for (_, n) in nodes.iter().filter(|(k, _)| *k == NodeKind::Ascend910) {
        let p = ds_pod(&ds, n, true, "", created);
        tl.upsert(0, k8s::pod(&p, &PodStatus::running(created)));
        count += 1;
    }
    let sel = kv(&[("accelerator", "huawei-Ascend910")]);
    tl.upsert(0, k8s_apps::daemonset(&ds, &sel, count, count));
}

fn node_named<'a>(nodes: &'a [(NodeKind, NodeSpec)], name: &str) -> Option<&'a NodeSpec> {
    nodes.iter().map(|(_, n)| n).find(|n| n.name == name)
}

/// MIG notebooks on gpu-a100-01 and the NPU job on the Ascend nodes.
pub fn background_pods(tl: &mut Timeline, nodes: &[(NodeKind, NodeSpec)], created: Millis) {
    let run = PodStatus::running(created);
    if let Some(node) = node_named(nodes, "gpu-a100-01") {
        for (i, (name, _, _, res)) in NOTEBOOKS.iter().enumerate() {
            let c = Container {
                limits: kv(&[(res, "1")]),
                requests: kv(&[(res, "1"), ("cpu", "4"), ("memory", "32Gi")]),
                ..container(
                    "notebook",
                    "quay.io/jupyter/pytorch-notebook:cuda12-2025-06-02",
                )
            };
            let mut p = simple_pod("research", name, node, &format!("10.244.6.{}", 30 + i), c);
            p.labels = kv(&[("app", "notebook")]);
            p.tolerations = vec![("nvidia.com/gpu".into(), "NoSchedule".into())];
            p.created = created;
            tl.upsert(0, k8s::pod(&p, &run));
        }
    }
    for (i, (_, node)) in nodes
        .iter()
        .filter(|(k, _)| *k == NodeKind::Ascend910)
        .enumerate()
    {
        let c = Container {
            limits: kv(&[("huawei.com/Ascend910", "8")]),
            requests: kv(&[("huawei.com/Ascend910", "8"), ("cpu", "64")]),
            ..container(
                "ascend",
                "swr.cn-south-1.myhuaweicloud.com/ascendhub/mindspore:2.6.0",
            )
        };
        let name = format!("resnet50-npu-worker-{i}");
        let mut p = simple_pod("npu-lab", &name, node, &format!("10.244.7.{}", 40 + i), c);
        p.labels = kv(&[("job-name", "resnet50-npu")]);
        p.annotations = kv(&[("hccl/rankIndex", &i.to_string())]);
        p.tolerations = vec![("ascend.ai/npu".into(), "NoSchedule".into())];
        p.created = created;
        tl.upsert(0, k8s::pod(&p, &run));
    }
}

fn klog(start_ms: Millis, t: Millis, level: char, src: &str, msg: &str) -> String {
    let stamp = chrono::DateTime::from_timestamp_millis(start_ms + t)
        .map(|d| d.format("%m%d %H:%M:%S%.6f").to_string())
        .unwrap_or_default();
    format!("{level}{stamp}       1 {src}] {msg}")
}

/// The device plugin on `node` reports the XID and marks the GPU unhealthy.
pub fn plugin_xid_log(tl: &mut Timeline, system: &[Value], node: &str, gpu: u32, start: Millis) {
    let Some(pod) = system.iter().find(|o| {
        o["kind"] == "Pod"
            && o["spec"]["nodeName"] == node
            && o["metadata"]["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("nvidia-device-plugin"))
    }) else {
        return;
    };
    let name = pod["metadata"]["name"].as_str().unwrap_or("");
    let uuid = gpu_uuid(node, gpu);
    let t = at::XID + 400;
    for (dt, src, msg) in [
        (0, "health.go:159", "Processing event {Device:{Handle:0x7f7597647848} EventType:8 EventData:79 GpuInstanceId:4294967295 ComputeInstanceId:4294967295}".to_string()),
        (0, "health.go:185", format!("XidCriticalError: Xid=79 on Device={uuid}; marking device as unhealthy.")),
        (0, "server.go:276", format!("'nvidia.com/gpu' device marked unhealthy: {uuid}")),
    ] {
        let line = klog(start, t + dt, 'I', src, &msg);
        tl.log(t + dt, "kube-system", name, "nvidia-device-plugin-ctr", line);
    }
}

/// What the crash-looping agents on the driverless node print each start.
pub fn crash_logs(tl: &mut Timeline, ns: &str, name: &str, start: Millis) {
    let plugin = name.starts_with("nvidia-device-plugin");
    for t in [at::PLUGIN_CRASH - 1_000, 119_000, 239_000] {
        let lines: Vec<String> = if plugin {
            vec![
                klog(
                    start,
                    t,
                    'I',
                    "main.go:235",
                    "Starting NVIDIA Device Plugin",
                ),
                klog(
                    start,
                    t,
                    'E',
                    "factory.go:112",
                    "Failed to initialize NVML: Driver Not Loaded.",
                ),
                klog(
                    start,
                    t,
                    'E',
                    "factory.go:113",
                    "If this is a GPU node, did you set the docker default runtime to `nvidia`?",
                ),
                klog(
                    start,
                    t,
                    'E',
                    "main.go:177",
                    "error starting plugins: error creating plugin manager: unable to create plugin manager: nvml init failed: Driver Not Loaded",
                ),
            ]
        } else {
            let stamp = k8s::ts(start + t);
            vec![
                format!("time=\"{stamp}\" level=info msg=\"Starting dcgm-exporter\""),
                format!(
                    "time=\"{stamp}\" level=fatal msg=\"Error starting nv-hostengine: DCGM initialization error\""
                ),
            ]
        };
        let c = if plugin {
            "nvidia-device-plugin-ctr"
        } else {
            "nvidia-dcgm-exporter"
        };
        for l in lines {
            tl.log(t, ns, name, c, l);
        }
    }
}

fn labels<'a>(node: &'a str, g: &'a str, uuid: &'a str, model: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("gpu", g),
        ("UUID", uuid),
        ("modelName", model),
        ("Hostname", node),
    ]
}

/// Every scrape round: DCGM for the H100 ranks and the A100s, npu-exporter for the Ascend nodes.
pub fn rounds(tl: &mut Timeline, nodes: &[(NodeKind, NodeSpec)], ranks: &[PodSpec]) {
    let h = h100_series();
    let mut k = 0usize;
    let mut t = 0;
    while t <= END {
        for (r, pod) in ranks.iter().enumerate() {
            let Some(node) = pod.node.as_deref() else {
                continue;
            };
            let failed = t >= at::RANK_FAILED;
            for g in 0..8u32 {
                let (gs, uuid) = (g.to_string(), gpu_uuid(node, g));
                let off_bus = node == XID_NODE && g == XID_GPU && t >= at::XID;
                let xid = if off_bus { 79.0 } else { 0.0 };
                // the pod keeps its devices after the failure (the PyTorchJob restarts in place)
                let mut xl = labels(node, &gs, &uuid, H100_MODEL);
                xl.extend([
                    ("namespace", "ml-training"),
                    ("pod", pod.name.as_str()),
                    ("container", "main"),
                ]);
                tl.metric(t, XID, &xl, xid);
                if off_bus {
                    // the GPU is gone from the bus: DCGM reads nothing else from it
                    continue;
                }
                let i = k * 3 + g as usize * 5 + r * 7;
                let mut s = if failed { h.idle(i) } else { h.busy(i) };
                if !failed {
                    s.fb_used_mib = 74_100.0 + f64::from(g) * 23.0;
                } else if node != XID_NODE {
                    // rank 0 waits in a collective for its dead peer: memory held, SMs idle
                    s.fb_used_mib = 74_100.0 + f64::from(g) * 23.0;
                }
                s.temp_c += TEMP_SPREAD[g as usize];
                let owner = Some(("ml-training", pod.name.as_str(), "main"));
                dcgm_round(tl, t, node, g, H100_MODEL, &s, owner);
            }
        }
        mig_round(tl, t, k, nodes);
        npu_round(tl, t, k, nodes);
        k += 1;
        t += SCRAPE;
    }
}

fn mig_round(tl: &mut Timeline, t: Millis, k: usize, nodes: &[(NodeKind, NodeSpec)]) {
    let a100 = nodes.iter().filter(|(kd, _)| *kd == NodeKind::A100Mig);
    for (ni, (_, n)) in a100.enumerate() {
        for g in 0..8u32 {
            let (gs, uuid) = (g.to_string(), gpu_uuid(&n.name, g));
            let pci = pci_bus_id(g);
            let mut parent = labels(&n.name, &gs, &uuid, A100_MODEL);
            parent.push(("pci_bus_id", &pci));
            let held = NOTEBOOKS.iter().filter(|nb| nb.1 == g).count() as f64;
            let temp = 34.0 + 6.0 * held + TEMP_SPREAD[g as usize] + (k % 3) as f64;
            tl.metric(t, DCGM_TEMP, &parent, temp);
            tl.metric(
                t,
                DCGM_POWER,
                &parent,
                r1(62.0 + 55.0 * held + (k % 4) as f64 * 1.5),
            );
            if ni > 0 {
                continue;
            }
            for (id, profile, mem) in BALANCED {
                let owner = NOTEBOOKS.iter().find(|nb| nb.1 == g && nb.2 == *id);
                let mut l = parent.clone();
                l.extend([("GPU_I_PROFILE", *profile), ("GPU_I_ID", *id)]);
                if let Some((pod, ..)) = owner {
                    l.extend([
                        ("namespace", "research"),
                        ("pod", *pod),
                        ("container", "notebook"),
                    ]);
                }
                let busy = owner.map_or(0.0, |_| 0.35 + 0.25 * ((k + g as usize) % 4) as f64 / 3.0);
                let used = owner.map_or(0.0, |_| (mem * 0.62).round());
                tl.metric(t, GR, &l, r1(busy * 100.0) / 100.0);
                tl.metric(t, DCGM_FB_USED, &l, used);
                tl.metric(t, FB_FREE, &l, mem - used);
            }
        }
    }
}

fn npu_round(tl: &mut Timeline, t: Millis, k: usize, nodes: &[(NodeKind, NodeSpec)]) {
    let ascend = nodes.iter().filter(|(kd, _)| *kd == NodeKind::Ascend910);
    for (ni, (_, n)) in ascend.enumerate() {
        let pod = format!("resnet50-npu-worker-{ni}");
        for id in 0..8u32 {
            let ids = id.to_string();
            let bad = n.name == NPU_NODE && id == BAD_CHIP && t >= at::NPU_FAULT;
            let labels = [
                ("id", ids.as_str()),
                ("model_name", "Ascend910B3"),
                ("node", n.name.as_str()),
                ("namespace", "npu-lab"),
                ("pod_name", pod.as_str()),
                ("container_name", "ascend"),
            ];
            let util = if bad {
                0.0
            } else {
                80.0 + ((k * 7 + id as usize * 3) % 11) as f64
            };
            tl.metric(t, "npu_chip_info_utilization", &labels, util);
            tl.metric(t, "npu_chip_info_hbm_total_memory", &labels, 65_536.0);
            let hbm = if bad {
                0.0
            } else {
                41_200.0 + f64::from(id) * 64.0
            };
            tl.metric(t, "npu_chip_info_hbm_used_memory", &labels, hbm);
            let temp = 50.0 + f64::from((id + ni as u32) % 5) + if bad { 14.0 } else { 0.0 };
            tl.metric(t, "npu_chip_info_temperature", &labels, temp);
            tl.metric(
                t,
                "npu_chip_info_power",
                &labels,
                r1(if bad { 68.0 } else { 240.0 + util * 1.1 }),
            );
            tl.metric(
                t,
                "npu_chip_info_health_status",
                &labels,
                if bad { 0.0 } else { 1.0 },
            );
        }
    }
}
