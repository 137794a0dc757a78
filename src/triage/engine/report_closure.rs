//! The closure rule of an evidence file: which pods, nodes and objects it keeps, so that a
//! replay of the file alone reaches the same conclusions.
//!
//! The seeds are what the findings name: their subjects, the subjects of their evidence and the
//! names their walks bound (pod, node, workload, HPA, policy, ConfigMap, training job). Then:
//!
//! 1. **Workloads.** Every controller of a seed pod (owner references up through the objects
//!    the world holds, the Deployments and StatefulSets whose selector picks it, its training
//!    job) and every workload a finding names (an HPA names its target) brings all of its pods:
//!    every rank of a job, every replica of an endpoint. These are the *core* pods, written
//!    with their logs and their metric series. A DaemonSet is node-scoped and brings only the
//!    pods of step 3.
//! 2. **What the probes read around the core pods:** their controllers, the HPAs scaling a
//!    kept workload, the NetworkPolicies of their namespaces, the Services and
//!    PodDisruptionBudgets selecting them, the ConfigMaps and PersistentVolumeClaims they mount
//!    or read, and their Namespaces.
//! 3. **Nodes.** The nodes of core pods and the nodes findings name are *involved*: their
//!    accelerator telemetry is kept. Scheduling and per-node checks count over every node, so
//!    up to `MAX_ALL_NODES` every node is written (past that, the involved ones only), each
//!    with its device-info ConfigMap, its DaemonSet pods (device plugin, exporter) and, when a
//!    core pod waits for an accelerator, the pods holding accelerators on it (the capacity it
//!    competes for). These *context* pods are written without logs or series.

use std::collections::BTreeSet;

use serde_json::Value;

use super::findings::Finding;
use crate::domain::kinds::kind_names;
use crate::domain::{ObjKey, PodInfo};
use crate::settings::playbooks::model::Bindings;
use crate::triage::probes::netpol::selector_matches;
use crate::world::World;
use crate::world::node_revs::DEVICEINFO_PREFIX;

/// Up to this many nodes, the evidence file keeps every node.
pub const MAX_ALL_NODES: usize = 500;
/// Longest owner chain followed (Pod → ReplicaSet → Deployment → InferenceService ...).
const MAX_CHAIN: usize = 8;

/// (namespace, name) of a pod.
pub type PodKey = (String, String);

/// What an evidence file keeps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Closure {
    /// The pods the conclusions rest on and the other pods of their workloads.
    pub core: BTreeSet<PodKey>,
    /// Pods kept for what they say about their node (daemons, accelerator holders).
    pub context: BTreeSet<PodKey>,
    /// Nodes whose telemetry is kept: named by a finding or running a core pod.
    pub involved: BTreeSet<String>,
    /// Nodes written.
    pub nodes: BTreeSet<String>,
    /// Raw objects written (any kind but Node, Pod and Event).
    pub objects: BTreeSet<ObjKey>,
    /// Every identity the closure reached, held or not (an owner ReplicaSet the world does not
    /// watch): Events about them are kept.
    pub named: BTreeSet<ObjKey>,
    /// The workloads whose pods are core, held or not.
    pub workloads: BTreeSet<ObjKey>,
    /// Whether the nodes were cut to the involved ones (more than `MAX_ALL_NODES`).
    pub nodes_cut: bool,
}

impl Closure {
    /// Whether a pod is written.
    pub fn has_pod(&self, k: &PodKey) -> bool {
        self.core.contains(k) || self.context.contains(k)
    }

    /// Whether an Event about `kind namespace/name` is kept.
    pub fn has_subject(&self, kind: &str, namespace: &str, name: &str) -> bool {
        match kind {
            "Pod" => self.has_pod(&(namespace.to_string(), name.to_string())),
            "Node" => self.nodes.contains(name),
            _ => {
                let k = ObjKey::new(kind, namespace, name);
                self.named.contains(&k) || self.objects.contains(&k)
            }
        }
    }
}

#[derive(Default)]
struct Seeds {
    pods: BTreeSet<PodKey>,
    nodes: BTreeSet<String>,
    objects: BTreeSet<ObjKey>,
    jobs: BTreeSet<(String, String)>,
}

/// Objects of one kind in one namespace.
fn objects_in<'w>(
    w: &'w World,
    kind: &str,
    ns: &str,
) -> impl Iterator<Item = (&'w ObjKey, &'w Value)> {
    let from = ObjKey::new(kind, ns, "");
    let (kind, ns) = (kind.to_string(), ns.to_string());
    w.objects
        .range(from..)
        .take_while(move |(k, _)| k.kind == kind && k.namespace == ns)
}

/// Pods of one namespace.
fn pods_in<'w>(w: &'w World, ns: &str) -> impl Iterator<Item = &'w PodInfo> {
    let from = (ns.to_string(), String::new());
    let ns = ns.to_string();
    w.pods
        .range(from..)
        .take_while(move |((n, _), _)| *n == ns)
        .map(|(_, p)| p.as_ref())
}

