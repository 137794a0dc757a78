//! Quantiles per refresh: 500 endpoints x 3 latency histograms (12 buckets each), 30 minutes of
//! 15 s scrapes in the store; p50/p95/p99 of every histogram over the 30-minute window.
//! Target: under 10 ms per refresh. `refresh_..._indexed` is the refresh path (bucket series
//! grouped once per histogram by `analysis::hist_index`, reused while the store does not
//! grow); `refresh_..._selected` groups and parses labels on every refresh, for comparison.
//! Also one endpoint's sparkline (120 steps of 5 m windows).

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

use aicockpit::analysis::hist_index::{HistIndex, Scratch, group_quantiles};
use aicockpit::analysis::histogram::{Selector, Window, group_by_label, quantiles_of};
use aicockpit::analysis::sparkline::{prepare, quantile_steps};
use aicockpit::state::metrics::MetricStore;

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
}

criterion_group!(benches, bench);
criterion_main!(benches);
