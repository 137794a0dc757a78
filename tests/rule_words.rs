//! The words of the built-in rule data, as loaded: no text that reaches the screen, the incident
//! report or the JSON output cites a source document (provenance is kept in `# source:`
//! comments); fix titles say what the fix does; each conclusion's failure type (its MTTR class)
//! fits what it is, and an OOM-killed serving replica is not a model that fails to load.

use aicockpit::contract::event::{SourceEvent, TimedEvent};
use aicockpit::settings::playbooks::model::{ConclusionKind, FailureType};
use aicockpit::settings::rules::Rules;
use aicockpit::triage::engine::findings::whats_wrong;
use aicockpit::world::World;
use serde_json::json;

fn builtin() -> &'static Rules {
    Rules::builtin().expect("built-in rule data")
}

/// Every user-facing text of the loaded rule data, each with where it is.
fn texts(r: &Rules) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut add = |at: String, t: &str| out.push((at, t.to_string()));
    for pb in &r.playbooks.list {
        let at = format!("playbook {}", pb.id);
        add(format!("{at} title"), &pb.title);
        add(format!("{at} category"), &pb.category);
        add(format!("{at} description"), &pb.description);
        for s in &pb.steps {
            add(format!("{at} step {} question", s.id), &s.question);
        }
        for c in &pb.conclusions {
            let at = format!("conclusion {}", c.id);
            add(format!("{at} root_cause"), &c.root_cause);
            for x in &c.references {
                add(format!("{at} references"), x);
            }
            for f in &c.fixes {
                add(format!("{at} fix title"), &f.title);
                add(format!("{at} fix command"), &f.command);
                add(format!("{at} fix rollback"), &f.rollback);
                if let Some(n) = &f.note {
                    add(format!("{at} fix note"), n);
                }
            }
        }
    }
    for s in r.signatures.rules() {
        let at = format!("signature {}", s.id);
        add(format!("{at} title"), &s.title);
        add(format!("{at} explanation"), &s.explanation);
        for x in s.likely_causes.iter().chain(&s.next_checks) {
            add(format!("{at} causes / checks"), x);
        }
    }
    for a in &r.alerts {
        add(format!("alert {} summary", a.name), &a.summary);
    }
    out
}

/// Why `t` would show an internal reference, if it does.
fn internal_reference(t: &str) -> Option<&'static str> {
    let lower = t.to_lowercase();
    let words = |w: &str| {
        lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|x| x == w)
    };
    [
        ("seeds/", lower.contains("seeds/")),
        ("research/", lower.contains("research/")),
        ("§", t.contains('§')),
        ("SIGNATURES.md", lower.contains("signatures.md")),
        ("the word seed", words("seed") || words("seeds")),
    ]
    .into_iter()
    .find_map(|(why, hit)| hit.then_some(why))
}