/// A held object by kind (any case), namespace (any when empty) and name.
fn find_object(w: &World, kind: &str, ns: Option<&str>, name: &str) -> Option<ObjKey> {
    w.objects
        .keys()
        .find(|k| {
            k.kind.eq_ignore_ascii_case(kind)
                && k.name == name
                && ns.is_none_or(|n| n == k.namespace)
        })
        .cloned()
}

/// What a subject text names: `Pod ns/p`, `Node n`, `Kind ns/name`, `ns/pod/container`, a
/// metric's `gpu-01 gpu 3 pod ns/p`.
fn seed_text(w: &World, text: &str, s: &mut Seeds) {
    let toks: Vec<&str> = text.split_whitespace().collect();
    for (i, raw) in toks.iter().enumerate() {
        let tok = raw.trim_matches(|c: char| matches!(c, ',' | ';' | ':' | '(' | ')'));
        if w.nodes.contains_key(tok) {
            s.nodes.insert(tok.to_string());
            continue;
        }
        let parts: Vec<&str> = tok.split('/').collect();
        if parts.len() >= 2 {
            let key = (parts[0].to_string(), parts[1].to_string());
            if w.pods.contains_key(&key) {
                s.pods.insert(key);
                continue;
            }
        }
        let Some(kind) = i
            .checked_sub(1)
            .and_then(|j| toks.get(j))
            .filter(|k| k.starts_with(|c: char| c.is_ascii_uppercase()))
        else {
            continue;
        };
        let found = match parts.as_slice() {
            [ns, name] => find_object(w, kind, Some(ns), name),
            [name] => find_object(w, kind, None, name),
            _ => None,
        };
        s.objects.extend(found);
    }
}

fn seed_bindings(w: &World, b: &Bindings, s: &mut Seeds) {
    let get = |k: &str| b.get(k).map(String::as_str);
    if let (Some(ns), Some(p)) = (get("ns"), get("pod")) {
        let key = (ns.to_string(), p.to_string());
        if w.pods.contains_key(&key) {
            s.pods.insert(key);
        }
    }
    if let Some(n) = get("node").filter(|n| w.nodes.contains_key(*n)) {
        s.nodes.insert(n.to_string());
    }
    let Some(ns) = get("ns") else { return };
    let named = [
        ("owner", get("owner_kind")),
        ("hpa", Some("HorizontalPodAutoscaler")),
        ("policy", Some("NetworkPolicy")),
        ("configmap", Some("ConfigMap")),
    ];
    for (key, kind) in named {
        if let (Some(name), Some(kind)) = (get(key), kind) {
            s.objects.extend(find_object(w, kind, Some(ns), name));
        }
    }
    if let Some(j) = get("job") {
        s.jobs.insert((ns.to_string(), j.to_string()));
    }
}

fn seeds(w: &World, findings: &[Finding]) -> Seeds {
    let mut s = Seeds::default();
    for f in findings {
        seed_text(w, &f.subject, &mut s);
        for e in &f.evidence {
            seed_text(w, &e.subject, &mut s);
        }
        seed_bindings(w, &f.bindings, &mut s);
    }
    s
}

/// The first owner reference of a held object.
fn owner_of(w: &World, k: &ObjKey) -> Option<ObjKey> {
    let r = w.objects.get(k)?.pointer("/metadata/ownerReferences/0")?;
    Some(ObjKey::new(
        r.get("kind")?.as_str()?,
        &k.namespace,
        r.get("name")?.as_str()?,
    ))
}

/// A pod's owner chain: its owner, that owner's owner ... as far as the world holds them.
fn chain(w: &World, p: &PodInfo) -> Vec<ObjKey> {
    let mut out: Vec<ObjKey> = Vec::new();
    let mut at = p
        .owner
        .as_ref()
        .map(|(kind, name)| ObjKey::new(kind, &p.namespace, name));
    while let Some(k) = at.take() {
        if out.contains(&k) || out.len() >= MAX_CHAIN {
            break;
        }
        at = owner_of(w, &k);
        out.push(k);
    }
    out
}

fn label_selector(v: &Value) -> Option<&Value> {
    v.pointer("/spec/selector")
        .filter(|s| s.as_object().is_some_and(|m| !m.is_empty()))
}

/// Every controller of a pod: its owner chain, the Deployments and StatefulSets selecting it
/// and its training job.
fn controllers(w: &World, p: &PodInfo) -> Vec<ObjKey> {
    let mut out = chain(w, p);
    for kind in ["Deployment", "StatefulSet"] {
        for (k, v) in objects_in(w, kind, &p.namespace) {
            if label_selector(v).is_some_and(|s| selector_matches(s, &p.labels)) {
                out.push(k.clone());
            }
        }
    }
    if let Some(r) = w.index.rank_of(&p.namespace, &p.name) {
        out.extend(
            kind_names()
                .map(|kind| ObjKey::new(kind, &p.namespace, &r.job))
                .filter(|k| w.objects.contains_key(k)),
        );
    }
    out
}

