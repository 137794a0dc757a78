//! The `vllm-queue` incident: a vLLM Deployment (`llama3-inference`, three replicas) already
//! at its HPA's `maxReplicas` takes a traffic surge. Each engine runs out of KV cache, requests
//! pile up in `vllm:num_requests_waiting`, queue time grows, and the end-to-end p99 crosses
//! its objective while the HPA reports `ScalingLimited` (TooManyReplicas). Metric names,
//! labels and bucket bounds are vLLM's own (research anchors C4).

use crate::contract::scenario::Scenario;
use crate::domain::Millis;
use crate::sources::generator::Timeline;
use crate::sources::generator::cluster::{self, NodeKind};
use crate::sources::generator::k8s::{self, Container, PodSpec, PodStatus, kv};
use crate::sources::generator::serving_k8s::{CumHist, DeployStatus, deployment, hpa};
use crate::sources::generator::telemetry::{E2E_BUCKETS, Lcg, latency_cdf};
use crate::sources::generator::workloads::{container, simple_pod};
use crate::world::objects::parse_time;

pub const VLLM_QUEUE: &str = "vllm-queue";
const START: &str = "2026-11-23T14:00:00Z";
/// Scenario length.
pub const END: Millis = 900_000;
/// Prometheus scrape interval.
pub const SCRAPE: Millis = 30_000;
/// When the surge starts.
pub const SURGE: Millis = 240_000;
pub const NS: &str = "ml-serving";
pub const APP: &str = "llama3-inference";
const MODEL: &str = "meta-llama/Meta-Llama-3-8B-Instruct";
const HASH: &str = "7d9f8c6b5";
const SUFFIXES: [&str; 3] = ["x2k4p", "qm8zt", "h7rnd"];
/// HPA bounds: already at the maximum when the surge comes.
pub const HPA_MIN: u32 = 1;
pub const HPA_MAX: u32 = 3;
/// vLLM's time-to-first-token bounds up to 40 s (its own list goes on to 2560 s): a queue of
/// many seconds must land in a finite bucket, or the quantile pins at the last bound.
const TTFT_BUCKETS: &[f64] = &[
    0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0,
];
/// The HPA's target for the average `vllm:num_requests_waiting` per pod.
const WAITING_TARGET: f64 = 10.0;

/// Seconds a request waits in the queue at scenario time `t`.
pub fn queue_secs(t: Millis) -> f64 {
    if t <= SURGE {
        0.02
    } else {
        0.02 + 0.012 * (t - SURGE) as f64 / 1000.0
    }
}

fn pods(nodes: &[k8s::NodeSpec], created: Millis) -> Vec<PodSpec> {
    let c = Container {
        args: vec![
            "--model".into(),
            MODEL.into(),
            "--max-num-seqs".into(),
            "64".into(),
            "--gpu-memory-utilization".into(),
            "0.90".into(),
            "--port".into(),
            "8000".into(),
        ],
        ports: vec![("http".into(), 8000)],
        limits: kv(&[("nvidia.com/gpu", "1"), ("cpu", "8"), ("memory", "64Gi")]),
        requests: kv(&[("nvidia.com/gpu", "1"), ("cpu", "8"), ("memory", "64Gi")]),
        ..container("vllm", "vllm/vllm-openai:v0.11.0")
    };
    SUFFIXES
        .iter()
        .zip(nodes.iter().cycle())
        .enumerate()
        .map(|(i, (suffix, node))| {
            let mut p = simple_pod(
                NS,
                &format!("{APP}-{HASH}-{suffix}"),
                node,
                &format!("10.244.{}.{}", 3 + i, 31 + i),
                c.clone(),
            );
            p.labels = kv(&[("app", APP), ("pod-template-hash", HASH)]);
            p.annotations = kv(&[
                ("prometheus.io/scrape", "true"),
                ("prometheus.io/port", "8000"),
                ("prometheus.io/path", "/metrics"),
            ]);
            p.owner = Some((
                "apps/v1".into(),
                "ReplicaSet".into(),
                format!("{APP}-{HASH}"),
            ));
            p.tolerations = vec![("nvidia.com/gpu".into(), "NoSchedule".into())];
            p.created = created;
            p
        })
        .collect()
}

/// One engine's histograms and counters.
struct Engine {
    e2e: CumHist,
    ttft: CumHist,
    queue: CumHist,
    success: f64,
    preemptions: f64,
}

impl Engine {
    fn new() -> Self {
        let mut e = Engine {
            e2e: CumHist::new(E2E_BUCKETS),
            ttft: CumHist::new(TTFT_BUCKETS),
            queue: CumHist::new(E2E_BUCKETS),
            success: 0.0,
            preemptions: 0.0,
        };
        // Two hours of healthy traffic before the scenario starts.
        e.round(79_200.0, 0.02);
        e
    }

    fn round(&mut self, n: f64, q: f64) {
        let e2e_m = 1.9 + q;
        self.e2e
            .observe(n, |b| latency_cdf(b, e2e_m, 4.0), e2e_m * 1.15);
        let ttft_m = 0.085 + q;
        self.ttft
            .observe(n, |b| latency_cdf(b, ttft_m, 3.2), ttft_m * 1.2);
        self.queue.observe(n, |b| latency_cdf(b, q, 2.5), q * 1.3);
        self.success += n;
    }
}

