//! Shared helpers for the accelerator tests: fixture loading, a World built through
//! `World::apply`, synthetic pods, and a minimal Prometheus text-format line parser (enough for the
//! exporter samples under `tests/fixtures/metrics/`).
#![allow(dead_code)]

use std::collections::BTreeMap;

use aicockpit::contract::event::{SourceEvent, TimedEvent};
use aicockpit::domain::Millis;
use aicockpit::world::World;
use serde_json::{Value, json};

pub fn fixture(rel: &str) -> String {
    let path = format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn k8s(name: &str) -> Value {
    serde_json::from_str(&fixture(&format!("k8s/{name}"))).expect("fixture is JSON")
}

pub fn world(objects: &[Value]) -> World {
    let mut w = World::default();
    for o in objects {
        w.apply(&TimedEvent {
            at_ms: 0,
            ev: SourceEvent::Upsert { object: o.clone() },
        });
    }
    w
}

pub fn upsert(w: &mut World, o: Value) {
    w.apply(&TimedEvent {
        at_ms: 0,
        ev: SourceEvent::Upsert { object: o },
    });
}

/// A pod bound to `node` whose containers request the given accelerator resources (one container
/// per entry), optionally owned by a DaemonSet.
pub fn pod(
    ns: &str,
    name: &str,
    node: &str,
    phase: &str,
    containers: &[(&str, u32)],
    daemonset: Option<&str>,
) -> Value {
    let specs: Vec<Value> = containers
        .iter()
        .enumerate()
        .map(|(i, (res, n))| {
            let mut c = json!({"name": format!("c{i}"), "image": "img"});
            if !res.is_empty() {
                c["resources"] = json!({"limits": {*res: n.to_string()}});
            }
            c
        })
        .collect();
    let running = phase == "Running";
    let statuses: Vec<Value> = (0..containers.len())
        .map(|i| {
            json!({"name": format!("c{i}"), "ready": running, "restartCount": 0,
                   "state": if running { json!({"running": {}}) } else { json!({}) }})
        })
        .collect();
    let mut p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"namespace": ns, "name": name},
        "spec": {"nodeName": node, "containers": specs},
        "status": {"phase": phase, "containerStatuses": statuses}
    });
    if let Some(ds) = daemonset {
        p["metadata"]["ownerReferences"] = json!([{"kind": "DaemonSet", "name": ds}]);
    }
    p
}

/// Make a pod's first container wait in `reason` (CrashLoopBackOff ...).
pub fn waiting(mut p: Value, reason: &str) -> Value {
    p["status"]["containerStatuses"][0]["ready"] = json!(false);
    p["status"]["containerStatuses"][0]["state"] = json!({"waiting": {"reason": reason}});
    p
}

/// One sample line of Prometheus text format.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
    pub ts_ms: Option<Millis>,
}

/// Parse Prometheus text exposition lines (comments, blanks and leading indentation skipped;
/// `name{k="v",...} value [timestamp]`). Returns the samples and the lines it could not read.
pub fn parse_prom(text: &str) -> (Vec<Sample>, Vec<String>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line == "..." {
            continue;
        }
        match parse_line(line) {
            Some(s) => out.push(s),
            None => bad.push(raw.to_string()),
        }
    }
    (out, bad)
}

fn parse_line(line: &str) -> Option<Sample> {
    let name_end = line.find(|c: char| c == '{' || c.is_whitespace())?;
    let name = line[..name_end].to_string();
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if rest.starts_with('{') {
        let mut chars = rest[1..].char_indices();
        let mut key = String::new();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '}' => {
                    end = Some(i + 2);
                    break;
                }
                ',' | ' ' => {}
                '=' => {
                    let (_, q) = chars.next()?;
                    if q != '"' {
                        return None;
                    }
                    let mut val = String::new();
                    loop {
                        let (_, c) = chars.next()?;
                        match c {
                            '\\' => match chars.next()?.1 {
                                'n' => val.push('\n'),
                                other => val.push(other),
                            },
                            '"' => break,
                            other => val.push(other),
                        }
                    }
                    labels.insert(std::mem::take(&mut key), val);
                }
                other => key.push(other),
            }
        }
        rest = &rest[end?..];
    }
    let mut parts = rest.split_whitespace();
    let value = match parts.next()? {
        "NaN" => f64::NAN,
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    let ts_ms = parts.next().and_then(|t| t.parse().ok());
    Some(Sample {
        name,
        labels,
        value,
        ts_ms,
    })
}

/// Push samples into the world's metric store at `at`, adding `extra` labels to each.
pub fn push_samples(w: &mut World, samples: &[Sample], at: Millis, extra: &[(&str, &str)]) {
    for s in samples {
        let mut labels = s.labels.clone();
        for (k, v) in extra {
            labels.insert(k.to_string(), v.to_string());
        }
        w.metrics.push(&s.name, &labels, at, s.value);
    }
}

pub fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
