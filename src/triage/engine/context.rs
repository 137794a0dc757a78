//! What probes run against: the world at one instant, the rule data (signatures, alert rules)
//! loaded once by `settings::rules`, and caches built at most once per run (log findings, parsed pod specs), so running every playbook costs one pass
//! over the logs, not one per probe.

use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::domain::Millis;
use crate::domain::severity::Severity;
use crate::domain::workloads::pod_trouble;
use crate::domain::{AccelKind, NodeInfo, PodInfo};
use crate::settings::playbooks::model::Bindings;
use crate::settings::playbooks::spec::{NodeScope, Scope};
use crate::settings::rules::Rules;
use crate::settings::signatures::Signatures;
use crate::training::derive::nccl::classify::Scanner;
use crate::world::World;

/// One classified log finding, with where and when the line was seen.
#[derive(Debug, Clone, PartialEq)]
pub struct LogHit {
    pub id: String,
    pub severity: Severity,
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub at_ms: Millis,
    /// The global rank the line names, when it does.
    pub rank: Option<u32>,
    pub excerpt: String,
    pub fields: BTreeMap<String, String>,
}

/// Parsed pod objects by (namespace, name); `None` where the text did not parse.
type SpecCache = HashMap<(String, String), Option<std::rc::Rc<Value>>>;

/// The probing context of one run.
pub struct Ctx<'w> {
    pub world: &'w World,
    /// The signature and alert rules the probes measure with.
    pub rules: &'w Rules,
    /// Event time the run is for (windows end here).
    pub now_ms: Millis,
    hits: OnceCell<Vec<LogHit>>,
    serving: OnceCell<Vec<&'w PodInfo>>,
    used: OnceCell<HashMap<(&'w str, &'w str), f64>>,
    specs: std::cell::RefCell<SpecCache>,
}

impl<'w> Ctx<'w> {
    pub fn new(world: &'w World, now_ms: Millis, rules: &'w Rules) -> Self {
        Ctx {
            world,
            rules,
            now_ms,
            hits: OnceCell::new(),
            serving: OnceCell::new(),
            used: OnceCell::new(),
            specs: Default::default(),
        }
    }

    /// Every signature finding in the logs held, oldest first (classified on first use).
    pub fn log_hits(&self) -> &[LogHit] {
        self.hits
            .get_or_init(|| classify_logs(self.world, &self.rules.signatures))
    }

    /// The pod's object, parsed once per run.
    pub fn spec(&self, p: &PodInfo) -> Option<std::rc::Rc<Value>> {
        let key = (p.namespace.clone(), p.name.clone());
        if let Some(v) = self.specs.borrow().get(&key) {
            return v.clone();
        }
        let v = serde_json::from_str::<Value>(&p.raw)
            .ok()
            .map(std::rc::Rc::new);
        self.specs.borrow_mut().insert(key, v.clone());
        v
    }