/// Build the scenario.
pub fn vllm_queue() -> Scenario {
    let start_ms = parse_time(START).unwrap_or(0);
    let created = start_ms - 5 * 86_400_000;
    let mut tl = Timeline::new();
    let kinds = cluster::node_specs(&[(NodeKind::H100, 3)], created);
    let nodes: Vec<k8s::NodeSpec> = kinds.iter().map(|(_, n)| n.clone()).collect();
    tl.upsert(0, k8s::namespace(NS, created));
    for n in &nodes {
        tl.upsert(0, k8s::node(n, true, start_ms));
    }
    for o in cluster::gpu_daemon_objects(&kinds, created) {
        tl.upsert(0, o);
    }
    let pods = pods(&nodes, start_ms - 2 * 3_600_000);
    for p in &pods {
        tl.upsert(0, k8s::pod(p, &PodStatus::running(p.created)));
    }
    let st = DeployStatus {
        revision: 7,
        generation: 7,
        observed: 7,
        replicas: 3,
        updated: 3,
        ready: 3,
        progress_reason: "NewReplicaSetAvailable".into(),
        new_rs: format!("{APP}-{HASH}"),
    };
    if let Some(p) = pods.first() {
        tl.upsert(0, deployment(p, APP, 3, &st, created));
    }
    let mut rng = Lcg::new(17);
    let mut engines: Vec<Engine> = pods.iter().map(|_| Engine::new()).collect();
    let mut t = 0;
    while t <= END {
        let q = queue_secs(t);
        let mut waiting_sum = 0.0;
        for (p, e) in pods.iter().zip(engines.iter_mut()) {
            let rate = if t <= SURGE { 11.0 } else { 12.5 };
            let n = (rate * SCRAPE as f64 / 1000.0 + rng.unit() * 6.0 - 3.0).round();
            e.round(n, q * (0.9 + rng.unit() * 0.2));
            let surge = t > SURGE;
            let waiting = if surge {
                (16.0 * q + rng.unit() * 4.0).round()
            } else {
                rng.below(2) as f64
            };
            waiting_sum += waiting;
            let running = if surge {
                30.0 + rng.below(4) as f64
            } else {
                18.0 + rng.below(8) as f64
            };
            let kv_use = if surge {
                (0.9 + 0.09 * ((t - SURGE) as f64 / 300_000.0).min(1.0)).min(0.99)
            } else {
                0.3 + rng.unit() * 0.08
            };
            if surge && kv_use > 0.95 {
                e.preemptions += 1.0 + rng.below(3) as f64;
            }
            let labels = [
                ("model_name", MODEL),
                ("engine", "0"),
                ("namespace", NS),
                ("pod", p.name.as_str()),
            ];
            e.e2e
                .emit(&mut tl, t, "vllm:e2e_request_latency_seconds", &labels);
            e.ttft
                .emit(&mut tl, t, "vllm:time_to_first_token_seconds", &labels);
            e.queue
                .emit(&mut tl, t, "vllm:request_queue_time_seconds", &labels);
            tl.metric(t, "vllm:num_requests_running", &labels, running);
            tl.metric(t, "vllm:num_requests_waiting", &labels, waiting);
            tl.metric(
                t,
                "vllm:kv_cache_usage_perc",
                &labels,
                (kv_use * 1000.0).round() / 1000.0,
            );
            tl.metric(t, "vllm:num_preemptions_total", &labels, e.preemptions);
            let mut ok = labels.to_vec();
            ok.push(("finished_reason", "stop"));
            tl.metric(t, "vllm:request_success_total", &ok, e.success);
            if t % 60_000 == 0 {
                let stamp = chrono::DateTime::from_timestamp_millis(start_ms + t)
                    .map(|d| d.format("%m-%d %H:%M:%S").to_string())
                    .unwrap_or_default();
                let line = format!(
                    "INFO {stamp} [loggers.py:123] Engine 000: Avg prompt throughput: {:.1} tokens/s, Avg generation throughput: {:.1} tokens/s, Running: {running} reqs, Waiting: {waiting} reqs, GPU KV cache usage: {:.1}%, Prefix cache hit rate: {:.1}%",
                    n / 15.0 * 160.0,
                    n / 15.0 * 38.0,
                    kv_use * 100.0,
                    41.0 + rng.unit() * 4.0
                );
                tl.log(t, NS, &p.name, "vllm", line);
            }
        }
        if t % 60_000 == 0 {
            let avg = waiting_sum / pods.len() as f64;
            let want = ((3.0 * avg / WAITING_TARGET).ceil() as u32).max(HPA_MIN);
            tl.upsert(
                t,
                hpa(
                    NS,
                    APP,
                    (HPA_MIN, HPA_MAX),
                    (3, want.min(HPA_MAX)),
                    "vllm:num_requests_waiting",
                    ("10", &format!("{}", avg.round())),
                    want > HPA_MAX,
                    created,
                ),
            );
        }
        t += SCRAPE;
    }
    tl.finish(
        VLLM_QUEUE,
        "vLLM queue grows until p99 breaches while the HPA sits at maxReplicas",
        "At 14:04 traffic to the vLLM endpoint llama3-inference rises past what its three \
         replicas can serve. KV cache fills, requests wait in vllm:num_requests_waiting, queue \
         time grows, and the end-to-end p99 crosses its 10 s objective. The HPA wants more \
         replicas but is pinned at maxReplicas=3 (ScalingLimited: TooManyReplicas).",
        START,
        start_ms,
    )
}
