//! Per-node change stamps and the pods bound to each node (shared with the world's pods), kept at ingest so that views derived
//! per node (the accelerator inventory) can rebuild only the nodes that changed and find a
//! node's pods without regrouping every pod in the cluster.
//!
//! A node's stamp moves whenever the node object, a pod bound to it (before or after the
//! change) or its Ascend device-info ConfigMap changes. Stamps come from one process-wide
//! counter, so they never repeat: a cache built from one world can never mistake a replaced or
//! cloned world's node for the one it saw. They are bookkeeping, not content, so two
//! `NodeRevs` always compare equal.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::domain::PodInfo;

/// The ConfigMap name prefix of Ascend's per-node device info (`mindx-dl-deviceinfo-<node>`).
pub const DEVICEINFO_PREFIX: &str = "mindx-dl-deviceinfo-";

static NEXT: AtomicU64 = AtomicU64::new(1);

fn next_rev() -> u64 {
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[derive(Debug, Clone, Default)]
struct NodeEntry {
    rev: u64,
    /// The pods bound to the node by (namespace, name), shared with the world's pods.
    pods: BTreeMap<(String, String), Arc<PodInfo>>,
}

/// Stamps and pod sets by node name.
#[derive(Debug, Clone, Default)]
pub struct NodeRevs {
    nodes: HashMap<String, NodeEntry>,
}

impl PartialEq for NodeRevs {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl NodeRevs {
    /// Something about `node` changed.
    pub fn touch(&mut self, node: &str) {
        let rev = next_rev();
        match self.nodes.get_mut(node) {
            Some(e) => e.rev = rev,
            None => {
                self.nodes.insert(
                    node.to_string(),
                    NodeEntry {
                        rev,
                        pods: BTreeMap::new(),
                    },
                );
            }
        }
    }

    /// A pod left `node` (deleted, or its binding or content changed).
    pub fn pod_off(&mut self, node: &str, namespace: &str, name: &str) {
        if let Some(e) = self.nodes.get_mut(node) {
            e.pods.remove(&(namespace.to_string(), name.to_string()));
        }
        self.touch(node);
    }

    /// A pod is bound to `node`.
    pub fn pod_on(&mut self, node: &str, pod: &Arc<PodInfo>) {
        self.touch(node);
        if let Some(e) = self.nodes.get_mut(node) {
            e.pods
                .insert((pod.namespace.clone(), pod.name.clone()), Arc::clone(pod));
        }
    }

    /// The node's current stamp (0 for a node nothing was ever recorded about).
    pub fn rev(&self, node: &str) -> u64 {
        self.nodes.get(node).map_or(0, |e| e.rev)
    }

    /// The pods bound to `node`, in (namespace, name) order.
    pub fn pods_on(&self, node: &str) -> impl Iterator<Item = &PodInfo> {
        self.nodes
            .get(node)
            .into_iter()
            .flat_map(|e| e.pods.values().map(Arc::as_ref))
    }

    /// How many pods are bound to `node`.
    pub fn pod_count(&self, node: &str) -> usize {
        self.nodes.get(node).map_or(0, |e| e.pods.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_moves_the_stamp_and_stamps_never_repeat() {
        let mut a = NodeRevs::default();
        assert_eq!(a.rev("n1"), 0);
        a.touch("n1");
        let r1 = a.rev("n1");
        let w0 = Arc::new(PodInfo {
            namespace: "ml".into(),
            name: "w0".into(),
            ..PodInfo::default()
        });
        a.pod_on("n1", &w0);
        let r2 = a.rev("n1");
        assert!(r2 > r1);
        assert_eq!(a.pod_count("n1"), 1);
        // a clone that changes the same node gets a stamp the original never had
        let mut b = a.clone();
        b.pod_off("n1", "ml", "w0");
        a.touch("n1");
        assert_ne!(a.rev("n1"), b.rev("n1"));
        assert_eq!(b.pod_count("n1"), 0);
        assert_eq!(
            a.pods_on("n1").map(|p| p.name.as_str()).collect::<Vec<_>>(),
            vec!["w0"]
        );
    }
}
