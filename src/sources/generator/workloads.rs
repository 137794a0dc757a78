//! The healthy background of the incident scenarios: control-plane pods, CoreDNS, the training
//! operator, a vLLM `llama3-inference` Deployment with its serving metrics and logs, MIG
//! notebooks on the A100 nodes and an Ascend NPU job — and the GPU/NPU telemetry of all of them.

use crate::domain::Millis;
use crate::sources::generator::Timeline;
use crate::sources::generator::cluster::{A100_MODEL, H100_MODEL, NodeKind, gpu_uuid, pci_bus_id};
use crate::sources::generator::k8s::{self, Container, NodeSpec, PodSpec, PodStatus, kv};
use crate::sources::generator::k8s_apps;
use crate::sources::generator::telemetry::{
    DCGM_FB_USED, DCGM_POWER, DCGM_TEMP, DCGM_UTIL, H100Series, Lcg, NvmlSample, r1,
};

use crate::sources::generator::serving::serving_pods;
pub use crate::sources::generator::serving::{SERVING_APP, SERVING_NS};

/// A pod with one container on a node.
pub fn simple_pod(ns: &str, name: &str, node: &NodeSpec, ip: &str, c: Container) -> PodSpec {
    PodSpec {
        namespace: ns.into(),
        name: name.into(),
        node: Some(node.name.clone()),
        ip: ip.into(),
        host_ip: node.ip.clone(),
        containers: vec![c],
        ..PodSpec::default()
    }
}

pub fn container(name: &str, image: &str) -> Container {
    Container {
        name: name.into(),
        image: image.into(),
        ..Container::default()
    }
}

fn first(nodes: &[(NodeKind, NodeSpec)], kind: NodeKind, nth: usize) -> Option<&NodeSpec> {
    nodes
        .iter()
        .filter(|(k, _)| *k == kind)
        .map(|(_, n)| n)
        .nth(nth)
}

