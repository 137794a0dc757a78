//! The workload part of an evidence file: the pods of the Deployments / StatefulSets a finding
//! names, and the recent samples of the metric series labelled with those pods, so that a
//! serving conclusion (alert rules, HPA, rollout) replays from the evidence alone; and the
//! DaemonSet pods of the nodes kept.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::contract::event::SourceEvent;
use crate::domain::Millis;
use crate::world::World;

/// How far back metric samples are kept: a 5-minute rule window, and as long again to see
/// the breach hold.
pub const METRIC_SPAN_MS: Millis = 10 * 60_000;

/// Pods (namespace, name) selected by the workloads among `objects` (kind, namespace, name).
pub fn workload_pods(
    world: &World,
    objects: &BTreeSet<(String, String, String)>,
) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (k, v) in &world.objects {
        if !matches!(k.kind.as_str(), "Deployment" | "StatefulSet")
            || !objects.contains(&(k.kind.clone(), k.namespace.clone(), k.name.clone()))
        {
            continue;
        }
        let Some(sel) = v
            .pointer("/spec/selector/matchLabels")
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty())
        else {
            continue;
        };
        for p in world.pods.values().filter(|p| p.namespace == k.namespace) {
            if sel
                .iter()
                .all(|(lk, lv)| p.labels.get(lk).map(String::as_str) == lv.as_str())
            {
                out.insert((p.namespace.clone(), p.name.clone()));
            }
        }
    }
    out
}

/// Samples of every series labelled `namespace` / `pod` with one of `pods`, in
/// `(now - METRIC_SPAN_MS, now]`, as timed metric events (absolute ms), oldest first.
pub fn pod_metrics(
    world: &World,
    pods: &BTreeSet<(String, String)>,
    now_ms: Millis,
) -> Vec<(Millis, SourceEvent)> {
    let store = &world.metrics;
    let mut out = Vec::new();
    if pods.is_empty() {
        return out;
    }
    for id in 0..store.len() {
        let Some(key) = store.key(id) else { continue };
        let l = key.labels.as_ref();
        let (Some(ns), Some(p)) = (l.get("namespace"), l.get("pod")) else {
            continue;
        };
        if !pods.contains(&(ns.clone(), p.clone())) {
            continue;
        }
        for (t, v) in store.points_in(id, now_ms - METRIC_SPAN_MS, now_ms) {
            out.push((
                t,
                SourceEvent::Metric {
                    name: key.name.clone(),
                    labels: l.clone(),
                    value: v,
                },
            ));
        }
    }
    out.sort_by_key(|(t, _)| *t);
    out
}

/// Pods of DaemonSets (device plugins, exporters, proxies) on `nodes`: without them a replay
/// of the evidence would find every node missing its device plugin.
pub fn daemon_pods(world: &World, nodes: &BTreeSet<String>) -> BTreeSet<(String, String)> {
    world
        .pods
        .values()
        .filter(|p| p.owner.as_ref().is_some_and(|o| o.0 == "DaemonSet"))
        .filter(|p| p.node.as_ref().is_some_and(|n| nodes.contains(n)))
        .map(|p| (p.namespace.clone(), p.name.clone()))
        .collect()
}
