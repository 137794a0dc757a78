//! The evidence file is complete: for every embedded scenario, replay it to its end, run "what's
//! wrong?", write the evidence file as `aicockpit triage --out` writes it (redacted), replay that
//! file alone through a fresh state and run the same triage: the same conclusions (id, subject,
//! severity) come back, each on the same path with the same evidence, and the replay ends at
//! the triage time. The report describes the file it sits beside, and the file stays bounded
//! on a cluster far larger than what the findings touch.

use std::collections::BTreeMap;

use aicockpit::contract::event::SourceEvent;
use aicockpit::contract::scenario::{self, Scenario};
use aicockpit::settings::rules::Rules;
use aicockpit::shell::cmd::triage::state_at;
use aicockpit::sources::generator::{SyntheticOpts, synthetic};
use aicockpit::sources::{embedded, redact};
use aicockpit::triage::engine::findings::{Finding, whats_wrong};
use aicockpit::triage::engine::report_evidence::evidence;
use aicockpit::triage::view::incident_files;
use serde_json::Value;

fn conclusions(f: &[Finding]) -> Vec<String> {
    f.iter()
        .map(|x| format!("{} {} {}", x.severity.as_str(), x.conclusion, x.subject))
        .collect()
}

/// Evidence and path of a finding, as compared.
fn decided(f: &Finding) -> Vec<String> {
    let ev = f
        .evidence
        .iter()
        .map(|e| format!("{} {} {} {:?}", e.kind, e.subject, e.detail, e.at_ms));
    let path = f
        .path
        .iter()
        .map(|p| format!("{} {} {}", p.step, p.verdict.as_str(), p.summary));
    ev.chain(path).collect()
}

/// Every `env` list's values in a JSON object, by variable name.
fn env_values(v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if k == "env" {
                    for e in child.as_array().into_iter().flatten() {
                        if let (Some(n), Some(val)) = (e["name"].as_str(), e["value"].as_str()) {
                            out.push((n.to_string(), val.to_string()));
                        }
                    }
                } else {
                    env_values(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| env_values(i, out)),
        _ => {}
    }
}

/// Upserts at t = 0 by kind, log lines and metric samples of a parsed evidence file.
fn counts(s: &Scenario) -> (BTreeMap<String, usize>, usize, usize) {
    let (mut kinds, mut logs, mut samples) = (BTreeMap::new(), 0, 0);
    for l in &s.events {
        match &l.ev {
            SourceEvent::Upsert { object } if l.t_ms == 0 => {
                let k = object["kind"].as_str().unwrap_or_default().to_string();
                if k != "Event" {
                    *kinds.entry(k).or_insert(0) += 1;
                }
            }
            SourceEvent::Log { .. } => logs += 1,
            SourceEvent::Metric { .. } => samples += 1,
            _ => {}
        }
    }
    (kinds, logs, samples)
}

#[test]
fn every_embedded_scenario_replays_from_its_evidence_file() {
    let rules = Rules::builtin().expect("built-in rule data");
    let mut failures = Vec::new();
    for info in embedded::list() {
        let name = info.name;
        let s = embedded::load(name).expect("embedded scenario");
        let st = state_at(&s, None);
        let before = whats_wrong(rules, &st.world, st.now_ms);
        assert!(
            !before.is_empty(),
            "{name}: no finding to keep evidence for"
        );
        let (md, text) = incident_files(&st.world, rules, &before, None, name, st.now_ms);
        let back = scenario::parse(&text, "evidence.jsonl").expect("evidence parses");
        eprintln!(
            "{name}: evidence {} bytes, {} lines",
            text.len(),
            back.events.len() + 1
        );

        let mut env = Vec::new();
        for l in &back.events {
            if let SourceEvent::Upsert { object } = &l.ev {
                env_values(object, &mut env);
            }
        }
        for (var, val) in &env {
            assert!(
                redact::env_allowed(var) || val == redact::REDACTED,
                "{name}: {var} kept its value"
            );
        }
        let summary = evidence(&st.world, rules, &before, name, st.now_ms).summary;
        let (kinds, logs, samples) = counts(&back);
        assert_eq!(
            kinds, summary.objects,
            "{name}: objects as the report counts them"
        );
        assert_eq!(
            (logs, samples),
            (summary.log_lines, summary.samples),
            "{name}"
        );
        for want in [
            "## Evidence file".to_string(),
            format!("log lines: {logs}"),
            format!("metric samples: {samples} of"),
        ] {
            assert!(md.contains(&want), "{name}: the report lacks {want:?}");
        }

        let st2 = state_at(&back, None);
        if st2.now_ms != st.now_ms {
            failures.push(format!(
                "{name}: the replay ends at {} instead of the triage time {}",
                st2.now_ms, st.now_ms
            ));
        }
        let after = whats_wrong(rules, &st2.world, st2.now_ms);
        let (a, b) = (conclusions(&before), conclusions(&after));
        if a != b {
            failures.push(format!(
                "{name} ({} bytes): conclusions differ\n  before: {a:#?}\n  after: {b:#?}",
                text.len()
            ));
            continue;
        }
        for (x, y) in before.iter().zip(&after) {
            let (a, b) = (decided(x), decided(y));
            if a != b {
                failures.push(format!(
                    "{name}: {} {} rests on other evidence\n  before: {a:#?}\n  after: {b:#?}",
                    x.conclusion, x.subject
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_evidence_of_a_large_cluster_keeps_what_the_findings_touch() {
    let s = synthetic(&SyntheticOpts {
        nodes: 600,
        pods: 6_000,
        gpus_per_node: 8,
        duration_s: 60,
        seed: 3,
    });
    let rules = Rules::builtin().expect("built-in rule data");
    let st = state_at(&s, None);
    let findings = whats_wrong(rules, &st.world, st.now_ms);
    assert!(
        !findings.is_empty(),
        "the synthetic cluster has trouble to find"
    );
    let e = evidence(&st.world, rules, &findings, "synthetic", st.now_ms);
    let sum = &e.summary;
    assert!(
        sum.nodes < sum.nodes_held,
        "nodes cut past the bound: {sum:?}"
    );
    let pods = sum.objects.get("Pod").copied().unwrap_or_default();
    assert!(
        pods * 10 < st.world.pods.len(),
        "{pods} of {} pods written",
        st.world.pods.len()
    );
    let full = scenario::to_text(&s).len();
    let kept = scenario::to_text(&e.scenario).len();
    assert!(kept * 10 < full, "{kept} of {full} bytes kept");
    // What the findings name is there.
    let back = scenario::parse(&scenario::to_text(&e.scenario), "e").expect("parses");
    let st2 = state_at(&back, None);
    for f in &findings {
        if let Some((ns, p)) = f
            .subject
            .strip_prefix("Pod ")
            .and_then(|s| s.split_once('/'))
        {
            assert!(
                st2.world
                    .pods
                    .contains_key(&(ns.to_string(), p.to_string())),
                "{} lost its pod",
                f.conclusion
            );
        }
    }
}
