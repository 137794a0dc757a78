//! Plain data every layer agrees on: object keys and records (nodes, pods, events, log lines),
//! resource quantities, label selectors and workload ownership. Depends on nothing else in the
//! crate.

pub mod duration;
pub mod kinds;
pub mod quantity;
pub mod selector;
pub mod server;
pub mod severity;
pub mod text;
pub mod workloads;

use std::collections::BTreeMap;

/// Milliseconds since the Unix epoch, in event time (never read from a wall clock inside state).
pub type Millis = i64;

/// Identity of a Kubernetes object: kind, namespace (empty for cluster-scoped) and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjKey {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjKey {
    pub fn new(kind: &str, namespace: &str, name: &str) -> Self {
        ObjKey {
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }
}

/// Accelerator family a node offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum AccelKind {
    #[default]
    None,
    NvidiaGpu,
    NvidiaMig,
    AscendNpu,
}

impl AccelKind {
    pub fn label(self) -> &'static str {
        match self {
            AccelKind::None => "cpu",
            AccelKind::NvidiaGpu => "gpu",
            AccelKind::NvidiaMig => "mig",
            AccelKind::AscendNpu => "npu",
        }
    }
}

/// A node, as the cockpit sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeInfo {
    pub name: String,
    pub ready: bool,
    pub unschedulable: bool,
    pub roles: Vec<String>,
    pub labels: BTreeMap<String, String>,
    /// Taints as `key[=value]:Effect`.
    pub taints: Vec<String>,
    /// Conditions other than Ready that are True (pressure, network unavailable ...).
    pub problems: Vec<String>,
    /// Resource name -> quantity, parsed to a number (cpu in cores, memory in bytes).
    pub capacity: BTreeMap<String, f64>,
    pub allocatable: BTreeMap<String, f64>,
    pub accel_kind: AccelKind,
    /// Product name from GPU-feature-discovery / Ascend labels, when present.
    pub accel_product: Option<String>,
    /// Accelerator devices the node advertises (capacity) and offers (allocatable), all kinds summed.
    pub accel_capacity: f64,
    pub accel_allocatable: f64,
    pub kubelet_version: String,
    pub created_ms: Option<Millis>,
}

/// A pod, as the cockpit sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodInfo {
    pub namespace: String,
    pub name: String,
    pub node: Option<String>,
    pub phase: String,
    /// kubectl-style STATUS (Running, Pending, CrashLoopBackOff, OOMKilled, Completed ...).
    pub status: String,
    pub ready_containers: u32,
    pub total_containers: u32,
    pub restarts: u32,
    pub ip: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// First owner reference as (kind, name).
    pub owner: Option<(String, String)>,
    /// Requested accelerator resources (resource name -> count), from limits or requests.
    pub accel_requests: BTreeMap<String, f64>,
    pub created_ms: Option<Millis>,
    /// The object as JSON text, kept compact for spec checks and triage probes.
    pub raw: String,
}

/// A Kubernetes Event (core/v1 or events.k8s.io/v1).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KEvent {
    pub namespace: String,
    pub name: String,
    pub type_: String,
    pub reason: String,
    pub message: String,
    pub object_kind: String,
    pub object_name: String,
    pub count: u32,
    pub last_ms: Option<Millis>,
}

/// One line of container output, with where and when it was seen.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub at_ms: Millis,
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub line: String,
}
