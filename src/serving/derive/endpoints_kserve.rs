//! KServe InferenceServices and HorizontalPodAutoscalers, for endpoint discovery: an
//! InferenceService absorbs the Deployment KServe made for it (raw deployment mode); in
//! serverless mode it has no Deployment and its replicas are unknown here.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::domain::ObjKey;
use crate::domain::server::Server;
use crate::serving::derive::endpoints::{
    Endpoint, HpaInfo, HpaMetric, ISVC_LABEL, Replicas, Rollout, Scrape, get, num, strings, text,
};

fn quantity_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn target_text(t: Option<&Value>) -> String {
    let Some(t) = t else {
        return "?".to_string();
    };
    if let Some(u) = num(t, &["averageUtilization"]) {
        return format!("{u}%");
    }
    quantity_text(t.get("averageValue"))
        .or_else(|| quantity_text(t.get("value")))
        .unwrap_or_else(|| "?".to_string())
}

fn metric_name(m: &Value) -> (String, Option<&Value>) {
    let kind = text(m, &["type"]).unwrap_or("");
    let body = match kind {
        "Resource" => m.get("resource"),
        "ContainerResource" => m.get("containerResource"),
        "Pods" => m.get("pods"),
        "Object" => m.get("object"),
        "External" => m.get("external"),
        _ => None,
    };
    let name = body
        .and_then(|b| text(b, &["name"]).or_else(|| text(b, &["metric", "name"])))
        .unwrap_or(kind)
        .to_string();
    (name, body)
}

/// An HPA object into what the pane shows: bounds, replica counts, metrics with targets.
pub fn hpa_info(name: &str, h: &Value) -> HpaInfo {
    let current: Vec<(String, String)> = get(h, &["status", "currentMetrics"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|m| {
            let (n, body) = metric_name(m);
            (n, target_text(body.and_then(|b| b.get("current"))))
        })
        .collect();
    let metrics = get(h, &["spec", "metrics"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|m| {
            let (n, body) = metric_name(m);
            let target = format!("{n} {}", target_text(body.and_then(|b| b.get("target"))));
            HpaMetric {
                kind: text(m, &["type"]).unwrap_or("?").to_string(),
                target,
                current: current.iter().find(|c| c.0 == n).map(|c| c.1.clone()),
            }
        })
        .collect();
    let limited = get(h, &["status", "conditions"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| {
            text(c, &["type"]) == Some("ScalingLimited") && text(c, &["status"]) == Some("True")
        });
    HpaInfo {
        name: name.to_string(),
        min: num(h, &["spec", "minReplicas"]),
        max: num(h, &["spec", "maxReplicas"]),
        current: num(h, &["status", "currentReplicas"]),
        desired: num(h, &["status", "desiredReplicas"]),
        metrics,
        limited,
    }
}

fn server_of(o: &Value) -> Server {
    let p = get(o, &["spec", "predictor"]);
    let format = p
        .and_then(|p| text(p, &["model", "modelFormat", "name"]))
        .unwrap_or("")
        .to_ascii_lowercase();
    let runtime = p
        .and_then(|p| text(p, &["model", "runtime"]))
        .unwrap_or("")
        .to_ascii_lowercase();
    if format.contains("triton")
        || runtime.contains("triton")
        || p.and_then(|p| p.get("triton")).is_some()
    {
        Server::Triton
    } else if runtime.contains("vllm") {
        Server::Vllm
    } else {
        Server::Kserve
    }
}

/// An InferenceService endpoint, absorbing (removing from `found`) the Deployment KServe made
/// for it, found by its `serving.kserve.io/inferenceservice` label.
pub fn inference_service(
    key: &ObjKey,
    o: &Value,
    objects: &BTreeMap<ObjKey, Value>,
    found: &mut Vec<Endpoint>,
) -> Endpoint {
    let owned = objects.iter().find(|(k, d)| {
        k.kind == "Deployment"
            && k.namespace == key.namespace
            && text(d, &["metadata", "labels", ISVC_LABEL]) == Some(key.name.as_str())
    });
    let absorbed = owned
        .and_then(|(k, _)| found.iter().position(|e| &e.key == k))
        .map(|i| found.remove(i));
    let mut ann = strings(get(o, &["metadata", "annotations"]));
    ann.extend(strings(get(o, &["spec", "predictor", "annotations"])));
    let on = |k: &str| ann.get(k).is_some_and(|v| v == "true");
    let mut evidence = vec!["InferenceService".to_string()];
    if let Some(d) = &absorbed {
        evidence.push(format!("deployment {}", d.key.name));
    }
    let ready = get(o, &["status", "conditions"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| text(c, &["type"]) == Some("Ready"));
    let created = text(
        o,
        &["status", "components", "predictor", "latestCreatedRevision"],
    );
    let ready_rev = text(
        o,
        &["status", "components", "predictor", "latestReadyRevision"],
    );
    let rollout = match (ready.and_then(|c| text(c, &["status"])), created, ready_rev) {
        (_, Some(c), Some(r)) if c != r => Rollout::Progressing(format!("revision {c} not ready")),
        (Some("False"), _, _) => Rollout::Stalled(
            ready
                .and_then(|c| text(c, &["reason"]).or_else(|| text(c, &["message"])))
                .unwrap_or("not ready")
                .to_string(),
        ),
        (Some("True"), _, _) => absorbed
            .as_ref()
            .map(|d| d.rollout.clone())
            .unwrap_or(Rollout::Complete),
        _ => Rollout::Unknown("no Ready condition"),
    };
    Endpoint {
        key: key.clone(),
        server: absorbed
            .as_ref()
            .map(|d| d.server)
            .filter(|s| *s != Server::Generic && *s != Server::Kserve)
            .unwrap_or_else(|| server_of(o)),
        evidence,
        model: text(o, &["spec", "predictor", "model", "storageUri"]).map(str::to_string),
        scrape: Scrape {
            enabled: on("serving.kserve.io/enable-prometheus-scraping")
                || on("prometheus.io/scrape"),
            port: ann.get("prometheus.io/port").cloned(),
            path: ann.get("prometheus.io/path").cloned(),
        },
        replicas: absorbed
            .as_ref()
            .map(|d| d.replicas)
            .unwrap_or(Replicas::default()),
        hpa: absorbed.as_ref().and_then(|d| d.hpa.clone()),
        revision: ready_rev
            .map(str::to_string)
            .or_else(|| absorbed.as_ref().and_then(|d| d.revision.clone())),
        rollout,
        pod_labels: BTreeMap::from([(ISVC_LABEL.to_string(), key.name.clone())]),
    }
}
