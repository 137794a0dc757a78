//! Inventory + telemetry join over a synthetic cluster: 2,000 eight-GPU nodes (16,000 GPUs),
//! 40,000 pods (GPU workers, CPU pods and the per-node device-plugin / dcgm-exporter agents) and
//! ten DCGM fields per GPU. Target: well under 20 ms per build.

use std::collections::BTreeMap;

use aicockpit::analysis::inventory::{InventoryConfig, build};
use aicockpit::domain::{AccelKind, NodeInfo, PodInfo};
use aicockpit::keymap::Keymap;
use aicockpit::state::world::World;
use aicockpit::state::{AppState, Mode};
use criterion::{Criterion, black_box, criterion_group, criterion_main};

const NODES: usize = 2_000;
const GPUS: usize = 8;
const PODS: usize = 40_000;
const FIELDS: &[&str] = &[
    "DCGM_FI_DEV_GPU_UTIL",
    "DCGM_FI_DEV_FB_USED",
    "DCGM_FI_DEV_FB_FREE",
    "DCGM_FI_DEV_GPU_TEMP",
    "DCGM_FI_DEV_POWER_USAGE",
    "DCGM_FI_DEV_SM_CLOCK",
    "DCGM_FI_DEV_XID_ERRORS",
    "DCGM_FI_DEV_PCIE_REPLAY_COUNTER",
    "DCGM_FI_DEV_ROW_REMAP_FAILURE",
    "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
];

fn s(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

fn synthetic_world() -> World {
    let mut w = World::default();
    for i in 0..NODES {
        let name = format!("gpu-{i:04}");
        let labels: BTreeMap<String, String> = [
            s("kubernetes.io/hostname", &name),
            s("nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3"),
            s("nvidia.com/gpu.count", "8"),
            s("nvidia.com/gpu.memory", "81559"),
            s("nvidia.com/cuda.driver-version.full", "550.54.15"),
        ]
        .into();
        let alloc = if i % 50 == 0 { 7.0 } else { 8.0 };
        w.nodes.insert(
            name.clone(),
            NodeInfo {
                name,
                ready: i % 400 != 0,
                labels,
                capacity: [
                    ("cpu".to_string(), 96.0),
                    ("nvidia.com/gpu".to_string(), 8.0),
                ]
                .into(),
                allocatable: [
                    ("cpu".to_string(), 96.0),
                    ("nvidia.com/gpu".to_string(), alloc),
                ]
                .into(),
                accel_kind: AccelKind::NvidiaGpu,
                ..NodeInfo::default()
            },
        );
    }
    let per_node = PODS / NODES;
    for i in 0..NODES {
        let node = format!("gpu-{i:04}");
        for k in 0..per_node {
            let (name, owner, req) = match k {
                0 => (
                    format!("nvidia-device-plugin-{i}"),
                    Some("nvidia-device-plugin-daemonset"),
                    None,
                ),
                1 => (
                    format!("nvidia-dcgm-exporter-{i}"),
                    Some("nvidia-dcgm-exporter"),
                    None,
                ),
                2..=5 => (format!("train-{i}-{k}"), None, Some(2.0)),
                _ => (format!("cpu-{i}-{k}"), None, None),
            };
            let ns = if owner.is_some() {
                "gpu-operator"
            } else {
                "ml"
            };
            let pod = PodInfo {
                namespace: ns.to_string(),
                name: name.clone(),
                node: Some(node.clone()),
                phase: "Running".to_string(),
                status: "Running".to_string(),
                ready_containers: 1,
                total_containers: 1,
                owner: owner.map(|o| ("DaemonSet".to_string(), o.to_string())),
                accel_requests: req
                    .map(|q| BTreeMap::from([("nvidia.com/gpu".to_string(), q)]))
                    .unwrap_or_default(),
                ..PodInfo::default()
            };
            w.pods.insert((ns.to_string(), name), pod);
        }
        for g in 0..GPUS {
            let labels: BTreeMap<String, String> = [
                s("gpu", &g.to_string()),
                s("UUID", &format!("GPU-{i:04}-{g}")),
                s("Hostname", &node),
                s("modelName", "NVIDIA H100 80GB HBM3"),
                s("pod", &format!("train-{i}-{}", 2 + g / 2)),
                s("namespace", "ml"),
                s("container", "worker"),
            ]
            .into();
            for (f, field) in FIELDS.iter().enumerate() {
                for t in 0..2 {
                    let v = (i * 7 + g * 3 + f + t) as f64 % 100.0;
                    w.metrics.push(field, &labels, t as i64 * 15_000, v);
                }
            }
        }
    }
    w
}

/// This process's user + system CPU time in clock ticks (Linux `/proc/self/stat`), so the report
/// can say how much of the wall time was the build and how much was waiting for a shared CPU.
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

fn bench(c: &mut Criterion) {
    let w = synthetic_world();
    let cfg = InventoryConfig::default();
    let inv = build(&w, &cfg);
    assert_eq!(inv.nodes.len(), NODES);
    assert_eq!(inv.nodes[1].telemetry.devices().len(), GPUS);
    let runs = 20;
    let (t0, c0) = (std::time::Instant::now(), cpu_ticks());
    for _ in 0..runs {
        black_box(build(black_box(&w), black_box(&cfg)));
    }
    let wall = t0.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
    if let (Some(a), Some(b)) = (c0, cpu_ticks()) {
        // ticks are 1/100 s on Linux
        let cpu = (b - a) as f64 * 10.0 / f64::from(runs);
        println!("inventory build: {cpu:.1} ms CPU, {wall:.1} ms wall per build ({runs} runs)");
    }
    c.bench_function("inventory_build_2000_nodes_16000_gpus_40000_pods", |b| {
        b.iter(|| build(black_box(&w), black_box(&cfg)))
    });
    // The Nodes pane's whole refresh: inventory, thresholds over every device's history, rows,
    // sort, MIG layouts, pending pods and XIDs.
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().expect("embedded keymap"));
    st.world = w;
    st.now_ms = 15_000;
    c.bench_function("accel_view_refresh_2000_nodes", |b| {
        b.iter(|| aicockpit::state::accel::refresh(black_box(&mut st)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
