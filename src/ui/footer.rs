//! The notice line (newest notice, styled by level) and the footer: key hints generated from the
//! keymap, or the filter / command input line while typing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::contract::event::NoticeLevel;
use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::state::ui::InputMode;
use crate::ui::widgets::text::utc;

/// The newest notice, if any.
pub fn draw_notice(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(n) = state.ui.notices.back() else {
        return;
    };
    let (style, tag) = match n.level {
        NoticeLevel::Info => (theme.info, "info"),
        NoticeLevel::Warn => (theme.warn, "warn"),
        NoticeLevel::Error => (theme.crit, "error"),
    };
    let time = utc(n.at_ms);
    let line = Line::from(vec![
        Span::styled(format!(" {} ", time.get(11..).unwrap_or(&time)), theme.dim),
        Span::styled(format!("{tag}: "), style),
        Span::styled(n.text.clone(), style),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// Footer hints as spans, from `state.keymap.hints()`: as many whole hints as fit in `width`.
pub fn hint_spans(state: &AppState, theme: &Theme, width: usize) -> Vec<Span<'static>> {
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (keys, desc) in state.keymap.hints() {
        let desc = format!(" {desc}  ");
        let w = keys.chars().count() + desc.chars().count();
        if used + w > width + 2 {
            break;
        }
        used += w;
        spans.push(Span::styled(keys, theme.key));
        spans.push(Span::styled(desc, theme.dim));
    }
    spans
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let line = match state.ui.mode {
        InputMode::Normal => Line::from(hint_spans(state, theme, area.width as usize)),
        InputMode::Filter => Line::from(vec![
            Span::styled(format!(" filter {}: ", state.ui.focus.title()), theme.dim),
            Span::styled(format!("/{}▏", state.ui.input), theme.highlight),
            Span::styled("   Enter keep · Esc clear", theme.dim),
        ]),
        InputMode::Command => Line::from(vec![
            Span::styled(format!(" :{}▏", state.ui.input), theme.key),
            Span::styled(
                "   nodes training serving triage events log help speed N quit · Esc cancel",
                theme.dim,
            ),
        ]),
    };
    frame.render_widget(Paragraph::new(line), area);
}
