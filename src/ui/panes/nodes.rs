//! The Nodes pane: every node with its readiness, roles, accelerators (kind, product,
//! allocatable/capacity), pod count, age and taints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Cell;

use crate::domain::{AccelKind, NodeInfo};
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::theme::Theme;
use crate::ui::widgets::table::{self, Columns, Visible};
use crate::ui::widgets::text::{Needle, age, highlighted, passes};

const HEADERS: &[&str] = &[
    "NAME", "STATUS", "ROLES", "ACCEL", "ALLOC", "PODS", "AGE", "TAINTS",
];

/// kubectl-style node status: Ready/NotReady, then SchedulingDisabled and problem conditions.
pub fn node_status(n: &NodeInfo) -> String {
    let mut s = String::from(if n.ready { "Ready" } else { "NotReady" });
    if n.unschedulable {
        s.push_str(",SchedulingDisabled");
    }
    for p in &n.problems {
        s.push(',');
        s.push_str(p);
    }
    s
}

fn accel_label(n: &NodeInfo) -> String {
    match (n.accel_kind, &n.accel_product) {
        (AccelKind::None, _) => "-".to_string(),
        (k, Some(p)) => {
            let p = p.strip_prefix("NVIDIA-").unwrap_or(p);
            format!("{} {p}", k.label())
        }
        (k, None) => k.label().to_string(),
    }
}

fn alloc_label(n: &NodeInfo) -> String {
    if n.accel_kind == AccelKind::None && n.accel_capacity == 0.0 {
        "-".to_string()
    } else {
        format!("{}/{}", n.accel_allocatable, n.accel_capacity)
    }
}

fn roles_label(n: &NodeInfo) -> String {
    if n.roles.is_empty() {
        "<none>".to_string()
    } else {
        n.roles.join(",")
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let pane = Pane::Nodes;
    let needle = Needle::new(state.ui.filter(pane));
    let nodes = &state.world.nodes;
    let matched: Vec<&NodeInfo> = match &needle {
        None => nodes.values().collect(),
        Some(n) => nodes
            .values()
            .filter(|x| {
                passes(
                    Some(n),
                    &[&x.name, &x.roles.join(","), x.accel_kind.label()],
                ) || x.accel_product.as_deref().is_some_and(|p| n.matches(p))
                    || n.matches(&node_status(x))
            })
            .collect(),
    };
    let win = table::window(
        state.ui.selected(pane),
        matched.len(),
        table::body_height(area),
    );
    let visible = &matched[win.offset..win.offset + win.len];
    let texts: Vec<[String; 8]> = visible
        .iter()
        .map(|n| {
            [
                n.name.clone(),
                node_status(n),
                roles_label(n),
                accel_label(n),
                alloc_label(n),
                state
                    .world
                    .index
                    .pods_per_node
                    .get(&n.name)
                    .copied()
                    .unwrap_or(0)
                    .to_string(),
                age(state.now_ms, n.created_ms),
                n.taints.len().to_string(),
            ]
        })
        .collect();
    let col = |i: usize, min: u16, max: u16| table::fitted(HEADERS, texts.iter(), i, min, max);
    let widths = vec![
        col(0, 8, 32),
        col(1, 8, 34),
        col(2, 6, 16),
        col(3, 5, 28),
        col(4, 5, 9),
        col(5, 4, 5),
        col(6, 3, 4),
        col(7, 6, 6),
    ];
    let rows = visible
        .iter()
        .zip(texts)
        .map(|(n, t)| {
            let sev = if !n.ready {
                Some(true)
            } else if n.unschedulable || !n.problems.is_empty() {
                Some(false)
            } else {
                None
            };
            let status_style = table::severity_style(theme, sev, theme.ok);
            let alloc_style = if n.accel_allocatable < n.accel_capacity {
                theme.warn
            } else {
                theme.base
            };
            let [name, status, roles, accel, alloc, pods, age, taints] = t;
            let hl = |s: String| highlighted(s, needle.as_ref(), theme.base, theme.highlight);
            vec![
                Cell::from(hl(name)),
                Cell::from(highlighted(
                    status,
                    needle.as_ref(),
                    status_style,
                    theme.highlight,
                )),
                Cell::from(hl(roles)),
                Cell::from(hl(accel)),
                Cell::from(alloc).style(alloc_style),
                Cell::from(pods),
                Cell::from(age).style(theme.dim),
                Cell::from(taints),
            ]
        })
        .collect();
    table::draw_table(
        frame,
        area,
        state,
        theme,
        pane,
        Columns {
            headers: HEADERS,
            widths,
            droppable: &[7, 2, 6, 5],
        },
        Visible {
            rows,
            window: win,
            shown: matched.len(),
            total: nodes.len(),
            empty: "no nodes seen yet".to_string(),
        },
    );
}
