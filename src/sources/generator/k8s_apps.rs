//! Builders for workload and policy objects of generated scenarios: Deployments, DaemonSets,
//! Kubeflow PyTorchJobs and NetworkPolicies (pods, nodes and events are in `k8s`).

use serde_json::{Value, json};

use crate::domain::Millis;
use crate::sources::generator::k8s::{Container, PodSpec, map, ts, uid};

/// A pod template from a spec's containers and labels.
fn template(
    labels: &[(String, String)],
    annotations: &[(String, String)],
    c: &[Container],
) -> Value {
    let mut meta = json!({"labels": map(labels)});
    if !annotations.is_empty() {
        meta["annotations"] = map(annotations);
    }
    json!({"metadata": meta, "spec": {"containers": c.iter().map(Container::to_json).collect::<Vec<_>>()}})
}

/// An apps/v1 Deployment with every replica available.
pub fn deployment(p: &PodSpec, replicas: u32, ready: u32) -> Value {
    let sel: Vec<(String, String)> = p
        .labels
        .iter()
        .filter(|(k, _)| k == "app")
        .cloned()
        .collect();
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": p.name, "namespace": p.namespace, "uid": uid("Deployment", &p.namespace, &p.name),
            "creationTimestamp": ts(p.created), "labels": map(&sel), "generation": 1},
        "spec": {"replicas": replicas, "selector": {"matchLabels": map(&sel)},
            "template": template(&p.labels, &p.annotations, &p.containers)},
        "status": {"observedGeneration": 1, "replicas": replicas, "readyReplicas": ready,
            "availableReplicas": ready, "updatedReplicas": replicas,
            "conditions": [{"type": "Available", "status": if ready == replicas { "True" } else { "False" },
                "reason": "MinimumReplicasAvailable"}]}})
}

/// An apps/v1 DaemonSet scheduled on `desired` nodes selected by `node_selector`.
pub fn daemonset(
    p: &PodSpec,
    node_selector: &[(String, String)],
    desired: u32,
    ready: u32,
) -> Value {
    let sel: Vec<(String, String)> = p
        .labels
        .iter()
        .filter(|(k, _)| k == "app" || k == "name" || k == "k8s-app")
        .cloned()
        .collect();
    let mut tpl = template(&p.labels, &p.annotations, &p.containers);
    if !node_selector.is_empty() {
        tpl["spec"]["nodeSelector"] = map(node_selector);
    }
    json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": p.name, "namespace": p.namespace, "uid": uid("DaemonSet", &p.namespace, &p.name),
            "creationTimestamp": ts(p.created), "labels": map(&sel), "generation": 1},
        "spec": {"selector": {"matchLabels": map(&sel)}, "template": tpl},
        "status": {"desiredNumberScheduled": desired, "currentNumberScheduled": desired,
            "numberReady": ready, "numberAvailable": ready, "updatedNumberScheduled": desired,
            "numberMisscheduled": 0, "observedGeneration": 1}})
}

/// A job condition (type, status, reason, message, at).
pub type Condition<'a> = (&'a str, &'a str, &'a str, &'a str, Millis);

/// A Kubeflow PyTorchJob (kubeflow.org/v1) with a master and `workers` workers.
#[allow(clippy::too_many_arguments)]
pub fn pytorchjob(
    ns: &str,
    name: &str,
    created: Millis,
    master: &Container,
    workers: u32,
    conditions: &[Condition],
    active: u32,
    failed: u32,
) -> Value {
    let replica = |n: u32| {
        json!({"replicas": n, "restartPolicy": "OnFailure",
            "template": {"metadata": {"labels": {"training": "distributed"}},
                "spec": {"containers": [master.to_json()]}}})
    };
    let conds: Vec<Value> = conditions
        .iter()
        .map(|(ty, st, reason, msg, at)| {
            json!({"type": ty, "status": st, "reason": reason, "message": msg,
                "lastUpdateTime": ts(*at), "lastTransitionTime": ts(*at)})
        })
        .collect();
    json!({"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob",
        "metadata": {"name": name, "namespace": ns, "uid": uid("PyTorchJob", ns, name),
            "creationTimestamp": ts(created), "generation": 1},
        "spec": {"runPolicy": {"cleanPodPolicy": "None", "backoffLimit": 6},
            "pytorchReplicaSpecs": {"Master": replica(1), "Worker": replica(workers)}},
        "status": {"conditions": conds, "startTime": ts(created),
            "replicaStatuses": {"Master": {"active": active.min(1), "failed": failed.min(1)},
                "Worker": {"active": active.saturating_sub(1), "failed": failed.saturating_sub(1)}}}})
}

/// A networking.k8s.io/v1 NetworkPolicy selecting pods by `selector`; ingress and egress are
/// allowed only between those pods on `ports` (each `{"protocol": .., "port": ..}`), plus DNS.
pub fn networkpolicy(
    ns: &str,
    name: &str,
    created: Millis,
    selector: &[(String, String)],
    ports: Value,
    annotations: &[(String, String)],
) -> Value {
    let peer = json!([{"podSelector": {"matchLabels": map(selector)}}]);
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns, "uid": uid("NetworkPolicy", ns, name),
            "creationTimestamp": ts(created), "generation": 1, "annotations": map(annotations)},
        "spec": {"podSelector": {"matchLabels": map(selector)}, "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": peer, "ports": ports}],
            "egress": [{"to": peer, "ports": ports},
                {"to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                 "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}})
}
