//! The closed set of read-only probe kinds a playbook step may run, their parameters (as TOML
//! gives them), and what a probe answers: a verdict (yes / no / unknown), evidence and the names
//! it found (bound for later steps and for filling fix templates). A probe that lacks the data
//! it needs answers "unknown: <why>", never a guess.

pub mod daemons;
pub mod logs;
pub mod metrics;
pub mod netpol;
pub mod nodes;
pub mod pods;
pub mod serving;

use crate::settings::playbooks::model::Bindings;
use crate::settings::playbooks::spec::ProbeSpec;
use crate::triage::engine::context::Ctx;
pub use crate::triage::engine::outcome::{Evidence, Outcome, Verdict};

/// Most evidence items one probe reports.
pub const MAX_EVIDENCE: usize = 6;

/// Run one probe with what earlier steps bound.
pub fn run(ctx: &Ctx<'_>, spec: &ProbeSpec, b: &Bindings) -> Outcome {
    use crate::triage::probes::{daemons as d, logs as l, netpol as np, nodes as n, pods as p};
    let mut o = match spec {
        ProbeSpec::PodStatus {
            scope,
            phase,
            reasons,
        } => p::pod_status(ctx, b, *scope, phase.as_deref(), reasons),
        ProbeSpec::Events { reason, message } => {
            p::events(ctx, b, reason.as_deref(), message.as_deref())
        }
        ProbeSpec::NodeResource {
            resource,
            check,
            nodes,
        } => n::node_resource(ctx, resource, *check, *nodes),
        ProbeSpec::SelectorMismatch {} => n::selector_mismatch(ctx, b),
        ProbeSpec::MissingToleration { taint_prefix } => {
            n::missing_toleration(ctx, b, taint_prefix.as_deref())
        }
        ProbeSpec::Capacity {
            resource_prefix,
            check,
        } => n::capacity(ctx, b, resource_prefix, *check),
        ProbeSpec::PodEnv {
            var,
            check,
            value,
            scope,
        } => p::pod_env(ctx, b, *scope, var, *check, value.as_deref()),
        ProbeSpec::PodSpec { check, scope } => p::pod_spec(ctx, b, *scope, *check),
        ProbeSpec::NetworkPolicy {
            non_tcp_blocked,
            scope,
        } => np::network_policy(ctx, b, *scope, *non_tcp_blocked),
        ProbeSpec::Daemon {
            name_contains,
            nodes,
        } => d::daemon(ctx, name_contains, *nodes),
        ProbeSpec::NodeLabel {
            key,
            check,
            value,
            nodes,
        } => d::node_label(ctx, b, key, *check, value.as_deref(), *nodes),
        ProbeSpec::CudaCompat { scope } => d::cuda_compat(ctx, b, *scope),
        ProbeSpec::ConfigMapKey { label, key, check } => l::config_map_key(ctx, label, key, *check),
        ProbeSpec::LogSignature { ids, scope } => l::log_signature(ctx, b, *scope, ids),
        ProbeSpec::LogPattern { contains, scope } => l::log_pattern(ctx, b, *scope, contains),
        ProbeSpec::AllocatorFragmentation {} => l::allocator_fragmentation(ctx, b),
        ProbeSpec::Metric {
            name,
            op,
            threshold,
            window_s,
            agg,
            percent_with,
        } => crate::triage::probes::metrics::metric(
            ctx,
            b,
            name,
            *op,
            *threshold,
            *window_s,
            *agg,
            percent_with.as_deref(),
        ),
        ProbeSpec::HpaAtMax {} => crate::triage::probes::serving::hpa_at_max(ctx, b),
        ProbeSpec::ServingAlert { rule } => {
            crate::triage::probes::serving::serving_alert(ctx, b, rule)
        }
        ProbeSpec::Rollout { within_s } => {
            crate::triage::probes::serving::rollout(ctx, b, *within_s)
        }
    };
    o.evidence.truncate(MAX_EVIDENCE);
    o
}
