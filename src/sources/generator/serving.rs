//! The healthy model endpoint of the incident scenarios: the vLLM `llama3-inference`
//! Deployment's pods, their cumulative latency histograms and gauges (vLLM metric names), and
//! the engine's periodic stats log line.

use crate::domain::Millis;
use crate::sources::generator::Timeline;
use crate::sources::generator::cluster::NodeKind;
use crate::sources::generator::k8s::{Container, NodeSpec, PodSpec, kv};
use crate::sources::generator::telemetry::{
    E2E_BUCKETS, Lcg, TTFT_BUCKETS, latency_cdf, le_label, r1,
};
use crate::sources::generator::workloads::{container, simple_pod};

pub const SERVING_NS: &str = "ml-serving";
pub const SERVING_APP: &str = "llama3-inference";
const MODEL: &str = "meta-llama/Meta-Llama-3-8B-Instruct";

/// The vLLM serving pods (name, node, GPU indices) — placed on the last H100 node.
pub fn serving_pods(nodes: &[(NodeKind, NodeSpec)], created: Millis) -> Vec<(PodSpec, Vec<u32>)> {
    let h100: Vec<&NodeSpec> = nodes
        .iter()
        .filter(|(k, _)| *k == NodeKind::H100)
        .map(|(_, n)| n)
        .collect();
    let Some(node) = h100.last() else {
        return Vec::new();
    };
    let c = Container {
        args: vec![
            "--model".into(),
            MODEL.into(),
            "--tensor-parallel-size".into(),
            "4".into(),
            "--gpu-memory-utilization".into(),
            "0.90".into(),
            "--port".into(),
            "8000".into(),
        ],
        ports: vec![("http".into(), 8000)],
        limits: kv(&[("nvidia.com/gpu", "4"), ("cpu", "16"), ("memory", "128Gi")]),
        requests: kv(&[("nvidia.com/gpu", "4"), ("cpu", "16"), ("memory", "128Gi")]),
        ..container("vllm", "vllm/vllm-openai:v0.11.0")
    };
    ["7d9f8c6b5-x2k4p", "7d9f8c6b5-qm8zt"]
        .iter()
        .enumerate()
        .map(|(i, suffix)| {
            let mut p = simple_pod(
                SERVING_NS,
                &format!("{SERVING_APP}-{suffix}"),
                node,
                &format!("10.244.5.{}", 20 + i),
                c.clone(),
            );
            p.labels = kv(&[("app", SERVING_APP), ("pod-template-hash", "7d9f8c6b5")]);
            p.annotations = kv(&[
                ("prometheus.io/scrape", "true"),
                ("prometheus.io/port", "8000"),
                ("prometheus.io/path", "/metrics"),
            ]);
            p.owner = Some((
                "apps/v1".into(),
                "ReplicaSet".into(),
                format!("{SERVING_APP}-7d9f8c6b5"),
            ));
            p.tolerations = vec![("nvidia.com/gpu".into(), "NoSchedule".into())];
            p.created = created;
            (p, (0..4).map(|g| g + 4 * i as u32).collect())
        })
        .collect()
}

/// vLLM metrics for one serving pod at round `k`: cumulative histograms and gauges.
pub fn vllm_round(tl: &mut Timeline, t: Millis, k: usize, pod: &str, rng: &mut Lcg) {
    let base = [
        ("model_name", MODEL),
        ("engine", "0"),
        ("namespace", SERVING_NS),
        ("pod", pod),
    ];
    // Requests so far: ~11 req/s with a little jitter, growing round by round.
    let total = (k as f64 + 1.0) * 330.0 + (rng.unit() * 20.0).round() + 18_000.0;
    let hist =
        |tl: &mut Timeline, name: &str, buckets: &[f64], median: f64, shape: f64, mean: f64| {
            for b in buckets.iter().copied().chain([f64::INFINITY]) {
                let le = le_label(b);
                let mut labels = base.to_vec();
                labels.push(("le", le.as_str()));
                let n = if b.is_infinite() {
                    total
                } else {
                    (total * latency_cdf(b, median, shape)).floor()
                };
                tl.metric(t, &format!("{name}_bucket"), &labels, n);
            }
            tl.metric(t, &format!("{name}_sum"), &base, r1(total * mean));
            tl.metric(t, &format!("{name}_count"), &base, total);
        };
    hist(
        tl,
        "vllm:time_to_first_token_seconds",
        TTFT_BUCKETS,
        0.085,
        3.2,
        0.11,
    );
    hist(
        tl,
        "vllm:e2e_request_latency_seconds",
        E2E_BUCKETS,
        1.9,
        4.0,
        2.2,
    );
    tl.metric(
        t,
        "vllm:num_requests_running",
        &base,
        (18.0 + rng.unit() * 10.0).round(),
    );
    tl.metric(t, "vllm:num_requests_waiting", &base, rng.below(2) as f64);
    tl.metric(
        t,
        "vllm:kv_cache_usage_perc",
        &base,
        ((0.28 + rng.unit() * 0.1) * 1000.0).round() / 1000.0,
    );
}

/// A vLLM engine stats log line.
pub fn vllm_log(rng: &mut Lcg, stamp: &str) -> String {
    format!(
        "INFO {stamp} [loggers.py:123] Engine 000: Avg prompt throughput: {:.1} tokens/s, Avg generation throughput: {:.1} tokens/s, Running: {} reqs, Waiting: 0 reqs, GPU KV cache usage: {:.1}%, Prefix cache hit rate: {:.1}%",
        1700.0 + rng.unit() * 300.0,
        380.0 + rng.unit() * 60.0,
        18 + rng.below(10),
        28.0 + rng.unit() * 10.0,
        40.0 + rng.unit() * 5.0
    )
}
