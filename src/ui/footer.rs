//! The notice line (the newest notice, styled by level; gone once resolved, as a source warning
//! when the source is healthy again) and the footer: key hints generated from the keymap, or the
//! filter / command input line while typing. Replay keys and commands are hinted only while
//! replaying.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::contract::action::Action;
use crate::contract::event::NoticeLevel;
use crate::settings::keymap::Keymap;
use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::state::ui::InputMode;
use crate::ui::widgets::text::utc;

/// The newest notice, unless what it warned about is resolved.
pub fn draw_notice(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(n) = state.ui.notices.back().filter(|n| n.resolved_ms.is_none()) else {
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

/// Whether `action` means anything in this session: replay control only while replaying.
pub fn applies(state: &AppState, action: Action) -> bool {
    state.mode.is_replay() || crate::ui::help::group(action) != crate::ui::help::REPLAY
}

/// Footer hints as spans, from the keymap's hinted bindings that apply to this session: as many
/// whole hints as fit in `width`.
pub fn hint_spans(state: &AppState, theme: &Theme, width: usize) -> Vec<Span<'static>> {
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    let hinted = state
        .keymap
        .bindings
        .iter()
        .filter(|b| b.hint && !b.keys.is_empty() && applies(state, b.action))
        .map(|b| (Keymap::keys_label(b), b.desc.clone()));
    for (keys, desc) in hinted {
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
            Span::styled(command_hint(state), theme.dim),
        ]),
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The commands hinted while typing `:`: the replay's `speed` only while replaying, the live
/// session's `ctx` and `ns` only when live.
pub fn command_hint(state: &AppState) -> &'static str {
    if state.mode.is_replay() {
        "   nodes training serving triage events log help speed N quit · Esc cancel"
    } else {
        "   nodes training serving triage events log help ctx NAME ns NS quit · Esc cancel"
    }
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::settings::keymap::Keymap;
    use crate::state::Mode;

    fn live() -> AppState {
        let mode = Mode::Live {
            context: "prod".into(),
            read_only: true,
        };
        AppState::new(mode, Keymap::embedded().expect("keymap"))
    }

    fn demo() -> AppState {
        AppState::new(Mode::Demo, Keymap::embedded().expect("keymap"))
    }

    fn hints(st: &AppState) -> String {
        hint_spans(st, &Theme::plain(), 400)
            .iter()
            .map(|s| s.content.to_string())
            .collect()
    }

    fn screen(st: &AppState) -> String {
        let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        term.draw(|f| crate::ui::draw(f, st, &Theme::plain()))
            .expect("draw");
        let buf = term.backend().buffer();
        buf.content().iter().map(|c| c.symbol()).collect()
    }

    #[test]
    fn live_mode_hints_no_replay_keys() {
        assert!(hints(&demo()).contains("pause / resume the replay"));
        let h = hints(&live());
        assert!(!h.contains("replay"), "{h}");
        assert!(h.contains("toggle this help"), "{h}");
        assert!(command_hint(&demo()).contains("speed N"));
        let cmd = command_hint(&live());
        assert!(!cmd.contains("speed") && cmd.contains("ctx NAME"), "{cmd}");
    }

    #[test]
    fn live_help_has_no_replay_group() {
        let mut st = live();
        st.ui.help = true;
        let s = screen(&st);
        assert!(s.contains("toggle this help"), "{s}");
        assert!(
            !s.contains("Replay") && !s.contains("jump to the start"),
            "{s}"
        );
        let mut st = demo();
        st.ui.help = true;
        assert!(screen(&st).contains("jump to the start of the replay"));
    }

    #[test]
    fn a_resolved_warning_leaves_the_notice_line() {
        let mut st = demo();
        st.ui.notify_on(
            "source:prometheus",
            NoticeLevel::Warn,
            "prometheus degraded",
            0,
        );
        assert!(screen(&st).contains("warn: prometheus degraded"));
        st.ui.resolve("source:prometheus", 65_000);
        let s = screen(&st);
        assert!(!s.contains("prometheus degraded"), "{s}");
    }
}
