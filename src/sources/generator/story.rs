//! The `rdma-netpol` incident (seed 004, case 1): a NetworkPolicy applied to the training
//! namespace lets only TCP through, RDMA (RoCE) traffic between the ranks of a 4-rank PyTorchJob
//! stops, the job restarts, NCCL falls back from IB to sockets, GPU utilisation collapses, rank 2
//! stalls, the ProcessGroupNCCL watchdog takes the other ranks down and the pods end in
//! CrashLoopBackOff. Serving, notebooks and the NPU job stay healthy throughout.

use crate::contract::event::{HealthState, NvmlDevice, NvmlSnapshot, SourceEvent};
use crate::contract::scenario::Scenario;
use crate::domain::Millis;
use crate::sources::generator::Timeline;
use crate::sources::generator::cluster::{self, H100_MODEL, NodeKind, gpu_uuid, pci_bus_id};
use crate::sources::generator::job::{self, Job};
use crate::sources::generator::job_story;
use crate::sources::generator::k8s::{self, ts};
use crate::sources::generator::serving;
use crate::sources::generator::telemetry::{H100Series, Lcg, h100_series, r1};
use crate::sources::generator::workloads::{self, TEMP_SPREAD};
use crate::world::objects::parse_time;

/// The default scenario's name.
pub const RDMA_NETPOL: &str = "rdma-netpol";
const START: &str = "2026-11-22T10:30:00Z";
/// Scenario length.
pub const END: Millis = 600_000;
/// DCGM scrape interval (the exporter's default collection interval).
pub const SCRAPE: Millis = 30_000;

/// Moments of the story (scenario milliseconds).
pub mod at {
    use crate::domain::Millis;
    pub const NETPOL: Millis = 150_000;
    pub const IB_ERROR: Millis = 158_000;
    pub const CRASH1: Millis = 165_000;
    pub const RESTART1: Millis = 175_000;
    pub const RUNNING2: Millis = 190_000;
    pub const STALL: Millis = 330_000;
    /// The process-group timeout is 180 s, so the watchdog fires 180 s after the stall.
    pub const WATCHDOG: Millis = 510_000;
    pub const CRASH2: Millis = 512_000;
    pub const RESTART2: Millis = 525_000;
    pub const CRASH3: Millis = 548_000;
    pub const BACKOFF: Millis = 560_000;
}

