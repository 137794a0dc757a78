use super::*;
use crate::contract::event::{SourceEvent, TimedEvent};
use crate::domain::ObjKey;
use crate::settings::alerts::Op;
use crate::settings::playbooks::model::Bindings;
use serde_json::json;

fn put(w: &mut World, at_ms: Millis, ev: SourceEvent) {
    w.apply(&TimedEvent { at_ms, ev });
}

fn upsert(w: &mut World, object: serde_json::Value) {
    put(w, 0, SourceEvent::Upsert { object });
}

fn crashing(w: &mut World, ns: &str, name: &str, owner: (&str, &str)) {
    upsert(
        w,
        json!({"apiVersion":"v1","kind":"Pod",
            "metadata":{"name":name,"namespace":ns,
                "ownerReferences":[{"kind":owner.0,"name":owner.1}]},
            "spec":{"containers":[{"name":"c"}]},
            "status":{"phase":"Running","containerStatuses":[{"name":"c","restartCount":4,
                "state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}}),
    );
}

fn alert(ns: &str, name: &str, state: AlertState) -> EndpointAlert {
    EndpointAlert {
        endpoint: ObjKey::new("Deployment", ns, name),
        rule: "LlmE2eP99Objective".into(),
        what: "p99 > 10s".into(),
        severity: Severity::Warning,
        summary: "LLM end-to-end p99 above 10 s".into(),
        op: Op::Above,
        threshold: 10.0,
        state,
        value: Some(14.0),
        paused: None,
    }
}

fn cause(conclusion: &str, subject: &str, bindings: &[(&str, &str)]) -> Finding {
    let bindings: Bindings = bindings
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Finding {
        conclusion: conclusion.into(),
        playbook: "pb".into(),
        title: "t".into(),
        root_cause: format!("{conclusion} explained"),
        severity: Severity::Warning,
        kind: ConclusionKind::RootCause,
        subject: subject.into(),
        failure_type: None,
        mttr_minutes: None,
        path: Vec::new(),
        evidence: Vec::new(),
        fixes: Vec::new(),
        references: Vec::new(),
        bindings,
        since_ms: Some(1),
    }
}

fn rows(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| {
            let under = if i.explained { "  " } else { "" };
            format!("{under}{} {} @ {}", i.severity.glyph(), i.what(), i.place())
        })
        .collect()
}

#[test]
fn ranks_by_severity_and_groups_warnings() {
    let mut w = World::default();
    for (i, name) in ["ev1", "ev2"].iter().enumerate() {
        let object = json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": "ml"}, "type": "Warning",
            "reason": "BackOff", "message": format!("back-off {i}"), "count": 2,
            "lastTimestamp": format!("2025-01-01T00:00:0{i}Z"),
            "involvedObject": {"kind": "Pod", "name": "w-1"}});
        upsert(&mut w, object);
    }
    let object = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
        "status": {"conditions": [{"type": "Ready", "status": "False"}]}});
    upsert(&mut w, object);
    let ev = SourceEvent::SourceHealth {
        source: "prometheus".into(),
        state: HealthState::Unavailable,
        message: "refused".into(),
    };
    put(&mut w, 5, ev);
    let items = attention(&w, Inputs::default());
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].severity, Severity::Critical);
    assert_eq!(items[0].place(), "source prometheus");
    assert_eq!(items[1].place(), "node/n1");
    assert_eq!(items[2].what(), "BackOff ×4: back-off 1");
    assert_eq!(items[2].place(), "pod ml/w-1");
}

#[test]
fn a_firing_alert_is_critical_a_pending_one_a_warning_resolved_ones_are_not_listed() {
    let w = World::default();
    let alerts = [
        alert("s", "a", AlertState::Pending { since: 10 }),
        alert("s", "b", AlertState::Firing { since: 5 }),
        alert("s", "c", AlertState::Resolved { at: 7 }),
        alert("s", "d", AlertState::Inactive),
    ];
    let inputs = Inputs {
        alerts: &alerts,
        ..Inputs::default()
    };
    assert_eq!(
        rows(&attention(&w, inputs)),
        [
            "✖ FIRING p99 > 10s: LLM end-to-end p99 above 10 s @ deployment s/b",
            "▲ pending p99 > 10s: LLM end-to-end p99 above 10 s @ deployment s/a",
        ]
    );
}

#[test]
fn a_root_cause_leads_the_symptoms_it_explains() {
    let mut w = World::default();
    crashing(
        &mut w,
        "ai",
        "model-serving-5f7b-x1",
        ("ReplicaSet", "model-serving-5f7b"),
    );
    crashing(&mut w, "ai", "other-9c-x2", ("ReplicaSet", "other-9c"));
    crashing(&mut w, "ml", "train-0", ("PyTorchJob", "train"));
    let alerts = [alert(
        "ai",
        "model-serving",
        AlertState::Firing { since: 5 },
    )];
    let findings = [
        cause(
            "bad-revision",
            "Deployment ai/model-serving",
            &[("ns", "ai"), ("owner", "model-serving")],
        ),
        // Symptom findings are the W view's, not the list's.
        Finding {
            kind: ConclusionKind::Symptom,
            ..cause(
                "sig-x",
                "Pod ml/train-0",
                &[("ns", "ml"), ("pod", "train-0")],
            )
        },
        cause("gpu-xid", "Node gpu-1", &[("node", "gpu-1")]),
    ];
    let unknown = [Unknown::Connecting];
    let inputs = Inputs {
        unknown: &unknown,
        alerts: &alerts,
        findings: &findings,
    };
    let items = attention(&w, inputs);
    assert_eq!(
        rows(&items),
        [
            "● connecting: no source has answered yet @ source kube",
            "▲ cause: bad-revision explained @ deployment ai/model-serving",
            "  ✖ FIRING p99 > 10s: LLM end-to-end p99 above 10 s @ deployment ai/model-serving",
            "  ✖ CrashLoopBackOff (restarts 4) @ pod ai/model-serving-5f7b-x1",
            "✖ CrashLoopBackOff (restarts 4) @ pod ai/other-9c-x2",
            "✖ CrashLoopBackOff (restarts 4) @ pod ml/train-0",
            "▲ cause: gpu-xid explained @ node gpu-1",
        ]
    );
}

#[test]
fn a_source_still_syncing_is_not_a_sick_source() {
    let mut w = World::default();
    let ev = SourceEvent::SourceHealth {
        source: "kube/pods".into(),
        state: HealthState::Syncing,
        message: "500 listed so far".into(),
    };
    put(&mut w, 5, ev);
    assert!(attention(&w, Inputs::default()).is_empty());
}

#[test]
fn owners_are_the_workload_and_its_replica_sets() {
    use crate::triage::attention_order::owned_by;
    assert!(owned_by("model-serving", "model-serving"));
    assert!(owned_by("model-serving-5f7b8c9d6f", "model-serving"));
    assert!(!owned_by("model-serving-canary-5f7b", "model-serving"));
    assert!(!owned_by("model-servingx", "model-serving"));
}
