//! The 10-minute walkthrough (`T`): a countdown on event time and the seven quick-diagnosis
//! steps of seeds/004 §0 in order — accelerator visibility, device plugin, training pods and
//! NCCL, data and storage, requests and fragmentation, mitigation, evidence — each auto-probed
//! to pass / warn / fail with evidence. The root cause is the top "what's wrong?" finding; its
//! failure type gives the seeds' MTTR target.

use serde::Serialize;

use super::context::Ctx;
use super::findings::{Finding, whats_wrong};
use crate::domain::Millis;
use crate::domain::severity::Severity;
use crate::settings::playbooks::model::{Bindings, ConclusionKind};
use crate::settings::playbooks::spec::{
    CapacityCheck, NodeScope, ProbeSpec, ResourceCheck, Scope, SpecCheck,
};
use crate::settings::rules::Rules;
use crate::triage::probes::{self, Evidence, Verdict};
use crate::world::World;

/// The walkthrough's clock.
pub const BUDGET_MS: Millis = 10 * 60 * 1000;

/// Result of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
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

/// A walkthrough in progress (or finished).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Walkthrough {
    pub started_ms: Millis,
    pub checks: Vec<Check>,
    /// The top root-cause finding and when it was first identified.
    pub root_cause: Option<Finding>,
    pub found_ms: Option<Millis>,
    pub finished_ms: Option<Millis>,
}

/// The seven steps' titles (seeds/004 §0).
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
    pub fn start(now_ms: Millis) -> Self {
        Walkthrough {
            started_ms: now_ms,
            checks: Vec::new(),
            root_cause: None,
            found_ms: None,
            finished_ms: None,
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

fn run(ctx: &Ctx<'_>, spec: ProbeSpec) -> probes::Outcome {
    probes::run(ctx, &spec, &Bindings::new())
}

fn fold(n: usize, outcomes: Vec<(probes::Outcome, Status)>) -> Check {
    let mut status = Status::Pass;
    let mut notes = Vec::new();
    let mut evidence = Vec::new();
    for (o, bad) in outcomes {
        match o.verdict {
            Verdict::Yes => {
                status = status.max_by(bad);
                evidence.extend(o.evidence.into_iter().take(3));
                // What is wrong comes before what is fine.
                notes.insert(0, o.summary);
            }
            Verdict::Unknown => {
                status = status.max_by(Status::Warn);
                notes.insert(0, o.summary);
            }
            Verdict::No => notes.push(o.summary),
        }
    }
    Check {
        n,
        title: STEPS[n - 1],
        status,
        notes,
        evidence,
    }
}

impl Status {
    fn max_by(self, o: Status) -> Status {
        let r = |s: Status| match s {
            Status::Pass => 0,
            Status::Warn => 1,
            Status::Fail => 2,
        };
        if r(o) > r(self) { o } else { self }
    }
}

/// The seven checks.
pub fn checks(rules: &Rules, world: &World, now_ms: Millis, findings: &[Finding]) -> Vec<Check> {
    let ctx = Ctx::new(world, now_ms, rules);
    let gpu = |r| ProbeSpec::NodeResource {
        resource: "nvidia.com/gpu".into(),
        check: r,
        nodes: NodeScope::Gpu,
    };
    let sig = |ids: &[&str], scope| ProbeSpec::LogSignature {
        ids: ids.iter().map(|s| s.to_string()).collect(),
        scope,
    };
    let mut out = vec![
        fold(
            1,
            vec![
                (run(&ctx, gpu(ResourceCheck::MissingOrZero)), Status::Fail),
                (run(&ctx, gpu(ResourceCheck::BelowCapacity)), Status::Warn),
            ],
        ),
        fold(
            2,
            vec![(
                run(
                    &ctx,
                    ProbeSpec::Daemon {
                        name_contains: vec!["nvidia-device-plugin".into()],
                        nodes: NodeScope::Gpu,
                    },
                ),
                Status::Fail,
            )],
        ),
        fold(
            3,
            vec![
                (
                    run(
                        &ctx,
                        ProbeSpec::PodStatus {
                            scope: Scope::Training,
                            phase: None,
                            reasons: vec![
                                "CrashLoopBackOff".into(),
                                "Error".into(),
                                "OOMKilled".into(),
                                "Pending".into(),
                            ],
                        },
                    ),
                    Status::Fail,
                ),
                (
                    run(
                        &ctx,
                        sig(
                            &[
                                "nccl.watchdog_timeout",
                                "nccl.remote_error",
                                "nccl.ib_retry_exceeded",
                                "nccl.unhandled_cuda_error",
                                "nccl.connection_refused",
                                "torch.store_unreachable",
                                "cuda.oom",
                            ],
                            Scope::Training,
                        ),
                    ),
                    Status::Fail,
                ),
                (
                    run(&ctx, sig(&["nccl.socket_transport"], Scope::Training)),
                    Status::Warn,
                ),
            ],
        ),
        fold(
            4,
            vec![
                (
                    run(&ctx, sig(&["data.loading_slow"], Scope::Any)),
                    Status::Warn,
                ),
                (
                    run(
                        &ctx,
                        ProbeSpec::PodSpec {
                            check: SpecCheck::NoShm,
                            scope: Scope::Training,
                        },
                    ),
                    Status::Warn,
                ),
            ],
        ),
        fold(
            5,
            vec![
                (
                    run(
                        &ctx,
                        ProbeSpec::Events {
                            reason: Some("FailedScheduling".into()),
                            message: None,
                        },
                    ),
                    Status::Fail,
                ),
                (
                    run(
                        &ctx,
                        ProbeSpec::Capacity {
                            resource_prefix: "nvidia.com/".into(),
                            check: CapacityCheck::Fragmented,
                        },
                    ),
                    Status::Warn,
                ),
                (
                    run(
                        &ctx,
                        ProbeSpec::PodSpec {
                            check: SpecCheck::RequestsNeLimits,
                            scope: Scope::Pending,
                        },
                    ),
                    Status::Warn,
                ),
            ],
        ),
    ];
    // 6: mitigation — the top finding's fixes, proposed, never run.
    let top = findings
        .iter()
        .find(|f| f.kind == ConclusionKind::RootCause);
    out.push(Check {
        n: 6,
        title: STEPS[5],
        status: if top.is_some() {
            Status::Warn
        } else {
            Status::Pass
        },
        notes: match top {
            Some(f) => f
                .fixes
                .iter()
                .map(|x| format!("[{} risk] {}", x.risk.as_str(), x.title))
                .collect(),
            None => vec!["no root cause found: nothing to mitigate".into()],
        },
        evidence: Vec::new(),
    });
    out.push(Check {
        n: 7,
        title: STEPS[6],
        status: Status::Pass,
        notes: vec![format!(
            "finishing writes the incident report and an evidence scenario ({} log lines, {} events, {} pods held)",
            world.logs.lines().len(),
            world.events.len(),
            world.pods.len()
        )],
        evidence: Vec::new(),
    });
    out
}
