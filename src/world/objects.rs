//! Raw Kubernetes objects (as the API returns them, `serde_json::Value`) into domain records:
//! `NodeInfo`, `PodInfo`, `KEvent`. Tolerant by design: a missing or odd field gives a default,
//! never an error, because real clusters hold every shape of object.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::domain::Millis;
use crate::domain::quantity::parse_quantity;
use crate::domain::{AccelKind, KEvent, NodeInfo, ObjKey, PodInfo};

/// Resource names that count as accelerators, matched by prefix.
pub const ACCEL_PREFIXES: &[&str] = &[
    "nvidia.com/gpu",
    "nvidia.com/mig-",
    "huawei.com/Ascend",
    "huawei.com/npu",
    "ascend.ai/npu",
];

/// Whether a resource name is an accelerator resource.
pub fn is_accel_resource(name: &str) -> bool {
    ACCEL_PREFIXES.iter().any(|p| name.starts_with(p))
}

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |cur, k| cur.get(*k))?.as_str()
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn quantity_map(v: Option<&Value>) -> BTreeMap<String, f64> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| {
                    let q = match v {
                        Value::String(t) => parse_quantity(t),
                        Value::Number(n) => n.as_f64(),
                        _ => None,
                    }?;
                    Some((k.clone(), q))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// RFC 3339 text to epoch milliseconds.
pub fn parse_time(t: &str) -> Option<Millis> {
    chrono::DateTime::parse_from_rfc3339(t)
        .ok()
        .map(|d| d.timestamp_millis())
}

/// The identity of a raw object, or `None` if it has no kind or name.
pub fn obj_key(v: &Value) -> Option<ObjKey> {
    let kind = s(v, &["kind"])?;
    let name = s(v, &["metadata", "name"])?;
    let ns = s(v, &["metadata", "namespace"]).unwrap_or_default();
    Some(ObjKey::new(kind, ns, name))
}

/// A raw Node into a `NodeInfo`.
pub fn node_info(v: &Value) -> NodeInfo {
    let labels = string_map(v.pointer("/metadata/labels"));
    let capacity = quantity_map(v.pointer("/status/capacity"));
    let allocatable = quantity_map(v.pointer("/status/allocatable"));
    let mut ready = false;
    let mut problems = Vec::new();
    for c in v
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let ty = s(c, &["type"]).unwrap_or_default();
        let status = s(c, &["status"]).unwrap_or_default();
        if ty == "Ready" {
            ready = status == "True";
        } else if status == "True" {
            problems.push(ty.to_string());
        }
    }
    let taints = v
        .pointer("/spec/taints")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| {
            let key = s(t, &["key"]).unwrap_or_default();
            let effect = s(t, &["effect"]).unwrap_or_default();
            match s(t, &["value"]) {
                Some(val) if !val.is_empty() => format!("{key}={val}:{effect}"),
                _ => format!("{key}:{effect}"),
            }
        })
        .collect();
    let roles = labels
        .keys()
        .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
        .map(str::to_string)
        .collect();
    let accel_sum = |m: &BTreeMap<String, f64>| -> f64 {
        m.iter()
            .filter(|(k, _)| is_accel_resource(k))
            .map(|(_, v)| v)
            .sum()
    };
    let accel_kind = if capacity.keys().any(|k| k.starts_with("nvidia.com/mig-")) {
        AccelKind::NvidiaMig
    } else if capacity.keys().any(|k| k.starts_with("nvidia.com/gpu")) {
        AccelKind::NvidiaGpu
    } else if capacity
        .keys()
        .any(|k| k.starts_with("huawei.com/") || k.starts_with("ascend.ai/"))
    {
        AccelKind::AscendNpu
    } else {
        AccelKind::None
    };
    let accel_product = labels
        .get("nvidia.com/gpu.product")
        .or_else(|| labels.get("node.kubernetes.io/npu.chip.name"))
        .or_else(|| labels.get("accelerator"))
        .cloned();
    NodeInfo {
        name: s(v, &["metadata", "name"]).unwrap_or_default().to_string(),
        ready,
        unschedulable: v
            .pointer("/spec/unschedulable")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        roles,
        taints,
        problems,
        accel_capacity: accel_sum(&capacity),
        accel_allocatable: accel_sum(&allocatable),
        accel_kind,
        accel_product,
        kubelet_version: s(v, &["status", "nodeInfo", "kubeletVersion"])
            .unwrap_or_default()
            .to_string(),
        created_ms: s(v, &["metadata", "creationTimestamp"]).and_then(parse_time),
        labels,
        capacity,
        allocatable,
    }
}

