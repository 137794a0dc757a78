//! When a pod's current condition began (the SINCE of the rank grid, the jobs list and the
//! attention list), read from the object and its Events, never from the pod's age:
//!
//! - Terminating: the deletion request (`deletionTimestamp` less the grace period);
//! - phase Pending (Pending, ContainerCreating, ImagePullBackOff ...): creation, since a pod is
//!   Pending from the moment it exists until a container runs;
//! - a container waiting or terminated while the pod is not (CrashLoopBackOff, Error,
//!   OOMKilled): the end of the run it failed in (`lastState.terminated.finishedAt`, or
//!   `state.terminated.finishedAt`), the container `kubectl` names in STATUS;
//! - every container running: the last one's `startedAt`;
//! - Succeeded / Failed: the last container's `finishedAt`;
//! - otherwise the newest `lastTransitionTime` of the pod's conditions.
//!
//! A waiting reason (CrashLoopBackOff, ImagePullBackOff ...) is also dated by the first held
//! Event of the matching reason on the pod (`BackOff`, `Failed`): the earlier of the two. All
//! times are event times from the objects; there is no clock here.

use std::collections::HashMap;

use serde::Deserialize;

use crate::domain::{KEvent, Millis};
use crate::world::objects::parse_time;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Pod {
    metadata: Meta,
    status: Status,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Meta {
    creation_timestamp: Option<String>,
    deletion_timestamp: Option<String>,
    deletion_grace_period_seconds: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Status {
    phase: Option<String>,
    conditions: Option<Vec<Condition>>,
    container_statuses: Option<Vec<ContainerStatus>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Condition {
    last_transition_time: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ContainerStatus {
    state: State,
    last_state: State,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct State {
    running: Option<Running>,
    waiting: Option<serde::de::IgnoredAny>,
    terminated: Option<Terminated>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Running {
    started_at: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Terminated {
    finished_at: Option<String>,
}

fn time(t: &Option<String>) -> Option<Millis> {
    t.as_deref().and_then(parse_time)
}

/// When the pod entered its current state, from its object text alone (`None` when the
/// object does not say, or does not parse).
pub fn object_since(raw: &str) -> Option<Millis> {
    let pod: Pod = serde_json::from_str(raw).ok()?;
    let meta = &pod.metadata;
    if let Some(del) = time(&meta.deletion_timestamp) {
        let grace = meta.deletion_grace_period_seconds.unwrap_or(0).max(0);
        return Some(del - grace * 1000);
    }
    let st = &pod.status;
    let containers = st.container_statuses.as_deref().unwrap_or_default();
    let finished = || {
        containers
            .iter()
            .filter_map(|c| time(&c.state.terminated.as_ref()?.finished_at))
            .max()
    };
    let newest_transition = || {
        st.conditions
            .iter()
            .flatten()
            .filter_map(|c| time(&c.last_transition_time))
            .max()
    };
    match st.phase.as_deref() {
        Some("Pending") => return time(&meta.creation_timestamp),
        Some("Succeeded" | "Failed") => return finished().or_else(newest_transition),
        _ => {}
    }
    // The container kubectl's STATUS names: the last one waiting or terminated.
    let troubled = containers
        .iter()
        .rev()
        .find(|c| c.state.waiting.is_some() || c.state.terminated.is_some());
    if let Some(c) = troubled {
        let ended = |s: &State| time(&s.terminated.as_ref()?.finished_at);
        return ended(&c.state)
            .or_else(|| ended(&c.last_state))
            .or_else(newest_transition);
    }
    containers
        .iter()
        .map(|c| time(&c.state.running.as_ref()?.started_at))
        .collect::<Option<Vec<_>>>()
        .and_then(|v| v.into_iter().max())
        .or_else(newest_transition)
}

/// The first held Event time per (namespace, pod, reason), built once per refresh. An Event's
/// newest time is all the world keeps of it, so this is the earliest time the reason was seen.
#[derive(Debug, Default)]
pub struct FirstEvents<'a> {
    first: HashMap<(&'a str, &'a str, &'a str), Millis>,
}

impl<'a> FirstEvents<'a> {
    pub fn new(events: impl IntoIterator<Item = &'a KEvent>) -> Self {
        let mut first: HashMap<(&str, &str, &str), Millis> = HashMap::new();
        for e in events {
            let Some(at) = e.last_ms else { continue };
            if e.object_kind != "Pod" {
                continue;
            }
            let key = (
                e.namespace.as_str(),
                e.object_name.as_str(),
                e.reason.as_str(),
            );
            let slot = first.entry(key).or_insert(at);
            *slot = (*slot).min(at);
        }
        FirstEvents { first }
    }

    fn get(&self, ns: &str, pod: &str, reason: &str) -> Option<Millis> {
        self.first.get(&(ns, pod, reason)).copied()
    }
}

/// The Event reasons the kubelet reports a waiting status with.
fn event_reasons(status: &str) -> &'static [&'static str] {
    match status {
        "CrashLoopBackOff" => &["BackOff"],
        "ImagePullBackOff" | "ErrImagePull" => &["BackOff", "Failed"],
        "CreateContainerConfigError" | "CreateContainerError" | "InvalidImageName" => &["Failed"],
        _ => &[],
    }
}

/// When the pod's current condition (`status`, kubectl's STATUS) began: the object's own time
/// (`object_since`), made earlier by the first Event of the waiting reason where one is held.
pub fn condition_since(
    ns: &str,
    pod: &str,
    status: &str,
    object: Option<Millis>,
    events: &FirstEvents<'_>,
) -> Option<Millis> {
    let from_events = event_reasons(status)
        .iter()
        .filter_map(|r| events.get(ns, pod, r))
        .min();
    match (object, from_events) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const T0: &str = "2026-11-22T08:00:00Z";

    fn at(t: &str) -> Millis {
        parse_time(t).expect("time")
    }

    fn pod(phase: &str, statuses: serde_json::Value) -> String {
        json!({"metadata": {"creationTimestamp": T0},
            "status": {"phase": phase, "containerStatuses": statuses,
                "conditions": [{"type": "Ready", "lastTransitionTime": "2026-11-22T09:00:00Z"}]}})
        .to_string()
    }

    #[test]
    fn each_state_is_dated_by_its_own_transition() {
        assert_eq!(object_since(&pod("Pending", json!([]))), Some(at(T0)));
        let running = pod(
            "Running",
            json!([{"state": {"running": {"startedAt": "2026-11-22T10:00:00Z"}}},
                {"state": {"running": {"startedAt": "2026-11-22T10:01:00Z"}}}]),
        );
        assert_eq!(object_since(&running), Some(at("2026-11-22T10:01:00Z")));
        let looping = pod(
            "Running",
            json!([{"state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"finishedAt": "2026-11-22T10:30:00Z"}}}]),
        );
        assert_eq!(object_since(&looping), Some(at("2026-11-22T10:30:00Z")));
        let done = pod(
            "Failed",
            json!([{"state": {"terminated": {"finishedAt": "2026-11-22T10:31:00Z"}}}]),
        );
        assert_eq!(object_since(&done), Some(at("2026-11-22T10:31:00Z")));
        let no_times = pod("Running", json!([{"state": {"running": {}}}]));
        assert_eq!(object_since(&no_times), Some(at("2026-11-22T09:00:00Z")));
        let deleting = json!({"metadata": {"creationTimestamp": T0,
            "deletionTimestamp": "2026-11-22T10:00:30Z", "deletionGracePeriodSeconds": 30}})
        .to_string();
        assert_eq!(object_since(&deleting), Some(at("2026-11-22T10:00:00Z")));
        assert_eq!(object_since("not json"), None);
    }

    #[test]
    fn the_first_event_of_the_waiting_reason_can_date_it_earlier() {
        let ev = |reason: &str, t: &str| KEvent {
            namespace: "ml".into(),
            object_kind: "Pod".into(),
            object_name: "w-1".into(),
            reason: reason.into(),
            last_ms: Some(at(t)),
            ..KEvent::default()
        };
        let events = [
            ev("BackOff", "2026-11-22T10:20:00Z"),
            ev("BackOff", "2026-11-22T10:25:00Z"),
            ev("Pulled", "2026-11-22T10:00:00Z"),
        ];
        let first = FirstEvents::new(&events);
        let obj = Some(at("2026-11-22T10:30:00Z"));
        let since = |status| condition_since("ml", "w-1", status, obj, &first);
        assert_eq!(since("CrashLoopBackOff"), Some(at("2026-11-22T10:20:00Z")));
        assert_eq!(
            since("Running"),
            obj,
            "Pulled is not the reason of a running pod"
        );
        assert_eq!(
            condition_since("ml", "w-2", "CrashLoopBackOff", obj, &first),
            obj
        );
    }
}
