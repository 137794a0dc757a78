//! The `bad-rollout` incident: `kubectl set image deployment/model-serving
//! model-server=...:v2.4.0` (the seeds' rolling-update step) starts revision 5 of the
//! `model-serving` Deployment. The new ReplicaSet's pods come up one by one (maxSurge 25 %),
//! and each one fails about one request in nine, so the endpoint's error ratio climbs past 5 %
//! as they take over. The metrics are the seeds' own (`http_request_duration_seconds`,
//! `model_requests_total`, `model_errors_total`, labelled by `service`). The fix is to roll
//! back: `kubectl rollout undo deployment/model-serving -n ai-models`.

use crate::contract::event::SourceEvent;
use crate::contract::scenario::Scenario;
use crate::domain::Millis;
use crate::sources::generator::Timeline;
use crate::sources::generator::cluster::{self, NodeKind};
use crate::sources::generator::k8s::{self, Container, Involved, NodeSpec, PodSpec, PodStatus, kv};
use crate::sources::generator::serving_k8s::{CumHist, DeployStatus, deployment, hpa};
use crate::sources::generator::telemetry::{Lcg, latency_cdf};
use crate::sources::generator::workloads::{container, simple_pod};
use crate::world::objects::parse_time;

pub const BAD_ROLLOUT: &str = "bad-rollout";
const START: &str = "2026-11-23T09:15:00Z";
/// Scenario length.
pub const END: Millis = 900_000;
/// Prometheus scrape interval.
pub const SCRAPE: Millis = 15_000;
/// When `kubectl set image` is run.
pub const SET_IMAGE: Millis = 180_000;
/// Time between one new pod and the next.
const STEP: Millis = 40_000;
pub const NS: &str = "ai-models";
pub const APP: &str = "model-serving";
pub const OLD_HASH: &str = "6c8f9d7b4d";
pub const NEW_HASH: &str = "5f7b8c9d6f";
pub const OLD_IMAGE: &str = "registry.ai-platform.local/ai-models/model-server:v2.3.1";
pub const NEW_IMAGE: &str = "registry.ai-platform.local/ai-models/model-server:v2.4.0";
const OLD_SUFFIXES: [&str; 4] = ["k7w2x", "p9d4m", "r3t8q", "z5h6n"];
const NEW_SUFFIXES: [&str; 4] = ["b2n7c", "f4x9v", "j8m3s", "w6q2t"];
pub const REPLICAS: u32 = 4;
/// Share of failed requests on each revision's pods.
pub const OLD_ERRORS: f64 = 0.003;
pub const NEW_ERRORS: f64 = 0.11;
/// prometheus_client's default histogram bounds (seconds).
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// Scenario time when new pod `j` is created, becomes ready, and old pod `j` is deleted.
pub fn new_pod_times(j: usize) -> (Millis, Millis, Millis) {
    let c = SET_IMAGE + 5_000 + j as Millis * STEP;
    (c, c + 20_000, c + 25_000)
}

fn pod(
    nodes: &[NodeSpec],
    i: usize,
    hash: &str,
    suffix: &str,
    image: &str,
    created: Millis,
) -> PodSpec {
    let c = Container {
        ports: vec![("http".into(), 8080), ("metrics".into(), 9090)],
        env: kv(&[("MODEL_NAME", "intent-classifier"), ("SERVICE_NAME", APP)]),
        limits: kv(&[("nvidia.com/gpu", "1"), ("cpu", "4"), ("memory", "16Gi")]),
        requests: kv(&[("nvidia.com/gpu", "1"), ("cpu", "4"), ("memory", "16Gi")]),
        ..container("model-server", image)
    };
    let node = &nodes[i % nodes.len()];
    let mut p = simple_pod(
        NS,
        &format!("{APP}-{hash}-{suffix}"),
        node,
        &format!("10.244.{}.{}", 7 + i % 2, 40 + i),
        c,
    );
    p.labels = kv(&[("app", APP), ("pod-template-hash", hash)]);
    p.annotations = kv(&[
        ("prometheus.io/scrape", "true"),
        ("prometheus.io/port", "9090"),
        ("prometheus.io/path", "/metrics"),
    ]);
    p.owner = Some((
        "apps/v1".into(),
        "ReplicaSet".into(),
        format!("{APP}-{hash}"),
    ));
    p.tolerations = vec![("nvidia.com/gpu".into(), "NoSchedule".into())];
    p.created = created;
    p
}

