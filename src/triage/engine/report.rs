//! The incident report (Markdown: timeline, findings, evidence excerpts, checks that passed,
//! proposed fixes) and the evidence file: the objects, events and log lines the findings rest
//! on, written in the scenario format so that `--replay` can open it.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::findings::Finding;
use super::render::{finding_markdown, time};
use super::walkthrough::Walkthrough;
use crate::contract::event::SourceEvent;
use crate::contract::scenario::{self, Header, Line, SCHEMA_VERSION, Scenario};
use crate::domain::Millis;
use crate::domain::{KEvent, NodeInfo};
use crate::world::World;

/// Most log lines kept per pod in the evidence file.
pub const EVIDENCE_LINES_PER_POD: usize = 200;
/// Up to this many nodes, the evidence file keeps every node.
pub const MAX_ALL_NODES: usize = 500;

/// The Markdown incident report.
pub fn incident_markdown(
    scenario: &str,
    findings: &[Finding],
    wt: Option<&Walkthrough>,
    now_ms: Millis,
) -> String {
    let mut s = format!(
        "# Incident report: {scenario}\n\nWritten at {} (event time).\n",
        time(now_ms)
    );
    if let Some(w) = wt {
        s += "\n## Timeline\n\n";
        let mut tl: Vec<(Millis, String)> = findings
            .iter()
            .filter_map(|f| {
                f.since_ms.map(|t| {
                    (
                        t,
                        format!("first evidence of {} ({})", f.conclusion, f.subject),
                    )
                })
            })
            .collect();
        tl.sort();
        tl.dedup();
        tl.truncate(12);
        tl.push((w.started_ms, "walkthrough started (10-minute clock)".into()));
        let mut mttr = String::new();
        match (&w.root_cause, w.found_ms) {
            (Some(f), Some(t)) => {
                tl.push((
                    t,
                    format!(
                        "root cause identified: {} ({} into the walkthrough)",
                        f.conclusion,
                        mmss(t - w.started_ms)
                    ),
                ));
                if let Some(m) = f.mttr_minutes {
                    mttr = format!(
                        "\nMTTR target for a {} failure: {m} min.\n",
                        f.failure_type.as_deref().unwrap_or("?")
                    );
                }
            }
            _ => mttr = "\nNo root cause identified.\n".into(),
        }
        if let Some(t) = w.finished_ms {
            tl.push((t, "walkthrough finished".into()));
        }
        tl.sort_by_key(|(t, _)| *t);
        for (t, what) in &tl {
            s += &format!("- {} {what}\n", time(*t));
        }
        s += &mttr;
        s += "\n## Quick-diagnosis checks\n\n| # | check | result | notes |\n|---|---|---|---|\n";
        for c in &w.checks {
            s += &format!(
                "| {} | {} | {} | {} |\n",
                c.n,
                c.title,
                c.status.as_str(),
                c.notes.join("; ").replace('|', "/")
            );
        }
        let passed: Vec<&str> = w
            .checks
            .iter()
            .filter(|c| c.status == super::walkthrough::Status::Pass)
            .map(|c| c.title)
            .collect();
        s += &format!(
            "\nChecks that passed: {}.\n",
            if passed.is_empty() {
                "none".to_string()
            } else {
                passed.join(", ")
            }
        );
    }
    s += &format!("\n## Findings ({})\n", findings.len());
    for (i, f) in findings.iter().enumerate().take(10) {
        s += &finding_markdown(i + 1, f);
    }
    if findings.len() > 10 {
        s += &format!("\n…and {} more (see findings.json).\n", findings.len() - 10);
    }
    s
}

fn mmss(ms: Millis) -> String {
    let s = ms.max(0) / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

fn node_json(n: &NodeInfo) -> Value {
    let q = |m: &std::collections::BTreeMap<String, f64>| -> Value {
        m.iter()
            .map(|(k, v)| (k.clone(), json!(v.to_string())))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let taints: Vec<Value> = n
        .taints
        .iter()
        .map(|t| {
            let (kv, effect) = t.rsplit_once(':').unwrap_or((t, ""));
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let mut o = json!({"key": k, "effect": effect});
            if !v.is_empty() {
                o["value"] = json!(v);
            }
            o
        })
        .collect();
    json!({"apiVersion": "v1", "kind": "Node",
        "metadata": {"name": n.name, "labels": n.labels},
        "spec": {"taints": taints, "unschedulable": n.unschedulable},
        "status": {"capacity": q(&n.capacity), "allocatable": q(&n.allocatable),
            "conditions": [{"type": "Ready", "status": if n.ready { "True" } else { "False" }}],
            "nodeInfo": {"kubeletVersion": n.kubelet_version}}})
}

fn event_json(e: &KEvent) -> Value {
    let last = e.last_ms.map(time);
    json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": e.name, "namespace": e.namespace},
        "involvedObject": {"kind": e.object_kind, "name": e.object_name, "namespace": e.namespace},
        "reason": e.reason, "message": e.message, "type": e.type_, "count": e.count,
        "lastTimestamp": last})
}

