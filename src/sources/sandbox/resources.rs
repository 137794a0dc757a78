//! The sandbox's resource catalogue: which kinds it serves, under which group, version and plural,
//! and the discovery documents (`/api`, `/apis`, APIResourceList) kubectl and kube read.

use serde_json::{Value, json};

use crate::contract::event::SourceEvent;
use crate::contract::scenario::Scenario;

/// One served resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// API group; empty for the core group.
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
}

impl Resource {
    /// `v1` or `group/version`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// (group, version, kind, plural, namespaced, short names, always served)
type Known = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
    bool,
);

const KNOWN: &[Known] = &[
    ("", "v1", "Namespace", "namespaces", false, &["ns"], true),
    ("", "v1", "Node", "nodes", false, &["no"], true),
    ("", "v1", "Pod", "pods", true, &["po"], true),
    ("", "v1", "Event", "events", true, &["ev"], true),
    ("", "v1", "ConfigMap", "configmaps", true, &["cm"], true),
    ("", "v1", "Service", "services", true, &["svc"], true),
    (
        "apps",
        "v1",
        "Deployment",
        "deployments",
        true,
        &["deploy"],
        true,
    ),
    (
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        true,
        &["sts"],
        true,
    ),
    ("apps", "v1", "DaemonSet", "daemonsets", true, &["ds"], true),
    (
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        true,
        &["rs"],
        false,
    ),
    ("batch", "v1", "Job", "jobs", true, &[], true),
    (
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
        &["netpol"],
        true,
    ),
    (
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
        &["hpa"],
        true,
    ),
    (
        "events.k8s.io",
        "v1",
        "Event",
        "events",
        true,
        &["ev"],
        false,
    ),
    (
        "kubeflow.org",
        "v1",
        "PyTorchJob",
        "pytorchjobs",
        true,
        &[],
        false,
    ),
    ("kubeflow.org", "v1", "MPIJob", "mpijobs", true, &[], false),
    ("kubeflow.org", "v1", "TFJob", "tfjobs", true, &[], false),
    (
        "jobset.x-k8s.io",
        "v1alpha2",
        "JobSet",
        "jobsets",
        true,
        &[],
        false,
    ),
    (
        "batch.volcano.sh",
        "v1alpha1",
        "Job",
        "jobs",
        true,
        &["vcjob", "vj"],
        false,
    ),
    (
        "mindxdl.gitee.com",
        "v1",
        "AscendJob",
        "ascendjobs",
        true,
        &[],
        false,
    ),
    (
        "serving.kserve.io",
        "v1beta1",
        "InferenceService",
        "inferenceservices",
        true,
        &["isvc"],
        false,
    ),
];

fn split_api_version(api_version: &str) -> (String, String) {
    match api_version.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), api_version.to_string()),
    }
}

fn known(k: &Known) -> Resource {
    Resource {
        group: k.0.to_string(),
        version: k.1.to_string(),
        kind: k.2.to_string(),
        plural: k.3.to_string(),
        singular: k.2.to_lowercase(),
        namespaced: k.4,
        short_names: k.5.iter().map(|s| s.to_string()).collect(),
    }
}

/// The resources to serve for a scenario: the core ones always, known groups only when one of
/// their kinds appears, and any other kind the scenario carries under a derived plural.
pub fn catalogue(scenario: &Scenario) -> Vec<Resource> {
    let mut out: Vec<Resource> = KNOWN.iter().filter(|k| k.6).map(known).collect();
    for line in &scenario.events {
        let (api_version, kind, namespaced) = match &line.ev {
            SourceEvent::Upsert { object } => (
                object
                    .get("apiVersion")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
                object.get("kind").and_then(Value::as_str).unwrap_or(""),
                object
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .is_some(),
            ),
            SourceEvent::Delete {
                api_version,
                object_kind,
                namespace,
                ..
            } => (
                api_version.as_str(),
                object_kind.as_str(),
                namespace.is_some(),
            ),
            _ => continue,
        };
        if kind.is_empty() || api_version.is_empty() {
            continue;
        }
        let (group, version) = split_api_version(api_version);
        if out
            .iter()
            .any(|r| r.group == group && r.version == version && r.kind == kind)
        {
            continue;
        }
        let res = match KNOWN
            .iter()
            .find(|k| k.0 == group && k.1 == version && k.2 == kind)
        {
            Some(k) => known(k),
            None => Resource {
                plural: plural_of(kind),
                singular: kind.to_lowercase(),
                group,
                version,
                kind: kind.to_string(),
                namespaced,
                short_names: Vec::new(),
            },
        };
        out.push(res);
    }
    out
}

/// English-ish plural of a kind, as CRD authors usually pick it.
fn plural_of(kind: &str) -> String {
    let l = kind.to_lowercase();
    if l.ends_with('s') || l.ends_with('x') || l.ends_with("ch") {
        format!("{l}es")
    } else if let Some(stem) = l
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'o', 'u']))
    {
        format!("{stem}ies")
    } else {
        format!("{l}s")
    }
}

/// `/version`.
pub fn version_doc() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "gitVersion": "v1.33.0-sandbox",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.24",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

/// `/api`.
pub fn core_versions(server: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server}]
    })
}

/// Groups other than core, in catalogue order, with their versions.
fn groups(res: &[Resource]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for r in res.iter().filter(|r| !r.group.is_empty()) {
        match out.iter_mut().find(|(g, _)| *g == r.group) {
            Some((_, vs)) if !vs.contains(&r.version) => vs.push(r.version.clone()),
            Some(_) => {}
            None => out.push((r.group.clone(), vec![r.version.clone()])),
        }
    }
    out
}

fn group_doc(name: &str, versions: &[String]) -> Value {
    let vs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v}))
        .collect();
    json!({
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": name,
        "versions": vs.clone(),
        "preferredVersion": vs.first().cloned().unwrap_or(Value::Null),
    })
}

/// `/apis`.
pub fn group_list(res: &[Resource]) -> Value {
    let groups: Vec<Value> = groups(res)
        .iter()
        .map(|(g, vs)| {
            let mut d = group_doc(g, vs);
            if let Some(o) = d.as_object_mut() {
                o.remove("kind");
                o.remove("apiVersion");
            }
            d
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/{group}`, when the group is served.
pub fn group(res: &[Resource], name: &str) -> Option<Value> {
    groups(res)
        .iter()
        .find(|(g, _)| g == name)
        .map(|(g, vs)| group_doc(g, vs))
}

/// `/api/v1` or `/apis/{group}/{version}`, when served.
pub fn resource_list(res: &[Resource], group: &str, version: &str) -> Option<Value> {
    let mut items = Vec::new();
    for r in res
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        items.push(json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": ["get", "list", "watch"],
            "shortNames": r.short_names,
        }));
        if r.group.is_empty() && r.plural == "pods" {
            items.push(json!({
                "name": "pods/log", "singularName": "", "namespaced": true,
                "kind": "Pod", "verbs": ["get"]
            }));
        }
    }
    if items.is_empty() {
        return None;
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": items}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_follow_crd_habits() {
        assert_eq!(plural_of("FineTuningJob"), "finetuningjobs");
        assert_eq!(plural_of("Policy"), "policies");
        assert_eq!(plural_of("Gateway"), "gateways");
        assert_eq!(plural_of("Ingress"), "ingresses");
    }
}
