//! The `gpu-health` incident: accelerator health on a mixed cluster over five minutes.
//! - gpu-h100-02: GPU 5 reports XID 79 (fallen off the bus) under rank 1 of the PyTorchJob
//!   `llama-ft`; the rank fails, the device plugin marks the GPU unhealthy (allocatable 7/8).
//! - gpu-h100-03: the NVIDIA driver is not loaded, so the device plugin and dcgm-exporter crash
//!   loop; allocatable `nvidia.com/gpu` drops to 0 and `batch-infer-0` stays Pending with
//!   `0/9 nodes are available: 3 Insufficient nvidia.com/gpu`.
//! - gpu-a100-02: the MIG manager is asked for `all-1g.10gb`, `mig.config.state` goes `pending`
//!   then `failed`; `finetune-7b-0` asks for `nvidia.com/mig-7g.80gb`, which no node offers.
//! - npu-910-02: chip 3 goes unhealthy (`npu_chip_info_health_status` 0, listed in
//!   `mindx-dl-deviceinfo-npu-910-02` under `huawei.com/Ascend910-Unhealthy`), allocatable 7/8.
//!
//! Telemetry (DCGM with per-MIG-instance series on gpu-a100-01, npu-exporter) is in
//! `gpu_health_telemetry`.

use serde_json::{Value, json};

use crate::contract::scenario::Scenario;
use crate::domain::Millis;
use crate::sources::generator::Timeline;
use crate::sources::generator::cluster::{self, NodeKind};
use crate::sources::generator::gpu_health_telemetry as tele;
use crate::sources::generator::k8s::{
    self, CState, Container, Involved, NodeSpec, PodSpec, PodStatus, kv,
};
use crate::sources::generator::workloads::{container, simple_pod};
use crate::world::objects::parse_time;

pub const GPU_HEALTH: &str = "gpu-health";
const START: &str = "2026-11-23T03:10:00Z";
/// Scenario length.
pub const END: Millis = 300_000;

/// Moments of the story (scenario milliseconds).
pub mod at {
    use crate::domain::Millis;
    pub const PLUGIN_CRASH: Millis = 20_000;
    pub const ALLOC_ZERO: Millis = 45_000;
    pub const MIG_PENDING: Millis = 40_000;
    pub const INFER_CREATED: Millis = 60_000;
    pub const XID: Millis = 95_000;
    pub const RANK_FAILED: Millis = 100_000;
    pub const GPU_UNHEALTHY: Millis = 110_000;
    pub const MIG_FAILED: Millis = 130_000;
    pub const NPU_FAULT: Millis = 150_000;
    pub const NPU_CM: Millis = 160_000;
    pub const NPU_ALLOC: Millis = 170_000;
}

/// Node names of the story.
pub const XID_NODE: &str = "gpu-h100-02";
pub const PLUGIN_NODE: &str = "gpu-h100-03";
pub const MIG_NODE: &str = "gpu-a100-02";
pub const NPU_NODE: &str = "npu-910-02";
pub const XID_GPU: u32 = 5;
pub const BAD_CHIP: u32 = 3;

fn spec<'a>(nodes: &'a [(NodeKind, NodeSpec)], name: &str) -> Option<&'a NodeSpec> {
    nodes.iter().map(|(_, n)| n).find(|n| n.name == name)
}

fn set_alloc(n: &NodeSpec, res: &str, v: &str) -> NodeSpec {
    let mut n = n.clone();
    for (k, val) in n.allocatable.iter_mut() {
        if k == res {
            *val = v.to_string();
        }
    }
    n
}

fn set_label(n: &NodeSpec, key: &str, v: &str) -> NodeSpec {
    let mut n = n.clone();
    n.labels.retain(|(k, _)| k != key);
    n.labels.push((key.to_string(), v.to_string()));
    n
}

/// The `mindx-dl-deviceinfo-<node>` ConfigMap the Ascend device plugin writes.
pub fn deviceinfo_cm(node: &str, unhealthy: &[u32], update_s: i64) -> Value {
    let name = |i: &u32| format!("Ascend910-{i}");
    let healthy: Vec<String> = (0..8u32)
        .filter(|i| !unhealthy.contains(i))
        .map(|i| name(&i))
        .collect();
    let bad: Vec<String> = unhealthy.iter().map(name).collect();
    let cfg = json!({"DeviceInfo": {"DeviceList": {
        "huawei.com/Ascend910": healthy.join(","),
        "huawei.com/Ascend910-NetworkUnhealthy": "",
        "huawei.com/Ascend910-Unhealthy": bad.join(","),
    }, "UpdateTime": update_s}, "CheckCode": format!("{:064x}", k8s::fnv(&bad.join(",")))});
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": format!("mindx-dl-deviceinfo-{node}"), "namespace": "kube-system",
            "uid": k8s::uid("ConfigMap", "kube-system", node)},
        "data": {"DeviceInfoCfg": cfg.to_string()}})
}

