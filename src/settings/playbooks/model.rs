//! The playbook data model, as read from TOML: playbooks of steps (a question, one probe,
//! branches on the probe's verdict) ending in conclusions (root cause, severity, failure type,
//! fixes with risk, rollback and a note, references). Pure data; `validate` checks it and `walk`
//! runs it. Every text field reaches the screen, the incident report or the JSON output, so none
//! cites a source document: provenance is kept in `# source:` comments of the files
//! (docs/playbooks.md).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::severity::Severity;
use crate::settings::playbooks::spec::ProbeSpec;

/// A playbook file: one or more playbooks.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaybookFile {
    #[serde(default)]
    pub playbook: Vec<Playbook>,
}

/// One decision tree.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    pub id: String,
    pub title: String,
    /// Family of the playbook (`gpu`, `distributed`, `serving`, `data`, `scheduling`, `npu`,
    /// `hardware`, `signature`).
    pub category: String,
    /// The step the walk starts at.
    pub entry: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default)]
    pub conclusions: Vec<Conclusion>,
    /// File the playbook came from (set at load).
    #[serde(skip_deserializing, default)]
    pub origin: String,
}

/// One question answered by one probe.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub question: String,
    pub probe: ProbeSpec,
    /// Where to go when the probe says yes / no / unknown: a step id, a conclusion id, or `ok`
    /// (nothing wrong on this path). A missing `unknown` ends the walk as inconclusive.
    pub yes: String,
    pub no: String,
    #[serde(default)]
    pub unknown: Option<String>,
}

/// The reserved branch target meaning "nothing wrong on this path".
pub const OK: &str = "ok";

/// Whether a conclusion names a root cause or only a symptom seen on the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConclusionKind {
    #[default]
    RootCause,
    Symptom,
}

/// Where a walk can end.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Conclusion {
    /// Unique across every loaded playbook; scripts key on it.
    pub id: String,
    pub root_cause: String,
    pub severity: Severity,
    #[serde(default)]
    pub kind: ConclusionKind,
    /// The class of failure, which sets the MTTR target; none where the class depends on the
    /// workload (a log signature seen in any pod).
    #[serde(default)]
    pub failure_type: Option<FailureType>,
    #[serde(default)]
    pub fixes: Vec<Fix>,
    #[serde(default)]
    pub references: Vec<String>,
}

/// The classes of failure the MTTR targets are set for. A conclusion is classed by what fails
/// for the on-call and where the fix goes (docs/playbooks.md has the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureType {
    /// An accelerator, its driver, device plugin or hardware (fixed on the node).
    Gpu,
    /// A model server that cannot start or serves the wrong model.
    ModelLoading,
    /// A serving endpoint slow, failing requests or short of replicas.
    InferenceLatency,
    /// A training job that cannot be scheduled, stalls or dies of its own spec or config.
    TrainingStuck,
    /// Storage and data loading.
    DataAccess,
    /// The transport between ranks or to the rendezvous.
    Network,
}

impl FailureType {
    pub const ALL: [FailureType; 6] = [
        FailureType::Gpu,
        FailureType::ModelLoading,
        FailureType::InferenceLatency,
        FailureType::TrainingStuck,
        FailureType::DataAccess,
        FailureType::Network,
    ];

    /// The name used in playbook files, the JSON output and on screen.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureType::Gpu => "gpu",
            FailureType::ModelLoading => "model-loading",
            FailureType::InferenceLatency => "inference-latency",
            FailureType::TrainingStuck => "training-stuck",
            FailureType::DataAccess => "data-access",
            FailureType::Network => "network",
        }
    }

    /// The MTTR target, in minutes.
    pub fn mttr_minutes(self) -> u32 {
        match self {
            FailureType::Gpu => 30,
            FailureType::ModelLoading => 15,
            FailureType::InferenceLatency => 45,
            FailureType::TrainingStuck => 60,
            FailureType::DataAccess => 20,
            FailureType::Network => 25,
        }
    }
}

/// Risk of a fix: driver changes high, training / serving / storage config medium, read-only or
/// reversible low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    Low,
    Medium,
    High,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }
}

/// A proposed fix. `command` is a template: `{ns}`, `{pod}`, `{node}` ... are filled from what
/// the probes found; a placeholder nothing filled stays visible as `<ns>`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fix {
    pub title: String,
    pub command: String,
    pub risk: Risk,
    pub rollback: String,
    /// Whether running it changes the cluster (never run by the cockpit in read-only mode).
    pub mutates: bool,
    /// What to know before running it (a caveat, a common mistake), shown as "Note: ...".
    #[serde(default)]
    pub note: Option<String>,
}

/// Placeholders a fix template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "ns",
    "pod",
    "node",
    "container",
    "owner_kind",
    "owner",
    "job",
    "key",
    "value",
    "near_key",
    "taint_key",
    "taint_value",
    "effect",
    "policy",
    "resource",
    "count",
    "var",
    "configmap",
    "signature",
    "metric",
    "gpu",
    "hpa",
    "max",
    "new_max",
    "revision",
    "image",
    "hash",
    "laggard_rank",
    "laggard_pod",
];

/// Values bound by probes along a walk, keyed by placeholder name.
pub type Bindings = BTreeMap<String, String>;
