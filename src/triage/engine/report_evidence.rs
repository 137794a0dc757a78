//! The evidence file: everything the conclusions used, as a scenario that `--replay` opens and
//! that replays to the same conclusions. What it keeps is the closure of the findings
//! (`report_closure`); the metric samples are chosen by `report_metrics`. The objects are
//! written as they stood at the triage time, primed at `t_ms = 0`; Events, log lines, metric
//! samples and source health at their own times; the NVML snapshot the world holds when it
//! came (or at the triage time when its time is unknown). The file ends at the triage time:
//! when nothing else falls there, the top finding's subject is restated there as it stood.
//!
//! Log lines are bounded: each core pod keeps its newest lines up to an even share of
//! `LOG_BYTES` (at most `LOG_BYTES_PER_POD`), and always the lines the findings cite. The
//! engine builds the content; the shell redacts it (`sources::redact`) and writes it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::findings::Finding;
use super::render::time;
use super::report_closure::{Closure, closure};
use super::report_metrics::{nvml_time, samples, samples_from};
use super::report_objects::{event_json, node_json};
use crate::contract::event::SourceEvent;
use crate::contract::scenario::{Header, Line, SCHEMA_VERSION, Scenario};
use crate::domain::{LogLine, Millis};
use crate::settings::rules::Rules;
use crate::world::World;

/// Log bytes an evidence file keeps at most, shared evenly by the core pods.
pub const LOG_BYTES: usize = 16 << 20;
/// Log bytes one pod keeps at most.
pub const LOG_BYTES_PER_POD: usize = 1 << 20;

/// What an evidence file holds, for the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EvidenceSummary {
    /// Findings whose evidence it keeps.
    pub findings: usize,
    /// Objects written (at `t_ms = 0`), by kind, Nodes and Pods included.
    pub objects: BTreeMap<String, usize>,
    /// The workloads whose pods are all kept (`Kind ns/name`, marked when the world does not
    /// hold the object itself).
    pub workloads: Vec<String>,
    pub core_pods: usize,
    pub context_pods: usize,
    pub nodes: usize,
    /// Nodes the world held.
    pub nodes_held: usize,
    /// Nodes whose telemetry is kept.
    pub involved_nodes: Vec<String>,
    pub events: usize,
    pub log_lines: usize,
    /// Log lines of core pods left out by the byte bounds.
    pub log_lines_cut: usize,
    pub series: usize,
    pub samples: usize,
    /// Samples left out by `report_metrics::MAX_SAMPLES`.
    pub samples_cut: usize,
    /// Samples start after this time.
    pub samples_from_ms: Millis,
    pub health: usize,
    pub nvml: bool,
    /// Event time of `t_ms = 0` and of the last line (the triage time).
    pub start_ms: Millis,
    pub end_ms: Millis,
}

/// An evidence file, before the shell redacts and writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceFile {
    pub scenario: Scenario,
    pub summary: EvidenceSummary,
}

/// The log lines kept: per core pod its newest lines within its share, and every cited line.
fn kept_logs<'w>(w: &'w World, c: &Closure, findings: &[Finding]) -> (Vec<&'w LogLine>, usize) {
    let cited: BTreeSet<(String, Millis)> = findings
        .iter()
        .flat_map(|f| &f.evidence)
        .filter(|e| e.kind == "log")
        .filter_map(|e| Some((e.subject.clone(), e.at_ms?)))
        .collect();
    let mut by_pod: BTreeMap<(&str, &str), Vec<&LogLine>> = BTreeMap::new();
    for l in w.logs.lines() {
        if c.core.contains(&(l.namespace.clone(), l.pod.clone())) {
            by_pod.entry((&l.namespace, &l.pod)).or_default().push(l);
        }
    }
    let share = (LOG_BYTES / by_pod.len().max(1)).min(LOG_BYTES_PER_POD);
    let (mut out, mut cut) = (Vec::new(), 0);
    for lines in by_pod.values() {
        let mut bytes = 0;
        let mut keep = vec![false; lines.len()];
        for (i, l) in lines.iter().enumerate().rev() {
            bytes += l.line.len();
            let subject = format!("{}/{}/{}", l.namespace, l.pod, l.container);
            keep[i] = bytes <= share || cited.contains(&(subject, l.at_ms));
        }
        for (l, k) in lines.iter().zip(keep) {
            if k {
                out.push(*l);
            } else {
                cut += 1;
            }
        }
    }
    (out, cut)
}

