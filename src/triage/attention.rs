//! The attention list behind the Triage pane, the one list of what needs a look. First what is
//! not known (`coverage`: a replay still loading, a watch still syncing, an endpoint without
//! metrics), then sick data sources, then the problems: the root causes "what's wrong" found,
//! each followed by the symptoms it explains, pending and firing serving alerts, NotReady or
//! pressured nodes, pods that crash or wait, Warning events grouped by reason and object, and
//! rejected input. Problems rank by severity, then recency (`attention_order` arranges them).

use std::collections::HashMap;

use crate::contract::event::HealthState;
use crate::domain::Millis;
use crate::domain::severity::Severity;
use crate::domain::workloads::pod_trouble;
use crate::domain::{NodeInfo, PodInfo};
use crate::serving::derive::alert_eval::AlertState;
use crate::serving::view::EndpointAlert;
use crate::settings::playbooks::model::ConclusionKind;
use crate::training::derive::since::{FirstEvents, condition_since, object_since};
use crate::triage::attention_order::arrange;
use crate::triage::coverage::Unknown;
use crate::triage::engine::findings::Finding;
use crate::world::{SourceHealthEntry, World};

/// A root cause as the list shows it (borrowed from a finding, or from a ranked entry).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cause<'a> {
    pub conclusion: &'a str,
    /// What it is about: `Pod ns/name`, `Node n`, `Deployment ns/name`, `cluster`.
    pub subject: &'a str,
    pub root_cause: &'a str,
}

