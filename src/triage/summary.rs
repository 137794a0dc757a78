//! The header's headline counts: nodes ready, accelerators healthy, training jobs failing or
//! stuck and endpoints breaching. The node count lists what the Nodes pane lists, and the
//! accelerator count is the sum of the pane's class totals (`accel_counts`), both at the same
//! refresh, so the header and the pane never disagree, during a sync as after it; the job
//! counts are the Training view's rows counted, so the header and that pane agree too.

use crate::accel::derive::accounting::unlisted_devices;
use crate::accel::derive::inventory::Inventory;
use crate::accel::derive::inventory_local::local_snapshot;
use crate::training::derive::health::JobHealth;
use crate::training::view::rows::JobRow;

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
    /// Training jobs Failed or Failing, or with a pod crashing now (`derive::health`).
    pub jobs_failing: usize,
    /// Training jobs Stuck (a pod waiting past `[training] stuck_after`) and not failing.
    pub jobs_stuck: usize,
    pub jobs_total: usize,
    /// Endpoints past their latency objective; `None` until that can be computed.
    pub endpoints_breaching: Option<usize>,
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

/// Count what the header shows; `jobs` are the Training view's rows (every job with pods, and
/// every job object without, each once).
pub fn summarize(world: &World, jobs: &[JobRow]) -> Summary {
    let (nodes_ready, nodes_total) = node_counts(world);
    let mut s = Summary {
        nodes_ready,
        nodes_total,
        ..Summary::default()
    };
    s.jobs_total = jobs.len();
    for j in jobs {
        match j.health {
            JobHealth::Failing => s.jobs_failing += 1,
            JobHealth::Stuck => s.jobs_stuck += 1,
            JobHealth::Ok => {}
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::event::{SourceEvent, TimedEvent};
    use crate::domain::Millis;
    use crate::training::log_intel::LogIntel;
    use crate::training::view::rows::build;
    use serde_json::{Value, json};

    const MIN: Millis = 60_000;

    /// The counts at `now_ms` with the embedded 5-minute grace period.
    fn counts(w: &World, now_ms: Millis) -> Summary {
        let jobs = build(
            w,
            &LogIntel::default(),
            &mut Default::default(),
            now_ms,
            Some(5 * MIN),
        );
        summarize(w, &jobs)
    }

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
        let s = counts(&World::default(), 0);
        assert_eq!(s.nodes_total, 0);
        assert_eq!(s.endpoints_breaching, None);
    }

    #[test]
    fn nodes_and_accelerators() {
        let mut w = World::default();
        apply(&mut w, node("a", true, 8, 7));
        apply(&mut w, node("b", false, 8, 8));
        apply(&mut w, node("c", true, 0, 0));
        let s = counts(&w, 0);
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
        let s = counts(&w, 0);
        assert_eq!((s.jobs_failing, s.jobs_total), (2, 3));
        apply(&mut w, rank_pod("a-1", "a", None));
        assert_eq!(counts(&w, 0).jobs_failing, 1);
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
        let s = counts(&w, 0);
        assert_eq!((s.jobs_failing, s.jobs_total), (1, 2));
    }

    #[test]
    fn a_job_pending_past_the_threshold_is_stuck_not_healthy() {
        let mut w = World::default();
        let created = "2026-11-22T10:00:00Z";
        let t0 = crate::world::objects::parse_time(created).expect("time");
        apply(
            &mut w,
            json!({"apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": "ft", "namespace": "ml", "creationTimestamp": created,
                    "labels": {"training": "distributed"}},
                "status": {"active": 1, "startTime": created}}),
        );
        apply(
            &mut w,
            json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "ft-0", "namespace": "ml", "creationTimestamp": created,
                    "labels": {"training": "distributed", "job-name": "ft"},
                    "ownerReferences": [{"kind": "Job", "name": "ft"}]},
                "spec": {"containers": [{"name": "c"}]},
                "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled",
                    "status": "False", "reason": "Unschedulable"}]}}),
        );
        let early = counts(&w, t0 + 2 * MIN);
        assert_eq!((early.jobs_stuck, early.jobs_failing), (0, 0));
        let late = counts(&w, t0 + 9 * MIN);
        assert_eq!(
            (late.jobs_stuck, late.jobs_failing, late.jobs_total),
            (1, 0, 1)
        );
    }
}
