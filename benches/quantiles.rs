//! Quantiles per refresh: 500 endpoints x 3 latency histograms (12 buckets each), 30 minutes of
//! 15 s scrapes in the store; p50/p95/p99 of every histogram over the 30-minute window.
//! Target: under 10 ms per refresh. `refresh_..._indexed` is the refresh path (bucket series
//! grouped once per histogram by `serving::derive::hist_index`, reused while the store does not
//! grow); `refresh_..._selected` groups and parses labels on every refresh, for comparison.
//! The generator gives every series `namespace="ai"` too, so the view can pick them by pod.
//! Also one endpoint's sparkline (120 steps of 5 m windows), and the Serving view's whole
//! refresh (`serving::view::refresh`) over the same store behind 500 vLLM Deployments: stats,
//! 15-minute series and objectives of every endpoint, with the alert book already caught up.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

use aicockpit::domain::{ObjKey, PodInfo};
use aicockpit::serving::derive::hist_index::{HistIndex, Scratch, group_quantiles};
use aicockpit::serving::derive::histogram::{Selector, Window, group_by_label, quantiles_of};
use aicockpit::serving::derive::sparkline::{prepare, quantile_steps};
use aicockpit::settings::keymap::Keymap;
use aicockpit::state::{AppState, Mode};
use aicockpit::world::metrics::MetricStore;

const ENDPOINTS: usize = 500;
const NAMES: [&str; 3] = [
    "vllm:e2e_request_latency_seconds_bucket",
    "vllm:time_to_first_token_seconds_bucket",
    "vllm:inter_token_latency_seconds_bucket",
];
const LES: [&str; 12] = [
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf",
];
const STEP_MS: i64 = 15_000;
const POINTS: i64 = 120; // 30 minutes
const QS: [f64; 3] = [0.5, 0.95, 0.99];

/// Deterministic cumulative buckets: each scrape adds requests spread over the buckets.
fn store() -> MetricStore {
    let mut m = MetricStore::with_capacity(POINTS as usize);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for e in 0..ENDPOINTS {
        let pod = format!("serve-{e}");
        for name in NAMES {
            let mut totals = [0.0f64; 12];
            for t in 0..POINTS {
                let mut cum = 0.0;
                for (i, le) in LES.iter().enumerate() {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    cum += (seed % 4) as f64;
                    totals[i] += cum;
                    let labels = BTreeMap::from([
                        ("namespace".to_string(), "ai".to_string()),
                        ("pod".to_string(), pod.clone()),
                        ("le".to_string(), le.to_string()),
                    ]);
                    m.push(name, &labels, t * STEP_MS, totals[i]);
                }
            }
        }
    }
    m
}

/// An app state whose world holds `m` and, for each endpoint, a vLLM Deployment `serve-{e}`
/// in namespace `ai` and its one running pod `serve-{e}`.
fn app(m: MetricStore, now: i64) -> AppState {
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().unwrap_or_default());
    for e in 0..ENDPOINTS {
        let name = format!("serve-{e}");
        let deployment = serde_json::json!({
            "metadata": {"name": name, "namespace": "ai"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": "vllm", "image": "vllm/vllm-openai:v0.6.3"}]}
                }
            },
            "status": {"readyReplicas": 1}
        });
        st.world
            .objects
            .insert(ObjKey::new("Deployment", "ai", &name), deployment);
        let pod = PodInfo {
            namespace: "ai".to_string(),
            name: name.clone(),
            phase: "Running".to_string(),
            status: "Running".to_string(),
            ready_containers: 1,
            total_containers: 1,
            labels: BTreeMap::from([("app".to_string(), name.clone())]),
            ..PodInfo::default()
        };
        st.world.pods.insert(("ai".to_string(), name), pod.into());
    }
    st.world.metrics = m;
    st.world.last_event_ms = now;
    st.now_ms = now;
    st
}

fn bench(c: &mut Criterion) {
    let m = store();
    let now = (POINTS - 1) * STEP_MS;
    let w = Window::ending_at(now, POINTS * STEP_MS);
    let idx: Vec<HistIndex> = NAMES
        .iter()
        .map(|n| HistIndex::build(&m, n, "pod"))
        .collect();
    c.bench_function("refresh_500x3_histograms_30m_indexed", |b| {
        let (mut scratch, mut out) = (Scratch::default(), Vec::with_capacity(QS.len()));
        b.iter(|| {
            let mut n = 0;
            for h in &idx {
                for g in &h.groups {
                    group_quantiles(&m, g, w, &QS, &mut scratch, &mut out);
                    n += out.iter().filter(|x| x.is_ok()).count();
                }
            }
            black_box(n)
        })
    });
    c.bench_function("build_index_500x3_histograms", |b| {
        b.iter(|| black_box(HistIndex::build(&m, NAMES[0], "pod").groups.len()))
    });
    c.bench_function("refresh_500x3_histograms_30m_selected", |b| {
        b.iter(|| {
            let mut n = 0;
            for name in NAMES {
                for ids in group_by_label(&m, name, "pod").values() {
                    let r = quantiles_of(&m, ids, w, &QS);
                    n += r.iter().filter(|x| x.is_ok()).count();
                }
            }
            black_box(n)
        })
    });
    let sel = Selector::all().eq("pod", "serve-7");
    c.bench_function("sparkline_one_endpoint_120_steps", |b| {
        b.iter(|| {
            let p = prepare(&m, NAMES[0], &sel);
            black_box(quantile_steps(&p, 300_000, 0, now, STEP_MS, &QS))
        })
    });
    // The view's refresh at a tick: indexes built and the alert book caught up by the first
    // refresh, as on a running cockpit; the clock stands still, so the book has nothing new.
    let mut st = app(m, now);
    aicockpit::serving::view::refresh(&mut st);
    let measured = st.serving.endpoints.iter().filter(|e| {
        let p99 = e.stats.as_ref().ok().and_then(|s| s.p99.value());
        p99.is_some() && e.series.iter().any(|p| p.p99.is_some())
    });
    assert_eq!(
        measured.count(),
        ENDPOINTS,
        "every endpoint has a p99 and a sparkline"
    );
    let mut g = c.benchmark_group("serving_view");
    g.sample_size(10);
    g.bench_function("refresh_500_endpoints_30m", |b| {
        b.iter(|| {
            aicockpit::serving::view::refresh(black_box(&mut st));
            black_box(st.serving.endpoints.len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