/// What an attention item is about (borrowed; text is made only for shown rows).
#[derive(Debug, Clone, PartialEq)]
pub enum Subject<'a> {
    /// Something the list cannot vouch for.
    Unknown(&'a Unknown),
    /// A root cause "what's wrong" found.
    Cause(Cause<'a>),
    /// A serving alert rule pending or firing on an endpoint.
    Alert(&'a EndpointAlert),
    NodeNotReady(&'a NodeInfo),
    NodeProblems(&'a NodeInfo),
    Pod(&'a PodInfo),
    /// Warning events of one reason on one object: total count and newest message.
    Warnings {
        key: GroupKey<'a>,
        count: u64,
        message: &'a str,
    },
    Source(&'a str, &'a SourceHealthEntry),
    Rejected(u64),
}

/// One thing that needs a look.
#[derive(Debug, Clone, PartialEq)]
pub struct Item<'a> {
    pub severity: Severity,
    pub since_ms: Option<Millis>,
    pub subject: Subject<'a>,
    /// A symptom listed under the root cause above it, which explains it.
    pub explained: bool,
}

impl Item<'_> {
    /// What is wrong, in a few words.
    pub fn what(&self) -> String {
        match &self.subject {
            Subject::Unknown(u) => u.what(),
            Subject::Cause(c) => format!("cause: {}", c.root_cause),
            Subject::Alert(a) => {
                let state = match a.state {
                    AlertState::Firing { .. } => "FIRING",
                    _ => "pending",
                };
                format!("{state} {}: {}", a.what, a.summary)
            }
            Subject::NodeNotReady(_) => "NotReady".into(),
            Subject::NodeProblems(n) => n.problems.join(","),
            Subject::Pod(p) if p.restarts > 0 => format!("{} (restarts {})", p.status, p.restarts),
            Subject::Pod(p) => p.status.clone(),
            Subject::Warnings {
                key,
                count,
                message,
                ..
            } => format!("{} ×{count}: {message}", key.0),
            Subject::Source(_, h) => {
                let state = format!("{:?}", h.state).to_lowercase();
                if h.message.is_empty() {
                    state
                } else if h.message.starts_with(&state) {
                    h.message.clone()
                } else {
                    format!("{state}: {}", h.message)
                }
            }
            Subject::Rejected(n) => format!("{n} malformed objects rejected"),
        }
    }

    /// Where: `node/x`, `pod ns/name`, `source prometheus` ...
    pub fn place(&self) -> String {
        match &self.subject {
            Subject::Unknown(u) => u.place(),
            Subject::Cause(c) => match c.subject.split_once(' ') {
                Some((kind, rest)) => format!("{} {rest}", kind.to_ascii_lowercase()),
                None => c.subject.to_string(),
            },
            Subject::Alert(a) => {
                let k = &a.endpoint;
                format!("{} {}/{}", k.kind.to_ascii_lowercase(), k.namespace, k.name)
            }
            Subject::NodeNotReady(n) | Subject::NodeProblems(n) => format!("node/{}", n.name),
            Subject::Pod(p) => format!("pod {}/{}", p.namespace, p.name),
            Subject::Warnings {
                key: (_, kind, ns, obj),
                ..
            } => match *ns {
                "" => format!("{} {obj}", kind.to_ascii_lowercase()),
                ns => format!("{} {ns}/{obj}", kind.to_ascii_lowercase()),
            },
            Subject::Source(name, _) => format!("source {name}"),
            Subject::Rejected(_) => "input".into(),
        }
    }

    /// A cheap key for stable ordering among equals.
    pub(crate) fn order_key(&self) -> (&str, &str, &str, &str) {
        match &self.subject {
            Subject::Unknown(_) => ("", "", "", ""),
            Subject::Cause(c) => (c.subject, c.conclusion, "", ""),
            Subject::Alert(a) => (&a.endpoint.namespace, &a.endpoint.name, &a.rule, ""),
            Subject::NodeNotReady(n) | Subject::NodeProblems(n) => ("", &n.name, "", ""),
            Subject::Pod(p) => (&p.namespace, &p.name, "", ""),
            Subject::Warnings { key, .. } => (key.2, key.3, key.1, key.0),
            Subject::Source(name, _) => ("", name, "", ""),
            Subject::Rejected(_) => ("", "", "", ""),
        }
    }
}

/// Warning events group by (reason, object kind, namespace, object name).
pub type GroupKey<'a> = (&'a str, &'a str, &'a str, &'a str);

/// What the list reads besides the world: what is not known, the serving alert book's states
/// and the ranked findings of "what's wrong?" (only root causes are listed).
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs<'a> {
    pub unknown: &'a [Unknown],
    pub alerts: &'a [EndpointAlert],
    pub findings: &'a [Finding],
}

fn item(severity: Severity, since_ms: Option<Millis>, subject: Subject<'_>) -> Item<'_> {
    Item {
        severity,
        since_ms,
        subject,
        explained: false,
    }
}

/// Build the ranked attention list.
pub fn attention<'a>(world: &'a World, inputs: Inputs<'a>) -> Vec<Item<'a>> {
    let mut items = symptoms(world);
    for a in inputs.alerts {
        match a.state {
            AlertState::Firing { since } => {
                items.push(item(Severity::Critical, Some(since), Subject::Alert(a)))
            }
            AlertState::Pending { since } => {
                items.push(item(Severity::Warning, Some(since), Subject::Alert(a)))
            }
            AlertState::Inactive | AlertState::Resolved { .. } => {}
        }
    }
    let causes: Vec<&Finding> = inputs
        .findings
        .iter()
        .filter(|f| f.kind == ConclusionKind::RootCause)
        .collect();
    for u in inputs.unknown {
        items.push(item(Severity::Info, u.since_ms(), Subject::Unknown(u)));
    }
    arrange(world, &causes, items)
}

/// What the world itself shows: nodes, pods, Warning events, sick sources, rejected input.
fn symptoms(world: &World) -> Vec<Item<'_>> {
    let mut items = Vec::new();
    for n in world.nodes.values() {
        if !n.ready {
            items.push(item(Severity::Critical, None, Subject::NodeNotReady(n)));
        }
        if !n.problems.is_empty() {
            items.push(item(Severity::Warning, None, Subject::NodeProblems(n)));
        }
    }
    let first_events = FirstEvents::new(&world.events);
    for key in &world.index.attention {
        let Some(p) = world.pods.get(key) else {
            continue;
        };
        let Some(crit) = pod_trouble(&p.status, &p.phase) else {
            continue;
        };
        let severity = if crit {
            Severity::Critical
        } else {
            Severity::Warning
        };
        // When the pod's condition began, not its age (see `training::derive::since`).
        let since = condition_since(
            &p.namespace,
            &p.name,
            &p.status,
            object_since(&p.raw),
            &first_events,
        );
        items.push(item(severity, since, Subject::Pod(p)));
    }
    let mut groups: HashMap<GroupKey, (u64, Option<Millis>, &str)> = HashMap::new();
    for e in world.events.iter().filter(|e| e.type_ == "Warning") {
        let key = (
            e.reason.as_str(),
            e.object_kind.as_str(),
            e.namespace.as_str(),
            e.object_name.as_str(),
        );
        let g = groups.entry(key).or_insert((0, None, ""));
        g.0 += u64::from(e.count.max(1));
        if e.last_ms >= g.1 {
            g.1 = e.last_ms;
            g.2 = &e.message;
        }
    }
    for (key, (count, last, message)) in groups {
        let subject = Subject::Warnings {
            key,
            count,
            message,
        };
        items.push(item(Severity::Warning, last, subject));
    }
    for (source, h) in &world.health {
        let severity = match h.state {
            // A source still listing is not sick: `coverage` says it is not complete.
            HealthState::Ok | HealthState::Syncing => continue,
            HealthState::Degraded => Severity::Warning,
            HealthState::Unavailable | HealthState::Forbidden => Severity::Critical,
        };
        items.push(item(severity, Some(h.since_ms), Subject::Source(source, h)));
    }
    if world.rejected > 0 {
        items.push(item(
            Severity::Info,
            None,
            Subject::Rejected(world.rejected),
        ));
    }
    items
}

#[cfg(test)]
#[path = "attention_tests.rs"]
mod tests;
