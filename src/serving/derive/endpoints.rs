//! Model-serving endpoint discovery over raw objects (Deployments, StatefulSets, KServe
//! InferenceServices, HPAs as the API returns them): which server runs (from images, commands,
//! ports 8000/8001/8002, scrape annotations and labels), replicas ready/desired, the HPA that
//! scales it, its current revision and rollout state. Evidence is kept so the pane can say why.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::domain::selector::Selector;
use crate::domain::server::Server;
use crate::domain::{ObjKey, PodInfo};

/// Labels (key, value) the seed runbooks give their serving workloads.
pub const SERVING_LABELS: &[(&str, &str)] = &[
    ("app", "model-serving"),
    ("app", "llama3-inference"),
    ("app", "ascend-inference"),
    ("component", "ai-serving"),
];

/// Workload names the seeds use for serving Deployments.
pub const SERVING_NAMES: &[&str] = &["model-serving", "llama3-inference", "ascend-inference-v2"];

pub(crate) const ISVC_LABEL: &str = "serving.kserve.io/inferenceservice";

/// Where Prometheus scrapes the pods, from annotations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scrape {
    pub enabled: bool,
    pub port: Option<String>,
    pub path: Option<String>,
}

/// Replica counts; `desired` is absent only when the object does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Replicas {
    pub desired: Option<u32>,
    pub ready: u32,
    pub updated: u32,
    pub available: u32,
}

/// One metric an HPA scales on, as text: e.g. `cpu 70%`, `model_inference_latency_seconds 0.1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HpaMetric {
    pub kind: String,
    pub target: String,
    pub current: Option<String>,
}

/// The HorizontalPodAutoscaler targeting an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HpaInfo {
    pub name: String,
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub current: Option<u32>,
    pub desired: Option<u32>,
    pub metrics: Vec<HpaMetric>,
    /// `ScalingLimited` is true: pinned at min or max.
    pub limited: bool,
}

/// Where a rollout stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollout {
    Complete,
    Progressing(String),
    Stalled(String),
    Paused,
    Unknown(&'static str),
}

/// A discovered serving endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub key: ObjKey,
    pub server: Server,
    /// Why it was taken for a serving endpoint and for that server.
    pub evidence: Vec<String>,
    pub model: Option<String>,
    pub scrape: Scrape,
    pub replicas: Replicas,
    pub hpa: Option<HpaInfo>,
    pub revision: Option<String>,
    pub rollout: Rollout,
    /// `spec.selector.matchLabels` of the workload (or the KServe label for an
    /// InferenceService), to find its pods.
    pub pod_labels: BTreeMap<String, String>,
}

pub(crate) fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, k| cur.get(*k))
}

pub(crate) fn text<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    get(v, path)?.as_str()
}

pub(crate) fn num(v: &Value, path: &[&str]) -> Option<u32> {
    get(v, path)?.as_u64().and_then(|n| u32::try_from(n).ok())
}