/// Build the scenario.
pub fn rdma_netpol() -> Scenario {
    let start_ms = parse_time(START).unwrap_or(0);
    let created = start_ms - 40 * 86_400_000;
    let mut tl = Timeline::new();
    let nodes = cluster::node_specs(
        &[
            (NodeKind::ControlPlane, 1),
            (NodeKind::Cpu, 2),
            (NodeKind::H100, 5),
            (NodeKind::A100Mig, 2),
            (NodeKind::Ascend910, 2),
        ],
        created,
    );
    for ns in [
        "kube-system",
        "gpu-operator",
        "kubeflow",
        "monitoring",
        "ml-training",
        workloads::SERVING_NS,
        "research",
        "npu-lab",
    ] {
        tl.upsert(0, k8s::namespace(ns, created));
    }
    for o in cluster::system_objects(&nodes, created, start_ms) {
        tl.upsert(0, o);
    }
    workloads::background_objects(&mut tl, &nodes, start_ms - 3 * 86_400_000);
    for (source, message) in [
        ("kube", "watching 9 resource kinds"),
        ("prometheus", "http://prometheus-server.monitoring:9090"),
        ("nvml", "driver 580.159.04, 8 devices"),
    ] {
        tl.push(0, health(source, HealthState::Ok, message));
    }

    let job = Job::new(&nodes, start_ms - 2 * 3_600_000);
    job_story::story(&mut tl, &job, start_ms);

    // Telemetry rounds.
    let h = h100_series();
    let serving = serving::serving_pods(&nodes, 0);
    let mut rng = Lcg::new(4);
    let mut k = 0usize;
    let mut t = 0;
    while t <= END {
        workloads::background_round(&mut tl, t, k, &nodes, &h, &serving, &mut rng);
        for (p, _) in &serving {
            serving::vllm_round(&mut tl, t, k, &p.name, &mut rng);
        }
        for r in &job.ranks {
            for g in 0..8u32 {
                let s = job::gpu_sample(&h, r.index, g, k, t);
                let owner = job::gpu_owner(r, t);
                workloads::dcgm_round(&mut tl, t, &r.node, g, H100_MODEL, &s, owner);
            }
        }
        if let Some(r) = job.ranks.get(2) {
            tl.push(t, nvml_snapshot(&h, r.index, &r.node, k, t));
        }
        k += 1;
        t += SCRAPE;
    }
    let mut t = 5_000;
    while t < END {
        let stamp = chrono::DateTime::from_timestamp_millis(start_ms + t)
            .map(|d| d.format("%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        for (p, _) in &serving {
            tl.log(
                t,
                workloads::SERVING_NS,
                &p.name,
                "vllm",
                serving::vllm_log(&mut rng, &stamp),
            );
        }
        t += 10_000;
    }
    // One source blip unrelated to the incident.
    tl.push(
        420_000,
        health(
            "prometheus",
            HealthState::Degraded,
            "query_range took 8.4 s (timeout 10 s); panels may lag",
        ),
    );
    tl.push(
        450_000,
        health(
            "prometheus",
            HealthState::Ok,
            "http://prometheus-server.monitoring:9090",
        ),
    );

    tl.finish(
        RDMA_NETPOL,
        "NCCL falls back to TCP after a NetworkPolicy blocks RDMA",
        "A NetworkPolicy applied to ml-training at 10:32:30 lets only TCP between the ranks of the \
         PyTorchJob llm-pretrain. RDMA (RoCE) traffic stops, the job restarts, NCCL falls back from \
         IB to sockets, GPU utilisation on the four H100 nodes collapses, rank 2 stalls and the \
         ProcessGroupNCCL watchdog takes the other ranks down; the pods end in CrashLoopBackOff. \
         The vLLM endpoint llama3-inference, the MIG notebooks and the NPU job stay healthy. NVML \
         snapshots are from gpu-h100-03 (rank 2).",
        START,
        start_ms,
    )
}

fn health(source: &str, state: HealthState, message: &str) -> SourceEvent {
    SourceEvent::SourceHealth {
        source: source.into(),
        state,
        message: message.into(),
    }
}

fn nvml_snapshot(h: &H100Series, rank: u32, node: &str, k: usize, t: Millis) -> SourceEvent {
    let devices = (0..8u32)
        .map(|g| {
            let s = job::gpu_sample(h, rank, g, k, t);
            NvmlDevice {
                index: g,
                name: H100_MODEL.into(),
                uuid: gpu_uuid(node, g),
                pci_bus_id: pci_bus_id(g),
                gpu_util: Some(s.gpu_util),
                mem_util: Some(s.mem_util),
                fb_used_mib: Some(s.fb_used_mib.round()),
                fb_total_mib: Some(s.fb_total_mib),
                temp_c: Some(s.temp_c + TEMP_SPREAD[g as usize]),
                power_w: Some(r1(s.power_w)),
                power_limit_w: Some(s.power_limit_w),
                sm_clock_mhz: Some(s.sm_clock_mhz),
                throttle_reasons: Some(s.throttle_reasons),
                ecc_sbe_volatile: Some(0),
                ecc_dbe_volatile: Some(0),
                mig_mode: Some(false),
                ..NvmlDevice::default()
            }
        })
        .collect();
    SourceEvent::Nvml {
        snapshot: NvmlSnapshot {
            driver_version: cluster::DRIVER.into(),
            cuda_version: "13.0".into(),
            devices,
            ..NvmlSnapshot::default()
        },
    }
}

/// Kubernetes' own timestamp for a scenario instant (for event fields and log stamps).
pub fn stamp(start_ms: Millis, t: Millis) -> String {
    ts(start_ms + t)
}
