//! Synthetic scale scenarios for benchmarks: thousands of nodes of mixed kinds, tens of
//! thousands of pods spread over them (a few Pending or in CrashLoopBackOff) beside the system
//! DaemonSet pods of every node, their Events, a few rounds of DCGM samples per GPU and some
//! log lines. Seeded, so the same options give the
//! same scenario.

use crate::contract::scenario::Scenario;
use crate::domain::Millis;
use crate::sources::generator::Timeline;
use crate::sources::generator::cluster::{self, A100_MODEL, H100_MODEL, NodeKind};
use crate::sources::generator::k8s::{self, CState, Container, Involved, PodSpec, PodStatus, kv};
use crate::sources::generator::telemetry::{
    DCGM_FB_USED, DCGM_POWER, DCGM_TEMP, DCGM_UTIL, Lcg, h100_series, r1,
};

const START: &str = "2026-11-22T00:00:00Z";
/// Rounds of DCGM samples per GPU.
pub const ROUNDS: usize = 3;

/// Shape of a synthetic scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticOpts {
    /// GPU nodes (nine in ten 8×H100, one in ten A100 with MIG). On top of them the cluster
    /// gets a control-plane node, `nodes / 40` CPU nodes and `nodes / 100` Ascend NPU nodes.
    pub nodes: usize,
    pub pods: usize,
    /// GPUs on each GPU node: the cluster has `nodes * gpus_per_node` GPUs.
    pub gpus_per_node: u32,
    pub duration_s: u32,
    pub seed: u64,
}

impl Default for SyntheticOpts {
    /// The scale target: 2,000 nodes, 16,000 GPUs, 40,000 pods.
    fn default() -> Self {
        SyntheticOpts {
            nodes: 2_000,
            pods: 40_000,
            gpus_per_node: 8,
            duration_s: 120,
            seed: 1,
        }
    }
}

