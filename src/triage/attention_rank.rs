//! The attention ranking kept between frames: `rank` turns the borrowed `attention` list into
//! owned entries once per change of the world (the reducer calls it at ingest), and `Ranked::item`
//! resolves one entry back into a borrowed `Item` for the rows on screen. Sorting thousands of
//! items is then paid when data arrives, never per frame.

use crate::domain::Millis;
use crate::domain::severity::Severity;
use crate::triage::attention::{Item, Subject, attention};
use crate::world::World;

/// An attention item by identity (owned), with what the list needs to show it.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    NodeNotReady(String),
    NodeProblems(String),
    Pod(String, String),
    Warnings {
        reason: String,
        kind: String,
        namespace: String,
        object: String,
        count: u64,
        message: String,
    },
    Source(String),
    Rejected(u64),
}

/// One ranked entry: severity and recency as they were when ranked.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub severity: Severity,
    pub since_ms: Option<Millis>,
    pub key: Key,
}

/// The attention list of `world`, ranked, as owned entries.
pub fn rank(world: &World) -> Vec<Ranked> {
    attention(world)
        .iter()
        .map(|i| Ranked {
            severity: i.severity,
            since_ms: i.since_ms,
            key: key_of(&i.subject),
        })
        .collect()
}

fn key_of(s: &Subject<'_>) -> Key {
    match s {
        Subject::NodeNotReady(n) => Key::NodeNotReady(n.name.clone()),
        Subject::NodeProblems(n) => Key::NodeProblems(n.name.clone()),
        Subject::Pod(p) => Key::Pod(p.namespace.clone(), p.name.clone()),
        Subject::Warnings {
            key,
            count,
            message,
        } => Key::Warnings {
            reason: key.0.to_string(),
            kind: key.1.to_string(),
            namespace: key.2.to_string(),
            object: key.3.to_string(),
            count: *count,
            message: message.to_string(),
        },
        Subject::Source(name, _) => Key::Source(name.to_string()),
        Subject::Rejected(n) => Key::Rejected(*n),
    }
}

impl Ranked {
    /// This entry as a borrowed item, or `None` when its object has gone since it was ranked.
    pub fn item<'a>(&'a self, world: &'a World) -> Option<Item<'a>> {
        let subject = match &self.key {
            Key::NodeNotReady(n) => Subject::NodeNotReady(world.nodes.get(n)?),
            Key::NodeProblems(n) => Subject::NodeProblems(world.nodes.get(n)?),
            Key::Pod(ns, name) => Subject::Pod(world.pods.get(&(ns.clone(), name.clone()))?),
            Key::Warnings {
                reason,
                kind,
                namespace,
                object,
                count,
                message,
            } => Subject::Warnings {
                key: (reason, kind, namespace, object),
                count: *count,
                message,
            },
            Key::Source(name) => {
                let (k, h) = world.health.get_key_value(name)?;
                Subject::Source(k, h)
            }
            Key::Rejected(n) => Subject::Rejected(*n),
        };
        Some(Item {
            severity: self.severity,
            since_ms: self.since_ms,
            subject,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::event::{SourceEvent, TimedEvent};

    fn apply(w: &mut World, object: serde_json::Value) {
        w.apply(&TimedEvent {
            at_ms: 0,
            ev: SourceEvent::Upsert { object },
        });
    }

    #[test]
    fn ranked_entries_resolve_to_the_same_items_in_the_same_order() {
        let mut w = World::default();
        apply(
            &mut w,
            serde_json::json!({"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},
                "status":{"conditions":[{"type":"Ready","status":"False"}]}}),
        );
        apply(
            &mut w,
            serde_json::json!({"apiVersion":"v1","kind":"Pod",
                "metadata":{"name":"p1","namespace":"ml"},
                "spec":{"containers":[{"name":"c"}]},
                "status":{"phase":"Running","containerStatuses":[{"name":"c","restartCount":4,
                    "state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}}),
        );
        apply(
            &mut w,
            serde_json::json!({"apiVersion":"v1","kind":"Event",
                "metadata":{"name":"e1","namespace":"ml"},"type":"Warning","reason":"BackOff",
                "message":"Back-off restarting","count":3,
                "involvedObject":{"kind":"Pod","name":"p1"}}),
        );
        let direct = attention(&w);
        let ranked = rank(&w);
        assert_eq!(direct.len(), 3);
        let resolved: Vec<Item> = ranked.iter().filter_map(|r| r.item(&w)).collect();
        assert_eq!(resolved, direct);
        // An entry whose object has gone resolves to nothing rather than to a stale row.
        w.nodes.clear();
        assert!(ranked.iter().filter_map(|r| r.item(&w)).count() == 2);
    }
}
