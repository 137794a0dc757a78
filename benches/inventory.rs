//! Accelerator inventory + telemetry join over the synthetic 2,000-node / 16,000-GPU /
//! 40,000-pod scenario (H100, MIG and Ascend nodes; 46,000 pods with the device-plugin,
//! exporter and kube-proxy pods of every node), replayed
//! through `World::apply` as a live source would feed it, with ten DCGM fields per device.
//!
//! - `cold`: a refresh with nothing cached (the first one, or after the world was replaced);
//! - `after_scrape`: the refresh the cockpit runs in steady state, after every series got a new
//!   point (one full scrape; the samples are pushed outside the timed part). Target: < 20 ms;
//! - `after_scrape_and_pod_churn`: the same with 1 % of the pods changed as well;
//! - `accel_view_after_scrape`: the Nodes pane's whole refresh (inventory, thresholds over every
//!   device's history, rows, sort, MIG layouts, pending pods, XIDs) after a scrape.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aicockpit::accel::derive::inventory::{Inventory, InventoryConfig, build};
use aicockpit::accel::derive::inventory_cache::InventoryCache;
use aicockpit::contract::event::{SourceEvent, TimedEvent};
use aicockpit::domain::Millis;
use aicockpit::shell::cmd::triage::state_at;
use aicockpit::sources::generator::{SyntheticOpts, synthetic};
use aicockpit::state::AppState;
use criterion::{Criterion, black_box, criterion_group, criterion_main};

/// Fields added to every device beside the generator's four gauges.
const EXTRA: &[&str] = &[
    "DCGM_FI_DEV_FB_FREE",
    "DCGM_FI_DEV_SM_CLOCK",
    "DCGM_FI_DEV_XID_ERRORS",
    "DCGM_FI_DEV_PCIE_REPLAY_COUNTER",
    "DCGM_FI_DEV_ROW_REMAP_FAILURE",
    "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
];

/// Fields that are zero unless something is wrong.
const ERRORS: &[&str] = &[
    "DCGM_FI_DEV_XID_ERRORS",
    "DCGM_FI_DEV_PCIE_REPLAY_COUNTER",
    "DCGM_FI_DEV_ROW_REMAP_FAILURE",
];

type Labels = Arc<BTreeMap<String, String>>;

/// The synthetic cluster at its end, with ten fields per device; and every DCGM series.
fn synthetic_state() -> (AppState, Vec<(String, Labels)>) {
    let s = synthetic(&SyntheticOpts::default());
    let mut st = state_at(&s, None);
    let t = st.world.metrics.newest_ms().unwrap_or(0);
    let devices: Vec<Labels> = st
        .world
        .metrics
        .ids_by_name("DCGM_FI_DEV_GPU_UTIL")
        .iter()
        .filter_map(|id| Some(Arc::clone(&st.world.metrics.key(*id)?.labels)))
        .collect();
    for labels in &devices {
        for f in EXTRA {
            st.world.metrics.push(f, labels, t, 0.0);
        }
    }
    let series = (0..st.world.metrics.len())
        .filter_map(|id| st.world.metrics.key(id))
        .filter(|k| k.name.starts_with("DCGM_"))
        .map(|k| (k.name.clone(), Arc::clone(&k.labels)))
        .collect();
    (st, series)
}

/// One full scrape: a new point for every DCGM series, 15 s after the last.
fn scrape(st: &mut AppState, series: &[(String, Labels)], round: &mut Millis) {
    *round += 1;
    let t = st.world.metrics.newest_ms().unwrap_or(0) + 15_000;
    for (i, (name, labels)) in series.iter().enumerate() {
        // error counters stay at zero on a healthy fleet; gauges move
        let v = if ERRORS.contains(&name.as_str()) {
            0.0
        } else {
            ((i as Millis * 7 + *round) % 100) as f64
        };
        st.world.metrics.push(name, labels, t, v);
    }
    st.world.last_event_ms = st.world.last_event_ms.max(t);
    st.now_ms = t;
}

/// Re-apply 1 % of the pods (a status change each), as a watch would deliver them.
fn churn(st: &mut AppState, round: Millis) {
    let pods: Vec<_> = st.world.pods.values().step_by(100).cloned().collect();
    let t = st.world.last_event_ms;
    for (i, p) in pods.into_iter().enumerate() {
        let restarts = round + i as Millis;
        let requests: serde_json::Map<String, serde_json::Value> = p
            .accel_requests
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::json!(v.to_string())))
            .collect();
        let obj = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": p.name, "namespace": p.namespace, "labels": p.labels},
            "spec": {"nodeName": p.node, "containers": [
                {"name": "c", "resources": {"requests": requests, "limits": requests}}]},
            "status": {"phase": p.phase, "containerStatuses": [
                {"name": "c", "ready": true, "restartCount": restarts, "state": {"running": {}}}]}});
        st.world.apply(&TimedEvent {
            at_ms: t,
            ev: SourceEvent::Upsert { object: obj },
        });
    }
}

fn bench(c: &mut Criterion) {
    let (mut st, series) = synthetic_state();
    let cfg = InventoryConfig::default();
    let inv = build(&st.world, &cfg);
    eprintln!(
        "synthetic: {} nodes ({} with accelerators), {} pods, {} DCGM series",
        st.world.nodes.len(),
        inv.nodes.len(),
        st.world.pods.len(),
        series.len()
    );
    let mut g = c.benchmark_group("inventory");
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(8));
    // the first refresh of the cockpit (or after the world was replaced): nothing cached
    g.bench_function("cold", |b| {
        b.iter(|| {
            InventoryCache::default().refresh(Inventory::default(), black_box(&st.world), &cfg)
        })
    });
    let mut cache = InventoryCache::default();
    let mut inv: Inventory = cache.refresh(Inventory::default(), &st.world, &cfg);
    let mut round = 0;
    for (name, pods) in [
        ("after_scrape", false),
        ("after_scrape_and_pod_churn", true),
    ] {
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    scrape(&mut st, &series, &mut round);
                    if pods {
                        churn(&mut st, round);
                    }
                    let prev = std::mem::take(&mut inv);
                    let t0 = Instant::now();
                    inv = cache.refresh(prev, black_box(&st.world), &cfg);
                    spent += t0.elapsed();
                }
                spent
            })
        });
        eprintln!("{name}: last refresh {:?}", cache.stats);
    }
    g.bench_function("accel_view_after_scrape", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                scrape(&mut st, &series, &mut round);
                let t0 = Instant::now();
                aicockpit::accel::view::refresh(black_box(&mut st));
                spent += t0.elapsed();
            }
            spent
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