/// Build a synthetic scenario (see `SyntheticOpts` for its shape). Every GPU gets `ROUNDS`
/// rounds of the four DCGM gauges spread over the duration.
pub fn synthetic(o: &SyntheticOpts) -> Scenario {
    let start_ms = crate::world::objects::parse_time(START).unwrap_or(0);
    let created = start_ms - 86_400_000;
    let mut rng = Lcg::new(o.seed);
    let mut tl = Timeline::new();
    let mig = o.nodes / 10;
    let nodes = cluster::node_specs(
        &[
            (NodeKind::ControlPlane, 1),
            (NodeKind::Cpu, (o.nodes / 40).max(1)),
            (NodeKind::H100, o.nodes - mig),
            (NodeKind::A100Mig, mig),
            (NodeKind::Ascend910, o.nodes / 100),
        ],
        created,
    );
    for (_, n) in &nodes {
        tl.upsert(0, k8s::node(n, rng.below(500) != 0, start_ms));
    }
    // the system DaemonSets every such cluster runs: kube-proxy, device plugins, dcgm-exporter
    for o in cluster::system_objects(&nodes, created, start_ms) {
        if o["kind"] != "Node" {
            tl.upsert(0, o);
        }
    }
    let workers: Vec<&k8s::NodeSpec> = nodes
        .iter()
        .filter(|(k, _)| *k != NodeKind::ControlPlane)
        .map(|(_, n)| n)
        .collect();
    let namespaces = ["ml-training", "ml-serving", "research", "batch", "data"];
    for ns in namespaces {
        tl.upsert(0, k8s::namespace(ns, created));
    }
    let duration = Millis::from(o.duration_s) * 1000;
    let mut gpus = GpuRoom::new(&workers);
    for i in 0..o.pods {
        let ns = namespaces[i % namespaces.len()];
        let mut at = (i * 7919) % workers.len().max(1);
        let app = format!("app-{}", i / 20);
        let gpu = i % 3 == 0 && gpus.offers(at);
        let mut c = Container {
            name: "main".into(),
            image: "registry.example.com/ml/worker:1.4.2".into(),
            requests: kv(&[("cpu", "2"), ("memory", "8Gi")]),
            ..Container::default()
        };
        if gpu {
            c.limits = kv(&[("nvidia.com/gpu", "1")]);
        }
        let roll = rng.below(100);
        // a GPU pod goes where a GPU is free (its own node first), else it cannot be scheduled
        let mut unschedulable = false;
        if gpu && roll >= 2 {
            match gpus.take(at) {
                Some(w) => at = w,
                None => unschedulable = true,
            }
        }
        let node = workers[at];
        let pending = roll < 2 || unschedulable;
        let p = PodSpec {
            namespace: ns.into(),
            name: format!("{app}-{i:06}"),
            node: (!pending).then(|| node.name.clone()),
            ip: format!("10.{}.{}.{}", 64 + i / 65_536, (i / 256) % 256, i % 256),
            host_ip: node.ip.clone(),
            labels: kv(&[("app", &app)]),
            owner: Some((
                "apps/v1".into(),
                "ReplicaSet".into(),
                format!("{app}-5d8f7"),
            )),
            containers: vec![c],
            created,
            ..PodSpec::default()
        };
        let st = if pending {
            PodStatus::pending()
        } else if roll < 4 {
            PodStatus {
                state: CState::Waiting {
                    reason: "CrashLoopBackOff".into(),
                    message: String::new(),
                },
                restarts: 5 + rng.below(20) as u32,
                ..PodStatus::running(created)
            }
        } else {
            PodStatus::running(created)
        };
        let t = if i % 10 == 0 {
            (rng.below(duration.max(1) as u64)) as Millis
        } else {
            0
        };
        tl.upsert(t, k8s::pod(&p, &st));
        if pending || roll < 4 {
            let obj = Involved {
                api_version: "v1".into(),
                kind: "Pod".into(),
                namespace: ns.into(),
                name: p.name.clone(),
                field_path: String::new(),
            };
            let (reason, msg) = if pending {
                let (all, full) = (nodes.len(), gpus.nodes());
                let msg = if unschedulable {
                    format!("0/{all} nodes are available: {full} Insufficient nvidia.com/gpu.")
                } else {
                    format!("0/{all} nodes are available: {all} Insufficient nvidia.com/gpu.")
                };
                ("FailedScheduling", msg)
            } else {
                (
                    "BackOff",
                    format!(
                        "Back-off restarting failed container main in pod {}_{ns}",
                        p.name
                    ),
                )
            };
            tl.upsert(
                t,
                k8s::event(
                    &obj,
                    1,
                    "Warning",
                    reason,
                    &msg,
                    3,
                    start_ms,
                    start_ms + t,
                    "kubelet",
                    &node.name,
                ),
            );
        }
        if i % 50 == 0 {
            tl.log(
                t,
                ns,
                &p.name,
                "main",
                format!(
                    "INFO worker {i} processed batch {} in {} ms",
                    rng.below(10_000),
                    80 + rng.below(400)
                ),
            );
        }
    }
    // A few DCGM rounds per GPU.
    let h = h100_series();
    for k in 0..ROUNDS {
        let t = duration * k as Millis / ROUNDS as Millis;
        for (kind, n) in &nodes {
            let model = match kind {
                NodeKind::H100 => H100_MODEL,
                NodeKind::A100Mig => A100_MODEL,
                _ => continue,
            };
            for g in 0..o.gpus_per_node {
                let busy = (rng.below(4)) != 0;
                let s = if busy {
                    h.busy(k * 3 + g as usize)
                } else {
                    h.idle(k + g as usize)
                };
                let uuid = cluster::gpu_uuid(&n.name, g);
                let gs = g.to_string();
                let labels = [
                    ("gpu", gs.as_str()),
                    ("UUID", uuid.as_str()),
                    ("modelName", model),
                    ("Hostname", n.name.as_str()),
                ];
                tl.metric(t, DCGM_UTIL, &labels, s.gpu_util);
                tl.metric(
                    t,
                    DCGM_FB_USED,
                    &labels,
                    if busy { 60_000.0 } else { s.fb_used_mib },
                );
                tl.metric(t, DCGM_TEMP, &labels, s.temp_c);
                tl.metric(t, DCGM_POWER, &labels, r1(s.power_w));
            }
        }
    }
    tl.finish(
        "synthetic",
        &format!("Synthetic cluster: {} nodes, {} pods", nodes.len(), o.pods),
        "Generated for benchmarks: mixed node kinds, pods spread over nodes, DCGM samples.",
        START,
        start_ms,
    )
}

