//! Source health in the header: the worst unhealthy source (a 403 on one resource, an API server
//! that does not answer, a Prometheus that fails; least bad, a watch still syncing its list) and
//! how many others are unhealthy; in a live session that has heard nothing yet, "connecting".

use ratatui::text::Span;

use crate::contract::event::HealthState;
use crate::settings::theme::Theme;
use crate::state::{AppState, Mode};

fn weight(s: HealthState) -> u8 {
    match s {
        HealthState::Ok => 0,
        HealthState::Syncing => 1,
        HealthState::Degraded => 2,
        HealthState::Forbidden => 3,
        HealthState::Unavailable => 4,
    }
}

/// The headline about source health: the worst state, its text, and how many other sources are
/// unhealthy. `None` when every source is fine (or a replay recorded no health at all).
pub fn headline(state: &AppState) -> Option<(HealthState, String, usize)> {
    let health = &state.world.health;
    let bad: Vec<_> = health
        .iter()
        .filter(|(_, h)| h.state != HealthState::Ok)
        .collect();
    let Some((source, worst)) = bad
        .iter()
        .max_by_key(|(s, h)| (weight(h.state), std::cmp::Reverse(*s)))
    else {
        if health.is_empty() && matches!(state.mode, Mode::Live { .. }) {
            return Some((HealthState::Degraded, "connecting…".to_string(), 0));
        }
        return None;
    };
    let text = if worst.state == HealthState::Forbidden {
        worst.message.clone()
    } else if worst.message.is_empty() {
        format!("{source}: {:?}", worst.state).to_lowercase()
    } else {
        format!("{source}: {}", worst.message)
    };
    Some((worst.state, text, bad.len() - 1))
}

/// Spans for the header's counts line (empty when all is well).
pub fn spans(state: &AppState, theme: &Theme) -> Vec<Span<'static>> {
    let Some((st, text, others)) = headline(state) else {
        return Vec::new();
    };
    let (glyph, style) = match st {
        HealthState::Syncing => ("⋯", theme.dim),
        HealthState::Ok | HealthState::Degraded => ("⚠", theme.warn),
        HealthState::Forbidden | HealthState::Unavailable => ("⚠", theme.crit),
    };
    let mut out = vec![
        Span::styled("  │  ", theme.dim),
        Span::styled(format!("{glyph} {text}"), style),
    ];
    if others > 0 {
        out.push(Span::styled(format!(" (+{others} more)"), theme.dim));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::event::{Msg, SourceEvent, TimedEvent};
    use crate::settings::keymap::Keymap;
    use crate::state::update;

    fn health(st: &mut AppState, source: &str, state: HealthState, message: &str) {
        let ev = SourceEvent::SourceHealth {
            source: source.into(),
            state,
            message: message.into(),
        };
        update(st, Msg::Source(vec![TimedEvent { at_ms: 1, ev }]));
    }

    #[test]
    fn worst_source_leads_and_the_rest_are_counted() {
        let mode = Mode::Live {
            context: "prod".into(),
            read_only: true,
        };
        let mut st = AppState::new(mode, Keymap::default());
        assert_eq!(headline(&st).map(|h| h.1), Some("connecting…".into()));
        health(&mut st, "kube/nodes", HealthState::Ok, "synced 3 objects");
        assert_eq!(headline(&st), None);
        health(
            &mut st,
            "kube/pods",
            HealthState::Syncing,
            "500 listed so far",
        );
        assert_eq!(
            headline(&st),
            Some((
                HealthState::Syncing,
                "kube/pods: 500 listed so far".into(),
                0
            ))
        );
        health(
            &mut st,
            "kube/pods",
            HealthState::Forbidden,
            "forbidden: list pods in all namespaces",
        );
        health(
            &mut st,
            "kube/events",
            HealthState::Degraded,
            "watch dropped",
        );
        assert_eq!(
            headline(&st),
            Some((
                HealthState::Forbidden,
                "forbidden: list pods in all namespaces".into(),
                1
            ))
        );
        health(
            &mut st,
            "kube/nodes",
            HealthState::Unavailable,
            "API server unreachable: refused",
        );
        let (s, text, others) = headline(&st).expect("unhealthy");
        assert_eq!(s, HealthState::Unavailable);
        assert_eq!(text, "kube/nodes: API server unreachable: refused");
        assert_eq!(others, 2);
        health(
            &mut st,
            "kube/nodes",
            HealthState::Ok,
            "API server reachable again",
        );
        assert_eq!(headline(&st).map(|h| h.0), Some(HealthState::Forbidden));
    }

    #[test]
    fn a_replay_without_health_says_nothing() {
        let st = AppState::new(Mode::Demo, Keymap::default());
        assert_eq!(headline(&st), None);
        assert!(spans(&st, &Theme::plain()).is_empty());
    }
}
