//! What the attention list cannot vouch for: a replay that has not applied every event its clock
//! has passed, a live session no source has answered yet, a watch whose list is not complete
//! (`syncing`), an endpoint none of whose alert rules has had data, rule data that failed to
//! load. These lead the list, so "nothing needs attention" is only ever said when every source
//! the list reads is synced and healthy; sick sources are the list's own rows (`attention`).
//! Cheap (the health map and the endpoints), so it is recomputed whenever the replay clock moves.

use crate::contract::event::HealthState;
use crate::domain::text::grouped;
use crate::domain::{Millis, ObjKey};
use crate::serving::derive::objectives::Stat;
use crate::serving::view::EndpointView;
use crate::state::{AppState, Mode};

/// Something the attention list cannot vouch for, and why.
#[derive(Debug, Clone, PartialEq)]
pub enum Unknown {
    /// The replay has applied `applied` of the `due` events its clock has passed (`due` is 0
    /// while no replay status has arrived yet).
    ReplayLoading { applied: usize, due: usize },
    /// A live session that no source has answered yet.
    Connecting,
    /// Connected to the cluster, but no resource watch has started yet.
    Discovering,
    /// A source whose list is not complete yet: its name, how far it got and since when.
    Syncing {
        source: String,
        progress: String,
        since_ms: Millis,
    },
    /// An endpoint none of whose alert rules has had data: whether it breaches is not known.
    NoMetrics { endpoint: ObjKey, why: String },
    /// The rule data did not load, so no root cause is looked for.
    NoRules(String),
}

impl Unknown {
    /// What is not known, in a few words.
    pub fn what(&self) -> String {
        match self {
            Unknown::ReplayLoading { due: 0, .. } => "replay loading".into(),
            Unknown::ReplayLoading { applied, due } => format!(
                "replay loading {} % ({} of {} events)",
                applied * 100 / due,
                grouped(*applied),
                grouped(*due)
            ),
            Unknown::Connecting => "connecting: no source has answered yet".into(),
            Unknown::Discovering => "connected: no resource listed yet".into(),
            Unknown::Syncing {
                source, progress, ..
            } => {
                let name = source.strip_prefix("kube/").unwrap_or(source);
                format!("{name} syncing: {progress}")
            }
            Unknown::NoMetrics { why, .. } => format!("alerts unknown, no metrics: {why}"),
            Unknown::NoRules(why) => format!("root causes not looked for: {why}"),
        }
    }

    /// Where: `source kube/pods`, `deployment ns/name` ...
    pub fn place(&self) -> String {
        match self {
            Unknown::ReplayLoading { .. } => "source replay".into(),
            Unknown::Connecting | Unknown::Discovering => "source kube".into(),
            Unknown::Syncing { source, .. } => format!("source {source}"),
            Unknown::NoMetrics { endpoint: k, .. } => {
                format!("{} {}/{}", k.kind.to_ascii_lowercase(), k.namespace, k.name)
            }
            Unknown::NoRules(_) => "rule data".into(),
        }
    }

    /// Since when, where known.
    pub fn since_ms(&self) -> Option<Millis> {
        match self {
            Unknown::Syncing { since_ms, .. } => Some(*since_ms),
            _ => None,
        }
    }
}

/// Everything the attention list of `state` cannot vouch for, in a fixed order.
pub fn unknowns(state: &AppState) -> Vec<Unknown> {
    let mut out = Vec::new();
    let health = &state.world.health;
    match &state.mode {
        Mode::Demo | Mode::Replay if state.replay.is_some() => match state.replay_status {
            None => out.push(Unknown::ReplayLoading { applied: 0, due: 0 }),
            Some(s) if s.cursor < s.due => out.push(Unknown::ReplayLoading {
                applied: s.cursor,
                due: s.due,
            }),
            Some(_) => {}
        },
        Mode::Live { .. } if health.is_empty() => out.push(Unknown::Connecting),
        Mode::Live { .. } => {
            let connected = health
                .get("kube")
                .is_some_and(|h| h.state == HealthState::Ok);
            let watching = health
                .keys()
                .any(|k| k.starts_with("kube/") && k != "kube/discovery");
            if connected && !watching {
                out.push(Unknown::Discovering);
            }
        }
        Mode::Demo | Mode::Replay => {}
    }
    for (source, h) in health
        .iter()
        .filter(|(_, h)| h.state == HealthState::Syncing)
    {
        out.push(Unknown::Syncing {
            source: source.clone(),
            progress: h.message.clone(),
            since_ms: h.since_ms,
        });
    }
    let rules = state.serving.rules();
    for e in &state.serving.endpoints {
        let key = &e.endpoint.key;
        let ruled = rules.iter().any(|r| r.applies_to(e.endpoint.server));
        if ruled && state.serving.alerts_of(key).next().is_none() {
            out.push(Unknown::NoMetrics {
                endpoint: key.clone(),
                why: no_metrics_why(state, e),
            });
        }
    }
    if let Some(e) = &state.triage.error {
        out.push(Unknown::NoRules(e.clone()));
    }
    out
}

/// Why an endpoint's rules have no data: the metrics source's trouble, else what its figures say.
fn no_metrics_why(state: &AppState, e: &EndpointView) -> String {
    // The Prometheus source reports its health under this name.
    if let Some(h) = state.world.health.get("prometheus")
        && h.state != HealthState::Ok
    {
        let st = format!("{:?}", h.state).to_lowercase();
        return format!("Prometheus {st}: {}", h.message);
    }
    match &e.stats {
        Err(why) => why.to_string(),
        Ok(s) => [s.p50, s.p99, s.mean, s.req_rate, s.err_ratio, s.waiting]
            .iter()
            .find_map(|f| match f {
                Stat::Unavailable(w) => Some(w.to_string()),
                Stat::Value(_) => None,
            })
            .unwrap_or_else(|| "no rule has had data yet".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_how_far_a_load_got() {
        assert_eq!(grouped(40_000), "40,000");
        assert_eq!(grouped(999), "999");
        let u = Unknown::ReplayLoading {
            applied: 38_912,
            due: 110_000,
        };
        assert_eq!(u.what(), "replay loading 35 % (38,912 of 110,000 events)");
        let u = Unknown::Syncing {
            source: "kube/pods".into(),
            progress: "12,400 listed so far".into(),
            since_ms: 5,
        };
        assert_eq!(u.what(), "pods syncing: 12,400 listed so far");
        assert_eq!(u.place(), "source kube/pods");
    }
}