/// Free GPUs per worker node (its `nvidia.com/gpu` allocatable, by index in the workers), so no
/// node is given more GPU pods than it has GPUs.
struct GpuRoom {
    free: Vec<u32>,
    /// Workers with GPUs, in order; those before `cursor` have none left.
    with_gpus: Vec<usize>,
    cursor: usize,
}

impl GpuRoom {
    fn new(workers: &[&k8s::NodeSpec]) -> Self {
        let free: Vec<u32> = workers
            .iter()
            .map(|n| {
                n.allocatable
                    .iter()
                    .find(|(k, _)| k == "nvidia.com/gpu")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0)
            })
            .collect();
        let with_gpus = (0..free.len()).filter(|i| free[*i] > 0).collect();
        GpuRoom {
            free,
            with_gpus,
            cursor: 0,
        }
    }

    /// Nodes that have GPUs at all.
    fn nodes(&self) -> usize {
        self.with_gpus.len()
    }

    fn offers(&self, worker: usize) -> bool {
        self.with_gpus.binary_search(&worker).is_ok()
    }

    /// One GPU: on worker `want` if it has one free, else on the first that has; `None` when
    /// every GPU is taken.
    fn take(&mut self, want: usize) -> Option<usize> {
        let at = if self.free.get(want).is_some_and(|f| *f > 0) {
            want
        } else {
            while self
                .with_gpus
                .get(self.cursor)
                .is_some_and(|w| self.free[*w] == 0)
            {
                self.cursor += 1;
            }
            *self.with_gpus.get(self.cursor)?
        };
        self.free[at] -= 1;
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::event::SourceEvent;

    #[test]
    fn small_synthetic_has_the_requested_shape_and_is_seeded() {
        let o = SyntheticOpts {
            nodes: 40,
            pods: 500,
            gpus_per_node: 8,
            duration_s: 60,
            seed: 3,
        };
        let s = synthetic(&o);
        let upserts = |kind: &str| {
            s.events
                .iter()
                .filter(
                    |l| matches!(&l.ev, SourceEvent::Upsert { object } if object["kind"] == kind),
                )
                .count()
        };
        let daemon_pods = s
            .events
            .iter()
            .filter(|l| {
                matches!(&l.ev, SourceEvent::Upsert { object }
                    if object["kind"] == "Pod"
                        && object["metadata"]["ownerReferences"][0]["kind"] == "DaemonSet")
            })
            .count();
        // kube-proxy on all 42 nodes; device plugin and dcgm-exporter on the 40 GPU nodes
        assert_eq!(daemon_pods, 42 + 2 * 40);
        assert_eq!(upserts("Pod"), 500 + daemon_pods);
        assert_eq!(upserts("Node"), 40 + 1 + 1);
        let util = s
            .events
            .iter()
            .filter(|l| matches!(&l.ev, SourceEvent::Metric { name, .. } if name == DCGM_UTIL))
            .count();
        assert_eq!(util, 40 * 8 * ROUNDS, "every GPU, every round");
        assert!(
            upserts("Event") > 0,
            "some pods are Pending or crash-looping"
        );
        assert_eq!(s, synthetic(&o));
        assert_ne!(s, synthetic(&SyntheticOpts { seed: 4, ..o }));
        assert!(s.duration_ms() <= 60_000);
    }
}
