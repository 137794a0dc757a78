//! Kubernetes object builders for generated scenarios: nodes, pods, events, deployments,
//! daemonsets, PyTorchJobs and NetworkPolicies, as the API server returns them (compact but with
//! the fields real tools read). Everything is derived from the arguments; uids are hashes of the
//! object's identity, so the same input always gives the same JSON.

use serde_json::{Map, Value, json};

use crate::domain::Millis;

/// Epoch milliseconds as the API's RFC 3339 timestamp (second precision, `Z`).
pub fn ts(ms: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// A stable 64-bit hash for deterministic ids: FNV-1a, then the splitmix64 finaliser so that
/// names differing only in their last character still differ in every part of the id.
pub fn fnv(text: &str) -> u64 {
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// A UUID-shaped id derived from an object's identity.
pub fn uid(kind: &str, ns: &str, name: &str) -> String {
    let a = fnv(&format!("{kind}/{ns}/{name}"));
    let b = fnv(&format!("{name}/{ns}/{kind}"));
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

pub fn map(pairs: &[(String, String)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<Map<String, Value>>(),
    )
}

/// Owned key/value pairs from borrowed ones.
pub fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A Namespace.
pub fn namespace(name: &str, created: Millis) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "uid": uid("Namespace", "", name), "creationTimestamp": ts(created),
            "labels": {"kubernetes.io/metadata.name": name}},
        "status": {"phase": "Active"}})
}

/// What a node looks like.
#[derive(Debug, Clone, Default)]
pub struct NodeSpec {
    pub name: String,
    pub ip: String,
    pub labels: Vec<(String, String)>,
    /// (key, value, effect); empty value for none.
    pub taints: Vec<(String, String, String)>,
    pub capacity: Vec<(String, String)>,
    pub allocatable: Vec<(String, String)>,
    pub created: Millis,
    pub kubelet: String,
    pub os_image: String,
    pub kernel: String,
}

/// A Node with the given readiness, heartbeat at `now`.
pub fn node(n: &NodeSpec, ready: bool, now: Millis) -> Value {
    let cond = |ty: &str, status: &str, reason: &str| {
        json!({"type": ty, "status": status, "reason": reason,
            "lastHeartbeatTime": ts(now), "lastTransitionTime": ts(n.created)})
    };
    let taints: Vec<Value> = n
        .taints
        .iter()
        .map(|(k, v, e)| {
            if v.is_empty() {
                json!({"key": k, "effect": e})
            } else {
                json!({"key": k, "value": v, "effect": e})
            }
        })
        .collect();
    let mut spec = json!({"podCIDR": ""});
    if !taints.is_empty() {
        spec["taints"] = Value::Array(taints);
    }
    json!({"apiVersion": "v1", "kind": "Node",
    "metadata": {"name": n.name, "uid": uid("Node", "", &n.name),
        "creationTimestamp": ts(n.created), "labels": map(&n.labels)},
    "spec": spec,
    "status": {
        "capacity": map(&n.capacity),
        "allocatable": map(&n.allocatable),
        "conditions": [
            cond("MemoryPressure", "False", "KubeletHasSufficientMemory"),
            cond("DiskPressure", "False", "KubeletHasNoDiskPressure"),
            cond("PIDPressure", "False", "KubeletHasSufficientPID"),
            cond("Ready", if ready { "True" } else { "False" },
                if ready { "KubeletReady" } else { "KubeletNotReady" }),
        ],
        "addresses": [{"type": "InternalIP", "address": n.ip}, {"type": "Hostname", "address": n.name}],
        "nodeInfo": {"kubeletVersion": n.kubelet, "kubeProxyVersion": n.kubelet,
            "osImage": n.os_image, "kernelVersion": n.kernel,
            "containerRuntimeVersion": "containerd://1.7.27", "architecture": "amd64", "operatingSystem": "linux"}
    }})
}

/// One container of a pod spec.
#[derive(Debug, Clone, Default)]
pub struct Container {
    pub name: String,
    pub image: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub ports: Vec<(String, u16)>,
    pub env: Vec<(String, String)>,
    pub requests: Vec<(String, String)>,
    pub limits: Vec<(String, String)>,
}

impl Container {
    pub fn to_json(&self) -> Value {
        let mut c = json!({"name": self.name, "image": self.image});
        if !self.command.is_empty() {
            c["command"] = json!(self.command);
        }
        if !self.args.is_empty() {
            c["args"] = json!(self.args);
        }
        if !self.ports.is_empty() {
            c["ports"] = Value::Array(
                self.ports
                    .iter()
                    .map(|(n, p)| json!({"name": n, "containerPort": p, "protocol": "TCP"}))
                    .collect(),
            );
        }
        if !self.env.is_empty() {
            c["env"] = Value::Array(
                self.env
                    .iter()
                    .map(|(k, v)| json!({"name": k, "value": v}))
                    .collect(),
            );
        }
        let mut res = Map::new();
        if !self.requests.is_empty() {
            res.insert("requests".into(), map(&self.requests));
        }
        if !self.limits.is_empty() {
            res.insert("limits".into(), map(&self.limits));
        }
        c["resources"] = Value::Object(res);
        c
    }
}

/// The parts of a pod that do not change over its life.
#[derive(Debug, Clone, Default)]
pub struct PodSpec {
    pub namespace: String,
    pub name: String,
    pub node: Option<String>,
    pub ip: String,
    pub host_ip: String,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    /// (apiVersion, kind, name) of the controller.
    pub owner: Option<(String, String, String)>,
    pub containers: Vec<Container>,
    pub tolerations: Vec<(String, String)>,
    pub restart_policy: String,
    pub created: Millis,
}

