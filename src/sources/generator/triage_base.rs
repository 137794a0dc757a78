//! The small cluster the triage scenarios share: a control-plane node, a CPU node and three
//! 8×H100 nodes (tainted `nvidia.com/gpu=present:NoSchedule`) with their system DaemonSets, and
//! helpers for a single-pod training Job and its Events.

use serde_json::Value;

use crate::contract::event::{HealthState, SourceEvent};
use crate::domain::Millis;
use crate::sources::generator::Timeline;
use crate::sources::generator::cluster::{self, NodeKind};
use crate::sources::generator::k8s::{self, Container, Involved, NodeSpec, PodSpec, kv};

/// Namespace of the triage scenarios' training jobs.
pub const NS: &str = "ml-training";
/// The training image the jobs run.
pub const IMAGE: &str = "nvcr.io/nvidia/pytorch:25.10-py3";

/// Nodes, namespaces, system objects and healthy sources at t = 0.
pub fn cluster(tl: &mut Timeline, start_ms: Millis) -> Vec<(NodeKind, NodeSpec)> {
    let created = start_ms - 30 * 86_400_000;
    let nodes = cluster::node_specs(
        &[
            (NodeKind::ControlPlane, 1),
            (NodeKind::Cpu, 1),
            (NodeKind::H100, 3),
        ],
        created,
    );
    for ns in ["kube-system", "gpu-operator", "monitoring", NS] {
        tl.upsert(0, k8s::namespace(ns, created));
    }
    for o in cluster::system_objects(&nodes, created, start_ms) {
        tl.upsert(0, o);
    }
    for (source, message) in [
        ("kube", "watching 9 resource kinds"),
        ("prometheus", "http://prometheus-server.monitoring:9090"),
    ] {
        tl.push(
            0,
            SourceEvent::SourceHealth {
                source: source.into(),
                state: HealthState::Ok,
                message: message.into(),
            },
        );
    }
    nodes
}

/// The first node of a kind.
pub fn node(nodes: &[(NodeKind, NodeSpec)], kind: NodeKind) -> Option<&NodeSpec> {
    nodes.iter().find(|(k, _)| *k == kind).map(|(_, n)| n)
}

/// The one pod of training Job `job` (labelled `training=distributed`), asking for `gpus`.
pub fn job_pod(
    job: &str,
    node: Option<&NodeSpec>,
    gpus: &str,
    env: &[(&str, &str)],
    created: Millis,
) -> PodSpec {
    let pod = format!("{job}-0-x7k2p");
    PodSpec {
        namespace: NS.into(),
        name: pod,
        node: node.map(|n| n.name.clone()),
        ip: "10.244.7.21".into(),
        host_ip: node.map(|n| n.ip.clone()).unwrap_or_default(),
        labels: kv(&[
            ("training", "distributed"),
            ("job-name", job),
            ("batch.kubernetes.io/job-name", job),
        ]),
        owner: Some(("batch/v1".into(), "Job".into(), job.into())),
        containers: vec![Container {
            name: "trainer".into(),
            image: IMAGE.into(),
            command: vec![
                "torchrun".into(),
                "--nproc-per-node=8".into(),
                "train.py".into(),
            ],
            env: kv(env),
            requests: kv(&[("nvidia.com/gpu", gpus), ("cpu", "32"), ("memory", "256Gi")]),
            limits: kv(&[("nvidia.com/gpu", gpus), ("memory", "256Gi")]),
            ..Container::default()
        }],
        restart_policy: "OnFailure".into(),
        created,
        ..PodSpec::default()
    }
}

/// A Job object with `active` / `failed` counts.
pub fn job(name: &str, created: Millis, active: u32, failed: u32) -> Value {
    serde_json::json!({"apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": NS, "uid": k8s::uid("Job", NS, name),
            "creationTimestamp": k8s::ts(created), "labels": {"training": "distributed"}},
        "spec": {"parallelism": 1, "completions": 1, "backoffLimit": 6},
        "status": {"active": active, "failed": failed, "startTime": k8s::ts(created)}})
}

/// A Warning/Normal Event about a pod.
#[allow(clippy::too_many_arguments)]
pub fn pod_event(
    tl: &mut Timeline,
    t: Millis,
    start_ms: Millis,
    pod: &str,
    seq: u32,
    type_: &str,
    reason: &str,
    message: &str,
    count: u32,
    first: Millis,
    component: &str,
) {
    let obj = Involved {
        api_version: "v1".into(),
        kind: "Pod".into(),
        namespace: NS.into(),
        name: pod.into(),
        field_path: String::new(),
    };
    tl.upsert(
        t,
        k8s::event(
            &obj,
            seq,
            type_,
            reason,
            message,
            count,
            start_ms + first,
            start_ms + t,
            component,
            "",
        ),
    );
}

/// A pending pod as the API returns it: PodScheduled False / Unschedulable with `message`.
pub fn unschedulable(p: &PodSpec, message: &str, at: Millis) -> Value {
    let mut v = k8s::pod(p, &k8s::PodStatus::pending());
    v["status"] = serde_json::json!({"phase": "Pending", "conditions": [{"type": "PodScheduled",
        "status": "False", "reason": "Unschedulable", "message": message,
        "lastTransitionTime": k8s::ts(at)}]});
    v
}