/// The pods of a workload: owned by it (through the chain), selected by it, or ranks of the
/// training job of its name. A DaemonSet has none here.
fn members(w: &World, root: &ObjKey, out: &mut BTreeSet<PodKey>) {
    if root.kind == "DaemonSet" || root.kind == "Node" {
        return;
    }
    let sel = w
        .objects
        .get(root)
        .filter(|_| {
            matches!(
                root.kind.as_str(),
                "Deployment" | "StatefulSet" | "ReplicaSet" | "Job"
            )
        })
        .and_then(label_selector);
    for p in pods_in(w, &root.namespace) {
        if sel.is_some_and(|s| selector_matches(s, &p.labels)) || chain(w, p).contains(root) {
            out.insert((p.namespace.clone(), p.name.clone()));
        }
    }
    if kind_names().any(|k| k == root.kind) {
        job_pods(w, &root.namespace, &root.name, out);
    }
}

fn job_pods(w: &World, ns: &str, job: &str, out: &mut BTreeSet<PodKey>) {
    if let Some(j) = w.index.jobs.get(&(ns.to_string(), job.to_string())) {
        out.extend(j.pods.iter().map(|(_, _, p)| (ns.to_string(), p.clone())));
    }
}

/// The HPA's target, `spec.scaleTargetRef`.
fn hpa_target(k: &ObjKey, v: &Value) -> Option<ObjKey> {
    let t = v.pointer("/spec/scaleTargetRef")?;
    Some(ObjKey::new(
        t.get("kind")?.as_str()?,
        &k.namespace,
        t.get("name")?.as_str()?,
    ))
}

/// The closure of `findings` over `w` (see the module documentation).
pub fn closure(w: &World, findings: &[Finding]) -> Closure {
    let s = seeds(w, findings);
    let mut c = Closure::default();
    let mut roots: BTreeSet<ObjKey> = s.objects.clone();
    for (k, v) in w.objects.iter().filter(|(k, _)| s.objects.contains(k)) {
        if k.kind == "HorizontalPodAutoscaler" {
            roots.extend(hpa_target(k, v));
        }
    }
    for (ns, p) in &s.pods {
        if let Some(p) = w.pods.get(&(ns.clone(), p.clone())) {
            roots.extend(controllers(w, p));
        }
    }
    c.core = s.pods.clone();
    for r in roots
        .iter()
        .filter(|r| r.kind != "DaemonSet" && r.kind != "Node")
    {
        let mut m = BTreeSet::new();
        members(w, r, &mut m);
        if !m.is_empty() {
            c.workloads.insert(r.clone());
            c.core.extend(m);
        }
    }
    for (ns, job) in &s.jobs {
        job_pods(w, ns, job, &mut c.core);
    }
    c.named.extend(roots);
    let core: Vec<&PodInfo> = c
        .core
        .iter()
        .filter_map(|k| w.pods.get(k).map(AsRef::as_ref))
        .collect();
    for p in &core {
        c.named.extend(controllers(w, p));
    }
    c.involved = s.nodes;
    c.involved
        .extend(core.iter().filter_map(|p| p.node.clone()));
    c.nodes_cut = w.nodes.len() > MAX_ALL_NODES;
    c.nodes = if c.nodes_cut {
        c.involved.clone()
    } else {
        w.nodes.keys().cloned().collect()
    };
    context_pods(w, &core, &mut c);
    super::report_objects::around(w, &core, &mut c);
    c
}

/// The context pods of the written nodes: DaemonSet pods, and the accelerator holders when a
/// core pod waits for an accelerator.
fn context_pods(w: &World, core: &[&PodInfo], c: &mut Closure) {
    let waits = core
        .iter()
        .any(|p| p.node.is_none() && p.phase == "Pending" && !p.accel_requests.is_empty());
    for p in w.pods.values() {
        if !p.node.as_ref().is_some_and(|n| c.nodes.contains(n)) {
            continue;
        }
        let daemon = p.owner.as_ref().is_some_and(|o| o.0 == "DaemonSet");
        let holds =
            waits && !p.accel_requests.is_empty() && p.phase != "Succeeded" && p.phase != "Failed";
        let key = (p.namespace.clone(), p.name.clone());
        if (daemon || holds) && !c.core.contains(&key) {
            c.named.extend(chain(w, p));
            c.context.insert(key);
        }
    }
    // Device-info ConfigMaps (Ascend) describe their node's chips.
    for k in w.objects.keys().filter(|k| k.kind == "ConfigMap") {
        if k.name
            .strip_prefix(DEVICEINFO_PREFIX)
            .is_some_and(|n| c.nodes.contains(n))
        {
            c.objects.insert(k.clone());
        }
    }
}
