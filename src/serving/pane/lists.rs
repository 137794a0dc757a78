//! The lists under the Serving drill-down's charts: an endpoint's alert states with
//! since-when, and the pods behind it with status, revision, node and image.

use ratatui::text::{Line, Span};

use crate::serving::derive::alert_eval::AlertState;
use crate::serving::view::EndpointView;
use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::ui::widgets::text::{age, utc};

pub fn alert_lines(state: &AppState, e: &EndpointView, theme: &Theme) -> Vec<Line<'static>> {
    let now = state.serving.at;
    let mut out = Vec::new();
    for a in state.serving.alerts_of(&e.endpoint.key) {
        let (word, at, style) = match a.state {
            AlertState::Firing { since } => ("FIRING  ", Some(since), theme.crit),
            AlertState::Pending { since } => ("pending ", Some(since), theme.warn),
            AlertState::Resolved { at } => ("resolved", Some(at), theme.dim),
            AlertState::Inactive => ("ok      ", None, theme.ok),
        };
        let when = at.map_or(String::new(), |t| {
            format!(
                " {} (since {})",
                age(now, Some(t)),
                utc(t).get(11..).unwrap_or("")
            )
        });
        let value = match (a.value, a.paused) {
            (_, Some(why)) => format!("paused: {why}"),
            (Some(v), None) => format!("now {v:.3}, threshold {}", a.threshold),
            (None, None) => "no value".into(),
        };
        out.push(Line::from(vec![
            Span::styled(format!("{word}{when} "), style),
            Span::styled(a.rule.clone(), style),
            Span::styled(format!("  {} — {value}", a.summary), theme.dim),
        ]));
    }
    if out.is_empty() {
        out.push(Line::from(Span::styled(
            "no alert rule has data for this endpoint",
            theme.dim,
        )));
    }
    out
}

/// The pods behind the endpoint, the one under the cursor (`at`) marked as selected.
pub fn pod_lines(e: &EndpointView, at: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(Span::styled(
        "POD                                   STATUS     READY RESTARTS REVISION    NODE          IMAGE",
        theme.table_header,
    ))];
    for (i, p) in e.pods.iter().enumerate() {
        let style = if i == at {
            theme.selected
        } else if p.status == "Running" {
            theme.base
        } else {
            theme.warn
        };
        out.push(Line::from(Span::styled(
            format!(
                "{:<37} {:<10} {:<5} {:<8} {:<11} {:<13} {}",
                p.name,
                p.status,
                p.ready,
                p.restarts,
                p.revision.as_deref().unwrap_or("-"),
                p.node.as_deref().unwrap_or("-"),
                p.image.as_deref().unwrap_or("-")
            ),
            style,
        )));
    }
    if e.pods.is_empty() {
        out.push(Line::from(Span::styled(
            "no pods match the workload's selector",
            theme.warn,
        )));
    }
    out
}
