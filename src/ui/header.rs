//! The header: app name, scenario title or cluster context, the mode badge, the event clock with
//! replay position, and the headline counts (see `triage::summary`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::settings::theme::Theme;
use crate::state::{AppState, Mode};
use crate::triage::summary::Summary;
use crate::ui::widgets::text::{clock_span, utc};

/// The mode badge text and whether it marks a writing session.
pub fn badge(mode: &Mode) -> (&'static str, bool) {
    match mode {
        Mode::Demo => ("DEMO · READ-ONLY", false),
        Mode::Replay => ("REPLAY · READ-ONLY", false),
        Mode::Live {
            read_only: true, ..
        } => ("LIVE · READ-ONLY", false),
        Mode::Live {
            read_only: false, ..
        } => ("LIVE · WRITES", true),
    }
}

/// `2025-01-01 12:00:00 UTC +01:23/05:00 ×4 ⏸` (the replay part only while replaying).
pub fn clock(state: &AppState) -> String {
    let mut s = format!("{} UTC", utc(state.now_ms));
    if let Some(r) = state.replay_status {
        s.push_str(&format!(
            " +{}/{} ×{}",
            clock_span(r.pos_ms),
            clock_span(r.duration_ms),
            r.speed
        ));
        if r.paused {
            s.push_str(" ⏸");
        }
    }
    s
}

fn count(theme: &Theme, label: &str, good: u64, total: u64, suffix: &str) -> Vec<Span<'static>> {
    let style = if good < total { theme.crit } else { theme.ok };
    vec![
        Span::styled(format!("{label} "), theme.dim),
        Span::styled(format!("{good}/{total}"), style),
        Span::styled(format!(" {suffix}"), theme.dim),
    ]
}

fn counts_line(theme: &Theme, s: &Summary) -> Line<'static> {
    let sep = || Span::styled("  │  ", theme.dim);
    let mut spans = vec![Span::raw(" ")];
    spans.extend(count(
        theme,
        "nodes",
        s.nodes_ready as u64,
        s.nodes_total as u64,
        "ready",
    ));
    spans.push(sep());
    spans.extend(count(
        theme,
        "accelerators",
        s.accel_healthy,
        s.accel_total,
        "healthy",
    ));
    spans.push(sep());
    spans.push(Span::styled("jobs failing ", theme.dim));
    let jobs_style = if s.jobs_failing > 0 {
        theme.crit
    } else {
        theme.ok
    };
    spans.push(Span::styled(
        format!("{}/{}", s.jobs_failing, s.jobs_total),
        jobs_style,
    ));
    // Stuck jobs (a pod waiting past `[training] stuck_after`), when there are any.
    if s.jobs_stuck > 0 {
        spans.push(Span::styled(" · stuck ", theme.dim));
        spans.push(Span::styled(s.jobs_stuck.to_string(), theme.warn));
    }
    spans.push(sep());
    spans.push(Span::styled("endpoints breaching ", theme.dim));
    spans.push(match s.endpoints_breaching {
        Some(0) => Span::styled("0", theme.ok),
        Some(n) => Span::styled(n.to_string(), theme.breach),
        None => Span::styled("—", theme.dim),
    });
    Line::from(spans)
}

/// `text` cut to `max` characters, ending in `…` when cut.
pub fn ellipsize(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    if max > 0 {
        out.push('…');
    }
    out
}

/// Draw the header into `area` (one or two lines).
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let [top, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let place = match (&state.mode, &state.replay) {
        (Mode::Live { context, .. }, _) => context.clone(),
        (_, Some(r)) if !r.title.is_empty() => r.title.clone(),
        (_, Some(r)) => r.name.clone(),
        (_, None) => String::new(),
    };
    let (badge_text, writes) = badge(&state.mode);
    let badge_style: Style = if writes {
        theme.badge_write
    } else {
        theme.badge_readonly
    };
    let prefix = format!(" aicockpit   {badge_text}   ");
    let room_for_clock = (top.width as usize).saturating_sub(prefix.chars().count());
    let full = clock(state);
    // The longest clock form that fits beside the badge: full, then time and replay, then time.
    let clock_text = [full.clone(), full.get(11..).unwrap_or_default().to_string()]
        .into_iter()
        .chain(full.get(11..19).map(str::to_string))
        .find(|c| c.chars().count() < room_for_clock)
        .unwrap_or_default();
    let clock_w = clock_text.chars().count() as u16 + u16::from(!clock_text.is_empty());
    let [l, r] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(clock_w)]).areas(top);
    let room = (l.width as usize).saturating_sub(prefix.chars().count() + 1);
    let left = Line::from(vec![
        Span::styled(" aicockpit ", theme.title),
        Span::styled(format!(" {badge_text} "), badge_style),
        Span::raw("  "),
        Span::raw(ellipsize(&place, room)),
    ]);
    frame.render_widget(Paragraph::new(left).style(theme.header), l);
    frame.render_widget(
        Paragraph::new(Line::from(clock_text).right_aligned()).style(theme.header),
        r,
    );
    if rest.height > 0 {
        let mut line = counts_line(theme, &state.summary);
        line.spans.extend(crate::ui::health::spans(state, theme));
        frame.render_widget(Paragraph::new(line), rest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::event::ReplayStatus;
    use crate::settings::keymap::Keymap;

    #[test]
    fn badge_follows_mode() {
        assert_eq!(badge(&Mode::Demo), ("DEMO · READ-ONLY", false));
        let live = |read_only| Mode::Live {
            context: "prod".into(),
            read_only,
        };
        assert_eq!(badge(&live(true)), ("LIVE · READ-ONLY", false));
        assert_eq!(badge(&live(false)), ("LIVE · WRITES", true));
    }

    #[test]
    fn clock_shows_replay_position_speed_and_pause() {
        let mut st = AppState::new(Mode::Demo, Keymap::default());
        st.now_ms = 1_741_942_800_000;
        assert_eq!(clock(&st), "2025-03-14 09:00:00 UTC");
        st.replay_status = Some(ReplayStatus {
            pos_ms: 83_000,
            duration_ms: 300_000,
            speed: 4,
            paused: true,
            ..ReplayStatus::default()
        });
        assert_eq!(clock(&st), "2025-03-14 09:00:00 UTC +01:23/05:00 ×4 ⏸");
        assert_eq!(ellipsize("abcdef", 4), "abc…");
        assert_eq!(ellipsize("abc", 4), "abc");
    }
}
