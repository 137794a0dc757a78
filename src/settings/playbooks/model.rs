//! The playbook data model, as read from TOML: playbooks of steps (a question, one probe,
//! branches on the probe's verdict) ending in conclusions (root cause, severity, fixes with risk
//! and rollback, references). Pure data; `validate` checks it and `walk` runs it.

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
    /// Branch of the seeds/004 tree or family (`gpu`, `distributed`, `serving`, `data`,
    /// `scheduling`, `npu`, `hardware`, `signature`).
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
    /// seeds/000 failure type used for the MTTR target (`gpu`, `model-loading`,
    /// `inference-latency`, `training-stuck`, `data-access`, `network`).
    #[serde(default)]
    pub failure_type: Option<String>,
    #[serde(default)]
    pub fixes: Vec<Fix>,
    #[serde(default)]
    pub references: Vec<String>,
}

/// Risk of a fix (seeds/004 §6: driver changes high, training / serving / storage config
/// medium, read-only or reversible low).
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
    /// Set when research/ flags the seed's version of this fix as wrong: what is wrong.
    #[serde(default)]
    pub seed_flag: Option<String>,
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
