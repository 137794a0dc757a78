//! "What's wrong?": walk every playbook from its entry with nothing bound, keep the walks that
//! reach a conclusion, and rank them: severity first, root causes before symptoms, longer (more
//! specific) paths before shorter ones. One finding per conclusion and subject.

use std::collections::BTreeSet;

use serde::Serialize;

use super::context::Ctx;
use super::walk::{FilledFix, Walk, fill_fixes, walk};
use crate::domain::Millis;
use crate::domain::severity::Severity;
use crate::settings::playbooks::model::{Bindings, ConclusionKind, FailureType, Playbook};
use crate::settings::rules::Rules;
use crate::triage::probes::{Evidence, Verdict};
use crate::world::World;

/// One step of the path, as shown and exported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathStep {
    pub step: String,
    pub question: String,
    pub probe: &'static str,
    pub verdict: Verdict,
    pub summary: String,
}

/// A ranked conclusion with its evidence and filled fixes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub conclusion: String,
    pub playbook: String,
    pub title: String,
    pub root_cause: String,
    pub severity: Severity,
    pub kind: ConclusionKind,
    /// What it is about (`Pod ns/name`, `Node n`, or `cluster`).
    pub subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mttr_minutes: Option<u32>,
    pub path: Vec<PathStep>,
    pub evidence: Vec<Evidence>,
    pub fixes: Vec<FilledFix>,
    pub references: Vec<String>,
    /// Names the walk bound (namespace, pod, node ...), to restart the playbook on the subject.
    #[serde(skip)]
    pub bindings: Bindings,
    /// Earliest evidence time, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since_ms: Option<Millis>,
}

/// What a walk's bindings point at.
pub fn subject(b: &Bindings) -> String {
    if let Some(s) = b.get("subject") {
        return s.clone();
    }
    match (b.get("ns"), b.get("pod"), b.get("node")) {
        (Some(ns), Some(p), _) => format!("Pod {ns}/{p}"),
        (_, _, Some(n)) => format!("Node {n}"),
        _ => match (b.get("ns"), b.get("configmap")) {
            (Some(ns), Some(c)) => format!("ConfigMap {ns}/{c}"),
            _ => "cluster".into(),
        },
    }
}

/// Turn a walk that reached a conclusion into a finding.
pub fn finding(pb: &Playbook, w: &Walk) -> Option<Finding> {
    let c = w.conclusion(pb)?;
    let mut evidence = Vec::new();
    // The deciding (last) step's evidence first.
    for s in w.path.iter().rev() {
        if s.outcome.verdict == Verdict::Yes {
            evidence.extend(s.outcome.evidence.iter().cloned());
        }
    }
    let since_ms = evidence.iter().filter_map(|e| e.at_ms).min();
    Some(Finding {
        conclusion: c.id.clone(),
        playbook: pb.id.clone(),
        title: pb.title.clone(),
        root_cause: super::walk::fill(&c.root_cause, &w.bindings),
        severity: c.severity,
        kind: c.kind,
        subject: subject(&w.bindings),
        failure_type: c.failure_type.map(|t| t.as_str().to_string()),
        mttr_minutes: c.failure_type.map(FailureType::mttr_minutes),
        path: w
            .path
            .iter()
            .map(|s| PathStep {
                step: s.step.clone(),
                question: s.question.clone(),
                probe: s.probe,
                verdict: s.outcome.verdict,
                summary: s.outcome.summary.clone(),
            })
            .collect(),
        evidence,
        fixes: fill_fixes(&c.fixes, &w.bindings),
        references: c.references.clone(),
        bindings: w.bindings.clone(),
        since_ms,
    })
}

/// Rank findings in place (most urgent first).
pub fn rank(f: &mut [Finding]) {
    f.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| {
                (a.kind == ConclusionKind::Symptom).cmp(&(b.kind == ConclusionKind::Symptom))
            })
            .then_with(|| b.path.len().cmp(&a.path.len()))
            .then_with(|| a.conclusion.cmp(&b.conclusion))
            .then_with(|| a.subject.cmp(&b.subject))
    });
}

/// Run every playbook's entry against the world at `now_ms` and rank what it finds.
pub fn whats_wrong(rules: &Rules, world: &World, now_ms: Millis) -> Vec<Finding> {
    let ctx = Ctx::new(world, now_ms, rules);
    let mut seen = BTreeSet::new();
    let mut out: Vec<Finding> = rules
        .playbooks
        .list
        .iter()
        .filter_map(|pb| finding(pb, &walk(&ctx, pb, &Bindings::new())))
        .filter(|f| seen.insert((f.conclusion.clone(), f.subject.clone())))
        .collect();
    rank(&mut out);
    out
}
