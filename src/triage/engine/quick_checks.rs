//! The probes of the walkthrough's checks 1-5 (accelerator visibility, device plugin, training
//! pods and NCCL, data and storage, requests and fragmentation), each folded into one check:
//! the worst status of the outcomes that found something, what is wrong before what is fine.

use super::context::Ctx;
use super::walkthrough::{Check, STEPS, Status};
use crate::domain::Millis;
use crate::settings::playbooks::model::Bindings;
use crate::settings::playbooks::spec::{
    CapacityCheck, NodeScope, ProbeSpec, ResourceCheck, Scope, SpecCheck,
};
use crate::settings::rules::Rules;
use crate::triage::probes::{self, Verdict};
use crate::world::World;

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
            Status::Pending => 0,
            Status::Pass => 1,
            Status::Warn => 2,
            Status::Fail => 3,
        };
        if r(o) > r(self) { o } else { self }
    }
}

/// Checks 1-5, run against the world.
pub(super) fn probed(rules: &Rules, world: &World, now_ms: Millis) -> Vec<Check> {
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
    vec![
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
    ]
}
