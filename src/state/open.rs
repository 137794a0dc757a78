//! Enter on a row that names an object opens what it names: a training rank's pod opens its log
//! in the Training pane, a node its drill-down in Nodes, an endpoint (or one of its alerts, or
//! one of its pods) its drill-down in Serving, a job its rank grid, a root cause its playbook.
//! Where nothing can be opened, a notice says why: Enter is never a silent no-op.

use crate::contract::event::NoticeLevel;
use crate::domain::ObjKey;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::triage::attention_rank::{Key, Ranked};
use crate::ui::widgets::text::Needle;

/// What a row names.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Node(String),
    /// (namespace, name)
    Pod(String, String),
    Endpoint(ObjKey),
    /// A training job or an endpoint's object, by kind, namespace and name.
    Object(String, String, String),
    /// Anything else, as `Kind ns/name`: no view lists it.
    Other(String),
}

/// Open `target`, or say why it cannot be.
pub fn open(state: &mut AppState, target: Target) {
    let opened = match &target {
        Target::Node(n) => open_node(state, n),
        Target::Pod(ns, name) => {
            crate::training::view::open_pod(state, ns, name)
                || open_endpoint_of_pod(state, ns, name)
        }
        Target::Endpoint(k) => open_endpoint(state, k),
        Target::Object(kind, ns, name) => {
            crate::training::view::open_job(state, ns, name) || {
                let key = ObjKey::new(kind.as_str(), ns.as_str(), name.as_str());
                open_endpoint(state, &key)
            }
        }
        Target::Other(_) => false,
    };
    if !opened {
        let what = match &target {
            Target::Node(n) => format!("Node {n}"),
            Target::Pod(ns, n) => format!("Pod {ns}/{n}"),
            Target::Endpoint(k) => format!("{} {}/{}", k.kind, k.namespace, k.name),
            Target::Object(kind, ns, n) => format!("{kind} {ns}/{n}"),
            Target::Other(s) => s.clone(),
        };
        let text = format!("no view for {what} yet");
        state.ui.notify(NoticeLevel::Info, text, state.now_ms);
    }
}

fn open_node(state: &mut AppState, node: &str) -> bool {
    let Some(i) = state.accel.rows.iter().position(|r| r.name == node) else {
        return false;
    };
    let ui = &mut state.ui;
    ui.filters.remove(&Pane::Nodes);
    ui.selected.insert(Pane::Nodes, i);
    ui.drilled.insert(Pane::Nodes);
    ui.focus = Pane::Nodes;
    true
}

fn open_endpoint(state: &mut AppState, key: &ObjKey) -> bool {
    state.ui.filters.remove(&Pane::Serving);
    let rows = crate::serving::pane::rows(state);
    let Some(i) = rows.iter().position(|e| &e.endpoint.key == key) else {
        return false;
    };
    let ui = &mut state.ui;
    ui.selected.insert(Pane::Serving, i);
    ui.drilled.insert(Pane::Serving);
    ui.focus = Pane::Serving;
    true
}

fn open_endpoint_of_pod(state: &mut AppState, ns: &str, pod: &str) -> bool {
    let key = state
        .serving
        .endpoints
        .iter()
        .find(|e| e.endpoint.key.namespace == ns && e.pods.iter().any(|p| p.name == pod))
        .map(|e| e.endpoint.key.clone());
    key.is_some_and(|k| open_endpoint(state, &k))
}

/// The attention entry under the Triage selection, as the pane lists it (filtered).
fn selected_attention(state: &AppState) -> Option<&Ranked> {
    let world = &state.world;
    let needle = Needle::new(state.ui.filter(Pane::Triage));
    let matched: Vec<&Ranked> = state
        .attention
        .iter()
        .filter(|r| {
            needle.as_ref().is_none_or(|n| {
                r.item(world)
                    .is_some_and(|i| n.matches(&i.what()) || n.matches(&i.place()))
            })
        })
        .collect();
    let sel = state.ui.selected(Pane::Triage);
    matched.get(sel.min(matched.len().checked_sub(1)?)).copied()
}

/// Enter on the Triage pane's attention list.
pub fn attention(state: &mut AppState) {
    let Some(key) = selected_attention(state).map(|r| r.key.clone()) else {
        state.ui.notify(
            NoticeLevel::Info,
            "nothing to open: the list is empty",
            state.now_ms,
        );
        return;
    };
    let target = match key {
        Key::Cause {
            conclusion,
            subject,
            ..
        } => {
            crate::triage::view::open_cause(state, &conclusion, &subject);
            return;
        }
        Key::Alert(a) => Target::Endpoint(a.endpoint.clone()),
        Key::NodeNotReady(n) | Key::NodeProblems(n) => Target::Node(n),
        Key::Pod(ns, n) => Target::Pod(ns, n),
        Key::Warnings {
            kind,
            namespace,
            object,
            ..
        } => of_kind(&kind, &namespace, &object),
        Key::Unknown(_) => Target::Other("what is not known".into()),
        Key::Source(s) => Target::Other(format!("the source {s}")),
        Key::Rejected(_) => Target::Other("rejected objects".into()),
    };
    open(state, target);
}

/// Enter on the Events pane: open the event's object.
pub fn event(state: &mut AppState) {
    let needle = Needle::new(state.ui.filter(Pane::Events));
    let rows = crate::ui::panes::events::matched(state, needle.as_ref());
    let sel = state.ui.selected(Pane::Events);
    let Some(e) = rows.get(sel.min(rows.len().saturating_sub(1))) else {
        state.ui.notify(
            NoticeLevel::Info,
            "nothing to open: no events",
            state.now_ms,
        );
        return;
    };
    let target = of_kind(&e.object_kind, &e.namespace, &e.object_name);
    open(state, target);
}

/// The target of an object named by kind, namespace and name.
fn of_kind(kind: &str, ns: &str, name: &str) -> Target {
    match kind {
        "Node" => Target::Node(name.to_string()),
        "Pod" => Target::Pod(ns.to_string(), name.to_string()),
        _ if ns.is_empty() => Target::Other(format!("{kind} {name}")),
        _ => Target::Object(kind.to_string(), ns.to_string(), name.to_string()),
    }
}
