//! Triage table test: every embedded scenario replayed through the reducer, then "what's
//! wrong?": the expected conclusion is found, with evidence, and the healthy part of the default
//! scenario has no critical finding.

use aicockpit::domain::severity::Severity;
use aicockpit::settings::rules::Rules;
use aicockpit::shell::cmd::triage::state_at;
use aicockpit::sources::embedded;
use aicockpit::triage::engine::findings::{Finding, whats_wrong};

fn findings(name: &str, until_ms: Option<i64>) -> Vec<Finding> {
    let s = embedded::load(name).expect("embedded scenario");
    let st = state_at(&s, until_ms);
    let pbs = Rules::builtin().expect("built-in rule data");
    whats_wrong(pbs, &st.world, st.now_ms)
}

fn show(f: &[Finding]) -> String {
    f.iter()
        .map(|x| format!("{} {} {}", x.severity.as_str(), x.conclusion, x.subject))
        .collect::<Vec<_>>()
        .join("\n")
}

/// (scenario, the conclusion the top finding must be, an evidence text it must show).
const TABLE: &[(&str, &str, &str)] = &[
    (
        "rdma-netpol",
        "netpol-blocks-rdma",
        "restrict-training-egress",
    ),
    (
        "alloc-fragmentation",
        "alloc-fragmentation",
        "reserved by PyTorch but unallocated",
    ),
    (
        "label-mismatch",
        "node-selector-key-mismatch",
        "kubernetes.io/os=linux",
    ),
    (
        "gpu-taint",
        "missing-gpu-toleration",
        "nvidia.com/gpu=present:NoSchedule",
    ),
    ("gpu-health", "gpu-xid", "Xid=79"),
    ("vllm-queue", "autoscaling-at-max", "ScalingLimited=True"),
    (
        "bad-rollout",
        "bad-revision",
        "pod-template-hash 5f7b8c9d6f",
    ),
];

#[test]
fn every_embedded_scenario_reaches_its_conclusion() {
    for name in embedded::names() {
        let Some((_, want, ev)) = TABLE.iter().find(|(n, _, _)| *n == name) else {
            panic!("embedded scenario {name} has no row in the triage table");
        };
        let f = findings(name, None);
        let top = f.first().unwrap_or_else(|| panic!("{name}: no findings"));
        assert_eq!(&top.conclusion, want, "{name}:\n{}", show(&f));
        assert!(
            top.evidence
                .iter()
                .any(|e| e.subject.contains(ev) || e.detail.contains(ev)),
            "{name}: evidence lacks {ev}: {:#?}",
            top.evidence
        );
        assert!(!top.fixes.is_empty(), "{name}: no fixes");
        assert!(
            top.fixes.iter().all(|x| !x.command.contains("<ns>")),
            "{name}: unfilled namespace in {:#?}",
            top.fixes
        );
    }
}

#[test]
fn healthy_part_of_the_default_scenario_has_no_critical_finding() {
    let f = findings(embedded::DEFAULT_SCENARIO, Some(140_000));
    assert!(
        f.iter().all(|x| x.severity < Severity::Critical),
        "critical before the policy:\n{}",
        show(&f)
    );
}