/// One pod's counters.
struct Server {
    spec: PodSpec,
    hist: CumHist,
    requests: f64,
    errors: f64,
    error_share: f64,
    /// Scenario times: created, ready, deleted.
    born: Millis,
    ready_at: Millis,
    gone_at: Millis,
}

fn status(
    tl: &mut Timeline,
    t: Millis,
    servers: &[Server],
    (revision, generation): (u32, u32),
    created: Millis,
) {
    let live: Vec<&Server> = servers
        .iter()
        .filter(|s| s.born <= t && t < s.gone_at)
        .collect();
    let new_rs = if revision > 4 { NEW_HASH } else { OLD_HASH };
    let updated = live
        .iter()
        .filter(|s| s.spec.labels.iter().any(|l| l.1 == new_rs))
        .count() as u32;
    let st = DeployStatus {
        revision,
        generation,
        observed: generation,
        replicas: live.len() as u32,
        updated,
        ready: live.iter().filter(|s| s.ready_at <= t).count() as u32,
        progress_reason: if updated == REPLICAS && live.len() as u32 == REPLICAS {
            "NewReplicaSetAvailable".into()
        } else {
            "ReplicaSetUpdated".into()
        },
        new_rs: format!("{APP}-{new_rs}"),
    };
    let tpl = servers
        .iter()
        .rev()
        .find(|s| s.spec.labels.iter().any(|l| l.1 == new_rs));
    if let Some(s) = tpl {
        tl.upsert(t, deployment(&s.spec, APP, REPLICAS, &st, created));
    }
}

