//! Server-side printing: the `meta.k8s.io/v1` Table kubectl asks for (`Accept: ...;as=Table`),
//! with kubectl's usual columns for pods, nodes, events and namespaces, and NAME/AGE otherwise.

use serde_json::{Value, json};

use crate::domain::Millis;
use crate::world::objects::{event_info, node_info, parse_time, pod_info};

/// Does this Accept header ask for a Table?
pub fn wants_table(accept: &str) -> bool {
    accept.contains("as=Table")
}

fn col(name: &str, ty: &str, priority: u8) -> Value {
    let format = if name == "Name" { "name" } else { "" };
    json!({"name": name, "type": ty, "format": format, "description": "", "priority": priority})
}

/// Column definitions for a kind.
pub fn columns(kind: &str) -> Vec<Value> {
    match kind {
        "Pod" => vec![
            col("Name", "string", 0),
            col("Ready", "string", 0),
            col("Status", "string", 0),
            col("Restarts", "string", 0),
            col("Age", "string", 0),
            col("IP", "string", 1),
            col("Node", "string", 1),
        ],
        "Node" => vec![
            col("Name", "string", 0),
            col("Status", "string", 0),
            col("Roles", "string", 0),
            col("Age", "string", 0),
            col("Version", "string", 0),
        ],
        "Event" => vec![
            col("Last Seen", "string", 0),
            col("Type", "string", 0),
            col("Reason", "string", 0),
            col("Object", "string", 0),
            col("Message", "string", 0),
        ],
        "Namespace" => vec![
            col("Name", "string", 0),
            col("Status", "string", 0),
            col("Age", "string", 0),
        ],
        _ => vec![col("Name", "string", 0), col("Age", "string", 0)],
    }
}

/// kubectl's short human duration (`45s`, `3m12s`, `5h`, `2d3h`, `40d`).
pub fn human_age(ms: Millis) -> String {
    let s = ms.max(0) / 1000;
    let (m, h, d) = (s / 60, s / 3600, s / 86400);
    if s < 120 {
        format!("{s}s")
    } else if m < 10 {
        format!("{m}m{}s", s % 60)
    } else if h < 3 {
        format!("{m}m")
    } else if h < 8 {
        format!("{h}h{}m", m % 60)
    } else if h < 48 {
        format!("{h}h")
    } else if d < 8 {
        format!("{d}d{}h", h % 24)
    } else {
        format!("{d}d")
    }
}

fn age(obj: &Value, now_ms: Millis) -> String {
    obj.pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(parse_time)
        .map_or_else(|| "<unknown>".to_string(), |t| human_age(now_ms - t))
}

fn name(obj: &Value) -> String {
    obj.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// One row's cells for an object.
pub fn cells(obj: &Value, now_ms: Millis) -> Vec<Value> {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    match kind {
        "Pod" => {
            let p = pod_info(obj);
            vec![
                json!(p.name),
                json!(format!("{}/{}", p.ready_containers, p.total_containers)),
                json!(p.status),
                json!(p.restarts.to_string()),
                json!(age(obj, now_ms)),
                json!(p.ip.unwrap_or_else(|| "<none>".into())),
                json!(p.node.unwrap_or_else(|| "<none>".into())),
            ]
        }
        "Node" => {
            let n = node_info(obj);
            let mut status = if n.ready { "Ready" } else { "NotReady" }.to_string();
            if n.unschedulable {
                status.push_str(",SchedulingDisabled");
            }
            let roles = if n.roles.is_empty() {
                "<none>".to_string()
            } else {
                n.roles.join(",")
            };
            vec![
                json!(n.name),
                json!(status),
                json!(roles),
                json!(age(obj, now_ms)),
                json!(n.kubelet_version),
            ]
        }
        "Event" => {
            let e = event_info(obj);
            let seen = e
                .last_ms
                .map_or_else(|| "<unknown>".to_string(), |t| human_age(now_ms - t));
            vec![
                json!(seen),
                json!(e.type_),
                json!(e.reason),
                json!(format!(
                    "{}/{}",
                    e.object_kind.to_lowercase(),
                    e.object_name
                )),
                json!(e.message),
            ]
        }
        "Namespace" => vec![
            json!(name(obj)),
            json!(
                obj.pointer("/status/phase")
                    .and_then(Value::as_str)
                    .unwrap_or("Active")
            ),
            json!(age(obj, now_ms)),
        ],
        _ => vec![json!(name(obj)), json!(age(obj, now_ms))],
    }
}

/// A Table of `objects` of one kind. `with_columns` is false for watch events after the first.
pub fn table(
    kind: &str,
    objects: &[&Value],
    now_ms: Millis,
    meta: Value,
    with_columns: bool,
) -> Value {
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| json!({"cells": cells(o, now_ms), "object": o}))
        .collect();
    let mut t = json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "rows": rows,
    });
    if with_columns && let Some(o) = t.as_object_mut() {
        o.insert("columnDefinitions".into(), Value::Array(columns(kind)));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_kubectl() {
        assert_eq!(human_age(45_000), "45s");
        assert_eq!(human_age(192_000), "3m12s");
        assert_eq!(human_age(5 * 3_600_000 + 60_000), "5h1m");
        assert_eq!(human_age(50 * 3_600_000), "2d2h");
        assert_eq!(human_age(-5), "0s");
    }

    #[test]
    fn pod_rows_carry_status_restarts_and_node() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "w-0", "namespace": "ml", "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"nodeName": "gpu-1", "containers": [{"name": "c"}]},
            "status": {"phase": "Running", "podIP": "10.0.0.5",
                "containerStatuses": [{"name": "c", "ready": true, "restartCount": 3,
                    "state": {"running": {}}}]}});
        let t0 = parse_time("2026-01-01T00:00:00Z").unwrap_or(0);
        let c = cells(&pod, t0 + 61_000);
        assert_eq!(c[0], "w-0");
        assert_eq!(c[1], "1/1");
        assert_eq!(c[3], "3");
        assert_eq!(c[4], "61s");
        assert_eq!(c[6], "gpu-1");
    }
}
