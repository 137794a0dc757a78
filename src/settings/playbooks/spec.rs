//! The closed set of probe kinds a playbook step may name and their parameters, as the TOML
//! files give them. What each kind does when run is `triage::probes`.

use serde::{Deserialize, Serialize};

/// Which pods a probe looks at when no pod is bound yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every pod.
    #[default]
    Any,
    /// Pods of training jobs (`domain::workloads::training_rank`).
    Training,
    /// Pods in phase Pending.
    Pending,
    /// Pods whose status needs attention (crashing, waiting, failed).
    Failing,
    /// Pods of model-serving workloads.
    Serving,
}

/// Which nodes a node probe looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeScope {
    /// Nodes labelled or sized as NVIDIA GPU nodes.
    #[default]
    Gpu,
    /// Nodes labelled or sized as Ascend NPU nodes.
    Npu,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceCheck {
    /// The resource is absent or 0 in capacity.
    MissingOrZero,
    /// Allocatable is below capacity (devices marked unhealthy by the plugin).
    BelowCapacity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CapacityCheck {
    /// A pending pod requests a resource no node offers at all.
    NoneOffer,
    /// A pending pod's request fits on no single node although the free total could hold it.
    Fragmented,
    /// The free total of the resource is below what pending pods request.
    Exhausted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvCheck {
    Missing,
    Present,
    Equals,
    Contains,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecCheck {
    /// No memory-backed volume at /dev/shm.
    NoShm,
    /// Some container's requests differ from its limits for an accelerator resource.
    RequestsNeLimits,
    /// No pod anti-affinity / topology spread for a multi-pod job.
    NoAntiAffinity,
    /// No PersistentVolumeClaim volume.
    NoPvc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelCheck {
    /// The label is absent, empty or `false`.
    MissingOrFalse,
    Equals,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigMapCheck {
    /// A labelled ConfigMap lacks the key.
    Missing,
    /// Labelled ConfigMaps disagree on the key's value.
    Differs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum Cmp {
    #[serde(rename = ">")]
    Above,
    #[serde(rename = "<")]
    Below,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Agg {
    #[default]
    Max,
    Min,
    Avg,
    Last,
}

/// A probe and its parameters, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ProbeSpec {
    /// Pod phase, status and container waiting/terminated reasons.
    PodStatus {
        #[serde(default)]
        scope: Scope,
        #[serde(default)]
        phase: Option<String>,
        #[serde(default)]
        reasons: Vec<String>,
    },
    /// Kubernetes Events by reason and/or message substring (case-insensitive).
    Events {
        #[serde(default)]
        reason: Option<String>,
        #[serde(default)]
        message: Option<String>,
    },
    /// Node capacity / allocatable of one resource.
    NodeResource {
        resource: String,
        check: ResourceCheck,
        #[serde(default)]
        nodes: NodeScope,
    },
    /// A pending pod's nodeSelector that no node satisfies (names a near-miss key).
    SelectorMismatch {},
    /// A pending pod that does not tolerate a NoSchedule taint on the nodes it could use.
    MissingToleration {
        #[serde(default)]
        taint_prefix: Option<String>,
    },
    /// Requests of pending pods against what nodes offer.
    Capacity {
        resource_prefix: String,
        check: CapacityCheck,
    },
    /// An environment variable of the pod's containers.
    PodEnv {
        var: String,
        check: EnvCheck,
        #[serde(default)]
        value: Option<String>,
        #[serde(default)]
        scope: Scope,
    },
    /// A pod-spec property.
    PodSpec {
        check: SpecCheck,
        #[serde(default)]
        scope: Scope,
    },
    /// NetworkPolicies selecting the pod; with `non_tcp_blocked`, only those that let no UDP
    /// through (RoCEv2 runs over UDP 4791).
    NetworkPolicy {
        #[serde(default)]
        non_tcp_blocked: bool,
        #[serde(default)]
        scope: Scope,
    },
    /// Nodes without a Running pod whose name contains one of `name_contains` (device plugin,
    /// exporter ...).
    Daemon {
        name_contains: Vec<String>,
        #[serde(default)]
        nodes: NodeScope,
    },
    /// A label of the bound pod's node (or of every node in scope).
    NodeLabel {
        key: String,
        check: LabelCheck,
        #[serde(default)]
        value: Option<String>,
        #[serde(default)]
        nodes: NodeScope,
    },
    /// The pod's required CUDA (`cuda.version` label) against its node's CUDA (GFD label).
    CudaCompat {
        #[serde(default)]
        scope: Scope,
    },
    /// Keys of ConfigMaps carrying a label.
    ConfigMapKey {
        label: String,
        key: String,
        check: ConfigMapCheck,
    },
    /// Log findings of the signature classifier, by id (see SIGNATURES.md).
    LogSignature {
        ids: Vec<String>,
        #[serde(default)]
        scope: Scope,
    },
    /// Log lines containing a text (case-insensitive), for symptoms with no signature id.
    LogPattern {
        contains: Vec<String>,
        #[serde(default)]
        scope: Scope,
    },
    /// A CUDA OOM whose message shows reserved-but-unallocated memory at least as large as the
    /// failed allocation (allocator fragmentation).
    AllocatorFragmentation {},
    /// A metric over a window ending now: the aggregate of the worst series against a
    /// threshold. With `percent_with`, the value is `100 * name / (name + percent_with)` over
    /// series with the same labels (e.g. FB used vs free).
    Metric {
        name: String,
        op: Cmp,
        threshold: f64,
        window_s: u64,
        #[serde(default)]
        agg: Agg,
        #[serde(default)]
        percent_with: Option<String>,
    },
    /// A HorizontalPodAutoscaler of a serving workload at `maxReplicas` with `ScalingLimited`.
    HpaAtMax {},
    /// An alert rule of `assets/alerts.toml`, by name, breached by a serving endpoint now.
    ServingAlert { rule: String },
    /// A Deployment whose newest pod-template-hash appeared within the last `within_s` seconds.
    Rollout { within_s: u64 },
}

impl ProbeSpec {
    /// The probe kind's name, as written in playbooks.
    pub fn kind(&self) -> &'static str {
        match self {
            ProbeSpec::PodStatus { .. } => "pod_status",
            ProbeSpec::Events { .. } => "events",
            ProbeSpec::NodeResource { .. } => "node_resource",
            ProbeSpec::SelectorMismatch {} => "selector_mismatch",
            ProbeSpec::MissingToleration { .. } => "missing_toleration",
            ProbeSpec::Capacity { .. } => "capacity",
            ProbeSpec::PodEnv { .. } => "pod_env",
            ProbeSpec::PodSpec { .. } => "pod_spec",
            ProbeSpec::NetworkPolicy { .. } => "network_policy",
            ProbeSpec::Daemon { .. } => "daemon",
            ProbeSpec::NodeLabel { .. } => "node_label",
            ProbeSpec::CudaCompat { .. } => "cuda_compat",
            ProbeSpec::ConfigMapKey { .. } => "config_map_key",
            ProbeSpec::LogSignature { .. } => "log_signature",
            ProbeSpec::LogPattern { .. } => "log_pattern",
            ProbeSpec::AllocatorFragmentation {} => "allocator_fragmentation",
            ProbeSpec::Metric { .. } => "metric",
            ProbeSpec::HpaAtMax {} => "hpa_at_max",
            ProbeSpec::ServingAlert { .. } => "serving_alert",
            ProbeSpec::Rollout { .. } => "rollout",
        }
    }
}
