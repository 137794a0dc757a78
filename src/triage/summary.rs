//! The header's headline counts: nodes ready, accelerators healthy, training jobs failing and
//! endpoints breaching, computed from the world (and its ingest-time indexes) without scanning
//! every pod. The node count lists what the Nodes pane lists, and the accelerator count is the
//! sum of the pane's class totals (`accel_counts`), both at the same refresh, so the header and
//! the pane never disagree, during a sync as after it.

use serde_json::Value;

use crate::accel::derive::accounting::unlisted_devices;
use crate::accel::derive::inventory::Inventory;
use crate::accel::derive::inventory_local::local_snapshot;
use crate::domain::ObjKey;
use crate::domain::kinds;
use crate::training::derive::jobs::job_object;

use crate::world::World;

/// Headline counts for the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// The rows of the Nodes pane (`node_counts`): Ready ones, and all.
    pub nodes_ready: usize,
    pub nodes_total: usize,
    /// Physical accelerator devices that are healthy, and all of them (`accel_counts`, from the
    /// Nodes view's inventory; `summarize` leaves both 0 for the view's refresh to fill).
    pub accel_healthy: u64,
    pub accel_total: u64,
    pub jobs_failing: usize,
    pub jobs_total: usize,
    /// Endpoints past their latency objective; `None` until that can be computed.
    pub endpoints_breaching: Option<usize>,
}

/// A job object's phase says it failed: the same phase the Training pane shows, for every
/// training-job kind of `domain::kinds`.
fn has_failed(obj: &Value) -> bool {
    job_object(obj).is_some_and(|j| j.phase == "Failed")
}

/// The header's accelerator count from the inventory: (healthy, total) physical devices, the
/// sums of the classes' `devices` and `devices - devices_unhealthy` (the Nodes pane's summary
/// head shows the same totals; `accel::derive::accounting` defines them), plus the devices of a
/// node outside Kubernetes that no class lists (this machine read through NVML).
pub fn accel_counts(inv: &Inventory) -> (u64, u64) {
    let (mut healthy, mut total) = (0.0, 0.0);
    for t in inv.by_class.values() {
        total += t.devices;
        healthy += t.devices - t.devices_unhealthy;
    }
    for (h, t) in inv.nodes.iter().filter_map(unlisted_devices) {
        healthy += h;
        total += t;
    }
    (
        healthy.round().max(0.0) as u64,
        total.round().max(0.0) as u64,
    )
}

/// (Ready, all) nodes as the Nodes pane lists them: every Kubernetes node, and this machine
/// when it is read through NVML and is none of them.
pub fn node_counts(world: &World) -> (usize, usize) {
    let ready = world.nodes.values().filter(|n| n.ready).count();
    let local = usize::from(local_snapshot(world).is_some());
    (ready + local, world.nodes.len() + local)
}

/// Count what the header shows.
pub fn summarize(world: &World) -> Summary {
    let (nodes_ready, nodes_total) = node_counts(world);
    let mut s = Summary {
        nodes_ready,
        nodes_total,
        ..Summary::default()
    };
    s.jobs_total = world.index.jobs.len();
    s.jobs_failing = world
        .index
        .jobs
        .values()
        .filter(|e| !e.failing.is_empty())
        .count();
    // Job objects: counted once, whether or not their pods have been seen.
    for kind in kinds::kind_names() {
        let from = ObjKey::new(kind, "", "");
        for (key, obj) in world
            .objects
            .range(from..)
            .take_while(|(k, _)| k.kind == kind)
        {
            if job_object(obj).is_none() {
                continue;
            }
            let id = (key.namespace.clone(), key.name.clone());
            match world.index.jobs.get(&id) {
                None => {
                    s.jobs_total += 1;
                    s.jobs_failing += usize::from(has_failed(obj));
                }
                Some(e) if e.failing.is_empty() && has_failed(obj) => {
                    s.jobs_failing += 1;
                }
                Some(_) => {}
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::event::{SourceEvent, TimedEvent};
    use serde_json::json;

    fn apply(w: &mut World, object: Value) {
        w.apply(&TimedEvent {
            at_ms: 0,
            ev: SourceEvent::Upsert { object },
        });
    }

    fn node(name: &str, ready: bool, cap: u32, alloc: u32) -> Value {
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "status": {"capacity": {"nvidia.com/gpu": cap.to_string()},
                "allocatable": {"nvidia.com/gpu": alloc.to_string()},
                "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}}]}})
    }

    fn rank_pod(name: &str, job: &str, waiting: Option<&str>) -> Value {
        let state = match waiting {
            Some(r) => json!({"waiting": {"reason": r}}),
            None => json!({"running": {}}),
        };
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "ml",
                "labels": {"training.kubeflow.org/job-name": job}},
            "spec": {"containers": [{"name": "c"}]},
            "status": {"phase": "Running", "containerStatuses": [{"state": state}]}})
    }

    #[test]
    fn empty_world_counts_nothing_and_breaches_are_unknown() {
        let s = summarize(&World::default());
        assert_eq!(s.nodes_total, 0);
        assert_eq!(s.endpoints_breaching, None);
    }

    #[test]
    fn nodes_and_accelerators() {
        let mut w = World::default();
        apply(&mut w, node("a", true, 8, 7));
        apply(&mut w, node("b", false, 8, 8));
        apply(&mut w, node("c", true, 0, 0));
        let s = summarize(&w);
        assert_eq!((s.nodes_ready, s.nodes_total), (2, 3));
        assert_eq!((s.accel_healthy, s.accel_total), (0, 0), "left to the view");
        let cfg = crate::accel::derive::inventory::InventoryConfig::default();
        let inv = crate::accel::derive::inventory::build(&w, &cfg);
        // a: one withheld; b: not Ready, none healthy; c: nothing advertised
        assert_eq!(accel_counts(&inv), (7, 16));
    }

    #[test]
    fn jobs_fail_by_rank_pod_or_condition() {
        let mut w = World::default();
        apply(&mut w, rank_pod("a-0", "a", None));
        apply(&mut w, rank_pod("a-1", "a", Some("CrashLoopBackOff")));
        apply(&mut w, rank_pod("b-0", "b", None));
        apply(
            &mut w,
            json!({"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob",
                "metadata": {"name": "c", "namespace": "ml"},
                "status": {"conditions": [{"type": "Failed", "status": "True"}]}}),
        );
        let s = summarize(&w);
        assert_eq!((s.jobs_failing, s.jobs_total), (2, 3));
        apply(&mut w, rank_pod("a-1", "a", None));
        assert_eq!(summarize(&w).jobs_failing, 1);
    }

    #[test]
    fn every_training_kind_counts_failed_and_plain_batch_jobs_do_not() {
        let mut w = World::default();
        let failed = json!([{"type": "Failed", "status": "True"}]);
        apply(
            &mut w,
            json!({"apiVersion": "jobset.x-k8s.io/v1alpha2", "kind": "JobSet",
                "metadata": {"name": "js", "namespace": "ml"}, "status": {"conditions": failed}}),
        );
        apply(
            &mut w,
            json!({"apiVersion": "batch.volcano.sh/v1alpha1", "kind": "Job",
                "metadata": {"name": "vc", "namespace": "ml"},
                "status": {"state": {"phase": "Running"}}}),
        );
        apply(
            &mut w,
            json!({"apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": "backup", "namespace": "ops"},
                "status": {"conditions": failed}}),
        );
        let s = summarize(&w);
        assert_eq!((s.jobs_failing, s.jobs_total), (1, 2));
    }
}