pub(crate) fn strings(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn containers(pod_spec: Option<&Value>) -> &[Value] {
    pod_spec
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Detect the server from a pod template spec and labels; evidence is appended.
pub(crate) fn detect(
    spec: Option<&Value>,
    labels: &BTreeMap<String, String>,
    ev: &mut Vec<String>,
) -> Option<Server> {
    let mut found = None;
    let mut ports = BTreeSet::new();
    for c in containers(spec) {
        let image = text(c, &["image"]).unwrap_or("").to_ascii_lowercase();
        let cmd: Vec<&str> = ["command", "args"]
            .iter()
            .filter_map(|k| c.get(*k).and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let cmdline = cmd.join(" ").to_ascii_lowercase();
        let by = |needles: &[&str], hay: &str| needles.iter().any(|n| hay.contains(n));
        let server = if by(&["vllm"], &image) || by(&["vllm.entrypoints", "vllm serve"], &cmdline) {
            Some(Server::Vllm)
        } else if by(&["tritonserver", "triton"], &image) || cmdline.contains("tritonserver") {
            Some(Server::Triton)
        } else if image.contains("text-generation-inference")
            || cmdline.contains("text-generation-launcher")
        {
            Some(Server::Tgi)
        } else if image.contains("kserve") {
            Some(Server::Kserve)
        } else {
            None
        };
        if let (Some(s), None) = (server, found) {
            ev.push(format!("image {image} ({})", s.label()));
            found = Some(s);
        }
        for p in c
            .get("ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(n) = num(p, &["containerPort"]) {
                ports.insert(n);
            }
        }
    }
    if found.is_none() && [8000, 8001, 8002].iter().all(|p| ports.contains(p)) {
        ev.push("ports 8000/8001/8002 (Triton http/grpc/metrics)".to_string());
        found = Some(Server::Triton);
    }
    if found.is_none() && labels.contains_key(ISVC_LABEL) {
        ev.push(format!("label {ISVC_LABEL}"));
        found = Some(Server::Kserve);
    }
    found
}

pub(crate) fn scrape(annotations: &BTreeMap<String, String>) -> Scrape {
    let on = |k: &str| annotations.get(k).is_some_and(|v| v == "true");
    Scrape {
        enabled: on("prometheus.io/scrape") || on("serving.kserve.io/enable-prometheus-scraping"),
        port: annotations.get("prometheus.io/port").cloned(),
        path: annotations.get("prometheus.io/path").cloned(),
    }
}

pub(crate) fn model_arg(spec: Option<&Value>) -> Option<String> {
    for c in containers(spec) {
        let args: Vec<&str> = ["command", "args"]
            .iter()
            .filter_map(|k| c.get(*k).and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for (i, a) in args.iter().enumerate() {
            for flag in ["--served-model-name", "--model-id", "--model"] {
                if *a == flag {
                    if let Some(v) = args.get(i + 1) {
                        return Some((*v).to_string());
                    }
                } else if let Some(v) = a.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
                    return Some(v.to_string());
                }
            }
        }
        for e in c.get("env").and_then(Value::as_array).into_iter().flatten() {
            if matches!(text(e, &["name"]), Some("MODEL_ID" | "MODEL_NAME"))
                && let Some(v) = text(e, &["value"])
            {
                return Some(v.to_string());
            }
        }
    }
    None
}

fn accel(spec: Option<&Value>) -> Option<String> {
    containers(spec).iter().find_map(|c| {
        ["limits", "requests"].iter().find_map(|k| {
            get(c, &["resources", k])?
                .as_object()?
                .keys()
                .find(|r| crate::world::objects::is_accel_resource(r))
                .cloned()
        })
    })
}

fn deployment_rollout(o: &Value, desired: u32, r: &Replicas) -> Rollout {
    if get(o, &["spec", "paused"]).and_then(Value::as_bool) == Some(true) {
        return Rollout::Paused;
    }
    let conds = get(o, &["status", "conditions"]).and_then(Value::as_array);
    for c in conds.into_iter().flatten() {
        if text(c, &["type"]) == Some("Progressing") && text(c, &["status"]) == Some("False") {
            let why = text(c, &["reason"]).unwrap_or("not progressing");
            return Rollout::Stalled(why.to_string());
        }
    }
    let gen_ = num(o, &["metadata", "generation"]);
    let seen = num(o, &["status", "observedGeneration"]);
    if let (Some(g), Some(s)) = (gen_, seen)
        && s < g
    {
        return Rollout::Progressing("new spec not yet observed".to_string());
    }
    let total = num(o, &["status", "replicas"]).unwrap_or(0);
    if r.updated < desired {
        Rollout::Progressing(format!("{} of {desired} updated", r.updated))
    } else if total > r.updated {
        Rollout::Progressing(format!("{} old replicas terminating", total - r.updated))
    } else if r.available < r.updated {
        Rollout::Progressing(format!(
            "{} of {} updated available",
            r.available, r.updated
        ))
    } else {
        Rollout::Complete
    }
}

fn workload(key: &ObjKey, o: &Value) -> Option<Endpoint> {
    let spec = get(o, &["spec", "template", "spec"]);
    let meta_labels = strings(get(o, &["metadata", "labels"]));
    let mut tpl_labels = strings(get(o, &["spec", "template", "metadata", "labels"]));
    tpl_labels.extend(meta_labels.clone());
    let mut ann = strings(get(o, &["spec", "template", "metadata", "annotations"]));
    ann.extend(strings(get(o, &["metadata", "annotations"])));
    let mut evidence = Vec::new();
    let detected = detect(spec, &tpl_labels, &mut evidence);
    for (k, v) in SERVING_LABELS {
        if tpl_labels.get(*k).is_some_and(|x| x == v) {
            evidence.push(format!("label {k}={v}"));
        }
    }
    if SERVING_NAMES.contains(&key.name.as_str()) {
        evidence.push(format!("name {}", key.name));
    }
    let scrape = scrape(&ann);
    let accel = accel(spec);
    if detected.is_none() && evidence.is_empty() {
        // A workload holding accelerators and scraped by Prometheus is taken for a server.
        let res = accel.filter(|_| scrape.enabled)?;
        evidence.push(format!("requests {res} and is scraped"));
    }
    if scrape.enabled {
        evidence.push("scrape annotations".to_string());
    }
    let desired = num(o, &["spec", "replicas"]).unwrap_or(1);
    let replicas = Replicas {
        desired: Some(desired),
        ready: num(o, &["status", "readyReplicas"]).unwrap_or(0),
        updated: num(o, &["status", "updatedReplicas"]).unwrap_or(0),
        available: num(o, &["status", "availableReplicas"]).unwrap_or(0),
    };
    let (revision, rollout) = if key.kind == "StatefulSet" {
        let cur = text(o, &["status", "currentRevision"]);
        let upd = text(o, &["status", "updateRevision"]);
        let rollout = match (cur, upd) {
            (Some(c), Some(u)) if c != u => {
                Rollout::Progressing(format!("{} of {desired} updated", replicas.updated))
            }
            (Some(_), Some(_)) if replicas.ready >= desired => Rollout::Complete,
            (Some(_), Some(_)) => {
                Rollout::Progressing(format!("{} of {desired} ready", replicas.ready))
            }
            _ => Rollout::Unknown("no revision in status"),
        };
        (upd.or(cur).map(str::to_string), rollout)
    } else {
        let rev = text(
            o,
            &[
                "metadata",
                "annotations",
                "deployment.kubernetes.io/revision",
            ],
        );
        (
            rev.map(str::to_string),
            deployment_rollout(o, desired, &replicas),
        )
    };
    Some(Endpoint {
        key: key.clone(),
        server: detected.unwrap_or(Server::Generic),
        evidence,
        model: model_arg(spec),
        scrape,
        replicas,
        hpa: None,
        revision,
        rollout,
        pod_labels: strings(get(o, &["spec", "selector", "matchLabels"])),
    })
}

pub use crate::serving::derive::endpoints_kserve::{hpa_info, inference_service};

/// Every serving endpoint among the raw objects, sorted by key. Deployments that KServe made
/// for an InferenceService are folded into it (their replicas, revision and HPA).
pub fn discover(objects: &BTreeMap<ObjKey, Value>) -> Vec<Endpoint> {
    let mut out: Vec<Endpoint> = objects
        .iter()
        .filter(|(k, _)| k.kind == "Deployment" || k.kind == "StatefulSet")
        .filter_map(|(k, o)| workload(k, o))
        .collect();
    let hpas: Vec<(&ObjKey, &Value)> = objects
        .iter()
        .filter(|(k, _)| k.kind == "HorizontalPodAutoscaler")
        .collect();
    for ep in &mut out {
        ep.hpa = hpas.iter().find_map(|(k, h)| {
            let same = k.namespace == ep.key.namespace
                && text(h, &["spec", "scaleTargetRef", "kind"]) == Some(ep.key.kind.as_str())
                && text(h, &["spec", "scaleTargetRef", "name"]) == Some(ep.key.name.as_str());
            same.then(|| hpa_info(&k.name, h))
        });
    }
    for (k, o) in objects.iter().filter(|(k, _)| k.kind == "InferenceService") {
        let ep = inference_service(k, o, objects, &mut out);
        out.push(ep);
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// A metric selector for the endpoint's pods: `namespace` plus the `pod` names whose labels
/// include the endpoint's pod labels. `None` when no pod is known.
pub fn pod_selector(
    ep: &Endpoint,
    pods: &BTreeMap<(String, String), std::sync::Arc<PodInfo>>,
) -> Option<Selector> {
    if ep.pod_labels.is_empty() {
        return None;
    }
    let names: Vec<String> = pods
        .values()
        .filter(|p| p.namespace == ep.key.namespace)
        .filter(|p| {
            ep.pod_labels
                .iter()
                .all(|(k, v)| p.labels.get(k) == Some(v))
        })
        .map(|p| p.name.clone())
        .collect();
    (!names.is_empty()).then(|| {
        Selector::all()
            .eq("namespace", &ep.key.namespace)
            .one_of("pod", names)
    })
}
