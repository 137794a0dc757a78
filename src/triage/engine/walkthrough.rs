//! The 10-minute walkthrough (`T`): a countdown on event time and the seven quick-diagnosis
//! steps in order — accelerator visibility, device plugin, training pods and NCCL, data and
//! storage, requests and fragmentation, mitigation, evidence — each auto-probed to pass / warn /
//! fail with evidence. A check is `pending` until it ran on data: before its probes ran, while
//! no node or pod has arrived, mitigation until a root cause is found, and evidence until the
//! shell says the report and the evidence file were written. The root cause is the top "what's
//! wrong?" finding; its failure type gives the MTTR target.

use serde::Serialize;

use super::findings::{Finding, whats_wrong};
use super::quick_checks::probed;
use crate::contract::event::WriteError;
use crate::domain::Millis;
use crate::domain::severity::Severity;
use crate::settings::playbooks::model::ConclusionKind;
use crate::settings::rules::Rules;
use crate::triage::probes::Evidence;
use crate::world::World;

/// The walkthrough's clock.
pub const BUDGET_MS: Millis = 10 * 60 * 1000;

/// Result of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Not run yet, or waiting for what it checks (data, a root cause, a file written).
    Pending,
    Pass,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One of the seven steps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub n: usize,
    pub title: &'static str,
    pub status: Status,
    pub notes: Vec<String>,
    pub evidence: Vec<Evidence>,
}

/// A file the finished walkthrough asked the shell to write, and the shell's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Output {
    pub path: String,
    /// `None` until the shell answers; then written, or why not.
    pub written: Option<Result<(), WriteError>>,
}

/// A walkthrough in progress (or finished).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Walkthrough {
    pub started_ms: Millis,
    pub checks: Vec<Check>,
    /// The top root-cause finding and when it was first identified.
    pub root_cause: Option<Finding>,
    pub found_ms: Option<Millis>,
    pub finished_ms: Option<Millis>,
    /// The report and evidence files finishing asked for (empty until then).
    pub outputs: Vec<Output>,
}

/// The seven steps' titles, in the order of the quick diagnosis.
pub const STEPS: [&str; 7] = [
    "Accelerator visibility",
    "Device plugin",
    "Training jobs and NCCL",
    "Data and storage",
    "Resource requests and fragmentation",
    "Quick mitigation",
    "Evidence retention",
];

impl Walkthrough {
    /// A walkthrough started at `now_ms`: every check pending until `probe` runs it.
    pub fn start(now_ms: Millis) -> Self {
        Walkthrough {
            started_ms: now_ms,
            checks: (1..=STEPS.len())
                .map(|n| pending(n, "not run yet"))
                .collect(),
            root_cause: None,
            found_ms: None,
            finished_ms: None,
            outputs: Vec::new(),
        }
    }

    /// Finish at `now_ms`, having asked the shell to write `paths`: the evidence check stays
    /// pending until `written` has its answer for each.
    pub fn finish(&mut self, now_ms: Millis, paths: &[String]) {
        self.finished_ms = Some(now_ms);
        self.outputs = paths
            .iter()
            .map(|p| Output {
                path: p.clone(),
                written: None,
            })
            .collect();
        self.set_evidence_check();
    }

    /// The shell's answer for `path`; whether it was one of this walkthrough's files.
    pub fn written(&mut self, path: &str, result: Result<(), WriteError>) -> bool {
        let Some(o) = self
            .outputs
            .iter_mut()
            .find(|o| o.path == path && o.written.is_none())
        else {
            return false;
        };
        o.written = Some(result);
        self.set_evidence_check();
        true
    }

    /// The evidence check's status: pass once the shell wrote every file finishing asked for.
    pub fn evidence_status(&self) -> Status {
        self.checks
            .iter()
            .find(|c| c.n == STEPS.len())
            .map_or(Status::Pending, |c| c.status)
    }

    fn set_evidence_check(&mut self) {
        let check = evidence_check(&self.outputs);
        match self.checks.iter_mut().find(|c| c.n == check.n) {
            Some(c) => *c = check,
            None => self.checks.push(check),
        }
    }

    /// Milliseconds left on the clock at `now_ms` (negative once overrun).
    pub fn remaining_ms(&self, now_ms: Millis) -> Millis {
        self.started_ms + BUDGET_MS - now_ms
    }

    /// Re-run every check against the world at `now_ms`.
    pub fn probe(&mut self, rules: &Rules, world: &World, now_ms: Millis) {
        let findings = whats_wrong(rules, world, now_ms);
        self.checks = checks(rules, world, now_ms, &findings);
        let top = findings
            .iter()
            .find(|f| f.kind == ConclusionKind::RootCause && f.severity >= Severity::Warning)
            .cloned();
        if self.root_cause.is_none() && top.is_some() {
            self.found_ms = Some(now_ms);
        }
        if top.is_some() {
            self.root_cause = top;
        }
    }

    /// Whether a root cause was identified before the clock ran out.
    pub fn in_time(&self) -> bool {
        self.found_ms
            .is_some_and(|t| t - self.started_ms <= BUDGET_MS)
    }
}

fn pending(n: usize, note: &str) -> Check {
    Check {
        n,
        title: STEPS[n - 1],
        status: Status::Pending,
        notes: vec![note.to_string()],
        evidence: Vec::new(),
    }
}

/// Check 7 once finishing asked for `outputs`: pass only when the shell wrote every one.
fn evidence_check(outputs: &[Output]) -> Check {
    let mut status = Status::Pass;
    let notes = outputs
        .iter()
        .map(|o| match &o.written {
            Some(Ok(())) => format!("wrote {}", o.path),
            Some(Err(e)) => {
                status = Status::Fail;
                format!("could not write {}: {e}", o.path)
            }
            None => {
                if status == Status::Pass {
                    status = Status::Pending;
                }
                format!("writing {}", o.path)
            }
        })
        .collect();
    Check {
        n: STEPS.len(),
        title: STEPS[STEPS.len() - 1],
        status: if outputs.is_empty() {
            Status::Pending
        } else {
            status
        },
        notes,
        evidence: Vec::new(),
    }
}

/// The seven checks. With no node and no pod in the world yet, the probes would only find
/// nothing: checks 1-5 stay pending.
pub fn checks(rules: &Rules, world: &World, now_ms: Millis, findings: &[Finding]) -> Vec<Check> {
    let mut out = if world.nodes.is_empty() && world.pods.is_empty() {
        (1..=5)
            .map(|n| pending(n, "waiting for cluster data: no node or pod received yet"))
            .collect()
    } else {
        probed(rules, world, now_ms)
    };
    // 6: mitigation — the top finding's fixes, proposed, never run.
    let top = findings
        .iter()
        .find(|f| f.kind == ConclusionKind::RootCause);
    out.push(match top {
        Some(f) => Check {
            n: 6,
            title: STEPS[5],
            status: Status::Warn,
            notes: f
                .fixes
                .iter()
                .map(|x| format!("[{} risk] {}", x.risk.as_str(), x.title))
                .collect(),
            evidence: Vec::new(),
        },
        None => pending(6, "no root cause found yet: nothing to mitigate"),
    });
    out.push(pending(
        7,
        &format!(
            "finishing (T or ctrl-s) writes the incident report and an evidence scenario ({} log lines, {} events, {} pods held)",
            world.logs.lines().len(),
            world.events.len(),
            world.pods.len()
        ),
    ));
    out
}