/// The evidence behind `findings` as a scenario file (text).
pub fn evidence_scenario(
    world: &World,
    findings: &[Finding],
    name: &str,
    now_ms: Millis,
) -> String {
    let mut pods: BTreeSet<(String, String)> = BTreeSet::new();
    let mut nodes: BTreeSet<String> = BTreeSet::new();
    let mut objects: BTreeSet<(String, String, String)> = BTreeSet::new();
    for f in findings {
        for s in std::iter::once(&f.subject).chain(f.evidence.iter().map(|e| &e.subject)) {
            let mut it = s.splitn(2, ' ');
            let (Some(kind), Some(rest)) = (it.next(), it.next()) else {
                continue;
            };
            match (kind, rest.split_once('/')) {
                ("Pod", Some((ns, p))) => {
                    pods.insert((ns.to_string(), p.to_string()));
                }
                ("Node", _) => {
                    nodes.insert(rest.to_string());
                }
                (k, Some((ns, n))) => {
                    objects.insert((k.to_string(), ns.to_string(), n.to_string()));
                }
                _ => {}
            }
        }
    }
    let workload_pods = super::report_metrics::workload_pods(world, &objects);
    let metrics = super::report_metrics::pod_metrics(world, &workload_pods, now_ms);
    pods.extend(workload_pods);
    for (ns, p) in &pods {
        if let Some(n) = world
            .pods
            .get(&(ns.clone(), p.clone()))
            .and_then(|p| p.node.clone())
        {
            nodes.insert(n);
        }
    }
    let start = world
        .logs
        .lines()
        .iter()
        .filter(|l| pods.contains(&(l.namespace.clone(), l.pod.clone())))
        .map(|l| l.at_ms)
        .chain(world.events.iter().filter_map(|e| e.last_ms))
        .chain(metrics.first().map(|m| m.0))
        .min()
        .unwrap_or(now_ms)
        .min(now_ms);
    let mut lines: Vec<Line> = Vec::new();
    let up = |object: Value| SourceEvent::Upsert { object };
    // Scheduling findings rest on every node's labels and taints: keep them all when few.
    if world.nodes.len() <= MAX_ALL_NODES {
        nodes.extend(world.nodes.keys().cloned());
    }
    pods.extend(super::report_metrics::daemon_pods(world, &nodes));
    for n in &nodes {
        if let Some(ni) = world.nodes.get(n) {
            lines.push(Line {
                t_ms: 0,
                ev: up(node_json(ni)),
            });
        }
    }
    for (k, v) in &world.objects {
        if objects.contains(&(k.kind.clone(), k.namespace.clone(), k.name.clone()))
            || (k.kind == "NetworkPolicy" && pods.iter().any(|(ns, _)| ns == &k.namespace))
        {
            lines.push(Line {
                t_ms: 0,
                ev: up(v.clone()),
            });
        }
    }
    for (ns, p) in &pods {
        if let Some(v) = world
            .pods
            .get(&(ns.clone(), p.clone()))
            .and_then(|pi| serde_json::from_str::<Value>(&pi.raw).ok())
        {
            lines.push(Line { t_ms: 0, ev: up(v) });
        }
    }
    for e in &world.events {
        if e.object_kind == "Pod" && !pods.contains(&(e.namespace.clone(), e.object_name.clone())) {
            continue;
        }
        let t = e.last_ms.unwrap_or(start).clamp(start, now_ms) - start;
        lines.push(Line {
            t_ms: t,
            ev: up(event_json(e)),
        });
    }
    for (ns, p) in &pods {
        let mine: Vec<_> = world
            .logs
            .lines()
            .iter()
            .filter(|l| &l.namespace == ns && &l.pod == p)
            .collect();
        for l in mine
            .iter()
            .skip(mine.len().saturating_sub(EVIDENCE_LINES_PER_POD))
        {
            lines.push(Line {
                t_ms: (l.at_ms - start).max(0),
                ev: SourceEvent::Log {
                    namespace: l.namespace.clone(),
                    pod: l.pod.clone(),
                    container: l.container.clone(),
                    line: l.line.clone(),
                },
            });
        }
    }
    for (t, ev) in metrics {
        lines.push(Line {
            t_ms: t - start,
            ev,
        });
    }
    lines.sort_by_key(|l| l.t_ms);
    let s = Scenario {
        header: Header {
            schema: SCHEMA_VERSION,
            scenario: format!("{name}-evidence"),
            title: format!(
                "Evidence for {}",
                findings
                    .first()
                    .map(|f| f.conclusion.as_str())
                    .unwrap_or("no finding")
            ),
            description: format!(
                "Objects, events and log lines behind {} triage finding(s), saved at {}.",
                findings.len(),
                time(now_ms)
            ),
            start: time(start),
        },
        start_ms: start,
        events: lines,
    };
    scenario::to_text(&s)
}
