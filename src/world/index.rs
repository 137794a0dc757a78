//! Indexes the world keeps up to date at ingest so that views never scan every pod or log line
//! per frame: training jobs and their ranks, pods that need attention, pods per node, model
//! serving workloads, each pod's last log line, and per-node change stamps.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::Value;

use crate::domain::Millis;
use crate::domain::workloads::{RankOf, ServerKind, pod_trouble, serving_kind, training_rank};
use crate::domain::{LogLine, ObjKey, PodInfo};
use crate::world::node_revs::{DEVICEINFO_PREFIX, NodeRevs};

/// Longest last-line kept per pod (bytes, cut on a char boundary).
pub const LAST_LINE_MAX: usize = 240;

/// One training job's pods, ordered by (role, rank, pod name), and those failing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JobEntry {
    pub pods: BTreeSet<(String, u32, String)>,
    pub failing: BTreeSet<String>,
}

/// The newest line a pod wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct LastLine {
    pub at_ms: Millis,
    pub container: String,
    pub line: String,
}

/// Derived indexes over the world's pods, objects and logs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorldIndex {
    /// Training jobs keyed by (namespace, job name).
    pub jobs: BTreeMap<(String, String), JobEntry>,
    pod_rank: HashMap<String, HashMap<String, RankOf>>,
    /// Pods whose status needs attention (see `domain::workloads::pod_trouble`).
    pub attention: BTreeSet<(String, String)>,
    /// Per-node change stamps and the pods bound to each node.
    pub nodes: NodeRevs,
    /// Pods not bound to any node (waiting to be scheduled), by (namespace, name).
    pub unbound: BTreeSet<(String, String)>,
    /// Deployments, StatefulSets and InferenceServices that serve models.
    pub serving: BTreeMap<ObjKey, ServerKind>,
    last_log: HashMap<String, HashMap<String, LastLine>>,
}

impl WorldIndex {
    /// A pod changed from `old` to `new` (either may be absent: created or deleted).
    pub fn on_pod(&mut self, old: Option<&PodInfo>, new: Option<&Arc<PodInfo>>) {
        if let Some(p) = old {
            match &p.node {
                Some(node) => self.nodes.pod_off(node, &p.namespace, &p.name),
                None => {
                    self.unbound.remove(&(p.namespace.clone(), p.name.clone()));
                }
            }
            self.attention
                .remove(&(p.namespace.clone(), p.name.clone()));
            let rank = self
                .pod_rank
                .get_mut(&p.namespace)
                .and_then(|m| m.remove(&p.name));
            if let Some(r) = rank {
                let key = (p.namespace.clone(), r.job.clone());
                if let Some(job) = self.jobs.get_mut(&key) {
                    job.pods.remove(&(r.role, r.rank, p.name.clone()));
                    job.failing.remove(&p.name);
                    if job.pods.is_empty() {
                        self.jobs.remove(&key);
                    }
                }
            }
            if new.is_none()
                && let Some(m) = self.last_log.get_mut(&p.namespace)
            {
                m.remove(&p.name);
            }
        }
        let Some(p) = new else { return };
        match &p.node {
            Some(node) => self.nodes.pod_on(node, p),
            None => {
                self.unbound.insert((p.namespace.clone(), p.name.clone()));
            }
        }
        let trouble = pod_trouble(&p.status, &p.phase);
        if trouble.is_some() {
            self.attention.insert((p.namespace.clone(), p.name.clone()));
        }
        if let Some(r) = training_rank(p) {
            let job = self
                .jobs
                .entry((p.namespace.clone(), r.job.clone()))
                .or_default();
            job.pods.insert((r.role.clone(), r.rank, p.name.clone()));
            if trouble == Some(true) {
                job.failing.insert(p.name.clone());
            }
            self.pod_rank
                .entry(p.namespace.clone())
                .or_default()
                .insert(p.name.clone(), r);
        }
    }

    /// A raw object (not a node, pod or event) was upserted (`Some`) or deleted (`None`).
    pub fn on_object(&mut self, key: &ObjKey, obj: Option<&Value>) {
        if key.kind == "ConfigMap"
            && let Some(node) = key.name.strip_prefix(DEVICEINFO_PREFIX)
        {
            self.nodes.touch(node);
        }
        match obj.and_then(serving_kind) {
            Some(k) => {
                self.serving.insert(key.clone(), k);
            }
            None => {
                self.serving.remove(key);
            }
        }
    }

    /// A log line arrived.
    pub fn on_log(&mut self, l: &LogLine) {
        let mut end = l.line.len().min(LAST_LINE_MAX);
        while !l.line.is_char_boundary(end) {
            end -= 1;
        }
        let entry = LastLine {
            at_ms: l.at_ms,
            container: l.container.clone(),
            line: l.line[..end].trim_end().to_string(),
        };
        let pods = match self.last_log.get_mut(&l.namespace) {
            Some(m) => m,
            None => self.last_log.entry(l.namespace.clone()).or_default(),
        };
        match pods.get_mut(&l.pod) {
            Some(slot) => *slot = entry,
            None => {
                pods.insert(l.pod.clone(), entry);
            }
        }
    }

    /// The newest line a pod wrote, if any.
    pub fn last_line(&self, namespace: &str, pod: &str) -> Option<&LastLine> {
        self.last_log.get(namespace)?.get(pod)
    }

    /// Where a training pod sits in its job.
    pub fn rank_of(&self, namespace: &str, pod: &str) -> Option<&RankOf> {
        self.pod_rank.get(namespace)?.get(pod)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, node: &str, status: &str) -> PodInfo {
        PodInfo {
            namespace: "ml".into(),
            name: name.into(),
            node: Some(node.into()),
            phase: "Running".into(),
            status: status.into(),
            labels: [
                ("training.kubeflow.org/job-name", "llama"),
                ("training.kubeflow.org/replica-type", "worker"),
                ("training.kubeflow.org/replica-index", "0"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            ..PodInfo::default()
        }
    }

    #[test]
    fn pod_moves_update_every_index() {
        let mut ix = WorldIndex::default();
        let a = Arc::new(pod("w0", "n1", "Running"));
        ix.on_pod(None, Some(&a));
        assert_eq!(ix.nodes.pod_count("n1"), 1);
        assert!(ix.attention.is_empty());
        let b = Arc::new(pod("w0", "n2", "CrashLoopBackOff"));
        ix.on_pod(Some(&a), Some(&b));
        assert_eq!(ix.nodes.pod_count("n1"), 0);
        assert_eq!(ix.nodes.pod_count("n2"), 1);
        assert_eq!(ix.attention.len(), 1);
        let job = &ix.jobs[&("ml".to_string(), "llama".to_string())];
        assert_eq!(job.failing.len(), 1);
        ix.on_pod(Some(&b), None);
        assert!(ix.jobs.is_empty() && ix.attention.is_empty());
        assert_eq!(ix.nodes.pod_count("n2"), 0);
    }

    #[test]
    fn last_line_is_the_newest_and_bounded() {
        let mut ix = WorldIndex::default();
        for (t, text) in [(1, "first"), (2, &"x".repeat(1000))] {
            ix.on_log(&LogLine {
                at_ms: t,
                namespace: "ml".into(),
                pod: "w0".into(),
                container: "c".into(),
                line: text.to_string(),
            });
        }
        let l = ix.last_line("ml", "w0").expect("indexed");
        assert_eq!(l.at_ms, 2);
        assert_eq!(l.line.len(), LAST_LINE_MAX);
        assert!(ix.last_line("ml", "nope").is_none());
    }
}
