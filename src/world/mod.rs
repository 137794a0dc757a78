//! The cluster as the sources have described it so far: raw objects folded into domain records
//! (nodes, pods, events), every other kind kept raw, metric series, log lines, NVML snapshots and
//! source health. Changed only by `World::apply`.

pub mod index;
pub mod log_store;
pub mod metrics;
pub mod node_revs;
pub mod nvml_samples;
pub mod objects;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde_json::Value;

use crate::contract::event::{HealthState, NvmlSnapshot, SourceEvent, TimedEvent};
use crate::domain::Millis;
use crate::domain::{KEvent, LogLine, NodeInfo, ObjKey, PodInfo};
use crate::world::index::WorldIndex;
use crate::world::log_store::LogStore;
use crate::world::metrics::MetricStore;
use crate::world::objects::{event_info, node_info, obj_key, pod_info};

/// How many Kubernetes events are kept (newest win).
pub const MAX_EVENTS: usize = 5000;

/// Health of one source, with when it last changed.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceHealthEntry {
    pub state: HealthState,
    pub message: String,
    pub since_ms: Millis,
}

/// How much the world keeps: points per metric series (`metrics.points` in config.toml) and
/// bytes of log text (`logs.max_bytes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub metric_points: usize,
    pub log_bytes: usize,
}

/// Everything known about the cluster. `World::default()` keeps everything; the cockpit and
/// its subcommands bound it with `World::with_limits`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct World {
    pub nodes: BTreeMap<String, NodeInfo>,
    /// Keyed by (namespace, name); shared with the index's pods-by-node.
    pub pods: BTreeMap<(String, String), Arc<PodInfo>>,
    /// Newest last; bounded by `MAX_EVENTS`.
    pub events: VecDeque<KEvent>,
    /// Every other kind (jobs, deployments, CRDs, ConfigMaps, NetworkPolicies ...), raw.
    pub objects: BTreeMap<ObjKey, Value>,
    pub metrics: MetricStore,
    pub logs: LogStore,
    pub nvml: Option<NvmlSnapshot>,
    pub health: BTreeMap<String, SourceHealthEntry>,
    /// Newest event time seen.
    pub last_event_ms: Millis,
    /// Source events applied so far.
    pub applied: u64,
    /// Upserts that were not valid objects (no kind or name), counted, not fatal.
    pub rejected: u64,
    /// Indexes kept up to date at ingest (training jobs, attention, last log lines ...).
    pub index: WorldIndex,
}

impl World {
    /// An empty world that keeps at most `limits`.
    pub fn with_limits(limits: Limits) -> World {
        World {
            metrics: MetricStore::with_capacity(limits.metric_points),
            logs: LogStore::with_max_bytes(limits.log_bytes),
            ..World::default()
        }
    }

    /// What this world keeps at most.
    pub fn limits(&self) -> Limits {
        Limits {
            metric_points: self.metrics.capacity(),
            log_bytes: self.logs.max_bytes(),
        }
    }

    /// An empty world with this one's limits (a replay started over, another context).
    pub fn emptied(&self) -> World {
        World::with_limits(self.limits())
    }

    /// Fold one timed source event into the world.
    pub fn apply(&mut self, te: &TimedEvent) {
        self.applied += 1;
        self.last_event_ms = self.last_event_ms.max(te.at_ms);
        match &te.ev {
            SourceEvent::Upsert { object } => self.upsert(object),
            SourceEvent::Delete {
                object_kind,
                namespace,
                name,
                ..
            } => {
                let ns = namespace.clone().unwrap_or_default();
                match object_kind.as_str() {
                    "Node" => {
                        self.nodes.remove(name);
                        self.index.nodes.touch(name);
                    }
                    "Pod" => {
                        let old = self.pods.remove(&(ns, name.clone()));
                        self.index.on_pod(old.as_deref(), None);
                    }
                    "Event" => self
                        .events
                        .retain(|e| !(e.namespace == ns && &e.name == name)),
                    _ => {
                        let key = ObjKey::new(object_kind, &ns, name);
                        self.index.on_object(&key, None);
                        self.objects.remove(&key);
                    }
                }
            }
            SourceEvent::Log {
                namespace,
                pod,
                container,
                line,
            } => {
                let l = LogLine {
                    at_ms: te.at_ms,
                    namespace: namespace.clone(),
                    pod: pod.clone(),
                    container: container.clone(),
                    line: line.clone(),
                };
                self.index.on_log(&l);
                self.logs.push(l);
            }
            SourceEvent::Metric {
                name,
                labels,
                value,
            } => self.metrics.push(name, labels, te.at_ms, *value),
            SourceEvent::Nvml { snapshot } => {
                crate::world::nvml_samples::feed(&mut self.metrics, snapshot, te.at_ms);
                self.nvml = Some(snapshot.clone());
            }
            SourceEvent::SourceHealth {
                source,
                state,
                message,
            } => {
                self.health.insert(
                    source.clone(),
                    SourceHealthEntry {
                        state: *state,
                        message: message.clone(),
                        since_ms: te.at_ms,
                    },
                );
            }
        }
    }

    fn upsert(&mut self, object: &Value) {
        let Some(key) = obj_key(object) else {
            self.rejected += 1;
            return;
        };
        match key.kind.as_str() {
            "Node" => {
                self.index.nodes.touch(&key.name);
                self.nodes.insert(key.name, node_info(object));
            }
            "Pod" => {
                let new = Arc::new(pod_info(object));
                let old = self.pods.get(&(key.namespace.clone(), key.name.clone()));
                self.index.on_pod(old.map(Arc::as_ref), Some(&new));
                self.pods.insert((key.namespace, key.name), new);
            }
            "Event" => {
                let ev = event_info(object);
                if let Some(pos) = self
                    .events
                    .iter()
                    .rposition(|e| e.namespace == ev.namespace && e.name == ev.name)
                {
                    self.events.remove(pos);
                }
                self.events.push_back(ev);
                while self.events.len() > MAX_EVENTS {
                    self.events.pop_front();
                }
            }
            _ => {
                self.index.on_object(&key, Some(object));
                self.objects.insert(key, object.clone());
            }
        }
    }

    /// Raw objects of one kind.
    pub fn objects_of<'a>(
        &'a self,
        kind: &'a str,
    ) -> impl Iterator<Item = (&'a ObjKey, &'a Value)> {
        self.objects.iter().filter(move |(k, _)| k.kind == kind)
    }
}