/// kubectl's STATUS column: the most telling waiting/terminated reason, else the phase.
fn pod_status(v: &Value, phase: &str) -> String {
    if v.pointer("/metadata/deletionTimestamp").is_some() {
        return "Terminating".to_string();
    }
    let mut status = s(v, &["status", "reason"]).unwrap_or(phase).to_string();
    for cs in v
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(r) = s(cs, &["state", "waiting", "reason"]) {
            status = r.to_string();
        } else if let Some(r) = s(cs, &["state", "terminated", "reason"]) {
            status = r.to_string();
        }
    }
    status
}

/// One container's accelerator resources: per resource the larger of limit and request
/// (extended resources must have them equal; a limit alone implies the request).
fn container_accel(c: &Value) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let limits = quantity_map(c.pointer("/resources/limits"));
    let requests = quantity_map(c.pointer("/resources/requests"));
    for (k, q) in limits.iter().chain(requests.iter()) {
        if is_accel_resource(k) {
            let slot = out.entry(k.clone()).or_insert(0.0);
            *slot = f64::max(*slot, *q);
        }
    }
    out
}

/// A pod's effective accelerator request, as the scheduler counts it: the sum over app
/// containers, raised to the largest single init container when that is bigger.
fn accel_requests(v: &Value) -> BTreeMap<String, f64> {
    let containers = |path: &str| {
        v.pointer(path)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(container_accel)
    };
    let mut total: BTreeMap<String, f64> = BTreeMap::new();
    for c in containers("/spec/containers") {
        for (k, q) in c {
            *total.entry(k).or_insert(0.0) += q;
        }
    }
    for c in containers("/spec/initContainers") {
        for (k, q) in c {
            let slot = total.entry(k).or_insert(0.0);
            *slot = f64::max(*slot, q);
        }
    }
    total
}

/// A raw Pod into a `PodInfo` (keeps the compact JSON text for later spec checks).
pub fn pod_info(v: &Value) -> PodInfo {
    let phase = s(v, &["status", "phase"]).unwrap_or("Unknown").to_string();
    let statuses = v
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array);
    let total = v
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map_or(0, Vec::len) as u32;
    let (ready, restarts) = statuses.into_iter().flatten().fold((0, 0), |(r, n), cs| {
        let ok = cs.get("ready").and_then(Value::as_bool).unwrap_or(false);
        let count = cs.get("restartCount").and_then(Value::as_u64).unwrap_or(0) as u32;
        (r + u32::from(ok), n + count)
    });
    let accel_requests = accel_requests(v);
    let owner = v
        .pointer("/metadata/ownerReferences/0")
        .and_then(|o| Some((s(o, &["kind"])?.to_string(), s(o, &["name"])?.to_string())));
    PodInfo {
        namespace: s(v, &["metadata", "namespace"])
            .unwrap_or_default()
            .to_string(),
        name: s(v, &["metadata", "name"]).unwrap_or_default().to_string(),
        node: s(v, &["spec", "nodeName"]).map(str::to_string),
        status: pod_status(v, &phase),
        phase,
        ready_containers: ready,
        total_containers: total,
        restarts,
        ip: s(v, &["status", "podIP"]).map(str::to_string),
        labels: string_map(v.pointer("/metadata/labels")),
        owner,
        accel_requests,
        created_ms: s(v, &["metadata", "creationTimestamp"]).and_then(parse_time),
        raw: v.to_string(),
    }
}

/// A raw Event (core/v1 or events.k8s.io/v1) into a `KEvent`.
pub fn event_info(v: &Value) -> KEvent {
    let object = v.get("involvedObject").or_else(|| v.get("regarding"));
    let last = ["lastTimestamp", "eventTime", "firstTimestamp"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str).and_then(parse_time))
        .or_else(|| s(v, &["metadata", "creationTimestamp"]).and_then(parse_time));
    KEvent {
        namespace: s(v, &["metadata", "namespace"])
            .unwrap_or_default()
            .to_string(),
        name: s(v, &["metadata", "name"]).unwrap_or_default().to_string(),
        type_: s(v, &["type"]).unwrap_or("Normal").to_string(),
        reason: s(v, &["reason"]).unwrap_or_default().to_string(),
        message: s(v, &["message"])
            .or_else(|| s(v, &["note"]))
            .unwrap_or_default()
            .to_string(),
        object_kind: object
            .and_then(|o| s(o, &["kind"]))
            .unwrap_or_default()
            .to_string(),
        object_name: object
            .and_then(|o| s(o, &["name"]))
            .unwrap_or_default()
            .to_string(),
        count: v
            .get("count")
            .or_else(|| v.pointer("/series/count"))
            .and_then(Value::as_u64)
            .unwrap_or(1) as u32,
        last_ms: last,
    }
}