/// The state of a pod's containers (all containers share it).
#[derive(Debug, Clone, PartialEq)]
pub enum CState {
    Running {
        since: Millis,
    },
    Waiting {
        reason: String,
        message: String,
    },
    Terminated {
        reason: String,
        exit_code: i32,
        started: Millis,
        finished: Millis,
    },
}

/// The changing part of a pod.
#[derive(Debug, Clone, PartialEq)]
pub struct PodStatus {
    pub phase: String,
    pub state: CState,
    /// The previous run's termination, shown as `lastState` when restarts > 0.
    pub last: Option<CState>,
    pub restarts: u32,
    pub started: Millis,
}

impl PodStatus {
    /// A pod running since `since`.
    pub fn running(since: Millis) -> Self {
        PodStatus {
            phase: "Running".into(),
            state: CState::Running { since },
            last: None,
            restarts: 0,
            started: since,
        }
    }

    /// A pod waiting to be scheduled.
    pub fn pending() -> Self {
        PodStatus {
            phase: "Pending".into(),
            state: CState::Waiting {
                reason: "ContainerCreating".into(),
                message: String::new(),
            },
            last: None,
            restarts: 0,
            started: 0,
        }
    }
}

fn cstate(s: &CState) -> Value {
    match s {
        CState::Running { since } => json!({"running": {"startedAt": ts(*since)}}),
        CState::Waiting { reason, message } if message.is_empty() => {
            json!({"waiting": {"reason": reason}})
        }
        CState::Waiting { reason, message } => {
            json!({"waiting": {"reason": reason, "message": message}})
        }
        CState::Terminated {
            reason,
            exit_code,
            started,
            finished,
        } => json!({"terminated": {"reason": reason, "exitCode": exit_code,
            "startedAt": ts(*started), "finishedAt": ts(*finished)}}),
    }
}

/// A Pod as the API returns it.
pub fn pod(p: &PodSpec, st: &PodStatus) -> Value {
    let mut meta = json!({"name": p.name, "namespace": p.namespace,
        "uid": uid("Pod", &p.namespace, &p.name), "creationTimestamp": ts(p.created),
        "labels": map(&p.labels)});
    if !p.annotations.is_empty() {
        meta["annotations"] = map(&p.annotations);
    }
    if let Some((api, kind, name)) = &p.owner {
        meta["ownerReferences"] = json!([{"apiVersion": api, "kind": kind, "name": name,
            "uid": uid(kind, &p.namespace, name), "controller": true, "blockOwnerDeletion": true}]);
    }
    let mut spec = json!({
        "containers": p.containers.iter().map(Container::to_json).collect::<Vec<_>>(),
        "restartPolicy": if p.restart_policy.is_empty() { "Always" } else { &p.restart_policy },
    });
    if let Some(n) = &p.node {
        spec["nodeName"] = json!(n);
    }
    if !p.tolerations.is_empty() {
        spec["tolerations"] = Value::Array(
            p.tolerations
                .iter()
                .map(|(k, e)| json!({"key": k, "operator": "Exists", "effect": e}))
                .collect(),
        );
    }
    let ready = matches!(st.state, CState::Running { .. });
    let statuses: Vec<Value> = p
        .containers
        .iter()
        .map(|c| {
            let mut cs = json!({"name": c.name, "image": c.image, "ready": ready,
                "restartCount": st.restarts, "started": ready, "state": cstate(&st.state)});
            if let Some(last) = &st.last {
                cs["lastState"] = cstate(last);
            }
            cs
        })
        .collect();
    let mut status = json!({"phase": st.phase,
        "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]});
    if p.node.is_some() && st.phase != "Pending" {
        status["hostIP"] = json!(p.host_ip);
        status["podIP"] = json!(p.ip);
        status["startTime"] = json!(ts(st.started));
        status["containerStatuses"] = Value::Array(statuses);
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status})
}

/// What an Event is about.
#[derive(Debug, Clone, Default)]
pub struct Involved {
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub field_path: String,
}

/// A core/v1 Event. `seq` makes its name unique, the way the API suffixes event names.
#[allow(clippy::too_many_arguments)]
pub fn event(
    obj: &Involved,
    seq: u32,
    type_: &str,
    reason: &str,
    message: &str,
    count: u32,
    first: Millis,
    last: Millis,
    component: &str,
    host: &str,
) -> Value {
    let name = format!("{}.{:016x}", obj.name, fnv(&format!("{}/{seq}", obj.name)));
    let mut involved = json!({"apiVersion": obj.api_version, "kind": obj.kind,
        "namespace": obj.namespace, "name": obj.name, "uid": uid(&obj.kind, &obj.namespace, &obj.name)});
    if !obj.field_path.is_empty() {
        involved["fieldPath"] = json!(obj.field_path);
    }
    let mut source = json!({"component": component});
    if !host.is_empty() {
        source["host"] = json!(host);
    }
    json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": obj.namespace, "creationTimestamp": ts(first)},
        "involvedObject": involved, "type": type_, "reason": reason, "message": message,
        "count": count, "firstTimestamp": ts(first), "lastTimestamp": ts(last),
        "source": source, "reportingComponent": component})
}

#[cfg(test)]
#[path = "k8s_tests.rs"]
mod tests;
