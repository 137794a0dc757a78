//! Per-watch bookkeeping for the live Kubernetes source: watcher events into raw
//! `SourceEvent`s (apiVersion and kind filled in, deletes found after a re-list), and watcher
//! errors into `SourceHealth` (forbidden, unreachable, dropped), reported only on change.
//! A (re-)list is handed on a page at a time as it arrives, converted at once, so a 40,000-pod
//! list is never held twice (typed and raw) in the source. Until its list completes a watch
//! says `syncing` (with how many objects it has handed on), so the world can tell a partial
//! list from a complete one.

use std::collections::HashSet;

use kube::api::{ApiResource, DynamicObject, TypeMeta};
use kube::runtime::watcher;
use serde_json::Value;

use crate::contract::event::{HealthState, SourceEvent};
use crate::domain::text::grouped;
use crate::sources::kube::{WatchSpec, health};

/// An object as the API returned it, with apiVersion and kind filled in (list items lack them)
/// and managedFields dropped (bookkeeping, often larger than the object).
fn raw(mut obj: DynamicObject, ar: &ApiResource) -> Option<Value> {
    obj.types = Some(TypeMeta {
        api_version: ar.api_version.clone(),
        kind: ar.kind.clone(),
    });
    obj.metadata.managed_fields = None;
    serde_json::to_value(&obj).ok()
}

fn key_of(obj: &DynamicObject) -> (String, String) {
    (
        obj.metadata.namespace.clone().unwrap_or_default(),
        obj.metadata.name.clone().unwrap_or_default(),
    )
}

pub(crate) fn classify(err: &watcher::Error, w: &WatchSpec) -> (HealthState, String) {
    let client_err = match err {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => Some(e),
        _ => None,
    };
    let scope = match &w.namespace {
        Some(ns) => format!("in namespace {ns}"),
        None if w.namespaced => "in all namespaces".to_string(),
        None => "(cluster-wide)".to_string(),
    };
    match client_err {
        Some(kube::Error::Api(s)) if s.code == 403 => (
            HealthState::Forbidden,
            format!("forbidden: list {} {scope}", w.ar.plural),
        ),
        Some(kube::Error::Service(e)) => (
            HealthState::Unavailable,
            format!("API server unreachable: {e}"),
        ),
        Some(kube::Error::HyperError(e)) => (
            HealthState::Unavailable,
            format!("API server unreachable: {e}"),
        ),
        _ if matches!(err, watcher::Error::WatchFailed(_)) => {
            (HealthState::Degraded, format!("watch dropped: {err}"))
        }
        _ => (HealthState::Degraded, err.to_string()),
    }
}

/// What a watch says before its first list has answered (`kube::run` announces it for every
/// watch at once, so the set of watches is known before any of them lists).
pub(crate) const FIRST_LIST: &str = "waiting for the first list";

/// Per-watch bookkeeping: what is known (for deletes after a re-list) and the health last said.
pub(crate) struct Tracker {
    pub(crate) w: WatchSpec,
    pub(crate) known: HashSet<(String, String)>,
    /// Objects of the list in progress not yet handed on (at most `page` of them).
    pub(crate) init: Vec<serde_json::Value>,
    /// Keys seen by the list in progress.
    pub(crate) fresh: HashSet<(String, String)>,
    /// How many listed objects are handed on together.
    pub(crate) page: usize,
    pub(crate) health: Option<HealthState>,
    pub(crate) message: String,
}

impl Tracker {
    pub(crate) fn new(w: WatchSpec, page: usize) -> Self {
        Tracker {
            w,
            known: HashSet::new(),
            init: Vec::new(),
            fresh: HashSet::new(),
            page: page.max(1),
            health: Some(HealthState::Syncing),
            message: FIRST_LIST.to_string(),
        }
    }

    fn upserts(&mut self) -> impl Iterator<Item = SourceEvent> + use<> {
        std::mem::take(&mut self.init)
            .into_iter()
            .map(|object| SourceEvent::Upsert { object })
    }

