//! The scenario generator: deterministic builders for the embedded incident scenarios and for
//! synthetic scale scenarios (benchmarks). No wall clock and no unseeded randomness: the same
//! name or options always give the same scenario, byte for byte.
//!
//! `k8s` builds Kubernetes objects, `telemetry` metric samples (from a real H100 NVML series),
//! `story` the incident scenarios, `synthetic` the scale ones.

pub mod alloc_frag;
pub mod bad_rollout;
pub mod cluster;
pub mod gpu_health;
pub mod gpu_health_telemetry;
pub mod gpu_taint;
pub mod job;
pub mod job_pods;
pub mod job_story;
pub mod k8s;
pub mod k8s_apps;
pub mod label_mismatch;
pub mod nccl_lines;
pub mod serving;
pub mod serving_k8s;
pub mod story;
pub mod synthetic;
pub mod telemetry;
pub mod triage_base;
pub mod vllm_queue;
pub mod workloads;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::contract::event::SourceEvent;
use crate::contract::scenario::{self, Header, Line, SCHEMA_VERSION, Scenario};
use crate::domain::Millis;

pub use synthetic::{SyntheticOpts, synthetic};

/// Names of the scenarios `generate` knows, the default first.
pub fn builtin_names() -> &'static [&'static str] {
    &[
        story::RDMA_NETPOL,
        alloc_frag::ALLOC_FRAGMENTATION,
        label_mismatch::LABEL_MISMATCH,
        gpu_taint::GPU_TAINT,
        gpu_health::GPU_HEALTH,
        vllm_queue::VLLM_QUEUE,
        bad_rollout::BAD_ROLLOUT,
    ]
}

/// Build a named incident scenario.
pub fn generate(name: &str) -> Option<Scenario> {
    match name {
        story::RDMA_NETPOL => Some(story::rdma_netpol()),
        alloc_frag::ALLOC_FRAGMENTATION => Some(alloc_frag::alloc_fragmentation()),
        label_mismatch::LABEL_MISMATCH => Some(label_mismatch::label_mismatch()),
        gpu_taint::GPU_TAINT => Some(gpu_taint::gpu_taint()),
        gpu_health::GPU_HEALTH => Some(gpu_health::gpu_health()),
        vllm_queue::VLLM_QUEUE => Some(vllm_queue::vllm_queue()),
        bad_rollout::BAD_ROLLOUT => Some(bad_rollout::bad_rollout()),
        _ => None,
    }
}

/// Write a scenario in its file form (`contract::scenario::to_text`).
pub fn write_scenario(s: &Scenario, path: &Path) -> std::io::Result<()> {
    std::fs::write(path, scenario::to_text(s))
}

/// Events being gathered for a scenario, in any order; `finish` sorts them by time (stable, so
/// events at the same instant keep the order they were added in).
#[derive(Debug, Default)]
pub struct Timeline {
    events: Vec<(Millis, SourceEvent)>,
}

impl Timeline {
    pub fn new() -> Self {
        Timeline::default()
    }

    pub fn push(&mut self, t_ms: Millis, ev: SourceEvent) {
        self.events.push((t_ms, ev));
    }

    pub fn upsert(&mut self, t_ms: Millis, object: Value) {
        self.push(t_ms, SourceEvent::Upsert { object });
    }

    pub fn log(&mut self, t_ms: Millis, ns: &str, pod: &str, container: &str, line: String) {
        self.push(
            t_ms,
            SourceEvent::Log {
                namespace: ns.to_string(),
                pod: pod.to_string(),
                container: container.to_string(),
                line,
            },
        );
    }

    pub fn metric(&mut self, t_ms: Millis, name: &str, labels: &[(&str, &str)], value: f64) {
        let labels: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.push(
            t_ms,
            SourceEvent::Metric {
                name: name.to_string(),
                labels,
                value,
            },
        );
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Sort by time and wrap with a header. `start` is RFC 3339 and `start_ms` the same instant.
    pub fn finish(
        mut self,
        name: &str,
        title: &str,
        description: &str,
        start: &str,
        start_ms: Millis,
    ) -> Scenario {
        self.events.sort_by_key(|(t, _)| *t);
        Scenario {
            header: Header {
                schema: SCHEMA_VERSION,
                scenario: name.to_string(),
                title: title.to_string(),
                description: description.to_string(),
                start: start.to_string(),
            },
            start_ms,
            events: self
                .events
                .into_iter()
                .map(|(t_ms, ev)| Line { t_ms, ev })
                .collect(),
        }
    }
}
