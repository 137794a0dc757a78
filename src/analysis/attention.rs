//! The attention list behind the Triage pane: NotReady or pressured nodes, pods that crash or
//! wait, Warning events grouped by reason and object, sick data sources and rejected input,
//! ranked by severity and then by recency.

use std::collections::BTreeMap;

use crate::analysis::workloads::pod_trouble;
use crate::event::{HealthState, Millis};
use crate::state::world::World;

/// How urgent an attention item is (orders the list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warn,
    Crit,
}

impl Severity {
    pub fn glyph(self) -> &'static str {
        match self {
            Severity::Crit => "✖",
            Severity::Warn => "▲",
            Severity::Info => "●",
        }
    }
}

/// One thing that needs a look.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub severity: Severity,
    pub what: String,
    pub place: String,
    pub since_ms: Option<Millis>,
}

/// Warning events group by (reason, object kind, namespace, object name).
type GroupKey<'a> = (&'a str, &'a str, &'a str, &'a str);

/// Build the ranked attention list.
pub fn attention(world: &World) -> Vec<Item> {
    let mut items = Vec::new();
    for n in world.nodes.values() {
        if !n.ready {
            items.push(Item {
                severity: Severity::Crit,
                what: "NotReady".into(),
                place: format!("node/{}", n.name),
                since_ms: None,
            });
        }
        if !n.problems.is_empty() {
            items.push(Item {
                severity: Severity::Warn,
                what: n.problems.join(","),
                place: format!("node/{}", n.name),
                since_ms: None,
            });
        }
    }
    for (ns, name) in &world.index.attention {
        let Some(p) = world.pods.get(&(ns.clone(), name.clone())) else {
            continue;
        };
        let Some(crit) = pod_trouble(&p.status, &p.phase) else {
            continue;
        };
        let what = if p.restarts > 0 {
            format!("{} (restarts {})", p.status, p.restarts)
        } else {
            p.status.clone()
        };
        items.push(Item {
            severity: if crit { Severity::Crit } else { Severity::Warn },
            what,
            place: format!("pod {ns}/{name}"),
            since_ms: p.created_ms,
        });
    }
    let mut groups: BTreeMap<GroupKey, (u64, Option<Millis>, &str)> = BTreeMap::new();
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
    for ((reason, kind, ns, obj), (count, last, msg)) in groups {
        let place = match (kind, ns) {
            (k, "") => format!("{} {obj}", k.to_ascii_lowercase()),
            (k, ns) => format!("{} {ns}/{obj}", k.to_ascii_lowercase()),
        };
        items.push(Item {
            severity: Severity::Warn,
            what: format!("{reason} ×{count}: {msg}"),
            place,
            since_ms: last,
        });
    }
    for (source, h) in &world.health {
        let severity = match h.state {
            HealthState::Ok => continue,
            HealthState::Degraded => Severity::Warn,
            HealthState::Unavailable | HealthState::Forbidden => Severity::Crit,
        };
        let state = format!("{:?}", h.state).to_lowercase();
        items.push(Item {
            severity,
            what: if h.message.is_empty() {
                state
            } else {
                format!("{state}: {}", h.message)
            },
            place: format!("source {source}"),
            since_ms: Some(h.since_ms),
        });
    }
    if world.rejected > 0 {
        items.push(Item {
            severity: Severity::Info,
            what: format!("{} malformed objects rejected", world.rejected),
            place: "input".into(),
            since_ms: None,
        });
    }
    items.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.since_ms.cmp(&a.since_ms))
            .then(a.place.cmp(&b.place))
    });
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{SourceEvent, TimedEvent};
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
        assert_eq!(items[0].severity, Severity::Crit);
        assert_eq!(items[0].place, "source prometheus");
        assert_eq!(items[1].place, "node/n1");
        assert_eq!(items[2].what, "BackOff ×4: back-off 1");
        assert_eq!(items[2].place, "pod ml/w-1");
    }
}