    fn wanted(&self, obj: &DynamicObject) -> bool {
        self.w.name_prefix.as_deref().is_none_or(|p| {
            obj.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with(p))
        })
    }

    fn delete(&self, key: &(String, String)) -> SourceEvent {
        SourceEvent::Delete {
            api_version: self.w.ar.api_version.clone(),
            object_kind: self.w.ar.kind.clone(),
            namespace: (!key.0.is_empty()).then(|| key.0.clone()),
            name: key.1.clone(),
        }
    }

    pub(crate) fn set_health(
        &mut self,
        state: HealthState,
        message: String,
    ) -> Option<SourceEvent> {
        if self.health == Some(state) && (state == HealthState::Ok || self.message == message) {
            return None;
        }
        self.health = Some(state);
        self.message = message.clone();
        Some(health(&self.w.source, state, message))
    }

    /// Turn one watcher event into source events.
    pub(crate) fn on_event(&mut self, ev: watcher::Event<DynamicObject>) -> Vec<SourceEvent> {
        let mut out = Vec::new();
        match ev {
            watcher::Event::Init => {
                self.init.clear();
                self.fresh.clear();
                // A re-list after a failure keeps saying the failure until it lists something.
                if matches!(self.health, None | Some(HealthState::Ok)) {
                    out.extend(self.set_health(HealthState::Syncing, "listing".into()));
                }
            }
            watcher::Event::InitApply(o) => {
                if self.wanted(&o) {
                    self.fresh.insert(key_of(&o));
                    self.init.extend(raw(o, &self.w.ar));
                    if self.init.len() >= self.page {
                        out.extend(self.upserts());
                        let so_far = format!("{} listed so far", grouped(self.fresh.len()));
                        out.extend(self.set_health(HealthState::Syncing, so_far));
                    }
                }
            }
            watcher::Event::InitDone => {
                out.extend(self.upserts());
                let fresh = std::mem::take(&mut self.fresh);
                let gone: Vec<(String, String)> = self.known.difference(&fresh).cloned().collect();
                out.extend(gone.iter().map(|k| self.delete(k)));
                let n = fresh.len();
                self.known = fresh;
                self.health = None;
                out.extend(self.set_health(HealthState::Ok, format!("synced {n} objects")));
            }
            watcher::Event::Apply(o) => {
                if self.wanted(&o) {
                    self.known.insert(key_of(&o));
                    out.extend(raw(o, &self.w.ar).map(|object| SourceEvent::Upsert { object }));
                }
                out.extend(self.set_health(HealthState::Ok, "watching".into()));
            }
            watcher::Event::Delete(o) => {
                if self.wanted(&o) {
                    let k = key_of(&o);
                    self.known.remove(&k);
                    out.push(self.delete(&k));
                }
                out.extend(self.set_health(HealthState::Ok, "watching".into()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;

    fn tracker() -> Tracker {
        let w = WatchSpec {
            source: "kube/pods".into(),
            ar: ApiResource::erase::<Pod>(&()),
            namespaced: true,
            namespace: None,
            name_prefix: None,
        };
        Tracker::new(w, 3)
    }

    fn pod(name: &str) -> DynamicObject {
        DynamicObject::new(name, &ApiResource::erase::<Pod>(&())).within("ml")
    }

    #[test]
    fn a_relist_deletes_what_vanished_and_fills_in_the_type() {
        let mut t = tracker();
        for ev in [
            watcher::Event::Init,
            watcher::Event::InitApply(pod("a")),
            watcher::Event::InitApply(pod("b")),
        ] {
            assert!(t.on_event(ev).is_empty());
        }
        let out = t.on_event(watcher::Event::InitDone);
        assert_eq!(out.len(), 3);
        let SourceEvent::Upsert { object } = &out[0] else {
            panic!("expected an upsert, got {:?}", out[0]);
        };
        assert_eq!(
            (object["apiVersion"].as_str(), object["kind"].as_str()),
            (Some("v1"), Some("Pod"))
        );
        assert!(
            matches!(&out[2], SourceEvent::SourceHealth { state: HealthState::Ok, message, .. } if message == "synced 2 objects")
        );
        t.on_event(watcher::Event::Init);
        t.on_event(watcher::Event::InitApply(pod("a")));
        let out = t.on_event(watcher::Event::InitDone);
        assert!(
            matches!(&out[1], SourceEvent::Delete { name, namespace: Some(ns), .. } if name == "b" && ns == "ml")
        );
        assert_eq!(out.len(), 3, "upsert a, delete b, synced");
    }

    #[test]
    fn a_long_list_is_handed_on_a_page_at_a_time() {
        let mut t = tracker();
        t.on_event(watcher::Event::Init);
        let sizes: Vec<usize> = (0..7)
            .map(|i| {
                t.on_event(watcher::Event::InitApply(pod(&format!("p{i}"))))
                    .len()
            })
            .collect();
        assert_eq!(
            sizes,
            vec![0, 0, 4, 0, 0, 4, 0],
            "pages of 3, each followed by how far the list got"
        );
        let out = t.on_event(watcher::Event::InitDone);
        assert_eq!(out.len(), 2, "the last upsert and synced");
        assert!(
            matches!(&out[1], SourceEvent::SourceHealth { message, .. } if message == "synced 7 objects")
        );
        assert!(t.init.is_empty() && t.fresh.is_empty());
        assert_eq!(t.known.len(), 7);
    }

    fn syncing(out: &[SourceEvent]) -> Vec<&str> {
        out.iter()
            .filter_map(|e| match e {
                SourceEvent::SourceHealth {
                    state: HealthState::Syncing,
                    message,
                    ..
                } => Some(message.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_watch_says_syncing_until_its_list_is_complete() {
        let mut t = tracker();
        assert_eq!(t.health, Some(HealthState::Syncing), "announced by run");
        assert!(t.on_event(watcher::Event::Init).is_empty());
        for i in 0..3 {
            let out = t.on_event(watcher::Event::InitApply(pod(&format!("p{i}"))));
            if i == 2 {
                assert_eq!(syncing(&out), ["3 listed so far"]);
            }
        }
        let out = t.on_event(watcher::Event::InitDone);
        assert!(syncing(&out).is_empty());
        assert_eq!(t.health, Some(HealthState::Ok));
        // A re-list after a healthy watch is partial again ...
        assert_eq!(syncing(&t.on_event(watcher::Event::Init)), ["listing"]);
        t.on_event(watcher::Event::InitDone);
        // ... but one retried after a 403 keeps saying forbidden until something is listed.
        t.set_health(HealthState::Forbidden, "forbidden: list pods".into());
        assert!(t.on_event(watcher::Event::Init).is_empty());
        assert_eq!(t.health, Some(HealthState::Forbidden));
        assert_eq!(grouped(40_000), "40,000");
        assert_eq!(grouped(12), "12");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn health_is_reported_only_when_it_changes() {
        let mut t = tracker();
        assert!(
            t.set_health(HealthState::Unavailable, "down".into())
                .is_some()
        );
        assert!(
            t.set_health(HealthState::Unavailable, "down".into())
                .is_none()
        );
        assert!(t.set_health(HealthState::Ok, "watching".into()).is_some());
        assert!(
            t.set_health(HealthState::Ok, "watching again".into())
                .is_none()
        );
    }
}
