//! Unit tests of the sandbox object store.

use super::*;
use crate::contract::scenario::{Header, Scenario};
use crate::sources::sandbox::resources::catalogue;

fn pod(ns: &str, name: &str) -> SourceEvent {
    SourceEvent::Upsert {
        object: json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns}}),
    }
}

fn store(max_history: usize) -> Store {
    let sc = Scenario {
        header: Header {
            schema: 1,
            scenario: "t".into(),
            title: "t".into(),
            description: String::new(),
            start: "2026-01-01T00:00:00Z".into(),
        },
        start_ms: 0,
        events: Vec::new(),
    };
    Store::new(catalogue(&sc), true, max_history)
}

#[test]
fn every_change_steps_the_resource_version_and_namespaces_are_synthesised() {
    let mut s = store(100);
    let pods = s.find("", "v1", "pods").unwrap_or(usize::MAX);
    let nss = s.find("", "v1", "namespaces").unwrap_or(usize::MAX);
    s.apply(0, pod("ml", "a"));
    s.apply(0, pod("ml", "a"));
    s.apply(0, pod("ml", "b"));
    // namespace ml (1), a added (2), a modified (3), b added (4)
    assert_eq!(s.rv(), 4);
    assert!(s.get(nss, "", "ml").is_some());
    let a = s
        .get(pods, "ml", "a")
        .map(|v| v["metadata"]["resourceVersion"].clone());
    assert_eq!(a, Some(json!("3")));
    let kinds: Vec<ChangeKind> = s
        .changes_since(pods, 1)
        .unwrap_or_default()
        .iter()
        .map(|c| c.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![ChangeKind::Added, ChangeKind::Modified, ChangeKind::Added]
    );
    s.apply(
        0,
        SourceEvent::Delete {
            api_version: "v1".into(),
            object_kind: "Pod".into(),
            namespace: Some("ml".into()),
            name: "a".into(),
        },
    );
    let last = s.changes_since(pods, 4).unwrap_or_default();
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].kind, ChangeKind::Deleted);
    assert!(s.get(pods, "ml", "a").is_none());
}

#[test]
fn old_and_future_resource_versions_expire() {
    let mut s = store(2);
    let pods = s.find("", "v1", "pods").unwrap_or(usize::MAX);
    for n in ["a", "b", "c", "d"] {
        s.apply(0, pod("ml", n));
    }
    assert!(s.changes_since(pods, 1).is_err(), "compacted away");
    assert_eq!(s.changes_since(pods, 4).map(|c| c.len()), Ok(1));
    assert!(s.changes_since(pods, 99).is_err(), "from the future");
}

#[test]
fn lists_page_in_key_order_within_a_namespace() {
    let mut s = store(100);
    let pods = s.find("", "v1", "pods").unwrap_or(usize::MAX);
    for (ns, n) in [("a", "1"), ("b", "1"), ("b", "2"), ("b", "3"), ("c", "1")] {
        s.apply(0, pod(ns, n));
    }
    let (page, next) = s.list(pods, Some("b"), None, 2, |_| true);
    assert_eq!(page.len(), 2);
    assert_eq!(next, Some(("b".to_string(), "2".to_string())));
    let (page, next) = s.list(pods, Some("b"), next.as_ref(), 2, |_| true);
    assert_eq!(page[0]["metadata"]["name"], "3");
    assert_eq!(next, None);
    let (all, _) = s.list(pods, None, None, usize::MAX, |_| true);
    assert_eq!(all.len(), 5);
}

#[test]
fn logs_filter_by_container_and_resume_from_a_position() {
    let mut s = store(100);
    let log = |c: &str, l: &str| SourceEvent::Log {
        namespace: "ml".into(),
        pod: "p".into(),
        container: c.into(),
        line: l.into(),
    };
    s.apply(1, log("a", "one"));
    s.apply(2, log("b", "two"));
    s.apply(3, log("", "three"));
    let (lines, end) = s.log_lines("ml", "p", Some("a"), 0);
    let text: Vec<&str> = lines.iter().map(|l| l.line.as_str()).collect();
    assert_eq!(text, vec!["one", "three"]);
    assert_eq!(end, 3);
    assert!(s.log_lines("ml", "p", None, end).0.is_empty());
}