/// Build the scenario.
pub fn bad_rollout() -> Scenario {
    let start_ms = parse_time(START).unwrap_or(0);
    let created = start_ms - 30 * 86_400_000;
    let mut tl = Timeline::new();
    let kinds = cluster::node_specs(&[(NodeKind::H100, 2)], created);
    let nodes: Vec<NodeSpec> = kinds.iter().map(|(_, n)| n.clone()).collect();
    tl.upsert(0, k8s::namespace(NS, created));
    for n in &nodes {
        tl.upsert(0, k8s::node(n, true, start_ms));
    }
    for o in cluster::gpu_daemon_objects(&kinds, created) {
        tl.upsert(0, o);
    }
    let mut servers: Vec<Server> = Vec::new();
    for (i, s) in OLD_SUFFIXES.iter().enumerate() {
        let mut hist = CumHist::new(BUCKETS);
        hist.observe(250_000.0, |b| latency_cdf(b, 0.09, 3.5), 0.1);
        servers.push(Server {
            spec: pod(&nodes, i, OLD_HASH, s, OLD_IMAGE, start_ms - 6 * 86_400_000),
            hist,
            requests: 250_000.0,
            errors: 750.0,
            error_share: OLD_ERRORS,
            born: Millis::MIN,
            ready_at: Millis::MIN,
            gone_at: new_pod_times(i).2,
        });
    }
    for (j, s) in NEW_SUFFIXES.iter().enumerate() {
        let (c, r, _) = new_pod_times(j);
        servers.push(Server {
            spec: pod(&nodes, j + 1, NEW_HASH, s, NEW_IMAGE, start_ms + c),
            hist: CumHist::new(BUCKETS),
            requests: 0.0,
            errors: 0.0,
            error_share: NEW_ERRORS,
            born: c,
            ready_at: r,
            gone_at: Millis::MAX,
        });
    }
    // Objects: the old pods and Deployment revision 4, then the rollout step by step.
    for s in servers.iter().filter(|s| s.spec.created < start_ms) {
        tl.upsert(0, k8s::pod(&s.spec, &PodStatus::running(s.spec.created)));
    }
    status(&mut tl, 0, &servers[..4], (4, 4), created);
    tl.upsert(
        0,
        hpa(
            NS,
            APP,
            (2, 8),
            (4, 4),
            "http_requests_per_second",
            ("50", "38"),
            false,
            created,
        ),
    );
    let dep = Involved {
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        namespace: NS.into(),
        name: APP.into(),
        field_path: String::new(),
    };
    status(&mut tl, SET_IMAGE, &servers, (5, 5), created);
    for j in 0..REPLICAS as usize {
        let (c, r, d) = new_pod_times(j);
        let new = &servers[4 + j].spec;
        let old = &servers[j].spec;
        let mut pending = PodStatus::pending();
        pending.phase = "Pending".into();
        tl.upsert(c, k8s::pod(new, &pending));
        tl.upsert(r, k8s::pod(new, &PodStatus::running(start_ms + r - 15_000)));
        let msg = |rs: &str, n: usize| format!("Scaled {rs} to {n}");
        tl.upsert(
            c,
            k8s::event(
                &dep,
                2 * j as u32,
                "Normal",
                "ScalingReplicaSet",
                &msg(&format!("up replica set {APP}-{NEW_HASH}"), j + 1),
                1,
                start_ms + c,
                start_ms + c,
                "deployment-controller",
                "",
            ),
        );
        tl.upsert(
            d,
            k8s::event(
                &dep,
                2 * j as u32 + 1,
                "Normal",
                "ScalingReplicaSet",
                &msg(&format!("down replica set {APP}-{OLD_HASH}"), 3 - j),
                1,
                start_ms + d,
                start_ms + d,
                "deployment-controller",
                "",
            ),
        );
        tl.push(
            d,
            SourceEvent::Delete {
                api_version: "v1".into(),
                object_kind: "Pod".into(),
                namespace: Some(NS.into()),
                name: old.name.clone(),
            },
        );
        for t in [c, r, d] {
            status(&mut tl, t, &servers, (5, 5), created);
        }
    }
    // Metrics: every ready, live pod is scraped; traffic is shared evenly.
    let mut rng = Lcg::new(23);
    let mut t = 0;
    while t <= END {
        let at = start_ms + t;
        let live = servers
            .iter()
            .filter(|s| s.ready_at <= t && t < s.gone_at)
            .count()
            .max(1);
        for s in servers.iter_mut().filter(|s| s.born <= t && t < s.gone_at) {
            if s.ready_at <= t - SCRAPE {
                let n =
                    (40.0 * SCRAPE as f64 / 1000.0 / live as f64 + rng.unit() * 8.0 - 4.0).round();
                let e = (n * s.error_share + rng.unit() * 0.8 - 0.4)
                    .round()
                    .max(0.0);
                s.hist.observe(n, |b| latency_cdf(b, 0.09, 3.5), 0.1);
                s.requests += n;
                s.errors += e;
            }
            if s.ready_at > t {
                continue;
            }
            let labels = [
                ("service", APP),
                ("namespace", NS),
                ("pod", s.spec.name.as_str()),
            ];
            s.hist
                .emit(&mut tl, t, "http_request_duration_seconds", &labels);
            tl.metric(t, "model_requests_total", &labels, s.requests);
            tl.metric(t, "model_errors_total", &labels, s.errors);
            if s.error_share > OLD_ERRORS && t % 30_000 == 0 {
                let stamp = chrono::DateTime::from_timestamp_millis(at)
                    .map(|d| d.format("%Y-%m-%d %H:%M:%S,%3f").to_string())
                    .unwrap_or_default();
                let line = format!(
                    "{stamp} ERROR model_server.handler: predict failed for request {:08x}: KeyError: 'attention_mask' (preprocessor v2.4.0 drops it for batched inputs)",
                    rng.next_u64() as u32
                );
                tl.log(t, NS, &s.spec.name, "model-server", line);
            }
        }
        t += SCRAPE;
    }
    tl.finish(
        BAD_ROLLOUT,
        "A rollout's new revision raises the error ratio past 5 %",
        "At 09:18 `kubectl set image deployment/model-serving model-server=...:v2.4.0` starts \
         revision 5 of model-serving in ai-models. Pods of the new ReplicaSet model-serving-5f7b8c9d6f \
         replace the old ones one by one; each fails about one request in nine (KeyError in the \
         new preprocessor), so the endpoint's error ratio climbs past 5 % and the error alerts go \
         pending, then firing. The fix: kubectl rollout undo deployment/model-serving -n ai-models.",
        START,
        start_ms,
    )
}
