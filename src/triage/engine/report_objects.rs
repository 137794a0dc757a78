//! Objects of an evidence file: what the probes read around its core pods (step 2 of the
//! closure rule in `report_closure`), and the Kubernetes JSON of the records the world keeps
//! only in digested form (nodes, Events), written so that reading them back gives the same
//! records.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::render::time;
use super::report_closure::Closure;
use crate::domain::{KEvent, NodeInfo, ObjKey, PodInfo};
use crate::triage::probes::netpol::selector_matches;
use crate::world::World;

/// Add to `c.objects` what the probes read around the core pods: the held identities the
/// closure named (controllers, workloads, the findings' objects), HPAs scaling a kept
/// workload, the NetworkPolicies of the core namespaces, the Services and
/// PodDisruptionBudgets selecting a core pod, the ConfigMaps and PersistentVolumeClaims core
/// pods mount or read, and the Namespace of everything written.
pub fn around(w: &World, core: &[&PodInfo], c: &mut Closure) {
    let held: Vec<ObjKey> = c
        .named
        .iter()
        .filter(|k| w.objects.contains_key(*k))
        .cloned()
        .collect();
    c.objects.extend(held);
    let core_ns: BTreeSet<&str> = core.iter().map(|p| p.namespace.as_str()).collect();
    let refs: BTreeSet<ObjKey> = core.iter().flat_map(|p| references(p)).collect();
    for (k, v) in &w.objects {
        let keep = match k.kind.as_str() {
            "HorizontalPodAutoscaler" => v
                .pointer("/spec/scaleTargetRef")
                .and_then(|t| Some((t.get("kind")?.as_str()?, t.get("name")?.as_str()?)))
                .is_some_and(|(kind, name)| {
                    c.workloads.contains(&ObjKey::new(kind, &k.namespace, name))
                }),
            "NetworkPolicy" => core_ns.contains(k.namespace.as_str()),
            "Service" => v
                .pointer("/spec/selector")
                .and_then(Value::as_object)
                .filter(|m| !m.is_empty())
                .is_some_and(|sel| {
                    core.iter().any(|p| {
                        p.namespace == k.namespace
                            && sel
                                .iter()
                                .all(|(lk, lv)| p.labels.get(lk).map(String::as_str) == lv.as_str())
                    })
                }),
            "PodDisruptionBudget" => v.pointer("/spec/selector").is_some_and(|sel| {
                core.iter()
                    .any(|p| p.namespace == k.namespace && selector_matches(sel, &p.labels))
            }),
            _ => refs.contains(k),
        };
        if keep {
            c.objects.insert(k.clone());
        }
    }
    let mut namespaces: BTreeSet<String> = c.objects.iter().map(|k| k.namespace.clone()).collect();
    namespaces.extend(c.core.iter().chain(&c.context).map(|(ns, _)| ns.clone()));
    for ns in namespaces.into_iter().filter(|n| !n.is_empty()) {
        let k = ObjKey::new("Namespace", "", &ns);
        if w.objects.contains_key(&k) {
            c.objects.insert(k);
        }
    }
}

/// ConfigMaps and PersistentVolumeClaims a pod mounts (volumes, projected sources) or reads
/// (`envFrom`, `valueFrom`).
fn references(p: &PodInfo) -> Vec<ObjKey> {
    let Ok(v) = serde_json::from_str::<Value>(&p.raw) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut put = |kind: &str, name: Option<&Value>| {
        if let Some(n) = name.and_then(Value::as_str) {
            out.push(ObjKey::new(kind, &p.namespace, n));
        }
    };
    let arr = |v: &Value, ptr: &str| -> Vec<Value> {
        v.pointer(ptr)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    for vol in arr(&v, "/spec/volumes") {
        put("ConfigMap", vol.pointer("/configMap/name"));
        put(
            "PersistentVolumeClaim",
            vol.pointer("/persistentVolumeClaim/claimName"),
        );
        for src in arr(&vol, "/projected/sources") {
            put("ConfigMap", src.pointer("/configMap/name"));
        }
    }
    for ptr in ["/spec/containers", "/spec/initContainers"] {
        for ctr in arr(&v, ptr) {
            for e in arr(&ctr, "/envFrom") {
                put("ConfigMap", e.pointer("/configMapRef/name"));
            }
            for e in arr(&ctr, "/env") {
                put("ConfigMap", e.pointer("/valueFrom/configMapKeyRef/name"));
            }
        }
    }
    out
}

fn quantities(m: &BTreeMap<String, f64>) -> Value {
    m.iter()
        .map(|(k, v)| (k.clone(), json!(v.to_string())))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// A node as a Node object that reads back as the same `NodeInfo` (the world keeps nodes
/// digested, not raw).
pub fn node_json(n: &NodeInfo) -> Value {
    let taints: Vec<Value> = n
        .taints
        .iter()
        .map(|t| {
            let (kv, effect) = t.rsplit_once(':').unwrap_or((t, ""));
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let mut o = json!({"key": k, "effect": effect});
            if !v.is_empty() {
                o["value"] = json!(v);
            }
            o
        })
        .collect();
    let mut conditions = vec![json!({"type": "Ready",
        "status": if n.ready { "True" } else { "False" }})];
    conditions.extend(
        n.problems
            .iter()
            .map(|p| json!({"type": p, "status": "True"})),
    );
    let mut metadata = json!({"name": n.name, "labels": n.labels});
    if let Some(t) = n.created_ms {
        metadata["creationTimestamp"] = json!(time(t));
    }
    json!({"apiVersion": "v1", "kind": "Node", "metadata": metadata,
        "spec": {"taints": taints, "unschedulable": n.unschedulable},
        "status": {"capacity": quantities(&n.capacity),
            "allocatable": quantities(&n.allocatable), "conditions": conditions,
            "nodeInfo": {"kubeletVersion": n.kubelet_version}}})
}

/// An Event as a core/v1 Event object.
pub fn event_json(e: &KEvent) -> Value {
    let last = e.last_ms.map(time);
    json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": e.name, "namespace": e.namespace},
        "involvedObject": {"kind": e.object_kind, "name": e.object_name, "namespace": e.namespace},
        "reason": e.reason, "message": e.message, "type": e.type_, "count": e.count,
        "lastTimestamp": last})
}
