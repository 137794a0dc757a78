//! The synthetic scale generator never over-allocates a node: no node is given more GPU (or MIG,
//! or NPU) requests than it has allocatable; a GPU pod whose node is full goes to one with room,
//! or stays Pending with a FailedScheduling event when no node has a GPU left. The benchmark
//! shape (nodes, workload pods) is kept.

use std::collections::BTreeMap;

use aicockpit::contract::event::SourceEvent;
use aicockpit::contract::scenario::Scenario;
use aicockpit::sources::generator::{SyntheticOpts, synthetic};
use aicockpit::world::objects::{node_info, pod_info};

/// Per node: (accelerator resource -> requested by its bound pods, allocatable).
type Use = BTreeMap<String, BTreeMap<String, (f64, f64)>>;

fn is_accel(res: &str) -> bool {
    ["nvidia.com/", "huawei.com/", "ascend.ai/"]
        .iter()
        .any(|p| res.starts_with(p))
}

/// Requests of the last state of every pod, summed per node, beside the node's allocatable.
fn usage(s: &Scenario) -> (Use, usize, usize) {
    let mut nodes: Use = BTreeMap::new();
    let mut pods = BTreeMap::new();
    for l in &s.events {
        let SourceEvent::Upsert { object } = &l.ev else {
            continue;
        };
        match object["kind"].as_str() {
            Some("Node") => {
                let n = node_info(object);
                let e = nodes.entry(n.name.clone()).or_default();
                for (res, q) in n.allocatable.iter().filter(|(r, _)| is_accel(r)) {
                    e.entry(res.clone()).or_default().1 = *q;
                }
            }
            Some("Pod") => {
                let p = pod_info(object);
                pods.insert((p.namespace.clone(), p.name.clone()), p);
            }
            _ => {}
        }
    }
    // the workload pods are `app-<n>-<i>`; the rest are system DaemonSet pods
    let workload = pods.values().filter(|p| p.name.starts_with("app-")).count();
    let mut pending = 0;
    for p in pods.values() {
        let Some(node) = p.node.as_deref() else {
            pending += usize::from(p.phase == "Pending");
            continue;
        };
        let e = nodes.entry(node.to_string()).or_default();
        for (res, q) in p.accel_requests.iter().filter(|(r, _)| is_accel(r)) {
            e.entry(res.clone()).or_default().0 += q;
        }
    }
    (nodes, workload, pending)
}

fn over_allocated(u: &Use) -> Vec<String> {
    u.iter()
        .flat_map(|(node, res)| {
            res.iter()
                .filter(|(_, (req, alloc))| req > alloc)
                .map(move |(r, (req, alloc))| format!("{node}: {r} {req} of {alloc}"))
        })
        .collect()
}

fn upserts(s: &Scenario, kind: &str) -> usize {
    s.events
        .iter()
        .filter(|l| matches!(&l.ev, SourceEvent::Upsert { object } if object["kind"] == kind))
        .count()
}

#[test]
fn the_benchmark_shape_over_allocates_no_node_and_keeps_its_counts() {
    // the benchmarks' density (about 20 pods a node, a GPU pod in three) at a tenth of the size;
    // 207 workers, like the default's 2,070, is a multiple of three, so the spread of pods over
    // nodes sends every GPU pod of a node's stride to the same third of the nodes
    let o = SyntheticOpts {
        nodes: 200,
        pods: 4_000,
        duration_s: 20,
        ..SyntheticOpts::default()
    };
    let s = synthetic(&o);
    let (u, workload, _) = usage(&s);
    let bad = over_allocated(&u);
    assert!(
        bad.is_empty(),
        "{} over-allocated: {:?}",
        bad.len(),
        &bad[..5.min(bad.len())]
    );
    // the GPU nodes plus control plane, CPU and NPU nodes, and every workload pod
    assert_eq!(upserts(&s, "Node"), 200 + 1 + 5 + 2);
    assert_eq!(workload, 4_000);
    let gpu_used: f64 = u
        .values()
        .filter_map(|r| r.get("nvidia.com/gpu"))
        .map(|(req, _)| req)
        .sum();
    assert!(gpu_used > 1_000.0, "GPU pods are placed: {gpu_used}");
}

#[test]
fn gpu_pods_beyond_the_cluster_s_gpus_stay_pending_with_a_reason() {
    // 9 H100 nodes (72 GPUs) and about 136 GPU pods
    let o = SyntheticOpts {
        nodes: 10,
        pods: 500,
        gpus_per_node: 8,
        duration_s: 30,
        seed: 2,
    };
    let s = synthetic(&o);
    let (u, workload, pending) = usage(&s);
    assert!(over_allocated(&u).is_empty(), "{:?}", over_allocated(&u));
    assert_eq!(workload, 500, "every workload pod is still generated");
    let full: f64 = u
        .values()
        .filter_map(|r| r.get("nvidia.com/gpu"))
        .map(|(req, _)| req)
        .sum();
    assert_eq!(full, 72.0, "every GPU is taken");
    assert!(pending > 50, "{pending} pending");
    let reasons = s
        .events
        .iter()
        .filter(|l| {
            matches!(&l.ev, SourceEvent::Upsert { object }
                if object["kind"] == "Event"
                    && object["reason"] == "FailedScheduling"
                    && object["message"].as_str().is_some_and(|m| m.contains("9 Insufficient nvidia.com/gpu")))
        })
        .count();
    assert!(reasons > 40, "{reasons} FailedScheduling events");
}