fn gpu_pod(ns: &str, name: &str, node: Option<&NodeSpec>, res: &str, n: &str) -> PodSpec {
    let c = Container {
        limits: kv(&[(res, n)]),
        requests: kv(&[(res, n), ("cpu", "16"), ("memory", "128Gi")]),
        ..container("main", "registry.example.com/ml/llama-ft:1.4.2-cuda13.0")
    };
    let mut p = match node {
        Some(node) => simple_pod(ns, name, node, "10.244.9.20", c),
        None => PodSpec {
            namespace: ns.into(),
            name: name.into(),
            containers: vec![c],
            ..PodSpec::default()
        },
    };
    p.tolerations = vec![("nvidia.com/gpu".into(), "NoSchedule".into())];
    p
}

fn sched_event(tl: &mut Timeline, p: &PodSpec, t: Millis, start_ms: Millis, msg: &str) {
    let obj = Involved {
        api_version: "v1".into(),
        kind: "Pod".into(),
        namespace: p.namespace.clone(),
        name: p.name.clone(),
        field_path: String::new(),
    };
    let count = ((END - t) / 30_000 + 1) as u32;
    let ev = k8s::event(
        &obj,
        1,
        "Warning",
        "FailedScheduling",
        msg,
        count,
        start_ms + t,
        start_ms + END,
        "default-scheduler",
        "",
    );
    tl.upsert(t, ev);
}

