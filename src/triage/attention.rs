//! The attention list behind the Triage pane: NotReady or pressured nodes, pods that crash or
//! wait, Warning events grouped by reason and object, sick data sources and rejected input,
//! ranked by severity and then by recency.

use std::collections::HashMap;

use crate::contract::event::HealthState;
use crate::domain::Millis;
use crate::domain::severity::Severity;
use crate::domain::workloads::pod_trouble;
use crate::domain::{NodeInfo, PodInfo};
use crate::world::{SourceHealthEntry, World};

/// What an attention item is about (borrowed from the world; text is made only for shown rows).
#[derive(Debug, Clone, PartialEq)]
pub enum Subject<'a> {
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
}

impl Item<'_> {
    /// What is wrong, in a few words.
    pub fn what(&self) -> String {
        match &self.subject {
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
    fn order_key(&self) -> (&str, &str, &str, &str) {
        match &self.subject {
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

/// Build the ranked attention list.
pub fn attention(world: &World) -> Vec<Item<'_>> {
    let mut items = Vec::new();
    for n in world.nodes.values() {
        if !n.ready {
            items.push(Item {
                severity: Severity::Critical,
                since_ms: None,
                subject: Subject::NodeNotReady(n),
            });
        }
        if !n.problems.is_empty() {
            items.push(Item {
                severity: Severity::Warning,
                since_ms: None,
                subject: Subject::NodeProblems(n),
            });
        }
    }
    for key in &world.index.attention {
        let Some(p) = world.pods.get(key) else {
            continue;
        };
        let Some(crit) = pod_trouble(&p.status, &p.phase) else {
            continue;
        };
        items.push(Item {
            severity: if crit {
                Severity::Critical
            } else {
                Severity::Warning
            },
            since_ms: p.created_ms,
            subject: Subject::Pod(p),
        });
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
        items.push(Item {
            severity: Severity::Warning,
            since_ms: last,
            subject: Subject::Warnings {
                key,
                count,
                message,
            },
        });
    }
    for (source, h) in &world.health {
        let severity = match h.state {
            // A source still listing is not sick: it is not complete yet.
            HealthState::Ok | HealthState::Syncing => continue,
            HealthState::Degraded => Severity::Warning,
            HealthState::Unavailable | HealthState::Forbidden => Severity::Critical,
        };
        items.push(Item {
            severity,
            since_ms: Some(h.since_ms),
            subject: Subject::Source(source, h),
        });
    }
    if world.rejected > 0 {
        items.push(Item {
            severity: Severity::Info,
            since_ms: None,
            subject: Subject::Rejected(world.rejected),
        });
    }
    items.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.since_ms.cmp(&a.since_ms))
            .then_with(|| a.order_key().cmp(&b.order_key()))
    });
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::event::{SourceEvent, TimedEvent};
    use serde_json::json;

    fn put(w: &mut World, at_ms: Millis, ev: SourceEvent) {
        w.apply(&TimedEvent { at_ms, ev });
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
            put(&mut w, 0, SourceEvent::Upsert { object });
        }
        let object = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
            "status": {"conditions": [{"type": "Ready", "status": "False"}]}});
        put(&mut w, 0, SourceEvent::Upsert { object });
        let ev = SourceEvent::SourceHealth {
            source: "prometheus".into(),
            state: HealthState::Unavailable,
            message: "refused".into(),
        };
        put(&mut w, 5, ev);
        let items = attention(&w);
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].severity, Severity::Critical);
        assert_eq!(items[0].place(), "source prometheus");
        assert_eq!(items[1].place(), "node/n1");
        assert_eq!(items[2].what(), "BackOff ×4: back-off 1");
        assert_eq!(items[2].place(), "pod ml/w-1");
    }
}