    /// The pod bound by an earlier step, if any.
    pub fn bound_pod(&self, b: &Bindings) -> Option<&'w PodInfo> {
        let ns = b.get("ns")?;
        let pod = b.get("pod")?;
        self.world
            .pods
            .get(&(ns.clone(), pod.clone()))
            .map(AsRef::as_ref)
    }

    /// The pods a probe looks at: the bound pod, or every pod in `scope`.
    pub fn pods(&self, b: &Bindings, scope: Scope) -> Vec<&'w PodInfo> {
        if let Some(p) = self.bound_pod(b) {
            return vec![p];
        }
        let w = self.world;
        match scope {
            Scope::Any => w.pods.values().map(AsRef::as_ref).collect(),
            Scope::Failing => w
                .index
                .attention
                .iter()
                .filter_map(|k| w.pods.get(k).map(AsRef::as_ref))
                .collect(),
            Scope::Pending => w
                .index
                .attention
                .iter()
                .filter_map(|k| w.pods.get(k).map(AsRef::as_ref))
                .filter(|p| p.phase == "Pending")
                .collect(),
            Scope::Training => w
                .index
                .jobs
                .iter()
                .flat_map(|((ns, _), j)| {
                    j.pods.iter().filter_map(move |(_, _, name)| {
                        w.pods.get(&(ns.clone(), name.clone())).map(AsRef::as_ref)
                    })
                })
                .collect(),
            Scope::Serving => self.serving_pods().to_vec(),
        }
    }

    /// Pods of model-serving workloads, found once per run.
    pub fn serving_pods(&self) -> &[&'w PodInfo] {
        self.serving.get_or_init(|| {
            let w = self.world;
            let mut by_ns: HashMap<&str, Vec<&str>> = HashMap::new();
            for k in w.index.serving.keys() {
                by_ns
                    .entry(k.namespace.as_str())
                    .or_default()
                    .push(k.name.as_str());
            }
            w.pods
                .values()
                .map(AsRef::as_ref)
                .filter(|p: &&PodInfo| {
                    let Some(names) = by_ns.get(p.namespace.as_str()) else {
                        return false;
                    };
                    p.owner
                        .as_ref()
                        .is_some_and(|(_, o)| names.iter().any(|n| o.starts_with(n)))
                })
                .collect()
        })
    }

    /// Accelerators requested by the live pods bound to each node, by (node, resource).
    pub fn used(&self) -> &HashMap<(&'w str, &'w str), f64> {
        self.used.get_or_init(|| {
            let mut used = HashMap::new();
            for p in self.world.pods.values() {
                let Some(n) = &p.node else { continue };
                if p.phase == "Succeeded" || p.phase == "Failed" {
                    continue;
                }
                for (r, c) in &p.accel_requests {
                    *used.entry((n.as_str(), r.as_str())).or_default() += c;
                }
            }
            used
        })
    }

    /// Whether a pod is in `scope` (for filtering log hits).
    pub fn in_scope(&self, ns: &str, pod: &str, scope: Scope) -> bool {
        let Some(p) = self.world.pods.get(&(ns.to_string(), pod.to_string())) else {
            return scope == Scope::Any;
        };
        match scope {
            Scope::Any => true,
            Scope::Training => self.world.index.rank_of(ns, pod).is_some(),
            Scope::Pending => p.phase == "Pending",
            Scope::Failing => pod_trouble(&p.status, &p.phase).is_some(),
            Scope::Serving => is_serving(self.world, p),
        }
    }

    /// Nodes in scope.
    pub fn nodes(&self, scope: NodeScope) -> impl Iterator<Item = &'w NodeInfo> {
        self.world.nodes.values().filter(move |n| node_in(n, scope))
    }
}

/// Whether a pod belongs to a model-serving workload (its owner is named after one).
pub fn is_serving(w: &World, p: &PodInfo) -> bool {
    p.owner.as_ref().is_some_and(|(_, o)| {
        w.index
            .serving
            .keys()
            .any(|k| k.namespace == p.namespace && o.starts_with(&k.name))
    })
}

/// Whether a node is in scope (GPU nodes by kind, GFD label or GPU capacity).
pub fn node_in(n: &NodeInfo, scope: NodeScope) -> bool {
    match scope {
        NodeScope::All => true,
        NodeScope::Gpu => {
            matches!(n.accel_kind, AccelKind::NvidiaGpu | AccelKind::NvidiaMig)
                || n.labels.get("nvidia.com/gpu.present").map(String::as_str) == Some("true")
        }
        NodeScope::Npu => {
            n.accel_kind == AccelKind::AscendNpu
                || n.labels
                    .get("accelerator")
                    .is_some_and(|a| a.contains("Ascend"))
        }
    }
}

fn classify_logs(world: &World, sigs: &Signatures) -> Vec<LogHit> {
    struct Src<'s> {
        scanner: Scanner<'s>,
        at: Vec<Millis>,
        ns: String,
        pod: String,
        container: String,
    }
    let mut sources: HashMap<(&str, &str, &str), Src<'_>> = HashMap::new();
    for l in world.logs.lines() {
        let src = sources
            .entry((&l.namespace, &l.pod, &l.container))
            .or_insert_with(|| Src {
                scanner: Scanner::new(sigs, format!("{}/{}/{}", l.namespace, l.pod, l.container)),
                at: Vec::new(),
                ns: l.namespace.clone(),
                pod: l.pod.clone(),
                container: l.container.clone(),
            });
        src.at.push(l.at_ms);
        let n = src.at.len() as u64;
        src.scanner.feed_str(n, &l.line);
    }
    let mut hits = Vec::new();
    for (_, s) in sources {
        let at = s.at;
        for f in s.scanner.finish().findings {
            let idx = (f.line_no as usize).saturating_sub(1);
            hits.push(LogHit {
                id: f.id,
                severity: f.severity,
                namespace: s.ns.clone(),
                pod: s.pod.clone(),
                container: s.container.clone(),
                at_ms: at.get(idx).copied().unwrap_or_default(),
                rank: f.rank,
                excerpt: f.excerpt,
                fields: f.fields,
            });
        }
    }
    hits.sort_by(|a, b| {
        (a.at_ms, &a.namespace, &a.pod, &a.id).cmp(&(b.at_ms, &b.namespace, &b.pod, &b.id))
    });
    hits
}