#[test]
fn no_user_facing_rule_text_cites_a_source_document() {
    let bad: Vec<String> = texts(builtin())
        .into_iter()
        .filter_map(|(at, t)| internal_reference(&t).map(|why| format!("{at} ({why}): {t}")))
        .collect();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_check_catches_what_it_is_for() {
    for t in [
        "Enable batching (seeds/004 §5.5)",
        "see research/seed004.md",
        "§10 #14",
        "SIGNATURES.md cuda.oom",
        "The seed's variant",
    ] {
        assert!(internal_reference(t).is_some(), "{t}");
    }
    for t in ["reference value", "log signature cuda.oom", "seeded"] {
        assert_eq!(internal_reference(t), None, "{t}");
    }
}

#[test]
fn every_fix_title_says_what_it_does() {
    let generic = ["next check", "fix", "check", "mitigation", "see above"];
    for pb in &builtin().playbooks.list {
        for c in &pb.conclusions {
            for f in &c.fixes {
                let t = f.title.trim().to_lowercase();
                assert!(
                    !generic.contains(&t.as_str()) && t.split_whitespace().count() >= 3,
                    "{}: fix title {:?} does not say what it does",
                    c.id,
                    f.title
                );
            }
            let mut titles: Vec<&str> = c.fixes.iter().map(|f| f.title.as_str()).collect();
            titles.sort_unstable();
            titles.dedup();
            assert_eq!(
                titles.len(),
                c.fixes.len(),
                "{}: two fixes, one title",
                c.id
            );
        }
    }
}

/// The failure type of a built-in conclusion.
fn class(id: &str) -> Option<FailureType> {
    let (_, c) = builtin()
        .playbooks
        .conclusion(id)
        .unwrap_or_else(|| panic!("no conclusion {id}"));
    c.failure_type
}

#[test]
fn failure_types_fit_what_the_conclusions_are() {
    use FailureType::*;
    let table: &[(&str, Option<FailureType>)] = &[
        // A serving replica killed for memory was running: the lost capacity is latency.
        ("serving-replica-oom-killed", Some(InferenceLatency)),
        ("serving-replica-crashing", Some(ModelLoading)),
        // A bad revision loads and serves, but fails requests.
        ("bad-revision", Some(InferenceLatency)),
        ("model-version-mismatch", Some(ModelLoading)),
        // A training job's CUDA OOM is the job's batch, model or allocator, not a model load.
        ("alloc-fragmentation", Some(TrainingStuck)),
        ("fragmentation-despite-expandable", Some(TrainingStuck)),
        ("gpu-memory-exhausted", Some(TrainingStuck)),
        ("gpu-oom-unexplained", Some(TrainingStuck)),
        ("sig-nccl-cuda-oom", Some(TrainingStuck)),
        // A CUDA OOM in any pod: the class is the workload's.
        ("sig-cuda-oom", None),
        // A pod that cannot be scheduled is a stuck job, not a failing GPU.
        ("gpu-fragmentation", Some(TrainingStuck)),
        ("gpu-capacity-exhausted", Some(TrainingStuck)),
        ("requests-ne-limits", Some(TrainingStuck)),
        ("insufficient-gpu-other", Some(TrainingStuck)),
        ("mig-profile-not-offered", Some(TrainingStuck)),
        ("mig-slices-exhausted", Some(TrainingStuck)),
        ("node-selector-key-mismatch", Some(TrainingStuck)),
        ("missing-gpu-toleration", Some(TrainingStuck)),
        // The device, its driver and plugin are GPU failures.
        ("device-plugin-down", Some(Gpu)),
        ("cuda-incompatible", Some(Gpu)),
        ("gpu-xid", Some(Gpu)),
        // A stalled peer is the training job; a blocked transport is the network.
        ("sig-nccl-watchdog-timeout", Some(TrainingStuck)),
        ("collective-timeout", Some(TrainingStuck)),
        ("sig-nccl-peer-closed", Some(TrainingStuck)),
        ("netpol-blocks-rdma", Some(Network)),
        // NCCL over IB is the healthy transport.
        ("sig-nccl-ib-transport", None),
    ];
    for (id, want) in table {
        assert_eq!(class(id), *want, "{id}");
    }
    // No serving conclusion is classed as a training or hardware failure, and no root cause
    // that talks of an OOM kill is a model that fails to load.
    for pb in &builtin().playbooks.list {
        for c in &pb.conclusions {
            if pb.category == "serving" {
                assert!(
                    matches!(c.failure_type, Some(ModelLoading | InferenceLatency)),
                    "{}: {:?}",
                    c.id,
                    c.failure_type
                );
            }
            if c.root_cause.contains("OOM-killed") {
                assert_ne!(c.failure_type, Some(ModelLoading), "{}", c.id);
            }
            if c.kind == ConclusionKind::RootCause {
                assert!(
                    c.failure_type.is_some(),
                    "{}: a root cause with no class",
                    c.id
                );
            }
        }
    }
}

/// A serving Deployment's replica that was OOM-killed and is now in CrashLoopBackOff.
fn oom_killed_replica() -> World {
    let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "model-serving", "namespace": "ai-models",
                     "labels": {"app": "model-serving"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "model-serving"}},
                 "template": {"metadata": {"labels": {"app": "model-serving"}},
                              "spec": {"containers": [{"name": "model-server",
                                                       "image": "registry/model-server:v2"}]}}},
        "status": {"replicas": 2, "readyReplicas": 1}});
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "model-serving-5f7b8c9d6f-abcde", "namespace": "ai-models",
                     "labels": {"app": "model-serving"},
                     "ownerReferences": [{"kind": "ReplicaSet",
                                          "name": "model-serving-5f7b8c9d6f"}]},
        "spec": {"nodeName": "gpu-1", "containers": [{"name": "model-server",
            "image": "registry/model-server:v2",
            "resources": {"limits": {"memory": "8Gi"}}}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "model-server",
            "ready": false, "restartCount": 3,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}]}});
    let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "gpu-1"},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
    let mut w = World::default();
    for (i, object) in [node, deploy, pod].into_iter().enumerate() {
        w.apply(&TimedEvent {
            at_ms: 1_000 + i as i64,
            ev: SourceEvent::Upsert { object },
        });
    }
    w
}

#[test]
fn an_oom_killed_serving_replica_is_classed_by_the_latency_it_causes() {
    let w = oom_killed_replica();
    let f = whats_wrong(builtin(), &w, 10_000);
    let pod = "Pod ai-models/model-serving-5f7b8c9d6f-abcde";
    let found = f
        .iter()
        .find(|x| x.subject == pod && x.playbook == "serving-autoscaling")
        .unwrap_or_else(|| {
            panic!(
                "no serving finding: {:?}",
                f.iter().map(|x| &x.conclusion).collect::<Vec<_>>()
            )
        });
    assert_eq!(found.conclusion, "serving-replica-oom-killed");
    assert_eq!(found.failure_type.as_deref(), Some("inference-latency"));
    assert_eq!(found.mttr_minutes, Some(45));
    assert!(
        f.iter()
            .filter(|x| x.subject == pod)
            .all(|x| x.failure_type.as_deref() != Some("model-loading")),
        "an OOM kill classed as model loading"
    );
}
