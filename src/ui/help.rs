//! The help overlay: every binding of the keymap (keys and description), grouped, in a centred
//! popup. Generated from `state.keymap.bindings`, so user rebinds show up here; the replay keys
//! only while replaying.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::contract::action::Action;
use crate::settings::keymap::{Binding, Keymap};
use crate::settings::theme::Theme;
use crate::state::AppState;

const GROUPS: [&str; 6] = ["General", "Panes", "Move", REPLAY, "Views", "Triage"];

/// The group of the replay controls (pause, speed, jumps), which a live session has none of.
pub const REPLAY: &str = "Replay";

/// Which help group an action belongs to.
pub fn group(a: Action) -> &'static str {
    use Action::*;
    match a {
        Help | Quit | Command | Filter | Back => GROUPS[0],
        FocusNext | FocusPrev | FocusNodes | FocusTraining | FocusServing | FocusTriage
        | FocusEvents | FocusLog | Zoom | Select => GROUPS[1],
        Up | Down | PageUp | PageDown | Top | Bottom => GROUPS[2],
        ReplayPause | ReplayFaster | ReplaySlower | ReplayStart | ReplayEnd | ReplayStep => {
            GROUPS[3]
        }
        Sort | SortReverse | SearchNext | SearchPrev | Follow | Wrap | Timestamps | JumpError
        | Save | Copy => GROUPS[4],
        HistoryBack | HistoryForward | WhatsWrong | Walkthrough => GROUPS[5],
    }
}

fn group_lines(theme: &Theme, name: &str, bindings: &[&Binding]) -> Vec<Line<'static>> {
    let labels: Vec<String> = bindings.iter().map(|b| Keymap::keys_label(b)).collect();
    let w = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let mut lines = vec![Line::from(Span::styled(name.to_string(), theme.title))];
    for (b, label) in bindings.iter().zip(labels) {
        lines.push(Line::from(vec![
            Span::styled(format!("  {label:>w$}"), theme.key),
            Span::styled(format!("  {}", b.desc), theme.base),
        ]));
    }
    lines.push(Line::default());
    lines
}

/// A `w`×`h` rectangle centred in `area` (clipped to it).
pub fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let mut columns: Vec<Vec<Line>> = Vec::new();
    let mut groups: Vec<Vec<Line>> = Vec::new();
    let mut named: Vec<&str> = GROUPS.to_vec();
    named.push("Other");
    for name in named {
        let members: Vec<&Binding> = state
            .keymap
            .bindings
            .iter()
            .filter(|b| {
                !b.keys.is_empty()
                    && group(b.action) == name
                    && crate::ui::footer::applies(state, b.action)
            })
            .collect();
        if !members.is_empty() {
            groups.push(group_lines(theme, name, &members));
        }
    }
    let total: usize = groups.iter().map(Vec::len).sum();
    let two = area.width >= 100;
    if two {
        // Fill the left column up to about half the lines, the rest on the right.
        let mut left = Vec::new();
        let mut right = Vec::new();
        for g in groups {
            if left.len() + g.len() / 2 <= total / 2 {
                left.extend(g);
            } else {
                right.extend(g);
            }
        }
        columns.push(left);
        columns.push(right);
    } else {
        columns.push(groups.into_iter().flatten().collect());
    }
    let tallest = columns.iter().map(Vec::len).max().unwrap_or(0) as u16;
    let col_w = columns.iter().flatten().map(Line::width).max().unwrap_or(0) as u16;
    let width = (col_w + 2).saturating_mul(columns.len() as u16) + 2;
    let popup = centred(area, width, tallest.saturating_add(2));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(" Keys ", theme.title))
        .title_bottom(Line::from(Span::styled(" from keymap.toml ", theme.dim)).right_aligned());
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let areas = Layout::horizontal(vec![Constraint::Fill(1); columns.len()]).split(inner);
    for (col, a) in columns.into_iter().zip(areas.iter()) {
        let padded = Rect {
            x: a.x.saturating_add(1).min(a.right()),
            width: a.width.saturating_sub(1),
            ..*a
        };
        frame.render_widget(Paragraph::new(col).style(theme.base), padded);
    }
}
