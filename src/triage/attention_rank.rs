//! The attention ranking kept between frames: `rank` turns the borrowed `attention` list into
//! owned entries once per change of the world (the Triage view ranks it on refresh), and
//! `Ranked::item` resolves one entry back into a borrowed `Item` for the rows on screen. Sorting
//! thousands of items is then paid when data arrives, never per frame. What is not known leads
//! the list, so `lead_with` replaces just those entries when only the coverage changed.

use crate::domain::Millis;
use crate::domain::severity::Severity;
use crate::serving::view::EndpointAlert;
use crate::triage::attention::{Cause, Inputs, Item, Subject, attention};
use crate::triage::coverage::Unknown;
use crate::world::World;

/// An attention item by identity (owned), with what the list needs to show it.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Unknown(Unknown),
    Cause {
        conclusion: String,
        subject: String,
        root_cause: String,
    },
    Alert(Box<EndpointAlert>),
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
    /// A symptom listed under the root cause above it, which explains it.
    pub explained: bool,
}

/// The attention list of `world` and `inputs`, ranked, as owned entries.
pub fn rank(world: &World, inputs: Inputs<'_>) -> Vec<Ranked> {
    attention(world, inputs)
        .iter()
        .map(|i| Ranked {
            severity: i.severity,
            since_ms: i.since_ms,
            key: key_of(&i.subject),
            explained: i.explained,
        })
        .collect()
}

/// The entry of one unknown, as `rank` makes it.
fn unknown_entry(u: &Unknown) -> Ranked {
    Ranked {
        severity: Severity::Info,
        since_ms: u.since_ms(),
        key: Key::Unknown(u.clone()),
        explained: false,
    }
}

/// Replace the unknowns leading `list` by `unknown`, leaving the ranked rest as it is.
pub fn lead_with(list: &mut Vec<Ranked>, unknown: &[Unknown]) {
    let lead = list
        .iter()
        .take_while(|r| matches!(r.key, Key::Unknown(_)))
        .count();
    list.splice(0..lead, unknown.iter().map(unknown_entry));
}

fn key_of(s: &Subject<'_>) -> Key {
    match s {
        Subject::Unknown(u) => Key::Unknown((*u).clone()),
        Subject::Cause(c) => Key::Cause {
            conclusion: c.conclusion.to_string(),
            subject: c.subject.to_string(),
            root_cause: c.root_cause.to_string(),
        },
        Subject::Alert(a) => Key::Alert(Box::new((*a).clone())),
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
            Key::Unknown(u) => Subject::Unknown(u),
            Key::Cause {
                conclusion,
                subject,
                root_cause,
            } => Subject::Cause(Cause {
                conclusion,
                subject,
                root_cause,
            }),
            Key::Alert(a) => Subject::Alert(a),
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
            explained: self.explained,
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
        let direct = attention(&w, Inputs::default());
        let ranked = rank(&w, Inputs::default());
        assert_eq!(direct.len(), 3);
        let resolved: Vec<Item> = ranked.iter().filter_map(|r| r.item(&w)).collect();
        assert_eq!(resolved, direct);
        // An entry whose object has gone resolves to nothing rather than to a stale row.
        w.nodes.clear();
        assert!(ranked.iter().filter_map(|r| r.item(&w)).count() == 2);
    }
}