/// Build the scenario.
pub fn gpu_health() -> Scenario {
    let start_ms = parse_time(START).unwrap_or(0);
    let created = start_ms - 20 * 86_400_000;
    let mut tl = Timeline::new();
    let nodes = cluster::node_specs(
        &[
            (NodeKind::ControlPlane, 1),
            (NodeKind::Cpu, 1),
            (NodeKind::H100, 3),
            (NodeKind::A100Mig, 2),
            (NodeKind::Ascend910, 2),
        ],
        created,
    );
    for ns in [
        "kube-system",
        "gpu-operator",
        "ml-training",
        "research",
        "npu-lab",
    ] {
        tl.upsert(0, k8s::namespace(ns, created));
    }
    let system = cluster::system_objects(&nodes, created, start_ms);
    for o in &system {
        tl.upsert(0, o.clone());
    }
    tele::npu_exporters(&mut tl, &nodes, created);
    for (_, n) in nodes.iter().filter(|(k, _)| *k == NodeKind::Ascend910) {
        tl.upsert(0, deviceinfo_cm(&n.name, &[], (start_ms - 60_000) / 1000));
    }

    // The training job: ranks 0 and 1 on the first two H100 nodes.
    let job_created = start_ms - 3_600_000;
    let mut ranks = Vec::new();
    for (i, node) in ["gpu-h100-01", XID_NODE].iter().enumerate() {
        let Some(n) = spec(&nodes, node) else {
            continue;
        };
        let mut p = gpu_pod(
            "ml-training",
            &format!("llama-ft-worker-{i}"),
            Some(n),
            "nvidia.com/gpu",
            "8",
        );
        p.labels = kv(&[
            ("training.kubeflow.org/job-name", "llama-ft"),
            ("training.kubeflow.org/replica-type", "worker"),
            ("training.kubeflow.org/replica-index", &i.to_string()),
        ]);
        p.owner = Some((
            "kubeflow.org/v1".into(),
            "PyTorchJob".into(),
            "llama-ft".into(),
        ));
        p.restart_policy = "OnFailure".into();
        p.created = job_created;
        tl.upsert(0, k8s::pod(&p, &PodStatus::running(job_created + 30_000)));
        ranks.push(p);
    }
    tele::background_pods(&mut tl, &nodes, created);

    // XID 79 under rank 1: the rank fails, the plugin marks the GPU unhealthy.
    if let Some(p) = ranks.get(1) {
        let at_ms = start_ms + at::RANK_FAILED;
        let st = PodStatus {
            phase: "Running".into(),
            state: CState::Terminated {
                reason: "Error".into(),
                exit_code: 1,
                started: job_created + 30_000,
                finished: at_ms,
            },
            last: None,
            restarts: 0,
            started: job_created + 30_000,
        };
        tl.upsert(at::RANK_FAILED, k8s::pod(p, &st));
        for line in [
            "[rank1]: RuntimeError: CUDA error: unspecified launch failure",
            "[rank1]: CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.",
            "[rank1]: Compile with `TORCH_USE_CUDA_DSA` to enable device-side assertions.",
        ] {
            tl.log(
                at::RANK_FAILED - 2_000,
                &p.namespace,
                &p.name,
                "main",
                line.into(),
            );
        }
    }
    if let Some(n) = spec(&nodes, XID_NODE) {
        tl.upsert(
            at::GPU_UNHEALTHY,
            k8s::node(&set_alloc(n, "nvidia.com/gpu", "7"), true, start_ms),
        );
    }
    tele::plugin_xid_log(&mut tl, &system, XID_NODE, XID_GPU, start_ms);

    // The driver on gpu-h100-03 is gone: plugin and exporter crash loop, allocatable 0.
    for o in system.iter().filter(|o| {
        o["kind"] == "Pod" && o["spec"]["nodeName"] == PLUGIN_NODE && {
            let name = o["metadata"]["name"].as_str().unwrap_or("");
            name.starts_with("nvidia-device-plugin") || name.starts_with("nvidia-dcgm-exporter")
        }
    }) {
        let mut o = o.clone();
        for (k, restarts) in [(at::PLUGIN_CRASH, 2u32), (120_000, 4), (240_000, 6)] {
            o["status"]["containerStatuses"][0]["state"] = json!({"waiting": {"reason": "CrashLoopBackOff",
                    "message": "back-off 40s restarting failed container"}});
            o["status"]["containerStatuses"][0]["ready"] = json!(false);
            o["status"]["containerStatuses"][0]["restartCount"] = json!(restarts);
            o["status"]["containerStatuses"][0]["lastState"] = json!({"terminated": {
                "reason": "Error", "exitCode": 1,
                "startedAt": k8s::ts(start_ms + k - 2_000), "finishedAt": k8s::ts(start_ms + k)}});
            o["status"]["conditions"] = json!([{"type": "Ready", "status": "False"}]);
            tl.upsert(k, o.clone());
        }
        let name = o["metadata"]["name"].as_str().unwrap_or("").to_string();
        let ns = o["metadata"]["namespace"]
            .as_str()
            .unwrap_or("")
            .to_string();
        tele::crash_logs(&mut tl, &ns, &name, start_ms);
    }
    if let Some(n) = spec(&nodes, PLUGIN_NODE) {
        tl.upsert(
            at::ALLOC_ZERO,
            k8s::node(&set_alloc(n, "nvidia.com/gpu", "0"), true, start_ms),
        );
    }
    let mut infer = gpu_pod("research", "batch-infer-0", None, "nvidia.com/gpu", "8");
    infer.created = start_ms + at::INFER_CREATED;
    tl.upsert(at::INFER_CREATED, k8s::pod(&infer, &PodStatus::pending()));
    sched_event(
        &mut tl,
        &infer,
        at::INFER_CREATED,
        start_ms,
        "0/9 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, \
         2 node(s) had untolerated taint {ascend.ai/npu: true}, 3 Insufficient nvidia.com/gpu, \
         3 node(s) didn't match Pod's node affinity/selector. preemption: 0/9 nodes are available: \
         3 No preemption victims found for incoming pod, 6 Preemption is not helpful for scheduling.",
    );

    // MIG reconfiguration to all-1g.10gb fails on gpu-a100-02.
    if let Some(n) = spec(&nodes, MIG_NODE) {
        let pending = set_label(
            &set_label(n, "nvidia.com/mig.config", "all-1g.10gb"),
            "nvidia.com/mig.config.state",
            "pending",
        );
        tl.upsert(at::MIG_PENDING, k8s::node(&pending, true, start_ms));
        let failed = set_label(&pending, "nvidia.com/mig.config.state", "failed");
        tl.upsert(at::MIG_FAILED, k8s::node(&failed, true, start_ms));
    }
    let mut ft = gpu_pod(
        "research",
        "finetune-7b-0",
        None,
        "nvidia.com/mig-7g.80gb",
        "1",
    );
    ft.created = start_ms + at::MIG_PENDING;
    tl.upsert(at::MIG_PENDING, k8s::pod(&ft, &PodStatus::pending()));
    sched_event(
        &mut tl,
        &ft,
        at::MIG_PENDING,
        start_ms,
        "0/9 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, \
         2 node(s) had untolerated taint {ascend.ai/npu: true}, 6 Insufficient nvidia.com/mig-7g.80gb. \
         preemption: 0/9 nodes are available: 9 Preemption is not helpful for scheduling.",
    );

    // Ascend chip 3 on npu-910-02 goes unhealthy.
    tl.upsert(
        at::NPU_CM,
        deviceinfo_cm(NPU_NODE, &[BAD_CHIP], (start_ms + at::NPU_CM) / 1000),
    );
    if let Some(n) = spec(&nodes, NPU_NODE) {
        tl.upsert(
            at::NPU_ALLOC,
            k8s::node(&set_alloc(n, "huawei.com/Ascend910", "7"), true, start_ms),
        );
    }

    tele::rounds(&mut tl, &nodes, &ranks);

    tl.finish(
        GPU_HEALTH,
        "Accelerator health: XID 79, a crash-looping device plugin, a failed MIG reconfiguration, an unhealthy NPU",
        "On a mixed GPU/NPU cluster: GPU 5 of gpu-h100-02 falls off the bus (XID 79) under rank 1 of \
         the PyTorchJob llama-ft and the device plugin marks it unhealthy; on gpu-h100-03 the driver \
         is not loaded, the device plugin and dcgm-exporter crash loop, allocatable nvidia.com/gpu \
         drops to 0 and batch-infer-0 stays Pending; the MIG manager fails to repartition \
         gpu-a100-02 (mig.config.state=failed) while finetune-7b-0 asks for a 7g.80gb slice no node \
         offers; Ascend chip 3 of npu-910-02 turns unhealthy.",
        START,
        start_ms,
    )
}