/// The evidence behind `findings` at `now_ms`, measured with `rules`.
pub fn evidence(
    w: &World,
    rules: &Rules,
    findings: &[Finding],
    name: &str,
    now_ms: Millis,
) -> EvidenceFile {
    let c = closure(w, findings);
    let (logs, log_cut) = kept_logs(w, &c, findings);
    let events: Vec<_> = w
        .events
        .iter()
        .filter(|e| c.has_subject(&e.object_kind, &e.namespace, &e.object_name))
        .collect();
    let nvml = nvml_time(w);
    let nvml_at = nvml.as_ref().map_or(now_ms, |(_, t)| *t).min(now_ms);
    let from = samples_from(rules, findings, now_ms);
    let metrics = samples(
        w,
        &c,
        from,
        now_ms,
        nvml.as_ref().map(|(h, t)| (h.as_str(), *t)),
    );
    let start = logs
        .iter()
        .map(|l| l.at_ms)
        .chain(events.iter().filter_map(|e| e.last_ms))
        .chain(metrics.events.iter().map(|m| m.0))
        .chain(w.health.values().map(|h| h.since_ms))
        .chain(w.nvml.as_ref().map(|_| nvml_at))
        .fold(now_ms, Millis::min)
        .div_euclid(1000)
        * 1000;
    let at = |t: Millis| t.clamp(start, now_ms) - start;
    let up = |object: Value| SourceEvent::Upsert { object };
    let mut lines: Vec<Line> = Vec::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut prime = |ev: SourceEvent, kind: &str| {
        *kinds.entry(kind.to_string()).or_default() += 1;
        lines.push(Line { t_ms: 0, ev });
    };
    for n in c.nodes.iter().filter_map(|n| w.nodes.get(n)) {
        prime(up(node_json(n)), "Node");
    }
    for (k, v) in w.objects.iter().filter(|(k, _)| c.objects.contains(k)) {
        prime(up(v.clone()), &k.kind);
    }
    let pods: BTreeSet<_> = c.core.union(&c.context).collect();
    for p in pods.into_iter().filter_map(|k| w.pods.get(k)) {
        if let Ok(v) = serde_json::from_str::<Value>(&p.raw) {
            prime(up(v), "Pod");
        }
    }
    let timed = events
        .iter()
        .map(|e| (e.last_ms.map_or(0, at), up(event_json(e))))
        .chain(logs.iter().map(|l| {
            let ev = SourceEvent::Log {
                namespace: l.namespace.clone(),
                pod: l.pod.clone(),
                container: l.container.clone(),
                line: l.line.clone(),
            };
            (at(l.at_ms), ev)
        }))
        .chain(metrics.events.iter().map(|(t, ev)| (at(*t), ev.clone())))
        .chain(w.health.iter().map(|(source, h)| {
            let ev = SourceEvent::SourceHealth {
                source: source.clone(),
                state: h.state,
                message: h.message.clone(),
            };
            (at(h.since_ms), ev)
        }))
        .chain(w.nvml.iter().map(|s| {
            let snapshot = s.clone();
            (at(nvml_at), SourceEvent::Nvml { snapshot })
        }));
    lines.extend(timed.map(|(t_ms, ev)| Line { t_ms, ev }));
    lines.sort_by_key(|l| l.t_ms);
    let end = now_ms - start;
    if lines.last().is_some_and(|l| l.t_ms < end)
        && let Some(ev) = restated(w, &c, findings, &lines)
    {
        lines.push(Line { t_ms: end, ev });
    }
    let summary = EvidenceSummary {
        findings: findings.len(),
        objects: kinds,
        workloads: c
            .workloads
            .iter()
            .map(|k| {
                let held = if w.objects.contains_key(k) {
                    ""
                } else {
                    " (its pods; the object is not watched)"
                };
                format!("{} {}/{}{held}", k.kind, k.namespace, k.name)
            })
            .collect(),
        core_pods: c.core.len(),
        context_pods: c.context.len(),
        nodes: c.nodes.len(),
        nodes_held: w.nodes.len(),
        involved_nodes: c.involved.iter().cloned().collect(),
        events: events.len(),
        log_lines: logs.len(),
        log_lines_cut: log_cut,
        series: metrics.series,
        samples: metrics.events.len(),
        samples_cut: metrics.cut,
        samples_from_ms: from,
        health: w.health.len(),
        nvml: w.nvml.is_some(),
        start_ms: start,
        end_ms: start + lines.last().map_or(0, |l| l.t_ms),
    };
    let title = findings
        .first()
        .map_or("no finding", |f| f.conclusion.as_str());
    let scenario = Scenario {
        header: Header {
            schema: SCHEMA_VERSION,
            scenario: format!("{name}-evidence"),
            title: format!("Evidence for {title}"),
            description: format!(
                "Objects, events, log lines and metric samples behind {} triage finding(s), saved at {}.",
                findings.len(),
                time(now_ms)
            ),
            start: time(start),
        },
        start_ms: start,
        events: lines,
    };
    EvidenceFile { scenario, summary }
}

/// The upsert restated at the triage time: the first finding subject the file holds, else the
/// first object.
fn restated(w: &World, c: &Closure, findings: &[Finding], lines: &[Line]) -> Option<SourceEvent> {
    let subject = findings.iter().find_map(|f| {
        let (kind, rest) = f.subject.split_once(' ')?;
        match (kind, rest.split_once('/')) {
            ("Node", None) if c.nodes.contains(rest) => w.nodes.get(rest).map(node_json),
            ("Pod", Some((ns, p))) if c.has_pod(&(ns.into(), p.into())) => w
                .pods
                .get(&(ns.to_string(), p.to_string()))
                .and_then(|p| serde_json::from_str(&p.raw).ok()),
            (k, Some((ns, n))) => c
                .objects
                .get(&crate::domain::ObjKey::new(k, ns, n))
                .and_then(|k| w.objects.get(k).cloned()),
            _ => None,
        }
    });
    match subject {
        Some(object) => Some(SourceEvent::Upsert { object }),
        None => lines
            .iter()
            .find(|l| matches!(l.ev, SourceEvent::Upsert { .. }))
            .map(|l| l.ev.clone()),
    }
}
