//! The pods of the endpoint drilled into: `j` / `k` move a cursor over them, Enter opens the
//! one under it: its log when it is a training rank, else the drill-down of the node that lists
//! it, else a notice saying why nothing can be opened.

use crate::contract::action::Action;
use crate::contract::effect::Effect;
use crate::domain::PodInfo;
use crate::serving::view::PodRow;
use crate::state::AppState;
use crate::state::open::{Target, open};
use crate::state::ui::Pane;
use serde_json::Value;

/// (namespace, name, node) of one pod.
type Pod = (String, String, Option<String>);

/// The drilled endpoint's name and its pods (namespace, name), as the drill-down lists them.
fn drilled(state: &AppState) -> Option<(String, Vec<Pod>)> {
    if !state.ui.drilled(Pane::Serving) {
        return None;
    }
    let rows = crate::serving::pane::rows(state);
    let sel = state.ui.selected(Pane::Serving);
    let e = rows.get(sel.min(rows.len().checked_sub(1)?))?;
    let key = &e.endpoint.key;
    let pods = e
        .pods
        .iter()
        .map(|p| (key.namespace.clone(), p.name.clone(), p.node.clone()))
        .collect();
    Some((key.name.clone(), pods))
}

/// The pod cursor inside the drill-down (clamped to its pods).
pub fn cursor(state: &AppState, endpoint: &str, pods: usize) -> usize {
    let c = state.ui.detail_cursor(Pane::Serving, endpoint);
    c.min(pods.saturating_sub(1))
}

/// Handle `j` / `k` / Enter in the drill-down; `None` leaves the action to the generic handling.
pub fn on_action(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    if state.ui.help {
        return None;
    }
    let (name, pods) = drilled(state)?;
    let at = cursor(state, &name, pods.len());
    match action {
        Action::Up | Action::Down => {
            let next = match action {
                Action::Up => at.saturating_sub(1),
                _ => (at + 1).min(pods.len().saturating_sub(1)),
            };
            state.ui.detail_cursor.insert(Pane::Serving, (name, next));
        }
        Action::Select => {
            let target = match pods.get(at) {
                Some((ns, pod, _)) if crate::training::view::open_pod(state, ns, pod) => {
                    return Some(Vec::new());
                }
                Some((_, _, Some(node))) => Target::Node(node.clone()),
                Some((ns, pod, None)) => Target::Other(format!("Pod {ns}/{pod}, on no node")),
                None => Target::Other(format!("a pod of {name}: it has none")),
            };
            open(state, target);
        }
        _ => return None,
    }
    Some(Vec::new())
}

pub(super) fn pod_row(p: &PodInfo) -> PodRow {
    let raw: Option<Value> = serde_json::from_str(&p.raw).ok();
    let image = raw
        .as_ref()
        .and_then(|v| v.pointer("/spec/containers/0/image"))
        .and_then(Value::as_str)
        .map(str::to_string);
    PodRow {
        name: p.name.clone(),
        status: p.status.clone(),
        ready: format!("{}/{}", p.ready_containers, p.total_containers),
        restarts: p.restarts,
        node: p.node.clone(),
        revision: p
            .labels
            .get("pod-template-hash")
            .or_else(|| p.labels.get("controller-revision-hash"))
            .cloned(),
        image,
    }
}