/// Every background object at t = 0: pods, Deployments, and the serving Deployment.
pub fn background_objects(tl: &mut Timeline, nodes: &[(NodeKind, NodeSpec)], created: Millis) {
    let run = PodStatus::running(created);
    if let Some(cp) = first(nodes, NodeKind::ControlPlane, 0) {
        for (name, image) in [
            ("etcd", "registry.k8s.io/etcd:3.5.21-0"),
            ("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.32.4"),
            (
                "kube-controller-manager",
                "registry.k8s.io/kube-controller-manager:v1.32.4",
            ),
            ("kube-scheduler", "registry.k8s.io/kube-scheduler:v1.32.4"),
        ] {
            let mut p = simple_pod(
                "kube-system",
                &format!("{name}-{}", cp.name),
                cp,
                &cp.ip,
                container(name, image),
            );
            p.labels = kv(&[("component", name), ("tier", "control-plane")]);
            p.owner = Some(("v1".into(), "Node".into(), cp.name.clone()));
            p.created = created;
            tl.upsert(0, k8s::pod(&p, &run));
        }
    }
    let deploy = |tl: &mut Timeline,
                  ns: &str,
                  name: &str,
                  app: (&str, &str),
                  image: &str,
                  kind: NodeKind,
                  replicas: usize| {
        let mut tpl = simple_pod(ns, name, &NodeSpec::default(), "", container(name, image));
        tpl.labels = kv(&[app, ("app", name)]);
        tpl.created = created;
        for r in 0..replicas {
            let Some(node) = first(nodes, kind, r) else {
                continue;
            };
            let mut p = tpl.clone();
            p.name = format!("{name}-6b8d9c7f4-{}", ["h7kxq", "p2vzn", "t9wrm"][r % 3]);
            p.node = Some(node.name.clone());
            p.host_ip = node.ip.clone();
            p.ip = format!("10.244.100.{}", 10 + r + name.len());
            p.owner = Some((
                "apps/v1".into(),
                "ReplicaSet".into(),
                format!("{name}-6b8d9c7f4"),
            ));
            tl.upsert(0, k8s::pod(&p, &run));
        }
        tl.upsert(
            0,
            k8s_apps::deployment(&tpl, replicas as u32, replicas as u32),
        );
    };
    deploy(
        tl,
        "kube-system",
        "coredns",
        ("k8s-app", "kube-dns"),
        "registry.k8s.io/coredns/coredns:v1.11.3",
        NodeKind::Cpu,
        2,
    );
    deploy(
        tl,
        "kubeflow",
        "training-operator",
        ("control-plane", "kubeflow-training-operator"),
        "kubeflow/training-operator:v1-855e096",
        NodeKind::Cpu,
        1,
    );
    deploy(
        tl,
        "monitoring",
        "prometheus-server",
        ("app.kubernetes.io/name", "prometheus"),
        "quay.io/prometheus/prometheus:v3.4.1",
        NodeKind::Cpu,
        1,
    );

    let serving = serving_pods(nodes, created);
    for (p, _) in &serving {
        tl.upsert(0, k8s::pod(p, &run));
    }
    if let Some((p, _)) = serving.first() {
        let d = PodSpec {
            name: SERVING_APP.into(),
            ..p.clone()
        };
        tl.upsert(0, k8s_apps::deployment(&d, 2, 2));
    }

    // MIG notebooks on the A100 nodes, an NPU job on the Ascend nodes.
    let mig = [
        ("notebook-alice-0", "nvidia.com/mig-1g.10gb", 0),
        ("notebook-bob-0", "nvidia.com/mig-3g.40gb", 0),
        ("notebook-chen-0", "nvidia.com/mig-2g.20gb", 1),
        ("finetune-bert-0", "nvidia.com/mig-3g.40gb", 1),
    ];
    for (i, (name, res, n)) in mig.iter().enumerate() {
        let Some(node) = first(nodes, NodeKind::A100Mig, *n) else {
            continue;
        };
        let c = Container {
            limits: kv(&[(res, "1")]),
            requests: kv(&[(res, "1"), ("cpu", "4"), ("memory", "32Gi")]),
            ports: vec![("notebook".into(), 8888)],
            ..container(
                "notebook",
                "quay.io/jupyter/pytorch-notebook:cuda12-2025-06-02",
            )
        };
        let mut p = simple_pod("research", name, node, &format!("10.244.6.{}", 30 + i), c);
        p.labels = kv(&[
            ("app", "notebook"),
            ("statefulset.kubernetes.io/pod-name", name),
        ]);
        p.owner = Some((
            "apps/v1".into(),
            "StatefulSet".into(),
            name.trim_end_matches("-0").into(),
        ));
        p.tolerations = vec![("nvidia.com/gpu".into(), "NoSchedule".into())];
        p.created = created;
        tl.upsert(0, k8s::pod(&p, &run));
    }
    for i in 0..2 {
        let Some(node) = first(nodes, NodeKind::Ascend910, i) else {
            continue;
        };
        let c = Container {
            limits: kv(&[("huawei.com/Ascend910", "8")]),
            requests: kv(&[
                ("huawei.com/Ascend910", "8"),
                ("cpu", "64"),
                ("memory", "512Gi"),
            ]),
            ..container(
                "ascend",
                "swr.cn-south-1.myhuaweicloud.com/ascendhub/mindspore:2.6.0",
            )
        };
        let mut p = simple_pod(
            "npu-lab",
            &format!("resnet50-npu-worker-{i}"),
            node,
            &format!("10.244.7.{}", 40 + i),
            c,
        );
        p.labels = kv(&[
            ("job-name", "resnet50-npu"),
            ("ring-controller.atlas", "ascend-910b"),
        ]);
        p.annotations = kv(&[
            (
                "huawei.com/AscendReal",
                "Ascend910-0,Ascend910-1,Ascend910-2,Ascend910-3,Ascend910-4,Ascend910-5,Ascend910-6,Ascend910-7",
            ),
            ("hccl/rankIndex", &i.to_string()),
        ]);
        p.owner = Some(("batch/v1".into(), "Job".into(), "resnet50-npu".into()));
        p.tolerations = vec![("ascend.ai/npu".into(), "NoSchedule".into())];
        p.created = created;
        tl.upsert(0, k8s::pod(&p, &run));
    }
}

/// Who uses a GPU, for the DCGM `pod`/`namespace`/`container` labels.
pub type Owner<'a> = Option<(&'a str, &'a str, &'a str)>;

/// One round of the four DCGM gauges for one GPU.
#[allow(clippy::too_many_arguments)]
pub fn dcgm_round(
    tl: &mut Timeline,
    t: Millis,
    node: &str,
    gpu: u32,
    model: &str,
    s: &NvmlSample,
    owner: Owner,
) {
    let uuid = gpu_uuid(node, gpu);
    let g = gpu.to_string();
    let dev = format!("nvidia{gpu}");
    let pci = pci_bus_id(gpu);
    let mut labels = vec![
        ("gpu", g.as_str()),
        ("UUID", uuid.as_str()),
        ("pci_bus_id", pci.as_str()),
        ("device", dev.as_str()),
        ("modelName", model),
        ("Hostname", node),
    ];
    if let Some((ns, pod, c)) = owner {
        labels.extend([("namespace", ns), ("pod", pod), ("container", c)]);
    }
    tl.metric(t, DCGM_UTIL, &labels, s.gpu_util);
    tl.metric(t, DCGM_FB_USED, &labels, s.fb_used_mib.round());
    tl.metric(t, DCGM_TEMP, &labels, s.temp_c);
    tl.metric(t, DCGM_POWER, &labels, r1(s.power_w));
}

/// Temperature spread between the GPUs of one board (°C), so series are not identical.
pub const TEMP_SPREAD: [f64; 8] = [0.0, 2.0, -1.0, 3.0, 1.0, -2.0, 0.0, 2.0];

/// Telemetry of the healthy background at round `k` (time `t`): serving GPUs, MIG A100s, NPUs.
pub fn background_round(
    tl: &mut Timeline,
    t: Millis,
    k: usize,
    nodes: &[(NodeKind, NodeSpec)],
    h: &H100Series,
    serving: &[(PodSpec, Vec<u32>)],
    rng: &mut Lcg,
) {
    for (pod, gpus) in serving {
        let Some(node) = &pod.node else { continue };
        for g in gpus {
            let mut s = h.partial(k * 3 + *g as usize * 5, 0.55 + 0.15 * rng.unit());
            s.fb_used_mib = 73_400.0 + f64::from(*g) * 11.0;
            s.temp_c += TEMP_SPREAD[*g as usize % 8];
            dcgm_round(
                tl,
                t,
                node,
                *g,
                H100_MODEL,
                &s,
                Some((SERVING_NS, &pod.name, "vllm")),
            );
        }
    }
    for (i, (_, n)) in nodes
        .iter()
        .filter(|(k, _)| *k == NodeKind::A100Mig)
        .enumerate()
    {
        for g in 0..8u32 {
            let busy = g < 2;
            let mut s = h.partial(k * 5 + g as usize * 3 + i, if busy { 0.35 } else { 0.0 });
            s.power_w = s.power_w * 400.0 / 700.0;
            s.temp_c += TEMP_SPREAD[g as usize];
            let uuid = gpu_uuid(&n.name, g);
            let gs = g.to_string();
            let labels = [
                ("gpu", gs.as_str()),
                ("UUID", uuid.as_str()),
                ("modelName", A100_MODEL),
                ("Hostname", n.name.as_str()),
            ];
            tl.metric(t, DCGM_TEMP, &labels, s.temp_c);
            tl.metric(t, DCGM_POWER, &labels, r1(s.power_w));
        }
    }
    for (i, (_, n)) in nodes
        .iter()
        .filter(|(k, _)| *k == NodeKind::Ascend910)
        .enumerate()
    {
        for id in 0..8u32 {
            let ids = id.to_string();
            let labels = [
                ("id", ids.as_str()),
                ("model_name", "Ascend910B3"),
                ("node", n.name.as_str()),
            ];
            let util = 78.0 + (rng.unit() * 12.0).round();
            tl.metric(t, "npu_chip_info_utilization", &labels, util);
            tl.metric(
                t,
                "npu_chip_info_temperature",
                &labels,
                52.0 + f64::from((id + i as u32) % 5),
            );
            tl.metric(t, "npu_chip_info_power", &labels, r1(240.0 + util * 1.1));
        }
    }
}
